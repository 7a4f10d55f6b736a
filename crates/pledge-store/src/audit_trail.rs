//! The audit log as the privacy office reads it: entries filtered by person, actor, action,
//! data category and time, newest first, with the pseudonyms turned back into people where
//! the store knows them; and the chain checked against its signed checkpoints.
//!
//! The log stores keyed pseudonyms, never person ids. The trail turns them back by computing
//! every person's subject and actor keys (the store holds the pseudonym secret) and the keys
//! of the portal's own services ([`SERVICES`]); an actor it cannot name is shown by the start
//! of its key. The names of the people on the page shown are read on the officer's behalf, and
//! audited like any other read.

use std::collections::{BTreeSet, HashMap};

use pledge_audit::{Action, ActorKey, Event, Outcome, Query, RequestId, SubjectKey};
use pledge_domain::RecordId;
use pledge_domain::{CategoryId, PersonId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::Query as Sql;
use time::OffsetDateTime;

use crate::error::db;
use crate::{Store, StoreError};

/// The most entries one page of the trail shows (the newest matching ones).
pub const TRAIL_PAGE: usize = 200;

/// The services that act in the log under their own names.
pub const SERVICES: &[&str] = &[
    "portal",
    "privacy-centre",
    "privacy-office",
    "privacy-officer",
    "retention-sweep",
    "sweep",
    "mailer",
    "sign-up",
    "seed",
    "exams-office",
    "exam-board-sync",
    "certificate-verification",
    "tour-desk",
    "pledge-admin",
    "policy-changes",
    "sync",
];

/// What the trail is narrowed to; every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailFilter {
    /// Only entries about this person.
    pub person: Option<PersonId>,
    /// Only entries by this person.
    pub actor: Option<PersonId>,
    /// Only entries by this service.
    pub service: Option<String>,
    /// Only this action.
    pub action: Option<Action>,
    /// Only entries involving this category.
    pub category: Option<CategoryId>,
    /// From this time on.
    pub from: Option<OffsetDateTime>,
    /// Strictly before this time.
    pub until: Option<OffsetDateTime>,
    /// Only entries that ended this way (`Denied`: refused attempts).
    pub outcome: Option<Outcome>,
}

/// How many refused attempts by one actor within [`ALERT_WINDOW`] raise an alert.
pub const ALERT_THRESHOLD: usize = 5;
/// How far back the office's denial alerts look.
pub const ALERT_WINDOW: time::Duration = time::Duration::hours(24);

/// An actor refused again and again: someone probing for data they may not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenialAlert {
    /// Who was refused (named when the store can read their name).
    pub actor: Party,
    /// How many refusals within the window.
    pub denials: usize,
    /// The first and the last of them.
    pub first: OffsetDateTime,
    /// The last of them.
    pub last: OffsetDateTime,
}

/// Who an entry names, as the trail shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A person: their id and, when they can be read, their name.
    Person(PersonId, Option<String>),
    /// One of the portal's services, by name.
    Service(&'static str),
    /// A key the store cannot turn back (a service of another program, or a removed person):
    /// the start of its hexadecimal form.
    Unknown(String),
}

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailEntry {
    /// Its place in the log.
    pub seq: u64,
    /// When it was logged.
    pub at: OffsetDateTime,
    /// Who acted.
    pub actor: Party,
    /// What they did.
    pub action: Action,
    /// Whose data, if anyone's.
    pub subject: Option<Party>,
    /// The categories involved.
    pub categories: Vec<String>,
    /// Why.
    pub purpose: Option<String>,
    /// How it ended (`succeeded`, `denied`, `failed`).
    pub outcome: &'static str,
}

/// A page of the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trail {
    /// The newest matching entries, newest first, at most [`TRAIL_PAGE`].
    pub entries: Vec<TrailEntry>,
    /// How many entries matched in all.
    pub matched: usize,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every record chains and every checkpoint's signature and head agree.
    Verified {
        /// Records in the log.
        records: u64,
        /// Records covered by the largest signed checkpoint.
        signed: u64,
        /// The chain's head after the last record, in hexadecimal.
        head: String,
    },
    /// The log was tampered with from `position` on.
    Damaged {
        /// The first position that cannot be trusted.
        position: u64,
        /// What was found there, in words.
        what: String,
    },
}

/// Pseudonyms turned back into people and services.
struct Names {
    subjects: HashMap<SubjectKey, PersonId>,
    actors: HashMap<ActorKey, Party>,
}

fn short(key: &impl std::fmt::Display) -> String {
    key.to_string().chars().take(12).collect()
}

const fn outcome_name(outcome: pledge_audit::Outcome) -> &'static str {
    match outcome {
        pledge_audit::Outcome::Succeeded => "succeeded",
        pledge_audit::Outcome::Denied => "denied",
        pledge_audit::Outcome::Failed => "failed",
    }
}

impl Store {
    /// Every person's id (erased people included: their pseudonyms stay in the log).
    pub(crate) async fn every_person(&self) -> Result<Vec<PersonId>, StoreError> {
        let mut select = Sql::select();
        select.column("id").from("person");
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("list people for the audit trail"))?;
        rows.iter()
            .map(|row| {
                row.try_get_by_index::<uuid::Uuid>(0)
                    .map(PersonId::from_uuid)
                    .map_err(|_| StoreError::Corrupt { what: "person id" })
            })
            .collect()
    }

    async fn names(&self) -> Result<Names, StoreError> {
        let people = self.every_person().await?;
        let subjects = people
            .iter()
            .map(|p| (self.audit.subject(*p), *p))
            .collect();
        let mut actors: HashMap<ActorKey, Party> = people
            .iter()
            .map(|p| (self.audit.actor(*p), Party::Person(*p, None)))
            .collect();
        for service in SERVICES {
            actors.insert(self.audit.service(service), Party::Service(service));
        }
        Ok(Names { subjects, actors })
    }

    /// The newest [`TRAIL_PAGE`] entries matching `filter`, newest first, with the names of
    /// the people they show read on `officer`'s behalf (audited).
    ///
    /// # Errors
    /// Database failures, or a record that does not decode.
    pub async fn audit_trail(
        &self,
        filter: &TrailFilter,
        officer: PersonId,
        now: OffsetDateTime,
    ) -> Result<Trail, StoreError> {
        let query = Query {
            subject: filter.person.map(|p| self.audit.subject(p)),
            actor: filter
                .actor
                .map(|p| self.audit.actor(p))
                .or_else(|| filter.service.as_deref().map(|s| self.audit.service(s))),
            actions: filter.action.into_iter().collect(),
            category: filter.category.clone(),
            from: filter.from,
            until: filter.until,
        };
        let records = match query.subject {
            Some(subject) => self
                .audit
                .records_about(&self.db, subject)
                .await?
                .into_iter()
                .map(|(record, _)| record)
                .collect(),
            None => self.audit.records(&self.db).await?,
        };
        let mut found = query.run(&records)?;
        if let Some(outcome) = filter.outcome {
            found.retain(|logged| logged.entry.event.outcome == outcome);
        }
        let matched = found.len();
        let names = self.names().await?;
        let mut entries: Vec<TrailEntry> = found
            .into_iter()
            .rev()
            .take(TRAIL_PAGE)
            .map(|logged| {
                let event = logged.entry.event;
                TrailEntry {
                    seq: logged.seq,
                    at: logged.entry.at,
                    actor: names
                        .actors
                        .get(&event.actor)
                        .cloned()
                        .unwrap_or_else(|| Party::Unknown(short(&event.actor))),
                    action: event.action,
                    subject: event.subject.map(|s| {
                        names
                            .subjects
                            .get(&s)
                            .map_or_else(|| Party::Unknown(short(&s)), |p| Party::Person(*p, None))
                    }),
                    categories: event.categories.iter().map(|c| c.to_string()).collect(),
                    purpose: event.purpose.map(|p| p.to_string()),
                    outcome: outcome_name(event.outcome),
                }
            })
            .collect();
        self.name_people(&mut entries, officer, now).await?;
        Ok(Trail { entries, matched })
    }

    /// Records a refused attempt by `actor` to read (`Action::Read`) or change
    /// (`Action::Update`) data they may not: the entry names no subject — the refusal may have
    /// hidden whether the thing exists — but the objects the attempt named (`objects`, ids from
    /// its address), and ends `Denied`.
    ///
    /// # Errors
    /// Database or audit failures.
    pub async fn record_denial(
        &self,
        actor: ActorKey,
        action: Action,
        objects: BTreeSet<RecordId>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let event = Event {
            actor,
            action,
            subject: None,
            categories: BTreeSet::new(),
            purpose: None,
            request: RequestId::from_bytes(uuid::Uuid::now_v7().into_bytes()),
            records: objects,
            outcome: Outcome::Denied,
        };
        let txn = self.write_txn("record a refused attempt").await?;
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a refused attempt"))
    }

    /// The actors refused at least [`ALERT_THRESHOLD`] times within [`ALERT_WINDOW`] before
    /// `now`, most refused first, named for `officer` (each name read is audited).
    ///
    /// # Errors
    /// Database failures.
    pub async fn denial_alerts(
        &self,
        officer: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<DenialAlert>, StoreError> {
        let records = self.audit.records_without_subject(&self.db).await?;
        let recent = Query {
            from: Some(now - ALERT_WINDOW),
            until: Some(now + time::Duration::SECOND),
            ..Query::default()
        }
        .run(&records)?;
        let mut by_actor: HashMap<ActorKey, (usize, OffsetDateTime, OffsetDateTime)> =
            HashMap::new();
        for logged in recent {
            if logged.entry.event.outcome != Outcome::Denied {
                continue;
            }
            let at = logged.entry.at;
            let slot = by_actor
                .entry(logged.entry.event.actor)
                .or_insert((0, at, at));
            slot.0 += 1;
            slot.1 = slot.1.min(at);
            slot.2 = slot.2.max(at);
        }
        let grouped: Vec<(ActorKey, (usize, OffsetDateTime, OffsetDateTime))> = by_actor
            .into_iter()
            .filter(|(_, (count, _, _))| *count >= ALERT_THRESHOLD)
            .collect();
        if grouped.is_empty() {
            return Ok(Vec::new());
        }
        let names = self.names().await?;
        let mut entries: Vec<TrailEntry> = grouped
            .iter()
            .map(|(actor, (_, _, last))| TrailEntry {
                seq: 0,
                at: *last,
                actor: names
                    .actors
                    .get(actor)
                    .cloned()
                    .unwrap_or_else(|| Party::Unknown(short(actor))),
                action: Action::Read,
                subject: None,
                categories: Vec::new(),
                purpose: None,
                outcome: "denied",
            })
            .collect();
        self.name_people(&mut entries, officer, now).await?;
        let mut alerts: Vec<DenialAlert> = grouped
            .into_iter()
            .zip(entries)
            .map(|((_, (denials, first, last)), entry)| DenialAlert {
                actor: entry.actor,
                denials,
                first,
                last,
            })
            .collect();
        alerts.sort_by(|a, b| b.denials.cmp(&a.denials).then(b.last.cmp(&a.last)));
        Ok(alerts)
    }

    /// Fills in the names of the people `entries` show, auditing each read as `officer`'s.
    async fn name_people(
        &self,
        entries: &mut [TrailEntry],
        officer: PersonId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let shown: BTreeSet<PersonId> = entries
            .iter()
            .flat_map(|e| [Some(&e.actor), e.subject.as_ref()])
            .flatten()
            .filter_map(|party| match party {
                Party::Person(id, _) => Some(*id),
                _ => None,
            })
            .collect();
        let mut known = HashMap::new();
        for person in &shown {
            match self.open_live(*person).await {
                Ok(view) => {
                    known.insert(*person, view.display_name);
                }
                Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => {}
                Err(error) => return Err(error),
            }
        }
        let name = |party: &mut Party| {
            if let Party::Person(id, slot) = party {
                *slot = known.get(id).cloned();
            }
        };
        for entry in entries.iter_mut() {
            name(&mut entry.actor);
            if let Some(subject) = entry.subject.as_mut() {
                name(subject);
            }
        }
        let read: Vec<PersonId> = known.keys().copied().collect();
        self.audit_office_reads(officer, read, now).await
    }

    /// Checks the whole chain against its signed checkpoints.
    ///
    /// # Errors
    /// Database failures, or [`StoreError::Corrupt`] when the subject index disagrees with
    /// an entry.
    pub async fn check_chain(&self) -> Result<ChainCheck, StoreError> {
        Ok(match self.audit.verify(&self.db).await? {
            Ok(verified) => ChainCheck::Verified {
                records: verified.size(),
                signed: verified.signed_size(),
                head: verified.head().to_string(),
            },
            Err(damage) => ChainCheck::Damaged {
                position: damage.position,
                what: damage.kind.to_string(),
            },
        })
    }

    /// Signs a checkpoint of the chain as it stands, after checking it: a damaged chain is
    /// not signed over. Returns the check made before signing and the size signed.
    ///
    /// # Errors
    /// As [`Store::check_chain`]; database failures.
    pub async fn sign_checkpoint(&self) -> Result<(ChainCheck, Option<u64>), StoreError> {
        let check = self.check_chain().await?;
        if matches!(check, ChainCheck::Damaged { .. }) {
            return Ok((check, None));
        }
        let checkpoint = self.audit.checkpoint(&self.db).await?;
        Ok((check, Some(checkpoint.size())))
    }
}

//! The breach register: an incident recorded with what happened, which of the policy's data
//! categories it touched, when it was discovered (the notification clocks start there) and
//! what is being done; the people it affected, computed by the store; and the notices.
//!
//! The affected people come from one of two sources, as the incident calls for:
//! [`Exposure::Holdings`] — everyone with a record in a table (or a sealed column) the policy
//! files under a breached category, from the store's declarations; or
//! [`Exposure::ReadsBetween`] — everyone whose data in those categories the audit log shows
//! read or exported in a window (a stolen staff account, a leaked report), optionally by one
//! actor. They are written with the breach in one transaction.
//!
//! Notices to the people go through the outbox, one per person not yet told, each marked told
//! in the same transaction (sending again tells only those still untold). The report to the
//! supervisory authority is a draft the office files on the authority's own site; the office
//! records when it did.

use std::collections::BTreeSet;

use pledge_audit::{Action, Query as AuditQuery};
use pledge_domain::{CategoryId, PersonId};
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::declared::{self, claims_of, owned_tables};
use crate::error::db;
use crate::outbox::NewMessage;
use crate::{Store, StoreError};

/// The outbox kind of a breach notice to a person.
pub const BREACH_NOTICE: &str = "breach-notice";

/// Whose data an incident exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Everyone with data in the breached categories.
    Holdings,
    /// Everyone whose data in the breached categories was read or exported from `from` up
    /// to `until`, by `actor` alone when given.
    ReadsBetween {
        /// The window's start.
        from: OffsetDateTime,
        /// Its end (exclusive).
        until: OffsetDateTime,
        /// Only this person's reads.
        actor: Option<PersonId>,
    },
}

/// An incident as the office records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBreach<'a> {
    /// What happened, in a line.
    pub title: &'a str,
    /// What happened, for the notices.
    pub what_happened: &'a str,
    /// What is being done about it, for the notices.
    pub steps_taken: &'a str,
    /// The policy's categories it touched.
    pub categories: Vec<CategoryId>,
    /// When it happened, if known.
    pub occurred_at: Option<OffsetDateTime>,
    /// When it was discovered.
    pub discovered_at: OffsetDateTime,
    /// Whose data it exposed.
    pub exposure: Exposure,
}

/// A recorded incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// Its id.
    pub id: Uuid,
    /// What happened, in a line.
    pub title: String,
    /// What happened.
    pub what_happened: String,
    /// What is being done.
    pub steps_taken: String,
    /// The categories it touched.
    pub categories: Vec<String>,
    /// When it happened, if known.
    pub occurred_at: Option<OffsetDateTime>,
    /// When it was discovered.
    pub discovered_at: OffsetDateTime,
    /// When the authority was told.
    pub regulator_notified_at: Option<OffsetDateTime>,
    /// When the affected people were told.
    pub people_notified_at: Option<OffsetDateTime>,
    /// How many people it affected.
    pub affected: u64,
    /// How many of them were told.
    pub told: u64,
}

impl Breach {
    /// When the authority must be told by, under `policy`.
    #[must_use]
    pub fn authority_due(&self, policy: &ValidPolicy) -> Option<OffsetDateTime> {
        policy
            .policy()
            .breach
            .notify_authority_within
            .after(self.discovered_at)
    }

    /// When the affected people must be told by, under `policy`.
    #[must_use]
    pub fn people_due(&self, policy: &ValidPolicy) -> Option<OffsetDateTime> {
        policy
            .policy()
            .breach
            .notify_people_within
            .after(self.discovered_at)
    }
}

const COLUMNS: [&str; 9] = [
    "id",
    "title",
    "description",
    "steps_taken",
    "data_categories",
    "occurred_at",
    "discovered_at",
    "regulator_notified_at",
    "people_notified_at",
];

fn check(policy: &ValidPolicy, new: &NewBreach<'_>, now: OffsetDateTime) -> Result<(), StoreError> {
    if new.title.trim().is_empty() || new.what_happened.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a breach needs a title and what happened",
        ));
    }
    if new.steps_taken.trim().is_empty() {
        return Err(StoreError::Invalid(
            "say what is being done about it: the notices must",
        ));
    }
    if new.categories.is_empty() {
        return Err(StoreError::Invalid("name at least one category of data"));
    }
    let known = &policy.policy().categories;
    if new
        .categories
        .iter()
        .any(|c| !known.iter().any(|k| &k.id == c))
    {
        return Err(StoreError::Invalid("a category is not one of the policy's"));
    }
    if new.discovered_at > now || new.occurred_at.is_some_and(|at| at > new.discovered_at) {
        return Err(StoreError::Invalid(
            "it cannot be discovered in the future, nor happen after it was discovered",
        ));
    }
    if let Exposure::ReadsBetween { from, until, .. } = new.exposure
        && from >= until
    {
        return Err(StoreError::Invalid("the window must end after it starts"));
    }
    Ok(())
}

impl Store {
    /// Everyone with a record the policy files under one of `categories`.
    async fn holders_of(
        &self,
        policy: &ValidPolicy,
        categories: &[CategoryId],
    ) -> Result<BTreeSet<PersonId>, StoreError> {
        let breached = |claim: &str| {
            declared::category_of(policy, claim)
                .is_some_and(|c| categories.iter().any(|b| b.as_str() == c))
        };
        let mut people = BTreeSet::new();
        for table in owned_tables() {
            if !claims_of(table).iter().any(|claim| breached(claim)) {
                continue;
            }
            for owner in table.owner {
                let mut select = Query::select();
                select
                    .distinct()
                    .column(*owner)
                    .from(table.table)
                    .and_where(Expr::col(*owner).is_not_null());
                let rows = self
                    .db
                    .query_all(&select)
                    .await
                    .map_err(db("find the people a breach affected"))?;
                for row in &rows {
                    let id: Uuid = row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                        what: "owner column",
                    })?;
                    people.insert(PersonId::from_uuid(id));
                }
            }
        }
        // An erased person's data is gone: the incident cannot have exposed it.
        let mut erased = Query::select();
        erased
            .column("id")
            .from("person")
            .and_where(Expr::col("erased_at").is_not_null());
        for row in self
            .db
            .query_all(&erased)
            .await
            .map_err(db("list erased people"))?
        {
            if let Ok(id) = row.try_get_by_index::<Uuid>(0) {
                people.remove(&PersonId::from_uuid(id));
            }
        }
        Ok(people)
    }

    /// Everyone whose data in `categories` the audit log shows read or exported in the window.
    async fn read_between(
        &self,
        categories: &[CategoryId],
        exposure: Exposure,
    ) -> Result<BTreeSet<PersonId>, StoreError> {
        let Exposure::ReadsBetween { from, until, actor } = exposure else {
            return Ok(BTreeSet::new());
        };
        let query = AuditQuery {
            actor: actor.map(|p| self.audit.actor(p)),
            actions: vec![Action::Read, Action::Export],
            from: Some(from),
            until: Some(until),
            ..AuditQuery::default()
        };
        let records = self.audit.records(&self.db).await?;
        let found = query.run(&records)?;
        let subjects: BTreeSet<_> = found
            .iter()
            .filter(|logged| {
                logged
                    .entry
                    .event
                    .categories
                    .iter()
                    .any(|c| categories.contains(c))
            })
            .filter_map(|logged| logged.entry.event.subject)
            .collect();
        let people = self.every_person().await?;
        Ok(people
            .into_iter()
            .filter(|p| subjects.contains(&self.audit.subject(*p)))
            .collect())
    }

    /// Records an incident and the people it affected, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a blank title, account or steps, no or unknown categories,
    /// impossible times; failures.
    pub async fn record_breach(
        &self,
        policy: &ValidPolicy,
        new: &NewBreach<'_>,
        actor: pledge_audit::ActorKey,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        check(policy, new, now)?;
        let affected = match new.exposure {
            Exposure::Holdings => self.holders_of(policy, &new.categories).await?,
            Exposure::ReadsBetween { .. } => {
                self.read_between(&new.categories, new.exposure).await?
            }
        };
        let id = Uuid::now_v7();
        let listed: Vec<&str> = new.categories.iter().map(CategoryId::as_str).collect();
        let mut insert = Query::insert();
        insert
            .into_table("breach")
            .columns([
                "id",
                "title",
                "description",
                "steps_taken",
                "data_categories",
                "occurred_at",
                "discovered_at",
            ])
            .values([
                id.into(),
                new.title.trim().into(),
                new.what_happened.trim().into(),
                new.steps_taken.trim().into(),
                listed.join(",").into(),
                new.occurred_at.into(),
                new.discovered_at.into(),
            ])
            .map_err(|_| StoreError::Invalid("breach values"))?;
        let txn = self.write_txn("start recording a breach").await?;
        txn.execute(&insert).await.map_err(db("record a breach"))?;
        for person in &affected {
            let mut subject = Query::insert();
            subject
                .into_table("breach_subject")
                .columns(["id", "breach_id", "person_id"])
                .values([Uuid::now_v7().into(), id.into(), person.as_uuid().into()])
                .map_err(|_| StoreError::Invalid("breach subject values"))?;
            txn.execute(&subject)
                .await
                .map_err(db("record a person a breach affected"))?;
        }
        let event = self.audit.admin_event(actor);
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a breach"))?;
        Ok(id)
    }

    /// Every incident, newest discovery first.
    ///
    /// # Errors
    /// Failures.
    pub async fn breaches(&self) -> Result<Vec<Breach>, StoreError> {
        let mut select = Query::select();
        select
            .columns(COLUMNS)
            .from("breach")
            .order_by("discovered_at", Order::Desc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read the breach register"))?;
        let counts = self.counts_by_breach(None).await?;
        rows.iter()
            .map(|row| {
                let id: Uuid = row
                    .try_get_by_index(0)
                    .map_err(|_| StoreError::Corrupt { what: "breach" })?;
                breach_of(row, counts.get(&id).copied().unwrap_or((0, 0)))
            })
            .collect()
    }

    /// One incident.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when there is none with this id; failures.
    pub async fn breach(&self, id: Uuid) -> Result<Breach, StoreError> {
        let mut select = Query::select();
        select
            .columns(COLUMNS)
            .from("breach")
            .and_where(Expr::col("id").eq(id));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a breach"))?
            .ok_or(StoreError::Invalid("there is no such breach"))?;
        self.breach_from(&row).await
    }

    async fn breach_from(&self, row: &sea_orm::QueryResult) -> Result<Breach, StoreError> {
        let id: Uuid = row
            .try_get_by_index(0)
            .map_err(|_| StoreError::Corrupt { what: "breach" })?;
        breach_of(row, self.breach_counts(id).await?)
    }

    /// How many people `breach` affected, and how many were told.
    async fn breach_counts(&self, breach: Uuid) -> Result<(u64, u64), StoreError> {
        let counts = self.counts_by_breach(Some(breach)).await?;
        Ok(counts.get(&breach).copied().unwrap_or((0, 0)))
    }

    /// For every breach that affected anyone (or only `only`): how many people, and how many
    /// were told — one grouped query, however long the register.
    async fn counts_by_breach(
        &self,
        only: Option<Uuid>,
    ) -> Result<std::collections::HashMap<Uuid, (u64, u64)>, StoreError> {
        let mut select = Query::select();
        select
            .column("breach_id")
            .expr(Func::count(Expr::col("breach_id")))
            .expr(Func::count(Expr::col("notified_at")))
            .from("breach_subject")
            .group_by_col("breach_id");
        if let Some(breach) = only {
            select.and_where(Expr::col("breach_id").eq(breach));
        }
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("count the breaches' people"))?;
        rows.iter()
            .map(|row| {
                let id: Uuid = row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                    what: "breach count",
                })?;
                Ok((id, affected_and_told(row, 1)?))
            })
            .collect()
    }

    /// Queues the notice to every affected person not yet told, marking each told, in one
    /// transaction; the notice holds what `text` says. Returns how many were queued.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an unknown breach; failures.
    pub async fn notify_breach_people(
        &self,
        policy: &ValidPolicy,
        breach: Uuid,
        subject: &str,
        text: &str,
        actor: pledge_audit::ActorKey,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        self.breach(breach).await?;
        let mut select = Query::select();
        select
            .column("person_id")
            .from("breach_subject")
            .and_where(Expr::col("breach_id").eq(breach))
            .and_where(Expr::col("notified_at").is_null());
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("list the people to tell of a breach"))?;
        let mut untold = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: Uuid = row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                what: "breach subject",
            })?;
            let person = PersonId::from_uuid(id);
            untold.push((person, self.address_of(person).await));
        }
        let read: Vec<PersonId> = untold
            .iter()
            .filter(|(_, address)| address.is_some())
            .map(|(person, _)| *person)
            .collect();
        self.audit_reads(policy, actor, "person", &read, now)
            .await?;
        let txn = self.write_txn("start telling people of a breach").await?;
        let mut queued = 0;
        for (person, address) in &untold {
            if let Some(address) = address {
                let message = NewMessage {
                    person: Some(*person),
                    kind: BREACH_NOTICE,
                    recipient: "person".to_owned(),
                    address: Some(address.clone()),
                    payload: json!({ "breach": breach.to_string(), "subject": subject, "text": text }),
                };
                self.enqueue_in(&txn, message, now).await?;
                queued += 1;
            }
            let mut update = Query::update();
            update
                .table("breach_subject")
                .value("notified_at", now)
                .and_where(Expr::col("breach_id").eq(breach))
                .and_where(Expr::col("person_id").eq(person.as_uuid()))
                .and_where(Expr::col("notified_at").is_null());
            txn.execute(&update)
                .await
                .map_err(db("mark a person told of a breach"))?;
        }
        let mut update = Query::update();
        update
            .table("breach")
            .value("people_notified_at", now)
            .and_where(Expr::col("id").eq(breach))
            .and_where(Expr::col("people_notified_at").is_null());
        txn.execute(&update)
            .await
            .map_err(db("mark a breach told"))?;
        txn.commit().await.map_err(db("commit breach notices"))?;
        Ok(queued)
    }

    /// Records that the report was filed with the supervisory authority (once).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an unknown breach; failures.
    pub async fn mark_breach_reported(
        &self,
        breach: Uuid,
        actor: pledge_audit::ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.breach(breach).await?;
        let mut update = Query::update();
        update
            .table("breach")
            .value("regulator_notified_at", now)
            .and_where(Expr::col("id").eq(breach))
            .and_where(Expr::col("regulator_notified_at").is_null());
        let txn = self.write_txn("start recording a breach report").await?;
        txn.execute(&update)
            .await
            .map_err(db("record a breach report"))?;
        let event = self.audit.admin_event(actor);
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a breach report"))
    }
}

/// A breach from a row of [`COLUMNS`] and its (affected, told) counts.
fn breach_of(
    row: &sea_orm::QueryResult,
    (affected, told): (u64, u64),
) -> Result<Breach, StoreError> {
    let broken = |_| StoreError::Corrupt { what: "breach" };
    let listed: String = row.try_get_by_index(4).map_err(broken)?;
    Ok(Breach {
        id: row.try_get_by_index(0).map_err(broken)?,
        title: row.try_get_by_index(1).map_err(broken)?,
        what_happened: row.try_get_by_index(2).map_err(broken)?,
        steps_taken: row.try_get_by_index(3).map_err(broken)?,
        categories: listed
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        occurred_at: row.try_get_by_index(5).map_err(broken)?,
        discovered_at: row.try_get_by_index(6).map_err(broken)?,
        regulator_notified_at: row.try_get_by_index(7).map_err(broken)?,
        people_notified_at: row.try_get_by_index(8).map_err(broken)?,
        affected,
        told,
    })
}

/// The two counts (people, people told) at `first` and `first + 1` of `row`.
fn affected_and_told(row: &sea_orm::QueryResult, first: usize) -> Result<(u64, u64), StoreError> {
    let count = |index: usize| {
        row.try_get_by_index::<i64>(index)
            .ok()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or(StoreError::Corrupt {
                what: "breach count",
            })
    };
    Ok((count(first)?, count(first + 1)?))
}

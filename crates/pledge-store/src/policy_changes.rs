//! Policy changes reach the people they affect, and their acceptance is recorded (W02, J43,
//! K45).
//!
//! When a deployment starts on a new version of its policy, [`Store::announce_policy_change`]
//! compares it with the version it replaces ([`pledge_policy::diff()`]) and, in one transaction:
//!
//! - records the announcement (`policy_change`), once per version however many instances
//!   start;
//! - tells everyone a change of at least [`ChangeClass::Notice`] affects — or everyone of any
//!   change at all, under a policy that promises to announce every change (J43,
//!   `changes.announce_every_change`) — (the diff's audiences,
//!   resolved against the store: everyone, the people who consented to a purpose or accepted a
//!   cookie category, marketing subscribers, the people whose data of a category we hold,
//!   minors and guardians): a `policy_notice` row each, shown on their next visit, and an email
//!   through the outbox when the policy notifies by email;
//! - stops relying on the consents a change asks again ([`pledge_consent::reprompt::must_ask_again`]):
//!   each becomes a withdrawal recorded as `policy-change`, so the gate refuses the processing
//!   until the person agrees again, and the notice names what they are asked again.
//!
//! A person's notice stays until they close it. Under `acceptance = "continued-use"`, using
//! the site after the notice was shown is acceptance, recorded once; closing the notice
//! records it too. Under `"explicit"`, only closing it with "I accept" does.

use std::collections::{BTreeMap, BTreeSet};

use pledge_consent::{ConsentState, ConsentTarget, GivenBy, Proof, Source, TextHash};
use pledge_domain::PersonId;
use pledge_policy::model::{Acceptance, Channel, NoticeChannel, Policy};
use pledge_policy::{Audience, ChangeClass, PolicyDiff, ValidPolicy};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::broken;
use crate::consents::{POLICY_CHANGE_METHOD, stored_purpose};
use crate::declared;
use crate::error::db;
use crate::outbox::NewMessage;
use crate::records::{Field, categories_of};
use crate::{Store, StoreError};

/// The outbox kind of a policy-change email.
pub const POLICY_CHANGED: &str = "policy-changed";

/// The service that announces policy changes, as the audit log names it.
pub const ANNOUNCER: &str = "policy-changes";

/// A version's announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The version announced.
    pub version: String,
    /// The version it replaced.
    pub previous: String,
    /// How many people were told.
    pub people_told: u64,
    /// How many of them were asked for a consent again.
    pub people_asked_again: u64,
    /// When.
    pub announced_at: OffsetDateTime,
}

/// A notice a person has not closed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyNotice {
    /// Its id.
    pub id: Uuid,
    /// Whose.
    pub person: PersonId,
    /// The new version's row.
    pub version_id: Uuid,
    /// The new version.
    pub version: String,
    /// The version it replaced.
    pub previous: String,
    /// The stored purposes of the consents the change asks again.
    pub asked_again: Vec<String>,
    /// When it was shown first, if it was.
    pub shown_at: Option<OffsetDateTime>,
    /// Whether the person's acceptance of the version is on record.
    pub accepted: bool,
}

/// A version a person accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedVersion {
    /// The version.
    pub version: String,
    /// How: `sign-up`, `continued-use`, `explicit`.
    pub method: String,
    /// When.
    pub accepted_at: OffsetDateTime,
}

/// Whether `policy` tells people of a change by email.
fn emails_changes(policy: &ValidPolicy) -> bool {
    policy
        .policy()
        .changes
        .notify_by
        .iter()
        .any(|c| matches!(c, NoticeChannel::Email | NoticeChannel::RegisteredChannels))
}

/// How closing the notice is recorded under `policy`.
fn acceptance_method(policy: &ValidPolicy) -> &'static str {
    match policy.policy().changes.acceptance {
        Acceptance::ContinuedUse => "continued-use",
        Acceptance::Explicit => "explicit",
    }
}

/// The consents the changes needing fresh consent are about.
fn targets_asked_again(diff: &PolicyDiff, new: &ValidPolicy) -> Vec<ConsentTarget> {
    let marketing = new.policy().marketing.as_ref();
    let channels: Vec<Channel> = marketing.map(|m| m.channels.clone()).unwrap_or_default();
    let mut targets = Vec::new();
    for change in diff
        .changes
        .iter()
        .filter(|c| c.class == ChangeClass::FreshConsent)
    {
        for audience in &change.audience {
            match audience {
                Audience::ConsentedTo(purpose) => {
                    if marketing.is_some_and(|m| &m.purpose == purpose) {
                        targets.extend(channels.iter().map(|c| ConsentTarget::Channel(*c)));
                    }
                    targets.push(ConsentTarget::Purpose(purpose.clone()));
                }
                Audience::AcceptedCookies(category) => {
                    targets.push(ConsentTarget::Cookies(*category));
                }
                Audience::MarketingSubscribers => {
                    targets.extend(channels.iter().map(|c| ConsentTarget::Channel(*c)));
                }
                Audience::Everyone | Audience::PeopleWithData(_) | Audience::MinorsAndGuardians => {
                }
            }
        }
    }
    let mut unique = Vec::with_capacity(targets.len());
    for target in targets {
        if !unique.contains(&target) {
            unique.push(target);
        }
    }
    unique
}

fn person_of(row: &QueryResult, index: usize) -> Result<Option<PersonId>, StoreError> {
    let id: Option<Uuid> = row.try_get_by_index(index).map_err(broken("person id"))?;
    Ok(id.map(PersonId::from_uuid))
}

impl Store {
    /// Announces `new`, already published, as the successor of `old` (see the module's notes);
    /// an announced version is not announced again. `old` is only compared, so a version
    /// published under older validation rules still serves.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when `new` was not published; failures (nothing is recorded,
    /// queued or withdrawn then).
    pub async fn announce_policy_change(
        &self,
        old: &Policy,
        new: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Announcement, StoreError> {
        let version_id = self.version_id(new).await?.ok_or(StoreError::Invalid(
            "publish a policy version before announcing it",
        ))?;
        if let Some(done) = self.announcement(version_id).await? {
            return Ok(done);
        }
        let diff = pledge_policy::diff(old, new.policy());
        let ledger = self.consent_ledger(None).await?;
        let reprompt = pledge_consent::reprompt::must_ask_again(&ledger, &diff, new, now);
        let targets = targets_asked_again(&diff, new);
        let mut told: BTreeSet<PersonId> = BTreeSet::new();
        for audience in diff.audience(ChangeClass::Notice) {
            told.extend(self.audience_people(new, &ledger, &audience, now).await?);
        }
        // A policy that promises to announce every change (J43) tells everyone of wording too.
        if reprompt.everyone || new.policy().changes.announce_every_change && !diff.is_empty() {
            told.extend(
                self.audience_people(new, &ledger, &Audience::Everyone, now)
                    .await?,
            );
        }
        told.extend(reprompt.people.iter().copied());
        let mut notices = Vec::new();
        for person in told {
            let Some(address) = self.address_of(person).await else {
                continue;
            };
            let asked: Vec<ConsentTarget> = if reprompt.people.contains(&person) {
                targets
                    .iter()
                    .filter(|t| {
                        matches!(ledger.state(person, t, now), ConsentState::Granted { .. })
                    })
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            notices.push((person, address, asked));
        }
        let actor = self.audit.service(ANNOUNCER);
        let readers: Vec<PersonId> = notices.iter().map(|(p, _, _)| *p).collect();
        self.audit_reads(new, actor, "person", &readers, now)
            .await?;
        let announcement = Announcement {
            version: new.policy().policy.version.clone(),
            previous: old.policy.version.clone(),
            people_told: notices.len() as u64,
            people_asked_again: notices.iter().filter(|(_, _, a)| !a.is_empty()).count() as u64,
            announced_at: now,
        };
        let txn = self.write_txn("start announcing a policy change").await?;
        let mut insert = Query::insert();
        insert
            .into_table("policy_change")
            .columns([
                "id",
                "policy_version_id",
                "previous_version",
                "people_told",
                "people_asked_again",
                "announced_at",
            ])
            .values([
                Uuid::now_v7().into(),
                version_id.into(),
                announcement.previous.clone().into(),
                i32::try_from(announcement.people_told)
                    .unwrap_or(i32::MAX)
                    .into(),
                i32::try_from(announcement.people_asked_again)
                    .unwrap_or(i32::MAX)
                    .into(),
                now.into(),
            ])
            .map_err(|_| StoreError::Corrupt {
                what: "policy change",
            })?;
        txn.execute(&insert)
            .await
            .map_err(db("record a policy change"))?;
        let proof = Proof {
            policy_version: announcement.version.clone(),
            text_hash: TextHash::of(&format!(
                "policy {} replaces {}",
                announcement.version, announcement.previous
            )),
            source: Source::System,
            channel: None,
            ip: None,
            user_agent: None,
            given_by: GivenBy::Subject,
        };
        for (person, address, asked) in notices {
            let asked_names: Vec<String> = asked.iter().map(stored_purpose).collect();
            let fields = vec![
                ("policy_version_id", Field::plain(version_id)),
                ("asked_again", Field::plain(asked_names.join(" "))),
                ("notified_at", Field::plain(now)),
            ];
            self.insert_record_in(&txn, new, "policy_notice", person, fields, actor, now)
                .await?;
            for target in &asked {
                self.record_consent_change_in(
                    &txn,
                    new,
                    person,
                    target,
                    false,
                    POLICY_CHANGE_METHOD,
                    &proof,
                    actor,
                    now,
                )
                .await?;
            }
            if emails_changes(new) {
                let message = NewMessage {
                    person: Some(person),
                    kind: POLICY_CHANGED,
                    recipient: "person".to_owned(),
                    address: Some(address),
                    payload: json!({
                        "version": announcement.version,
                        "previous": announcement.previous,
                        "asked_again": asked_names,
                        "acceptance": acceptance_method(new),
                    }),
                };
                self.enqueue_in(&txn, message, now).await?;
            }
        }
        txn.commit()
            .await
            .map_err(db("commit a policy change announcement"))?;
        Ok(announcement)
    }

    /// The row id of `policy`'s version, if it was published.
    async fn version_id(&self, policy: &ValidPolicy) -> Result<Option<Uuid>, StoreError> {
        let info = &policy.policy().policy;
        let mut select = Query::select();
        select
            .column("id")
            .from("policy_version")
            .and_where(Expr::col("pack").eq(info.id.to_string()))
            .and_where(Expr::col("version").eq(info.version.clone()));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a policy version"))?;
        row.map(|row| row.try_get_by_index(0).map_err(broken("policy version")))
            .transpose()
    }

    /// The label of the published version `id`.
    async fn version_label(&self, id: Uuid) -> Result<String, StoreError> {
        let mut select = Query::select();
        select
            .column("version")
            .from("policy_version")
            .and_where(Expr::col("id").eq(id));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a policy version"))?
            .ok_or(StoreError::Corrupt {
                what: "policy version",
            })?;
        row.try_get_by_index(0).map_err(broken("policy version"))
    }

    /// The announcement of the published version `version_id`, if it was announced.
    async fn announcement(&self, version_id: Uuid) -> Result<Option<Announcement>, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "previous_version",
                "people_told",
                "people_asked_again",
                "announced_at",
            ])
            .from("policy_change")
            .and_where(Expr::col("policy_version_id").eq(version_id));
        let Some(row) = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a policy change"))?
        else {
            return Ok(None);
        };
        let get = broken("policy change");
        let told: i32 = row.try_get_by_index(1).map_err(&get)?;
        let asked: i32 = row.try_get_by_index(2).map_err(&get)?;
        Ok(Some(Announcement {
            version: self.version_label(version_id).await?,
            previous: row.try_get_by_index(0).map_err(&get)?,
            people_told: u64::try_from(told).unwrap_or_default(),
            people_asked_again: u64::try_from(asked).unwrap_or_default(),
            announced_at: row.try_get_by_index(3).map_err(&get)?,
        }))
    }

    /// The announcement of `policy`'s version, if there was one (the first version of a
    /// deployment replaces nothing and is not announced).
    ///
    /// # Errors
    /// Failures.
    pub async fn policy_announcement(
        &self,
        policy: &ValidPolicy,
    ) -> Result<Option<Announcement>, StoreError> {
        match self.version_id(policy).await? {
            Some(id) => self.announcement(id).await,
            None => Ok(None),
        }
    }

    /// The people `audience` names, among those the store holds.
    async fn audience_people(
        &self,
        policy: &ValidPolicy,
        ledger: &pledge_consent::Ledger,
        audience: &Audience,
        now: OffsetDateTime,
    ) -> Result<BTreeSet<PersonId>, StoreError> {
        Ok(match audience {
            Audience::Everyone => self.owners_of("person", &["id"]).await?,
            Audience::ConsentedTo(_)
            | Audience::AcceptedCookies(_)
            | Audience::MarketingSubscribers => {
                let targets = match audience {
                    Audience::ConsentedTo(purpose) => {
                        vec![ConsentTarget::Purpose(purpose.clone())]
                    }
                    Audience::AcceptedCookies(category) => vec![ConsentTarget::Cookies(*category)],
                    _ => Channel::ALL
                        .into_iter()
                        .map(ConsentTarget::Channel)
                        .collect(),
                };
                targets
                    .iter()
                    .flat_map(|t| ledger.subjects_granting(t, now))
                    .collect()
            }
            Audience::PeopleWithData(category) => {
                let mut people = BTreeSet::new();
                for table in declared::owned_tables() {
                    if declared::module_enabled(policy, table.module)
                        && categories_of(policy, table).contains(category)
                    {
                        people.extend(self.owners_of(table.table, table.owner).await?);
                    }
                }
                people
            }
            Audience::MinorsAndGuardians => {
                self.owners_of("guardian_link", &["minor_id", "guardian_id"])
                    .await?
            }
        })
    }

    /// Everyone named in the `owners` columns of `table`.
    async fn owners_of(
        &self,
        table: &'static str,
        owners: &[&'static str],
    ) -> Result<BTreeSet<PersonId>, StoreError> {
        let mut select = Query::select();
        select.columns(owners.iter().copied()).from(table);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("list the people a change affects"))?;
        let mut people = BTreeSet::new();
        for row in &rows {
            for index in 0..owners.len() {
                people.extend(person_of(row, index)?);
            }
        }
        Ok(people)
    }

    /// `person`'s newest notice they have not closed, if any.
    ///
    /// # Errors
    /// Failures.
    pub async fn policy_notice(
        &self,
        person: PersonId,
    ) -> Result<Option<PolicyNotice>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["id", "policy_version_id", "asked_again", "shown_at"])
            .from("policy_notice")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("read_at").is_null())
            .order_by("notified_at", Order::Desc)
            .limit(1);
        let Some(row) = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a policy notice"))?
        else {
            return Ok(None);
        };
        let get = broken("policy notice");
        let version_id: Uuid = row.try_get_by_index(1).map_err(&get)?;
        let asked: String = row.try_get_by_index(2).map_err(&get)?;
        let announcement = self
            .announcement(version_id)
            .await?
            .ok_or(StoreError::Corrupt {
                what: "policy notice",
            })?;
        Ok(Some(PolicyNotice {
            id: row.try_get_by_index(0).map_err(&get)?,
            person,
            version_id,
            version: announcement.version,
            previous: announcement.previous,
            asked_again: asked.split_whitespace().map(str::to_owned).collect(),
            shown_at: row.try_get_by_index(3).map_err(&get)?,
            accepted: self.has_accepted(person, version_id).await?,
        }))
    }

    async fn has_accepted(&self, person: PersonId, version_id: Uuid) -> Result<bool, StoreError> {
        let mut select = Query::select();
        select
            .column("id")
            .from("policy_acceptance")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("policy_version_id").eq(version_id))
            .limit(1);
        Ok(self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a policy acceptance"))?
            .is_some())
    }

    /// Records a visit of `notice`'s person while it is open: the first visit shows it; a
    /// later one, under continued-use acceptance, is the acceptance (recorded once).
    ///
    /// # Errors
    /// Failures.
    pub async fn visit_with_policy_notice(
        &self,
        policy: &ValidPolicy,
        notice: &PolicyNotice,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if notice.shown_at.is_none() {
            let mut update = Query::update();
            update
                .table("policy_notice")
                .value("shown_at", now)
                .and_where(Expr::col("id").eq(notice.id))
                .and_where(Expr::col("shown_at").is_null());
            self.db
                .execute(&update)
                .await
                .map_err(db("record a policy notice shown"))?;
            return Ok(());
        }
        if !notice.accepted && policy.policy().changes.acceptance == Acceptance::ContinuedUse {
            self.record_acceptance(
                policy,
                notice.person,
                notice.version_id,
                "continued-use",
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Closes `person`'s notice `id`, recording their acceptance of its version (by continued
    /// use or explicitly, as the policy says) unless it is on record already.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a notice that is not theirs or is closed; failures.
    pub async fn close_policy_notice(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let notice = self
            .policy_notice(person)
            .await?
            .filter(|n| n.id == id)
            .ok_or(StoreError::Invalid("this notice is closed already"))?;
        let mut update = Query::update();
        update
            .table("policy_notice")
            .value("read_at", now)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        self.db
            .execute(&update)
            .await
            .map_err(db("close a policy notice"))?;
        if !notice.accepted {
            self.record_acceptance(
                policy,
                person,
                notice.version_id,
                acceptance_method(policy),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Records that `person` accepted the version of `policy` in force (at sign-up, say).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the version was not published; failures.
    pub async fn accept_policy(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        method: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let version_id = self
            .version_id(policy)
            .await?
            .ok_or(StoreError::Invalid("this policy version was not published"))?;
        if self.has_accepted(person, version_id).await? {
            return Ok(());
        }
        self.record_acceptance(policy, person, version_id, method, now)
            .await
    }

    async fn record_acceptance(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        version_id: Uuid,
        method: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let fields = vec![
            ("policy_version_id", Field::plain(version_id)),
            ("method", Field::plain(method.to_owned())),
            ("accepted_at", Field::plain(now)),
        ];
        let actor = self.audit.actor(person);
        self.insert_record(policy, "policy_acceptance", person, fields, actor, now)
            .await
            .map(drop)
    }

    /// The versions `person` accepted, newest first.
    ///
    /// # Errors
    /// Failures.
    pub async fn accepted_versions(
        &self,
        person: PersonId,
    ) -> Result<Vec<AcceptedVersion>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["policy_version_id", "method", "accepted_at"])
            .from("policy_acceptance")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .order_by("accepted_at", Order::Desc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read policy acceptances"))?;
        let get = broken("policy acceptance");
        let mut labels: BTreeMap<Uuid, String> = BTreeMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: Uuid = row.try_get_by_index(0).map_err(&get)?;
            if let std::collections::btree_map::Entry::Vacant(slot) = labels.entry(id) {
                slot.insert(self.version_label(id).await?);
            }
            out.push(AcceptedVersion {
                version: labels.get(&id).cloned().unwrap_or_default(),
                method: row.try_get_by_index(1).map_err(&get)?,
                accepted_at: row.try_get_by_index(2).map_err(&get)?,
            });
        }
        Ok(out)
    }
}

//! Erasure of a person (the right to be forgotten), in three steps that survive a crash at any
//! point:
//!
//! 1. **Begin** (one transaction): mark the person's erasure as begun — which also stops a
//!    legal hold being placed from then on — check holds inside the same transaction, queue the
//!    notice to the person listing what is kept and why (J37) and the forwarding of the
//!    erasure to every partner their data was shared with (J09), and audit it.
//! 2. **Shred**: destroy the person's data key. From here on every sealed value about them, in
//!    every copy of the database, is unreadable.
//! 3. **Finish** (one transaction): apply each table's declared erasure — delete, anonymise,
//!    pseudonymise (payment records kept for the statutory period) or keep — clear the
//!    person's row and audit the erasure.
//!
//! Running [`Store::erase_person`] again after a crash resumes from the first step not done;
//! [`Store::resume_erasures`] finds every erasure that stopped half-way.

use std::collections::BTreeSet;

use pledge_audit::{Action, ActorKey};
use pledge_domain::{PartnerId, PersonId};
use pledge_policy::ValidPolicy;
use pledge_policy::model::RightKind;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Value as DbValue,
};
use serde::Serialize;
use time::OffsetDateTime;

use crate::declared::{self, Erasure, TableDeclaration};
use crate::entity::{legal_hold, person};
use crate::error::db;
use crate::outbox::NewMessage;
use crate::partner_notices::{NoticeDetails, PartnerAction, act_by};
use crate::records::count_owned;
use crate::{Store, StoreError};

/// What an erasure does to one table's rows about the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableOutcome {
    /// The table.
    pub table: &'static str,
    /// What it holds, in words.
    pub title: &'static str,
    /// How many rows are about the person.
    pub rows: u64,
    /// `deleted`, `anonymised`, `pseudonymised` or `kept`.
    pub treatment: &'static str,
    /// Why the rows are not simply deleted (empty when they are).
    pub reason: String,
}

/// What erasing a person does, shown to them before they confirm and sent to them after
/// (J37): what is deleted, what is kept and why, who else is told (J09), and what stops
/// working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErasurePlan {
    /// Whose.
    pub person: PersonId,
    /// Tables whose rows are deleted.
    pub deleted: Vec<TableOutcome>,
    /// Tables whose rows outlive the erasure in some form, with the reason.
    pub exceptions: Vec<TableOutcome>,
    /// Partners (the policy's ids) the erasure is forwarded to.
    pub partners: Vec<String>,
    /// What stops working.
    pub effects: Vec<&'static str>,
}

/// What an erasure removes beyond the data itself, per table that had rows.
const EFFECTS: &[(&str, &str)] = &[
    (
        "account",
        "your account is closed and you are signed out everywhere",
    ),
    (
        "certificate",
        "certificates issued to you can no longer be verified by their code",
    ),
    ("enrolment", "your course enrolments and progress are gone"),
    (
        "tour_booking",
        "your tour bookings and their travellers' details are gone",
    ),
    ("marketing_preference", "you receive no more marketing"),
    (
        "exam_booking",
        "exam bookings are cancelled on our side; the exam body is told",
    ),
];

fn treatment(erasure: Erasure) -> &'static str {
    match erasure {
        Erasure::Delete | Erasure::CryptoShred => "deleted",
        Erasure::Anonymise => "anonymised",
        Erasure::Pseudonymise { .. } => "pseudonymised",
        Erasure::Keep(_) | Erasure::NotPersonal => "kept",
    }
}

/// Why `table` outlives an erasure: the policy's own words where its retention rule gives a
/// legal reason, otherwise the store's declaration.
fn reason(policy: &ValidPolicy, table: &TableDeclaration) -> String {
    let declared = match table.erasure {
        Erasure::Pseudonymise { reason, .. } | Erasure::Keep(reason) => reason,
        Erasure::Anonymise => "kept without anything that links it to you",
        Erasure::Delete | Erasure::CryptoShred | Erasure::NotPersonal => return String::new(),
    };
    let category = declared::category_of(policy, table.table);
    let legal = policy
        .policy()
        .retention
        .iter()
        .filter(|rule| category.is_some_and(|c| rule.categories.iter().any(|rc| rc.as_str() == c)))
        .find_map(|rule| rule.legal_hold.clone());
    legal.unwrap_or_else(|| declared.to_owned())
}

impl Store {
    /// What erasing `person` would do under `policy` (J37): shown before they confirm.
    ///
    /// # Errors
    /// Database failures.
    pub async fn erasure_plan(
        &self,
        person: PersonId,
        policy: &ValidPolicy,
    ) -> Result<ErasurePlan, StoreError> {
        let mut plan = ErasurePlan {
            person,
            deleted: Vec::new(),
            exceptions: Vec::new(),
            partners: Vec::new(),
            effects: Vec::new(),
        };
        for table in declared::owned_tables() {
            let rows = count_owned(&self.db, table, person).await?;
            if rows == 0 {
                continue;
            }
            let outcome = TableOutcome {
                table: table.table,
                title: table.title,
                rows,
                treatment: treatment(table.erasure),
                reason: reason(policy, table),
            };
            if outcome.reason.is_empty() {
                plan.deleted.push(outcome);
            } else {
                plan.exceptions.push(outcome);
            }
            if let Some((_, effect)) = EFFECTS.iter().find(|(t, _)| *t == table.table) {
                plan.effects.push(effect);
            }
        }
        let partners: BTreeSet<String> = self
            .disclosures_for(person)
            .await?
            .into_iter()
            .map(|d| d.partner.to_string())
            .collect();
        plan.partners = partners.into_iter().collect();
        Ok(plan)
    }

    /// Erases `person` under `policy` (see the module documentation for the three steps).
    /// Returns the plan that was carried out. Erasing an erased person again is not an error.
    ///
    /// # Errors
    /// [`StoreError::PersonNotFound`], [`StoreError::Held`] (nothing changed), or failures —
    /// after which running it again finishes the job.
    pub async fn erase_person(
        &self,
        id: PersonId,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<ErasurePlan, StoreError> {
        let row = person::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db("find a person to erase"))?
            .ok_or(StoreError::PersonNotFound(id))?;
        let plan = self.erasure_plan(id, policy).await?;
        if row.erased_at.is_some() {
            self.keys.shred(id).await?;
            return Ok(plan);
        }
        if row.erasure_started_at.is_none() {
            self.begin_erasure(id, policy, &plan, actor, now).await?;
        }
        self.keys.shred(id).await?;
        self.finish_erasure(id, actor, now).await?;
        Ok(plan)
    }

    /// Step 1: mark the erasure begun, check holds, queue the notices. All or nothing.
    async fn begin_erasure(
        &self,
        id: PersonId,
        policy: &ValidPolicy,
        plan: &ErasurePlan,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // The address is read before the key goes, so the person's notice can reach them; so
        // is what each partner knows them by, so that its notice can name them (J09).
        let address = self.open_live(id).await.ok().map(|view| view.email);
        let partners = self.partners_told(id, policy, plan, now).await?;
        let txn = self.write_txn("start an erasure").await?;
        let mut update = Query::update();
        update
            .table("person")
            .value("erasure_started_at", now)
            .and_where(Expr::col("id").eq(id.as_uuid()))
            .and_where(Expr::col("erasure_started_at").is_null())
            .and_where(Expr::col("erased_at").is_null());
        let began = txn
            .execute(&update)
            .await
            .map_err(db("mark an erasure begun"))?;
        if began.rows_affected() == 0 {
            // Another process began it meanwhile: it owns the notices.
            return Ok(());
        }
        if let Some(hold) = active_hold_in(&txn, id, now).await? {
            return Err(StoreError::Held {
                person: id,
                hold: hold.id.to_string(),
                reason: hold.reason,
            });
        }
        self.queue_erasure_notices(&txn, id, plan, address, partners, now)
            .await?;
        let event = self.audit.event_about(
            actor,
            Action::Update,
            id,
            crate::people::contact_details(),
            Some(crate::people::purpose("data-subject-request")?),
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit()
            .await
            .map_err(db("commit the start of an erasure"))
    }

    /// Each partner the erasure is forwarded to, with its channel and what it must be told,
    /// read while the person's key still opens their data.
    async fn partners_told(
        &self,
        id: PersonId,
        policy: &ValidPolicy,
        plan: &ErasurePlan,
        now: OffsetDateTime,
    ) -> Result<Vec<(PartnerId, Option<String>, NoticeDetails)>, StoreError> {
        let Some(key) = self.keys.get(id).await? else {
            return Ok(Vec::new());
        };
        let mut told = Vec::new();
        for partner in &plan.partners {
            let Ok(partner) = PartnerId::new(partner) else {
                continue;
            };
            let registered = policy.partner(&partner);
            // J09: the partner's own channel for data-protection requests, from the policy.
            let channel = registered.and_then(|p| p.forward_requests_to.clone());
            let details = NoticeDetails {
                action: PartnerAction::Erase,
                known_as: self.known_to(policy, id, &key, &partner).await?,
                change: None,
                partner_name: registered.map_or_else(|| partner.to_string(), |p| p.name.clone()),
                act_by: act_by(policy, RightKind::Erasure, now),
            };
            told.push((partner, channel, details));
        }
        Ok(told)
    }

    async fn queue_erasure_notices(
        &self,
        txn: &DatabaseTransaction,
        id: PersonId,
        plan: &ErasurePlan,
        address: Option<String>,
        partners: Vec<(PartnerId, Option<String>, NoticeDetails)>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let summary = serde_json::to_value(plan).map_err(|_| StoreError::Corrupt {
            what: "erasure plan",
        })?;
        if address.is_some() {
            let notice = NewMessage {
                person: Some(id),
                kind: "erasure-confirmation",
                recipient: "person".to_owned(),
                address,
                payload: summary,
            };
            self.enqueue_in(txn, notice, now).await?;
        }
        for (partner, channel, details) in partners {
            self.enqueue_partner_notice_in(
                txn,
                id,
                "erasure-forward",
                &partner,
                channel,
                &details,
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Step 3: apply every table's erasure, clear the person's row and audit. All or nothing;
    /// a second run finds `erased_at` set and does nothing.
    async fn finish_erasure(
        &self,
        id: PersonId,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let txn = self.write_txn("start finishing an erasure").await?;
        let mut update = Query::update();
        update
            .table("person")
            .value("display_name", DbValue::Bytes(None))
            .value("email", DbValue::Bytes(None))
            .value("date_of_birth", DbValue::Bytes(None))
            .value("erased_at", now)
            .and_where(Expr::col("id").eq(id.as_uuid()))
            .and_where(Expr::col("erased_at").is_null());
        let cleared = txn
            .execute(&update)
            .await
            .map_err(db("clear an erased person"))?;
        if cleared.rows_affected() == 0 {
            return Ok(());
        }
        self.erase_records(&txn, id).await?;
        let mut drop_unsent = Query::delete();
        drop_unsent
            .from_table("outbox")
            .and_where(Expr::col("person_id").eq(id.as_uuid()))
            .and_where(Expr::col("sent_at").is_null())
            .and_where(Expr::col("kind").is_not_in(["erasure-confirmation", "erasure-forward"]));
        txn.execute(&drop_unsent)
            .await
            .map_err(db("drop a person's unsent messages"))?;
        let event = self.audit.event_about(
            actor,
            Action::Erase,
            id,
            crate::people::contact_details(),
            None,
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit an erasure"))
    }

    /// Finishes every erasure that began but did not finish (a crash, a killed process).
    /// Returns whose.
    ///
    /// # Errors
    /// Database or key-store failures; a rerun finishes what is left.
    pub async fn resume_erasures(
        &self,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Vec<PersonId>, StoreError> {
        let stuck = person::Entity::find()
            .filter(person::Column::ErasureStartedAt.is_not_null())
            .filter(person::Column::ErasedAt.is_null())
            .all(&self.db)
            .await
            .map_err(db("find unfinished erasures"))?;
        let mut finished = Vec::new();
        for row in stuck {
            let id = PersonId::from_uuid(row.id);
            self.erase_person(id, policy, actor, now).await?;
            finished.push(id);
        }
        Ok(finished)
    }
}

/// The first active hold on `person`, read inside `txn`.
async fn active_hold_in(
    txn: &DatabaseTransaction,
    person: PersonId,
    now: OffsetDateTime,
) -> Result<Option<legal_hold::Model>, StoreError> {
    let holds = legal_hold::Entity::find()
        .filter(legal_hold::Column::PersonId.eq(person.as_uuid()))
        .filter(legal_hold::Column::ReleasedAt.is_null())
        .all(txn)
        .await
        .map_err(db("read legal holds"))?;
    Ok(holds
        .into_iter()
        .find(|h| h.expires_at.is_none_or(|at| at > now)))
}

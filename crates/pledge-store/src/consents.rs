//! The consent ledger as the store keeps it, for every kind of consent: a purpose's
//! (`surveys`, `tour-accessibility`), a cookie category's (`cookies:analytics`) and a marketing
//! channel's (`marketing:email`). Each is a `consent_event` row whose proof is sealed under the
//! person's key; [`Store::consent_ledger`] rebuilds [`pledge_consent::Ledger`] from the rows, so
//! that who has consented to what is always the engine's answer, never a count of rows.
//!
//! A person may withdraw any consent they gave from the privacy centre
//! ([`Store::withdraw_consent`]). Data kept only because of that consent goes with it, in the
//! same transaction: the rows of every table whose categories serve no other purpose (for
//! example accessibility needs, kept only with explicit consent — K05).

use std::collections::{BTreeMap, BTreeSet};

use pledge_audit::ActorKey;
use pledge_consent::{
    Change, ConsentEvent, ConsentState, ConsentTarget, GivenBy, Ledger, Proof, Source, TextHash,
};
use pledge_domain::{PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use time::OffsetDateTime;

use crate::cookie_choices::cookie_purpose;
use crate::declared;
use crate::error::db;
use crate::marketing::{channel_named, marketing_purpose};
use crate::records::{Field, categories_of, erase_table};
use crate::vault::FieldRef;
use crate::{DataKey, Store, StoreError};

const PROOF: FieldRef = FieldRef {
    table: "consent_event",
    column: "proof",
};

/// The method recorded when a policy change stops relying on an earlier consent.
pub const POLICY_CHANGE_METHOD: &str = "policy-change";

/// What a stored purpose names: `marketing:<channel>`, `cookies:<category>` or a purpose.
#[must_use]
pub fn consent_target(purpose: &str) -> Option<ConsentTarget> {
    if let Some(channel) = purpose.strip_prefix("marketing:") {
        return channel_named(channel).map(ConsentTarget::Channel);
    }
    if let Some(category) = purpose.strip_prefix("cookies:") {
        return pledge_consent::cookies::category_named(category).map(ConsentTarget::Cookies);
    }
    PurposeId::new(purpose).ok().map(ConsentTarget::Purpose)
}

/// The stored purpose of `target` (the inverse of [`consent_target`]).
#[must_use]
pub fn stored_purpose(target: &ConsentTarget) -> String {
    match target {
        ConsentTarget::Purpose(purpose) => purpose.to_string(),
        ConsentTarget::Channel(channel) => marketing_purpose(*channel),
        ConsentTarget::Cookies(category) => cookie_purpose(*category),
    }
}

/// A consent a person has in force, as the privacy centre lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentInForce {
    /// The stored purpose (`tour-accessibility`, `marketing:email`, `cookies:analytics`).
    pub purpose: String,
    /// When it was given.
    pub given_at: OffsetDateTime,
    /// The policy version it was given under.
    pub policy_version: String,
}

fn corrupt() -> StoreError {
    StoreError::Corrupt {
        what: "consent event",
    }
}

impl Store {
    /// The consent ledger of `person`, or of everyone with a key when `None`; events of people
    /// whose key is gone (erased) are left out, as their proofs can no longer be read.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row the ledger refuses; failures.
    pub async fn consent_ledger(&self, person: Option<PersonId>) -> Result<Ledger, StoreError> {
        let mut select = Query::select();
        select
            .columns(["person_id", "purpose", "given", "recorded_at", "proof"])
            .from("consent_event")
            .order_by("recorded_at", Order::Asc)
            .order_by("id", Order::Asc);
        if let Some(person) = person {
            select.and_where(Expr::col("person_id").eq(person.as_uuid()));
        }
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read consent events"))?;
        let mut keys: BTreeMap<PersonId, Option<DataKey>> = BTreeMap::new();
        let mut ledger = Ledger::new();
        for row in &rows {
            let subject = PersonId::from_uuid(row.try_get_by_index(0).map_err(|_| corrupt())?);
            let purpose: String = row.try_get_by_index(1).map_err(|_| corrupt())?;
            let given: bool = row.try_get_by_index(2).map_err(|_| corrupt())?;
            let at: OffsetDateTime = row.try_get_by_index(3).map_err(|_| corrupt())?;
            let sealed: Option<Vec<u8>> = row.try_get_by_index(4).map_err(|_| corrupt())?;
            let Some(target) = consent_target(&purpose) else {
                continue;
            };
            if let std::collections::btree_map::Entry::Vacant(slot) = keys.entry(subject) {
                slot.insert(self.keys.get(subject).await?);
            }
            let (Some(Some(key)), Some(sealed)) = (keys.get(&subject), sealed) else {
                continue;
            };
            let proof: Proof =
                serde_json::from_str(&key.open_text(PROOF, &sealed)?).map_err(|_| {
                    StoreError::Corrupt {
                        what: "consent proof",
                    }
                })?;
            let change = if given {
                Change::Granted
            } else {
                Change::Withdrawn
            };
            ledger
                .record(ConsentEvent {
                    subject,
                    target,
                    change,
                    at,
                    proof,
                })
                .map_err(|_| corrupt())?;
        }
        Ok(ledger)
    }

    /// Every consent `person` has in force at `now`, as the ledger decides.
    ///
    /// # Errors
    /// Failures.
    pub async fn consents_in_force(
        &self,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<ConsentInForce>, StoreError> {
        let ledger = self.consent_ledger(Some(person)).await?;
        let mut out = Vec::new();
        for target in ledger.granted(person, now) {
            if let ConsentState::Granted { at, event, .. } = ledger.state(person, target, now) {
                out.push(ConsentInForce {
                    purpose: stored_purpose(target),
                    given_at: at,
                    policy_version: ledger
                        .event(event)
                        .map(|e| e.proof.policy_version.clone())
                        .unwrap_or_default(),
                });
            }
        }
        out.sort_by(|a, b| a.purpose.cmp(&b.purpose));
        Ok(out)
    }

    /// Withdraws `person`'s consent to the policy purpose `purpose`, and removes in the same
    /// transaction the data kept only for it (see the module's notes). Cookie and marketing
    /// consents have their own controls (the cookie settings, the marketing preferences).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a purpose that is not consent-based or not in force;
    /// failures.
    pub async fn withdraw_consent(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        purpose: &str,
        text_shown: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let id = PurposeId::new(purpose).map_err(|_| StoreError::Invalid("no such purpose"))?;
        let consent_based = policy.policy().purposes.iter().any(|p| {
            p.id == id
                && (p.basis.is_some_and(|b| b.needs_consent_grant())
                    || p.art9.is_some_and(|c| c.needs_consent_grant()))
        });
        if !consent_based {
            return Err(StoreError::Invalid(
                "this purpose does not rest on your consent",
            ));
        }
        let ledger = self.consent_ledger(Some(person)).await?;
        let target = ConsentTarget::Purpose(id.clone());
        if !matches!(
            ledger.state(person, &target, now),
            ConsentState::Granted { .. }
        ) {
            return Err(StoreError::Invalid(
                "there is no consent in force to withdraw",
            ));
        }
        let txn = self.write_txn("start withdrawing a consent").await?;
        let actor = self.audit.actor(person);
        let proof = Proof {
            policy_version: policy.policy().policy.version.clone(),
            text_hash: TextHash::of(text_shown),
            source: Source::PreferenceCentre,
            channel: None,
            ip: None,
            user_agent: None,
            given_by: GivenBy::Subject,
        };
        self.record_consent_change_in(
            &txn,
            policy,
            person,
            &target,
            false,
            "privacy-centre",
            &proof,
            actor,
            now,
        )
        .await?;
        for table in tables_kept_only_for(policy, &id) {
            erase_table(&txn, table, person, &self.audit.subject(person).to_string()).await?;
        }
        txn.commit().await.map_err(db("commit a withdrawn consent"))
    }

    /// Writes one consent event inside `txn`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_consent_change_in(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        target: &ConsentTarget,
        given: bool,
        method: &str,
        proof: &Proof,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let sealed = serde_json::to_string(proof).map_err(|_| StoreError::Corrupt {
            what: "consent proof",
        })?;
        let fields = vec![
            ("purpose", Field::plain(stored_purpose(target))),
            ("given", Field::plain(given)),
            ("method", Field::plain(method.to_owned())),
            ("policy_version", Field::plain(proof.policy_version.clone())),
            ("proof", Field::Sealed(sealed)),
            ("recorded_at", Field::plain(now)),
        ];
        self.insert_record_in(txn, policy, "consent_event", person, fields, actor, now)
            .await
            .map(drop)
    }
}

/// The owned tables whose every category serves `purpose` alone: without its consent, nothing
/// justifies keeping their rows.
fn tables_kept_only_for(
    policy: &ValidPolicy,
    purpose: &PurposeId,
) -> Vec<&'static declared::TableDeclaration> {
    let purposes = &policy.policy().purposes;
    declared::owned_tables()
        .filter(|table| declared::module_enabled(policy, table.module))
        .filter(|table| {
            let categories: BTreeSet<_> = categories_of(policy, table);
            !categories.is_empty()
                && purposes
                    .iter()
                    .filter(|p| p.categories.iter().any(|c| categories.contains(c)))
                    .all(|p| &p.id == purpose)
        })
        .collect()
}

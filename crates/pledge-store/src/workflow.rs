//! The rest of a data-subject request's life: guardians acting for minors (K44), identity
//! verification by a method the policy accepts, refusal with a reason, notices to the person
//! through the outbox, corrections passed on to every recipient of the wrong data (K21), and
//! restriction of processing, which the processing gate enforces.

use pledge_audit::{Action, ActorKey};
use pledge_domain::{AgeBand, CategoryId, PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use pledge_policy::model::{IdentityCheck, RightKind};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value as DbValue};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::db;
use crate::outbox::NewMessage;
use crate::records::Field;
use crate::requests::{RequestStatus, RequestView, request_event, view};
use crate::vault::FieldRef;
use crate::{Store, StoreError};

/// A field of a person's profile that can be corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// The name they go by.
    DisplayName,
    /// Their email address.
    Email,
}

impl Correction {
    const fn column(self) -> &'static str {
        match self {
            Correction::DisplayName => "display_name",
            Correction::Email => "email",
        }
    }
}

/// The stored name of an identity check (`signed-in`, `document`).
#[must_use]
pub const fn method_name(method: IdentityCheck) -> &'static str {
    match method {
        IdentityCheck::SignedIn => "signed-in",
        IdentityCheck::EmailConfirmation => "email-confirmation",
        IdentityCheck::Document => "document",
        IdentityCheck::VerifiedGuardian => "verified-guardian",
    }
}

/// The identity check whose stored name is `name`, if any.
#[must_use]
pub fn parse_method(name: &str) -> Option<IdentityCheck> {
    [
        IdentityCheck::SignedIn,
        IdentityCheck::EmailConfirmation,
        IdentityCheck::Document,
        IdentityCheck::VerifiedGuardian,
    ]
    .into_iter()
    .find(|m| method_name(*m) == name)
}

impl Store {
    /// Checks that `guardian` may act for `person` on a request of `kind`: the policy gives
    /// guardians that right, the person is in its guardian age range, and a guardian link
    /// between them is confirmed.
    pub(crate) async fn check_guardian(
        &self,
        person: PersonId,
        guardian: PersonId,
        kind: RightKind,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if !policy.policy().children.guardian_rights.contains(&kind) {
            return Err(StoreError::NotAllowedToAct(
                "the policy does not let guardians exercise this right",
            ));
        }
        let minor = self.open_live(person).await?;
        if policy.age_rule().classify(minor.date_of_birth, now.date()) != AgeBand::NeedsGuardian {
            return Err(StoreError::NotAllowedToAct(
                "the person is not in the policy's guardian age range",
            ));
        }
        if self.is_guardian_of(guardian, person).await? {
            Ok(())
        } else {
            Err(StoreError::NotAllowedToAct(
                "no confirmed guardian link between them",
            ))
        }
    }

    /// Links `guardian` to `minor`, confirmed at `confirmed` (or awaiting confirmation).
    ///
    /// # Errors
    /// As [`Store::insert_record`].
    pub async fn link_guardian(
        &self,
        minor: PersonId,
        guardian: PersonId,
        policy: &ValidPolicy,
        confirmed: Option<OffsetDateTime>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let fields = vec![
            ("guardian_id", Field::plain(guardian.as_uuid())),
            ("confirmed_at", Field::plain(confirmed)),
            ("created_at", Field::plain(now)),
        ];
        self.insert_record(policy, "guardian_link", minor, fields, actor, now)
            .await
    }

    /// The address a notice to `person` goes to, read before a transaction starts (SQLite
    /// has one connection, which the transaction holds); `None` once they are erased.
    pub(crate) async fn address_of(&self, person: PersonId) -> Option<String> {
        self.open_live(person).await.ok().map(|view| view.email)
    }

    /// Queues a notice to `person` at `address` inside `txn`, auditing the read of the
    /// address.
    #[allow(clippy::too_many_arguments)]
    async fn notify_person(
        &self,
        txn: &DatabaseTransaction,
        person: PersonId,
        address: Option<String>,
        kind: &'static str,
        payload: Value,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let Some(address) = address else {
            return Ok(());
        };
        let message = NewMessage {
            person: Some(person),
            kind,
            recipient: "person".to_owned(),
            address: Some(address),
            payload,
        };
        self.enqueue_in(txn, message, now).await?;
        self.audit
            .append(
                txn,
                vec![request_event(self, actor, Action::Read, person)?],
                now,
            )
            .await?;
        Ok(())
    }

    /// Records that the requester's identity was checked by `method`, which must be one the
    /// policy accepts (a guardian's request needs `verified-guardian`).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a method the policy does not accept;
    /// [`StoreError::RequestClosed`]; database failures.
    pub async fn verify_identity(
        &self,
        id: Uuid,
        method: IdentityCheck,
        policy: &ValidPolicy,
        verified_by: Option<PersonId>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if !policy
            .policy()
            .requests
            .identity_verification
            .contains(&method)
        {
            return Err(StoreError::Invalid(
                "the policy does not accept this way of checking identity",
            ));
        }
        let row = self.request_row(id).await?;
        if row.requested_by.is_some() && method != IdentityCheck::VerifiedGuardian {
            return Err(StoreError::Invalid(
                "a guardian's request is verified as a verified guardian",
            ));
        }
        let txn = self.write_txn("start verifying an identity").await?;
        let mut update = Query::update();
        update
            .table("subject_request")
            .value("identity_verified_at", now)
            .value("identity_method", method_name(method))
            .value("verified_by", verified_by.map(|p| p.as_uuid()))
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("status").is_in(["open", "extended"]));
        let changed = txn
            .execute(&update)
            .await
            .map_err(db("record an identity check"))?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::RequestClosed("it was answered or refused"));
        }
        let person = PersonId::from_uuid(row.person_id);
        let event = request_event(self, actor, Action::Update, person)?;
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit an identity check"))
    }

    /// Refuses a request with `reason`, which the person is told (through the outbox).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a blank reason; [`StoreError::RequestClosed`]; failures.
    pub async fn refuse_request(
        &self,
        id: Uuid,
        reason: &str,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<RequestView, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "a refusal needs a reason for the person",
            ));
        }
        let current = view(self.request_row(id).await?)?;
        let address = self.address_of(current.person).await;
        let txn = self.write_txn("start refusing a request").await?;
        let mut update = Query::update();
        update
            .table("subject_request")
            .value("status", RequestStatus::Refused.name())
            .value("refusal_reason", reason)
            .value("closed_at", now)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("status").is_in(["open", "extended"]));
        let changed = txn.execute(&update).await.map_err(db("refuse a request"))?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::RequestClosed("it was answered or refused"));
        }
        let event = request_event(self, actor, Action::Update, current.person)?;
        self.audit.append(&txn, vec![event], now).await?;
        let payload = json!({ "request": id.to_string(), "reason": reason });
        self.notify_person(
            &txn,
            current.person,
            address,
            "request-refused",
            payload,
            actor,
            now,
        )
        .await?;
        txn.commit().await.map_err(db("commit a refusal"))?;
        Ok(RequestView {
            status: RequestStatus::Refused,
            ..current
        })
    }

    /// Queues the notice that a request was extended or answered (called by the request
    /// functions inside their transaction).
    pub(crate) async fn notify_request(
        &self,
        txn: &DatabaseTransaction,
        request: &RequestView,
        address: Option<String>,
        kind: &'static str,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let payload = json!({
            "request": request.id.to_string(),
            "due": request.due_at.unix_timestamp(),
        });
        self.notify_person(txn, request.person, address, kind, payload, actor, now)
            .await
    }

    /// Corrects a person's profile field (rectification) and queues a notice to every partner
    /// that received the category holding it, through the partner's own channel (K21). Returns
    /// the partners told.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty value, [`StoreError::Erased`], failures.
    pub async fn correct_person(
        &self,
        person: PersonId,
        field: Correction,
        value: &str,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(StoreError::Invalid("a corrected value cannot be empty"));
        }
        let key = self
            .keys
            .get(person)
            .await?
            .ok_or(StoreError::Erased(person))?;
        let column = field.column();
        let sealed = key.seal(
            FieldRef {
                table: "person",
                column,
            },
            value.as_bytes(),
        )?;
        let claim = format!("person.{column}");
        let category = crate::declared::category_of(policy, &claim)
            .and_then(|c| CategoryId::new(c).ok())
            .ok_or(StoreError::Corrupt {
                what: "category of a person field",
            })?;
        let recipients = self.recipients_of(person, &category).await?;
        // What each partner knows the person by is read before the change: the old value is
        // the one it holds (K21).
        let what = match field {
            Correction::DisplayName => "name",
            Correction::Email => "email address",
        };
        let mut notices = Vec::new();
        for partner in recipients {
            let registered = policy.partner(&partner);
            let details = crate::partner_notices::NoticeDetails {
                action: crate::partner_notices::PartnerAction::Correct,
                known_as: self.known_to(policy, person, &key, &partner).await?,
                change: Some((what.to_owned(), value.to_owned())),
                partner_name: registered.map_or_else(|| partner.to_string(), |p| p.name.clone()),
                act_by: crate::partner_notices::act_by(policy, RightKind::Rectification, now),
            };
            let channel = registered.and_then(|p| p.forward_requests_to.clone());
            notices.push((partner, channel, details));
        }
        let txn = self.write_txn("start a correction").await?;
        let mut update = Query::update();
        update
            .table("person")
            .value(column, DbValue::Bytes(Some(sealed)))
            .and_where(Expr::col("id").eq(person.as_uuid()))
            .and_where(Expr::col("erased_at").is_null());
        let changed = txn.execute(&update).await.map_err(db("correct a person"))?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Erased(person));
        }
        let mut event = request_event(self, actor, Action::Update, person)?;
        event.categories = [category.clone()].into();
        self.audit.append(&txn, vec![event], now).await?;
        let mut told = Vec::new();
        for (partner, channel, details) in notices {
            self.enqueue_partner_notice_in(
                &txn,
                person,
                "correction-notice",
                &partner,
                channel,
                &details,
                now,
            )
            .await?;
            told.push(partner.to_string());
        }
        txn.commit().await.map_err(db("commit a correction"))?;
        Ok(told)
    }

    /// Restricts processing of `person`'s data for `purposes` (GDPR Art. 18): from now on the
    /// processing gate refuses everything but storage and legal claims for them.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when no purpose is given; as [`Store::insert_record`].
    pub async fn restrict_processing(
        &self,
        person: PersonId,
        purposes: &[PurposeId],
        grounds: &str,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        if purposes.is_empty() {
            return Err(StoreError::Invalid(
                "a restriction names at least one purpose",
            ));
        }
        let listed: Vec<&str> = purposes.iter().map(PurposeId::as_str).collect();
        let fields = vec![
            ("purposes", Field::plain(listed.join(","))),
            ("grounds", Field::Sealed(grounds.to_owned())),
            ("placed_at", Field::plain(now)),
        ];
        self.insert_record(policy, "restriction", person, fields, actor, now)
            .await
    }

    /// Lifts a restriction. Lifting twice is not an error.
    ///
    /// # Errors
    /// Database failures.
    pub async fn lift_restriction(
        &self,
        id: Uuid,
        person: PersonId,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let txn = self.write_txn("start lifting a restriction").await?;
        let mut update = Query::update();
        update
            .table("restriction")
            .value("lifted_at", now)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("lifted_at").is_null());
        let changed = txn
            .execute(&update)
            .await
            .map_err(db("lift a restriction"))?;
        if changed.rows_affected() == 1 {
            let event = request_event(self, actor, Action::Update, person)?;
            self.audit.append(&txn, vec![event], now).await?;
        }
        txn.commit()
            .await
            .map_err(db("commit lifting a restriction"))
    }

    /// The purposes (the policy's ids) for which `person` has restricted processing, from
    /// every restriction in force.
    ///
    /// # Errors
    /// Database failures.
    pub async fn restricted_purposes(
        &self,
        person: PersonId,
    ) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let mut select = Query::select();
        select
            .column("purposes")
            .from("restriction")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("lifted_at").is_null());
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read restrictions"))?;
        let mut purposes = std::collections::BTreeSet::new();
        for row in rows {
            let listed: String = row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                what: "restriction",
            })?;
            purposes.extend(
                listed
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            );
        }
        Ok(purposes)
    }

    /// True while `person` has restricted processing for `purpose`: what the processing gate's
    /// `SubjectFacts::restricted` takes for that purpose.
    ///
    /// # Errors
    /// Database failures.
    pub async fn is_restricted_for(
        &self,
        person: PersonId,
        purpose: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.restricted_purposes(person).await?.contains(purpose))
    }

    /// Refuses with [`StoreError::Restricted`] when `person` has restricted processing for
    /// `purpose`: every path that uses or sends someone's data for a purpose asks this first.
    ///
    /// # Errors
    /// [`StoreError::Restricted`]; database failures.
    pub async fn check_not_restricted(
        &self,
        person: PersonId,
        purpose: &str,
    ) -> Result<(), StoreError> {
        if self.is_restricted_for(person, purpose).await? {
            return Err(StoreError::Restricted(purpose.to_owned()));
        }
        Ok(())
    }
}

//! Notices to partners that a partner can act on (J09, K21): when an erasure or a correction is
//! forwarded to a partner that received the person's data, the message names the person by
//! what that partner knows (the candidate number an exam body issued, the booking a tour
//! operator holds, the name and address it was sent), says what to do and by when, and for a
//! correction carries the corrected value.
//!
//! Those facts are personal data, so they are sealed under the outbox's own key (like a
//! message's address) in `outbox.details`, written in the transaction that queues the notice —
//! before an erasure destroys the person's key — and cleared once the message is sent. What
//! stays is the office's tracking: when the partner must act by (`act_by`) and when it
//! confirmed (`confirmed_at`); a notice past its date without confirmation is overdue.

use pledge_domain::{PartnerId, PersonId};
use pledge_policy::ValidPolicy;
use pledge_policy::model::RightKind;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value as DbValue};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::db;
use crate::vault::FieldRef;
use crate::{DataKey, Store, StoreError};

/// Where the facts a partner needs are sealed.
pub(crate) const DETAILS: FieldRef = FieldRef {
    table: "outbox",
    column: "details",
};

/// What a partner is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartnerAction {
    /// Erase everything held about the person.
    Erase,
    /// Correct one item to the value given.
    Correct,
}

/// The facts a notice to a partner carries, opened for the sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDetails {
    /// What to do.
    pub action: PartnerAction,
    /// The person as the partner knows them: (what, value), e.g. ("candidate number", "C…").
    pub known_as: Vec<(String, String)>,
    /// For a correction: (what is corrected, the correct value).
    pub change: Option<(String, String)>,
    /// The partner's name, as the policy gives it.
    pub partner_name: String,
    /// When the partner must have acted.
    #[serde(with = "time::serde::rfc3339")]
    pub act_by: OffsetDateTime,
}

/// A request forwarded to a partner, as the office tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardedNotice {
    /// The message's id (what the partner quotes when it confirms).
    pub id: Uuid,
    /// The partner's id in the policy.
    pub partner: String,
    /// `erasure-forward` or `correction-notice`.
    pub kind: String,
    /// When it was queued.
    pub queued_at: OffsetDateTime,
    /// When it was sent, once it was.
    pub sent_at: Option<OffsetDateTime>,
    /// When the partner must have acted.
    pub act_by: Option<OffsetDateTime>,
    /// When the partner confirmed, once it did.
    pub confirmed_at: Option<OffsetDateTime>,
}

impl ForwardedNotice {
    /// Past its date and not confirmed: the office must chase the partner.
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        self.confirmed_at.is_none() && self.act_by.is_some_and(|at| at < now)
    }
}

/// How long a partner has: the policy's deadline for the right, or 30 days.
pub(crate) fn act_by(
    policy: &ValidPolicy,
    right: RightKind,
    now: OffsetDateTime,
) -> OffsetDateTime {
    policy
        .right(right)
        .and_then(|r| r.deadline)
        .and_then(|period| period.after(now))
        .unwrap_or(now + time::Duration::days(30))
}

impl Store {
    /// What `partner` knows `person` by, read with their `key`: the candidate numbers its
    /// exams were booked under, the tour bookings it was sent, the name and email address when
    /// it receives the categories holding them, and always our own reference.
    pub(crate) async fn known_to(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        key: &DataKey,
        partner: &PartnerId,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut known = Vec::new();
        let receives = |column: &str| {
            crate::declared::category_of(policy, column).is_some_and(|category| {
                policy
                    .partner(partner)
                    .is_some_and(|p| p.receives.iter().any(|c| c.as_str() == category))
            })
        };
        if let Ok(view) = self.open_live(person).await {
            if receives("person.display_name") {
                known.push(("name".to_owned(), view.display_name));
            }
            if receives("person.email") {
                known.push(("email address".to_owned(), view.email));
            }
        }
        for number in self.candidate_numbers(person, key, partner).await? {
            known.push(("candidate number".to_owned(), number));
        }
        for booking in self.bookings_with(person, partner).await? {
            known.push(("booking reference".to_owned(), booking.to_string()));
        }
        known.push(("our reference".to_owned(), person.to_string()));
        Ok(known)
    }

    async fn candidate_numbers(
        &self,
        person: PersonId,
        key: &DataKey,
        partner: &PartnerId,
    ) -> Result<Vec<String>, StoreError> {
        let mut select = Query::select();
        select
            .column("candidate_number")
            .from("exam_booking")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("partner").eq(partner.as_str()));
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read candidate numbers"))?;
        let field = FieldRef {
            table: "exam_booking",
            column: "candidate_number",
        };
        let mut numbers = Vec::new();
        for row in rows {
            let sealed: Option<Vec<u8>> =
                row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                    what: "exam booking",
                })?;
            if let Some(sealed) = sealed {
                numbers.push(key.open_text(field, &sealed)?);
            }
        }
        Ok(numbers)
    }

    async fn bookings_with(
        &self,
        person: PersonId,
        operator: &PartnerId,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut select = Query::select();
        select
            .column(("tour_booking", "id"))
            .from("tour_booking")
            .inner_join(
                "departure",
                Expr::col(("departure", "id")).equals(("tour_booking", "departure_id")),
            )
            .inner_join(
                "tour",
                Expr::col(("tour", "id")).equals(("departure", "tour_id")),
            )
            .and_where(Expr::col(("tour_booking", "person_id")).eq(person.as_uuid()))
            .and_where(Expr::col(("tour", "operator")).eq(operator.as_str()))
            .order_by(("tour_booking", "id"), Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read tour bookings"))?;
        rows.iter()
            .map(|row| {
                row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                    what: "tour booking",
                })
            })
            .collect()
    }

    /// Queues, inside `txn`, a notice of `kind` to `partner` at `address` about `person`,
    /// carrying `details` sealed under the outbox's key.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn enqueue_partner_notice_in(
        &self,
        txn: &DatabaseTransaction,
        person: PersonId,
        kind: &'static str,
        partner: &PartnerId,
        address: Option<String>,
        details: &NoticeDetails,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let message = crate::outbox::NewMessage {
            person: Some(person),
            kind,
            recipient: partner.to_string(),
            address,
            payload: serde_json::json!({ "person_ref": person.to_string() }),
        };
        let id = self.enqueue_in(txn, message, now).await?;
        let text = serde_json::to_vec(details).map_err(|_| StoreError::Corrupt {
            what: "partner notice",
        })?;
        let sealed = self.outbox_key(now).await?.seal(DETAILS, &text)?;
        let mut update = Query::update();
        update
            .table("outbox")
            .value("details", DbValue::Bytes(Some(sealed)))
            .value("act_by", details.act_by)
            .and_where(Expr::col("id").eq(id));
        txn.execute(&update)
            .await
            .map_err(db("seal a partner notice"))?;
        Ok(id)
    }

    /// Every request forwarded to a partner, newest first, with its date and confirmation.
    ///
    /// # Errors
    /// Failures.
    pub async fn forwarded_notices(&self) -> Result<Vec<ForwardedNotice>, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "id",
                "recipient",
                "kind",
                "created_at",
                "sent_at",
                "act_by",
                "confirmed_at",
            ])
            .from("outbox")
            .and_where(Expr::col("kind").is_in(crate::partners::FORWARDED))
            .order_by("created_at", Order::Desc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read forwarded requests"))?;
        let broken = |_| StoreError::Corrupt {
            what: "forwarded request",
        };
        rows.iter()
            .map(|row| {
                Ok(ForwardedNotice {
                    id: row.try_get_by_index(0).map_err(broken)?,
                    partner: row.try_get_by_index(1).map_err(broken)?,
                    kind: row.try_get_by_index(2).map_err(broken)?,
                    queued_at: row.try_get_by_index(3).map_err(broken)?,
                    sent_at: row.try_get_by_index(4).map_err(broken)?,
                    act_by: row.try_get_by_index(5).map_err(broken)?,
                    confirmed_at: row.try_get_by_index(6).map_err(broken)?,
                })
            })
            .collect()
    }

    /// Records that the partner confirmed it acted on forwarded notice `id`, as `officer`
    /// (audited). Confirming twice changes nothing.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when no forwarded notice has that id; failures.
    pub async fn confirm_forwarded(
        &self,
        id: Uuid,
        officer: PersonId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let txn = self
            .write_txn("start recording a partner's confirmation")
            .await?;
        let mut update = Query::update();
        update
            .table("outbox")
            .value("confirmed_at", now)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("kind").is_in(crate::partners::FORWARDED))
            .and_where(Expr::col("confirmed_at").is_null());
        let changed = txn
            .execute(&update)
            .await
            .map_err(db("record a partner's confirmation"))?;
        if changed.rows_affected() == 0 {
            let mut select = Query::select();
            select
                .column("id")
                .from("outbox")
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("kind").is_in(crate::partners::FORWARDED));
            let known = txn
                .query_one(&select)
                .await
                .map_err(db("read a forwarded request"))?;
            return match known {
                Some(_) => Ok(()),
                None => Err(StoreError::Invalid("there is no such forwarded request")),
            };
        }
        let mut event = self.audit.admin_event(self.audit.actor(officer));
        event.records = [pledge_domain::RecordId::from_uuid(id)].into();
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit()
            .await
            .map_err(db("commit a partner's confirmation"))
    }
}

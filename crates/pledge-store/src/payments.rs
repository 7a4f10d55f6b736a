//! Payments through a payment processor: what was bought, for how much, its status, receipt
//! and refunds — never card data (W11, W12: there is no column for it).
//!
//! The flow the portal drives:
//! 1. [`Store::start_payment`] records a pending payment under the processor's checkout
//!    reference, before the person is sent to the processor's own pages;
//! 2. the processor tells us the outcome in a signed notification, which the portal verifies
//!    and hands to [`Store::apply_payment_event`]: one transaction records the event (so a
//!    replayed or re-delivered one changes nothing), moves the payment on and delivers what was
//!    bought (an enrolment, or a confirmed tour booking);
//! 3. a refund is asked of the processor, recorded as pending with
//!    [`Store::record_refund_request`], and completed by the processor's notification, which
//!    withdraws what was bought.
//!
//! When a payment is paid, the same transaction queues a receipt in the outbox
//! ([`RECEIPT_MESSAGE`]); the portal's mailer sends it with [`Store::receipt_email`], which
//! reads the payer's address at sending time (so no copy of it waits in the queue).
//!
//! Payment records are the payer's personal data (billing name sealed under their key), read
//! with an audit entry, and kept after erasure under a pseudonym for as long as the policy's
//! retention rule says (tax law).

use pledge_audit::{Action, ActorKey};
use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{broken, refused};
use crate::declared;
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::vault::FieldRef;
use crate::{Store, StoreError};

const BILLING_NAME: FieldRef = FieldRef {
    table: "payment",
    column: "billing_name",
};

/// The longest billing name accepted.
pub const BILLING_NAME_MAX: usize = 200;

/// What a payment buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purchase {
    /// Enrolment in the course with this id.
    Course(Uuid),
    /// The tour booking with this id (held until it is paid).
    TourBooking(Uuid),
}

impl Purchase {
    const fn kind(self) -> &'static str {
        match self {
            Purchase::Course(_) => "course",
            Purchase::TourBooking(_) => "tour_booking",
        }
    }

    const fn id(self) -> Uuid {
        match self {
            Purchase::Course(id) | Purchase::TourBooking(id) => id,
        }
    }

    fn from_row(kind: &str, id: Uuid) -> Result<Self, StoreError> {
        match kind {
            "course" => Ok(Purchase::Course(id)),
            "tour_booking" => Ok(Purchase::TourBooking(id)),
            _ => Err(StoreError::Corrupt {
                what: "payment item",
            }),
        }
    }
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// The person was sent to the processor; no outcome yet.
    Pending,
    /// The processor confirmed it.
    Paid,
    /// The processor reported that it failed or was abandoned.
    Failed,
    /// A refund was asked for and the processor has not confirmed it yet.
    RefundPending,
    /// Refunded.
    Refunded,
}

impl PaymentStatus {
    /// The word stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::RefundPending => "refund-pending",
            PaymentStatus::Refunded => "refunded",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        [
            PaymentStatus::Pending,
            PaymentStatus::Paid,
            PaymentStatus::Failed,
            PaymentStatus::RefundPending,
            PaymentStatus::Refunded,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or(StoreError::Corrupt {
            what: "payment status",
        })
    }
}

/// A payment to record before the person goes to the processor's checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// Our id for it (the processor's checkout carries it back as its client reference).
    pub id: Uuid,
    /// Who pays.
    pub person: PersonId,
    /// What for.
    pub purchase: Purchase,
    /// How much, in the currency's smallest unit.
    pub amount_cents: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// The processor's name.
    pub processor: String,
    /// The processor's reference of the checkout.
    pub processor_ref: String,
    /// The name the receipt is made out to.
    pub billing_name: String,
}

/// A payment as its payer (or finance staff) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Its id.
    pub id: Uuid,
    /// Who paid (none once they were erased).
    pub person: Option<PersonId>,
    /// What for.
    pub purchase: Purchase,
    /// The processor's name.
    pub processor: String,
    /// The processor's reference.
    pub processor_ref: String,
    /// How much.
    pub amount_cents: i64,
    /// Its currency.
    pub currency: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// The receipt's number, once paid.
    pub receipt_number: Option<String>,
    /// The name on the receipt (empty once the payer was erased).
    pub billing_name: String,
    /// When it was started.
    pub created_at: OffsetDateTime,
    /// When it was paid.
    pub paid_at: Option<OffsetDateTime>,
    /// When it was refunded.
    pub refunded_at: Option<OffsetDateTime>,
}

/// The outbox kind of a payment's receipt, queued when the payment is paid. Its payload is
/// `{"payment": "<id>"}`; the address is read when it is sent.
pub const RECEIPT_MESSAGE: &str = "payment-receipt";

/// A receipt ready to email: the paid payment (billing name opened) and the payer's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptEmail {
    /// The payer's current email address.
    pub to: String,
    /// The payment, as paid.
    pub payment: Payment,
}

/// What a processor's notification says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// The payment went through.
    Paid,
    /// It failed or was abandoned.
    Failed,
    /// The refund with this reference went through.
    Refunded {
        /// The processor's reference of the refund.
        refund_ref: String,
    },
}

impl PaymentOutcome {
    const fn kind(&self) -> &'static str {
        match self {
            PaymentOutcome::Paid => "paid",
            PaymentOutcome::Failed => "failed",
            PaymentOutcome::Refunded { .. } => "refunded",
        }
    }
}

/// A verified notification from a payment processor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEvent {
    /// The processor's name.
    pub processor: String,
    /// The processor's id of this event: the same event delivered twice has the same id.
    pub event_id: String,
    /// The processor's reference of the payment it is about.
    pub processor_ref: String,
    /// What happened.
    pub outcome: PaymentOutcome,
}

/// What applying a notification did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The payment moved on (and, when paid, what was bought was delivered).
    Changed(PaymentStatus),
    /// The event was seen before, or the payment was past it already: nothing changed.
    AlreadyDone,
    /// No payment has this reference (perhaps another deployment's): nothing changed.
    UnknownPayment,
}

const COLUMNS: [&str; 13] = [
    "id",
    "person_id",
    "item_kind",
    "item_id",
    "processor",
    "processor_ref",
    "amount_cents",
    "currency",
    "status",
    "receipt_number",
    "billing_name",
    "created_at",
    "paid_at",
];

fn select_payments() -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(COLUMNS)
        .column("refunded_at")
        .from("payment")
        .order_by("created_at", Order::Desc);
    select
}

/// A row's columns, as stored: the billing name still sealed.
struct Row {
    payment: Payment,
    sealed_name: Option<Vec<u8>>,
}

fn row_of(row: &QueryResult) -> Result<Row, StoreError> {
    let get = broken("payment");
    let person: Option<Uuid> = row.try_get_by_index(1).map_err(&get)?;
    let kind: String = row.try_get_by_index(2).map_err(&get)?;
    let item: Uuid = row.try_get_by_index(3).map_err(&get)?;
    let status: String = row.try_get_by_index(8).map_err(&get)?;
    Ok(Row {
        payment: Payment {
            id: row.try_get_by_index(0).map_err(&get)?,
            person: person.map(PersonId::from_uuid),
            purchase: Purchase::from_row(&kind, item)?,
            processor: row.try_get_by_index(4).map_err(&get)?,
            processor_ref: row.try_get_by_index(5).map_err(&get)?,
            amount_cents: row.try_get_by_index(6).map_err(&get)?,
            currency: row.try_get_by_index(7).map_err(&get)?,
            status: PaymentStatus::parse(&status)?,
            receipt_number: row.try_get_by_index(9).map_err(&get)?,
            billing_name: String::new(),
            created_at: row.try_get_by_index(11).map_err(&get)?,
            paid_at: row.try_get_by_index(12).map_err(&get)?,
            refunded_at: row.try_get_by_index(13).map_err(&get)?,
        },
        sealed_name: row.try_get_by_index(10).map_err(&get)?,
    })
}

/// Whose payments these are (erased payers have none).
fn payers(payments: &[Payment]) -> Vec<PersonId> {
    payments.iter().filter_map(|p| p.person).collect()
}

/// A receipt number: the payment's day and the random tail of its id, unique with it.
fn receipt_number(payment: Uuid, paid_at: OffsetDateTime) -> String {
    let tail = payment.simple().to_string();
    let tail = tail.get(tail.len().saturating_sub(10)..).unwrap_or(&tail);
    format!(
        "R{:04}{:02}{:02}-{}",
        paid_at.year(),
        u8::from(paid_at.month()),
        paid_at.day(),
        tail.to_ascii_uppercase()
    )
}

/// Checks the name a receipt is made out to.
///
/// # Errors
/// [`StoreError::Refused`] naming the `billing_name` field.
pub fn check_billing_name(name: &str) -> Result<&str, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Refused(vec![refused(
            "billing_name",
            "Enter the name the receipt should be made out to.",
        )]));
    }
    if name.chars().count() > BILLING_NAME_MAX || name.chars().any(char::is_control) {
        return Err(StoreError::Refused(vec![refused(
            "billing_name",
            format!("The name can be at most {BILLING_NAME_MAX} characters, on one line."),
        )]));
    }
    Ok(name)
}

impl Store {
    fn payments_enabled(policy: &ValidPolicy) -> Result<(), StoreError> {
        if declared::module_enabled(policy, "payments") {
            Ok(())
        } else {
            Err(StoreError::ModuleDisabled("payments"))
        }
    }

    /// Records `payment` as pending (before the person is sent to the processor's checkout).
    ///
    /// # Errors
    /// [`StoreError::Refused`] for an unusable billing name; [`StoreError::Invalid`] for an
    /// amount that is not positive; [`StoreError::ModuleDisabled`] when the policy does not
    /// declare payment data; failures.
    pub async fn start_payment(
        &self,
        policy: &ValidPolicy,
        payment: &NewPayment,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        Self::payments_enabled(policy)?;
        let name = check_billing_name(&payment.billing_name)?;
        if payment.amount_cents <= 0 {
            return Err(StoreError::Invalid("a payment's amount must be positive"));
        }
        let fields = vec![
            ("id", Field::plain(payment.id)),
            ("subject_pseudonym", Field::plain(None::<String>)),
            ("item_kind", Field::plain(payment.purchase.kind())),
            ("item_id", Field::plain(payment.purchase.id())),
            ("processor", Field::plain(payment.processor.as_str())),
            (
                "processor_ref",
                Field::plain(payment.processor_ref.as_str()),
            ),
            ("amount_cents", Field::plain(payment.amount_cents)),
            ("currency", Field::plain(payment.currency.as_str())),
            ("status", Field::plain(PaymentStatus::Pending.as_str())),
            ("receipt_number", Field::plain(None::<String>)),
            ("billing_name", Field::Sealed(name.to_owned())),
            ("created_at", Field::plain(now)),
            ("paid_at", Field::plain(None::<OffsetDateTime>)),
            ("refunded_at", Field::plain(None::<OffsetDateTime>)),
        ];
        let actor = self.audit.actor(payment.person);
        self.insert_record(policy, "payment", payment.person, fields, actor, now)
            .await
    }

    /// Applies a verified processor notification, once: the event is recorded, the payment
    /// moves on, and what was bought is delivered (or withdrawn, for a refund), all in one
    /// transaction. The same event again, or an outcome the payment is past, changes nothing.
    ///
    /// # Errors
    /// Database or key-store failures (nothing is changed; the processor delivers again).
    pub async fn apply_payment_event(
        &self,
        policy: &ValidPolicy,
        event: &PaymentEvent,
        now: OffsetDateTime,
    ) -> Result<Applied, StoreError> {
        let event_key = format!("{}:{}", event.processor, event.event_id);
        if self.event_seen(&event_key).await? {
            return Ok(Applied::AlreadyDone);
        }
        let txn = self.write_txn("start applying a payment event").await?;
        let Some(payment) = self.payment_by_ref_in(&txn, &event.processor_ref).await? else {
            return Ok(Applied::UnknownPayment);
        };
        let mut record = Query::insert();
        record
            .into_table("payment_event")
            .columns(["id", "event_key", "kind", "processor_ref", "received_at"])
            .values([
                Uuid::now_v7().into(),
                event_key.as_str().into(),
                event.outcome.kind().into(),
                event.processor_ref.as_str().into(),
                now.into(),
            ])
            .map_err(|_| StoreError::Corrupt {
                what: "payment event",
            })?;
        if txn.execute(&record).await.is_err() {
            // The same event, delivered twice at the same moment: the other delivery has it.
            return Ok(Applied::AlreadyDone);
        }
        let changed = match &event.outcome {
            PaymentOutcome::Paid => self.mark_paid(&txn, policy, &payment, now).await?,
            PaymentOutcome::Failed => self.mark_failed(&txn, policy, &payment, now).await?,
            PaymentOutcome::Refunded { refund_ref } => {
                self.mark_refunded(&txn, policy, &payment, refund_ref, now)
                    .await?
            }
        };
        txn.commit().await.map_err(db("commit a payment event"))?;
        Ok(changed.map_or(Applied::AlreadyDone, Applied::Changed))
    }

    async fn event_seen(&self, event_key: &str) -> Result<bool, StoreError> {
        let mut select = Query::select();
        select
            .column("id")
            .from("payment_event")
            .and_where(Expr::col("event_key").eq(event_key));
        Ok(self
            .db
            .query_one(&select)
            .await
            .map_err(db("read payment events"))?
            .is_some())
    }

    async fn payment_by_ref_in(
        &self,
        txn: &DatabaseTransaction,
        processor_ref: &str,
    ) -> Result<Option<Payment>, StoreError> {
        let mut select = select_payments();
        select.and_where(Expr::col("processor_ref").eq(processor_ref));
        txn.query_one(&select)
            .await
            .map_err(db("read a payment"))?
            .map(|row| row_of(&row).map(|r| r.payment))
            .transpose()
    }

    /// Moves `payment` from `from` to `to` with `extra` columns set; whether it moved (a
    /// payment already past `from` does not).
    async fn move_payment(
        &self,
        txn: &DatabaseTransaction,
        payment: Uuid,
        from: &[PaymentStatus],
        to: PaymentStatus,
        extra: Vec<(&'static str, sea_orm::Value)>,
    ) -> Result<bool, StoreError> {
        let mut update = Query::update();
        update
            .table("payment")
            .value("status", to.as_str())
            .and_where(Expr::col("id").eq(payment))
            .and_where(Expr::col("status").is_in(from.iter().map(|s| s.as_str())));
        for (column, value) in extra {
            update.value(column, value);
        }
        let result = txn.execute(&update).await.map_err(db("update a payment"))?;
        Ok(result.rows_affected() == 1)
    }

    fn processor_actor(&self, payment: &Payment) -> ActorKey {
        self.audit
            .service(&format!("payment-processor:{}", payment.processor))
    }

    /// Audits a change to `payment` by its processor, in `txn`.
    async fn audit_payment_change(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let Some(person) = payment.person else {
            return Ok(());
        };
        let event = self.audit.event_about(
            self.processor_actor(payment),
            Action::Update,
            person,
            categories_of(policy, owned_table("payment")?),
            None,
        );
        self.audit.append(txn, vec![event], now).await?;
        Ok(())
    }

    async fn mark_paid(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<Option<PaymentStatus>, StoreError> {
        let receipt = receipt_number(payment.id, now);
        let moved = self
            .move_payment(
                txn,
                payment.id,
                &[PaymentStatus::Pending, PaymentStatus::Failed],
                PaymentStatus::Paid,
                vec![("paid_at", now.into()), ("receipt_number", receipt.into())],
            )
            .await?;
        if !moved {
            return Ok(None);
        }
        self.audit_payment_change(txn, policy, payment, now).await?;
        if let Some(person) = payment.person {
            self.deliver(txn, policy, person, payment.purchase, now)
                .await?;
            let receipt = crate::outbox::NewMessage {
                person: Some(person),
                kind: RECEIPT_MESSAGE,
                recipient: "person".to_owned(),
                address: None,
                payload: serde_json::json!({ "payment": payment.id.to_string() }),
            };
            self.enqueue_in(txn, receipt, now).await?;
        }
        Ok(Some(PaymentStatus::Paid))
    }

    async fn mark_failed(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<Option<PaymentStatus>, StoreError> {
        let moved = self
            .move_payment(
                txn,
                payment.id,
                &[PaymentStatus::Pending],
                PaymentStatus::Failed,
                Vec::new(),
            )
            .await?;
        if !moved {
            return Ok(None);
        }
        self.audit_payment_change(txn, policy, payment, now).await?;
        if let Purchase::TourBooking(booking) = payment.purchase {
            self.release_booking(txn, booking).await?;
        }
        Ok(Some(PaymentStatus::Failed))
    }

    async fn mark_refunded(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        payment: &Payment,
        refund_ref: &str,
        now: OffsetDateTime,
    ) -> Result<Option<PaymentStatus>, StoreError> {
        let moved = self
            .move_payment(
                txn,
                payment.id,
                &[PaymentStatus::Paid, PaymentStatus::RefundPending],
                PaymentStatus::Refunded,
                vec![("refunded_at", now.into())],
            )
            .await?;
        if !moved {
            return Ok(None);
        }
        let mut done = Query::update();
        done.table("refund")
            .value("status", "done")
            .and_where(Expr::col("processor_ref").eq(refund_ref));
        let updated = txn.execute(&done).await.map_err(db("complete a refund"))?;
        if updated.rows_affected() == 0 {
            // A refund made on the processor's side (its dashboard): record it too.
            self.insert_refund(txn, payment, refund_ref, "done", now)
                .await?;
        }
        self.audit_payment_change(txn, policy, payment, now).await?;
        self.withdraw(txn, payment).await?;
        Ok(Some(PaymentStatus::Refunded))
    }

    /// Delivers what was bought: the enrolment, or the confirmed booking.
    async fn deliver(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        purchase: Purchase,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        match purchase {
            Purchase::Course(course) => {
                self.enrol_within(txn, policy, person, course, now).await?;
            }
            Purchase::TourBooking(booking) => {
                let mut confirm = Query::update();
                confirm
                    .table("tour_booking")
                    .value("status", "confirmed")
                    .and_where(Expr::col("id").eq(booking))
                    .and_where(Expr::col("status").eq("held"));
                txn.execute(&confirm)
                    .await
                    .map_err(db("confirm a booking"))?;
            }
        }
        Ok(())
    }

    /// Takes back what a refunded payment bought.
    async fn withdraw(
        &self,
        txn: &DatabaseTransaction,
        payment: &Payment,
    ) -> Result<(), StoreError> {
        match (payment.purchase, payment.person) {
            (Purchase::Course(course), Some(person)) => {
                let mut withdraw = Query::update();
                withdraw
                    .table("enrolment")
                    .value("status", crate::learning::WITHDRAWN)
                    .and_where(Expr::col("person_id").eq(person.as_uuid()))
                    .and_where(Expr::col("course_id").eq(course));
                txn.execute(&withdraw)
                    .await
                    .map_err(db("withdraw an enrolment"))?;
                Ok(())
            }
            (Purchase::Course(_), None) => Ok(()),
            (Purchase::TourBooking(booking), _) => self.release_booking(txn, booking).await,
        }
    }

    /// Cancels a booking that was not paid for or was refunded, and frees its seats.
    pub(crate) async fn release_booking(
        &self,
        txn: &DatabaseTransaction,
        booking: Uuid,
    ) -> Result<(), StoreError> {
        let mut select = Query::select();
        select
            .columns(["departure_id", "seats"])
            .from("tour_booking")
            .and_where(Expr::col("id").eq(booking))
            .and_where(Expr::col("status").ne("cancelled"));
        let Some(row) = txn.query_one(&select).await.map_err(db("read a booking"))? else {
            return Ok(());
        };
        let departure: Uuid = row.try_get_by_index(0).map_err(broken("booking"))?;
        let seats: i32 = row.try_get_by_index(1).map_err(broken("booking"))?;
        let mut cancel = Query::update();
        cancel
            .table("tour_booking")
            .value("status", "cancelled")
            .and_where(Expr::col("id").eq(booking));
        txn.execute(&cancel).await.map_err(db("cancel a booking"))?;
        let mut free = Query::update();
        free.table("departure")
            .value("seats_taken", Expr::col("seats_taken").sub(seats))
            .and_where(Expr::col("id").eq(departure));
        txn.execute(&free).await.map_err(db("free seats"))?;
        Ok(())
    }

    async fn insert_refund(
        &self,
        txn: &DatabaseTransaction,
        payment: &Payment,
        refund_ref: &str,
        status: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut insert = Query::insert();
        insert
            .into_table("refund")
            .columns([
                "id",
                "payment_id",
                "processor_ref",
                "amount_cents",
                "status",
                "created_at",
            ])
            .values([
                Uuid::now_v7().into(),
                payment.id.into(),
                refund_ref.into(),
                payment.amount_cents.into(),
                status.into(),
                now.into(),
            ])
            .map_err(|_| StoreError::Corrupt { what: "refund" })?;
        txn.execute(&insert).await.map_err(db("record a refund"))?;
        Ok(())
    }

    /// Records that a full refund of `payment` was asked of the processor under `refund_ref`
    /// by `staff`; the processor's notification completes it.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a payment that is not paid; failures.
    pub async fn record_refund_request(
        &self,
        policy: &ValidPolicy,
        payment: Uuid,
        refund_ref: &str,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let txn = self.write_txn("start recording a refund").await?;
        let mut select = select_payments();
        select.and_where(Expr::col("id").eq(payment));
        let found = txn
            .query_one(&select)
            .await
            .map_err(db("read a payment"))?
            .map(|row| row_of(&row).map(|r| r.payment))
            .transpose()?
            .ok_or(StoreError::Invalid("there is no such payment"))?;
        let moved = self
            .move_payment(
                &txn,
                payment,
                &[PaymentStatus::Paid],
                PaymentStatus::RefundPending,
                Vec::new(),
            )
            .await?;
        if !moved {
            // The processor's notification of this very refund may have come first.
            return if found.status == PaymentStatus::Refunded {
                Ok(())
            } else {
                Err(StoreError::Invalid("only a paid payment can be refunded"))
            };
        }
        self.insert_refund(&txn, &found, refund_ref, "pending", now)
            .await?;
        if let Some(person) = found.person {
            let event = self.audit.event_about(
                self.audit.actor(staff),
                Action::Update,
                person,
                categories_of(policy, owned_table("payment")?),
                None,
            );
            self.audit.append(&txn, vec![event], now).await?;
        }
        txn.commit().await.map_err(db("commit a refund request"))
    }

    /// `person`'s payments, newest first, with the billing names opened; the read is audited.
    ///
    /// # Errors
    /// [`StoreError::ModuleDisabled`]; [`StoreError::Erased`]; failures.
    pub async fn payments_of(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Payment>, StoreError> {
        Self::payments_enabled(policy)?;
        let mut select = select_payments();
        select.and_where(Expr::col("person_id").eq(person.as_uuid()));
        let payments = self.open_payments(select).await?;
        self.audit_reads(
            policy,
            self.audit.actor(person),
            "payment",
            &payers(&payments),
            now,
        )
        .await?;
        Ok(payments)
    }

    /// Every payment, newest first, for finance staff (`staff`, whose role the caller
    /// checked); reading each payer's records is audited under `staff`.
    ///
    /// # Errors
    /// [`StoreError::ModuleDisabled`]; failures.
    pub async fn all_payments(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Payment>, StoreError> {
        Self::payments_enabled(policy)?;
        let payments = self.open_payments(select_payments()).await?;
        self.audit_reads(
            policy,
            self.audit.actor(staff),
            "payment",
            &payers(&payments),
            now,
        )
        .await?;
        Ok(payments)
    }

    /// The payment `id` without its billing name (nothing is opened, so nothing is audited):
    /// for checking whose it is and where it stands.
    ///
    /// # Errors
    /// Database failures.
    pub async fn payment_summary(&self, id: Uuid) -> Result<Option<Payment>, StoreError> {
        let mut select = select_payments();
        select.and_where(Expr::col("id").eq(id));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a payment"))?;
        row.map(|row| row_of(&row).map(|r| r.payment)).transpose()
    }

    /// The receipt email for `payment`: its record and the payer's current address, both read
    /// under `actor` (the mailer) and audited. `None` when there is nothing to send: the payer
    /// was erased, the payment has no payer or no receipt, or it is gone.
    ///
    /// # Errors
    /// Key-store or database failures.
    pub async fn receipt_email(
        &self,
        policy: &ValidPolicy,
        payment: Uuid,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Option<ReceiptEmail>, StoreError> {
        let mut select = select_payments();
        select.and_where(Expr::col("id").eq(payment));
        let Some(payment) = self.open_payments(select).await?.pop() else {
            return Ok(None);
        };
        let Some(person) = payment.person.filter(|_| payment.receipt_number.is_some()) else {
            return Ok(None);
        };
        let to = match self.open_live(person).await {
            Ok(view) => view.email,
            Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => return Ok(None),
            Err(other) => return Err(other),
        };
        self.audit_reads(policy, actor, "payment", &[person], now)
            .await?;
        self.audit_reads(policy, actor, "person", &[person], now)
            .await?;
        Ok(Some(ReceiptEmail { to, payment }))
    }

    async fn open_payments(&self, select: SelectStatement) -> Result<Vec<Payment>, StoreError> {
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read payments"))?;
        let mut payments = Vec::with_capacity(rows.len());
        for row in &rows {
            let Row {
                mut payment,
                sealed_name,
            } = row_of(row)?;
            if let (Some(person), Some(sealed)) = (payment.person, sealed_name) {
                // An erased payer's key is gone: the record stays, nameless.
                if let Some(key) = self.keys.get(person).await? {
                    payment.billing_name = key.open_text(BILLING_NAME, &sealed)?;
                }
            }
            payments.push(payment);
        }
        Ok(payments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_numbers_carry_the_day_and_differ_between_payments() {
        let at = time::macros::datetime!(2026-12-02 10:00 UTC);
        let a = receipt_number(Uuid::now_v7(), at);
        let b = receipt_number(Uuid::now_v7(), at);
        assert!(a.starts_with("R20261202-"), "{a}");
        assert_eq!(a.len(), "R20261202-".len() + 10);
        assert_ne!(a, b);
    }

    #[test]
    fn billing_names_are_one_line_and_not_empty() {
        assert!(check_billing_name("  ").is_err());
        assert!(check_billing_name("Ada\nLovelace").is_err());
        assert!(check_billing_name(&"x".repeat(BILLING_NAME_MAX + 1)).is_err());
        assert_eq!(
            check_billing_name(" Ada Lovelace ").ok(),
            Some("Ada Lovelace")
        );
    }

    #[test]
    fn statuses_read_back_as_written() {
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Paid,
            PaymentStatus::Failed,
            PaymentStatus::RefundPending,
            PaymentStatus::Refunded,
        ] {
            assert_eq!(PaymentStatus::parse(status.as_str()).ok(), Some(status));
        }
    }
}

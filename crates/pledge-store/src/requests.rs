//! Data-subject requests: deadlines from the policy, extensions, status and countdown.
//!
//! The deadline is the policy's period counted on the calendar from the day the request is
//! received. A calendar month follows the ICO rule: the corresponding day of the next month, or
//! its last day when there is none (31 January → 28 or 29 February). A deadline that falls on a
//! Saturday, a Sunday or one of the organisation's public holidays ([`Holidays`], given to the
//! store with [`Store::with_holidays`]) moves to the working day before, so that no answer is
//! due later than the policy promises; only a policy that names the statutory rule allowing it
//! (`jurisdiction.later_deadline_rule`) moves it to the next working day instead (judged in the
//! timestamp's own offset). An extension (UK GDPR: two further months) counts from the deadline
//! the person was given, must be decided before it passes, and may be used once.

use std::collections::BTreeSet;

use pledge_audit::{Action, ActorKey, Event};
use pledge_domain::{CategoryId, Period, PersonId};
use pledge_policy::ValidPolicy;
use pledge_policy::model::RightKind;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::{Date, Duration, OffsetDateTime, Weekday};
use uuid::Uuid;

use crate::entity::subject_request;
use crate::error::db;
use crate::{Store, StoreError};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Received, being worked on.
    Open,
    /// Extended once, with notice to the person.
    Extended,
    /// Answered.
    Completed,
    /// Refused, with a reason told to the person.
    Refused,
}

impl RequestStatus {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Extended => "extended",
            RequestStatus::Completed => "completed",
            RequestStatus::Refused => "refused",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "open" => Ok(RequestStatus::Open),
            "extended" => Ok(RequestStatus::Extended),
            "completed" => Ok(RequestStatus::Completed),
            "refused" => Ok(RequestStatus::Refused),
            _ => Err(StoreError::Corrupt {
                what: "request status",
            }),
        }
    }
}

/// The stored name of a right (`rectification`, `erasure`).
#[must_use]
pub const fn kind_name(kind: RightKind) -> &'static str {
    match kind {
        RightKind::Access => "access",
        RightKind::Portability => "portability",
        RightKind::Rectification => "rectification",
        RightKind::Erasure => "erasure",
        RightKind::Restriction => "restriction",
        RightKind::Objection => "objection",
        RightKind::WithdrawConsent => "withdraw-consent",
        RightKind::Complaint => "complaint",
    }
}

fn parse_kind(text: &str) -> Result<RightKind, StoreError> {
    [
        RightKind::Access,
        RightKind::Portability,
        RightKind::Rectification,
        RightKind::Erasure,
        RightKind::Restriction,
        RightKind::Objection,
        RightKind::WithdrawConsent,
        RightKind::Complaint,
    ]
    .into_iter()
    .find(|k| kind_name(*k) == text)
    .ok_or(StoreError::Corrupt {
        what: "request kind",
    })
}

/// Who makes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// The person themselves.
    Subject,
    /// A guardian acting for a minor linked to them (K44).
    Guardian(PersonId),
}

/// A request as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewRequest<'a> {
    /// Who asks.
    pub requester: Requester,
    /// What they wrote (the correction wanted, the purposes to restrict), if anything.
    pub details: Option<&'a str>,
    /// When it was received: the deadline counts from here.
    pub received: OffsetDateTime,
}

pub(crate) const DETAILS: crate::vault::FieldRef = crate::vault::FieldRef {
    table: "subject_request",
    column: "details",
};

/// A request as callers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    /// The request's id.
    pub id: Uuid,
    /// Whose request.
    pub person: PersonId,
    /// Which right.
    pub kind: RightKind,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was received.
    pub received_at: OffsetDateTime,
    /// When it must be answered (the extended deadline once extended).
    pub due_at: OffsetDateTime,
}

impl RequestView {
    /// Calendar days from `now`'s date to the due date, both in the deadline's offset: 0 on
    /// the day it is due (even after the due time, when [`Self::is_overdue`] is already true),
    /// negative on the days after. (Subtracting instants would call 23 hours "0 days" a day
    /// early.)
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        let today = now
            .checked_to_offset(self.due_at.offset())
            .map_or(now.date(), |local| local.date());
        (self.due_at.date() - today).whole_days()
    }

    /// True when the request is still open past its deadline.
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        self.status != RequestStatus::Completed && now > self.due_at
    }
}

/// The organisation's public holidays: days on which no deadline falls, like weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<Date>);

impl Holidays {
    /// These dates.
    pub fn new(dates: impl IntoIterator<Item = Date>) -> Self {
        Self(dates.into_iter().collect())
    }

    /// Dates written `YYYY-MM-DD`, separated by commas, spaces or new lines (as an operator
    /// writes them in configuration).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the format when a date does not parse.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(|part| {
                Date::parse(part, &format).map_err(|_| {
                    StoreError::Invalid("a public holiday is not a date written YYYY-MM-DD")
                })
            })
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    /// Whether a deadline may fall on `date`: not a weekend, not a holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.0.contains(&date)
    }
}

/// Which way a deadline that falls on a non-working day moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonWorkingDay {
    /// To the working day before: never later than promised (the default).
    Earlier,
    /// To the next working day, where a statutory rule the policy names allows it.
    Later,
}

impl NonWorkingDay {
    /// What `policy` allows: later only when it names the rule.
    pub fn under(policy: &ValidPolicy) -> Self {
        if policy.policy().jurisdiction.later_deadline_rule.is_some() {
            Self::Later
        } else {
            Self::Earlier
        }
    }
}

/// `start` plus `period` on the calendar, moved off a weekend to the Friday before.
pub fn deadline(start: OffsetDateTime, period: Period) -> Option<OffsetDateTime> {
    deadline_with(start, period, &Holidays::default(), NonWorkingDay::Earlier)
}

/// `start` plus `period` on the calendar, moved to a working day (before or after, as `moves`
/// says) when it falls on a weekend or one of `holidays`. Moving earlier never goes back to
/// `start` or before it: a period too short to hold a working day keeps its calendar end.
pub fn deadline_with(
    start: OffsetDateTime,
    period: Period,
    holidays: &Holidays,
    moves: NonWorkingDay,
) -> Option<OffsetDateTime> {
    let end = period.after(start)?;
    let step = match moves {
        NonWorkingDay::Earlier => Duration::days(-1),
        NonWorkingDay::Later => Duration::days(1),
    };
    let mut due = end;
    while !holidays.is_working_day(due.date()) {
        due = due.checked_add(step)?;
        if due.date() <= start.date() {
            return Some(end);
        }
    }
    Some(due)
}

pub(crate) fn view(row: subject_request::Model) -> Result<RequestView, StoreError> {
    Ok(RequestView {
        id: row.id,
        person: PersonId::from_uuid(row.person_id),
        kind: parse_kind(&row.kind)?,
        status: RequestStatus::parse(&row.status)?,
        received_at: row.received_at,
        due_at: row.extended_due_at.unwrap_or(row.due_at),
    })
}

pub(crate) fn request_event(
    store: &Store,
    actor: ActorKey,
    action: Action,
    person: PersonId,
) -> Result<Event, StoreError> {
    let categories = CategoryId::new("contact-details")
        .map(|c| BTreeSet::from([c]))
        .unwrap_or_default();
    let purpose = crate::people::purpose("data-subject-request")?;
    Ok(store
        .audit
        .event_about(actor, action, person, categories, Some(purpose)))
}

impl Store {
    /// Records a request received at `received` and sets its deadline from `policy`.
    ///
    /// # Errors
    /// [`StoreError::RightNotOffered`] when the policy grants no such right or gives it no
    /// deadline; database failures.
    pub async fn open_request(
        &self,
        person: PersonId,
        kind: RightKind,
        policy: &ValidPolicy,
        received: OffsetDateTime,
        actor: ActorKey,
    ) -> Result<RequestView, StoreError> {
        self.open_request_as(
            person,
            kind,
            policy,
            NewRequest {
                requester: Requester::Subject,
                details: None,
                received,
            },
            actor,
        )
        .await
    }

    /// Records a request made by the person or by their guardian (K44), with what they wrote
    /// (sealed under the person's key), and sets its deadline from `policy`.
    ///
    /// # Errors
    /// [`StoreError::RightNotOffered`]; [`StoreError::NotAllowedToAct`] when a guardian is not
    /// linked and confirmed, the person is not in the policy's guardian age range, or the
    /// policy does not give guardians this right; database failures.
    pub async fn open_request_as(
        &self,
        person: PersonId,
        kind: RightKind,
        policy: &ValidPolicy,
        new: NewRequest<'_>,
        actor: ActorKey,
    ) -> Result<RequestView, StoreError> {
        let period = policy
            .right(kind)
            .and_then(|r| r.deadline)
            .ok_or(StoreError::RightNotOffered(kind_name(kind)))?;
        let due = deadline_with(
            new.received,
            period,
            &self.holidays,
            NonWorkingDay::under(policy),
        )
        .ok_or(StoreError::Corrupt { what: "deadline" })?;
        let requested_by = match new.requester {
            Requester::Subject => None,
            Requester::Guardian(guardian) => {
                self.check_guardian(person, guardian, kind, policy, new.received)
                    .await?;
                Some(guardian.as_uuid())
            }
        };
        let details = match new.details {
            Some(text) => {
                let key = self
                    .keys
                    .get(person)
                    .await?
                    .ok_or(StoreError::Erased(person))?;
                Some(key.seal(DETAILS, text.as_bytes())?)
            }
            None => None,
        };
        let row = subject_request::ActiveModel {
            id: ActiveValue::Set(Uuid::now_v7()),
            person_id: ActiveValue::Set(person.as_uuid()),
            kind: ActiveValue::Set(kind_name(kind).to_owned()),
            status: ActiveValue::Set(RequestStatus::Open.name().to_owned()),
            received_at: ActiveValue::Set(new.received),
            due_at: ActiveValue::Set(due),
            extended_due_at: ActiveValue::Set(None),
            closed_at: ActiveValue::Set(None),
            details: ActiveValue::Set(details),
            requested_by: ActiveValue::Set(requested_by),
            ..Default::default()
        };
        let txn = self.write_txn("start recording a request").await?;
        let stored = row.insert(&txn).await.map_err(db("record a request"))?;
        self.audit
            .append(
                &txn,
                vec![request_event(self, actor, Action::Create, person)?],
                new.received,
            )
            .await?;
        txn.commit().await.map_err(db("commit a request"))?;
        view(stored)
    }

    pub(crate) async fn request_row(&self, id: Uuid) -> Result<subject_request::Model, StoreError> {
        subject_request::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db("read a request"))?
            .ok_or(StoreError::RequestNotFound(id))
    }

    /// Extends an open request once, before its deadline, by the policy's extension counted
    /// from the deadline the person was given (the person must be told why; the portal sends
    /// that notice). The change is conditional on the request still being open, so a
    /// concurrent extension or completion cannot be overwritten.
    ///
    /// # Errors
    /// [`StoreError::ExtensionNotAllowed`] when the policy offers none, the request was already
    /// extended or closed, or the deadline has passed; [`StoreError::RequestNotFound`];
    /// database failures.
    pub async fn extend_request(
        &self,
        id: Uuid,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<RequestView, StoreError> {
        let current = view(self.request_row(id).await?)?;
        if current.status != RequestStatus::Open {
            return Err(StoreError::ExtensionNotAllowed(
                "only an open, never extended request can be extended",
            ));
        }
        if now > current.due_at {
            return Err(StoreError::ExtensionNotAllowed(
                "the deadline has passed; an extension must be decided before it",
            ));
        }
        let extension = policy.right(current.kind).and_then(|r| r.extension).ok_or(
            StoreError::ExtensionNotAllowed("the policy offers no extension for this right"),
        )?;
        let due = deadline_with(
            current.due_at,
            extension,
            &self.holidays,
            NonWorkingDay::under(policy),
        )
        .ok_or(StoreError::Corrupt { what: "deadline" })?;
        let address = self.address_of(current.person).await;
        let txn = self.write_txn("start extending a request").await?;
        let changed = subject_request::Entity::update_many()
            .col_expr(
                subject_request::Column::Status,
                Expr::value(RequestStatus::Extended.name()),
            )
            .col_expr(subject_request::Column::ExtendedDueAt, Expr::value(due))
            .filter(subject_request::Column::Id.eq(id))
            .filter(subject_request::Column::Status.eq(RequestStatus::Open.name()))
            .exec(&txn)
            .await
            .map_err(db("extend a request"))?;
        if changed.rows_affected != 1 {
            // Someone extended or completed it meanwhile; dropping the transaction rolls back.
            return Err(StoreError::ExtensionNotAllowed(
                "the request changed meanwhile",
            ));
        }
        let event = request_event(self, actor, Action::Update, current.person)?;
        self.audit.append(&txn, vec![event], now).await?;
        let extended = RequestView {
            status: RequestStatus::Extended,
            due_at: due,
            ..current
        };
        self.notify_request(&txn, &extended, address, "request-extended", actor, now)
            .await?;
        txn.commit().await.map_err(db("commit an extension"))?;
        Ok(extended)
    }

    /// Marks a request answered. Completing twice is not an error.
    ///
    /// # Errors
    /// [`StoreError::RequestNotFound`]; database failures.
    pub async fn complete_request(
        &self,
        id: Uuid,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<RequestView, StoreError> {
        let row = self.request_row(id).await?;
        let verified = row.identity_verified_at.is_some();
        let current = view(row)?;
        match current.status {
            RequestStatus::Completed => return Ok(current),
            RequestStatus::Refused => {
                return Err(StoreError::RequestClosed("it was refused"));
            }
            RequestStatus::Open | RequestStatus::Extended => {}
        }
        if !verified {
            return Err(StoreError::IdentityNotVerified(id));
        }
        let address = self.address_of(current.person).await;
        let txn = self.write_txn("start completing a request").await?;
        let changed = subject_request::Entity::update_many()
            .col_expr(
                subject_request::Column::Status,
                Expr::value(RequestStatus::Completed.name()),
            )
            .col_expr(subject_request::Column::ClosedAt, Expr::value(now))
            .filter(subject_request::Column::Id.eq(id))
            .filter(
                subject_request::Column::Status
                    .is_in([RequestStatus::Open.name(), RequestStatus::Extended.name()]),
            )
            .exec(&txn)
            .await
            .map_err(db("complete a request"))?;
        let completed = RequestView {
            status: RequestStatus::Completed,
            ..current
        };
        if changed.rows_affected == 1 {
            let event = request_event(self, actor, Action::Update, completed.person)?;
            self.audit.append(&txn, vec![event], now).await?;
            self.notify_request(&txn, &completed, address, "request-completed", actor, now)
                .await?;
        }
        txn.commit().await.map_err(db("commit a completion"))?;
        Ok(completed)
    }

    /// Every request still open past its deadline at `now`, oldest deadline first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn overdue_requests(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<RequestView>, StoreError> {
        let rows = subject_request::Entity::find()
            .filter(
                subject_request::Column::Status
                    .is_in([RequestStatus::Open.name(), RequestStatus::Extended.name()]),
            )
            .order_by_asc(subject_request::Column::DueAt)
            .all(&self.db)
            .await
            .map_err(db("list open requests"))?;
        let mut overdue: Vec<RequestView> = rows
            .into_iter()
            .map(view)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|r| r.is_overdue(now))
            .collect();
        overdue.sort_by_key(|r| r.due_at);
        Ok(overdue)
    }
}

impl Store {
    /// Every request of `person`, oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn requests_for(&self, person: PersonId) -> Result<Vec<RequestView>, StoreError> {
        subject_request::Entity::find()
            .filter(subject_request::Column::PersonId.eq(person.as_uuid()))
            .order_by_asc(subject_request::Column::ReceivedAt)
            .all(&self.db)
            .await
            .map_err(db("list a person's requests"))?
            .into_iter()
            .map(view)
            .collect()
    }
}

//! The privacy office's view of data-subject requests: the whole queue with who asked, and one
//! request with what the person wrote.
//!
//! Both reads open personal data (the requester's name and address, the sealed details), so
//! both are audited as the officer's reads, under the data-subject-request purpose. A request
//! whose person has been erased still shows in the queue, without a name: its deadline and
//! outcome are records the office must keep.

use pledge_audit::Action;
use pledge_domain::PersonId;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::subject_request;
use crate::error::db;
use crate::requests::{DETAILS, RequestStatus, RequestView, request_event, view};
use crate::{Store, StoreError};

/// How many closed requests the queue shows after the open ones.
pub const CLOSED_SHOWN: u64 = 50;

/// A request as the privacy office sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRequest {
    /// The request itself: kind, status, deadline.
    pub request: RequestView,
    /// The person's name, or `None` once they are erased.
    pub name: Option<String>,
    /// The person's address, or `None` once they are erased.
    pub email: Option<String>,
    /// The guardian who asked for them (K44), if one did.
    pub requested_by: Option<PersonId>,
    /// How their identity was checked, once it was.
    pub identity_method: Option<String>,
    /// When the request was answered or refused.
    pub closed_at: Option<OffsetDateTime>,
    /// The reason the person was given for a refusal.
    pub refusal_reason: Option<String>,
    /// What the person wrote; only filled in by [`Store::queued_request`].
    pub details: Option<String>,
}

impl Store {
    /// Every open request, soonest deadline first, then the [`CLOSED_SHOWN`] most recently
    /// closed; each requester's name and address read on `officer`'s behalf (audited).
    ///
    /// # Errors
    /// Database failures.
    pub async fn request_queue(
        &self,
        officer: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<QueuedRequest>, StoreError> {
        let open_statuses = [RequestStatus::Open.name(), RequestStatus::Extended.name()];
        let mut rows = subject_request::Entity::find()
            .filter(subject_request::Column::Status.is_in(open_statuses))
            .all(&self.db)
            .await
            .map_err(db("list open requests"))?;
        rows.sort_by_key(|r| r.extended_due_at.unwrap_or(r.due_at));
        let closed = subject_request::Entity::find()
            .filter(subject_request::Column::Status.is_not_in(open_statuses))
            .order_by_desc(subject_request::Column::ClosedAt)
            .limit(CLOSED_SHOWN)
            .all(&self.db)
            .await
            .map_err(db("list closed requests"))?;
        rows.extend(closed);
        let mut queue = Vec::with_capacity(rows.len());
        for row in rows {
            queue.push(self.queued(row).await?);
        }
        self.audit_office_reads(officer, queue.iter().map(|q| q.request.person), now)
            .await?;
        Ok(queue)
    }

    /// One request with what the person wrote, read on `officer`'s behalf (audited).
    ///
    /// # Errors
    /// [`StoreError::RequestNotFound`]; database failures.
    pub async fn queued_request(
        &self,
        id: Uuid,
        officer: PersonId,
        now: OffsetDateTime,
    ) -> Result<QueuedRequest, StoreError> {
        let row = self.request_row(id).await?;
        let sealed = row.details.clone();
        let mut queued = self.queued(row).await?;
        if let Some(sealed) = sealed
            && let Some(key) = self.keys.get(queued.request.person).await?
        {
            queued.details = Some(key.open_text(DETAILS, &sealed)?);
        }
        self.audit_office_reads(officer, [queued.request.person], now)
            .await?;
        Ok(queued)
    }

    /// A stored request with its person opened (when they are not erased).
    async fn queued(&self, row: subject_request::Model) -> Result<QueuedRequest, StoreError> {
        let requested_by = row.requested_by.map(PersonId::from_uuid);
        let identity_method = row.identity_method.clone();
        let closed_at = row.closed_at;
        let refusal_reason = row.refusal_reason.clone();
        let request = view(row)?;
        let (name, email) = match self.open_live(request.person).await {
            Ok(person) => (Some(person.display_name), Some(person.email)),
            Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => (None, None),
            Err(error) => return Err(error),
        };
        Ok(QueuedRequest {
            request,
            name,
            email,
            requested_by,
            identity_method,
            closed_at,
            refusal_reason,
            details: None,
        })
    }

    /// One audited read per person the officer's page showed.
    pub(crate) async fn audit_office_reads(
        &self,
        officer: PersonId,
        people: impl IntoIterator<Item = PersonId>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut people: Vec<PersonId> = people.into_iter().collect();
        people.sort();
        people.dedup();
        if people.is_empty() {
            return Ok(());
        }
        let actor = self.audit.actor(officer);
        let events = people
            .into_iter()
            .map(|person| request_event(self, actor, Action::Read, person))
            .collect::<Result<Vec<_>, _>>()?;
        let txn = self.write_txn("start auditing the request queue").await?;
        self.audit.append(&txn, events, now).await?;
        txn.commit()
            .await
            .map_err(db("commit the request queue's reads"))
    }
}

/// A legal hold as the privacy office's register lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldPerson {
    /// The hold's id.
    pub id: Uuid,
    /// Whose data it holds.
    pub person: PersonId,
    /// Their name, or `None` when they cannot be read.
    pub name: Option<String>,
    /// Why it was placed.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// When it was placed.
    pub placed_at: OffsetDateTime,
    /// When it lapses by itself, if ever.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was released, if it was.
    pub released_at: Option<OffsetDateTime>,
}

impl HeldPerson {
    /// True while the hold stops expiry and erasure at `now`.
    #[must_use]
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.released_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

impl Store {
    /// Every legal hold, newest first, with the held person's name read on `officer`'s behalf
    /// (audited).
    ///
    /// # Errors
    /// Database failures.
    pub async fn hold_register(
        &self,
        officer: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<HeldPerson>, StoreError> {
        use crate::entity::legal_hold;
        let rows = legal_hold::Entity::find()
            .order_by_desc(legal_hold::Column::PlacedAt)
            .all(&self.db)
            .await
            .map_err(db("list legal holds"))?;
        let mut register = Vec::with_capacity(rows.len());
        for row in rows {
            let person = PersonId::from_uuid(row.person_id);
            let name = match self.open_live(person).await {
                Ok(view) => Some(view.display_name),
                Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => None,
                Err(error) => return Err(error),
            };
            register.push(HeldPerson {
                id: row.id,
                person,
                name,
                reason: row.reason,
                owner: row.owner,
                placed_at: row.placed_at,
                expires_at: row.expires_at,
                released_at: row.released_at,
            });
        }
        self.audit_office_reads(officer, register.iter().map(|h| h.person), now)
            .await?;
        Ok(register)
    }
}

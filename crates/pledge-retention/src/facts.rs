//! What the store tells the engine about one record.

use pledge_domain::LifecycleEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::CategoryIndex;

/// A lifecycle event that happened to a record, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAt {
    /// What happened.
    pub event: LifecycleEvent,
    /// When.
    pub at: OffsetDateTime,
}

/// A legal hold on a record: it beats expiry and erasure while it is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    /// The hold's reference.
    pub id: String,
    /// Why the record must be kept (litigation, investigation, statutory request, …).
    pub reason: String,
    /// Who placed it and answers for it.
    pub owner: String,
    /// When it lapses on its own; `None` until it is released.
    pub expires: Option<OffsetDateTime>,
}

impl LegalHold {
    /// True while the hold applies at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.expires.is_none_or(|end| now < end)
    }
}

/// The kinds of data-subject request that matter to retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// A request for access: the data it covers is held until it is answered (PIPEDA s.8(8)).
    Access,
    /// A request for a portable copy: held like access.
    Portability,
    /// A request for correction: held so the correction can be made and recorded.
    Rectification,
    /// A request to restrict processing: the data must be stored, not erased (GDPR Art. 18).
    Restriction,
    /// A request for erasure: the data is due at once unless a statutory rule keeps it.
    Erasure,
}

impl RequestKind {
    /// True when an open request of this kind holds the data it covers.
    pub const fn holds_data(self) -> bool {
        !matches!(self, RequestKind::Erasure)
    }
}

/// An open data-subject request that covers the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    /// The request's reference.
    pub id: String,
    /// What was asked for.
    pub kind: RequestKind,
    /// When it was received.
    pub opened: OffsetDateTime,
}

/// Everything the engine needs to know about one record.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts<'a> {
    /// The record's data category, resolved once with [`crate::RetentionEngine::category`].
    pub category: CategoryIndex,
    /// The lifecycle events that happened to the record, in any order.
    pub events: &'a [EventAt],
    /// Legal holds on the record (active or not).
    pub holds: &'a [LegalHold],
    /// Open requests that cover the record.
    pub requests: &'a [OpenRequest],
    /// The record's fields that identify a person (from the store's declaration of personal
    /// data): what an anonymisation must strip.
    pub personal_fields: &'a [&'a str],
}

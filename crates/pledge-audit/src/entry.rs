//! What an audit entry says: who did what to whose data, for which purpose, when, and how it
//! ended.
//!
//! An [`Event`] is what the caller describes; an [`Entry`] is that event stamped with the time
//! the log was given (`now` is always a parameter). Reads are first-class: a read of personal
//! data is an entry like any write, so the log answers "who accessed what data and when".

use std::collections::BTreeSet;
use std::fmt;

use pledge_domain::{CategoryId, PurposeId, RecordId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ActorKey, AuditError, RequestId, SubjectKey};

/// What the actor did. The codes are part of the canonical encoding and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Looked at personal data (a page view, an API read, a report that shows it).
    Read,
    /// Recorded new personal data.
    Create,
    /// Changed personal data.
    Update,
    /// Deleted a record of personal data (an ordinary deletion, e.g. by a retention sweep).
    Delete,
    /// Handed personal data out of the system: a download, a portability export, a partner feed.
    Export,
    /// Erased a person on request (right to erasure), possibly across many records.
    Erase,
    /// Gave, changed or withdrew consent.
    ConsentChange,
    /// Signed in (or failed to).
    Login,
    /// An administrative action: roles, settings, keys, holds.
    AdminAction,
}

impl Action {
    /// Every action, in code order.
    pub const ALL: [Self; 9] = [
        Self::Read,
        Self::Create,
        Self::Update,
        Self::Delete,
        Self::Export,
        Self::Erase,
        Self::ConsentChange,
        Self::Login,
        Self::AdminAction,
    ];

    /// The action's byte in the canonical encoding.
    pub const fn code(self) -> u8 {
        match self {
            Self::Read => 1,
            Self::Create => 2,
            Self::Update => 3,
            Self::Delete => 4,
            Self::Export => 5,
            Self::Erase => 6,
            Self::ConsentChange => 7,
            Self::Login => 8,
            Self::AdminAction => 9,
        }
    }

    /// The action with this code, if any.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.code() == code)
    }

    /// The action's name in text (kebab-case, as serde writes it).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Export => "export",
            Self::Erase => "erase",
            Self::ConsentChange => "consent-change",
            Self::Login => "login",
            Self::AdminAction => "admin-action",
        }
    }

    /// Whether the action concerns one person's data, so that the entry must name its subject.
    /// Only signing in and administrative actions may leave the subject out.
    pub const fn concerns_a_subject(self) -> bool {
        !matches!(self, Self::Login | Self::AdminAction)
    }

    /// Whether the action lets someone see personal data (a read or an export), so that the
    /// entry must say which categories and for which purpose (promise K30).
    pub const fn discloses_data(self) -> bool {
        matches!(self, Self::Read | Self::Export)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the action ended. Denied and failed attempts are logged too: an attempt to read data
/// one may not see is exactly what an auditor asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The action was allowed and completed.
    Succeeded,
    /// Access control or the policy refused the action; nothing was done.
    Denied,
    /// The action was allowed but did not complete (an error); it may have done part of its work.
    Failed,
}

impl Outcome {
    /// Every outcome, in code order.
    pub const ALL: [Self; 3] = [Self::Succeeded, Self::Denied, Self::Failed];

    /// The outcome's byte in the canonical encoding.
    pub const fn code(self) -> u8 {
        match self {
            Self::Succeeded => 1,
            Self::Denied => 2,
            Self::Failed => 3,
        }
    }

    /// The outcome with this code, if any.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.code() == code)
    }
}

/// What happened, as the caller describes it. [`crate::AuditLog::append`] adds the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Who acted.
    pub actor: ActorKey,
    /// What they did.
    pub action: Action,
    /// Whose data it concerned; required unless the action is a login or an admin action.
    pub subject: Option<SubjectKey>,
    /// Which categories of data were involved; a set, so the encoding is sorted and has no
    /// duplicates. Required (non-empty) for reads and exports.
    pub categories: BTreeSet<CategoryId>,
    /// Why; required for reads and exports.
    pub purpose: Option<PurposeId>,
    /// The request or job run that caused it.
    pub request: RequestId,
    /// The records (rows) it changed, when the caller names them: a retention sweep lists every
    /// row it deleted or anonymised for this subject in one entry. Empty otherwise.
    pub records: BTreeSet<RecordId>,
    /// How it ended.
    pub outcome: Outcome,
}

impl Event {
    /// Checks that the event names what its action requires (see [`Action::concerns_a_subject`]
    /// and [`Action::discloses_data`]). A denied attempt is exempt: nothing was read or
    /// changed, and whose data it sought may be unknown or must not be confirmed (an address
    /// answered "not found" so as not to reveal that it exists).
    ///
    /// # Errors
    /// [`AuditError::IncompleteEvent`] naming the first missing field.
    pub fn check(&self) -> Result<(), AuditError> {
        if self.outcome == Outcome::Denied {
            return Ok(());
        }
        let missing = if self.action.concerns_a_subject() && self.subject.is_none() {
            Some("a subject")
        } else if self.action.discloses_data() && self.categories.is_empty() {
            Some("at least one data category")
        } else if self.action.discloses_data() && self.purpose.is_none() {
            Some("a purpose")
        } else {
            None
        };
        match missing {
            None => Ok(()),
            Some(missing) => Err(AuditError::IncompleteEvent {
                action: self.action,
                missing,
            }),
        }
    }
}

/// One logged fact: an event and the time it was logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When it was logged (the caller's `now`). Stored as UTC nanoseconds; the offset is not kept.
    pub at: OffsetDateTime,
    /// What happened.
    pub event: Event,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for action in Action::ALL {
            assert_eq!(Action::from_code(action.code()), Some(action));
        }
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::from_code(outcome.code()), Some(outcome));
        }
        assert_eq!(Action::from_code(0), None);
        assert_eq!(Outcome::from_code(4), None);
    }

    #[test]
    fn action_names_match_serde() {
        for action in Action::ALL {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{action}\""));
        }
    }

    fn event(action: Action) -> Event {
        Event {
            actor: ActorKey::from_bytes([1; 32]),
            action,
            subject: None,
            categories: BTreeSet::new(),
            purpose: None,
            request: RequestId::from_bytes([0; 16]),
            records: BTreeSet::new(),
            outcome: Outcome::Succeeded,
        }
    }

    #[test]
    fn events_must_name_what_their_action_requires() {
        let check = |event: &Event| event.check().err().map(|e| e.to_string());
        assert_eq!(check(&event(Action::Login)), None);
        assert_eq!(check(&event(Action::AdminAction)), None);
        let mut read = event(Action::Read);
        assert!(check(&read).unwrap().contains("a subject"));
        read.subject = Some(SubjectKey::from_bytes([2; 32]));
        assert!(check(&read).unwrap().contains("category"));
        read.categories
            .insert(CategoryId::new("contact-details").unwrap());
        assert!(check(&read).unwrap().contains("a purpose"));
        read.purpose = Some(PurposeId::new("support").unwrap());
        assert_eq!(check(&read), None);
        let mut update = event(Action::Update);
        update.subject = Some(SubjectKey::from_bytes([2; 32]));
        assert_eq!(check(&update), None);
    }

    #[test]
    fn a_denied_attempt_need_not_name_whose_data_it_sought() {
        let mut probe = event(Action::Read);
        probe.outcome = Outcome::Denied;
        assert!(probe.check().is_ok());
        probe.outcome = Outcome::Failed;
        assert!(
            probe.check().is_err(),
            "a failed read may have read something"
        );
    }
}

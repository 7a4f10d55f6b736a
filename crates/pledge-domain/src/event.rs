//! Lifecycle events: the things that happen to a record and start (or stop) retention clocks.
//!
//! Retention in real policies is counted from events, not only from creation: one year after
//! account deletion (K33), two years after unsubscribing (K36), results kept one year (J33),
//! access for twelve months from the date of issue (J10). A policy names these events; the store records when each
//! happened to each record; the retention engine does the arithmetic.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An event in the life of a record that a retention rule can count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifecycleEvent {
    /// The record was created or first collected.
    Collected,
    /// The person's account was created.
    AccountCreated,
    /// The person closed or deleted their account, or it was deleted for them.
    AccountDeleted,
    /// The person last signed in or used the service.
    LastActivity,
    /// The person asked for erasure.
    ErasureRequested,
    /// The person enrolled on a course.
    Enrolled,
    /// The person completed a course.
    CourseCompleted,
    /// The person's programme of study ended (J33).
    ProgrammeEnded,
    /// An exam was taken.
    ExamTaken,
    /// An exam or assessment result was issued (J33).
    ResultIssued,
    /// A certificate was issued.
    CertificateIssued,
    /// Access to a partner's service was issued (J10).
    AccessIssued,
    /// A payment transaction took place (K35).
    Transaction,
    /// A refund was made.
    Refunded,
    /// The person unsubscribed from marketing (K36).
    Unsubscribed,
    /// The person withdrew a consent.
    ConsentWithdrawn,
    /// A support ticket was opened.
    TicketOpened,
    /// A support ticket was closed (K37).
    TicketClosed,
    /// A comment was posted (J30).
    CommentPosted,
    /// A tour departure returned.
    TourReturned,
    /// A survey response was submitted.
    SurveySubmitted,
    /// A session or log line was recorded (W38).
    Logged,
    /// A breach incident was closed.
    IncidentClosed,
}

impl LifecycleEvent {
    /// Every event, in a stable order.
    pub const ALL: [LifecycleEvent; 23] = [
        LifecycleEvent::Collected,
        LifecycleEvent::AccountCreated,
        LifecycleEvent::AccountDeleted,
        LifecycleEvent::LastActivity,
        LifecycleEvent::ErasureRequested,
        LifecycleEvent::Enrolled,
        LifecycleEvent::CourseCompleted,
        LifecycleEvent::ProgrammeEnded,
        LifecycleEvent::ExamTaken,
        LifecycleEvent::ResultIssued,
        LifecycleEvent::CertificateIssued,
        LifecycleEvent::AccessIssued,
        LifecycleEvent::Transaction,
        LifecycleEvent::Refunded,
        LifecycleEvent::Unsubscribed,
        LifecycleEvent::ConsentWithdrawn,
        LifecycleEvent::TicketOpened,
        LifecycleEvent::TicketClosed,
        LifecycleEvent::CommentPosted,
        LifecycleEvent::TourReturned,
        LifecycleEvent::SurveySubmitted,
        LifecycleEvent::Logged,
        LifecycleEvent::IncidentClosed,
    ];

    /// The event's position in [`LifecycleEvent::ALL`], for dense tables and bit sets.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// True for events that an erasure request causes, so that a clock counted from them keeps
    /// data after the person asked for it to go.
    pub const fn follows_erasure(self) -> bool {
        matches!(
            self,
            LifecycleEvent::AccountDeleted | LifecycleEvent::ErasureRequested
        )
    }

    /// How the event reads in a sentence ("… after your account is deleted").
    pub const fn plain_words(self) -> &'static str {
        match self {
            LifecycleEvent::Collected => "we collect it",
            LifecycleEvent::AccountCreated => "your account is created",
            LifecycleEvent::AccountDeleted => "your account is deleted",
            LifecycleEvent::LastActivity => "your last activity",
            LifecycleEvent::ErasureRequested => "you ask for erasure",
            LifecycleEvent::Enrolled => "you enrol",
            LifecycleEvent::CourseCompleted => "you complete the course",
            LifecycleEvent::ProgrammeEnded => "your programme ends",
            LifecycleEvent::ExamTaken => "you take the exam",
            LifecycleEvent::ResultIssued => "your result is issued",
            LifecycleEvent::CertificateIssued => "your certificate is issued",
            LifecycleEvent::AccessIssued => "access is issued",
            LifecycleEvent::Transaction => "the transaction",
            LifecycleEvent::Refunded => "the refund",
            LifecycleEvent::Unsubscribed => "you unsubscribe",
            LifecycleEvent::ConsentWithdrawn => "you withdraw consent",
            LifecycleEvent::TicketOpened => "the support ticket is opened",
            LifecycleEvent::TicketClosed => "the support ticket is closed",
            LifecycleEvent::CommentPosted => "the comment is posted",
            LifecycleEvent::TourReturned => "the tour returns",
            LifecycleEvent::SurveySubmitted => "you submit the survey",
            LifecycleEvent::Logged => "the log entry is written",
            LifecycleEvent::IncidentClosed => "the incident is closed",
        }
    }
}

impl fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plain_words())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_each_event_once() {
        let mut seen = LifecycleEvent::ALL.to_vec();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), LifecycleEvent::ALL.len());
    }

    #[test]
    fn index_is_the_position_in_all() {
        for (position, event) in LifecycleEvent::ALL.into_iter().enumerate() {
            assert_eq!(event.index(), position);
        }
    }

    #[test]
    fn only_deletion_events_follow_erasure() {
        let following: Vec<_> = LifecycleEvent::ALL
            .into_iter()
            .filter(|e| e.follows_erasure())
            .collect();
        assert_eq!(
            following,
            [
                LifecycleEvent::AccountDeleted,
                LifecycleEvent::ErasureRequested
            ]
        );
    }
}

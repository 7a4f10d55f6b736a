//! Queries over a log's entries: by subject, actor, action, category and time. Answers "who
//! accessed subject X's data and when" (promise K30) and feeds the portal's access history.
//!
//! Queries decode every record and filter in order; verify the records first, since decoding
//! says nothing about authenticity.

use pledge_domain::CategoryId;
use time::OffsetDateTime;

use crate::{Action, ActorKey, AuditError, Entry, Record, SubjectKey};

/// A filter over entries; every field that is set must match. `Query::default()` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Only entries about this subject.
    pub subject: Option<SubjectKey>,
    /// Only entries by this actor.
    pub actor: Option<ActorKey>,
    /// Only entries with one of these actions; empty means any action.
    pub actions: Vec<Action>,
    /// Only entries involving this data category.
    pub category: Option<CategoryId>,
    /// Only entries logged at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Only entries logged strictly before this time.
    pub until: Option<OffsetDateTime>,
}

/// An entry found by a query, with its position in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The record's sequence number.
    pub seq: u64,
    /// The decoded entry.
    pub entry: Entry,
}

impl Query {
    /// Every time someone saw `subject`'s data: their reads and exports, whatever the outcome
    /// (denied attempts included).
    pub fn accesses_to(subject: SubjectKey) -> Self {
        Self {
            subject: Some(subject),
            actions: Action::ALL
                .into_iter()
                .filter(|a| a.discloses_data())
                .collect(),
            ..Self::default()
        }
    }

    /// Whether `entry` passes every filter that is set.
    pub fn matches(&self, entry: &Entry) -> bool {
        let event = &entry.event;
        self.subject.is_none_or(|s| event.subject == Some(s))
            && self.actor.is_none_or(|a| event.actor == a)
            && (self.actions.is_empty() || self.actions.contains(&event.action))
            && self
                .category
                .as_ref()
                .is_none_or(|c| event.categories.contains(c))
            && self.from.is_none_or(|from| entry.at >= from)
            && self.until.is_none_or(|until| entry.at < until)
    }

    /// The matching entries of `records`, in log order.
    ///
    /// # Errors
    /// [`AuditError::MalformedEntry`] for the first record that does not decode.
    pub fn run(&self, records: &[Record]) -> Result<Vec<Logged>, AuditError> {
        let mut found = Vec::new();
        for record in records {
            let entry = record.entry()?;
            if self.matches(&entry) {
                found.push(Logged {
                    seq: record.seq(),
                    entry,
                });
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use pledge_domain::PurposeId;
    use time::macros::datetime;

    use super::*;
    use crate::{AuditLog, Event, MacKey, Outcome, RequestId};

    fn event(actor: u8, action: Action, subject: u8, category: &str) -> Event {
        Event {
            actor: ActorKey::from_bytes([actor; 32]),
            action,
            subject: Some(SubjectKey::from_bytes([subject; 32])),
            categories: BTreeSet::from([CategoryId::new(category).unwrap()]),
            purpose: Some(PurposeId::new("teaching").unwrap()),
            request: RequestId::from_bytes([0; 16]),
            records: Default::default(),
            outcome: Outcome::Succeeded,
        }
    }

    /// A log of four entries, one hour apart from 08:00.
    fn records() -> Vec<Record> {
        let mut log = AuditLog::new(MacKey::new(&[1; 32]));
        let events = [
            event(1, Action::Read, 10, "contact-details"),
            event(2, Action::Update, 10, "exam-results"),
            event(1, Action::Export, 11, "exam-results"),
            event(2, Action::Read, 10, "exam-results"),
        ];
        let start = datetime!(2026-11-23 08:00 UTC);
        events
            .into_iter()
            .zip(0..)
            .map(|(e, h)| log.append(e, start + time::Duration::hours(h)).unwrap())
            .collect()
    }

    fn check(query: &Query, expected: &[u64]) {
        let found: Vec<u64> = query
            .run(&records())
            .unwrap()
            .iter()
            .map(|l| l.seq)
            .collect();
        assert_eq!(found, expected, "{query:?}");
    }

    #[test]
    fn each_filter_narrows_the_result() {
        check(&Query::default(), &[0, 1, 2, 3]);
        check(
            &Query::accesses_to(SubjectKey::from_bytes([10; 32])),
            &[0, 3],
        );
        let by_actor = Query {
            actor: Some(ActorKey::from_bytes([1; 32])),
            ..Query::default()
        };
        check(&by_actor, &[0, 2]);
        let by_category = Query {
            category: Some(CategoryId::new("exam-results").unwrap()),
            ..Query::default()
        };
        check(&by_category, &[1, 2, 3]);
        let by_time = Query {
            from: Some(datetime!(2026-11-23 09:00 UTC)),
            until: Some(datetime!(2026-11-23 11:00 UTC)),
            ..Query::default()
        };
        check(&by_time, &[1, 2]);
    }

    #[test]
    fn an_undecodable_record_is_an_error_not_a_silent_skip() {
        let mut log = records();
        log.push(Record::from_parts(4, log[3].head(), b"junk".to_vec()));
        assert!(Query::default().run(&log).is_err());
    }
}

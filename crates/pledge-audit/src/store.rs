//! Where records and checkpoints live: the [`AuditStore`] trait and [`MemoryStore`].
//!
//! A store only keeps what it is given, append-only; it never judges it. Judging is
//! [`crate::verify`]'s job, so a store that lost or changed something is caught there. The one
//! check a store makes is that records arrive in sequence, which catches bugs in the caller, not
//! attacks. The database store comes with `pledge-store`; `FileStore` (feature
//! `file-store`) keeps one append-only file.

use std::ops::Range;

use crate::{AuditError, Checkpoint, Record};

/// Append-only storage for a log's records and checkpoints.
pub trait AuditStore {
    /// What can go wrong in this store.
    type Error: std::error::Error;

    /// Appends a batch of records, durably and all or nothing. The first must have the sequence
    /// number [`Self::size`] and the rest must follow without gaps.
    ///
    /// # Errors
    /// The store's error; [`AuditError::OutOfSequence`] for the stores of this crate when the
    /// batch does not continue the log.
    fn append(&mut self, records: &[Record]) -> Result<(), Self::Error>;

    /// The number of records stored.
    ///
    /// # Errors
    /// The store's error.
    fn size(&self) -> Result<u64, Self::Error>;

    /// The records at positions `range`, clipped to what is stored.
    ///
    /// # Errors
    /// The store's error.
    fn read(&self, range: Range<u64>) -> Result<Vec<Record>, Self::Error>;

    /// Keeps a checkpoint.
    ///
    /// # Errors
    /// The store's error.
    fn add_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<(), Self::Error>;

    /// Every checkpoint kept, in the order they were added.
    ///
    /// # Errors
    /// The store's error.
    fn checkpoints(&self) -> Result<Vec<Checkpoint>, Self::Error>;
}

/// Checks that `records` continue a log of `size` records without gaps.
pub(crate) fn check_sequence(size: u64, records: &[Record]) -> Result<(), AuditError> {
    let mut expected = size;
    for record in records {
        if record.seq() != expected {
            return Err(AuditError::OutOfSequence {
                expected,
                found: record.seq(),
            });
        }
        expected = expected.checked_add(1).ok_or(AuditError::LogFull)?;
    }
    Ok(())
}

/// The records of `all` at positions `range`, clipped to what exists.
pub(crate) fn clipped(all: &[Record], range: Range<u64>) -> &[Record] {
    let len = all.len();
    let index = |position: u64| usize::try_from(position).map_or(len, |i| i.min(len));
    let (start, end) = (index(range.start), index(range.end));
    all.get(start..end.max(start)).unwrap_or_default()
}

/// A store in memory, for tests, the browser and short-lived tools.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    records: Vec<Record>,
    checkpoints: Vec<Checkpoint>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every record, without copying: what [`crate::verify`] takes.
    pub fn records(&self) -> &[Record] {
        &self.records
    }
}

impl AuditStore for MemoryStore {
    type Error = AuditError;

    fn append(&mut self, records: &[Record]) -> Result<(), AuditError> {
        check_sequence(self.records.len() as u64, records)?;
        self.records.extend_from_slice(records);
        Ok(())
    }

    fn size(&self) -> Result<u64, AuditError> {
        Ok(self.records.len() as u64)
    }

    fn read(&self, range: Range<u64>) -> Result<Vec<Record>, AuditError> {
        Ok(clipped(&self.records, range).to_vec())
    }

    fn add_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        self.checkpoints.push(checkpoint.clone());
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<Checkpoint>, AuditError> {
        Ok(self.checkpoints.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use time::macros::datetime;

    use super::*;
    use crate::{Action, ActorKey, AuditLog, Event, MacKey, Outcome, RequestId};

    fn records(n: u8) -> Vec<Record> {
        let mut log = AuditLog::new(MacKey::new(&[1; 32]));
        (0..n)
            .map(|i| {
                let event = Event {
                    actor: ActorKey::from_bytes([i; 32]),
                    action: Action::Login,
                    subject: None,
                    categories: BTreeSet::new(),
                    purpose: None,
                    request: RequestId::from_bytes([i; 16]),
                    records: Default::default(),
                    outcome: Outcome::Succeeded,
                };
                log.append(event, datetime!(2026-11-23 09:00 UTC)).unwrap()
            })
            .collect()
    }

    #[test]
    fn appends_in_sequence_and_reads_clipped_ranges() {
        let all = records(5);
        let mut store = MemoryStore::new();
        store.append(&all[..2]).unwrap();
        store.append(&all[2..]).unwrap();
        assert_eq!(store.size().unwrap(), 5);
        assert_eq!(store.read(1..3).unwrap(), all[1..3]);
        assert_eq!(store.read(3..u64::MAX).unwrap(), all[3..]);
        assert!(store.read(7..9).unwrap().is_empty());
        let backwards = Range { start: 4, end: 2 };
        assert!(store.read(backwards).unwrap().is_empty());
    }

    #[test]
    fn a_batch_that_does_not_continue_the_log_is_refused_whole() {
        let all = records(4);
        let mut store = MemoryStore::new();
        store.append(&all[..1]).unwrap();
        let gap = [all[1].clone(), all[3].clone()];
        assert!(matches!(
            store.append(&gap),
            Err(AuditError::OutOfSequence {
                expected: 2,
                found: 3
            })
        ));
        assert!(store.append(&all[2..]).is_err());
        assert_eq!(store.size().unwrap(), 1);
    }
}

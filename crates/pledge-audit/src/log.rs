//! The appender: numbers entries, encodes them, chains their MACs and signs checkpoints.
//!
//! [`AuditLog`] holds only the position and head of the chain, not the records: it hands each
//! new [`Record`] back for the caller to store (see [`crate::AuditStore`]). A log is started
//! empty ([`AuditLog::new`]), resumed from a verified one ([`AuditLog::resume`]), or continued
//! after a store's last record inside its serialised transaction ([`AuditLog::after`]).

use ed25519_dalek::SigningKey;
use time::OffsetDateTime;

use crate::{AuditError, Checkpoint, Entry, Event, Head, MacKey, Record, VerifiedLog, encode};

/// Appends to one chain.
#[derive(Debug, Clone)]
pub struct AuditLog {
    key: MacKey,
    size: u64,
    head: Head,
}

impl AuditLog {
    /// An empty log under `key`.
    pub fn new(key: MacKey) -> Self {
        let head = key.genesis();
        Self { key, size: 0, head }
    }

    /// Continues a log that was verified under the same `key`.
    pub fn resume(key: MacKey, verified: &VerifiedLog) -> Self {
        Self {
            key,
            size: verified.size(),
            head: verified.head(),
        }
    }

    /// Continues after the last record a store holds, inside the store's serialised write
    /// transaction. The store is trusted for that record's position and MAC here; the log as a
    /// whole is proven by [`crate::verify`] and the signed checkpoints, which catch any
    /// tampering with the record this continues from.
    ///
    /// # Errors
    /// [`AuditError::LogFull`] when `last` is the 2^64 - 1st record.
    pub fn after(key: MacKey, last: Option<&Record>) -> Result<Self, AuditError> {
        match last {
            None => Ok(Self::new(key)),
            Some(record) => Ok(Self {
                key,
                size: record.seq().checked_add(1).ok_or(AuditError::LogFull)?,
                head: record.head(),
            }),
        }
    }

    /// The number of records appended so far (so also the next sequence number).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The chain head after the last record.
    pub fn head(&self) -> Head {
        self.head
    }

    /// Logs `event` at time `now` and returns the record to store.
    ///
    /// # Errors
    /// [`AuditError::IncompleteEvent`] when the event leaves out what its action requires (see
    /// [`Event::check`]); [`AuditError::LogFull`] after 2^64 - 1 records. The log is unchanged.
    pub fn append(&mut self, event: Event, now: OffsetDateTime) -> Result<Record, AuditError> {
        event.check()?;
        let next_size = self.size.checked_add(1).ok_or(AuditError::LogFull)?;
        let entry = encode(&Entry { at: now, event });
        let mac = self.key.chain(&self.head, self.size, &entry);
        let record = Record::from_parts(self.size, mac, entry);
        self.size = next_size;
        self.head = mac;
        Ok(record)
    }

    /// Signs the current `(size, head)`. Take one after every batch of appends: records after
    /// the latest checkpoint could be cut off without a trace.
    pub fn checkpoint(&self, key: &SigningKey) -> Checkpoint {
        Checkpoint::sign(self.size, self.head, key)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use time::macros::datetime;

    use super::*;
    use crate::{Action, ActorKey, Outcome, RequestId, TrustedCheckpoints, verify, verify_from};

    fn login(n: u8) -> Event {
        Event {
            actor: ActorKey::from_bytes([n; 32]),
            action: Action::Login,
            subject: None,
            categories: BTreeSet::new(),
            purpose: None,
            request: RequestId::from_bytes([n; 16]),
            records: Default::default(),
            outcome: Outcome::Succeeded,
        }
    }

    #[test]
    fn appended_records_verify_and_carry_their_time() {
        let key = MacKey::new(&[1; 32]);
        let signer = SigningKey::from_bytes(&[2; 32]);
        let mut log = AuditLog::new(key.clone());
        let now = datetime!(2026-11-23 09:00 UTC);
        let records: Vec<Record> = (0..3).map(|n| log.append(login(n), now).unwrap()).collect();
        assert_eq!(
            records.iter().map(Record::seq).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(records[1].entry().unwrap().at, now);
        let checkpoint = log.checkpoint(&signer);
        let verified = verify(&records, &key, &[checkpoint], &signer.verifying_key()).unwrap();
        assert_eq!((verified.size(), verified.signed_size()), (3, 3));
        assert_eq!(verified.head(), log.head());
    }

    #[test]
    fn an_incomplete_event_is_refused_and_leaves_the_log_as_it_was() {
        let mut log = AuditLog::new(MacKey::new(&[1; 32]));
        let mut read = login(1);
        read.action = Action::Read;
        let before = log.head();
        assert!(matches!(
            log.append(read, datetime!(2026-11-23 09:00 UTC)),
            Err(AuditError::IncompleteEvent { .. })
        ));
        assert_eq!((log.size(), log.head()), (0, before));
    }

    #[test]
    fn a_resumed_log_continues_the_same_chain() {
        let key = MacKey::new(&[1; 32]);
        let now = datetime!(2026-11-23 09:00 UTC);
        let mut whole = AuditLog::new(key.clone());
        let records: Vec<Record> = (0..4)
            .map(|n| whole.append(login(n), now).unwrap())
            .collect();
        let first = verify_from(
            &records[..2],
            &key,
            &TrustedCheckpoints::default(),
            crate::Anchor::genesis(&key),
        )
        .unwrap();
        let mut resumed = AuditLog::resume(key, &first);
        assert_eq!(resumed.append(login(2), now).unwrap(), records[2]);
    }
}

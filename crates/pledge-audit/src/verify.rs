//! Verification: walk the chain, compare it with the signed checkpoints, and say where the
//! first damage is and what kind it is.
//!
//! [`verify`] checks a whole log from genesis. [`verify_from`] resumes from an [`Anchor`], a
//! `(size, head)` already trusted (a signed checkpoint, or the end of an earlier verification),
//! and reads only the records after it: the store uses it to check what was appended since.
//!
//! How damage is told apart, at the first position `p` where the log stops being what was
//! logged:
//!
//! - the record at `p` claims another sequence number: if its MAC is right for `p`, only the
//!   number was changed ([`DamageKind::Edited`]); if the number is smaller than `p`, or `p`
//!   appears later in the log, records were moved ([`DamageKind::Reordered`]); otherwise records
//!   are missing ([`DamageKind::Removed`]);
//! - the record at `p` has the right number but a wrong MAC: if the next record chains on
//!   either the stored or the recomputed MAC, this one record was changed
//!   ([`DamageKind::Edited`]); if the next record fails too, the chain under our key ends here
//!   and another chain continues ([`DamageKind::Rewritten`], e.g. a rewrite with a fresh key);
//! - every MAC is right but a checkpoint's head differs at its size: someone holding the MAC
//!   key rebuilt the log after the last matching checkpoint ([`DamageKind::Rewritten`]);
//! - the log ends before a checkpoint's size ([`DamageKind::Truncated`]).
//!
//! Verification does not decode entries: the MAC covers their bytes, and only a key holder can
//! make a MAC.

use std::fmt;

use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::{Checkpoint, Head, MacKey, Record, TrustedCheckpoints};

/// Where the log stops being what was logged, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at position {position}")]
pub struct Damage {
    /// The first position (sequence number) that cannot be trusted. For
    /// [`DamageKind::BadCheckpointSignature`], the size the forged checkpoint claims.
    pub position: u64,
    /// What happened there.
    pub kind: DamageKind,
}

/// The kinds of damage [`verify`] tells apart. See the module documentation for how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DamageKind {
    /// The record at the position was changed: its entry, its MAC or its sequence number.
    Edited,
    /// Records are missing: the sequence skips the position, which appears nowhere later.
    Removed,
    /// A record is out of place: moved, swapped with another, or replayed.
    Reordered,
    /// The log ends at the position, but a signed checkpoint says it had `signed_size` records.
    Truncated {
        /// The size of the largest checkpoint beyond the end of the log.
        signed_size: u64,
    },
    /// From the position on, the log is another one: its chain does not continue ours under our
    /// key, or it chains correctly but disagrees with a signed checkpoint.
    Rewritten,
    /// A checkpoint's signature does not verify against the verifying key.
    BadCheckpointSignature,
}

impl fmt::Display for DamageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Edited => f.write_str("edited record"),
            Self::Removed => f.write_str("removed records"),
            Self::Reordered => f.write_str("reordered records"),
            Self::Truncated { signed_size } => {
                write!(
                    f,
                    "log truncated (a checkpoint covers {signed_size} records)"
                )
            }
            Self::Rewritten => f.write_str("rewritten log"),
            Self::BadCheckpointSignature => f.write_str("checkpoint with a bad signature"),
        }
    }
}

/// A `(size, head)` verification can start from: genesis, a signed checkpoint, or the end of an
/// earlier verification. Only those three make one, so resuming never trusts an unchecked head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    size: u64,
    head: Head,
    signed_size: u64,
}

impl Anchor {
    /// The start of every log under `key`: no records, the genesis head.
    pub fn genesis(key: &MacKey) -> Self {
        Self {
            size: 0,
            head: key.genesis(),
            signed_size: 0,
        }
    }

    /// A signed checkpoint's `(size, head)`.
    pub(crate) fn signed(size: u64, head: Head) -> Self {
        Self {
            size,
            head,
            signed_size: size,
        }
    }

    /// The number of records before the anchor.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The chain head after those records.
    pub fn head(&self) -> Head {
        self.head
    }

    /// How many of those records a signed checkpoint covers.
    pub fn signed_size(&self) -> u64 {
        self.signed_size
    }
}

/// A log that verified: its size and head, and how much of it signed checkpoints cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedLog {
    size: u64,
    head: Head,
    signed_size: u64,
}

impl VerifiedLog {
    /// The number of records.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The chain head after the last record.
    pub fn head(&self) -> Head {
        self.head
    }

    /// The size of the largest checkpoint that matched. Records beyond it are protected by the
    /// chain only: edits show, but losing them would not.
    pub fn signed_size(&self) -> u64 {
        self.signed_size
    }

    /// Where the next [`verify_from`] can start.
    pub fn anchor(&self) -> Anchor {
        Anchor {
            size: self.size,
            head: self.head,
            signed_size: self.signed_size,
        }
    }

    /// Signs the verified `(size, head)`, e.g. by an auditor who keeps the signing key apart
    /// from the writer.
    pub fn checkpoint(&self, key: &SigningKey) -> Checkpoint {
        Checkpoint::sign(self.size, self.head, key)
    }
}

/// Verifies a whole log: every checkpoint's signature, then the chain from genesis against them.
///
/// `records` must be the log in stored order, starting at sequence number 0.
///
/// # Errors
/// The first [`Damage`]; a bad checkpoint signature is reported before any damage to the chain.
pub fn verify(
    records: &[Record],
    key: &MacKey,
    checkpoints: &[Checkpoint],
    verifying_key: &VerifyingKey,
) -> Result<VerifiedLog, Damage> {
    let trusted = TrustedCheckpoints::verify(checkpoints, verifying_key)?;
    verify_from(records, key, &trusted, Anchor::genesis(key))
}

/// Verifies the records after `from`, against the checkpoints at or beyond it.
///
/// `records` are the log's records from sequence number `from.size()` on. Positions in the
/// result count from the start of the log, not of `records`.
///
/// # Errors
/// The first [`Damage`] after `from`.
pub fn verify_from(
    records: &[Record],
    key: &MacKey,
    checkpoints: &TrustedCheckpoints,
    from: Anchor,
) -> Result<VerifiedLog, Damage> {
    let mut walk = Walk {
        key,
        records,
        pending: checkpoints.covering_at_least(from.size),
        size: from.size,
        head: from.head,
        signed_size: from.signed_size,
    };
    walk.compare_with_checkpoints()?;
    for (index, record) in records.iter().enumerate() {
        if record.seq() != walk.size {
            return Err(walk.damage(walk.out_of_sequence(index, record)));
        }
        if !key.authenticates(&walk.head, walk.size, record) {
            return Err(walk.damage(walk.wrong_mac(index, record)));
        }
        walk.head = record.head();
        walk.size += 1;
        walk.compare_with_checkpoints()?;
    }
    if let Some((signed_size, _)) = walk.pending.last() {
        return Err(walk.damage(DamageKind::Truncated {
            signed_size: *signed_size,
        }));
    }
    Ok(VerifiedLog {
        size: walk.size,
        head: walk.head,
        signed_size: walk.signed_size,
    })
}

/// The state of a verification between two records.
struct Walk<'a> {
    key: &'a MacKey,
    records: &'a [Record],
    /// Checkpoints not yet reached, smallest first.
    pending: &'a [(u64, Head)],
    /// Records verified so far (so also the next expected sequence number).
    size: u64,
    /// The head after them.
    head: Head,
    /// The last size known good beyond doubt: the last matching checkpoint, or the signed part
    /// of the anchor. An anchor from an earlier verification vouches for MACs, not against a
    /// rewrite by a key holder, so starting from one reports what a full verification would.
    signed_size: u64,
}

impl Walk<'_> {
    /// Damage at the current position.
    fn damage(&self, kind: DamageKind) -> Damage {
        Damage {
            position: self.size,
            kind,
        }
    }

    /// Compares the checkpoints at the current size with the current head.
    fn compare_with_checkpoints(&mut self) -> Result<(), Damage> {
        while let Some(((size, head), rest)) = self.pending.split_first()
            && *size == self.size
        {
            if *head != self.head {
                // Every MAC was right, so the rewrite began somewhere after the last size known
                // good: that is the first position that cannot be trusted.
                return Err(Damage {
                    position: self.signed_size,
                    kind: DamageKind::Rewritten,
                });
            }
            self.signed_size = self.size;
            self.pending = rest;
        }
        Ok(())
    }

    /// Damage at a record that claims the wrong sequence number.
    fn out_of_sequence(&self, index: usize, record: &Record) -> DamageKind {
        let expected = self.size;
        let moved_back = record.seq() < expected;
        let expected_comes_later = || {
            self.records
                .get(index + 1..)
                .unwrap_or_default()
                .iter()
                .any(|later| later.seq() == expected)
        };
        if self.key.authenticates(&self.head, expected, record) {
            DamageKind::Edited
        } else if moved_back || expected_comes_later() {
            DamageKind::Reordered
        } else {
            DamageKind::Removed
        }
    }

    /// Damage at a record with the right sequence number and the wrong MAC.
    fn wrong_mac(&self, index: usize, record: &Record) -> DamageKind {
        let next_seq = self.size + 1;
        let Some(next) = self.records.get(index + 1).filter(|n| n.seq() == next_seq) else {
            return DamageKind::Edited;
        };
        let recomputed = self.key.chain(&self.head, self.size, record.entry_bytes());
        let chains_on_stored = self.key.authenticates(&record.head(), next_seq, next);
        let chains_on_recomputed = self.key.authenticates(&recomputed, next_seq, next);
        if chains_on_stored || chains_on_recomputed {
            DamageKind::Edited
        } else {
            DamageKind::Rewritten
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MacKey {
        MacKey::new(&[1; 32])
    }

    /// A log of `n` records with arbitrary (undecodable) entries: verification never decodes.
    fn log(n: u64) -> Vec<Record> {
        let key = key();
        let mut head = key.genesis();
        (0..n)
            .map(|seq| {
                let entry = seq.to_le_bytes().repeat(3);
                let mac = key.chain(&head, seq, &entry);
                head = mac;
                Record::from_parts(seq, mac, entry)
            })
            .collect()
    }

    fn check(records: &[Record], expected: Result<u64, (u64, DamageKind)>) {
        let found = verify_from(
            records,
            &key(),
            &TrustedCheckpoints::default(),
            Anchor::genesis(&key()),
        )
        .map(|v| v.size())
        .map_err(|d| (d.position, d.kind));
        assert_eq!(found, expected);
    }

    #[test]
    fn an_intact_chain_verifies_and_an_empty_one_too() {
        check(&log(5), Ok(5));
        check(&[], Ok(0));
    }

    #[test]
    fn each_kind_of_chain_damage_is_named_at_its_position() {
        let intact = log(6);
        let mut edited = intact.clone();
        edited[2] = Record::from_parts(2, edited[2].head(), b"changed".to_vec());
        check(&edited, Err((2, DamageKind::Edited)));

        let mut renumbered = intact.clone();
        renumbered[2] = Record::from_parts(9, intact[2].head(), intact[2].entry_bytes().to_vec());
        check(&renumbered, Err((2, DamageKind::Edited)));

        let mut removed = intact.clone();
        removed.remove(3);
        check(&removed, Err((3, DamageKind::Removed)));

        let mut swapped = intact.clone();
        swapped.swap(1, 4);
        check(&swapped, Err((1, DamageKind::Reordered)));

        let mut replayed = intact.clone();
        replayed.insert(3, intact[1].clone());
        check(&replayed, Err((3, DamageKind::Reordered)));

        let mut mac_changed = intact.clone();
        mac_changed[4] = Record::from_parts(
            4,
            Head::from_bytes([0; 32]),
            intact[4].entry_bytes().to_vec(),
        );
        check(&mac_changed, Err((4, DamageKind::Edited)));

        let other = MacKey::new(&[2; 32]);
        let mut head = intact[2].head();
        let mut rewritten = intact.clone();
        for record in rewritten.iter_mut().skip(3) {
            let mac = other.chain(&head, record.seq(), record.entry_bytes());
            head = mac;
            *record = Record::from_parts(record.seq(), mac, record.entry_bytes().to_vec());
        }
        check(&rewritten, Err((3, DamageKind::Rewritten)));
    }

    #[test]
    fn resuming_from_an_anchor_reads_only_the_new_records() {
        let records = log(8);
        let whole = verify_from(
            &records,
            &key(),
            &TrustedCheckpoints::default(),
            Anchor::genesis(&key()),
        )
        .unwrap();
        let first = verify_from(
            &records[..5],
            &key(),
            &TrustedCheckpoints::default(),
            Anchor::genesis(&key()),
        )
        .unwrap();
        let rest = verify_from(
            &records[5..],
            &key(),
            &TrustedCheckpoints::default(),
            first.anchor(),
        )
        .unwrap();
        assert_eq!(rest, whole);
        let wrong_start = verify_from(
            &records[4..],
            &key(),
            &TrustedCheckpoints::default(),
            first.anchor(),
        );
        assert_eq!(wrong_start.map_err(|d| d.position), Err(5));
    }
}

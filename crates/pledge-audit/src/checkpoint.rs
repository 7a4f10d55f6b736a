//! Signed checkpoints: an Ed25519 signature over a log's `(size, head)`.
//!
//! A chain shows edits, but not a tail cut off at a record boundary, nor a log rebuilt by
//! someone holding the MAC key. A checkpoint pins the log's size and head at one moment; a later
//! log that is shorter than a checkpoint, or whose head at that size differs, is caught. Records
//! appended after the latest checkpoint are protected by the chain only, so checkpoint after
//! every batch.
//!
//! The signing key is passed in (the caller makes it from 32 secret bytes; this crate has no
//! random source). The signed message is domain-separated: `CHECKPOINT_LABEL || size || head`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::{Anchor, AuditError, Damage, DamageKind, Head};

/// Prefix of every signed checkpoint message.
const CHECKPOINT_LABEL: &[u8] = b"pledge-audit/v1/checkpoint\0";

/// Length of a checkpoint's byte form: size, head, signature.
const CHECKPOINT_LEN: usize = 8 + 32 + 64;

/// A signed statement "the log had `size` records and head `head`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    size: u64,
    head: Head,
    signature: Signature,
}

impl Checkpoint {
    /// Signs `(size, head)`. Only the crate signs, and only heads it built or verified
    /// ([`crate::AuditLog::checkpoint`], [`crate::VerifiedLog::checkpoint`]).
    pub(crate) fn sign(size: u64, head: Head, key: &SigningKey) -> Self {
        let signature = key.sign(&message(size, &head));
        Self {
            size,
            head,
            signature,
        }
    }

    /// The number of records the checkpoint covers.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The chain head after those records.
    pub fn head(&self) -> Head {
        self.head
    }

    /// The checkpoint's byte form: size (8 bytes, big-endian), head (32), signature (64).
    pub fn to_bytes(&self) -> [u8; CHECKPOINT_LEN] {
        let mut out = [0u8; CHECKPOINT_LEN];
        let parts = [
            &self.size.to_be_bytes()[..],
            self.head.as_bytes(),
            &self.signature.to_bytes(),
        ];
        for (slot, byte) in out.iter_mut().zip(parts.into_iter().flatten()) {
            *slot = *byte;
        }
        out
    }

    /// Reads a checkpoint's byte form; the signature is checked later, against a key.
    ///
    /// # Errors
    /// [`AuditError::MalformedCheckpoint`] when `bytes` is not 104 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AuditError> {
        let wrong_length = || AuditError::MalformedCheckpoint {
            reason: "a checkpoint is 104 bytes long",
        };
        let (size, rest) = bytes.split_first_chunk::<8>().ok_or_else(wrong_length)?;
        let (head, signature) = rest.split_first_chunk::<32>().ok_or_else(wrong_length)?;
        let signature: &[u8; 64] = signature.try_into().map_err(|_| wrong_length())?;
        Ok(Self {
            size: u64::from_be_bytes(*size),
            head: Head::from_bytes(*head),
            signature: Signature::from_bytes(signature),
        })
    }

    /// Checks the signature (strictly: no malleable signatures, no weak keys).
    fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        key.verify_strict(&message(self.size, &self.head), &self.signature)
            .is_ok()
    }
}

fn message(size: u64, head: &Head) -> Vec<u8> {
    [CHECKPOINT_LABEL, &size.to_be_bytes(), head.as_bytes()].concat()
}

/// Checkpoints whose signatures have been checked, ordered by size.
///
/// Checking signatures is by far the slowest step of verification, and checkpoints change
/// rarely, so it is done once here and the result reused by every [`crate::verify_from`].
#[derive(Debug, Clone, Default)]
pub struct TrustedCheckpoints {
    by_size: Vec<(u64, Head)>,
}

impl TrustedCheckpoints {
    /// Checks every checkpoint's signature against `key`.
    ///
    /// # Errors
    /// [`DamageKind::BadCheckpointSignature`] at the size of the smallest checkpoint whose
    /// signature fails: without trustworthy checkpoints nothing after them can be judged, so this
    /// comes before any damage to the chain.
    pub fn verify(checkpoints: &[Checkpoint], key: &VerifyingKey) -> Result<Self, Damage> {
        let mut by_size: Vec<(u64, Head)> = Vec::with_capacity(checkpoints.len());
        let mut forged: Option<u64> = None;
        for checkpoint in checkpoints {
            if checkpoint.is_signed_by(key) {
                by_size.push((checkpoint.size, checkpoint.head));
            } else {
                forged = Some(forged.map_or(checkpoint.size, |s| s.min(checkpoint.size)));
            }
        }
        if let Some(position) = forged {
            return Err(Damage {
                position,
                kind: DamageKind::BadCheckpointSignature,
            });
        }
        by_size.sort_unstable_by_key(|(size, _)| *size);
        by_size.dedup();
        Ok(Self { by_size })
    }

    /// How many distinct checkpoints there are.
    pub fn len(&self) -> usize {
        self.by_size.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_size.is_empty()
    }

    /// The largest checkpoint covering at most `size` records, as a place to resume
    /// verification from.
    pub fn latest_at_or_before(&self, size: u64) -> Option<Anchor> {
        let end = self.by_size.partition_point(|(s, _)| *s <= size);
        let (size, head) = self.by_size.get(end.checked_sub(1)?)?;
        Some(Anchor::signed(*size, *head))
    }

    /// The checkpoints a log had when it was `size` records long: those covering at most `size`
    /// records. For verifying a copy taken then (a backup, an export) or a prefix.
    pub fn as_of(&self, size: u64) -> Self {
        let end = self.by_size.partition_point(|(s, _)| *s <= size);
        Self {
            by_size: self.by_size.get(..end).unwrap_or_default().to_vec(),
        }
    }

    /// The checkpoints covering at least `size` records, smallest first.
    pub(crate) fn covering_at_least(&self, size: u64) -> &[(u64, Head)] {
        let start = self.by_size.partition_point(|(s, _)| *s < size);
        self.by_size.get(start..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    #[test]
    fn checkpoints_round_trip_through_bytes_and_verify() {
        let checkpoint = Checkpoint::sign(42, Head::from_bytes([3; 32]), &signer());
        let bytes = checkpoint.to_bytes();
        let back = Checkpoint::from_bytes(&bytes).unwrap();
        assert_eq!(back, checkpoint);
        assert!(back.is_signed_by(&signer().verifying_key()));
        assert!(Checkpoint::from_bytes(&bytes[..103]).is_err());
    }

    #[test]
    fn a_changed_size_head_or_key_breaks_the_signature() {
        let checkpoint = Checkpoint::sign(42, Head::from_bytes([3; 32]), &signer());
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert!(!checkpoint.is_signed_by(&other));
        for index in [0, 7, 8, 39, 40, 103] {
            let mut bytes = checkpoint.to_bytes();
            bytes[index] ^= 1;
            let flipped = Checkpoint::from_bytes(&bytes).unwrap();
            assert!(!flipped.is_signed_by(&signer().verifying_key()), "{index}");
        }
    }

    #[test]
    fn trusted_checkpoints_report_the_smallest_forgery_and_sort_the_rest() {
        let key = signer();
        let good = [
            Checkpoint::sign(20, Head::from_bytes([2; 32]), &key),
            Checkpoint::sign(10, Head::from_bytes([1; 32]), &key),
            Checkpoint::sign(10, Head::from_bytes([1; 32]), &key),
        ];
        let trusted = TrustedCheckpoints::verify(&good, &key.verifying_key()).unwrap();
        assert_eq!(trusted.len(), 2);
        assert_eq!(trusted.latest_at_or_before(9), None);
        assert_eq!(trusted.latest_at_or_before(15).map(|a| a.size()), Some(10));
        assert_eq!(trusted.latest_at_or_before(20).map(|a| a.size()), Some(20));
        assert_eq!(trusted.covering_at_least(11).len(), 1);
        assert_eq!(trusted.as_of(19).len(), 1);
        assert_eq!(trusted.as_of(20).len(), 2);

        let forger = SigningKey::from_bytes(&[7; 32]);
        let mixed = [
            good[0].clone(),
            Checkpoint::sign(30, Head::from_bytes([3; 32]), &forger),
            Checkpoint::sign(25, Head::from_bytes([3; 32]), &forger),
        ];
        let damage = TrustedCheckpoints::verify(&mixed, &key.verifying_key()).unwrap_err();
        assert_eq!(damage.position, 25);
        assert_eq!(damage.kind, DamageKind::BadCheckpointSignature);
    }
}

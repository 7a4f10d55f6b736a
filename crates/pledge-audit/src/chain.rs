//! The keyed hash chain: [`MacKey`], chain [`Head`]s and stored [`Record`]s.
//!
//! `head_0` is the genesis head, `HMAC(key, GENESIS_LABEL)`. Record `i` (its sequence number is
//! `i`) carries `mac_i = HMAC(key, head_i || i as u64 big-endian || entry_i)`, and
//! `head_(i+1) = mac_i`. The head and the sequence number have fixed lengths and the entry is the
//! rest, so the MAC input is unambiguous; the genesis label is shorter than any chain input, so
//! it can never collide with one.
//!
//! Without the key nobody can produce a MAC, so an edit shows up at the edited record. A chain
//! alone cannot show a cut-off tail or a log rebuilt by someone holding the key; signed
//! checkpoints do (see [`crate::Checkpoint`]).

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::hex::byte_value;
use crate::pseudonym::keyed_hmac;
use crate::{AuditError, Entry, decode};

/// The message whose MAC is the genesis head.
const GENESIS_LABEL: &[u8] = b"pledge-audit/v1/genesis";

byte_value!(
    /// A chain head: the MAC of the last record, or the genesis head of an empty log.
    Head,
    32
);

/// The secret that keys the chain. Keep it out of the log's storage.
///
/// Holds the HMAC state after the key block, so every MAC starts from a clone of it instead of
/// hashing the key again: verification then costs little more than hashing the entries.
#[derive(Clone)]
pub struct MacKey {
    keyed: Hmac<Sha256>,
}

impl MacKey {
    /// A key from 32 secret bytes, which the caller generates and keeps.
    pub fn new(secret: &[u8; 32]) -> Self {
        Self {
            keyed: keyed_hmac(secret),
        }
    }

    /// The head of the empty log under this key.
    pub fn genesis(&self) -> Head {
        let mut mac = self.keyed.clone();
        mac.update(GENESIS_LABEL);
        Head::from_bytes(mac.finalize().into_bytes().into())
    }

    /// The MAC of the record at `seq` holding `entry`, chained on `previous`.
    pub(crate) fn chain(&self, previous: &Head, seq: u64, entry: &[u8]) -> Head {
        let mut mac = self.keyed.clone();
        mac.update(previous.as_bytes());
        mac.update(&seq.to_be_bytes());
        mac.update(entry);
        Head::from_bytes(mac.finalize().into_bytes().into())
    }

    /// Whether `record` carries the right MAC for position `seq` after `previous`. Compares in
    /// constant time, so timing says nothing about how much of a forged MAC was right.
    pub(crate) fn authenticates(&self, previous: &Head, seq: u64, record: &Record) -> bool {
        constant_time_eq(
            self.chain(previous, seq, &record.entry).as_bytes(),
            record.mac.as_bytes(),
        )
    }
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(<secret>)")
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// One stored entry of the chain: its sequence number, its canonical bytes and its MAC.
///
/// The record's own byte form ([`Record::to_bytes`]) is `seq` (8 bytes, big-endian), the MAC
/// (32) and the entry; stores keep it as it is, and verification needs nothing else.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    seq: u64,
    mac: Head,
    entry: Vec<u8>,
}

/// Bytes before the entry in a record's byte form.
const RECORD_HEADER_LEN: usize = 8 + 32;

impl Record {
    /// A record from its stored parts (a database row, say). Nothing is checked: whether the
    /// record belongs in the log is for [`crate::verify`] to say.
    pub fn from_parts(seq: u64, mac: Head, entry: Vec<u8>) -> Self {
        Self { seq, mac, entry }
    }

    /// The record's position in the log, as the record claims it.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The record's MAC, which is the chain head after it.
    pub fn head(&self) -> Head {
        self.mac
    }

    /// The entry's canonical bytes.
    pub fn entry_bytes(&self) -> &[u8] {
        &self.entry
    }

    /// The decoded entry. Verify the log first: decoding says nothing about authenticity.
    ///
    /// # Errors
    /// [`AuditError::MalformedEntry`] when the bytes are not a canonical entry.
    pub fn entry(&self) -> Result<Entry, AuditError> {
        decode(&self.entry)
    }

    /// The record's byte form: sequence number, MAC, entry.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(RECORD_HEADER_LEN + self.entry.len());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(self.mac.as_bytes());
        out.extend_from_slice(&self.entry);
        out
    }

    /// Reads a record's byte form. Only the length is checked: whether the record belongs in
    /// the log is for [`crate::verify`] to say.
    ///
    /// # Errors
    /// [`AuditError::MalformedRecord`] when `bytes` is shorter than the sequence number and MAC.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AuditError> {
        let short = || AuditError::MalformedRecord {
            reason: "shorter than a sequence number and a MAC",
        };
        let (seq, rest) = bytes.split_first_chunk::<8>().ok_or_else(short)?;
        let (mac, entry) = rest.split_first_chunk::<32>().ok_or_else(short)?;
        Ok(Self {
            seq: u64::from_be_bytes(*seq),
            mac: Head::from_bytes(*mac),
            entry: entry.to_vec(),
        })
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("seq", &self.seq)
            .field("mac", &self.mac)
            .field("entry_len", &self.entry.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_and_macs_depend_on_key_position_previous_head_and_entry() {
        let key = MacKey::new(&[1; 32]);
        let other = MacKey::new(&[2; 32]);
        let genesis = key.genesis();
        assert_ne!(genesis, other.genesis());
        let mac = key.chain(&genesis, 0, b"entry");
        assert_eq!(mac, key.chain(&genesis, 0, b"entry"));
        assert_ne!(mac, other.chain(&genesis, 0, b"entry"));
        assert_ne!(mac, key.chain(&genesis, 1, b"entry"));
        assert_ne!(mac, key.chain(&mac, 0, b"entry"));
        assert_ne!(mac, key.chain(&genesis, 0, b"entrz"));
    }

    #[test]
    fn records_round_trip_through_bytes_and_short_ones_are_refused() {
        let key = MacKey::new(&[1; 32]);
        let record = Record::from_parts(7, key.chain(&key.genesis(), 7, b"abc"), b"abc".to_vec());
        let bytes = record.to_bytes();
        assert_eq!(bytes.len(), RECORD_HEADER_LEN + 3);
        assert_eq!(Record::from_bytes(&bytes).unwrap(), record);
        assert!(key.authenticates(&key.genesis(), 7, &record));
        assert!(!key.authenticates(&key.genesis(), 8, &record));
        assert!(Record::from_bytes(&bytes[..RECORD_HEADER_LEN]).is_ok());
        assert!(Record::from_bytes(&bytes[..RECORD_HEADER_LEN - 1]).is_err());
        assert!(Record::from_bytes(&bytes[..5]).is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        assert_eq!(format!("{:?}", MacKey::new(&[1; 32])), "MacKey(<secret>)");
    }
}

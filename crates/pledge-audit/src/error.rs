//! The crate's one error enum.

#[cfg(feature = "file-store")]
use std::path::PathBuf;

use crate::{Action, Damage};

/// Everything that can go wrong in `pledge-audit`, apart from damage found by verification,
/// which is reported as [`Damage`] (and wrapped here when it travels with other errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// An event leaves out what its action requires (a read without a purpose, say).
    #[error("a `{action}` event must name {missing}")]
    IncompleteEvent {
        /// The event's action.
        action: Action,
        /// What is missing, in words.
        missing: &'static str,
    },
    /// Bytes that are not the canonical encoding of an entry.
    #[error("malformed audit entry: {reason}")]
    MalformedEntry {
        /// Why the bytes were refused.
        reason: &'static str,
    },
    /// Bytes too short to be a record.
    #[error("malformed audit record: {reason}")]
    MalformedRecord {
        /// Why the bytes were refused.
        reason: &'static str,
    },
    /// Bytes that are not a checkpoint.
    #[error("malformed checkpoint: {reason}")]
    MalformedCheckpoint {
        /// Why the bytes were refused.
        reason: &'static str,
    },
    /// Text that is not the hexadecimal form of a key or id.
    #[error("expected {expected_bytes} bytes of hexadecimal")]
    InvalidHex {
        /// How many bytes the value has.
        expected_bytes: usize,
    },
    /// A store was given records that do not continue the log.
    #[error("record out of sequence: expected {expected}, found {found}")]
    OutOfSequence {
        /// The sequence number the store expected.
        expected: u64,
        /// The one it was given.
        found: u64,
    },
    /// The log has 2^64 - 1 records; no sequence number is left.
    #[error("the audit log is full")]
    LogFull,
    /// Verification found damage.
    #[error("the audit log is damaged: {0}")]
    Damaged(#[from] Damage),
    /// Reading or writing a store's file failed.
    #[cfg(feature = "file-store")]
    #[error("audit file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file that does not start like an audit log file, or whose frames do not parse.
    #[cfg(feature = "file-store")]
    #[error("{path} is not a readable audit log file: {reason} at byte {offset}")]
    NotAnAuditFile {
        /// The file.
        path: PathBuf,
        /// Where it stops making sense.
        offset: u64,
        /// Why.
        reason: &'static str,
    },
    /// The file ends in the middle of a frame: a write was cut short (a crash before the
    /// batch's fsync) or the file was truncated. [`crate::FileStore::recover`] cuts it off.
    #[cfg(feature = "file-store")]
    #[error("{path} ends with a torn record at byte {}", tail.offset)]
    TornTail {
        /// The file.
        path: PathBuf,
        /// Where the torn frame starts and what it would have been.
        tail: crate::TornTail,
    },
    /// A record too large for the file format (4 GiB).
    #[cfg(feature = "file-store")]
    #[error("a record of {bytes} bytes is too large to store")]
    RecordTooLarge {
        /// The record's length.
        bytes: usize,
    },
}

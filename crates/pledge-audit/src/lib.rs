//! Pledge's tamper-evident audit log.
//!
//! Every access to personal data, reads included ("who accessed what data and when"), becomes
//! an [`Entry`]: actor, action, subject, data categories, purpose, request id, outcome and time.
//! Entries are written in a canonical binary form ([`encode`] / [`decode`]) and chained: each
//! [`Record`] carries an HMAC-SHA-256 over the previous head, its sequence number and the
//! encoded entry. Signed [`Checkpoint`]s (Ed25519) over `(size, head)` catch what a chain alone
//! cannot: a cut-off tail and a log rewritten from scratch. [`verify`] reports the first damaged
//! position and what happened there ([`DamageKind`]).
//!
//! People appear only as pseudonyms ([`SubjectKey`], [`ActorKey`]) derived with a secret
//! [`PseudonymKey`], so the log never holds a person's id. Erasing a person (the store forgets
//! the id) leaves every entry, and so the chain, untouched and verifiable.
//!
//! ```
//! use pledge_audit::{
//!     Action, AuditLog, Event, MacKey, Outcome, PseudonymKey, Query, RequestId, SigningKey,
//!     verify,
//! };
//! use pledge_domain::{CategoryId, PersonId, PurposeId};
//! use time::macros::datetime;
//!
//! let pseudonyms = PseudonymKey::new(&[1; 32]);
//! let mut log = AuditLog::new(MacKey::new(&[2; 32]));
//! let signer = SigningKey::from_bytes(&[3; 32]);
//!
//! let learner = pseudonyms.subject(PersonId::from_uuid(Default::default()));
//! let exam_board_sync = pseudonyms.service("exam-board-sync");
//! let read = Event {
//!     actor: exam_board_sync,
//!     action: Action::Read,
//!     subject: Some(learner),
//!     categories: [CategoryId::new("exam-results")?].into(),
//!     purpose: Some(PurposeId::new("exam-administration")?),
//!     request: RequestId::from_bytes([7; 16]),
//!     records: Default::default(),
//!     outcome: Outcome::Succeeded,
//! };
//! let record = log.append(read, datetime!(2026-11-23 10:00 UTC))?;
//! let checkpoint = log.checkpoint(&signer);
//!
//! let records = [record];
//! let verified = verify(&records, &MacKey::new(&[2; 32]), &[checkpoint], &signer.verifying_key())?;
//! assert_eq!(verified.size(), 1);
//! let accesses = Query::accesses_to(learner).run(&records)?;
//! assert_eq!(accesses.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! This crate does no IO and never reads the clock: `now` is a parameter, keys are passed in,
//! and it builds for `wasm32-unknown-unknown`. The one exception is `FileStore`, behind the
//! `file-store` feature (off by default).

mod chain;
mod checkpoint;
mod encoding;
mod entry;
mod error;
#[cfg(feature = "file-store")]
mod file_store;
mod hex;
mod log;
mod pseudonym;
mod query;
mod store;
mod verify;

pub use chain::{Head, MacKey, Record};
pub use checkpoint::{Checkpoint, TrustedCheckpoints};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use encoding::{ENTRY_VERSION, ENTRY_VERSION_WITH_RECORDS, decode, encode};
pub use entry::{Action, Entry, Event, Outcome};
pub use error::AuditError;
#[cfg(feature = "file-store")]
pub use file_store::{FileStore, TornTail};
pub use log::AuditLog;
pub use pseudonym::{ActorKey, PseudonymKey, RequestId, SubjectKey};
pub use query::{Logged, Query};
pub use store::{AuditStore, MemoryStore};
pub use verify::{Anchor, Damage, DamageKind, VerifiedLog, verify, verify_from};

//! The retention engine: when may a record be kept, and when must it go?
//!
//! A policy's retention rules count from events ("one year after the account is deleted",
//! "seven years after the transaction"). The store tells the engine, per record, its category,
//! the lifecycle events that happened to it and when, the legal holds on it and the open
//! data-subject requests that cover it. The engine answers with a [`Decision`]: keep until a
//! time or an event, delete, anonymise, or held — and every decision explains itself in one
//! sentence a privacy officer understands ([`Decision::explain`]).
//!
//! The rules the engine keeps:
//! - a record is due only when every rule covering its category is due (no rule is cut short);
//! - a legal hold, an open access or portability request (PIPEDA s.8(8)) and an open
//!   restriction request hold the record, whatever expiry or erasure say;
//! - an open erasure request makes the record due at once, except under rules with a statutory
//!   `legal_hold` reason, which keep running;
//! - only events at or before `now` count; `now` is always a parameter.
//!
//! The engine is pure, deterministic and allocation-free on the common path; it builds for
//! wasm32.

mod decision;
mod engine;
mod error;
mod facts;

pub use decision::{Decision, DeleteCause, HeldBy, KeepUntil};
pub use engine::{CategoryIndex, Due, RetentionEngine};
pub use error::RetentionError;
pub use facts::{EventAt, LegalHold, OpenRequest, RecordFacts, RequestKind};

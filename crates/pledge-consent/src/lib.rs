//! Consent as a ledger of events with proof, and the processing gate that reads it.
//!
//! - [`Ledger`]: every grant, withdrawal, expiry and notice is an event carrying its proof
//!   (policy version and a hash of the text shown, source, channel, anonymised IP, user agent,
//!   who gave it). The effective state at any time is computed from the events; nothing is a
//!   flag. Withdrawing is one event, like granting, and takes effect at once.
//! - [`Gate::may_process`]: the hot path. It combines the purpose's legal basis, restriction of
//!   processing, the policy's age rules, guardian consent for minors and the consent ledger into
//!   an allowed or denied [`Verdict`] with its reason.
//! - [`cookies`]: which cookies a browser may hold for a banner decision, from the policy's
//!   catalogue.
//! - [`reprompt`]: after a policy change, who must be asked again: only the people whose agreed
//!   purposes, cookie categories or channels actually changed.
//!
//! Pure: no IO, `now` is always a parameter, builds for wasm32.

mod error;
mod gate;
mod ledger;
mod proof;

pub mod cookies;
pub mod reprompt;

pub use error::ConsentError;
pub use gate::{Allowance, DenyReason, Gate, PurposeIndex, SubjectFacts, Verdict};
pub use ledger::{Change, ConsentEvent, ConsentState, ConsentTarget, Ledger};
pub use proof::{AnonymisedIp, GivenBy, MAX_USER_AGENT, Proof, Source, TextHash};

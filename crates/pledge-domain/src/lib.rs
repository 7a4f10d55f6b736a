//! The Pledge domain model.
//!
//! Everything the other Pledge crates agree on: typed identifiers, people with dates of birth and
//! guardian links, staff roles, data categories (including the special categories of GDPR
//! Art. 9 and children's data), legal bases (GDPR Art. 6(1)(a)–(f), Art. 9(2) conditions and the
//! PIPEDA forms of consent), the lifecycle events that start retention clocks, and calendar-aware
//! periods.
//!
//! This crate does no IO and never reads the clock: every function that needs "now" takes it as
//! a parameter. It builds for `wasm32-unknown-unknown` so that the portal's browser bundle can use
//! the same types as the server.

mod basis;
mod category;
mod error;
mod event;
mod id;
mod period;
mod person;
mod role;
mod slug;

pub use basis::{Art9Condition, LegalBasis, PipedaConsentForm};
pub use category::{Sensitivity, SpecialCategory};
pub use error::DomainError;
pub use event::LifecycleEvent;
pub use id::{AccountId, PersonId, RecordId};
pub use period::{Period, PeriodUnit};
pub use person::{AgeBand, AgeRule, GuardianLink, GuardianRelation, Person};
pub use role::Role;
pub use slug::{CategoryId, PartnerId, PurposeId, RuleId, Slug};

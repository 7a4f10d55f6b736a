//! Policy as code.
//!
//! A privacy policy is a list of promises. This crate reads a policy written in Pledge's TOML
//! format (see `docs/policy-format.md`), checks it, and produces everything else from it:
//!
//! - [`parse`] reads a file with precise errors (file, line, column, what was expected) and
//!   refuses unknown keys;
//! - [`validate`] checks references, legal bases, retention anchors and coverage, and returns a
//!   [`ValidPolicy`], the only type the rest of Pledge accepts;
//! - [`lint()`] reports contradictions and risky wording, each naming the promise IDs involved;
//! - [`render`] publishes the policy (Markdown and HTML), the cookie table, the retention schedule
//!   and the Art. 30 record of processing, every statement traceable to the field it came from;
//! - [`diff()`] compares two versions semantically and says who must be told or asked again;
//! - [`packs`] holds the three seed policy packs: `westmontera`, `jtec` and `kexara`.
//!
//! The crate does no IO (callers pass text in and get text out) and never reads the clock.

mod error;
mod names;
mod parse;
mod validate;

pub mod diff;
pub mod lint;
pub mod model;
pub mod packs;
pub mod path;
pub mod promise;
pub mod render;

pub use diff::{Audience, Change, ChangeClass, PolicyDiff, diff};
pub use error::{Diagnostic, PolicyError};
pub use lint::{Finding, LintRule, Resolved, Severity, lint};
pub use model::Policy;
pub use parse::{diagnostic_for, line_and_column, locate, parse, to_toml};
pub use path::FieldPath;
pub use promise::PromiseId;
pub use validate::{Problem, ValidPolicy, load, validate};

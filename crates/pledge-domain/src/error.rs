//! The one error type of this crate.

/// What can go wrong when building a domain value from outside input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// An identifier that should be a slug (lowercase letters, digits and single hyphens) is not.
    #[error("`{value}` is not a valid identifier: {reason}")]
    InvalidSlug {
        /// The text that was offered.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A period such as `30 days` could not be read.
    #[error("`{value}` is not a period: {reason}")]
    InvalidPeriod {
        /// The text that was offered.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// An age rule whose bounds are out of order or out of range.
    #[error("invalid age rule: {0}")]
    InvalidAgeRule(String),
}

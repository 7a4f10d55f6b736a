//! The one error type of this crate.

use pledge_domain::CategoryId;

/// What can go wrong when evaluating retention.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetentionError {
    /// The category is not declared by the policy the engine was built from.
    #[error("category `{0}` is not declared by the policy")]
    UnknownCategory(CategoryId),
    /// A category index did not come from this engine.
    #[error("category index {0} does not belong to this engine")]
    ForeignCategoryIndex(usize),
}

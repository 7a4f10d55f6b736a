//! The one error type of this crate.

/// What can go wrong when recording consent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsentError {
    /// A consent given on a written form must reference the document (J17).
    #[error("a consent given on a written form must name the document it is recorded in")]
    MissingDocumentReference,
    /// The proof names no policy version.
    #[error("a consent event must name the policy version that was shown")]
    MissingPolicyVersion,
    /// A guardian cannot give consent for themselves.
    #[error("a guardian cannot act for themselves")]
    GuardianIsSubject,
    /// The user agent is longer than is plausible.
    #[error("the user agent is longer than {max} characters")]
    UserAgentTooLong {
        /// The longest accepted.
        max: usize,
    },
}

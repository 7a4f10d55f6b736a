//! Slugs: the short, stable identifiers a policy gives its categories, purposes, partners and
//! rules (`contact-details`, `marketing`, `peoplecert`).
//!
//! A slug is lowercase ASCII letters, digits and single hyphens, starts with a letter, and is at
//! most 64 characters long. Keeping the alphabet small means a slug is safe in a URL, a file name,
//! a database key and a TOML bare key without escaping.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The longest slug accepted.
pub const MAX_SLUG_LEN: usize = 64;

/// A validated identifier; see the module documentation for the rules.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Checks `value` and wraps it.
    ///
    /// # Errors
    /// [`DomainError::InvalidSlug`] naming the rule that `value` breaks.
    pub fn new(value: impl Into<String>) -> Result<Self, DomainError> {
        let value = value.into();
        match slug_problem(&value) {
            None => Ok(Self(value)),
            Some(reason) => Err(DomainError::InvalidSlug { value, reason }),
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn slug_problem(value: &str) -> Option<&'static str> {
    let mut chars = value.chars();
    match chars.next() {
        None => return Some("it is empty"),
        Some(first) if !first.is_ascii_lowercase() => {
            return Some("it must start with a lowercase letter (a-z)");
        }
        Some(_) => {}
    }
    if value.len() > MAX_SLUG_LEN {
        return Some("it is longer than 64 characters");
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("only lowercase letters, digits and hyphens are allowed");
    }
    if value.contains("--") || value.ends_with('-') {
        return Some("hyphens must separate words: no doubled or trailing hyphen");
    }
    None
}

impl TryFrom<String> for Slug {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl FromStr for Slug {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! slug_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Slug);

        impl $name {
            /// Checks `value` as a slug and wraps it.
            ///
            /// # Errors
            /// [`DomainError::InvalidSlug`] when `value` is not a slug.
            pub fn new(value: impl Into<String>) -> Result<Self, DomainError> {
                Slug::new(value).map(Self)
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
    };
}

slug_id!(
    /// Identifies a data category declared by a policy (`contact-details`).
    CategoryId
);
slug_id!(
    /// Identifies a purpose of processing declared by a policy (`marketing`).
    PurposeId
);
slug_id!(
    /// Identifies a partner or recipient declared by a policy (`peoplecert`).
    PartnerId
);
slug_id!(
    /// Identifies a rule inside a policy (a retention rule, a cookie, a resolution).
    RuleId
);

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, ok: bool) {
        assert_eq!(Slug::new(value).is_ok(), ok, "slug {value:?}");
    }

    #[test]
    fn slugs_accept_kebab_case_words() {
        for good in ["contact", "contact-details", "k2", "a-1-b"] {
            check(good, true);
        }
    }

    #[test]
    fn slugs_refuse_everything_else() {
        for bad in ["", "Contact", "1st", "-a", "a-", "a--b", "a_b", "a b", "é"] {
            check(bad, false);
        }
        check(&"a".repeat(MAX_SLUG_LEN + 1), false);
    }

    #[test]
    fn slug_errors_say_why() {
        let err = Slug::new("Contact").expect_err("uppercase is refused");
        assert!(err.to_string().contains("lowercase letter"), "{err}");
    }
}

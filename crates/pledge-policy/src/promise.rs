//! Promise IDs: the stable names of the checkable promises in a privacy policy.
//!
//! Every rule in a policy pack names the promises it encodes (`sources = ["K33"]`), and every
//! test that proves a promise names it too, so that a promise can be traced from the policy text
//! to the code that keeps it. The seed register (`shared/promises.md`) numbers the promises of
//! the three seed policies W01–W53 (Westmontera), J01–J44 (JTEC) and K01–K45 (Kexara).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A promise ID: one to three capital letters followed by two or three digits (`K22`, `W05`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromiseId(String);

impl PromiseId {
    /// Checks and wraps an ID.
    ///
    /// # Errors
    /// A message saying what a promise ID looks like.
    pub fn new(value: impl Into<String>) -> Result<Self, String> {
        let value = value.into();
        let letters = value.chars().take_while(char::is_ascii_uppercase).count();
        let digits = value.len() - letters;
        let shape_ok = (1..=3).contains(&letters)
            && (2..=3).contains(&digits)
            && value.chars().skip(letters).all(|c| c.is_ascii_digit());
        if shape_ok {
            Ok(Self(value))
        } else {
            Err(format!(
                "`{value}` is not a promise ID: write capital letters then two or three digits, \
                 like `K22`"
            ))
        }
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The letter prefix, which names the policy the promise belongs to (`K` for Kexara).
    pub fn prefix(&self) -> &str {
        let letters = self.0.chars().take_while(char::is_ascii_uppercase).count();
        self.0.get(..letters).unwrap_or_default()
    }
}

impl TryFrom<String> for PromiseId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PromiseId> for String {
    fn from(id: PromiseId) -> Self {
        id.0
    }
}

impl FromStr for PromiseId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for PromiseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One seed policy's block of promise IDs in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterBlock {
    /// The pack that encodes these promises.
    pub pack: &'static str,
    /// The ID prefix.
    pub prefix: &'static str,
    /// How many promises (IDs run from 01 to this number).
    pub count: u16,
}

/// The seed register: 53 Westmontera, 44 JTEC and 45 Kexara promises (142 in all).
pub const SEED_REGISTER: [RegisterBlock; 3] = [
    RegisterBlock {
        pack: "westmontera",
        prefix: "W",
        count: 53,
    },
    RegisterBlock {
        pack: "jtec",
        prefix: "J",
        count: 44,
    },
    RegisterBlock {
        pack: "kexara",
        prefix: "K",
        count: 45,
    },
];

impl RegisterBlock {
    /// Every ID in the block, in order.
    pub fn ids(self) -> impl Iterator<Item = PromiseId> {
        (1..=self.count).map(move |n| PromiseId(format!("{}{n:02}", self.prefix)))
    }

    /// True when `id` is one of this block's IDs.
    pub fn contains(self, id: &PromiseId) -> bool {
        id.prefix() == self.prefix
            && id
                .as_str()
                .get(self.prefix.len()..)
                .and_then(|n| n.parse::<u16>().ok())
                .is_some_and(|n| (1..=self.count).contains(&n))
            && id.as_str().len() == self.prefix.len() + 2
    }
}

/// Every ID in the seed register, in register order.
pub fn seed_register() -> impl Iterator<Item = PromiseId> {
    SEED_REGISTER.into_iter().flat_map(RegisterBlock::ids)
}

/// True when `id` is in the seed register.
pub fn in_seed_register(id: &PromiseId) -> bool {
    SEED_REGISTER.iter().any(|block| block.contains(id))
}

/// Every promise ID a policy names, in `sources` lists and in resolutions.
pub fn referenced(policy: &crate::Policy) -> std::collections::BTreeSet<PromiseId> {
    let mut found = std::collections::BTreeSet::new();
    if let Ok(table) = toml::Table::try_from(policy) {
        collect(&toml::Value::Table(table), false, &mut found);
    }
    found
}

fn collect(
    value: &toml::Value,
    in_id_list: bool,
    found: &mut std::collections::BTreeSet<PromiseId>,
) {
    match value {
        toml::Value::String(text) if in_id_list => {
            if let Ok(id) = PromiseId::new(text.clone()) {
                found.insert(id);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect(v, in_id_list, found)),
        toml::Value::Table(table) => {
            for (key, v) in table {
                collect(v, key == "sources" || key == "promises", found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_register_has_142_promises() {
        let ids: Vec<PromiseId> = seed_register().collect();
        assert_eq!(ids.len(), 142);
        assert_eq!(ids.first().map(PromiseId::as_str), Some("W01"));
        assert_eq!(ids.last().map(PromiseId::as_str), Some("K45"));
    }

    #[test]
    fn register_membership_checks_number_ranges() {
        let id = |s: &str| PromiseId::new(s).expect("well-formed");
        assert!(in_seed_register(&id("W53")));
        assert!(!in_seed_register(&id("W54")));
        assert!(!in_seed_register(&id("J00")));
        assert!(!in_seed_register(&id("K100")));
        assert!(!in_seed_register(&id("X01")));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in ["", "k22", "K2", "K2222", "22", "KXYZ1", "K22a"] {
            assert!(PromiseId::new(bad).is_err(), "{bad}");
        }
        assert_eq!(
            PromiseId::new("ABC123").map(|id| id.prefix().to_owned()),
            Ok("ABC".into())
        );
    }
}

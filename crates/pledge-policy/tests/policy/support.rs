//! Shared helpers: the minimal policy every test edits, and ways to edit it.

use pledge_policy::{Policy, PolicyError, ValidPolicy, load, parse, validate};

/// A policy that validates and lints clean.
pub const MINIMAL: &str = include_str!("minimal.toml");

/// The minimal policy, parsed.
pub fn minimal() -> Policy {
    parse("minimal.toml", MINIMAL).expect("the minimal policy parses")
}

/// The minimal policy after `edit`, validated.
pub fn valid_with(edit: impl FnOnce(&mut Policy)) -> ValidPolicy {
    let mut policy = minimal();
    edit(&mut policy);
    validate(policy).unwrap_or_else(|problems| panic!("edited policy is invalid: {problems:?}"))
}

/// The minimal policy with `old` replaced by `new` in its text, loaded.
pub fn load_replacing(old: &str, new: &str) -> Result<ValidPolicy, PolicyError> {
    assert!(MINIMAL.contains(old), "the minimal policy has no {old:?}");
    load("minimal.toml", &MINIMAL.replacen(old, new, 1))
}

/// 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    text[..offset].matches('\n').count() + 1
}

//! Integration tests of `pledge-consent`: the packs' consent promises through the ledger and the
//! gate, cookie decisions, re-prompting after a policy change, and property tests.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod cookies;
mod gate;
mod ledger;
mod support;

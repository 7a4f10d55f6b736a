//! Integration tests of `pledge-retention`: the packs' retention promises fed through the
//! engine, holds and requests, explanations, forecasts, and property tests.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod promises;
mod props;
mod support;

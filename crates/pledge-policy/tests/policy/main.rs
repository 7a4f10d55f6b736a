//! Integration tests of `pledge-policy`: parsing, validation, linting, rendering, diffing, the
//! three seed packs, and property tests. One binary (`autotests = false`), one module per area.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod diff;
mod lint;
mod packs;
mod parse;
mod props;
mod render;
mod support;
mod validate;

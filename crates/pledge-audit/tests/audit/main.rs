//! Integration tests of `pledge-audit`: the tamper suite (every single-bit flip, deletion, swap
//! and truncation of a 10,000-entry log, and whole-log rewrites), promise K30, erasure, the
//! stores, and property tests. One binary (`autotests = false`), one module per area.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

#[cfg(feature = "file-store")]
mod file_store;
mod k30;
mod props;
mod store;
mod support;
mod tamper;

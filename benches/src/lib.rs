//! Benchmarks live in `benches/`; this library holds what they share.
//!
//! Every benchmark group has a function named `baseline`, measured in the same run, and
//! `cargo xtask bench` reports each benchmark as a ratio to it.

/// The full size of a benchmark's data set when run by `cargo bench`, and a small one when
/// `cargo test --all-targets` runs the benchmarks once as a smoke test (without `--bench`), so
/// that CI does not build million-row data sets in debug mode.
pub fn scale(full: u64) -> u64 {
    if std::env::args().any(|arg| arg == "--bench") {
        full
    } else {
        full.min(1_000)
    }
}

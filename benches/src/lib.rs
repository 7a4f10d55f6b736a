//! Benchmarks live in `benches/`; this library is empty so that the package has a target.
//!
//! Every benchmark group has a function named `baseline`, measured in the same run, and
//! `cargo xtask bench` reports each benchmark as a ratio to it.

//! Installing what the checks need, so that `cargo xtask test` works on a fresh machine.
//!
//! Each step is idempotent: it looks before it installs.

use std::path::Path;

use anyhow::Result;

use crate::{postgres, shell};

/// The wasm target the pure crates (and later the portal's browser bundle) build for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Installs everything, and returns the PostgreSQL cluster it started, if it had to.
pub fn everything(root: &Path) -> Result<Option<postgres::Cluster>> {
    wasm_target(root)?;
    postgres::provide(root)
}

/// Installs the wasm32 target unless it is there.
pub fn wasm_target(root: &Path) -> Result<()> {
    let installed = shell::output(root, "rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    shell::run(root, "rustup", &["target", "add", WASM_TARGET])
}

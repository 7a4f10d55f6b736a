//! Installing what the checks need, so that `cargo xtask test` works on a fresh machine.
//!
//! Each step is idempotent: it looks before it installs.

use std::path::Path;

use anyhow::Result;

use crate::{postgres, shell};

/// The wasm target the pure crates (and later the portal's browser bundle) build for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian's Chromium and its matching ChromeDriver, for the portal's browser tests.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Installs everything, and returns the PostgreSQL cluster it started, if it had to.
pub fn everything(root: &Path) -> Result<Option<postgres::Cluster>> {
    wasm_target(root)?;
    chromium(root)?;
    postgres::provide(root)
}

/// Installs Debian's Chromium and ChromeDriver unless both are there (never a browser that a
/// test tool downloads), and tells the browser tests where they are.
pub fn chromium(root: &Path) -> Result<()> {
    let present = || Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present() {
        debian_packages(root, &["chromium", "chromium-driver"])?;
    }
    shell::set_environment(vec![
        ("PLEDGE_CHROMIUM".to_owned(), CHROMIUM.to_owned()),
        ("PLEDGE_CHROMEDRIVER".to_owned(), CHROMEDRIVER.to_owned()),
    ]);
    Ok(())
}

/// Installs Debian's `packages` (reading the package lists first when the install fails on
/// stale ones).
pub fn debian_packages(root: &Path, packages: &[&str]) -> Result<()> {
    let install = [&["install", "-y", "--no-install-recommends"][..], packages].concat();
    if shell::run(root, "apt-get", &install).is_err() {
        shell::run(root, "apt-get", &["update"])?;
        shell::run(root, "apt-get", &install)?;
    }
    Ok(())
}

/// Installs the wasm32 target unless it is there.
pub fn wasm_target(root: &Path) -> Result<()> {
    let installed = shell::output(root, "rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    shell::run(root, "rustup", &["target", "add", WASM_TARGET])
}

//! `cargo xtask screenshots`: the pictures of the portal in `docs/screenshots/`, taken afresh.
//!
//! Builds the portal, starts it on fresh SQLite data directories with the demo data (the
//! kexara pack, then jtec for its exams and funders), and walks the pages in Debian's headless
//! Chromium with `playwright-core` (from npm, installed into `<target>/tools/npm-playwright`; never a
//! browser that a tool downloads), signing in as the demo people. The walk itself is
//! `xtask/screenshots.mjs`; each picture is a page as a person sees it after it has loaded.

use std::path::Path;

use anyhow::{Context, Result};

use crate::load::start;
use crate::portal::{build_all, target_dir};
use crate::{provision, shell};

/// Takes every screenshot into `docs/screenshots/`.
pub fn run(root: &Path) -> Result<()> {
    provision::chromium(root)?;
    let playwright = playwright(root)?;
    let built = build_all(root, false)?;
    let out = root.join("docs").join("screenshots");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for pack in ["kexara", "jtec"] {
        let data = format!("screenshot-data-{pack}");
        let server = start(root, &built.server, &built.site, &data, &["--pack", pack])?;
        let status = shell::command("node")
            .arg(root.join("xtask").join("screenshots.mjs"))
            .env("NODE_PATH", &playwright)
            .env("PORTAL", format!("http://{}", server.addr))
            .env("PACK", pack)
            .env("OUT", &out)
            .current_dir(root)
            .status()
            .context("starting node")?;
        anyhow::ensure!(status.success(), "the {pack} walk failed ({status})");
    }
    eprintln!("xtask: screenshots written to {}", out.display());
    Ok(())
}

/// The playwright-core release the walk is written against.
const PLAYWRIGHT: &str = "playwright-core@1.65.2";

/// npm's `playwright-core`, installed once; returns its `node_modules` folder.
fn playwright(root: &Path) -> Result<std::path::PathBuf> {
    // A folder of its own: npm removes from a folder what its last install did not name.
    let prefix = target_dir(root).join("tools").join("npm-playwright");
    let modules = prefix.join("node_modules");
    if !modules.join("playwright-core").exists() {
        let prefix_arg = prefix.to_string_lossy().into_owned();
        shell::run(
            root,
            "npm",
            &["install", "--prefix", &prefix_arg, "--no-save", PLAYWRIGHT],
        )?;
    }
    Ok(modules)
}

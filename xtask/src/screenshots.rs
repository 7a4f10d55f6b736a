//! `cargo xtask screenshots`: the pictures of the portal in `docs/screenshots/`, taken afresh.
//!
//! Builds the portal, starts it on fresh SQLite data directories with the demo data (the
//! kexara pack, then jtec for its exams and funders, then kexara again restarted on a new
//! version of its policy, for the notice people see), and walks the pages in Debian's headless
//! Chromium with `playwright-core` (from npm, installed into `<target>/tools/npm-playwright`; never a
//! browser that a tool downloads), signing in as the demo people. The walk itself is
//! `xtask/screenshots.mjs`; each picture is a page as a person sees it after it has loaded.

use std::path::Path;

use anyhow::{Context, Result};

use crate::load::{start, start_again};
use crate::portal::{build_all, target_dir};
use crate::{provision, shell};

/// Takes every screenshot into `docs/screenshots/`.
pub fn run(root: &Path) -> Result<()> {
    provision::chromium(root)?;
    let playwright = playwright(root)?;
    let built = build_all(root, false)?;
    let out = root.join("docs").join("screenshots");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let walk = |addr: &str, pack: &str| -> Result<()> {
        let status = shell::command("node")
            .arg(root.join("xtask").join("screenshots.mjs"))
            .env("NODE_PATH", &playwright)
            .env("PORTAL", format!("http://{addr}"))
            .env("PACK", pack)
            .env("OUT", &out)
            .current_dir(root)
            .status()
            .context("starting node")?;
        anyhow::ensure!(status.success(), "the {pack} walk failed ({status})");
        Ok(())
    };
    for pack in ["kexara", "jtec"] {
        let data = format!("screenshot-data-{pack}");
        let server = start(root, &built.server, &built.site, &data, &["--pack", pack])?;
        walk(&server.addr, pack)?;
    }
    let data = "screenshot-data-kexara-changed";
    drop(start(
        root,
        &built.server,
        &built.site,
        data,
        &["--pack", "kexara"],
    )?);
    let changed = target_dir(root).join(data).join("kexara-changed.toml");
    std::fs::write(&changed, changed_kexara(root)?)
        .with_context(|| format!("writing {}", changed.display()))?;
    let changed = changed.to_string_lossy().into_owned();
    let server = start_again(
        root,
        &built.server,
        &built.site,
        data,
        &["--pack", &changed],
    )?;
    walk(&server.addr, "kexara-changed")?;
    eprintln!("xtask: screenshots written to {}", out.display());
    Ok(())
}

/// The kexara pack under a new version that gives the organisation longer to answer an access
/// request: a change everyone is told about.
fn changed_kexara(root: &Path) -> Result<String> {
    let path = root.join("crates/pledge-policy/packs/kexara.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let changed = text
        .replacen("version = \"2025-03-15\"", "version = \"2026-12-06\"", 1)
        .replacen(
            "kind = \"access\"\ndeadline = \"30 days\"",
            "kind = \"access\"\ndeadline = \"45 days\"",
            1,
        );
    anyhow::ensure!(
        changed.contains("2026-12-06") && changed.contains("deadline = \"45 days\""),
        "the kexara pack no longer has the version or the access deadline the picture changes"
    );
    Ok(changed)
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

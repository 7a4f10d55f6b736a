//! Building and starting the reference portal without cargo-leptos: the server with cargo, the
//! browser bundle with cargo for `wasm32-unknown-unknown` and then `wasm-bindgen --target web`
//! (installed at exactly the version `Cargo.lock` pins, into the target directory's `tools/`),
//! and the style sheet copied beside them in `<target>/site/pkg/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::provision::WASM_TARGET;
use crate::shell::{self, cargo};

/// The browser bundle's crate and the name its files take (`portal.js`, `portal_bg.wasm`).
pub const FRONTEND: &str = "portal-frontend";
const OUTPUT_NAME: &str = "portal";

/// Where cargo puts its builds (`CARGO_TARGET_DIR` or the workspace's `target/`).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The wasm-bindgen version the lock file pins (the CLI must be exactly that version).
fn pinned_wasm_bindgen(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package")
}

/// The `wasm-bindgen` binary, installed first if missing or of another version.
fn wasm_bindgen(root: &Path) -> Result<PathBuf> {
    let version = pinned_wasm_bindgen(root)?;
    let tools = target_dir(root).join("tools");
    let binary = tools.join("bin").join("wasm-bindgen");
    let installed = shell::output(root, &binary.to_string_lossy(), &["--version"]).ok();
    if installed.is_some_and(|out| out.split_whitespace().nth(1) == Some(version.as_str())) {
        return Ok(binary);
    }
    let tools_arg = tools.to_string_lossy().into_owned();
    shell::run(
        root,
        &cargo(),
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--root",
            &tools_arg,
            "--force",
        ],
    )?;
    Ok(binary)
}

/// Runs `wasm-bindgen --target web` on `wasm` into `pkg` (as `portal.js` and
/// `portal_bg.wasm`, the names Leptos's hydration script asks for).
pub fn bindgen(root: &Path, wasm: &Path, pkg: &Path) -> Result<()> {
    let bindgen = wasm_bindgen(root)?;
    let pkg_arg = pkg.to_string_lossy().into_owned();
    let wasm_arg = wasm.to_string_lossy().into_owned();
    shell::run(
        root,
        &bindgen.to_string_lossy(),
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &pkg_arg,
            "--out-name",
            OUTPUT_NAME,
            &wasm_arg,
        ],
    )
}

/// The server and the browser bundle as built: where each landed.
#[derive(Debug, Clone)]
pub struct Built {
    /// The site root to give `--site-root`.
    pub site: PathBuf,
    /// The `portal-server` executable.
    pub server: PathBuf,
}

/// Builds the server and the browser bundle (`release`: optimised) and returns the site root.
pub fn build(root: &Path, release: bool) -> Result<PathBuf> {
    build_all(root, release).map(|built| built.site)
}

/// Builds the server and the browser bundle (`release`: optimised): the site root and the
/// server executable, as cargo reports them.
pub fn build_all(root: &Path, release: bool) -> Result<Built> {
    let cargo = cargo();
    let mut server = vec!["build", "-p", "portal-server"];
    let mut frontend = vec!["build", "-p", FRONTEND, "--target", WASM_TARGET];
    if release {
        server.push("--release");
        frontend.push("--release");
    }
    let server = shell::built_artifact(root, &cargo, &server, "portal-server", "portal-server")?;
    let wasm = shell::built_artifact(root, &cargo, &frontend, "portal_frontend", ".wasm")?;
    let target = target_dir(root);
    let site = target.join("site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;
    bindgen(root, &wasm, &pkg)?;
    let css = root.join("apps/portal-server/style/portal.css");
    std::fs::copy(&css, pkg.join("portal.css"))
        .with_context(|| format!("copying {}", css.display()))?;
    Ok(Built { site, server })
}

/// The README's run command: builds everything, then starts the portal on embedded SQLite
/// with demo data at <http://127.0.0.1:3000> (`--pack NAME|FILE` picks the policy).
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    // Debug builds: the first start compiles in minutes rather than many, and the server and
    // the bundle must share a profile.
    let built = build_all(root, false)?;
    let mut command = shell::command(&built.server.to_string_lossy());
    command
        .arg("--site-root")
        .arg(&built.site)
        .arg("--data-dir")
        .arg(root.join("out").join("portal"))
        // The layout a deployment should copy: the master key is not in the data directory,
        // so a copy of the data does not carry what opens it.
        .arg("--secrets-file")
        .arg(root.join("out").join("secrets").join("portal.json"))
        .args(args)
        .current_dir(root);
    eprintln!("xtask: starting the portal at http://127.0.0.1:3000 (Ctrl-C stops it)");
    let status = command
        .status()
        .with_context(|| format!("cannot start {}", built.server.display()))?;
    if !status.success() {
        bail!("the portal stopped ({status})");
    }
    Ok(())
}

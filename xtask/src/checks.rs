//! The CI pipeline and the packs preview.

use std::path::Path;

use anyhow::{Result, bail};

use crate::portal::FRONTEND;
use crate::provision::WASM_TARGET;
use crate::shell::{self, cargo};

/// Crates that must stay pure: no IO runtime, no database, no `anyhow`, and nothing from a
/// layer above them. Each entry: the crate, and what may not appear in its dependency tree.
const LAYERING: [(&str, &[&str]); 3] = [
    (
        "pledge-domain",
        &[
            "pledge-policy",
            "tokio",
            "mio",
            "sea-orm",
            "sqlx",
            "anyhow",
            "reqwest",
        ],
    ),
    (
        "pledge-policy",
        &["tokio", "mio", "sea-orm", "sqlx", "anyhow", "reqwest"],
    ),
    // Architecture invariant: the browser bundle pulls no database, runtime or store. (Leptos
    // itself brings `anyhow` into it, through `leptos_hot_reload`.)
    (
        FRONTEND,
        &[
            "tokio",
            "mio",
            "sea-orm",
            "sqlx",
            "pledge-store",
            "leptos_axum",
        ],
    ),
];

/// Optional features linted and tested in CI: IO for otherwise pure crates (never in wasm), and
/// the crash tests' deliberately broken variant, which only an environment variable switches
/// on (so CI proves the crash test catches it).
pub const OPTIONAL_FEATURES: &str = "pledge-audit/file-store,pledge-admin/fault-injection";

/// The crates that must build for the browser.
const WASM_CRATES: [&str; 5] = [
    "pledge-domain",
    "pledge-policy",
    "pledge-consent",
    "pledge-retention",
    "pledge-audit",
];

/// Every check CI runs, fastest first.
pub fn ci(root: &Path) -> Result<()> {
    let cargo = cargo();
    shell::run(root, &cargo, &["fmt", "--all", "--", "--check"])?;
    let features = ["--features", OPTIONAL_FEATURES];
    // The browser bundle builds alone, for wasm (below): built with the rest, its
    // `hydrate` feature would meet the server's `ssr` in the portal's app crate.
    let clippy = [
        "clippy",
        "--workspace",
        "--exclude",
        FRONTEND,
        "--all-targets",
        features[0],
        features[1],
    ];
    shell::run(
        root,
        &cargo,
        &[&clippy[..], &["--", "-D", "warnings"]].concat(),
    )?;
    // The browser tests drive the real bundle: build it, and tell them where it is.
    let site = crate::portal::build(root, false)?;
    shell::set_environment(vec![(
        "PLEDGE_SITE_ROOT".to_owned(),
        site.to_string_lossy().into_owned(),
    )]);
    let mut counts = shell::TestCounts::default();
    let tests = [
        "test",
        "--workspace",
        "--exclude",
        FRONTEND,
        "--all-targets",
        features[0],
        features[1],
    ];
    shell::run_tests(root, &cargo, &tests, &mut counts)?;
    let doc_tests = [
        "test",
        "--workspace",
        "--exclude",
        FRONTEND,
        "--doc",
        features[0],
        features[1],
    ];
    shell::run_tests(root, &cargo, &doc_tests, &mut counts)?;
    rustdoc(root, &cargo)?;
    wasm(root, &cargo)?;
    layering(root, &cargo)?;
    pledge(root, &cargo, &["lint", "--all-packs"])?;
    // The load run's short version: the mixed workload on one instance, then one, two and
    // three instances on one PostgreSQL behind a proxy, with the scale-out invariants.
    crate::mixed::run(root, 0, true)?;
    crate::promises::save(root, &counts.passed_names)?;
    eprintln!("xtask: every check passed");
    println!("tests: {} passed, {} failed", counts.passed, counts.failed);
    crate::promises::print(root, &counts.passed_names)?;
    Ok(())
}

fn rustdoc(root: &Path, cargo: &str) -> Result<()> {
    eprintln!(
        "$ RUSTDOCFLAGS='-D warnings' {cargo} doc --workspace --no-deps --features {OPTIONAL_FEATURES}"
    );
    let status = shell::command(cargo)
        .args([
            "doc",
            "--workspace",
            "--exclude",
            FRONTEND,
            "--no-deps",
            "--features",
            OPTIONAL_FEATURES,
        ])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("rustdoc reported warnings ({status})");
    }
    Ok(())
}

fn wasm(root: &Path, cargo: &str) -> Result<()> {
    let mut args = vec!["build", "--target", WASM_TARGET];
    for krate in WASM_CRATES {
        args.extend(["-p", krate]);
    }
    shell::run(root, cargo, &args)?;
    shell::run(
        root,
        cargo,
        &[
            "clippy",
            "-p",
            FRONTEND,
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// The architecture invariants that `cargo tree` can check.
fn layering(root: &Path, cargo: &str) -> Result<()> {
    let mut broken = Vec::new();
    for (krate, forbidden) in LAYERING {
        let tree = shell::output(
            root,
            cargo,
            &[
                "tree",
                "-p",
                krate,
                "-e",
                // The bundle's check skips proc-macros' own dependencies: they run on the
                // build machine and never reach the wasm file.
                if krate == FRONTEND {
                    "normal,no-proc-macro"
                } else {
                    "normal"
                },
                "--prefix",
                "none",
                "--target",
                if krate == FRONTEND {
                    WASM_TARGET
                } else {
                    "all"
                },
            ],
        )?;
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            if forbidden.contains(&name) {
                broken.push(format!("{krate} depends on {name}"));
            }
        }
    }
    broken.sort();
    broken.dedup();
    if !broken.is_empty() {
        bail!("layering invariants broken:\n  {}", broken.join("\n  "));
    }
    eprintln!("xtask: layering invariants hold");
    Ok(())
}

/// Runs the `pledge` command line with `args`.
fn pledge(root: &Path, cargo: &str, args: &[&str]) -> Result<()> {
    let mut full = vec!["run", "--quiet", "-p", "pledge-cli", "--"];
    full.extend_from_slice(args);
    shell::run(root, cargo, &full)
}

/// The README's "run" command for now: check, lint and render the three packs.
pub fn run_packs(root: &Path) -> Result<()> {
    let cargo = cargo();
    let out = root.join("out").join("policies");
    let out_arg = out.to_string_lossy().into_owned();
    pledge(root, &cargo, &["check", "--all-packs"])?;
    pledge(root, &cargo, &["lint", "--all-packs"])?;
    pledge(root, &cargo, &["render", "--all-packs", "--out", &out_arg])?;
    println!("\nThe rendered policies are in {}:", out.display());
    for pack in ["westmontera", "jtec", "kexara"] {
        println!(
            "  {}/{pack}/privacy-policy.html (and .md, cookies, retention-schedule, record-of-processing)",
            out.display()
        );
    }
    Ok(())
}

//! `cargo xtask`: the contributor's entry point.
//!
//! - `cargo xtask run [--pack NAME|FILE]`: the README's "run" command. Builds the reference
//!   portal (server and browser bundle) and starts it on embedded SQLite with demo data at
//!   <http://127.0.0.1:3000>.
//! - `cargo xtask packs`: checks, lints and renders the three policy packs into `out/policies/`.
//! - `cargo xtask screenshots`: takes the pictures of the portal in `docs/screenshots/` afresh
//!   (headless Chromium, signed in as the demo people).
//! - `cargo xtask test`: the README's "test" command and what CI runs. Installs what the checks
//!   need (the wasm32 target), then runs `ci`.
//! - `cargo xtask ci`: format check, clippy with warnings denied, every test, rustdoc with
//!   warnings denied, the wasm build of the pure crates and the layering checks.
//! - `cargo xtask promises`: per policy pack, how many promises the last test run's passing
//!   tests prove (tests are named after the promise IDs they prove).
//! - `cargo xtask bench`: the criterion benchmarks, then one table of medians and ratios, then
//!   the portal under load and its bundle's size (`--portal`: only those).
//! - `cargo xtask chaos [--quick]`: every kill -9 test at full strength (at least 1,000 kills
//!   of the portal and of `pledge-admin`, on SQLite and PostgreSQL), then one table.
//! - `cargo xtask load [--minutes M] [--quick]`: a mixed workload against one instance on
//!   SQLite for M minutes (default 30), then one, two and three instances on one PostgreSQL
//!   behind a proxy, with the scale-out invariants checked; `--quick` is CI's short version.
//! - `cargo xtask scan`: sqlmap, wapiti and schemathesis against a running portal (installed
//!   first); fails on any finding.
//! - `cargo xtask fuzz [--runs N]`: every cargo-fuzz target of `fuzz/` for `N` executions
//!   (default 10,000,000 each), then one table; fails on any crash.

mod bench;
mod chaos;
mod checks;
mod fuzz;
mod load;
mod mixed;
mod portal;
mod postgres;
mod promises;
mod provision;
mod scan;
mod screenshots;
mod shell;

use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <run [--pack NAME|FILE] | site | packs | screenshots | test | ci | promises | bench [--quick] [--portal] | chaos [--quick] | load [--minutes M] [--quick] | scan | fuzz [--runs N] [--only T,…]>";

fn main() -> ExitCode {
    match dispatch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = shell::workspace_root()?;
    match args.first().map(String::as_str) {
        Some("run") => {
            provision::wasm_target(&root)?;
            portal::run(&root, args.get(1..).unwrap_or_default())
        }
        Some("site") => {
            provision::wasm_target(&root)?;
            let site = portal::build(&root, false)?;
            println!("{}", site.display());
            Ok(())
        }
        Some("packs") => checks::run_packs(&root),
        Some("screenshots") => {
            provision::wasm_target(&root)?;
            screenshots::run(&root)
        }
        Some("test") => {
            let _cluster = provision::everything(&root)?;
            checks::ci(&root)
        }
        Some("ci") => {
            let _cluster = postgres::provide(&root)?;
            checks::ci(&root)
        }
        Some("promises") => promises::run(&root),
        Some("bench") => {
            // One table: criterion's groups, then the portal under load and its bundle.
            let mut table = if args.iter().any(|a| a == "--portal") {
                String::from(
                    "| group | benchmark | median | ratio to baseline |\n|---|---|---|---|\n",
                )
            } else {
                bench::run(&root, args.iter().any(|a| a == "--quick"))?
            };
            provision::wasm_target(&root)?;
            for row in load::run(&root)? {
                table.push_str(&row);
                table.push('\n');
            }
            println!("{table}");
            Ok(())
        }
        Some("chaos") => {
            let _cluster = postgres::provide(&root)?;
            chaos::run(&root, args.iter().any(|a| a == "--quick"))
        }
        Some("load") => {
            let minutes = match value_of(&args, "--minutes") {
                Some(n) => n
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--minutes takes a number, not {n:?}"))?,
                None => 30,
            };
            let _cluster = postgres::provide(&root)?;
            mixed::run(&root, minutes, args.iter().any(|a| a == "--quick"))
        }
        Some("scan") => scan::run(&root),
        Some("fuzz") => {
            let runs = match value_of(&args, "--runs") {
                Some(n) => n
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--runs takes a number, not {n:?}"))?,
                None => fuzz::FULL_RUNS,
            };
            let only: Vec<&str> = value_of(&args, "--only")
                .map(|list| list.split(',').collect())
                .unwrap_or_default();
            fuzz::run(&root, runs, &only).map(|_| ())
        }
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n{USAGE}"),
    }
}

/// The value after `flag` in `args`, if given.
fn value_of<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

//! `cargo xtask`: the contributor's entry point.
//!
//! - `cargo xtask run`: the README's "run" command. Until the portal exists it checks, lints and
//!   renders the three policy packs into `out/policies/` and says where the output went.
//! - `cargo xtask test`: the README's "test" command and what CI runs. Installs what the checks
//!   need (the wasm32 target), then runs `ci`.
//! - `cargo xtask ci`: format check, clippy with warnings denied, every test, rustdoc with
//!   warnings denied, the wasm build of the pure crates and the layering checks.
//! - `cargo xtask bench`: the criterion benchmarks, then one table of medians and ratios.

mod bench;
mod checks;
mod postgres;
mod provision;
mod shell;

use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <run | test | ci | bench [--quick]>";

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
        Some("run") => checks::run_packs(&root),
        Some("test") => {
            let _cluster = provision::everything(&root)?;
            checks::ci(&root)
        }
        Some("ci") => {
            let _cluster = postgres::provide(&root)?;
            checks::ci(&root)
        }
        Some("bench") => bench::run(&root, args.iter().any(|a| a == "--quick")),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n{USAGE}"),
    }
}

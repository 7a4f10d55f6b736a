//! `pledge`: the policy-as-code command line.
//!
//! `pledge check`, `pledge lint`, `pledge render` and `pledge diff` work on policy files or on
//! the built-in packs (`--pack kexara`). Exit codes are for CI pipelines: 0 all good, 1 the policy
//! has problems (invalid, or a blocking lint finding), 2 the command itself could not run.

mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pledge: {err:#}");
            ExitCode::from(2)
        }
    }
}

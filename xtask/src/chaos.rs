//! `cargo xtask chaos [--quick]`: every kill -9 test, at full strength, on SQLite and on the
//! PostgreSQL server, then one table of the kills each survived.
//!
//! - the portal killed while it books seats, takes payments and their webhooks, answers
//!   access requests and applies retention (`apps/portal-server/tests/portal/chaos.rs`);
//! - `pledge-admin sweep --apply` killed mid-sweep and `pledge-admin person erase` killed
//!   mid-erasure (`apps/pledge-admin/tests/admin/crash.rs`).
//!
//! After every kill each test checks its invariants on the data as the kill left it. The full
//! run kills at least [`FULL_KILLS`] times in all; `--quick` runs the counts CI runs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use crate::checks::OPTIONAL_FEATURES;
use crate::shell::{self, cargo};

/// The least kills of a full run, in all.
pub const FULL_KILLS: u64 = 1_000;

/// One test binary's kill tests and the variables that set their kills.
struct Suite {
    what: &'static str,
    test: &'static str,
    filter: &'static str,
    /// (variable, full-run value) pairs.
    kills: [(&'static str, u32); 2],
}

const SUITES: [Suite; 2] = [
    Suite {
        what: "portal (bookings, payments and webhooks, access requests, retention)",
        test: "portal",
        filter: "chaos::",
        kills: [
            ("PLEDGE_CHAOS_KILLS", 300),
            ("PLEDGE_CHAOS_KILLS_POSTGRES", 150),
        ],
    },
    Suite {
        what: "pledge-admin (sweeps, erasures)",
        test: "admin",
        filter: "crash::",
        kills: [
            ("PLEDGE_CRASH_KILLS", 300),
            ("PLEDGE_CRASH_KILLS_POSTGRES", 150),
        ],
    },
];

/// Runs every suite and prints the table; fails when a test fails or, in a full run, when
/// fewer than [`FULL_KILLS`] kills were made.
pub fn run(root: &Path, quick: bool) -> Result<()> {
    let mut rows = Vec::new();
    let mut total = 0;
    for suite in &SUITES {
        let (lines, seconds) = run_suite(root, suite, quick)?;
        for line in lines {
            total += kills_in(&line);
            rows.push((suite.what, line));
        }
        eprintln!("xtask: {} took {seconds} s", suite.what);
    }
    println!("| suite | run |\n|---|---|");
    for (what, line) in &rows {
        println!("| {what} | {line} |");
    }
    println!("\n{total} kills in all, every invariant held after each");
    if !quick && total < FULL_KILLS {
        bail!("only {total} kills; the full run needs {FULL_KILLS}");
    }
    Ok(())
}

/// Runs one suite's tests; its summary lines (those naming kills) and how long it took.
fn run_suite(root: &Path, suite: &Suite, quick: bool) -> Result<(Vec<String>, u64)> {
    let cargo = cargo();
    let args = [
        "test",
        "--workspace",
        "--exclude",
        crate::portal::FRONTEND,
        "--features",
        OPTIONAL_FEATURES,
        "--test",
        suite.test,
        "--",
        suite.filter,
        "--nocapture",
        "--test-threads",
        "1",
    ];
    eprintln!("$ {cargo} {}", args.join(" "));
    let mut command = shell::command(&cargo);
    command.args(args).current_dir(root).stderr(Stdio::piped());
    if !quick {
        for (variable, kills) in suite.kills {
            command.env(variable, kills.to_string());
        }
    }
    let started = std::time::Instant::now();
    let mut child = command.spawn().context("cannot start cargo test")?;
    let mut lines = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line?;
            eprintln!("{line}");
            if kills_in(&line) > 0 && !line.contains("panicked") {
                lines.push(line.trim().to_owned());
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("the kill tests of {} failed ({status})", suite.what);
    }
    Ok((lines, started.elapsed().as_secs()))
}

/// The number of kills a summary line reports (`… 120 kills …`), or 0.
fn kills_in(line: &str) -> u64 {
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .iter()
        .zip(words.iter().skip(1))
        .find(|(_, next)| next.trim_end_matches(',') == "kills")
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::kills_in;

    #[test]
    fn kill_counts_are_read_from_summary_lines() {
        assert_eq!(kills_in("sweep on sqlite: 300 kills in 412 runs"), 300);
        assert_eq!(
            kills_in("chaos: 12 kills over 20 rounds, every invariant held"),
            12
        );
        assert_eq!(kills_in("crash test seed: PLEDGE_CRASH_SEED=5"), 0);
    }
}

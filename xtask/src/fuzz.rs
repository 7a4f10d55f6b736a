//! `cargo xtask fuzz [--runs N] [--only T,…]`: the cargo-fuzz targets of `fuzz/` (or only the
//! named ones), each run for `N` executions (default 10,000,000), one after the other, then
//! one table of what each did.
//!
//! Installs cargo-fuzz if it is missing. Runs on the stable toolchain with `--sanitizer none`
//! (coverage-guided libFuzzer; Rust's own checks — bounds, overflow with debug assertions,
//! every `assert!` of a target — are what finds faults). Each target starts from a corpus
//! seeded with real inputs (the three policy packs, forms the portal's pages send, a
//! processor's notifications, a results file) and kept between runs in the cache directory.
//! Any crash fails the command, naming the input libFuzzer saved under `fuzz/artifacts/`;
//! such an input belongs in `fuzz/regressions/<target>/`, which the portal's unit tests run.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use crate::shell::{self, cargo};

/// The fuzz targets, in the order they run.
pub const TARGETS: [&str; 4] = ["policy", "forms", "webhook", "results_file"];

/// The executions per target of the full run.
pub const FULL_RUNS: u64 = 10_000_000;

/// What one target's run did.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The target.
    pub target: &'static str,
    /// Inputs executed.
    pub runs: u64,
    /// Wall-clock seconds.
    pub seconds: u64,
    /// The corpus's size at the end.
    pub corpus: usize,
    /// libFuzzer's peak resident memory, in MB.
    pub peak_rss_mb: u64,
}

/// Where builds, corpora and cargo-fuzz itself live: beside the main target directory.
fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
                .join(".cache/pledge/target")
        },
        PathBuf::from,
    );
    target.with_file_name("fuzz")
}

/// Runs each of `targets` (every target when empty) for `runs` executions and prints the
/// table.
pub fn run(root: &Path, runs: u64, targets: &[&str]) -> Result<Vec<Figures>> {
    install_cargo_fuzz(root)?;
    let cache = cache_dir();
    // Built first, so that each target's time is its fuzzing alone.
    let target_arg = cache.join("target");
    eprintln!("$ {} fuzz build --sanitizer none --fuzz-dir fuzz", cargo());
    let built = shell::command(&cargo())
        .args(["fuzz", "build", "--sanitizer", "none", "--fuzz-dir", "fuzz"])
        .env("CARGO_TARGET_DIR", &target_arg)
        .current_dir(root)
        .status()
        .context("cannot start cargo fuzz build")?;
    if !built.success() {
        bail!("the fuzz targets do not build ({built})");
    }
    let mut figures = Vec::new();
    for target in TARGETS
        .into_iter()
        .filter(|t| targets.is_empty() || targets.contains(t))
    {
        let corpus = cache.join("corpus").join(target);
        seed(root, target, &corpus)?;
        figures.push(run_target(root, &cache, target, &corpus, runs)?);
    }
    println!("{}", table(&figures));
    Ok(figures)
}

fn install_cargo_fuzz(root: &Path) -> Result<()> {
    let found = shell::command(&cargo())
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        shell::run(root, &cargo(), &["install", "cargo-fuzz", "--locked"])?;
    }
    Ok(())
}

/// Puts the seed inputs of `target` into `corpus` (kept inputs stay).
fn seed(root: &Path, target: &str, corpus: &Path) -> Result<()> {
    fs::create_dir_all(corpus)?;
    let write = |name: &str, bytes: &[u8]| fs::write(corpus.join(name), bytes);
    match target {
        "policy" => {
            let packs = root.join("crates/pledge-policy/packs");
            for entry in fs::read_dir(&packs)? {
                let path = entry?.path();
                if path.extension().is_some_and(|e| e == "toml")
                    && let Some(name) = path.file_name()
                {
                    fs::copy(&path, corpus.join(name))?;
                }
            }
        }
        "forms" => {
            write("register", b"display_name=Ada&email=ada%40example.org&date_of_birth=1990-12-10&password=x&next=%2Faccount")?;
            write("cookies", b"cookie_answer=save&category-analytics=on&cookie_source=banner&next=%2Fcourses%2Fx")?;
            write(
                "tour",
                b"traveller_1_name=Ada&traveller_1_birth=1990-01-02&traveller_2_name=&q1=2",
            )?;
            write(
                "card",
                b"card_number=4242+4242+4242+4242&expiry=12%2F30&cvc=123",
            )?;
            write("breach", b"noticed_at=2026-12-01+10%3A00&expires=2027-01-01&id=0190a1b2-0000-7000-8000-000000000000")?;
        }
        "webhook" => {
            write("paid", b"\x01{\"id\":\"evt_1\",\"type\":\"checkout.completed\",\"created\":1,\"checkout\":\"cs_1\",\"client_reference\":\"p\",\"refund\":null}")?;
            write("refund", b"\x01{\"id\":\"evt_2\",\"type\":\"refund.succeeded\",\"created\":1,\"checkout\":\"cs_1\",\"client_reference\":\"p\",\"refund\":\"re_1\"}")?;
            write("forged", b"\x00t=1800000000,v1=00ff\n{\"id\":\"evt_3\"}")?;
        }
        "results_file" => {
            write(
                "results",
                b"candidate,result\nC-0001,Pass\nC-0002,\"Fail, resit\"\n",
            )?;
        }
        other => bail!("no seeds for fuzz target {other}"),
    }
    Ok(())
}

/// Runs one target; fails on a crash.
fn run_target(
    root: &Path,
    cache: &Path,
    target: &'static str,
    corpus: &Path,
    runs: u64,
) -> Result<Figures> {
    let corpus_arg = corpus.to_string_lossy().into_owned();
    let runs_arg = format!("-runs={runs}");
    let args = [
        "fuzz",
        "run",
        "--sanitizer",
        "none",
        "--fuzz-dir",
        "fuzz",
        target,
        &corpus_arg,
        "--",
        &runs_arg,
        "-max_len=65536",
        "-rss_limit_mb=4096",
        "-timeout=30",
        "-print_final_stats=1",
    ];
    eprintln!("$ {} {}", cargo(), args.join(" "));
    let started = std::time::Instant::now();
    let output = shell::command(&cargo())
        .args(args)
        .env("CARGO_TARGET_DIR", cache.join("target"))
        .current_dir(root)
        .stderr(Stdio::piped())
        .output()
        .context("cannot start cargo fuzz")?;
    let log = String::from_utf8_lossy(&output.stderr);
    let seconds = started.elapsed().as_secs();
    if !output.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "fuzz target {target} failed ({}); its saved input is under fuzz/artifacts/{target}/ \
             — add it to fuzz/regressions/{target}/ with the fix:\n{}",
            output.status,
            tail.join("\n")
        );
    }
    let stat = |name: &str| {
        log.lines()
            .filter_map(|line| line.strip_prefix(&format!("stat::{name}:")))
            .filter_map(|value| value.trim().parse::<u64>().ok())
            .next_back()
    };
    let figures = Figures {
        target,
        runs: stat("number_of_executed_units").unwrap_or(0),
        seconds,
        corpus: fs::read_dir(corpus).map(Iterator::count).unwrap_or(0),
        peak_rss_mb: stat("peak_rss_mb").unwrap_or(0),
    };
    if figures.runs < runs {
        bail!(
            "fuzz target {target} ran {} of {runs} executions",
            figures.runs
        );
    }
    eprintln!(
        "xtask: fuzz target {target}: {} runs in {seconds} s, no crash",
        figures.runs
    );
    Ok(figures)
}

/// The table of a fuzz run.
pub fn table(figures: &[Figures]) -> String {
    let mut out = String::from(
        "| fuzz target | executions | seconds | executions/s | corpus | peak RSS | crashes |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for f in figures {
        let rate = f.runs / f.seconds.max(1);
        out.push_str(&format!(
            "| {} | {} | {} | {rate} | {} | {} MB | 0 |\n",
            f.target, f.runs, f.seconds, f.corpus, f.peak_rss_mb
        ));
    }
    out
}

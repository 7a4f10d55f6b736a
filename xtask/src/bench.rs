//! `cargo xtask bench`: run the criterion benchmarks and print one table of medians and
//! ratios against the baseline measured in the same run.
//!
//! Each benchmark group names its baseline: the function `baseline` in the same group. Medians
//! come from criterion's `estimates.json`; these machines are noisy, so only medians and
//! ratios are reported, never single timings.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::shell::{self, cargo};

/// Runs the benchmarks; the table of their medians and ratios (header included).
pub fn run(root: &Path, quick: bool) -> Result<String> {
    let mut args = vec!["bench", "-p", "pledge-benches", "--benches", "--"];
    if quick {
        args.extend(["--warm-up-time", "1", "--measurement-time", "2"]);
    }
    shell::run(root, &cargo(), &args)?;
    let criterion = target_dir(root).join("criterion");
    table(&criterion)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Median in nanoseconds from a benchmark's `new/estimates.json`.
fn median_ns(dir: &Path) -> Result<f64> {
    let path = dir.join("new").join("estimates.json");
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    json.pointer("/median/point_estimate")
        .and_then(serde_json::Value::as_f64)
        .with_context(|| format!("no median in {}", path.display()))
}

fn table(criterion: &Path) -> Result<String> {
    let mut out =
        String::from("| group | benchmark | median | ratio to baseline |\n|---|---|---|---|\n");
    let mut groups: Vec<PathBuf> = fs::read_dir(criterion)
        .with_context(|| format!("no criterion results in {}", criterion.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "report"))
        .collect();
    groups.sort();
    for group in groups {
        let group_name = group
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let baseline = median_ns(&group.join("baseline")).ok();
        let mut benches: Vec<PathBuf> = fs::read_dir(&group)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("new").join("estimates.json").is_file())
            .collect();
        benches.sort();
        for bench in benches {
            let name = bench
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let median = median_ns(&bench)?;
            let ratio = baseline.map_or_else(|| "-".to_owned(), |b| format!("{:.2}x", median / b));
            out.push_str(&format!(
                "| {group_name} | {name} | {} | {ratio} |\n",
                human(median)
            ));
        }
    }
    Ok(out)
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

//! Running commands and finding the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> Result<PathBuf> {
    // `cargo run` says where the xtask it runs lives. The path compiled in is only a fallback:
    // clones sharing one target directory share one `xtask` binary, so the compiled-in path
    // can name another clone.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent directory")
}

/// The cargo binary that runs us, so that the toolchain stays the same.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Environment variables every command started from here gets (added by provisioning).
static EXTRA_ENV: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Adds `vars` to the environment every later command gets.
pub fn set_environment(vars: Vec<(String, String)>) {
    for (name, value) in &vars {
        eprintln!("xtask: {name}={value}");
    }
    if let Ok(mut extra) = EXTRA_ENV.lock() {
        extra.extend(vars);
    }
}

/// The value of `name` in the provisioned environment, or else in this process's.
pub fn environment(name: &str) -> Option<String> {
    let provisioned = EXTRA_ENV.lock().ok().and_then(|extra| {
        extra
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    });
    provisioned.or_else(|| std::env::var(name).ok())
}

/// A command for `program` with the provisioned environment.
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    if let Ok(extra) = EXTRA_ENV.lock() {
        for (name, value) in extra.iter() {
            command.env(name, value);
        }
    }
    command
}

/// Runs `program args…` in `dir`, echoing it, and fails if it fails.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = command(program)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot start `{program}`"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Runs `cargo build args…` in `dir` (echoing it, diagnostics on the terminal) and returns
/// the path of the file it built for target `name` whose name ends with `suffix`, as cargo
/// reports it. Asking cargo, rather than guessing `target/<profile>/…`, matters when several
/// checkouts share one target directory: an up-to-date build does not copy its output there
/// again, so the file at the usual place may be another checkout's.
pub fn built_artifact(
    dir: &Path,
    cargo: &str,
    args: &[&str],
    name: &str,
    suffix: &str,
) -> Result<std::path::PathBuf> {
    eprintln!("$ {cargo} {}", args.join(" "));
    let out = command(cargo)
        .args(args)
        .arg("--message-format=json-render-diagnostics")
        .current_dir(dir)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start `{cargo}`"))?;
    if !out.status.success() {
        bail!("`{cargo} {}` failed ({})", args.join(" "), out.status);
    }
    let mut found = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let text = |pointer: &str| message.pointer(pointer).and_then(serde_json::Value::as_str);
        if text("/reason") != Some("compiler-artifact") || text("/target/name") != Some(name) {
            continue;
        }
        let files: Vec<String> = message
            .pointer("/filenames")
            .and_then(serde_json::Value::as_array)
            .map(|files| {
                files
                    .iter()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let executable = text("/executable").map(str::to_owned);
        found = executable
            .into_iter()
            .chain(files)
            .find(|f| f.ends_with(suffix))
            .or(found);
    }
    found
        .map(std::path::PathBuf::from)
        .with_context(|| format!("cargo reported no {suffix} file for {name}"))
}

/// Runs `program args…` in `dir` and returns its standard output.
pub fn output(dir: &Path, program: &str, args: &[&str]) -> Result<String> {
    let out = command(program)
        .args(args)
        .current_dir(dir)
        .output()
        .with_context(|| format!("cannot start `{program}`"))?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Test counts gathered from `cargo test` summaries.
#[derive(Debug, Default, Clone)]
pub struct TestCounts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// The names of the tests that passed, as the harness prints them (`module::name`).
    pub passed_names: Vec<String>,
}

/// Runs `cargo test …` like [`run`], echoing its output, and adds up its `test result:` lines.
pub fn run_tests(dir: &Path, program: &str, args: &[&str], counts: &mut TestCounts) -> Result<()> {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    eprintln!("$ {program} {}", args.join(" "));
    let mut child = command(program)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start `{program}`"))?;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            if let Some(name) = line
                .strip_prefix("test ")
                .and_then(|rest| rest.strip_suffix(" ... ok"))
            {
                counts.passed_names.push(name.to_owned());
            }
            if let Some(summary) = line.strip_prefix("test result: ") {
                counts.passed += count_before(summary, " passed");
                counts.failed += count_before(summary, " failed");
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The number just before `label` in a summary like `ok. 12 passed; 0 failed; …`.
fn count_before(summary: &str, label: &str) -> u64 {
    summary
        .split(';')
        .find_map(|part| part.trim().strip_suffix(label.trim()).map(str::trim))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

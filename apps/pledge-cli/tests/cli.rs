//! The `pledge` binary as a CI pipeline uses it: exit codes, messages and outputs.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn pledge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pledge"))
        .args(args)
        .output()
        .expect("pledge runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh scratch path under the system temp directory.
fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("pledge-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

fn kexara_with(old: &str, new: &str) -> PathBuf {
    let pack = pledge_policy_text();
    assert!(pack.contains(old), "kexara has no {old:?}");
    let path = scratch("kexara.toml");
    std::fs::write(&path, pack.replacen(old, new, 1)).expect("write");
    path
}

fn pledge_policy_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/pledge-policy/packs/kexara.toml");
    std::fs::read_to_string(path).expect("kexara pack")
}

#[test]
fn check_accepts_the_built_in_packs() {
    let out = pledge(&["check", "--all-packs"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ok: packs/kexara.toml"));
}

#[test]
fn check_fails_with_file_line_and_column() {
    let path = kexara_with("basis = \"contract\"", "basis = \"vibes\"");
    let out = pledge(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(code(&out), 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("kexara.toml:") && err.contains("unknown variant `vibes`"),
        "{err}"
    );
}

#[test]
fn lint_exits_0_when_every_error_is_resolved_and_1_otherwise() {
    let ok = pledge(&["lint", "--pack", "kexara"]);
    assert_eq!(code(&ok), 0, "{}", text(&ok.stdout));
    assert!(text(&ok.stdout).contains("erasure-vs-retention"));
    let path = kexara_with(
        "lint = \"erasure-vs-retention\"",
        "lint = \"deployer-choice\"",
    );
    let blocked = pledge(&["lint", path.to_str().expect("utf-8")]);
    assert_eq!(code(&blocked), 1, "{}", text(&blocked.stdout));
    assert!(text(&blocked.stdout).contains("1 blocking"));
    let strict = pledge(&["lint", "--strict", "--pack", "kexara"]);
    assert_eq!(code(&strict), 1);
}

#[test]
fn unknown_packs_and_missing_files_exit_2() {
    assert_eq!(code(&pledge(&["check", "--pack", "acme"])), 2);
    let out = pledge(&["check", "/nonexistent/policy.toml"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("cannot read"));
    assert_eq!(code(&pledge(&["check"])), 2);
}

#[test]
fn render_writes_every_document_in_both_formats() {
    let out_dir = scratch("rendered");
    let out = pledge(&[
        "render",
        "--pack",
        "kexara",
        "--out",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    for name in [
        "privacy-policy",
        "cookies",
        "retention-schedule",
        "record-of-processing",
    ] {
        for ext in ["md", "html"] {
            let file = out_dir.join("kexara").join(format!("{name}.{ext}"));
            assert!(file.is_file(), "{} missing", file.display());
        }
    }
}

#[test]
fn diff_reports_no_changes_for_the_same_policy() {
    let out = pledge(&[
        "diff",
        "pack:kexara",
        "pack:kexara",
        "--fail-on",
        "editorial",
    ]);
    assert_eq!(code(&out), 0);
    assert!(text(&out.stdout).contains("no changes"));
}

#[test]
fn k36_diff_fails_a_pipeline_on_changes_that_need_notice() {
    let path = kexara_with("period = \"2 years\"", "period = \"5 years\"");
    let new = path.to_str().expect("utf-8");
    let out = pledge(&["diff", "pack:kexara", new, "--fail-on", "notice"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("retention[marketing-records].clock"),
        "{stdout}"
    );
    assert!(stdout.contains("needs notice"), "{stdout}");
    let relaxed = pledge(&["diff", "pack:kexara", new, "--fail-on", "fresh-consent"]);
    assert_eq!(code(&relaxed), 0);
}

//! Tidy checks, run as ordinary tests so that `cargo test` enforces them everywhere:
//! every module documents itself, shipped code has no stubs or silenced tests, the README
//! shows its two commands first, and the promise matrix in `docs/promises.md` covers exactly
//! the 142 promises of the seed register, naming tests that exist.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use pledge_policy::PromiseId;
use pledge_policy::promise::{in_seed_register, seed_register};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Every Rust source file of the workspace, outside build output.
fn rust_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["crates", "apps", "xtask", "benches", "tests"] {
        collect(&root().join(dir), &mut out);
    }
    out.sort();
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let undocumented: Vec<String> = rust_files()
        .into_iter()
        .filter(|path| {
            let text = fs::read_to_string(path).expect("readable");
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            !first.starts_with("//!")
        })
        .map(|p| relative(&p))
        .collect();
    assert!(
        undocumented.is_empty(),
        "modules without a `//!` doc comment: {undocumented:#?}"
    );
}

#[test]
fn shipped_code_has_no_stubs_and_no_silenced_tests() {
    let banned = [
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("#[", "ignore"),
        concat!("#[", "should_panic"),
    ];
    let mut found = Vec::new();
    for path in rust_files() {
        let text = fs::read_to_string(&path).expect("readable");
        for (n, line) in text.lines().enumerate() {
            for pattern in banned {
                if line.contains(pattern) {
                    found.push(format!("{}:{}: {}", relative(&path), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "stubs or silenced tests: {found:#?}");
}

#[test]
fn the_readme_starts_with_the_run_and_test_commands() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let first_screen: String = readme.lines().take(30).collect::<Vec<_>>().join("\n");
    assert!(
        first_screen.contains("cargo xtask run"),
        "README: the run command is not near the top"
    );
    assert!(
        first_screen.contains("cargo xtask test"),
        "README: the test command is not near the top"
    );
    let ci = fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    assert!(
        ci.contains("cargo xtask test"),
        ".ci/run must call the README's test command"
    );
}

/// The rows of the promise matrix: ID → the "Proven by" cell.
fn matrix() -> BTreeMap<String, Vec<String>> {
    let text = fs::read_to_string(root().join("docs/promises.md")).expect("docs/promises.md");
    let mut rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<String> = line.split('|').map(|c| c.trim().to_owned()).collect();
        // A row looks like `| K22 | G/D | … | … | … | … |`: empty, six cells, empty.
        let Some(id) = cells.get(1).cloned() else {
            continue;
        };
        if PromiseId::new(id.clone()).is_err() {
            continue;
        }
        assert!(
            cells.len() == 8,
            "promise row {id} should have six columns: {line}"
        );
        let previous = rows.insert(id.clone(), cells);
        assert!(
            previous.is_none(),
            "promise {id} has two rows in docs/promises.md"
        );
    }
    rows
}

#[test]
fn the_promise_matrix_has_one_row_per_promise_and_no_unknown_ids() {
    let rows = matrix();
    let missing: Vec<PromiseId> = seed_register()
        .filter(|id| !rows.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/promises.md has no row for {missing:?}"
    );
    let unknown: Vec<&String> = rows
        .keys()
        .filter(|id| !PromiseId::new(id.as_str()).is_ok_and(|id| in_seed_register(&id)))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/promises.md names unknown promises {unknown:?}"
    );
    assert_eq!(rows.len(), 142);
}

#[test]
fn the_promise_matrix_names_only_tests_that_exist() {
    let sources: String = rust_files()
        .iter()
        .map(|p| fs::read_to_string(p).expect("readable"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut missing = Vec::new();
    for (id, cells) in matrix() {
        let proven_by = cells.get(6).cloned().unwrap_or_default();
        for name in proven_by.split('`').skip(1).step_by(2) {
            let function = name.rsplit("::").next().unwrap_or(name);
            if !sources.contains(&format!("fn {function}(")) {
                missing.push(format!("{id}: {name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/promises.md names tests that do not exist: {missing:#?}"
    );
}

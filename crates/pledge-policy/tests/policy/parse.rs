//! Parse errors: every one names the file, line and column, and what was expected.

use pledge_policy::{PolicyError, parse, to_toml};

use crate::support::{MINIMAL, line_of, minimal};

/// Parses the minimal policy with `old` replaced by `new` and returns the syntax diagnostic.
fn syntax_error(old: &str, new: &str) -> pledge_policy::Diagnostic {
    let text = MINIMAL.replacen(old, new, 1);
    match parse("minimal.toml", &text) {
        Err(PolicyError::Syntax(diagnostic)) => diagnostic,
        other => panic!("expected a syntax error for {new:?}, got {other:?}"),
    }
}

fn check(old: &str, new: &str, expected_line_of: &str, message_part: &str) {
    let diagnostic = syntax_error(old, new);
    let text = MINIMAL.replacen(old, new, 1);
    assert_eq!(diagnostic.file, "minimal.toml");
    assert_eq!(
        diagnostic.line,
        line_of(&text, expected_line_of),
        "{diagnostic}"
    );
    assert!(diagnostic.column >= 1);
    assert!(diagnostic.message.contains(message_part), "{diagnostic}");
}

#[test]
fn the_minimal_policy_parses() {
    let policy = minimal();
    assert_eq!(policy.policy.id.as_str(), "minimal");
    assert_eq!(policy.categories.len(), 3);
}

#[test]
fn unknown_keys_are_errors_that_list_the_expected_keys() {
    check(
        "title = \"Minimal Policy\"",
        "colour = \"red\"\ntitle = \"Minimal Policy\"",
        "colour",
        "unknown field `colour`",
    );
    let diagnostic = syntax_error(
        "audit_reads = true",
        "audit_reads = true\naudit_writes = true",
    );
    assert!(diagnostic.message.contains("expected"), "{diagnostic}");
}

#[test]
fn malformed_toml_points_at_the_broken_line() {
    check("version = \"1\"", "version = \"1", "version = \"1", "");
}

#[test]
fn unknown_enum_values_list_the_allowed_ones() {
    check(
        "basis = \"contract\"",
        "basis = \"vibes\"",
        "vibes",
        "unknown variant `vibes`",
    );
    let diagnostic = syntax_error("basis = \"contract\"", "basis = \"vibes\"");
    assert!(
        diagnostic.message.contains("legitimate-interests"),
        "{diagnostic}"
    );
}

#[test]
fn zero_and_negative_periods_are_refused_where_they_are_written() {
    check(
        "period = \"90 days\"",
        "period = \"0 days\"",
        "\"0 days\"",
        "cannot be zero",
    );
    check(
        "period = \"90 days\"",
        "period = \"-3 days\"",
        "-3 days",
        "must be positive",
    );
    check(
        "deadline = \"1 month\"\nextension",
        "deadline = \"one month\"\nextension",
        "one month",
        "whole number",
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    check(
        "minimum_age = 13",
        "minimum_age = \"thirteen\"",
        "thirteen",
        "expected",
    );
}

#[test]
fn impossible_dates_and_times_are_refused() {
    check(
        "effective = 2026-01-01",
        "effective = 2026-02-30",
        "2026-02-30",
        "",
    );
    check(
        "effective = 2026-01-01",
        "effective = 2026-01-01T10:00:00Z",
        "2026-01-01T10",
        "without a time",
    );
}

#[test]
fn malformed_promise_ids_are_refused() {
    check(
        "sources = [\"T02\"]",
        "sources = [\"t2\"]",
        "\"t2\"",
        "not a promise ID",
    );
}

#[test]
fn a_newer_format_version_is_refused_clearly() {
    let diagnostic = syntax_error("format = 1", "format = 2");
    assert_eq!(diagnostic.line, line_of(MINIMAL, "format = 1"));
    assert!(diagnostic.message.contains("format 2"), "{diagnostic}");
}

#[test]
fn missing_required_tables_are_named() {
    let text = MINIMAL.replacen("[changes]", "[unused]", 1);
    let err = parse("minimal.toml", &text).expect_err("missing [changes]");
    assert!(err.to_string().contains("changes"), "{err}");
}

#[test]
fn errors_display_as_file_line_column() {
    let diagnostic = syntax_error("basis = \"contract\"", "basis = \"vibes\"");
    let shown = diagnostic.to_string();
    assert!(
        shown.starts_with(&format!("minimal.toml:{}:", diagnostic.line)),
        "{shown}"
    );
}

#[test]
fn written_policies_parse_back_to_the_same_policy() {
    let policy = minimal();
    let text = to_toml(&policy).expect("serialises");
    assert_eq!(parse("again.toml", &text).expect("parses back"), policy);
}

/// Every policy input a fuzz run found (`fuzz/regressions/policy/`) keeps the fuzz target's
/// properties: it loads or is refused without a panic, and what loads round-trips unchanged.
#[test]
fn policy_inputs_fuzzing_found_stay_fixed() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/policy");
    let Ok(inputs) = std::fs::read_dir(dir) else {
        return;
    };
    for input in inputs.flatten() {
        let bytes = std::fs::read(input.path()).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(policy) = pledge_policy::load("found.toml", text) {
            let written = pledge_policy::to_toml(policy.policy()).unwrap();
            let again = pledge_policy::load("again.toml", &written).unwrap();
            assert_eq!(
                again.policy(),
                policy.policy(),
                "{}",
                input.path().display()
            );
        }
    }
}

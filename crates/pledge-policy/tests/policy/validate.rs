//! Validation: references, legal bases, anchors, coverage, duplicates; every problem located.

use pledge_policy::PolicyError;

use crate::support::{MINIMAL, line_of, load_replacing};

/// Loads the minimal policy with one replacement and returns the validation problems.
fn problems(old: &str, new: &str) -> Vec<pledge_policy::Diagnostic> {
    match load_replacing(old, new) {
        Err(PolicyError::Invalid { problems, .. }) => problems,
        other => panic!("expected validation problems for {new:?}, got {other:?}"),
    }
}

/// Checks that exactly one problem is reported, on the line holding `at`, mentioning `part`.
fn check(old: &str, new: &str, at: &str, part: &str) {
    let found = problems(old, new);
    let text = MINIMAL.replacen(old, new, 1);
    assert_eq!(found.len(), 1, "{found:#?}");
    let problem = &found[0];
    assert_eq!(problem.line, line_of(&text, at), "{problem}");
    assert!(problem.message.contains(part), "{problem}");
}

#[test]
fn the_minimal_policy_is_valid() {
    load_replacing("format = 1", "format = 1").expect("valid");
}

#[test]
fn unknown_categories_are_reported_at_the_reference() {
    check(
        "categories = [\"contact\", \"network\"]",
        "categories = [\"contact\", \"netwrok\"]",
        "netwrok",
        "unknown category `netwrok`",
    );
}

#[test]
fn a_purpose_without_a_legal_basis_is_invalid() {
    check(
        "basis = \"contract\"\ncategories = [\"contact\", \"network\"]",
        "categories = [\"contact\", \"network\"]",
        "[[purpose]]",
        "no legal basis",
    );
}

#[test]
fn legitimate_interests_must_state_the_interest() {
    check(
        "basis = \"contract\"\ncategories = [\"contact\", \"network\"]",
        "basis = \"legitimate-interests\"\ncategories = [\"contact\", \"network\"]",
        "legitimate-interests",
        "state the interest",
    );
}

#[test]
fn a_retention_rule_without_an_anchor_is_invalid() {
    check(
        "events = [\"logged\"]",
        "events = []",
        "events = []",
        "at least one anchor",
    );
}

#[test]
fn indefinite_retention_needs_a_justification() {
    check(
        "clock = { after = { events = [\"logged\"], period = \"90 days\" } }",
        "clock = { indefinite = \" \" }",
        "indefinite",
        "written justification",
    );
}

#[test]
fn every_category_must_be_covered_by_retention() {
    check(
        "categories = [\"network\"]\nclock",
        "categories = [\"contact\"]\nclock",
        "id = \"network\"",
        "no [[retention]] rule covers it",
    );
}

#[test]
fn duplicate_ids_name_the_first_declaration() {
    check(
        "id = \"logs\"",
        "id = \"account\"",
        "id = \"account\"\nname = \"Logs\"",
        "declared twice (first at retention[0])",
    );
}

#[test]
fn third_party_cookies_must_name_a_declared_partner() {
    check(
        "name = \"stats\"\ncategory = \"analytics\"\nparty = \"first\"",
        "name = \"stats\"\ncategory = \"analytics\"\nparty = \"third\"",
        "party = \"third\"",
        "must name its `provider`",
    );
    check(
        "name = \"stats\"\ncategory = \"analytics\"\nparty = \"first\"",
        "name = \"stats\"\ncategory = \"analytics\"\nparty = \"third\"\nprovider = \"nobody\"",
        "nobody",
        "unknown partner `nobody`",
    );
}

#[test]
fn cookies_must_serve_a_declared_purpose() {
    check(
        "purpose = \"analytics\"\ndescription = \"Counts visits.\"",
        "purpose = \"tracking\"\ndescription = \"Counts visits.\"",
        "tracking",
        "unknown purpose `tracking`",
    );
}

#[test]
fn answered_rights_need_a_deadline() {
    check(
        "kind = \"erasure\"\ndeadline = \"1 month\"",
        "kind = \"erasure\"",
        "[[right]]\nkind = \"erasure\"",
        "the erasure right needs a response `deadline`",
    );
}

#[test]
fn deployer_choices_must_name_fields_of_their_own_table() {
    check(
        "reason = \"Security.\"",
        "reason = \"Security.\"\ndeployer_choice = { fields = [\"clokc\"], reason = \"vague\" }",
        "clokc",
        "not a field set in this table",
    );
}

#[test]
fn resolutions_must_name_a_known_lint_rule() {
    let text =
        "\n[[resolution]]\nlint = \"no-such-rule\"\npromises = [\"T01\"]\ndecision = \"x\"\n";
    check(
        "[changes]",
        &format!("{}\n[changes]", text.trim_start()),
        "no-such-rule",
        "unknown lint rule",
    );
}

#[test]
fn an_inverted_age_rule_is_invalid() {
    check(
        "guardian_until = 18",
        "guardian_until = 10",
        "guardian_until",
        "before the minimum age",
    );
}

#[test]
fn partners_without_a_basis_are_invalid() {
    check(
        "purposes = [\"service\"]\nbasis = \"contract\"",
        "purposes = [\"service\"]",
        "[[partner]]",
        "no legal `basis`",
    );
}

#[test]
fn all_problems_are_reported_at_once_in_file_order() {
    let text = MINIMAL
        .replacen(
            "categories = [\"contact\", \"network\"]",
            "categories = [\"nope\", \"network\"]",
            1,
        )
        .replacen("events = [\"logged\"]", "events = []", 1);
    let err = pledge_policy::load("minimal.toml", &text).expect_err("two problems");
    let PolicyError::Invalid { problems, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].line < problems[1].line);
    assert!(err.to_string().contains("2 problem(s)"), "{err}");
}

#[test]
fn j30_a_stated_clock_is_validated_like_the_enforced_one() {
    check(
        "reason = \"Security.\"",
        "reason = \"Security.\"\nstated_clock = { indefinite = \"\" }",
        "stated_clock",
        "written justification",
    );
}

#[test]
fn store_columns_are_written_as_table_dot_column_and_claimed_once() {
    check(
        "sources = [\"T02\"]",
        "stored_in = [\"person email\"]\nsources = [\"T02\"]",
        "person email",
        "not a `table` or `table.column` reference",
    );
    let text = MINIMAL
        .replacen(
            "sources = [\"T02\"]",
            "stored_in = [\"person.email\"]\nsources = [\"T02\"]",
            1,
        )
        .replacen(
            "sources = [\"T03\"]",
            "stored_in = [\"person.email\"]\nsources = [\"T03\"]",
            1,
        );
    let err = pledge_policy::load("minimal.toml", &text).expect_err("claimed twice");
    assert!(
        err.to_string()
            .contains("already claimed by category `contact`"),
        "{err}"
    );
}

#[test]
fn the_session_cookie_must_be_an_essential_cookie_of_the_catalogue() {
    let security = "absolute_timeout = \"12 hours\"\n";
    load_replacing(
        security,
        "absolute_timeout = \"12 hours\"\nsession_cookie = \"session\"\n",
    )
    .expect("the essential first-party cookie is accepted");
    check(
        security,
        "absolute_timeout = \"12 hours\"\nsession_cookie = \"sesion\"\n",
        "session_cookie",
        "`sesion` names no cookie of the catalogue",
    );
    check(
        security,
        "absolute_timeout = \"12 hours\"\nsession_cookie = \"stats\"\n",
        "session_cookie",
        "must be an essential cookie",
    );
}

/// J09, K21: where the portal emails forwarded requests must be an address a mailer can
/// deliver to; prose ("the partner's privacy contact") is refused at its line, and a plain
/// address passes.
#[test]
fn j09_k21_a_partner_contact_the_portal_cannot_send_to_is_refused() {
    for prose in [
        "the host's privacy contact, recorded in the partner registry",
        "Privacy Desk <privacy@host.example>",
        "privacy@host",
        "a@b.example, c@d.example",
    ] {
        check(
            "basis = \"contract\"\nsources = [\"T15\"]",
            &format!(
                "basis = \"contract\"\nforward_requests_to = \"{prose}\"\nsources = [\"T15\"]"
            ),
            "forward_requests_to",
            "is not an email address",
        );
    }
    load_replacing(
        "basis = \"contract\"\nsources = [\"T15\"]",
        "basis = \"contract\"\nforward_requests_to = \"privacy@host.example\"\nsources = [\"T15\"]",
    )
    .expect("a plain address is deliverable");
}

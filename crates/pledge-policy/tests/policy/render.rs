//! Rendering: every published statement comes from a policy field and can be traced to it.

use pledge_policy::packs::load_pack;
use pledge_policy::render::{
    Document, Statement, cookie_table, privacy_policy, record_of_processing, retention_schedule,
};
use pledge_policy::{FieldPath, locate, packs};

use crate::support::valid_with;

fn kexara() -> Document {
    privacy_policy(&load_pack("kexara").expect("kexara loads"))
}

/// The statement containing `text`, which must come from `field` and name `promise`.
fn traced<'d>(doc: &'d Document, text: &str, field: &str, promise: &str) -> &'d Statement {
    let statement = doc
        .find(text)
        .unwrap_or_else(|| panic!("no statement says {text:?}"));
    assert_eq!(
        statement.field.to_string(),
        field,
        "{text:?} came from the wrong field"
    );
    assert!(
        statement.promises.iter().any(|id| id.as_str() == promise),
        "{text:?} should name {promise}: {:?}",
        statement.promises
    );
    statement
}

#[test]
fn k20_k22_kexara_states_30_day_access_and_deletion_responses() {
    let doc = kexara();
    traced(
        &doc,
        "We answer access requests within 30 days.",
        "right[0].deadline",
        "K20",
    );
    traced(
        &doc,
        "We answer deletion requests within 30 days.",
        "right[3].deadline",
        "K22",
    );
}

#[test]
fn k31_kexara_states_the_72_hour_breach_notice_and_its_contents() {
    let doc = kexara();
    let s = traced(
        &doc,
        "we notify you within 72 hours",
        "breach.notify_people_within",
        "K31",
    );
    for part in [
        "what happened",
        "what data was involved",
        "what steps we are taking",
    ] {
        assert!(s.text.contains(part), "{}", s.text);
    }
}

#[test]
fn k33_k37_kexara_states_the_five_retention_periods_of_its_table() {
    let doc = kexara();
    traced(
        &doc,
        "1 year after your account is deleted",
        "retention[0].clock",
        "K33",
    );
    traced(
        &doc,
        "Until your account is deleted",
        "retention[1].clock",
        "K34",
    );
    traced(&doc, "7 years after", "retention[2].clock", "K35");
    traced(
        &doc,
        "2 years after you unsubscribe",
        "retention[3].clock",
        "K36",
    );
    traced(
        &doc,
        "3 years after the support ticket is closed",
        "retention[4].clock",
        "K37",
    );
}

#[test]
fn k38_kexara_states_storage_in_canada() {
    traced(
        &kexara(),
        "stored on servers located in Canada",
        "jurisdiction.residency",
        "K38",
    );
}

#[test]
fn k43_k44_kexara_states_the_under_13_rule_and_guardians() {
    let doc = kexara();
    let s = traced(&doc, "children under 13", "children.minimum_age", "K43");
    assert!(s.text.contains("delete it immediately"), "{}", s.text);
    traced(
        &doc,
        "aged 13 to 17, a parent or guardian",
        "children.guardian_until",
        "K44",
    );
}

#[test]
fn k35_deployer_choices_are_marked_in_every_format() {
    let doc = kexara();
    let s = doc.find("7 years after").expect("payment retention");
    assert!(
        s.deployer_choice,
        "the anchor of K35 is the deployer's choice"
    );
    let markdown = doc.to_markdown();
    assert!(markdown.contains("Values chosen by the deployer"));
    assert!(markdown.contains(" †"));
    assert!(doc.to_html().contains("class=\"deployer-choice\""));
}

#[test]
fn every_statement_of_every_pack_points_at_a_field_that_exists() {
    for pack in packs::ALL {
        let Ok(policy) = pack.load() else { continue };
        let documents = [
            privacy_policy(&policy),
            cookie_table(&policy),
            retention_schedule(&policy),
            record_of_processing(&policy),
        ];
        for doc in &documents {
            for statement in doc.statements() {
                if statement.field == FieldPath::root() {
                    continue;
                }
                let span = locate(pack.text, &statement.field).expect("pack is TOML");
                assert!(
                    span.end > span.start,
                    "{}: `{}` not found",
                    pack.name,
                    statement.field
                );
            }
        }
    }
}

#[test]
fn html_escapes_policy_text_and_carries_sources() {
    let policy =
        valid_with(|p| p.categories[0].description = "<script>alert(1)</script> & co".into());
    let html = privacy_policy(&policy).to_html();
    assert!(!html.contains("<script>alert"), "unescaped text in HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(html.contains("data-field=\"category[0]\""));
    assert!(html.contains("data-promises=\"T02\""));
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<html lang=\"en-GB\">"));
}

#[test]
fn markdown_tables_escape_pipes() {
    let policy = valid_with(|p| p.retention[0].reason = "a | b".into());
    let markdown = retention_schedule(&policy).to_markdown();
    assert!(markdown.contains("a \\| b"), "{markdown}");
}

#[test]
fn k39_k41_the_cookie_table_lists_every_cookie_with_its_lifetime() {
    let policy = load_pack("kexara").expect("kexara");
    let doc = cookie_table(&policy);
    for cookie in &policy.policy().cookie_catalogue {
        assert!(doc.find(&cookie.name).is_some(), "{} missing", cookie.name);
    }
    assert!(doc.find("Until you close your browser").is_some());
    assert!(doc.find("13 months").is_some());
}

#[test]
fn the_record_of_processing_has_one_row_per_purpose() {
    let policy = load_pack("kexara").expect("kexara");
    let doc = record_of_processing(&policy);
    let markdown = doc.to_markdown();
    for purpose in &policy.policy().purposes {
        assert!(
            markdown.contains(&format!("| {}", purpose.name)),
            "{} missing",
            purpose.name
        );
    }
    let row = doc
        .statements()
        .find(|s| s.text == "Marketing communications")
        .expect("marketing row");
    assert_eq!(row.field.to_string(), "purpose[6].name");
    assert!(markdown.contains("Email service provider (the United States, contractual clauses"));
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(kexara().to_markdown(), kexara().to_markdown());
}

fn pack_document(name: &str) -> Document {
    privacy_policy(&load_pack(name).expect("pack loads"))
}

/// The table row of the cookie called `name` in `doc`: (category, lifetime).
fn cookie_row(doc: &Document, name: &str) -> (String, String) {
    let cells: Vec<&Statement> = doc.statements().collect();
    let at = cells
        .iter()
        .position(|s| s.text == name && s.field.to_string().ends_with(".name"))
        .unwrap_or_else(|| panic!("no cookie row {name}"));
    (cells[at + 1].text.clone(), cells[at + 3].text.clone())
}

#[test]
fn j20_j21_j22_j23_jtec_cookie_lifetimes_are_published() {
    let doc = cookie_table(&load_pack("jtec").expect("jtec"));
    assert_eq!(
        cookie_row(&doc, "comment_author_{hash}"),
        ("Preferences".into(), "1 year".into())
    );
    assert_eq!(
        cookie_row(&doc, "wordpress_test_cookie").1,
        "Until you close your browser"
    );
    assert_eq!(cookie_row(&doc, "wordpress_logged_in_{hash}").1, "2 days");
    assert_eq!(cookie_row(&doc, "wp-settings-{user}").1, "1 year");
    assert_eq!(cookie_row(&doc, "wp-saving-post").1, "1 day");
    assert!(
        cookie_row(&doc, "IDE").1.starts_with("Never set: "),
        "J02 withholds the AdWords cookie"
    );
    traced(
        &pack_document("jtec"),
        "keeps you signed in for 2 weeks",
        "security.remember_me",
        "J22",
    );
}

#[test]
fn j01_j44_jtec_states_both_roles_and_the_right_to_complain() {
    let doc = pack_document("jtec");
    let roles = traced(
        &doc,
        "is responsible for your personal data",
        "organisation.roles",
        "J01",
    );
    assert!(
        roles.text.contains("a controller") && roles.text.contains("a processor"),
        "{}",
        roles.text
    );
    let complaint = doc
        .find("complain to the data-protection authority")
        .expect("complaint right");
    assert!(
        complaint.text.contains("Information Commissioner's Office"),
        "{}",
        complaint.text
    );
    assert!(complaint.promises.iter().any(|id| id.as_str() == "J44"));
}

#[test]
fn w03_k01_every_pack_publishes_a_version_and_an_effective_date() {
    let kexara_doc = kexara();
    let kexara = traced(
        &kexara_doc,
        "in effect from 2025-03-15",
        "policy.effective",
        "K01",
    );
    assert!(!kexara.deployer_choice, "Kexara states its own date (K01)");
    let westmontera_doc = pack_document("westmontera");
    let westmontera = traced(
        &westmontera_doc,
        "in effect from",
        "policy.effective",
        "W03",
    );
    assert!(
        westmontera.deployer_choice,
        "Westmontera gives no date (W03): the pack chose one"
    );
}

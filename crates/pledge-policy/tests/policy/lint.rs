//! Lint rules: each has a case that fires and a near miss that stays silent.

use pledge_domain::{LifecycleEvent, Period, Sensitivity, SpecialCategory};
use pledge_policy::lint::Resolved;
use pledge_policy::model::{
    Acceptance, AfterEvents, Clock, ControlKind, CookieCategory, CookieConsent, CountryCode,
    DeployerChoice, Policy, Resolution, SecurityControl, TransferSafeguard,
};
use pledge_policy::{Finding, LintRule, PromiseId, lint};

use crate::support::{minimal, valid_with};

fn findings(edit: impl FnOnce(&mut Policy), rule: LintRule) -> Vec<Finding> {
    lint(&valid_with(edit))
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

/// `edit` makes `rule` fire exactly once, naming `promises`, and unresolved.
fn fires(rule: LintRule, promises: &[&str], edit: impl FnOnce(&mut Policy)) -> Finding {
    let found = findings(edit, rule);
    assert_eq!(found.len(), 1, "{rule}: {found:#?}");
    let finding = found.into_iter().next().expect("one finding");
    let ids: Vec<&str> = finding.promises.iter().map(PromiseId::as_str).collect();
    for id in promises {
        assert!(ids.contains(id), "{rule} should name {id}: {ids:?}");
    }
    finding
}

fn silent(rule: LintRule, edit: impl FnOnce(&mut Policy)) {
    let found = findings(edit, rule);
    assert!(found.is_empty(), "{rule} should be silent: {found:#?}");
}

fn ids(list: &[&str]) -> Vec<PromiseId> {
    list.iter()
        .map(|s| PromiseId::new(*s).expect("id"))
        .collect()
}

fn period(text: &str) -> Period {
    text.parse().expect("period")
}

#[test]
fn the_minimal_policy_lints_clean() {
    let all = lint(&valid_with(|_| {}));
    assert!(all.is_empty(), "{all:#?}");
}

fn keep_account_a_year_after_deletion(p: &mut Policy) {
    p.retention[0].clock = Clock::After(AfterEvents {
        events: vec![LifecycleEvent::AccountDeleted],
        period: period("1 year"),
        count_from: Default::default(),
    });
    p.retention[0].sources = ids(&["K33"]);
    p.rights[1].sources = ids(&["K22"]);
}

#[test]
fn k22_k33_erasure_deadline_shorter_than_retention_after_deletion_fires() {
    let finding = fires(
        LintRule::ErasureVsRetention,
        &["K22", "K33"],
        keep_account_a_year_after_deletion,
    );
    assert!(finding.is_blocking());
    assert!(finding.message.contains("1 year"), "{}", finding.message);
}

#[test]
fn k22_k33_a_legal_hold_reason_or_a_short_period_silences_it() {
    silent(LintRule::ErasureVsRetention, |p| {
        keep_account_a_year_after_deletion(p);
        p.retention[0].legal_hold = Some("Statutory accounting records".into());
    });
    silent(LintRule::ErasureVsRetention, |p| {
        keep_account_a_year_after_deletion(p);
        if let Clock::After(after) = &mut p.retention[0].clock {
            after.period = period("2 weeks");
        }
    });
    silent(LintRule::ErasureVsRetention, |p| {
        keep_account_a_year_after_deletion(p);
        p.retention[0].clock = Clock::After(AfterEvents {
            events: vec![LifecycleEvent::Transaction],
            period: period("7 years"),
            count_from: Default::default(),
        });
    });
}

#[test]
fn k22_k33_a_recorded_resolution_is_reported_but_not_blocking() {
    let finding = fires(LintRule::ErasureVsRetention, &["K22", "K33"], |p| {
        keep_account_a_year_after_deletion(p);
        p.resolutions.push(Resolution {
            lint: "erasure-vs-retention".into(),
            promises: ids(&["K22", "K33"]),
            decision: "Erasure requests win.".into(),
        });
    });
    assert_eq!(
        finding.resolved,
        Some(Resolved::ByDecision("Erasure requests win.".into()))
    );
    assert!(!finding.is_blocking());
}

fn advertising_cookie_outside_closed_list(p: &mut Policy) {
    p.closed_purpose_list = Some(pledge_policy::model::ClosedPurposeList {
        purposes: vec![p.purposes[0].id.clone(), p.purposes[1].id.clone()],
        sources: ids(&["J02"]),
    });
    p.cookie_catalogue[1].category = CookieCategory::Advertising;
    p.cookie_catalogue[1].sources = ids(&["J26"]);
}

#[test]
fn j02_j26_closed_purpose_list_contradicted_by_advertising_cookie_fires() {
    fires(
        LintRule::ClosedPurposeList,
        &["J02", "J26"],
        advertising_cookie_outside_closed_list,
    );
}

#[test]
fn j02_advertising_inside_the_closed_list_or_no_list_is_silent() {
    silent(LintRule::ClosedPurposeList, |p| {
        advertising_cookie_outside_closed_list(p);
        if let Some(list) = &mut p.closed_purpose_list {
            list.purposes.push(p.purposes[2].id.clone());
        }
    });
    silent(LintRule::ClosedPurposeList, |p| {
        p.cookie_catalogue[1].category = CookieCategory::Advertising;
    });
}

#[test]
fn j02_j26_a_withheld_advertising_cookie_is_reported_as_resolved() {
    let finding = fires(LintRule::ClosedPurposeList, &["J02", "J26"], |p| {
        advertising_cookie_outside_closed_list(p);
        p.cookie_catalogue[1].withheld = Some("advertising is not on the list".into());
    });
    assert!(!finding.is_blocking());
    assert!(
        matches!(finding.resolved, Some(Resolved::ByDeployerChoice(ref why)) if why.contains("never set"))
    );
}

#[test]
fn j02_a_partner_serving_a_purpose_outside_the_closed_list_fires() {
    fires(LintRule::ClosedPurposeList, &["J02", "T15"], |p| {
        p.closed_purpose_list = Some(pledge_policy::model::ClosedPurposeList {
            purposes: vec![p.purposes[1].id.clone()],
            sources: ids(&["J02"]),
        });
    });
}

fn anonymised_analytics_with_ip(p: &mut Policy) {
    p.purposes[2].categories.push(p.categories[2].id.clone());
    p.purposes[2].sources = ids(&["K40"]);
    p.categories[2].sources = ids(&["K09"]);
}

#[test]
fn k09_k40_w13_w14_anonymised_analytics_using_full_ip_addresses_fires() {
    fires(
        LintRule::AnonymityVsIdentifiers,
        &["K09", "K40"],
        anonymised_analytics_with_ip,
    );
}

#[test]
fn k40_truncated_ip_addresses_are_silent() {
    silent(LintRule::AnonymityVsIdentifiers, |p| {
        anonymised_analytics_with_ip(p);
        p.categories[2].identifiers =
            vec![pledge_policy::model::NetworkIdentifier::TruncatedIpAddress];
    });
}

#[test]
fn w19_j24_optional_cookies_with_only_browser_settings_fires() {
    let finding = fires(LintRule::OptionalCookiesWithoutConsent, &["W19"], |p| {
        p.cookies.consent = CookieConsent::BrowserSettings;
        p.cookies.sources = ids(&["W19"]);
    });
    assert!(finding.message.contains("stats"), "{}", finding.message);
}

#[test]
fn w19_only_essential_cookies_or_a_banner_is_silent() {
    silent(LintRule::OptionalCookiesWithoutConsent, |p| {
        p.cookies.consent = CookieConsent::BrowserSettings;
        p.cookie_catalogue.truncate(1);
    });
    silent(LintRule::OptionalCookiesWithoutConsent, |_| {});
}

#[test]
fn w19_a_banner_chosen_by_the_deployer_is_reported_as_resolved() {
    let finding = fires(LintRule::OptionalCookiesWithoutConsent, &["W19"], |p| {
        p.cookies.sources = ids(&["W19"]);
        p.cookies.deployer_choice = Some(DeployerChoice {
            fields: vec!["consent".into()],
            reason: "The policy only mentions browser settings.".into(),
        });
    });
    assert!(matches!(
        finding.resolved,
        Some(Resolved::ByDeployerChoice(_))
    ));
}

#[test]
fn j03_k05_w36_special_category_without_art9_condition_fires() {
    let finding = fires(LintRule::SpecialCategoryWithoutCondition, &["J03"], |p| {
        p.purposes[1].art9 = None;
        p.purposes[1].sources = ids(&["J03"]);
    });
    assert!(finding.is_blocking());
}

#[test]
fn j03_an_art9_condition_is_silent_and_a_chosen_one_is_resolved() {
    silent(LintRule::SpecialCategoryWithoutCondition, |_| {});
    let finding = fires(LintRule::SpecialCategoryWithoutCondition, &["T06"], |p| {
        p.purposes[1].deployer_choice = Some(DeployerChoice {
            fields: vec!["art9".into()],
            reason: "none stated".into(),
        });
    });
    assert!(!finding.is_blocking());
}

#[test]
fn k05_special_categories_of_every_kind_are_covered() {
    fires(LintRule::SpecialCategoryWithoutCondition, &["K05"], |p| {
        p.categories[1].sensitivity = Sensitivity::Special(SpecialCategory::AccessibilityNeeds);
        p.categories[1].sources = ids(&["K05"]);
        p.purposes[1].art9 = None;
    });
}

fn keep_network_data_forever(p: &mut Policy) {
    p.retention[1].clock = Clock::Indefinite("To recognise returning commenters.".into());
    p.retention[1].sources = ids(&["J30"]);
}

#[test]
fn j30_indefinite_retention_of_ip_addresses_and_user_agents_fires() {
    let finding = fires(
        LintRule::IndefiniteNetworkIdentifiers,
        &["J30"],
        keep_network_data_forever,
    );
    assert!(finding.is_blocking());
}

#[test]
fn j30_indefinite_retention_without_network_identifiers_is_silent() {
    silent(LintRule::IndefiniteNetworkIdentifiers, |p| {
        keep_network_data_forever(p);
        p.categories[2].identifiers.clear();
    });
}

#[test]
fn j30_a_stricter_enforced_clock_resolves_the_stated_one() {
    let finding = fires(LintRule::IndefiniteNetworkIdentifiers, &["J30"], |p| {
        p.retention[1].stated_clock = Some(Clock::Indefinite("Spam recognition.".into()));
        p.retention[1].sources = ids(&["J30"]);
    });
    let Some(Resolved::ByDeployerChoice(text)) = finding.resolved else {
        panic!("unresolved")
    };
    assert!(text.contains("90 days"), "{text}");
}

#[test]
fn j30_an_indefinite_enforced_clock_is_not_resolved_by_a_finite_stated_one() {
    let finding = fires(LintRule::IndefiniteNetworkIdentifiers, &["J30"], |p| {
        keep_network_data_forever(p);
        p.retention[1].stated_clock = Some(Clock::After(AfterEvents {
            events: vec![LifecycleEvent::Logged],
            period: period("30 days"),
            count_from: Default::default(),
        }));
    });
    assert!(finding.is_blocking());
}

#[test]
fn w01_j43_k45_continued_use_as_acceptance_warns() {
    let finding = fires(LintRule::ImpliedAcceptance, &["K45"], |p| {
        p.changes.acceptance = Acceptance::ContinuedUse;
        p.changes.sources = ids(&["K45"]);
    });
    assert!(!finding.is_blocking(), "a warning, not an error");
}

#[test]
fn k45_explicit_acceptance_is_silent() {
    silent(LintRule::ImpliedAcceptance, |p| {
        p.changes.acceptance = Acceptance::Explicit
    });
}

fn claim_end_to_end(p: &mut Policy, kind: ControlKind) {
    p.security.controls.push(SecurityControl {
        kind,
        statement: "End-to-end encryption for all data transmission and storage".into(),
        sources: ids(&["K24"]),
        deployer_choice: None,
    });
}

#[test]
fn k24_end_to_end_encryption_claim_warns() {
    fires(LintRule::EndToEndEncryptionClaim, &["K24"], |p| {
        claim_end_to_end(p, ControlKind::EndToEndEncryption);
    });
}

#[test]
fn k24_encryption_in_transit_is_silent() {
    silent(LintRule::EndToEndEncryptionClaim, |p| {
        claim_end_to_end(p, ControlKind::EncryptionInTransit)
    });
}

fn host_abroad(p: &mut Policy) {
    p.partners[0].country = CountryCode::try_from("US".to_owned()).expect("code");
    p.partners[0].sources = ids(&["J41"]);
}

#[test]
fn j41_k42_transfer_outside_residency_without_safeguard_fires() {
    fires(LintRule::TransferWithoutSafeguard, &["J41"], host_abroad);
}

#[test]
fn k42_a_stated_safeguard_is_silent() {
    silent(LintRule::TransferWithoutSafeguard, |p| {
        host_abroad(p);
        p.partners[0].transfer_safeguard = Some(TransferSafeguard::ContractualClauses);
    });
}

fn profile_without_consent(p: &mut Policy) {
    p.purposes[0].profiling = true;
    p.purposes[0].sources = ids(&["K16"]);
    p.rights
        .retain(|r| r.kind != pledge_policy::model::RightKind::Objection);
}

#[test]
fn w24_j33_k16_profiling_without_consent_or_objection_warns() {
    fires(
        LintRule::ProfilingWithoutObjection,
        &["K16"],
        profile_without_consent,
    );
}

#[test]
fn k16_profiling_with_a_right_to_object_is_silent() {
    silent(LintRule::ProfilingWithoutObjection, |p| {
        p.purposes[0].profiling = true;
    });
}

#[test]
fn an_unused_category_warns_and_a_used_one_is_silent() {
    fires(LintRule::UnusedCategory, &["T04"], |p| {
        p.purposes[0].categories.retain(|c| c.as_str() != "network");
    });
    silent(LintRule::UnusedCategory, |_| {});
}

#[test]
fn a_rule_without_sources_warns() {
    let finding = fires(LintRule::UntracedRule, &[], |p| {
        p.cookie_catalogue[0].sources.clear()
    });
    assert!(
        finding.message.contains("cookie `session`"),
        "{}",
        finding.message
    );
    silent(LintRule::UntracedRule, |_| {});
}

#[test]
fn deployer_choices_are_listed_for_review() {
    let finding = fires(LintRule::DeployerChoice, &["T09"], |p| {
        p.retention[1].deployer_choice = Some(DeployerChoice {
            fields: vec!["clock".into()],
            reason: "purged regularly".into(),
        });
    });
    assert!(finding.message.contains("purged regularly"));
    silent(LintRule::DeployerChoice, |_| {});
}

#[test]
fn every_rule_has_a_unique_id_that_round_trips() {
    for rule in LintRule::ALL {
        assert_eq!(LintRule::from_id(rule.id()), Some(rule));
    }
    let mut ids: Vec<&str> = LintRule::ALL.iter().map(|r| r.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), LintRule::ALL.len());
    let _ = minimal();
}

//! The three seed packs: they load, encode every promise of their seed, name no unknown promise,
//! lint without blocking findings, and report the contradictions their seeds contain.

use std::collections::BTreeSet;

use pledge_policy::promise::{SEED_REGISTER, referenced};
use pledge_policy::{LintRule, PromiseId, lint, packs};

#[test]
fn every_pack_loads() {
    for pack in packs::ALL {
        if let Err(err) = pack.load() {
            panic!("{}: {err}", pack.name);
        }
    }
}

#[test]
fn every_pack_encodes_every_promise_of_its_seed_and_no_unknown_one() {
    for block in SEED_REGISTER {
        let pack = packs::find(block.pack).expect("a pack per register block");
        let policy = pack.load().expect("loads");
        let named = referenced(policy.policy());
        let expected: BTreeSet<PromiseId> = block.ids().collect();
        let missing: Vec<&PromiseId> = expected.difference(&named).collect();
        let unknown: Vec<&PromiseId> = named.difference(&expected).collect();
        assert!(
            missing.is_empty(),
            "{} does not encode {missing:?}",
            pack.name
        );
        assert!(
            unknown.is_empty(),
            "{} names promises outside its seed: {unknown:?}",
            pack.name
        );
    }
}

#[test]
fn no_pack_has_a_blocking_lint_finding() {
    for pack in packs::ALL {
        let policy = pack.load().expect("loads");
        let blocking: Vec<_> = lint(&policy)
            .into_iter()
            .filter(|f| f.is_blocking())
            .collect();
        assert!(blocking.is_empty(), "{}: {blocking:#?}", pack.name);
    }
}

/// The contradictions each seed contains, as (rule, promise IDs the finding must name).
const EXPECTED: [(&str, LintRule, &[&str]); 14] = [
    ("kexara", LintRule::ErasureVsRetention, &["K22", "K33"]),
    ("kexara", LintRule::AnonymityVsIdentifiers, &["K09", "K40"]),
    (
        "kexara",
        LintRule::SpecialCategoryWithoutCondition,
        &["K05"],
    ),
    ("kexara", LintRule::EndToEndEncryptionClaim, &["K24"]),
    ("kexara", LintRule::ImpliedAcceptance, &["K45"]),
    ("jtec", LintRule::ClosedPurposeList, &["J02", "J26"]),
    ("jtec", LintRule::OptionalCookiesWithoutConsent, &["J24"]),
    ("jtec", LintRule::SpecialCategoryWithoutCondition, &["J03"]),
    ("jtec", LintRule::IndefiniteNetworkIdentifiers, &["J30"]),
    ("jtec", LintRule::ImpliedAcceptance, &["J43"]),
    (
        "westmontera",
        LintRule::AnonymityVsIdentifiers,
        &["W13", "W14"],
    ),
    (
        "westmontera",
        LintRule::OptionalCookiesWithoutConsent,
        &["W19"],
    ),
    (
        "westmontera",
        LintRule::SpecialCategoryWithoutCondition,
        &["W36"],
    ),
    ("westmontera", LintRule::ImpliedAcceptance, &["W01"]),
];

#[test]
fn w13_w14_w19_w36_j02_j26_j03_j24_j30_k22_k33_k09_k40_k05_linter_reports_seed_contradictions() {
    for (name, rule, ids) in EXPECTED {
        let policy = packs::load_pack(name).expect("loads");
        let found = lint(&policy).into_iter().any(|f| {
            f.rule == rule
                && ids
                    .iter()
                    .all(|id| f.promises.iter().any(|p| p.as_str() == *id))
        });
        assert!(found, "{name}: expected a {rule} finding naming {ids:?}");
    }
}

#[test]
fn every_pack_resolves_what_it_reports_with_a_recorded_reason() {
    for pack in packs::ALL {
        let policy = pack.load().expect("loads");
        for finding in lint(&policy) {
            if finding.rule.severity() == pledge_policy::Severity::Error {
                assert!(finding.resolved.is_some(), "{}: {finding:#?}", pack.name);
            }
        }
    }
}

#[test]
fn unknown_pack_names_list_the_known_ones() {
    let err = packs::load_pack("acme").expect_err("no such pack");
    let text = err.to_string();
    assert!(text.contains("acme") && text.contains("kexara"), "{text}");
}

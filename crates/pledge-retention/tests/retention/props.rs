//! Property tests: never early, holds win, deterministic, monotonic in time, and blind to
//! events no applicable rule mentions.

use std::collections::BTreeSet;

use pledge_domain::LifecycleEvent;
use pledge_policy::model::Clock;
use pledge_policy::packs::load_pack;
use pledge_retention::{Decision, Due, EventAt, RequestKind};
use proptest::prelude::*;
use proptest::sample::select;

use crate::support::{Record, day, engine};

const PACKS: [&str; 3] = ["kexara", "jtec", "westmontera"];

fn categories(pack: &str) -> Vec<String> {
    let policy = load_pack(pack).expect("pack");
    policy
        .policy()
        .categories
        .iter()
        .map(|c| c.id.to_string())
        .collect()
}

/// Events the rules covering `category` count from.
fn events_used(pack: &str, category: &str) -> BTreeSet<LifecycleEvent> {
    let policy = load_pack(pack).expect("pack");
    let mut used = BTreeSet::new();
    for rule in &policy.policy().retention {
        if !rule.categories.iter().any(|c| c.as_str() == category) {
            continue;
        }
        match &rule.clock {
            Clock::After(after) => used.extend(after.events.iter().copied()),
            Clock::Until(event) => {
                used.insert(*event);
            }
            Clock::Indefinite(_) => {}
        }
    }
    used
}

fn record_strategy() -> impl Strategy<Value = (&'static str, Record, i64)> {
    select(PACKS.to_vec()).prop_flat_map(|pack| {
        let events =
            prop::collection::vec((select(LifecycleEvent::ALL.to_vec()), 0i64..4000), 0..6);
        (Just(pack), select(categories(pack)), events, 0i64..6000).prop_map(
            |(pack, category, events, now)| {
                let mut record = Record::of(&category);
                for (event, at) in events {
                    record = record.with(event, day(at));
                }
                (pack, record, now)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_due_before_every_applicable_rule_allows((pack, record, now) in record_strategy()) {
        let e = engine(pack);
        let decision = record.decide(e, day(now));
        if decision.is_due() {
            for (rule, due) in e.rule_dues(&record.facts(e), day(now)).expect("dues") {
                prop_assert!(matches!(due, Due::At(at) if at <= day(now)), "{rule} not due: {due:?}");
            }
        }
    }

    #[test]
    fn an_active_hold_always_wins((pack, record, now) in record_strategy()) {
        let e = engine(pack);
        let held = record.held(None).request(RequestKind::Erasure, day(0));
        prop_assert!(matches!(held.decide(e, day(now)), Decision::Held(_)));
    }

    #[test]
    fn decisions_are_deterministic((pack, record, now) in record_strategy()) {
        let e = engine(pack);
        prop_assert_eq!(record.decide(e, day(now)), record.decide(e, day(now)));
    }

    #[test]
    fn once_due_a_record_stays_due((pack, record, now) in record_strategy(), later in 0i64..5000) {
        let e = engine(pack);
        let horizon = day(4000);
        let start = day(now).max(horizon);
        if record.decide(e, start).is_due() {
            prop_assert!(record.decide(e, start + time::Duration::days(later)).is_due());
        }
    }

    #[test]
    fn unrelated_events_change_nothing((pack, record, now) in record_strategy(),
            event in select(LifecycleEvent::ALL.to_vec()), at in 0i64..6000) {
        let used = events_used(pack, record.category.as_str());
        prop_assume!(!used.contains(&event));
        let e = engine(pack);
        let before = record.decide(e, day(now));
        let mut after = record;
        after.events.push(EventAt { event, at: day(at) });
        prop_assert_eq!(after.decide(e, day(now)), before);
    }
}

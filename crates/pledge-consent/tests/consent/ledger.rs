//! The ledger: states computed from events, history, and a model-based property test.

use pledge_consent::{Change, ConsentState, ConsentTarget, Ledger};
use proptest::prelude::*;

use crate::support::{day, event, person, purpose, record};

#[test]
fn a_notice_does_not_change_the_state_and_history_keeps_time_order() {
    let mut ledger = Ledger::new();
    let me = person(1);
    let target = ConsentTarget::Purpose(purpose("analytics"));
    record(&mut ledger, me, target.clone(), Change::Granted, day(5));
    record(
        &mut ledger,
        me,
        target.clone(),
        Change::NoticeServed,
        day(6),
    );
    record(&mut ledger, me, target.clone(), Change::Withdrawn, day(1)); // entered late
    assert!(matches!(
        ledger.state(me, &target, day(7)),
        ConsentState::Granted { .. }
    ));
    assert!(matches!(
        ledger.state(me, &target, day(2)),
        ConsentState::Withdrawn { .. }
    ));
    assert_eq!(ledger.state(me, &target, day(0)), ConsentState::Never);
    let changes: Vec<Change> = ledger.history(me).iter().map(|e| e.change).collect();
    assert_eq!(
        changes,
        [Change::Withdrawn, Change::Granted, Change::NoticeServed]
    );
}

fn change_strategy() -> impl Strategy<Value = Change> {
    prop_oneof![
        Just(Change::Granted),
        Just(Change::Withdrawn),
        Just(Change::Expired),
        Just(Change::NoticeServed)
    ]
}

proptest! {
    /// The state at any time is that of the latest decision at or before it, whatever order the
    /// events were recorded in.
    #[test]
    fn the_state_is_the_latest_decision_at_or_before_the_time(
        events in prop::collection::vec((change_strategy(), 0i64..50), 0..20),
        at in 0i64..60,
    ) {
        let mut ledger = Ledger::new();
        let target = ConsentTarget::Purpose(purpose("analytics"));
        for (change, when) in &events {
            ledger.record(event(person(1), target.clone(), *change, day(*when))).expect("recorded");
        }
        let expected = events
            .iter()
            .enumerate()
            .filter(|(_, (change, when))| *change != Change::NoticeServed && *when <= at)
            .max_by_key(|(position, (_, when))| (*when, *position))
            .map(|(_, (change, _))| *change);
        let state = ledger.state(person(1), &target, day(at));
        let actual = match state {
            ConsentState::Never => None,
            ConsentState::Granted { .. } => Some(Change::Granted),
            ConsentState::Withdrawn { .. } => Some(Change::Withdrawn),
            ConsentState::Expired { .. } => Some(Change::Expired),
        };
        prop_assert_eq!(actual, expected);
    }
}

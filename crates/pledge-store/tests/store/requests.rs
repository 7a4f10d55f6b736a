//! Data-subject requests: deadlines from each pack, the calendar-month rule, weekends,
//! extensions and overdue lists, on both backends.

use pledge_policy::model::{IdentityCheck, RightKind};
use pledge_policy::packs::load_pack;
use pledge_store::requests::{Holidays, NonWorkingDay, RequestStatus, deadline, deadline_with};
use pledge_store::{NewPerson, StoreError};
use time::macros::datetime;

use crate::support::{now, on_both};

fn someone() -> NewPerson {
    NewPerson {
        display_name: "Lin".into(),
        email: "lin@example.org".into(),
        date_of_birth: None,
    }
}

#[test]
fn calendar_months_follow_the_ico_rule_and_weekends_move_to_the_friday_before() {
    let month = "1 month".parse().unwrap();
    assert_eq!(
        deadline(datetime!(2025-01-31 9:00 UTC), month),
        Some(datetime!(2025-02-28 9:00 UTC))
    );
    assert_eq!(
        deadline(datetime!(2024-01-31 9:00 UTC), month),
        Some(datetime!(2024-02-29 9:00 UTC))
    );
    // 2025-03-01 is a Saturday: the answer is due on Friday 28 February, never later than the
    // month promised.
    assert_eq!(
        deadline(datetime!(2025-02-01 9:00 UTC), month),
        Some(datetime!(2025-02-28 9:00 UTC))
    );
    let thirty = "30 days".parse().unwrap();
    assert_eq!(
        deadline(datetime!(2025-01-01 9:00 UTC), thirty),
        Some(datetime!(2025-01-31 9:00 UTC))
    );
}

#[test]
fn k22_public_holidays_move_a_deadline_earlier_unless_a_named_rule_allows_later() {
    let holidays = Holidays::parse("2025-12-25, 2025-12-26\n2026-01-01").unwrap();
    let thirty = "30 days".parse().unwrap();
    let received = datetime!(2025-11-25 9:00 UTC);
    // Due on Christmas Day: Wednesday 24 December, the last working day within 30 days.
    assert_eq!(
        deadline_with(received, thirty, &holidays, NonWorkingDay::Earlier),
        Some(datetime!(2025-12-24 9:00 UTC))
    );
    // Where the pack names the statutory rule: Boxing Day is a holiday too, then a weekend,
    // so Monday 29 December.
    assert_eq!(
        deadline_with(received, thirty, &holidays, NonWorkingDay::Later),
        Some(datetime!(2025-12-29 9:00 UTC))
    );
    assert_eq!(
        deadline(received, thirty),
        Some(datetime!(2025-12-25 9:00 UTC)),
        "without holidays only weekends move"
    );
    // A period with no working day in it keeps its calendar end rather than going back to
    // the day it started.
    let weekend = Holidays::default();
    let one_day = "1 day".parse().unwrap();
    assert_eq!(
        deadline_with(
            datetime!(2025-11-28 9:00 UTC),
            one_day,
            &weekend,
            NonWorkingDay::Earlier
        ),
        Some(datetime!(2025-11-29 9:00 UTC))
    );
    let refused = Holidays::parse("2025-12-25, 25/12/2025");
    assert!(
        matches!(refused, Err(StoreError::Invalid(m)) if m.contains("YYYY-MM-DD")),
        "{refused:?}"
    );
}

/// K20, K22: the organisation's holidays configured on the store move the deadline it gives:
/// under Kexara (no rule allowing later) to the working day before, so never past the 30 days
/// promised; under JTEC, whose pack names the ICO's rule, to the next working day.
#[tokio::test(flavor = "multi_thread")]
async fn k20_k22_a_deadline_on_a_configured_holiday_moves_earlier_unless_the_pack_names_a_rule() {
    let kexara = load_pack("kexara").unwrap();
    let jtec = load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let store = store.with_holidays(Holidays::parse("2025-12-25 2025-12-26").unwrap());
        let actor = store.audit().service("privacy-office");
        let person = store.create_person(&someone(), actor, now()).await.unwrap();
        let request = store
            .open_request(
                person,
                RightKind::Access,
                &kexara,
                datetime!(2025-11-25 9:00 UTC),
                actor,
            )
            .await
            .unwrap();
        assert_eq!(request.due_at, datetime!(2025-12-24 9:00 UTC));
        let request = store
            .open_request(
                person,
                RightKind::Access,
                &jtec,
                datetime!(2025-11-25 9:00 UTC),
                actor,
            )
            .await
            .unwrap();
        assert_eq!(request.due_at, datetime!(2025-12-29 9:00 UTC));
    })
    .await;
}

/// K20, K22: Kexara answers access and deletion requests within 30 days.
#[tokio::test(flavor = "multi_thread")]
async fn k20_k22_kexara_requests_are_due_30_days_after_receipt() {
    let kexara = load_pack("kexara").unwrap();
    on_both(async |store, _, _| {
        let actor = store.audit().service("privacy-office");
        let person = store.create_person(&someone(), actor, now()).await.unwrap();
        let received = datetime!(2025-01-01 9:00 UTC);
        for kind in [RightKind::Access, RightKind::Erasure] {
            let request = store
                .open_request(person, kind, &kexara, received, actor)
                .await
                .unwrap();
            assert_eq!(request.due_at, datetime!(2025-01-31 9:00 UTC), "{kind:?}");
            assert_eq!(request.status, RequestStatus::Open);
            assert_eq!(request.days_left(datetime!(2025-01-21 9:00 UTC)), 10);
            // The countdown counts calendar days: one left the evening before, none on the
            // day, and minus one (overdue) the day after.
            assert_eq!(request.days_left(datetime!(2025-01-30 22:00 UTC)), 1);
            assert_eq!(request.days_left(datetime!(2025-01-31 18:00 UTC)), 0);
            assert_eq!(request.days_left(datetime!(2025-02-01 1:00 UTC)), -1);
            assert!(request.is_overdue(datetime!(2025-02-01 1:00 UTC)));
        }
        let refused = store
            .open_request(person, RightKind::Restriction, &kexara, received, actor)
            .await;
        assert!(
            matches!(refused, Err(StoreError::RightNotOffered("restriction"))),
            "{refused:?}"
        );
        let access = store
            .open_request(person, RightKind::Access, &kexara, received, actor)
            .await
            .unwrap();
        let no_extension = store
            .extend_request(access.id, &kexara, actor, received)
            .await;
        assert!(
            matches!(no_extension, Err(StoreError::ExtensionNotAllowed(_))),
            "{no_extension:?}"
        );
    })
    .await;
}

/// J35, J38: JTEC answers within one calendar month, extendable once by two months.
#[tokio::test(flavor = "multi_thread")]
async fn j35_j38_jtec_requests_take_a_calendar_month_and_extend_once_by_two() {
    let jtec = load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let actor = store.audit().service("privacy-office");
        let person = store.create_person(&someone(), actor, now()).await.unwrap();
        let received = datetime!(2025-01-15 9:00 UTC);
        let request = store
            .open_request(person, RightKind::Portability, &jtec, received, actor)
            .await
            .unwrap();
        // 15 February 2025 is a Saturday.
        assert_eq!(request.due_at, datetime!(2025-02-17 9:00 UTC));
        let extended = store
            .extend_request(request.id, &jtec, actor, received)
            .await
            .unwrap();
        assert_eq!(extended.status, RequestStatus::Extended);
        assert_eq!(extended.due_at, datetime!(2025-04-17 9:00 UTC));
        let again = store
            .extend_request(request.id, &jtec, actor, received)
            .await;
        assert!(
            matches!(again, Err(StoreError::ExtensionNotAllowed(_))),
            "{again:?}"
        );
        let late = store
            .open_request(person, RightKind::Access, &jtec, received, actor)
            .await
            .unwrap();
        let too_late = store
            .extend_request(late.id, &jtec, actor, datetime!(2025-03-01 9:00 UTC))
            .await;
        assert!(
            matches!(too_late, Err(StoreError::ExtensionNotAllowed(_))),
            "{too_late:?}"
        );
        let unverified = store.complete_request(late.id, actor, received).await;
        assert!(
            matches!(unverified, Err(StoreError::IdentityNotVerified(_))),
            "{unverified:?}"
        );
        for id in [late.id] {
            store
                .verify_identity(id, IdentityCheck::SignedIn, &jtec, None, actor, received)
                .await
                .unwrap();
        }
        store
            .complete_request(late.id, actor, received)
            .await
            .unwrap();
        let restriction = store
            .open_request(person, RightKind::Restriction, &jtec, received, actor)
            .await
            .unwrap();
        let overdue = store
            .overdue_requests(datetime!(2025-03-01 9:00 UTC))
            .await
            .unwrap();
        assert_eq!(
            overdue.iter().map(|r| r.id).collect::<Vec<_>>(),
            [restriction.id]
        );
        store
            .verify_identity(
                restriction.id,
                IdentityCheck::Document,
                &jtec,
                None,
                actor,
                received,
            )
            .await
            .unwrap();
        store
            .complete_request(restriction.id, actor, datetime!(2025-03-02 9:00 UTC))
            .await
            .unwrap();
        assert!(
            store
                .overdue_requests(datetime!(2025-03-03 9:00 UTC))
                .await
                .unwrap()
                .is_empty()
        );
        let verified = store
            .audit()
            .verify(store.connection())
            .await
            .unwrap()
            .expect("intact");
        // The person, three requests, one extension, two identity checks, two completions,
        // and the reads of the person's address for the three notices: refusals write nothing.
        assert_eq!(verified.size(), 12);
        let notices: Vec<String> = store
            .pending_messages(person)
            .await
            .unwrap()
            .into_iter()
            .map(|(kind, _, _)| kind)
            .collect();
        assert_eq!(
            notices,
            ["request-extended", "request-completed", "request-completed"]
        );
    })
    .await;
}

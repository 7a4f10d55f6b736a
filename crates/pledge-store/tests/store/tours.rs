//! Tours on both backends: bookings made at the same moment never oversell a departure; a
//! booking holds seats until its payment, and a failed payment frees them; accessibility needs
//! are kept only with explicit consent, recorded, and read only in the coordinators' manifest
//! (K05); bad input writes nothing.

use std::sync::Arc;

use pledge_store::payments::{NewPayment, PaymentEvent, PaymentOutcome, Purchase};
use pledge_store::tours::{AccessibilityNeeds, NewBooking, NewTour, Traveller};
use pledge_store::{Store, StoreError};
use uuid::Uuid;

use crate::learning::learner;
use crate::support::{count, kexara, now, on_both};

async fn departure(store: &Store, capacity: i32) -> Uuid {
    let tour = store
        .add_tour(&NewTour {
            slug: "rockies".to_owned(),
            title: "The Rockies by rail".to_owned(),
            summary: "Five days.".to_owned(),
            operator: "tour-operator".to_owned(),
            price_cents: 120_000,
            currency: "CAD".to_owned(),
        })
        .await
        .unwrap();
    let start = now() + time::Duration::days(30);
    store
        .add_departure(tour, start, start + time::Duration::days(5), capacity)
        .await
        .unwrap()
}

fn booking(person: pledge_domain::PersonId, departure: Uuid, seats: usize) -> NewBooking {
    NewBooking {
        person,
        departure,
        travellers: (1..=seats)
            .map(|n| Traveller {
                full_name: format!("Traveller {n}"),
                date_of_birth: time::macros::date!(1985 - 04 - 12),
            })
            .collect(),
        preferences: "Window seats".to_owned(),
        accessibility: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_bookings_never_oversell_a_departure() {
    let policy = Arc::new(kexara());
    on_both(async |store, _, _| {
        let departure = departure(&store, 5).await;
        let mut people = Vec::new();
        for _ in 0..10 {
            people.push(learner(&store).await);
        }
        let attempts = people.into_iter().map(|person| {
            let store = store.clone();
            let policy = Arc::clone(&policy);
            tokio::spawn(async move {
                store
                    .book_tour(&policy, &booking(person, departure, 1), now())
                    .await
            })
        });
        let mut booked = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) => booked += 1,
                Err(StoreError::Refused(problems)) => assert_eq!(problems[0].field, "seats"),
                Err(other) => panic!("unexpected: {other}"),
            }
        }
        assert_eq!(booked, 5, "exactly the capacity");
        assert_eq!(
            count(&store, "SELECT SUM(seats_taken) FROM departure").await,
            5
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM tour_booking").await, 5);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM traveller").await,
            5,
            "refusals wrote nothing"
        );
    })
    .await;
}

/// Pays for `held` through the processor: the payment started, then its notification applied
/// with `outcome`.
async fn pay(
    store: &Store,
    policy: &pledge_policy::ValidPolicy,
    person: pledge_domain::PersonId,
    held: pledge_store::tours::Held,
    reference: &str,
    outcome: PaymentOutcome,
) {
    store
        .start_payment(
            policy,
            &NewPayment {
                id: Uuid::now_v7(),
                person,
                purchase: Purchase::TourBooking(held.booking),
                amount_cents: held.amount_cents,
                currency: "CAD".to_owned(),
                processor: "sandbox".to_owned(),
                processor_ref: reference.to_owned(),
                billing_name: "Ada".to_owned(),
            },
            now(),
        )
        .await
        .unwrap();
    let event = PaymentEvent {
        processor: "sandbox".to_owned(),
        event_id: format!("evt_{reference}"),
        processor_ref: reference.to_owned(),
        outcome,
    };
    store
        .apply_payment_event(policy, &event, now())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_payment_frees_the_seats_and_a_paid_one_confirms_the_booking() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let departure = departure(&store, 4).await;
        let person = learner(&store).await;
        let held = store
            .book_tour(&policy, &booking(person, departure, 3), now())
            .await
            .unwrap();
        assert_eq!(held.amount_cents, 360_000, "three seats");
        pay(
            &store,
            &policy,
            person,
            held,
            "cs_fail",
            PaymentOutcome::Failed,
        )
        .await;
        assert_eq!(
            count(&store, "SELECT SUM(seats_taken) FROM departure").await,
            0
        );
        let held = store
            .book_tour(&policy, &booking(person, departure, 4), now())
            .await
            .unwrap();
        pay(&store, &policy, person, held, "cs_ok", PaymentOutcome::Paid).await;
        let mine = store.bookings_of(&policy, person, now()).await.unwrap();
        let statuses: Vec<&str> = mine.iter().map(|b| b.status.as_str()).collect();
        assert_eq!(statuses, ["confirmed", "cancelled"]);
        assert_eq!(mine[0].travellers.len(), 4);
        assert_eq!(mine[0].preferences, "Window seats");
        assert_eq!(mine[0].departure.seats_left(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k05_accessibility_needs_need_explicit_consent_and_only_the_manifest_shows_them() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let departure = departure(&store, 4).await;
        let person = learner(&store).await;
        let coordinator = learner(&store).await;
        let mut form = booking(person, departure, 1);
        form.accessibility = Some(AccessibilityNeeds {
            needs: "Step-free access".to_owned(),
            consented: false,
            consent_text: "I give my explicit consent".to_owned(),
        });
        let Err(StoreError::Refused(problems)) = store.book_tour(&policy, &form, now()).await
        else {
            panic!("needs without consent are refused");
        };
        assert_eq!(problems[0].field, "accessibility_consent");
        assert_eq!(count(&store, "SELECT COUNT(*) FROM tour_booking").await, 0);
        assert_eq!(
            count(&store, "SELECT SUM(seats_taken) FROM departure").await,
            0
        );

        if let Some(needs) = form.accessibility.as_mut() {
            needs.consented = true;
        }
        store.book_tour(&policy, &form, now()).await.unwrap();
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM consent_event WHERE purpose = 'tour-accessibility' AND given"
            )
            .await,
            1,
            "the explicit consent is in the ledger"
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM accessibility_need WHERE consent_event_id IS NOT NULL"
            )
            .await,
            1
        );
        let own = store.bookings_of(&policy, person, now()).await.unwrap();
        assert_eq!(own[0].accessibility, None, "not in the booker's list");
        let before = count(&store, "SELECT COUNT(*) FROM audit_record").await;
        let manifest = store
            .manifest(&policy, departure, coordinator, now())
            .await
            .unwrap();
        assert_eq!(
            manifest[0].accessibility.as_deref(),
            Some("Step-free access")
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_record").await,
            before + 2,
            "the manifest read is audited, the needs under their own purpose"
        );
        let westmontera = pledge_policy::packs::find("westmontera")
            .unwrap()
            .load()
            .unwrap();
        assert!(matches!(
            store
                .book_tour(&westmontera, &booking(person, departure, 1), now())
                .await,
            Err(StoreError::ModuleDisabled("tours"))
        ));
    })
    .await;
}

/// K43: a booking naming a traveller below the policy's minimum age (13 under Kexara) is
/// refused on that traveller's date of birth, and nothing of it is kept: no booking, no
/// travellers, no seats, no audit entry naming them.
#[tokio::test(flavor = "multi_thread")]
async fn k43_a_child_below_the_minimum_age_cannot_be_booked_and_nothing_is_kept() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let departure = departure(&store, 4).await;
        let person = learner(&store).await;
        let audit_before = count(&store, "SELECT COUNT(*) FROM audit_record").await;
        let mut form = booking(person, departure, 2);
        form.travellers[1] = Traveller {
            full_name: "Small Child".to_owned(),
            date_of_birth: time::macros::date!(2020 - 06 - 01),
        };
        let Err(StoreError::Refused(problems)) = store.book_tour(&policy, &form, now()).await
        else {
            panic!("a child under 13 is refused");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "traveller_2_birth");
        assert!(
            problems[0].message.contains("under 13"),
            "{}",
            problems[0].message
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM tour_booking").await, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM traveller").await, 0);
        assert_eq!(
            count(
                &store,
                "SELECT COALESCE(SUM(seats_taken), 0) FROM departure"
            )
            .await,
            0
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_record").await,
            audit_before
        );
    })
    .await;
}

/// J38 (restriction, under Kexara's store): a booker who restricted processing for the tour's
/// service is left out of what the tour operator is sent, and is in it again once lifted.
#[tokio::test(flavor = "multi_thread")]
async fn j38_a_restricted_booker_is_left_out_of_the_manifest_until_lifted() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let departure = departure(&store, 4).await;
        let coordinator = learner(&store).await;
        let office = store.audit().service("privacy-office");
        let mut bookers = Vec::new();
        for n in 0..2 {
            let person = learner(&store).await;
            let held = store
                .book_tour(&policy, &booking(person, departure, 1), now())
                .await
                .unwrap();
            let reference = format!("cs_{n}_{person}");
            pay(
                &store,
                &policy,
                person,
                held,
                &reference,
                PaymentOutcome::Paid,
            )
            .await;
            bookers.push(person);
        }
        let restricted = bookers[0];
        let restriction = store
            .restrict_processing(
                restricted,
                &[pledge_domain::PurposeId::new("service-delivery").unwrap()],
                "I dispute my booking",
                &policy,
                office,
                now(),
            )
            .await
            .unwrap();
        let sent = store
            .send_manifest(&policy, departure, coordinator, now())
            .await
            .unwrap();
        assert_eq!(sent, 1, "only the unrestricted booker");
        assert!(store.disclosures_for(restricted).await.unwrap().is_empty());
        assert_eq!(store.disclosures_for(bookers[1]).await.unwrap().len(), 1);
        store
            .lift_restriction(restriction, restricted, office, now())
            .await
            .unwrap();
        let sent = store
            .send_manifest(&policy, departure, coordinator, now())
            .await
            .unwrap();
        assert_eq!(sent, 2);
        assert_eq!(store.disclosures_for(restricted).await.unwrap().len(), 1);
    })
    .await;
}

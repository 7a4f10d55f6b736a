//! Payments on both backends: a pending payment becomes an enrolment only when the processor's
//! notification says it was paid; the same notification twice (or two at once) changes
//! nothing; a refund withdraws the enrolment; reads are audited; bad input writes nothing
//! (W11, W12, K35).

use pledge_store::payments::{
    Applied, NewPayment, PaymentEvent, PaymentOutcome, PaymentStatus, Purchase,
};
use pledge_store::{Store, StoreError};
use uuid::Uuid;

use crate::learning::{course_with_lessons, learner};
use crate::support::{count, kexara, now, on_both};

async fn pending(store: &Store, person: pledge_domain::PersonId, reference: &str) -> Uuid {
    let course = store.course_by_slug("itil").await.unwrap().unwrap();
    let id = Uuid::now_v7();
    store
        .start_payment(
            &kexara(),
            &NewPayment {
                id,
                person,
                purchase: Purchase::Course(course.id),
                amount_cents: course.price_cents,
                currency: course.currency,
                processor: "sandbox".to_owned(),
                processor_ref: reference.to_owned(),
                billing_name: "Ada Lovelace".to_owned(),
            },
            now(),
        )
        .await
        .unwrap();
    id
}

fn event(id: &str, reference: &str, outcome: PaymentOutcome) -> PaymentEvent {
    PaymentEvent {
        processor: "sandbox".to_owned(),
        event_id: id.to_owned(),
        processor_ref: reference.to_owned(),
        outcome,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn w11_a_paid_notification_enrols_once_however_often_it_arrives() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "itil", 49_900, 2).await;
        let person = learner(&store).await;
        let payment = pending(&store, person, "cs_1").await;
        assert!(
            store
                .enrolment_in(person, "itil", &policy, now())
                .await
                .unwrap()
                .is_none(),
            "nothing is delivered before the processor confirms"
        );
        let paid = event("evt_1", "cs_1", PaymentOutcome::Paid);
        let (a, b) = tokio::join!(
            store.apply_payment_event(&policy, &paid, now()),
            store.apply_payment_event(&policy, &paid, now())
        );
        let mut outcomes = [a.unwrap(), b.unwrap()];
        outcomes.sort_by_key(|o| format!("{o:?}"));
        assert_eq!(
            outcomes,
            [Applied::AlreadyDone, Applied::Changed(PaymentStatus::Paid)],
            "the same event delivered twice at once is applied once"
        );
        let other_event = event("evt_2", "cs_1", PaymentOutcome::Paid);
        assert_eq!(
            store
                .apply_payment_event(&policy, &other_event, now())
                .await
                .unwrap(),
            Applied::AlreadyDone,
            "a second 'paid' for a paid payment changes nothing"
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM enrolment").await, 1);
        assert!(
            store
                .enrolment_in(person, "itil", &policy, now())
                .await
                .unwrap()
                .is_some()
        );
        let mine = store.payments_of(&policy, person, now()).await.unwrap();
        assert_eq!(mine.len(), 1);
        let receipt = &mine[0];
        assert_eq!((receipt.id, receipt.status), (payment, PaymentStatus::Paid));
        assert_eq!(receipt.billing_name, "Ada Lovelace");
        assert!(
            receipt
                .receipt_number
                .as_deref()
                .is_some_and(|n| n.starts_with('R'))
        );
        assert!(receipt.paid_at.is_some());
        assert_eq!(
            store
                .apply_payment_event(
                    &policy,
                    &event("evt_x", "cs_unknown", PaymentOutcome::Paid),
                    now()
                )
                .await
                .unwrap(),
            Applied::UnknownPayment
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k35_a_refund_withdraws_the_enrolment_and_keeps_the_payment_record() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "itil", 49_900, 2).await;
        let person = learner(&store).await;
        let staff = learner(&store).await;
        let payment = pending(&store, person, "cs_2").await;
        store
            .apply_payment_event(
                &policy,
                &event("evt_1", "cs_2", PaymentOutcome::Paid),
                now(),
            )
            .await
            .unwrap();
        store
            .record_refund_request(&policy, payment, "re_1", staff, now())
            .await
            .unwrap();
        assert!(
            matches!(
                store
                    .record_refund_request(&policy, payment, "re_2", staff, now())
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "a refund is asked for once"
        );
        let summary = store.payment_summary(payment).await.unwrap().unwrap();
        assert_eq!(summary.status, PaymentStatus::RefundPending);
        let refunded = event(
            "evt_2",
            "cs_2",
            PaymentOutcome::Refunded {
                refund_ref: "re_1".to_owned(),
            },
        );
        assert_eq!(
            store
                .apply_payment_event(&policy, &refunded, now())
                .await
                .unwrap(),
            Applied::Changed(PaymentStatus::Refunded)
        );
        assert!(
            store
                .enrolment_in(person, "itil", &policy, now())
                .await
                .unwrap()
                .is_none(),
            "a refunded course's lessons close"
        );
        assert!(matches!(
            store.finish_lesson(person, "itil", 1, &policy, now()).await,
            Err(StoreError::NotEnrolled)
        ));
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM refund WHERE status = 'done'").await,
            1
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM payment").await,
            1,
            "K35: the record stays"
        );
        // Paying again takes the enrolment up again.
        pending(&store, person, "cs_3").await;
        store
            .apply_payment_event(
                &policy,
                &event("evt_3", "cs_3", PaymentOutcome::Paid),
                now(),
            )
            .await
            .unwrap();
        assert!(
            store
                .enrolment_in(person, "itil", &policy, now())
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM enrolment").await, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_checkout_delivers_nothing_and_bad_input_writes_nothing() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "itil", 49_900, 2).await;
        let person = learner(&store).await;
        let payment = pending(&store, person, "cs_4").await;
        assert_eq!(
            store
                .apply_payment_event(
                    &policy,
                    &event("evt_1", "cs_4", PaymentOutcome::Failed),
                    now()
                )
                .await
                .unwrap(),
            Applied::Changed(PaymentStatus::Failed)
        );
        assert_eq!(
            store
                .payment_summary(payment)
                .await
                .unwrap()
                .unwrap()
                .status,
            PaymentStatus::Failed
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM enrolment").await, 0);

        let course = store.course_by_slug("itil").await.unwrap().unwrap();
        let blank_name = NewPayment {
            id: Uuid::now_v7(),
            person,
            purchase: Purchase::Course(course.id),
            amount_cents: course.price_cents,
            currency: course.currency.clone(),
            processor: "sandbox".to_owned(),
            processor_ref: "cs_5".to_owned(),
            billing_name: " ".to_owned(),
        };
        let Err(StoreError::Refused(problems)) =
            store.start_payment(&policy, &blank_name, now()).await
        else {
            panic!("a blank billing name is refused");
        };
        assert_eq!(problems[0].field, "billing_name");
        let free = NewPayment {
            amount_cents: 0,
            billing_name: "Ada".to_owned(),
            ..blank_name
        };
        assert!(matches!(
            store.start_payment(&policy, &free, now()).await,
            Err(StoreError::Invalid(_))
        ));
        let jtec = pledge_policy::packs::find("jtec").unwrap().load().unwrap();
        assert!(
            matches!(
                store
                    .start_payment(
                        &jtec,
                        &NewPayment {
                            amount_cents: 100,
                            ..free
                        },
                        now()
                    )
                    .await,
                Err(StoreError::ModuleDisabled("payments"))
            ),
            "a policy without payment data takes no payments"
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM payment").await, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k30_reading_payments_is_audited_for_the_payer_and_for_finance() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "itil", 49_900, 2).await;
        let person = learner(&store).await;
        let finance = learner(&store).await;
        pending(&store, person, "cs_6").await;
        let before = count(&store, "SELECT COUNT(*) FROM audit_record").await;
        store.payments_of(&policy, person, now()).await.unwrap();
        let all = store.all_payments(&policy, finance, now()).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_record").await,
            before + 2
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn w11_a_paid_payment_queues_one_receipt_addressed_when_it_is_sent() {
    use pledge_store::payments::RECEIPT_MESSAGE;
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "itil", 49_900, 2).await;
        let person = learner(&store).await;
        let payment = pending(&store, person, "cs_r").await;
        let mailer = store.audit().service("mailer");
        assert!(
            store.pending_messages(person).await.unwrap().is_empty(),
            "nothing is queued before the processor confirms"
        );
        let paid = event("evt_r", "cs_r", PaymentOutcome::Paid);
        for _ in 0..2 {
            store
                .apply_payment_event(&policy, &paid, now())
                .await
                .unwrap();
        }
        let queued = store.pending_messages(person).await.unwrap();
        assert_eq!(queued.len(), 1, "one receipt, however often the event came");
        assert_eq!(queued[0].0, RECEIPT_MESSAGE);
        assert_eq!(queued[0].2["payment"], payment.to_string());
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM outbox WHERE address IS NOT NULL"
            )
            .await,
            0,
            "no copy of the address waits in the outbox"
        );
        let claimed = store
            .claim_messages_of(
                &["something-else"],
                "w",
                10,
                time::Duration::minutes(5),
                now(),
            )
            .await
            .unwrap();
        assert!(
            claimed.is_empty(),
            "a sender only takes the kinds it asks for"
        );
        let claimed = store
            .claim_messages_of(
                &[RECEIPT_MESSAGE],
                "w",
                10,
                time::Duration::minutes(5),
                now(),
            )
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);

        let audited_before = count(&store, "SELECT COUNT(*) FROM audit_record").await;
        let receipt = store
            .receipt_email(&policy, payment, mailer, now())
            .await
            .unwrap()
            .expect("a receipt for the payer");
        assert_eq!(receipt.to, "ada@example.org");
        assert_eq!(receipt.payment.id, payment);
        assert_eq!(receipt.payment.billing_name, "Ada Lovelace");
        assert!(
            count(&store, "SELECT COUNT(*) FROM audit_record").await >= audited_before + 2,
            "reading the payment and the address is audited"
        );

        store
            .erase_person(person, &policy, store.audit().service("test"), now())
            .await
            .unwrap();
        assert!(
            store
                .receipt_email(&policy, payment, mailer, now())
                .await
                .unwrap()
                .is_none(),
            "an erased payer is sent nothing"
        );
        assert!(
            store
                .receipt_email(&policy, Uuid::now_v7(), mailer, now())
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

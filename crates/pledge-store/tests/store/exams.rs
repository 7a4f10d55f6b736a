//! Exams with partner bodies on both backends (J07, J40): booking records what the exam body
//! receives, a result is sealed and, for a funded course, shared with the funder and recorded;
//! partners the policy does not send exam data to are refused.

use pledge_store::StoreError;

use crate::learning::{course_with_lessons, learner};
use crate::support::{kexara, now, on_both};

#[tokio::test(flavor = "multi_thread")]
async fn j07_j40_bookings_and_funded_results_are_disclosed_as_the_registry_says() {
    let jtec = pledge_policy::packs::find("jtec").unwrap().load().unwrap();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "itil", 0, 1).await;
        let course = store.course_by_slug("itil").await.unwrap().unwrap();
        assert!(
            matches!(
                store
                    .offer_exam(&kexara(), course.id, "peoplecert", "ITIL exam")
                    .await,
                Err(StoreError::DisclosureRefused(_))
            ),
            "kexara has no exam body"
        );
        store
            .offer_exam(&jtec, course.id, "peoplecert", "ITIL 4 Foundation exam")
            .await
            .unwrap();
        let offer = store.exam_of(&jtec, course.id).await.unwrap().unwrap();
        assert_eq!(offer.partner_name, "Peoplecert");
        assert!(
            !offer.shared.is_empty() && !offer.why.is_empty(),
            "{offer:?}"
        );

        let person = learner(&store).await;
        let staff = crate::teaching::instructor_of(&store, &jtec, course.id).await;
        let not_teaching = learner(&store).await;
        let sitting = now() + time::Duration::days(14);
        assert!(matches!(
            store.book_exam(&jtec, person, "itil", sitting, now()).await,
            Err(StoreError::NotEnrolled)
        ));
        store
            .enrol_free(person, "itil", &jtec, now())
            .await
            .unwrap();
        assert!(matches!(
            store
                .book_exam(
                    &jtec,
                    person,
                    "itil",
                    now() - time::Duration::days(1),
                    now()
                )
                .await,
            Err(StoreError::Refused(_))
        ));
        assert!(
            store.disclosures_for(person).await.unwrap().is_empty(),
            "nothing sent on a refusal"
        );
        let booking = store
            .book_exam(&jtec, person, "itil", sitting, now())
            .await
            .unwrap();
        let sent = store.disclosures_for(person).await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].partner.as_str(), "peoplecert");
        assert_eq!(sent[0].purpose.as_str(), "exam-delivery");
        let names: Vec<&str> = sent[0].categories.iter().map(|c| c.as_str()).collect();
        assert!(
            names.contains(&"contact-details") && names.contains(&"programme-records"),
            "{names:?}"
        );
        assert!(
            !names.contains(&"exam-results"),
            "no result before the exam"
        );

        store
            .set_funder(
                &jtec,
                store.audit().service("test"),
                person,
                "itil",
                "funders",
                now(),
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .set_funder(
                    &jtec,
                    store.audit().service("test"),
                    person,
                    "itil",
                    "google",
                    now()
                )
                .await,
            Err(StoreError::DisclosureRefused(_))
        ));
        assert!(matches!(
            store
                .record_exam_result(&jtec, staff, booking, " ", now())
                .await,
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            store
                .record_exam_result(&jtec, not_teaching, booking, "Pass", now())
                .await,
            Err(StoreError::NotTeaching)
        ));
        let shared = store
            .record_exam_result(&jtec, staff, booking, "Pass, 78%", now())
            .await
            .unwrap();
        assert_eq!(shared.map(|p| p.to_string()).as_deref(), Some("funders"));
        let sent = store.disclosures_for(person).await.unwrap();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].purpose.as_str(), "results-sharing");
        assert!(
            sent[1]
                .categories
                .iter()
                .any(|c| c.as_str() == "exam-results")
        );
        assert!(
            matches!(
                store
                    .record_exam_result(&jtec, staff, booking, "Fail", now())
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "a result is entered once"
        );
        let taught = store
            .exam_bookings_taught_by(&jtec, staff, now())
            .await
            .unwrap();
        assert_eq!(taught.len(), 1, "the taught course's booking");
        assert!(
            store
                .exam_bookings_taught_by(&jtec, not_teaching, now())
                .await
                .unwrap()
                .is_empty()
        );
        let mine = store.exam_bookings(person).await.unwrap();
        assert_eq!(mine[0].result.as_deref(), Some("Pass, 78%"));
        assert!(mine[0].candidate_number.starts_with('C'));
    })
    .await;
}

/// J38: a restriction covers the uses the person restricted, on every path that moves their
/// data. Restricted for exams, a booking is refused and nothing reaches the exam body; for
/// results sharing, a result is kept but not sent to the funder; marketing, not restricted,
/// is unaffected. Once lifted, the same paths move data again.
#[tokio::test(flavor = "multi_thread")]
async fn j38_a_restricted_persons_data_does_not_move_until_the_restriction_is_lifted() {
    use pledge_domain::PurposeId;
    let jtec = pledge_policy::packs::find("jtec").unwrap().load().unwrap();
    on_both(async |store, _, _| {
        for slug in ["itil", "prince2"] {
            course_with_lessons(&store, slug, 0, 1).await;
            let course = store.course_by_slug(slug).await.unwrap().unwrap();
            store
                .offer_exam(&jtec, course.id, "peoplecert", "Exam")
                .await
                .unwrap();
        }
        let course = store.course_by_slug("itil").await.unwrap().unwrap();
        let staff = crate::teaching::instructor_of(&store, &jtec, course.id).await;
        let person = learner(&store).await;
        let office = store.audit().service("privacy-office");
        for slug in ["itil", "prince2"] {
            store.enrol_free(person, slug, &jtec, now()).await.unwrap();
        }
        store
            .set_funder(&jtec, office, person, "itil", "funders", now())
            .await
            .unwrap();
        let sitting = now() + time::Duration::days(14);
        let restrict = async |purposes: &[&str]| {
            let purposes: Vec<PurposeId> = purposes
                .iter()
                .map(|p| PurposeId::new(*p).unwrap())
                .collect();
            store
                .restrict_processing(person, &purposes, "I contest my data", &jtec, office, now())
                .await
                .unwrap()
        };

        // Exams restricted: nothing is booked, nothing sent.
        let exams = restrict(&["exam-delivery"]).await;
        let refused = store.book_exam(&jtec, person, "itil", sitting, now()).await;
        assert!(
            matches!(&refused, Err(StoreError::Restricted(p)) if p == "exam-delivery"),
            "{refused:?}"
        );
        assert!(store.exam_bookings(person).await.unwrap().is_empty());
        assert!(store.disclosures_for(person).await.unwrap().is_empty());
        assert!(
            !store.is_restricted_for(person, "marketing").await.unwrap(),
            "marketing was not restricted"
        );
        store
            .lift_restriction(exams, person, office, now())
            .await
            .unwrap();
        let booking = store
            .book_exam(&jtec, person, "itil", sitting, now())
            .await
            .unwrap();
        assert_eq!(store.disclosures_for(person).await.unwrap().len(), 1);

        // Results sharing restricted: the result is kept, the funder is sent nothing.
        let results = restrict(&["results-sharing"]).await;
        let shared = store
            .record_exam_result(&jtec, staff, booking, "Pass", now())
            .await
            .unwrap();
        assert_eq!(shared, None, "not sent while restricted");
        assert_eq!(
            store.exam_bookings(person).await.unwrap()[0]
                .result
                .as_deref(),
            Some("Pass")
        );
        assert_eq!(store.disclosures_for(person).await.unwrap().len(), 1);
        store
            .lift_restriction(results, person, office, now())
            .await
            .unwrap();
        // Lifted: the next result moves again.
        let second = store
            .book_exam(&jtec, person, "prince2", sitting, now())
            .await
            .unwrap();
        let prince2 = store.course_by_slug("prince2").await.unwrap().unwrap();
        let staff2 = crate::teaching::instructor_of(&store, &jtec, prince2.id).await;
        store
            .set_funder(&jtec, office, person, "prince2", "funders", now())
            .await
            .unwrap();
        let shared = store
            .record_exam_result(&jtec, staff2, second, "Pass", now())
            .await
            .unwrap();
        assert_eq!(shared.map(|p| p.to_string()).as_deref(), Some("funders"));
    })
    .await;
}

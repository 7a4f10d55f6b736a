//! The end-of-course survey without JavaScript, on both backends: offered once the course is
//! finished, never required (the certificate comes without it), refused by field, answered
//! once; totals for instructors only; and no survey where the policy has none (W10, J19).

use crate::support::{Backend, Portal, start_on};

async fn jtec_session(portal: &Portal, role: &str) -> String {
    crate::support::sign_in_demo_hashed(portal, role).await
}

#[tokio::test]
async fn w10_j19_the_survey_is_voluntary_answered_once_and_totals_are_for_instructors() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &["--pack", "jtec"], None);
        let learner = jtec_session(&portal, "learner").await;
        let slug = "privacy-essentials";
        assert_eq!(
            portal
                .post(&format!("/courses/{slug}/enrol"), &[], Some(&learner))
                .await
                .status,
            303
        );
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert!(
            !page.body.contains("How was this course?"),
            "offered at the end only"
        );
        for lesson in 1..=3 {
            portal
                .post(&format!("/learn/{slug}/{lesson}"), &[], Some(&learner))
                .await;
        }
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert!(
            page.body.contains("How was this course? (optional)"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Taking part is voluntary"));

        // W10: the certificate does not wait for the survey.
        let quiz_at = page.body.find(&format!("/learn/{slug}/quiz/")).unwrap();
        let quiz = &page.body[quiz_at..quiz_at + format!("/learn/{slug}/quiz/").len() + 36];
        portal
            .post(
                quiz,
                &[("q1", "1"), ("q2", "0"), ("q3", "2")],
                Some(&learner),
            )
            .await;
        let issued = portal
            .post(&format!("/learn/{slug}/certificate"), &[], Some(&learner))
            .await;
        assert_eq!(
            issued.status, 303,
            "certificate without answering the survey"
        );

        let start = page.body.find(&format!("/learn/{slug}/survey/")).unwrap();
        let action =
            page.body[start..start + format!("/learn/{slug}/survey/").len() + 36].to_owned();
        let refused = portal
            .post(&action, &[("comment", "Great")], Some(&learner))
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains("Choose a rating from 1 to 5."));
        assert!(refused.body.contains("Great"), "the comment is kept");
        let answered = portal
            .post(
                &action,
                &[("rating", "4"), ("comment", "Great")],
                Some(&learner),
            )
            .await;
        assert_eq!(answered.status, 303);
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert!(
            page.body
                .contains("Thank you for answering the course survey.")
        );

        let totals = portal.get("/teach/surveys", Some(&learner)).await;
        assert_eq!(totals.status, 403, "learners do not see survey totals");
    }
}

#[tokio::test]
async fn no_survey_is_offered_where_the_policy_declares_no_survey_data() {
    let portal = start_on(Backend::Sqlite, &[], None);
    let learner = crate::payments::demo_session(&portal, "learner").await;
    let slug = "privacy-essentials";
    portal
        .post(&format!("/courses/{slug}/enrol"), &[], Some(&learner))
        .await;
    for lesson in 1..=3 {
        portal
            .post(&format!("/learn/{slug}/{lesson}"), &[], Some(&learner))
            .await;
    }
    let page = portal
        .get(&format!("/learn/{slug}/assessments"), Some(&learner))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("How was this course?"),
        "kexara declares no survey data"
    );
}

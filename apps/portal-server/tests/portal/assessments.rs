//! Assessments and certificates without JavaScript, over real HTTP, on both backends: a quiz
//! marked at once (unanswered questions refused), an assignment marked by an instructor with
//! feedback, the certificate of a passed course as a real PDF for its holder only, its public
//! check by code, the transcript (W09), and the denials.

use crate::payments::demo_session;
use crate::support::{Backend, Portal, start_on};

pub(crate) async fn finish_free_course(portal: &Portal, cookie: &str, slug: &str) {
    let enrolled = portal
        .post(&format!("/courses/{slug}/enrol"), &[], Some(cookie))
        .await;
    assert_eq!(enrolled.status, 303, "{}", enrolled.body);
    for lesson in 1..=3 {
        let done = portal
            .post(&format!("/learn/{slug}/{lesson}"), &[], Some(cookie))
            .await;
        assert_eq!(done.status, 303);
    }
}

/// The id of the assessment whose form posts to `/learn/{slug}/{kind}/…`.
pub(crate) fn assessment_id(page: &str, slug: &str, kind: &str) -> String {
    let marker = format!("/learn/{slug}/{kind}/");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {kind} form: {page}"))
        + marker.len();
    page[start..start + 36].to_owned()
}

#[tokio::test]
async fn a_learner_passes_a_quiz_and_gets_a_certificate_anyone_can_check() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let slug = "privacy-essentials";
        let before = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert_eq!(before.status, 403, "not enrolled yet");
        finish_free_course(&portal, &learner, slug).await;
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert!(
            page.body.contains("Check your understanding") && page.body.contains("Not done yet")
        );
        let quiz = assessment_id(&page.body, slug, "quiz");
        let action = format!("/learn/{slug}/quiz/{quiz}");

        let half = portal
            .post(
                &action,
                &[("assessment", &quiz), ("q1", "1"), ("q3", "2")],
                Some(&learner),
            )
            .await;
        assert_eq!(half.status, 422);
        assert!(half.body.contains("still open: 2."), "{}", half.body);
        assert!(
            half.body.contains(r#"value="2" checked"#) || half.body.contains("checked"),
            "answers kept"
        );
        let wrong = portal
            .post(
                &action,
                &[("q1", "0"), ("q2", "0"), ("q3", "0")],
                Some(&learner),
            )
            .await;
        assert_eq!(
            wrong.location(),
            format!("/learn/{slug}/assessments?scored=33")
        );
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert!(page.body.contains("below the pass mark of 60%"));
        assert!(
            !page.body.contains("Get your certificate"),
            "not passed yet"
        );
        let early = portal
            .post(&format!("/learn/{slug}/certificate"), &[], Some(&learner))
            .await;
        assert_eq!(early.status, 422, "no certificate before passing");

        let right = portal
            .post(
                &action,
                &[("q1", "1"), ("q2", "0"), ("q3", "2")],
                Some(&learner),
            )
            .await;
        assert_eq!(
            right.location(),
            format!("/learn/{slug}/assessments?scored=100")
        );
        let issued = portal
            .post(&format!("/learn/{slug}/certificate"), &[], Some(&learner))
            .await;
        assert_eq!(issued.status, 303);
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        let start = page.body.find("class=\"code\">").expect("a code") + 13;
        let code = page.body[start..start + 14].to_owned();

        let pdf = portal
            .get(&format!("/certificates/{code}/pdf"), Some(&learner))
            .await;
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        assert!(pdf.body.starts_with("%PDF-"), "a real PDF");
        let other = demo_session(&portal, "instructor").await;
        let theirs = portal
            .get(&format!("/certificates/{code}/pdf"), Some(&other))
            .await;
        assert_eq!(theirs.status, 404, "only the holder downloads it");

        let check = portal
            .get(&format!("/certificates/verify?code={code}"), None)
            .await;
        assert_eq!(check.status, 200);
        assert!(
            check.body.contains("Valid") && check.body.contains("Demo learner"),
            "{}",
            check.body
        );
        assert!(check.body.contains("Privacy essentials"));
        let unknown = portal
            .get("/certificates/verify?code=AAAA-BBBB-CCCC", None)
            .await;
        assert_eq!(unknown.status, 404);
        assert!(unknown.body.contains("No certificate has this code."));

        let transcript = portal.get("/learn/transcript", Some(&learner)).await;
        assert!(transcript.body.contains("Check your understanding: 100%"));
        assert!(transcript.body.contains(&code));
    }
}

#[tokio::test]
async fn w09_an_instructor_marks_an_assignment_with_feedback_and_others_cannot() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let slug = "career-planning";
        finish_free_course(&portal, &learner, slug).await;
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        let assignment = assessment_id(&page.body, slug, "assignment");
        let action = format!("/learn/{slug}/assignment/{assignment}");
        let empty = portal
            .post(
                &action,
                &[("assessment", &assignment), ("answer", "  ")],
                Some(&learner),
            )
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.body.contains("Write your answer"));
        let handed = portal
            .post(
                &action,
                &[
                    ("assessment", &assignment),
                    ("answer", "I will map my strengths."),
                ],
                Some(&learner),
            )
            .await;
        assert_eq!(handed.status, 303);
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert!(page.body.contains("waiting for the instructor"));

        for role in [
            "learner",
            "content-moderator",
            "tour-coordinator",
            "finance",
        ] {
            let cookie = demo_session(&portal, role).await;
            let queue = portal.get("/teach/marking", Some(&cookie)).await;
            assert_eq!(queue.status, 403, "{role}");
            assert!(!queue.body.contains("I will map my strengths."), "{role}");
        }
        let instructor = demo_session(&portal, "instructor").await;
        let queue = portal.get("/teach/marking", Some(&instructor)).await;
        assert!(queue.body.contains("I will map my strengths."));
        let start = queue.body.find("/teach/marking/").unwrap() + 15;
        let submission = queue.body[start..start + 36].to_owned();
        let mark_at = format!("/teach/marking/{submission}");
        let learner_marks = portal
            .post(
                &mark_at,
                &[("score", "100"), ("feedback", "Me")],
                Some(&learner),
            )
            .await;
        assert_eq!(learner_marks.status, 403, "learners cannot mark themselves");
        let bad = portal
            .post(
                &mark_at,
                &[
                    ("submission", &submission),
                    ("score", "150"),
                    ("feedback", ""),
                ],
                Some(&instructor),
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(
            bad.body.contains("Give a mark from 0 to 100.") && bad.body.contains("Write feedback")
        );
        let marked = portal
            .post(
                &mark_at,
                &[("score", "80"), ("feedback", "A clear plan; add dates.")],
                Some(&instructor),
            )
            .await;
        assert_eq!(marked.location(), "/teach/marking?marked=1");
        let page = portal
            .get(&format!("/learn/{slug}/assessments"), Some(&learner))
            .await;
        assert!(
            page.body.contains("Passed with 80%") && page.body.contains("A clear plan; add dates.")
        );
    }
}

//! Learning without JavaScript: enrolling in a free course from its page, lessons with
//! progress and resume, completion, and the denials (others' lessons, paid courses, no
//! session).

use crate::support::{Portal, start};

const DEMO_PASSWORD: &str = "demo tangerine orbit 2026";

async fn demo_session(portal: &Portal, role: &str) -> String {
    let reply = portal
        .post(
            "/signin",
            &[
                ("email", &format!("{role}@demo.pledge.invalid")),
                ("password", DEMO_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply.cookie_pair("__Host-kx_session")
}

#[tokio::test]
async fn a_learner_enrols_in_a_free_course_resumes_where_they_stopped_and_completes_it() {
    let portal = start();
    let anonymous = portal.get("/courses/privacy-essentials", None).await;
    assert!(anonymous.body.contains("Sign in to enrol"));
    let me = demo_session(&portal, "learner").await;
    let course = portal.get("/courses/privacy-essentials", Some(&me)).await;
    assert!(course.body.contains("Enrol for free"), "{}", course.body);
    let enrolled = portal
        .post("/courses/privacy-essentials/enrol", &[], Some(&me))
        .await;
    assert_eq!(enrolled.location(), "/learn/privacy-essentials/1");
    let again = portal
        .post("/courses/privacy-essentials/enrol", &[], Some(&me))
        .await;
    assert_eq!(
        again.location(),
        "/learn/privacy-essentials/1",
        "enrolling twice is harmless"
    );

    let first = portal.get("/learn/privacy-essentials/1", Some(&me)).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("1. Getting started") && first.body.contains("lesson 1 of 3"));
    let next = portal
        .post("/learn/privacy-essentials/1", &[], Some(&me))
        .await;
    assert_eq!(next.location(), "/learn/privacy-essentials/2");
    let mine = portal.get("/learn", Some(&me)).await;
    assert!(mine.body.contains("1 of 3 lessons") && mine.body.contains("Resume at lesson 2"));
    let course = portal.get("/courses/privacy-essentials", Some(&me)).await;
    assert!(course.body.contains("Continue with lesson 2"));

    portal
        .post("/learn/privacy-essentials/2", &[], Some(&me))
        .await;
    let done = portal
        .post("/learn/privacy-essentials/3", &[], Some(&me))
        .await;
    assert_eq!(done.location(), "/learn?completed=privacy-essentials");
    let mine = portal
        .get("/learn?completed=privacy-essentials", Some(&me))
        .await;
    assert!(mine.body.contains("Well done") && mine.body.contains("Completed"));
}

#[tokio::test]
async fn lessons_are_only_for_their_enrolled_learners() {
    let portal = start();
    let learner = demo_session(&portal, "learner").await;
    portal
        .post("/courses/career-planning/enrol", &[], Some(&learner))
        .await;
    let other = demo_session(&portal, "instructor").await;
    let denied = portal.get("/learn/career-planning/1", Some(&other)).await;
    assert_eq!(denied.status, 403);
    assert!(
        denied
            .body
            .contains("Only learners enrolled in this course")
    );
    let post = portal
        .post("/learn/career-planning/1", &[], Some(&other))
        .await;
    assert_eq!(
        post.status, 403,
        "nobody records progress in someone else's course"
    );
    let nobody = portal.get("/learn/career-planning/1", None).await;
    assert_eq!(nobody.location(), "/signin?next=/learn/career-planning/1");
    let anonymous_enrol = portal
        .post("/courses/career-planning/enrol", &[], None)
        .await;
    assert_eq!(
        anonymous_enrol.location(),
        "/signin?next=/courses/career-planning"
    );

    let paid = portal
        .post("/courses/itil-4-foundation/enrol", &[], Some(&learner))
        .await;
    assert_eq!(paid.status, 422);
    assert!(
        paid.body
            .contains("This course is paid: enrolment follows its payment.")
    );
    let missing = portal.get("/learn/career-planning/9", Some(&learner)).await;
    assert_eq!(missing.status, 404);
    let mine = portal.get("/learn", Some(&other)).await;
    assert!(mine.body.contains("not enrolled in any course yet"));
}

#[tokio::test]
async fn enrolling_in_or_commenting_on_a_course_that_does_not_exist_is_not_found() {
    let portal = start();
    let me = demo_session(&portal, "learner").await;
    let enrol = portal
        .post("/courses/no-such-course/enrol", &[], Some(&me))
        .await;
    assert_eq!(enrol.status, 404, "{}", enrol.body);
    assert!(enrol.body.contains("Course not found"), "{}", enrol.body);
    let comment = portal
        .post(
            "/courses/no-such-course/comments",
            &[("body", "Is there a sequel?")],
            Some(&me),
        )
        .await;
    assert_eq!(comment.status, 404, "{}", comment.body);
    assert!(comment.body.contains("Course not found"));
    let mine = portal.get("/learn", Some(&me)).await;
    assert!(!mine.body.contains("no-such-course"), "nothing was written");
}

//! Booking an exam with a partner body, without JavaScript, on both backends (J07, J40): the
//! course page says what is shared with whom and why before anything is sent; bad dates are
//! refused; only enrolled learners book; staff pages are for instructors.

use crate::support::{Backend, Portal, start_on};

async fn session(portal: &Portal, role: &str) -> String {
    let reply = portal
        .post(
            "/signin",
            &[
                ("email", &format!("{role}@demo.pledge.invalid")),
                ("password", "demo tangerine orbit 2026"),
                ("next", "/"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn j07_a_funded_learner_books_an_exam_after_seeing_what_is_shared() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &["--pack", "jtec"], None);
        let learner = session(&portal, "learner").await;
        let course = "/courses/itil-4-foundation";
        let page = portal.get(course, Some(&learner)).await;
        assert!(
            page.body.contains("ITIL 4 Foundation exam"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("Booking sends Peoplecert your"),
            "what is shared, before booking"
        );
        assert!(page.body.contains("Why: "));
        let start = page.body.find("name=\"sitting_at\"").unwrap();
        let value_at = page.body[start..].find("value=\"").unwrap() + start + 7;
        let date = page.body[value_at..value_at + 20].to_owned();

        let bad = portal
            .post(
                &format!("{course}/exam"),
                &[("sitting_at", "tomorrow")],
                Some(&learner),
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("Choose one of the exam dates offered."));
        let booked = portal
            .post(
                &format!("{course}/exam"),
                &[("sitting_at", &date)],
                Some(&learner),
            )
            .await;
        assert_eq!(booked.location(), "/learn/exams");
        let mine = portal.get("/learn/exams", Some(&learner)).await;
        assert!(mine.body.contains("ITIL 4 Foundation exam") && mine.body.contains("Not in yet"));

        // Not a staff account (staff must add a second step first under this policy).
        let other = session(&portal, "guardian").await;
        let refused = portal
            .post(
                &format!("{course}/exam"),
                &[("sitting_at", &date)],
                Some(&other),
            )
            .await;
        assert_eq!(refused.status, 403, "only enrolled learners book");
        let staff_page = portal.get("/teach/exams", Some(&learner)).await;
        assert_eq!(staff_page.status, 403);
        let result = portal
            .post(
                "/teach/exams/00000000-0000-0000-0000-000000000000",
                &[("result", "Pass")],
                Some(&learner),
            )
            .await;
        assert_eq!(result.status, 403, "learners cannot enter results");
    }
}

//! Booking an exam with a partner body, without JavaScript, on both backends (J07, J40): the
//! course page says what is shared with whom and why before anything is sent; bad dates are
//! refused; only enrolled learners book; staff pages are for instructors.

use crate::accounts::{challenge_in, code_for, shown_key};
use crate::support::{Backend, Portal, Reply, start, start_on};

/// The answer to the demo `role` signing in with their password.
async fn password_sign_in(portal: &Portal, role: &str) -> Reply {
    portal
        .post(
            "/signin",
            &[
                ("email", &format!("{role}@demo.pledge.invalid")),
                ("password", "demo tangerine orbit 2026"),
                ("next", "/"),
            ],
            None,
        )
        .await
}

/// The session cookie a sign-in answer sets.
fn session_cookie(reply: &Reply) -> String {
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub(crate) async fn session(portal: &Portal, role: &str) -> String {
    session_cookie(&password_sign_in(portal, role).await)
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

/// A session of the demo `role` on a portal whose policy requires a second step for staff:
/// adds an authenticator, signs out, and signs in again with a code.
async fn staff_session(portal: &Portal, role: &str) -> String {
    let first = session(portal, role).await;
    let started = portal
        .post("/account/second-step/start", &[], Some(&first))
        .await;
    assert_eq!(started.location(), "/account/second-step");
    let page = portal.get("/account/second-step", Some(&first)).await;
    let key = shown_key(&page.body);
    let on = portal
        .post(
            "/account/second-step",
            &[("code", &code_for(&key, 0))],
            Some(&first),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    portal.post("/signout", &[], Some(&first)).await;
    let password = password_sign_in(portal, role).await;
    let signed = portal
        .post(
            "/signin/code",
            &[
                ("challenge", &challenge_in(&password.body)),
                ("code", &code_for(&key, 30)),
                ("next", "/"),
            ],
            None,
        )
        .await;
    session_cookie(&signed)
}

#[tokio::test]
async fn j40_an_administrator_records_which_courses_a_funder_pays_for() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &["--pack", "jtec"], None);
        let learner = session(&portal, "learner").await;
        let enrolled = portal
            .post("/courses/career-planning/enrol", &[], Some(&learner))
            .await;
        assert_eq!(enrolled.status, 303, "{}", enrolled.body);

        // Only administrators.
        assert_eq!(
            portal.get("/admin/funding", Some(&learner)).await.status,
            403
        );
        let email = "learner@demo.pledge.invalid";
        let form = [
            ("email", email),
            ("course", "career-planning"),
            ("funder", "funders"),
        ];
        let refused = portal.post("/admin/funding", &form, Some(&learner)).await;
        assert_eq!(refused.status, 403);

        let admin = staff_session(&portal, "administrator").await;
        let page = portal.get("/admin/funding", Some(&admin)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Demo learner") && page.body.contains("ITIL 4 Foundation"));
        assert!(
            !page.body.contains("Career planning workshop</td>"),
            "not funded yet"
        );

        // Bad input: the problem named, what was typed kept, nothing recorded.
        let unknown = portal
            .post(
                "/admin/funding",
                &[
                    ("email", "nobody@example.org"),
                    ("course", "career-planning"),
                    ("funder", "funders"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(unknown.status, 422);
        assert!(unknown.body.contains("No account has this email address."));
        assert!(unknown.body.contains("value=\"nobody@example.org\""));
        let not_enrolled = portal
            .post(
                "/admin/funding",
                &[
                    ("email", email),
                    ("course", "prince2-foundation"),
                    ("funder", "funders"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(not_enrolled.status, 422);
        assert!(
            not_enrolled
                .body
                .contains("This learner is not enrolled in this course.")
        );
        let not_funder = portal
            .post(
                "/admin/funding",
                &[
                    ("email", email),
                    ("course", "career-planning"),
                    ("funder", "peoplecert"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(not_funder.status, 422);
        assert!(not_funder.body.contains("Choose a funder from the list."));
        let page = portal.get("/admin/funding", Some(&admin)).await;
        assert!(!page.body.contains("Career planning workshop</td>"));

        let recorded = portal.post("/admin/funding", &form, Some(&admin)).await;
        assert_eq!(recorded.location(), "/admin/funding?changed=1");
        let page = portal.get("/admin/funding", Some(&admin)).await;
        assert!(
            page.body.contains("Career planning workshop</td>"),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn a_policy_without_funders_records_no_funding() {
    let portal = start();
    let admin = crate::payments::demo_session(&portal, "administrator").await;
    let page = portal.get("/admin/funding", Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("names no funder"), "{}", page.body);
}

/// Books the ITIL exam's first offered date for the enrolled `learner` (JTEC's demo).
pub(crate) async fn book_itil_exam(portal: &Portal, learner: &str) {
    let course = "/courses/itil-4-foundation";
    let page = portal.get(course, Some(learner)).await;
    let start = page.body.find("name=\"sitting_at\"").unwrap();
    let value_at = page.body[start..].find("value=\"").unwrap() + start + 7;
    let date = page.body[value_at..value_at + 20].to_owned();
    let booked = portal
        .post(
            &format!("{course}/exam"),
            &[("sitting_at", &date)],
            Some(learner),
        )
        .await;
    assert_eq!(booked.location(), "/learn/exams");
}

/// `file` as the single file of a `multipart/form-data` upload: (content type, body).
fn upload_body(file: &str) -> (String, String) {
    let boundary = "pledge-results-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"results_file\"; \
         filename=\"results.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `file` to the results import as `cookie`.
async fn import(portal: &Portal, cookie: &str, file: &str) -> Reply {
    let (content_type, body) = upload_body(file);
    portal
        .raw(format!(
            "POST /teach/exams/import HTTP/1.0\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
             Cookie: {cookie}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n\
             {body}",
            body.len(),
            addr = portal.addr,
        ))
        .await
}

#[tokio::test]
async fn j07_j40_an_instructor_imports_the_exam_bodys_results_file_whole_or_not_at_all() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &["--pack", "jtec"], None);
        let learner = session(&portal, "learner").await;
        book_itil_exam(&portal, &learner).await;
        let mine = portal.get("/learn/exams", Some(&learner)).await;
        let row = mine.body.split("<tbody>").nth(1).unwrap();
        let candidate = row
            .split("<td>")
            .nth(3)
            .and_then(|cell| cell.split("</td>").next())
            .unwrap()
            .to_owned();
        assert!(!candidate.is_empty(), "{row}");

        assert_eq!(
            import(&portal, &learner, "candidate,result\n").await.status,
            403,
            "learners import nothing"
        );
        let instructor = staff_session(&portal, "instructor").await;
        let form = portal.get("/teach/exams", Some(&instructor)).await;
        assert!(form.body.contains("enctype=\"multipart/form-data\""));

        let no_header = import(&portal, &instructor, &format!("{candidate},Pass\n")).await;
        assert_eq!(no_header.status, 422);
        assert!(no_header.body.contains("must name the columns"));
        let mixed = import(
            &portal,
            &instructor,
            &format!("Candidate,Result\n{candidate},Pass 82%\nZZ-404,Pass\n{candidate},Fail\n"),
        )
        .await;
        assert_eq!(mixed.status, 422);
        assert!(
            mixed
                .body
                .contains("Line 3: no exam booking of a course you teach")
        );
        assert!(mixed.body.contains("Line 4: candidate"));
        assert!(mixed.body.contains("no result was recorded"));
        let still = portal.get("/learn/exams", Some(&learner)).await;
        assert!(
            still.body.contains("Not in yet"),
            "the good line waited too"
        );
        let empty = import(&portal, &instructor, "").await;
        assert_eq!(empty.status, 422);
        assert!(empty.body.contains("Choose the results file to upload."));

        let file = format!("exam,candidate,result\nITIL 4 Foundation,{candidate},Pass 82%\n");
        let done = import(&portal, &instructor, &file).await;
        assert_eq!(
            done.location(),
            "/teach/exams?imported=1&unchanged=0&funders=1",
            "{}",
            done.body
        );
        let mine = portal.get("/learn/exams", Some(&learner)).await;
        assert!(mine.body.contains("Pass 82%"), "{}", mine.body);
        let again = import(&portal, &instructor, &file).await;
        assert_eq!(
            again.location(),
            "/teach/exams?imported=0&unchanged=1&funders=0",
            "importing again changes nothing"
        );
        let shown = portal.get(again.location(), Some(&instructor)).await;
        assert!(
            shown
                .body
                .contains("already recorded and left as they were")
        );
        let changed = import(
            &portal,
            &instructor,
            &format!("candidate,result\n{candidate},Fail\n"),
        )
        .await;
        assert_eq!(changed.status, 422);
        assert!(changed.body.contains("an import does not change a result"));
    }
}

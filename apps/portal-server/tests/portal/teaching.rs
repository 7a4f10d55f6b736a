//! Who teaches what, over real HTTP: an administrator assigns instructors to courses at
//! `/admin/teaching`; an instructor sees and marks work only in the courses they teach; nobody
//! else reaches the page or its forms; a bad choice is refused with a message and changes
//! nothing.

use crate::assessments::{assessment_id, finish_free_course};
use crate::payments::demo_session;
use crate::support::start;

/// The value of the first `name="{name}"` input after `from` in `page`.
fn input_after(page: &str, from: usize, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page[from..]
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} after {from}: {page}"))
        + from
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

#[tokio::test]
async fn w25_an_instructor_marks_only_in_the_courses_an_administrator_assigned() {
    let portal = start();
    let learner = demo_session(&portal, "learner").await;
    let slug = "career-planning";
    finish_free_course(&portal, &learner, slug).await;
    let page = portal
        .get(&format!("/learn/{slug}/assessments"), Some(&learner))
        .await;
    let assignment = assessment_id(&page.body, slug, "assignment");
    let handed = portal
        .post(
            &format!("/learn/{slug}/assignment/{assignment}"),
            &[("assessment", &assignment), ("answer", "Goals by June.")],
            Some(&learner),
        )
        .await;
    assert_eq!(handed.status, 303);

    // Only administrators see the page or post its forms.
    let admin = demo_session(&portal, "administrator").await;
    let instructor = demo_session(&portal, "instructor").await;
    for (who, cookie) in [("learner", &learner), ("instructor", &instructor)] {
        let page = portal.get("/admin/teaching", Some(cookie)).await;
        assert_eq!(page.status, 403, "{who}");
        assert!(!page.body.contains("Demo instructor"), "{who}");
    }
    let signed_out = portal.get("/admin/teaching", None).await;
    assert!(!signed_out.body.contains("Demo instructor"));
    let page = portal.get("/admin/teaching", Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Demo instructor"), "{}", page.body);
    let at = page
        .body
        .find("Career planning workshop")
        .expect("the demo instructor teaches the course");
    let instructor_id = input_after(&page.body, at, "instructor");
    let course_id = input_after(&page.body, at, "course");
    let choice = [
        ("instructor", instructor_id.as_str()),
        ("course", course_id.as_str()),
    ];
    let self_assigned = portal
        .post("/admin/teaching/unassign", &choice, Some(&instructor))
        .await;
    assert_eq!(self_assigned.status, 403, "instructors cannot change it");

    // Unassigned: the instructor no longer sees or marks the course's work.
    let removed = portal
        .post("/admin/teaching/unassign", &choice, Some(&admin))
        .await;
    assert_eq!(removed.location(), "/admin/teaching?changed=1");
    let queue = portal.get("/teach/marking", Some(&instructor)).await;
    assert_eq!(queue.status, 200);
    assert!(!queue.body.contains("Goals by June."), "{}", queue.body);

    // Bad choices: a message, the form kept, nothing changed.
    let unknown = portal
        .post(
            "/admin/teaching/assign",
            &[("instructor", "nobody"), ("course", &course_id)],
            Some(&admin),
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(
        unknown
            .body
            .contains("Choose an instructor and a course from the lists."),
        "{}",
        unknown.body
    );
    let not_instructor = portal
        .post(
            "/admin/teaching/assign",
            &[
                ("instructor", "00000000-0000-0000-0000-000000000001"),
                ("course", &course_id),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(not_instructor.status, 422);
    assert!(
        not_instructor
            .body
            .contains("This person is not an instructor.")
    );
    let queue = portal.get("/teach/marking", Some(&instructor)).await;
    assert!(!queue.body.contains("Goals by June."));

    // Assigned again: the work is back, and marking it works.
    let added = portal
        .post("/admin/teaching/assign", &choice, Some(&admin))
        .await;
    assert_eq!(added.location(), "/admin/teaching?changed=1");
    let queue = portal.get("/teach/marking", Some(&instructor)).await;
    assert!(queue.body.contains("Goals by June."), "{}", queue.body);
    let start = queue.body.find("/teach/marking/").unwrap() + 15;
    let submission = queue.body[start..start + 36].to_owned();

    // While unassigned, the mark is refused (and nothing is marked).
    portal
        .post("/admin/teaching/unassign", &choice, Some(&admin))
        .await;
    let refused = portal
        .post(
            &format!("/teach/marking/{submission}"),
            &[("score", "80"), ("feedback", "Good.")],
            Some(&instructor),
        )
        .await;
    assert_eq!(refused.status, 403);
    let page = portal
        .get(&format!("/learn/{slug}/assessments"), Some(&learner))
        .await;
    assert!(page.body.contains("waiting for the instructor"));
    portal
        .post("/admin/teaching/assign", &choice, Some(&admin))
        .await;
    let marked = portal
        .post(
            &format!("/teach/marking/{submission}"),
            &[("score", "80"), ("feedback", "Good.")],
            Some(&instructor),
        )
        .await;
    assert_eq!(marked.location(), "/teach/marking?marked=1");
}

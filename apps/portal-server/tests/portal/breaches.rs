//! The breach register over HTTP: an incident recorded (bad input refused field by field),
//! the affected people computed, the notice drafted with the policy's contents and sent to
//! each once by email, the report to the authority recorded, and a late incident called out.

use crate::support::{DataDir, Mailbox, start_with};

const COOKIE: &str = "__Host-kx_session";

/// `at` as the form takes it.
fn typed(at: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

#[tokio::test]
async fn k31_a_breach_is_recorded_its_people_told_within_72_hours_with_what_kexara_promises() {
    let mail = Mailbox::start().await;
    let portal = start_with(DataDir::new(), &[], Some(&mail));
    let officer = crate::support::sign_in_demo(&portal, "privacy-officer", COOKIE).await;
    let register = portal.get("/office/breaches", Some(&officer)).await;
    assert!(
        register.body.contains("No breach is recorded."),
        "{}",
        register.body
    );

    let refused = portal
        .post(
            "/office/breaches",
            &[
                ("title", "Laptop stolen"),
                ("what_happened", "x"),
                ("steps_taken", "y"),
                ("discovered", "yesterday"),
            ],
            Some(&officer),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Tick the data the incident involved.")
    );
    assert!(refused.body.contains("Write it as YYYY-MM-DD HH:MM (UTC)."));
    assert!(refused.body.contains("value=\"Laptop stolen\""), "kept");
    let reads_without_start = portal
        .post(
            "/office/breaches",
            &[
                ("title", "t"),
                ("what_happened", "x"),
                ("steps_taken", "y"),
                ("category-contact-details", "on"),
                ("discovered", &typed(time::OffsetDateTime::now_utc())),
                ("exposure", "reads"),
            ],
            Some(&officer),
        )
        .await;
    assert_eq!(reads_without_start.status, 422);
    assert!(
        portal
            .get("/office/breaches", Some(&officer))
            .await
            .body
            .contains("No breach is recorded.")
    );

    let discovered = time::OffsetDateTime::now_utc() - time::Duration::hours(2);
    let recorded = portal
        .post(
            "/office/breaches",
            &[
                ("title", "Laptop stolen from a tutor's car"),
                (
                    "what_happened",
                    "A tutor's laptop with a list of learners' names and addresses was stolen.",
                ),
                (
                    "steps_taken",
                    "The laptop's disk is encrypted; we changed every password it held.",
                ),
                ("category-contact-details", "on"),
                ("discovered", &typed(discovered)),
                ("exposure", "holdings"),
            ],
            Some(&officer),
        )
        .await;
    let page = recorded.location().split('?').next().unwrap().to_owned();
    assert!(page.starts_with("/office/breaches/"), "{}", recorded.body);
    let shown = portal.get(&page, Some(&officer)).await;
    assert!(shown.body.contains("hours left"), "{}", shown.body);
    assert!(
        shown
            .body
            .contains("Office of the Privacy Commissioner of Canada")
    );
    let draft = shown
        .body
        .split("class=\"notice-draft\">")
        .nth(1)
        .unwrap()
        .split("</pre>")
        .next()
        .unwrap();
    for section in [
        "What happened",
        "What data was involved",
        "What steps we are taking",
        "laptop",
        "contact details",
        "encrypted",
    ] {
        assert!(draft.contains(section), "K31: {section} in {draft}");
    }
    let affected: u64 = shown
        .body
        .split("class=\"affected\">")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        affected >= 10,
        "every demo person has contact details: {affected}"
    );

    let learner = crate::support::sign_in_demo(&portal, "learner", COOKIE).await;
    assert_eq!(
        portal
            .post(&format!("{page}/notify"), &[], Some(&learner))
            .await
            .status,
        403
    );
    let told = portal
        .post(&format!("{page}/notify"), &[], Some(&officer))
        .await;
    assert_eq!(told.location(), format!("{page}?done=notified"));
    for _ in 0..100 {
        if !mail.to("learner@demo.pledge.invalid").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let notice = mail
        .to("learner@demo.pledge.invalid")
        .into_iter()
        .find(|m| m.contains("security incident"))
        .expect("the notice");
    assert!(notice.contains("A tutor's laptop") && notice.contains("every password it held"));
    let shown = portal.get(&page, Some(&officer)).await;
    assert!(
        shown
            .body
            .contains(&format!("{affected} ({affected} told)"))
    );
    assert!(!shown.body.contains("not yet told"), "nobody left to tell");
    let filed = portal
        .post(&format!("{page}/reported"), &[], Some(&officer))
        .await;
    assert_eq!(filed.location(), format!("{page}?done=reported"));
    let shown = portal.get(&page, Some(&officer)).await;
    let clock = shown
        .body
        .split("class=\"authority-clock\">")
        .nth(1)
        .unwrap();
    assert!(clock.starts_with("told "), "{clock}");

    let late = time::OffsetDateTime::now_utc() - time::Duration::days(4);
    portal
        .post(
            "/office/breaches",
            &[
                ("title", "Old incident found late"),
                ("what_happened", "x"),
                ("steps_taken", "y"),
                ("category-contact-details", "on"),
                ("discovered", &typed(late)),
            ],
            Some(&officer),
        )
        .await;
    let register = portal.get("/office/breaches", Some(&officer)).await;
    assert!(
        register.body.contains("past a notification deadline"),
        "{}",
        register.body
    );
    assert!(register.body.contains("late: was due"));
}

#[tokio::test]
async fn w47_an_incident_is_investigated_and_the_affected_learners_are_told_as_westmontera_promises()
 {
    const SESSION: &str = "__Host-wm_session";
    let mail = Mailbox::start().await;
    let portal = start_with(DataDir::new(), &["--pack", "westmontera"], Some(&mail));
    let officer = crate::support::sign_in_demo(&portal, "privacy-officer", SESSION).await;
    crate::support::add_second_step(&portal, &officer).await;
    let discovered = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let recorded = portal
        .post(
            "/office/breaches",
            &[
                ("title", "Mail server misconfigured"),
                (
                    "what_happened",
                    "A misconfigured mail server let an outsider list learners' addresses.",
                ),
                (
                    "steps_taken",
                    "We closed the server's open relay and reset its credentials.",
                ),
                ("category-account-profile", "on"),
                ("discovered", &typed(discovered)),
                ("exposure", "holdings"),
            ],
            Some(&officer),
        )
        .await;
    let page = recorded.location().split('?').next().unwrap().to_owned();
    assert!(page.starts_with("/office/breaches/"), "{}", recorded.body);
    let shown = portal.get(&page, Some(&officer)).await;
    assert!(shown.body.contains("hours left"), "the 72-hour clock runs");
    let draft = shown
        .body
        .split("class=\"notice-draft\">")
        .nth(1)
        .unwrap()
        .split("</pre>")
        .next()
        .unwrap();
    for section in ["What happened", "What steps we are taking", "open relay"] {
        assert!(draft.contains(section), "W47: {section} in {draft}");
    }
    let told = portal
        .post(&format!("{page}/notify"), &[], Some(&officer))
        .await;
    assert_eq!(told.location(), format!("{page}?done=notified"));
    let mut notice = None;
    for _ in 0..100 {
        notice = mail
            .to("learner@demo.pledge.invalid")
            .into_iter()
            .find(|m| m.contains("open relay"));
        if notice.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(notice.is_some(), "the learner is told by email");
    let again = portal
        .post(&format!("{page}/notify"), &[], Some(&officer))
        .await;
    assert_eq!(again.status, 303);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let notices = mail
        .to("learner@demo.pledge.invalid")
        .into_iter()
        .filter(|m| m.contains("open relay"))
        .count();
    assert_eq!(notices, 1, "each person is told once");
}

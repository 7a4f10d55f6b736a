//! The privacy centre over HTTP: what is held, by category and purpose; a copy of one's data
//! asked for, recorded with its deadline, answered and downloaded by its owner only; the
//! consent history, cookie answers included.

use crate::support::{Backend, Portal, start_on};

const COOKIE: &str = "__Host-kx_session";

async fn demo_session(portal: &Portal, role: &str) -> String {
    let reply = portal
        .post(
            "/signin",
            &[
                ("email", &format!("{role}@demo.pledge.invalid")),
                ("password", "demo tangerine orbit 2026"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply.cookie_pair(COOKIE)
}

#[tokio::test]
async fn k20_j35_a_person_sees_what_is_held_asks_for_a_copy_and_downloads_it_and_nobody_else_can() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let learner = demo_session(&portal, "learner").await;
        let page = portal.get("/account/privacy", Some(&learner)).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("What we hold about you"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("Your profile: 1"),
            "the person's own row: {}",
            page.body
        );
        assert!(
            page.body.contains("We answer within 30 days"),
            "K20's deadline"
        );

        let asked = portal
            .post("/account/privacy/access", &[], Some(&learner))
            .await;
        assert_eq!(asked.location(), "/account/privacy?requested=1");
        let page = portal
            .get("/account/privacy?requested=1", Some(&learner))
            .await;
        assert!(page.body.contains("Your request is recorded"));
        assert!(page.body.contains("<td>access</td>") && page.body.contains("answered"));
        let link = page
            .body
            .split("href=\"")
            .find_map(|rest| {
                rest.split('"')
                    .next()
                    .filter(|href| href.ends_with("/data.zip"))
            })
            .unwrap_or_else(|| panic!("no download link: {}", page.body))
            .to_owned();
        let zip = portal.get(&link, Some(&learner)).await;
        assert_eq!(zip.status, 200);
        assert_eq!(zip.header("content-type"), Some("application/zip"));
        assert_eq!(zip.header("cache-control"), Some("no-store"));
        assert!(zip.body.starts_with("PK"), "a ZIP archive");

        let someone_else = demo_session(&portal, "instructor").await;
        let denied = portal.get(&link, Some(&someone_else)).await;
        assert_eq!(denied.status, 404, "another person's copy is not found");
        let unknown = portal
            .get(
                "/account/privacy/requests/not-an-id/data.zip",
                Some(&learner),
            )
            .await;
        assert_eq!(unknown.status, 404);
        let anonymous = portal.get(&link, None).await;
        assert_eq!(anonymous.location(), "/signin?next=/account/privacy");
        let anonymous = portal.post("/account/privacy/access", &[], None).await;
        assert_eq!(anonymous.location(), "/signin?next=/account/privacy");
    }
}

#[tokio::test]
async fn k41_a_signed_in_persons_cookie_answers_are_in_their_consent_history() {
    let portal = crate::support::start();
    let learner = demo_session(&portal, "learner").await;
    let before = portal.get("/account/privacy", Some(&learner)).await;
    assert!(
        before
            .body
            .contains("You have not given or withdrawn any consent yet.")
    );
    portal
        .post(
            "/cookies",
            &[("cookie_answer", "save"), ("category-analytics", "on")],
            Some(&learner),
        )
        .await;
    let after = portal.get("/account/privacy", Some(&learner)).await;
    let consents = after
        .body
        .split("class=\"consents\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no consent table: {}", after.body));
    assert!(
        consents.contains("<td>Analytics cookies</td><td>given</td><td>cookie settings</td>"),
        "{consents}"
    );
    assert!(
        consents.contains("<td>Personalisation cookies</td><td>withdrawn</td>"),
        "{consents}"
    );
}

//! The privacy centre over HTTP: what is held, by category and purpose; a copy of one's data
//! asked for, recorded with its deadline, answered and downloaded by its owner only; the
//! consent history, cookie answers included.

use crate::support::{Backend, Portal, start_on};

const COOKIE: &str = "__Host-kx_session";

async fn demo_session(portal: &Portal, role: &str) -> String {
    crate::support::sign_in_demo(portal, role, COOKIE).await
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

fn requests_table(body: &str) -> &str {
    body.split("class=\"requests\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_else(|| panic!("no requests table: {body}"))
}

#[tokio::test]
async fn w53_corrections_restrictions_and_erasures_are_asked_for_with_their_deadlines() {
    let portal = crate::support::start_with(
        crate::support::DataDir::new(),
        &["--pack", "westmontera"],
        None,
    );
    let me = crate::support::sign_in_demo(&portal, "learner", "__Host-wm_session").await;
    let page = portal.get("/account/privacy", Some(&me)).await;
    assert!(page.body.contains("action=\"/account/privacy/correction\""));
    assert!(
        page.body
            .contains("action=\"/account/privacy/restriction\"")
    );
    assert!(page.body.contains("href=\"/account/privacy/erasure\""));

    // Bad input: the field's problem next to it, what was typed kept, nothing recorded.
    let empty = portal
        .post(
            "/account/privacy/correction",
            &[("details", "  ")],
            Some(&me),
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("id=\"field-details-problem\""));
    assert!(
        empty
            .body
            .contains("Say what is wrong and what it should say.")
    );
    let none_chosen = portal
        .post(
            "/account/privacy/restriction",
            &[("reason", "I dispute my marks")],
            Some(&me),
        )
        .await;
    assert_eq!(none_chosen.status, 422);
    assert!(
        none_chosen
            .body
            .contains("Choose at least one use of your data to restrict.")
    );
    assert!(none_chosen.body.contains("I dispute my marks"), "kept");
    let unconfirmed = portal
        .post(
            "/account/privacy/erasure",
            &[("reason", "leaving")],
            Some(&me),
        )
        .await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.body.contains("Tick the box to confirm"));
    assert!(
        unconfirmed.body.contains("What is kept, and why"),
        "the plan again"
    );
    let page = portal.get("/account/privacy", Some(&me)).await;
    assert!(
        !page.body.contains("class=\"requests\""),
        "nothing recorded: {}",
        page.body
    );

    let corrected = portal
        .post(
            "/account/privacy/correction",
            &[("details", "My name is spelt Ada, not Adah.")],
            Some(&me),
        )
        .await;
    assert_eq!(corrected.location(), "/account/privacy?requested=1");
    let page = portal.get("/account/privacy", Some(&me)).await;
    let purpose = page
        .body
        .split("name=\"purpose-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let restricted = portal
        .post(
            "/account/privacy/restriction",
            &[(&format!("purpose-{purpose}"), "on")],
            Some(&me),
        )
        .await;
    assert_eq!(restricted.location(), "/account/privacy?requested=1");

    let plan = portal.get("/account/privacy/erasure", Some(&me)).await;
    assert_eq!(plan.status, 200);
    for heading in [
        "What is deleted",
        "What is kept, and why",
        "Who else is told",
        "What stops working",
    ] {
        assert!(plan.body.contains(heading), "{heading}: {}", plan.body);
    }
    assert!(
        plan.body.contains("your account is closed"),
        "{}",
        plan.body
    );
    let erased = portal
        .post("/account/privacy/erasure", &[("confirm", "yes")], Some(&me))
        .await;
    assert_eq!(erased.location(), "/account/privacy?requested=1");

    let page = portal.get("/account/privacy", Some(&me)).await;
    let requests = requests_table(&page.body);
    for right in ["correction", "restriction", "deletion"] {
        assert!(
            requests.contains(&format!("<td>{right}</td>")),
            "{right}: {requests}"
        );
    }
    assert_eq!(requests.matches("being answered").count(), 3);
    assert!(requests.contains("days left)"), "the countdown: {requests}");
}

#[tokio::test]
async fn kexara_offers_no_restriction_so_none_can_be_asked_for() {
    let portal = crate::support::start();
    let me = demo_session(&portal, "learner").await;
    let page = portal.get("/account/privacy", Some(&me)).await;
    assert!(page.body.contains("action=\"/account/privacy/correction\""));
    assert!(
        !page
            .body
            .contains("action=\"/account/privacy/restriction\"")
    );
    let refused = portal
        .post(
            "/account/privacy/restriction",
            &[("purpose-service-delivery", "on")],
            Some(&me),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("does not offer the restriction right"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn k44_a_guardian_asks_for_and_downloads_a_young_persons_data_and_nobody_else_can() {
    let portal = crate::support::start();
    let guardian = demo_session(&portal, "guardian").await;
    let page = portal.get("/account/privacy", Some(&guardian)).await;
    assert!(
        page.body.contains("Young people you act for"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Demo young learner"));
    let minor = page
        .body
        .split("action=\"/account/privacy/for/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let access = format!("/account/privacy/for/{minor}/access");

    let stranger = demo_session(&portal, "learner").await;
    assert_eq!(portal.post(&access, &[], Some(&stranger)).await.status, 404);
    assert!(
        portal
            .post(&access, &[], None)
            .await
            .location()
            .starts_with("/signin")
    );
    let unconfirmed = portal
        .post(
            &format!("/account/privacy/for/{minor}/erasure"),
            &[],
            Some(&guardian),
        )
        .await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.body.contains("Tick the box to confirm"));

    let asked = portal.post(&access, &[], Some(&guardian)).await;
    assert_eq!(asked.location(), "/account/privacy?requested=1");
    let page = portal.get("/account/privacy", Some(&guardian)).await;
    let wards = page.body.split("class=\"wards\"").nth(1).unwrap();
    assert!(wards.contains("access · being answered"), "{wards}");

    let officer = demo_session(&portal, "privacy-officer").await;
    let queue = portal.get("/office/requests", Some(&officer)).await;
    assert!(
        queue.body.contains("(asked by their guardian)"),
        "{}",
        queue.body
    );
    let request = queue
        .body
        .split("href=\"/office/requests/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| format!("/office/requests/{id}"))
        .unwrap();
    let as_self = portal
        .post(
            &format!("{request}/verify"),
            &[("method", "signed-in")],
            Some(&officer),
        )
        .await;
    assert_eq!(as_self.status, 422, "a guardian is verified as a guardian");
    let verified = portal
        .post(
            &format!("{request}/verify"),
            &[("method", "verified-guardian")],
            Some(&officer),
        )
        .await;
    assert_eq!(verified.location(), format!("{request}?done=identity"));
    let answered = portal
        .post(&format!("{request}/answer"), &[], Some(&officer))
        .await;
    assert_eq!(answered.location(), format!("{request}?done=answered"));

    let page = portal.get("/account/privacy", Some(&guardian)).await;
    let link = page
        .body
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.starts_with("/account/privacy/for/") && href.ends_with("/data.zip"))
        .unwrap_or_else(|| panic!("no download for the guardian: {}", page.body))
        .to_owned();
    let zip = portal.get(&link, Some(&guardian)).await;
    assert_eq!(zip.status, 200);
    assert!(zip.body.starts_with("PK"));
    assert_eq!(portal.get(&link, Some(&stranger)).await.status, 404);
}

/// The rows of the table whose class is `class` in `body`.
fn table_rows(body: &str, class: &str) -> usize {
    body.split(&format!("class=\"{class}\""))
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .map_or(0, |table| table.matches("<tr>").count().saturating_sub(1))
}

/// A long history stays quick to show: the centre lists the newest requests and consent
/// changes and links to the whole history, which lists every one, newest first, to its owner
/// only.
#[tokio::test]
async fn the_centre_lists_the_newest_and_links_to_the_whole_history() {
    use portal_app::privacy_centre::{RECENT_CONSENTS, RECENT_REQUESTS};
    let portal = crate::support::start();
    let learner = demo_session(&portal, "learner").await;
    let asked = RECENT_REQUESTS + 2;
    for _ in 0..asked {
        let reply = portal
            .post("/account/privacy/access", &[], Some(&learner))
            .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
    }
    for round in 0..RECENT_CONSENTS {
        let answer = if round % 2 == 0 {
            "accept-all"
        } else {
            "reject-all"
        };
        let reply = portal
            .post("/cookies", &[("cookie_answer", answer)], Some(&learner))
            .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
    }
    let history = portal.get("/account/privacy/history", Some(&learner)).await;
    assert_eq!(history.status, 200);
    assert_eq!(table_rows(&history.body, "requests"), asked);
    let changes = table_rows(&history.body, "consents");
    assert!(changes > RECENT_CONSENTS, "{changes} consent changes");
    assert!(history.body.contains(&format!("Your requests ({asked})")));

    let centre = portal.get("/account/privacy", Some(&learner)).await;
    assert_eq!(table_rows(&centre.body, "requests"), RECENT_REQUESTS);
    assert_eq!(table_rows(&centre.body, "consents"), RECENT_CONSENTS);
    assert!(
        centre.body.contains(&format!("See all {asked} requests"))
            && centre
                .body
                .contains(&format!("See all {changes} consent changes")),
        "{}",
        centre.body
    );
    assert!(centre.body.contains("href=\"/account/privacy/history\""));

    let someone_else = demo_session(&portal, "instructor").await;
    let theirs = portal
        .get("/account/privacy/history", Some(&someone_else))
        .await;
    assert!(
        theirs.body.contains("You have made no request."),
        "{}",
        theirs.body
    );
    let nobody = portal.get("/account/privacy/history", None).await;
    assert!(
        nobody
            .body
            .contains("/signin?next=/account/privacy/history"),
        "{}",
        nobody.body
    );
}

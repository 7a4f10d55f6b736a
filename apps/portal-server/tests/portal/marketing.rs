//! Marketing over HTTP, as people and mail programs meet it: choices per channel in the
//! privacy centre, a message sent by an administrator only to the people who said yes, each
//! with its own one-click unsubscribe link (in the text and in `List-Unsubscribe`, RFC 8058)
//! that works without signing in and stops the next message at once, while service messages
//! keep coming (W29, W31).

use crate::support::{DataDir, Mailbox, Portal, start_with};

const LEARNER: &str = "learner@demo.pledge.invalid";

/// The unsubscribe link in `message`.
fn unsubscribe_link(message: &str) -> String {
    let start = message
        .find("Unsubscribe with one click: ")
        .unwrap_or_else(|| panic!("no unsubscribe link: {message}"))
        + 28;
    let rest = &message[start..];
    let url = rest.split_whitespace().next().unwrap();
    url.split_once("/unsubscribe/")
        .map(|(_, path)| format!("/unsubscribe/{path}"))
        .unwrap()
}

async fn wait_for(mail: &Mailbox, to: &str, subject: &str, count: usize) -> Vec<String> {
    for _ in 0..100 {
        let found: Vec<String> = mail
            .to(to)
            .into_iter()
            .filter(|m| m.contains(subject))
            .collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{count} × {subject:?} did not reach {to}: {:?}",
        mail.to(to)
    );
}

/// A mail program's one-click unsubscribe: a bare `POST` with no cookie and no origin.
async fn one_click(portal: &Portal, path: &str) -> crate::support::Reply {
    let body = "List-Unsubscribe=One-Click";
    portal
        .raw(format!(
            "POST {path} HTTP/1.0\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            portal.addr,
            body.len()
        ))
        .await
}

async fn journey(pack: &str, cookie: Option<&str>) {
    let mail = Mailbox::start().await;
    let portal = start_with(DataDir::new(), &["--pack", pack], Some(&mail));
    let sign_in = async |role: &str| match cookie {
        Some(name) => crate::support::sign_in_demo(&portal, role, name).await,
        None => crate::support::sign_in_demo_hashed(&portal, role).await,
    };
    let learner = sign_in("learner").await;
    let admin = sign_in("administrator").await;
    if pack == "westmontera" {
        crate::support::add_second_step(&portal, &admin).await;
    }

    let centre = portal.get("/account/privacy", Some(&learner)).await;
    assert!(centre.body.contains("News and offers"), "{}", centre.body);
    assert!(
        !centre
            .body
            .contains("name=\"channel-email\" value=\"on\" checked"),
        "nobody is subscribed before saying yes"
    );
    let said_yes = portal
        .post(
            "/account/privacy/marketing",
            &[("channel-email", "on")],
            Some(&learner),
        )
        .await;
    assert_eq!(said_yes.location(), "/account/privacy?marketing=1");
    let centre = portal
        .get("/account/privacy?marketing=1", Some(&learner))
        .await;
    assert!(centre.body.contains("Your marketing choices are saved."));
    assert!(
        centre
            .body
            .contains("name=\"channel-email\" value=\"on\" checked"),
        "{}",
        centre.body
    );

    let page = portal.get("/admin/marketing", Some(&admin)).await;
    assert!(
        page.body.contains("1 people have said yes"),
        "{}",
        page.body
    );
    let blank = portal
        .post(
            "/admin/marketing",
            &[("subject", "Autumn courses"), ("body", " ")],
            Some(&admin),
        )
        .await;
    assert_eq!(blank.status, 422);
    assert!(
        blank.body.contains("id=\"field-body-problem\"")
            && blank.body.contains("value=\"Autumn courses\"")
    );
    let learners_post = portal
        .post(
            "/admin/marketing",
            &[("subject", "x"), ("body", "y")],
            Some(&learner),
        )
        .await;
    assert_eq!(
        learners_post.status, 403,
        "only administrators send marketing"
    );
    let sent = portal
        .post(
            "/admin/marketing",
            &[("subject", "Autumn courses"), ("body", "Ten new courses.")],
            Some(&admin),
        )
        .await;
    assert_eq!(sent.location(), "/admin/marketing?sent=1");
    let message = wait_for(&mail, LEARNER, "Autumn courses", 1)
        .await
        .remove(0);
    assert!(message.contains("Ten new courses."));
    assert!(message.contains("List-Unsubscribe: <http"), "{message}");
    assert!(message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    let link = unsubscribe_link(&message);

    // The link opens a page without signing in; a changed link is not ours.
    let page = portal.get(&link, None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Stop sending me news and offers"),
        "{}",
        page.body
    );
    let forged = format!(
        "{}0",
        link.trim_end_matches(|c: char| c.is_ascii_hexdigit())
    );
    assert_eq!(portal.get(&forged, None).await.status, 404);
    assert_eq!(one_click(&portal, &forged).await.status, 404);
    let clicked = one_click(&portal, &link).await;
    assert_eq!(clicked.location(), format!("{link}?done=1"));
    assert!(
        portal
            .get(&format!("{link}?done=1"), None)
            .await
            .body
            .contains("You are unsubscribed.")
    );
    assert_eq!(
        one_click(&portal, &link).await.status,
        303,
        "again is not an error"
    );

    let centre = portal.get("/account/privacy", Some(&learner)).await;
    assert!(
        !centre
            .body
            .contains("name=\"channel-email\" value=\"on\" checked")
    );
    assert!(
        centre.body.contains("unsubscribe link"),
        "in the consent history"
    );
    let again = portal
        .post(
            "/admin/marketing",
            &[("subject", "Winter courses"), ("body", "More.")],
            Some(&admin),
        )
        .await;
    assert_eq!(again.location(), "/admin/marketing?sent=0");
    // W31: a service message still comes after the opt-out.
    portal.post("/reset", &[("email", LEARNER)], None).await;
    wait_for(&mail, LEARNER, "Reset your", 1).await;
    assert!(
        mail.to(LEARNER)
            .iter()
            .all(|m| !m.contains("Winter courses"))
    );
}

#[tokio::test]
async fn k23_unsubscribing_from_the_link_in_a_kexara_message_stops_the_next_one() {
    journey("kexara", Some("__Host-kx_session")).await;
}

#[tokio::test]
async fn w29_w30_w31_every_westmontera_message_unsubscribes_in_one_click_and_service_mail_goes_on()
{
    journey("westmontera", Some("__Host-wm_session")).await;
}

#[tokio::test]
async fn j16_j17_jtec_takes_a_yes_only_in_writing_but_a_no_anywhere() {
    let portal = start_with(DataDir::new(), &["--pack", "jtec"], None);
    let learner = crate::support::sign_in_demo_hashed(&portal, "learner").await;
    let centre = portal.get("/account/privacy", Some(&learner)).await;
    assert!(
        centre
            .body
            .contains("We take your consent to marketing in writing")
    );
    assert!(
        centre
            .body
            .contains("name=\"channel-email\" value=\"on\" disabled"),
        "{}",
        centre.body
    );
    let forced = portal
        .post(
            "/account/privacy/marketing",
            &[("channel-email", "on")],
            Some(&learner),
        )
        .await;
    assert_eq!(forced.status, 422);
    assert!(
        forced
            .body
            .contains("Consent to marketing is taken in writing"),
        "{}",
        forced.body
    );
    let history = portal.get("/account/privacy", Some(&learner)).await;
    assert!(
        history
            .body
            .contains("You have not given or withdrawn any consent yet."),
        "nothing recorded"
    );
}

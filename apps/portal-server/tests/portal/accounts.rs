//! Accounts without JavaScript, over real HTTP and real SMTP: registering under the age rule
//! (K43, K44), verification, signing in and out with the policy's cookie (W43, J22), password
//! reset and change, no user enumeration, and forms from other sites refused.

use crate::support::{Backend, DataDir, Mailbox, Portal, Reply, start_on, start_with};

const COOKIE: &str = "__Host-kx_session";
const PASSWORD: &str = "tangerine obelisk wharf 1987";

async fn portal_with_mail() -> (Portal, Mailbox) {
    portal_on(Backend::Sqlite).await
}

async fn portal_on(backend: Backend) -> (Portal, Mailbox) {
    let mail = Mailbox::start().await;
    let portal = start_on(backend, &["--no-demo"], Some(&mail));
    (portal, mail)
}

async fn register(portal: &Portal, email: &str, birth: &str, guardian: &str) -> Reply {
    portal
        .post(
            "/register",
            &[
                ("display_name", "Ada Lovelace"),
                ("email", email),
                ("date_of_birth", birth),
                ("guardian_email", guardian),
                ("password", PASSWORD),
            ],
            None,
        )
        .await
}

/// Registers and verifies an adult; returns nothing but leaves them able to sign in.
async fn verified_adult(portal: &Portal, mail: &Mailbox, email: &str) {
    let reply = register(portal, email, "1990-12-10", "").await;
    assert_eq!((reply.status, reply.location()), (303, "/register/sent"));
    let link = mail.link(email, "verify").await;
    let verified = portal.post(&link, &[], None).await;
    assert_eq!(verified.location(), "/signin?notice=verified");
}

async fn sign_in(portal: &Portal, email: &str, password: &str) -> Reply {
    portal
        .post(
            "/signin",
            &[
                ("email", email),
                ("password", password),
                ("next", "/account"),
            ],
            None,
        )
        .await
}

/// Signs in and returns the cookie pair to send back.
async fn session(portal: &Portal, email: &str, password: &str) -> String {
    let reply = sign_in(portal, email, password).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply.cookie_pair(COOKIE)
}

async fn signed_in(portal: &Portal, cookie: &str) -> bool {
    portal
        .get("/account", Some(cookie))
        .await
        .body
        .contains("Change your password")
}

#[tokio::test]
async fn w43_a_person_registers_verifies_signs_in_and_out_without_javascript() {
    for backend in Backend::BOTH {
        let (portal, mail) = portal_on(backend).await;
        let page = portal.get("/register", None).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("At least 12 characters"),
            "the policy's rule is explained"
        );

        verified_adult(&portal, &mail, "ada@example.org").await;
        let reply = sign_in(&portal, "ada@example.org", PASSWORD).await;
        assert_eq!((reply.status, reply.location()), (303, "/account"));
        let set = reply.set_cookie(COOKIE).unwrap();
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(set.contains(attribute), "{set}");
        }
        assert!(
            !set.contains("Max-Age"),
            "kexara's session cookie ends with the browser: {set}"
        );
        let cookie = reply.cookie_pair(COOKIE);
        let account = portal.get("/account", Some(&cookie)).await;
        assert!(account.body.contains("ada@example.org") && account.body.contains("Ada Lovelace"));
        let other_device = session(&portal, "ada@example.org", PASSWORD).await;
        assert!(signed_in(&portal, &other_device).await);

        let out = portal.post("/signout", &[], Some(&cookie)).await;
        assert_eq!(out.location(), "/signin?notice=signed-out");
        assert!(
            out.set_cookie(COOKIE).unwrap().contains("Max-Age=0"),
            "J22: removed at sign-out"
        );
        let after = portal.get("/account", Some(&cookie)).await;
        assert_eq!(after.status, 302, "the old cookie no longer signs in");
        assert_eq!(after.location(), "/signin?next=/account");
        assert!(
            !signed_in(&portal, &other_device).await,
            "signing out ends every session of the person, not only this browser's"
        );
    }
}

#[tokio::test]
async fn a_refused_form_keeps_what_was_typed_and_names_each_problem() {
    let (portal, mail) = portal_with_mail().await;
    let reply = portal
        .post(
            "/register",
            &[
                ("display_name", "Ada Lovelace"),
                ("email", "ada-at-example.org"),
                ("date_of_birth", "1990-12-10"),
                ("password", "password1234"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, 422);
    let page = &reply.body;
    assert!(page.contains("id=\"field-email-problem\""), "{page}");
    assert!(page.contains("Enter an email address like name@example.org."));
    assert!(page.contains("id=\"field-password-problem\""));
    assert!(page.contains("too common or too easy to guess"));
    assert!(
        page.contains("value=\"Ada Lovelace\"") && page.contains("value=\"ada-at-example.org\"")
    );
    assert!(
        !page.contains("password1234"),
        "a password is never sent back"
    );
    assert!(page.contains("aria-invalid=\"true\""));
    let bad_date = portal
        .post(
            "/register",
            &[("display_name", "Ada"), ("date_of_birth", "10/12/1990")],
            None,
        )
        .await;
    assert_eq!(bad_date.status, 422);
    assert!(bad_date.body.contains("Enter the date as year-month-day"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        mail.count(),
        0,
        "nothing was registered, so nothing was sent"
    );
}

#[tokio::test]
async fn k43_a_child_below_the_minimum_age_is_refused_and_nothing_is_kept() {
    let (portal, mail) = portal_with_mail().await;
    let reply = register(
        &portal,
        "kid@example.org",
        "2018-05-05",
        "parent@example.org",
    )
    .await;
    assert_eq!(reply.status, 422);
    assert!(
        reply
            .body
            .contains("People under 13 cannot register; nothing was kept.")
    );
    assert!(
        !reply.body.contains("kid@example.org"),
        "not even echoed back"
    );
    let again = sign_in(&portal, "kid@example.org", PASSWORD).await;
    assert_eq!(again.status, 422);
    assert_eq!(mail.count(), 0);
}

#[tokio::test]
async fn k44_a_guardian_confirms_before_the_young_person_can_sign_in() {
    for backend in Backend::BOTH {
        let (portal, mail) = portal_on(backend).await;
        let missing = register(&portal, "sam@example.org", "2011-06-01", "").await;
        assert_eq!(missing.status, 422);
        assert!(missing.body.contains("id=\"field-guardian_email-problem\""));

        let reply = register(
            &portal,
            "sam@example.org",
            "2011-06-01",
            "parent@example.org",
        )
        .await;
        assert_eq!(reply.location(), "/register/sent");
        let verify = mail.link("sam@example.org", "verify").await;
        portal.post(&verify, &[], None).await;
        let early = sign_in(&portal, "sam@example.org", PASSWORD).await;
        assert_eq!(early.status, 422);
        assert!(early.body.contains("guardian has not confirmed"));

        let confirm = mail.link("parent@example.org", "guardian").await;
        let page = portal.get(&confirm, None).await;
        let main = &page.body[page.body.find("<main>").unwrap()..];
        assert!(
            main.contains("Ada Lovelace asked to create an account"),
            "{main}"
        );
        let unticked = portal
            .post(
                &confirm,
                &[("display_name", "Pat"), ("password", PASSWORD)],
                None,
            )
            .await;
        assert_eq!(unticked.status, 422);
        assert!(unticked.body.contains("Tick the box"));
        assert!(
            unticked.body.contains("value=\"Pat\""),
            "the name typed is kept"
        );
        let confirmed = [
            ("display_name", "Pat"),
            ("password", PASSWORD),
            ("confirm", "yes"),
        ];
        let done = portal.post(&confirm, &confirmed, None).await;
        assert_eq!(done.location(), "/signin?notice=guardian");
        session(&portal, "sam@example.org", PASSWORD).await;
        let parent = session(&portal, "parent@example.org", PASSWORD).await;
        let account = portal.get("/account", Some(&parent)).await;
        assert!(
            account.body.contains("learner, guardian"),
            "{}",
            account.body
        );
        let reused = portal.post(&confirm, &confirmed, None).await;
        assert_eq!(reused.status, 422, "the link works once");
    }
}

#[tokio::test]
async fn nobody_learns_which_addresses_have_accounts() {
    let (portal, mail) = portal_with_mail().await;
    verified_adult(&portal, &mail, "ada@example.org").await;
    let before = mail.count();

    let again = register(&portal, "ada@example.org", "1990-12-10", "").await;
    assert_eq!((again.status, again.location()), (303, "/register/sent"));
    for _ in 0..100 {
        if mail.count() > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(mail.count(), before + 1);
    let warning = mail.to("ada@example.org").pop().unwrap();
    assert!(warning.contains("Someone tried to register") && warning.contains("/reset"));

    let unknown = portal
        .post("/reset", &[("email", "nobody@example.org")], None)
        .await;
    let known = portal
        .post("/reset", &[("email", "ada@example.org")], None)
        .await;
    assert_eq!(unknown.location(), known.location());
    let refused = |reply: &Reply| {
        let start = reply.body.find("form-message").unwrap();
        reply.body[start..start + 200].to_owned()
    };
    let nobody = sign_in(&portal, "nobody@example.org", PASSWORD).await;
    let wrong = sign_in(&portal, "ada@example.org", "not the password at all").await;
    assert_eq!((nobody.status, wrong.status), (422, 422));
    assert_eq!(refused(&nobody), refused(&wrong));
    assert!(mail.to("nobody@example.org").is_empty());
}

#[tokio::test]
async fn a_reset_ends_every_session_and_a_password_change_keeps_only_this_one() {
    for backend in Backend::BOTH {
        let (portal, mail) = portal_on(backend).await;
        verified_adult(&portal, &mail, "ada@example.org").await;
        let first = session(&portal, "ada@example.org", PASSWORD).await;
        let second = session(&portal, "ada@example.org", PASSWORD).await;
        assert_ne!(first, second);

        portal
            .post("/reset", &[("email", "ada@example.org")], None)
            .await;
        let link = mail.link("ada@example.org", "reset").await;
        let weak = portal.post(&link, &[("new_password", "short")], None).await;
        assert_eq!(weak.status, 422);
        assert!(weak.body.contains("id=\"field-new_password-problem\""));
        let reset = portal
            .post(&link, &[("new_password", "brand new phrase 77")], None)
            .await;
        assert_eq!(reset.location(), "/signin?notice=reset");
        assert!(!signed_in(&portal, &first).await && !signed_in(&portal, &second).await);
        assert_eq!(
            portal
                .post(&link, &[("new_password", "x y z w v u t")], None)
                .await
                .status,
            422
        );

        let third = session(&portal, "ada@example.org", "brand new phrase 77").await;
        let other = session(&portal, "ada@example.org", "brand new phrase 77").await;
        let wrong = portal
            .post(
                "/account/password",
                &[
                    ("current_password", "nope"),
                    ("new_password", "another fine phrase 2026"),
                ],
                Some(&third),
            )
            .await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.body.contains("That is not your current password."));
        let changed = portal
            .post(
                "/account/password",
                &[
                    ("current_password", "brand new phrase 77"),
                    ("new_password", "another fine phrase 2026"),
                ],
                Some(&third),
            )
            .await;
        assert_eq!(changed.location(), "/account?notice=password");
        let fresh = changed.cookie_pair(COOKIE);
        assert!(
            signed_in(&portal, &fresh).await,
            "this browser keeps a new session"
        );
        assert!(!signed_in(&portal, &third).await && !signed_in(&portal, &other).await);
    }
}

#[tokio::test]
async fn signing_in_again_replaces_the_session_id() {
    let (portal, mail) = portal_with_mail().await;
    verified_adult(&portal, &mail, "ada@example.org").await;
    let old = session(&portal, "ada@example.org", PASSWORD).await;
    let again = portal
        .post(
            "/signin",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
            Some(&old),
        )
        .await;
    let new = again.cookie_pair(COOKIE);
    assert_ne!(old, new);
    assert!(!signed_in(&portal, &old).await && signed_in(&portal, &new).await);
}

#[tokio::test]
async fn forms_posted_from_another_site_are_refused() {
    let (portal, mail) = portal_with_mail().await;
    let reply = portal
        .post_from(
            "/register",
            &[
                ("display_name", "Ada"),
                ("email", "ada@example.org"),
                ("date_of_birth", "1990-12-10"),
                ("password", PASSWORD),
            ],
            None,
            "https://evil.example",
        )
        .await;
    assert_eq!(reply.status, 403);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(mail.count(), 0, "nothing was registered");
}

#[tokio::test]
async fn j22_jtec_keeps_people_signed_in_two_days_or_two_weeks_with_remember_me() {
    let mail = Mailbox::start().await;
    let portal = start_with(
        DataDir::new(),
        &["--no-demo", "--pack", "jtec"],
        Some(&mail),
    );
    verified_adult(&portal, &mail, "ada@example.org").await;
    let page = portal.get("/signin", None).await;
    assert!(page.body.contains("Keep me signed in for 2 weeks"));
    let standard = sign_in(&portal, "ada@example.org", PASSWORD).await;
    let (name, _) = standard
        .headers
        .iter()
        .find(|(n, v)| {
            n.eq_ignore_ascii_case("set-cookie") && v.starts_with("wordpress_logged_in_")
        })
        .map(|(_, v)| v.split_once('=').unwrap())
        .expect("jtec's declared sign-in cookie");
    assert_eq!(
        name.len(),
        "wordpress_logged_in_".len() + 32,
        "{{hash}} is filled in"
    );
    assert!(
        standard
            .set_cookie(name)
            .unwrap()
            .contains("Max-Age=172800")
    );
    let remembered = portal
        .post(
            "/signin",
            &[
                ("email", "ada@example.org"),
                ("password", PASSWORD),
                ("remember", "yes"),
            ],
            None,
        )
        .await;
    assert!(
        remembered
            .set_cookie(name)
            .unwrap()
            .contains("Max-Age=1209600")
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_the_same_message() {
    let (portal, mail) = portal_with_mail().await;
    verified_adult(&portal, &mail, "ada@example.org").await;
    for _ in 0..5 {
        let reply = sign_in(&portal, "ada@example.org", "wrong password again").await;
        assert_eq!(reply.status, 422);
    }
    let locked = sign_in(&portal, "ada@example.org", PASSWORD).await;
    assert_eq!(locked.status, 422, "locked even with the right password");
    assert!(
        locked
            .body
            .contains("locked for 15 minutes after 5 failed attempts")
    );
}

#[tokio::test]
async fn the_demo_has_a_person_in_every_role() {
    let portal = start_with(DataDir::new(), &[], None);
    for role in crate::support::DEMO_PEOPLE {
        let email = format!("{role}@demo.pledge.invalid");
        let cookie = session(&portal, &email, "demo tangerine orbit 2026").await;
        let account = portal.get("/account", Some(&cookie)).await;
        assert!(account.body.contains(role), "{role}: {}", account.body);
    }
    session(
        &portal,
        "young-learner@demo.pledge.invalid",
        "demo tangerine orbit 2026",
    )
    .await;
}

#[tokio::test]
async fn bursts_of_account_forms_are_slowed_down() {
    let (portal, _mail) = portal_with_mail().await;
    let mut statuses = Vec::new();
    for _ in 0..25 {
        let reply = portal
            .post("/reset", &[("email", "someone@example.org")], None)
            .await;
        statuses.push(reply.status);
        if reply.status == 429 {
            assert!(reply.header("retry-after").is_some());
            assert!(reply.body.contains("Please wait"));
        }
    }
    assert!(statuses.iter().take(20).all(|s| *s == 303), "{statuses:?}");
    assert!(statuses.iter().skip(20).any(|s| *s == 429), "{statuses:?}");
    let page = portal.get("/reset", None).await;
    assert_eq!(page.status, 200, "reading pages is not limited");
}

/// `POST /signin` with a wrong password from `peer`, carrying `forwarded` as its
/// `X-Forwarded-For`; the status.
async fn failed_sign_in_from(portal: &Portal, peer: [u8; 4], forwarded: &str) -> u16 {
    let body = "email=someone%40example.org&password=wrong&next=%2F";
    let request = format!(
        "POST /signin HTTP/1.0\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         X-Forwarded-For: {forwarded}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len(),
        addr = portal.addr
    );
    portal.raw_from(peer.into(), request).await.status
}

/// Whether `attempts` failed sign-ins from `peer` claiming `forwarded` met the rate limit.
async fn limited_after(portal: &Portal, peer: [u8; 4], forwarded: &str, attempts: u32) -> bool {
    let mut limited = false;
    for _ in 0..attempts {
        limited |= failed_sign_in_from(portal, peer, forwarded).await == 429;
    }
    limited
}

/// Behind the deployment's own proxy (`--trusted-proxy`), the rate limit counts each client
/// by the address the proxy saw, so one client's burst does not lock out everyone else; a
/// client that is not a trusted proxy cannot dodge the limit by claiming other addresses.
#[tokio::test]
async fn the_rate_limit_counts_clients_behind_a_trusted_proxy_and_ignores_claims_from_others() {
    // One more than the portal's burst of account forms (`ACCOUNT_BURST`).
    let burst = 21;
    let portal = start_with(DataDir::new(), &["--trusted-proxy", "127.7.0.1"], None);
    let proxy = [127, 7, 0, 1];
    assert!(
        limited_after(&portal, proxy, "203.0.113.1", burst).await,
        "one client behind the proxy is limited"
    );
    assert_ne!(
        failed_sign_in_from(&portal, proxy, "203.0.113.2").await,
        429,
        "another client behind the same proxy is not"
    );
    // A client that is not the proxy is counted by its own address, whatever it claims.
    let direct = [127, 7, 0, 9];
    let mut limited = false;
    for n in 0..burst {
        let claim = format!("198.51.100.{n}");
        limited |= failed_sign_in_from(&portal, direct, &claim).await == 429;
    }
    assert!(
        limited,
        "claimed addresses from a stranger are not believed"
    );
}

/// The key shown on the set-up page, without its spaces.
pub(crate) fn shown_key(page: &str) -> String {
    let start = page.find("class=\"secret\">").expect("the key is shown") + 15;
    let end = start + page[start..].find('<').unwrap();
    page[start..end].replace(' ', "")
}

pub(crate) fn code_for(key: &str, seconds_from_now: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds_from_now);
    pledge_store::mfa::current_code(key, at).unwrap()
}

/// The hidden challenge on the code page.
pub(crate) fn challenge_in(page: &str) -> String {
    let start = page
        .find("name=\"challenge\" value=\"")
        .expect("a challenge")
        + 24;
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_owned()
}

#[tokio::test]
async fn k26_a_learner_adds_a_second_step_and_signs_in_with_codes() {
    let (portal, mail) = portal_with_mail().await;
    verified_adult(&portal, &mail, "ada@example.org").await;
    let cookie = session(&portal, "ada@example.org", PASSWORD).await;
    let page = portal.get("/account/second-step", Some(&cookie)).await;
    assert!(page.body.contains("Set up an authenticator app"));
    let started = portal
        .post("/account/second-step/start", &[], Some(&cookie))
        .await;
    assert_eq!(started.location(), "/account/second-step");
    let page = portal.get("/account/second-step", Some(&cookie)).await;
    assert!(
        page.body.contains("<svg"),
        "a QR code is drawn on the server"
    );
    let key = shown_key(&page.body);
    let wrong = portal
        .post("/account/second-step", &[("code", "000000")], Some(&cookie))
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("id=\"field-code-problem\""));
    let on = portal
        .post(
            "/account/second-step",
            &[("code", &code_for(&key, 0))],
            Some(&cookie),
        )
        .await;
    assert_eq!(on.status, 200);
    let codes: Vec<&str> = on
        .body
        .match_indices("<li><code>")
        .map(|(i, _)| &on.body[i + 10..i + 29])
        .collect();
    assert_eq!(codes.len(), 10, "{}", on.body);

    portal.post("/signout", &[], Some(&cookie)).await;
    let password_only = sign_in(&portal, "ada@example.org", PASSWORD).await;
    assert_eq!(password_only.status, 200);
    assert!(
        password_only.set_cookie(COOKIE).is_none(),
        "no session before the code"
    );
    let challenge = challenge_in(&password_only.body);
    let bad = portal
        .post(
            "/signin/code",
            &[
                ("challenge", &challenge),
                ("code", "111111"),
                ("next", "/account"),
            ],
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        challenge_in(&bad.body),
        challenge,
        "the challenge stays for another try"
    );
    let recovered = portal
        .post(
            "/signin/code",
            &[
                ("challenge", &challenge),
                ("code", codes[0]),
                ("next", "/account"),
            ],
            None,
        )
        .await;
    assert_eq!(recovered.location(), "/account");
    let again = sign_in(&portal, "ada@example.org", PASSWORD).await;
    let next_code = code_for(&key, 30);
    let signed = portal
        .post(
            "/signin/code",
            &[
                ("challenge", &challenge_in(&again.body)),
                ("code", &next_code),
                ("next", "/account"),
            ],
            None,
        )
        .await;
    assert_eq!(signed.location(), "/account");
    let cookie = signed.cookie_pair(COOKIE);
    let status = portal.get("/account/second-step", Some(&cookie)).await;
    assert!(
        status.body.contains("You have 9 unused recovery codes."),
        "{}",
        status.body
    );

    // K26: turning it off takes the password; a wrong one is refused on the page itself.
    let wrong = portal
        .post(
            "/account/second-step/off",
            &[("current_password", "not my password at all")],
            Some(&cookie),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("id=\"field-current_password-problem\"")
            && wrong.body.contains("You have 9 unused recovery codes."),
        "the problem shows on the second-step page, which is still on: {}",
        wrong.body
    );
    let off = portal
        .post(
            "/account/second-step/off",
            &[("current_password", PASSWORD)],
            Some(&cookie),
        )
        .await;
    assert_eq!(off.location(), "/account/second-step");
    portal.post("/signout", &[], Some(&cookie)).await;
    let password_only = sign_in(&portal, "ada@example.org", PASSWORD).await;
    assert_eq!(
        password_only.location(),
        "/account",
        "no code asked any more"
    );
}

#[tokio::test]
async fn w43_staff_must_add_the_required_second_step_before_anything_else() {
    let portal = start_with(DataDir::new(), &["--pack", "westmontera"], None);
    let westmontera_session = async |email: &str| {
        sign_in(&portal, email, "demo tangerine orbit 2026")
            .await
            .cookie_pair("__Host-wm_session")
    };
    let learner = westmontera_session("learner@demo.pledge.invalid").await;
    let open = portal.get("/account", Some(&learner)).await;
    assert_eq!(open.status, 200, "learners may choose");
    let officer = westmontera_session("privacy-officer@demo.pledge.invalid").await;
    let blocked = portal.get("/account", Some(&officer)).await;
    assert_eq!(blocked.location(), "/account/second-step?required=1");
    let page = portal
        .get("/account/second-step?required=1", Some(&officer))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("requires a second step for staff accounts")
    );
    // Server functions too: a script cannot reach the office's data around the gate.
    let api = portal
        .get("/api/retention-overview?preview=false", Some(&officer))
        .await;
    assert_eq!(api.status, 403, "{}", api.body);
    assert!(
        api.body.contains("Set up your second step first"),
        "{}",
        api.body
    );
    assert!(
        !api.body.contains("retention"),
        "nothing of the office leaks"
    );
    let as_script = async |cookie: &str| {
        portal
            .raw(format!(
                "GET /api/second-step HTTP/1.0\r\nHost: {}\r\nAccept: application/json\r\n\
                 Cookie: {cookie}\r\n\r\n",
                portal.addr
            ))
            .await
    };
    let set_up = as_script(&officer).await;
    assert_eq!(
        set_up.status, 200,
        "the set-up page's own function stays open"
    );
    assert_eq!(as_script(&learner).await.status, 200);
}

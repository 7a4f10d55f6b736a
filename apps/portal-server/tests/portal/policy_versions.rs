//! The published policy's history: the server publishes the version in force at start, every
//! version stays readable as it was, "what changed" is the semantic diff with what each change
//! demands, and a changed text under an old version label is refused at start.

use crate::support::{DataDir, start_at};

/// The kexara pack's text with a new version and a longer-lived personalisation cookie.
pub(crate) fn kexara_next() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/pledge-policy/packs/kexara.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let bumped = text
        .replacen("version = \"2025-03-15\"", "version = \"2026-12-01\"", 1)
        .replacen("effective = 2025-03-15", "effective = 2026-12-01", 1);
    let longer = bumped.replacen(
        "lifetime = \"1 year\"\npurpose = \"personalisation\"",
        "lifetime = \"2 years\"\npurpose = \"personalisation\"",
        1,
    );
    assert_ne!(
        longer, bumped,
        "the pack still has the cookie this test changes"
    );
    longer
}

#[tokio::test]
async fn w03_k01_k45_every_published_version_stays_readable_and_what_changed_is_shown() {
    let dir = DataDir::new();
    let first = start_at(&dir.0, &[], None);
    let versions = first.get("/privacy/versions", None).await;
    assert_eq!(versions.status, 200);
    assert!(
        versions.body.contains("2025-03-15 (in force)"),
        "{}",
        versions.body
    );
    drop(first);

    let file = dir.0.join("kexara-next.toml");
    std::fs::write(&file, kexara_next()).unwrap();
    let second = start_at(&dir.0, &["--pack", file.to_str().unwrap()], None);
    let versions = second.get("/privacy/versions", None).await;
    assert!(
        versions.body.contains("2026-12-01 (in force)"),
        "{}",
        versions.body
    );
    assert!(
        versions
            .body
            .contains("href=\"/privacy/versions/2025-03-15\"")
    );
    assert!(
        versions
            .body
            .contains("href=\"/privacy/changes?from=2025-03-15&amp;to=2026-12-01\""),
        "{}",
        versions.body
    );
    let old = second.get("/privacy/versions/2025-03-15", None).await;
    assert_eq!(old.status, 200);
    assert!(old.body.contains("2025-03-15") && old.body.contains("1 year"));
    let current = second.get("/privacy", None).await;
    assert!(
        current.body.contains("2 years"),
        "the policy in force is the new one"
    );

    let changes = second
        .get("/privacy/changes?from=2025-03-15&to=2026-12-01", None)
        .await;
    assert_eq!(changes.status, 200, "{}", changes.body);
    assert!(
        changes.body.contains("cookie[kx_prefs].lifetime"),
        "{}",
        changes.body
    );
    assert!(
        changes
            .body
            .contains("people who accepted personalisation cookies")
    );
    assert!(changes.body.contains("policy.version"));

    let unknown = second.get("/privacy/versions/1999-01-01", None).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("No such version"));
    let unknown = second
        .get("/privacy/changes?from=1999-01-01&to=2026-12-01", None)
        .await;
    assert_eq!(unknown.status, 404);
    drop(second);

    // The same label with other text: refused, and nothing published.
    let sneaky = kexara_next().replacen("lifetime = \"2 years\"", "lifetime = \"5 years\"", 1);
    std::fs::write(&file, sneaky).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_portal-server"))
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&dir.0)
        .args(["--pack", file.to_str().unwrap()])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("needs a new `version`"), "{said}");
}

/// The kexara pack with a new version that adds a marketing channel (which asks the people who
/// said yes to marketing again).
pub(crate) fn kexara_with_sms() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/pledge-policy/packs/kexara.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let next = text
        .replacen("version = \"2025-03-15\"", "version = \"2026-12-01\"", 1)
        .replacen(
            "channels = [\"email\"]",
            "channels = [\"email\", \"sms\"]",
            1,
        );
    assert!(next.contains("\"sms\"") && next.contains("2026-12-01"));
    next
}

#[tokio::test]
async fn k45_j43_w02_a_changed_policy_is_emailed_shown_on_the_next_visit_and_accepted() {
    for backend in crate::support::Backend::BOTH {
        changed_policy_journey(backend).await;
    }
}

async fn changed_policy_journey(backend: crate::support::Backend) {
    use crate::support::{Mailbox, sign_in_demo, start_on};
    const LEARNER: &str = "learner@demo.pledge.invalid";
    const SESSION: &str = "__Host-kx_session";
    let mail = Mailbox::start().await;
    let first = start_on(backend, &[], Some(&mail));
    let learner = sign_in_demo(&first, "learner", SESSION).await;
    let yes = first
        .post(
            "/account/privacy/marketing",
            &[("channel-email", "on")],
            Some(&learner),
        )
        .await;
    assert_eq!(yes.status, 303, "{}", yes.body);
    let page = first.get("/account", Some(&learner)).await;
    assert!(!page.body.contains("policy-notice"), "no change, no notice");

    let file = first.data_dir().unwrap().join("kexara-sms.toml");
    std::fs::write(&file, kexara_with_sms()).unwrap();
    let pack = file.to_str().unwrap().to_owned();
    let second = first.restart(&["--pack", &pack], Some(&mail));
    let mut told = Vec::new();
    for _ in 0..100 {
        told = mail
            .to(LEARNER)
            .into_iter()
            .filter(|m| m.contains("Our privacy policy has changed"))
            .collect();
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(told.len(), 1, "one email: {:?}", mail.to(LEARNER));
    let email = &told[0];
    assert!(
        email.contains("/privacy/changes?from=2025-03-15&to=2026-12-01"),
        "{email}"
    );
    assert!(email.contains("News and offers by email"), "{email}");
    assert!(
        !mail
            .to("instructor@demo.pledge.invalid")
            .iter()
            .any(|m| m.contains("Our privacy policy has changed")),
        "a change that touches only subscribers reaches only them"
    );

    // The next visit shows the notice; the one after, under continued use, accepts.
    let page = second.get("/account", Some(&learner)).await;
    assert!(
        page.body.contains("Our privacy policy has changed"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("href=\"/privacy/changes?from=2025-03-15&amp;to=2026-12-01\"")
    );
    assert!(page.body.contains("News and offers by email"));
    let start = page.body.find("name=\"notice\" value=\"").unwrap() + 21;
    let notice = page.body[start..start + 36].to_owned();
    let centre = second.get("/account/privacy", Some(&learner)).await;
    assert!(
        !centre
            .body
            .contains("name=\"channel-email\" value=\"on\" checked"),
        "the earlier yes is asked again"
    );
    assert!(
        centre.body.contains("policy change"),
        "the history says why"
    );
    assert!(
        centre.body.contains("2026-12-01 — continued use"),
        "{}",
        centre.body
    );

    let stranger = second
        .post(
            "/account/policy-notice",
            &[("notice", notice.as_str()), ("next", "/account")],
            None,
        )
        .await;
    assert!(stranger.location().starts_with("/signin"));
    let instructor = sign_in_demo(&second, "instructor", SESSION).await;
    let not_theirs = second
        .post(
            "/account/policy-notice",
            &[("notice", notice.as_str()), ("next", "/account")],
            Some(&instructor),
        )
        .await;
    assert_eq!(not_theirs.status, 303);
    assert!(
        second
            .get("/account", Some(&learner))
            .await
            .body
            .contains("Our privacy policy has changed"),
        "another person cannot close it"
    );
    let closed = second
        .post(
            "/account/policy-notice",
            &[("notice", notice.as_str()), ("next", "//evil.example/")],
            Some(&learner),
        )
        .await;
    assert_eq!(closed.location(), "/account", "only a local address");
    let page = second.get("/account", Some(&learner)).await;
    assert!(!page.body.contains("Our privacy policy has changed"));

    // A restart on the same version announces nothing again.
    let third = second.restart(&["--pack", &pack], Some(&mail));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let emails = mail
        .to(LEARNER)
        .into_iter()
        .filter(|m| m.contains("Our privacy policy has changed"))
        .count();
    assert_eq!(emails, 1);
    drop(third);
}

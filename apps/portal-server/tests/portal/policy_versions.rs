//! The published policy's history: the server publishes the version in force at start, every
//! version stays readable as it was, "what changed" is the semantic diff with what each change
//! demands, and a changed text under an old version label is refused at start.

use crate::support::{DataDir, start_at};

/// The kexara pack's text with a new version and a longer-lived personalisation cookie.
fn kexara_next() -> String {
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

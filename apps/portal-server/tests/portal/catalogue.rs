//! The catalogue without JavaScript: listing, search, price filter, course pages, and clear
//! answers to bad addresses.

use crate::support::{DataDir, start, start_at};

#[tokio::test]
async fn the_catalogue_lists_searches_and_filters_the_demo_courses_without_javascript() {
    let portal = start();
    let (status, page) = portal_get(&portal, "/").await;
    assert_eq!(status, 200, "{page}");
    for title in [
        "Privacy essentials",
        "ITIL 4 Foundation",
        "The data protection officer",
    ] {
        assert!(page.contains(title), "{title} missing from the catalogue");
    }
    assert!(
        page.contains("CAD 499.00") && page.contains("Free"),
        "prices shown"
    );
    assert!(
        page.contains("href=\"/courses/itil-4-foundation\""),
        "each course links to its page"
    );

    let (_, found) = portal_get(&portal, "/?q=itil&price=").await;
    assert!(found.contains("ITIL 4 Foundation") && !found.contains("Privacy essentials"));
    assert!(
        found.contains("value=\"itil\""),
        "the search box keeps the search"
    );
    let (_, free) = portal_get(&portal, "/?q=&price=free").await;
    assert!(free.contains("Privacy essentials") && !free.contains("ITIL 4 Foundation"));
    let (_, none) = portal_get(&portal, "/?q=astronomy").await;
    assert!(none.contains("No course matches this search."));

    let (status, course) = portal_get(&portal, "/courses/prince2-foundation").await;
    assert_eq!(status, 200);
    assert!(course.contains("<h1>PRINCE2 Foundation</h1>"), "{course}");
}

#[tokio::test]
async fn bad_addresses_and_filters_get_a_clear_answer_not_a_server_error() {
    let portal = start();
    let (status, page) = portal_get(&portal, "/?price=cheapest").await;
    assert!(status < 500, "{status}");
    assert!(
        page.contains("choose a price filter from the list"),
        "{page}"
    );
    let (status, page) = portal_get(&portal, &format!("/?q={}", "x".repeat(101))).await;
    assert!(status < 500, "{status}");
    assert!(page.contains("longer than 100 characters"), "{page}");
    let (status, page) = portal_get(&portal, "/courses/no-such-course").await;
    assert_eq!(status, 404, "{page}");
    assert!(page.contains("Course not found"));
    let (status, _) = portal_get(&portal, "/no/such/page").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_restart_keeps_the_data_and_adds_no_second_catalogue() {
    let dir = DataDir::new();
    let courses = |page: &str| page.matches("class=\"course\"").count();
    let first = start_at(&dir.0, &[], None);
    let (_, before) = portal_get(&first, "/").await;
    drop(first);
    let second = start_at(&dir.0, &[], None);
    let (_, after) = portal_get(&second, "/").await;
    assert_eq!(courses(&before), 6);
    assert_eq!(courses(&after), 6);
    assert!(dir.0.join("portal.db").exists());
    assert!(
        !dir.0.join("secrets.json").exists(),
        "the master key is not kept beside the data it protects"
    );
    let secrets = dir.secrets_file();
    assert!(secrets.exists(), "{} holds the secrets", secrets.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&secrets),
            0o600,
            "the secrets file is its owner's alone"
        );
        assert_eq!(mode(secrets.parent().unwrap()), 0o700);
    }
}

async fn portal_get(portal: &crate::support::Portal, path: &str) -> (u16, String) {
    let reply = portal.get(path, None).await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn the_health_check_answers_without_touching_the_store() {
    let portal = start();
    let reply = portal.get("/healthz", None).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok\n"));
}

#[tokio::test]
async fn the_published_policy_is_rendered_from_the_deployed_pack() {
    let portal = start();
    let reply = portal.get("/privacy", None).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("class=\"pledge-policy\""),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("Kexara"));
}

#[tokio::test]
async fn every_pack_starts_with_its_demo_data_and_people() {
    for pack in ["kexara", "westmontera", "jtec"] {
        let portal = crate::support::start_with(DataDir::new(), &["--pack", pack], None);
        let page = portal.get("/", None).await;
        assert_eq!(page.status, 200, "{pack}");
        assert!(page.body.contains("ITIL 4 Foundation"), "{pack}");
        let log = std::fs::read_to_string(&portal.log).unwrap();
        assert!(
            log.contains("young-learner@demo.pledge.invalid"),
            "{pack}: {log}"
        );
    }
}

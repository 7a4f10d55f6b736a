//! The cookie banner over HTTP: nothing optional before an answer, reject as easy as accept,
//! each answer on record, the cookies set matching the catalogue, withdrawn categories'
//! cookies removed, bad answers refused. (The browser test in `browser.rs` compares what
//! Chromium actually keeps.)

use crate::support::{Backend, Reply, start, start_on};

const CHOICE: &str = "kx_consent";

/// Every `Set-Cookie` line of `reply`.
fn set_cookies(reply: &Reply) -> Vec<&str> {
    reply
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.as_str())
        .collect()
}

fn names_set(reply: &Reply) -> Vec<&str> {
    set_cookies(reply)
        .into_iter()
        .filter(|line| !line.contains("Max-Age=0"))
        .filter_map(|line| line.split('=').next())
        .collect()
}

fn names_removed(reply: &Reply) -> Vec<&str> {
    set_cookies(reply)
        .into_iter()
        .filter(|line| line.contains("Max-Age=0"))
        .filter_map(|line| line.split('=').next())
        .collect()
}

fn max_age(line: &str) -> Option<i64> {
    line.split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .and_then(|age| age.parse().ok())
}

#[tokio::test]
async fn k39_k41_the_banner_asks_before_anything_optional_and_rejecting_is_as_easy_as_accepting() {
    let portal = start();
    for path in [
        "/",
        "/tours",
        "/privacy",
        "/signin",
        "/courses/privacy-essentials",
    ] {
        let page = portal.get(path, None).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body.contains("class=\"cookie-banner\""),
            "{path}: banner shown"
        );
        assert!(
            names_set(&page).is_empty(),
            "{path}: no cookie before an answer: {:?}",
            set_cookies(&page)
        );
        assert!(
            page.body.contains("href=\"/cookies\">Cookie settings</a>"),
            "{path}: settings one click away"
        );
    }
    let page = portal.get("/", None).await;
    let accept =
        "<button type=\"submit\" name=\"cookie_answer\" value=\"accept-all\">Accept all</button>";
    let reject =
        "<button type=\"submit\" name=\"cookie_answer\" value=\"reject-all\">Reject all</button>";
    assert!(
        page.body.contains(&format!("{accept}{reject}")),
        "the same kind of button, side by side: {}",
        page.body
    );
    assert!(page.body.contains("Analytics") && page.body.contains("Personalisation"));

    let rejected = portal
        .post(
            "/cookies",
            &[
                ("cookie_answer", "reject-all"),
                ("cookie_source", "banner"),
                ("cookie_next", "/tours"),
            ],
            None,
        )
        .await;
    assert_eq!((rejected.status, rejected.location()), (303, "/tours"));
    assert_eq!(
        names_set(&rejected),
        [CHOICE],
        "only the answer is remembered"
    );
    let choice = rejected.set_cookie(CHOICE).unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(choice.contains(attribute), "{choice}");
    }
    let day = 24 * 60 * 60;
    assert!(
        (6 * 28 * day..=6 * 31 * day).contains(&max_age(choice).unwrap()),
        "the declared six months: {choice}"
    );
    let answered = rejected.cookie_pair(CHOICE);
    let after = portal.get("/tours", Some(&answered)).await;
    assert!(
        !after.body.contains("class=\"cookie-banner\""),
        "asked once"
    );
}

#[tokio::test]
async fn k40_k41_accepting_sets_each_declared_cookie_with_its_declared_lifetime_and_withdrawing_removes_it()
 {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let accepted = portal
            .post(
                "/cookies",
                &[("cookie_answer", "accept-all"), ("cookie_source", "banner")],
                None,
            )
            .await;
        assert_eq!(accepted.location(), "/");
        let mut set = names_set(&accepted);
        set.sort_unstable();
        assert_eq!(set, ["kx_analytics", "kx_consent", "kx_prefs"]);
        let day = 24 * 60 * 60;
        let analytics = max_age(accepted.set_cookie("kx_analytics").unwrap()).unwrap();
        assert!(
            (13 * 28 * day..=13 * 31 * day).contains(&analytics),
            "13 months"
        );
        let prefs = max_age(accepted.set_cookie("kx_prefs").unwrap()).unwrap();
        assert!((365 * day..=366 * day).contains(&prefs), "1 year: {prefs}");

        let jar = [
            accepted.cookie_pair(CHOICE),
            accepted.cookie_pair("kx_analytics"),
            accepted.cookie_pair("kx_prefs"),
        ]
        .join("; ");
        let settings = portal.get("/cookies", Some(&jar)).await;
        assert!(
            settings.body.contains("class=\"consent-id\""),
            "{}",
            settings.body
        );
        assert!(
            settings.body.contains("Analytics, Personalisation"),
            "the answer is on record: {}",
            settings.body
        );
        assert!(settings.body.contains("kx_analytics") && settings.body.contains("13 months"));

        // Withdraw personalisation only, from the settings page.
        let changed = portal
            .post(
                "/cookies",
                &[
                    ("cookie_answer", "save"),
                    ("cookie_source", "settings"),
                    ("category-analytics", "on"),
                    ("cookie_next", "/cookies"),
                ],
                Some(&jar),
            )
            .await;
        assert_eq!(changed.location(), "/cookies");
        assert_eq!(names_removed(&changed), ["kx_prefs"], "withdrawn at once");
        assert_eq!(names_set(&changed), [CHOICE], "kept cookies are not reset");
        let same_id = changed.cookie_pair(CHOICE);
        assert_eq!(
            same_id.split('.').next(),
            accepted.cookie_pair(CHOICE).split('.').next(),
            "one consent id per browser"
        );
        let page = portal.get("/cookies", Some(&same_id)).await;
        let history = page
            .body
            .split("class=\"cookie-history\"")
            .nth(1)
            .and_then(|rest| rest.split("</table>").next())
            .unwrap_or_else(|| panic!("no history: {}", page.body));
        assert_eq!(
            history.matches("<tr><td>").count(),
            2,
            "both answers: {history}"
        );
        assert!(
            history.find("this page") < history.find("the banner"),
            "newest first"
        );

        // A browser that still sends a withdrawn category's cookie has it removed on any page.
        let stale = format!("{same_id}; kx_prefs=old; kx_analytics=kept");
        let page = portal.get("/tours", Some(&stale)).await;
        assert_eq!(names_removed(&page), ["kx_prefs"]);
        // And without any answer, every optional cookie goes.
        let page = portal.get("/", Some("kx_prefs=x; kx_analytics=y")).await;
        let mut removed = names_removed(&page);
        removed.sort_unstable();
        assert_eq!(removed, ["kx_analytics", "kx_prefs"]);
    }
}

#[tokio::test]
async fn k39_an_answer_the_form_did_not_offer_is_refused_and_sets_nothing() {
    let portal = start();
    for fields in [
        vec![],
        vec![("cookie_answer", "accept-some")],
        vec![("cookie_answer", "allow"), ("cookie_category", "tracking")],
    ] {
        let reply = portal.post("/cookies", &fields, None).await;
        assert_eq!(reply.status, 422, "{fields:?}: {}", reply.body);
        assert!(
            reply
                .body
                .contains("Choose “Accept all”, “Reject all” or “Save my choices”.")
        );
        assert!(set_cookies(&reply).is_empty(), "{fields:?}");
    }
    let outside = portal
        .post(
            "/cookies",
            &[
                ("cookie_answer", "accept-all"),
                ("cookie_next", "https://evil.example/"),
            ],
            None,
        )
        .await;
    assert_eq!(outside.location(), "/account", "never sent to another site");
    let forged = portal
        .get("/", Some("kx_consent=not-a.real.answer-cookie"))
        .await;
    assert!(
        forged.body.contains("class=\"cookie-banner\""),
        "asked again"
    );
}

#[tokio::test]
async fn j20_j24_jtec_asks_with_its_own_choice_cookie_and_sets_no_providers_cookie_itself() {
    let portal =
        crate::support::start_with(crate::support::DataDir::new(), &["--pack", "jtec"], None);
    let page = portal.get("/", None).await;
    assert!(page.body.contains("class=\"cookie-banner\""));
    assert!(page.body.contains("Preferences") && page.body.contains("Embedded content"));
    let accepted = portal
        .post("/cookies", &[("cookie_answer", "accept-all")], None)
        .await;
    assert_eq!(
        names_set(&accepted),
        ["jtec_consent"],
        "Google's and the embeds' cookies are theirs to set, after this answer"
    );
    let settings = portal
        .get("/cookies", Some(&accepted.cookie_pair("jtec_consent")))
        .await;
    assert!(settings.body.contains("comment_author_{hash}") && settings.body.contains("1 year"));
    assert!(
        settings.body.contains("Never set here"),
        "the withheld advertising cookie says so"
    );
}

async fn demo_learner(portal: &crate::support::Portal, session_cookie: &str) -> String {
    crate::support::sign_in_demo(portal, "learner", session_cookie).await
}

#[tokio::test]
async fn w34_j28_a_lesson_video_stays_behind_its_placeholder_until_embedded_content_is_allowed() {
    let portal = crate::support::start_with(
        crate::support::DataDir::new(),
        &["--pack", "westmontera"],
        None,
    );
    let session = demo_learner(&portal, "__Host-wm_session").await;
    let enrolled = portal
        .post("/courses/privacy-essentials/enrol", &[], Some(&session))
        .await;
    assert_eq!(enrolled.location(), "/learn/privacy-essentials/1");
    let lesson = portal
        .get("/learn/privacy-essentials/1", Some(&session))
        .await;
    assert!(
        lesson.body.contains("class=\"video embed-placeholder\""),
        "{}",
        lesson.body
    );
    assert!(
        !lesson.body.contains("<iframe"),
        "nothing from the host before consent"
    );
    assert!(
        lesson.body.contains("Video hosting service") && lesson.body.contains("video-platform-*")
    );

    let allowed = portal
        .post(
            "/cookies",
            &[
                ("cookie_answer", "allow"),
                ("cookie_category", "embedded"),
                ("cookie_source", "embed"),
                ("cookie_next", "/learn/privacy-essentials/1"),
            ],
            Some(&session),
        )
        .await;
    assert_eq!(allowed.location(), "/learn/privacy-essentials/1");
    let choice = allowed.cookie_pair("wm_consent");
    assert!(
        choice.ends_with(".embedded.preferences+analytics.20250601"),
        "{choice}"
    );
    let jar = format!("{session}; {choice}");
    let lesson = portal.get("/learn/privacy-essentials/1", Some(&jar)).await;
    assert!(lesson.body.contains("<iframe"), "{}", lesson.body);
    assert!(
        lesson
            .body
            .contains("src=\"https://player.vimeo.com/video/76979871\"")
    );
    let settings = portal.get("/cookies", Some(&jar)).await;
    assert!(
        settings.body.contains("an embed"),
        "the answer's source is on record"
    );

    // Withdrawn from the settings page: blocked again.
    let withdrawn = portal
        .post("/cookies", &[("cookie_answer", "reject-all")], Some(&jar))
        .await;
    let jar = format!("{session}; {}", withdrawn.cookie_pair("wm_consent"));
    let lesson = portal.get("/learn/privacy-essentials/1", Some(&jar)).await;
    assert!(!lesson.body.contains("<iframe") && lesson.body.contains("embed-placeholder"));
}

#[tokio::test]
async fn k39_kexara_declares_no_video_host_so_a_lesson_video_is_only_a_link() {
    let portal = start();
    let session = demo_learner(&portal, "__Host-kx_session").await;
    portal
        .post("/courses/privacy-essentials/enrol", &[], Some(&session))
        .await;
    let accepted = portal
        .post(
            "/cookies",
            &[("cookie_answer", "accept-all")],
            Some(&session),
        )
        .await;
    let jar = format!("{session}; {}", accepted.cookie_pair(CHOICE));
    let lesson = portal.get("/learn/privacy-essentials/1", Some(&jar)).await;
    assert!(
        lesson
            .body
            .contains("Watch the lesson&#x27;s video on its host&#x27;s site")
            || lesson
                .body
                .contains("Watch the lesson's video on its host's site"),
        "{}",
        lesson.body
    );
    assert!(!lesson.body.contains("<iframe") && !lesson.body.contains("embed-placeholder"));
}

#[tokio::test]
async fn k45_a_browser_that_accepted_a_changed_category_is_asked_again_about_it_only() {
    for backend in Backend::BOTH {
        let first = start_on(backend, &[], None);
        let accepted = first
            .post(
                "/cookies",
                &[("cookie_answer", "accept-all"), ("cookie_source", "banner")],
                None,
            )
            .await;
        let choice = accepted.set_cookie(CHOICE).unwrap();
        assert!(choice.contains(".20250315;"), "the version's tag: {choice}");
        let jar = [
            accepted.cookie_pair(CHOICE),
            accepted.cookie_pair("kx_analytics"),
            accepted.cookie_pair("kx_prefs"),
        ]
        .join("; ");
        let page = first.get("/", Some(&jar)).await;
        assert!(!page.body.contains("class=\"cookie-banner\""));

        // The new version keeps personalisation cookies longer: that needs fresh consent.
        let file = first.data_dir().unwrap().join("kexara-next.toml");
        std::fs::write(&file, crate::policy_versions::kexara_next()).unwrap();
        let pack = file.to_str().unwrap().to_owned();
        let second = first.restart(&["--pack", &pack], None);
        let page = second.get("/", Some(&jar)).await;
        assert!(
            page.body.contains("class=\"cookie-banner\""),
            "asked again: {}",
            page.body
        );
        assert_eq!(
            names_removed(&page),
            ["kx_prefs"],
            "personalisation goes until agreed again; analytics stays"
        );
        let again = second
            .post(
                "/cookies",
                &[("cookie_answer", "accept-all"), ("cookie_source", "banner")],
                Some(&jar),
            )
            .await;
        assert!(again.set_cookie(CHOICE).unwrap().contains(".20261201;"));
        let jar = [
            again.cookie_pair(CHOICE),
            accepted.cookie_pair("kx_analytics"),
            accepted.cookie_pair("kx_prefs"),
        ]
        .join("; ");
        let page = second.get("/", Some(&jar)).await;
        assert!(!page.body.contains("class=\"cookie-banner\""));
        assert!(names_removed(&page).is_empty());
    }
}

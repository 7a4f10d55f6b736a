//! Authorisation of every page and every server function, asked for directly over HTTP as a
//! browser or a script could: every row of [`PAGES`] and [`SERVER_FUNCTIONS`], as nobody and
//! as every demo person, on both backends. Staff pages and functions answer their own role
//! only; personal ones answer only a signed-in person, about themselves (pages send nobody to
//! sign in); refusals carry their own status (401, 403, 404, 422), and nothing answers with a
//! server error. (Someone else's payment, through the same function as its page, is in
//! `payments.rs`.)

use crate::access::{Caller, PAGES, Row, SERVER_FUNCTIONS};
use crate::payments::demo_session;
use crate::support::{Backend, DEMO_PEOPLE, Portal, Reply, start_on};

/// Calls a server function as a script does: `GET` with its arguments, asking for JSON.
async fn call(portal: &Portal, path: &str, query: &str, cookie: Option<&str>) -> Reply {
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    portal
        .raw(format!(
            "GET {path}?{query} HTTP/1.0\r\nHost: {}\r\nAccept: application/json\r\n{cookie}\r\n",
            portal.addr
        ))
        .await
}

async fn check_row(portal: &Portal, row: Row, sessions: &[(&str, String)]) {
    let what = format!("{}?{}", row.path, row.example);
    let anonymous = call(portal, row.path, row.example, None).await;
    assert!(anonymous.status < 500, "{what} as nobody: {anonymous:?}");
    match row.caller {
        // Public: data, or a plain "no such thing" / "not valid" for the empty arguments.
        Caller::Anyone => assert!(
            matches!(anonymous.status, 200 | 404 | 422),
            "{what} is public: {anonymous:?}"
        ),
        Caller::SignedIn
        | Caller::Owner
        | Caller::Role(_)
        | Caller::Roles(_)
        | Caller::RoleObject(_) => {
            assert_eq!(anonymous.status, 401, "{what} asks nobody to sign in");
            assert_eq!(anonymous.body, "\"SignInRequired\"", "{what}: nothing else");
        }
    }
    for (person, cookie) in sessions {
        let reply = call(portal, row.path, row.example, Some(cookie)).await;
        assert!(reply.status < 500, "{what} as {person}: {reply:?}");
        assert!(
            as_ruled(row.caller, person, reply.status, anonymous.status),
            "{what} as {person}: {} {}",
            reply.status,
            reply.body
        );
        if matches!(
            row.caller,
            Caller::Role(_) | Caller::Roles(_) | Caller::RoleObject(_)
        ) && reply.status == 403
        {
            assert_eq!(
                reply.body, "\"Forbidden\"",
                "{what} as {person}: nothing else"
            );
        }
    }
}

/// Whether `reply` sends its reader to sign in first.
fn to_sign_in(reply: &Reply) -> bool {
    matches!(reply.status, 302 | 303)
        && reply
            .header("location")
            .is_some_and(|to| to.starts_with("/signin?next="))
}

async fn check_page(portal: &Portal, page: Row, sessions: &[(&str, String)]) {
    let what = format!("{} (route {})", page.example, page.path);
    let anonymous = portal.get(page.example, None).await;
    assert!(anonymous.status < 500, "{what} as nobody: {anonymous:?}");
    match page.caller {
        Caller::Anyone => assert!(
            matches!(anonymous.status, 200 | 404 | 410 | 422),
            "{what} is public: {} {}",
            anonymous.status,
            anonymous.body
        ),
        Caller::SignedIn
        | Caller::Owner
        | Caller::Role(_)
        | Caller::Roles(_)
        | Caller::RoleObject(_) => assert!(
            to_sign_in(&anonymous),
            "{what} sends nobody to sign in: {} {:?}",
            anonymous.status,
            anonymous.headers
        ),
    }
    for (person, cookie) in sessions {
        let reply = portal.get(page.example, Some(cookie)).await;
        assert!(reply.status < 500, "{what} as {person}: {}", reply.status);
        assert!(
            as_ruled(page.caller, person, reply.status, anonymous.status),
            "{what} as {person}: {}",
            reply.status
        );
    }
}

/// Whether `status` is what a signed-in demo `person` should get from a row whose rule is
/// `caller`, given what nobody got (`public`): public rows answer everyone alike, personal
/// rows answer everyone about themselves, an object that is not theirs is refused or missing,
/// and staff rows answer their own role only.
fn as_ruled(caller: Caller, person: &str, status: u16, public: u16) -> bool {
    match caller {
        Caller::Anyone => status == public,
        Caller::SignedIn => status == 200,
        Caller::Owner => matches!(status, 403 | 404),
        Caller::Role(role) => status == if role == person { 200 } else { 403 },
        Caller::Roles(roles) => status == if roles.contains(&person) { 200 } else { 403 },
        Caller::RoleObject(role) => status == if role == person { 404 } else { 403 },
    }
}

/// A signed-in session for every demo person, by name.
pub(crate) async fn demo_sessions(portal: &Portal) -> Vec<(&'static str, String)> {
    let mut sessions = Vec::new();
    for person in DEMO_PEOPLE {
        sessions.push((person, demo_session(portal, person).await));
    }
    sessions
}

#[tokio::test]
async fn every_page_shows_its_content_only_to_the_people_its_rule_admits() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let sessions = demo_sessions(&portal).await;
        for page in PAGES {
            check_page(&portal, *page, &sessions).await;
        }
    }
}

#[tokio::test]
async fn every_server_function_answers_only_the_callers_its_rule_admits() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let sessions = demo_sessions(&portal).await;
        for row in SERVER_FUNCTIONS {
            check_row(&portal, *row, &sessions).await;
        }
    }
}

#[tokio::test]
async fn personal_server_functions_deny_courses_the_caller_does_not_take() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let outsider = demo_session(&portal, "privacy-officer").await;
        // Lessons and assessments are for the course's enrolled learners only.
        for (path, query) in [
            ("/api/lesson", "slug=career-planning&position=1"),
            ("/api/course-assessments", "slug=career-planning"),
        ] {
            let reply = call(&portal, path, query, Some(&outsider)).await;
            assert_eq!(
                reply.status, 403,
                "{path} for a course not taken: {reply:?}"
            );
        }
    }
}

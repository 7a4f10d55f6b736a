//! The security matrix of the server's own handlers (every form, download and webhook of
//! [`HANDLERS`] × nobody and every demo person, on both backends), the forgery check on every
//! state-changing route, and the headers every page carries (OWASP ASVS 5.0 L2, V3 and V14).

use crate::access::{Caller, Forgery, HANDLERS, Handler, PAGES, Row};
use crate::denials::demo_sessions;
use crate::support::{Backend, Portal, Reply, start_on};

/// The message the forgery check refuses with.
const FORGERY_REFUSED: &str = "sent from another site";

/// Another loopback address for each request, so that the account forms' per-address rate
/// limit (tested in `accounts.rs`) does not answer for the rule under test.
fn next_client() -> std::net::Ipv4Addr {
    static CLIENTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = CLIENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let [_, _, high, low] = (n % 60_000).to_be_bytes();
    std::net::Ipv4Addr::new(127, 1, high, low.max(1))
}

/// Sends `row`'s example as a browser on this site would (an empty form for a `POST`).
async fn send(portal: &Portal, row: &Handler, cookie: Option<&str>) -> Reply {
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let request = match row.method {
        "GET" => format!(
            "GET {} HTTP/1.0\r\nHost: {}\r\nAccept: text/html\r\n{cookie}\r\n",
            row.example, portal.addr
        ),
        _ => format!(
            "POST {} HTTP/1.0\r\nHost: {addr}\r\nAccept: text/html\r\nOrigin: http://{addr}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n{cookie}\r\n",
            row.example,
            addr = portal.addr
        ),
    };
    portal.raw_from(next_client(), request).await
}

/// `POST` of an empty form to `path` from `origin` (`None`: showing no origin at all, as a
/// server or a mail program sends).
async fn post_showing(portal: &Portal, path: &str, cookie: &str, origin: Option<&str>) -> Reply {
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.0\r\nHost: {}\r\n{origin}Cookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n",
        portal.addr
    );
    portal.raw_from(next_client(), request).await
}

fn to_sign_in(reply: &Reply) -> bool {
    matches!(reply.status, 302 | 303)
        && reply
            .header("location")
            .is_some_and(|to| to.starts_with("/signin?next="))
}

/// Whether a signed-in `person`'s `reply` from a row whose rule is `caller` is as ruled:
/// acted on (whatever the empty form's answer) for the people the rule admits, refused (or
/// told there is no such thing, for someone's own object) for everyone else.
fn as_ruled(caller: Caller, person: &str, reply: &Reply) -> bool {
    let acted = reply.status < 500 && !matches!(reply.status, 401 | 403) && !to_sign_in(reply);
    match caller {
        Caller::Anyone => reply.status < 500,
        Caller::SignedIn => acted,
        // The examples name objects nobody has: refused, not found, or not valid for them —
        // never done (a 2xx or a redirect onwards).
        Caller::Owner => matches!(reply.status, 403 | 404 | 422),
        Caller::Role(role) | Caller::RoleObject(role) => {
            if role == person {
                acted
            } else {
                reply.status == 403
            }
        }
        Caller::Roles(roles) => {
            if roles.contains(&person) {
                acted
            } else {
                reply.status == 403
            }
        }
    }
}

async fn check_handler(portal: &Portal, row: &Handler, sessions: &[(&str, String)]) {
    let what = format!("{} {} (route {})", row.method, row.example, row.path);
    let anonymous = send(portal, row, None).await;
    assert!(anonymous.status < 500, "{what} as nobody: {anonymous:?}");
    if row.caller != Caller::Anyone {
        assert!(
            to_sign_in(&anonymous),
            "{what} sends nobody to sign in: {} {:?}",
            anonymous.status,
            anonymous.headers
        );
    }
    for (person, cookie) in sessions {
        let reply = send(portal, row, Some(cookie)).await;
        assert!(
            as_ruled(row.caller, person, &reply),
            "{what} as {person}: {} {:?}",
            reply.status,
            reply.header("location")
        );
    }
}

#[tokio::test]
async fn every_handler_route_acts_only_for_the_callers_its_rule_admits() {
    for backend in Backend::BOTH {
        let portal = start_on(backend, &[], None);
        let sessions = demo_sessions(&portal).await;
        for row in HANDLERS {
            check_handler(&portal, row, &sessions).await;
        }
    }
}

/// The person whose session a row is tried with: one its rule admits.
fn admitted(caller: Caller) -> &'static str {
    match caller {
        Caller::Role(role) | Caller::RoleObject(role) => role,
        Caller::Roles(roles) => roles.first().copied().unwrap_or("learner"),
        Caller::Anyone | Caller::SignedIn | Caller::Owner => "learner",
    }
}

#[tokio::test]
async fn every_state_changing_request_must_show_it_comes_from_this_site() {
    let portal = start_on(Backend::Sqlite, &[], None);
    let sessions = demo_sessions(&portal).await;
    let session = |person: &str| {
        sessions
            .iter()
            .find(|(p, _)| *p == person)
            .map(|(_, c)| c.clone())
            .unwrap()
    };
    for row in HANDLERS.iter().filter(|row| row.method == "POST") {
        let cookie = session(admitted(row.caller));
        let other_site = post_showing(&portal, row.example, &cookie, Some("https://evil.example"));
        let other_site = other_site.await;
        let no_origin = post_showing(&portal, row.example, &cookie, None).await;
        match row.forgery {
            Forgery::SameOriginOnly => {
                for (how, reply) in [("from another site", other_site), ("unmarked", no_origin)] {
                    assert_eq!(reply.status, 403, "{} {how}: {reply:?}", row.example);
                    assert!(reply.body.contains(FORGERY_REFUSED), "{}", row.example);
                }
            }
            // Signed instead: their own check answers (a bad signature, an unknown token).
            Forgery::Signed => {
                assert!(!no_origin.body.contains(FORGERY_REFUSED), "{}", row.example);
                assert!(no_origin.status < 500, "{}: {no_origin:?}", row.example);
            }
            Forgery::Read => unreachable!("reads are GETs"),
        }
    }
    // Server functions change state too when posted: the same check.
    let cookie = session("learner");
    let reply = post_showing(&portal, "/api/whoami", &cookie, None).await;
    assert_eq!(reply.status, 403, "a server function posted unmarked");
    // The session survived every refused request: nothing was done with it.
    let still = portal.get("/account", Some(&cookie)).await;
    assert_eq!(still.status, 200, "the learner is still signed in");
}

/// Every `nonce="…"` value in `html`.
fn nonces(html: &str) -> Vec<&str> {
    html.match_indices("nonce=\"")
        .filter_map(|(at, _)| {
            let rest = &html[at + 7..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Every `<script …>` opening tag in `html`.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .filter_map(|(at, _)| html[at..].find('>').map(|end| &html[at..=at + end]))
        .collect()
}

/// The headers every page must carry, and a policy that admits only this page's scripts.
fn check_page_headers(what: &str, reply: &Reply) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("x-xss-protection", "0"),
        ("cache-control", "no-store"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(reply.header(name), Some(value), "{what}: {name}");
    }
    assert!(
        reply
            .header("strict-transport-security")
            .is_some_and(|v| v.starts_with("max-age=")),
        "{what}: HSTS"
    );
    let policy = reply
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no content security policy"));
    assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{what}");
    assert!(policy.contains("object-src 'none'"), "{what}");
    let found = nonces(&reply.body);
    for nonce in &found {
        assert!(
            policy.contains(&format!("'nonce-{nonce}'")),
            "{what}: a script's nonce {nonce} is not the policy's: {policy}"
        );
    }
    for tag in script_tags(&reply.body) {
        assert!(
            tag.contains(" nonce=\"") || tag.contains(" src=\"/"),
            "{what}: a script the policy would block: {tag}"
        );
    }
}

/// A session for the person a page's rule admits.
fn session_for<'a>(page: &Row, sessions: &'a [(&str, String)]) -> Option<&'a str> {
    let person = match page.caller {
        Caller::Anyone => return None,
        other => admitted(other),
    };
    sessions
        .iter()
        .find(|(p, _)| *p == person)
        .map(|(_, c)| c.as_str())
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_policy_with_its_own_nonce() {
    let portal = start_on(Backend::Sqlite, &[], None);
    let sessions = demo_sessions(&portal).await;
    for page in PAGES {
        let reply = portal.get(page.example, session_for(page, &sessions)).await;
        check_page_headers(&format!("{} ({})", page.example, reply.status), &reply);
    }
    // The anonymous catalogue comes from the page cache: each answer has a nonce of its own,
    // and its policy names that one.
    let first = portal.get("/", None).await;
    let second = portal.get("/", None).await;
    check_page_headers("/ (first)", &first);
    check_page_headers("/ (second)", &second);
    assert_ne!(nonces(&first.body), nonces(&second.body));
    assert!(!nonces(&first.body).is_empty(), "the catalogue has scripts");
    // An address the portal does not have: its own page, with the same headers.
    let missing = portal.get("/no-such-page", None).await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"), "{}", missing.body);
    check_page_headers("/no-such-page", &missing);
    // Files of the bundle, server functions and redirects carry the headers too.
    let healthz = portal.get("/healthz", None).await;
    assert_eq!(healthz.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(healthz.header("cache-control"), Some("no-store"));
    let css = portal.get("/pkg/portal.css", None).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("x-content-type-options"), Some("nosniff"));
    assert_ne!(css.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn session_cookies_are_host_only_secure_http_only_and_same_site() {
    let portal = start_on(Backend::Sqlite, &[], None);
    let reply = portal
        .post(
            "/signin",
            &[
                ("email", "learner@demo.pledge.invalid"),
                ("password", crate::payments::DEMO_PASSWORD),
                ("next", "/"),
            ],
            None,
        )
        .await;
    let set = reply
        .headers
        .iter()
        .find(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.starts_with("__Host-"))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no __Host- session cookie: {reply:?}"));
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Domain="), "host-only: {set}");
}

//! The sign-in cookie and the layer that turns it into a session on each request, and the
//! origin check that keeps other sites from posting forms here.
//!
//! The cookie's name and lifetime come from the policy's cookie catalogue (`[security]
//! session_cookie`); its value is the session's secret, which the store keeps only as a hash.
//! It is `HttpOnly` and `SameSite=Lax`, and `Secure` when its name has the `__Host-` prefix or
//! the portal is served over HTTPS.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pledge_policy::ValidPolicy;
use pledge_policy::model::CookieLifetime;
use pledge_store::accounts::Lasting;
use sha2::{Digest, Sha256};

use crate::web::Server;

/// How the sign-in cookie is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCookie {
    /// Its name.
    pub name: String,
    /// Whether it is `Secure`.
    secure: bool,
    /// Its life in the browser without "remember me", in seconds (`None`: until the browser
    /// closes).
    standard_seconds: Option<i64>,
    /// Its life with "remember me", in seconds.
    remembered_seconds: Option<i64>,
}

impl SessionCookie {
    /// The cookie `policy` declares for sessions, for a portal at `public_url`.
    ///
    /// # Errors
    /// When the policy names no session cookie.
    pub fn for_policy(policy: &ValidPolicy, public_url: &str) -> anyhow::Result<Self> {
        let security = &policy.policy().security;
        let declared = security
            .session_cookie
            .as_ref()
            .and_then(|name| {
                policy
                    .policy()
                    .cookie_catalogue
                    .iter()
                    .find(|c| &c.name == name)
            })
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the policy names no session cookie: add `session_cookie = \"…\"` to its \
                     [security] table, naming an essential cookie of its catalogue"
                )
            })?;
        let name = concrete_name(&declared.name, public_url);
        let secure = name.starts_with("__Host-") || public_url.starts_with("https://");
        let standard_seconds = match declared.lifetime {
            CookieLifetime::Session => None,
            CookieLifetime::Persistent(period) => Some(minutes_to_seconds(period.min_minutes())),
        };
        let remembered_seconds = security
            .remember_me
            .map(|period| minutes_to_seconds(period.min_minutes()));
        Ok(Self {
            name,
            secure,
            standard_seconds,
            remembered_seconds,
        })
    }

    /// The `Set-Cookie` value that signs a browser in with `token`.
    pub fn set(&self, token: &str, lasting: Lasting) -> String {
        let age = match lasting {
            Lasting::Remembered => self.remembered_seconds.or(self.standard_seconds),
            Lasting::Standard => self.standard_seconds,
        };
        let mut value = format!("{}={token}{}", self.name, self.attributes());
        if let Some(seconds) = age {
            value.push_str(&format!("; Max-Age={seconds}"));
        }
        value
    }

    /// The `Set-Cookie` value that removes the cookie (J22: removed at sign-out).
    pub fn clear(&self) -> String {
        format!("{}={}; Max-Age=0", self.name, self.attributes())
    }

    fn attributes(&self) -> &'static str {
        if self.secure {
            "; Path=/; HttpOnly; SameSite=Lax; Secure"
        } else {
            "; Path=/; HttpOnly; SameSite=Lax"
        }
    }

    /// The cookie's value in a request, if it carries one.
    pub fn token(&self, headers: &HeaderMap) -> Option<String> {
        crate::cookies::request_cookies(headers)
            .find(|(name, _)| *name == self.name)
            .map(|(_, value)| value.to_owned())
    }
}

fn minutes_to_seconds(minutes: u64) -> i64 {
    i64::try_from(minutes.saturating_mul(60)).unwrap_or(i64::MAX)
}

/// A catalogue name with its `{hash}` placeholder filled in from the site's address (as the
/// software it was declared for does), so that the name is stable for one deployment.
fn concrete_name(declared: &str, public_url: &str) -> String {
    let digest: [u8; 32] = Sha256::digest(public_url.as_bytes()).into();
    let hash: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    declared.replace("{hash}", &hash)
}

/// Finds the session the request's cookie names and puts it on the request for the pages and
/// handlers; a cookie that names no live session is removed in the response.
pub async fn attach_session(
    State(server): State<Server>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut stale = false;
    if let Some(token) = server.cookie.token(request.headers()) {
        match server
            .portal
            .store
            .session(&token, portal_app::state::now())
            .await
        {
            Ok(Some(session)) => {
                request.extensions_mut().insert(session);
            }
            Ok(None) => stale = true,
            // The store cannot answer (the database is away): say so, rather than treat a
            // signed-in person as a stranger; nothing is done with the request.
            Err(error) => {
                return crate::web::unavailable(&format!("reading a session failed: {error}"));
            }
        }
    }
    let mut response = next.run(request).await;
    if stale
        && !response.headers().contains_key(header::SET_COOKIE)
        && let Ok(clear) = HeaderValue::from_str(&server.cookie.clear())
    {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// Routes whose state-changing requests are authenticated by a signature instead of a cookie,
/// and come from another party's server or a mail program, which show no origin: the payment
/// processor's webhook (an HMAC of the body) and the one-click unsubscribe of RFC 8058 (a
/// signed token in the address). The only exceptions to [`same_origin`].
pub const SIGNED_ROUTES: [&str; 2] = ["/payments/webhook/", "/unsubscribe/"];

/// Whether a request with `headers` shows that it comes from a page of `ours` (an origin):
/// its `Origin` is ours or its `Sec-Fetch-Site` says the same origin (or an address typed in),
/// at least one of them is there, and neither names another site.
fn shows_our_origin(headers: &HeaderMap, ours: &str) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    (origin.is_some() || site.is_some())
        && origin.is_none_or(|origin| origin == ours)
        && site.is_none_or(|site| matches!(site, "same-origin" | "none"))
}

/// Cross-site request forgery protection: refuses every state-changing request (anything but
/// `GET`, `HEAD` and `OPTIONS`) that does not show it comes from the portal's own pages
/// ([`shows_our_origin`]; every current browser sends `Origin` with such requests), except on
/// the [`SIGNED_ROUTES`]. The session cookie's `SameSite=Lax` is a second line behind it.
pub async fn same_origin(State(server): State<Server>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    if safe
        || SIGNED_ROUTES.iter().any(|route| path.starts_with(route))
        || shows_our_origin(request.headers(), &server.public_origin)
    {
        return next.run(request).await;
    }
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from(
            "This form was sent from another site (or without showing where it came from), \
             so it was refused. Open the page on this site and try again.\n",
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(standard: Option<i64>, remembered: Option<i64>, secure: bool) -> SessionCookie {
        SessionCookie {
            name: "__Host-kx_session".to_owned(),
            secure,
            standard_seconds: standard,
            remembered_seconds: remembered,
        }
    }

    #[test]
    fn j22_remember_me_sets_the_policy_lifetime_and_sign_out_removes_the_cookie() {
        let c = cookie(Some(2 * 86_400), Some(14 * 86_400), true);
        assert_eq!(
            c.set("ab", Lasting::Standard),
            "__Host-kx_session=ab; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=172800"
        );
        assert!(
            c.set("ab", Lasting::Remembered)
                .ends_with("Max-Age=1209600")
        );
        assert_eq!(
            c.clear(),
            "__Host-kx_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"
        );
        let browser_session = cookie(None, None, false);
        assert_eq!(
            browser_session.set("ab", Lasting::Standard),
            "__Host-kx_session=ab; Path=/; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn the_token_is_read_from_any_cookie_header() {
        let c = cookie(None, None, true);
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-kx_session=xyz"),
        );
        assert_eq!(c.token(&headers).as_deref(), Some("xyz"));
        assert_eq!(c.token(&HeaderMap::new()), None);
    }

    #[test]
    fn only_requests_that_show_this_origin_pass_the_forgery_check() {
        let ours = "https://portal.example.org";
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        assert!(shows_our_origin(&headers(&[("origin", ours)]), ours));
        assert!(shows_our_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            ours
        ));
        assert!(!shows_our_origin(&headers(&[]), ours), "no proof at all");
        assert!(!shows_our_origin(
            &headers(&[("origin", "https://evil.example")]),
            ours
        ));
        assert!(!shows_our_origin(&headers(&[("origin", "null")]), ours));
        assert!(!shows_our_origin(
            &headers(&[("origin", ours), ("sec-fetch-site", "cross-site")]),
            ours
        ));
        assert!(!shows_our_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            ours
        ));
    }

    #[test]
    fn hash_placeholders_are_filled_per_site() {
        let a = concrete_name("wordpress_logged_in_{hash}", "http://127.0.0.1:3000");
        let b = concrete_name("wordpress_logged_in_{hash}", "https://portal.example.org");
        assert!(a.starts_with("wordpress_logged_in_") && a.len() == 20 + 32);
        assert_ne!(a, b);
        assert_eq!(concrete_name("__Host-kx_session", "x"), "__Host-kx_session");
    }

    #[test]
    fn every_pack_names_a_session_cookie() {
        for pack in pledge_policy::packs::ALL {
            let policy = pack.load().unwrap_or_else(|e| panic!("{e}"));
            assert!(
                SessionCookie::for_policy(&policy, "http://127.0.0.1:3000").is_ok(),
                "{}",
                pack.name
            );
        }
    }
}

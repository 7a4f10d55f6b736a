//! A one-second cache of the catalogue pages anonymous visitors get.
//!
//! The catalogue (`/`, with any search) is the page everyone meets first, and for a visitor
//! with no cookie at all it is the same page for everyone: no session, no banner answer, no
//! personal data. Such a page, once rendered, is served again for up to a second
//! ([`FOR`]), as a microcache in front of a site would; anything else — a request carrying any
//! cookie, another page, a non-200 answer or one that sets a cookie — is rendered every time.
//!
//! Invariants:
//! - Only requests without a `Cookie` header are served from the cache, so nothing about a
//!   person (a session, a cookie answer) can be in a cached page or leak into another's.
//! - A course added on this process empties the cache at once (the store's catalogue
//!   generation is part of every entry); a change made on another instance shows within the
//!   store's own catalogue freshness plus [`FOR`].
//! - Every response gets a nonce of its own: the cached page's script nonce is replaced by a
//!   fresh one each time it is served.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::headers::nonce_in;
use crate::web::Server;

/// How long a rendered page is served again.
pub const FOR: Duration = Duration::from_secs(1);
/// The most pages kept (a new one past this empties the cache).
const MAX_PAGES: usize = 256;
/// The largest page kept.
const MAX_BODY: usize = 1024 * 1024;

/// One rendered page.
#[derive(Debug, Clone)]
struct Page {
    headers: HeaderMap,
    body: Bytes,
    nonce: Option<String>,
    generation: u64,
    stored: Instant,
}

/// The cache: rendered pages by address.
#[derive(Debug, Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, Page>>,
}

impl PageCache {
    fn get(&self, key: &str, generation: u64) -> Option<Page> {
        let pages = self.pages.lock().ok()?;
        pages
            .get(key)
            .filter(|p| p.generation == generation && p.stored.elapsed() < FOR)
            .cloned()
    }

    fn put(&self, key: String, page: Page) {
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= MAX_PAGES && !pages.contains_key(&key) {
                pages.clear();
            }
            pages.insert(key, page);
        }
    }
}

/// Whether `request` is an anonymous view of the catalogue.
fn cacheable(request: &Request) -> bool {
    request.method() == Method::GET
        && request.uri().path() == "/"
        && !request.headers().contains_key(header::COOKIE)
        && !request.headers().contains_key(header::AUTHORIZATION)
}

/// `page` as a response, under a fresh nonce.
fn serve(page: Page) -> Response {
    let body = match &page.nonce {
        Some(old) => {
            let fresh = uuid::Uuid::new_v4().simple().to_string();
            let html = String::from_utf8_lossy(&page.body).replace(old.as_str(), &fresh);
            Bytes::from(html)
        }
        None => page.body,
    };
    let mut headers = page.headers;
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// Serves anonymous catalogue views from the cache, and keeps what it renders for them.
pub async fn anonymous_catalogue(
    State(server): State<Server>,
    request: Request,
    next: Next,
) -> Response {
    if !cacheable(&request) {
        return next.run(request).await;
    }
    let key = request.uri().to_string();
    let generation = server.portal.store.catalogue_generation();
    if let Some(page) = server.pages.get(&key, generation) {
        return serve(page);
    }
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() != StatusCode::OK
        || !html
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return crate::web::unavailable(&"a catalogue page too large to send");
    };
    server.pages.put(
        key,
        Page {
            headers: parts.headers.clone(),
            nonce: nonce_in(&body),
            body: body.clone(),
            generation,
            stored: Instant::now(),
        },
    );
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_served_page_has_a_nonce_of_its_own() {
        let html = "<script nonce=\"abc123\">x</script><link crossorigin=\"abc123\">";
        let page = Page {
            headers: HeaderMap::new(),
            body: Bytes::from(html),
            nonce: nonce_in(html.as_bytes()),
            generation: 0,
            stored: Instant::now(),
        };
        assert_eq!(page.nonce.as_deref(), Some("abc123"));
        let text = async |response: Response| {
            let length = response.headers()[header::CONTENT_LENGTH].clone();
            let body = axum::body::to_bytes(response.into_body(), MAX_BODY)
                .await
                .unwrap();
            assert_eq!(length, HeaderValue::from(body.len()));
            String::from_utf8(body.to_vec()).unwrap()
        };
        let first = text(serve(page.clone())).await;
        let second = text(serve(page)).await;
        assert!(!first.contains("abc123") && !second.contains("abc123"));
        let fresh = nonce_in(first.as_bytes()).unwrap();
        assert_ne!(Some(fresh.clone()), nonce_in(second.as_bytes()));
        assert!(
            first.contains(&format!("crossorigin=\"{fresh}\"")),
            "every use of the nonce"
        );
    }

    #[test]
    fn only_anonymous_views_of_the_catalogue_are_cached() {
        let request = |path: &str, cookie: bool| {
            let mut builder = Request::builder().uri(path);
            if cookie {
                builder = builder.header(header::COOKIE, "a=b");
            }
            builder.body(Body::empty()).unwrap()
        };
        assert!(cacheable(&request("/", false)));
        assert!(cacheable(&request("/?q=agile&price=free", false)));
        assert!(!cacheable(&request("/", true)), "a cookie: rendered afresh");
        assert!(!cacheable(&request("/tours", false)));
        let post = Request::builder()
            .method(Method::POST)
            .uri("/")
            .body(Body::empty())
            .unwrap();
        assert!(!cacheable(&post));
    }

    #[test]
    fn an_entry_lasts_a_second_and_one_generation() {
        let cache = PageCache::default();
        let page = |generation, stored| Page {
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"page"),
            nonce: None,
            generation,
            stored,
        };
        cache.put("/".into(), page(1, Instant::now()));
        assert!(cache.get("/", 1).is_some());
        assert!(cache.get("/", 2).is_none(), "the catalogue changed");
        cache.put("/old".into(), page(1, Instant::now() - FOR));
        assert!(cache.get("/old", 1).is_none(), "too old");
    }
}

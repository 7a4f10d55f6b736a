//! The security headers every answer carries (OWASP ASVS 5.0, V3 and V14).
//!
//! - Every answer: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//!   `X-XSS-Protection: 0` (the legacy auditor off),
//!   `Referrer-Policy: same-origin`, `Cross-Origin-Opener-Policy: same-origin`,
//!   `Permissions-Policy` turning off what the portal never uses, and
//!   `Strict-Transport-Security` (browsers heed it only over HTTPS, so it is harmless on a
//!   loopback address and in force wherever the portal is served over TLS).
//! - Every HTML answer: a `Content-Security-Policy` whose scripts are the portal's own files
//!   and inline scripts carrying this answer's nonce (Leptos puts a fresh one on each rendered
//!   page; the page cache replaces it on each cached answer) — never `unsafe-inline`; styles
//!   only from the portal's files; no frames, plugins or `<base>`; forms post only here.
//!   An answer that brings its own policy (the sandbox processor's page) keeps it.
//! - Every answer but the static bundle: `Cache-Control: no-store` unless the handler chose
//!   otherwise, so that nothing about a person stays in a shared or back-button cache.
//!
//! Invariant: this is the outermost layer, so that it sees the answer exactly as it leaves
//! (after the page cache has given it its nonce).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The largest HTML answer read for its nonce (pages are far smaller; a larger one is sent
/// with a policy allowing no inline script at all).
const MAX_READ: usize = 8 * 1024 * 1024;

/// The headers every answer carries, whatever it is.
const ALWAYS: [(&str, &str); 7] = [
    ("x-content-type-options", "nosniff"),
    // The legacy XSS auditor off, as OWASP advises: browsers that still have one could be
    // made to hide parts of a page with it; the content security policy does its job.
    ("x-xss-protection", "0"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
];

/// The first script nonce in `html`, if it has one (Leptos gives every inline script of a
/// page the same one).
pub fn nonce_in(html: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(html).ok()?;
    let start = text.find("nonce=\"")? + 7;
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned()).filter(|n| is_nonce(n))
}

/// Whether `value` can stand in a policy as a nonce (base64 or hex characters only, so that
/// nothing read from a page can add a directive).
fn is_nonce(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'='))
}

/// The content security policy of an HTML page whose inline scripts carry `nonce`.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"))
}

/// Adds the headers of [`ALWAYS`] that `headers` does not have yet.
fn add_always(headers: &mut HeaderMap) {
    for (name, value) in ALWAYS {
        headers
            .entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
}

/// Puts the security headers on every answer (see the module's notes).
pub async fn secure(request: Request, next: Next) -> Response {
    let bundle = request.uri().path().starts_with("/pkg/");
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    add_always(&mut parts.headers);
    if !bundle {
        parts
            .headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    if !is_html(&parts.headers) || parts.headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        return Response::from_parts(parts, body);
    }
    let (body, nonce) = match axum::body::to_bytes(body, MAX_READ).await {
        Ok(bytes) => {
            let nonce = nonce_in(&bytes);
            (Body::from(bytes), nonce)
        }
        Err(error) => {
            eprintln!("portal: an HTML answer could not be read for its nonce: {error}");
            (Body::empty(), None)
        }
    };
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(nonce.as_deref())) {
        parts
            .headers
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_pages_nonce_and_never_allows_inline_scripts() {
        let html = b"<script nonce=\"Ab-9_x\">go()</script>";
        let nonce = nonce_in(html);
        assert_eq!(nonce.as_deref(), Some("Ab-9_x"));
        let policy = content_security_policy(nonce.as_deref());
        assert!(policy.contains("script-src 'self' 'nonce-Ab-9_x' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!content_security_policy(None).contains("nonce"));
    }

    #[test]
    fn a_nonce_that_would_add_a_directive_is_not_used() {
        assert_eq!(nonce_in(b"<script nonce=\"x; script-src *\">"), None);
        assert_eq!(nonce_in(b"<script nonce=\"\">"), None);
        assert_eq!(nonce_in(b"<p>no scripts</p>"), None);
    }

    #[test]
    fn existing_headers_are_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        add_always(&mut headers);
        assert_eq!(headers[header::X_FRAME_OPTIONS], "SAMEORIGIN");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers.len(), ALWAYS.len());
    }
}

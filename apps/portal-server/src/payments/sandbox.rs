//! The built-in sandbox payment processor: a stand-in for a real hosted checkout, so that the
//! portal's payment journey runs end to end on one machine without an account anywhere.
//!
//! It behaves as a real processor does towards the portal:
//! - the card form is the processor's own page, under `/sandbox-processor/` (a route family of
//!   its own, standing in for the processor's domain); the portal's code never sees it;
//! - checkouts are signed tokens (nothing to store, so any instance serves them), valid for an
//!   hour;
//! - outcomes reach the portal as webhooks over real HTTP, signed with HMAC-SHA256 over the
//!   timestamp and the body (`Sandbox-Signature: t=…,v1=…`), retried with back-off until the
//!   portal answers 2xx; the portal checks the signature, a five-minute timestamp tolerance and
//!   the event id (replays change nothing).
//!
//! Test cards: `4242 4242 4242 4242` pays; `4000 0000 0000 0002` is declined; any other number
//! that passes the Luhn check pays too. The card number is checked and dropped: the sandbox
//! keeps no card data and never logs it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use pledge_store::payments::{PaymentEvent, PaymentOutcome};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;

use super::processor::{Checkout, CheckoutRequest, PaymentProcessor, ProcessorError, WebhookError};

/// The header that carries a webhook's signature.
pub const SIGNATURE_HEADER: &str = "sandbox-signature";
/// How far a webhook's timestamp may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;
/// How long a checkout stays open.
const CHECKOUT_SECONDS: i64 = 3600;
/// The waits between delivery attempts of a webhook that failed.
const RETRIES: [u64; 6] = [1, 2, 4, 8, 16, 32];
/// The card number that is always declined.
const DECLINED_CARD: &str = "4000000000000002";

/// The sandbox processor.
#[derive(Debug)]
pub struct Sandbox {
    checkout_key: [u8; 32],
    webhook_secret: [u8; 32],
    /// Where its pages are: `{public_url}/sandbox-processor`.
    pages_url: String,
    /// Where it delivers webhooks.
    webhook_url: String,
    /// The merchant name its pages show.
    merchant: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A checkout, as its token carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Session {
    id: String,
    client_reference: String,
    description: String,
    amount_cents: i64,
    currency: String,
    success_url: String,
    cancel_url: String,
    expires_at: i64,
}

/// A webhook's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Notification {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    checkout: String,
    client_reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refund: Option<String>,
}

/// HMAC-SHA-256 keyed with a 32-byte secret, zero-padded to the block as RFC 2104 does (the
/// block-sized constructor cannot fail).
fn keyed(secret: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    for (slot, byte) in block.iter_mut().zip(secret) {
        *slot = *byte;
    }
    Hmac::<Sha256>::new(&block.into())
}

fn random_id(prefix: &str) -> Result<String, ProcessorError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| ProcessorError::Unavailable(e.to_string()))?;
    Ok(format!("{prefix}_{}", hex::encode(bytes)))
}

/// Signs `body` at `timestamp`: the value of the signature header.
pub fn signature(secret: &[u8; 32], timestamp: i64, body: &[u8]) -> String {
    let mut mac = keyed(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a signature header against `body` at `now`.
///
/// # Errors
/// [`WebhookError::Unsigned`], [`WebhookError::Stale`] or [`WebhookError::BadSignature`].
pub fn check_signature(
    secret: &[u8; 32],
    header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::Unsigned)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::Unsigned)?;
    if signatures.is_empty() {
        return Err(WebhookError::Unsigned);
    }
    let skew = now.saturating_sub(timestamp);
    if skew.abs() > TOLERANCE_SECONDS {
        return Err(WebhookError::Stale(skew));
    }
    let matches = signatures.iter().any(|hex_signature| {
        let Ok(given) = hex::decode(hex_signature) else {
            return false;
        };
        let mut mac = keyed(secret);
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&given).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// A card number's digits when it is one (12 to 19 digits, spaces and hyphens allowed, a valid
/// Luhn check digit).
pub fn card_digits(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| match (i % 2 == 1, d * 2) {
            (true, doubled) if doubled > 9 => doubled - 9,
            (true, doubled) => doubled,
            (false, _) => d,
        })
        .sum();
    sum.is_multiple_of(10).then_some(digits)
}

/// Whether `typed` (`MM/YY`) is a month that has not ended by `now`.
fn expiry_ok(typed: &str, now: OffsetDateTime) -> bool {
    let Some((month, year)) = typed.split_once('/') else {
        return false;
    };
    let (Ok(month), Ok(year)) = (month.trim().parse::<u8>(), year.trim().parse::<i32>()) else {
        return false;
    };
    let year = if year < 100 { 2000 + year } else { year };
    (1..=12).contains(&month) && (year, month) >= (now.year(), u8::from(now.month()))
}

impl Sandbox {
    /// The sandbox for a portal at `public_url`, with its secrets derived from `seed` (a
    /// secret of the deployment, so every instance agrees).
    pub fn new(public_url: &str, merchant: &str, seed: &[u8; 32]) -> Self {
        let derive = |label: &str| -> [u8; 32] {
            let mut mac = keyed(seed);
            mac.update(label.as_bytes());
            mac.finalize().into_bytes().into()
        };
        Self {
            checkout_key: derive("pledge/sandbox-processor/checkout"),
            webhook_secret: derive("pledge/sandbox-processor/webhook"),
            pages_url: format!("{public_url}/sandbox-processor"),
            webhook_url: format!("{public_url}/payments/webhook/sandbox"),
            merchant: merchant.to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    fn token(&self, session: &Session) -> Result<String, ProcessorError> {
        let payload =
            serde_json::to_vec(session).map_err(|e| ProcessorError::Unavailable(e.to_string()))?;
        let mut mac = keyed(&self.checkout_key);
        mac.update(&payload);
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        ))
    }

    fn session(&self, token: &str, now: OffsetDateTime) -> Option<Session> {
        let (payload, tag) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = keyed(&self.checkout_key);
        mac.update(&payload);
        mac.verify_slice(&tag).ok()?;
        let session: Session = serde_json::from_slice(&payload).ok()?;
        (session.expires_at >= now.unix_timestamp()).then_some(session)
    }

    async fn deliver_once(&self, body: &[u8]) -> Result<(), String> {
        let signed = signature(
            &self.webhook_secret,
            OffsetDateTime::now_utc().unix_timestamp(),
            body,
        );
        let request = axum::http::Request::post(&self.webhook_url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signed)
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(Duration::from_secs(10), self.client.request(request))
            .await
            .map_err(|_| "no answer within 10 seconds".to_owned())?
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status()))
        }
    }

    /// Delivers `notification` now; if that fails, keeps trying in the background.
    async fn deliver(self: &Arc<Self>, notification: &Notification) {
        let Ok(body) = serde_json::to_vec(notification) else {
            return;
        };
        let Err(first) = self.deliver_once(&body).await else {
            return;
        };
        eprintln!(
            "sandbox processor: delivering {} failed ({first}); retrying",
            notification.id
        );
        let sandbox = Arc::clone(self);
        let id = notification.id.clone();
        tokio::spawn(async move {
            for wait in RETRIES {
                tokio::time::sleep(Duration::from_secs(wait)).await;
                if sandbox.deliver_once(&body).await.is_ok() {
                    return;
                }
            }
            eprintln!("sandbox processor: gave up delivering {id}");
        });
    }

    /// The signature header this sandbox puts on `body` sent at `timestamp` (what a webhook
    /// from it carries).
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        signature(&self.webhook_secret, timestamp, body)
    }

    fn notification(
        session_id: &str,
        client_reference: &str,
        kind: &str,
        refund: Option<String>,
    ) -> Result<Notification, ProcessorError> {
        Ok(Notification {
            id: random_id("evt")?,
            kind: kind.to_owned(),
            created: OffsetDateTime::now_utc().unix_timestamp(),
            checkout: session_id.to_owned(),
            client_reference: client_reference.to_owned(),
            refund,
        })
    }
}

/// The sandbox behind a shared pointer, as the portal holds it.
#[derive(Debug, Clone)]
pub struct SharedSandbox(pub Arc<Sandbox>);

#[async_trait::async_trait]
impl PaymentProcessor for SharedSandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn create_checkout(&self, request: CheckoutRequest) -> Result<Checkout, ProcessorError> {
        if request.amount_cents <= 0 {
            return Err(ProcessorError::Refused(
                "the amount must be positive".to_owned(),
            ));
        }
        let session = Session {
            id: random_id("cs")?,
            client_reference: request.payment.to_string(),
            description: request.description,
            amount_cents: request.amount_cents,
            currency: request.currency,
            success_url: request.success_url,
            cancel_url: request.cancel_url,
            expires_at: OffsetDateTime::now_utc().unix_timestamp() + CHECKOUT_SECONDS,
        };
        let url = format!("{}/pay/{}", self.0.pages_url, self.0.token(&session)?);
        Ok(Checkout {
            reference: session.id,
            url,
        })
    }

    async fn refund(&self, reference: &str, _amount_cents: i64) -> Result<String, ProcessorError> {
        if !reference.starts_with("cs_") {
            return Err(ProcessorError::Refused(format!("no payment {reference}")));
        }
        let refund = random_id("re")?;
        let notification =
            Sandbox::notification(reference, "", "refund.succeeded", Some(refund.clone()))?;
        let sandbox = Arc::clone(&self.0);
        // The refund settles a moment after it is asked for, as a real processor's does.
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            sandbox.deliver(&notification).await;
        });
        Ok(refund)
    }

    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<PaymentEvent, WebhookError> {
        let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
        check_signature(&self.0.webhook_secret, header, body, now.unix_timestamp())?;
        let notification: Notification =
            serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let outcome = match (notification.kind.as_str(), notification.refund) {
            ("checkout.completed", _) => PaymentOutcome::Paid,
            ("checkout.expired", _) => PaymentOutcome::Failed,
            ("refund.succeeded", Some(refund_ref)) => PaymentOutcome::Refunded { refund_ref },
            (other, _) => return Err(WebhookError::Ignored(other.to_owned())),
        };
        Ok(PaymentEvent {
            processor: "sandbox".to_owned(),
            event_id: notification.id,
            processor_ref: notification.checkout,
            outcome,
        })
    }
}

/// The processor's own pages: the card form and its cancel link.
pub fn routes<S: Clone + Send + Sync + 'static>(sandbox: Arc<Sandbox>) -> Router<S> {
    Router::new()
        .route("/sandbox-processor/pay/{token}", get(card_page).post(pay))
        .route("/sandbox-processor/pay/{token}/cancel", get(cancel))
        .with_state(sandbox)
}

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

fn amount(session: &Session) -> String {
    format!(
        "{} {}.{:02}",
        session.currency,
        session.amount_cents / 100,
        session.amount_cents % 100
    )
}

/// The card page's look, inline as a hosted checkout's page is; allowed by its hash.
const CARD_STYLE: &str = "body{font:16px system-ui,sans-serif;background:#f3f0ff;margin:0}\
     main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:12px;\
     box-shadow:0 2px 12px #0002}label{display:block;margin:.8rem 0 .2rem}\
     input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}\
     button{margin-top:1.2rem;width:100%;padding:.7rem;font:inherit;background:#5b3cc4;\
     color:#fff;border:0;border-radius:6px}.test{background:#fff4c2;padding:.5rem;\
     font-size:.9rem}.problem{color:#a00;font-weight:600}";

/// The card page as an answer with `status`, under a policy of its own: no script at all,
/// its one inline style allowed by hash, its form posting only to this site.
fn card_answer(status: StatusCode, page: String) -> Response {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(CARD_STYLE));
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    (
        status,
        [(axum::http::header::CONTENT_SECURITY_POLICY, policy)],
        Html(page),
    )
        .into_response()
}

/// The card form, with `problem` above it when the last try was refused.
fn card_form(sandbox: &Sandbox, token: &str, session: &Session, problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"problem\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Pay {merchant} · Sandbox Payments</title>\
         <style>{style}</style></head><body><main>\
         <p class=\"test\">Sandbox Payments — test mode. No real card is charged. Use \
         4242 4242 4242 4242 to pay, 4000 0000 0000 0002 to be declined.</p>\
         <h1>Pay {merchant}</h1><p>{description}</p><p class=\"amount\"><strong>{amount}</strong></p>\
         {problem}<form method=\"post\" action=\"{pages}/pay/{token}\">\
         <label for=\"card\">Card number</label><input id=\"card\" name=\"card_number\" \
         inputmode=\"numeric\" autocomplete=\"cc-number\" required>\
         <label for=\"expiry\">Expiry (MM/YY)</label><input id=\"expiry\" name=\"expiry\" \
         autocomplete=\"cc-exp\" placeholder=\"12/30\" required>\
         <label for=\"cvc\">Security code</label><input id=\"cvc\" name=\"cvc\" \
         inputmode=\"numeric\" autocomplete=\"cc-csc\" required>\
         <button type=\"submit\">Pay {amount}</button></form>\
         <p><a href=\"{pages}/pay/{token}/cancel\">Cancel and return to {merchant}</a></p>\
         </main></body></html>",
        merchant = escape(&sandbox.merchant),
        description = escape(&session.description),
        amount = escape(&amount(session)),
        pages = sandbox.pages_url,
        style = CARD_STYLE,
    )
}

fn expired() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(
            "<!DOCTYPE html><title>Checkout expired</title><h1>This checkout has expired</h1>\
             <p>Nothing was charged. Go back to the shop and start again.</p>",
        ),
    )
        .into_response()
}

async fn card_page(State(sandbox): State<Arc<Sandbox>>, Path(token): Path<String>) -> Response {
    match sandbox.session(&token, OffsetDateTime::now_utc()) {
        Some(session) => card_answer(StatusCode::OK, card_form(&sandbox, &token, &session, None)),
        None => expired(),
    }
}

/// What the card form sent, read without keeping the card number anywhere but the check.
pub(crate) fn card_problem(
    fields: &std::collections::BTreeMap<String, String>,
) -> Option<&'static str> {
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    let Some(card) = card_digits(field("card_number")) else {
        return Some("That card number is not valid. Check it and try again.");
    };
    if !expiry_ok(field("expiry"), OffsetDateTime::now_utc()) {
        return Some("The expiry date must be a month that has not ended, as MM/YY.");
    }
    let cvc = field("cvc");
    if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
        return Some("The security code is the 3 or 4 digits on the card.");
    }
    (card == DECLINED_CARD).then_some("Your card was declined. Try another card.")
}

async fn pay(
    State(sandbox): State<Arc<Sandbox>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let Some(session) = sandbox.session(&token, OffsetDateTime::now_utc()) else {
        return expired();
    };
    let (_, fields) = crate::web::read_form(request).await;
    if let Some(problem) = card_problem(&fields) {
        drop(fields);
        let page = card_form(&sandbox, &token, &session, Some(problem));
        return card_answer(StatusCode::UNPROCESSABLE_ENTITY, page);
    }
    drop(fields);
    match Sandbox::notification(
        &session.id,
        &session.client_reference,
        "checkout.completed",
        None,
    ) {
        Ok(notification) => sandbox.deliver(&notification).await,
        Err(error) => return processor_down(&error),
    }
    crate::web::see_other(&session.success_url)
}

async fn cancel(State(sandbox): State<Arc<Sandbox>>, Path(token): Path<String>) -> Response {
    let Some(session) = sandbox.session(&token, OffsetDateTime::now_utc()) else {
        return expired();
    };
    match Sandbox::notification(
        &session.id,
        &session.client_reference,
        "checkout.expired",
        None,
    ) {
        Ok(notification) => sandbox.deliver(&notification).await,
        Err(error) => return processor_down(&error),
    }
    crate::web::see_other(&session.cancel_url)
}

fn processor_down(error: &ProcessorError) -> Response {
    eprintln!("sandbox processor: {error}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<!DOCTYPE html><title>Try again</title><h1>Please try again</h1><p>Nothing was charged.</p>"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w12_card_numbers_are_checked_by_luhn_and_never_kept_in_shape() {
        assert_eq!(
            card_digits("4242 4242 4242 4242").as_deref(),
            Some("4242424242424242")
        );
        assert!(card_digits("4000-0000-0000-0002").is_some());
        assert!(
            card_digits("4242 4242 4242 4241").is_none(),
            "bad check digit"
        );
        assert!(card_digits("4242").is_none(), "too short");
        assert!(card_digits("4242 4242 4242 424x").is_none());
    }

    #[test]
    fn expiry_dates_must_not_have_ended() {
        let now = time::macros::datetime!(2026-12-02 10:00 UTC);
        assert!(expiry_ok("12/26", now));
        assert!(expiry_ok("01/27", now));
        assert!(!expiry_ok("11/26", now));
        assert!(!expiry_ok("13/30", now));
        assert!(!expiry_ok("1230", now));
    }

    #[test]
    fn signatures_are_checked_for_body_secret_and_freshness() {
        let secret = [7u8; 32];
        let body = br#"{"id":"evt_1"}"#;
        let signed = signature(&secret, 1_000, body);
        assert_eq!(check_signature(&secret, Some(&signed), body, 1_100), Ok(()));
        assert_eq!(
            check_signature(&secret, Some(&signed), br#"{"id":"evt_2"}"#, 1_100),
            Err(WebhookError::BadSignature),
            "another body"
        );
        assert_eq!(
            check_signature(&[8u8; 32], Some(&signed), body, 1_100),
            Err(WebhookError::BadSignature),
            "another secret"
        );
        assert_eq!(
            check_signature(&secret, Some(&signed), body, 1_000 + TOLERANCE_SECONDS + 1),
            Err(WebhookError::Stale(TOLERANCE_SECONDS + 1)),
            "an old signature replayed"
        );
        assert_eq!(
            check_signature(&secret, None, body, 1_000),
            Err(WebhookError::Unsigned)
        );
        assert_eq!(
            check_signature(&secret, Some("t=1000"), body, 1_000),
            Err(WebhookError::Unsigned)
        );
    }

    #[test]
    fn checkout_tokens_cannot_be_altered_and_expire() {
        let sandbox = Sandbox::new("http://127.0.0.1:1", "Kexara", &[1u8; 32]);
        let session = Session {
            id: "cs_1".to_owned(),
            client_reference: "p".to_owned(),
            description: "A course".to_owned(),
            amount_cents: 100,
            currency: "CAD".to_owned(),
            success_url: "/ok".to_owned(),
            cancel_url: "/no".to_owned(),
            expires_at: 2_000_000_000,
        };
        let token = sandbox.token(&session).unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
        assert_eq!(sandbox.session(&token, now), Some(session.clone()));
        let cheaper = Session {
            amount_cents: 1,
            ..session
        };
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cheaper).unwrap()),
            token.split_once('.').unwrap().1
        );
        assert_eq!(sandbox.session(&forged, now), None, "the amount is signed");
        let later = OffsetDateTime::from_unix_timestamp(2_000_000_001).unwrap();
        assert_eq!(sandbox.session(&token, later), None, "expired");
    }
}

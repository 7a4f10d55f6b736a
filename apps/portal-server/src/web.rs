//! The HTTP side: the server's shared state, every route, and the helpers form handlers share
//! (reading a form, redirecting, rendering a page again with a refusal).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Request};
use axum::http::{Method, StatusCode, header, request::Parts};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use lettre::message::Mailbox;
use portal_app::forms::FormOutcome;
use portal_app::state::PortalState;
use portal_app::{App, PortalError, shell};
use tower_http::services::ServeDir;

use crate::mail::{Email, Mailer};
use crate::payments::processor::PaymentProcessor;
use crate::payments::sandbox::{self, Sandbox};
use crate::session::{SessionCookie, attach_session, same_origin};

/// Everything a request handler needs, shared by every request: cloning it (which axum's
/// layers and Leptos's contexts do several times per request) only counts a reference.
#[derive(Clone, Debug)]
pub struct Server(Arc<Shared>);

impl std::ops::Deref for Server {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What a [`Server`] holds.
#[derive(Debug)]
pub struct Shared {
    /// The store and the policy, shared with the pages.
    pub portal: PortalState,
    /// Leptos's rendering options.
    pub options: LeptosOptions,
    /// Where email goes.
    pub mailer: Arc<Mailer>,
    /// Who email comes from.
    pub from: Mailbox,
    /// The address people reach the portal at, without a trailing slash (links in email).
    pub public_url: String,
    /// The scheme, host and port of `public_url` (the origin check).
    pub public_origin: String,
    /// The sign-in cookie.
    pub cookie: SessionCookie,
    /// The cookie banner's choice cookie and the optional cookies the portal sets.
    pub cookies: crate::cookies::CookieRules,
    /// The payment processor.
    pub processor: Arc<dyn PaymentProcessor>,
    /// Wakes the outbox sender (after a change that queued a message).
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Catalogue pages rendered for anonymous visitors, served again for a second.
    pub pages: Arc<crate::page_cache::PageCache>,
    /// Tells clients apart for the rate limit (behind the deployment's own proxies, by the
    /// address those saw).
    pub clients: crate::client_address::ClientAddress,
}

impl FromRef<Server> for LeptosOptions {
    fn from_ref(server: &Server) -> Self {
        server.options.clone()
    }
}

impl Server {
    /// The server state over `shared`.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// The organisation's name, as email signs it.
    pub fn organisation(&self) -> String {
        self.portal.policy.policy().organisation.name.clone()
    }

    /// Sends `email`; a failure is logged, not shown (the pages offer to send again).
    pub async fn send(&self, email: Email) {
        if let Err(error) = self.mailer.send(&self.from, email).await {
            eprintln!("portal: sending an email failed: {error}");
        }
    }

    /// A page rendered again for a refused submission, with status 422.
    pub async fn refuse(&self, parts: Parts, outcome: FormOutcome) -> Response {
        self.render(parts, outcome, StatusCode::UNPROCESSABLE_ENTITY)
            .await
    }

    /// The page at `path` (not the address posted to), rendered with `outcome` and `status`.
    pub async fn render_at(
        &self,
        mut parts: Parts,
        path: &str,
        outcome: FormOutcome,
        status: StatusCode,
    ) -> Response {
        match path.parse::<axum::http::Uri>() {
            Ok(uri) => parts.uri = uri,
            Err(error) => return unavailable(&error),
        }
        self.render(parts, outcome, status).await
    }

    /// The page at the request's address, rendered with `outcome` and `status`.
    pub async fn render(
        &self,
        mut parts: Parts,
        outcome: FormOutcome,
        status: StatusCode,
    ) -> Response {
        let portal = self.portal.clone();
        let options = self.options.clone();
        let handler = leptos_axum::render_app_async_with_context(
            move || {
                provide_context(portal.clone());
                provide_context(outcome.clone());
            },
            move || shell(options.clone()),
        );
        parts.method = Method::GET;
        let mut response = handler(Request::from_parts(parts, Body::empty())).await;
        *response.status_mut() = status;
        response
    }
}

/// A `303 See Other` to `location` (a reload does not post the form again).
pub fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

/// A `303 See Other` that also sets a cookie.
pub fn see_other_setting(location: &str, cookie: String) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location.to_owned()),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}

/// The answer when something failed inside: a plain page, status 503, details in the log.
pub fn unavailable(error: &dyn std::fmt::Display) -> Response {
    eprintln!("portal: {error}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><title>Please try again</title><h1>Please try again</h1>\
         <p>Something went wrong on our side and nothing was changed. Please try again in a \
         moment.</p>",
    )
        .into_response()
}

/// The largest form body accepted.
const MAX_FORM: usize = 64 * 1024;

/// The request's head and its `application/x-www-form-urlencoded` fields (a field sent twice
/// keeps its first value; an unreadable body reads as no fields).
pub async fn read_form(request: Request) -> (Parts, BTreeMap<String, String>) {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM)
        .await
        .unwrap_or_default();
    (parts, decode_form(&bytes))
}

/// The fields of an `application/x-www-form-urlencoded` body (a field sent twice keeps its
/// first value; bytes that are not UTF-8 are replaced).
pub fn decode_form(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}

/// `GET /healthz`: answers while the process serves requests (for load balancers, and the
/// baseline of the portal's load benchmark). It reads nothing.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Account forms a client may post in a burst before it must slow down.
pub const ACCOUNT_BURST: u32 = 20;
/// After a burst, one more account form every this many seconds.
pub const ACCOUNT_REFILL_SECONDS: u64 = 3;

type AccountLimit = tower_governor::GovernorLayer<
    crate::client_address::ClientAddress,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    Body,
>;

/// The rate limit on the account forms, per client address, on top of the store's lockout of
/// an account after repeated failures: guessing passwords across many accounts, registering
/// in bulk or flooding someone's mailbox with links all slow down to one form every few
/// seconds. Clients are told apart by `clients` (the peer, or behind trusted proxies the
/// address they saw).
fn account_rate_limit(clients: crate::client_address::ClientAddress) -> AccountLimit {
    let mut builder =
        tower_governor::governor::GovernorConfigBuilder::default().key_extractor(clients);
    builder
        .per_second(ACCOUNT_REFILL_SECONDS)
        .burst_size(ACCOUNT_BURST);
    let config = builder.finish().unwrap_or_else(|| {
        unreachable!("a burst and a refill period above zero make a valid limit")
    });
    tower_governor::GovernorLayer::new(config).error_handler(too_many_requests)
}

/// The answer to a client over the limit: 429 with a page that says when to try again.
fn too_many_requests(error: tower_governor::GovernorError) -> Response {
    let wait = match error {
        tower_governor::GovernorError::TooManyRequests { wait_time, .. } => wait_time.max(1),
        _ => ACCOUNT_REFILL_SECONDS,
    };
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::RETRY_AFTER, wait.to_string()),
        ],
        format!(
            "<!DOCTYPE html><title>Too many attempts</title><h1>Too many attempts</h1>\
             <p>This address sent many account forms in a short time. Please wait {wait} \
             seconds and try again; nothing was changed.</p>"
        ),
    )
        .into_response()
}

/// The largest page sent in one piece (larger ones are refused as a fault of ours).
const MAX_PAGE: usize = 8 * 1024 * 1024;

/// A rendered page, sent in one piece with its length instead of as Leptos's stream of chunks:
/// pages are rendered completely before their first byte anyway (`SsrMode::Async`),
/// and one write with a `Content-Length` costs the server and the client fewer system calls
/// and wake-ups than a chunked body in several writes.
async fn in_one_piece(response: Response) -> Response {
    let streamed = !response.headers().contains_key(header::CONTENT_LENGTH)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"));
    if !streamed {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(bytes) => Response::from_parts(parts, Body::from(bytes)),
        Err(error) => unavailable(&format!("a page could not be rendered: {error}")),
    }
}

/// How long a request may take, from its head to the last byte of its answer, before the
/// portal gives up on it. Far beyond any real page (milliseconds); it exists so that a fault
/// that leaves a page waiting forever costs one request a clear 503 and a log line, not a
/// connection held open for good.
pub const ANSWER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs the rest of the stack under [`ANSWER_DEADLINE`], with the page collected
/// [`in_one_piece`] inside the deadline (a page's body is where rendering waits).
async fn answer_within_deadline(request: Request, next: middleware::Next) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    let answer = async move { in_one_piece(next.run(request).await).await };
    match tokio::time::timeout(ANSWER_DEADLINE, answer).await {
        Ok(response) => response,
        Err(_) => {
            eprintln!(
                "portal: {what} was not answered within {} s; it was given up with a 503",
                ANSWER_DEADLINE.as_secs()
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<!DOCTYPE html><title>Please try again</title><h1>Please try again</h1>\
                 <p>This took too long on our side. If you sent a form, look whether it took \
                 effect before sending it again.</p>",
            )
                .into_response()
        }
    }
}

/// The status a server function's failure answers with. Leptos answers every failure that
/// set no status of its own with 500; a refusal or a missing object is not a fault of ours.
fn status_of(error: &PortalError) -> StatusCode {
    match error {
        PortalError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        PortalError::NotFound => StatusCode::NOT_FOUND,
        PortalError::SignInRequired => StatusCode::UNAUTHORIZED,
        PortalError::Forbidden => StatusCode::FORBIDDEN,
        PortalError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        PortalError::Transport(_) => StatusCode::BAD_REQUEST,
    }
}

/// Gives a server function's failure (a 500 carrying the `serverfnerror` header and the
/// [`PortalError`] as JSON) the status its error stands for ([`status_of`]).
async fn server_function_status(request: Request, next: middleware::Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(bytes) => {
            if let Ok(error) = serde_json::from_slice::<PortalError>(&bytes) {
                parts.status = status_of(&error);
            }
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(error) => unavailable(&format!("a server function's answer was lost: {error}")),
    }
}

/// Every route answered by a handler of this server rather than by a page or a server
/// function: the forms, the downloads and the processor's webhook. Each has a row in the
/// authorisation table (`tests/portal/access.rs`), which the unit tests below hold to this
/// list. The account forms are rate-limited per client, told apart by `clients`.
pub fn handler_routes(
    clients: &crate::client_address::ClientAddress,
) -> Vec<(&'static str, MethodRouter<Server>)> {
    let limit = account_rate_limit(clients.clone());
    let limited = |handler: MethodRouter<Server>| handler.layer(limit.clone());
    vec![
        ("/register", limited(post(crate::accounts::register))),
        ("/verify", limited(post(crate::accounts::resend))),
        ("/verify/{token}", limited(post(crate::accounts::verify))),
        ("/signin", limited(post(crate::accounts::sign_in))),
        ("/signin/code", limited(post(crate::second_step::complete))),
        ("/signout", post(crate::accounts::sign_out)),
        ("/cookies", post(crate::cookies::answer)),
        ("/account/policy-notice", post(crate::policy_notices::close)),
        (
            "/account/privacy/access",
            limited(post(crate::privacy::request_access)),
        ),
        (
            "/account/privacy/correction",
            limited(post(crate::privacy::request_correction)),
        ),
        (
            "/account/privacy/restriction",
            limited(post(crate::privacy::request_restriction)),
        ),
        (
            "/account/privacy/erasure",
            limited(post(crate::privacy::request_erasure)),
        ),
        (
            "/account/privacy/consents/withdraw",
            post(crate::privacy::withdraw_consent),
        ),
        (
            "/account/privacy/requests/{id}/data.zip",
            get(crate::privacy::download),
        ),
        (
            "/account/privacy/for/{minor}/requests/{id}/data.zip",
            get(crate::privacy::guardian_download),
        ),
        (
            "/account/second-step/start",
            limited(post(crate::second_step::start)),
        ),
        (
            "/account/second-step",
            limited(post(crate::second_step::confirm)),
        ),
        (
            "/account/second-step/off",
            limited(post(crate::second_step::turn_off)),
        ),
        (
            "/account/password",
            limited(post(crate::accounts::change_password)),
        ),
        ("/reset", limited(post(crate::accounts::request_reset))),
        ("/reset/{token}", limited(post(crate::accounts::reset))),
        (
            "/guardian/{token}",
            limited(post(crate::accounts::confirm_guardian)),
        ),
        ("/courses/{slug}/enrol", post(crate::learning::enrol)),
        ("/learn/{slug}/{position}", post(crate::learning::finish)),
        (
            "/courses/{slug}/checkout",
            post(crate::payments::checkout_course),
        ),
        (
            "/payments/webhook/{processor}",
            post(crate::payments::webhook),
        ),
        (
            "/finance/payments/{id}/refund",
            post(crate::payments::refund),
        ),
        (
            "/learn/{slug}/quiz/{assessment}",
            post(crate::assessments::submit_quiz),
        ),
        (
            "/learn/{slug}/assignment/{assessment}",
            post(crate::assessments::submit_assignment),
        ),
        ("/learn/{slug}/certificate", post(crate::assessments::issue)),
        ("/courses/{slug}/exam", post(crate::assessments::book_exam)),
        (
            "/teach/exams/import",
            post(crate::assessments::import_results),
        ),
        (
            "/teach/exams/{booking}",
            post(crate::assessments::enter_result),
        ),
        (
            "/learn/{slug}/survey/{survey}",
            post(crate::assessments::answer_survey),
        ),
        (
            "/teach/marking/{submission}",
            post(crate::assessments::mark),
        ),
        ("/certificates/{code}/pdf", get(crate::assessments::pdf)),
        ("/support", post(crate::support::open)),
        ("/support/{ticket}/reply", post(crate::support::reply)),
        ("/support/{ticket}/close", post(crate::support::close)),
        ("/courses/{slug}/comments", post(crate::support::comment)),
        ("/moderation/{comment}", post(crate::support::moderate)),
        ("/admin/teaching/assign", post(crate::admin::assign)),
        ("/admin/teaching/unassign", post(crate::admin::unassign)),
        ("/admin/funding", post(crate::admin::record_funding)),
        ("/office/requests/{id}/verify", post(crate::office::verify)),
        ("/office/requests/{id}/extend", post(crate::office::extend)),
        ("/office/requests/{id}/refuse", post(crate::office::refuse)),
        ("/office/requests/{id}/answer", post(crate::office::answer)),
        ("/office/holds", post(crate::office::place_hold)),
        (
            "/account/privacy/for/{minor}/access",
            post(crate::privacy::guardian_access),
        ),
        (
            "/account/privacy/for/{minor}/erasure",
            post(crate::privacy::guardian_erasure),
        ),
        ("/office/breaches", post(crate::breaches::record)),
        (
            "/office/breaches/{id}/notify",
            post(crate::breaches::notify),
        ),
        (
            "/office/breaches/{id}/reported",
            post(crate::breaches::reported),
        ),
        (
            "/office/retention/apply",
            post(crate::office::apply_retention),
        ),
        (
            "/account/privacy/marketing",
            post(crate::marketing::preferences),
        ),
        (
            "/unsubscribe/{person}/{channel}/{token}",
            post(crate::marketing::unsubscribe),
        ),
        ("/admin/marketing", post(crate::marketing::send_campaign)),
        (
            "/office/audit/checkpoint",
            post(crate::office::sign_checkpoint),
        ),
        (
            "/office/holds/{id}/release",
            post(crate::office::release_hold),
        ),
        (
            "/office/partners/forwarded/{id}/confirm",
            post(crate::office::confirm_forwarded),
        ),
        ("/tours/{slug}/book", post(crate::tours::book)),
        (
            "/tours/manage/{departure}/send",
            post(crate::tours::send_manifest),
        ),
    ]
}

/// Every route: the pages, the form handlers, the server functions and the bundle, and the
/// sandbox processor's pages when it is the processor.
pub fn router(server: Server, site_root: &Path, sandbox: Option<Arc<Sandbox>>) -> Router {
    let routes = generate_route_list(App);
    let options = server.options.clone();
    let pages_state = server.portal.clone();
    let fallback_state = server.portal.clone();
    let mut router = Router::new();
    for (path, handler) in handler_routes(&server.clients) {
        router = router.route(path, handler);
    }
    router
        .merge(sandbox.map_or_else(Router::new, sandbox::routes))
        .route("/healthz", get(healthz))
        .nest_service("/pkg", ServeDir::new(site_root.join("pkg")))
        .leptos_routes_with_context(
            &server,
            routes,
            move || provide_context(pages_state.clone()),
            move || shell(options.clone()),
        )
        // Unknown addresses get the portal's own "not found" page, with the state every page
        // reads (the header, the cookie banner).
        .fallback(
            leptos_axum::file_and_error_handler_with_context::<Server, _>(
                move || provide_context(fallback_state.clone()),
                shell,
            ),
        )
        .layer(middleware::from_fn(server_function_status))
        .layer(middleware::from_fn(answer_within_deadline))
        .layer(middleware::from_fn_with_state(
            server.clone(),
            crate::policy_notices::show_on_visit,
        ))
        .layer(middleware::from_fn_with_state(
            server.clone(),
            crate::second_step::require_where_the_policy_does,
        ))
        .layer(middleware::from_fn_with_state(
            server.clone(),
            crate::denials::record_refusals,
        ))
        .layer(middleware::from_fn_with_state(
            server.clone(),
            attach_session,
        ))
        .layer(middleware::from_fn_with_state(
            server.clone(),
            crate::cookies::keep_to_the_answer,
        ))
        .layer(middleware::from_fn_with_state(server.clone(), same_origin))
        .layer(middleware::from_fn_with_state(
            server.clone(),
            crate::page_cache::anonymous_catalogue,
        ))
        .layer(middleware::from_fn(crate::headers::secure))
        .with_state(server)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::access::{HANDLERS, PAGES, SERVER_FUNCTIONS};

    /// Fails, naming them, if `found` and `ruled` differ.
    fn assert_same(found: &BTreeSet<&str>, ruled: &BTreeSet<&str>, what: &str) {
        let unruled: Vec<&str> = found.difference(ruled).copied().collect();
        assert!(
            unruled.is_empty(),
            "{what} without a row in src/access.rs: {unruled:?}"
        );
        let gone: Vec<&str> = ruled.difference(found).copied().collect();
        assert!(
            gone.is_empty(),
            "rows for {what} that do not exist: {gone:?}"
        );
    }

    /// Every server function the binary registers has a row in the authorisation table, and
    /// every row names one that exists, so the HTTP tests call them all.
    #[test]
    fn every_server_function_has_a_row_in_the_authorisation_table() {
        let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        let ruled: BTreeSet<&str> = SERVER_FUNCTIONS.iter().map(|row| row.path).collect();
        assert_same(&registered, &ruled, "server functions");
    }

    /// Every page route of the router has a row in the authorisation table, and every row
    /// names one that exists, so the HTTP tests open them all.
    #[test]
    fn every_page_has_a_row_in_the_authorisation_table() {
        let routes = leptos_axum::generate_route_list(portal_app::App);
        let routed: BTreeSet<&str> = routes.iter().map(|route| route.path()).collect();
        let ruled: BTreeSet<&str> = PAGES.iter().map(|row| row.path).collect();
        assert_same(&routed, &ruled, "pages");
    }

    /// Every route of the server's own handlers has a row in the authorisation table (who
    /// it acts for, how it is kept from other sites' forms), and every row names one that
    /// exists, so the HTTP tests send them all.
    #[test]
    fn every_handler_route_has_a_row_in_the_authorisation_table() {
        let routes = super::handler_routes(&crate::client_address::ClientAddress::default());
        let routed: BTreeSet<&str> = routes.iter().map(|(path, _)| *path).collect();
        assert_eq!(routed.len(), routes.len(), "a route listed twice");
        let ruled: BTreeSet<&str> = HANDLERS.iter().map(|row| row.path).collect();
        assert_same(&routed, &ruled, "handler routes");
    }

    /// The OpenAPI description of the JSON API (the server functions, all `GET` with their
    /// arguments in the query), built from the authorisation table: its rows name every
    /// server function and, in their examples, every argument.
    fn openapi_description() -> serde_json::Value {
        let mut paths = serde_json::Map::new();
        for row in SERVER_FUNCTIONS {
            let parameters: Vec<serde_json::Value> = row
                .example
                .split('&')
                .filter_map(|pair| pair.split('=').next())
                .filter(|name| !name.is_empty())
                .map(|name| {
                    serde_json::json!({
                        "name": name,
                        "in": "query",
                        "required": true,
                        "schema": { "type": "string" }
                    })
                })
                .collect();
            let answer = |what: &str| serde_json::json!({ "description": what });
            let operation = serde_json::json!({
                "operationId": row.path.trim_start_matches("/api/"),
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "the answer",
                        "content": { "application/json": { "schema": {} } }
                    },
                    "400": answer("arguments that cannot be read"),
                    "401": answer("sign in first"),
                    "403": answer("not for this person"),
                    "404": answer("no such thing"),
                    "422": answer("not valid"),
                    "503": answer("the store cannot answer now")
                }
            });
            paths.insert(row.path.to_owned(), serde_json::json!({ "get": operation }));
        }
        serde_json::json!({
            "openapi": "3.0.3",
            "info": {
                "title": "Pledge portal: JSON API (the pages' server functions)",
                "version": "1",
                "description": "Every server function of the portal, as a script calls it: GET \
                    with its arguments in the query, answering JSON. Generated from the \
                    authorisation table (apps/portal-server/tests/portal/access.rs) by the \
                    unit test that checks this file; `PLEDGE_BLESS=1` rewrites it."
            },
            "paths": paths
        })
    }

    /// `docs/openapi.json` is the description [`openapi_description`] builds (`PLEDGE_BLESS=1`
    /// writes it), so the scanners test every server function with its real arguments.
    #[test]
    fn the_openapi_description_is_the_server_functions() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        let wanted = serde_json::to_string_pretty(&openapi_description()).unwrap() + "\n";
        if std::env::var_os("PLEDGE_BLESS").is_some() {
            std::fs::write(&path, &wanted).unwrap();
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == wanted,
            "docs/openapi.json differs from the server functions: rerun with PLEDGE_BLESS=1"
        );
    }
}

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
use axum::routing::post;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use lettre::message::Mailbox;
use portal_app::forms::FormOutcome;
use portal_app::state::PortalState;
use portal_app::{App, shell};
use tower_http::services::ServeDir;

use crate::mail::{Email, Mailer};
use crate::session::{SessionCookie, attach_session, same_origin};

/// Everything a request handler needs.
#[derive(Clone, Debug)]
pub struct Server {
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
}

impl FromRef<Server> for LeptosOptions {
    fn from_ref(server: &Server) -> Self {
        server.options.clone()
    }
}

impl Server {
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

    /// The page at the request's address, rendered with `outcome` and `status`.
    async fn render(&self, mut parts: Parts, outcome: FormOutcome, status: StatusCode) -> Response {
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
    let mut fields = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(&bytes) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    (parts, fields)
}

/// Every route: the pages, the form handlers, the server functions and the bundle.
pub fn router(server: Server, site_root: &Path) -> Router {
    let routes = generate_route_list(App);
    let options = server.options.clone();
    let pages_state = server.portal.clone();
    Router::new()
        .route("/register", post(crate::accounts::register))
        .route("/verify", post(crate::accounts::resend))
        .route("/verify/{token}", post(crate::accounts::verify))
        .route("/signin", post(crate::accounts::sign_in))
        .route("/signout", post(crate::accounts::sign_out))
        .route("/account/password", post(crate::accounts::change_password))
        .route("/reset", post(crate::accounts::request_reset))
        .route("/reset/{token}", post(crate::accounts::reset))
        .route("/guardian/{token}", post(crate::accounts::confirm_guardian))
        .nest_service("/pkg", ServeDir::new(site_root.join("pkg")))
        .leptos_routes_with_context(
            &server,
            routes,
            move || provide_context(pages_state.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<Server, _>(shell))
        .layer(middleware::from_fn_with_state(
            server.clone(),
            attach_session,
        ))
        .layer(middleware::from_fn_with_state(server.clone(), same_origin))
        .with_state(server)
}

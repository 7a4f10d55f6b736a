//! The second step's form handlers (K26, W43): set it up, confirm it with a first code (and
//! show the recovery codes once), turn it off where the policy allows, and complete a sign-in
//! with a code. Also the guard that sends staff without a required second step to set one up.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use pledge_store::StoreError;
use pledge_store::accounts::ActiveSession;
use portal_app::forms::FormOutcome;
use portal_app::state::now;

use crate::accounts::{client, field, local_path, outcome_with, refused};
use crate::web::{Server, read_form, see_other, see_other_setting, unavailable};

/// Where the set-up lives.
const PAGE: &str = "/account/second-step";

/// The request's session.
fn signed_in(parts: &Parts) -> Option<ActiveSession> {
    parts.extensions.get::<ActiveSession>().cloned()
}

/// Sign in first, then come back here.
fn sign_in_first() -> Response {
    see_other("/signin?next=/account/second-step")
}

/// `POST /account/second-step/start`: a secret to add to an authenticator app.
pub async fn start(State(server): State<Server>, request: Request) -> Response {
    let (parts, _) = read_form(request).await;
    let Some(session) = signed_in(&parts) else {
        return sign_in_first();
    };
    let label = match portal_app::state::own_email(&server.portal, session.person).await {
        Ok(email) => email,
        Err(error) => return unavailable(&error),
    };
    let issuer = server.organisation();
    match server
        .portal
        .store
        .begin_second_step(session.person, &issuer, &label)
        .await
    {
        Ok(_) | Err(StoreError::Invalid(_)) => see_other(PAGE),
        Err(error) => unavailable(&error),
    }
}

/// `POST /account/second-step`: the first code turns it on; the recovery codes are shown once.
pub async fn confirm(State(server): State<Server>, request: Request) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = signed_in(&parts) else {
        return sign_in_first();
    };
    match server
        .portal
        .store
        .confirm_second_step(session.person, field(&fields, "code"), now())
        .await
    {
        Ok(codes) => {
            let outcome = FormOutcome {
                values: [("codes".to_owned(), codes.join("\n"))]
                    .into_iter()
                    .collect(),
                ..FormOutcome::default()
            };
            server
                .render_at(parts, "/account/second-step/codes", outcome, StatusCode::OK)
                .await
        }
        Err(StoreError::Invalid(_)) => see_other(PAGE),
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

/// `POST /account/second-step/off`: with the password, where the policy does not require it.
pub async fn turn_off(State(server): State<Server>, request: Request) -> Response {
    let (mut parts, fields) = read_form(request).await;
    let Some(session) = signed_in(&parts) else {
        return sign_in_first();
    };
    // A refusal is shown on the second step's page (this address has no page of its own).
    parts.uri = axum::http::Uri::from_static(PAGE);
    match server
        .portal
        .store
        .turn_off_second_step(
            session.person,
            field(&fields, "current_password"),
            &server.portal.policy,
        )
        .await
    {
        Ok(()) => see_other(PAGE),
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(Default::default(), error.to_string());
            server.refuse(parts, outcome).await
        }
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

/// `POST /signin/code`: the code after the password.
pub async fn complete(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let signed = server
        .portal
        .store
        .complete_sign_in(
            field(&fields, "challenge"),
            field(&fields, "code"),
            &client(&parts, peer),
            &server.portal.policy,
            now(),
        )
        .await;
    match signed {
        Ok(signed) => see_other_setting(
            local_path(field(&fields, "next")),
            server.cookie.set(&signed.token, signed.lasting),
        ),
        Err(StoreError::Refused(problems)) => {
            // The challenge stays in the form for another try; the code does not.
            let mut outcome = outcome_with(&fields, problems);
            outcome.values.remove("code");
            server.refuse(parts, outcome).await
        }
        Err(StoreError::LinkInvalid) => {
            let outcome = FormOutcome::message(
                Default::default(),
                "This sign-in took too long or was finished already. Sign in again.",
            );
            server
                .render_at(parts, "/signin", outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => refused(&server, parts, &fields, error).await,
    }
}

/// The one server function someone who must still add a required second step may call: the
/// set-up page's own.
const SET_UP_FUNCTION: &str = "/api/second-step";

/// Paths someone who must still add a required second step may use.
fn allowed_before_second_step(path: &str) -> bool {
    path.starts_with(PAGE)
        || path == "/signout"
        || path.starts_with("/pkg/")
        || path == SET_UP_FUNCTION
}

/// Sends a signed-in person whom the policy requires to use a second step, and who has none
/// yet, to set one up before anything else (W43: MFA for staff).
pub async fn require_where_the_policy_does(
    State(server): State<Server>,
    request: Request,
    next: Next,
) -> Response {
    let missing = request
        .extensions()
        .get::<ActiveSession>()
        .is_some_and(|session| {
            !session.second_step
                && pledge_store::mfa::required(&server.portal.policy, &session.roles)
        });
    let path = request.uri().path();
    if missing && !allowed_before_second_step(path) {
        // A server function is called by a script, which cannot follow a page's redirect.
        if path.starts_with("/api/") {
            return (
                StatusCode::FORBIDDEN,
                "Set up your second step first, at /account/second-step: \
                 the policy requires it for staff before anything else.",
            )
                .into_response();
        }
        return see_other("/account/second-step?required=1");
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::allowed_before_second_step;

    #[test]
    fn only_the_set_up_and_signing_out_come_before_a_required_second_step() {
        for open in [
            "/account/second-step",
            "/account/second-step/start",
            "/signout",
            "/pkg/portal.js",
        ] {
            assert!(allowed_before_second_step(open), "{open}");
        }
        assert!(allowed_before_second_step("/api/second-step"));
        for closed in [
            "/",
            "/account",
            "/account/password",
            "/courses/x",
            "/api/retention-overview",
            "/api/office-requests",
            "/api/second-step-other",
        ] {
            assert!(!allowed_before_second_step(closed), "{closed}");
        }
    }
}

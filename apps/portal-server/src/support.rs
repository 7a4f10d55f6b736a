//! The support and community forms' handlers: tickets and replies (the person's own, or any
//! for support agents), comments on a course (with where they came from, J11), and content
//! moderation.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use pledge_domain::Role;
use pledge_store::StoreError;
use pledge_store::accounts::ActiveSession;
use pledge_store::support::Origin;
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use uuid::Uuid;

use crate::accounts::{field, kept, outcome_with, sentence};
use crate::web::{Server, read_form, see_other, unavailable};

/// Where a support form goes back to: the person's page or the agents' queue.
pub(crate) fn back_to(
    fields: &std::collections::BTreeMap<String, String>,
    agent: bool,
) -> &'static str {
    if agent && field(fields, "back") == "/support/queue" {
        "/support/queue"
    } else {
        "/support"
    }
}

/// The answer to a refused support or community form: the page again, with `status`.
async fn refuse(
    server: &Server,
    parts: axum::http::request::Parts,
    page: &str,
    fields: &std::collections::BTreeMap<String, String>,
    error: StoreError,
) -> Response {
    let status = match error {
        StoreError::NoSuchCourse => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let outcome = match error {
        StoreError::Refused(problems) => outcome_with(fields, problems),
        StoreError::NoSuchCourse => FormOutcome::default(),
        StoreError::Invalid(_) => FormOutcome::message(kept(fields), sentence(&error.to_string())),
        other => return unavailable(&other),
    };
    server.render_at(parts, page, outcome, status).await
}

/// `POST /support`: opens a ticket.
pub async fn open(State(server): State<Server>, request: Request) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/support");
    };
    match server
        .portal
        .store
        .open_ticket(
            &server.portal.policy,
            session.person,
            field(&fields, "subject"),
            field(&fields, "body"),
            now(),
        )
        .await
    {
        Ok(_) => see_other("/support"),
        Err(error) => refuse(&server, parts, "/support", &fields, error).await,
    }
}

/// `POST /support/{ticket}/reply`: its owner, or a support agent.
pub async fn reply(
    State(server): State<Server>,
    Path(ticket): Path<Uuid>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/support");
    };
    let agent = session.has(Role::SupportAgent);
    let back = back_to(&fields, agent);
    match server
        .portal
        .store
        .reply_to_ticket(
            &server.portal.policy,
            ticket,
            session.person,
            agent,
            field(&fields, "body"),
            now(),
        )
        .await
    {
        Ok(()) => see_other(back),
        Err(error) => refuse(&server, parts, back, &fields, error).await,
    }
}

/// `POST /support/{ticket}/close`.
pub async fn close(
    State(server): State<Server>,
    Path(ticket): Path<Uuid>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/support");
    };
    let agent = session.has(Role::SupportAgent);
    let back = back_to(&fields, agent);
    match server
        .portal
        .store
        .close_ticket(ticket, session.person, agent, now())
        .await
    {
        Ok(()) => see_other(back),
        Err(error) => refuse(&server, parts, back, &fields, error).await,
    }
}

/// `POST /courses/{slug}/comments`: a comment, with the address and browser it came from.
pub async fn comment(
    State(server): State<Server>,
    Path(slug): Path<String>,
    request: Request,
) -> Response {
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_default();
    let agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/courses/{slug}"));
    };
    let page = format!("/courses/{slug}");
    let origin = Origin {
        ip_address: &address,
        user_agent: &agent,
    };
    match server
        .portal
        .store
        .post_comment(
            &server.portal.policy,
            session.person,
            &slug,
            field(&fields, "body"),
            origin,
            now(),
        )
        .await
    {
        Ok(_) => see_other(&format!("{page}?commented=1")),
        Err(error) => refuse(&server, parts, &page, &fields, error).await,
    }
}

/// `POST /moderation/{comment}`: content moderators approve or reject.
pub async fn moderate(
    State(server): State<Server>,
    Path(comment): Path<Uuid>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/moderation");
    };
    if !session.has(Role::ContentModerator) {
        return server
            .render_at(
                parts,
                "/moderation",
                FormOutcome::default(),
                StatusCode::FORBIDDEN,
            )
            .await;
    }
    let approve = match field(&fields, "decision") {
        "approve" => true,
        "reject" => false,
        _ => {
            let error = StoreError::Invalid("choose approve or reject");
            return refuse(&server, parts, "/moderation", &fields, error).await;
        }
    };
    match server
        .portal
        .store
        .moderate_comment(comment, session.person, approve, now())
        .await
    {
        Ok(()) => see_other("/moderation"),
        Err(error) => refuse(&server, parts, "/moderation", &fields, error).await,
    }
}

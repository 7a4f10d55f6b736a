//! The privacy centre's actions: asking for a copy of one's data, and downloading it.
//!
//! `POST /account/privacy/access` records an access request with the policy's deadline,
//! records the signed-in session as the identity check (where the policy accepts it) and
//! answers the request at once; where the policy does not accept a signed-in request as
//! proof of identity, the request stays open for the privacy office. The copy is
//! `GET /account/privacy/requests/{id}/data.zip`: the store's access export (every declared
//! table, audited), only for the person whose answered access request it is; anyone else's id
//! is the same 404 as an unknown one.

use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pledge_policy::model::{IdentityCheck, RightKind};
use pledge_store::StoreError;
use pledge_store::accounts::ActiveSession;
use pledge_store::requests::RequestStatus;
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use uuid::Uuid;

use crate::accounts::sentence;
use crate::web::{Server, read_form, see_other, unavailable};

const CENTRE: &str = "/account/privacy";

/// `POST /account/privacy/access`: a copy of my data, please.
pub async fn request_access(State(server): State<Server>, request: Request) -> Response {
    let (parts, _) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next={CENTRE}"));
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let actor = store.audit().actor(session.person);
    let opened = match store
        .open_request(session.person, RightKind::Access, policy, now(), actor)
        .await
    {
        Ok(opened) => opened,
        Err(error @ StoreError::RightNotOffered(_)) => {
            let outcome = FormOutcome::message(Default::default(), sentence(&error.to_string()));
            return server
                .render_at(parts, CENTRE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        Err(error) => return unavailable(&error),
    };
    // The request is on record with its deadline; answering it is the next step, and a
    // failure here leaves it open in the privacy office's queue rather than lost.
    match store
        .verify_identity(
            opened.id,
            IdentityCheck::SignedIn,
            policy,
            None,
            actor,
            now(),
        )
        .await
    {
        Ok(()) => {
            if let Err(error) = store.complete_request(opened.id, actor, now()).await {
                eprintln!("portal: answering access request {}: {error}", opened.id);
            }
        }
        Err(StoreError::Invalid(_)) => {}
        Err(error) => eprintln!("portal: verifying access request {}: {error}", opened.id),
    }
    see_other(&format!("{CENTRE}?requested=1"))
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "You have no answered access request with this id.\n",
    )
        .into_response()
}

/// `GET /account/privacy/requests/{id}/data.zip`: the copy, for its owner.
pub async fn download(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let Some(session) = request.extensions().get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next={CENTRE}"));
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found();
    };
    let store = &server.portal.store;
    let requests = match store.requests_for(session.person).await {
        Ok(requests) => requests,
        Err(error) => return unavailable(&error),
    };
    let answered = requests
        .iter()
        .any(|r| r.id == id && r.kind == RightKind::Access && r.status == RequestStatus::Completed);
    if !answered {
        return not_found();
    }
    let actor = store.audit().actor(session.person);
    match store.export_bundle(session.person, actor, now()).await {
        Ok(zip) => (
            [
                (header::CONTENT_TYPE, "application/zip".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"my-data.zip\"".to_owned(),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            zip,
        )
            .into_response(),
        Err(error) => unavailable(&error),
    }
}

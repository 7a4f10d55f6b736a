//! The privacy centre's actions: asking for a copy of one's data, downloading it, asking
//! for a correction, a restriction or an erasure, and withdrawing a consent.
//!
//! `POST /account/privacy/consents/withdraw` withdraws the signed-in person's consent to one
//! purpose; the store deletes in the same transaction what was kept only because of it
//! (accessibility needs, for one).
//!
//! `POST /account/privacy/access` records an access request with the policy's deadline,
//! records the signed-in session as the identity check (where the policy accepts it) and
//! answers the request at once; where the policy does not accept a signed-in request as
//! proof of identity, the request stays open for the privacy office. The copy is
//! `GET /account/privacy/requests/{id}/data.zip`: the store's access export (every declared
//! table, audited), only for the person whose answered access request it is; anyone else's id
//! is the same 404 as an unknown one. Corrections, restrictions and erasures are requests the
//! privacy office answers: recorded with what the person wrote (sealed) and the policy's
//! deadline, each only where the policy offers the right; an erasure is asked for from the
//! page that first shows what it deletes, keeps and stops (J37).
//!
//! A guardian acts for the young people confirmed as theirs (K44):
//! `POST /account/privacy/for/{minor}/access` and `…/erasure` open requests made by the
//! guardian (the store checks the link, the age range and the policy's guardian rights; the
//! privacy office verifies the guardian before answering), and
//! `GET /account/privacy/for/{minor}/requests/{id}/data.zip` is the answered copy, for them
//! only; anyone else's address is the same 404 as a stranger's.

use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pledge_policy::model::{IdentityCheck, RightKind};
use pledge_store::StoreError;
use pledge_store::accounts::{ActiveSession, FieldProblem};
use pledge_store::requests::{NewRequest, RequestStatus, Requester};
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use uuid::Uuid;

use crate::accounts::{field, kept, outcome_with, sentence};
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

/// The copy of `owner`'s data for their answered access request `id`, built (and audited) as
/// `reader`'s export; any other id is the same 404 as an unknown one.
async fn answered_copy(
    server: &Server,
    owner: pledge_domain::PersonId,
    id: &str,
    reader: pledge_domain::PersonId,
    filename: &str,
) -> Response {
    let Ok(id) = Uuid::parse_str(id) else {
        return not_found();
    };
    let store = &server.portal.store;
    let requests = match store.requests_for(owner).await {
        Ok(requests) => requests,
        Err(error) => return unavailable(&error),
    };
    let answered = requests
        .iter()
        .any(|r| r.id == id && r.kind == RightKind::Access && r.status == RequestStatus::Completed);
    if !answered {
        return not_found();
    }
    match store
        .export_bundle(owner, store.audit().actor(reader), now())
        .await
    {
        Ok(zip) => zip_download(zip, filename),
        Err(error) => unavailable(&error),
    }
}

/// A copy of someone's data as a download that no cache keeps.
fn zip_download(zip: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        zip,
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
    answered_copy(&server, session.person, &id, session.person, "my-data.zip").await
}

/// The longest text a request form takes.
const MAX_DETAILS: usize = 2000;

/// What the person wrote in `name`, trimmed; a problem when it is too long.
fn text_of<'f>(
    fields: &'f std::collections::BTreeMap<String, String>,
    name: &'static str,
    problems: &mut Vec<FieldProblem>,
) -> &'f str {
    let text = field(fields, name).trim();
    if text.chars().count() > MAX_DETAILS {
        problems.push(FieldProblem {
            field: name,
            message: format!("Keep it under {MAX_DETAILS} characters."),
        });
    }
    text
}

/// The details a request of `kind` is recorded with, from its form; or what is wrong with it.
fn details_for(
    kind: RightKind,
    fields: &std::collections::BTreeMap<String, String>,
    policy: &pledge_policy::ValidPolicy,
) -> Result<String, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let details = match kind {
        RightKind::Rectification => {
            let text = text_of(fields, "details", &mut problems);
            if text.is_empty() {
                problems.push(FieldProblem {
                    field: "details",
                    message: "Say what is wrong and what it should say.".to_owned(),
                });
            }
            text.to_owned()
        }
        RightKind::Restriction => {
            let purposes: Vec<String> = policy
                .policy()
                .purposes
                .iter()
                .map(|p| p.id.to_string())
                .filter(|id| field(fields, &format!("purpose-{id}")) == "on")
                .collect();
            if purposes.is_empty() {
                problems.push(FieldProblem {
                    field: "purposes",
                    message: "Choose at least one use of your data to restrict.".to_owned(),
                });
            }
            let reason = text_of(fields, "reason", &mut problems);
            format!("purposes: {}\nreason: {reason}", purposes.join(", "))
        }
        _ => {
            if field(fields, "confirm") != "yes" {
                problems.push(FieldProblem {
                    field: "confirm",
                    message: "Tick the box to confirm you have read what erasure does.".to_owned(),
                });
            }
            let reason = text_of(fields, "reason", &mut problems);
            format!("confirmed after reading what erasure does\nreason: {reason}")
        }
    };
    if problems.is_empty() {
        Ok(details)
    } else {
        Err(problems)
    }
}

/// Records a request of `kind` the privacy office answers, with what the person wrote and the
/// policy's deadline; a form with a problem comes back with it, nothing recorded.
async fn ask(server: Server, request: Request, kind: RightKind, page: &str) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next={page}"));
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let details = match details_for(kind, &fields, policy) {
        Ok(details) => details,
        Err(problems) => {
            let outcome = outcome_with(&fields, problems);
            return server
                .render_at(parts, page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let new = NewRequest {
        requester: Requester::Subject,
        details: Some(&details),
        received: now(),
    };
    let actor = store.audit().actor(session.person);
    match store
        .open_request_as(session.person, kind, policy, new, actor)
        .await
    {
        Ok(_) => see_other(&format!("{CENTRE}?requested=1")),
        Err(error @ StoreError::RightNotOffered(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            server
                .render_at(parts, page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /account/privacy/consents/withdraw`: withdraws one of the signed-in person's
/// consents to a purpose, deleting what was kept only because of it.
pub async fn withdraw_consent(State(server): State<Server>, request: Request) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next={CENTRE}"));
    };
    let policy = &server.portal.policy;
    let purpose = field(&fields, "purpose");
    let shown = format!(
        "Withdraw my consent to {} (privacy centre, policy version {}).",
        portal_app::privacy_centre::consent_what(policy, purpose),
        policy.policy().policy.version
    );
    match server
        .portal
        .store
        .withdraw_consent(policy, session.person, purpose, &shown, now())
        .await
    {
        Ok(()) => see_other(&format!("{CENTRE}?withdrawn=1")),
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            server
                .render_at(parts, CENTRE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /account/privacy/correction`.
pub async fn request_correction(State(server): State<Server>, request: Request) -> Response {
    ask(server, request, RightKind::Rectification, CENTRE).await
}

/// `POST /account/privacy/restriction`.
pub async fn request_restriction(State(server): State<Server>, request: Request) -> Response {
    ask(server, request, RightKind::Restriction, CENTRE).await
}

/// `POST /account/privacy/erasure`: asked for from the page that shows what erasure does.
pub async fn request_erasure(State(server): State<Server>, request: Request) -> Response {
    ask(
        server,
        request,
        RightKind::Erasure,
        "/account/privacy/erasure",
    )
    .await
}

/// The young person a guardian's address names, when the signed-in person is their confirmed
/// guardian; otherwise the answer to give (sign in, or the same 404 as for a stranger).
async fn ward_of(
    server: &Server,
    parts: &axum::http::request::Parts,
    minor: &str,
) -> Result<(ActiveSession, pledge_domain::PersonId), Response> {
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return Err(see_other(&format!("/signin?next={CENTRE}")));
    };
    let not_yours = || {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "You act for no such young person.\n",
        )
            .into_response()
    };
    let Ok(id) = Uuid::parse_str(minor) else {
        return Err(not_yours());
    };
    let minor = pledge_domain::PersonId::from_uuid(id);
    match server
        .portal
        .store
        .is_guardian_of(session.person, minor)
        .await
    {
        Ok(true) => Ok((session, minor)),
        Ok(false) => Err(not_yours()),
        Err(error) => Err(unavailable(&error)),
    }
}

/// Opens a request of `kind` for `minor`, made by their guardian (K44); the privacy office
/// checks the guardian and answers it.
async fn ask_as_guardian(
    server: Server,
    request: Request,
    minor: String,
    kind: RightKind,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let (session, minor) = match ward_of(&server, &parts, &minor).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let details = match kind {
        RightKind::Erasure if field(&fields, "confirm") != "yes" => {
            let outcome = FormOutcome::message(
                kept(&fields),
                "Tick the box to confirm you understand erasure cannot be undone.",
            );
            return server
                .render_at(parts, CENTRE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        RightKind::Erasure => {
            Some("asked for by their guardian, who confirmed it cannot be undone")
        }
        _ => None,
    };
    let store = &server.portal.store;
    let new = NewRequest {
        requester: Requester::Guardian(session.person),
        details,
        received: now(),
    };
    let actor = store.audit().actor(session.person);
    match store
        .open_request_as(minor, kind, &server.portal.policy, new, actor)
        .await
    {
        Ok(_) => see_other(&format!("{CENTRE}?requested=1")),
        Err(error @ (StoreError::NotAllowedToAct(_) | StoreError::RightNotOffered(_))) => {
            let outcome = FormOutcome::message(Default::default(), sentence(&error.to_string()));
            server
                .render_at(parts, CENTRE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /account/privacy/for/{minor}/access`: a guardian asks for a copy of a young
/// person's data.
pub async fn guardian_access(
    State(server): State<Server>,
    Path(minor): Path<String>,
    request: Request,
) -> Response {
    ask_as_guardian(server, request, minor, RightKind::Access).await
}

/// `POST /account/privacy/for/{minor}/erasure`: a guardian asks for a young person's data to
/// be erased.
pub async fn guardian_erasure(
    State(server): State<Server>,
    Path(minor): Path<String>,
    request: Request,
) -> Response {
    ask_as_guardian(server, request, minor, RightKind::Erasure).await
}

/// `GET /account/privacy/for/{minor}/requests/{id}/data.zip`: the copy of a young person's
/// data, for their guardian, once the access request is answered.
pub async fn guardian_download(
    State(server): State<Server>,
    Path((minor, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let (session, minor) = match ward_of(&server, &parts, &minor).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    answered_copy(&server, minor, &id, session.person, "their-data.zip").await
}

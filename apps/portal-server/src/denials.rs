//! Refusals on the record (ASVS V7: log failed authorisation). Every answer that refuses a
//! signed-in person something that is not theirs — a 403 anywhere, or the 404 that an owner's
//! page or a staff role's object page gives so as not to reveal that the thing exists — writes
//! an audit entry ending `denied`, naming the actor and the ids the address carried. The
//! office's audit log filters on them, and raises an alert for an actor refused again and
//! again (`pledge_store::audit_trail::denial_alerts`).
//!
//! The rule is read from the authorisation table ([`crate::access`]), so a "not found" for
//! an address that names no object (an unknown course) is not a refusal.

use std::collections::BTreeSet;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use pledge_audit::Action;
use pledge_domain::RecordId;
use pledge_store::accounts::ActiveSession;
use portal_app::state::now;

use crate::access::{Caller, caller_of};
use crate::web::Server;

/// Whether answering `status` to a request for a route ruled by `caller` refuses the person
/// something they may not have.
fn is_refusal(status: StatusCode, caller: Caller) -> bool {
    status == StatusCode::FORBIDDEN
        || status == StatusCode::NOT_FOUND
            && matches!(caller, Caller::Owner | Caller::RoleObject(_))
}

/// The ids an address names, in its path or its query: what the attempt was after.
fn ids_in(path: &str, query: Option<&str>) -> BTreeSet<RecordId> {
    let query_values = query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('=').map(|(_, value)| value));
    path.split('/')
        .chain(query_values)
        .filter_map(|part| uuid::Uuid::parse_str(part).ok())
        .map(RecordId::from_uuid)
        .collect()
}

/// Records the refusals of signed-in people (see the module documentation). A refusal that
/// cannot be recorded is logged; the person still gets their answer.
pub async fn record_refusals(
    State(server): State<Server>,
    request: Request,
    next: Next,
) -> Response {
    let session = request.extensions().get::<ActiveSession>().cloned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let response = next.run(request).await;
    let Some(session) = session else {
        return response;
    };
    let status = response.status();
    if status != StatusCode::FORBIDDEN && status != StatusCode::NOT_FOUND {
        return response;
    }
    let Some(caller) = caller_of(method.as_str(), &path) else {
        return response;
    };
    if !is_refusal(status, caller) {
        return response;
    }
    let store = &server.portal.store;
    let action = if method == Method::GET {
        Action::Read
    } else {
        Action::Update
    };
    let objects = ids_in(&path, query.as_deref());
    if let Err(error) = store
        .record_denial(store.audit().actor(session.person), action, objects, now())
        .await
    {
        eprintln!("portal: a refused attempt on {path} could not be recorded: {error}");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::{Caller, StatusCode, ids_in, is_refusal};

    #[test]
    fn refusals_are_403s_and_the_404s_that_hide_someone_elses_object() {
        assert!(is_refusal(StatusCode::FORBIDDEN, Caller::SignedIn));
        assert!(is_refusal(StatusCode::NOT_FOUND, Caller::Owner));
        assert!(is_refusal(
            StatusCode::NOT_FOUND,
            Caller::RoleObject("finance")
        ));
        assert!(
            !is_refusal(StatusCode::NOT_FOUND, Caller::Anyone),
            "an unknown course"
        );
        assert!(!is_refusal(StatusCode::NOT_FOUND, Caller::SignedIn));
    }

    #[test]
    fn the_ids_an_address_names_are_kept() {
        let id = "0199a2b4-0000-7000-8000-000000000001";
        assert_eq!(ids_in(&format!("/payments/{id}"), None).len(), 1);
        assert_eq!(
            ids_in("/api/payment", Some(&format!("id={id}&x=1"))).len(),
            1
        );
        assert!(ids_in("/courses/career-planning", None).is_empty());
    }
}

//! The privacy office's forms, for privacy officers only (anyone else gets the page with a
//! 403; without a session, the sign-in page).
//!
//! - `POST /office/requests/{id}/verify`: how the requester's identity was checked.
//! - `POST /office/requests/{id}/extend`: the one extension the policy allows (the person is
//!   told, through the outbox).
//! - `POST /office/requests/{id}/refuse`: refused with a reason the person is told.
//! - `POST /office/requests/{id}/answer`: carries out what was asked (the correction, the
//!   restriction, the erasure) through the store, then marks the request answered (the person
//!   is told). Nothing is carried out before the identity check is on record; an erasure a
//!   legal hold stops changes nothing and says so. Each step is idempotent, so answering again
//!   after a failure finishes the job.
//! - `POST /office/retention/apply` starts a retention sweep in the background.
//! - `POST /office/audit/checkpoint` signs a checkpoint of the audit chain.
//! - `POST /office/holds` places a legal hold on the person with an address;
//!   `POST /office/holds/{id}/release` releases one.

use std::collections::BTreeMap;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use pledge_domain::{PersonId, PurposeId, Role};
use pledge_policy::model::RightKind;
use pledge_store::StoreError;
use pledge_store::accounts::{ActiveSession, FieldProblem};
use pledge_store::workflow::{Correction, parse_method};
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use uuid::Uuid;

use crate::accounts::{field, kept, outcome_with, sentence};
use crate::web::{Server, read_form, see_other, unavailable};

/// A form posted by a privacy officer about the page at `page`.
struct OfficeForm {
    parts: Parts,
    fields: BTreeMap<String, String>,
    officer: PersonId,
    page: String,
}

impl OfficeForm {
    /// The page again with `message` at the top, what was typed kept.
    async fn refuse(self, server: &Server, message: &str) -> Response {
        let outcome = FormOutcome::message(kept(&self.fields), sentence(message));
        server
            .render_at(
                self.parts,
                &self.page,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
    }

    /// The answer to a request change the store made or refused: back to the page saying
    /// `done` (the outbox woken for the notice it queued), or the page again with the refusal.
    async fn settle<T>(
        self,
        server: &Server,
        result: Result<T, StoreError>,
        done_code: &str,
    ) -> Response {
        match result {
            Ok(_) => done(server, &self.page, done_code),
            Err(StoreError::RequestNotFound(_)) => no_such("request"),
            Err(
                error @ (StoreError::Invalid(_)
                | StoreError::RequestClosed(_)
                | StoreError::ExtensionNotAllowed(_)
                | StoreError::IdentityNotVerified(_)),
            ) => self.refuse(server, &error.to_string()).await,
            Err(error) => unavailable(&error),
        }
    }

    /// The page again with `problem` next to its field.
    async fn refuse_field(self, server: &Server, problem: FieldProblem) -> Response {
        let outcome = outcome_with(&self.fields, vec![problem]);
        server
            .render_at(
                self.parts,
                &self.page,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
    }
}

/// Reads a form about `page`; anyone but a privacy officer is answered here.
async fn office_form(
    server: &Server,
    request: Request,
    page: String,
) -> Result<OfficeForm, Response> {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return Err(see_other(&format!("/signin?next={page}")));
    };
    if !session.has(Role::PrivacyOfficer) {
        return Err(server
            .render_at(parts, &page, FormOutcome::default(), StatusCode::FORBIDDEN)
            .await);
    }
    Ok(OfficeForm {
        parts,
        fields,
        officer: session.person,
        page,
    })
}

/// Back to `page` saying what was done, with the outbox woken for the notice the change queued.
fn done(server: &Server, page: &str, what: &str) -> Response {
    server.outbox_wake.notify_one();
    see_other(&format!("{page}?done={what}"))
}

fn no_such(what: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("There is no such {what}.\n")).into_response()
}

/// The request page's address and the request's id, when `id` is one.
pub(crate) fn request_page(id: &str) -> Option<(Uuid, String)> {
    let id = Uuid::parse_str(id).ok()?;
    Some((id, format!("/office/requests/{id}")))
}

/// Reads a form about the request `id`: an id that is none is not found, and anyone but a
/// privacy officer is answered here.
async fn request_form(
    server: &Server,
    id: &str,
    request: Request,
) -> Result<(Uuid, OfficeForm), Response> {
    let Some((id, page)) = request_page(id) else {
        return Err(no_such("request"));
    };
    Ok((id, office_form(server, request, page).await?))
}

/// `POST /office/requests/{id}/verify`.
pub async fn verify(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (id, form) = match request_form(&server, &id, request).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let Some(method) = parse_method(field(&form.fields, "method")) else {
        return form
            .refuse(&server, "choose how their identity was checked")
            .await;
    };
    let store = &server.portal.store;
    let actor = store.audit().actor(form.officer);
    let checked = store
        .verify_identity(
            id,
            method,
            &server.portal.policy,
            Some(form.officer),
            actor,
            now(),
        )
        .await;
    form.settle(&server, checked, "identity").await
}

/// `POST /office/requests/{id}/extend`.
pub async fn extend(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (id, form) = match request_form(&server, &id, request).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let store = &server.portal.store;
    let actor = store.audit().actor(form.officer);
    let extended = store
        .extend_request(id, &server.portal.policy, actor, now())
        .await;
    form.settle(&server, extended, "extended").await
}

/// `POST /office/requests/{id}/refuse`.
pub async fn refuse(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (id, form) = match request_form(&server, &id, request).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let reason = field(&form.fields, "reason").trim().to_owned();
    if reason.is_empty() {
        let problem = FieldProblem {
            field: "reason",
            message: "Give the reason the person will read.".to_owned(),
        };
        return form.refuse_field(&server, problem).await;
    }
    let store = &server.portal.store;
    let actor = store.audit().actor(form.officer);
    let refused = store.refuse_request(id, &reason, actor, now()).await;
    form.settle(&server, refused, "refused").await
}

/// What an answer form asks the store to carry out before the request is marked answered.
enum Carry {
    Nothing,
    Correct(Correction, String),
    Restrict(Vec<PurposeId>),
    Erase,
}

/// Reads the answer form for a request of `kind`; or the problem with it.
fn carry_for(
    kind: RightKind,
    fields: &BTreeMap<String, String>,
    policy: &pledge_policy::ValidPolicy,
) -> Result<Carry, FieldProblem> {
    match kind {
        RightKind::Rectification => {
            let which = match field(fields, "field") {
                "email" => Correction::Email,
                _ => Correction::DisplayName,
            };
            let value = field(fields, "value").trim();
            if value.is_empty() {
                return Err(FieldProblem {
                    field: "value",
                    message: "Enter the corrected value.".to_owned(),
                });
            }
            Ok(Carry::Correct(which, value.to_owned()))
        }
        RightKind::Restriction => {
            let purposes: Vec<PurposeId> = policy
                .policy()
                .purposes
                .iter()
                .filter(|p| field(fields, &format!("purpose-{}", p.id)) == "on")
                .map(|p| p.id.clone())
                .collect();
            if purposes.is_empty() {
                return Err(FieldProblem {
                    field: "purposes",
                    message: "Choose at least one use to restrict.".to_owned(),
                });
            }
            Ok(Carry::Restrict(purposes))
        }
        RightKind::Erasure => {
            if field(fields, "confirm") != "yes" {
                return Err(FieldProblem {
                    field: "confirm",
                    message: "Tick the box to confirm there are no grounds to refuse.".to_owned(),
                });
            }
            Ok(Carry::Erase)
        }
        _ => Ok(Carry::Nothing),
    }
}

/// `POST /office/requests/{id}/answer`.
pub async fn answer(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (id, form) = match request_form(&server, &id, request).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let queued = match store.queued_request(id, form.officer, now()).await {
        Ok(queued) => queued,
        Err(StoreError::RequestNotFound(_)) => return no_such("request"),
        Err(error) => return unavailable(&error),
    };
    if queued.identity_method.is_none() {
        return form
            .refuse(&server, "check their identity before answering")
            .await;
    }
    let carry = match carry_for(queued.request.kind, &form.fields, policy) {
        Ok(carry) => carry,
        Err(problem) => return form.refuse_field(&server, problem).await,
    };
    let person = queued.request.person;
    let actor = store.audit().actor(form.officer);
    let carried = match carry {
        Carry::Nothing => Ok(()),
        Carry::Correct(which, value) => store
            .correct_person(person, which, &value, policy, actor, now())
            .await
            .map(drop),
        Carry::Restrict(purposes) => {
            let grounds = queued.details.clone().unwrap_or_default();
            store
                .restrict_processing(person, &purposes, &grounds, policy, actor, now())
                .await
                .map(drop)
        }
        Carry::Erase => store
            .erase_person(person, policy, actor, now())
            .await
            .map(drop),
    };
    match carried {
        Ok(()) => {}
        Err(StoreError::Held { .. }) => {
            return form
                .refuse(
                    &server,
                    "a legal hold is in force on this person: nothing was erased. Refuse the request with the reason, or release the hold first",
                )
                .await;
        }
        Err(error @ (StoreError::Invalid(_) | StoreError::Erased(_))) => {
            return form.refuse(&server, &error.to_string()).await;
        }
        Err(error) => return unavailable(&error),
    }
    let completed = store.complete_request(id, actor, now()).await;
    form.settle(&server, completed, "answered").await
}

/// `POST /office/audit/checkpoint`: signs a checkpoint of the chain as it stands (a damaged
/// chain is not signed over), then shows the check.
pub async fn sign_checkpoint(State(server): State<Server>, request: Request) -> Response {
    let form = match office_form(&server, request, "/office/audit".to_owned()).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match server.portal.store.sign_checkpoint().await {
        Ok(_) => see_other(&format!("{}?verify=1", form.page)),
        Err(error) => unavailable(&error),
    }
}

/// `POST /office/retention/apply`: starts a sweep that applies the retention schedule, in
/// the background (the dashboard shows its progress, recorded after every batch); an
/// interrupted sweep leaves its finished batches done and the next one carries on.
pub async fn apply_retention(State(server): State<Server>, request: Request) -> Response {
    let form = match office_form(&server, request, "/office/retention".to_owned()).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let store = server.portal.store.clone();
    let policy = server.portal.policy.clone();
    let actor = store.audit().actor(form.officer);
    tokio::spawn(async move {
        let options = pledge_store::sweep::SweepOptions {
            dry_run: false,
            instance: "privacy-office".to_owned(),
            ..Default::default()
        };
        if let Err(error) = store.sweep(&policy, &options, actor, now(), |_| {}).await {
            eprintln!("portal: the retention sweep stopped: {error}");
        }
    });
    see_other(&format!("{}?applying=1", form.page))
}

const HOLDS: &str = "/office/holds";

/// The end of the day `text` (`YYYY-MM-DD`) names, in UTC; `None` for an empty field.
pub(crate) fn expiry(text: &str) -> Result<Option<time::OffsetDateTime>, FieldProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format)
        .ok()
        .and_then(|day| day.with_hms(23, 59, 59).ok())
        .map(|at| Some(at.assume_utc()))
        .ok_or(FieldProblem {
            field: "expires",
            message: "Write the date as YYYY-MM-DD, or leave it empty.".to_owned(),
        })
}

/// `POST /office/holds`: places a hold on the person with the given address.
pub async fn place_hold(State(server): State<Server>, request: Request) -> Response {
    let form = match office_form(&server, request, HOLDS.to_owned()).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let expires = match expiry(field(&form.fields, "expires")) {
        Ok(expires) => expires,
        Err(problem) => return form.refuse_field(&server, problem).await,
    };
    let store = &server.portal.store;
    let person = match store.account_by_email(field(&form.fields, "email")).await {
        Ok(Some(person)) => person,
        Ok(None) => {
            let problem = FieldProblem {
                field: "email",
                message: "Nobody has an account with this address.".to_owned(),
            };
            return form.refuse_field(&server, problem).await;
        }
        Err(error) => return unavailable(&error),
    };
    let actor = store.audit().actor(form.officer);
    let reason = field(&form.fields, "reason").to_owned();
    let owner = field(&form.fields, "owner").to_owned();
    match store
        .place_hold(person, &reason, &owner, expires, actor, now())
        .await
    {
        Ok(_) => see_other(&format!("{HOLDS}?changed=1")),
        Err(error @ StoreError::Invalid(_)) => form.refuse(&server, &error.to_string()).await,
        Err(error) => unavailable(&error),
    }
}

/// `POST /office/holds/{id}/release`.
pub async fn release_hold(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return no_such("legal hold");
    };
    let form = match office_form(&server, request, HOLDS.to_owned()).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let store = &server.portal.store;
    let actor = store.audit().actor(form.officer);
    match store.release_hold(id, actor, now()).await {
        Ok(()) => see_other(&format!("{HOLDS}?changed=1")),
        Err(StoreError::HoldNotFound(_)) => no_such("legal hold"),
        Err(error) => unavailable(&error),
    }
}

const PARTNERS: &str = "/office/partners";

/// `POST /office/partners/forwarded/{id}/confirm`: the partner confirmed it acted on a
/// forwarded request (J09, K21); the office's tracking of it ends.
pub async fn confirm_forwarded(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return no_such("forwarded request");
    };
    let form = match office_form(&server, request, PARTNERS.to_owned()).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match server
        .portal
        .store
        .confirm_forwarded(id, form.officer, now())
        .await
    {
        Ok(()) => see_other(&format!("{PARTNERS}?confirmed=1")),
        Err(StoreError::Invalid(_)) => no_such("forwarded request"),
        Err(error) => unavailable(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_expires_at_the_end_of_the_day_it_names() {
        let at = expiry("2027-03-31").unwrap().unwrap();
        assert_eq!((at.year(), at.hour(), at.minute()), (2027, 23, 59));
        assert_eq!(expiry("  ").unwrap(), None);
        assert_eq!(expiry("31/03/2027").unwrap_err().field, "expires");
    }
}

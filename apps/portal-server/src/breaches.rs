//! The breach register's forms, for privacy officers only: `POST /office/breaches` records an
//! incident (the store computes whom it affected), `POST /office/breaches/{id}/notify` queues
//! the notice to everyone not yet told, `POST /office/breaches/{id}/reported` records that the
//! report was filed with the supervisory authority.

use std::collections::BTreeMap;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use pledge_domain::{CategoryId, PersonId, Role};
use pledge_store::StoreError;
use pledge_store::accounts::{ActiveSession, FieldProblem};
use pledge_store::breaches::{Exposure, NewBreach};
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{field, kept, outcome_with, sentence};
use crate::web::{Server, read_form, see_other, unavailable};

const REGISTER: &str = "/office/breaches";

/// A privacy officer's form: its head and fields and who posted it; anyone else is answered.
async fn officer_form(
    server: &Server,
    request: Request,
    page: &str,
) -> Result<(Parts, BTreeMap<String, String>, PersonId), Response> {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return Err(see_other(&format!("/signin?next={page}")));
    };
    if !session.has(Role::PrivacyOfficer) {
        return Err(server
            .render_at(parts, page, FormOutcome::default(), StatusCode::FORBIDDEN)
            .await);
    }
    Ok((parts, fields, session.person))
}

/// A time typed as `YYYY-MM-DD HH:MM` (UTC).
pub(crate) fn moment(
    text: &str,
    name: &'static str,
) -> Result<Option<OffsetDateTime>, FieldProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::PrimitiveDateTime::parse(text, format)
        .map(|at| Some(at.assume_utc()))
        .map_err(|_| FieldProblem {
            field: name,
            message: "Write it as YYYY-MM-DD HH:MM (UTC).".to_owned(),
        })
}

/// The incident a register form describes, or what is wrong with it.
async fn incident<'f>(
    server: &Server,
    fields: &'f BTreeMap<String, String>,
) -> Result<Result<NewBreach<'f>, Vec<FieldProblem>>, StoreError> {
    let mut problems = Vec::new();
    let categories: Vec<CategoryId> = server
        .portal
        .policy
        .policy()
        .categories
        .iter()
        .filter(|c| field(fields, &format!("category-{}", c.id)) == "on")
        .map(|c| c.id.clone())
        .collect();
    if categories.is_empty() {
        problems.push(FieldProblem {
            field: "categories",
            message: "Tick the data the incident involved.".to_owned(),
        });
    }
    let discovered = match moment(field(fields, "discovered"), "discovered") {
        Ok(Some(at)) => Some(at),
        Ok(None) => {
            problems.push(FieldProblem {
                field: "discovered",
                message: "Say when it was discovered: the clocks start there.".to_owned(),
            });
            None
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let occurred = moment(field(fields, "occurred"), "occurred").unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    let exposure = if field(fields, "exposure") == "reads" {
        let actor = match field(fields, "actor").trim() {
            "" => None,
            email => match server.portal.store.account_by_email(email).await? {
                Some(person) => Some(person),
                None => {
                    problems.push(FieldProblem {
                        field: "actor",
                        message: "Nobody has an account with this address.".to_owned(),
                    });
                    None
                }
            },
        };
        match (occurred, discovered) {
            (Some(from), Some(until)) => Exposure::ReadsBetween { from, until, actor },
            _ => {
                problems.push(FieldProblem {
                    field: "occurred",
                    message: "Reads are looked for from when it happened to when it was discovered: give both.".to_owned(),
                });
                Exposure::Holdings
            }
        }
    } else {
        Exposure::Holdings
    };
    let (Some(discovered), true) = (discovered, problems.is_empty()) else {
        return Ok(Err(problems));
    };
    Ok(Ok(NewBreach {
        title: field(fields, "title"),
        what_happened: field(fields, "what_happened"),
        steps_taken: field(fields, "steps_taken"),
        categories,
        occurred_at: occurred,
        discovered_at: discovered,
        exposure,
    }))
}

/// `POST /office/breaches`: records an incident and the people it affected.
pub async fn record(State(server): State<Server>, request: Request) -> Response {
    let (parts, fields, officer) = match officer_form(&server, request, REGISTER).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let new = match incident(&server, &fields).await {
        Ok(Ok(new)) => new,
        Ok(Err(problems)) => {
            let outcome = outcome_with(&fields, problems);
            return server
                .render_at(parts, REGISTER, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        Err(error) => return unavailable(&error),
    };
    let store = &server.portal.store;
    let actor = store.audit().actor(officer);
    match store
        .record_breach(&server.portal.policy, &new, actor, now())
        .await
    {
        Ok(id) => see_other(&format!("{REGISTER}/{id}?done=recorded")),
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            server
                .render_at(parts, REGISTER, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

fn no_such_breach() -> Response {
    (StatusCode::NOT_FOUND, "There is no such breach.\n").into_response()
}

/// A privacy officer's form about the breach `id`: its id, its page and the officer.
async fn breach_form(
    server: &Server,
    id: &str,
    request: Request,
) -> Result<(Uuid, String, PersonId), Response> {
    let Ok(id) = Uuid::parse_str(id) else {
        return Err(no_such_breach());
    };
    let page = format!("{REGISTER}/{id}");
    let (_, _, officer) = officer_form(server, request, &page).await?;
    Ok((id, page, officer))
}

/// `POST /office/breaches/{id}/notify`: queues the notice to everyone not yet told.
pub async fn notify(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (id, page, officer) = match breach_form(&server, &id, request).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    let Ok(breach) = store.breach(id).await else {
        return no_such_breach();
    };
    let (subject, text) = portal_app::breaches::notice_text(policy, &breach);
    let actor = store.audit().actor(officer);
    match store
        .notify_breach_people(policy, id, &subject, &text, actor, now())
        .await
    {
        Ok(_) => {
            server.outbox_wake.notify_one();
            see_other(&format!("{page}?done=notified"))
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /office/breaches/{id}/reported`: the report was filed with the authority.
pub async fn reported(
    State(server): State<Server>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (id, page, officer) = match breach_form(&server, &id, request).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let store = &server.portal.store;
    let actor = store.audit().actor(officer);
    match store.mark_breach_reported(id, actor, now()).await {
        Ok(()) => see_other(&format!("{page}?done=reported")),
        Err(StoreError::Invalid(_)) => no_such_breach(),
        Err(error) => unavailable(&error),
    }
}

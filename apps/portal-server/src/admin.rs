//! The administrator's forms: assigning instructors to courses and ending assignments
//! (`/admin/teaching`), and recording that a funder pays for a learner's course
//! (`/admin/funding`). Only administrators; everyone else gets the page with a 403.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pledge_domain::{PersonId, Role};
use pledge_store::StoreError;
use pledge_store::accounts::ActiveSession;
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use uuid::Uuid;

use crate::accounts::{field, kept, outcome_with, sentence};
use crate::web::{Server, read_form, see_other, unavailable};

const PAGE: &str = "/admin/teaching";

/// What an assignment form names: the instructor and the course.
pub(crate) fn chosen(
    fields: &std::collections::BTreeMap<String, String>,
) -> Option<(PersonId, Uuid)> {
    let instructor = field(fields, "instructor").parse::<Uuid>().ok()?;
    let course = field(fields, "course").parse::<Uuid>().ok()?;
    Some((PersonId::from_uuid(instructor), course))
}

/// An assignment form from an administrator, read: who posted it, the instructor and the
/// course it names, and the request's head and fields (for a refusal).
struct AssignmentForm {
    parts: axum::http::request::Parts,
    fields: std::collections::BTreeMap<String, String>,
    admin: PersonId,
    instructor: PersonId,
    course: Uuid,
}

/// Reads an assignment form; anyone but an administrator gets the page with a 403, and a form
/// that names no valid instructor and course gets it again with a message.
async fn assignment_form(server: &Server, request: Request) -> Result<AssignmentForm, Response> {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return Err(see_other("/signin?next=/admin/teaching"));
    };
    if !session.has(Role::Administrator) {
        return Err(server
            .render_at(parts, PAGE, FormOutcome::default(), StatusCode::FORBIDDEN)
            .await);
    }
    let Some((instructor, course)) = chosen(&fields) else {
        let error = StoreError::Invalid("choose an instructor and a course from the lists");
        return Err(refuse(server, parts, &fields, &error).await);
    };
    Ok(AssignmentForm {
        parts,
        fields,
        admin: session.person,
        instructor,
        course,
    })
}

/// The page again with `error` at the top of the form, the choices kept.
async fn refuse(
    server: &Server,
    parts: axum::http::request::Parts,
    fields: &std::collections::BTreeMap<String, String>,
    error: &StoreError,
) -> Response {
    let outcome = FormOutcome::message(kept(fields), sentence(&error.to_string()));
    server
        .render_at(parts, PAGE, outcome, StatusCode::UNPROCESSABLE_ENTITY)
        .await
}

/// `POST /admin/teaching/assign`: `instructor` teaches `course` from now on.
pub async fn assign(State(server): State<Server>, request: Request) -> Response {
    let form = match assignment_form(&server, request).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    match store
        .assign_instructor(
            policy,
            form.course,
            form.instructor,
            Some(form.admin),
            now(),
        )
        .await
    {
        Ok(()) => see_other("/admin/teaching?changed=1"),
        Err(error @ (StoreError::Invalid(_) | StoreError::NoSuchCourse)) => {
            refuse(&server, form.parts, &form.fields, &error).await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /admin/teaching/unassign`: `instructor` no longer teaches `course`.
pub async fn unassign(State(server): State<Server>, request: Request) -> Response {
    let form = match assignment_form(&server, request).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let store = &server.portal.store;
    let policy = &server.portal.policy;
    match store
        .unassign_instructor(policy, form.course, form.instructor, form.admin, now())
        .await
    {
        Ok(()) => see_other("/admin/teaching?changed=1"),
        Err(error) => unavailable(&error),
    }
}

/// `POST /admin/funding`: the course at `course` of the learner with address `email` is paid
/// for by `funder`; their results there go to the funder from now on, recorded (J40).
pub async fn record_funding(State(server): State<Server>, request: Request) -> Response {
    const FUNDING: &str = "/admin/funding";
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/admin/funding");
    };
    if !session.has(Role::Administrator) {
        return server
            .render_at(
                parts,
                FUNDING,
                FormOutcome::default(),
                StatusCode::FORBIDDEN,
            )
            .await;
    }
    let problem = |name: &'static str, message: &str| {
        outcome_with(
            &fields,
            vec![pledge_store::accounts::FieldProblem {
                field: name,
                message: message.to_owned(),
            }],
        )
    };
    let store = &server.portal.store;
    let learner = match store.account_by_email(field(&fields, "email").trim()).await {
        Ok(Some(learner)) => learner,
        Ok(None) => {
            let outcome = problem("email", "No account has this email address.");
            return server
                .render_at(parts, FUNDING, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        Err(error) => return unavailable(&error),
    };
    let actor = store.audit().actor(session.person);
    let outcome = match store
        .set_funder(
            &server.portal.policy,
            actor,
            learner,
            field(&fields, "course"),
            field(&fields, "funder"),
            now(),
        )
        .await
    {
        Ok(()) => return see_other("/admin/funding?changed=1"),
        Err(StoreError::NotEnrolled) => {
            problem("course", "This learner is not enrolled in this course.")
        }
        Err(StoreError::DisclosureRefused(_)) => {
            FormOutcome::message(kept(&fields), "Choose a funder from the list.")
        }
        Err(error) => return unavailable(&error),
    };
    server
        .render_at(parts, FUNDING, outcome, StatusCode::UNPROCESSABLE_ENTITY)
        .await
}

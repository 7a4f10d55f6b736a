//! The learning forms' handlers: enrolling in a free course, and finishing a lesson (which
//! moves on to the next, or back to "your learning" once the course is complete).

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pledge_store::StoreError;
use pledge_store::accounts::ActiveSession;
use portal_app::forms::FormOutcome;
use portal_app::state::now;

use crate::accounts::sentence;
use crate::web::{Server, read_form, see_other, unavailable};

/// `POST /courses/{slug}/enrol`: a free course; paid ones wait for their payment.
pub async fn enrol(
    State(server): State<Server>,
    Path(slug): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/courses/{slug}"));
    };
    let store = &server.portal.store;
    match store
        .enrol_free(session.person, &slug, &server.portal.policy, now())
        .await
    {
        Ok(_) => see_other(&format!("/learn/{slug}/1")),
        // The course page says there is no such course, with the status to match.
        Err(StoreError::NoSuchCourse) => {
            let page = format!("/courses/{slug}");
            server
                .render_at(parts, &page, FormOutcome::default(), StatusCode::NOT_FOUND)
                .await
        }
        Err(error @ (StoreError::PaymentRequired | StoreError::Invalid(_))) => {
            let outcome = FormOutcome::message(Default::default(), sentence(&error.to_string()));
            let page = format!("/courses/{slug}");
            server
                .render_at(parts, &page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /learn/{slug}/{position}`: the lesson is finished; on to the next one.
pub async fn finish(
    State(server): State<Server>,
    Path((slug, position)): Path<(String, i32)>,
    request: Request,
) -> Response {
    let (parts, _) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/learn/{slug}/{position}"));
    };
    let finished = server
        .portal
        .store
        .finish_lesson(
            session.person,
            &slug,
            position,
            &server.portal.policy,
            now(),
        )
        .await;
    match finished {
        Ok(enrolment) => {
            let next = enrolment
                .lessons
                .iter()
                .find(|l| l.position > position && !enrolment.done.contains(&l.position))
                .or_else(|| enrolment.resume_at());
            match next {
                Some(lesson) => see_other(&format!("/learn/{slug}/{}", lesson.position)),
                None => see_other(&format!("/learn?completed={slug}")),
            }
        }
        // The lesson's own page says why, with the status to match.
        Err(StoreError::NotEnrolled) => {
            server
                .render(parts, FormOutcome::default(), StatusCode::FORBIDDEN)
                .await
        }
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(Default::default(), error.to_string());
            server.refuse(parts, outcome).await
        }
        Err(error) => unavailable(&error),
    }
}

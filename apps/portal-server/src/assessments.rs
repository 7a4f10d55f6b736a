//! The assessment forms' handlers: handing in a quiz (marked at once) or an assignment, an
//! instructor's mark with feedback, getting the certificate of a passed course, and the
//! certificate's PDF (for its holder only).

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pledge_domain::Role;
use pledge_store::StoreError;
use pledge_store::accounts::ActiveSession;
use pledge_store::exam_results::RESULTS_FILE;
use portal_app::forms::FormOutcome;
use portal_app::state::now;
use uuid::Uuid;

use crate::accounts::{field, kept, outcome_with, sentence};
use crate::certificate_pdf::{CertificateText, render};
use crate::web::{Server, read_form, see_other, unavailable};

/// The options picked in a quiz form (`q1`, `q2`, … in order), up to `limit` questions.
pub(crate) fn picked(fields: &BTreeMap<String, String>, limit: usize) -> Vec<Option<usize>> {
    (1..=limit)
        .map(|n| fields.get(&format!("q{n}")).and_then(|v| v.parse().ok()))
        .collect()
}

/// Renders the assessments page of `slug` again with `outcome`.
async fn refuse_at(
    server: &Server,
    parts: axum::http::request::Parts,
    slug: &str,
    outcome: FormOutcome,
    status: StatusCode,
) -> Response {
    let page = format!("/learn/{slug}/assessments");
    server.render_at(parts, &page, outcome, status).await
}

/// `POST /learn/{slug}/quiz/{assessment}`.
pub async fn submit_quiz(
    State(server): State<Server>,
    Path((slug, assessment)): Path<(String, Uuid)>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/learn/{slug}/assessments"));
    };
    let answers = picked(&fields, 50);
    match server
        .portal
        .store
        .submit_quiz(
            &server.portal.policy,
            session.person,
            assessment,
            &answers,
            now(),
        )
        .await
    {
        Ok(score) => see_other(&format!("/learn/{slug}/assessments?scored={score}")),
        Err(StoreError::Refused(problems)) => {
            let outcome = outcome_with(&fields, problems);
            refuse_at(
                &server,
                parts,
                &slug,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::NotEnrolled) => {
            refuse_at(
                &server,
                parts,
                &slug,
                FormOutcome::default(),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            refuse_at(
                &server,
                parts,
                &slug,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /learn/{slug}/assignment/{assessment}`.
pub async fn submit_assignment(
    State(server): State<Server>,
    Path((slug, assessment)): Path<(String, Uuid)>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/learn/{slug}/assessments"));
    };
    match server
        .portal
        .store
        .submit_assignment(
            &server.portal.policy,
            session.person,
            assessment,
            field(&fields, "answer"),
            now(),
        )
        .await
    {
        Ok(_) => see_other(&format!("/learn/{slug}/assessments?handed-in=1")),
        Err(StoreError::Refused(problems)) => {
            let outcome = outcome_with(&fields, problems);
            refuse_at(
                &server,
                parts,
                &slug,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::NotEnrolled) => {
            refuse_at(
                &server,
                parts,
                &slug,
                FormOutcome::default(),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            refuse_at(
                &server,
                parts,
                &slug,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /teach/marking/{submission}`: instructors only.
pub async fn mark(
    State(server): State<Server>,
    Path(submission): Path<Uuid>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/teach/marking");
    };
    let page = "/teach/marking";
    if !session.has(Role::Instructor) {
        return server
            .render_at(parts, page, FormOutcome::default(), StatusCode::FORBIDDEN)
            .await;
    }
    let score = field(&fields, "score").trim().parse::<i32>().ok();
    match server
        .portal
        .store
        .mark_submission(
            &server.portal.policy,
            session.person,
            submission,
            score,
            field(&fields, "feedback"),
            now(),
        )
        .await
    {
        Ok(()) => see_other("/teach/marking?marked=1"),
        Err(StoreError::NotTeaching) => {
            server
                .render_at(parts, page, FormOutcome::default(), StatusCode::FORBIDDEN)
                .await
        }
        Err(StoreError::Refused(problems)) => {
            let outcome = outcome_with(&fields, problems);
            server
                .render_at(parts, page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            server
                .render_at(parts, page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /learn/{slug}/certificate`: issues the certificate of a passed course.
pub async fn issue(
    State(server): State<Server>,
    Path(slug): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/learn/{slug}/assessments"));
    };
    match server
        .portal
        .store
        .issue_certificate(&server.portal.policy, session.person, &slug, now())
        .await
    {
        Ok(_) => see_other(&format!("/learn/{slug}/assessments")),
        Err(StoreError::NoSuchCourse) => {
            let outcome = FormOutcome::default();
            refuse_at(&server, parts, &slug, outcome, StatusCode::NOT_FOUND).await
        }
        Err(error @ StoreError::Invalid(_)) => {
            let outcome = FormOutcome::message(BTreeMap::new(), sentence(&error.to_string()));
            refuse_at(
                &server,
                parts,
                &slug,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /learn/{slug}/survey/{survey}`: the voluntary end-of-course survey.
pub async fn answer_survey(
    State(server): State<Server>,
    Path((slug, survey)): Path<(String, Uuid)>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/learn/{slug}/assessments"));
    };
    let rating = field(&fields, "rating").parse::<i32>().ok();
    match server
        .portal
        .store
        .answer_survey(
            &server.portal.policy,
            session.person,
            pledge_store::surveys::SurveyAnswer {
                survey,
                rating,
                comment: field(&fields, "comment"),
                notice: portal_app::assessments::SURVEY_NOTICE,
            },
            now(),
        )
        .await
    {
        Ok(()) => see_other(&format!("/learn/{slug}/assessments")),
        Err(StoreError::Refused(problems)) => {
            let outcome = outcome_with(&fields, problems);
            refuse_at(
                &server,
                parts,
                &slug,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error @ StoreError::ModuleDisabled(_)) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            refuse_at(
                &server,
                parts,
                &slug,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /courses/{slug}/exam`: books the course's exam with its partner body.
pub async fn book_exam(
    State(server): State<Server>,
    Path(slug): Path<String>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/courses/{slug}"));
    };
    let page = format!("/courses/{slug}");
    let sitting = time::OffsetDateTime::parse(
        field(&fields, "sitting_at"),
        &time::format_description::well_known::Rfc3339,
    );
    let booked = match sitting {
        Ok(sitting) => {
            server
                .portal
                .store
                .book_exam(&server.portal.policy, session.person, &slug, sitting, now())
                .await
        }
        Err(_) => Err(StoreError::Invalid("choose one of the exam dates offered")),
    };
    match booked {
        Ok(_) => see_other("/learn/exams"),
        Err(StoreError::NotEnrolled) => {
            server
                .render_at(parts, &page, FormOutcome::default(), StatusCode::FORBIDDEN)
                .await
        }
        Err(
            error @ (StoreError::Refused(_)
            | StoreError::Invalid(_)
            | StoreError::DisclosureRefused(_)),
        ) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            server
                .render_at(parts, &page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(StoreError::Restricted(_)) => {
            let outcome = FormOutcome::message(
                kept(&fields),
                "You have restricted the use of your data for exams, so nothing was sent to the \
                 exam body. Lift the restriction in your privacy centre to book.",
            );
            server
                .render_at(parts, &page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /teach/exams/{booking}`: an instructor enters a result; a funded course's result goes
/// to its funder (recorded).
pub async fn enter_result(
    State(server): State<Server>,
    Path(booking): Path<Uuid>,
    request: Request,
) -> Response {
    let (parts, fields) = read_form(request).await;
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/teach/exams");
    };
    let page = "/teach/exams";
    if !session.has(Role::Instructor) {
        return server
            .render_at(parts, page, FormOutcome::default(), StatusCode::FORBIDDEN)
            .await;
    }
    match server
        .portal
        .store
        .record_exam_result(
            &server.portal.policy,
            session.person,
            booking,
            field(&fields, "result"),
            now(),
        )
        .await
    {
        Ok(funder) => see_other(&format!(
            "/teach/exams?shared={}",
            funder.map(|f| f.to_string()).unwrap_or_default()
        )),
        Err(StoreError::NotTeaching) => {
            server
                .render_at(parts, page, FormOutcome::default(), StatusCode::FORBIDDEN)
                .await
        }
        Err(error @ (StoreError::Refused(_) | StoreError::Invalid(_))) => {
            let outcome = FormOutcome::message(kept(&fields), sentence(&error.to_string()));
            server
                .render_at(parts, page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// `POST /teach/exams/import`: an instructor uploads the results file an exam body sent back
/// (CSV with `candidate` and `result` columns; see [`pledge_store::exam_results`]). A file with
/// any problem is refused as a whole, each problem named; nothing is recorded then.
pub async fn import_results(State(server): State<Server>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let page = "/teach/exams";
    let Some(session) = parts.extensions.get::<ActiveSession>().cloned() else {
        return see_other("/signin?next=/teach/exams");
    };
    if !session.has(Role::Instructor) {
        return server
            .render_at(parts, page, FormOutcome::default(), StatusCode::FORBIDDEN)
            .await;
    }
    let mut upload = Request::new(body);
    *upload.headers_mut() = parts.headers.clone();
    let refuse = async |parts, problem: String| {
        let outcome = FormOutcome {
            problems: BTreeMap::from([(RESULTS_FILE.to_owned(), problem)]),
            message: Some("The file was not imported; no result was recorded.".to_owned()),
            ..FormOutcome::default()
        };
        server
            .render_at(parts, page, outcome, StatusCode::UNPROCESSABLE_ENTITY)
            .await
    };
    let text = match uploaded_text(upload).await {
        Ok(text) => text,
        Err(problem) => return refuse(parts, problem.to_owned()).await,
    };
    match server
        .portal
        .store
        .import_exam_results(&server.portal.policy, session.person, &text, now())
        .await
    {
        Ok(report) => see_other(&format!(
            "/teach/exams?imported={}&unchanged={}&funders={}",
            report.recorded, report.unchanged, report.shared
        )),
        Err(StoreError::Refused(problems)) => {
            let all: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            refuse(parts, all.join(" ")).await
        }
        Err(StoreError::Invalid(reason)) => refuse(parts, sentence(reason)).await,
        Err(StoreError::NotTeaching) => {
            server
                .render_at(parts, page, FormOutcome::default(), StatusCode::FORBIDDEN)
                .await
        }
        Err(error) => unavailable(&error),
    }
}

/// The text of the uploaded results file, or what to tell the instructor.
async fn uploaded_text(request: Request) -> Result<String, &'static str> {
    const CHOOSE: &str = "Choose the results file to upload.";
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|_| CHOOSE)?;
    while let Ok(Some(part)) = multipart.next_field().await {
        if part.name() != Some(RESULTS_FILE) {
            continue;
        }
        let bytes = part
            .bytes()
            .await
            .map_err(|_| "The file could not be read (at most 2 MB): try again.")?;
        if bytes.is_empty() {
            return Err(CHOOSE);
        }
        return String::from_utf8(bytes.to_vec())
            .map_err(|_| "The file is not text: save it as CSV (UTF-8).");
    }
    Err(CHOOSE)
}

/// `GET /certificates/{code}/pdf`: the certificate as a PDF, for its holder only (anyone else
/// checks it on the public page by its code).
pub async fn pdf(
    State(server): State<Server>,
    Path(code): Path<String>,
    request: Request,
) -> Response {
    let Some(session) = request.extensions().get::<ActiveSession>().cloned() else {
        return see_other(&format!("/signin?next=/certificates/{code}/pdf"));
    };
    let policy = &server.portal.policy;
    let certificates = match server
        .portal
        .store
        .certificates_of(policy, session.person, now())
        .await
    {
        Ok(certificates) => certificates,
        Err(error) => return unavailable(&error),
    };
    let code = pledge_store::certificates::normalised_code(&code);
    let Some(certificate) = certificates.into_iter().find(|c| c.code == code) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "You hold no certificate with this code.\n",
        )
            .into_response();
    };
    let text = CertificateText {
        organisation: server.organisation(),
        holder: certificate.holder,
        course: certificate.course,
        issued: certificate.issued_at.date().to_string(),
        code: certificate.code.clone(),
        check_at: format!("{}/certificates/verify", server.public_url),
    };
    match render(&text) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"certificate-{}.pdf\"",
                        certificate.code
                    ),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => unavailable(&error),
    }
}

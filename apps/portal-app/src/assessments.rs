//! Assessments and certificates as people see them: a course's quizzes and assignments with
//! the learner's marks and feedback (`/learn/{slug}/assessments`), the transcript
//! (`/learn/transcript`), the public certificate check (`/certificates/verify`), and the
//! instructors' marking queue (`/teach/marking`).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{FormMessage, FormOutcome, use_outcome};

/// One assessment with the learner's latest submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentView {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `quiz` or `assignment`.
    pub kind: String,
    /// The pass mark.
    pub pass_mark: i32,
    /// What an assignment asks for.
    pub brief: String,
    /// A quiz's questions: (prompt, options).
    pub questions: Vec<(String, Vec<String>)>,
    /// The latest mark, if marked.
    pub score: Option<i32>,
    /// Whether something was submitted.
    pub submitted: bool,
    /// The instructor's feedback.
    pub feedback: String,
}

/// A course's assessments page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseWork {
    /// The course's title.
    pub course: String,
    /// Its assessments.
    pub assessments: Vec<AssessmentView>,
    /// Whether the course is passed (a certificate can be had).
    pub passed: bool,
    /// The certificate's code, once issued.
    pub certificate: Option<String>,
    /// The course's survey, offered once every lesson is finished: (id, title, answered).
    pub survey: Option<(String, String, bool)>,
}

/// A course's survey totals, as instructors see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseSurveyTotals {
    /// The course.
    pub course: String,
    /// None: fewer answers than the anonymity threshold. Some: (answers, average, counts 1–5).
    pub totals: Option<(i64, f64, [i64; 5])>,
}

/// A line of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// The course's address.
    pub slug: String,
    /// Its title.
    pub course: String,
    /// Lessons finished of all.
    pub lessons: (usize, usize),
    /// When completed (date), if completed.
    pub completed: Option<String>,
    /// Each assessment: (title, latest mark).
    pub marks: Vec<(String, Option<i32>)>,
    /// The certificate's code and issue date.
    pub certificate: Option<(String, String)>,
}

/// A certificate as its public check shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedCertificate {
    /// The holder's name.
    pub holder: String,
    /// The course.
    pub course: String,
    /// When issued (date).
    pub issued: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// An assignment waiting for a mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkingItem {
    /// The submission's id.
    pub id: String,
    /// The assignment.
    pub assessment: String,
    /// Its brief.
    pub brief: String,
    /// The answer.
    pub answer: String,
    /// When submitted.
    pub submitted: String,
}

pub use server_fns::{
    course_assessments, marking_queue, survey_totals, transcript, verify_certificate,
};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The assessments of the course at `slug` with the caller's marks; enrolled learners
    /// only (audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] when not enrolled.
    #[server(endpoint = "course-assessments", input = GetUrl)]
    pub async fn course_assessments(slug: String) -> Result<CourseWork, PortalError> {
        use pledge_store::assessments::Kind;
        let session = crate::state::require_viewer(&format!("/learn/{slug}/assessments"))?;
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let enrolment = state
            .store
            .enrolment_in(session.person, &slug, &state.policy, now)
            .await?
            .ok_or_else(|| {
                crate::state::set_status(http::StatusCode::FORBIDDEN);
                PortalError::Forbidden
            })?;
        let course = enrolment.course.id;
        let latest = state
            .store
            .submissions_of(&state.policy, session.person, course, now)
            .await?;
        let assessments = state
            .store
            .assessments(course)
            .await?
            .into_iter()
            .map(|a| {
                let mine = latest.iter().find(|s| s.assessment == a.id);
                AssessmentView {
                    id: a.id.to_string(),
                    title: a.title,
                    kind: match a.kind {
                        Kind::Quiz => "quiz",
                        Kind::Assignment => "assignment",
                    }
                    .to_owned(),
                    pass_mark: a.pass_mark,
                    brief: a.brief,
                    questions: a
                        .questions
                        .into_iter()
                        .map(|q| (q.prompt, q.options))
                        .collect(),
                    score: mine.and_then(|s| s.score),
                    submitted: mine.is_some(),
                    feedback: mine.map(|s| s.feedback.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let certificate = state
            .store
            .certificates_of(&state.policy, session.person, now)
            .await?
            .into_iter()
            .find(|c| c.slug == slug)
            .map(|c| c.code);
        let survey = match state.store.survey_of(course).await? {
            Some(survey)
                if enrolment.completed_at.is_some()
                    && pledge_store::declared::module_enabled(&state.policy, "surveys") =>
            {
                let answered = state.store.answered(session.person, survey.id).await?;
                Some((survey.id.to_string(), survey.title, answered))
            }
            _ => None,
        };
        Ok(CourseWork {
            survey,
            course: enrolment.course.title,
            assessments,
            passed: state
                .store
                .passed(&state.policy, session.person, &slug, now)
                .await?,
            certificate,
        })
    }

    /// The caller's transcript: every course with progress, marks and certificate (audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`].
    #[server(endpoint = "transcript", input = GetUrl)]
    pub async fn transcript() -> Result<Vec<TranscriptLine>, PortalError> {
        let session = crate::state::require_viewer("/learn/transcript")?;
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let certificates = state
            .store
            .certificates_of(&state.policy, session.person, now)
            .await?;
        let mut lines = Vec::new();
        for enrolment in state
            .store
            .enrolments(session.person, &state.policy, now)
            .await?
        {
            let latest = state
                .store
                .submissions_of(&state.policy, session.person, enrolment.course.id, now)
                .await?;
            let marks = state
                .store
                .assessments(enrolment.course.id)
                .await?
                .into_iter()
                .map(|a| {
                    let score = latest
                        .iter()
                        .find(|s| s.assessment == a.id)
                        .and_then(|s| s.score);
                    (a.title, score)
                })
                .collect();
            lines.push(TranscriptLine {
                slug: enrolment.course.slug.clone(),
                course: enrolment.course.title.clone(),
                lessons: (enrolment.done.len(), enrolment.lessons.len()),
                completed: enrolment.completed_at.map(|at| at.date().to_string()),
                marks,
                certificate: certificates
                    .iter()
                    .find(|c| c.slug == enrolment.course.slug)
                    .map(|c| (c.code.clone(), c.issued_at.date().to_string())),
            });
        }
        Ok(lines)
    }

    /// The certificate with `code`, if there is one. Public: anyone with the code may check
    /// it (the check is audited).
    ///
    /// # Errors
    /// [`PortalError::NotFound`] for no such certificate.
    #[server(endpoint = "verify-certificate", input = GetUrl)]
    pub async fn verify_certificate(code: String) -> Result<VerifiedCertificate, PortalError> {
        let state = crate::state::portal_state()?;
        match state
            .store
            .verify_certificate(&state.policy, &code, crate::state::now())
            .await?
        {
            Some(c) => Ok(VerifiedCertificate {
                holder: c.holder,
                course: c.course,
                issued: c.issued_at.date().to_string(),
                revoked: c.revoked_at.is_some(),
            }),
            None => {
                crate::state::set_status(http::StatusCode::NOT_FOUND);
                Err(PortalError::NotFound)
            }
        }
    }

    /// The assignments waiting for a mark, for instructors only (audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for other roles.
    #[server(endpoint = "marking", input = GetUrl)]
    pub async fn marking_queue() -> Result<Vec<MarkingItem>, PortalError> {
        let session = crate::state::require_viewer("/teach/marking")?;
        if !session.has(pledge_domain::Role::Instructor) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
        let state = crate::state::portal_state()?;
        let waiting = state
            .store
            .to_mark(&state.policy, session.person, crate::state::now())
            .await?;
        Ok(waiting
            .into_iter()
            .map(|w| MarkingItem {
                id: w.submission.to_string(),
                assessment: w.assessment,
                brief: w.brief,
                answer: w.answer,
                submitted: w.submitted_at.date().to_string(),
            })
            .collect())
    }
    /// The survey totals of the courses the caller teaches, for instructors only: counts and
    /// the average, and only from the anonymity threshold of answers on (J19).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for other roles.
    #[server(endpoint = "survey-totals", input = GetUrl)]
    pub async fn survey_totals() -> Result<Vec<CourseSurveyTotals>, PortalError> {
        use pledge_store::surveys::SurveySummary;
        let session = crate::state::require_viewer("/teach/surveys")?;
        if !session.has(pledge_domain::Role::Instructor) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
        let state = crate::state::portal_state()?;
        let courses = state
            .store
            .published_courses(&pledge_store::CourseFilter::default())
            .await?;
        let taught = state.store.courses_taught_by(session.person).await?;
        let mut all = Vec::new();
        for course in courses.into_iter().filter(|c| taught.contains(&c.id)) {
            let Some(survey) = state.store.survey_of(course.id).await? else {
                continue;
            };
            let totals = match state.store.survey_summary(survey.id).await? {
                SurveySummary::TooFew => None,
                SurveySummary::Totals {
                    responses,
                    average,
                    counts,
                } => Some((responses, average, counts)),
            };
            all.push(CourseSurveyTotals {
                course: course.title,
                totals,
            });
        }
        Ok(all)
    }
}

/// A quiz's form: one group of radio buttons per question (`q1`, `q2`, …).
fn quiz_form(slug: &str, assessment: &AssessmentView, outcome: &FormOutcome) -> AnyView {
    let action = format!("/learn/{slug}/quiz/{}", assessment.id);
    let problem = outcome
        .problem("quiz")
        .filter(|_| outcome.value("assessment") == assessment.id);
    view! {
        <form method="post" action=action class="stacked quiz">
            <input type="hidden" name="assessment" value=assessment.id.clone()/>
            {problem.map(|text| view! { <p class="problem" role="alert">{text}</p> })}
            {assessment.questions.iter().enumerate().map(|(i, (prompt, options))| {
                let name = format!("q{}", i + 1);
                let picked = outcome.value(&name);
                view! {
                    <fieldset>
                        <legend>{format!("{}. {prompt}", i + 1)}</legend>
                        {options.iter().enumerate().map(|(j, option)| {
                            let value = j.to_string();
                            let checked = picked == value;
                            view! {
                                <label class="check">
                                    <input type="radio" name=name.clone() value=value checked=checked/>
                                    " " {option.clone()}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                }
            }).collect_view()}
            <button type="submit">"Submit the quiz"</button>
        </form>
    }
    .into_any()
}

/// An assignment's form.
fn assignment_form(slug: &str, assessment: &AssessmentView, outcome: &FormOutcome) -> AnyView {
    let action = format!("/learn/{slug}/assignment/{}", assessment.id);
    let mine = outcome.value("assessment") == assessment.id;
    let problem = outcome.problem("answer").filter(|_| mine);
    let typed = if mine {
        outcome.value("answer")
    } else {
        String::new()
    };
    view! {
        <form method="post" action=action class="stacked assignment">
            <input type="hidden" name="assessment" value=assessment.id.clone()/>
            <p>{assessment.brief.clone()}</p>
            <div class="field" class:invalid=problem.is_some()>
                <label for=format!("answer-{}", assessment.id)>"Your answer"</label>
                {problem.clone().map(|text| view! { <p class="problem" id="field-answer-problem">{text}</p> })}
                <textarea id=format!("answer-{}", assessment.id) name="answer" rows="6" maxlength="20000">{typed}</textarea>
            </div>
            <button type="submit">"Hand in"</button>
        </form>
    }
    .into_any()
}

/// The voluntary end-of-course survey (W10, J19).
fn survey_box(slug: &str, id: &str, title: &str, answered: bool, outcome: &FormOutcome) -> AnyView {
    if answered {
        return view! { <p class="notice">"Thank you for answering the course survey."</p> }
            .into_any();
    }
    let rating_problem = outcome.problem("rating");
    let comment_problem = outcome.problem("comment");
    let chosen = outcome.value("rating");
    view! {
        <section class="survey">
            <h2>{format!("{title} (optional)")}</h2>
            <p class="hint">{SURVEY_NOTICE}</p>
            <form method="post" action=format!("/learn/{slug}/survey/{id}") class="stacked">
                <fieldset class:invalid=rating_problem.is_some()>
                    <legend>"Your rating"</legend>
                    {rating_problem.clone().map(|t| view! { <p class="problem" id="field-rating-problem">{t}</p> })}
                    {(1..=5).map(|n| {
                        let value = n.to_string();
                        let checked = chosen == value;
                        view! { <label class="check"><input type="radio" name="rating" value=value checked=checked/>" " {n}</label> }
                    }).collect_view()}
                </fieldset>
                <div class="field" class:invalid=comment_problem.is_some()>
                    <label for="field-comment">"Anything else (optional)"</label>
                    {comment_problem.clone().map(|t| view! { <p class="problem" id="field-comment-problem">{t}</p> })}
                    <textarea id="field-comment" name="comment" rows="3" maxlength="2000">{outcome.value("comment")}</textarea>
                </div>
                <button type="submit">"Send"</button>
            </form>
        </section>
    }
    .into_any()
}

/// What a respondent is told before answering; the store keeps its hash as the proof.
pub const SURVEY_NOTICE: &str = "Taking part is voluntary: nothing else depends on it. Your answers are confidential; only totals of at least five answers, which cannot be traced to anyone, are shared.";

/// `/teach/surveys`: survey totals for instructors.
#[component]
pub fn SurveyTotalsPage() -> impl IntoView {
    let totals = Resource::new_blocking(|| (), |()| survey_totals());
    view! {
        <h1>"Course surveys"</h1>
        <p class="hint">"Totals only, and only once at least five people answered: no answer can be traced to anyone."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match totals.await {
                    Ok(list) => view! {
                        <table class="surveys">
                            <thead><tr><th>"Course"</th><th>"Answers"</th><th>"Average"</th><th>"1 · 2 · 3 · 4 · 5"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| match s.totals {
                                    Some((n, average, counts)) => view! {
                                        <tr><td>{s.course}</td><td>{n}</td><td>{format!("{average:.1}")}</td>
                                        <td>{counts.iter().map(i64::to_string).collect::<Vec<_>>().join(" · ")}</td></tr>
                                    }.into_any(),
                                    None => view! {
                                        <tr><td>{s.course}</td><td colspan="3">"Fewer than five answers: withheld"</td></tr>
                                    }.into_any(),
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(PortalError::Forbidden) => view! { <p class="error" role="alert">"Only instructors see survey totals."</p> }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/teach/surveys">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/learn/{slug}/assessments`.
#[component]
pub fn AssessmentsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let scored = move || query.read().get("scored");
    let found = Resource::new_blocking(slug, course_assessments);
    let outcome = use_outcome();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                let slug = slug();
                match found.await {
                    Ok(page) => {
                        let certificate = match (&page.certificate, page.passed) {
                            (Some(code), _) => view! {
                                <p class="notice">"Your certificate: " <strong class="code">{code.clone()}</strong> " · "
                                    <a href=format!("/certificates/{code}/pdf")>"Download the PDF"</a> " · "
                                    <a href=format!("/certificates/verify?code={code}")>"Its public check"</a></p>
                            }.into_any(),
                            (None, true) => view! {
                                <form method="post" action=format!("/learn/{slug}/certificate")>
                                    <button type="submit">"Get your certificate"</button>
                                </form>
                            }.into_any(),
                            (None, false) => view! {
                                <p class="hint">"Your certificate comes once every lesson is finished and every assessment passed."</p>
                            }.into_any(),
                        };
                        view! {
                            <h1>{format!("{}: assessments", page.course)}</h1>
                            {scored().map(|s| view! { <p class="notice" role="status">{format!("Quiz marked: {s}%.")}</p> })}
                            <FormMessage outcome=outcome.clone()/>
                            {page.assessments.iter().map(|a| {
                                let status = match (a.submitted, a.score) {
                                    (_, Some(score)) if score >= a.pass_mark => format!("Passed with {score}% (pass mark {}%)", a.pass_mark),
                                    (_, Some(score)) => format!("{score}%: below the pass mark of {}%; try again", a.pass_mark),
                                    (true, None) => "Handed in; waiting for the instructor's mark".to_owned(),
                                    (false, None) => format!("Not done yet (pass mark {}%)", a.pass_mark),
                                };
                                let form = if a.kind == "quiz" { quiz_form(&slug, a, &outcome) } else { assignment_form(&slug, a, &outcome) };
                                view! {
                                    <section class="assessment">
                                        <h2>{a.title.clone()}</h2>
                                        <p class="status">{status}</p>
                                        {(!a.feedback.is_empty()).then(|| view! { <p class="feedback">{format!("Feedback: {}", a.feedback)}</p> })}
                                        {form}
                                    </section>
                                }
                            }).collect_view()}
                            {certificate}
                            {page.survey.clone().map(|(id, title, answered)| survey_box(&slug, &id, &title, answered, &outcome))}
                        }.into_any()
                    }
                    Err(PortalError::Forbidden) => view! { <h1>"Not enrolled"</h1><p>"Only learners enrolled in this course can take its assessments."</p> }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/learn/transcript`.
#[component]
pub fn TranscriptPage() -> impl IntoView {
    let lines = Resource::new_blocking(|| (), |()| transcript());
    view! {
        <h1>"Your transcript"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match lines.await {
                    Ok(list) if list.is_empty() => view! { <p>"Nothing yet. " <a href="/">"Browse the courses"</a></p> }.into_any(),
                    Ok(list) => view! {
                        <table class="transcript">
                            <thead><tr><th>"Course"</th><th>"Lessons"</th><th>"Completed"</th><th>"Marks"</th><th>"Certificate"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|line| view! {
                                    <tr>
                                        <td><a href=format!("/learn/{}/assessments", line.slug)>{line.course}</a></td>
                                        <td>{format!("{} of {}", line.lessons.0, line.lessons.1)}</td>
                                        <td>{line.completed.unwrap_or_default()}</td>
                                        <td>{line.marks.into_iter().map(|(title, score)| format!("{title}: {}", score.map_or_else(|| "–".to_owned(), |s| format!("{s}%")))).collect::<Vec<_>>().join("; ")}</td>
                                        <td>{line.certificate.map(|(code, issued)| view! { <a href=format!("/certificates/{code}/pdf")>{format!("{code} ({issued})")}</a> })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/learn/transcript">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/certificates/verify?code=…`: anyone checks a certificate.
#[component]
pub fn VerifyCertificatePage() -> impl IntoView {
    let query = use_query_map();
    let code = move || query.read().get("code").unwrap_or_default();
    let found = Resource::new_blocking(code, |code| async move {
        if code.trim().is_empty() {
            None
        } else {
            Some(verify_certificate(code).await)
        }
    });
    view! {
        <h1>"Check a certificate"</h1>
        <form method="get" action="/certificates/verify" class="search">
            <label>"Certificate code " <input name="code" value=code maxlength="32"/></label>
            <button type="submit">"Check"</button>
        </form>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match found.await {
                    None => ().into_any(),
                    Some(Ok(c)) if c.revoked => view! { <p class="error" role="alert">{format!("This certificate for {} was revoked.", c.course)}</p> }.into_any(),
                    Some(Ok(c)) => view! {
                        <dl class="receipt verified">
                            <dt>"Status"</dt><dd>"Valid"</dd>
                            <dt>"Awarded to"</dt><dd>{c.holder}</dd>
                            <dt>"For"</dt><dd>{c.course}</dd>
                            <dt>"Issued"</dt><dd>{c.issued}</dd>
                        </dl>
                    }.into_any(),
                    Some(Err(PortalError::NotFound)) => view! { <p class="error" role="alert">"No certificate has this code."</p> }.into_any(),
                    Some(Err(error)) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/teach/marking`: the instructors' queue.
#[component]
pub fn MarkingPage() -> impl IntoView {
    let queue = Resource::new_blocking(|| (), |()| marking_queue());
    let query = use_query_map();
    let marked = move || query.read().get("marked").is_some();
    let outcome = use_outcome();
    view! {
        <h1>"Assignments to mark"</h1>
        {move || marked().then(|| view! { <p class="notice" role="status">"Marked; the learner sees the mark and your feedback."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                match queue.await {
                    Ok(list) if list.is_empty() => view! { <p>"Nothing is waiting for a mark."</p> }.into_any(),
                    Ok(list) => view! {
                        {list.into_iter().map(|item| {
                            let mine = outcome.value("submission") == item.id;
                            let score_problem = outcome.problem("score").filter(|_| mine);
                            let feedback_problem = outcome.problem("feedback").filter(|_| mine);
                            let feedback = if mine { outcome.value("feedback") } else { String::new() };
                            let score = if mine { outcome.value("score") } else { String::new() };
                            view! {
                                <section class="marking">
                                    <h2>{format!("{} · handed in {}", item.assessment, item.submitted)}</h2>
                                    <p class="hint">{item.brief}</p>
                                    <blockquote>{item.answer}</blockquote>
                                    <form method="post" action=format!("/teach/marking/{}", item.id) class="stacked">
                                        <input type="hidden" name="submission" value=item.id.clone()/>
                                        <div class="field" class:invalid=score_problem.is_some()>
                                            <label for=format!("score-{}", item.id)>"Mark (0–100)"</label>
                                            {score_problem.clone().map(|t| view! { <p class="problem">{t}</p> })}
                                            <input id=format!("score-{}", item.id) name="score" inputmode="numeric" value=score/>
                                        </div>
                                        <div class="field" class:invalid=feedback_problem.is_some()>
                                            <label for=format!("feedback-{}", item.id)>"Feedback"</label>
                                            {feedback_problem.clone().map(|t| view! { <p class="problem">{t}</p> })}
                                            <textarea id=format!("feedback-{}", item.id) name="feedback" rows="4" maxlength="5000">{feedback}</textarea>
                                        </div>
                                        <button type="submit">"Save the mark"</button>
                                    </form>
                                </section>
                            }
                        }).collect_view()}
                    }.into_any(),
                    Err(PortalError::Forbidden) => view! { <p class="error" role="alert">"Only instructors mark assignments."</p> }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/teach/marking">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

//! Exams with partner bodies: the booking box on an enrolled course's page, which says what is
//! shared with the exam body and why before anything is sent (J07, J40); the candidate's
//! bookings (`/learn/exams`); and the staff page where results are entered (`/teach/exams`),
//! one by one or by importing the results file the exam body sends back.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{FormMessage, use_outcome};

/// A course's exam as its booking box shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamDetails {
    /// The exam.
    pub title: String,
    /// The exam body.
    pub partner: String,
    /// What booking sends it.
    pub shared: Vec<String>,
    /// Why.
    pub why: String,
    /// On what basis.
    pub basis: String,
    /// The dates offered: (form value, label).
    pub dates: Vec<(String, String)>,
    /// The booking there is, if any: its date.
    pub booked: Option<String>,
}

/// An exam booking as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamLine {
    /// The booking's id.
    pub id: String,
    /// The exam.
    pub exam: String,
    /// The exam body.
    pub partner: String,
    /// The candidate number.
    pub candidate: String,
    /// When.
    pub sitting: String,
    /// The result, once in.
    pub result: Option<String>,
}

#[cfg(feature = "ssr")]
pub use server_fns::exam_box;
pub use server_fns::{all_exams, my_exams};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    #[cfg(feature = "ssr")]
    fn line(b: pledge_store::exams::ExamBooking) -> ExamLine {
        ExamLine {
            id: b.id.to_string(),
            exam: b.exam,
            partner: b.partner,
            candidate: b.candidate_number,
            sitting: b.sitting_at.date().to_string(),
            result: b.result,
        }
    }

    /// The exam box of the course at `slug` for an enrolled caller (part of its page); `None`
    /// when the course has no exam or the caller is not enrolled.
    ///
    /// # Errors
    /// Store failures.
    #[cfg(feature = "ssr")]
    pub async fn exam_box(slug: String) -> Result<Option<ExamDetails>, PortalError> {
        let Some(session) = crate::state::viewer() else {
            return Ok(None);
        };
        let state = crate::state::portal_state()?;
        let now = crate::state::now();
        let Some(enrolment) = state
            .store
            .enrolment_in(session.person, &slug, &state.policy, now)
            .await?
        else {
            return Ok(None);
        };
        let Some(offer) = state
            .store
            .exam_of(&state.policy, enrolment.course.id)
            .await?
        else {
            return Ok(None);
        };
        let booked = state
            .store
            .exam_bookings(session.person)
            .await?
            .into_iter()
            .find(|b| b.exam == offer.title)
            .map(|b| b.sitting_at.date().to_string());
        // The next three Wednesdays at 10:00 UTC, a fortnight out at the earliest.
        let first = now.date() + time::Duration::days(14);
        let dates = (0..21)
            .map(|d| first + time::Duration::days(d))
            .filter(|d| d.weekday() == time::Weekday::Wednesday)
            .map(|d| (format!("{d}T10:00:00Z"), format!("{d}, 10:00 UTC")))
            .collect();
        Ok(Some(ExamDetails {
            title: offer.title,
            partner: offer.partner_name,
            shared: offer.shared,
            why: offer.why,
            basis: offer.basis,
            dates,
            booked,
        }))
    }

    /// The caller's exam bookings.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`].
    #[server(endpoint = "my-exams", input = GetUrl)]
    pub async fn my_exams() -> Result<Vec<ExamLine>, PortalError> {
        let session = crate::state::require_viewer("/learn/exams")?;
        let state = crate::state::portal_state()?;
        Ok(state
            .store
            .exam_bookings(session.person)
            .await?
            .into_iter()
            .map(line)
            .collect())
    }

    /// The exam bookings of the courses the caller teaches (instructors enter results).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`].
    #[server(endpoint = "all-exams", input = GetUrl)]
    pub async fn all_exams() -> Result<Vec<ExamLine>, PortalError> {
        let session = crate::state::require_viewer("/teach/exams")?;
        if !session.has(pledge_domain::Role::Instructor) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
        let state = crate::state::portal_state()?;
        Ok(state
            .store
            .exam_bookings_taught_by(&state.policy, session.person, crate::state::now())
            .await?
            .into_iter()
            .map(line)
            .collect())
    }
}

/// The exam box on a course's page: what booking shares with the exam body, and why, before
/// the form that books it.
#[component]
pub fn ExamOffer(
    /// The course's address.
    slug: String,
    /// The course's exam for this person (none: no exam, or not enrolled).
    exam: Option<ExamDetails>,
) -> impl IntoView {
    exam.map(|exam| {
        let booking = match exam.booked.clone() {
            Some(date) => view! { <p class="notice">{format!("You are booked for {date}. ")}<a href="/learn/exams">"Your exams"</a></p> }.into_any(),
            None => view! {
                <form method="post" action=format!("/courses/{slug}/exam") class="stacked">
                    <label for="field-sitting_at">"Exam date"</label>
                    <select id="field-sitting_at" name="sitting_at">
                        {exam.dates.iter().map(|(value, label)| view! { <option value=value.clone()>{label.clone()}</option> }).collect_view()}
                    </select>
                    <button type="submit">{format!("Book with {}", exam.partner)}</button>
                </form>
            }.into_any(),
        };
        view! {
            <section class="exam">
                <h2>{exam.title.clone()}</h2>
                <p>{format!("Booking sends {} your {}.", exam.partner, exam.shared.join(", ").to_lowercase())}</p>
                <p class="hint">{format!("Why: {} Basis: {}.", exam.why, exam.basis)}</p>
                {booking}
            </section>
        }
    })
}

fn exam_rows(list: Vec<ExamLine>, staff: bool) -> impl IntoView {
    view! {
        <table class="exams">
            <thead><tr><th>"Exam"</th><th>"Body"</th><th>"Candidate"</th><th>"Date"</th><th>"Result"</th></tr></thead>
            <tbody>
                {list.into_iter().map(|e| {
                    let result = match (e.result.clone(), staff) {
                        (Some(result), _) => view! { <span>{result}</span> }.into_any(),
                        (None, true) => view! {
                            <form method="post" action=format!("/teach/exams/{}", e.id) class="inline">
                                <input name="result" aria-label="Result" placeholder="Pass, 78%"/>
                                <button type="submit">"Enter"</button>
                            </form>
                        }.into_any(),
                        (None, false) => view! { <span>"Not in yet"</span> }.into_any(),
                    };
                    view! { <tr><td>{e.exam}</td><td>{e.partner}</td><td>{e.candidate}</td><td>{e.sitting}</td><td>{result}</td></tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/learn/exams`.
#[component]
pub fn MyExamsPage() -> impl IntoView {
    let exams = Resource::new_blocking(|| (), |()| my_exams());
    view! {
        <h1>"Your exams"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match exams.await {
                    Ok(list) if list.is_empty() => view! { <p>"You have not booked an exam."</p> }.into_any(),
                    Ok(list) => exam_rows(list, false).into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/learn/exams">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The upload form's field (the store's `exam_results::RESULTS_FILE`).
const RESULTS_FILE_FIELD: &str = "results_file";

/// What an import did, in a sentence.
fn import_summary(recorded: usize, unchanged: usize, funders: usize) -> String {
    let mut summary = format!("{recorded} result(s) imported");
    if unchanged > 0 {
        summary.push_str(&format!(
            ", {unchanged} already recorded and left as they were"
        ));
    }
    if funders > 0 {
        summary.push_str(&format!(
            "; {funders} shared with the funder of the course, each disclosure recorded"
        ));
    }
    summary.push('.');
    summary
}

/// The form that uploads an exam body's results file.
fn import_form(problem: Option<String>) -> impl IntoView {
    view! {
        <form method="post" action="/teach/exams/import" enctype="multipart/form-data" class="stacked exam-import">
            <h2>"Import a results file"</h2>
            <p class="hint">"The CSV file the exam body sends: a first line naming the columns, with “candidate” (the candidate number) and “result”. A file with any problem is refused whole, each problem named."</p>
            {problem.map(|text| view! { <p class="problem" id="field-results_file-problem">{text}</p> })}
            <label for="field-results_file">"Results file"</label>
            <input type="file" id="field-results_file" name="results_file" accept=".csv,text/csv"/>
            <button type="submit">"Import results"</button>
        </form>
    }
}

/// `/teach/exams`: results in, one by one or from the exam body's file.
#[component]
pub fn StaffExamsPage() -> impl IntoView {
    let exams = Resource::new_blocking(|| (), |()| all_exams());
    let query = use_query_map();
    let shared = move || query.read().get("shared");
    let imported = move || {
        let query = query.read();
        let number = |name: &str| query.get(name).and_then(|n| n.parse::<usize>().ok());
        number("imported").map(|recorded| {
            import_summary(
                recorded,
                number("unchanged").unwrap_or(0),
                number("funders").unwrap_or(0),
            )
        })
    };
    let outcome = use_outcome();
    view! {
        <h1>"Exam results"</h1>
        {move || shared().map(|to| view! { <p class="notice" role="status">{
            if to.is_empty() { "Result entered.".to_owned() } else { format!("Result entered and shared with {to}, as the funded course requires; the disclosure is recorded.") }
        }</p> })}
        {move || imported().map(|summary| view! { <p class="notice" role="status">{summary}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await;
                let message = view! { <FormMessage outcome=outcome.clone()/> };
                let list = match exams.await {
                    Ok(list) if list.is_empty() => view! { <p>"No exam bookings."</p> }.into_any(),
                    Ok(list) => view! { {exam_rows(list, true)} {import_form(outcome.problem(RESULTS_FILE_FIELD))} }.into_any(),
                    Err(PortalError::Forbidden) => view! { <p class="error" role="alert">"Only instructors enter exam results."</p> }.into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/teach/exams">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                };
                view! { {message} {list} }
            })}
        </Suspense>
    }
}

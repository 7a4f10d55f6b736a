//! The administrator's pages. `/admin/teaching`: which instructor teaches which course (an
//! instructor marks, enters exam results and reads survey totals only for the courses listed
//! against them here; the forms post to `/admin/teaching/assign` and `/admin/teaching/unassign`).
//! `/admin/funding`: which learners' courses a funder pays for, so that their exam results
//! reach the funder, recorded (J40); the form posts to `/admin/funding`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input};

/// An instructor as the teaching page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructorView {
    /// Their person id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their email address.
    pub email: String,
    /// The courses they teach: (id, title).
    pub courses: Vec<(String, String)>,
}

/// Everything the teaching page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeachingView {
    /// Every published course: (id, title).
    pub courses: Vec<(String, String)>,
    /// Every instructor with their courses.
    pub instructors: Vec<InstructorView>,
}

/// Everything the funding page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingView {
    /// The policy's funders: (id, name). None: the policy names no funder.
    pub funders: Vec<(String, String)>,
    /// Every published course: (address, title).
    pub courses: Vec<(String, String)>,
    /// The funded enrolments: (learner, course, funder's name).
    pub funded: Vec<(String, String, String)>,
}

pub use server_fns::{funding, teaching};

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// Who teaches what, for administrators only (each instructor's read audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for other roles.
    #[server(endpoint = "teaching", input = GetUrl)]
    pub async fn teaching() -> Result<TeachingView, PortalError> {
        let session =
            crate::state::require_role("/admin/teaching", pledge_domain::Role::Administrator)?;
        let state = crate::state::portal_state()?;
        let courses: Vec<(uuid::Uuid, String)> = state
            .store
            .published_courses(&pledge_store::CourseFilter::default())
            .await?
            .into_iter()
            .map(|c| (c.id, c.title))
            .collect();
        let title_of = |id: &uuid::Uuid| {
            courses
                .iter()
                .find(|(course, _)| course == id)
                .map(|(_, title)| (id.to_string(), title.clone()))
        };
        let instructors = state
            .store
            .instructors(&state.policy, session.person, crate::state::now())
            .await?
            .into_iter()
            .map(|i| InstructorView {
                id: i.person.as_uuid().to_string(),
                name: i.display_name,
                email: i.email,
                courses: i.courses.iter().filter_map(title_of).collect(),
            })
            .collect();
        Ok(TeachingView {
            courses: courses
                .iter()
                .map(|(id, title)| (id.to_string(), title.clone()))
                .collect(),
            instructors,
        })
    }

    /// Funders and funded enrolments, for administrators only (each learner's read audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for other roles.
    #[server(endpoint = "funding", input = GetUrl)]
    pub async fn funding() -> Result<FundingView, PortalError> {
        let session =
            crate::state::require_role("/admin/funding", pledge_domain::Role::Administrator)?;
        let state = crate::state::portal_state()?;
        let funders: Vec<(String, String)> = pledge_store::exams::funders(&state.policy)
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect();
        let name_of = |id: &str| {
            funders
                .iter()
                .find(|(funder, _)| funder == id)
                .map_or_else(|| id.to_owned(), |(_, name)| name.clone())
        };
        let funded = state
            .store
            .funded_enrolments(&state.policy, session.person, crate::state::now())
            .await?
            .into_iter()
            .map(|f| (f.learner, f.course, name_of(&f.funder)))
            .collect();
        let courses = state
            .store
            .published_courses(&pledge_store::CourseFilter::default())
            .await?
            .into_iter()
            .map(|c| (c.slug, c.title))
            .collect();
        Ok(FundingView {
            funders,
            courses,
            funded,
        })
    }
}

/// One instructor's row: their courses, each with a button that ends the assignment.
fn instructor_row(instructor: InstructorView) -> impl IntoView {
    let id = instructor.id.clone();
    let courses = if instructor.courses.is_empty() {
        view! { <span class="hint">"No courses"</span> }.into_any()
    } else {
        view! {
            <ul class="plain">
                {instructor.courses.into_iter().map(|(course, title)| view! {
                    <li>
                        {title.clone()} " "
                        <form method="post" action="/admin/teaching/unassign" class="inline">
                            <input type="hidden" name="instructor" value=id.clone()/>
                            <input type="hidden" name="course" value=course/>
                            <button type="submit" class="link" aria-label=format!("Stop {} teaching {title}", instructor.name)>"Remove"</button>
                        </form>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! { <tr><td>{instructor.name.clone()}</td><td>{instructor.email}</td><td>{courses}</td></tr> }
}

/// A list's options from (value, label) pairs, the one whose value is `chosen` selected (a
/// refused form keeps its choice).
fn options(choices: impl Iterator<Item = (String, String)>, chosen: &str) -> AnyView {
    choices
        .map(|(value, label)| {
            let selected = value == chosen;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view()
        .into_any()
}

/// The form that assigns an instructor to a course, keeping a refused choice.
fn assign_form(view: &TeachingView, outcome: &FormOutcome) -> impl IntoView {
    let chosen_instructor = outcome.value("instructor");
    let chosen_course = outcome.value("course");
    view! {
        <form method="post" action="/admin/teaching/assign" class="stacked">
            <h2>"Assign an instructor"</h2>
            <label for="field-instructor">"Instructor"</label>
            <select id="field-instructor" name="instructor">
                {options(
                    view.instructors.iter().map(|i| (i.id.clone(), format!("{} ({})", i.name, i.email))),
                    &chosen_instructor,
                )}
            </select>
            <label for="field-course">"Course"</label>
            <select id="field-course" name="course">
                {options(view.courses.iter().cloned(), &chosen_course)}
            </select>
            <button type="submit">"Assign"</button>
        </form>
    }
}

/// "Saved." after a change (the address ends in `?changed=1`).
#[component]
fn SavedNotice() -> impl IntoView {
    let query = use_query_map();
    let changed = query.read_untracked().get("changed").is_some();
    changed.then(|| view! { <p class="notice" role="status">"Saved."</p> })
}

/// What an administrator's page shows instead of its content: who may see it (`only`), a
/// link to sign in and come back to `here`, or what went wrong.
fn not_shown(error: PortalError, only: &'static str, here: &'static str) -> AnyView {
    match error {
        PortalError::Forbidden => view! { <p class="error" role="alert">{only}</p> }.into_any(),
        PortalError::SignInRequired => view! {
            <p>"Please " <a href=format!("/signin?next={here}")>"sign in"</a> "."</p>
        }
        .into_any(),
        error => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}

/// `/admin/teaching`.
#[component]
pub fn TeachingPage() -> impl IntoView {
    let found = Resource::new_blocking(|| (), |()| teaching());
    let outcome = use_context::<FormOutcome>().unwrap_or_default();
    view! {
        <h1>"Who teaches what"</h1>
        <p class="hint">"Instructors mark work, enter exam results and see survey totals only for the courses listed against them."</p>
        <SavedNotice/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let outcome = outcome.clone();
                Suspend::new(async move {
                    match found.await {
                        Ok(view) => view! {
                            <FormMessage outcome=outcome.clone()/>
                            <table class="teaching">
                                <thead><tr><th>"Instructor"</th><th>"Email"</th><th>"Courses"</th></tr></thead>
                                <tbody>{view.instructors.clone().into_iter().map(instructor_row).collect_view()}</tbody>
                            </table>
                            {assign_form(&view, &outcome)}
                        }.into_any(),
                        Err(error) => not_shown(error, "Only administrators assign instructors.", "/admin/teaching"),
                    }
                })
            }}
        </Suspense>
    }
}

/// The form that records a funded enrolment, keeping what was typed.
fn funding_form(view: &FundingView, outcome: FormOutcome) -> impl IntoView {
    let chosen_course = outcome.value("course");
    let chosen_funder = outcome.value("funder");
    let course_problem = outcome.problem("course");
    view! {
        <form method="post" action="/admin/funding" class="stacked">
            <h2>"Record a funded enrolment"</h2>
            <Field outcome=outcome.clone() name="email" label="Learner's email address" input=Input::Email hint="The learner must be enrolled in the course already."/>
            <div class="field" class:invalid=course_problem.is_some()>
                <label for="field-course">"Course"</label>
                {course_problem.clone().map(|t| view! { <p class="problem">{t}</p> })}
                <select id="field-course" name="course">
                    {options(view.courses.iter().cloned(), &chosen_course)}
                </select>
            </div>
            <label for="field-funder">"Funder"</label>
            <select id="field-funder" name="funder">
                {options(view.funders.iter().cloned(), &chosen_funder)}
            </select>
            <p class="hint">"The learner's exam results in this course will be shared with the funder, and each sharing recorded."</p>
            <button type="submit">"Record"</button>
        </form>
    }
}

/// `/admin/funding`.
#[component]
pub fn FundingPage() -> impl IntoView {
    let found = Resource::new_blocking(|| (), |()| funding());
    let outcome = use_context::<FormOutcome>().unwrap_or_default();
    view! {
        <h1>"Funded courses"</h1>
        <SavedNotice/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let outcome = outcome.clone();
                Suspend::new(async move {
                    match found.await {
                        Ok(view) if view.funders.is_empty() => view! {
                            <p>"Our privacy policy names no funder that receives results, so no course can be recorded as funded."</p>
                        }.into_any(),
                        Ok(view) => {
                            let list = if view.funded.is_empty() {
                                view! { <p class="hint">"No funded enrolments yet."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="funding">
                                        <thead><tr><th>"Learner"</th><th>"Course"</th><th>"Funder"</th></tr></thead>
                                        <tbody>{view.funded.iter().map(|(learner, course, funder)| view! {
                                            <tr><td>{learner.clone()}</td><td>{course.clone()}</td><td>{funder.clone()}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table>
                                }.into_any()
                            };
                            view! {
                                <FormMessage outcome=outcome.clone()/>
                                {list}
                                {funding_form(&view, outcome)}
                            }.into_any()
                        }
                        Err(error) => not_shown(error, "Only administrators record funding.", "/admin/funding"),
                    }
                })
            }}
        </Suspense>
    }
}

//! The administrator's teaching page (`/admin/teaching`): which instructor teaches which
//! course. An instructor marks, enters exam results and reads survey totals only for the
//! courses listed against them here; the forms post to `/admin/teaching/assign` and
//! `/admin/teaching/unassign`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{FormMessage, FormOutcome};

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

pub use server_fns::teaching;

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// Who teaches what, for administrators only (each instructor's read audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for other roles.
    #[server(endpoint = "teaching", input = GetUrl)]
    pub async fn teaching() -> Result<TeachingView, PortalError> {
        let session = crate::state::require_viewer("/admin/teaching")?;
        if !session.has(pledge_domain::Role::Administrator) {
            crate::state::set_status(http::StatusCode::FORBIDDEN);
            return Err(PortalError::Forbidden);
        }
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

/// The form that assigns an instructor to a course, keeping a refused choice.
fn assign_form(view: &TeachingView, outcome: &FormOutcome) -> impl IntoView {
    let chosen_instructor = outcome.value("instructor");
    let chosen_course = outcome.value("course");
    view! {
        <form method="post" action="/admin/teaching/assign" class="stacked">
            <h2>"Assign an instructor"</h2>
            <label for="field-instructor">"Instructor"</label>
            <select id="field-instructor" name="instructor">
                {view.instructors.iter().map(|i| view! {
                    <option value=i.id.clone() selected=i.id == chosen_instructor>{format!("{} ({})", i.name, i.email)}</option>
                }).collect_view()}
            </select>
            <label for="field-course">"Course"</label>
            <select id="field-course" name="course">
                {view.courses.iter().map(|(id, title)| view! {
                    <option value=id.clone() selected=*id == chosen_course>{title.clone()}</option>
                }).collect_view()}
            </select>
            <button type="submit">"Assign"</button>
        </form>
    }
}

/// `/admin/teaching`.
#[component]
pub fn TeachingPage() -> impl IntoView {
    let found = Resource::new_blocking(|| (), |()| teaching());
    let outcome = use_context::<FormOutcome>().unwrap_or_default();
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some();
    view! {
        <h1>"Who teaches what"</h1>
        <p class="hint">"Instructors mark work, enter exam results and see survey totals only for the courses listed against them."</p>
        {move || changed().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
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
                        Err(PortalError::Forbidden) => view! { <p class="error" role="alert">"Only administrators assign instructors."</p> }.into_any(),
                        Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/admin/teaching">"sign in"</a> "."</p> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

//! Learning: enrolling in a course from its page, "my learning" with progress, and the lessons
//! themselves with a button that marks one finished and moves on (so a learner resumes where
//! they stopped). Only the enrolled learner sees a course's lessons.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::{Field, FormMessage, FormOutcome, Input};

/// What the course page offers the person looking at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Offer {
    /// Nobody is signed in.
    SignIn,
    /// A free course they are not enrolled in.
    EnrolFree,
    /// A paid course they are not enrolled in, with its price.
    Paid(String),
    /// A paid course, on a portal whose policy takes no payments.
    PaidNotOffered(String),
    /// Enrolled: resume at this lesson (none left: completed).
    Enrolled(Option<i32>),
}

/// A course in "my learning".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningCard {
    /// The course's address.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// How many lessons it has.
    pub lessons: usize,
    /// How many they finished.
    pub done: usize,
    /// The lesson to resume at (none: completed).
    pub resume_at: Option<i32>,
}

/// A lesson as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonView {
    /// The course's address.
    pub slug: String,
    /// The course's title.
    pub course_title: String,
    /// The lesson's place, from 1.
    pub position: i32,
    /// How many lessons the course has.
    pub count: usize,
    /// The lesson's title.
    pub title: String,
    /// Its text.
    pub body: String,
    /// Whether they finished it.
    pub done: bool,
    /// Its video, if it has one, as this browser may see it.
    pub video: Option<crate::cookies::VideoShown>,
}

#[cfg(feature = "ssr")]
pub use server_fns::offer_for;
pub use server_fns::{lesson, my_learning};

/// The learning pages' server functions.
#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    #[cfg(feature = "ssr")]
    fn price(course: &pledge_store::Course) -> String {
        format!(
            "{} {}.{:02}",
            course.currency,
            course.price_cents / 100,
            course.price_cents % 100
        )
    }

    /// What `course` offers the caller (part of its page). Reading a signed-in person's
    /// enrolment is audited.
    ///
    /// # Errors
    /// Store failures.
    #[cfg(feature = "ssr")]
    pub async fn offer_for(course: &pledge_store::Course) -> Result<Offer, PortalError> {
        let state = crate::state::portal_state()?;
        let Some(session) = crate::state::viewer() else {
            return Ok(Offer::SignIn);
        };
        let now = crate::state::now();
        let enrolment = state
            .store
            .enrolment_in(session.person, &course.slug, &state.policy, now)
            .await?;
        Ok(match enrolment {
            Some(enrolment) => Offer::Enrolled(enrolment.resume_at().map(|l| l.position)),
            None if course.is_free() => Offer::EnrolFree,
            None if pledge_store::declared::module_enabled(&state.policy, "payments") => {
                Offer::Paid(price(course))
            }
            None => Offer::PaidNotOffered(price(course)),
        })
    }

    /// The caller's courses with their progress (audited).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`] without a session.
    #[server(endpoint = "my-learning", input = GetUrl)]
    pub async fn my_learning() -> Result<Vec<LearningCard>, PortalError> {
        let session = crate::state::require_viewer("/learn")?;
        let state = crate::state::portal_state()?;
        let enrolments = state
            .store
            .enrolments(session.person, &state.policy, crate::state::now())
            .await?;
        Ok(enrolments
            .into_iter()
            .map(|e| LearningCard {
                resume_at: e.resume_at().map(|l| l.position),
                slug: e.course.slug.clone(),
                title: e.course.title.clone(),
                lessons: e.lessons.len(),
                done: e.done.len(),
            })
            .collect())
    }

    /// Lesson `position` of the course at `slug`, for its enrolled learner only.
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`] for someone not enrolled;
    /// [`PortalError::NotFound`] for a lesson the course does not have.
    #[server(endpoint = "lesson", input = GetUrl)]
    pub async fn lesson(slug: String, position: i32) -> Result<LessonView, PortalError> {
        let session = crate::state::require_viewer(&format!("/learn/{slug}/{position}"))?;
        let state = crate::state::portal_state()?;
        let enrolment = state
            .store
            .enrolment_in(session.person, &slug, &state.policy, crate::state::now())
            .await?
            .ok_or_else(|| {
                crate::state::set_status(http::StatusCode::FORBIDDEN);
                PortalError::Forbidden
            })?;
        let lesson = enrolment
            .lessons
            .iter()
            .find(|l| l.position == position)
            .ok_or_else(|| {
                crate::state::set_status(http::StatusCode::NOT_FOUND);
                PortalError::NotFound
            })?;
        Ok(LessonView {
            slug,
            course_title: enrolment.course.title.clone(),
            position,
            count: enrolment.lessons.len(),
            title: lesson.title.clone(),
            body: lesson.body.clone(),
            done: enrolment.done.contains(&position),
            video: lesson
                .video_url
                .clone()
                .map(|url| crate::cookies::video_shown(&state.policy, url)),
        })
    }
}

/// The enrolment box on a course's page.
#[component]
pub fn OfferBox(
    /// The course's address.
    slug: String,
    /// What the course offers the person looking at it.
    offer: Offer,
    /// The submission this page answers (a refused checkout).
    outcome: FormOutcome,
) -> impl IntoView {
    let message = view! { <FormMessage outcome=outcome.clone()/> };
    let offer = match offer {
        Offer::SignIn => view! {
            <p><a href=format!("/signin?next=/courses/{slug}")>"Sign in to enrol"</a></p>
        }.into_any(),
        Offer::EnrolFree => view! {
            <form method="post" action=format!("/courses/{slug}/enrol") class="enrol">
                <button type="submit">"Enrol for free"</button>
            </form>
        }.into_any(),
        Offer::Paid(price) => view! {
            <form method="post" action=format!("/courses/{slug}/checkout") class="enrol">
                <Field
                    outcome=outcome
                    name="billing_name"
                    label="Name on the receipt"
                    input=Input::Text
                    autocomplete="name"
                    hint="You pay by card on our payment processor's page; your card details never reach us."
                />
                <button type="submit">{format!("Pay {price} and enrol")}</button>
            </form>
        }.into_any(),
        Offer::PaidNotOffered(price) => view! {
            <p class="notice">{format!("This course costs {price}. Enrolment in paid courses is arranged with our office; this site takes no payments.")}</p>
        }.into_any(),
        Offer::Enrolled(Some(position)) => view! {
            <p class="notice">"You are enrolled. " <a href=format!("/learn/{slug}/{position}")>{format!("Continue with lesson {position}")}</a></p>
        }.into_any(),
        Offer::Enrolled(None) => view! {
            <p class="notice">"You completed this course. " <a href="/learn">"Your learning"</a></p>
        }.into_any(),
    };
    view! { {message} {offer} }
}

/// `/learn`: the signed-in person's courses.
#[component]
pub fn MyLearningPage() -> impl IntoView {
    let query = use_query_map();
    let completed = move || query.read().get("completed");
    let courses = Resource::new_blocking(|| (), |()| my_learning());
    view! {
        <h1>"Your learning"</h1>
        <p><a href="/learn/transcript">"Your transcript"</a> " · " <a href="/learn/exams">"Your exams"</a></p>
        {move || completed().map(|slug| view! {
            <p class="notice" role="status">{format!("Well done: you finished every lesson of {slug}.")}</p>
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match courses.await {
                    Ok(list) if list.is_empty() => view! {
                        <p>"You are not enrolled in any course yet. " <a href="/">"Browse the courses"</a></p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="learning">
                            {list.into_iter().map(|card| {
                                let next = card.resume_at.map_or_else(
                                    || view! { <span>"Completed"</span> }.into_any(),
                                    |p| view! { <a href=format!("/learn/{}/{p}", card.slug)>{format!("Resume at lesson {p}")}</a> }.into_any(),
                                );
                                view! {
                                    <li>
                                        <strong>{card.title}</strong>
                                        " "
                                        <progress max=card.lessons.to_string() value=card.done.to_string()></progress>
                                        {format!(" {} of {} lessons ", card.done, card.lessons)}
                                        {next}
                                        " · "
                                        <a href=format!("/learn/{}/assessments", card.slug)>"Assessments and certificate"</a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(PortalError::SignInRequired) => view! {
                        <p>"Please " <a href="/signin?next=/learn">"sign in"</a> "."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/learn/{slug}/{position}`: one lesson, and the button that finishes it.
#[component]
pub fn LessonPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("slug").unwrap_or_default(),
            p.get("position")
                .and_then(|n| n.parse::<i32>().ok())
                .unwrap_or(0),
        )
    };
    let found = Resource::new_blocking(key, |(slug, position)| lesson(slug, position));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(view) => {
                        let action = format!("/learn/{}/{}", view.slug, view.position);
                        view! {
                            <p class="hint">{format!("{} · lesson {} of {}", view.course_title, view.position, view.count)}</p>
                            <article class="lesson">
                                <h1>{view.title}</h1>
                                <p>{view.body}</p>
                                {view.video.map(|shown| view! { <crate::cookies::Video shown here=action.clone()/> })}
                            </article>
                            <form method="post" action=action class="finish">
                                <button type="submit">
                                    {if view.done { "Next lesson" } else { "Mark as done and continue" }}
                                </button>
                            </form>
                        }.into_any()
                    }
                    Err(PortalError::Forbidden) => view! {
                        <h1>"Not enrolled"</h1>
                        <p>"Only learners enrolled in this course can open its lessons."</p>
                    }.into_any(),
                    Err(PortalError::SignInRequired) => view! {
                        <p>"Please " <a href="/signin">"sign in"</a> "."</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

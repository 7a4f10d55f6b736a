//! The course catalogue: the list of published courses with a search and a price filter (a
//! plain `GET` form, so it works without JavaScript), and each course's page.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::PortalError;
use crate::forms::FormOutcome;

/// A course as the catalogue shows it (a wire type: the store's own type stays on the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseCard {
    /// Its address under `/courses/`.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// What it teaches.
    pub summary: String,
    /// Its price as people read it: "Free" or "CAD 499.00".
    pub price: String,
}

/// Everything a course's page shows the person looking at it, read in one call so that the
/// page waits on one resource (nested resources under a `Suspense` held a response forever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoursePageView {
    /// The course.
    pub course: CourseCard,
    /// What it offers them: sign in, enrol, pay, or resume.
    pub offer: crate::learning::Offer,
    /// Its exam, for an enrolled learner of a course that has one.
    pub exam: Option<crate::exams::ExamDetails>,
    /// Its published comments.
    pub comments: Vec<crate::support::CommentView>,
}

/// The price filter's choices: (value in the address, label).
const PRICE_CHOICES: [(&str, &str); 3] = [("", "Any price"), ("free", "Free"), ("paid", "Paid")];

#[cfg(feature = "ssr")]
fn card(course: pledge_store::Course) -> CourseCard {
    let price = if course.is_free() {
        "Free".to_owned()
    } else {
        format!(
            "{} {}.{:02}",
            course.currency,
            course.price_cents / 100,
            course.price_cents % 100
        )
    };
    CourseCard {
        slug: course.slug,
        title: course.title,
        summary: course.summary,
        price,
    }
}

#[cfg(feature = "ssr")]
fn price_filter(price: &str) -> Result<pledge_store::PriceFilter, PortalError> {
    use pledge_store::PriceFilter;
    match price {
        "" | "any" => Ok(PriceFilter::Any),
        "free" => Ok(PriceFilter::Free),
        "paid" => Ok(PriceFilter::Paid),
        _ => Err(PortalError::Invalid(
            "choose a price filter from the list".to_owned(),
        )),
    }
}

pub use server_fns::{course, course_page, list_courses};

/// The catalogue's server functions (public: the catalogue needs no account).
#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The published courses whose title or summary contains `q`, filtered by `price` (`""`,
    /// `free` or `paid`). Anyone may call it: the catalogue is public.
    ///
    /// # Errors
    /// [`PortalError::Invalid`] for an unknown price filter or an over-long search.
    #[server(endpoint = "catalogue", input = GetUrl)]
    pub async fn list_courses(q: String, price: String) -> Result<Vec<CourseCard>, PortalError> {
        let state = crate::state::portal_state()?;
        let filter = pledge_store::CourseFilter {
            text: q,
            price: price_filter(&price)?,
        };
        let courses = state.store.published_courses(&filter).await?;
        Ok(courses.into_iter().map(card).collect())
    }

    /// The course at `slug` with what it offers the caller, its exam for them and its
    /// comments. Anyone may call it; a signed-in person's enrolment read is audited.
    ///
    /// # Errors
    /// [`PortalError::NotFound`] when there is no such published course; store failures.
    #[server(endpoint = "course-page", input = GetUrl)]
    pub async fn course_page(slug: String) -> Result<CoursePageView, PortalError> {
        let state = crate::state::portal_state()?;
        let Some(found) = state.store.course_by_slug(&slug).await? else {
            crate::state::set_status(http::StatusCode::NOT_FOUND);
            return Err(PortalError::NotFound);
        };
        let offer = crate::learning::offer_for(&found).await?;
        let exam = crate::exams::exam_box(slug.clone()).await?;
        let comments = crate::support::course_comments(slug).await?;
        Ok(CoursePageView {
            course: card(found),
            offer,
            exam,
            comments,
        })
    }

    /// The course at `slug`. Anyone may call it.
    ///
    /// # Errors
    /// [`PortalError::NotFound`] when there is no such published course.
    #[server(endpoint = "course", input = GetUrl)]
    pub async fn course(slug: String) -> Result<CourseCard, PortalError> {
        let state = crate::state::portal_state()?;
        match state.store.course_by_slug(&slug).await? {
            Some(course) => Ok(card(course)),
            None => {
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(http::StatusCode::NOT_FOUND);
                }
                Err(PortalError::NotFound)
            }
        }
    }
}

/// The catalogue page: `/?q=…&price=…`.
#[component]
pub fn CataloguePage() -> impl IntoView {
    // Read once: the page is rendered on the server only (islands), so nothing here needs to
    // react to a change of address, and plain values cost the renderer no reactive nodes.
    let (search, price) = use_query_map().with_untracked(|query| {
        (
            query.get("q").unwrap_or_default(),
            query.get("price").unwrap_or_default(),
        )
    });
    let courses = {
        let (search, price) = (search.clone(), price.clone());
        move || list_courses(search.clone(), price.clone())
    };
    view! {
        <h1>"Courses"</h1>
        <form action="/" method="get" class="search" role="search">
            <label>
                "Search " <input type="search" name="q" maxlength="100" value=search/>
            </label>
            <label>
                "Price "
                <select name="price">
                    {PRICE_CHOICES
                        .into_iter()
                        .map(|(value, label)| {
                            view! {
                                <option value=value selected=price == value>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button type="submit">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading the courses…"</p> }>
            {move || Suspend::new({
                let courses = courses();
                async move {
                match courses.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">"No course matches this search."</p> }.into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="courses">
                                {list.into_iter().map(|c| view! { <CourseItem course=c/> }).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            }})}
        </Suspense>
    }
}

/// One course in the list.
#[component]
fn CourseItem(course: CourseCard) -> impl IntoView {
    let href = format!("/courses/{}", course.slug);
    view! {
        <li class="course">
            <h2>
                <a href=href>{course.title}</a>
            </h2>
            <p>{course.summary}</p>
            <p class="price">{course.price}</p>
        </li>
    }
}

/// A course's page: `/courses/{slug}`.
#[component]
pub fn CoursePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    // Blocking: the response waits for the course, so that an unknown one is a real 404.
    let found = Resource::new_blocking(slug, course_page);
    let outcome = use_context::<FormOutcome>().unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading the course…"</p> }>
            {move || {
                let outcome = outcome.clone();
                Suspend::new(async move {
                match found.await {
                    Ok(page) => {
                        let slug = page.course.slug;
                        view! {
                            <article class="course-page">
                                <h1>{page.course.title}</h1>
                                <p>{page.course.summary}</p>
                                <p class="price">{page.course.price}</p>
                                <crate::learning::OfferBox slug=slug.clone() offer=page.offer outcome=outcome/>
                                <crate::exams::ExamOffer slug=slug.clone() exam=page.exam/>
                                <crate::support::Discussion slug=slug comments=page.comments/>
                            </article>
                        }
                            .into_any()
                    }
                    Err(PortalError::NotFound) => {
                        view! {
                            <h1>"Course not found"</h1>
                            <p>"There is no course at this address. " <a href="/">"Browse the courses"</a> "."</p>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
                })
            }}
        </Suspense>
    }
}

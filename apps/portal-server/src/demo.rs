//! Demo data for a newcomer's first run: a catalogue to browse. Added only to an empty
//! catalogue, so restarting the portal never duplicates it.

use pledge_store::{CourseFilter, NewCourse, Store, StoreError};
use time::OffsetDateTime;

/// (slug, title, summary, price in cents).
const COURSES: [(&str, &str, &str, i64); 6] = [
    (
        "privacy-essentials",
        "Privacy essentials",
        "What personal data is, the principles that govern it, and the rights people have over it.",
        0,
    ),
    (
        "itil-4-foundation",
        "ITIL 4 Foundation",
        "The service value system and its practices, with a Peoplecert exam at the end.",
        49_900,
    ),
    (
        "prince2-foundation",
        "PRINCE2 Foundation",
        "Principles, themes and processes of PRINCE2 project management.",
        59_900,
    ),
    (
        "career-planning",
        "Career planning workshop",
        "Map your strengths, set goals and plan the next step of your career.",
        0,
    ),
    (
        "agile-scrum",
        "Agile and Scrum in practice",
        "Roles, events and artefacts of Scrum, practised on a real backlog.",
        29_900,
    ),
    (
        "data-protection-officer",
        "The data protection officer",
        "Running a privacy office: requests, breaches, records of processing and audits.",
        79_900,
    ),
];

/// Adds the demo courses when the catalogue is empty; returns how many were added.
///
/// # Errors
/// Store failures.
pub async fn seed(store: &Store, now: OffsetDateTime) -> Result<usize, StoreError> {
    if !store
        .published_courses(&CourseFilter::default())
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    for (slug, title, summary, price_cents) in COURSES {
        let course = NewCourse {
            slug: slug.to_owned(),
            title: title.to_owned(),
            summary: summary.to_owned(),
            price_cents,
            currency: "CAD".to_owned(),
            published: true,
        };
        store.add_course(&course, now).await?;
    }
    Ok(COURSES.len())
}

//! Demo data for a newcomer's first run: a catalogue to browse and a person in every role to
//! sign in as (all with [`DEMO_PASSWORD`]). Each part is added only when it is missing, so
//! restarting the portal never duplicates it.

use pledge_domain::Role;
use pledge_policy::ValidPolicy;
use pledge_store::accounts::{Registered, Registration};
use pledge_store::assessments::NewQuestion;
use pledge_store::tours::NewTour;
use pledge_store::{CourseFilter, NewCourse, Store, StoreError};
use time::macros::date;
use time::{Duration, OffsetDateTime};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo tangerine orbit 2026";

/// The domain of the demo addresses (reserved: mail to it goes nowhere).
const DEMO_DOMAIN: &str = "demo.pledge.invalid";

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

/// The video the first lesson of every demo course shows (from a public video host: embedded
/// only where the policy declares the host's cookies and the browser accepted them).
pub const DEMO_VIDEO: &str = "https://player.vimeo.com/video/76979871";

/// The lessons every demo course has: (title, text).
const LESSONS: [(&str, &str); 3] = [
    (
        "Getting started",
        "What the course covers, how it is assessed and how to get the most out of it.",
    ),
    (
        "Core ideas",
        "The central concepts, each with a worked example from a real organisation.",
    ),
    (
        "Putting it into practice",
        "A short case study that brings the ideas together, and what to read next.",
    ),
];

/// The demo exams: (the policy's partner id, the exam, named after its course).
const EXAMS: [(&str, &str); 2] = [
    ("peoplecert", "ITIL 4 Foundation exam"),
    ("peoplecert", "PRINCE2 Foundation exam"),
];

/// The courses whose demo has an assignment for an instructor to mark.
const ASSIGNED: [&str; 2] = ["career-planning", "data-protection-officer"];

/// The demo quiz every course has.
fn quiz() -> Vec<NewQuestion> {
    let question = |prompt: &str, options: [&str; 3], correct: usize| NewQuestion {
        prompt: prompt.to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        correct,
    };
    vec![
        question(
            "What does the first lesson cover?",
            [
                "The answers to the quiz",
                "What the course covers and how it is assessed",
                "Nothing",
            ],
            1,
        ),
        question(
            "How is the course assessed?",
            [
                "By its quizzes and assignments",
                "By attendance only",
                "It is not",
            ],
            0,
        ),
        question(
            "Where do you find your marks and certificate?",
            [
                "Only in an email",
                "Nowhere",
                "On the course's assessments page and your transcript",
            ],
            2,
        ),
    ]
}

/// Adds the demo courses when the catalogue is empty; returns how many were added.
///
/// # Errors
/// Store failures.
pub async fn seed(
    store: &Store,
    policy: &ValidPolicy,
    now: OffsetDateTime,
) -> Result<usize, StoreError> {
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
        let id = store.add_course(&course, now).await?;
        for (n, (lesson, body)) in LESSONS.iter().enumerate() {
            let title = format!("{}. {lesson}", n + 1);
            let lesson = store.add_lesson(id, &title, body).await?;
            if n == 0 {
                store.set_lesson_video(lesson, DEMO_VIDEO).await?;
            }
        }
        store
            .add_quiz(id, "Check your understanding", 60, &quiz())
            .await?;
        store.add_survey(id, "How was this course?").await?;
        if let Some((partner, exam)) = EXAMS.iter().find(|(_, exam)| exam.starts_with(title)) {
            // Only where the policy sends exam bookings to that body (jtec's Peoplecert).
            match store.offer_exam(policy, id, partner, exam).await {
                Ok(()) | Err(StoreError::DisclosureRefused(_)) => {}
                Err(error) => return Err(error),
            }
        }
        if ASSIGNED.contains(&slug) {
            store
                .add_assignment(
                    id,
                    "Reflection",
                    "In a few paragraphs, describe how you will apply what this course taught you in your work.",
                    50,
                )
                .await?;
        }
    }
    Ok(COURSES.len())
}

/// (slug, title, summary, price per seat in cents, [(days from now, days away, seats)]).
type DemoTour = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    [(i64, i64, i32); 2],
);

const TOURS: [DemoTour; 3] = [
    (
        "rockies-by-rail",
        "The Rockies by rail",
        "Five days from Vancouver to Banff by train, with guided walks at every stop.",
        189_000,
        [(30, 5, 24), (75, 5, 24)],
    ),
    (
        "quebec-winter-carnival",
        "Québec winter carnival",
        "A long weekend of the carnival, the old town and a night at the ice hotel.",
        94_000,
        [(60, 3, 16), (400, 3, 16)],
    ),
    (
        "bay-of-fundy-tides",
        "The Bay of Fundy tides",
        "Walk the ocean floor at low tide and kayak the same coves at high tide.",
        72_000,
        [(45, 2, 4), (90, 2, 10)],
    ),
];

/// Adds the demo tours and their departures, run by the policy's tour operator, when the
/// policy takes tour bookings and there are no tours yet; returns how many were added.
///
/// # Errors
/// Store failures.
pub async fn seed_tours(
    store: &Store,
    policy: &ValidPolicy,
    now: OffsetDateTime,
) -> Result<usize, StoreError> {
    if !pledge_store::declared::module_enabled(policy, "tours") || !store.tours().await?.is_empty()
    {
        return Ok(0);
    }
    let Some(operator) = policy
        .policy()
        .partners
        .iter()
        .find(|p| p.id.as_str().contains("tour"))
        .map(|p| p.id.to_string())
    else {
        return Ok(0);
    };
    for (slug, title, summary, price_cents, departures) in TOURS {
        let tour = store
            .add_tour(&NewTour {
                slug: slug.to_owned(),
                title: title.to_owned(),
                summary: summary.to_owned(),
                operator: operator.clone(),
                price_cents,
                currency: "CAD".to_owned(),
            })
            .await?;
        for (from_now, length, seats) in departures {
            let starts = (now + Duration::days(from_now)).replace_time(time::Time::MIDNIGHT);
            store
                .add_departure(tour, starts, starts + Duration::days(length), seats)
                .await?;
        }
    }
    Ok(TOURS.len())
}

/// Where the policy has funders and exam bodies (jtec), enrols the demo learner in ITIL 4
/// Foundation as a funded course, so that booking its exam and sharing the result with the
/// funder can be tried; does nothing otherwise or when done before.
///
/// # Errors
/// Store failures.
pub async fn seed_funded_enrolment(
    store: &Store,
    policy: &ValidPolicy,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let Some(learner) = store.account_by_email(&demo_email(Role::Learner)).await? else {
        return Ok(());
    };
    let Some(course) = store.course_by_slug("itil-4-foundation").await? else {
        return Ok(());
    };
    if store.exam_of(policy, course.id).await?.is_none()
        || store
            .enrolment_in(learner, &course.slug, policy, now)
            .await?
            .is_some()
    {
        return Ok(());
    }
    store.enrol(learner, &course, policy, now).await?;
    match store
        .set_funder(
            policy,
            store.audit().service("portal"),
            learner,
            &course.slug,
            "funders",
            now,
        )
        .await
    {
        Ok(()) | Err(StoreError::DisclosureRefused(_)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Assigns the demo instructor to every published course they do not teach yet (an
/// administrator changes this at `/admin/teaching`); returns how many were assigned.
///
/// # Errors
/// Store failures.
pub async fn seed_teaching(
    store: &Store,
    policy: &ValidPolicy,
    now: OffsetDateTime,
) -> Result<usize, StoreError> {
    let Some(instructor) = store
        .account_by_email(&demo_email(Role::Instructor))
        .await?
    else {
        return Ok(0);
    };
    if !store.courses_taught_by(instructor).await?.is_empty() {
        return Ok(0);
    }
    let courses = store.published_courses(&CourseFilter::default()).await?;
    for course in &courses {
        store
            .assign_instructor(policy, course.id, instructor, None, now)
            .await?;
    }
    Ok(courses.len())
}

/// The demo address of `role`.
pub fn demo_email(role: Role) -> String {
    format!("{}@{DEMO_DOMAIN}", role.name())
}

/// Adds a verified demo account per role (and a young learner linked to the demo guardian)
/// unless they exist; returns the addresses added.
///
/// # Errors
/// Store failures.
pub async fn seed_people(
    store: &Store,
    policy: &ValidPolicy,
    now: OffsetDateTime,
) -> Result<Vec<String>, StoreError> {
    let mut added = Vec::new();
    for role in Role::ALL {
        if role == Role::Guardian {
            continue;
        }
        let email = demo_email(role);
        if store.account_by_email(&email).await?.is_some() {
            continue;
        }
        let form = Registration {
            display_name: format!("Demo {}", role.name().replace('-', " ")),
            email: email.clone(),
            date_of_birth: Some(date!(1990 - 01 - 01)),
            password: DEMO_PASSWORD.to_owned(),
            guardian_email: None,
        };
        if let Registered::Created { person, verify, .. } =
            store.register_account(&form, policy, now).await?
        {
            store.verify_email(&verify.token, now).await?;
            store.grant_role(policy, person, role, None, now).await?;
            added.push(email);
        }
    }
    let minor = format!("young-learner@{DEMO_DOMAIN}");
    let children = &policy.policy().children;
    // A little past the policy's minimum age, inside its guardian range (when it has one).
    let in_range = children.guardian_until > children.minimum_age;
    if in_range && store.account_by_email(&minor).await?.is_none() {
        let birth = now
            .date()
            .replace_year(now.year() - i32::from(children.minimum_age))
            .unwrap_or(now.date())
            - Duration::days(30);
        let form = Registration {
            display_name: "Demo young learner".to_owned(),
            email: minor.clone(),
            date_of_birth: Some(birth),
            password: DEMO_PASSWORD.to_owned(),
            guardian_email: Some(demo_email(Role::Guardian)),
        };
        if let Registered::Created {
            verify,
            guardian: Some(invite),
            ..
        } = store.register_account(&form, policy, now).await?
        {
            store.verify_email(&verify.token, now).await?;
            let account = Some(("Demo guardian", DEMO_PASSWORD));
            store
                .confirm_guardian(&invite.token, account, policy, now)
                .await?;
            added.push(minor);
            added.push(demo_email(Role::Guardian));
        }
    }
    Ok(added)
}

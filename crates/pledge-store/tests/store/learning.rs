//! Learning on both backends: enrolment in free courses (once, however many clicks), progress
//! through lessons with a resume point and completion, audited reads, and the refusals.

use pledge_store::{NewCourse, Store, StoreError};

use crate::support::{count, kexara, now, on_both};

pub(crate) async fn course_with_lessons(
    store: &Store,
    slug: &str,
    price_cents: i64,
    lessons: usize,
) {
    let id = store
        .add_course(
            &NewCourse {
                slug: slug.to_owned(),
                title: format!("Course {slug}"),
                summary: "A course.".to_owned(),
                price_cents,
                currency: "CAD".to_owned(),
                published: true,
            },
            now(),
        )
        .await
        .unwrap();
    for n in 1..=lessons {
        store
            .add_lesson(id, &format!("Lesson {n}"), &format!("Text of lesson {n}."))
            .await
            .unwrap();
    }
}

pub(crate) async fn learner(store: &Store) -> pledge_domain::PersonId {
    store
        .create_person(
            &pledge_store::NewPerson {
                display_name: "Ada".to_owned(),
                email: "ada@example.org".to_owned(),
                date_of_birth: None,
            },
            store.audit().service("test"),
            now(),
        )
        .await
        .unwrap()
}

/// A learner in several courses: the enrolment asked for is that course's, with its own
/// lessons and progress; a course they do not take, or that does not exist, is none.
#[tokio::test(flavor = "multi_thread")]
async fn one_enrolment_is_found_among_many_by_its_course() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "privacy", 0, 3).await;
        course_with_lessons(&store, "security", 0, 2).await;
        course_with_lessons(&store, "untaken", 0, 1).await;
        let person = learner(&store).await;
        for slug in ["privacy", "security"] {
            store
                .enrol_free(person, slug, &policy, now())
                .await
                .unwrap();
        }
        store
            .finish_lesson(person, "security", 1, &policy, now())
            .await
            .unwrap();
        let privacy = store
            .enrolment_in(person, "privacy", &policy, now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (privacy.course.slug.as_str(), privacy.lessons.len()),
            ("privacy", 3)
        );
        assert!(privacy.done.is_empty());
        let security = store
            .enrolment_in(person, "security", &policy, now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (security.course.slug.as_str(), security.done.as_slice()),
            ("security", &[1][..])
        );
        for slug in ["untaken", "no-such-course"] {
            assert!(
                store
                    .enrolment_in(person, slug, &policy, now())
                    .await
                    .unwrap()
                    .is_none(),
                "{slug}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_learner_enrols_once_resumes_where_they_stopped_and_completes() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "privacy", 0, 3).await;
        let person = learner(&store).await;
        let (a, b) = tokio::join!(
            store.enrol_free(person, "privacy", &policy, now()),
            store.enrol_free(person, "privacy", &policy, now())
        );
        assert_eq!(a.unwrap(), b.unwrap(), "two clicks make one enrolment");
        assert_eq!(count(&store, "SELECT COUNT(*) FROM enrolment").await, 1);

        let fresh = store
            .enrolment_in(person, "privacy", &policy, now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fresh.resume_at().map(|l| l.position), Some(1));
        let after_one = store
            .finish_lesson(person, "privacy", 1, &policy, now())
            .await
            .unwrap();
        assert_eq!(after_one.resume_at().map(|l| l.position), Some(2));
        let again = store
            .finish_lesson(person, "privacy", 1, &policy, now())
            .await
            .unwrap();
        assert_eq!(again.done, [1], "finishing twice counts once");
        store
            .finish_lesson(person, "privacy", 3, &policy, now())
            .await
            .unwrap();
        assert!(
            store
                .enrolment_in(person, "privacy", &policy, now())
                .await
                .unwrap()
                .unwrap()
                .completed_at
                .is_none()
        );
        let done = store
            .finish_lesson(person, "privacy", 2, &policy, now())
            .await
            .unwrap();
        assert!(done.completed_at.is_some() && done.resume_at().is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn paid_unknown_and_unenrolled_courses_are_refused_and_nothing_is_written() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "itil", 49_900, 2).await;
        let person = learner(&store).await;
        assert!(matches!(
            store.enrol_free(person, "itil", &policy, now()).await,
            Err(StoreError::PaymentRequired)
        ));
        assert!(matches!(
            store
                .enrol_free(person, "no-such-course", &policy, now())
                .await,
            Err(StoreError::NoSuchCourse)
        ));
        assert!(matches!(
            store.finish_lesson(person, "itil", 1, &policy, now()).await,
            Err(StoreError::NotEnrolled)
        ));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM enrolment").await, 0);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM lesson_progress").await,
            0
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k30_reading_someones_enrolments_is_audited() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "privacy", 0, 1).await;
        let person = learner(&store).await;
        store
            .enrol_free(person, "privacy", &policy, now())
            .await
            .unwrap();
        let before = count(&store, "SELECT COUNT(*) FROM audit_record").await;
        store.enrolments(person, &policy, now()).await.unwrap();
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_record").await,
            before + 1
        );
    })
    .await;
}

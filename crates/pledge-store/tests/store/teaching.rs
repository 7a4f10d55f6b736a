//! Who teaches which course, on both backends (W25: submissions go to instructors for
//! feedback — to the instructors of their course, not to everyone holding the role): an
//! instructor sees, marks and enters results only for the courses an administrator assigned
//! them to; the role alone opens nothing.

use pledge_domain::{PersonId, Role};
use pledge_policy::ValidPolicy;
use pledge_store::{Store, StoreError};

use crate::learning::{course_with_lessons, learner};
use crate::support::{count, now, on_both};

/// A new person with the instructor role, assigned to `course`.
pub(crate) async fn instructor_of(
    store: &Store,
    policy: &ValidPolicy,
    course: uuid::Uuid,
) -> PersonId {
    let instructor = learner(store).await;
    store
        .grant_role(policy, instructor, Role::Instructor, None, now())
        .await
        .unwrap();
    store
        .assign_instructor(policy, course, instructor, None, now())
        .await
        .unwrap();
    instructor
}

#[tokio::test(flavor = "multi_thread")]
async fn w25_submissions_go_to_the_instructors_of_their_course_only() {
    // Westmontera's promise (W25); the mechanism is the same under every pack.
    let policy = pledge_policy::packs::find("westmontera")
        .unwrap()
        .load()
        .unwrap();
    on_both(async |store, _, _| {
        let mut assignments = Vec::new();
        for slug in ["taught", "other"] {
            course_with_lessons(&store, slug, 0, 1).await;
            let course = store.course_by_slug(slug).await.unwrap().unwrap();
            let essay = store
                .add_assignment(course.id, "Essay", "Write.", 50)
                .await
                .unwrap();
            assignments.push((course.id, essay));
        }
        let [(taught, taught_essay), (other, other_essay)] = assignments[..] else {
            unreachable!("two courses");
        };
        let person = learner(&store).await;
        for (slug, essay) in [("taught", taught_essay), ("other", other_essay)] {
            store
                .enrol_free(person, slug, &policy, now())
                .await
                .unwrap();
            store
                .submit_assignment(&policy, person, essay, &format!("About {slug}."), now())
                .await
                .unwrap();
        }
        let instructor = instructor_of(&store, &policy, taught).await;
        let waiting = store.to_mark(&policy, instructor, now()).await.unwrap();
        assert_eq!(waiting.len(), 1, "only the taught course's work");
        assert_eq!(waiting[0].answer, "About taught.");

        // The other course's submission: refused, and nothing written.
        let other_submission: uuid::Uuid = {
            let other_instructor = instructor_of(&store, &policy, other).await;
            let theirs = store
                .to_mark(&policy, other_instructor, now())
                .await
                .unwrap();
            assert_eq!(theirs.len(), 1);
            theirs[0].submission
        };
        let audit_before = count(&store, "SELECT COUNT(*) FROM audit_record").await;
        assert!(matches!(
            store
                .mark_submission(
                    &policy,
                    instructor,
                    other_submission,
                    Some(80),
                    "Fine.",
                    now()
                )
                .await,
            Err(StoreError::NotTeaching)
        ));
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM submission WHERE graded_at IS NOT NULL"
            )
            .await,
            0
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_record").await,
            audit_before,
            "a refusal writes nothing"
        );
        store
            .mark_submission(
                &policy,
                instructor,
                waiting[0].submission,
                Some(80),
                "Fine.",
                now(),
            )
            .await
            .unwrap();

        // Assigning is for instructors and real courses, and happens once.
        assert!(matches!(
            store
                .assign_instructor(&policy, taught, person, None, now())
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store
                .assign_instructor(&policy, uuid::Uuid::from_u128(7), instructor, None, now())
                .await,
            Err(StoreError::NoSuchCourse)
        ));
        store
            .assign_instructor(&policy, taught, instructor, None, now())
            .await
            .unwrap();
        assert_eq!(
            store.courses_taught_by(instructor).await.unwrap(),
            vec![taught]
        );
        let admin = learner(&store).await;
        let listed = store.instructors(&policy, admin, now()).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(
            listed
                .iter()
                .any(|i| i.person == instructor && i.courses == vec![taught])
        );

        // Ending the assignment ends the access.
        store
            .unassign_instructor(&policy, taught, instructor, admin, now())
            .await
            .unwrap();
        assert!(!store.teaches(instructor, taught).await.unwrap());
        assert!(
            store
                .to_mark(&policy, instructor, now())
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

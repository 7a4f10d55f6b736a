//! Assessments and certificates on both backends: quizzes are marked at once and the latest
//! attempt counts, assignments wait for an instructor, a certificate needs every lesson and
//! every pass mark, is issued once, verifies by code, and verifies nothing once its holder is
//! erased.

use pledge_store::StoreError;
use pledge_store::assessments::NewQuestion;

use crate::learning::{course_with_lessons, learner};
use crate::support::{count, kexara, now, on_both};

fn questions() -> Vec<NewQuestion> {
    (0..4)
        .map(|n| NewQuestion {
            prompt: format!("Question {n}"),
            options: vec!["a".to_owned(), "b".to_owned(), "c".to_owned()],
            correct: n % 3,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn w09_marks_count_from_the_latest_attempt_and_certificates_follow_passing() {
    let policy = kexara();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "privacy", 0, 1).await;
        let course = store.course_by_slug("privacy").await.unwrap().unwrap();
        let quiz = store
            .add_quiz(course.id, "Quiz", 75, &questions())
            .await
            .unwrap();
        let assignment = store
            .add_assignment(course.id, "Essay", "Write about privacy.", 50)
            .await
            .unwrap();
        let person = learner(&store).await;
        let instructor = crate::teaching::instructor_of(&store, &policy, course.id).await;
        assert!(matches!(
            store
                .submit_quiz(&policy, person, quiz, &[Some(0)], now())
                .await,
            Err(StoreError::NotEnrolled)
        ));
        store
            .enrol_free(person, "privacy", &policy, now())
            .await
            .unwrap();
        let Err(StoreError::Refused(problems)) = store
            .submit_quiz(
                &policy,
                person,
                quiz,
                &[Some(0), None, Some(2), None],
                now(),
            )
            .await
        else {
            panic!("unanswered questions are refused");
        };
        assert!(
            problems[0].message.contains("2, 4"),
            "{}",
            problems[0].message
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM submission").await, 0);
        let all = [Some(0), Some(1), Some(2), Some(0)];
        assert_eq!(
            store
                .submit_quiz(&policy, person, quiz, &all, now())
                .await
                .unwrap(),
            100
        );
        let worse = [Some(0), Some(0), Some(0), Some(0)];
        assert_eq!(
            store
                .submit_quiz(&policy, person, quiz, &worse, now())
                .await
                .unwrap(),
            50
        );
        store
            .submit_assignment(&policy, person, assignment, "Privacy matters.", now())
            .await
            .unwrap();
        store
            .finish_lesson(person, "privacy", 1, &policy, now())
            .await
            .unwrap();
        assert!(
            !store
                .passed(&policy, person, "privacy", now())
                .await
                .unwrap(),
            "latest quiz 50 < 75"
        );
        assert!(matches!(
            store
                .issue_certificate(&policy, person, "privacy", now())
                .await,
            Err(StoreError::Invalid(_))
        ));
        store
            .submit_quiz(&policy, person, quiz, &all, now())
            .await
            .unwrap();
        assert!(
            !store
                .passed(&policy, person, "privacy", now())
                .await
                .unwrap(),
            "essay unmarked"
        );
        let waiting = store.to_mark(&policy, instructor, now()).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].answer, "Privacy matters.");
        store
            .mark_submission(
                &policy,
                instructor,
                waiting[0].submission,
                Some(70),
                "Good.",
                now(),
            )
            .await
            .unwrap();
        assert!(
            matches!(
                store
                    .mark_submission(
                        &policy,
                        instructor,
                        waiting[0].submission,
                        Some(90),
                        "Again",
                        now()
                    )
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "marked once"
        );
        assert!(
            store
                .passed(&policy, person, "privacy", now())
                .await
                .unwrap()
        );
        let first = store
            .issue_certificate(&policy, person, "privacy", now())
            .await
            .unwrap();
        let again = store
            .issue_certificate(&policy, person, "privacy", now())
            .await
            .unwrap();
        assert_eq!(first.code, again.code, "issued once");
        assert_eq!(first.holder, "Ada");
        let checked = store
            .verify_certificate(&policy, &first.code.to_lowercase(), now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(checked.course, "Course privacy");

        store
            .erase_person(person, &policy, store.audit().service("test"), now())
            .await
            .unwrap();
        assert_eq!(
            store
                .verify_certificate(&policy, &first.code, now())
                .await
                .unwrap(),
            None,
            "an erased holder's certificate verifies nothing"
        );
    })
    .await;
}

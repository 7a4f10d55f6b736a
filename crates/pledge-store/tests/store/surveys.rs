//! Surveys on both backends: answered once, voluntary, with consent recorded where the policy
//! bases surveys on consent, and totals withheld below the anonymity threshold (W10, J19).

use pledge_store::StoreError;
use pledge_store::surveys::{MIN_RESPONSES, SurveyAnswer, SurveySummary};

use crate::learning::{course_with_lessons, learner};
use crate::support::{count, now, on_both};

#[tokio::test(flavor = "multi_thread")]
async fn j19_w10_survey_totals_appear_only_from_five_answers_and_each_answer_counts_once() {
    let jtec = pledge_policy::packs::find("jtec").unwrap().load().unwrap();
    on_both(async |store, _, _| {
        course_with_lessons(&store, "privacy", 0, 1).await;
        let course = store.course_by_slug("privacy").await.unwrap().unwrap();
        let survey = store.add_survey(course.id, "How was it?").await.unwrap();
        let answer = |rating| SurveyAnswer {
            survey,
            rating,
            comment: "Useful.",
            notice: "Voluntary and confidential.",
        };
        let first = learner(&store).await;
        let Err(StoreError::Refused(problems)) = store
            .answer_survey(&jtec, first, answer(Some(9)), now())
            .await
        else {
            panic!("a rating out of range is refused");
        };
        assert_eq!(problems[0].field, "rating");
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM survey_response").await,
            0
        );
        for rating in 1..MIN_RESPONSES {
            let person = learner(&store).await;
            store
                .answer_survey(
                    &jtec,
                    person,
                    answer(Some(i32::try_from(rating).unwrap())),
                    now(),
                )
                .await
                .unwrap();
            store
                .answer_survey(&jtec, person, answer(Some(5)), now())
                .await
                .unwrap();
        }
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM survey_response").await,
            MIN_RESPONSES - 1,
            "answering twice changes nothing"
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM consent_event WHERE purpose = 'surveys'"
            )
            .await,
            MIN_RESPONSES - 1,
            "J19: surveys rest on consent in this policy, recorded with each answer"
        );
        assert_eq!(
            store.survey_summary(survey).await.unwrap(),
            SurveySummary::TooFew
        );
        store
            .answer_survey(&jtec, first, answer(Some(5)), now())
            .await
            .unwrap();
        let SurveySummary::Totals {
            responses,
            average,
            counts,
        } = store.survey_summary(survey).await.unwrap()
        else {
            panic!("five answers give totals");
        };
        assert_eq!(responses, 5);
        assert_eq!(counts, [1, 1, 1, 1, 1]);
        assert!((average - 3.0).abs() < f64::EPSILON);
    })
    .await;
}

//! End-of-course surveys: always voluntary (nothing else waits for an answer — W10, J19),
//! answered once per person, with the comment sealed under the respondent's key. Staff see
//! only totals, and only once enough people answered that no answer can be told apart
//! ([`MIN_RESPONSES`]); where the policy bases surveys on consent, the answer is recorded with
//! a consent event in the same transaction.

use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{broken, refused};
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::{Store, StoreError};

/// Totals are shown only from this many responses on.
pub const MIN_RESPONSES: i64 = 5;
/// The longest comment accepted.
pub const MAX_COMMENT: usize = 2_000;

/// A course's survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// Its id.
    pub id: Uuid,
    /// Its title.
    pub title: String,
}

/// An answer to a survey, as the form sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyAnswer<'a> {
    /// Which survey.
    pub survey: Uuid,
    /// The rating chosen (1–5), if any.
    pub rating: Option<i32>,
    /// The comment (may be empty).
    pub comment: &'a str,
    /// The notice shown with the survey.
    pub notice: &'a str,
}

/// What staff may see of a survey's answers.
#[derive(Debug, Clone, PartialEq)]
pub enum SurveySummary {
    /// Fewer than [`MIN_RESPONSES`] answers: nothing is shown but that.
    TooFew,
    /// The totals.
    Totals {
        /// How many answered.
        responses: i64,
        /// The average rating (1–5).
        average: f64,
        /// How many gave each rating, 1 to 5.
        counts: [i64; 5],
    },
}

impl Store {
    /// Adds a survey about `course` (staff content).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty title; failures.
    pub async fn add_survey(&self, course: Uuid, title: &str) -> Result<Uuid, StoreError> {
        if title.trim().is_empty() {
            return Err(StoreError::Invalid("a survey needs a title"));
        }
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("survey")
            .columns(["id", "course_id", "title"])
            .values([id.into(), course.into(), title.trim().into()])
            .map_err(|_| StoreError::Invalid("survey values"))?;
        self.db.execute(&insert).await.map_err(db("add a survey"))?;
        Ok(id)
    }

    /// The survey of `course`, if it has one.
    ///
    /// # Errors
    /// Database failures.
    pub async fn survey_of(&self, course: Uuid) -> Result<Option<Survey>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["id", "title"])
            .from("survey")
            .and_where(Expr::col("course_id").eq(course));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a survey"))?;
        row.map(|row| {
            Ok(Survey {
                id: row.try_get_by_index(0).map_err(broken("survey"))?,
                title: row.try_get_by_index(1).map_err(broken("survey"))?,
            })
        })
        .transpose()
    }

    /// Whether `person` answered `survey` (nothing personal is opened).
    ///
    /// # Errors
    /// Database failures.
    pub async fn answered(&self, person: PersonId, survey: Uuid) -> Result<bool, StoreError> {
        let mut select = Query::select();
        select
            .column("id")
            .from("survey_response")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("survey_id").eq(survey));
        Ok(self
            .db
            .query_one(&select)
            .await
            .map_err(db("read survey responses"))?
            .is_some())
    }

    /// Records `person`'s answer to `survey`: a rating from 1 to 5 and an optional comment,
    /// given after reading `notice` (its hash is the consent's proof). Answering twice changes
    /// nothing.
    ///
    /// # Errors
    /// [`StoreError::Refused`] (fields `rating`, `comment`); [`StoreError::ModuleDisabled`]
    /// when the policy has no survey data; failures.
    pub async fn answer_survey(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        answer: SurveyAnswer<'_>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let SurveyAnswer {
            survey,
            rating,
            comment,
            notice,
        } = answer;
        let mut problems = Vec::new();
        let rating = match rating {
            Some(r) if (1..=5).contains(&r) => r,
            _ => {
                problems.push(refused("rating", "Choose a rating from 1 to 5."));
                0
            }
        };
        if comment.chars().count() > MAX_COMMENT {
            problems.push(refused(
                "comment",
                format!("A comment can be at most {MAX_COMMENT} characters."),
            ));
        }
        if !problems.is_empty() {
            return Err(StoreError::Refused(problems));
        }
        if self.answered(person, survey).await? {
            return Ok(());
        }
        let txn = self.write_txn("start recording a survey answer").await?;
        let actor = self.audit.actor(person);
        let fields = vec![
            ("survey_id", Field::plain(survey)),
            ("rating", Field::plain(rating)),
            ("answers", Field::Sealed(comment.trim().to_owned())),
            ("submitted_at", Field::plain(now)),
        ];
        self.insert_record_in(&txn, policy, "survey_response", person, fields, actor, now)
            .await?;
        if let Some(purpose) = self.consent_purpose_of(policy, "survey_response")? {
            let version = policy.policy().policy.version.clone();
            let proof = pledge_consent::Proof {
                policy_version: version.clone(),
                text_hash: pledge_consent::TextHash::of(notice),
                source: pledge_consent::Source::PreferenceCentre,
                channel: None,
                ip: None,
                user_agent: None,
                given_by: pledge_consent::GivenBy::Subject,
            };
            let proof = serde_json::to_string(&proof).map_err(|_| StoreError::Corrupt {
                what: "consent proof",
            })?;
            let consent = vec![
                ("purpose", Field::plain(purpose)),
                ("given", Field::plain(true)),
                ("method", Field::plain("survey-form")),
                ("policy_version", Field::plain(version)),
                ("proof", Field::Sealed(proof)),
                ("recorded_at", Field::plain(now)),
            ];
            self.insert_record_in(&txn, policy, "consent_event", person, consent, actor, now)
                .await?;
        }
        txn.commit().await.map_err(db("commit a survey answer"))
    }

    /// The policy's purpose for `table`'s data when it rests on consent.
    fn consent_purpose_of(
        &self,
        policy: &ValidPolicy,
        table: &str,
    ) -> Result<Option<String>, StoreError> {
        let categories = categories_of(policy, owned_table(table)?);
        Ok(policy
            .policy()
            .purposes
            .iter()
            .find(|p| {
                p.categories.iter().any(|c| categories.contains(c))
                    && p.basis == Some(pledge_domain::LegalBasis::Consent)
            })
            .map(|p| p.id.to_string()))
    }

    /// The totals of `survey`'s ratings, withheld below [`MIN_RESPONSES`] answers. Nothing
    /// personal is read: ratings are counted, comments stay sealed.
    ///
    /// # Errors
    /// Database failures.
    pub async fn survey_summary(&self, survey: Uuid) -> Result<SurveySummary, StoreError> {
        let mut counts = [0i64; 5];
        for (slot, rating) in counts.iter_mut().zip(1i32..) {
            let mut select = Query::select();
            select
                .expr(Func::count(Expr::col("id")))
                .from("survey_response")
                .and_where(Expr::col("survey_id").eq(survey))
                .and_where(Expr::col("rating").eq(rating));
            *slot = self
                .db
                .query_one(&select)
                .await
                .map_err(db("count survey answers"))?
                .map(|row| row.try_get_by_index::<i64>(0))
                .transpose()
                .map_err(broken("survey count"))?
                .unwrap_or(0);
        }
        let responses: i64 = counts.iter().sum();
        if responses < MIN_RESPONSES {
            return Ok(SurveySummary::TooFew);
        }
        let total: i64 = counts.iter().zip(1i64..).map(|(n, r)| n * r).sum();
        #[allow(clippy::cast_precision_loss)] // counts of answers are far below 2^52
        let average = total as f64 / responses as f64;
        Ok(SurveySummary::Totals {
            responses,
            average,
            counts,
        })
    }
}

//! Assessments: quizzes marked the moment they are submitted, and assignments that an
//! instructor marks with feedback. Both need an active enrolment in the course. Submissions are
//! the learner's educational record (W09): answers and feedback sealed under their key, every
//! read audited. The latest submission of each assessment is the one that counts; a course is
//! passed when its lessons are finished and each assessment's latest mark reaches its pass
//! mark.

use pledge_audit::Action;
use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{FieldProblem, broken, refused};
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::vault::FieldRef;
use crate::{Store, StoreError};

const ANSWERS: FieldRef = FieldRef {
    table: "submission",
    column: "answers",
};
const FEEDBACK: FieldRef = FieldRef {
    table: "submission",
    column: "feedback",
};

/// The longest assignment answer accepted, in characters.
pub const MAX_ANSWER: usize = 20_000;
/// The longest feedback accepted.
pub const MAX_FEEDBACK: usize = 5_000;

/// A quiz question to add: the prompt, its options and which is right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestion {
    /// The question.
    pub prompt: String,
    /// The answers to choose from (2 to 6).
    pub options: Vec<String>,
    /// Which option is right, from 0.
    pub correct: usize,
}

/// A question as a learner sees it: never the right answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Its place, from 1.
    pub position: i32,
    /// The question.
    pub prompt: String,
    /// The options.
    pub options: Vec<String>,
}

/// What kind of assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Multiple choice, marked at once.
    Quiz,
    /// Free text, marked by an instructor.
    Assignment,
}

/// An assessment of a course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Its id.
    pub id: Uuid,
    /// Its course.
    pub course: Uuid,
    /// Its title.
    pub title: String,
    /// Quiz or assignment.
    pub kind: Kind,
    /// The mark (0–100) needed to pass.
    pub pass_mark: i32,
    /// What an assignment asks for.
    pub brief: String,
    /// A quiz's questions.
    pub questions: Vec<Question>,
}

/// A learner's latest submission of an assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Its id.
    pub id: Uuid,
    /// The assessment.
    pub assessment: Uuid,
    /// What they answered (a quiz: the chosen options, one per line; an assignment: the text).
    pub answers: String,
    /// The mark, once marked.
    pub score: Option<i32>,
    /// The instructor's feedback.
    pub feedback: String,
    /// When they submitted it.
    pub submitted_at: OffsetDateTime,
    /// When it was marked.
    pub graded_at: Option<OffsetDateTime>,
}

/// An assignment waiting for its mark, as an instructor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToMark {
    /// The submission.
    pub submission: Uuid,
    /// Whose.
    pub person: PersonId,
    /// The assessment's title.
    pub assessment: String,
    /// The brief.
    pub brief: String,
    /// The learner's answer.
    pub answer: String,
    /// When it was submitted.
    pub submitted_at: OffsetDateTime,
}

fn kind_of(text: &str) -> Result<Kind, StoreError> {
    match text {
        "quiz" => Ok(Kind::Quiz),
        "assignment" => Ok(Kind::Assignment),
        _ => Err(StoreError::Corrupt {
            what: "assessment kind",
        }),
    }
}

/// The percentage of `chosen` answers that match `correct`.
pub fn quiz_score(correct: &[usize], chosen: &[usize]) -> i32 {
    if correct.is_empty() {
        return 0;
    }
    let right = correct.iter().zip(chosen).filter(|(a, b)| a == b).count();
    i32::try_from(right * 100 / correct.len()).unwrap_or(0)
}

impl Store {
    async fn add_assessment(
        &self,
        course: Uuid,
        title: &str,
        kind: &'static str,
        pass_mark: i32,
        brief: &str,
    ) -> Result<Uuid, StoreError> {
        if title.trim().is_empty() || !(0..=100).contains(&pass_mark) {
            return Err(StoreError::Invalid(
                "an assessment needs a title and a pass mark from 0 to 100",
            ));
        }
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("assessment")
            .columns(["id", "course_id", "title", "kind", "pass_mark", "brief"])
            .values([
                id.into(),
                course.into(),
                title.trim().into(),
                kind.into(),
                pass_mark.into(),
                brief.trim().into(),
            ])
            .map_err(|_| StoreError::Invalid("assessment values"))?;
        self.db
            .execute(&insert)
            .await
            .map_err(db("add an assessment"))?;
        Ok(id)
    }

    /// Adds a quiz to `course` (staff content).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for no questions, a question without 2 to 6 options or whose
    /// right answer is not one of them; failures.
    pub async fn add_quiz(
        &self,
        course: Uuid,
        title: &str,
        pass_mark: i32,
        questions: &[NewQuestion],
    ) -> Result<Uuid, StoreError> {
        let sound = |q: &NewQuestion| {
            (2..=6).contains(&q.options.len())
                && q.correct < q.options.len()
                && !q.prompt.trim().is_empty()
                && q.options
                    .iter()
                    .all(|o| !o.trim().is_empty() && !o.contains('\n'))
        };
        if questions.is_empty() || !questions.iter().all(sound) {
            return Err(StoreError::Invalid(
                "a quiz needs questions, each with 2 to 6 one-line options and a right one",
            ));
        }
        let id = self
            .add_assessment(course, title, "quiz", pass_mark, "")
            .await?;
        for (position, question) in (1i32..).zip(questions) {
            let correct = i32::try_from(question.correct)
                .map_err(|_| StoreError::Invalid("option out of range"))?;
            let mut insert = Query::insert();
            insert
                .into_table("assessment_question")
                .columns([
                    "id",
                    "assessment_id",
                    "position",
                    "prompt",
                    "options",
                    "correct",
                ])
                .values([
                    Uuid::now_v7().into(),
                    id.into(),
                    position.into(),
                    question.prompt.trim().into(),
                    question.options.join("\n").into(),
                    correct.into(),
                ])
                .map_err(|_| StoreError::Invalid("question values"))?;
            self.db
                .execute(&insert)
                .await
                .map_err(db("add a question"))?;
        }
        Ok(id)
    }

    /// Adds an assignment to `course` (staff content).
    ///
    /// # Errors
    /// [`StoreError::Invalid`]; failures.
    pub async fn add_assignment(
        &self,
        course: Uuid,
        title: &str,
        brief: &str,
        pass_mark: i32,
    ) -> Result<Uuid, StoreError> {
        self.add_assessment(course, title, "assignment", pass_mark, brief)
            .await
    }

    /// The assessments of `course`, quizzes with their questions (without the answers).
    ///
    /// # Errors
    /// Database failures.
    pub async fn assessments(&self, course: Uuid) -> Result<Vec<Assessment>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["id", "title", "kind", "pass_mark", "brief"])
            .from("assessment")
            .and_where(Expr::col("course_id").eq(course))
            .order_by("id", Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read assessments"))?;
        let mut assessments = Vec::with_capacity(rows.len());
        for row in rows {
            let get = broken("assessment");
            let id: Uuid = row.try_get_by_index(0).map_err(&get)?;
            let kind: String = row.try_get_by_index(2).map_err(&get)?;
            assessments.push(Assessment {
                id,
                course,
                title: row.try_get_by_index(1).map_err(&get)?,
                kind: kind_of(&kind)?,
                pass_mark: row.try_get_by_index(3).map_err(&get)?,
                brief: row.try_get_by_index(4).map_err(&get)?,
                questions: self
                    .questions(id)
                    .await?
                    .into_iter()
                    .map(|(q, _)| q)
                    .collect(),
            });
        }
        Ok(assessments)
    }

    /// A quiz's questions with the index of each right option.
    async fn questions(&self, assessment: Uuid) -> Result<Vec<(Question, usize)>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["position", "prompt", "options", "correct"])
            .from("assessment_question")
            .and_where(Expr::col("assessment_id").eq(assessment))
            .order_by("position", Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read questions"))?;
        rows.iter()
            .map(|row| {
                let get = broken("question");
                let options: String = row.try_get_by_index(2).map_err(&get)?;
                let correct: i32 = row.try_get_by_index(3).map_err(&get)?;
                Ok((
                    Question {
                        position: row.try_get_by_index(0).map_err(&get)?,
                        prompt: row.try_get_by_index(1).map_err(&get)?,
                        options: options.lines().map(str::to_owned).collect(),
                    },
                    usize::try_from(correct)
                        .map_err(|_| StoreError::Corrupt { what: "question" })?,
                ))
            })
            .collect()
    }

    async fn assessment(&self, id: Uuid) -> Result<Assessment, StoreError> {
        let mut select = Query::select();
        select
            .column("course_id")
            .from("assessment")
            .and_where(Expr::col("id").eq(id));
        let course: Uuid = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read an assessment"))?
            .ok_or(StoreError::Invalid("there is no such assessment"))?
            .try_get_by_index(0)
            .map_err(broken("assessment"))?;
        self.assessments(course)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StoreError::Invalid("there is no such assessment"))
    }

    /// Whether `person` has an active enrolment in `course`.
    async fn enrolled_in(&self, person: PersonId, course: Uuid) -> Result<bool, StoreError> {
        let mut select = Query::select();
        select
            .column("id")
            .from("enrolment")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("course_id").eq(course))
            .and_where(Expr::col("status").ne(crate::learning::WITHDRAWN));
        Ok(self
            .db
            .query_one(&select)
            .await
            .map_err(db("read an enrolment"))?
            .is_some())
    }

    async fn insert_submission(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        assessment: Uuid,
        answers: String,
        score: Option<i32>,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let fields = vec![
            ("assessment_id", Field::plain(assessment)),
            ("answers", Field::Sealed(answers)),
            ("feedback", Field::Sealed(String::new())),
            ("score", Field::plain(score)),
            ("submitted_at", Field::plain(now)),
            ("graded_at", Field::plain(score.map(|_| now))),
            ("graded_by", Field::plain(None::<Uuid>)),
        ];
        let actor = self.audit.actor(person);
        self.insert_record(policy, "submission", person, fields, actor, now)
            .await
    }

    /// Submits `person`'s answers to the quiz `assessment` (`chosen[i]`: the option picked for
    /// question `i + 1`, if any) and marks them at once; returns the mark.
    ///
    /// # Errors
    /// [`StoreError::NotEnrolled`]; [`StoreError::Refused`] naming each unanswered question
    /// (`q1`, `q2`, …); [`StoreError::Invalid`] for an assignment or an unknown assessment.
    pub async fn submit_quiz(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        assessment: Uuid,
        chosen: &[Option<usize>],
        now: OffsetDateTime,
    ) -> Result<i32, StoreError> {
        let quiz = self.assessment(assessment).await?;
        if quiz.kind != Kind::Quiz {
            return Err(StoreError::Invalid("this assessment is not a quiz"));
        }
        if !self.enrolled_in(person, quiz.course).await? {
            return Err(StoreError::NotEnrolled);
        }
        let questions = self.questions(assessment).await?;
        let mut unanswered: Vec<String> = Vec::new();
        let mut picked = Vec::with_capacity(questions.len());
        for (index, (question, _)) in questions.iter().enumerate() {
            match chosen.get(index).copied().flatten() {
                Some(option) if option < question.options.len() => picked.push(option),
                _ => unanswered.push(question.position.to_string()),
            }
        }
        if !unanswered.is_empty() {
            return Err(StoreError::Refused(vec![FieldProblem {
                field: "quiz",
                message: format!(
                    "Answer every question before submitting; still open: {}.",
                    unanswered.join(", ")
                ),
            }]));
        }
        let correct: Vec<usize> = questions.iter().map(|(_, c)| *c).collect();
        let score = quiz_score(&correct, &picked);
        let answers = picked
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        self.insert_submission(policy, person, assessment, answers, Some(score), now)
            .await?;
        Ok(score)
    }

    /// Submits `person`'s answer to the assignment `assessment`, for an instructor to mark.
    ///
    /// # Errors
    /// [`StoreError::NotEnrolled`]; [`StoreError::Refused`] (field `answer`) for an empty or
    /// over-long answer; [`StoreError::Invalid`].
    pub async fn submit_assignment(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        assessment: Uuid,
        answer: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let assignment = self.assessment(assessment).await?;
        if assignment.kind != Kind::Assignment {
            return Err(StoreError::Invalid("this assessment is not an assignment"));
        }
        if !self.enrolled_in(person, assignment.course).await? {
            return Err(StoreError::NotEnrolled);
        }
        let answer = answer.trim();
        if answer.is_empty() || answer.chars().count() > MAX_ANSWER {
            return Err(StoreError::Refused(vec![refused(
                "answer",
                format!("Write your answer: 1 to {MAX_ANSWER} characters."),
            )]));
        }
        self.insert_submission(policy, person, assessment, answer.to_owned(), None, now)
            .await
    }

    /// `person`'s latest submission of each assessment of `course`; the read is audited.
    ///
    /// # Errors
    /// Failures.
    pub async fn submissions_of(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        course: Uuid,
        now: OffsetDateTime,
    ) -> Result<Vec<Submission>, StoreError> {
        let assessments = self.assessments(course).await?;
        let key = self
            .keys
            .get(person)
            .await?
            .ok_or(StoreError::Erased(person))?;
        let mut latest = Vec::new();
        for assessment in &assessments {
            let mut select = Query::select();
            select
                .columns([
                    "id",
                    "answers",
                    "feedback",
                    "score",
                    "submitted_at",
                    "graded_at",
                ])
                .from("submission")
                .and_where(Expr::col("person_id").eq(person.as_uuid()))
                .and_where(Expr::col("assessment_id").eq(assessment.id))
                .order_by("submitted_at", Order::Desc)
                .order_by("id", Order::Desc)
                .limit(1);
            let Some(row) = self
                .db
                .query_one(&select)
                .await
                .map_err(db("read submissions"))?
            else {
                continue;
            };
            let get = broken("submission");
            let answers: Vec<u8> = row.try_get_by_index(1).map_err(&get)?;
            let feedback: Option<Vec<u8>> = row.try_get_by_index(2).map_err(&get)?;
            latest.push(Submission {
                id: row.try_get_by_index(0).map_err(&get)?,
                assessment: assessment.id,
                answers: key.open_text(ANSWERS, &answers)?,
                feedback: feedback
                    .map(|f| key.open_text(FEEDBACK, &f))
                    .transpose()?
                    .unwrap_or_default(),
                score: row.try_get_by_index(3).map_err(&get)?,
                submitted_at: row.try_get_by_index(4).map_err(&get)?,
                graded_at: row.try_get_by_index(5).map_err(&get)?,
            });
        }
        self.audit_reads(
            policy,
            self.audit.actor(person),
            "submission",
            &[person],
            now,
        )
        .await?;
        Ok(latest)
    }

    /// Every assignment submission waiting for a mark in the courses `staff` teaches, oldest
    /// first; each learner's read is audited.
    ///
    /// # Errors
    /// Failures.
    pub async fn to_mark(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<ToMark>, StoreError> {
        let mut select = Query::select();
        select
            .column(("submission", "id"))
            .column(("submission", "person_id"))
            .column(("assessment", "title"))
            .column(("assessment", "brief"))
            .column(("submission", "answers"))
            .column(("submission", "submitted_at"))
            .from("submission")
            .inner_join(
                "assessment",
                Expr::col(("assessment", "id")).equals(("submission", "assessment_id")),
            )
            .inner_join(
                "course_instructor",
                Expr::col(("course_instructor", "course_id")).equals(("assessment", "course_id")),
            )
            .and_where(Expr::col(("course_instructor", "person_id")).eq(staff.as_uuid()))
            .and_where(Expr::col(("assessment", "kind")).eq("assignment"))
            .and_where(Expr::col(("submission", "graded_at")).is_null())
            .order_by(("submission", "submitted_at"), Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read submissions to mark"))?;
        let mut waiting = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = broken("submission");
            let person = PersonId::from_uuid(row.try_get_by_index(1).map_err(&get)?);
            // An erased learner's answer cannot be opened, and needs no mark.
            let Some(key) = self.keys.get(person).await? else {
                continue;
            };
            let answer: Vec<u8> = row.try_get_by_index(4).map_err(&get)?;
            waiting.push(ToMark {
                submission: row.try_get_by_index(0).map_err(&get)?,
                person,
                assessment: row.try_get_by_index(2).map_err(&get)?,
                brief: row.try_get_by_index(3).map_err(&get)?,
                answer: key.open_text(ANSWERS, &answer)?,
                submitted_at: row.try_get_by_index(5).map_err(&get)?,
            });
        }
        let mut people: Vec<PersonId> = waiting.iter().map(|w| w.person).collect();
        people.sort();
        people.dedup();
        self.audit_reads(policy, self.audit.actor(staff), "submission", &people, now)
            .await?;
        Ok(waiting)
    }

    /// `staff` marks the assignment submission `submission` with `score` (0–100) and
    /// `feedback`, in a course they teach.
    ///
    /// # Errors
    /// [`StoreError::Refused`] (fields `score`, `feedback`); [`StoreError::Invalid`] for an
    /// unknown or already marked submission; [`StoreError::NotTeaching`] for a course `staff`
    /// does not teach; failures.
    pub async fn mark_submission(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        submission: Uuid,
        score: Option<i32>,
        feedback: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut problems = Vec::new();
        let score = match score {
            Some(score) if (0..=100).contains(&score) => score,
            _ => {
                problems.push(refused("score", "Give a mark from 0 to 100."));
                0
            }
        };
        let feedback = feedback.trim();
        if feedback.is_empty() || feedback.chars().count() > MAX_FEEDBACK {
            problems.push(refused(
                "feedback",
                format!("Write feedback for the learner: 1 to {MAX_FEEDBACK} characters."),
            ));
        }
        if !problems.is_empty() {
            return Err(StoreError::Refused(problems));
        }
        let mut select = Query::select();
        select
            .column(("submission", "person_id"))
            .column(("assessment", "course_id"))
            .from("submission")
            .inner_join(
                "assessment",
                Expr::col(("assessment", "id")).equals(("submission", "assessment_id")),
            )
            .and_where(Expr::col(("submission", "id")).eq(submission))
            .and_where(Expr::col(("submission", "graded_at")).is_null());
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a submission"))?
            .ok_or(StoreError::Invalid(
                "this submission is not waiting for a mark",
            ))?;
        let person: Uuid = row.try_get_by_index(0).map_err(broken("submission"))?;
        let course: Uuid = row.try_get_by_index(1).map_err(broken("submission"))?;
        self.require_teaching(staff, course).await?;
        let person = PersonId::from_uuid(person);
        let key = self
            .keys
            .get(person)
            .await?
            .ok_or(StoreError::Erased(person))?;
        let sealed = key.seal(FEEDBACK, feedback.as_bytes())?;
        let txn = self.write_txn("start marking").await?;
        let mut update = Query::update();
        update
            .table("submission")
            .value("score", score)
            .value("feedback", sealed)
            .value("graded_at", now)
            .value("graded_by", staff.as_uuid())
            .and_where(Expr::col("id").eq(submission))
            .and_where(Expr::col("graded_at").is_null());
        let marked = txn
            .execute(&update)
            .await
            .map_err(db("mark a submission"))?;
        if marked.rows_affected() != 1 {
            return Err(StoreError::Invalid(
                "this submission is not waiting for a mark",
            ));
        }
        let event = self.audit.event_about(
            self.audit.actor(staff),
            Action::Update,
            person,
            categories_of(policy, owned_table("submission")?),
            None,
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a mark"))
    }

    /// Whether `person` passed `course`: every lesson finished and each assessment's latest
    /// mark at least its pass mark.
    ///
    /// # Errors
    /// Failures.
    pub async fn passed(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        slug: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let Some(enrolment) = self.enrolment_in(person, slug, policy, now).await? else {
            return Ok(false);
        };
        if enrolment.completed_at.is_none() {
            return Ok(false);
        }
        let assessments = self.assessments(enrolment.course.id).await?;
        let latest = self
            .submissions_of(policy, person, enrolment.course.id, now)
            .await?;
        Ok(assessments.iter().all(|a| {
            latest
                .iter()
                .find(|s| s.assessment == a.id)
                .and_then(|s| s.score)
                .is_some_and(|score| score >= a.pass_mark)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiz_scores_the_share_of_right_answers() {
        assert_eq!(quiz_score(&[0, 1, 2, 3], &[0, 1, 2, 3]), 100);
        assert_eq!(quiz_score(&[0, 1, 2, 3], &[0, 1, 0, 0]), 50);
        assert_eq!(quiz_score(&[0, 1, 2], &[1, 1, 1]), 33);
        assert_eq!(quiz_score(&[], &[]), 0);
    }
}

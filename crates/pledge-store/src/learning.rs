//! Learning: a course's lessons, enrolment, progress through the lessons and where to resume.
//!
//! Lessons are catalogue content (not personal); enrolments and progress are the learner's
//! personal records, written through the declared-records path (so they are exported and
//! erased with everything else) and read with an audit entry. A person is enrolled in a course
//! once (a unique index, so two clicks at the same moment make one enrolment); a free course
//! is enrolled in directly, a paid one only once its payment is confirmed.

use pledge_audit::Action;
use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::broken;
use crate::catalogue::Course;
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::{Store, StoreError};

/// The status of an enrolment whose payment was refunded: its lessons are closed, and paying
/// again takes it up where it was.
pub const WITHDRAWN: &str = "withdrawn";

/// A lesson of a course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Its id.
    pub id: Uuid,
    /// Its place in the course, from 1.
    pub position: i32,
    /// Its title.
    pub title: String,
    /// Its text.
    pub body: String,
    /// The address of its video on a video host, if it has one.
    pub video_url: Option<String>,
}

/// Someone's enrolment in a course, with their progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The enrolment's id.
    pub id: Uuid,
    /// The course.
    pub course: Course,
    /// The course's lessons, in order.
    pub lessons: Vec<Lesson>,
    /// The positions of the lessons they finished.
    pub done: Vec<i32>,
    /// When they finished the course, if they did.
    pub completed_at: Option<OffsetDateTime>,
}

impl Enrolment {
    /// The first lesson not finished yet: where to resume.
    pub fn resume_at(&self) -> Option<&Lesson> {
        self.lessons
            .iter()
            .find(|l| !self.done.contains(&l.position))
    }
}

fn lesson_of(row: &sea_orm::QueryResult) -> Result<Lesson, StoreError> {
    Ok(Lesson {
        id: row.try_get_by_index(0).map_err(broken("lesson"))?,
        position: row.try_get_by_index(1).map_err(broken("lesson"))?,
        title: row.try_get_by_index(2).map_err(broken("lesson"))?,
        body: row.try_get_by_index(3).map_err(broken("lesson"))?,
        video_url: row.try_get_by_index(4).map_err(broken("lesson"))?,
    })
}

impl Store {
    /// Adds a lesson at the end of `course` (staff content; nothing personal).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty or over-long title; database failures.
    pub async fn add_lesson(
        &self,
        course: Uuid,
        title: &str,
        body: &str,
    ) -> Result<Uuid, StoreError> {
        if title.trim().is_empty() || title.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "a lesson's title is 1 to 200 characters",
            ));
        }
        let txn = self.write_txn("start adding a lesson").await?;
        let mut last = Query::select();
        last.expr(Func::max(Expr::col("position")))
            .from("lesson")
            .and_where(Expr::col("course_id").eq(course));
        let position: i32 = txn
            .query_one(&last)
            .await
            .map_err(db("read a course's lessons"))?
            .and_then(|row| row.try_get_by_index::<Option<i32>>(0).ok().flatten())
            .unwrap_or(0)
            .saturating_add(1);
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("lesson")
            .columns(["id", "course_id", "position", "title", "body"])
            .values([
                id.into(),
                course.into(),
                position.into(),
                title.trim().into(),
                body.into(),
            ])
            .map_err(|_| StoreError::Corrupt { what: "lesson" })?;
        txn.execute(&insert).await.map_err(db("store a lesson"))?;
        txn.commit().await.map_err(db("commit a lesson"))?;
        Ok(id)
    }

    /// Shows the video at `url` (an `https://` address on a video host) in `lesson`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an address that is not `https://`; database failures.
    pub async fn set_lesson_video(&self, lesson: Uuid, url: &str) -> Result<(), StoreError> {
        let url = url.trim();
        let plausible = url.len() <= 500
            && url
                .strip_prefix("https://")
                .is_some_and(|rest| rest.contains('.') && !rest.starts_with('/'))
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '<');
        if !plausible {
            return Err(StoreError::Invalid(
                "a video's address starts with https:// and names its host",
            ));
        }
        let mut update = Query::update();
        update
            .table("lesson")
            .value("video_url", url)
            .and_where(Expr::col("id").eq(lesson));
        self.db
            .execute(&update)
            .await
            .map_err(db("store a lesson's video"))
            .map(|_| ())
    }

    /// The lessons of `course`, in order.
    ///
    /// # Errors
    /// Database failures.
    pub async fn lessons(&self, course: Uuid) -> Result<Vec<Lesson>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["id", "position", "title", "body", "video_url"])
            .from("lesson")
            .and_where(Expr::col("course_id").eq(course))
            .order_by("position", Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read lessons"))?;
        rows.iter().map(lesson_of).collect()
    }

    /// Enrols `person` in the free course at `slug`; enrolling again changes nothing.
    ///
    /// # Errors
    /// [`StoreError::NoSuchCourse`] for an unknown or unpublished course;
    /// [`StoreError::PaymentRequired`] for a paid one; failures.
    pub async fn enrol_free(
        &self,
        person: PersonId,
        slug: &str,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let course = self
            .course_by_slug(slug)
            .await?
            .ok_or(StoreError::NoSuchCourse)?;
        if !course.is_free() {
            return Err(StoreError::PaymentRequired);
        }
        self.enrol(person, &course, policy, now).await
    }

    /// Enrols `person` in `course` (after its payment, for a paid one); enrolling again
    /// changes nothing and returns the enrolment there is.
    ///
    /// # Errors
    /// Database or key-store failures.
    pub async fn enrol(
        &self,
        person: PersonId,
        course: &Course,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        if let Some((existing, status)) = self.enrolment_row(&self.db, person, course.id).await?
            && status != WITHDRAWN
        {
            return Ok(existing);
        }
        let txn = self.write_txn("start enrolling").await?;
        match self
            .enrol_within(&txn, policy, person, course.id, now)
            .await
        {
            Ok(id) => {
                txn.commit().await.map_err(db("commit an enrolment"))?;
                Ok(id)
            }
            // A second click at the same moment: the unique index kept one enrolment.
            Err(StoreError::Database { .. }) => {
                drop(txn);
                self.enrolment_row(&self.db, person, course.id)
                    .await?
                    .map(|(id, _)| id)
                    .ok_or(StoreError::Corrupt { what: "enrolment" })
            }
            Err(other) => Err(other),
        }
    }

    /// Enrols `person` in the course `course` inside `txn` (a paid course's payment delivers
    /// it this way): a withdrawn enrolment is taken up again, an active one is kept.
    pub(crate) async fn enrol_within(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        course: Uuid,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        match self.enrolment_row(txn, person, course).await? {
            Some((id, status)) if status == WITHDRAWN => {
                let mut update = Query::update();
                update
                    .table("enrolment")
                    .value("status", "active")
                    .value("enrolled_at", now)
                    .and_where(Expr::col("id").eq(id));
                txn.execute(&update)
                    .await
                    .map_err(db("take up an enrolment again"))?;
                Ok(id)
            }
            Some((id, _)) => Ok(id),
            None => {
                let fields = vec![
                    ("course_id", Field::plain(course)),
                    ("programme_id", Field::plain(None::<Uuid>)),
                    ("funded_by", Field::plain(None::<String>)),
                    ("status", Field::plain("active")),
                    ("enrolled_at", Field::plain(now)),
                    ("completed_at", Field::plain(None::<OffsetDateTime>)),
                ];
                let actor = self.audit.actor(person);
                self.insert_record_in(txn, policy, "enrolment", person, fields, actor, now)
                    .await
            }
        }
    }

    /// `person`'s enrolment in `course` with its status, read through `connection`.
    async fn enrolment_row(
        &self,
        connection: &impl ConnectionTrait,
        person: PersonId,
        course: Uuid,
    ) -> Result<Option<(Uuid, String)>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["id", "status"])
            .from("enrolment")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("course_id").eq(course));
        let row = connection
            .query_one(&select)
            .await
            .map_err(db("read an enrolment"))?;
        row.map(|row| {
            Ok((
                row.try_get_by_index(0).map_err(broken("enrolment"))?,
                row.try_get_by_index(1).map_err(broken("enrolment"))?,
            ))
        })
        .transpose()
    }

    /// Every enrolment of `person`, with progress; the read is audited.
    ///
    /// # Errors
    /// Database failures.
    pub async fn enrolments(
        &self,
        person: PersonId,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Vec<Enrolment>, StoreError> {
        let rows = self.enrolment_rows(person, None).await?;
        let mut enrolments = Vec::with_capacity(rows.len());
        for row in rows {
            let course: Uuid = row.try_get_by_index(1).map_err(broken("enrolment"))?;
            let Some(course) = self.course_by_id(course).await? else {
                continue;
            };
            enrolments.push(self.enrolment_of(&row, course).await?);
        }
        self.audit_learning_read(person, policy, now).await?;
        Ok(enrolments)
    }

    /// `person`'s enrolment in the course at `slug`, if any; the read is audited. Only that
    /// course's enrolment is read, however many courses the person takes.
    ///
    /// # Errors
    /// Database failures.
    pub async fn enrolment_in(
        &self,
        person: PersonId,
        slug: &str,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Option<Enrolment>, StoreError> {
        let found = match self.course_by_slug(slug).await? {
            Some(course) => match self.enrolment_rows(person, Some(course.id)).await?.first() {
                Some(row) => Some(self.enrolment_of(row, course).await?),
                None => None,
            },
            None => None,
        };
        self.audit_learning_read(person, policy, now).await?;
        Ok(found)
    }

    /// `person`'s enrolments that are not withdrawn (id, course id, completion), oldest first;
    /// with `course`, only the one in that course.
    async fn enrolment_rows(
        &self,
        person: PersonId,
        course: Option<Uuid>,
    ) -> Result<Vec<sea_orm::QueryResult>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["id", "course_id", "completed_at"])
            .from("enrolment")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("status").ne(WITHDRAWN))
            .order_by("enrolled_at", Order::Asc);
        if let Some(course) = course {
            select.and_where(Expr::col("course_id").eq(course));
        }
        self.db
            .query_all(&select)
            .await
            .map_err(db("read enrolments"))
    }

    /// The enrolment an [`Self::enrolment_rows`] row describes, in `course`, with its lessons
    /// and the positions finished.
    async fn enrolment_of(
        &self,
        row: &sea_orm::QueryResult,
        course: Course,
    ) -> Result<Enrolment, StoreError> {
        let id: Uuid = row.try_get_by_index(0).map_err(broken("enrolment"))?;
        Ok(Enrolment {
            id,
            lessons: self.lessons(course.id).await?,
            done: self.finished_positions(id).await?,
            completed_at: row.try_get_by_index(2).map_err(broken("enrolment"))?,
            course,
        })
    }

    /// Marks lesson `position` of the course at `slug` finished for `person`; finishing the
    /// last one completes the enrolment. Returns the enrolment as it now stands.
    ///
    /// # Errors
    /// [`StoreError::NotEnrolled`] when they are not enrolled; [`StoreError::Invalid`] for a
    /// lesson the course does not have; failures.
    pub async fn finish_lesson(
        &self,
        person: PersonId,
        slug: &str,
        position: i32,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Enrolment, StoreError> {
        let enrolment = self
            .enrolment_in(person, slug, policy, now)
            .await?
            .ok_or(StoreError::NotEnrolled)?;
        let lesson = enrolment
            .lessons
            .iter()
            .find(|l| l.position == position)
            .ok_or(StoreError::Invalid("the course has no such lesson"))?;
        if !enrolment.done.contains(&position) {
            let fields = vec![
                ("enrolment_id", Field::plain(enrolment.id)),
                ("lesson_id", Field::plain(lesson.id)),
                ("position", Field::plain(position)),
                ("completed_at", Field::plain(now)),
                ("updated_at", Field::plain(now)),
            ];
            let txn = self.write_txn("start recording progress").await?;
            let actor = self.audit.actor(person);
            let written = self
                .insert_record_in(&txn, policy, "lesson_progress", person, fields, actor, now)
                .await;
            match written {
                Ok(_) => {}
                // The same lesson finished twice at once: the unique index kept one row.
                Err(StoreError::Database { .. }) => {}
                Err(other) => return Err(other),
            }
            let all_done = enrolment
                .lessons
                .iter()
                .all(|l| l.position == position || enrolment.done.contains(&l.position));
            if all_done {
                let mut update = Query::update();
                update
                    .table("enrolment")
                    .value("status", "completed")
                    .value("completed_at", now)
                    .and_where(Expr::col("id").eq(enrolment.id))
                    .and_where(Expr::col("completed_at").is_null());
                txn.execute(&update)
                    .await
                    .map_err(db("complete an enrolment"))?;
            }
            txn.commit().await.map_err(db("commit progress"))?;
        }
        self.enrolment_in(person, slug, policy, now)
            .await?
            .ok_or(StoreError::NotEnrolled)
    }

    async fn finished_positions(&self, enrolment: Uuid) -> Result<Vec<i32>, StoreError> {
        let mut select = Query::select();
        select
            .column("position")
            .from("lesson_progress")
            .and_where(Expr::col("enrolment_id").eq(enrolment))
            .and_where(Expr::col("completed_at").is_not_null());
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read progress"))?;
        rows.iter()
            .map(|row| row.try_get_by_index(0).map_err(broken("progress")))
            .collect()
    }

    async fn audit_learning_read(
        &self,
        person: PersonId,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let categories = categories_of(policy, owned_table("enrolment")?);
        // The purpose the read serves: the policy's first that uses this data (delivering the
        // course the learner enrolled in).
        let purpose = policy
            .policy()
            .purposes
            .iter()
            .find(|p| p.categories.iter().any(|c| categories.contains(c)))
            .map(|p| p.id.clone())
            .ok_or(StoreError::ModuleDisabled("learning"))?;
        let event = self.audit.event_about(
            self.audit.actor(person),
            Action::Read,
            person,
            categories,
            Some(purpose),
        );
        let txn = self.write_txn("start auditing a read").await?;
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit an audited read"))
    }
}

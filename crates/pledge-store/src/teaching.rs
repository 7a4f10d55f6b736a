//! Who teaches which course. An administrator assigns instructors to courses; an instructor
//! then marks assignments, enters exam results and reads survey totals for those courses only
//! (the store refuses the rest with [`StoreError::NotTeaching`]). Holding the instructor role
//! alone opens no learner's work.

use pledge_domain::{PersonId, Role};
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::broken;
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::{Store, StoreError};

/// An instructor as the administrator's page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instructor {
    /// Their id.
    pub person: PersonId,
    /// The name they go by.
    pub display_name: String,
    /// Their email address.
    pub email: String,
    /// The courses they teach.
    pub courses: Vec<Uuid>,
}

impl Store {
    /// Assigns `instructor` (who must hold the instructor role) to `course`; assigning again
    /// changes nothing. `by` is the administrator.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an unknown course or someone who is not an instructor;
    /// failures.
    pub async fn assign_instructor(
        &self,
        policy: &ValidPolicy,
        course: Uuid,
        instructor: PersonId,
        by: Option<PersonId>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if !self.course_exists(course).await? {
            return Err(StoreError::NoSuchCourse);
        }
        if !self.roles_of(instructor).await?.contains(&Role::Instructor) {
            return Err(StoreError::Invalid("this person is not an instructor"));
        }
        if self.teaches(instructor, course).await? {
            return Ok(());
        }
        let actor = by.map_or_else(|| self.audit.service("portal"), |by| self.audit.actor(by));
        let fields = vec![
            ("course_id", Field::plain(course)),
            ("assigned_by", Field::plain(by.map(|p| p.as_uuid()))),
            ("assigned_at", Field::plain(now)),
        ];
        self.insert_record(policy, "course_instructor", instructor, fields, actor, now)
            .await
            .map(|_| ())
    }

    /// Ends `instructor`'s assignment to `course` (recorded in the audit log); ending one that
    /// does not exist changes nothing.
    ///
    /// # Errors
    /// Failures.
    pub async fn unassign_instructor(
        &self,
        policy: &ValidPolicy,
        course: Uuid,
        instructor: PersonId,
        by: PersonId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let txn = self.write_txn("start ending an assignment").await?;
        let mut delete = Query::delete();
        delete
            .from_table("course_instructor")
            .and_where(Expr::col("person_id").eq(instructor.as_uuid()))
            .and_where(Expr::col("course_id").eq(course));
        let done = txn
            .execute(&delete)
            .await
            .map_err(db("end an assignment"))?;
        if done.rows_affected() == 0 {
            return Ok(());
        }
        let event = self.audit.event_about(
            self.audit.actor(by),
            pledge_audit::Action::Delete,
            instructor,
            categories_of(policy, owned_table("course_instructor")?),
            None,
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit()
            .await
            .map_err(db("commit ending an assignment"))
    }

    /// Whether `person` teaches `course`.
    ///
    /// # Errors
    /// Failures.
    pub async fn teaches(&self, person: PersonId, course: Uuid) -> Result<bool, StoreError> {
        Ok(self.courses_taught_by(person).await?.contains(&course))
    }

    /// The courses `person` teaches.
    ///
    /// # Errors
    /// Failures.
    pub async fn courses_taught_by(&self, person: PersonId) -> Result<Vec<Uuid>, StoreError> {
        let mut select = Query::select();
        select
            .column("course_id")
            .from("course_instructor")
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read the courses taught"))?;
        rows.iter()
            .map(|row| row.try_get_by_index(0).map_err(broken("teaching")))
            .collect()
    }

    /// Refuses `staff` unless they teach `course`.
    pub(crate) async fn require_teaching(
        &self,
        staff: PersonId,
        course: Uuid,
    ) -> Result<(), StoreError> {
        if self.teaches(staff, course).await? {
            Ok(())
        } else {
            Err(StoreError::NotTeaching)
        }
    }

    /// Every instructor with their name, address and courses, for `admin` (each read
    /// audited), by name.
    ///
    /// # Errors
    /// Failures.
    pub async fn instructors(
        &self,
        policy: &ValidPolicy,
        admin: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Instructor>, StoreError> {
        let mut select = Query::select();
        select
            .column("person_id")
            .from("role_grant")
            .and_where(Expr::col("role").eq(Role::Instructor.name()))
            .order_by("granted_at", Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read the instructors"))?;
        let mut people = Vec::with_capacity(rows.len());
        for row in &rows {
            people.push(PersonId::from_uuid(
                row.try_get_by_index(0).map_err(broken("role"))?,
            ));
        }
        people.dedup();
        let mut found = Vec::with_capacity(people.len());
        for person in &people {
            // An erased instructor's details cannot be opened and teach nothing.
            let view = match self.open_live(*person).await {
                Ok(view) => view,
                Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => continue,
                Err(error) => return Err(error),
            };
            found.push(Instructor {
                person: *person,
                display_name: view.display_name,
                email: view.email,
                courses: self.courses_taught_by(*person).await?,
            });
        }
        let read: Vec<PersonId> = found.iter().map(|i| i.person).collect();
        self.audit_reads(policy, self.audit.actor(admin), "person", &read, now)
            .await?;
        found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(found)
    }

    async fn course_exists(&self, course: Uuid) -> Result<bool, StoreError> {
        let mut select = Query::select();
        select
            .column("id")
            .from("course")
            .and_where(Expr::col("id").eq(course));
        Ok(self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a course"))?
            .is_some())
    }
}

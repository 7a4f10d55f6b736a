//! Exams with partner bodies (J07, J40): a course may end in an exam run by a partner from the
//! policy's registry. Booking one sends the partner what the policy says it receives for exam
//! delivery — recorded as a disclosure in the same step — and the person is shown exactly that
//! before they book. Results come back (entered by staff) sealed under the candidate's key;
//! where the course was funded, the result goes to the funder under the policy's
//! results-sharing purpose, recorded as a disclosure too.

use pledge_audit::ActorKey;
use pledge_domain::{CategoryId, PartnerId, PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::{broken, refused};
use crate::disclosures::NewDisclosure;
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::vault::FieldRef;
use crate::{Store, StoreError};

/// The purpose exams are booked under.
pub const EXAM_PURPOSE: &str = "exam-delivery";
/// The purpose results reach funders under.
pub const RESULTS_PURPOSE: &str = "results-sharing";
/// The tables whose data a booking sends the exam body: who the candidate is and what they
/// studied.
const SENT_AT_BOOKING: [&str; 2] = ["person", "enrolment"];
/// The tables whose data a result sends a funder: the same, and the result.
const SENT_TO_FUNDER: [&str; 3] = ["person", "enrolment", "exam_booking"];

/// A funded enrolment, as the administrator's funding page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundedEnrolment {
    /// The learner.
    pub person: PersonId,
    /// Their name.
    pub learner: String,
    /// The course's title.
    pub course: String,
    /// The funder (the policy's partner id).
    pub funder: String,
}

/// The partners of `policy` that fund courses (they receive results for sharing with
/// funders): (id, name).
pub fn funders(policy: &ValidPolicy) -> Vec<(PartnerId, String)> {
    policy
        .policy()
        .partners
        .iter()
        .filter(|p| {
            p.purposes
                .iter()
                .any(|purpose| purpose.as_str() == RESULTS_PURPOSE)
        })
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect()
}

const CANDIDATE: FieldRef = FieldRef {
    table: "exam_booking",
    column: "candidate_number",
};
const RESULT: FieldRef = FieldRef {
    table: "exam_booking",
    column: "result",
};

/// A course's exam, and what booking it shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamOffer {
    /// The exam.
    pub title: String,
    /// The partner body's id.
    pub partner: PartnerId,
    /// Its name.
    pub partner_name: String,
    /// What it receives at booking, by category name.
    pub shared: Vec<String>,
    /// Why: the purpose's description.
    pub why: String,
    /// The legal basis, as the policy cites it.
    pub basis: String,
}

/// An exam booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamBooking {
    /// Its id.
    pub id: Uuid,
    /// Whose.
    pub person: PersonId,
    /// The exam.
    pub exam: String,
    /// The partner body.
    pub partner: String,
    /// The candidate number the partner knows them by.
    pub candidate_number: String,
    /// The result, once entered.
    pub result: Option<String>,
    /// When the exam is.
    pub sitting_at: OffsetDateTime,
    /// `booked` or `result`.
    pub status: String,
}

/// The categories of `tables` that `partner` receives under `policy`: what sending it that
/// data discloses.
fn shared_with(policy: &ValidPolicy, partner: &PartnerId, tables: &[&str]) -> Vec<CategoryId> {
    let Some(registered) = policy.partner(partner) else {
        return Vec::new();
    };
    let held: std::collections::BTreeSet<CategoryId> = tables
        .iter()
        .filter_map(|t| owned_table(t).ok())
        .flat_map(|t| categories_of(policy, t))
        .collect();
    held.into_iter()
        .filter(|c| registered.receives.contains(c))
        .collect()
}

impl Store {
    /// Says that `course` ends in the exam `title` run by `partner`, who must be in the
    /// policy's registry for exam delivery.
    ///
    /// # Errors
    /// [`StoreError::DisclosureRefused`] for a partner the policy does not send exam
    /// bookings to; failures.
    pub async fn offer_exam(
        &self,
        policy: &ValidPolicy,
        course: Uuid,
        partner: &str,
        title: &str,
    ) -> Result<(), StoreError> {
        let id = PartnerId::new(partner)
            .map_err(|_| StoreError::DisclosureRefused("the policy declares no such partner"))?;
        let serves = policy.partner(&id).is_some_and(|p| {
            p.purposes
                .iter()
                .any(|purpose| purpose.as_str() == EXAM_PURPOSE)
        });
        if !serves {
            return Err(StoreError::DisclosureRefused(
                "the partner does not serve exam delivery",
            ));
        }
        let mut insert = Query::insert();
        insert
            .into_table("course_exam")
            .columns(["id", "course_id", "partner", "title"])
            .values([
                Uuid::now_v7().into(),
                course.into(),
                partner.into(),
                title.into(),
            ])
            .map_err(|_| StoreError::Invalid("exam values"))?;
        self.db
            .execute(&insert)
            .await
            .map_err(db("offer an exam"))?;
        Ok(())
    }

    /// The exam `course` ends in, with what booking it shares and why, if it has one.
    ///
    /// # Errors
    /// Database failures.
    pub async fn exam_of(
        &self,
        policy: &ValidPolicy,
        course: Uuid,
    ) -> Result<Option<ExamOffer>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["partner", "title"])
            .from("course_exam")
            .and_where(Expr::col("course_id").eq(course));
        let Some(row) = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a course's exam"))?
        else {
            return Ok(None);
        };
        let partner: String = row.try_get_by_index(0).map_err(broken("exam"))?;
        let title: String = row.try_get_by_index(1).map_err(broken("exam"))?;
        let id = PartnerId::new(partner).map_err(|_| StoreError::Corrupt {
            what: "exam partner",
        })?;
        let Some(registered) = policy.partner(&id) else {
            return Ok(None);
        };
        let shared = shared_with(policy, &id, &SENT_AT_BOOKING)
            .iter()
            .filter_map(|c| policy.policy().categories.iter().find(|k| &k.id == c))
            .map(|c| c.name.clone())
            .collect();
        let purpose = policy
            .policy()
            .purposes
            .iter()
            .find(|p| p.id.as_str() == EXAM_PURPOSE);
        Ok(Some(ExamOffer {
            title,
            partner_name: registered.name.clone(),
            partner: id,
            shared,
            why: purpose.map(|p| p.description.clone()).unwrap_or_default(),
            basis: registered
                .basis
                .map_or_else(String::new, |b| b.citation().to_owned()),
        }))
    }

    /// Books `person` on the exam of the course at `slug` for `sitting_at`, and records what
    /// the booking sends the partner.
    ///
    /// # Errors
    /// [`StoreError::NotEnrolled`]; [`StoreError::Invalid`] for a course without an exam;
    /// [`StoreError::Refused`] (field `sitting_at`) for a date not in the future;
    /// [`StoreError::DisclosureRefused`] when the policy forbids sending the data; failures.
    pub async fn book_exam(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        slug: &str,
        sitting_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let enrolment = self
            .enrolment_in(person, slug, policy, now)
            .await?
            .ok_or(StoreError::NotEnrolled)?;
        let offer = self
            .exam_of(policy, enrolment.course.id)
            .await?
            .ok_or(StoreError::Invalid("this course has no exam"))?;
        if sitting_at <= now {
            return Err(StoreError::Refused(vec![refused(
                "sitting_at",
                "Choose one of the exam dates offered.",
            )]));
        }
        let mut number = [0u8; 4];
        getrandom::fill(&mut number).map_err(|_| StoreError::Randomness)?;
        let candidate = format!("C{:08}", u32::from_le_bytes(number) % 100_000_000);
        let fields = vec![
            ("partner", Field::plain(offer.partner.as_str())),
            ("exam", Field::plain(offer.title.as_str())),
            ("course_id", Field::plain(enrolment.course.id)),
            ("candidate_number", Field::Sealed(candidate)),
            ("status", Field::plain("booked")),
            ("booked_at", Field::plain(now)),
            ("sitting_at", Field::plain(sitting_at)),
            ("result_at", Field::plain(None::<OffsetDateTime>)),
        ];
        let actor = self.audit.actor(person);
        let purpose =
            PurposeId::new(EXAM_PURPOSE).map_err(|_| StoreError::Corrupt { what: "purpose" })?;
        let categories = shared_with(policy, &offer.partner, &SENT_AT_BOOKING);
        // The disclosure is checked against the registry first: a refused one books nothing.
        self.record_disclosure(
            NewDisclosure {
                person,
                partner: &offer.partner,
                purpose: &purpose,
                categories: &categories,
            },
            policy,
            actor,
            now,
        )
        .await?;
        self.insert_record(policy, "exam_booking", person, fields, actor, now)
            .await
    }

    /// `person`'s own exam bookings, soonest first.
    ///
    /// # Errors
    /// Failures.
    pub async fn exam_bookings(&self, person: PersonId) -> Result<Vec<ExamBooking>, StoreError> {
        self.bookings_where(Some(person), None).await
    }

    /// The exam bookings of the courses `staff` teaches, soonest first; each candidate's read
    /// is audited.
    ///
    /// # Errors
    /// Failures.
    pub async fn exam_bookings_taught_by(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<ExamBooking>, StoreError> {
        let courses = self.courses_taught_by(staff).await?;
        if courses.is_empty() {
            return Ok(Vec::new());
        }
        let bookings = self.bookings_where(None, Some(courses)).await?;
        let people: Vec<PersonId> = bookings.iter().map(|b| b.person).collect();
        self.audit_reads(
            policy,
            self.audit.actor(staff),
            "exam_booking",
            &people,
            now,
        )
        .await?;
        Ok(bookings)
    }

    async fn bookings_where(
        &self,
        person: Option<PersonId>,
        courses: Option<Vec<Uuid>>,
    ) -> Result<Vec<ExamBooking>, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "id",
                "person_id",
                "exam",
                "partner",
                "candidate_number",
                "result",
                "sitting_at",
                "status",
            ])
            .from("exam_booking")
            .order_by("sitting_at", Order::Asc);
        if let Some(person) = person {
            select.and_where(Expr::col("person_id").eq(person.as_uuid()));
        }
        if let Some(courses) = courses {
            select.and_where(Expr::col("course_id").is_in(courses));
        }
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read exam bookings"))?;
        let mut bookings = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = broken("exam booking");
            let owner = PersonId::from_uuid(row.try_get_by_index(1).map_err(&get)?);
            let Some(key) = self.keys.get(owner).await? else {
                continue;
            };
            let candidate: Vec<u8> = row.try_get_by_index(4).map_err(&get)?;
            let result: Option<Vec<u8>> = row.try_get_by_index(5).map_err(&get)?;
            bookings.push(ExamBooking {
                id: row.try_get_by_index(0).map_err(&get)?,
                person: owner,
                exam: row.try_get_by_index(2).map_err(&get)?,
                partner: row.try_get_by_index(3).map_err(&get)?,
                candidate_number: key.open_text(CANDIDATE, &candidate)?,
                result: result.map(|r| key.open_text(RESULT, &r)).transpose()?,
                sitting_at: row.try_get_by_index(6).map_err(&get)?,
                status: row.try_get_by_index(7).map_err(&get)?,
            });
        }
        Ok(bookings)
    }

    /// `staff` enters the result the exam body sent back for `booking`; where the course was
    /// funded, the result goes to the funder, recorded as a disclosure — unless the person has
    /// restricted results sharing, when the result is kept and not sent. Returns the funder it
    /// was shared with, if any.
    ///
    /// # Errors
    /// [`StoreError::Refused`] (field `result`); [`StoreError::Invalid`] for an unknown
    /// booking or one with a result already; [`StoreError::NotTeaching`] when `staff` does not
    /// teach the booking's course; failures.
    pub async fn record_exam_result(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        booking: Uuid,
        result: &str,
        now: OffsetDateTime,
    ) -> Result<Option<PartnerId>, StoreError> {
        let result = result.trim();
        if result.is_empty() || result.chars().count() > 200 {
            return Err(StoreError::Refused(vec![refused(
                "result",
                "Enter the result as the exam body gave it (for example: Pass, 78%).",
            )]));
        }
        let mut select = Query::select();
        select
            .columns(["person_id", "course_id"])
            .from("exam_booking")
            .and_where(Expr::col("id").eq(booking))
            .and_where(Expr::col("result_at").is_null());
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read an exam booking"))?
            .ok_or(StoreError::Invalid("this booking has no result to enter"))?;
        let person = PersonId::from_uuid(row.try_get_by_index(0).map_err(broken("exam"))?);
        let course: Option<Uuid> = row.try_get_by_index(1).map_err(broken("exam"))?;
        self.require_teaching(staff, course.ok_or(StoreError::NotTeaching)?)
            .await?;
        let key = self
            .keys
            .get(person)
            .await?
            .ok_or(StoreError::Erased(person))?;
        let txn = self.write_txn("start recording a result").await?;
        let mut update = Query::update();
        update
            .table("exam_booking")
            .value("result", key.seal(RESULT, result.as_bytes())?)
            .value("status", "result")
            .value("result_at", now)
            .and_where(Expr::col("id").eq(booking))
            .and_where(Expr::col("result_at").is_null());
        let done = txn.execute(&update).await.map_err(db("record a result"))?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Invalid("this booking has no result to enter"));
        }
        let event = self.audit.event_about(
            self.audit.actor(staff),
            pledge_audit::Action::Update,
            person,
            categories_of(policy, owned_table("exam_booking")?),
            PurposeId::new(EXAM_PURPOSE).ok(),
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a result"))?;
        let Some(funder) = self.funder_of(person, course).await? else {
            return Ok(None);
        };
        // The result is kept (storage is allowed), but not sent while the person has
        // restricted results sharing (GDPR Art. 18, J38).
        if self.is_restricted_for(person, RESULTS_PURPOSE).await? {
            return Ok(None);
        }
        let purpose =
            PurposeId::new(RESULTS_PURPOSE).map_err(|_| StoreError::Corrupt { what: "purpose" })?;
        let categories = shared_with(policy, &funder, &SENT_TO_FUNDER);
        self.record_disclosure(
            NewDisclosure {
                person,
                partner: &funder,
                purpose: &purpose,
                categories: &categories,
            },
            policy,
            self.audit.actor(staff),
            now,
        )
        .await?;
        Ok(Some(funder))
    }

    async fn funder_of(
        &self,
        person: PersonId,
        course: Option<Uuid>,
    ) -> Result<Option<PartnerId>, StoreError> {
        let Some(course) = course else {
            return Ok(None);
        };
        let mut select = Query::select();
        select
            .column("funded_by")
            .from("enrolment")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("course_id").eq(course));
        let funder: Option<String> = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read an enrolment"))?
            .map(|row| row.try_get_by_index::<Option<String>>(0))
            .transpose()
            .map_err(broken("enrolment"))?
            .flatten();
        funder
            .map(|f| PartnerId::new(f).map_err(|_| StoreError::Corrupt { what: "funder" }))
            .transpose()
    }

    /// Records, for `staff`, that `person`'s enrolment in the course at `slug` is funded by
    /// `partner` (a partner that receives results for sharing with funders), with the change in
    /// the audit log in the same transaction. Recording it again changes nothing more.
    ///
    /// # Errors
    /// [`StoreError::NotEnrolled`]; [`StoreError::DisclosureRefused`] for a partner that is no
    /// funder in the policy; failures.
    pub async fn set_funder(
        &self,
        policy: &ValidPolicy,
        staff: ActorKey,
        person: PersonId,
        slug: &str,
        partner: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let id = PartnerId::new(partner)
            .map_err(|_| StoreError::DisclosureRefused("the policy declares no such partner"))?;
        if !funders(policy).iter().any(|(funder, _)| *funder == id) {
            return Err(StoreError::DisclosureRefused("the partner is not a funder"));
        }
        let enrolment = self
            .enrolment_in(person, slug, policy, now)
            .await?
            .ok_or(StoreError::NotEnrolled)?;
        let txn = self.write_txn("start recording a funder").await?;
        let mut update = Query::update();
        update
            .table("enrolment")
            .value("funded_by", partner)
            .and_where(Expr::col("id").eq(enrolment.id));
        txn.execute(&update).await.map_err(db("record a funder"))?;
        let event = self.audit.event_about(
            staff,
            pledge_audit::Action::Update,
            person,
            categories_of(policy, owned_table("enrolment")?),
            None,
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a funder"))
    }

    /// Every funded enrolment with its learner's name, for `staff` (each learner's read
    /// audited), by course.
    ///
    /// # Errors
    /// Failures.
    pub async fn funded_enrolments(
        &self,
        policy: &ValidPolicy,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<FundedEnrolment>, StoreError> {
        let mut select = Query::select();
        select
            .column(("enrolment", "person_id"))
            .column(("course", "title"))
            .column(("enrolment", "funded_by"))
            .from("enrolment")
            .inner_join(
                "course",
                Expr::col(("course", "id")).equals(("enrolment", "course_id")),
            )
            .and_where(Expr::col(("enrolment", "funded_by")).is_not_null())
            .order_by(("course", "title"), Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read funded enrolments"))?;
        let mut funded = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = broken("enrolment");
            let person = PersonId::from_uuid(row.try_get_by_index(0).map_err(&get)?);
            let learner = match self.open_live(person).await {
                Ok(view) => view.display_name,
                Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => continue,
                Err(error) => return Err(error),
            };
            funded.push(FundedEnrolment {
                person,
                learner,
                course: row.try_get_by_index(1).map_err(&get)?,
                funder: row.try_get_by_index(2).map_err(&get)?,
            });
        }
        let people: Vec<PersonId> = funded.iter().map(|f| f.person).collect();
        self.audit_reads(policy, self.audit.actor(staff), "person", &people, now)
            .await?;
        Ok(funded)
    }
}

//! Group tours: the catalogue of tours and their departures (not personal), bookings with
//! their travellers, travel preferences, and accessibility needs — special-category data kept
//! only with the booker's explicit consent, recorded in the consent ledger in the same
//! transaction (K05).
//!
//! A booking holds its seats the moment it is made: one conditional update takes them only if
//! they are free, so bookings made at the same moment can never oversell a departure, on
//! either backend. The hold becomes a confirmed booking when its payment is confirmed (see
//! [`crate::payments`]); a failed or abandoned payment frees the seats. Holds older than a
//! checkout's lifetime are freed when the departure is next booked.
//!
//! Reading travellers' details is the tour coordinators' job (and the booker's own); reading
//! accessibility needs is the tour coordinators' alone. The portal checks the role; the store
//! audits each read under the purpose it serves.

use pledge_audit::{Action, ActorKey};
use pledge_domain::{CategoryId, PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::{FieldProblem, broken, refused};
use crate::declared;
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::vault::FieldRef;
use crate::{Store, StoreError};

/// The most travellers one booking may carry.
pub const MAX_TRAVELLERS: usize = 8;
/// The longest free text (preferences, needs) accepted.
pub const MAX_NOTE: usize = 1000;
/// How long seats stay held for a payment (a checkout's lifetime).
pub const HOLD_FOR: Duration = Duration::hours(1);
/// The purpose accessibility needs are kept for, and consented to.
pub const ACCESSIBILITY_PURPOSE: &str = "tour-accessibility";

const FULL_NAME: FieldRef = FieldRef {
    table: "traveller",
    column: "full_name",
};
const BIRTH: FieldRef = FieldRef {
    table: "traveller",
    column: "date_of_birth",
};
const PREFERENCES: FieldRef = FieldRef {
    table: "travel_preference",
    column: "preferences",
};
const NEEDS: FieldRef = FieldRef {
    table: "accessibility_need",
    column: "needs",
};

/// A tour to add to the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTour {
    /// Its address (`/tours/{slug}`).
    pub slug: String,
    /// Its title.
    pub title: String,
    /// What it is.
    pub summary: String,
    /// The policy's id of the partner that runs it.
    pub operator: String,
    /// Price per seat, in the currency's smallest unit.
    pub price_cents: i64,
    /// ISO 4217 code.
    pub currency: String,
}

/// One departure of a tour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departure {
    /// Its id.
    pub id: Uuid,
    /// When it leaves.
    pub starts_at: OffsetDateTime,
    /// When it is back.
    pub returns_at: OffsetDateTime,
    /// Seats in all.
    pub capacity: i32,
    /// Seats held or booked.
    pub seats_taken: i32,
}

impl Departure {
    /// Seats still free.
    pub const fn seats_left(&self) -> i32 {
        self.capacity.saturating_sub(self.seats_taken)
    }
}

/// A tour with its departures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    /// Its id.
    pub id: Uuid,
    /// Its address.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// What it is.
    pub summary: String,
    /// The partner that runs it.
    pub operator: String,
    /// Price per seat.
    pub price_cents: i64,
    /// Its currency.
    pub currency: String,
    /// Its departures, soonest first.
    pub departures: Vec<Departure>,
}

/// Someone travelling on a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traveller {
    /// Their full name, as on their travel documents.
    pub full_name: String,
    /// Their date of birth.
    pub date_of_birth: Date,
}

/// Accessibility needs, with the explicit consent they are given under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessibilityNeeds {
    /// What the group needs, in the booker's words.
    pub needs: String,
    /// Whether the booker ticked the explicit consent.
    pub consented: bool,
    /// The consent text they were shown (its hash goes into the proof).
    pub consent_text: String,
}

/// A booking to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    /// Who books (and pays).
    pub person: PersonId,
    /// Which departure.
    pub departure: Uuid,
    /// Who travels: one seat each.
    pub travellers: Vec<Traveller>,
    /// Travel preferences (room, diet, seating); blank for none.
    pub preferences: String,
    /// Accessibility needs, if any.
    pub accessibility: Option<AccessibilityNeeds>,
}

/// A booking made: held until paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The booking's id.
    pub booking: Uuid,
    /// What it costs.
    pub amount_cents: i64,
}

/// A booking as its booker, or a tour coordinator, reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// Its id.
    pub id: Uuid,
    /// Who booked.
    pub person: PersonId,
    /// The tour's title.
    pub tour: String,
    /// The departure.
    pub departure: Departure,
    /// Seats.
    pub seats: i32,
    /// `held`, `confirmed` or `cancelled`.
    pub status: String,
    /// Who travels.
    pub travellers: Vec<Traveller>,
    /// The booker's travel preferences.
    pub preferences: String,
    /// Accessibility needs: only in a tour coordinator's reading.
    pub accessibility: Option<String>,
}

fn problem(field: &'static str, message: &str) -> FieldProblem {
    refused(field, message)
}

fn one_line(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

/// Checks a booking's form, naming every field that is wrong. A traveller below `rule`'s
/// minimum age is refused (K43: no data of children under it is knowingly collected), so
/// nothing about them is kept or sent to the tour operator.
fn check_booking(
    booking: &NewBooking,
    rule: pledge_domain::AgeRule,
    today: Date,
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if booking.travellers.is_empty() {
        problems.push(problem(
            "traveller_1_name",
            "Name at least one traveller: each traveller takes one seat.",
        ));
    }
    if booking.travellers.len() > MAX_TRAVELLERS {
        problems.push(problem(
            "traveller_1_name",
            "A booking takes at most 8 travellers; make a second booking for more.",
        ));
    }
    for (index, traveller) in booking.travellers.iter().enumerate() {
        if !one_line(&traveller.full_name, 200) {
            problems.push(refused(
                name_field(index),
                "Give the traveller's full name, on one line, at most 200 characters.",
            ));
        }
        if traveller.date_of_birth > today {
            problems.push(refused(
                birth_field(index),
                "A date of birth cannot be in the future.",
            ));
        } else if rule.classify(Some(traveller.date_of_birth), today)
            == pledge_domain::AgeBand::BelowMinimum
        {
            problems.push(refused(
                birth_field(index),
                format!(
                    "We do not collect information about children under {}: this traveller \
                     cannot be booked, and nothing about them was kept.",
                    rule.minimum_age()
                ),
            ));
        }
    }
    if booking.preferences.chars().count() > MAX_NOTE {
        problems.push(problem(
            "preferences",
            "Travel preferences can be at most 1000 characters.",
        ));
    }
    if let Some(needs) = &booking.accessibility {
        if needs.needs.chars().count() > MAX_NOTE {
            problems.push(problem(
                "accessibility_needs",
                "Accessibility needs can be at most 1000 characters.",
            ));
        }
        if !needs.consented {
            problems.push(problem(
                "accessibility_consent",
                "Accessibility needs are health information: we keep them only with your explicit consent. Tick the box, or leave the needs empty.",
            ));
        }
    }
    problems
}

/// The form's name for traveller `index`'s name (from 1).
pub fn name_field(index: usize) -> &'static str {
    [
        "traveller_1_name",
        "traveller_2_name",
        "traveller_3_name",
        "traveller_4_name",
        "traveller_5_name",
        "traveller_6_name",
        "traveller_7_name",
        "traveller_8_name",
    ]
    .get(index)
    .copied()
    .unwrap_or("traveller_1_name")
}

/// The form's name for traveller `index`'s date of birth.
pub fn birth_field(index: usize) -> &'static str {
    [
        "traveller_1_birth",
        "traveller_2_birth",
        "traveller_3_birth",
        "traveller_4_birth",
        "traveller_5_birth",
        "traveller_6_birth",
        "traveller_7_birth",
        "traveller_8_birth",
    ]
    .get(index)
    .copied()
    .unwrap_or("traveller_1_birth")
}

fn departure_of(row: &QueryResult) -> Result<Departure, StoreError> {
    let get = broken("departure");
    Ok(Departure {
        id: row.try_get_by_index(0).map_err(&get)?,
        starts_at: row.try_get_by_index(1).map_err(&get)?,
        returns_at: row.try_get_by_index(2).map_err(&get)?,
        capacity: row.try_get_by_index(3).map_err(&get)?,
        seats_taken: row.try_get_by_index(4).map_err(&get)?,
    })
}

const DEPARTURE_COLUMNS: [&str; 5] = ["id", "starts_at", "returns_at", "capacity", "seats_taken"];
const TOUR_COLUMNS: [&str; 7] = [
    "id",
    "slug",
    "title",
    "summary",
    "operator",
    "price_cents",
    "currency",
];

impl Store {
    fn tours_enabled(policy: &ValidPolicy) -> Result<(), StoreError> {
        if declared::module_enabled(policy, "tours") {
            Ok(())
        } else {
            Err(StoreError::ModuleDisabled("tours"))
        }
    }

    /// Adds a tour to the catalogue (staff content; nothing personal).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad slug, title or price, or a slug in use; failures.
    pub async fn add_tour(&self, tour: &NewTour) -> Result<Uuid, StoreError> {
        if !crate::catalogue::valid_slug(&tour.slug) {
            return Err(StoreError::Invalid(
                "a tour's address is lower-case letters, digits and single hyphens",
            ));
        }
        if !one_line(&tour.title, 200) || tour.price_cents <= 0 {
            return Err(StoreError::Invalid(
                "a tour needs a title of at most 200 characters and a positive price",
            ));
        }
        if self.tour_by_slug(&tour.slug).await?.is_some() {
            return Err(StoreError::Invalid("another tour has this address"));
        }
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("tour")
            .columns(TOUR_COLUMNS)
            .values([
                id.into(),
                tour.slug.as_str().into(),
                tour.title.trim().into(),
                tour.summary.trim().into(),
                tour.operator.as_str().into(),
                tour.price_cents.into(),
                tour.currency.as_str().into(),
            ])
            .map_err(|_| StoreError::Invalid("tour values"))?;
        self.db.execute(&insert).await.map_err(db("add a tour"))?;
        Ok(id)
    }

    /// Adds a departure of `tour` with `capacity` seats.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for no seats or a return before the start; failures.
    pub async fn add_departure(
        &self,
        tour: Uuid,
        starts_at: OffsetDateTime,
        returns_at: OffsetDateTime,
        capacity: i32,
    ) -> Result<Uuid, StoreError> {
        if capacity <= 0 || returns_at < starts_at {
            return Err(StoreError::Invalid(
                "a departure needs seats and must return after it leaves",
            ));
        }
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("departure")
            .columns(DEPARTURE_COLUMNS.into_iter().chain(["tour_id"]))
            .values([
                id.into(),
                starts_at.into(),
                returns_at.into(),
                capacity.into(),
                0i32.into(),
                tour.into(),
            ])
            .map_err(|_| StoreError::Invalid("departure values"))?;
        self.db
            .execute(&insert)
            .await
            .map_err(db("add a departure"))?;
        Ok(id)
    }

    /// Every tour with its departures, by title.
    ///
    /// # Errors
    /// Database failures.
    pub async fn tours(&self) -> Result<Vec<Tour>, StoreError> {
        let mut select = Query::select();
        select
            .columns(TOUR_COLUMNS)
            .from("tour")
            .order_by("title", Order::Asc);
        let rows = self.db.query_all(&select).await.map_err(db("read tours"))?;
        let mut tours = Vec::with_capacity(rows.len());
        for row in &rows {
            tours.push(self.tour_of(row).await?);
        }
        Ok(tours)
    }

    /// The tour at `slug`, with its departures.
    ///
    /// # Errors
    /// Database failures.
    pub async fn tour_by_slug(&self, slug: &str) -> Result<Option<Tour>, StoreError> {
        let mut select = Query::select();
        select
            .columns(TOUR_COLUMNS)
            .from("tour")
            .and_where(Expr::col("slug").eq(slug));
        match self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a tour"))?
        {
            Some(row) => Ok(Some(self.tour_of(&row).await?)),
            None => Ok(None),
        }
    }

    async fn tour_of(&self, row: &QueryResult) -> Result<Tour, StoreError> {
        let get = broken("tour");
        let id: Uuid = row.try_get_by_index(0).map_err(&get)?;
        let mut select = Query::select();
        select
            .columns(DEPARTURE_COLUMNS)
            .from("departure")
            .and_where(Expr::col("tour_id").eq(id))
            .order_by("starts_at", Order::Asc);
        let departures = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read departures"))?
            .iter()
            .map(departure_of)
            .collect::<Result<_, _>>()?;
        Ok(Tour {
            id,
            slug: row.try_get_by_index(1).map_err(&get)?,
            title: row.try_get_by_index(2).map_err(&get)?,
            summary: row.try_get_by_index(3).map_err(&get)?,
            operator: row.try_get_by_index(4).map_err(&get)?,
            price_cents: row.try_get_by_index(5).map_err(&get)?,
            currency: row.try_get_by_index(6).map_err(&get)?,
            departures,
        })
    }

    /// Books `booking`: checks the form, takes the seats if they are free, and keeps the
    /// travellers, preferences and (with explicit consent, recorded) accessibility needs — all
    /// in one transaction. The booking is held until its payment is confirmed.
    ///
    /// # Errors
    /// [`StoreError::Refused`] naming each wrong field, or `seats` when the departure has too
    /// few left; [`StoreError::Invalid`] for an unknown departure;
    /// [`StoreError::ModuleDisabled`]; failures. Nothing is written on any error.
    pub async fn book_tour(
        &self,
        policy: &ValidPolicy,
        booking: &NewBooking,
        now: OffsetDateTime,
    ) -> Result<Held, StoreError> {
        Self::tours_enabled(policy)?;
        let problems = check_booking(booking, policy.age_rule(), now.date());
        if !problems.is_empty() {
            return Err(StoreError::Refused(problems));
        }
        let seats = i32::try_from(booking.travellers.len())
            .map_err(|_| StoreError::Invalid("too many travellers"))?;
        let txn = self.write_txn("start booking a tour").await?;
        let price = self.departure_price(&txn, booking.departure).await?;
        self.free_stale_holds(&txn, booking.departure, now).await?;
        let mut take = Query::update();
        take.table("departure")
            .value("seats_taken", Expr::col("seats_taken").add(seats))
            .and_where(Expr::col("id").eq(booking.departure))
            .and_where(
                Expr::col("seats_taken")
                    .add(seats)
                    .lte(Expr::col("capacity")),
            );
        let taken = txn.execute(&take).await.map_err(db("take seats"))?;
        if taken.rows_affected() != 1 {
            return Err(StoreError::Refused(vec![problem(
                "seats",
                "This departure does not have that many seats left. Choose another departure or fewer travellers.",
            )]));
        }
        let person = booking.person;
        let actor = self.audit.actor(person);
        let id = self
            .insert_record_in(
                &txn,
                policy,
                "tour_booking",
                person,
                vec![
                    ("departure_id", Field::plain(booking.departure)),
                    ("seats", Field::plain(seats)),
                    ("status", Field::plain("held")),
                    ("booked_at", Field::plain(now)),
                    ("returned_at", Field::plain(None::<OffsetDateTime>)),
                ],
                actor,
                now,
            )
            .await?;
        for traveller in &booking.travellers {
            let fields = vec![
                ("booking_id", Field::plain(id)),
                (
                    "full_name",
                    Field::Sealed(traveller.full_name.trim().to_owned()),
                ),
                (
                    "date_of_birth",
                    Field::Sealed(traveller.date_of_birth.to_string()),
                ),
            ];
            self.insert_record_in(&txn, policy, "traveller", person, fields, actor, now)
                .await?;
        }
        self.keep_preferences(&txn, policy, person, &booking.preferences, now)
            .await?;
        if let Some(needs) = &booking.accessibility {
            self.keep_needs(&txn, policy, person, needs, now).await?;
        }
        txn.commit().await.map_err(db("commit a booking"))?;
        Ok(Held {
            booking: id,
            amount_cents: price.saturating_mul(i64::from(seats)),
        })
    }

    async fn departure_price(
        &self,
        txn: &DatabaseTransaction,
        departure: Uuid,
    ) -> Result<i64, StoreError> {
        let mut select = Query::select();
        select
            .column(("tour", "price_cents"))
            .from("departure")
            .inner_join(
                "tour",
                Expr::col(("tour", "id")).equals(("departure", "tour_id")),
            )
            .and_where(Expr::col(("departure", "id")).eq(departure));
        let row = txn
            .query_one(&select)
            .await
            .map_err(db("read a departure"))?
            .ok_or(StoreError::Invalid("there is no such departure"))?;
        row.try_get_by_index(0).map_err(broken("tour price"))
    }

    /// Frees the seats of holds on `departure` whose checkout has expired.
    async fn free_stale_holds(
        &self,
        txn: &DatabaseTransaction,
        departure: Uuid,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut select = Query::select();
        select
            .column("id")
            .from("tour_booking")
            .and_where(Expr::col("departure_id").eq(departure))
            .and_where(Expr::col("status").eq("held"))
            .and_where(Expr::col("booked_at").lt(now - HOLD_FOR));
        let stale = txn
            .query_all(&select)
            .await
            .map_err(db("read held bookings"))?;
        for row in &stale {
            let booking: Uuid = row.try_get_by_index(0).map_err(broken("booking"))?;
            self.release_booking(txn, booking).await?;
        }
        Ok(())
    }

    async fn keep_preferences(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        preferences: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if preferences.trim().is_empty() {
            return Ok(());
        }
        let mut old = Query::delete();
        old.from_table("travel_preference")
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        txn.execute(&old)
            .await
            .map_err(db("replace travel preferences"))?;
        let fields = vec![
            ("preferences", Field::Sealed(preferences.trim().to_owned())),
            ("updated_at", Field::plain(now)),
        ];
        let actor = self.audit.actor(person);
        self.insert_record_in(txn, policy, "travel_preference", person, fields, actor, now)
            .await?;
        Ok(())
    }

    /// Records the explicit consent, then the needs under it (K05).
    async fn keep_needs(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        needs: &AccessibilityNeeds,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if needs.needs.trim().is_empty() {
            return Ok(());
        }
        let version = policy.policy().policy.version.clone();
        let proof = pledge_consent::Proof {
            policy_version: version.clone(),
            text_hash: pledge_consent::TextHash::of(&needs.consent_text),
            source: pledge_consent::Source::PreferenceCentre,
            channel: None,
            ip: None,
            user_agent: None,
            given_by: pledge_consent::GivenBy::Subject,
        };
        let proof = serde_json::to_string(&proof).map_err(|_| StoreError::Corrupt {
            what: "consent proof",
        })?;
        let actor = self.audit.actor(person);
        let consent = self
            .insert_record_in(
                txn,
                policy,
                "consent_event",
                person,
                vec![
                    ("purpose", Field::plain(ACCESSIBILITY_PURPOSE)),
                    ("given", Field::plain(true)),
                    ("method", Field::plain("booking-form")),
                    ("policy_version", Field::plain(version)),
                    ("proof", Field::Sealed(proof)),
                    ("recorded_at", Field::plain(now)),
                ],
                actor,
                now,
            )
            .await?;
        let mut old = Query::delete();
        old.from_table("accessibility_need")
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        txn.execute(&old)
            .await
            .map_err(db("replace accessibility needs"))?;
        self.insert_record_in(
            txn,
            policy,
            "accessibility_need",
            person,
            vec![
                ("needs", Field::Sealed(needs.needs.trim().to_owned())),
                ("consent_event_id", Field::plain(consent)),
                ("recorded_at", Field::plain(now)),
            ],
            actor,
            now,
        )
        .await?;
        Ok(())
    }

    /// `person`'s own bookings, newest first, without accessibility needs (the booker gave
    /// them; the tour coordinators read them). The read is audited.
    ///
    /// # Errors
    /// [`StoreError::ModuleDisabled`]; failures.
    pub async fn bookings_of(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Booking>, StoreError> {
        Self::tours_enabled(policy)?;
        let bookings = self.read_bookings(Some(person), None, false).await?;
        self.audit_tour_read(policy, self.audit.actor(person), &bookings, false, now)
            .await?;
        Ok(bookings)
    }

    /// The manifest of `departure` for a tour coordinator (`staff`, whose role the caller
    /// checked): every held or confirmed booking with its travellers, preferences and
    /// accessibility needs (K05). Each booker's read is audited, the needs under their own
    /// purpose.
    ///
    /// # Errors
    /// [`StoreError::ModuleDisabled`]; failures.
    pub async fn manifest(
        &self,
        policy: &ValidPolicy,
        departure: Uuid,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Booking>, StoreError> {
        Self::tours_enabled(policy)?;
        let bookings = self.read_bookings(None, Some(departure), true).await?;
        self.audit_tour_read(policy, self.audit.actor(staff), &bookings, true, now)
            .await?;
        Ok(bookings)
    }

    async fn read_bookings(
        &self,
        person: Option<PersonId>,
        departure: Option<Uuid>,
        with_needs: bool,
    ) -> Result<Vec<Booking>, StoreError> {
        let mut select = Query::select();
        select
            .column(("tour_booking", "id"))
            .column(("tour_booking", "person_id"))
            .column(("tour", "title"))
            .columns(DEPARTURE_COLUMNS.map(|c| ("departure", c)))
            .column(("tour_booking", "seats"))
            .column(("tour_booking", "status"))
            .from("tour_booking")
            .inner_join(
                "departure",
                Expr::col(("departure", "id")).equals(("tour_booking", "departure_id")),
            )
            .inner_join(
                "tour",
                Expr::col(("tour", "id")).equals(("departure", "tour_id")),
            )
            .order_by(("tour_booking", "booked_at"), Order::Desc)
            .order_by(("tour_booking", "id"), Order::Desc);
        if let Some(person) = person {
            select.and_where(Expr::col(("tour_booking", "person_id")).eq(person.as_uuid()));
        }
        if let Some(departure) = departure {
            select
                .and_where(Expr::col(("tour_booking", "departure_id")).eq(departure))
                .and_where(Expr::col(("tour_booking", "status")).ne("cancelled"));
        }
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read bookings"))?;
        let mut bookings = Vec::with_capacity(rows.len());
        for row in &rows {
            bookings.push(self.booking_of(row, with_needs).await?);
        }
        Ok(bookings)
    }

    async fn booking_of(&self, row: &QueryResult, with_needs: bool) -> Result<Booking, StoreError> {
        let get = broken("booking");
        let id: Uuid = row.try_get_by_index(0).map_err(&get)?;
        let person = PersonId::from_uuid(row.try_get_by_index(1).map_err(&get)?);
        let departure = Departure {
            id: row.try_get_by_index(3).map_err(&get)?,
            starts_at: row.try_get_by_index(4).map_err(&get)?,
            returns_at: row.try_get_by_index(5).map_err(&get)?,
            capacity: row.try_get_by_index(6).map_err(&get)?,
            seats_taken: row.try_get_by_index(7).map_err(&get)?,
        };
        let key = self.keys.get(person).await?;
        let mut booking = Booking {
            id,
            person,
            tour: row.try_get_by_index(2).map_err(&get)?,
            departure,
            seats: row.try_get_by_index(8).map_err(&get)?,
            status: row.try_get_by_index(9).map_err(&get)?,
            travellers: Vec::new(),
            preferences: String::new(),
            accessibility: None,
        };
        // An erased booker's key is gone: the booking stays, its people unreadable.
        let Some(key) = key else {
            return Ok(booking);
        };
        let mut travellers = Query::select();
        travellers
            .columns(["full_name", "date_of_birth"])
            .from("traveller")
            .and_where(Expr::col("booking_id").eq(id))
            .order_by("id", Order::Asc);
        for row in self
            .db
            .query_all(&travellers)
            .await
            .map_err(db("read travellers"))?
        {
            let name: Vec<u8> = row.try_get_by_index(0).map_err(broken("traveller"))?;
            let birth: Vec<u8> = row.try_get_by_index(1).map_err(broken("traveller"))?;
            let birth = key.open_text(BIRTH, &birth)?;
            booking.travellers.push(Traveller {
                full_name: key.open_text(FULL_NAME, &name)?,
                date_of_birth: Date::parse(
                    &birth,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|_| StoreError::Corrupt {
                    what: "date of birth",
                })?,
            });
        }
        booking.preferences = self
            .sealed_note(
                person,
                "travel_preference",
                "preferences",
                PREFERENCES,
                &key,
            )
            .await?
            .unwrap_or_default();
        if with_needs {
            booking.accessibility = self
                .sealed_note(person, "accessibility_need", "needs", NEEDS, &key)
                .await?;
        }
        Ok(booking)
    }

    async fn sealed_note(
        &self,
        person: PersonId,
        table: &'static str,
        column: &'static str,
        field: FieldRef,
        key: &crate::DataKey,
    ) -> Result<Option<String>, StoreError> {
        let mut select = Query::select();
        select
            .column(column)
            .from(table)
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        let Some(row) = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a note"))?
        else {
            return Ok(None);
        };
        let sealed: Option<Vec<u8>> = row.try_get_by_index(0).map_err(broken("note"))?;
        sealed.map(|s| key.open_text(field, &s)).transpose()
    }

    /// Cancels a held booking whose checkout could not be opened, freeing its seats.
    ///
    /// # Errors
    /// Database failures.
    pub async fn cancel_held_booking(&self, booking: Uuid) -> Result<(), StoreError> {
        let txn = self.write_txn("start cancelling a hold").await?;
        self.release_booking(&txn, booking).await?;
        txn.commit().await.map_err(db("commit a cancelled hold"))
    }

    /// Records that `staff` sent the manifest of `departure` to the tour's operator: for each
    /// confirmed booking, a disclosure of the travellers' details and preferences, and another
    /// of the accessibility needs where the booker gave them (K05, K18). Returns how many
    /// bookers' data was sent.
    ///
    /// # Errors
    /// [`StoreError::DisclosureRefused`] when the policy does not let the operator receive
    /// this data; [`StoreError::ModuleDisabled`]; failures.
    pub async fn send_manifest(
        &self,
        policy: &ValidPolicy,
        departure: Uuid,
        staff: PersonId,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let bookings = self.manifest(policy, departure, staff, now).await?;
        let operator = self.operator_of(departure).await?;
        let partner = pledge_domain::PartnerId::new(operator).map_err(|_| StoreError::Corrupt {
            what: "tour operator",
        })?;
        let ordinary: Vec<CategoryId> = ["traveller", "travel_preference"]
            .into_iter()
            .filter_map(|t| owned_table(t).ok())
            .flat_map(|t| categories_of(policy, t))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let needs: Vec<CategoryId> = categories_of(policy, owned_table("accessibility_need")?)
            .into_iter()
            .collect();
        let service = PurposeId::new("service-delivery")
            .map_err(|_| StoreError::Corrupt { what: "purpose" })?;
        let accessible = PurposeId::new(ACCESSIBILITY_PURPOSE)
            .map_err(|_| StoreError::Corrupt { what: "purpose" })?;
        let actor = self.audit.actor(staff);
        let mut sent = 0;
        for booking in bookings.iter().filter(|b| b.status == "confirmed") {
            // A booker who restricted processing for the tour (or for their needs) is left out
            // of what the operator receives until they lift it (GDPR Art. 18, J38).
            let restricted = self.restricted_purposes(booking.person).await?;
            if restricted.contains(service.as_str()) {
                continue;
            }
            let disclose = |purpose, categories| crate::disclosures::NewDisclosure {
                person: booking.person,
                partner: &partner,
                purpose,
                categories,
            };
            self.record_disclosure(disclose(&service, &ordinary), policy, actor, now)
                .await?;
            if booking.accessibility.is_some() && !restricted.contains(accessible.as_str()) {
                self.record_disclosure(disclose(&accessible, &needs), policy, actor, now)
                    .await?;
            }
            sent += 1;
        }
        Ok(sent)
    }

    async fn operator_of(&self, departure: Uuid) -> Result<String, StoreError> {
        let mut select = Query::select();
        select
            .column(("tour", "operator"))
            .from("departure")
            .inner_join(
                "tour",
                Expr::col(("tour", "id")).equals(("departure", "tour_id")),
            )
            .and_where(Expr::col(("departure", "id")).eq(departure));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a departure"))?
            .ok_or(StoreError::Invalid("there is no such departure"))?;
        row.try_get_by_index(0).map_err(broken("tour operator"))
    }

    async fn audit_tour_read(
        &self,
        policy: &ValidPolicy,
        actor: ActorKey,
        bookings: &[Booking],
        with_needs: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut people: Vec<PersonId> = bookings.iter().map(|b| b.person).collect();
        people.sort();
        people.dedup();
        if people.is_empty() {
            return Ok(());
        }
        let ordinary: std::collections::BTreeSet<CategoryId> =
            ["tour_booking", "traveller", "travel_preference"]
                .into_iter()
                .filter_map(|t| owned_table(t).ok())
                .flat_map(|t| categories_of(policy, t))
                .collect();
        let service = PurposeId::new("service-delivery").ok();
        let mut events = Vec::new();
        for person in &people {
            events.push(self.audit.event_about(
                actor,
                Action::Read,
                *person,
                ordinary.clone(),
                service.clone(),
            ));
            if with_needs {
                events.push(self.audit.event_about(
                    actor,
                    Action::Read,
                    *person,
                    categories_of(policy, owned_table("accessibility_need")?),
                    PurposeId::new(ACCESSIBILITY_PURPOSE).ok(),
                ));
            }
        }
        let txn = self.write_txn("start auditing a read").await?;
        self.audit.append(&txn, events, now).await?;
        txn.commit().await.map_err(db("commit an audited read"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(travellers: usize) -> NewBooking {
        NewBooking {
            person: PersonId::from_uuid(Uuid::nil()),
            departure: Uuid::nil(),
            travellers: (0..travellers)
                .map(|n| Traveller {
                    full_name: format!("Traveller {n}"),
                    date_of_birth: time::macros::date!(1990 - 01 - 01),
                })
                .collect(),
            preferences: String::new(),
            accessibility: None,
        }
    }

    fn rule() -> pledge_domain::AgeRule {
        pledge_domain::AgeRule::new(13, 18).unwrap()
    }

    #[test]
    fn a_booking_names_between_one_and_eight_travellers() {
        let today = time::macros::date!(2026 - 12 - 02);
        assert!(check_booking(&booking(1), rule(), today).is_empty());
        assert!(check_booking(&booking(8), rule(), today).is_empty());
        assert_eq!(check_booking(&booking(0), rule(), today).len(), 1);
        assert_eq!(check_booking(&booking(9), rule(), today).len(), 1);
    }

    #[test]
    fn k43_a_traveller_below_the_minimum_age_is_refused_by_field() {
        let today = time::macros::date!(2026 - 12 - 02);
        let mut form = booking(2);
        form.travellers[1].date_of_birth = time::macros::date!(2020 - 05 - 01);
        let problems = check_booking(&form, rule(), today);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "traveller_2_birth");
        assert!(problems[0].message.contains("children under 13"));
        // Thirteen today: old enough.
        form.travellers[1].date_of_birth = time::macros::date!(2013 - 12 - 02);
        assert!(check_booking(&form, rule(), today).is_empty());
    }

    #[test]
    fn k05_needs_without_explicit_consent_are_refused_by_field() {
        let today = time::macros::date!(2026 - 12 - 02);
        let mut form = booking(1);
        form.accessibility = Some(AccessibilityNeeds {
            needs: "Step-free access".to_owned(),
            consented: false,
            consent_text: "I agree".to_owned(),
        });
        let problems = check_booking(&form, rule(), today);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "accessibility_consent");
    }

    #[test]
    fn field_names_follow_the_travellers_order() {
        assert_eq!(name_field(2), "traveller_3_name");
        assert_eq!(birth_field(7), "traveller_8_birth");
    }
}

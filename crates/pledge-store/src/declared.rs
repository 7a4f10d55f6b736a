//! Declared personal data: every table and column the store creates, and what it holds.
//!
//! A table whose rows are about a person names the columns that say whose they are (its
//! `owner` columns). Its rows then are personal data, and so is every sealed column (`personal`,
//! encrypted under the owner's data key). Both are tied to the deployed policy: a category
//! claims the rows (`stored_in = ["table"]`) and each sealed column (`stored_in =
//! ["table.column"]`), which gives them a purpose and a retention rule. Every other column says
//! why it is not personal.
//!
//! The declarations drive the store's generic machinery: the access export reads every owned
//! table, erasure applies each table's [`Erasure`], and retention sweeps read the lifecycle
//! events each table declares. Tests compare the declarations with the live schema on both
//! backends and with every policy pack, so a table or column nobody declared fails the build.
//!
//! Tables are grouped in modules (accounts, learning, tours, …). A policy enables a module by
//! claiming all of its personal data; a pack that claims only part of a module is an error, and
//! the store refuses to write into a module the deployed policy does not enable.

use std::collections::BTreeSet;

use pledge_domain::LifecycleEvent;
use pledge_policy::ValidPolicy;

/// The SQL type of a column that is not sealed, as the generic export reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A UUID.
    Uuid,
    /// Text.
    Text,
    /// A whole number.
    Integer,
    /// True or false.
    Boolean,
    /// A timestamp with its offset.
    Timestamp,
    /// Raw bytes (never personal: sealed columns are listed apart).
    Bytes,
}

/// How the store erases a table's rows about one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// The person's own row: the data key is destroyed and the sealed columns cleared.
    CryptoShred,
    /// The rows are deleted.
    Delete,
    /// The rows are kept without any link to the person: owner columns and sealed columns
    /// cleared, the rest (ratings, counts) kept.
    Anonymise,
    /// Statutory retention: the rows are kept, the owner replaced by a keyed pseudonym and the
    /// sealed columns cleared, until the policy's retention rule ends them (payment records).
    Pseudonymise {
        /// The column that receives the pseudonym.
        pseudonym: &'static str,
        /// Why the rows must outlive an erasure, told to the person (J37).
        reason: &'static str,
    },
    /// The rows stay; crypto-shredding makes their sealed columns unreadable. Told to the
    /// person as an exception.
    Keep(&'static str),
    /// Nothing to erase: the table holds no personal data.
    NotPersonal,
}

/// One table of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDeclaration {
    /// Which database the table lives in.
    pub database: Database,
    /// The table's name.
    pub table: &'static str,
    /// The module the table belongs to.
    pub module: &'static str,
    /// What the table holds, in words a person understands (the export's headings).
    pub title: &'static str,
    /// Columns naming the person a row is about (empty for tables about nobody).
    pub owner: &'static [&'static str],
    /// Columns holding personal data, sealed under the owner's data key.
    pub personal: &'static [&'static str],
    /// Every other column: its name, type and why it is not personal.
    pub other: &'static [(&'static str, Kind, &'static str)],
    /// Timestamp columns that record lifecycle events (they start retention clocks).
    pub events: &'static [(&'static str, LifecycleEvent)],
    /// The table whose rows these rows live and die with (deleted with it by a foreign key).
    pub parent: Option<&'static str>,
    /// How a person's rows are erased.
    pub erasure: Erasure,
}

impl TableDeclaration {
    /// True when the table's rows are about a person.
    pub const fn is_owned(&self) -> bool {
        !self.owner.is_empty()
    }

    /// True when the table holds any personal data (owned rows or sealed columns).
    pub const fn is_personal(&self) -> bool {
        self.is_owned() || !self.personal.is_empty()
    }

    /// Every column: owner, sealed and other, in declaration order.
    pub fn columns(&self) -> impl Iterator<Item = &'static str> {
        let other: &'static [(&'static str, Kind, &'static str)] = self.other;
        self.personal
            .iter()
            .copied()
            .chain(other.iter().map(|(c, _, _)| *c))
    }
}

/// The two databases of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// The main database.
    Main,
    /// The separate key store.
    KeyStore,
}

use Kind::{Boolean as B, Bytes as Y, Integer as I, Text as T, Timestamp as S, Uuid as U};
use LifecycleEvent as E;

const MIGRATIONS: [(&str, Kind, &str); 2] = [
    ("version", T, "a migration's name"),
    ("applied_at", I, "when it ran"),
];

const ID: (&str, Kind, &str) = ("id", U, "the row's random identifier");
const PERSON: (&str, Kind, &str) = (
    "person_id",
    U,
    "whose row: an identifier that reveals nothing once their key is destroyed",
);
const CREATED: (&str, Kind, &str) = ("created_at", S, "when the row was created");

const BASE: TableDeclaration = TableDeclaration {
    database: Database::Main,
    table: "",
    module: "",
    title: "",
    owner: &[],
    personal: &[],
    other: &[],
    events: &[],
    parent: None,
    erasure: Erasure::NotPersonal,
};

const OWNED: TableDeclaration = TableDeclaration {
    owner: &["person_id"],
    erasure: Erasure::Delete,
    ..BASE
};

/// Every table the store creates.
pub const TABLES: &[TableDeclaration] = &[
    // ── people and accounts ─────────────────────────────────────────────────────────────
    TableDeclaration {
        table: "person",
        module: "accounts",
        title: "Your profile",
        owner: &["id"],
        personal: &["display_name", "email", "date_of_birth"],
        other: &[
            (
                "id",
                U,
                "a random identifier, meaningless once the person's key is destroyed",
            ),
            CREATED,
            ("erasure_started_at", S, "when an erasure began"),
            ("erased_at", S, "when the person was erased"),
        ],
        events: &[
            ("created_at", E::AccountCreated),
            ("erased_at", E::AccountDeleted),
        ],
        erasure: Erasure::CryptoShred,
        ..BASE
    },
    TableDeclaration {
        table: "account",
        module: "accounts",
        title: "Your sign-in",
        personal: &["password_hash", "mfa_secret"],
        other: &[
            PERSON,
            (
                "email_lookup",
                T,
                "a keyed hash of the email for signing in; deleted with the account",
            ),
            (
                "status",
                T,
                "active, invited (a guardian yet to choose a password) or needs-guardian",
            ),
            ("email_verified_at", S, "when the email was verified"),
            ("failed_logins", I, "failed attempts since the last success"),
            ("locked_until", S, "end of a lockout"),
            CREATED,
        ],
        events: &[("created_at", E::AccountCreated)],
        ..OWNED
    },
    TableDeclaration {
        table: "role_grant",
        module: "accounts",
        title: "Your roles",
        other: &[
            ID,
            PERSON,
            ("role", T, "a role name"),
            ("granted_by", U, "the id of whoever granted it"),
            ("granted_at", S, "when"),
        ],
        events: &[("granted_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "course_instructor",
        module: "accounts",
        title: "The courses you teach",
        other: &[
            ID,
            PERSON,
            ("course_id", U, "the course"),
            (
                "assigned_by",
                U,
                "the id of the administrator who assigned it",
            ),
            ("assigned_at", S, "when"),
        ],
        events: &[("assigned_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "guardian_link",
        module: "accounts",
        title: "Guardians and the young people they act for",
        owner: &["minor_id", "guardian_id"],
        other: &[
            ID,
            ("minor_id", U, "the young person's id"),
            ("guardian_id", U, "the guardian's id"),
            ("confirmed_at", S, "when the guardian confirmed"),
            CREATED,
        ],
        events: &[("created_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "session",
        module: "accounts",
        title: "Your sign-in sessions",
        personal: &["ip_address", "user_agent"],
        other: &[
            ID,
            PERSON,
            (
                "token_hash",
                T,
                "a hash of the session token; the token is never stored",
            ),
            CREATED,
            ("last_seen_at", S, "last activity"),
            ("expires_at", S, "absolute timeout"),
            ("ended_at", S, "when it ended"),
            (
                "idle_seconds",
                I,
                "how long it may sit unused; none for a \"remember me\" session",
            ),
        ],
        events: &[("last_seen_at", E::Logged)],
        ..OWNED
    },
    TableDeclaration {
        table: "account_token",
        module: "accounts",
        title: "Links we emailed you (verification, password reset, guardian confirmation)",
        other: &[
            ID,
            PERSON,
            ("purpose", T, "what the link does"),
            (
                "token_hash",
                T,
                "a hash of the link's secret; the secret itself is never stored",
            ),
            ("subject_id", U, "the guardian link a confirmation is for"),
            CREATED,
            ("expires_at", S, "when the link stops working"),
            ("used_at", S, "when it was used"),
        ],
        events: &[("created_at", E::Logged)],
        ..OWNED
    },
    TableDeclaration {
        table: "restriction",
        module: "privacy",
        title: "Restrictions of processing you asked for",
        personal: &["grounds"],
        other: &[
            ID,
            PERSON,
            ("purposes", T, "the policy's ids of the restricted purposes"),
            ("placed_at", S, "when"),
            ("lifted_at", S, "when it was lifted"),
        ],
        events: &[("placed_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "consent_event",
        module: "privacy",
        title: "Your consents and withdrawals",
        personal: &["proof"],
        other: &[
            ID,
            PERSON,
            ("purpose", T, "the policy's id of the purpose"),
            ("given", B, "given or withdrawn"),
            (
                "method",
                T,
                "how it was given: a form, a banner, a guardian",
            ),
            ("policy_version", T, "the policy version shown"),
            ("recorded_at", S, "when"),
        ],
        events: &[("recorded_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "cookie_choice",
        module: "cookies",
        title: "Cookie choices made in browsers",
        other: &[
            ID,
            (
                "consent_id",
                U,
                "a random id kept in the browser's choice cookie, naming no person",
            ),
            ("accepted", T, "the cookie categories accepted"),
            ("refused", T, "the cookie categories refused"),
            ("source", T, "the banner, the settings page or an embed"),
            ("policy_version", T, "the policy version in force"),
            ("text_hash", T, "a hash of the text shown"),
            (
                "ip_prefix",
                T,
                "the network it came from with the host part removed (a /24 or /48)",
            ),
            ("recorded_at", S, "when"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "marketing_preference",
        module: "marketing",
        title: "Your marketing preferences",
        other: &[
            ID,
            PERSON,
            ("channel", T, "email, post, phone or SMS"),
            ("subscribed", B, "subscribed or not"),
            ("updated_at", S, "when it last changed"),
            ("unsubscribed_at", S, "when they unsubscribed"),
        ],
        events: &[("unsubscribed_at", E::Unsubscribed)],
        ..OWNED
    },
    TableDeclaration {
        table: "policy_version",
        module: "privacy",
        title: "Policy versions",
        other: &[
            ID,
            ("pack", T, "the policy pack"),
            ("version", T, "its version"),
            ("sha256", T, "the hash of its text"),
            ("document", T, "the published policy"),
            ("published_at", S, "when"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "policy_acceptance",
        module: "privacy",
        title: "Policy versions you accepted",
        other: &[
            ID,
            PERSON,
            ("policy_version_id", U, "which version"),
            ("method", T, "how: a checkbox, a notice, a guardian"),
            ("accepted_at", S, "when"),
        ],
        events: &[("accepted_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "policy_change",
        module: "privacy",
        title: "Policy changes announced",
        other: &[
            ID,
            ("policy_version_id", U, "the version announced"),
            ("previous_version", T, "the version it replaced"),
            ("people_told", I, "how many people were told"),
            (
                "people_asked_again",
                I,
                "how many were asked for consent again",
            ),
            ("announced_at", S, "when"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "policy_notice",
        module: "privacy",
        title: "Policy changes we told you about",
        other: &[
            ID,
            PERSON,
            ("policy_version_id", U, "the new version"),
            (
                "asked_again",
                T,
                "the purposes whose consent the change asked again",
            ),
            ("notified_at", S, "when the notice was queued"),
            ("shown_at", S, "when it was first shown on the site"),
            ("read_at", S, "when it was closed"),
        ],
        events: &[("notified_at", E::Collected)],
        ..OWNED
    },
    // ── learning ────────────────────────────────────────────────────────────────────────
    TableDeclaration {
        table: "course",
        module: "catalogue",
        title: "Courses",
        other: &[
            ID,
            ("slug", T, "the course's address"),
            ("title", T, "its title"),
            ("summary", T, "its description"),
            ("price_cents", I, "its price"),
            ("currency", T, "the price's currency"),
            ("published", B, "listed or not"),
            CREATED,
        ],
        ..BASE
    },
    TableDeclaration {
        table: "lesson",
        module: "catalogue",
        title: "Lessons",
        other: &[
            ID,
            ("course_id", U, "its course"),
            ("position", I, "its place in the course"),
            ("title", T, "its title"),
            ("body", T, "its content"),
            (
                "video_url",
                T,
                "the address of its video on a video host, if it has one",
            ),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "programme",
        module: "catalogue",
        title: "Programmes",
        other: &[
            ID,
            ("slug", T, "the programme's address"),
            ("title", T, "its title"),
            ("funder", T, "the policy's id of the partner funding it"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "assessment",
        module: "catalogue",
        title: "Assessments",
        other: &[
            ID,
            ("course_id", U, "its course"),
            ("title", T, "its title"),
            ("kind", T, "quiz or assignment"),
            ("pass_mark", I, "the mark needed to pass"),
            ("brief", T, "what an assignment asks for"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "course_exam",
        module: "catalogue",
        title: "Courses' exams",
        other: &[
            ID,
            ("course_id", U, "the course"),
            ("partner", T, "the policy's id of the exam body"),
            ("title", T, "the exam"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "assessment_question",
        module: "catalogue",
        title: "Quiz questions",
        other: &[
            ID,
            ("assessment_id", U, "its quiz"),
            ("position", I, "its place in the quiz, from 1"),
            ("prompt", T, "the question"),
            ("options", T, "the answers to choose from, one per line"),
            ("correct", I, "which option is right, from 0"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "survey",
        module: "catalogue",
        title: "Surveys",
        other: &[
            ID,
            ("course_id", U, "the course it asks about"),
            ("title", T, "its title"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "enrolment",
        module: "learning",
        title: "Your enrolments",
        other: &[
            ID,
            PERSON,
            ("course_id", U, "the course"),
            ("programme_id", U, "the programme, if any"),
            (
                "funded_by",
                T,
                "the policy's id of the funding partner, if any",
            ),
            ("status", T, "active, completed or withdrawn"),
            ("enrolled_at", S, "when"),
            ("completed_at", S, "when completed"),
        ],
        events: &[
            ("enrolled_at", E::Enrolled),
            ("completed_at", E::CourseCompleted),
        ],
        ..OWNED
    },
    TableDeclaration {
        table: "lesson_progress",
        module: "learning",
        title: "Your progress through lessons",
        other: &[
            ID,
            PERSON,
            ("enrolment_id", U, "the enrolment"),
            ("lesson_id", U, "the lesson"),
            ("position", I, "where they stopped"),
            ("completed_at", S, "when finished"),
            ("updated_at", S, "last activity"),
        ],
        events: &[("updated_at", E::LastActivity)],
        parent: Some("enrolment"),
        ..OWNED
    },
    TableDeclaration {
        table: "submission",
        module: "learning",
        title: "Your quiz answers and assignments",
        personal: &["answers", "feedback"],
        other: &[
            ID,
            PERSON,
            ("assessment_id", U, "the assessment"),
            ("score", I, "the mark"),
            ("submitted_at", S, "when"),
            ("graded_at", S, "when marked"),
            ("graded_by", U, "the id of the instructor who marked it"),
        ],
        events: &[
            ("submitted_at", E::Collected),
            ("graded_at", E::ResultIssued),
        ],
        ..OWNED
    },
    TableDeclaration {
        table: "certificate",
        module: "learning",
        title: "Your certificates",
        personal: &["holder_name"],
        other: &[
            ID,
            PERSON,
            ("course_id", U, "the course"),
            (
                "verification_code",
                T,
                "a random public code; it shows nothing once the holder's name is gone",
            ),
            ("issued_at", S, "when"),
            ("revoked_at", S, "when revoked"),
        ],
        events: &[("issued_at", E::CertificateIssued)],
        ..OWNED
    },
    TableDeclaration {
        table: "survey_response",
        module: "surveys",
        title: "Your survey answers",
        personal: &["answers"],
        other: &[
            ID,
            PERSON,
            ("survey_id", U, "the survey"),
            (
                "rating",
                I,
                "an overall rating, kept without any link once anonymised",
            ),
            ("submitted_at", S, "when"),
        ],
        events: &[("submitted_at", E::SurveySubmitted)],
        erasure: Erasure::Anonymise,
        ..OWNED
    },
    // ── exams ───────────────────────────────────────────────────────────────────────────
    TableDeclaration {
        table: "exam_booking",
        module: "exams",
        title: "Your exam bookings and results",
        personal: &["candidate_number", "result"],
        other: &[
            ID,
            PERSON,
            ("partner", T, "the policy's id of the exam body"),
            ("exam", T, "which exam"),
            ("course_id", U, "the course the exam ends"),
            ("status", T, "booked, sat, cancelled"),
            ("booked_at", S, "when"),
            ("sitting_at", S, "when the exam is"),
            ("result_at", S, "when the result came"),
        ],
        events: &[("sitting_at", E::ExamTaken), ("result_at", E::ResultIssued)],
        ..OWNED
    },
    // ── tours ───────────────────────────────────────────────────────────────────────────
    TableDeclaration {
        table: "tour",
        module: "catalogue",
        title: "Tours",
        other: &[
            ID,
            ("slug", T, "the tour's address"),
            ("title", T, "its title"),
            ("summary", T, "its description"),
            ("operator", T, "the policy's id of the tour operator"),
            ("price_cents", I, "price per seat"),
            ("currency", T, "the price's currency"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "departure",
        module: "catalogue",
        title: "Tour departures",
        other: &[
            ID,
            ("tour_id", U, "its tour"),
            ("starts_at", S, "departure"),
            ("returns_at", S, "return"),
            ("capacity", I, "seats in all"),
            ("seats_taken", I, "seats booked"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "tour_booking",
        module: "tours",
        title: "Your tour bookings",
        other: &[
            ID,
            PERSON,
            ("departure_id", U, "the departure"),
            ("seats", I, "seats booked"),
            ("status", T, "held, confirmed or cancelled"),
            ("booked_at", S, "when"),
            ("returned_at", S, "when the tour came back"),
        ],
        events: &[
            ("booked_at", E::Collected),
            ("returned_at", E::TourReturned),
        ],
        ..OWNED
    },
    TableDeclaration {
        table: "traveller",
        module: "tours",
        title: "Travellers on your bookings",
        personal: &["full_name", "date_of_birth"],
        other: &[
            ID,
            ("booking_id", U, "the booking"),
            (
                "person_id",
                U,
                "who booked: travellers' details are sealed under the booker's key",
            ),
        ],
        parent: Some("tour_booking"),
        ..OWNED
    },
    TableDeclaration {
        table: "travel_preference",
        module: "tours",
        title: "Your travel preferences",
        personal: &["preferences"],
        other: &[ID, PERSON, ("updated_at", S, "when they changed")],
        events: &[("updated_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "accessibility_need",
        module: "tours",
        title: "Your accessibility needs",
        personal: &["needs"],
        other: &[
            ID,
            PERSON,
            (
                "consent_event_id",
                U,
                "the explicit consent it was given under",
            ),
            ("recorded_at", S, "when"),
        ],
        events: &[("recorded_at", E::Collected)],
        ..OWNED
    },
    // ── payments ────────────────────────────────────────────────────────────────────────
    TableDeclaration {
        table: "payment",
        module: "payments",
        title: "Your payments",
        personal: &["billing_name"],
        other: &[
            ID,
            (
                "person_id",
                U,
                "who paid; cleared (replaced by a pseudonym) when they are erased",
            ),
            (
                "subject_pseudonym",
                T,
                "a keyed pseudonym of the payer, set when they are erased",
            ),
            ("item_kind", T, "what was bought: an enrolment or a booking"),
            ("item_id", U, "its id"),
            ("processor", T, "the payment processor"),
            (
                "processor_ref",
                T,
                "the processor's reference; card data never reaches the store",
            ),
            ("amount_cents", I, "the amount"),
            ("currency", T, "its currency"),
            ("status", T, "pending, paid, failed or refunded"),
            ("receipt_number", T, "the receipt's number"),
            CREATED,
            ("paid_at", S, "when it was paid"),
            ("refunded_at", S, "when it was refunded"),
        ],
        events: &[("paid_at", E::Transaction), ("refunded_at", E::Refunded)],
        erasure: Erasure::Pseudonymise {
            pseudonym: "subject_pseudonym",
            reason: "payment records are kept for the period tax law requires, without your name",
        },
        ..OWNED
    },
    TableDeclaration {
        table: "refund",
        module: "payments",
        title: "Refunds",
        other: &[
            ID,
            (
                "payment_id",
                U,
                "the payment; the payment carries the link to the payer",
            ),
            ("processor_ref", T, "the processor's reference"),
            ("amount_cents", I, "the amount"),
            ("status", T, "pending or done"),
            CREATED,
        ],
        ..BASE
    },
    TableDeclaration {
        table: "payment_event",
        module: "payments",
        title: "Payment processor notifications acted on",
        other: &[
            ID,
            (
                "event_key",
                T,
                "the processor and its event id: a notification is acted on once",
            ),
            ("kind", T, "paid, failed or refunded"),
            (
                "processor_ref",
                T,
                "the processor's reference of the payment",
            ),
            ("received_at", S, "when it arrived"),
        ],
        ..BASE
    },
    // ── support and community ───────────────────────────────────────────────────────────
    TableDeclaration {
        table: "ticket",
        module: "support",
        title: "Your support tickets",
        personal: &["subject"],
        other: &[
            ID,
            PERSON,
            ("status", T, "open or closed"),
            ("opened_at", S, "when"),
            ("closed_at", S, "when closed"),
        ],
        events: &[
            ("opened_at", E::TicketOpened),
            ("closed_at", E::TicketClosed),
        ],
        ..OWNED
    },
    TableDeclaration {
        table: "ticket_message",
        module: "support",
        title: "Messages on your support tickets",
        personal: &["body"],
        other: &[
            ID,
            ("ticket_id", U, "the ticket"),
            (
                "person_id",
                U,
                "whose ticket: replies are sealed under the requester's key",
            ),
            ("author_role", T, "the requester or a support agent"),
            ("author_id", U, "the id of whoever wrote it"),
            ("sent_at", S, "when"),
        ],
        parent: Some("ticket"),
        ..OWNED
    },
    TableDeclaration {
        table: "comment",
        module: "community",
        title: "Your comments",
        personal: &["body", "ip_address", "user_agent"],
        other: &[
            ID,
            PERSON,
            ("course_id", U, "the course discussed"),
            ("status", T, "pending, approved or rejected"),
            ("posted_at", S, "when"),
            ("moderated_by", U, "the id of the moderator"),
            ("moderated_at", S, "when moderated"),
        ],
        events: &[("posted_at", E::CommentPosted)],
        ..OWNED
    },
    // ── privacy operations ──────────────────────────────────────────────────────────────
    TableDeclaration {
        table: "subject_request",
        module: "privacy",
        title: "Your requests",
        personal: &["details"],
        other: &[
            ID,
            PERSON,
            ("kind", T, "which right was exercised"),
            ("status", T, "where the request stands"),
            ("received_at", S, "when it was received"),
            ("due_at", S, "the deadline the policy sets"),
            ("extended_due_at", S, "the extended deadline, if extended"),
            ("closed_at", S, "when it was completed or refused"),
            ("requested_by", U, "who asked: the person or their guardian"),
            (
                "identity_verified_at",
                S,
                "when the requester's identity was checked",
            ),
            ("identity_method", T, "how it was checked"),
            (
                "verified_by",
                U,
                "the id of the member of staff who checked it",
            ),
            (
                "refusal_reason",
                T,
                "why it was refused, as told to the person",
            ),
        ],
        events: &[("received_at", E::Collected)],
        erasure: Erasure::Keep(
            "the record that your request was received and answered is kept to show we answered it; what you wrote is erased",
        ),
        ..OWNED
    },
    TableDeclaration {
        table: "legal_hold",
        module: "privacy",
        title: "Legal holds",
        other: &[
            ID,
            PERSON,
            (
                "reason",
                T,
                "the legal matter, written by the privacy office as a case reference",
            ),
            ("owner", T, "the member of staff who answers for the hold"),
            ("placed_at", S, "when it was placed"),
            ("expires_at", S, "when it lapses on its own, if ever"),
            ("released_at", S, "when it was released"),
        ],
        erasure: Erasure::Keep(
            "a legal hold stops erasure while it lasts; its record is kept once released",
        ),
        ..OWNED
    },
    TableDeclaration {
        table: "disclosure",
        module: "privacy",
        title: "Who we shared your data with",
        other: &[
            ID,
            PERSON,
            ("partner", T, "the policy's id of the recipient"),
            ("purpose", T, "the policy's id of the purpose"),
            ("basis", T, "the legal basis of the disclosure"),
            (
                "categories",
                T,
                "which categories of data were sent (names, not the data)",
            ),
            ("sent_at", S, "when"),
        ],
        events: &[("sent_at", E::Collected)],
        erasure: Erasure::Keep(
            "the record of what was shared with whom is kept so that your erasure can be passed on to them",
        ),
        ..OWNED
    },
    TableDeclaration {
        table: "breach",
        module: "breaches",
        title: "Breach incidents",
        other: &[
            ID,
            ("title", T, "what happened, in a line"),
            ("description", T, "what happened and what is being done"),
            (
                "data_categories",
                T,
                "the policy's ids of the data affected",
            ),
            ("occurred_at", S, "when it happened, if known"),
            (
                "discovered_at",
                S,
                "when it was discovered: the notification clock starts",
            ),
            (
                "steps_taken",
                T,
                "what is being done about it, as the notices say",
            ),
            ("regulator_notified_at", S, "when the regulator was told"),
            (
                "people_notified_at",
                S,
                "when the affected people were told",
            ),
            ("closed_at", S, "when it was closed"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "breach_subject",
        module: "breaches",
        title: "Breaches that affected you",
        other: &[
            ID,
            ("breach_id", U, "the incident"),
            PERSON,
            ("notified_at", S, "when they were told"),
        ],
        events: &[("notified_at", E::Collected)],
        ..OWNED
    },
    TableDeclaration {
        table: "outbox",
        module: "outbox",
        title: "Messages waiting to be sent",
        personal: &["address", "details"],
        other: &[
            ID,
            (
                "person_id",
                U,
                "whom the message is about; messages to partners name the person by reference only",
            ),
            ("kind", T, "which template"),
            (
                "recipient",
                T,
                "the person, or the policy's id of a partner",
            ),
            (
                "payload",
                T,
                "ids and policy references, never personal data",
            ),
            CREATED,
            ("available_at", S, "not before"),
            (
                "act_by",
                S,
                "when a partner must have acted on a forwarded request",
            ),
            ("confirmed_at", S, "when the partner confirmed it did"),
            ("attempts", I, "delivery attempts"),
            ("claimed_by", T, "the instance sending it"),
            ("claimed_until", S, "its claim's expiry"),
            ("sent_at", S, "when it went"),
            ("last_error", T, "the last delivery failure"),
        ],
        events: &[("sent_at", E::Logged)],
        erasure: Erasure::Keep(
            "notices about your request itself are still delivered; their address is sealed under the outbox's own key and cleared once sent",
        ),
        ..BASE
    },
    TableDeclaration {
        table: "sweep_run",
        module: "retention",
        title: "Retention sweeps",
        other: &[
            ID,
            ("instance", T, "which process ran it"),
            ("dry_run", B, "a report only"),
            ("status", T, "running, finished or failed"),
            ("examined", I, "records examined"),
            ("acted", I, "records deleted or anonymised"),
            ("started_at", S, "when it began"),
            ("finished_at", S, "when it ended"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "scheduled_job",
        module: "retention",
        title: "Scheduled jobs",
        other: &[
            ID,
            ("name", T, "which job"),
            ("due_at", S, "when it runs next"),
            ("holder", T, "the instance running it now"),
            ("lease_until", S, "when another instance may take it over"),
            ("last_started_at", S, "when its last run began"),
            ("last_finished_at", S, "when its last run ended"),
            ("last_outcome", T, "ok or failed"),
            ("last_error", T, "why the last run failed"),
            ("last_summary", T, "what the last run did"),
            ("failures", I, "failed runs in a row"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "audit_record",
        module: "audit",
        title: "Audit log",
        other: &[
            ("seq", I, "position in the chain"),
            ("mac", Y, "the chain's keyed hash"),
            (
                "entry",
                Y,
                "pseudonymous: people appear only as keyed pseudonyms, never by id",
            ),
            (
                "subject",
                Y,
                "the entry's subject pseudonym, copied out of the entry for the index",
            ),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "audit_checkpoint",
        module: "audit",
        title: "Audit checkpoints",
        other: &[
            ("size", I, "chain length"),
            ("checkpoint", Y, "a signed (size, head) pair"),
        ],
        ..BASE
    },
    TableDeclaration {
        table: "seaql_migrations",
        module: "schema",
        title: "Migrations",
        other: &MIGRATIONS,
        ..BASE
    },
    TableDeclaration {
        database: Database::KeyStore,
        table: "subject_key",
        module: "keys",
        title: "Data keys",
        other: &[
            (
                "person_id",
                U,
                "the identifier the key belongs to; the row is destroyed on erasure",
            ),
            (
                "wrapped_key",
                Y,
                "a data key, encrypted under the master key",
            ),
            ("created_at", S, "when the key was made"),
        ],
        ..BASE
    },
    TableDeclaration {
        database: Database::KeyStore,
        table: "seaql_migrations",
        module: "schema",
        title: "Migrations",
        other: &MIGRATIONS,
        ..BASE
    },
];

/// Columns left out of the access export, with the reason: secrets that prove who someone is
/// are not information about them, and a copy of them in a download would only be a risk.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("account.password_hash", "a one-way hash of the password"),
    ("account.mfa_secret", "the second factor's shared secret"),
    ("account.email_lookup", "a keyed hash of the email"),
    ("session.token_hash", "a hash of the session token"),
];

/// Modules every deployment needs, whatever its policy: people, their privacy rights, the
/// notices those rights send, the breach register and marketing preferences.
pub const REQUIRED_MODULES: &[&str] = &["accounts", "privacy", "outbox", "breaches", "marketing"];

/// The declaration of `table` in `database`.
pub fn table(database: Database, table: &str) -> Option<&'static TableDeclaration> {
    TABLES
        .iter()
        .find(|t| t.database == database && t.table == table)
}

/// The main database's tables about people, in declaration order.
pub fn owned_tables() -> impl Iterator<Item = &'static TableDeclaration> {
    TABLES
        .iter()
        .filter(|t| t.database == Database::Main && t.is_owned())
}

/// What a policy must claim for `table`: the table itself when its rows are about a person
/// (`"table"`), and each sealed column (`"table.column"`).
pub fn claims_of(table: &TableDeclaration) -> Vec<String> {
    let rows = table.is_owned().then(|| table.table.to_owned());
    rows.into_iter()
        .chain(
            table
                .personal
                .iter()
                .map(|c| format!("{}.{c}", table.table)),
        )
        .collect()
}

fn claimed(policy: &ValidPolicy) -> BTreeSet<&str> {
    policy
        .policy()
        .categories
        .iter()
        .flat_map(|c| c.stored_in.iter().map(String::as_str))
        .collect()
}

/// Every module holding personal data, with the claims it needs.
fn personal_modules() -> Vec<(&'static str, Vec<String>)> {
    let mut modules: Vec<(&'static str, Vec<String>)> = Vec::new();
    for table in TABLES.iter().filter(|t| t.is_personal()) {
        let claims = claims_of(table);
        match modules.iter_mut().find(|(m, _)| *m == table.module) {
            Some((_, all)) => all.extend(claims),
            None => modules.push((table.module, claims)),
        }
    }
    modules
}

/// The modules `policy` enables: those holding no personal data, and those whose every table
/// and sealed column a category of the policy claims.
pub fn enabled_modules(policy: &ValidPolicy) -> BTreeSet<&'static str> {
    let claimed = claimed(policy);
    let personal = personal_modules();
    TABLES
        .iter()
        .map(|t| t.module)
        .filter(|module| {
            personal
                .iter()
                .find(|(m, _)| m == module)
                .is_none_or(|(_, claims)| claims.iter().all(|c| claimed.contains(c.as_str())))
        })
        .collect()
}

/// True when `policy` switches `module` on (see [`enabled_modules`]), checking that module only:
/// what every write asks, so it does not walk the whole schema.
pub fn module_enabled(policy: &ValidPolicy, module: &str) -> bool {
    let claimed = claimed(policy);
    TABLES
        .iter()
        .filter(|t| t.module == module && t.is_personal())
        .flat_map(claims_of)
        .all(|claim| claimed.contains(claim.as_str()))
}

/// Problems with `policy`'s claims on the store: modules it claims only in part (naming what is
/// missing), required modules it does not claim, and claims of columns the store does not
/// declare as personal. Empty for a policy the store can run under.
pub fn claim_problems(policy: &ValidPolicy) -> Vec<String> {
    let claimed = claimed(policy);
    let mut problems = Vec::new();
    for (module, claims) in personal_modules() {
        let missing: Vec<&str> = claims
            .iter()
            .map(String::as_str)
            .filter(|c| !claimed.contains(c))
            .collect();
        let required = REQUIRED_MODULES.contains(&module);
        if !missing.is_empty() && (required || missing.len() < claims.len()) {
            problems.push(format!(
                "module {module} needs every one of its personal data claimed; missing: {}",
                missing.join(", ")
            ));
        }
    }
    for claim in unknown_claims(policy) {
        problems.push(format!(
            "{claim} is claimed by the policy but the store holds no personal data there"
        ));
    }
    problems
}

/// Claims of `policy` that name no personal table or sealed column of the store.
pub fn unknown_claims(policy: &ValidPolicy) -> Vec<String> {
    let known: BTreeSet<String> = TABLES.iter().flat_map(claims_of).collect();
    claimed(policy)
        .into_iter()
        .filter(|claim| !known.contains(*claim))
        .map(str::to_owned)
        .collect()
}

/// The category of `policy` that claims `claim` (`"table"` or `"table.column"`).
pub fn category_of<'p>(policy: &'p ValidPolicy, claim: &str) -> Option<&'p str> {
    policy
        .policy()
        .categories
        .iter()
        .find(|c| c.stored_in.iter().any(|s| s == claim))
        .map(|c| c.id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_owner_column_is_declared_as_a_uuid() {
        for table in owned_tables() {
            for owner in table.owner {
                let declared = table.other.iter().find(|(c, _, _)| c == owner);
                assert!(
                    matches!(declared, Some((_, Kind::Uuid, _))),
                    "{}.{owner}",
                    table.table
                );
            }
        }
    }

    #[test]
    fn every_event_column_is_a_declared_timestamp() {
        for table in TABLES {
            for (column, _) in table.events {
                let declared = table.other.iter().find(|(c, _, _)| c == column);
                assert!(
                    matches!(declared, Some((_, Kind::Timestamp, _))),
                    "{}.{column}",
                    table.table
                );
            }
        }
    }

    #[test]
    fn parents_are_owned_tables_of_the_same_module() {
        for table in TABLES {
            if let Some(parent) = table.parent {
                let found = super::table(Database::Main, parent).map(|p| (p.is_owned(), p.module));
                assert_eq!(found, Some((true, table.module)), "{}", table.table);
            }
        }
    }

    #[test]
    fn one_module_is_judged_like_all_of_them() {
        for pack in pledge_policy::packs::ALL {
            let policy = pack.load().expect("pack loads");
            let all = enabled_modules(&policy);
            for table in TABLES {
                assert_eq!(
                    module_enabled(&policy, table.module),
                    all.contains(table.module),
                    "{}: {}",
                    pack.name,
                    table.module
                );
            }
        }
    }

    #[test]
    fn pseudonym_columns_exist() {
        for table in TABLES {
            if let Erasure::Pseudonymise { pseudonym, .. } = table.erasure {
                assert!(
                    table
                        .other
                        .iter()
                        .any(|(c, k, _)| *c == pseudonym && *k == Kind::Text)
                );
            }
        }
    }
}

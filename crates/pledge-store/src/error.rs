//! The one error type of this crate.
//!
//! Database errors are kept for logs but never shown to people: `Display` says what failed in
//! words, without the driver's message (which can contain SQL, values or connection details).

use pledge_domain::PersonId;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused or failed an operation. When it failed because the database's
    /// disk is full, the message says so (the operator's one clue what to do).
    #[error("the database could not {action}{}", if storage_full(source) { ": its disk is full" } else { "" })]
    Database {
        /// What the store was doing.
        action: &'static str,
        /// The driver's error, for logs only.
        #[source]
        source: sea_orm::DbErr,
    },
    /// The person is younger than the policy's minimum age; nothing was kept.
    #[error("people under {minimum} cannot register; nothing was kept")]
    BelowMinimumAge {
        /// The policy's minimum age.
        minimum: u8,
    },
    /// An active legal hold stops the operation; nothing was changed.
    #[error("person {person} is under a legal hold; nothing was erased")]
    Held {
        /// Whose data.
        person: PersonId,
        /// The hold's id.
        hold: String,
        /// Its reason, for staff only: it is not part of the message.
        reason: String,
    },
    /// The policy does not allow this disclosure.
    #[error("disclosure refused: {0}")]
    DisclosureRefused(&'static str),
    /// A scheduled job's run ended after its lease ran out and another instance took the job
    /// over: this run's outcome was not recorded.
    #[error("{instance} lost its hold on the scheduled job {job} before it finished")]
    JobLost {
        /// The job.
        job: String,
        /// The instance that lost it.
        instance: String,
    },
    /// The person restricted processing of their data for this purpose (GDPR Art. 18), so
    /// it may be stored but not used or sent for it; nothing was done.
    #[error("processing for {0} is restricted at the person's request: nothing was used or sent")]
    Restricted(String),
    /// No such hold.
    #[error("legal hold {0} does not exist")]
    HoldNotFound(uuid::Uuid),
    /// A value the caller gave is not acceptable.
    #[error("{0}")]
    Invalid(&'static str),
    /// No published course has that address or id.
    #[error("there is no such course")]
    NoSuchCourse,
    /// No such person.
    #[error("person {0} does not exist")]
    PersonNotFound(PersonId),
    /// The person was erased: their data key is gone and their data cannot be read.
    #[error("person {0} was erased; their data can no longer be read")]
    Erased(PersonId),
    /// The policy grants no such right, or gives it no deadline.
    #[error("the policy does not offer the {0} right with a deadline")]
    RightNotOffered(&'static str),
    /// No such request.
    #[error("request {0} does not exist")]
    RequestNotFound(uuid::Uuid),
    /// The request cannot be extended.
    #[error("the request cannot be extended: {0}")]
    ExtensionNotAllowed(&'static str),
    /// A sealed value could not be opened: wrong key, wrong field, or tampered bytes.
    #[error("a sealed value could not be opened (wrong key, wrong field or tampered)")]
    Unseal,
    /// The system's random source failed.
    #[error("no randomness available for a new key or nonce")]
    Randomness,
    /// The audit log refused an entry.
    #[error("the audit log refused the entry: {0}")]
    Audit(#[from] pledge_audit::AuditError),
    /// A stored value had an impossible shape.
    #[error("a stored {what} is malformed")]
    Corrupt {
        /// Which value.
        what: &'static str,
    },
    /// No table of that name holds records about people.
    #[error("there is no table of personal records called {0:?}")]
    UnknownTable(String),
    /// The deployed policy does not claim this module's personal data, so it is switched off.
    #[error("the {0} module is switched off: the policy does not declare the data it holds")]
    ModuleDisabled(&'static str),
    /// A column that does not exist, or a value of the wrong kind for it (personal data must
    /// be sealed, other data must not be).
    #[error("{table}.{column} is not a column that accepts this value")]
    InvalidField {
        /// The table.
        table: &'static str,
        /// The column.
        column: String,
    },
    /// A request cannot be fulfilled before the requester's identity is verified.
    #[error("request {0} cannot be answered before the requester's identity is verified")]
    IdentityNotVerified(uuid::Uuid),
    /// The request was closed already.
    #[error("the request is closed: {0}")]
    RequestClosed(&'static str),
    /// Someone acting for another person is not allowed to.
    #[error("not allowed to act for this person: {0}")]
    NotAllowedToAct(&'static str),
    /// A form was refused: each problem names its field. Nothing was written.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" "))]
    Refused(Vec<crate::accounts::FieldProblem>),
    /// An emailed link is unknown, used already or expired.
    #[error("this link is not valid: it was used already or has expired")]
    LinkInvalid,
    /// Signing in failed. The same error for an unknown address, a wrong password and a locked
    /// account, so that nobody learns which addresses have accounts.
    #[error(
        "the email address or password is wrong, or the account is locked for {} minutes after {} failed attempts",
        crate::accounts::LOCKOUT_FOR.whole_minutes(),
        crate::accounts::LOCKOUT_AFTER
    )]
    SignInRefused,
    /// The password was right but the email address is not verified yet.
    #[error("the email address is not verified yet: follow the link we sent you")]
    EmailNotVerified,
    /// The password was right but a guardian has not confirmed yet.
    #[error("your parent or guardian has not confirmed your account yet")]
    AwaitingGuardian,
    /// The course costs money: enrolment waits for its payment.
    #[error("this course is paid: enrolment follows its payment")]
    PaymentRequired,
    /// The person is not enrolled in the course.
    #[error("you are not enrolled in this course")]
    NotEnrolled,
    /// An instructor acted on a course they do not teach.
    #[error("only the course's instructors may do this")]
    NotTeaching,
    /// The configuration is unusable.
    #[error("invalid store configuration: {0}")]
    Config(String),
}

impl StoreError {
    /// Whether the database refused a write for want of space: SQLite's `SQLITE_FULL` (13),
    /// PostgreSQL's `disk_full` (53100). Nothing was written; the same request succeeds once
    /// space is freed.
    #[must_use]
    pub fn is_storage_full(&self) -> bool {
        match self {
            Self::Database { source, .. } => storage_full(source),
            _ => false,
        }
    }
}

/// Whether `error` is the database saying its disk is full.
fn storage_full(error: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(error))
    | DbErr::Query(RuntimeErr::SqlxError(error))
    | DbErr::Conn(RuntimeErr::SqlxError(error))) = error
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(error) = error.as_ref() else {
        return false;
    };
    matches!(error.code().as_deref(), Some("13" | "53100"))
}

/// Wraps a database error with what the store was doing.
pub(crate) fn db(action: &'static str) -> impl FnOnce(sea_orm::DbErr) -> StoreError {
    move |source| StoreError::Database { action, source }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    use super::{StoreError, db};

    /// SQLite answers `SQLITE_FULL` when a database may not grow (here: `max_page_count`, the
    /// same code a full disk gives); the error says the disk is full and is recognised.
    #[tokio::test]
    async fn a_database_out_of_space_is_named_as_such() {
        // One connection: `max_page_count` holds for the connection that sets it.
        let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
        options.max_connections(1).min_connections(1);
        let conn = Database::connect(options).await.unwrap();
        conn.execute_unprepared("CREATE TABLE t (v BLOB)")
            .await
            .unwrap();
        let pages: i64 = {
            let row = conn
                .query_one_raw(sea_orm::Statement::from_string(
                    conn.get_database_backend(),
                    "PRAGMA page_count".to_owned(),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index(0).unwrap()
        };
        conn.execute_unprepared(&format!("PRAGMA max_page_count = {pages}"))
            .await
            .unwrap();
        let refused = conn
            .execute_unprepared("INSERT INTO t VALUES (zeroblob(100000))")
            .await
            .expect_err("the database may not grow");
        let error = db("record the request")(refused);
        assert!(error.is_storage_full(), "{error:?}");
        assert_eq!(
            error.to_string(),
            "the database could not record the request: its disk is full"
        );
    }

    /// Other database failures keep their plain message.
    #[tokio::test]
    async fn other_database_failures_are_not_called_a_full_disk() {
        let conn = Database::connect("sqlite::memory:").await.unwrap();
        let refused = conn
            .execute_unprepared("INSERT INTO missing VALUES (1)")
            .await
            .unwrap_err();
        let error = db("record the request")(refused);
        assert!(!error.is_storage_full());
        assert_eq!(
            error.to_string(),
            "the database could not record the request"
        );
        assert!(!StoreError::Randomness.is_storage_full());
    }
}

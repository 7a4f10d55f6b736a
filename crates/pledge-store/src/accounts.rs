//! Accounts: registration under the policy's age rule, email verification, guardians, signing
//! in with lockout, sessions with the policy's timeouts, password changes and resets, roles.
//!
//! What holds here, whatever the caller does:
//! - nobody below the policy's minimum age is kept (no key, no row, no audit entry — K43);
//!   someone in the guardian range cannot sign in before a guardian confirms the link (K44);
//! - passwords are hashed with argon2id and sealed under the person's key; the policy's
//!   minimum length and its common-password rule are checked before anything is written;
//! - the answers to "does this email have an account?" are the same for every address: a
//!   registration with a known address creates nothing and says so only to that address's
//!   owner (by email, through the caller), sign-in failures all read alike, and a reset
//!   request for an unknown address looks like any other;
//! - session and link secrets are never stored, only their SHA-256; a session ends at sign-out,
//!   at a password change or reset (every session of the person), at its idle limit and at its
//!   absolute end, whichever comes first; erasure deletes the rows, which ends them too.

use std::sync::OnceLock;

use pledge_audit::ActorKey;
use pledge_domain::{AgeBand, PersonId, Role};
use pledge_policy::ValidPolicy;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value as DbValue};
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::db;
use crate::people::{NewPerson, purpose};
use crate::records::Field;
use crate::vault::FieldRef;
use crate::{Store, StoreError};

const PASSWORD_HASH: FieldRef = FieldRef {
    table: "account",
    column: "password_hash",
};

/// Failed sign-ins in a row that lock an account.
pub const LOCKOUT_AFTER: i32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_FOR: Duration = Duration::minutes(15);
/// How long an email verification link works.
pub const VERIFY_FOR: Duration = Duration::hours(48);
/// How long a password reset link works.
pub const RESET_FOR: Duration = Duration::hours(1);
/// How long a guardian has to confirm.
pub const GUARDIAN_FOR: Duration = Duration::days(14);
/// How long someone has to type their second-step code after their password.
pub const SECOND_STEP_FOR: Duration = Duration::minutes(5);
/// A session's last activity is written at most this often.
const TOUCH_EVERY: Duration = Duration::minutes(1);
/// Longest name and email accepted.
const MAX_TEXT: usize = 200;
/// Longest password accepted (argon2 hashes anything, but megabytes of it cost CPU).
const MAX_PASSWORD: usize = 256;

/// One field's problem, for a message next to that field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    /// The form field's name.
    pub field: &'static str,
    /// What is wrong, in words for the person.
    pub message: String,
}

/// What someone typed into the registration form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The name they go by.
    pub display_name: String,
    /// Their email address.
    pub email: String,
    /// Their date of birth (the policy's age rule needs it).
    pub date_of_birth: Option<Date>,
    /// Their chosen password.
    pub password: String,
    /// A guardian's email, needed in the policy's guardian age range.
    pub guardian_email: Option<String>,
}

/// A link to email, with its secret (shown once, never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailLink {
    /// Who receives it.
    pub person: PersonId,
    /// The address to send it to.
    pub address: String,
    /// The secret to put in the link.
    pub token: String,
}

/// What a registration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// A new account, which signs in once its email is verified (and, for a minor, once the
    /// guardian confirms).
    Created {
        /// The new person.
        person: PersonId,
        /// The verification link for their own address.
        verify: EmailLink,
        /// The confirmation link for the guardian, when one is needed.
        guardian: Option<EmailLink>,
    },
    /// The address already has an account: nothing was created. Tell the address's owner, and
    /// show the person at the form exactly what a new registration shows.
    AlreadyRegistered {
        /// The address's owner.
        person: PersonId,
        /// Their address.
        address: String,
    },
}

/// How a sign-in should last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lasting {
    /// Until the policy's idle or absolute timeout.
    Standard,
    /// For the policy's "remember me" period, without an idle limit.
    Remembered,
}

/// Where a request came from, kept sealed with the session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// The peer's IP address.
    pub ip_address: String,
    /// The browser's `User-Agent`.
    pub user_agent: String,
}

/// A started session: the secret goes into the cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Whose.
    pub person: PersonId,
    /// The cookie's value.
    pub token: String,
    /// When the server ends it at the latest.
    pub expires_at: OffsetDateTime,
    /// Whether it outlives the browser session ("remember me").
    pub lasting: Lasting,
}

/// Where a correct password leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStep {
    /// Signed in.
    Done(SignedIn),
    /// The account uses a second step: ask for a code, then call
    /// [`Store::complete_sign_in`] with this one-time challenge (valid for
    /// [`SECOND_STEP_FOR`]).
    CodeNeeded {
        /// The challenge to send back with the code.
        challenge: String,
    },
}

impl SignInStep {
    /// The session, when no second step is needed.
    pub fn done(self) -> Option<SignedIn> {
        match self {
            SignInStep::Done(signed) => Some(signed),
            SignInStep::CodeNeeded { .. } => None,
        }
    }
}

/// A live session, as a request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    /// The session row's id.
    pub id: Uuid,
    /// Whose.
    pub person: PersonId,
    /// Their roles, in [`Role::ALL`] order; a person always has at least one.
    pub roles: Vec<Role>,
    /// Whether their account has a confirmed second step (TOTP).
    pub second_step: bool,
}

impl ActiveSession {
    /// Whether the session's person holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// What a guardian sees before confirming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianInvitation {
    /// The young person's name.
    pub minor_name: String,
    /// Whether the guardian must choose a password (they had no account).
    pub needs_password: bool,
}

/// Account statuses, as stored.
mod status {
    pub(super) const ACTIVE: &str = "active";
    pub(super) const AWAITING_GUARDIAN: &str = "needs-guardian";
    pub(super) const INVITED: &str = "invited";
}

/// What a link does, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkPurpose {
    VerifyEmail,
    ResetPassword,
    ConfirmGuardian,
    /// The second step of a sign-in, for a browser-session sign-in.
    SecondStep,
    /// The second step of a "remember me" sign-in.
    SecondStepRemembered,
}

impl LinkPurpose {
    const fn name(self) -> &'static str {
        match self {
            LinkPurpose::VerifyEmail => "verify-email",
            LinkPurpose::ResetPassword => "reset-password",
            LinkPurpose::ConfirmGuardian => "confirm-guardian",
            LinkPurpose::SecondStep => "second-step",
            LinkPurpose::SecondStepRemembered => "second-step-remembered",
        }
    }

    const fn lasts(self) -> Duration {
        match self {
            LinkPurpose::VerifyEmail => VERIFY_FOR,
            LinkPurpose::ResetPassword => RESET_FOR,
            LinkPurpose::ConfirmGuardian => GUARDIAN_FOR,
            LinkPurpose::SecondStep | LinkPurpose::SecondStepRemembered => SECOND_STEP_FOR,
        }
    }
}

/// The form of an email address used to find its account: trimmed and lower-cased.
fn normalised_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible email address: one `@`, something before it, a dot in the domain, no spaces.
fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.len() <= MAX_TEXT
}

/// The policy's password rules applied to `password`; `context` holds what the person typed
/// elsewhere (name, email), which a password must not be built from.
///
/// # Errors
/// The problem, in words for the person.
pub fn check_password(
    policy: &ValidPolicy,
    password: &str,
    context: &[&str],
) -> Result<(), String> {
    let rules = &policy.policy().security.passwords;
    let length = password.chars().count();
    if length < usize::from(rules.min_length) {
        return Err(format!(
            "Use at least {} characters; a few unrelated words make a strong one.",
            rules.min_length
        ));
    }
    if length > MAX_PASSWORD {
        return Err(format!("Use at most {MAX_PASSWORD} characters."));
    }
    if rules.reject_common {
        let estimate = zxcvbn::zxcvbn(password, context);
        if u8::from(estimate.score()) < 3 {
            let why = estimate
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            return Err(format!(
                "This password is too common or too easy to guess{why}; choose another."
            ));
        }
    }
    Ok(())
}

/// 32 random bytes as 64 hex digits.
pub(crate) fn new_secret() -> Result<String, StoreError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::Randomness)?;
    Ok(crate::hex_text(&bytes))
}

/// What the database keeps of a secret.
pub(crate) fn secret_hash(secret: &str) -> String {
    let digest: [u8; 32] = Sha256::digest(secret.trim().as_bytes()).into();
    crate::hex_text(&digest)
}

async fn hash_password(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|_| StoreError::Corrupt {
            what: "password hashing task",
        })
}

pub(crate) async fn password_matches(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok())
        .await
        .unwrap_or(false)
}

/// A hash to check unknown addresses against, so that they take as long as known ones.
pub(crate) fn decoy_hash() -> String {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY
        .get_or_init(|| password_auth::generate_hash("not anyone's password"))
        .clone()
}

pub(crate) fn broken(what: &'static str) -> impl Fn(sea_orm::DbErr) -> StoreError {
    move |_| StoreError::Corrupt { what }
}

pub(crate) fn refused(field: &'static str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field,
        message: message.into(),
    }
}

/// The checks of a registration that need no database, all at once.
fn registration_problems(
    policy: &ValidPolicy,
    form: &Registration,
    today: Date,
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let name = form.display_name.trim();
    if name.is_empty() {
        problems.push(refused("display_name", "Tell us the name you go by."));
    } else if name.chars().count() > MAX_TEXT {
        problems.push(refused(
            "display_name",
            format!("Use at most {MAX_TEXT} characters."),
        ));
    }
    if !plausible_email(form.email.trim()) {
        problems.push(refused(
            "email",
            "Enter an email address like name@example.org.",
        ));
    }
    match form.date_of_birth {
        None => problems.push(refused(
            "date_of_birth",
            "Enter your date of birth; the age rules of our privacy policy need it.",
        )),
        Some(birth) if birth > today => problems.push(refused(
            "date_of_birth",
            "A date of birth cannot be in the future.",
        )),
        Some(_) => {}
    }
    if policy.age_rule().classify(form.date_of_birth, today) == AgeBand::NeedsGuardian {
        match form.guardian_email.as_deref().map(str::trim) {
            None | Some("") => problems.push(refused(
                "guardian_email",
                format!(
                    "Under {} you need a parent or guardian: enter their email address and we \
                     will ask them to confirm.",
                    policy.age_rule().guardian_until()
                ),
            )),
            Some(guardian) if !plausible_email(guardian) => problems.push(refused(
                "guardian_email",
                "Enter your guardian's email address like name@example.org.",
            )),
            Some(guardian) if normalised_email(guardian) == normalised_email(&form.email) => {
                problems.push(refused(
                    "guardian_email",
                    "Your guardian needs an email address of their own.",
                ));
            }
            Some(_) => {}
        }
    }
    let context = [name, form.email.trim()];
    if let Err(message) = check_password(policy, &form.password, &context) {
        problems.push(refused("password", message));
    }
    problems
}

impl Store {
    /// The keyed hash that finds an account by email without storing the address in the clear.
    fn email_lookup(&self, email: &str) -> String {
        self.audit.lookup_hash("email", &normalised_email(email))
    }

    /// Registers a person with an account under `policy`'s age rule.
    ///
    /// # Errors
    /// [`StoreError::Refused`] with every problem of the form (nothing written);
    /// [`StoreError::BelowMinimumAge`] (nothing kept); key-store, randomness or database
    /// failures, with nothing half-written.
    pub async fn register_account(
        &self,
        form: &Registration,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Registered, StoreError> {
        let problems = registration_problems(policy, form, now.date());
        if !problems.is_empty() {
            return Err(StoreError::Refused(problems));
        }
        let rule = policy.age_rule();
        let band = rule.classify(form.date_of_birth, now.date());
        if band == AgeBand::BelowMinimum {
            return Err(StoreError::BelowMinimumAge {
                minimum: rule.minimum_age(),
            });
        }
        let email = form.email.trim().to_owned();
        if let Some(existing) = self.account_by_email(&email).await? {
            return Ok(Registered::AlreadyRegistered {
                person: existing,
                address: email,
            });
        }
        let guardian_email = match band {
            AgeBand::NeedsGuardian => form.guardian_email.as_deref().map(str::trim),
            _ => None,
        };
        let existing_guardian = match guardian_email {
            Some(address) => self.account_by_email(address).await?,
            None => None,
        };
        let hash = hash_password(form.password.clone()).await?;
        let created = self
            .create_account(form, policy, guardian_email, existing_guardian, hash, now)
            .await;
        match created {
            Ok(created) => Ok(created),
            // Someone registered the same address a moment ago and the unique index refused
            // this one; the transaction is gone, so the lookup sees the other account.
            Err(StoreError::Database { .. }) if self.account_by_email(&email).await?.is_some() => {
                let person = self
                    .account_by_email(&email)
                    .await?
                    .ok_or(StoreError::Corrupt { what: "account" })?;
                Ok(Registered::AlreadyRegistered {
                    person,
                    address: email,
                })
            }
            Err(other) => Err(other),
        }
    }

    /// The rows of a registration, in one transaction.
    async fn create_account(
        &self,
        form: &Registration,
        policy: &ValidPolicy,
        guardian_email: Option<&str>,
        existing_guardian: Option<PersonId>,
        hash: String,
        now: OffsetDateTime,
    ) -> Result<Registered, StoreError> {
        let email = form.email.trim().to_owned();
        let person = NewPerson {
            display_name: form.display_name.trim().to_owned(),
            email: email.clone(),
            date_of_birth: form.date_of_birth,
        };
        let txn = self.write_txn("start registering an account").await?;
        let id = self.insert_person_in(&txn, &person, now).await?;
        let actor = self.audit.actor(id);
        let account_status = if guardian_email.is_some() {
            status::AWAITING_GUARDIAN
        } else {
            status::ACTIVE
        };
        self.insert_account_in(&txn, policy, id, &email, Some(hash), account_status, now)
            .await?;
        self.grant_role_in(&txn, policy, id, Role::Learner, None, actor, now)
            .await?;
        let verify = EmailLink {
            person: id,
            address: email,
            token: self
                .issue_link_in(&txn, policy, id, LinkPurpose::VerifyEmail, None, actor, now)
                .await?,
        };
        let guardian = match guardian_email {
            None => None,
            Some(address) => Some(
                self.invite_guardian_in(&txn, policy, id, address, existing_guardian, actor, now)
                    .await?,
            ),
        };
        txn.commit().await.map_err(db("commit a registration"))?;
        Ok(Registered::Created {
            person: id,
            verify,
            guardian,
        })
    }

    /// Links a guardian to the minor `minor` (creating an invited account for an unknown
    /// address) and issues the confirmation link.
    #[allow(clippy::too_many_arguments)]
    async fn invite_guardian_in(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        minor: PersonId,
        address: &str,
        existing: Option<PersonId>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<EmailLink, StoreError> {
        let guardian = match existing {
            Some(guardian) => guardian,
            None => {
                let invited = NewPerson {
                    display_name: String::new(),
                    email: address.to_owned(),
                    date_of_birth: None,
                };
                let guardian = self.insert_person_in(txn, &invited, now).await?;
                self.insert_account_in(txn, policy, guardian, address, None, status::INVITED, now)
                    .await?;
                guardian
            }
        };
        let fields = vec![
            ("guardian_id", Field::plain(guardian.as_uuid())),
            ("confirmed_at", Field::plain(None::<OffsetDateTime>)),
            ("created_at", Field::plain(now)),
        ];
        let link = self
            .insert_record_in(txn, policy, "guardian_link", minor, fields, actor, now)
            .await?;
        let token = self
            .issue_link_in(
                txn,
                policy,
                guardian,
                LinkPurpose::ConfirmGuardian,
                Some(link),
                actor,
                now,
            )
            .await?;
        Ok(EmailLink {
            person: guardian,
            address: address.to_owned(),
            token,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_account_in(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        email: &str,
        password_hash: Option<String>,
        account_status: &'static str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut fields = vec![
            ("email_lookup", Field::plain(self.email_lookup(email))),
            ("status", Field::plain(account_status)),
            ("email_verified_at", Field::plain(None::<OffsetDateTime>)),
            ("failed_logins", Field::plain(0_i32)),
            ("locked_until", Field::plain(None::<OffsetDateTime>)),
            ("created_at", Field::plain(now)),
        ];
        if let Some(hash) = password_hash {
            fields.push(("password_hash", Field::Sealed(hash)));
        }
        let actor = self.audit.actor(person);
        self.insert_record_in(txn, policy, "account", person, fields, actor, now)
            .await
            .map(|_| ())
    }

    /// Gives `person` `role`, unless they hold it already.
    ///
    /// # Errors
    /// As [`Store::insert_record`].
    pub async fn grant_role(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        role: Role,
        granted_by: Option<PersonId>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if self.roles_of(person).await?.contains(&role) {
            return Ok(());
        }
        let actor =
            granted_by.map_or_else(|| self.audit.service("portal"), |by| self.audit.actor(by));
        let txn = self.write_txn("start granting a role").await?;
        self.grant_role_in(&txn, policy, person, role, granted_by, actor, now)
            .await?;
        txn.commit().await.map_err(db("commit a role"))
    }

    #[allow(clippy::too_many_arguments)]
    async fn grant_role_in(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        role: Role,
        granted_by: Option<PersonId>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let fields = vec![
            ("role", Field::plain(role.name())),
            ("granted_by", Field::plain(granted_by.map(|p| p.as_uuid()))),
            ("granted_at", Field::plain(now)),
        ];
        self.insert_record_in(txn, policy, "role_grant", person, fields, actor, now)
            .await
            .map(|_| ())
    }

    /// The roles `person` holds, in [`Role::ALL`] order.
    ///
    /// # Errors
    /// Database failures.
    pub async fn roles_of(&self, person: PersonId) -> Result<Vec<Role>, StoreError> {
        let mut select = Query::select();
        select
            .column("role")
            .from("role_grant")
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        let rows = self.db.query_all(&select).await.map_err(db("read roles"))?;
        let mut roles = Vec::new();
        for row in rows {
            let name: String = row.try_get_by_index(0).map_err(broken("role"))?;
            roles.push(Role::from_name(&name).ok_or(StoreError::Corrupt { what: "role" })?);
        }
        roles.sort_unstable();
        roles.dedup();
        Ok(roles)
    }

    /// Who has an account with `email`, if anyone.
    ///
    /// # Errors
    /// Database failures.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<PersonId>, StoreError> {
        let mut select = Query::select();
        select
            .column("person_id")
            .from("account")
            .and_where(Expr::col("email_lookup").eq(self.email_lookup(email)));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("find an account"))?;
        row.map(|row| {
            row.try_get_by_index(0)
                .map(PersonId::from_uuid)
                .map_err(broken("account id"))
        })
        .transpose()
    }

    /// Stores a new link secret for `person` and returns it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn issue_link_in(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        person: PersonId,
        link: LinkPurpose,
        subject: Option<Uuid>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<String, StoreError> {
        let token = new_secret()?;
        let fields = vec![
            ("purpose", Field::plain(link.name())),
            ("token_hash", Field::plain(secret_hash(&token))),
            ("subject_id", Field::plain(subject)),
            ("created_at", Field::plain(now)),
            ("expires_at", Field::plain(now + link.lasts())),
            ("used_at", Field::plain(None::<OffsetDateTime>)),
        ];
        self.insert_record_in(txn, policy, "account_token", person, fields, actor, now)
            .await?;
        Ok(token)
    }

    /// Uses up a link inside `txn`: the person and subject it was for, if it is unused and
    /// unexpired. A second use finds nothing.
    pub(crate) async fn use_link_in(
        &self,
        txn: &DatabaseTransaction,
        token: &str,
        link: LinkPurpose,
        now: OffsetDateTime,
    ) -> Result<(PersonId, Option<Uuid>), StoreError> {
        let hash = secret_hash(token);
        let mut select = Query::select();
        select
            .columns(["id", "person_id", "subject_id"])
            .from("account_token")
            .and_where(Expr::col("token_hash").eq(hash.as_str()))
            .and_where(Expr::col("purpose").eq(link.name()))
            .and_where(Expr::col("used_at").is_null())
            .and_where(Expr::col("expires_at").gt(now));
        let row = txn
            .query_one(&select)
            .await
            .map_err(db("read a link"))?
            .ok_or(StoreError::LinkInvalid)?;
        let id: Uuid = row.try_get_by_index(0).map_err(broken("link id"))?;
        let person: Uuid = row.try_get_by_index(1).map_err(broken("link owner"))?;
        let subject: Option<Uuid> = row.try_get_by_index(2).map_err(broken("link subject"))?;
        let mut update = Query::update();
        update
            .table("account_token")
            .value("used_at", now)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("used_at").is_null());
        let used = txn.execute(&update).await.map_err(db("use a link"))?;
        if used.rows_affected() != 1 {
            return Err(StoreError::LinkInvalid);
        }
        Ok((PersonId::from_uuid(person), subject))
    }

    /// Verifies the email of the person a verification link was sent to.
    ///
    /// # Errors
    /// [`StoreError::LinkInvalid`] for an unknown, used or expired link; database failures.
    pub async fn verify_email(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let txn = self.write_txn("start verifying an email").await?;
        let (person, _) = self
            .use_link_in(&txn, token, LinkPurpose::VerifyEmail, now)
            .await?;
        mark_verified_in(&txn, person, now).await?;
        txn.commit().await.map_err(db("commit a verified email"))?;
        Ok(person)
    }

    /// A new verification link for the unverified account at `email`, if there is one (the
    /// caller answers alike either way).
    ///
    /// # Errors
    /// Database, key-store or randomness failures.
    pub async fn resend_verification(
        &self,
        email: &str,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Option<EmailLink>, StoreError> {
        let Some(person) = self.account_by_email(email).await? else {
            return Ok(None);
        };
        let Some(account) = self.account_row(person).await? else {
            return Ok(None);
        };
        if account.verified || account.status == status::INVITED {
            return Ok(None);
        }
        let txn = self.write_txn("start issuing a verification link").await?;
        let actor = self.audit.actor(person);
        let token = self
            .issue_link_in(
                &txn,
                policy,
                person,
                LinkPurpose::VerifyEmail,
                None,
                actor,
                now,
            )
            .await?;
        txn.commit()
            .await
            .map_err(db("commit a verification link"))?;
        Ok(Some(EmailLink {
            person,
            address: email.trim().to_owned(),
            token,
        }))
    }

    /// What a guardian's confirmation link is about, without using it up. Reading the minor's
    /// name is audited.
    ///
    /// # Errors
    /// [`StoreError::LinkInvalid`], or failures.
    pub async fn guardian_invitation(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<GuardianInvitation, StoreError> {
        let (guardian, link) = self
            .peek_link(token, LinkPurpose::ConfirmGuardian, now)
            .await?;
        let minor = self.minor_of_link(link).await?;
        let view = self
            .read_person(minor, self.audit.actor(guardian), purpose("account")?, now)
            .await?;
        let needs_password = self
            .account_row(guardian)
            .await?
            .is_none_or(|a| a.status == status::INVITED);
        Ok(GuardianInvitation {
            minor_name: view.display_name,
            needs_password,
        })
    }

    /// The guardian confirms the link (K44). A guardian who had no account chooses a password
    /// and a name here; their address is proven by the link. The minor's account becomes
    /// active (signing in still needs their own verified email).
    ///
    /// # Errors
    /// [`StoreError::LinkInvalid`]; [`StoreError::Refused`] for a missing or weak password or
    /// name (the link stays usable); failures.
    pub async fn confirm_guardian(
        &self,
        token: &str,
        new_account: Option<(&str, &str)>,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let (guardian, link) = self
            .peek_link(token, LinkPurpose::ConfirmGuardian, now)
            .await?;
        let invited = self
            .account_row(guardian)
            .await?
            .is_none_or(|a| a.status == status::INVITED);
        let hash = match (invited, new_account) {
            (false, _) => None,
            (true, None) => {
                return Err(StoreError::Refused(vec![refused(
                    "password",
                    "Choose a password for your account.",
                )]));
            }
            (true, Some((name, password))) => {
                let mut problems = Vec::new();
                if name.trim().is_empty() || name.trim().chars().count() > MAX_TEXT {
                    problems.push(refused("display_name", "Tell us the name you go by."));
                }
                if let Err(message) = check_password(policy, password, &[name]) {
                    problems.push(refused("password", message));
                }
                if !problems.is_empty() {
                    return Err(StoreError::Refused(problems));
                }
                Some((
                    name.trim().to_owned(),
                    hash_password(password.to_owned()).await?,
                ))
            }
        };
        let minor = self.minor_of_link(link).await?;
        // Read before the transaction: SQLite's one connection belongs to it until the end.
        let already_guardian = self.roles_of(guardian).await?.contains(&Role::Guardian);
        let txn = self.write_txn("start confirming a guardian").await?;
        self.use_link_in(&txn, token, LinkPurpose::ConfirmGuardian, now)
            .await?;
        let mut update = Query::update();
        update
            .table("guardian_link")
            .value("confirmed_at", now)
            .and_where(Expr::col("id").eq(link));
        txn.execute(&update)
            .await
            .map_err(db("confirm a guardian"))?;
        if let Some((name, hash)) = hash {
            self.activate_invited_in(&txn, policy, guardian, &name, hash, now)
                .await?;
        }
        mark_verified_in(&txn, guardian, now).await?;
        set_status_in(&txn, minor, status::ACTIVE).await?;
        let actor = self.audit.actor(guardian);
        if !already_guardian {
            self.grant_role_in(&txn, policy, guardian, Role::Guardian, None, actor, now)
                .await?;
        }
        txn.commit()
            .await
            .map_err(db("commit a guardian's confirmation"))?;
        Ok(guardian)
    }

    async fn activate_invited_in(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        guardian: PersonId,
        name: &str,
        hash: String,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = self
            .keys
            .get(guardian)
            .await?
            .ok_or(StoreError::Erased(guardian))?;
        self.set_display_name_in(txn, &key, guardian, name).await?;
        let mut update = Query::update();
        update
            .table("account")
            .value("password_hash", key.seal(PASSWORD_HASH, hash.as_bytes())?)
            .value("status", status::ACTIVE)
            .and_where(Expr::col("person_id").eq(guardian.as_uuid()));
        txn.execute(&update)
            .await
            .map_err(db("activate an account"))?;
        self.grant_role_in(
            txn,
            policy,
            guardian,
            Role::Learner,
            None,
            self.audit.actor(guardian),
            now,
        )
        .await
    }

    /// The person and subject of a live link, leaving it unused.
    async fn peek_link(
        &self,
        token: &str,
        link: LinkPurpose,
        now: OffsetDateTime,
    ) -> Result<(PersonId, Uuid), StoreError> {
        let mut select = Query::select();
        select
            .columns(["person_id", "subject_id"])
            .from("account_token")
            .and_where(Expr::col("token_hash").eq(secret_hash(token)))
            .and_where(Expr::col("purpose").eq(link.name()))
            .and_where(Expr::col("used_at").is_null())
            .and_where(Expr::col("expires_at").gt(now));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a link"))?
            .ok_or(StoreError::LinkInvalid)?;
        let person: Uuid = row.try_get_by_index(0).map_err(broken("link owner"))?;
        let subject: Option<Uuid> = row.try_get_by_index(1).map_err(broken("link subject"))?;
        Ok((
            PersonId::from_uuid(person),
            subject.ok_or(StoreError::LinkInvalid)?,
        ))
    }

    async fn minor_of_link(&self, link: Uuid) -> Result<PersonId, StoreError> {
        let mut select = Query::select();
        select
            .column("minor_id")
            .from("guardian_link")
            .and_where(Expr::col("id").eq(link));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a guardian link"))?
            .ok_or(StoreError::LinkInvalid)?;
        row.try_get_by_index(0)
            .map(PersonId::from_uuid)
            .map_err(broken("guardian link"))
    }

    /// Checks an email and password and starts a session (its id is new at every sign-in), or,
    /// for an account with a second step, a challenge to complete with a code.
    ///
    /// # Errors
    /// [`StoreError::SignInRefused`] for an unknown address, a wrong password or a locked
    /// account, alike; [`StoreError::EmailNotVerified`] and [`StoreError::AwaitingGuardian`]
    /// (only after the right password); failures.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        lasting: Lasting,
        client: &Client,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<SignInStep, StoreError> {
        let account = match self.account_by_email(email).await? {
            Some(person) => self.account_row(person).await?,
            None => None,
        };
        let Some(account) = account else {
            password_matches(password.to_owned(), decoy_hash()).await;
            return Err(StoreError::SignInRefused);
        };
        if account.locked_until.is_some_and(|until| until > now) {
            return Err(StoreError::SignInRefused);
        }
        let hash = self.password_hash_of(&account).await?;
        let matches = match hash {
            Some(hash) => password_matches(password.to_owned(), hash).await,
            None => {
                password_matches(password.to_owned(), decoy_hash()).await;
                false
            }
        };
        if !matches {
            self.record_failure(&account, now).await?;
            return Err(StoreError::SignInRefused);
        }
        if account.status == status::AWAITING_GUARDIAN {
            return Err(StoreError::AwaitingGuardian);
        }
        if !account.verified {
            return Err(StoreError::EmailNotVerified);
        }
        if crate::mfa::is_confirmed(self, &account).await? {
            let purpose = match lasting {
                Lasting::Standard => LinkPurpose::SecondStep,
                Lasting::Remembered => LinkPurpose::SecondStepRemembered,
            };
            let txn = self.write_txn("start a second step").await?;
            let actor = self.audit.actor(account.person);
            let challenge = self
                .issue_link_in(&txn, policy, account.person, purpose, None, actor, now)
                .await?;
            txn.commit().await.map_err(db("commit a second step"))?;
            return Ok(SignInStep::CodeNeeded { challenge });
        }
        self.open_session(account.person, lasting, client, policy, now)
            .await
            .map(SignInStep::Done)
    }

    pub(crate) async fn record_failure(
        &self,
        account: &AccountRow,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let failures = account.failed_logins.saturating_add(1);
        let mut update = Query::update();
        update.table("account");
        if failures >= LOCKOUT_AFTER {
            update
                .value("failed_logins", 0_i32)
                .value("locked_until", now + LOCKOUT_FOR);
        } else {
            update.value("failed_logins", failures);
        }
        update.and_where(Expr::col("person_id").eq(account.person.as_uuid()));
        self.db
            .execute(&update)
            .await
            .map_err(db("count a failed sign-in"))
            .map(|_| ())
    }

    /// Starts a session for `person` without checking a password: only for someone the caller
    /// has just authenticated (the browser that changed its password keeps a fresh session).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for timeouts out of range; failures.
    pub async fn open_session(
        &self,
        person: PersonId,
        lasting: Lasting,
        client: &Client,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<SignedIn, StoreError> {
        let security = &policy.policy().security;
        let (lasts, idle) = match (lasting, security.remember_me) {
            (Lasting::Remembered, Some(remember)) => (remember, None),
            _ => (security.absolute_timeout, Some(security.idle_timeout)),
        };
        let lasting = if idle.is_none() {
            Lasting::Remembered
        } else {
            Lasting::Standard
        };
        let expires_at = lasts.after(now).ok_or(StoreError::Invalid(
            "the policy's session timeout is out of range",
        ))?;
        let idle_seconds = match idle {
            Some(period) => Some(
                period
                    .after(now)
                    .map(|end| (end - now).whole_seconds())
                    .and_then(|s| i32::try_from(s).ok())
                    .ok_or(StoreError::Invalid(
                        "the policy's idle timeout is out of range",
                    ))?,
            ),
            None => None,
        };
        let token = new_secret()?;
        let fields = vec![
            ("token_hash", Field::plain(secret_hash(&token))),
            ("ip_address", Field::Sealed(client.ip_address.clone())),
            ("user_agent", Field::Sealed(client.user_agent.clone())),
            ("created_at", Field::plain(now)),
            ("last_seen_at", Field::plain(now)),
            ("expires_at", Field::plain(expires_at)),
            ("ended_at", Field::plain(None::<OffsetDateTime>)),
            ("idle_seconds", Field::plain(idle_seconds)),
        ];
        let txn = self.write_txn("start a session").await?;
        self.insert_record_in(
            &txn,
            policy,
            "session",
            person,
            fields,
            self.audit.actor(person),
            now,
        )
        .await?;
        let mut update = Query::update();
        update
            .table("account")
            .value("failed_logins", 0_i32)
            .value("locked_until", DbValue::TimeDateTimeWithTimeZone(None))
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        txn.execute(&update)
            .await
            .map_err(db("reset failed sign-ins"))?;
        txn.commit().await.map_err(db("commit a session"))?;
        Ok(SignedIn {
            person,
            token,
            expires_at,
            lasting,
        })
    }

    /// The live session a cookie's `token` names, if any; notes its activity.
    ///
    /// # Errors
    /// Database failures.
    pub async fn session(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Option<ActiveSession>, StoreError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let mut select = Query::select();
        select
            .columns(["id", "person_id", "last_seen_at", "idle_seconds"])
            .from("session")
            .and_where(Expr::col("token_hash").eq(secret_hash(token)))
            .and_where(Expr::col("ended_at").is_null())
            .and_where(Expr::col("expires_at").gt(now));
        let Some(row) = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a session"))?
        else {
            return Ok(None);
        };
        let (id, person, last_seen, idle) = session_columns(&row)?;
        if idle.is_some_and(|seconds| last_seen + Duration::seconds(i64::from(seconds)) <= now) {
            self.end_session_row(id, now).await?;
            return Ok(None);
        }
        if now - last_seen >= TOUCH_EVERY {
            let mut update = Query::update();
            update
                .table("session")
                .value("last_seen_at", now)
                .and_where(Expr::col("id").eq(id));
            self.db
                .execute(&update)
                .await
                .map_err(db("note a session's activity"))?;
        }
        let mut roles = self.roles_of(person).await?;
        if roles.is_empty() {
            roles.push(Role::Learner);
        }
        let second_step = match self.account_row(person).await? {
            Some(account) => crate::mfa::is_confirmed(self, &account).await?,
            None => false,
        };
        Ok(Some(ActiveSession {
            id,
            person,
            roles,
            second_step,
        }))
    }

    async fn end_session_row(&self, id: Uuid, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut update = Query::update();
        update
            .table("session")
            .value("ended_at", now)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("ended_at").is_null());
        self.db
            .execute(&update)
            .await
            .map_err(db("end a session"))
            .map(|_| ())
    }

    /// Ends the session a cookie's `token` names (signing out). Unknown tokens are ignored.
    ///
    /// # Errors
    /// Database failures.
    pub async fn end_session(&self, token: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut update = Query::update();
        update
            .table("session")
            .value("ended_at", now)
            .and_where(Expr::col("token_hash").eq(secret_hash(token)))
            .and_where(Expr::col("ended_at").is_null());
        self.db
            .execute(&update)
            .await
            .map_err(db("end a session"))
            .map(|_| ())
    }

    /// Ends every session of `person`; returns how many were live.
    ///
    /// # Errors
    /// Database failures.
    pub async fn end_all_sessions(
        &self,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let txn = self.write_txn("start ending sessions").await?;
        let ended = end_all_sessions_in(&txn, person, now).await?;
        txn.commit().await.map_err(db("commit ended sessions"))?;
        Ok(ended)
    }

    /// Changes `person`'s password after checking the current one, and ends all their
    /// sessions (the caller starts a new one).
    ///
    /// # Errors
    /// [`StoreError::Refused`] naming `current_password` or `new_password`; failures.
    pub async fn change_password(
        &self,
        person: PersonId,
        current: &str,
        new: &str,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.check_current_password(person, current).await?;
        if let Err(message) = check_password(policy, new, &[]) {
            return Err(StoreError::Refused(vec![refused("new_password", message)]));
        }
        self.replace_password(person, new, None, now).await
    }

    /// Checks `password` against `person`'s, for a change that needs it.
    ///
    /// # Errors
    /// [`StoreError::Refused`] naming `current_password`; failures.
    pub(crate) async fn check_current_password(
        &self,
        person: PersonId,
        password: &str,
    ) -> Result<(), StoreError> {
        let account = self
            .account_row(person)
            .await?
            .ok_or(StoreError::PersonNotFound(person))?;
        let hash = self
            .password_hash_of(&account)
            .await?
            .unwrap_or_else(decoy_hash);
        if password_matches(password.to_owned(), hash).await {
            Ok(())
        } else {
            Err(StoreError::Refused(vec![refused(
                "current_password",
                "That is not your current password.",
            )]))
        }
    }

    /// A password reset link for the account at `email`, if there is one (the caller answers
    /// alike either way).
    ///
    /// # Errors
    /// Database, key-store or randomness failures.
    pub async fn request_password_reset(
        &self,
        email: &str,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<Option<EmailLink>, StoreError> {
        let Some(person) = self.account_by_email(email).await? else {
            return Ok(None);
        };
        let txn = self.write_txn("start issuing a reset link").await?;
        let actor = self.audit.actor(person);
        let token = self
            .issue_link_in(
                &txn,
                policy,
                person,
                LinkPurpose::ResetPassword,
                None,
                actor,
                now,
            )
            .await?;
        txn.commit().await.map_err(db("commit a reset link"))?;
        Ok(Some(EmailLink {
            person,
            address: email.trim().to_owned(),
            token,
        }))
    }

    /// Sets a new password from a reset link: ends every session, lifts a lockout and counts
    /// the address as verified (the link reached it).
    ///
    /// # Errors
    /// [`StoreError::LinkInvalid`]; [`StoreError::Refused`] naming `new_password` (the link
    /// stays usable); failures.
    pub async fn reset_password(
        &self,
        token: &str,
        new: &str,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let person = self.peek_reset(token, now).await?;
        if let Err(message) = check_password(policy, new, &[]) {
            return Err(StoreError::Refused(vec![refused("new_password", message)]));
        }
        self.replace_password(person, new, Some(token), now).await?;
        Ok(person)
    }

    /// Whose a live reset link is, leaving it unused.
    ///
    /// # Errors
    /// [`StoreError::LinkInvalid`], or failures.
    pub async fn peek_reset(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        self.peek_owner(token, &[LinkPurpose::ResetPassword], now)
            .await
            .map(|(person, _)| person)
    }

    /// Whose a live link of one of `purposes` is, and which purpose, leaving it unused.
    pub(crate) async fn peek_owner(
        &self,
        token: &str,
        purposes: &[LinkPurpose],
        now: OffsetDateTime,
    ) -> Result<(PersonId, LinkPurpose), StoreError> {
        let names: Vec<&str> = purposes.iter().map(|p| p.name()).collect();
        let mut select = Query::select();
        select
            .columns(["person_id", "purpose"])
            .from("account_token")
            .and_where(Expr::col("token_hash").eq(secret_hash(token)))
            .and_where(Expr::col("purpose").is_in(names))
            .and_where(Expr::col("used_at").is_null())
            .and_where(Expr::col("expires_at").gt(now));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a link"))?
            .ok_or(StoreError::LinkInvalid)?;
        let person: Uuid = row.try_get_by_index(0).map_err(broken("link owner"))?;
        let name: String = row.try_get_by_index(1).map_err(broken("link purpose"))?;
        let purpose = purposes
            .iter()
            .copied()
            .find(|p| p.name() == name)
            .ok_or(StoreError::LinkInvalid)?;
        Ok((PersonId::from_uuid(person), purpose))
    }

    async fn replace_password(
        &self,
        person: PersonId,
        new: &str,
        reset_token: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = self
            .keys
            .get(person)
            .await?
            .ok_or(StoreError::Erased(person))?;
        let sealed = key.seal(
            PASSWORD_HASH,
            hash_password(new.to_owned()).await?.as_bytes(),
        )?;
        let txn = self.write_txn("start changing a password").await?;
        if let Some(token) = reset_token {
            self.use_link_in(&txn, token, LinkPurpose::ResetPassword, now)
                .await?;
            mark_verified_in(&txn, person, now).await?;
        }
        let mut update = Query::update();
        update
            .table("account")
            .value("password_hash", sealed)
            .value("failed_logins", 0_i32)
            .value("locked_until", DbValue::TimeDateTimeWithTimeZone(None))
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        txn.execute(&update).await.map_err(db("store a password"))?;
        end_all_sessions_in(&txn, person, now).await?;
        let event = self.audit.event_about(
            self.audit.actor(person),
            pledge_audit::Action::Update,
            person,
            crate::people::contact_details(),
            Some(purpose("account")?),
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a new password"))
    }

    pub(crate) async fn account_row(
        &self,
        person: PersonId,
    ) -> Result<Option<AccountRow>, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "status",
                "email_verified_at",
                "failed_logins",
                "locked_until",
                "password_hash",
                "mfa_secret",
            ])
            .from("account")
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read an account"))?;
        row.map(|row| AccountRow::read(person, &row)).transpose()
    }

    pub(crate) async fn password_hash_of(
        &self,
        account: &AccountRow,
    ) -> Result<Option<String>, StoreError> {
        let Some(sealed) = &account.password_hash else {
            return Ok(None);
        };
        let key = self
            .keys
            .get(account.person)
            .await?
            .ok_or(StoreError::Erased(account.person))?;
        key.open_text(PASSWORD_HASH, sealed).map(Some)
    }
}

/// The columns of an account that signing in needs.
pub(crate) struct AccountRow {
    pub(crate) person: PersonId,
    status: String,
    verified: bool,
    failed_logins: i32,
    pub(crate) locked_until: Option<OffsetDateTime>,
    password_hash: Option<Vec<u8>>,
    pub(crate) mfa_state: Option<Vec<u8>>,
}

impl AccountRow {
    fn read(person: PersonId, row: &QueryResult) -> Result<Self, StoreError> {
        let verified: Option<OffsetDateTime> =
            row.try_get_by_index(1).map_err(broken("account"))?;
        Ok(Self {
            person,
            status: row.try_get_by_index(0).map_err(broken("account status"))?,
            verified: verified.is_some(),
            failed_logins: row.try_get_by_index(2).map_err(broken("account"))?,
            locked_until: row.try_get_by_index(3).map_err(broken("account"))?,
            password_hash: row.try_get_by_index(4).map_err(broken("account"))?,
            mfa_state: row.try_get_by_index(5).map_err(broken("account"))?,
        })
    }
}

fn session_columns(
    row: &QueryResult,
) -> Result<(Uuid, PersonId, OffsetDateTime, Option<i32>), StoreError> {
    let id: Uuid = row.try_get_by_index(0).map_err(broken("session"))?;
    let person: Uuid = row.try_get_by_index(1).map_err(broken("session"))?;
    let last_seen: OffsetDateTime = row.try_get_by_index(2).map_err(broken("session"))?;
    let idle: Option<i32> = row.try_get_by_index(3).map_err(broken("session"))?;
    Ok((id, PersonId::from_uuid(person), last_seen, idle))
}

async fn mark_verified_in(
    txn: &DatabaseTransaction,
    person: PersonId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut update = Query::update();
    update
        .table("account")
        .value("email_verified_at", now)
        .and_where(Expr::col("person_id").eq(person.as_uuid()))
        .and_where(Expr::col("email_verified_at").is_null());
    txn.execute(&update)
        .await
        .map_err(db("mark an email verified"))
        .map(|_| ())
}

async fn set_status_in(
    txn: &DatabaseTransaction,
    person: PersonId,
    account_status: &'static str,
) -> Result<(), StoreError> {
    let mut update = Query::update();
    update
        .table("account")
        .value("status", account_status)
        .and_where(Expr::col("person_id").eq(person.as_uuid()));
    txn.execute(&update)
        .await
        .map_err(db("update an account"))
        .map(|_| ())
}

async fn end_all_sessions_in(
    txn: &DatabaseTransaction,
    person: PersonId,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let mut update = Query::update();
    update
        .table("session")
        .value("ended_at", now)
        .and_where(Expr::col("person_id").eq(person.as_uuid()))
        .and_where(Expr::col("ended_at").is_null());
    txn.execute(&update)
        .await
        .map_err(db("end sessions"))
        .map(|done| done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::{normalised_email, plausible_email, secret_hash};

    #[test]
    fn emails_are_found_whatever_their_case_or_spacing() {
        assert_eq!(normalised_email("  Ada@Example.ORG "), "ada@example.org");
    }

    #[test]
    fn implausible_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@example",
            "a b@example.org",
            "ada@.org",
            "ada@example.org.",
            "a@b@example.org",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
        assert!(plausible_email("ada.lovelace+pledge@example.org"));
    }

    #[test]
    fn secrets_are_stored_as_their_hash_only() {
        let hash = secret_hash("00ff");
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, "00ff");
        assert_eq!(hash, secret_hash(" 00ff\n"));
    }
}

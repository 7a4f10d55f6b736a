//! The second step of signing in (K26, W43): time-based one-time codes (RFC 6238: SHA-1, six
//! digits, 30-second steps, one step of clock skew either way) and one-time recovery codes.
//!
//! The state lives sealed in `account.mfa_secret`: the secret, whether the person confirmed it
//! with a first code, the last step accepted (a code works once, so a code seen over someone's
//! shoulder is useless a moment later) and the SHA-256 of each unused recovery code. Wrong
//! codes count towards the account's lockout like wrong passwords.

use pledge_domain::{PersonId, Role};
use pledge_policy::ValidPolicy;
use pledge_policy::model::MfaRule;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::accounts::{AccountRow, Client, Lasting, LinkPurpose, SignedIn, refused, secret_hash};
use crate::error::db;
use crate::vault::FieldRef;
use crate::{Store, StoreError};

const MFA_SECRET: FieldRef = FieldRef {
    table: "account",
    column: "mfa_secret",
};

/// How many recovery codes a person gets; each works once.
pub const RECOVERY_CODES: usize = 10;

/// What the sealed column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SecondStep {
    /// The shared secret, base32.
    secret: String,
    /// Whether a first code confirmed it.
    confirmed: bool,
    /// The last time step a code was accepted for.
    last_step: u64,
    /// SHA-256 (hex) of each unused recovery code.
    recovery: Vec<String>,
}

/// What a person needs to add the account to an authenticator app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The secret, base32, for typing in.
    pub secret: String,
    /// The `otpauth://` address, for a QR code.
    pub otpauth_url: String,
}

/// Whether `policy` requires a second step of someone holding `roles`.
pub fn required(policy: &ValidPolicy, roles: &[Role]) -> bool {
    match policy.policy().security.mfa {
        MfaRule::Available => false,
        MfaRule::RequiredForStaff => roles.iter().any(|r| r.is_staff()),
        MfaRule::Required => true,
    }
}

fn totp(secret: &str, issuer: &str, account: &str) -> Result<Totp, StoreError> {
    let bytes = Secret::try_from_base32(secret).map_err(|_| StoreError::Corrupt {
        what: "second-step secret",
    })?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|_| StoreError::Corrupt {
            what: "second-step secret",
        })
}

/// The step `code` is valid for at `now`, if it is a current code of `secret`.
fn step_of(secret: &str, code: &str, now: OffsetDateTime) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let at = u64::try_from(now.unix_timestamp()).ok()?;
    totp(secret, "check", "check").ok()?.check(&code, at)
}

/// A recovery code as people read it: four groups of four letters and digits (31 symbols
/// that cannot be mistaken for one another: about 79 bits).
fn new_recovery_code() -> Result<String, StoreError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::Randomness)?;
    let symbols: Vec<char> = bytes
        .iter()
        .filter_map(|byte| ALPHABET.get(usize::from(*byte) % ALPHABET.len()))
        .map(|symbol| char::from(*symbol))
        .collect();
    let groups: Vec<String> = symbols.chunks(4).map(|g| g.iter().collect()).collect();
    Ok(groups.join("-"))
}

fn normalised_recovery(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `account` has a confirmed second step.
pub(crate) async fn is_confirmed(store: &Store, account: &AccountRow) -> Result<bool, StoreError> {
    Ok(store
        .second_step_of(account)
        .await?
        .is_some_and(|state| state.confirmed))
}

impl Store {
    async fn second_step_of(&self, account: &AccountRow) -> Result<Option<SecondStep>, StoreError> {
        let Some(sealed) = account.mfa_state.as_deref() else {
            return Ok(None);
        };
        let key = self
            .keys
            .get(account.person)
            .await?
            .ok_or(StoreError::Erased(account.person))?;
        let text = key.open_text(MFA_SECRET, sealed)?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|_| StoreError::Corrupt {
                what: "second-step state",
            })
    }

    async fn store_second_step(
        &self,
        person: PersonId,
        state: Option<&SecondStep>,
        txn: Option<&sea_orm::DatabaseTransaction>,
    ) -> Result<(), StoreError> {
        let sealed = match state {
            Some(state) => {
                let key = self
                    .keys
                    .get(person)
                    .await?
                    .ok_or(StoreError::Erased(person))?;
                let text = serde_json::to_string(state).map_err(|_| StoreError::Corrupt {
                    what: "second-step state",
                })?;
                Some(key.seal(MFA_SECRET, text.as_bytes())?)
            }
            None => None,
        };
        let mut update = Query::update();
        update
            .table("account")
            .value("mfa_secret", sea_orm::Value::Bytes(sealed))
            .and_where(Expr::col("person_id").eq(person.as_uuid()));
        match txn {
            Some(txn) => txn.execute(&update).await,
            None => self.db.execute(&update).await,
        }
        .map_err(db("store the second step"))
        .map(|_| ())
    }

    async fn account_of(&self, person: PersonId) -> Result<AccountRow, StoreError> {
        self.account_row(person)
            .await?
            .ok_or(StoreError::PersonNotFound(person))
    }

    /// Whether `person` has a confirmed second step.
    ///
    /// # Errors
    /// Database or key-store failures.
    pub async fn second_step_enabled(&self, person: PersonId) -> Result<bool, StoreError> {
        is_confirmed(self, &self.account_of(person).await?).await
    }

    /// Starts adding a second step, or shows the one started already: a fresh secret until a
    /// first code confirms it. `issuer` and `account` label it in the authenticator app.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a second step is on already; failures.
    pub async fn begin_second_step(
        &self,
        person: PersonId,
        issuer: &str,
        account: &str,
    ) -> Result<Enrolment, StoreError> {
        let state = match self.second_step_of(&self.account_of(person).await?).await? {
            Some(state) if state.confirmed => {
                return Err(StoreError::Invalid("the second step is on already"));
            }
            Some(pending) => pending,
            None => {
                let mut bytes = [0_u8; 20];
                getrandom::fill(&mut bytes).map_err(|_| StoreError::Randomness)?;
                let state = SecondStep {
                    secret: Secret::from(bytes).to_base32(),
                    confirmed: false,
                    last_step: 0,
                    recovery: Vec::new(),
                };
                self.store_second_step(person, Some(&state), None).await?;
                state
            }
        };
        let otpauth_url = totp(&state.secret, issuer, account)?
            .to_url()
            .map_err(|_| StoreError::Corrupt {
                what: "second-step secret",
            })?;
        Ok(Enrolment {
            secret: state.secret,
            otpauth_url,
        })
    }

    /// The second step someone started adding and has not confirmed, if any.
    ///
    /// # Errors
    /// Database or key-store failures.
    pub async fn pending_second_step(
        &self,
        person: PersonId,
        issuer: &str,
        account: &str,
    ) -> Result<Option<Enrolment>, StoreError> {
        match self.second_step_of(&self.account_of(person).await?).await? {
            Some(state) if !state.confirmed => {
                let otpauth_url = totp(&state.secret, issuer, account)?
                    .to_url()
                    .map_err(|_| StoreError::Corrupt {
                        what: "second-step secret",
                    })?;
                Ok(Some(Enrolment {
                    secret: state.secret,
                    otpauth_url,
                }))
            }
            _ => Ok(None),
        }
    }

    /// Confirms the second step with a first code and returns the recovery codes, shown to the
    /// person once (only their hashes are kept).
    ///
    /// # Errors
    /// [`StoreError::Refused`] naming `code` for a wrong code; [`StoreError::Invalid`] when no
    /// second step was started or it is on already; failures.
    pub async fn confirm_second_step(
        &self,
        person: PersonId,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError> {
        let mut state = match self.second_step_of(&self.account_of(person).await?).await? {
            Some(state) if !state.confirmed => state,
            Some(_) => return Err(StoreError::Invalid("the second step is on already")),
            None => return Err(StoreError::Invalid("start adding the second step first")),
        };
        let Some(step) = step_of(&state.secret, code, now) else {
            return Err(StoreError::Refused(vec![refused(
                "code",
                "That code is not right: type the six digits your app shows now.",
            )]));
        };
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| new_recovery_code())
            .collect::<Result<_, _>>()?;
        state.confirmed = true;
        state.last_step = step;
        state.recovery = codes
            .iter()
            .map(|c| secret_hash(&normalised_recovery(c)))
            .collect();
        let txn = self.write_txn("start turning the second step on").await?;
        self.store_second_step(person, Some(&state), Some(&txn))
            .await?;
        let event = self.audit.event_about(
            self.audit.actor(person),
            pledge_audit::Action::Update,
            person,
            crate::people::contact_details(),
            Some(crate::people::purpose("account")?),
        );
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit the second step"))?;
        Ok(codes)
    }

    /// Turns the second step off after checking the password; refused where the policy
    /// requires it of this person.
    ///
    /// # Errors
    /// [`StoreError::Refused`] naming `current_password`; [`StoreError::Invalid`] when the
    /// policy requires a second step of them; failures.
    pub async fn turn_off_second_step(
        &self,
        person: PersonId,
        password: &str,
        policy: &ValidPolicy,
    ) -> Result<(), StoreError> {
        if required(policy, &self.roles_of(person).await?) {
            return Err(StoreError::Invalid(
                "our policy requires a second step for your account, so it stays on",
            ));
        }
        self.check_current_password(person, password).await?;
        self.store_second_step(person, None, None).await
    }

    /// The second step of a sign-in: a current code (each works once) or an unused recovery
    /// code, for the `challenge` [`Store::sign_in`] gave. Wrong codes count towards the lockout.
    ///
    /// # Errors
    /// [`StoreError::LinkInvalid`] for an unknown, used or expired challenge;
    /// [`StoreError::Refused`] naming `code`; [`StoreError::SignInRefused`] once locked;
    /// failures.
    pub async fn complete_sign_in(
        &self,
        challenge: &str,
        code: &str,
        client: &Client,
        policy: &ValidPolicy,
        now: OffsetDateTime,
    ) -> Result<SignedIn, StoreError> {
        let purposes = [LinkPurpose::SecondStep, LinkPurpose::SecondStepRemembered];
        let (person, purpose) = self.peek_owner(challenge, &purposes, now).await?;
        let account = self.account_of(person).await?;
        if account.locked_until.is_some_and(|until| until > now) {
            return Err(StoreError::SignInRefused);
        }
        let mut state = self
            .second_step_of(&account)
            .await?
            .filter(|s| s.confirmed)
            .ok_or(StoreError::LinkInvalid)?;
        let recovery = secret_hash(&normalised_recovery(code));
        match step_of(&state.secret, code, now) {
            Some(step) if step > state.last_step => state.last_step = step,
            _ if state.recovery.contains(&recovery) => state.recovery.retain(|h| h != &recovery),
            _ => {
                self.record_failure(&account, now).await?;
                return Err(StoreError::Refused(vec![refused(
                    "code",
                    "That code is not right, or was used already: type the code your app shows \
                     now, or one of your recovery codes.",
                )]));
            }
        }
        let txn = self.write_txn("start completing a sign-in").await?;
        self.use_link_in(&txn, challenge, purpose, now).await?;
        self.store_second_step(person, Some(&state), Some(&txn))
            .await?;
        txn.commit().await.map_err(db("commit a second step"))?;
        let lasting = match purpose {
            LinkPurpose::SecondStepRemembered => Lasting::Remembered,
            _ => Lasting::Standard,
        };
        self.open_session(person, lasting, client, policy, now)
            .await
    }

    /// How many unused recovery codes `person` has left.
    ///
    /// # Errors
    /// Database or key-store failures.
    pub async fn recovery_codes_left(&self, person: PersonId) -> Result<usize, StoreError> {
        Ok(self
            .second_step_of(&self.account_of(person).await?)
            .await?
            .map_or(0, |s| s.recovery.len()))
    }
}

/// The current code of `secret` at `now`, as an authenticator app would show it (for tests and
/// the demo's instructions).
///
/// # Errors
/// [`StoreError::Corrupt`] for a malformed secret.
pub fn current_code(secret: &str, now: OffsetDateTime) -> Result<String, StoreError> {
    let at = u64::try_from(now.unix_timestamp()).unwrap_or_default();
    Ok(totp(secret, "code", "code")?.generate(at).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_with_one_step_of_skew_and_nothing_else() {
        let secret = Secret::from([7_u8; 20]).to_base32();
        let now = time::macros::datetime!(2026-12-01 12:00:00 UTC);
        let code = current_code(&secret, now).unwrap_or_default();
        assert_eq!(code.len(), 6);
        assert!(step_of(&secret, &code, now).is_some());
        assert!(step_of(&secret, &format!("{} {}", &code[..3], &code[3..]), now).is_some());
        assert!(step_of(&secret, &code, now + time::Duration::seconds(30)).is_some());
        assert!(step_of(&secret, &code, now + time::Duration::seconds(90)).is_none());
        assert!(step_of(&secret, "12345", now).is_none());
        assert!(step_of(&secret, "abcdef", now).is_none());
    }

    #[test]
    fn recovery_codes_read_well_and_match_however_typed() {
        let code = new_recovery_code().unwrap_or_default();
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3);
        assert_eq!(
            normalised_recovery(&code.to_uppercase().replace('-', " ")),
            code.replace('-', "")
        );
    }
}

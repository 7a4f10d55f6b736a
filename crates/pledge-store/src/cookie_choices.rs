//! Cookie banner choices, kept as proof of what each browser agreed to.
//!
//! A browser that answers the banner gets a random consent id (in the policy's choice cookie)
//! and a `cookie_choice` row per answer: the categories accepted and refused, where the answer
//! was given, the policy version, a hash of the text shown and the network it came from with
//! the host part removed. The rows name nobody. When the browser is signed in, the same answer
//! is also written to the person's consent events (one per category offered, given or
//! withdrawn, with the full proof sealed under their key), in the same transaction, so that
//! their consent history in the privacy centre shows it.

use pledge_consent::cookies::{category_name, category_named};
use pledge_consent::{AnonymisedIp, GivenBy, Proof, Source, TextHash};
use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use pledge_policy::model::CookieCategory;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::db;
use crate::records::Field;
use crate::{Store, StoreError};

/// Where a cookie choice was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceSource {
    /// The banner shown on every page until the browser answers.
    Banner,
    /// The cookie settings page, reachable from every page.
    Settings,
    /// The placeholder of an embed (a video) that asks for its category only.
    Embed,
}

impl ChoiceSource {
    /// The name stored in the row.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Banner => "banner",
            Self::Settings => "settings",
            Self::Embed => "embed",
        }
    }

    fn from_name(name: &str) -> Result<Self, StoreError> {
        match name {
            "banner" => Ok(Self::Banner),
            "settings" => Ok(Self::Settings),
            "embed" => Ok(Self::Embed),
            _ => Err(StoreError::Corrupt {
                what: "cookie choice source",
            }),
        }
    }
}

/// One answer to the banner, as the browser gave it.
#[derive(Debug, Clone)]
pub struct NewCookieChoice {
    /// The browser's consent id (a new one for its first answer).
    pub consent_id: Uuid,
    /// The optional categories accepted.
    pub accepted: Vec<CookieCategory>,
    /// The optional categories refused (every other category offered).
    pub refused: Vec<CookieCategory>,
    /// Where it was given.
    pub source: ChoiceSource,
    /// The exact text the browser was shown.
    pub text_shown: String,
    /// The address it came from (only its network is kept).
    pub ip: Option<std::net::IpAddr>,
    /// The browser's user agent (kept only in a signed-in person's sealed proof).
    pub user_agent: String,
}

/// A recorded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieChoice {
    /// The row's id.
    pub id: Uuid,
    /// The browser's consent id.
    pub consent_id: Uuid,
    /// The optional categories accepted.
    pub accepted: Vec<CookieCategory>,
    /// The optional categories refused.
    pub refused: Vec<CookieCategory>,
    /// Where it was given.
    pub source: ChoiceSource,
    /// The policy version in force.
    pub policy_version: String,
    /// When.
    pub recorded_at: OffsetDateTime,
}

/// The consent-event purpose a cookie category is recorded under.
pub fn cookie_purpose(category: CookieCategory) -> String {
    format!("cookies:{}", category_name(category))
}

/// The columns a choice is written with.
const INSERTED: [&str; 9] = [
    "id",
    "consent_id",
    "accepted",
    "refused",
    "source",
    "policy_version",
    "text_hash",
    "ip_prefix",
    "recorded_at",
];

/// The columns a choice is read back with (its hash and network are proof, not shown).
const READ: [&str; 7] = [
    "id",
    "consent_id",
    "accepted",
    "refused",
    "source",
    "policy_version",
    "recorded_at",
];

fn joined(categories: &[CookieCategory]) -> String {
    categories
        .iter()
        .map(|c| category_name(*c))
        .collect::<Vec<_>>()
        .join(" ")
}

fn split(text: &str) -> Result<Vec<CookieCategory>, StoreError> {
    text.split_whitespace()
        .map(|name| {
            category_named(name).ok_or(StoreError::Corrupt {
                what: "cookie choice category",
            })
        })
        .collect()
}

fn text_hash_hex(hash: &TextHash) -> String {
    hash.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Records `choice`; for a signed-in `person`, also one consent event per category offered
    /// (given or withdrawn), in the same transaction. Returns the row's id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a category is both accepted and refused, or essential;
    /// failures.
    pub async fn record_cookie_choice(
        &self,
        policy: &ValidPolicy,
        choice: &NewCookieChoice,
        person: Option<PersonId>,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        check_categories(choice)?;
        let version = policy.policy().policy.version.clone();
        let text_hash = TextHash::of(&choice.text_shown);
        let ip = choice.ip.map(AnonymisedIp::from_ip);
        let txn = self.write_txn("start recording a cookie choice").await?;
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("cookie_choice")
            .columns(INSERTED)
            .values([
                id.into(),
                choice.consent_id.into(),
                joined(&choice.accepted).into(),
                joined(&choice.refused).into(),
                choice.source.name().into(),
                version.clone().into(),
                text_hash_hex(&text_hash).into(),
                ip.map(|ip| ip.ip().to_string()).into(),
                now.into(),
            ])
            .map_err(|_| StoreError::Invalid("cookie choice values"))?;
        txn.execute(&insert)
            .await
            .map_err(db("record a cookie choice"))?;
        if let Some(person) = person {
            let proof = Proof {
                policy_version: version.clone(),
                text_hash,
                source: Source::CookieBanner,
                channel: None,
                ip,
                user_agent: Some(
                    choice
                        .user_agent
                        .chars()
                        .take(pledge_consent::MAX_USER_AGENT)
                        .collect(),
                ),
                given_by: GivenBy::Subject,
            };
            let proof = serde_json::to_string(&proof).map_err(|_| StoreError::Corrupt {
                what: "consent proof",
            })?;
            let actor = self.audit.actor(person);
            let answers = choice
                .accepted
                .iter()
                .map(|c| (*c, true))
                .chain(choice.refused.iter().map(|c| (*c, false)));
            for (category, given) in answers {
                let fields = vec![
                    ("purpose", Field::plain(cookie_purpose(category))),
                    ("given", Field::plain(given)),
                    (
                        "method",
                        Field::plain(format!("cookie-{}", choice.source.name())),
                    ),
                    ("policy_version", Field::plain(version.clone())),
                    ("proof", Field::Sealed(proof.clone())),
                    ("recorded_at", Field::plain(now)),
                ];
                self.insert_record_in(&txn, policy, "consent_event", person, fields, actor, now)
                    .await?;
            }
        }
        txn.commit().await.map_err(db("commit a cookie choice"))?;
        Ok(id)
    }

    /// Every choice recorded under `consent_id`, newest first.
    ///
    /// # Errors
    /// Failures; [`StoreError::Corrupt`] for a row the store did not write.
    pub async fn cookie_choices(&self, consent_id: Uuid) -> Result<Vec<CookieChoice>, StoreError> {
        let mut select = Query::select();
        select
            .columns(READ)
            .from("cookie_choice")
            .and_where(Expr::col("consent_id").eq(consent_id))
            .order_by("recorded_at", Order::Desc)
            .order_by("id", Order::Desc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read cookie choices"))?;
        rows.iter()
            .map(|row| {
                let get = |_| StoreError::Corrupt {
                    what: "cookie choice",
                };
                let accepted: String = row.try_get_by_index(2).map_err(get)?;
                let refused: String = row.try_get_by_index(3).map_err(get)?;
                let source: String = row.try_get_by_index(4).map_err(get)?;
                Ok(CookieChoice {
                    id: row.try_get_by_index(0).map_err(get)?,
                    consent_id: row.try_get_by_index(1).map_err(get)?,
                    accepted: split(&accepted)?,
                    refused: split(&refused)?,
                    source: ChoiceSource::from_name(&source)?,
                    policy_version: row.try_get_by_index(5).map_err(get)?,
                    recorded_at: row.try_get_by_index(6).map_err(get)?,
                })
            })
            .collect()
    }
}

fn check_categories(choice: &NewCookieChoice) -> Result<(), StoreError> {
    let all = || choice.accepted.iter().chain(&choice.refused);
    if all().any(|c| !c.is_optional()) {
        return Err(StoreError::Invalid(
            "essential cookies are not a choice: they are always on",
        ));
    }
    if choice.accepted.iter().any(|c| choice.refused.contains(c)) {
        return Err(StoreError::Invalid(
            "a cookie category cannot be both accepted and refused",
        ));
    }
    Ok(())
}

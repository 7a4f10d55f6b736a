//! Marketing consent per channel (J14), recorded in the consent ledger with its proof, and
//! the marketing sends that honour it.
//!
//! A choice is a `consent_event` row whose purpose is `marketing:<channel>` (the proof sealed
//! under the person's key). Whether someone may be sent marketing is never decided here: the
//! store rebuilds the person's [`pledge_consent::Ledger`] from those rows and asks
//! [`pledge_consent::Gate::may_contact`], which applies the age rule, a restriction, the
//! policy's evidence rule (J17: written consent for JTEC) and withdrawals (W30, J16, K23).
//!
//! Every marketing message is queued in the outbox with the link that unsubscribes its reader
//! in one click without signing in: the link carries a token keyed with the deployment's
//! pseudonym secret over the person and the channel ([`Store::unsubscribe_token`]), checked in
//! constant time ([`Store::unsubscribe_token_is_valid`]).

use std::collections::BTreeSet;

use pledge_audit::ActorKey;
use pledge_consent::{AnonymisedIp, Gate, GivenBy, Proof, Source, SubjectFacts, TextHash};
use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use pledge_policy::model::{Channel, ConsentEvidence};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use time::OffsetDateTime;

use crate::error::db;
use crate::outbox::NewMessage;
use crate::records::Field;
use crate::{Store, StoreError};

/// The outbox kind of a marketing message.
pub const MARKETING_MESSAGE: &str = "marketing";

/// The stored name of a channel (`email`, `social-media`).
#[must_use]
pub const fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Sms => "sms",
        Channel::Phone => "phone",
        Channel::Post => "post",
        Channel::SocialMedia => "social-media",
    }
}

/// The channel whose stored name is `name`.
#[must_use]
pub fn channel_named(name: &str) -> Option<Channel> {
    Channel::ALL.into_iter().find(|c| channel_name(*c) == name)
}

/// The purpose a restriction names to stop marketing (every pack calls it `marketing`).
pub const MARKETING_RESTRICTION: &str = "marketing";

/// The consent ledger's purpose for marketing on `channel`.
#[must_use]
pub fn marketing_purpose(channel: Channel) -> String {
    format!("marketing:{}", channel_name(channel))
}

/// Where a marketing choice was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceMade {
    /// The person's preferences in the privacy centre.
    Preferences,
    /// The one-click link in a marketing message.
    UnsubscribeLink,
    /// A signed written form the privacy office holds, by its reference (J17).
    WrittenForm(String),
}

impl ChoiceMade {
    fn source(&self) -> Source {
        match self {
            ChoiceMade::Preferences => Source::PreferenceCentre,
            ChoiceMade::UnsubscribeLink => Source::UnsubscribeLink,
            ChoiceMade::WrittenForm(document) => Source::WrittenForm {
                document: document.clone(),
            },
        }
    }

    const fn method(&self) -> &'static str {
        match self {
            ChoiceMade::Preferences => "preference-centre",
            ChoiceMade::UnsubscribeLink => "unsubscribe-link",
            ChoiceMade::WrittenForm(_) => "written-form",
        }
    }
}

/// One marketing choice as it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketingChoice {
    /// Which channel.
    pub channel: Channel,
    /// Given or withdrawn.
    pub given: bool,
    /// Where.
    pub made: ChoiceMade,
    /// The words the person was shown with the choice.
    pub text_shown: String,
    /// Their address, truncated before it is kept.
    pub ip: Option<std::net::IpAddr>,
    /// Their browser, if a browser made it.
    pub user_agent: Option<String>,
}

/// A marketing message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign<'a> {
    /// The channel (only email is sent by the portal).
    pub channel: Channel,
    /// The subject line.
    pub subject: &'a str,
    /// The text.
    pub body: &'a str,
}

fn ledger_error(error: pledge_consent::ConsentError) -> StoreError {
    match error {
        pledge_consent::ConsentError::MissingDocumentReference => {
            StoreError::Invalid("written consent needs the reference of the signed form")
        }
        _ => StoreError::Corrupt {
            what: "marketing consent event",
        },
    }
}

impl Store {
    /// Records a marketing choice for `person` in the consent ledger with its proof.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the policy has no marketing or not this channel, or when
    /// the policy needs written consent (J17) and this one was not given on a signed form;
    /// [`StoreError::Erased`]; failures.
    pub async fn record_marketing_choice(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        choice: &MarketingChoice,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let marketing = policy
            .policy()
            .marketing
            .as_ref()
            .ok_or(StoreError::Invalid("the policy sends no marketing"))?;
        if !marketing.channels.contains(&choice.channel) {
            return Err(StoreError::Invalid(
                "the policy does not market on this channel",
            ));
        }
        let written = matches!(choice.made, ChoiceMade::WrittenForm(_));
        if choice.given && marketing.evidence == ConsentEvidence::Written && !written {
            return Err(StoreError::Invalid(
                "consent to marketing is taken in writing: send us the signed form",
            ));
        }
        let proof = Proof {
            policy_version: policy.policy().policy.version.clone(),
            text_hash: TextHash::of(&choice.text_shown),
            source: choice.made.source(),
            channel: Some(choice.channel),
            ip: choice.ip.map(AnonymisedIp::from_ip),
            user_agent: choice
                .user_agent
                .as_ref()
                .map(|ua| ua.chars().take(pledge_consent::MAX_USER_AGENT).collect()),
            given_by: GivenBy::Subject,
        };
        proof.check(person).map_err(ledger_error)?;
        let sealed = serde_json::to_string(&proof).map_err(|_| StoreError::Corrupt {
            what: "consent proof",
        })?;
        let fields = vec![
            ("purpose", Field::plain(marketing_purpose(choice.channel))),
            ("given", Field::plain(choice.given)),
            ("method", Field::plain(choice.made.method().to_owned())),
            ("policy_version", Field::plain(proof.policy_version.clone())),
            ("proof", Field::Sealed(sealed)),
            ("recorded_at", Field::plain(now)),
        ];
        let actor = self.audit.actor(person);
        self.insert_record(policy, "consent_event", person, fields, actor, now)
            .await
            .map(drop)
    }

    /// The channels `person` may be sent marketing on at `now`, as the gate decides.
    ///
    /// # Errors
    /// [`StoreError::Erased`]; failures.
    pub async fn marketing_allowed(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<BTreeSet<Channel>, StoreError> {
        let Some(marketing) = policy.policy().marketing.as_ref() else {
            return Ok(BTreeSet::new());
        };
        let ledger = self.consent_ledger(Some(person)).await?;
        let facts = SubjectFacts {
            person,
            birth_date: self.open_live(person).await?.date_of_birth,
            restricted: self
                .is_restricted_for(person, MARKETING_RESTRICTION)
                .await?,
        };
        let gate = Gate::new(policy);
        Ok(marketing
            .channels
            .iter()
            .copied()
            .filter(|c| gate.may_contact(&ledger, &facts, *c, now).is_allowed())
            .collect())
    }

    /// Everyone who ever answered about marketing on `channel` and whom the gate allows to be
    /// sent it at `now`.
    ///
    /// # Errors
    /// Failures.
    pub async fn marketing_audience(
        &self,
        policy: &ValidPolicy,
        channel: Channel,
        now: OffsetDateTime,
    ) -> Result<Vec<PersonId>, StoreError> {
        let mut select = Query::select();
        select
            .distinct()
            .column("person_id")
            .from("consent_event")
            .and_where(Expr::col("purpose").eq(marketing_purpose(channel)));
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("list people who answered about marketing"))?;
        let mut audience = Vec::new();
        for row in &rows {
            let person =
                PersonId::from_uuid(row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                    what: "consent event",
                })?);
            match self.marketing_allowed(policy, person, now).await {
                Ok(allowed) if allowed.contains(&channel) => audience.push(person),
                Ok(_) | Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => {}
                Err(error) => return Err(error),
            }
        }
        audience.sort();
        Ok(audience)
    }

    /// Queues `campaign` for everyone the gate allows, in one transaction (all or none), each
    /// message with its reader's address sealed in the outbox. Returns how many were queued.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty subject or text, or a channel the portal does not
    /// send on; failures.
    pub async fn queue_campaign(
        &self,
        policy: &ValidPolicy,
        campaign: &Campaign<'_>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        if campaign.subject.trim().is_empty() || campaign.body.trim().is_empty() {
            return Err(StoreError::Invalid("a message needs a subject and a text"));
        }
        if campaign.channel != Channel::Email {
            return Err(StoreError::Invalid(
                "the portal sends marketing by email only",
            ));
        }
        let audience = self
            .marketing_audience(policy, campaign.channel, now)
            .await?;
        let mut messages = Vec::with_capacity(audience.len());
        for person in audience {
            if let Some(address) = self.address_of(person).await {
                messages.push((person, address));
            }
        }
        let sent = messages.len();
        let readers: Vec<PersonId> = messages.iter().map(|(person, _)| *person).collect();
        self.audit_reads(policy, actor, "person", &readers, now)
            .await?;
        let txn = self.write_txn("start queueing a campaign").await?;
        for (person, address) in messages {
            let message = NewMessage {
                person: Some(person),
                kind: MARKETING_MESSAGE,
                recipient: "person".to_owned(),
                address: Some(address),
                payload: json!({
                    "channel": channel_name(campaign.channel),
                    "subject": campaign.subject.trim(),
                    "body": campaign.body.trim(),
                }),
            };
            self.enqueue_in(&txn, message, now).await?;
        }
        txn.commit().await.map_err(db("commit a campaign"))?;
        Ok(sent)
    }

    /// The token of the link that unsubscribes `person` from `channel` without signing in.
    #[must_use]
    pub fn unsubscribe_token(&self, person: PersonId, channel: Channel) -> String {
        self.audit.lookup_hash(
            "marketing-unsubscribe",
            &format!("{}:{}", person.as_uuid(), channel_name(channel)),
        )
    }

    /// True when `token` is the unsubscribe token of `person` and `channel` (compared in
    /// constant time).
    #[must_use]
    pub fn unsubscribe_token_is_valid(
        &self,
        person: PersonId,
        channel: Channel,
        token: &str,
    ) -> bool {
        let expected = self.unsubscribe_token(person, channel);
        expected.len() == token.len()
            && expected
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |differ, (a, b)| differ | (a ^ b))
                == 0
    }
}

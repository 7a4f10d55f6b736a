//! The notification outbox: messages to people and partners are queued in the same
//! transaction as the change that causes them (a correction, an erasure, an extension), then
//! claimed and delivered by whichever instance gets to them first.
//!
//! A message's address (an email) is sealed under the outbox's own data key, not the person's,
//! so that the notice an erasure sends still reaches the person after their key is destroyed;
//! the address is cleared when the message is sent. A notice to a partner also carries the
//! facts the partner needs (`details`, see `partner_notices`), sealed and cleared the same way. Claims are leases taken with a
//! conditional update, so two instances never deliver the same message.

use pledge_domain::PersonId;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value as DbValue};
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::db;
use crate::vault::FieldRef;
use crate::{DataKey, Store, StoreError};

const ADDRESS: FieldRef = FieldRef {
    table: "outbox",
    column: "address",
};

/// The key-store entry holding the outbox's own data key.
fn outbox_key_id() -> PersonId {
    PersonId::from_uuid(Uuid::nil())
}

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Whom it is about, if anyone.
    pub person: Option<PersonId>,
    /// Its template.
    pub kind: &'static str,
    /// `"person"` or the policy's id of a partner.
    pub recipient: String,
    /// The address to send to, if the recipient is a person.
    pub address: Option<String>,
    /// Ids and policy references the template needs (never personal data).
    pub payload: Value,
}

/// A message claimed for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedMessage {
    /// Its id.
    pub id: Uuid,
    /// Whom it is about, if anyone.
    pub person: Option<PersonId>,
    /// Its template.
    pub kind: String,
    /// `"person"` or the policy's id of a partner.
    pub recipient: String,
    /// The address, opened.
    pub address: Option<String>,
    /// What the template needs.
    pub payload: Value,
    /// For a notice to a partner: the facts it needs, opened.
    pub details: Option<crate::partner_notices::NoticeDetails>,
}

impl Store {
    pub(crate) async fn outbox_key(&self, now: OffsetDateTime) -> Result<DataKey, StoreError> {
        match self.keys.get(outbox_key_id()).await? {
            Some(key) => Ok(key),
            None => match self.keys.create(outbox_key_id(), now).await {
                Ok(key) => Ok(key),
                // Another instance created it at the same moment.
                Err(_) => self
                    .keys
                    .get(outbox_key_id())
                    .await?
                    .ok_or(StoreError::Corrupt { what: "outbox key" }),
            },
        }
    }

    /// Queues `message` inside `txn`, so it exists exactly when the change causing it commits.
    ///
    /// # Errors
    /// Key-store or database failures.
    pub async fn enqueue_in(
        &self,
        txn: &DatabaseTransaction,
        message: NewMessage,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let address = match &message.address {
            Some(text) => Some(self.outbox_key(now).await?.seal(ADDRESS, text.as_bytes())?),
            None => None,
        };
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("outbox")
            .columns([
                "id",
                "person_id",
                "kind",
                "recipient",
                "address",
                "payload",
                "created_at",
                "available_at",
                "attempts",
            ])
            .values([
                id.into(),
                message.person.map(|p| p.as_uuid()).into(),
                message.kind.into(),
                message.recipient.into(),
                DbValue::Bytes(address).into(),
                message.payload.to_string().into(),
                now.into(),
                now.into(),
                0_i32.into(),
            ])
            .map_err(|_| StoreError::Corrupt {
                what: "outbox message",
            })?;
        txn.execute(&insert).await.map_err(db("queue a message"))?;
        Ok(id)
    }

    /// Claims up to `limit` unsent messages for `instance` for `lease`; a message whose lease
    /// ran out (its sender died) can be claimed again.
    ///
    /// # Errors
    /// Key-store or database failures.
    pub async fn claim_messages(
        &self,
        instance: &str,
        limit: u64,
        lease: Duration,
        now: OffsetDateTime,
    ) -> Result<Vec<ClaimedMessage>, StoreError> {
        self.claim_messages_of(&[], instance, limit, lease, now)
            .await
    }

    /// [`Store::claim_messages`], of the given `kinds` only (none: every kind), for a sender
    /// that knows how to deliver those.
    ///
    /// # Errors
    /// Key-store or database failures.
    pub async fn claim_messages_of(
        &self,
        kinds: &[&str],
        instance: &str,
        limit: u64,
        lease: Duration,
        now: OffsetDateTime,
    ) -> Result<Vec<ClaimedMessage>, StoreError> {
        let free = Cond::all().add(Expr::col("sent_at").is_null()).add(
            Cond::any()
                .add(Expr::col("claimed_until").is_null())
                .add(Expr::col("claimed_until").lt(now)),
        );
        let mut select = Query::select();
        select
            .column("id")
            .from("outbox")
            .cond_where(free.clone())
            .and_where(Expr::col("available_at").lte(now))
            .order_by("created_at", sea_orm::sea_query::Order::Asc)
            .limit(limit);
        if !kinds.is_empty() {
            select.and_where(Expr::col("kind").is_in(kinds.iter().copied()));
        }
        let candidates = self
            .db
            .query_all(&select)
            .await
            .map_err(db("list messages to send"))?;
        let mut claimed = Vec::new();
        for row in candidates {
            let id: Uuid = row
                .try_get("", "id")
                .map_err(|_| StoreError::Corrupt { what: "outbox id" })?;
            let mut update = Query::update();
            update
                .table("outbox")
                .value("claimed_by", instance)
                .value("claimed_until", now + lease)
                .value("attempts", Expr::col("attempts").add(1))
                .and_where(Expr::col("id").eq(id))
                .cond_where(free.clone());
            let taken = self
                .db
                .execute(&update)
                .await
                .map_err(db("claim a message"))?;
            if taken.rows_affected() == 1 {
                claimed.push(self.claimed(id, now).await?);
            }
        }
        Ok(claimed)
    }

    async fn claimed(&self, id: Uuid, now: OffsetDateTime) -> Result<ClaimedMessage, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "person_id",
                "kind",
                "recipient",
                "address",
                "payload",
                "details",
            ])
            .from("outbox")
            .and_where(Expr::col("id").eq(id));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a message"))?
            .ok_or(StoreError::Corrupt {
                what: "outbox message",
            })?;
        let corrupt = |_| StoreError::Corrupt {
            what: "outbox message",
        };
        let sealed: Option<Vec<u8>> = row.try_get("", "address").map_err(corrupt)?;
        let address = match sealed {
            Some(bytes) => Some(self.outbox_key(now).await?.open_text(ADDRESS, &bytes)?),
            None => None,
        };
        let payload: String = row.try_get("", "payload").map_err(corrupt)?;
        let sealed: Option<Vec<u8>> = row.try_get("", "details").map_err(corrupt)?;
        let details = match sealed {
            Some(bytes) => {
                let text = self
                    .outbox_key(now)
                    .await?
                    .open(crate::partner_notices::DETAILS, &bytes)?;
                Some(
                    serde_json::from_slice(&text).map_err(|_| StoreError::Corrupt {
                        what: "partner notice",
                    })?,
                )
            }
            None => None,
        };
        Ok(ClaimedMessage {
            details,
            id,
            person: row
                .try_get::<Option<Uuid>>("", "person_id")
                .map_err(corrupt)?
                .map(PersonId::from_uuid),
            kind: row.try_get("", "kind").map_err(corrupt)?,
            recipient: row.try_get("", "recipient").map_err(corrupt)?,
            address,
            payload: serde_json::from_str(&payload).map_err(|_| StoreError::Corrupt {
                what: "outbox payload",
            })?,
        })
    }

    /// Marks a claimed message sent and clears its address. Only the instance holding the
    /// claim can do so; returns whether it did.
    ///
    /// # Errors
    /// Database failures.
    pub async fn mark_sent(
        &self,
        id: Uuid,
        instance: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut update = Query::update();
        update
            .table("outbox")
            .value("sent_at", now)
            .value("address", DbValue::Bytes(None))
            .value("details", DbValue::Bytes(None))
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("claimed_by").eq(instance))
            .and_where(Expr::col("sent_at").is_null());
        let done = self
            .db
            .execute(&update)
            .await
            .map_err(db("mark a message sent"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Unsent messages about `person` of the given kinds (for tests and the privacy office).
    ///
    /// # Errors
    /// Database failures.
    pub async fn pending_messages(
        &self,
        person: PersonId,
    ) -> Result<Vec<(String, String, Value)>, StoreError> {
        let mut select = Query::select();
        select
            .columns(["kind", "recipient", "payload"])
            .from("outbox")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .and_where(Expr::col("sent_at").is_null())
            .order_by("created_at", sea_orm::sea_query::Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("list pending messages"))?;
        let corrupt = |_| StoreError::Corrupt {
            what: "outbox message",
        };
        rows.iter()
            .map(|row| {
                let payload: String = row.try_get("", "payload").map_err(corrupt)?;
                Ok((
                    row.try_get("", "kind").map_err(corrupt)?,
                    row.try_get("", "recipient").map_err(corrupt)?,
                    serde_json::from_str(&payload).map_err(|_| StoreError::Corrupt {
                        what: "outbox payload",
                    })?,
                ))
            })
            .collect()
    }
}

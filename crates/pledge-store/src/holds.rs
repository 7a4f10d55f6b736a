//! Legal holds: placed with a reason, an owner and an optional expiry, released explicitly.
//! While a hold is active it beats expiry and erasure (Moodle deleted logs an administrator was
//! legally bound to keep, MDL-71316; Pledge refuses instead and says why).

use pledge_audit::{Action, ActorKey};
use pledge_domain::PersonId;
use pledge_retention::LegalHold;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::legal_hold;
use crate::error::db;
use crate::{Store, StoreError};

fn hold(row: legal_hold::Model) -> LegalHold {
    LegalHold {
        id: row.id.to_string(),
        reason: row.reason,
        owner: row.owner,
        expires: row.expires_at,
    }
}

impl Store {
    /// Places a hold on everything held about `person`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a blank reason or owner; database failures.
    pub async fn place_hold(
        &self,
        person: PersonId,
        reason: &str,
        owner: &str,
        expires: Option<OffsetDateTime>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        if reason.trim().is_empty() || owner.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a legal hold needs a reason and an owner",
            ));
        }
        if expires.is_some_and(|at| at <= now) {
            return Err(StoreError::Invalid(
                "a legal hold cannot expire before it is placed",
            ));
        }
        let id = Uuid::now_v7();
        let row = legal_hold::ActiveModel {
            id: ActiveValue::Set(id),
            person_id: ActiveValue::Set(person.as_uuid()),
            reason: ActiveValue::Set(reason.trim().to_owned()),
            owner: ActiveValue::Set(owner.trim().to_owned()),
            placed_at: ActiveValue::Set(now),
            expires_at: ActiveValue::Set(expires),
            released_at: ActiveValue::Set(None),
        };
        let txn = self.write_txn("start placing a hold").await?;
        // Touching the person's row locks it against a concurrent erasure's first step, which
        // checks holds under the same lock: a hold and an erasure cannot pass each other.
        let mut touch = Query::update();
        touch
            .table("person")
            .value("id", person.as_uuid())
            .and_where(Expr::col("id").eq(person.as_uuid()))
            .and_where(Expr::col("erasure_started_at").is_null())
            .and_where(Expr::col("erased_at").is_null());
        let live = txn
            .execute(&touch)
            .await
            .map_err(db("lock a person for a hold"))?;
        if live.rows_affected() != 1 {
            return Err(StoreError::Invalid(
                "no hold can be placed: the person does not exist or their erasure has begun",
            ));
        }
        row.insert(&txn).await.map_err(db("place a hold"))?;
        self.audit
            .append(&txn, vec![self.admin_event(actor, person)], now)
            .await?;
        txn.commit().await.map_err(db("commit a hold"))?;
        Ok(id)
    }

    /// Releases a hold. Releasing twice is not an error.
    ///
    /// # Errors
    /// [`StoreError::HoldNotFound`]; database failures.
    pub async fn release_hold(
        &self,
        id: Uuid,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let row = legal_hold::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db("read a hold"))?
            .ok_or(StoreError::HoldNotFound(id))?;
        if row.released_at.is_some() {
            return Ok(());
        }
        let person = PersonId::from_uuid(row.person_id);
        let mut active: legal_hold::ActiveModel = row.into();
        active.released_at = ActiveValue::Set(Some(now));
        let txn = self.write_txn("start releasing a hold").await?;
        active.update(&txn).await.map_err(db("release a hold"))?;
        self.audit
            .append(&txn, vec![self.admin_event(actor, person)], now)
            .await?;
        txn.commit().await.map_err(db("commit a release"))?;
        Ok(())
    }

    /// The holds on `person` that are active at `now` (placed, not released, not expired), in
    /// the shape the retention engine takes.
    ///
    /// # Errors
    /// Database failures.
    pub async fn active_holds(
        &self,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<LegalHold>, StoreError> {
        let rows = legal_hold::Entity::find()
            .filter(legal_hold::Column::PersonId.eq(person.as_uuid()))
            .filter(legal_hold::Column::ReleasedAt.is_null())
            .order_by_asc(legal_hold::Column::PlacedAt)
            .all(&self.db)
            .await
            .map_err(db("read holds"))?;
        Ok(rows
            .into_iter()
            .map(hold)
            .filter(|h| h.is_active(now))
            .collect())
    }

    fn admin_event(&self, actor: ActorKey, person: PersonId) -> pledge_audit::Event {
        self.audit
            .event_about(actor, Action::AdminAction, person, Default::default(), None)
    }
}

//! What a guardian sees of the young people linked to them (K44): who they are and their
//! requests. Acting for them goes through the request functions with
//! [`crate::requests::Requester::Guardian`], which check the link, the age range and the
//! policy's guardian rights at the time of asking.

use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;

use crate::error::db;
use crate::{Store, StoreError};

/// A young person a guardian acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ward {
    /// Their id.
    pub person: PersonId,
    /// The name they go by.
    pub name: String,
}

impl Store {
    /// The young people `guardian` has a confirmed link to and who have not been erased, by
    /// name; reading their names is audited as the guardian's read.
    ///
    /// # Errors
    /// Failures.
    pub async fn wards_of(
        &self,
        policy: &ValidPolicy,
        guardian: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Ward>, StoreError> {
        let mut select = Query::select();
        select
            .column("minor_id")
            .from("guardian_link")
            .and_where(Expr::col("guardian_id").eq(guardian.as_uuid()))
            .and_where(Expr::col("confirmed_at").is_not_null())
            .order_by("created_at", Order::Asc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read a guardian's links"))?;
        let mut wards = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: uuid::Uuid = row.try_get_by_index(0).map_err(|_| StoreError::Corrupt {
                what: "guardian link",
            })?;
            let person = PersonId::from_uuid(id);
            match self.open_live(person).await {
                Ok(view) => wards.push(Ward {
                    person,
                    name: view.display_name,
                }),
                Err(StoreError::Erased(_) | StoreError::PersonNotFound(_)) => {}
                Err(error) => return Err(error),
            }
        }
        let read: Vec<PersonId> = wards.iter().map(|w| w.person).collect();
        self.audit_reads(policy, self.audit.actor(guardian), "person", &read, now)
            .await?;
        Ok(wards)
    }

    /// True when `guardian` has a confirmed link to `person`.
    ///
    /// # Errors
    /// Failures.
    pub async fn is_guardian_of(
        &self,
        guardian: PersonId,
        person: PersonId,
    ) -> Result<bool, StoreError> {
        let mut select = Query::select();
        select
            .column("id")
            .from("guardian_link")
            .and_where(Expr::col("minor_id").eq(person.as_uuid()))
            .and_where(Expr::col("guardian_id").eq(guardian.as_uuid()))
            .and_where(Expr::col("confirmed_at").is_not_null());
        Ok(self
            .db
            .query_one(&select)
            .await
            .map_err(db("read guardian links"))?
            .is_some())
    }
}

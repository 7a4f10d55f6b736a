//! What the privacy centre shows a person about themselves, from the store's declarations:
//! how many records of each declared kind it holds about them (and the policy categories that
//! claim them), and their consent history. Reading the history is audited like any read of
//! personal data.

use pledge_domain::{CategoryId, PersonId};
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use time::OffsetDateTime;

use crate::accounts::broken;
use crate::declared;
use crate::error::db;
use crate::records::{categories_of, count_owned};
use crate::{Store, StoreError};

/// Records of one declared kind the store holds about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The table.
    pub table: &'static str,
    /// What it holds, in the person's words (the export's heading).
    pub title: &'static str,
    /// How many of its rows are about the person.
    pub records: u64,
    /// The policy's categories that claim it.
    pub categories: Vec<CategoryId>,
}

/// One consent event, as the person's history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// The purpose (`surveys`), or the cookie category (`cookies:analytics`).
    pub purpose: String,
    /// Given or withdrawn.
    pub given: bool,
    /// How (`cookie-banner`, `booking-form`, `survey-form`, …).
    pub method: String,
    /// The policy version in force.
    pub policy_version: String,
    /// When.
    pub recorded_at: OffsetDateTime,
}

impl Store {
    /// Every declared kind of record the store holds about `person` under `policy` (the
    /// modules the policy switches on), with how many: a count, not a read of their contents.
    ///
    /// # Errors
    /// Failures.
    pub async fn holdings(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
    ) -> Result<Vec<Holding>, StoreError> {
        let mut holdings = Vec::new();
        for table in declared::owned_tables() {
            if !declared::module_enabled(policy, table.module) {
                continue;
            }
            let records = count_owned(&self.db, table, person).await?;
            if records > 0 {
                holdings.push(Holding {
                    table: table.table,
                    title: table.title,
                    records,
                    categories: categories_of(policy, table).into_iter().collect(),
                });
            }
        }
        Ok(holdings)
    }

    /// `person`'s consent events, newest first; the read is audited as theirs.
    ///
    /// # Errors
    /// Failures.
    pub async fn consent_history(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<ConsentRecord>, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "purpose",
                "given",
                "method",
                "policy_version",
                "recorded_at",
            ])
            .from("consent_event")
            .and_where(Expr::col("person_id").eq(person.as_uuid()))
            .order_by("recorded_at", Order::Desc)
            .order_by("id", Order::Desc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read consent events"))?;
        let get = broken("consent event");
        let history = rows
            .iter()
            .map(|row| {
                Ok(ConsentRecord {
                    purpose: row.try_get_by_index(0).map_err(&get)?,
                    given: row.try_get_by_index(1).map_err(&get)?,
                    method: row.try_get_by_index(2).map_err(&get)?,
                    policy_version: row.try_get_by_index(3).map_err(&get)?,
                    recorded_at: row.try_get_by_index(4).map_err(&get)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if !history.is_empty() {
            self.audit_reads(
                policy,
                self.audit.actor(person),
                "consent_event",
                &[person],
                now,
            )
            .await?;
        }
        Ok(history)
    }
}

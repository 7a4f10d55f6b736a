//! Published policy versions: every version of a policy pack a deployment has run, kept whole,
//! so that the published policy's history and what changed between two versions can be shown
//! (and proven) long after the pack moved on.
//!
//! A version is published once: publishing the same text again changes nothing, and a
//! different text under a version label already published is refused — a changed policy needs
//! a new version (W03, K01).

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::broken;
use crate::error::db;
use crate::{Store, StoreError};

/// One published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedVersion {
    /// Its row's id.
    pub id: Uuid,
    /// The pack's name (`kexara`).
    pub pack: String,
    /// Its version label.
    pub version: String,
    /// The SHA-256 of its text, hex.
    pub sha256: String,
    /// When this deployment first ran it.
    pub published_at: OffsetDateTime,
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const COLUMNS: [&str; 5] = ["id", "pack", "version", "sha256", "published_at"];

fn version_of(row: &sea_orm::QueryResult) -> Result<PublishedVersion, StoreError> {
    let get = broken("policy version");
    Ok(PublishedVersion {
        id: row.try_get_by_index(0).map_err(&get)?,
        pack: row.try_get_by_index(1).map_err(&get)?,
        version: row.try_get_by_index(2).map_err(&get)?,
        sha256: row.try_get_by_index(3).map_err(&get)?,
        published_at: row.try_get_by_index(4).map_err(&get)?,
    })
}

impl Store {
    /// Publishes `document` (the policy's TOML) as `version` of `pack`, unless it was
    /// published already; returns the published version.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when another text was published under the same version;
    /// failures.
    pub async fn publish_policy(
        &self,
        pack: &str,
        version: &str,
        document: &str,
        now: OffsetDateTime,
    ) -> Result<PublishedVersion, StoreError> {
        let sha256 = hex_sha256(document);
        let txn = self.write_txn("start publishing a policy version").await?;
        let mut existing = Query::select();
        existing
            .columns(COLUMNS)
            .from("policy_version")
            .and_where(Expr::col("pack").eq(pack))
            .and_where(Expr::col("version").eq(version));
        if let Some(row) = txn
            .query_one(&existing)
            .await
            .map_err(db("read a policy version"))?
        {
            let published = version_of(&row)?;
            if published.sha256 != sha256 {
                return Err(StoreError::Invalid(
                    "this policy version was published with other text: a changed policy needs a new version",
                ));
            }
            return Ok(published);
        }
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("policy_version")
            .columns([
                "id",
                "pack",
                "version",
                "sha256",
                "document",
                "published_at",
            ])
            .values([
                id.into(),
                pack.into(),
                version.into(),
                sha256.clone().into(),
                document.into(),
                now.into(),
            ])
            .map_err(|_| StoreError::Corrupt {
                what: "policy version",
            })?;
        txn.execute(&insert)
            .await
            .map_err(db("publish a policy version"))?;
        txn.commit().await.map_err(db("commit a policy version"))?;
        Ok(PublishedVersion {
            id,
            pack: pack.to_owned(),
            version: version.to_owned(),
            sha256,
            published_at: now,
        })
    }

    /// Every published version of `pack`, newest first.
    ///
    /// # Errors
    /// Failures.
    pub async fn policy_versions(&self, pack: &str) -> Result<Vec<PublishedVersion>, StoreError> {
        let mut select = Query::select();
        select
            .columns(COLUMNS)
            .from("policy_version")
            .and_where(Expr::col("pack").eq(pack))
            .order_by("published_at", Order::Desc)
            .order_by("id", Order::Desc);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read policy versions"))?;
        rows.iter().map(version_of).collect()
    }

    /// The text of `version` of `pack`, if it was published.
    ///
    /// # Errors
    /// Failures.
    pub async fn policy_document(
        &self,
        pack: &str,
        version: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut select = Query::select();
        select
            .column("document")
            .from("policy_version")
            .and_where(Expr::col("pack").eq(pack))
            .and_where(Expr::col("version").eq(version));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a policy version"))?;
        row.map(|row| row.try_get_by_index(0).map_err(broken("policy version")))
            .transpose()
    }
}

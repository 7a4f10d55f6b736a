//! The audit log gets a column naming each entry's subject pseudonym, indexed, so "everything
//! logged about this person" (the access export's history, K30) is an index lookup instead of a
//! scan of the whole chain. The column is a copy of bytes inside the MAC'd entry: readers check
//! it against the decoded entry, and audit verification compares every row's column with its
//! entry, so an altered column is reported. Existing entries are filled in from their own
//! bytes, in one transaction with the schema change.

use pledge_audit::decode;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::blob_null;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "audit_record";
const COLUMN: &str = "subject";
const INDEX: &str = "audit_record_subject";
/// Entries read per round while filling in the column.
const ROUND: u64 = 10_000;

async fn fill_in(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let txn = manager.get_connection();
    let mut after: i64 = -1;
    loop {
        let mut select = Query::select();
        select
            .columns(["seq", "entry"])
            .from(TABLE)
            .and_where(Expr::col("seq").gt(after))
            .order_by("seq", Order::Asc)
            .limit(ROUND);
        let rows = txn.query_all(&select).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.try_get("", "seq")?;
        for row in rows {
            let seq: i64 = row.try_get("", "seq")?;
            let bytes: Vec<u8> = row.try_get("", "entry")?;
            let entry =
                decode(&bytes).map_err(|e| DbErr::Migration(format!("audit entry {seq}: {e}")))?;
            let Some(subject) = entry.event.subject else {
                continue;
            };
            let mut update = Query::update();
            update
                .table(TABLE)
                .value(COLUMN, subject.as_bytes().to_vec())
                .and_where(Expr::col("seq").eq(seq));
            txn.execute(&update).await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// The column, its contents and the index land together or not at all (SQLite too).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TABLE)
                    .add_column(blob_null(COLUMN))
                    .to_owned(),
            )
            .await?;
        fill_in(manager).await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(TABLE)
                    .col(COLUMN)
                    .col("seq")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(TABLE).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(TABLE).drop_column(COLUMN).to_owned())
            .await
    }
}

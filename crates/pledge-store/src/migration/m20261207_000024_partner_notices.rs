//! Notices to partners a partner can act on (J09, K21): the facts a partner needs to find the
//! person and act (`details`, sealed under the outbox's key and cleared once sent), the date
//! it must act by, and when it confirmed it did.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One column added to `outbox` (SQLite adds one column per statement).
fn add(column: ColumnDef) -> TableAlterStatement {
    Table::alter().table("outbox").add_column(column).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ddl::sealed("details"),
            timestamp_with_time_zone_null("act_by"),
            timestamp_with_time_zone_null("confirmed_at"),
        ] {
            manager.alter_table(add(column)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["confirmed_at", "act_by", "details"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("outbox")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

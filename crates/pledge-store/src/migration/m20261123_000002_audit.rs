//! The audit chain and its signed checkpoints.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditRecord {
    Table,
    Seq,
    Mac,
    Entry,
}

#[derive(DeriveIden)]
enum AuditCheckpoint {
    Table,
    Size,
    Checkpoint,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditRecord::Table)
                    .col(big_integer(AuditRecord::Seq).primary_key())
                    .col(blob(AuditRecord::Mac))
                    .col(blob(AuditRecord::Entry))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditCheckpoint::Table)
                    .col(big_integer(AuditCheckpoint::Size).primary_key())
                    .col(blob(AuditCheckpoint::Checkpoint))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditCheckpoint::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditRecord::Table).to_owned())
            .await
    }
}

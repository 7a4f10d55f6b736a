//! The key store's table of wrapped per-person data keys.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SubjectKey {
    Table,
    PersonId,
    WrappedKey,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubjectKey::Table)
                    .col(pk_uuid(SubjectKey::PersonId))
                    .col(blob(SubjectKey::WrappedKey))
                    .col(timestamp_with_time_zone(SubjectKey::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SubjectKey::Table).to_owned())
            .await
    }
}

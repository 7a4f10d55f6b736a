//! Legal holds: a reason, an owner and an optional expiry; a hold beats expiry and erasure.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LegalHold {
    Table,
    Id,
    PersonId,
    Reason,
    Owner,
    PlacedAt,
    ExpiresAt,
    ReleasedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LegalHold::Table)
                    .col(pk_uuid(LegalHold::Id))
                    .col(uuid(LegalHold::PersonId))
                    .col(text(LegalHold::Reason))
                    .col(string_len(LegalHold::Owner, 200))
                    .col(timestamp_with_time_zone(LegalHold::PlacedAt))
                    .col(timestamp_with_time_zone_null(LegalHold::ExpiresAt))
                    .col(timestamp_with_time_zone_null(LegalHold::ReleasedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("legal_hold_person")
                    .table(LegalHold::Table)
                    .col(LegalHold::PersonId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LegalHold::Table).to_owned())
            .await
    }
}

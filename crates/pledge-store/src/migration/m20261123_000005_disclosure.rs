//! Disclosures: what was sent to which partner, when, for which purpose and on which basis.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Disclosure {
    Table,
    Id,
    PersonId,
    Partner,
    Purpose,
    Basis,
    Categories,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Disclosure::Table)
                    .col(pk_uuid(Disclosure::Id))
                    .col(uuid(Disclosure::PersonId))
                    .col(string_len(Disclosure::Partner, 64))
                    .col(string_len(Disclosure::Purpose, 64))
                    .col(string_len(Disclosure::Basis, 64))
                    .col(text(Disclosure::Categories))
                    .col(timestamp_with_time_zone(Disclosure::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("disclosure_person")
                    .table(Disclosure::Table)
                    .col(Disclosure::PersonId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Disclosure::Table).to_owned())
            .await
    }
}

//! Data-subject requests: what was asked, by whom, and the deadline the policy sets.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SubjectRequest {
    Table,
    Id,
    PersonId,
    Kind,
    Status,
    ReceivedAt,
    DueAt,
    ExtendedDueAt,
    ClosedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubjectRequest::Table)
                    .col(pk_uuid(SubjectRequest::Id))
                    .col(uuid(SubjectRequest::PersonId))
                    .col(string_len(SubjectRequest::Kind, 32))
                    .col(string_len(SubjectRequest::Status, 16))
                    .col(timestamp_with_time_zone(SubjectRequest::ReceivedAt))
                    .col(timestamp_with_time_zone(SubjectRequest::DueAt))
                    .col(timestamp_with_time_zone_null(SubjectRequest::ExtendedDueAt))
                    .col(timestamp_with_time_zone_null(SubjectRequest::ClosedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("subject_request_person")
                    .table(SubjectRequest::Table)
                    .col(SubjectRequest::PersonId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SubjectRequest::Table).to_owned())
            .await
    }
}

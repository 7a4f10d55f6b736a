//! One-time account tokens (email verification, password reset, guardian confirmation), and
//! each session's idle limit (absent for "remember me" sessions, which only expire).

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tables() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("account_token")
            .col(uuid("person_id"))
            .col(string_len("purpose", 32))
            .col(string_len("token_hash", 64))
            .col(uuid_null("subject_id"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("used_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        unique("account_token", "token_hash"),
        index("account_token", "person_id"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::create(manager, tables(), indexes()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("session")
                    .add_column(integer_null("idle_seconds"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("session")
                    .drop_column("idle_seconds")
                    .to_owned(),
            )
            .await?;
        ddl::drop(manager, &["account_token"]).await
    }
}

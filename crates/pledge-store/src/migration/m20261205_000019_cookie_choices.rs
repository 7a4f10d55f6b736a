//! Cookie banner choices: one row per choice a browser made, the proof of what it agreed to.
//! The rows name no person (a signed-in person's choice is also written to their consent
//! events); the consent id ties a browser's choices together.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::create(
            manager,
            vec![
                ddl::table("cookie_choice")
                    .col(uuid("consent_id"))
                    .col(text("accepted"))
                    .col(text("refused"))
                    .col(string_len("source", 32))
                    .col(string_len("policy_version", 64))
                    .col(string_len("text_hash", 64))
                    .col(string_len_null("ip_prefix", 64))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .to_owned(),
            ],
            vec![index("cookie_choice", "consent_id")],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, &["cookie_choice"]).await
    }
}

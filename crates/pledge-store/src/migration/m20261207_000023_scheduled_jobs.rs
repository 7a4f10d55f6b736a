//! Jobs the server runs by itself (retention sweeps first): one `scheduled_job` row per job,
//! with when it is due next, which instance holds it and until when, and how its last run
//! ended. The row is how several instances agree that exactly one of them runs each run.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::create(
            manager,
            vec![
                ddl::table("scheduled_job")
                    .col(string_len("name", 64))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(string_len_null("holder", 128))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(timestamp_with_time_zone_null("last_started_at"))
                    .col(timestamp_with_time_zone_null("last_finished_at"))
                    .col(string_len_null("last_outcome", 16))
                    .col(text_null("last_error"))
                    .col(text_null("last_summary"))
                    .col(integer("failures"))
                    .to_owned(),
            ],
            vec![unique("scheduled_job", "name")],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, &["scheduled_job"]).await
    }
}

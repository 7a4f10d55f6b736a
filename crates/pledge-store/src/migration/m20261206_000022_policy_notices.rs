//! Policy changes reach people (W02, J43, K45): one `policy_change` row per announced version
//! (what it was announced after, when, to how many), and one `policy_notice` row per person
//! told, with the consents the change asks again and when the notice was shown and read.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::create(
            manager,
            vec![
                ddl::table("policy_change")
                    .col(uuid("policy_version_id"))
                    .col(string_len("previous_version", 64))
                    .col(integer("people_told"))
                    .col(integer("people_asked_again"))
                    .col(timestamp_with_time_zone("announced_at"))
                    .to_owned(),
                ddl::table("policy_notice")
                    .col(uuid("person_id"))
                    .col(uuid("policy_version_id"))
                    .col(text("asked_again"))
                    .col(timestamp_with_time_zone("notified_at"))
                    .col(timestamp_with_time_zone_null("shown_at"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .to_owned(),
            ],
            vec![
                unique("policy_change", "policy_version_id"),
                index("policy_notice", "person_id"),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, &["policy_change", "policy_notice"]).await
    }
}

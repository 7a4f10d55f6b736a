//! Privacy operations: the breach register and the people a breach affected, the notification
//! outbox, and the record of retention sweeps.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, cascade, index, sealed};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["breach", "breach_subject", "outbox", "sweep_run"];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("breach")
            .col(string_len("title", 200))
            .col(text("description"))
            .col(text("data_categories"))
            .col(timestamp_with_time_zone_null("occurred_at"))
            .col(timestamp_with_time_zone("discovered_at"))
            .col(timestamp_with_time_zone_null("regulator_notified_at"))
            .col(timestamp_with_time_zone_null("closed_at"))
            .to_owned(),
        ddl::table("breach_subject")
            .col(uuid("breach_id"))
            .col(uuid("person_id"))
            .col(timestamp_with_time_zone_null("notified_at"))
            .foreign_key(&mut cascade("breach_subject", "breach_id", "breach"))
            .to_owned(),
        ddl::table("outbox")
            .col(uuid_null("person_id"))
            .col(string_len("kind", 64))
            .col(string_len("recipient", 64))
            .col(sealed("address"))
            .col(text("payload"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("available_at"))
            .col(integer("attempts").default(0))
            .col(string_len_null("claimed_by", 64))
            .col(timestamp_with_time_zone_null("claimed_until"))
            .col(timestamp_with_time_zone_null("sent_at"))
            .col(text_null("last_error"))
            .to_owned(),
        ddl::table("sweep_run")
            .col(string_len("instance", 64))
            .col(boolean("dry_run"))
            .col(string_len("status", 16))
            .col(big_integer("examined").default(0))
            .col(big_integer("acted").default(0))
            .col(timestamp_with_time_zone("started_at"))
            .col(timestamp_with_time_zone_null("finished_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("breach_subject", "breach_id"),
        index("breach_subject", "person_id"),
        index("outbox", "person_id"),
        index("outbox", "sent_at"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::create(manager, tables(), indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, TABLES).await
    }
}

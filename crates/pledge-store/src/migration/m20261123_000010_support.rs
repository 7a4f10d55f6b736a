//! Support tickets with their messages, and course discussion comments with the IP address
//! and user agent they were posted from (J11).

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, cascade, index, sealed};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["ticket", "ticket_message", "comment"];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("ticket")
            .col(uuid("person_id"))
            .col(sealed("subject"))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone("opened_at"))
            .col(timestamp_with_time_zone_null("closed_at"))
            .to_owned(),
        ddl::table("ticket_message")
            .col(uuid("ticket_id"))
            .col(uuid("person_id"))
            .col(string_len("author_role", 32))
            .col(uuid_null("author_id"))
            .col(sealed("body"))
            .col(timestamp_with_time_zone("sent_at"))
            .foreign_key(&mut cascade("ticket_message", "ticket_id", "ticket"))
            .to_owned(),
        ddl::table("comment")
            .col(uuid("person_id"))
            .col(uuid("course_id"))
            .col(sealed("body"))
            .col(sealed("ip_address"))
            .col(sealed("user_agent"))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone("posted_at"))
            .col(uuid_null("moderated_by"))
            .col(timestamp_with_time_zone_null("moderated_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("ticket_message", "ticket_id"),
        index("ticket", "person_id"),
        index("ticket_message", "person_id"),
        index("comment", "person_id"),
        index("comment", "course_id"),
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

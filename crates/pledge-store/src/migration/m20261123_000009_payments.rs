//! Payments and refunds: processor references, amounts, status and receipts. There is no
//! column for card data, and there never will be (W11, W12).

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, index, sealed, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["payment", "refund"];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("payment")
            .col(uuid_null("person_id"))
            .col(string_len_null("subject_pseudonym", 64))
            .col(string_len("item_kind", 32))
            .col(uuid("item_id"))
            .col(string_len("processor", 32))
            .col(string_len("processor_ref", 128))
            .col(big_integer("amount_cents"))
            .col(string_len("currency", 3))
            .col(string_len("status", 16))
            .col(string_len_null("receipt_number", 32))
            .col(sealed("billing_name"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("paid_at"))
            .col(timestamp_with_time_zone_null("refunded_at"))
            .to_owned(),
        ddl::table("refund")
            .col(uuid("payment_id"))
            .col(string_len("processor_ref", 128))
            .col(big_integer("amount_cents"))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone("created_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("payment", "person_id"),
        unique("payment", "processor_ref"),
        index("refund", "payment_id"),
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

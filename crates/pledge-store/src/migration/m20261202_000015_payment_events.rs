//! The payment processor's notifications we have acted on, one row per event (so that a
//! replayed or re-delivered webhook changes nothing), and one receipt number per payment.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tables() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("payment_event")
            // `processor:event id`, unique: the replay guard.
            .col(string_len("event_key", 200))
            .col(string_len("kind", 32))
            .col(string_len("processor_ref", 128))
            .col(timestamp_with_time_zone("received_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        unique("payment_event", "event_key"),
        index("payment_event", "processor_ref"),
        unique("payment", "receipt_number"),
        unique("refund", "processor_ref"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::create(manager, tables(), indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["payment_receipt_number", "refund_processor_ref"] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        ddl::drop(manager, &["payment_event"]).await
    }
}

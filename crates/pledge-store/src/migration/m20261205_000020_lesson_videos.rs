//! A lesson may show a video from a video host: its address, shown embedded only once the
//! browser accepted the host's cookies (an embed sets them as it plays).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("lesson")
                    .add_column(text_null("video_url"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("lesson")
                    .drop_column("video_url")
                    .to_owned(),
            )
            .await
    }
}

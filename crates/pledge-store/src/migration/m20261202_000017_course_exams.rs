//! Which courses end in an exam with which partner body, and which course an exam booking is
//! for (so that a funded course's results reach its funder).

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("exam_booking")
                    .add_column(uuid_null("course_id"))
                    .to_owned(),
            )
            .await?;
        ddl::create(
            manager,
            vec![
                ddl::table("course_exam")
                    .col(uuid("course_id"))
                    .col(string_len("partner", 64))
                    .col(string_len("title", 200))
                    .to_owned(),
            ],
            vec![index("course_exam", "course_id")],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, &["course_exam"]).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("exam_booking")
                    .drop_column("course_id")
                    .to_owned(),
            )
            .await
    }
}

//! Who teaches which course: an instructor marks, enters exam results and reads survey totals
//! only for the courses an administrator assigned them to.

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
                ddl::table("course_instructor")
                    .col(uuid("person_id"))
                    .col(uuid("course_id"))
                    .col(uuid_null("assigned_by"))
                    .col(timestamp_with_time_zone("assigned_at"))
                    .to_owned(),
            ],
            vec![
                index("course_instructor", "person_id"),
                index("course_instructor", "course_id"),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, &["course_instructor"]).await
    }
}

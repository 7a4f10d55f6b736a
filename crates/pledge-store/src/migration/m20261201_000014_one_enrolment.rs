//! One enrolment per person and course, and one progress row per enrolment and lesson, so
//! that two clicks at the same moment cannot make two.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn indexes() -> [IndexCreateStatement; 2] {
    [
        Index::create()
            .name("enrolment_person_course")
            .table("enrolment")
            .col("person_id")
            .col("course_id")
            .unique()
            .to_owned(),
        Index::create()
            .name("lesson_progress_enrolment_lesson")
            .table("lesson_progress")
            .col("enrolment_id")
            .col("lesson_id")
            .unique()
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "enrolment_person_course",
            "lesson_progress_enrolment_lesson",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        Ok(())
    }
}

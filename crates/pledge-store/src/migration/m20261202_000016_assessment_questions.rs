//! Assessments get their content: a brief (what an assignment asks for) and, for quizzes,
//! their questions with the options and which one is right. Catalogue content, not personal.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tables() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("assessment_question")
            .col(uuid("assessment_id"))
            .col(integer("position"))
            .col(text("prompt"))
            // One option per line.
            .col(text("options"))
            .col(integer("correct"))
            .foreign_key(&mut cascade(
                "assessment_question",
                "assessment_id",
                "assessment",
            ))
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("assessment")
                    .add_column(text("brief").default(""))
                    .to_owned(),
            )
            .await?;
        ddl::create(
            manager,
            tables(),
            vec![index("assessment_question", "assessment_id")],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, &["assessment_question"]).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("assessment")
                    .drop_column("brief")
                    .to_owned(),
            )
            .await
    }
}

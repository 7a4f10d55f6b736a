//! Learning: the course catalogue, enrolments, progress, assessments and their submissions,
//! certificates, exam bookings with partner bodies, surveys and their responses.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, cascade, index, sealed, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "course",
    "lesson",
    "programme",
    "assessment",
    "survey",
    "enrolment",
    "lesson_progress",
    "submission",
    "certificate",
    "exam_booking",
    "survey_response",
];

fn catalogue() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("course")
            .col(string_len("slug", 96))
            .col(string_len("title", 200))
            .col(text("summary"))
            .col(big_integer("price_cents"))
            .col(string_len("currency", 3))
            .col(boolean("published"))
            .col(timestamp_with_time_zone("created_at"))
            .to_owned(),
        ddl::table("lesson")
            .col(uuid("course_id"))
            .col(integer("position"))
            .col(string_len("title", 200))
            .col(text("body"))
            .to_owned(),
        ddl::table("programme")
            .col(string_len("slug", 96))
            .col(string_len("title", 200))
            .col(string_len_null("funder", 64))
            .to_owned(),
        ddl::table("assessment")
            .col(uuid("course_id"))
            .col(string_len("title", 200))
            .col(string_len("kind", 16))
            .col(integer("pass_mark"))
            .to_owned(),
        ddl::table("survey")
            .col(uuid_null("course_id"))
            .col(string_len("title", 200))
            .to_owned(),
    ]
}

fn personal() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("enrolment")
            .col(uuid("person_id"))
            .col(uuid("course_id"))
            .col(uuid_null("programme_id"))
            .col(string_len_null("funded_by", 64))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone("enrolled_at"))
            .col(timestamp_with_time_zone_null("completed_at"))
            .to_owned(),
        ddl::table("lesson_progress")
            .col(uuid("person_id"))
            .col(uuid("enrolment_id"))
            .col(uuid("lesson_id"))
            .col(integer("position"))
            .col(timestamp_with_time_zone_null("completed_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut cascade("lesson_progress", "enrolment_id", "enrolment"))
            .to_owned(),
        ddl::table("submission")
            .col(uuid("person_id"))
            .col(uuid("assessment_id"))
            .col(sealed("answers"))
            .col(sealed("feedback"))
            .col(integer_null("score"))
            .col(timestamp_with_time_zone("submitted_at"))
            .col(timestamp_with_time_zone_null("graded_at"))
            .col(uuid_null("graded_by"))
            .to_owned(),
        ddl::table("certificate")
            .col(uuid("person_id"))
            .col(uuid("course_id"))
            .col(string_len("verification_code", 32))
            .col(sealed("holder_name"))
            .col(timestamp_with_time_zone("issued_at"))
            .col(timestamp_with_time_zone_null("revoked_at"))
            .to_owned(),
        ddl::table("exam_booking")
            .col(uuid("person_id"))
            .col(string_len("partner", 64))
            .col(string_len("exam", 200))
            .col(sealed("candidate_number"))
            .col(sealed("result"))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone("booked_at"))
            .col(timestamp_with_time_zone("sitting_at"))
            .col(timestamp_with_time_zone_null("result_at"))
            .to_owned(),
        ddl::table("survey_response")
            .col(uuid_null("person_id"))
            .col(uuid("survey_id"))
            .col(integer_null("rating"))
            .col(sealed("answers"))
            .col(timestamp_with_time_zone("submitted_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("lesson_progress", "enrolment_id"),
        unique("course", "slug"),
        index("lesson", "course_id"),
        unique("programme", "slug"),
        index("assessment", "course_id"),
        index("enrolment", "person_id"),
        index("lesson_progress", "person_id"),
        index("submission", "person_id"),
        index("certificate", "person_id"),
        unique("certificate", "verification_code"),
        index("exam_booking", "person_id"),
        index("survey_response", "person_id"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut tables = catalogue();
        tables.extend(personal());
        ddl::create(manager, tables, indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop(manager, TABLES).await
    }
}

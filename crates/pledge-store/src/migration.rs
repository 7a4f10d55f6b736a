//! Schema migrations, one module per change, named `mYYYYMMDD_NNNNNN_name`.
//!
//! Two migrators, because the key store is a separate database: [`Migrator`] for the main
//! database and [`KeyStoreMigrator`] for the key store. Both run on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

mod ddl;
mod m20261123_000001_person;
mod m20261123_000002_audit;
mod m20261123_000003_subject_request;
mod m20261123_000004_legal_hold;
mod m20261123_000005_disclosure;
mod m20261123_000006_accounts;
mod m20261123_000007_learning;
mod m20261123_000008_tours;
mod m20261123_000009_payments;
mod m20261123_000010_support;
mod m20261123_000011_operations;
mod m20261123_000012_audit_subject;
mod m20261123_000101_subject_key;
mod m20261201_000013_account_tokens;
mod m20261201_000014_one_enrolment;
mod m20261202_000015_payment_events;
mod m20261202_000016_assessment_questions;
mod m20261202_000017_course_exams;
mod m20261204_000018_course_instructors;
mod m20261205_000019_cookie_choices;
mod m20261205_000020_lesson_videos;
mod m20261205_000021_breach_notices;
mod m20261206_000022_policy_notices;
mod m20261207_000023_scheduled_jobs;
mod m20261207_000024_partner_notices;

/// The main database's migrations.
#[derive(Debug, Clone, Copy)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_person::Migration),
            Box::new(m20261123_000002_audit::Migration),
            Box::new(m20261123_000003_subject_request::Migration),
            Box::new(m20261123_000004_legal_hold::Migration),
            Box::new(m20261123_000005_disclosure::Migration),
            Box::new(m20261123_000006_accounts::Migration),
            Box::new(m20261123_000007_learning::Migration),
            Box::new(m20261123_000008_tours::Migration),
            Box::new(m20261123_000009_payments::Migration),
            Box::new(m20261123_000010_support::Migration),
            Box::new(m20261123_000011_operations::Migration),
            Box::new(m20261123_000012_audit_subject::Migration),
            Box::new(m20261201_000013_account_tokens::Migration),
            Box::new(m20261201_000014_one_enrolment::Migration),
            Box::new(m20261202_000015_payment_events::Migration),
            Box::new(m20261202_000016_assessment_questions::Migration),
            Box::new(m20261202_000017_course_exams::Migration),
            Box::new(m20261204_000018_course_instructors::Migration),
            Box::new(m20261205_000019_cookie_choices::Migration),
            Box::new(m20261205_000020_lesson_videos::Migration),
            Box::new(m20261205_000021_breach_notices::Migration),
            Box::new(m20261206_000022_policy_notices::Migration),
            Box::new(m20261207_000023_scheduled_jobs::Migration),
            Box::new(m20261207_000024_partner_notices::Migration),
        ]
    }
}

/// The key store's migrations.
#[derive(Debug, Clone, Copy)]
pub struct KeyStoreMigrator;

#[async_trait::async_trait]
impl MigratorTrait for KeyStoreMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261123_000101_subject_key::Migration)]
    }
}

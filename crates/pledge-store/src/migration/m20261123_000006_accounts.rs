//! Accounts: sign-in, roles, guardians, sessions; consent events, restrictions, marketing
//! preferences and policy acceptances; the new columns of people and requests.

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, index, sealed, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "account",
    "role_grant",
    "guardian_link",
    "session",
    "restriction",
    "consent_event",
    "marketing_preference",
    "policy_version",
    "policy_acceptance",
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("account")
            .col(uuid("person_id").primary_key())
            .col(string_len("email_lookup", 64))
            .col(sealed("password_hash"))
            .col(sealed("mfa_secret"))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone_null("email_verified_at"))
            .col(integer("failed_logins").default(0))
            .col(timestamp_with_time_zone_null("locked_until"))
            .col(timestamp_with_time_zone("created_at"))
            .to_owned(),
        ddl::table("role_grant")
            .col(uuid("person_id"))
            .col(string_len("role", 32))
            .col(uuid_null("granted_by"))
            .col(timestamp_with_time_zone("granted_at"))
            .to_owned(),
        ddl::table("guardian_link")
            .col(uuid("minor_id"))
            .col(uuid("guardian_id"))
            .col(timestamp_with_time_zone_null("confirmed_at"))
            .col(timestamp_with_time_zone("created_at"))
            .to_owned(),
        ddl::table("session")
            .col(uuid("person_id"))
            .col(string_len("token_hash", 64))
            .col(sealed("ip_address"))
            .col(sealed("user_agent"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("last_seen_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("ended_at"))
            .to_owned(),
        ddl::table("restriction")
            .col(uuid("person_id"))
            .col(text("purposes"))
            .col(sealed("grounds"))
            .col(timestamp_with_time_zone("placed_at"))
            .col(timestamp_with_time_zone_null("lifted_at"))
            .to_owned(),
        ddl::table("consent_event")
            .col(uuid("person_id"))
            .col(string_len("purpose", 64))
            .col(boolean("given"))
            .col(string_len("method", 32))
            .col(string_len("policy_version", 64))
            .col(sealed("proof"))
            .col(timestamp_with_time_zone("recorded_at"))
            .to_owned(),
        ddl::table("marketing_preference")
            .col(uuid("person_id"))
            .col(string_len("channel", 16))
            .col(boolean("subscribed"))
            .col(timestamp_with_time_zone("updated_at"))
            .col(timestamp_with_time_zone_null("unsubscribed_at"))
            .to_owned(),
        ddl::table("policy_version")
            .col(string_len("pack", 64))
            .col(string_len("version", 64))
            .col(string_len("sha256", 64))
            .col(text("document"))
            .col(timestamp_with_time_zone("published_at"))
            .to_owned(),
        ddl::table("policy_acceptance")
            .col(uuid("person_id"))
            .col(uuid("policy_version_id"))
            .col(string_len("method", 32))
            .col(timestamp_with_time_zone("accepted_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        unique("account", "email_lookup"),
        index("role_grant", "person_id"),
        index("guardian_link", "minor_id"),
        index("guardian_link", "guardian_id"),
        index("session", "person_id"),
        unique("session", "token_hash"),
        index("restriction", "person_id"),
        index("consent_event", "person_id"),
        index("marketing_preference", "person_id"),
        index("policy_acceptance", "person_id"),
    ]
}

/// New columns on existing tables, one per statement (SQLite alters one column at a time).
fn additions() -> Vec<(&'static str, ColumnDef)> {
    vec![
        (
            "person",
            timestamp_with_time_zone_null("erasure_started_at"),
        ),
        ("subject_request", sealed("details")),
        ("subject_request", uuid_null("requested_by")),
        (
            "subject_request",
            timestamp_with_time_zone_null("identity_verified_at"),
        ),
        ("subject_request", string_len_null("identity_method", 64)),
        ("subject_request", uuid_null("verified_by")),
        ("subject_request", text_null("refusal_reason")),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::create(manager, tables(), indexes()).await?;
        for (table, mut column) in additions() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in additions() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(column.get_column_name())
                        .to_owned(),
                )
                .await?;
        }
        ddl::drop(manager, TABLES).await
    }
}

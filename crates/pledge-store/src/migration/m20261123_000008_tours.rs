//! Group tours: the catalogue with departures and capacity, bookings with their travellers,
//! travel preferences and accessibility needs (special-category data).

use sea_orm_migration::{prelude::*, schema::*};

use super::ddl::{self, cascade, index, sealed, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "tour",
    "departure",
    "tour_booking",
    "traveller",
    "travel_preference",
    "accessibility_need",
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        ddl::table("tour")
            .col(string_len("slug", 96))
            .col(string_len("title", 200))
            .col(text("summary"))
            .col(string_len("operator", 64))
            .col(big_integer("price_cents"))
            .col(string_len("currency", 3))
            .to_owned(),
        ddl::table("departure")
            .col(uuid("tour_id"))
            .col(timestamp_with_time_zone("starts_at"))
            .col(timestamp_with_time_zone("returns_at"))
            .col(integer("capacity"))
            .col(integer("seats_taken").default(0))
            .to_owned(),
        ddl::table("tour_booking")
            .col(uuid("person_id"))
            .col(uuid("departure_id"))
            .col(integer("seats"))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone("booked_at"))
            .col(timestamp_with_time_zone_null("returned_at"))
            .to_owned(),
        ddl::table("traveller")
            .col(uuid("booking_id"))
            .col(uuid("person_id"))
            .col(sealed("full_name"))
            .col(sealed("date_of_birth"))
            .foreign_key(&mut cascade("traveller", "booking_id", "tour_booking"))
            .to_owned(),
        ddl::table("travel_preference")
            .col(uuid("person_id"))
            .col(sealed("preferences"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned(),
        ddl::table("accessibility_need")
            .col(uuid("person_id"))
            .col(sealed("needs"))
            .col(uuid_null("consent_event_id"))
            .col(timestamp_with_time_zone("recorded_at"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("traveller", "booking_id"),
        unique("tour", "slug"),
        index("departure", "tour_id"),
        index("tour_booking", "person_id"),
        index("tour_booking", "departure_id"),
        index("traveller", "person_id"),
        index("travel_preference", "person_id"),
        index("accessibility_need", "person_id"),
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

//! Integration tests of `pledge-store`, each run on SQLite (files) and on a real PostgreSQL
//! server (`PLEDGE_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/postgres`; `cargo
//! xtask test` provides one). Every test gets fresh databases.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod accounts;
mod assessments;
mod audit;
mod breaches;
mod catalogue;
mod cookie_choices;
mod declared;
mod disclosures;
mod exams;
mod export;
mod holds;
mod learning;
mod marketing;
mod modules;
mod office;
mod payments;
mod people;
mod policy_changes;
mod policy_versions;
mod requests;
mod support;
mod surveys;
mod sweep;
mod teaching;
mod tours;
mod workflow;

//! The portal as people use it: the real binary on a fresh SQLite data directory, asked over
//! real HTTP, sending real email over SMTP to a sink the tests run. (Browser tests in headless
//! Chromium come with the journeys.)

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

#[path = "../../src/access.rs"]
mod access;
mod accounts;
mod assessments;
mod breaches;
mod browser;
mod catalogue;
mod chaos;
mod cookies;
mod denials;
mod exams;
mod learning;
mod marketing;
mod office;
mod payments;
mod policy_versions;
mod privacy_centre;
mod security;
mod support;
mod support_community;
mod surveys;
mod teaching;
mod tours;

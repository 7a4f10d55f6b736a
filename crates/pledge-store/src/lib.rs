//! Pledge's persistence on SeaORM: SQLite (a file, embedded) by default, PostgreSQL for scale.
//!
//! What this crate guarantees, whatever the backend:
//! - personal fields are stored sealed under a per-person data key (XChaCha20-Poly1305); the
//!   keys live in a separate key store, wrapped by a master key from configuration. Erasing a
//!   person destroys their key, so every copy of their data — backups included — becomes
//!   unreadable (crypto-shredding);
//! - every read and write of personal data through the store writes an audit entry in the same
//!   transaction, chained with the audit log's keyed MAC; appends are serialised on both
//!   backends;
//! - rows never leave the crate: callers get wire types ([`PersonView`]), not SeaORM models.
//!
//! Status: this is the first slice of the store (people, the key store, the audit log in the
//! database). The rest of the domain schema, the request workflows and retention sweeps follow.

pub mod accounts;
pub mod assessments;
mod audit;
pub mod audit_trail;
pub mod breaches;
pub mod catalogue;
mod catalogue_cache;
pub mod certificates;
mod connect;
pub mod consents;
pub mod cookie_choices;
pub mod declared;
pub mod disclosures;
mod entity;
pub mod erasure;
mod error;
pub mod exam_results;
pub mod exams;
pub mod export;
pub mod guardians;
mod holds;
pub mod learning;
pub mod marketing;
pub mod mfa;
mod migration;
pub mod office;
pub mod outbox;
pub mod partner_notices;
pub mod partners;
pub mod payments;
mod people;
pub mod policy_changes;
pub mod policy_versions;
pub mod privacy;
pub mod records;
pub mod requests;
pub mod schedule;
pub mod support;
pub mod surveys;
pub mod sweep;
pub mod teaching;
pub mod tours;
mod vault;
pub mod workflow;

pub use audit::DbAudit;
pub use catalogue::{Course, CourseFilter, NewCourse, PriceFilter};
pub use catalogue_cache::DEFAULT_FRESHNESS as CATALOGUE_FRESHNESS;
pub use connect::{
    Backend, Migrate, MigrationState, Store, StoreConfig, StoreParts, hex_key, hex_text, migrate,
    migration_status,
};
pub use error::StoreError;
pub use migration::{KeyStoreMigrator, Migrator};
pub use people::{NewPerson, PersonView};
pub use records::Field;
pub use vault::{DataKey, FieldRef, KeyStore, MasterKey};

//! Opening a store: the main database, the separate key store, migrations, the audit keys.

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;

use crate::error::db;
use crate::{DbAudit, KeyStore, KeyStoreMigrator, MasterKey, Migrator, StoreError};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one file, one writer.
    Sqlite,
    /// PostgreSQL: many instances, one server.
    Postgres,
}

/// Everything needed to open a store. Secrets come from configuration, never from the
/// database.
#[derive(Clone)]
pub struct StoreConfig {
    /// The main database (`sqlite://path?mode=rwc` or `postgres://…`).
    pub database_url: String,
    /// The key store: a different database from the main one.
    pub keystore_url: String,
    /// Wraps every per-person data key.
    pub master_key: MasterKey,
    /// Keys the audit chain's MAC.
    pub audit_mac_key: [u8; 32],
    /// Derives the pseudonyms the audit log uses for people.
    pub pseudonym_key: [u8; 32],
    /// Signs audit checkpoints (an Ed25519 secret key).
    pub checkpoint_key: [u8; 32],
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("database_url", &redact(&self.database_url))
            .field("keystore_url", &redact(&self.keystore_url))
            .finish_non_exhaustive()
    }
}

/// A 32-byte secret written as 64 hexadecimal digits (how the store's keys are configured);
/// `name` names the setting in the error.
///
/// # Errors
/// [`StoreError::Config`] when `text` is not 64 hexadecimal digits.
pub fn hex_key(name: &str, text: &str) -> Result<[u8; 32], StoreError> {
    let text = text.trim();
    let malformed =
        || StoreError::Config(format!("{name} must be 64 hexadecimal digits (32 bytes)"));
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed());
    }
    let mut key = [0u8; 32];
    for (slot, pair) in key.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| malformed())?;
        *slot = u8::from_str_radix(pair, 16).map_err(|_| malformed())?;
    }
    Ok(key)
}

/// `key` as the 64 hexadecimal digits [`hex_key`] reads.
pub fn hex_text(key: &[u8; 32]) -> String {
    use std::fmt::Write as _;
    key.iter()
        .fold(String::with_capacity(64), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!(
                "{}://…@{}",
                url.get(..scheme).unwrap_or(""),
                url.get(at + 1..).unwrap_or("")
            )
        }
        _ => url.to_owned(),
    }
}

/// An open store. Clones share everything (connections, keys, the in-memory catalogue):
/// cloning one only counts a reference, and no secret is copied.
#[derive(Debug, Clone)]
pub struct Store {
    inner: std::sync::Arc<StoreParts>,
}

impl std::ops::Deref for Store {
    type Target = StoreParts;

    fn deref(&self) -> &StoreParts {
        &self.inner
    }
}

/// What a [`Store`] holds (reached through it).
#[derive(Debug, Clone)]
pub struct StoreParts {
    pub(crate) db: DatabaseConnection,
    pub(crate) keys: KeyStore,
    pub(crate) audit: DbAudit,
    pub(crate) holidays: crate::requests::Holidays,
    pub(crate) catalogue: std::sync::Arc<crate::catalogue_cache::CatalogueCache>,
    backend: Backend,
}

async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time is how SQLite works; one connection makes it explicit and keeps
        // the audit chain's appends serial.
        options.max_connections(1).min_connections(1);
    }
    Database::connect(options).await.map_err(db("connect"))
}

impl Store {
    /// Connects to both databases and brings their schemas up to date.
    ///
    /// # Errors
    /// [`StoreError::Config`] when the main database and the key store are the same;
    /// connection or migration failures.
    pub async fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        if config.database_url == config.keystore_url {
            return Err(StoreError::Config(
                "the key store must be a different database from the main one".into(),
            ));
        }
        let db = connect(&config.database_url).await?;
        Migrator::up(&db, None)
            .await
            .map_err(db_err("migrate the main database"))?;
        let keys_db = connect(&config.keystore_url).await?;
        KeyStoreMigrator::up(&keys_db, None)
            .await
            .map_err(db_err("migrate the key store"))?;
        let backend = match db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        };
        let keys = KeyStore::new(keys_db, config.master_key.clone());
        keys.scrub_once().await?;
        let parts = StoreParts {
            db,
            keys,
            audit: DbAudit::new(
                &config.audit_mac_key,
                &config.pseudonym_key,
                &config.checkpoint_key,
            ),
            holidays: crate::requests::Holidays::default(),
            catalogue: std::sync::Arc::default(),
            backend,
        };
        Ok(Self {
            inner: std::sync::Arc::new(parts),
        })
    }

    /// The organisation's public holidays, on which no request deadline falls (weekends never
    /// do). None by default.
    #[must_use]
    pub fn with_holidays(mut self, holidays: crate::requests::Holidays) -> Self {
        std::sync::Arc::make_mut(&mut self.inner).holidays = holidays;
        self
    }

    /// The backend the main database runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The audit log.
    pub fn audit(&self) -> &DbAudit {
        &self.audit
    }

    /// The key store.
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// The main database connection (for the admin command line and tests).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// One migration and whether it has been applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// The migration's name (`m20261123_000001_person`).
    pub name: String,
    /// True once applied.
    pub applied: bool,
}

/// Which way to migrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrate {
    /// Apply every pending migration.
    Up,
    /// Roll back this many migrations.
    Down(u32),
}

/// The migrations of the main database (`keystore = false`) or the key store at `url`.
///
/// # Errors
/// Connection or database failures.
pub async fn migration_status(
    url: &str,
    keystore: bool,
) -> Result<Vec<MigrationState>, StoreError> {
    let db = connect(url).await?;
    let migrations = if keystore {
        KeyStoreMigrator::get_migration_with_status(&db).await
    } else {
        Migrator::get_migration_with_status(&db).await
    }
    .map_err(db_err("read the migration status"))?;
    Ok(migrations
        .iter()
        .map(|m| MigrationState {
            name: m.name().to_owned(),
            applied: matches!(m.status(), sea_orm_migration::MigrationStatus::Applied),
        })
        .collect())
}

/// Migrates the main database (`keystore = false`) or the key store at `url`.
///
/// # Errors
/// Connection or migration failures; each migration runs in its own transaction on
/// PostgreSQL.
pub async fn migrate(url: &str, keystore: bool, direction: Migrate) -> Result<(), StoreError> {
    let db = connect(url).await?;
    let result = match (keystore, direction) {
        (false, Migrate::Up) => Migrator::up(&db, None).await,
        (false, Migrate::Down(steps)) => Migrator::down(&db, Some(steps)).await,
        (true, Migrate::Up) => KeyStoreMigrator::up(&db, None).await,
        (true, Migrate::Down(steps)) => KeyStoreMigrator::down(&db, Some(steps)).await,
    };
    result.map_err(db_err("migrate"))
}

fn db_err(action: &'static str) -> impl FnOnce(sea_orm::DbErr) -> StoreError {
    db(action)
}

impl Store {
    /// Starts a transaction that writes. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a second process waits for it (up to the busy timeout) instead
    /// of failing when a read lock cannot be upgraded; PostgreSQL ignores the mode.
    pub(crate) async fn write_txn(
        &self,
        action: &'static str,
    ) -> Result<sea_orm::DatabaseTransaction, StoreError> {
        use sea_orm::TransactionTrait as _;
        let options = sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..sea_orm::TransactionOptions::default()
        };
        self.db
            .begin_with_options(options)
            .await
            .map_err(crate::error::db(action))
    }
}

#[cfg(test)]
mod tests {
    use super::{hex_key, hex_text};
    use crate::StoreError;

    #[test]
    fn keys_are_64_hex_digits_both_ways() {
        let key = [0xab; 32];
        assert_eq!(hex_key("K", &hex_text(&key)).ok(), Some(key));
        assert_eq!(
            hex_key("K", &format!(" {} \n", hex_text(&key))).ok(),
            Some(key)
        );
        for bad in ["ab", &"zz".repeat(32), &"é".repeat(32), ""] {
            match hex_key("PLEDGE_MASTER_KEY", bad) {
                Err(StoreError::Config(message)) => {
                    assert!(message.contains("PLEDGE_MASTER_KEY must be 64 hexadecimal digits"));
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn urls_are_logged_without_passwords() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db:5432/pledge"),
            "postgres://…@db:5432/pledge"
        );
        assert_eq!(
            super::redact("sqlite://pledge.db?mode=rwc"),
            "sqlite://pledge.db?mode=rwc"
        );
    }
}

//! Fresh stores on both backends.

use std::path::PathBuf;

use pledge_store::{MasterKey, Store, StoreConfig};
use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

/// Where the test PostgreSQL server is.
pub fn postgres_admin_url() -> String {
    std::env::var("PLEDGE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A backend to run a test on, with what is needed to clean up.
pub enum Fresh {
    Sqlite {
        dir: PathBuf,
    },
    Postgres {
        admin: String,
        databases: Vec<String>,
    },
}

pub fn config(database_url: String, keystore_url: String) -> StoreConfig {
    StoreConfig {
        database_url,
        keystore_url,
        master_key: MasterKey::new([11; 32]),
        audit_mac_key: [12; 32],
        pseudonym_key: [13; 32],
        checkpoint_key: [14; 32],
    }
}

async fn sqlite() -> (StoreConfig, Fresh) {
    let dir = std::env::temp_dir().join(format!("pledge-store-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = |name: &str| format!("sqlite://{}?mode=rwc", dir.join(name).display());
    (
        config(url("main.db"), url("keys.db")),
        Fresh::Sqlite { dir },
    )
}

async fn postgres() -> (StoreConfig, Fresh) {
    let admin = postgres_admin_url();
    let server = Database::connect(&admin).await.unwrap_or_else(|err| {
        panic!("PostgreSQL is not reachable at {admin} ({err}); `cargo xtask test` starts one")
    });
    let stem = format!("pledge_t_{}", Uuid::now_v7().simple());
    let names = [format!("{stem}_main"), format!("{stem}_keys")];
    for name in &names {
        server
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
    }
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base)
        .to_owned();
    let url = |name: &str| format!("{base}/{name}");
    (
        config(url(&names[0]), url(&names[1])),
        Fresh::Postgres {
            admin,
            databases: names.to_vec(),
        },
    )
}

impl Fresh {
    pub async fn clean(self) {
        match self {
            Fresh::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Fresh::Postgres { admin, databases } => {
                if let Ok(server) = Database::connect(&admin).await {
                    for name in databases {
                        let _ = server
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                    }
                }
            }
        }
    }

    /// Every file the key store lives in, as a carver with access to the disk would read them:
    /// on SQLite the database with its journal and WAL (those that exist); on PostgreSQL every
    /// file of the key store's database directory, after a checkpoint has written out what the
    /// server held in memory.
    pub async fn key_store_files(&self, store: &Store) -> Vec<PathBuf> {
        match self {
            Fresh::Sqlite { dir } => ["keys.db", "keys.db-journal", "keys.db-wal"]
                .iter()
                .map(|name| dir.join(name))
                .filter(|path| path.exists())
                .collect(),
            Fresh::Postgres { .. } => {
                let keys = store.keys().connection();
                keys.execute_unprepared("CHECKPOINT")
                    .await
                    .expect("checkpoint");
                let text = |sql: &'static str| async move {
                    keys.query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        sql,
                    ))
                    .await
                    .expect("ask the server")
                    .expect("one row")
                    .try_get_by_index::<String>(0)
                    .expect("text")
                };
                let data = text("SELECT current_setting('data_directory')").await;
                let oid =
                    text("SELECT oid::text FROM pg_database WHERE datname = current_database()")
                        .await;
                let dir = PathBuf::from(data).join("base").join(oid);
                std::fs::read_dir(&dir)
                    .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
                    .map(|entry| entry.expect("directory entry").path())
                    .collect()
            }
        }
    }

    /// The SQLite main database file, for backup tests.
    pub fn sqlite_main(&self) -> Option<PathBuf> {
        match self {
            Fresh::Sqlite { dir } => Some(dir.join("main.db")),
            Fresh::Postgres { .. } => None,
        }
    }
}

/// Runs `test` on a fresh SQLite store and then on a fresh PostgreSQL store.
pub async fn on_both<F>(test: F)
where
    F: AsyncFn(Store, &StoreConfig, &Fresh),
{
    for make in [0, 1] {
        let (config, fresh) = if make == 0 {
            sqlite().await
        } else {
            postgres().await
        };
        let store = Store::open(&config).await.expect("store opens");
        test(store, &config, &fresh).await;
        fresh.clean().await;
    }
}

/// A fixed moment.
pub fn now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-23 10:00 UTC)
}

/// The Kexara pack, loaded.
pub fn kexara() -> pledge_policy::ValidPolicy {
    pledge_policy::packs::find("kexara")
        .expect("kexara is built in")
        .load()
        .expect("kexara loads")
}

/// The single number `sql` (a `SELECT COUNT(*) …`) returns.
pub async fn count(store: &Store, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = store.connection().get_database_backend();
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Adults called `names` (addresses `name@example.org`), created by a service; their ids in
/// the same order.
pub async fn create_people(
    store: &pledge_store::Store,
    names: &[&str],
) -> Vec<pledge_domain::PersonId> {
    let service = store.audit().service("seed");
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let person = pledge_store::NewPerson {
            display_name: (*name).into(),
            email: format!("{}@example.org", name.to_lowercase()),
            date_of_birth: None,
        };
        ids.push(store.create_person(&person, service, now()).await.unwrap());
    }
    ids
}

//! The `pledge-admin` binary against a real SQLite store: migrations, export, erase, audit
//! verification (intact and tampered), and clear refusals of bad configuration.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod crash;

use std::path::PathBuf;
use std::process::{Command, Output};

use pledge_store::{MasterKey, NewPerson, Store, StoreConfig};
use sea_orm::{ConnectionTrait, Statement};

struct Setup {
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
    /// Fresh PostgreSQL databases to drop when done: the server's admin URL and their names.
    postgres: Option<(String, Vec<String>)>,
}

impl Setup {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("pledge-admin-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = |name: &str| format!("sqlite://{}?mode=rwc", dir.join(name).display());
        let hex = |b: u8| format!("{b:02x}").repeat(32);
        let env = vec![
            ("PLEDGE_DATABASE_URL", url("main.db")),
            ("PLEDGE_KEYSTORE_URL", url("keys.db")),
            ("PLEDGE_MASTER_KEY", hex(1)),
            ("PLEDGE_AUDIT_MAC_KEY", hex(2)),
            ("PLEDGE_PSEUDONYM_KEY", hex(3)),
            ("PLEDGE_CHECKPOINT_KEY", hex(4)),
        ];
        Self {
            dir,
            env,
            postgres: None,
        }
    }

    /// A setup whose main database and key store are two fresh databases on the test
    /// PostgreSQL server (`PLEDGE_TEST_POSTGRES`, by default the one on 127.0.0.1:5432).
    async fn on_postgres() -> Self {
        use sea_orm::{ConnectionTrait, Database};
        let admin = std::env::var("PLEDGE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let server = Database::connect(&admin).await.unwrap_or_else(|err| {
            panic!("PostgreSQL is not reachable at {admin} ({err}); `cargo xtask test` starts one")
        });
        let stem = format!("pledge_crash_{}", uuid::Uuid::now_v7().simple());
        let names = vec![format!("{stem}_main"), format!("{stem}_keys")];
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
        let mut setup = Self::new();
        for (variable, name) in [
            ("PLEDGE_DATABASE_URL", &names[0]),
            ("PLEDGE_KEYSTORE_URL", &names[1]),
        ] {
            if let Some(slot) = setup.env.iter_mut().find(|(n, _)| *n == variable) {
                slot.1 = format!("{base}/{name}");
            }
        }
        setup.postgres = Some((admin, names));
        setup
    }

    /// Drops the setup's PostgreSQL databases, if it has any.
    async fn clean(&mut self) {
        use sea_orm::{ConnectionTrait, Database};
        if let Some((admin, names)) = self.postgres.take()
            && let Ok(server) = Database::connect(&admin).await
        {
            for name in names {
                let _ = server
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
    }

    fn config(&self) -> StoreConfig {
        let get = |name: &str| {
            self.env
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        StoreConfig {
            database_url: get("PLEDGE_DATABASE_URL"),
            keystore_url: get("PLEDGE_KEYSTORE_URL"),
            master_key: MasterKey::new([1; 32]),
            audit_mac_key: [2; 32],
            pseudonym_key: [3; 32],
            checkpoint_key: [4; 32],
        }
    }

    fn admin(&self, args: &[&str]) -> Output {
        self.admin_with(args, &[])
    }

    fn admin_with(&self, args: &[&str], overrides: &[(&str, Option<&str>)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pledge-admin"));
        command.args(args).env_clear();
        for (name, value) in &self.env {
            command.env(name, value);
        }
        for (name, value) in overrides {
            match value {
                Some(v) => command.env(name, v),
                None => command.env_remove(name),
            };
        }
        command.output().expect("pledge-admin runs")
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_can_be_listed_applied_and_rolled_back() {
    let setup = Setup::new();
    let status = setup.admin(&["migrate", "status"]);
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    assert!(
        stdout(&status).contains("pending m20261123_000001_person"),
        "{}",
        stdout(&status)
    );
    assert_eq!(code(&setup.admin(&["migrate", "up"])), 0);
    assert!(
        stdout(&setup.admin(&["migrate", "status"])).contains("applied m20261123_000002_audit")
    );
    let unconfirmed = setup.admin(&["migrate", "down", "--steps", "1"]);
    assert_eq!(code(&unconfirmed), 2, "rolling back needs confirmation");
    assert!(
        stderr(&unconfirmed).contains("--confirm-data-loss"),
        "{}",
        stderr(&unconfirmed)
    );
    let keys = setup.admin(&["migrate", "down", "--keystore", "--confirm-data-loss"]);
    assert_eq!(code(&keys), 2, "the key store is never rolled back");
    assert_eq!(
        code(&setup.admin(&["migrate", "down", "--steps", "1", "--confirm-data-loss"])),
        0
    );
    let after_down = stdout(&setup.admin(&["migrate", "status"]));
    let lines: Vec<&str> = after_down.lines().collect();
    assert!(
        lines.last().is_some_and(|l| l.starts_with("pending ")),
        "{after_down}"
    );
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("applied ")),
        "{after_down}"
    );
    assert_eq!(code(&setup.admin(&["migrate", "up", "--keystore"])), 0);
    assert!(
        stdout(&setup.admin(&["migrate", "status", "--keystore"]))
            .contains("applied m20261123_000101_subject_key")
    );
}

/// J35, K20: a person's data can be exported (and the export is audited); erasure makes it
/// unreadable; the audit log verifies, and a tampered one is reported with exit code 1.
#[tokio::test(flavor = "multi_thread")]
async fn j35_k20_export_erase_and_verify_from_the_command_line() {
    let setup = Setup::new();
    let store = Store::open(&setup.config()).await.expect("store");
    let actor = store.audit().service("test");
    let person = NewPerson {
        display_name: "Grace".into(),
        email: "grace@example.org".into(),
        date_of_birth: None,
    };
    let id = store
        .create_person(&person, actor, time::macros::datetime!(2026-11-23 9:00 UTC))
        .await
        .expect("person");
    drop(store);
    let id_text = id.to_string();

    let export = setup.admin(&["person", "export", &id_text]);
    assert_eq!(code(&export), 0, "{}", stderr(&export));
    assert!(stdout(&export).contains("grace@example.org"));

    let zip_path = setup.dir.join("export.zip");
    let zip_arg = zip_path.to_str().unwrap();
    let written = setup.admin(&["person", "export-zip", &id_text, "--out", zip_arg]);
    assert_eq!(code(&written), 0, "{}", stderr(&written));
    assert!(
        std::fs::read(&zip_path).unwrap().starts_with(b"PK"),
        "a ZIP file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&zip_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the owner may read an export");
    }
    let again = setup.admin(&["person", "export-zip", &id_text, "--out", zip_arg]);
    assert_eq!(code(&again), 2, "an existing file is never overwritten");

    assert_eq!(code(&setup.admin(&["audit", "checkpoint"])), 0);
    let verify = setup.admin(&["audit", "verify"]);
    assert_eq!(code(&verify), 0, "{}", stderr(&verify));
    assert!(
        stdout(&verify).contains("intact: 3 records, 3 covered"),
        "{}",
        stdout(&verify)
    );

    assert_eq!(code(&setup.admin(&["person", "erase", &id_text])), 0);
    assert_eq!(
        code(&setup.admin(&["person", "erase", &id_text])),
        0,
        "erasing twice is fine"
    );
    let gone = setup.admin(&["person", "export", &id_text]);
    assert_eq!(code(&gone), 2);
    assert!(stderr(&gone).contains("was erased"), "{}", stderr(&gone));

    let store = Store::open(&setup.config()).await.expect("store");
    store
        .connection()
        .execute_raw(Statement::from_string(
            store.connection().get_database_backend(),
            "UPDATE audit_record SET entry = X'00' WHERE seq = 0",
        ))
        .await
        .expect("tamper");
    drop(store);
    let damaged = setup.admin(&["audit", "verify"]);
    assert_eq!(code(&damaged), 1, "{}", stdout(&damaged));
    assert!(stdout(&damaged).contains("damaged"), "{}", stdout(&damaged));
}

#[test]
fn bad_configuration_and_arguments_are_refused_clearly() {
    let setup = Setup::new();
    let missing = setup.admin_with(&["audit", "verify"], &[("PLEDGE_MASTER_KEY", None)]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("PLEDGE_MASTER_KEY is not set"),
        "{}",
        stderr(&missing)
    );
    let short = setup.admin_with(
        &["audit", "verify"],
        &[("PLEDGE_AUDIT_MAC_KEY", Some("abc"))],
    );
    assert_eq!(code(&short), 2);
    assert!(
        stderr(&short).contains("64 hexadecimal digits"),
        "{}",
        stderr(&short)
    );
    let bad_id = setup.admin(&["person", "erase", "not-a-uuid"]);
    assert_eq!(code(&bad_id), 2);
    let same = setup.admin_with(
        &["audit", "verify"],
        &[("PLEDGE_KEYSTORE_URL", Some(&setup.env[0].1))],
    );
    assert_eq!(code(&same), 2);
    assert!(
        stderr(&same).contains("key store must be a different database"),
        "{}",
        stderr(&same)
    );
}

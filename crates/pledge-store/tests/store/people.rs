//! People, per-person keys and crypto-shredding.

use pledge_domain::PurposeId;
use pledge_store::{NewPerson, Store, StoreError};
use sea_orm::{ConnectionTrait, Statement};

use crate::support::{config, now, on_both};

fn ada() -> NewPerson {
    NewPerson {
        display_name: "Ada Lovelace".into(),
        email: "ada@example.org".into(),
        date_of_birth: Some(time::macros::date!(1990 - 12 - 10)),
    }
}

fn purpose() -> PurposeId {
    PurposeId::new("service-delivery").unwrap()
}

/// Every sealed byte of the person table, as a raw backup would hold it.
async fn raw_person_bytes(store: &Store) -> Vec<Vec<u8>> {
    let backend = store.connection().get_database_backend();
    let rows = store
        .connection()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT display_name, email, date_of_birth FROM person",
        ))
        .await
        .expect("raw select");
    let mut out = Vec::new();
    for row in rows {
        for column in ["display_name", "email", "date_of_birth"] {
            if let Ok(Some(bytes)) = row.try_get::<Option<Vec<u8>>>("", column) {
                out.push(bytes);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_is_stored_sealed_and_read_back() {
    on_both(async |store, _, _| {
        let actor = store.audit().service("test");
        let id = store
            .create_person(&ada(), actor, now())
            .await
            .expect("created");
        let view = store
            .read_person(id, actor, purpose(), now())
            .await
            .expect("read");
        assert_eq!(view.display_name, "Ada Lovelace");
        assert_eq!(view.email, "ada@example.org");
        assert_eq!(
            view.date_of_birth,
            Some(time::macros::date!(1990 - 12 - 10))
        );
        for bytes in raw_person_bytes(&store).await {
            assert!(!contains(&bytes, b"Ada"), "plaintext in the database");
            assert!(
                !contains(&bytes, b"ada@example.org"),
                "plaintext in the database"
            );
        }
    })
    .await;
}

/// W52, K22, K27: erasure reaches backups. A copy of the database taken before the erasure,
/// read with the key store after it, reveals nothing of the erased person.
#[tokio::test(flavor = "multi_thread")]
async fn w52_k22_k27_a_backup_taken_before_erasure_is_unreadable_after_it() {
    on_both(async |store, _, fresh| {
        let actor = store.audit().service("test");
        let ada = store
            .create_person(&ada(), actor, now())
            .await
            .expect("created");
        let bob = store
            .create_person(
                &NewPerson {
                    display_name: "Bob".into(),
                    email: "bob@example.org".into(),
                    date_of_birth: None,
                },
                actor,
                now(),
            )
            .await
            .expect("created");
        let backup = raw_person_bytes(&store).await;
        assert_eq!(backup.len(), 5, "Ada's three fields and Bob's two");
        let file_backup = fresh
            .sqlite_main()
            .map(|path| std::fs::read(path).expect("backup file"));
        store
            .erase_person(ada, &crate::support::kexara(), actor, now())
            .await
            .expect("erased");
        assert!(
            store.keys().get(ada).await.expect("key store").is_none(),
            "ada's key is destroyed"
        );
        let bob_key = store
            .keys()
            .get(bob)
            .await
            .expect("key store")
            .expect("bob keeps his key");
        let mut opened = 0;
        for sealed in &backup {
            for column in ["display_name", "email", "date_of_birth"] {
                let field = pledge_store::FieldRef {
                    table: "person",
                    column,
                };
                if let Ok(text) = bob_key.open_text(field, sealed) {
                    assert!(!text.contains("Ada") && !text.contains("ada@"), "{text}");
                    opened += 1;
                }
            }
        }
        assert_eq!(
            opened, 2,
            "only Bob's two fields open with the remaining keys"
        );
        if let Some(file) = file_backup {
            assert!(
                !contains(&file, b"ada@example.org"),
                "plaintext in the SQLite file"
            );
        }
        let err = store
            .read_person(ada, actor, purpose(), now())
            .await
            .expect_err("erased");
        assert!(matches!(err, StoreError::Erased(id) if id == ada), "{err}");
        assert!(
            store
                .read_person(bob, actor, purpose(), now())
                .await
                .is_ok()
        );
    })
    .await;
}

/// W52, K22: crypto-shredding leaves nothing to carve. After an erasure no byte sequence of
/// the erased people's wrapped keys is left in any file of the key store (database, journal,
/// WAL; on PostgreSQL every file of its database after a checkpoint), while the others' keys
/// still open.
#[tokio::test(flavor = "multi_thread")]
async fn w52_k22_an_erased_key_cannot_be_carved_from_the_key_store_files() {
    on_both(async |store, _, fresh| {
        let names: Vec<String> = (0..40).map(|n| format!("Person{n:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let people = crate::support::create_people(&store, &names).await;
        let erased = [people[3], people[17], people[39]];
        let mut wrapped = Vec::new();
        for person in erased {
            let row = store
                .keys()
                .connection()
                .query_one_raw(Statement::from_sql_and_values(
                    store.keys().connection().get_database_backend(),
                    match store.keys().connection().get_database_backend() {
                        sea_orm::DbBackend::Postgres => {
                            "SELECT wrapped_key FROM subject_key WHERE person_id = $1"
                        }
                        _ => "SELECT wrapped_key FROM subject_key WHERE person_id = ?",
                    },
                    [person.as_uuid().into()],
                ))
                .await
                .expect("read the wrapped key")
                .expect("the person has a key");
            let bytes: Vec<u8> = row.try_get_by_index(0).expect("bytes");
            assert!(bytes.len() > 32, "a wrapped key is nonce, key and tag");
            wrapped.push(bytes);
        }
        let files = fresh.key_store_files(&store).await;
        let before: Vec<u8> = files
            .iter()
            .flat_map(|file| std::fs::read(file).expect("read a key store file"))
            .collect();
        assert!(
            wrapped.iter().all(|key| contains(&before, key)),
            "the carver finds the keys before the erasure (else it proves nothing)"
        );
        let actor = store.audit().service("test");
        for person in erased {
            store
                .erase_person(person, &crate::support::kexara(), actor, now())
                .await
                .expect("erased");
        }
        for file in fresh.key_store_files(&store).await {
            let bytes = std::fs::read(&file).expect("read a key store file");
            for key in &wrapped {
                // Any 16 bytes of the 73 would already be a trace worth reporting.
                for window in key.windows(16) {
                    assert!(
                        !contains(&bytes, window),
                        "a piece of an erased person's wrapped key is still in {}",
                        file.display()
                    );
                }
            }
        }
        for person in [people[0], people[18], people[38]] {
            assert!(store.keys().get(person).await.expect("key store").is_some());
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_is_idempotent_and_audited_once() {
    on_both(async |store, _, _| {
        let actor = store.audit().service("test");
        let id = store
            .create_person(&ada(), actor, now())
            .await
            .expect("created");
        store
            .erase_person(id, &crate::support::kexara(), actor, now())
            .await
            .expect("erased");
        store
            .erase_person(id, &crate::support::kexara(), actor, now())
            .await
            .expect("erasing again is fine");
        let records = store
            .audit()
            .records(store.connection())
            .await
            .expect("records");
        let erasures = records
            .iter()
            .filter(|r| r.entry().expect("decodes").event.action == pledge_audit::Action::Erase)
            .count();
        assert_eq!(erasures, 1);
        let unknown = pledge_domain::PersonId::from_uuid(uuid::Uuid::nil());
        assert!(matches!(
            store
                .erase_person(unknown, &crate::support::kexara(), actor, now())
                .await,
            Err(StoreError::PersonNotFound(_))
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_store_must_be_a_separate_database() {
    let same = config("sqlite::memory:".into(), "sqlite::memory:".into());
    let err = Store::open(&same).await.expect_err("refused");
    assert!(matches!(err, StoreError::Config(_)), "{err}");
}

async fn counts(store: &Store) -> (i64, i64, usize) {
    let backend = store.connection().get_database_backend();
    let count = |sql: &'static str| async move {
        let row = store
            .connection()
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    let people = count("SELECT COUNT(*) AS n FROM person").await;
    let keys = store
        .keys()
        .connection()
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM subject_key",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    let audit = store
        .audit()
        .records(store.connection())
        .await
        .unwrap()
        .len();
    (people, keys, audit)
}

/// K43: a child under 13 cannot register, and nothing about them is kept.
#[tokio::test(flavor = "multi_thread")]
async fn k43_an_under_13_sign_up_is_refused_and_nothing_is_kept() {
    let kexara = pledge_policy::packs::load_pack("kexara").unwrap();
    on_both(async |store, _, _| {
        let actor = store.audit().service("sign-up");
        let child = NewPerson {
            date_of_birth: Some(time::macros::date!(2015 - 01 - 01)),
            ..ada()
        };
        let refused = store.register_person(&child, &kexara, actor, now()).await;
        assert!(
            matches!(refused, Err(StoreError::BelowMinimumAge { minimum: 13 })),
            "{refused:?}"
        );
        assert_eq!(counts(&store).await, (0, 0, 0));
        let adult = store
            .register_person(&ada(), &kexara, actor, now())
            .await
            .unwrap();
        assert!(
            store
                .read_person(adult, actor, purpose(), now())
                .await
                .is_ok()
        );
    })
    .await;
}

/// K43: a child found later (here, a corrected date of birth imported with an older policy)
/// is erased at once, and adults are left alone.
#[tokio::test(flavor = "multi_thread")]
async fn k43_a_child_found_later_is_erased_at_once() {
    let kexara = pledge_policy::packs::load_pack("kexara").unwrap();
    on_both(async |store, _, _| {
        let actor = store.audit().service("sweep");
        let child = NewPerson {
            date_of_birth: Some(time::macros::date!(2016 - 05 - 05)),
            ..ada()
        };
        let child = store.create_person(&child, actor, now()).await.unwrap();
        let adult = store.create_person(&ada(), actor, now()).await.unwrap();
        let erased = store
            .erase_below_minimum_age(&kexara, actor, now())
            .await
            .unwrap();
        assert_eq!(erased, [child]);
        assert!(matches!(
            store.read_person(child, actor, purpose(), now()).await,
            Err(StoreError::Erased(_))
        ));
        assert!(
            store
                .read_person(adult, actor, purpose(), now())
                .await
                .is_ok()
        );
        assert!(
            store
                .erase_below_minimum_age(&kexara, actor, now())
                .await
                .unwrap()
                .is_empty(),
            "idempotent"
        );
    })
    .await;
}

//! The audit log in the database: every read audited, serial chains under concurrency,
//! tampering detected, no person ids in the log.

use pledge_audit::{Action, DamageKind, Query};
use pledge_domain::PurposeId;
use pledge_store::NewPerson;
use sea_orm::{ConnectionTrait, Statement};

use crate::support::{now, on_both};

fn person(n: usize) -> NewPerson {
    NewPerson {
        display_name: format!("Person {n}"),
        email: format!("p{n}@example.org"),
        date_of_birth: None,
    }
}

/// A person created and read once by a privacy officer: the officer, the person and the
/// purpose of the read.
async fn created_and_read(
    store: &pledge_store::Store,
) -> (pledge_audit::ActorKey, pledge_domain::PersonId, PurposeId) {
    let officer = store.audit().service("privacy-officer");
    let id = store
        .create_person(&person(1), officer, now())
        .await
        .expect("created");
    let purpose = PurposeId::new("customer-support").unwrap();
    store
        .read_person(id, officer, purpose.clone(), now())
        .await
        .expect("read");
    (officer, id, purpose)
}

/// K30: every read of personal data through the store is in the audit log, with who read
/// whose data, for what purpose and when.
#[tokio::test(flavor = "multi_thread")]
async fn k30_reads_through_the_store_are_audited() {
    on_both(async |store, _, _| {
        let (officer, id, purpose) = created_and_read(&store).await;
        let records = store
            .audit()
            .records(store.connection())
            .await
            .expect("records");
        let reads = Query::accesses_to(store.audit().subject(id))
            .run(&records)
            .expect("query");
        assert_eq!(reads.len(), 1);
        let entry = &reads[0].entry;
        assert_eq!(entry.event.action, Action::Read);
        assert_eq!(entry.event.actor, officer);
        assert_eq!(entry.event.purpose, Some(purpose));
        assert_eq!(entry.at, now());
        let verified = store
            .audit()
            .verify(store.connection())
            .await
            .expect("reads")
            .expect("intact");
        assert_eq!(verified.size(), 2);
        let id_bytes = id.as_uuid().into_bytes();
        assert!(
            records
                .iter()
                .all(|r| !r.entry_bytes().windows(16).any(|w| w == id_bytes)),
            "person ids never enter the log"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_writers_keep_one_unbroken_chain() {
    on_both(async |store, _, _| {
        let actor = store.audit().service("load");
        let mut tasks = Vec::new();
        for n in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.create_person(&person(n), actor, now()).await
            }));
        }
        for task in tasks {
            task.await.expect("joined").expect("created");
        }
        store
            .audit()
            .checkpoint(store.connection())
            .await
            .expect("checkpoint");
        let verified = store
            .audit()
            .verify(store.connection())
            .await
            .expect("reads")
            .expect("intact");
        assert_eq!(verified.size(), 16);
        assert_eq!(verified.signed_size(), 16);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_audit_row_is_detected() {
    on_both(async |store, _, _| {
        let actor = store.audit().service("test");
        for n in 0..3 {
            store
                .create_person(&person(n), actor, now())
                .await
                .expect("created");
        }
        store
            .audit()
            .checkpoint(store.connection())
            .await
            .expect("checkpoint");
        let backend = store.connection().get_database_backend();
        let records = store
            .audit()
            .records(store.connection())
            .await
            .expect("records");
        let mut forged = records[1].entry_bytes().to_vec();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        store
            .connection()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DbBackend::Postgres => {
                        "UPDATE audit_record SET entry = $1 WHERE seq = 1"
                    }
                    _ => "UPDATE audit_record SET entry = ? WHERE seq = 1",
                },
                [forged.into()],
            ))
            .await
            .expect("tamper");
        let damage = store
            .audit()
            .verify(store.connection())
            .await
            .expect("reads")
            .expect_err("tampered");
        assert_eq!(damage.position, 1);
        assert_eq!(damage.kind, DamageKind::Edited);
    })
    .await;
}

/// K30: the subject index added by a later migration is filled in from the entries already in
/// the log, so an export after an upgrade still lists every access.
#[tokio::test(flavor = "multi_thread")]
async fn k30_the_subject_index_is_filled_in_for_entries_written_before_it() {
    use sea_orm_migration::MigratorTrait;
    on_both(async |store, _, _| {
        let (_, id, _) = created_and_read(&store).await;
        let subject = store.audit().subject(id);
        let before = store
            .audit()
            .records_about(store.connection(), subject)
            .await
            .expect("indexed");
        assert_eq!(before.len(), 2, "created and read");
        pledge_store::Migrator::down(store.connection(), Some(1))
            .await
            .expect("drop the index");
        pledge_store::Migrator::up(store.connection(), None)
            .await
            .expect("add and fill it in");
        let after = store
            .audit()
            .records_about(store.connection(), subject)
            .await
            .expect("indexed");
        let entries = |list: &[(pledge_audit::Record, pledge_audit::Entry)]| {
            list.iter()
                .map(|(r, e)| (r.seq(), e.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(entries(&after), entries(&before));
        let someone_else = store
            .audit()
            .subject(pledge_domain::PersonId::from_uuid(uuid::Uuid::now_v7()));
        let none = store
            .audit()
            .records_about(store.connection(), someone_else)
            .await
            .expect("indexed");
        assert!(none.is_empty());
    })
    .await;
}

/// K30: clearing a row's subject column would hide the entry from the person's history (the
/// export reads through that index); verification compares every column with its entry and
/// reports it.
#[tokio::test(flavor = "multi_thread")]
async fn k30_an_altered_subject_column_is_reported_by_verification() {
    on_both(async |store, _, _| {
        let officer = store.audit().service("privacy-officer");
        let id = store
            .create_person(&person(1), officer, now())
            .await
            .expect("created");
        assert!(store.audit().verify(store.connection()).await.is_ok_and(|v| v.is_ok()));
        store
            .connection()
            .execute_unprepared("UPDATE audit_record SET subject = NULL")
            .await
            .expect("tamper");
        let history = store
            .audit()
            .records_about(store.connection(), store.audit().subject(id))
            .await
            .expect("indexed");
        assert!(history.is_empty(), "the altered index hides the entry");
        let verified = store.audit().verify(store.connection()).await;
        assert!(
            matches!(verified, Err(pledge_store::StoreError::Corrupt { what }) if what.contains("subject")),
            "{verified:?}"
        );
    })
    .await;
}

/// K30: a group append larger than a database's limit on bound parameters (SQLite: 32,766,
/// four per row) is written in several statements, in one transaction, and verifies.
#[tokio::test(flavor = "multi_thread")]
async fn k30_a_group_of_9000_entries_is_appended_in_one_transaction() {
    use sea_orm::TransactionTrait;
    on_both(async |store, _, _| {
        let officer = store.audit().service("privacy-officer");
        let id = store
            .create_person(&person(1), officer, now())
            .await
            .expect("created");
        let events: Vec<_> = (0..9_000)
            .map(|_| {
                store
                    .audit()
                    .event_about(officer, Action::Update, id, Default::default(), None)
            })
            .collect();
        let txn = store.connection().begin().await.expect("txn");
        let written = store
            .audit()
            .append(&txn, events, now())
            .await
            .expect("appended");
        txn.commit().await.expect("commit");
        assert_eq!(written.len(), 9_000);
        let verified = store
            .audit()
            .verify(store.connection())
            .await
            .expect("reads");
        assert_eq!(
            verified.expect("intact").size(),
            9_001,
            "the creation and the group"
        );
    })
    .await;
}

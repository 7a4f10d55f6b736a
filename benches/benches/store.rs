//! The store on a real SQLite file, each figure against a baseline measured in the same run:
//!
//! - `sweep`: a retention sweep of 1,000,000 due support tickets (read, judged by the retention
//!   engine, deleted set-wise, audited per batch with one chained entry per person naming each
//!   record, progress recorded), in batches of 5,000 and of 50,000 records, against a bare
//!   `DELETE … WHERE closed_at < cutoff` of the same rows; and the same as the server's
//!   scheduled retention job runs it (`scheduled-run`: the job claimed in the database, the
//!   minimum-age check, the sweep at the store's own batch size, the job's outcome recorded).
//!   Target: ≥ 0.5× (time ratio ≤ 2). Every sample starts from a copy of the same seeded
//!   database file.
//! - `audit_append`: one durable audit append (its own transaction, committed) against a raw
//!   `INSERT` of a row of the same size committed on its own; and 100 appends committed
//!   together (group commit). Targets: single ≥ 0.8× raw; group ≥ 10× single per entry.
//! - `export`: the access export ZIP of a learner with 10,000 records against the raw indexed
//!   `SELECT`s of the rows it holds (every table's rows about the learner and the audit
//!   entries about them, the export's "who used your data" history). Target: ≤ 2× and under a
//!   second.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // setup may fail loudly

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use pledge_benches::scale;
use pledge_domain::PersonId;
use pledge_store::sweep::SweepOptions;
use pledge_store::{Field, MasterKey, NewPerson, Store, StoreConfig};
use sea_orm::sea_query::{Query, Value};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use time::{Duration, OffsetDateTime};
use tokio::runtime::Runtime;
use uuid::Uuid;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn config(dir: &Path) -> StoreConfig {
    let url = |name: &str| format!("sqlite://{}?mode=rwc", dir.join(name).display());
    StoreConfig {
        database_url: url("main.db"),
        keystore_url: url("keys.db"),
        master_key: MasterKey::new([1; 32]),
        audit_mac_key: [2; 32],
        pseudonym_key: [3; 32],
        checkpoint_key: [4; 32],
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pledge-bench-{name}-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// A scratch copy of a database, removed when dropped (a million-row file per sample adds up).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A copy of the template's databases, with their write-ahead logs when they have any (the
/// template's store is idle, so database and log together are a consistent copy).
fn copy_of(template: &Path) -> Scratch {
    let dir = fresh_dir("copy");
    for file in ["main.db", "main.db-wal", "keys.db", "keys.db-wal"] {
        let from = template.join(file);
        if from.exists() {
            std::fs::copy(from, dir.join(file)).expect("copy");
        }
    }
    Scratch(dir)
}

fn now() -> OffsetDateTime {
    time::macros::datetime!(2026-11-23 10:00 UTC)
}

// ── sweep ───────────────────────────────────────────────────────────────────────────────

/// A database holding `rows` support tickets closed four years ago (due under Kexara's
/// three-year rule), spread over 1,000 people.
fn seeded(rt: &Runtime, rows: u64) -> PathBuf {
    let dir = fresh_dir("sweep-template");
    rt.block_on(async {
        let store = Store::open(&config(&dir)).await.expect("store");
        let closed = now() - Duration::days(4 * 366);
        let people: Vec<Uuid> = (0..1_000).map(|_| Uuid::now_v7()).collect();
        let db = store.connection();
        let txn = db.begin().await.expect("txn");
        for start in (0..rows).step_by(1_000) {
            let mut insert = Query::insert();
            insert.into_table("ticket").columns([
                "id",
                "person_id",
                "subject",
                "status",
                "opened_at",
                "closed_at",
            ]);
            for n in start..(start + 1_000).min(rows) {
                let person = people[usize::try_from(n % 1_000).unwrap()];
                insert
                    .values([
                        Uuid::now_v7().into(),
                        person.into(),
                        Value::Bytes(Some(vec![7; 48])).into(),
                        "closed".into(),
                        closed.into(),
                        closed.into(),
                    ])
                    .expect("values");
            }
            txn.execute(&insert).await.expect("seed");
        }
        txn.commit().await.expect("commit");
        // Fold a write-ahead log (if the store keeps one) into the database file, so each
        // copy starts alike.
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .expect("checkpoint");
    });
    dir
}

fn sweep(c: &mut Criterion) {
    let rt = runtime();
    let rows = scale(1_000_000);
    let template = Scratch(seeded(&rt, rows));
    let policy = pledge_policy::packs::load_pack("kexara").expect("kexara");
    let open = |rt: &Runtime| {
        let dir = copy_of(&template.0);
        let store = rt.block_on(Store::open(&config(&dir.0))).expect("store");
        (dir, store)
    };
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.bench_function("baseline", |b| {
        b.iter_batched(
            || open(&rt),
            |(dir, store)| {
                rt.block_on(async {
                    let db = store.connection();
                    let cutoff = now() - Duration::days(3 * 365);
                    let sql = "DELETE FROM ticket WHERE closed_at < ?";
                    let done = db
                        .execute_raw(Statement::from_sql_and_values(
                            db.get_database_backend(),
                            sql,
                            [cutoff.into()],
                        ))
                        .await
                        .expect("delete");
                    assert_eq!(done.rows_affected(), rows);
                });
                (dir, store)
            },
            BatchSize::PerIteration,
        );
    });
    for batch_size in [5_000, 50_000] {
        group.bench_function(format!("sweep-batches-of-{batch_size}"), |b| {
            b.iter_batched(
                || open(&rt),
                |(dir, store)| {
                    rt.block_on(async {
                        let options = SweepOptions {
                            dry_run: false,
                            batch_size,
                            ..SweepOptions::default()
                        };
                        let actor = store.audit().service("retention-sweep");
                        let report = store
                            .sweep(&policy, &options, actor, now(), |_| {})
                            .await
                            .expect("sweep");
                        assert_eq!(report.acted, rows);
                    });
                    (dir, store)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.bench_function("scheduled-run", |b| {
        b.iter_batched(
            || open(&rt),
            |(dir, store)| {
                rt.block_on(async {
                    let day = Duration::days(1);
                    // The job's first sight registers it, due a cadence later: now.
                    store
                        .run_retention_job(&policy, "bench", day, now() - day)
                        .await
                        .expect("registered");
                    let run = store
                        .run_retention_job(&policy, "bench", day, now())
                        .await
                        .expect("scheduled run");
                    let pledge_store::schedule::RetentionRun::Done { acted, .. } = run else {
                        panic!("the job was due: {run:?}");
                    };
                    assert_eq!(acted, rows);
                });
                (dir, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

// ── audit appends ───────────────────────────────────────────────────────────────────────

fn audit_append(c: &mut Criterion) {
    let rt = runtime();
    let dir = fresh_dir("audit");
    let store = rt.block_on(Store::open(&config(&dir))).expect("store");
    rt.block_on(async {
        store
            .connection()
            .execute_unprepared(
                "CREATE TABLE raw_record (seq INTEGER PRIMARY KEY, mac BLOB NOT NULL, entry BLOB NOT NULL)",
            )
            .await
            .expect("raw table");
    });
    let actor = store.audit().service("bench");
    let person = PersonId::from_uuid(Uuid::now_v7());
    let event = || {
        store.audit().event_about(
            actor,
            pledge_audit::Action::Read,
            person,
            BTreeSet::from([pledge_domain::CategoryId::new("contact-details").expect("slug")]),
            pledge_domain::PurposeId::new("customer-support").ok(),
        )
    };
    let mut seq = 0_i64;
    let mut group = c.benchmark_group("audit_append");
    group.bench_function("baseline", |b| {
        b.iter(|| {
            seq += 1;
            rt.block_on(async {
                let txn = store.connection().begin().await.expect("txn");
                let mut insert = Query::insert();
                insert
                    .into_table("raw_record")
                    .columns(["seq", "mac", "entry"])
                    .values([
                        seq.into(),
                        Value::Bytes(Some(vec![1; 32])).into(),
                        Value::Bytes(Some(vec![2; 150])).into(),
                    ])
                    .expect("values");
                txn.execute(&insert).await.expect("insert");
                txn.commit().await.expect("commit");
            });
        });
    });
    group.bench_function("single", |b| {
        b.iter(|| {
            rt.block_on(async {
                let txn = store.connection().begin().await.expect("txn");
                store
                    .audit()
                    .append(&txn, vec![event()], now())
                    .await
                    .expect("append");
                txn.commit().await.expect("commit");
            });
        });
    });
    group.bench_function("group_of_100", |b| {
        b.iter(|| {
            rt.block_on(async {
                let txn = store.connection().begin().await.expect("txn");
                let events = (0..100).map(|_| event()).collect();
                store
                    .audit()
                    .append(&txn, events, now())
                    .await
                    .expect("append");
                txn.commit().await.expect("commit");
            });
        });
    });
    group.finish();
}

// ── export ──────────────────────────────────────────────────────────────────────────────

fn export(c: &mut Criterion) {
    let rt = runtime();
    let records = scale(10_000);
    let dir = fresh_dir("export");
    let store = rt.block_on(Store::open(&config(&dir))).expect("store");
    let policy = pledge_policy::packs::load_pack("kexara").expect("kexara");
    let actor = store.audit().service("bench");
    let learner = rt.block_on(async {
        let who = NewPerson {
            display_name: "Learner".into(),
            email: "learner@example.org".into(),
            date_of_birth: None,
        };
        let id = store
            .create_person(&who, actor, now())
            .await
            .expect("person");
        let txn = store.connection().begin().await.expect("txn");
        let mut enrolment = Uuid::nil();
        for n in 0..records {
            if n % 4 == 0 {
                enrolment = Uuid::now_v7();
            }
            let (table, fields) = match n % 4 {
                0 => (
                    "enrolment",
                    vec![
                        ("id", Field::plain(enrolment)),
                        ("course_id", Field::plain(Uuid::now_v7())),
                        ("status", Field::plain("active")),
                        ("enrolled_at", Field::plain(now())),
                    ],
                ),
                1 => (
                    "lesson_progress",
                    vec![
                        ("enrolment_id", Field::plain(enrolment)),
                        ("lesson_id", Field::plain(Uuid::now_v7())),
                        ("position", Field::plain(i32::try_from(n % 100).unwrap())),
                        ("updated_at", Field::plain(now())),
                    ],
                ),
                2 => (
                    "submission",
                    vec![
                        ("assessment_id", Field::plain(Uuid::now_v7())),
                        ("answers", Field::Sealed(format!("answer {n}"))),
                        ("submitted_at", Field::plain(now())),
                    ],
                ),
                _ => (
                    "comment",
                    vec![
                        ("course_id", Field::plain(Uuid::now_v7())),
                        ("body", Field::Sealed(format!("comment {n}"))),
                        ("ip_address", Field::Sealed("203.0.113.9".into())),
                        ("status", Field::plain("approved")),
                        ("posted_at", Field::plain(now())),
                    ],
                ),
            };
            store
                .insert_record_in(&txn, &policy, table, id, fields, actor, now())
                .await
                .expect("record");
        }
        txn.commit().await.expect("commit");
        id
    });
    let tables: Vec<&str> = pledge_store::declared::owned_tables()
        .map(|t| t.table)
        .collect();
    let subject = store.audit().subject(learner).as_bytes().to_vec();
    let mut group = c.benchmark_group("export");
    group.sample_size(10);
    group.bench_function("baseline", |b| {
        b.iter(|| {
            rt.block_on(async {
                let db = store.connection();
                // The history the export includes: the audit entries about the learner.
                let mut rows = db
                    .query_all_raw(Statement::from_sql_and_values(
                        db.get_database_backend(),
                        "SELECT * FROM audit_record WHERE subject = ? ORDER BY seq",
                        [subject.clone().into()],
                    ))
                    .await
                    .expect("select")
                    .len();
                for table in &tables {
                    let column = if *table == "person" {
                        "id"
                    } else {
                        "person_id"
                    };
                    let column = if *table == "guardian_link" {
                        "minor_id"
                    } else {
                        column
                    };
                    let sql = format!("SELECT * FROM {table} WHERE {column} = ?");
                    rows += db
                        .query_all_raw(Statement::from_sql_and_values(
                            db.get_database_backend(),
                            sql,
                            [learner.as_uuid().into()],
                        ))
                        .await
                        .expect("select")
                        .len();
                }
                black_box(rows)
            })
        });
    });
    group.bench_function("export", |b| {
        b.iter(|| {
            rt.block_on(async {
                black_box(
                    store
                        .export_bundle(learner, actor, now())
                        .await
                        .expect("export")
                        .len(),
                )
            })
        });
    });
    group.finish();
}

criterion_group!(benches, sweep, audit_append, export);
criterion_main!(benches);

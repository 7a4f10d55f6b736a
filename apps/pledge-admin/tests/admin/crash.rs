//! Crash tests: `pledge-admin sweep --apply` and `pledge-admin person erase` are killed with
//! SIGKILL (`kill -9`) at random moments, at least 200 times each, on a SQLite file and on
//! fresh databases of the real PostgreSQL server. After every kill the
//! database is checked before anything repairs it:
//!
//! - the audit chain verifies;
//! - every record the sweep changed has exactly one audit entry naming it, and no entry names a
//!   record that was not changed (no deleted row without its entry, nothing done twice);
//! - every person is whole, being erased, or fully erased: their records are all there or all
//!   gone, a person marked erased has no key, no records and exactly one erasure entry.
//!
//! Then the next run starts where the killed one stopped, and at the end a run without a kill
//! completes everything. The delays come from a seeded generator; the seed is printed so a
//! failure can be replayed with `PLEDGE_CRASH_SEED`. `PLEDGE_CRASH_KILLS` sets the number of
//! kills on SQLite (default 200), `PLEDGE_CRASH_KILLS_POSTGRES` on PostgreSQL (default 100).
//!
//! The deliberately broken variant — a sweep that writes its audit entries in a separate
//! transaction (`--features fault-injection` and `PLEDGE_FAULT`) — must be caught:
//! `cargo test -p pledge-admin --features fault-injection --test admin crash::broken`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration as StdDuration;

use pledge_audit::Action;
use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use pledge_store::{Field, NewPerson, Store};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Setup;

/// A small seeded generator (xorshift64*), enough to spread kill times.
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let seed = std::env::var("PLEDGE_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                u64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() & 0xffff_ffff)
                    .unwrap_or(1)
            });
        eprintln!("crash test seed: PLEDGE_CRASH_SEED={seed}");
        Self(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

/// The longest a kill waits after a start, in milliseconds.
const MAX_WINDOW_MS: u64 = 1_500;

/// Kills per test: `PLEDGE_CRASH_KILLS` (default 200) on SQLite; on PostgreSQL, where every
/// run connects to a server and so lasts longer, `PLEDGE_CRASH_KILLS_POSTGRES` (default 100).
fn kills_wanted(on: On) -> usize {
    let (variable, default) = match on {
        On::Sqlite => ("PLEDGE_CRASH_KILLS", 200),
        On::Postgres => ("PLEDGE_CRASH_KILLS_POSTGRES", 100),
    };
    std::env::var(variable)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn kexara() -> ValidPolicy {
    pledge_policy::packs::load_pack("kexara").expect("kexara loads")
}

impl Setup {
    fn spawn(&self, args: &[&str], fault: bool) -> Child {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pledge-admin"));
        command
            .args(args)
            .env_clear()
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        if fault {
            command.env("PLEDGE_FAULT", "audit-in-separate-transaction");
        }
        command.spawn().expect("pledge-admin starts")
    }
}

/// Kills runs of one command at random moments within how long a run takes, learning that
/// from the runs that finish before their kill (and widening the window while none does).
struct Killer {
    rng: Rng,
    run_ms: u64,
    kills: usize,
    runs: usize,
}

impl Killer {
    fn new() -> Self {
        Self {
            rng: Rng::seeded(),
            run_ms: 300,
            kills: 0,
            runs: 0,
        }
    }

    /// Runs `args` and kills it after a random delay; true when the kill landed while it ran.
    fn run(&mut self, setup: &Setup, args: &[&str], fault: bool) -> bool {
        let started = std::time::Instant::now();
        let mut child = setup.spawn(args, fault);
        std::thread::sleep(StdDuration::from_millis(self.rng.below(self.run_ms)));
        self.runs += 1;
        let running = child.try_wait().expect("child state").is_none();
        if running {
            child.kill().expect("SIGKILL");
            self.kills += 1;
            // Runs that never finish may be killed before they do anything (a server
            // connection takes longer than a file): widen the window until one finishes.
            self.run_ms = (self.run_ms.saturating_mul(11) / 10).min(MAX_WINDOW_MS);
        } else {
            let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            self.run_ms = took.max(10);
        }
        child.wait().expect("reaped");
        running
    }
}

async fn ids(store: &Store, sql: &str) -> BTreeSet<Uuid> {
    let backend = store.connection().get_database_backend();
    store
        .connection()
        .query_all_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .expect("query")
        .iter()
        .map(|row| row.try_get_by_index::<Uuid>(0).expect("uuid"))
        .collect()
}

/// Audit entries written by `actor` with one of `actions`, counted by each record they name.
async fn entries_by_record(
    store: &Store,
    actor: pledge_audit::ActorKey,
    actions: &[Action],
) -> BTreeMap<Uuid, usize> {
    let mut named = BTreeMap::new();
    for record in store
        .audit()
        .records(store.connection())
        .await
        .expect("audit")
    {
        let event = record.entry().expect("entry decodes").event;
        if event.actor == actor && actions.contains(&event.action) {
            for record in &event.records {
                *named.entry(record.as_uuid()).or_insert(0) += 1;
            }
        }
    }
    named
}

/// A paid payment's fields.
fn payment(paid: OffsetDateTime) -> Vec<(&'static str, Field)> {
    vec![
        ("item_kind", Field::plain("enrolment")),
        ("item_id", Field::plain(Uuid::now_v7())),
        ("processor", Field::plain("sandbox")),
        (
            "processor_ref",
            Field::plain(format!("pi_{}", Uuid::now_v7().simple())),
        ),
        ("amount_cents", Field::plain(2500_i64)),
        ("currency", Field::plain("CAD")),
        ("status", Field::plain("paid")),
        ("billing_name", Field::Sealed("P".into())),
        ("created_at", Field::plain(paid)),
        ("paid_at", Field::plain(paid)),
    ]
}

// ── the sweep ──────────────────────────────────────────────────────────────────────────────

/// The records a sweep must handle: tickets to delete, payments to anonymise.
#[derive(Default)]
struct Due {
    tickets: BTreeSet<Uuid>,
    payments: BTreeSet<Uuid>,
}

impl Due {
    fn len(&self) -> usize {
        self.tickets.len() + self.payments.len()
    }
}

/// Old tickets (due for deletion, with a message each) and old payments (due for
/// anonymisation) for `people` new people, added to `due`.
async fn due_records(store: &Store, policy: &ValidPolicy, people: usize, due: &mut Due) {
    let actor = store.audit().service("seed");
    let long_ago = now() - Duration::days(9 * 366);
    for n in 0..people {
        let person = NewPerson {
            display_name: format!("P{n}"),
            email: format!("p{n}@example.org"),
            date_of_birth: None,
        };
        let id = store
            .create_person(&person, actor, now())
            .await
            .expect("person");
        for _ in 0..2 {
            let ticket = store
                .insert_record(
                    policy,
                    "ticket",
                    id,
                    vec![
                        ("subject", Field::Sealed("Old question".into())),
                        ("status", Field::plain("closed")),
                        ("opened_at", Field::plain(long_ago)),
                        ("closed_at", Field::plain(long_ago)),
                    ],
                    actor,
                    now(),
                )
                .await
                .expect("ticket");
            store
                .insert_record(
                    policy,
                    "ticket_message",
                    id,
                    vec![
                        ("ticket_id", Field::plain(ticket)),
                        ("author_role", Field::plain("requester")),
                        ("body", Field::Sealed("Hello".into())),
                        ("sent_at", Field::plain(long_ago)),
                    ],
                    actor,
                    now(),
                )
                .await
                .expect("message");
            due.tickets.insert(ticket);
        }
        let payment = store
            .insert_record(policy, "payment", id, payment(long_ago), actor, now())
            .await
            .expect("payment");
        due.payments.insert(payment);
    }
}

/// The sweep's invariants; returns how many due records are handled, or what is broken.
async fn check_sweep(store: &Store, due: &Due) -> Result<usize, String> {
    store
        .audit()
        .verify(store.connection())
        .await
        .expect("the audit log can be read")
        .map_err(|e| format!("the audit chain does not verify: {e:?}"))?;
    let orphans = ids(
        store,
        "SELECT m.id FROM ticket_message m LEFT JOIN ticket t ON t.id = m.ticket_id WHERE t.id IS NULL",
    )
    .await;
    if !orphans.is_empty() {
        return Err(format!("{} messages outlived their ticket", orphans.len()));
    }
    let tickets = ids(store, "SELECT id FROM ticket").await;
    let anonymised = ids(store, "SELECT id FROM payment WHERE person_id IS NULL").await;
    let handled: BTreeSet<Uuid> = due
        .tickets
        .difference(&tickets)
        .chain(due.payments.intersection(&anonymised))
        .copied()
        .collect();
    let sweep = store.audit().service("retention-sweep");
    let audited = entries_by_record(store, sweep, &[Action::Delete, Action::Update]).await;
    if let Some((id, n)) = audited.iter().find(|(_, n)| **n != 1) {
        return Err(format!("record {id} has {n} audit entries"));
    }
    let audited: BTreeSet<Uuid> = audited.into_keys().collect();
    if let Some(id) = handled.difference(&audited).next() {
        return Err(format!("record {id} was changed without its audit entry"));
    }
    if let Some(id) = audited.difference(&handled).next() {
        return Err(format!(
            "an audit entry names record {id}, which was not changed"
        ));
    }
    Ok(handled.len())
}

/// Which database a crash test runs on.
#[derive(Clone, Copy, Debug)]
enum On {
    Sqlite,
    Postgres,
}

impl On {
    async fn setup(self) -> Setup {
        match self {
            On::Sqlite => Setup::new(),
            On::Postgres => Setup::on_postgres().await,
        }
    }
}

async fn sweep_under_kills(on: On, fault: bool) -> Result<usize, String> {
    let mut setup = on.setup().await;
    let outcome = sweep_killed(&setup, kills_wanted(on), fault).await;
    setup.clean().await;
    outcome
}

async fn sweep_killed(setup: &Setup, kills: usize, fault: bool) -> Result<usize, String> {
    let store = Store::open(&setup.config()).await.expect("store");
    let policy = kexara();
    let mut due = Due::default();
    due_records(&store, &policy, 40, &mut due).await;
    let mut killer = Killer::new();
    while killer.kills < kills {
        killer.run(setup, &["sweep", "--apply", "--batch-size", "3"], fault);
        let kills = killer.kills;
        let handled = check_sweep(&store, &due)
            .await
            .map_err(|e| format!("after kill {kills}: {e}"))?;
        if handled == due.len() {
            due_records(&store, &policy, 40, &mut due).await;
        }
    }
    let finished = setup.admin(&["sweep", "--apply"]);
    assert_eq!(finished.status.code(), Some(0), "the rerun completes");
    let handled = check_sweep(&store, &due).await?;
    assert_eq!(
        handled,
        due.len(),
        "every due record handled after the rerun"
    );
    eprintln!(
        "sweep on {}: {} kills in {} runs, {handled} records handled",
        store.connection().get_database_backend().as_str(),
        killer.kills,
        killer.runs
    );
    Ok(killer.kills)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_killed_at_random_points_keeps_every_invariant() {
    let kills = sweep_under_kills(On::Sqlite, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(kills >= kills_wanted(On::Sqlite));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_killed_at_random_points_keeps_every_invariant_on_postgres() {
    let kills = sweep_under_kills(On::Postgres, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(kills >= kills_wanted(On::Postgres));
}

/// The deliberately broken variant (audit entries in a separate transaction) is caught.
#[cfg(feature = "fault-injection")]
#[tokio::test(flavor = "multi_thread")]
async fn broken_sweep_with_its_audit_apart_is_caught() {
    let caught = sweep_under_kills(On::Sqlite, true).await;
    eprintln!("the broken variant: {caught:?}");
    assert!(
        caught
            .as_ref()
            .is_err_and(|e| e.contains("without its audit entry")),
        "the broken variant was not caught: {caught:?}"
    );
}

// ── erasure ────────────────────────────────────────────────────────────────────────────────

/// People with records in several modules; returns their ids.
async fn people_with_records(store: &Store, policy: &ValidPolicy, people: usize) -> Vec<PersonId> {
    let actor = store.audit().service("seed");
    let mut made = Vec::new();
    for n in 0..people {
        let person = NewPerson {
            display_name: format!("E{n}"),
            email: format!("e{n}@example.org"),
            date_of_birth: None,
        };
        let id = store
            .create_person(&person, actor, now())
            .await
            .expect("person");
        for (table, fields) in [
            (
                "enrolment",
                vec![
                    ("course_id", Field::plain(Uuid::now_v7())),
                    ("status", Field::plain("active")),
                    ("enrolled_at", Field::plain(now())),
                ],
            ),
            (
                "comment",
                vec![
                    ("course_id", Field::plain(Uuid::now_v7())),
                    ("body", Field::Sealed("Hi".into())),
                    ("status", Field::plain("approved")),
                    ("posted_at", Field::plain(now())),
                ],
            ),
            ("payment", payment(now())),
        ] {
            store
                .insert_record(policy, table, id, fields, actor, now())
                .await
                .expect("record");
        }
        made.push(id);
    }
    made
}

/// Where one person stands.
#[derive(Debug, PartialEq, Eq)]
enum Standing {
    Whole,
    Begun,
    Erased,
}

/// The first bind parameter in the backend's SQL.
fn first_parameter(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    }
}

async fn count_for(store: &Store, table: &str, column: &str, person: PersonId) -> i64 {
    let backend = store.connection().get_database_backend();
    let sql = format!(
        "SELECT COUNT(*) FROM {table} WHERE {column} = {}",
        first_parameter(backend)
    );
    store
        .connection()
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [person.as_uuid().into()],
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get_by_index::<i64>(0)
        .expect("count")
}

async fn check_person(
    store: &Store,
    person: PersonId,
    erasures: usize,
) -> Result<Standing, String> {
    let backend = store.connection().get_database_backend();
    let row = store
        .connection()
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT erasure_started_at IS NOT NULL, erased_at IS NOT NULL FROM person WHERE id = {}",
                first_parameter(backend)
            ),
            [person.as_uuid().into()],
        ))
        .await
        .expect("person")
        .expect("person row");
    let begun: bool = row.try_get_by_index(0).expect("flag");
    let erased: bool = row.try_get_by_index(1).expect("flag");
    let has_key = store.keys().get(person).await.expect("key store").is_some();
    let records = [
        count_for(store, "enrolment", "person_id", person).await,
        count_for(store, "comment", "person_id", person).await,
        count_for(store, "payment", "person_id", person).await,
    ];
    let all_there = records == [1, 1, 1];
    let all_gone = records == [0, 0, 0];
    if !all_there && !all_gone {
        return Err(format!("{person} is partially erased: {records:?}"));
    }
    match (begun, erased) {
        (false, false) if has_key && all_there && erasures == 0 => Ok(Standing::Whole),
        (true, false) if all_there && erasures == 0 => Ok(Standing::Begun),
        (true, true) if !has_key && all_gone && erasures == 1 => Ok(Standing::Erased),
        _ => Err(format!(
            "{person}: begun {begun}, erased {erased}, key {has_key}, records {records:?}, {erasures} erasure entries"
        )),
    }
}

async fn check_erasures(store: &Store, people: &[PersonId]) -> Result<usize, String> {
    store
        .audit()
        .verify(store.connection())
        .await
        .expect("the audit log can be read")
        .map_err(|e| format!("the audit chain does not verify: {e:?}"))?;
    let mut per_subject: BTreeMap<String, usize> = BTreeMap::new();
    for record in store
        .audit()
        .records(store.connection())
        .await
        .expect("audit")
    {
        let event = record.entry().expect("entry").event;
        if let (Action::Erase, Some(subject)) = (event.action, event.subject) {
            *per_subject.entry(subject.to_string()).or_insert(0) += 1;
        }
    }
    let mut erased = 0;
    for person in people {
        let entries = per_subject
            .get(&store.audit().subject(*person).to_string())
            .copied()
            .unwrap_or(0);
        if check_person(store, *person, entries).await? == Standing::Erased {
            erased += 1;
        }
    }
    Ok(erased)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_erasure_killed_at_random_points_never_leaves_a_partial_person() {
    erasure_under_kills(On::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_erasure_killed_at_random_points_never_leaves_a_partial_person_on_postgres() {
    erasure_under_kills(On::Postgres).await;
}

async fn erasure_under_kills(on: On) {
    let mut setup = on.setup().await;
    erasure_killed(&setup, kills_wanted(on)).await;
    setup.clean().await;
}

async fn erasure_killed(setup: &Setup, kills: usize) {
    let store = Store::open(&setup.config()).await.expect("store");
    let policy = kexara();
    let mut people = people_with_records(&store, &policy, 60).await;
    let mut next = 0;
    let mut handled = 0;
    let mut killer = Killer::new();
    while killer.kills < kills {
        let chunk: Vec<String> = people
            .iter()
            .skip(next)
            .take(8)
            .map(ToString::to_string)
            .collect();
        let mut args = vec!["person", "erase"];
        args.extend(chunk.iter().map(String::as_str));
        killer.run(setup, &args, false);
        let erased = check_erasures(&store, &people)
            .await
            .unwrap_or_else(|e| panic!("after kill {} (run {}): {e}", killer.kills, killer.runs));
        next = erased;
        handled = erased;
        if erased + 1 >= people.len() {
            people.extend(people_with_records(&store, &policy, 40).await);
        }
    }
    let resumed = setup.admin(&["person", "resume-erasures"]);
    assert_eq!(resumed.status.code(), Some(0), "the rerun completes");
    check_erasures(&store, &people)
        .await
        .unwrap_or_else(|e| panic!("after the rerun: {e}"));
    eprintln!(
        "erasure on {}: {} kills in {} runs, {handled} people erased before the last kill",
        store.connection().get_database_backend().as_str(),
        killer.kills,
        killer.runs
    );
}

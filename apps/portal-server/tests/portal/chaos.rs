//! Chaos: the portal is killed with SIGKILL (`kill -9`) at random moments while people book
//! tour seats and pay for them on the processor's page (whose webhook comes back to the
//! portal), buy courses, ask for copies of their data and the privacy office applies the
//! retention schedule — all at once. After every kill the store is opened as it was left,
//! before anything repairs it, and must hold every invariant:
//!
//! - the audit chain verifies;
//! - no departure is oversold, and its seat count is exactly the seats of its live bookings
//!   (no seat taken without its booking, no booking without its seats);
//! - every paid payment delivered what it bought (a paid booking is confirmed, a paid course
//!   is an enrolment) — the payment and its effect are one transaction;
//! - every payment event was applied at most once;
//! - the scheduled retention sweep (running every second here, beside the office's) is held
//!   by at most one instance, whose lease runs out within its 45 seconds.
//!
//! At the end of each portal's rounds, the scheduled sweep that the kills interrupted is taken
//! over and finished by the last instance, with nobody asking.
//!
//! Then the portal starts again on the same data and the next round begins; at the end a
//! round without a kill must complete a booking and its payment. `PLEDGE_CHAOS_KILLS` sets the
//! kills (default 10 on SQLite, 5 on PostgreSQL: the short version CI runs); `cargo xtask
//! chaos` runs the full version. The seed is printed; `PLEDGE_CHAOS_SEED` replays it.

use std::time::Duration;

use pledge_store::{Store, StoreConfig};
use sea_orm::{ConnectionTrait, Statement};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::payments::demo_session;
use crate::support::{Backend, Portal, SmallDisk, start_on, start_on_small_disk};

/// A small seeded generator (xorshift64*), enough to spread kill times and choices.
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let seed = std::env::var("PLEDGE_CHAOS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64 & 0xffff_ffff)
            });
        eprintln!("chaos seed: PLEDGE_CHAOS_SEED={seed}");
        Self(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn kills_wanted(backend: Backend) -> usize {
    let (variable, default) = match backend {
        Backend::Sqlite => ("PLEDGE_CHAOS_KILLS", 10),
        Backend::Postgres => ("PLEDGE_CHAOS_KILLS_POSTGRES", 5),
    };
    std::env::var(variable)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// What a request got, when the portal answered at all (a killed portal answers nothing).
struct Answer {
    status: u16,
    location: Option<String>,
}

/// Sends `request` to `addr`; `None` when the connection fails or breaks (the portal died).
async fn try_send(addr: &str, request: String) -> Option<Answer> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let text = String::from_utf8_lossy(&response);
        let head = text.split("\r\n\r\n").next()?;
        let mut lines = head.lines();
        let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
        let location = lines
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("location"))
            .map(|(_, value)| value.trim().to_owned());
        Some(Answer { status, location })
    };
    tokio::time::timeout(Duration::from_secs(60), exchange)
        .await
        .ok()
        .flatten()
}

/// `POST path` with `fields` as a browser on this site sends a form.
async fn post(addr: &str, path: &str, fields: &[(&str, &str)], cookie: &str) -> Option<Answer> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    try_send(
        addr,
        format!(
            "POST {path} HTTP/1.0\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
}

/// Pays on the sandbox processor's card page that `checkout` redirected to.
async fn pay(addr: &str, checkout: &Answer) -> Option<Answer> {
    let page = checkout.location.as_deref()?;
    let path = page.split_once(addr).map(|(_, path)| path)?;
    let card = [
        ("card_number", "4242424242424242"),
        ("expiry", "12/39"),
        ("cvc", "123"),
    ];
    post(addr, path, &card, "none=0").await
}

/// One seat on a departure of a demo tour, paid for.
async fn book_and_pay(addr: &str, cookie: &str, tour: &str, departure: &str) -> Option<Answer> {
    let booking = [
        ("departure", departure),
        ("traveller_1_name", "Ada Learner"),
        ("traveller_1_birth", "1990-05-01"),
        ("billing_name", "Ada Learner"),
    ];
    let booked = post(addr, &format!("/tours/{tour}/book"), &booking, cookie).await?;
    if booked.status != 303 {
        return Some(booked);
    }
    pay(addr, &booked).await
}

/// A course bought and paid for.
async fn buy_course(addr: &str, cookie: &str, course: &str) -> Option<Answer> {
    let checkout = post(addr, &format!("/courses/{course}/checkout"), &[], cookie).await?;
    if checkout.status != 303 {
        return Some(checkout);
    }
    pay(addr, &checkout).await
}

/// The departures of every demo tour, as (tour, departure id), read from the tour pages.
async fn departures(portal: &Portal, cookie: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for tour in [
        "rockies-by-rail",
        "quebec-winter-carnival",
        "bay-of-fundy-tides",
    ] {
        let page = portal.get(&format!("/tours/{tour}"), Some(cookie)).await;
        for (at, _) in page.body.match_indices("<option value=\"") {
            let id = &page.body[at + 15..];
            if let Some(id) = id.get(..36).filter(|id| id.matches('-').count() == 4) {
                found.push((tour.to_owned(), id.to_owned()));
            }
        }
    }
    found
}

/// The people and what they do in a round.
struct Workload {
    learner: String,
    guardian: String,
    officer: String,
    departures: Vec<(String, String)>,
}

impl Workload {
    async fn new(portal: &Portal) -> Self {
        let learner = demo_session(portal, "learner").await;
        Self {
            departures: departures(portal, &learner).await,
            guardian: demo_session(portal, "guardian").await,
            officer: demo_session(portal, "privacy-officer").await,
            learner,
        }
    }

    /// Everything a round does at once against `addr`.
    async fn round(&self, addr: &str, rng: &mut Rng) {
        let pick = |rng: &mut Rng| {
            let at = rng.below(self.departures.len() as u64) as usize;
            self.departures[at].clone()
        };
        let (tour_a, departure_a) = pick(rng);
        let (tour_b, departure_b) = pick(rng);
        let courses = ["itil-4-foundation", "prince2-foundation"];
        let course = courses[rng.below(2) as usize];
        let access = [("details", "Everything, please.")];
        let _ = tokio::join!(
            book_and_pay(addr, &self.learner, &tour_a, &departure_a),
            book_and_pay(addr, &self.guardian, &tour_b, &departure_b),
            buy_course(addr, &self.guardian, course),
            post(addr, "/account/privacy/access", &access, &self.learner),
            post(addr, "/office/retention/apply", &[], &self.officer),
        );
    }
}

/// The secrets a SQLite portal generated (outside its data directory), or the fixed test keys.
fn store_config(portal: &Portal) -> StoreConfig {
    let dir = portal.data_dir().expect("a data directory");
    let keys: [[u8; 32]; 4] = match portal.postgres_main() {
        Some(_) => [1u8, 2, 3, 4].map(|byte| [byte; 32]),
        None => {
            let text = std::fs::read_to_string(portal.secrets_file().unwrap()).unwrap();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            [
                "PLEDGE_MASTER_KEY",
                "PLEDGE_AUDIT_MAC_KEY",
                "PLEDGE_PSEUDONYM_KEY",
                "PLEDGE_CHECKPOINT_KEY",
            ]
            .map(|name| pledge_store::hex_key(name, json[name].as_str().unwrap()).unwrap())
        }
    };
    let (database_url, keystore_url) = match portal.postgres_main() {
        Some(main) => (main.clone(), main.replace("_main", "_keys")),
        None => {
            let file = |name: &str| format!("sqlite://{}?mode=rwc", dir.join(name).display());
            (file("portal.db"), file("keys.db"))
        }
    };
    let [master, mac, pseudonym, checkpoint] = keys;
    StoreConfig {
        database_url,
        keystore_url,
        master_key: pledge_store::MasterKey::new(master),
        audit_mac_key: mac,
        pseudonym_key: pseudonym,
        checkpoint_key: checkpoint,
    }
}

/// How many rows `sql` finds.
async fn count(store: &Store, sql: &str) -> usize {
    let backend = store.connection().get_database_backend();
    store
        .connection()
        .query_all_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .len()
}

/// Every invariant of the module's notes, on the store as the kill left it.
async fn check_invariants(config: &StoreConfig, round: usize) {
    let store = Store::open(config)
        .await
        .expect("the store opens after a kill");
    let verified = store.audit().verify(store.connection()).await.unwrap();
    assert!(
        verified.is_ok(),
        "round {round}: the audit chain does not verify: {verified:?}"
    );
    let oversold = count(
        &store,
        "SELECT d.id FROM departure d WHERE d.seats_taken > d.capacity OR d.seats_taken <> \
         (SELECT COALESCE(SUM(b.seats), 0) FROM tour_booking b \
          WHERE b.departure_id = d.id AND b.status <> 'cancelled')",
    )
    .await;
    assert_eq!(oversold, 0, "round {round}: seats and bookings disagree");
    let undelivered_bookings = count(
        &store,
        "SELECT p.id FROM payment p JOIN tour_booking b ON b.id = p.item_id \
         WHERE p.status = 'paid' AND b.status <> 'confirmed'",
    )
    .await;
    assert_eq!(
        undelivered_bookings, 0,
        "round {round}: a paid booking is not confirmed"
    );
    let undelivered_courses = count(
        &store,
        "SELECT p.id FROM payment p WHERE p.status = 'paid' AND p.item_kind = 'course' \
         AND NOT EXISTS (SELECT 1 FROM enrolment e \
                         WHERE e.person_id = p.person_id AND e.course_id = p.item_id)",
    )
    .await;
    assert_eq!(
        undelivered_courses, 0,
        "round {round}: a paid course has no enrolment"
    );
    let job = store
        .scheduled_job(pledge_store::schedule::RETENTION_JOB)
        .await
        .unwrap();
    if let Some((holder, until)) = job.and_then(|job| job.running) {
        let latest = time::OffsetDateTime::now_utc()
            + pledge_store::schedule::LEASE
            + time::Duration::SECOND;
        assert!(
            until <= latest,
            "round {round}: {holder} holds the scheduled sweep until {until}, past its lease"
        );
    }
    drop(store);
}

/// The portal's arguments here: the retention schedule applies itself every second.
const SCHEDULED: [&str; 2] = ["--sweep-every", "1s"];

/// Waits until the scheduled sweep has finished a run that began after `since` (the last
/// instance takes the job over once a killed holder's lease has run out).
async fn scheduled_sweep_finishes(config: &StoreConfig, since: time::OffsetDateTime) {
    let store = Store::open(config).await.unwrap();
    let give_up = std::time::Instant::now()
        + Duration::try_from(pledge_store::schedule::LEASE).unwrap()
        + Duration::from_secs(30);
    loop {
        let job = store
            .scheduled_job(pledge_store::schedule::RETENTION_JOB)
            .await
            .unwrap();
        let done = job.as_ref().is_some_and(|job| {
            job.last_outcome.as_deref() == Some("ok")
                && job.last_started_at.is_some_and(|at| at >= since)
        });
        if done {
            return;
        }
        assert!(
            std::time::Instant::now() < give_up,
            "the scheduled sweep was not finished after the kills: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Kills per portal: then a fresh one, so that its tours still have seats and its people
/// still have courses to buy.
const KILLS_PER_PORTAL: usize = 10;

/// Runs rounds against a fresh portal until it has been killed `kills` times (then stops it
/// with a round that must complete); the rounds it took.
async fn one_portal(backend: Backend, kills: usize, rng: &mut Rng) -> usize {
    let mut portal = start_on(backend, &SCHEDULED, None);
    let config = store_config(&portal);
    let workload = Workload::new(&portal).await;
    // How long a round takes, learnt from the rounds that finish before their kill.
    let mut window_ms = 300;
    let (mut killed, mut round) = (0, 0);
    while killed < kills {
        round += 1;
        let addr = portal.addr.clone();
        let delay = Duration::from_millis(rng.below(window_ms));
        let mut work_rng = Rng(rng.below(u64::MAX) | 1);
        let started = std::time::Instant::now();
        let finished = tokio::select! {
            () = workload.round(&addr, &mut work_rng) => true,
            () = tokio::time::sleep(delay) => false,
        };
        if finished {
            window_ms = u64::try_from(started.elapsed().as_millis())
                .unwrap_or(5_000)
                .clamp(5, 5_000);
            continue;
        }
        portal.kill();
        killed += 1;
        check_invariants(&config, round).await;
        window_ms = (window_ms * 11 / 10).min(5_000);
        // Sessions live in the store: the same cookies sign the same people in again.
        portal = portal.restart(&SCHEDULED, None);
    }
    let last_start = time::OffsetDateTime::now_utc() - time::Duration::SECOND;
    // A round without a kill completes, and a payment goes through.
    let addr = portal.addr.clone();
    workload.round(&addr, &mut Rng(7)).await;
    let paid = buy_course(&addr, &workload.learner, "prince2-foundation").await;
    assert!(paid.is_some(), "the portal answers after {killed} kills");
    scheduled_sweep_finishes(&config, last_start).await;
    portal.kill();
    check_invariants(&config, round + 1).await;
    round
}

async fn portal_under_kills(backend: Backend) {
    let kills = kills_wanted(backend);
    let mut rng = Rng::seeded();
    let (mut killed, mut rounds) = (0, 0);
    while killed < kills {
        let these = KILLS_PER_PORTAL.min(kills - killed);
        rounds += one_portal(backend, these, &mut rng).await;
        killed += these;
    }
    eprintln!("chaos: {killed} kills over {rounds} rounds, every invariant held");
}

#[tokio::test]
async fn the_portal_killed_at_random_moments_keeps_every_invariant() {
    portal_under_kills(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_portal_killed_at_random_moments_keeps_every_invariant_on_postgres() {
    portal_under_kills(Backend::Postgres).await;
}

/// The database goes away while people use the portal, and comes back: every request in
/// between gets a clear "please try again" (503, never a 500 or a wrong page), a form sent then
/// changes nothing, and the portal recovers on its own once the database is back.
#[tokio::test]
async fn the_database_going_away_gives_a_clear_answer_and_the_portal_recovers() {
    let portal = start_on(Backend::Postgres, &[], None);
    let main = portal.postgres_main().expect("on PostgreSQL");
    let name = main.rsplit('/').next().unwrap().to_owned();
    let learner = demo_session(&portal, "learner").await;
    let before = portal.get("/account/privacy", Some(&learner)).await;
    assert_eq!(before.status, 200);
    let requests_before = requests_in(&main).await;
    crate::support::run_admin(vec![
        format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    ]);
    for path in ["/account", "/account/privacy", "/learn"] {
        let reply = portal.get(path, Some(&learner)).await;
        assert_eq!(reply.status, 503, "{path} while the database is away");
        assert!(reply.body.contains("Please try again"), "{}", reply.body);
    }
    let access = [("details", "Everything, please.")];
    let sent = portal
        .post("/account/privacy/access", &access, Some(&learner))
        .await;
    assert_eq!(sent.status, 503, "a form while the database is away");
    crate::support::run_admin(vec![format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
    )]);
    let mut after = portal.get("/account/privacy", Some(&learner)).await;
    for _ in 0..20 {
        if after.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = portal.get("/account/privacy", Some(&learner)).await;
    }
    assert_eq!(after.status, 200, "the portal recovers without a restart");
    // The form sent while the database was away left nothing behind.
    assert_eq!(
        requests_in(&main).await,
        requests_before,
        "no request was recorded from the refused form"
    );
}

/// The disk under the SQLite files fills up while people use the portal, then space is freed
/// (no restart, no repair): a request that must write gets a clear "please try again" (503,
/// never a 500) and changes nothing; pages that only read may still answer; the log names the
/// cause; once there is room the same form succeeds, and the database and the audit chain are
/// whole.
#[tokio::test]
async fn a_full_disk_gives_a_clear_answer_writes_nothing_and_the_portal_recovers() {
    let portal = start_on_small_disk(SmallDisk::mount(256));
    let learner = demo_session(&portal, "learner").await;
    let config = store_config(&portal);
    let main = format!(
        "sqlite://{}?mode=ro",
        portal.data_dir().unwrap().join("portal.db").display()
    );
    let requests_before = requests_in(&main).await;

    let disk = portal.disk().expect("a portal on a disk of its own");
    let filler = disk.fill();
    assert_eq!(disk.free_bytes(), 0, "the disk is full");
    for path in ["/", "/privacy", "/account", "/account/privacy", "/learn"] {
        let reply = portal.get(path, Some(&learner)).await;
        eprintln!("GET {path} on a full disk: {}", reply.status);
        assert!(
            reply.status == 200 || (reply.status == 503 && reply.body.contains("Please try again")),
            "{path} on a full disk: {} {}",
            reply.status,
            reply.body
        );
    }
    let access = [("details", "Everything, please.")];
    let sent = portal
        .post("/account/privacy/access", &access, Some(&learner))
        .await;
    assert_eq!(sent.status, 503, "a form on a full disk: {}", sent.body);
    assert!(sent.body.contains("nothing was changed"), "{}", sent.body);
    let signin = [
        ("email", "instructor@demo.pledge.invalid"),
        ("password", crate::payments::DEMO_PASSWORD),
        ("next", "/"),
    ];
    let signed_in = portal.post("/signin", &signin, None).await;
    assert_eq!(signed_in.status, 503, "signing in needs a session written");
    let log = std::fs::read_to_string(&portal.log).unwrap();
    assert!(
        log.contains("its disk is full"),
        "the log names the cause:\n{log}"
    );
    assert_eq!(
        requests_in(&main).await,
        requests_before,
        "nothing recorded"
    );

    std::fs::remove_file(filler).unwrap();
    let again = portal
        .post("/account/privacy/access", &access, Some(&learner))
        .await;
    assert_eq!(
        again.status, 303,
        "the same form once there is room: {}",
        again.body
    );
    assert_eq!(requests_in(&main).await, requests_before + 1);
    assert_eq!(portal.post("/signin", &signin, None).await.status, 303);
    let store = Store::open(&config).await.expect("the store opens");
    let verified = store.audit().verify(store.connection()).await.unwrap();
    assert!(verified.is_ok(), "the audit chain verifies: {verified:?}");
    let integrity = store
        .connection()
        .query_one_raw(Statement::from_string(
            store.connection().get_database_backend(),
            "PRAGMA integrity_check".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(integrity.try_get_by_index::<String>(0).unwrap(), "ok");
}

/// How many requests (access, erasure, …) the main database at `url` holds.
async fn requests_in(url: &str) -> usize {
    let db = sea_orm::Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM subject_request".to_owned(),
        ))
        .await
        .unwrap();
    rows.len()
}

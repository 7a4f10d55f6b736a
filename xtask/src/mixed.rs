//! `cargo xtask load [--minutes M] [--quick]`: a sustained mixed workload against the portal
//! on loopback, then the same workload against two and three instances sharing one PostgreSQL
//! database behind a round-robin proxy.
//!
//! The workload: virtual users (threads), each signed in as a demo person, each from its own
//! loopback address (so the per-address limits see separate clients), looping through what
//! people do — browse the catalogue, a course and a tour; answer the cookie banner; open their
//! account pages; enrol in a free course; book a tour seat and pay on the processor's page
//! (whose webhook comes back); buy a course; ask for a copy of their data. Every answer is
//! timed per route; any 5xx fails the run.
//!
//! 1. One instance on SQLite for `--minutes` (default 30): p50/p99 per route, zero 5xx.
//! 2. One, two and three instances on one PostgreSQL behind the proxy (a browser's requests go
//!    to any instance): throughput each, and afterwards the scale-out invariants — no departure
//!    oversold, every outbox message sent exactly once (the mail files of all instances
//!    against the messages marked sent), sessions honoured by every instance (no signed-in
//!    request sent to sign in).
//!
//! `--quick` (what CI runs): 20 seconds per phase with the debug build.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::shell::{self, cargo};

/// Virtual users.
const USERS: usize = 16;
/// The demo people they sign in as (staff need no second step on the kexara pack).
const PEOPLE: [&str; 4] = ["learner", "guardian", "instructor", "support-agent"];
const DEMO_PASSWORD: &str = "demo tangerine orbit 2026";
const TOURS: [&str; 3] = [
    "rockies-by-rail",
    "quebec-winter-carnival",
    "bay-of-fundy-tides",
];

/// One answer, as the client saw it.
struct Answer {
    status: u16,
    location: Option<String>,
    cookies: Vec<String>,
    body: String,
}

/// Sends one HTTP/1.0 request from the loopback address `source` to `addr`.
fn send(addr: SocketAddr, source: Ipv4Addr, request: &str) -> Result<Answer> {
    let mut stream = connect_from(source, addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .context("no status line")?;
    let mut location = None;
    let mut cookies = Vec::new();
    for (name, value) in lines.filter_map(|l| l.split_once(':')) {
        if name.eq_ignore_ascii_case("location") {
            location = Some(value.trim().to_owned());
        } else if name.eq_ignore_ascii_case("set-cookie") {
            cookies.push(value.trim().to_owned());
        }
    }
    Ok(Answer {
        status,
        location,
        cookies,
        body: body.to_owned(),
    })
}

/// A TCP connection to `addr` from the loopback address `source` (each virtual user its own
/// client address, as the portal's per-address limits see people).
fn connect_from(source: Ipv4Addr, addr: SocketAddr) -> Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((source, 0)).into())?;
    socket.connect_timeout(&addr.into(), Duration::from_secs(10))?;
    Ok(socket.into())
}

/// What every route got: latencies in microseconds and statuses.
#[derive(Default)]
struct Tally {
    routes: BTreeMap<&'static str, (Vec<u32>, BTreeMap<u16, usize>)>,
    server_errors: Vec<String>,
    lost_sessions: usize,
}

impl Tally {
    fn record(&mut self, route: &'static str, took: Duration, answer: &Answer) {
        let entry = self.routes.entry(route).or_default();
        entry
            .0
            .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
        *entry.1.entry(answer.status).or_insert(0) += 1;
        if answer.status >= 500 {
            self.server_errors.push(format!(
                "{route}: {} {}",
                answer.status,
                answer.body.chars().take(200).collect::<String>()
            ));
        }
    }

    fn requests(&self) -> usize {
        self.routes.values().map(|(l, _)| l.len()).sum()
    }
}

/// A virtual user: a session and a small generator.
struct User {
    addr: SocketAddr,
    source: Ipv4Addr,
    cookie: String,
    rng: u64,
    tally: Tally,
}

impl User {
    fn next(&mut self, n: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % n.max(1)
    }

    /// One of `items`, chosen at random.
    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        let at = usize::try_from(self.next(items.len() as u64)).unwrap_or(0);
        items.get(at).cloned()
    }

    fn get(&mut self, route: &'static str, path: &str) -> Result<Answer> {
        let request = format!(
            "GET {path} HTTP/1.0\r\nHost: {}\r\nCookie: {}\r\n\r\n",
            self.addr, self.cookie
        );
        self.timed(route, &request)
    }

    fn post(&mut self, route: &'static str, path: &str, form: &[(&str, &str)]) -> Result<Answer> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = format!(
            "POST {path} HTTP/1.0\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.cookie,
            body.len(),
            addr = self.addr,
        );
        self.timed(route, &request)
    }

    fn timed(&mut self, route: &'static str, request: &str) -> Result<Answer> {
        let started = Instant::now();
        let answer = send(self.addr, self.source, request)?;
        self.tally.record(route, started.elapsed(), &answer);
        if answer
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/signin?next="))
        {
            self.tally.lost_sessions += 1;
        }
        Ok(answer)
    }

    /// Pays on the processor's page a checkout redirected to.
    fn pay(&mut self, checkout: &Answer) -> Result<()> {
        let Some(page) = checkout.location.clone() else {
            return Ok(());
        };
        let path = page
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|at| rest[at..].to_owned()))
            .unwrap_or(page);
        if !path.starts_with("/sandbox-processor/") {
            return Ok(());
        }
        let card = [
            ("card_number", "4242424242424242"),
            ("expiry", "12/39"),
            ("cvc", "123"),
        ];
        self.post("POST /sandbox-processor/pay/{token}", &path, &card)?;
        Ok(())
    }

    /// One step of the workload, chosen by weight.
    fn step(&mut self) -> Result<()> {
        match self.next(100) {
            0..=29 => {
                self.get("GET /", "/")?;
            }
            30..=39 => {
                self.get("GET /courses/{slug}", "/courses/itil-4-foundation")?;
            }
            40..=49 => {
                let tour = self.pick(&TOURS).unwrap_or("rockies-by-rail");
                self.get("GET /tours/{slug}", &format!("/tours/{tour}"))?;
            }
            50..=57 => {
                let answer = if self.next(2) == 0 {
                    "accept-all"
                } else {
                    "reject-all"
                };
                self.post(
                    "POST /cookies",
                    "/cookies",
                    &[("cookie_answer", answer), ("next", "/")],
                )?;
            }
            58..=71 => {
                let pages = ["/account", "/account/privacy", "/learn", "/tours/bookings"];
                let page = self.pick(&pages).unwrap_or("/account");
                self.get("GET /account…", page)?;
            }
            72..=79 => {
                self.post(
                    "POST /courses/{slug}/enrol",
                    "/courses/privacy-essentials/enrol",
                    &[],
                )?;
            }
            80..=91 => self.book_a_seat()?,
            92..=96 => {
                let courses = ["itil-4-foundation", "prince2-foundation"];
                let course = self.pick(&courses).unwrap_or("itil-4-foundation");
                let checkout = self.post(
                    "POST /courses/{slug}/checkout",
                    &format!("/courses/{course}/checkout"),
                    &[("billing_name", "Ada Learner")],
                )?;
                self.pay(&checkout)?;
            }
            _ => {
                self.post(
                    "POST /account/privacy/access",
                    "/account/privacy/access",
                    &[("details", "A copy of everything, please.")],
                )?;
            }
        }
        Ok(())
    }

    fn book_a_seat(&mut self) -> Result<()> {
        let tour = self.pick(&TOURS).unwrap_or("rockies-by-rail");
        let page = self.get("GET /tours/{slug}", &format!("/tours/{tour}"))?;
        let departures: Vec<String> = page
            .body
            .match_indices("<option value=\"")
            .filter_map(|(at, _)| page.body.get(at + 15..at + 51).map(str::to_owned))
            .filter(|id| id.matches('-').count() == 4)
            .collect();
        let Some(departure) = self.pick(&departures) else {
            return Ok(());
        };
        let booked = self.post(
            "POST /tours/{slug}/book",
            &format!("/tours/{tour}/book"),
            &[
                ("departure", &departure),
                ("traveller_1_name", "Ada Learner"),
                ("traveller_1_birth", "1990-05-01"),
                ("billing_name", "Ada Learner"),
            ],
        )?;
        if booked.status == 303 {
            self.pay(&booked)?;
        }
        Ok(())
    }
}

/// `application/x-www-form-urlencoded` encoding of `value`.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Signs `person` in; the session cookie's `name=value`.
pub fn sign_in(addr: SocketAddr, person: &str) -> Result<String> {
    let body = format!(
        "email={}&password={}&next=%2F",
        encode(&format!("{person}@demo.pledge.invalid")),
        encode(DEMO_PASSWORD)
    );
    let request = format!(
        "POST /signin HTTP/1.0\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = send(addr, Ipv4Addr::LOCALHOST, &request)?;
    answer
        .cookies
        .iter()
        .find(|c| c.contains("session"))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .with_context(|| format!("{person} could not sign in: {}", answer.status))
}

/// Runs the workload against `addr` for `length`; every user's tally.
fn drive(addr: SocketAddr, length: Duration) -> Result<Vec<Tally>> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut users = Vec::new();
    for index in 0..USERS {
        let person = PEOPLE
            .get(index % PEOPLE.len())
            .copied()
            .unwrap_or("learner");
        let cookie = sign_in(addr, person)?;
        users.push(User {
            addr,
            source: Ipv4Addr::new(127, 2, 0, u8::try_from(index + 1).unwrap_or(1)),
            cookie,
            rng: 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1),
            tally: Tally::default(),
        });
    }
    let handles: Vec<_> = users
        .into_iter()
        .map(|mut user| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Err(error) = user.step() {
                        user.tally
                            .server_errors
                            .push(format!("no answer: {error:#}"));
                    }
                }
                user.tally
            })
        })
        .collect();
    std::thread::sleep(length);
    stop.store(true, Ordering::Relaxed);
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .map_err(|_| anyhow::anyhow!("a virtual user panicked"))
        })
        .collect()
}

/// Merges every user's tally.
fn merged(tallies: Vec<Tally>) -> Tally {
    let mut all = Tally::default();
    for tally in tallies {
        for (route, (latencies, statuses)) in tally.routes {
            let entry = all.routes.entry(route).or_default();
            entry.0.extend(latencies);
            for (status, n) in statuses {
                *entry.1.entry(status).or_insert(0) += n;
            }
        }
        all.server_errors.extend(tally.server_errors);
        all.lost_sessions += tally.lost_sessions;
    }
    all
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted
        .get(at)
        .or(sorted.last())
        .map_or(0.0, |&micros| f64::from(micros) / 1000.0)
}

/// The per-route table of a run.
fn route_table(tally: &mut Tally, seconds: f64) -> String {
    let mut out =
        String::from("| route | requests | p50 | p99 | statuses |\n|---|---|---|---|---|\n");
    for (route, (latencies, statuses)) in &mut tally.routes {
        latencies.sort_unstable();
        let statuses: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        out.push_str(&format!(
            "| {route} | {} | {:.1} ms | {:.1} ms | {} |\n",
            latencies.len(),
            percentile(latencies, 0.5),
            percentile(latencies, 0.99),
            statuses.join(" ")
        ));
    }
    out.push_str(&format!(
        "\n{} requests in {seconds:.0} s ({:.0}/s), {} server errors\n",
        tally.requests(),
        tally.requests() as f64 / seconds.max(1.0),
        tally.server_errors.len()
    ));
    out
}

/// A round-robin TCP proxy on `listener` in front of `backends`: each connection (one
/// request, HTTP/1.0) goes to the next instance. Runs until the process ends.
fn proxy(listener: TcpListener, backends: Vec<SocketAddr>) -> Result<SocketAddr> {
    let addr = listener.local_addr()?;
    let next = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let turn = next.fetch_add(1, Ordering::Relaxed) % backends.len().max(1);
            let Some(&backend) = backends.get(turn) else {
                continue;
            };
            std::thread::spawn(move || {
                let Ok(server) = TcpStream::connect(backend) else {
                    return;
                };
                let (Ok(mut client_read), Ok(mut server_write)) =
                    (client.try_clone(), server.try_clone())
                else {
                    return;
                };
                let upstream = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_read, &mut server_write);
                    let _ = server_write.shutdown(std::net::Shutdown::Write);
                });
                let (mut server_read, mut client_write) = (server, client);
                let _ = std::io::copy(&mut server_read, &mut client_write);
                let _ = client_write.shutdown(std::net::Shutdown::Write);
                let _ = upstream.join();
            });
        }
    });
    Ok(addr)
}

/// A portal instance, stopped when dropped.
pub struct Instance {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    data: PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary` on `data` at `addr` (port 0: any) with `env`, telling it people reach it
/// at `public_url` (default: its own address, which the forgery check then accepts).
pub fn start(
    binary: &Path,
    data: &Path,
    env: &[(String, String)],
    addr: &str,
    public_url: Option<&str>,
) -> Result<Instance> {
    std::fs::create_dir_all(data)?;
    let mut command = shell::command(&binary.to_string_lossy());
    command
        .args(["--addr", addr, "--data-dir"])
        .arg(data)
        .arg("--site-root")
        .arg(data.join("site"))
        .env_remove("DATABASE_URL")
        .env_remove("PLEDGE_SMTP_URL")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(data.with_extension("log"))?);
    if let Some(url) = public_url {
        command.args(["--public-url", url]);
    }
    let mut child = command.spawn().context("starting the portal")?;
    let addr = crate::load::listening_address(&mut child)?.parse()?;
    Ok(Instance {
        child,
        addr,
        data: data.to_path_buf(),
    })
}

/// Runs `sql` with `psql` on `url`; its output, one value per line.
fn psql(url: &str, sql: &str) -> Result<String> {
    let output = std::process::Command::new("psql")
        .args([url, "-tAc", sql])
        .output()
        .context("running psql")?;
    if !output.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `server` (a `postgres://…/db` address) with its database replaced by `name`.
fn database(server: &str, name: &str) -> String {
    let base = server.rsplit_once('/').map_or(server, |(b, _)| b);
    format!("{base}/{name}")
}

/// What a scale-out phase found.
struct Scale {
    instances: usize,
    per_second: f64,
    server_errors: usize,
    lost_sessions: usize,
    receipts_sent: usize,
    receipt_mails: usize,
    duplicate_mails: usize,
    oversold: usize,
}

/// The number of `Subject: Your receipt …` mails under `dirs`, and how many of them repeat one
/// already counted.
fn receipt_mails(dirs: &[PathBuf]) -> (usize, usize) {
    let mut seen = std::collections::BTreeSet::new();
    let (mut mails, mut repeated) = (0, 0);
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("mail")) else {
            continue;
        };
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if let Some(subject) = text
                .lines()
                .find_map(|l| l.strip_prefix("Subject: Your receipt "))
            {
                mails += 1;
                if !seen.insert(subject.to_owned()) {
                    repeated += 1;
                }
            }
        }
    }
    (mails, repeated)
}

/// `instances` portals on fresh PostgreSQL databases behind the proxy, driven for `length`.
fn scale_phase(
    binary: &Path,
    work: &Path,
    server: &str,
    instances: usize,
    length: Duration,
) -> Result<Scale> {
    let stem = format!("pledge_load_{}_{instances}", std::process::id());
    let (main, keys) = (format!("{stem}_main"), format!("{stem}_keys"));
    for name in [&main, &keys] {
        psql(
            server,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
        psql(server, &format!("CREATE DATABASE {name}"))?;
    }
    let key = |byte: u8| format!("{byte:02x}").repeat(32);
    let env = vec![
        ("DATABASE_URL".to_owned(), database(server, &main)),
        ("PLEDGE_KEYSTORE_URL".to_owned(), database(server, &keys)),
        ("PLEDGE_MASTER_KEY".to_owned(), key(1)),
        ("PLEDGE_AUDIT_MAC_KEY".to_owned(), key(2)),
        ("PLEDGE_PSEUDONYM_KEY".to_owned(), key(3)),
        ("PLEDGE_CHECKPOINT_KEY".to_owned(), key(4)),
    ];
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let public_url = format!("http://{}", listener.local_addr()?);
    let mut running = Vec::new();
    for n in 0..instances {
        let data = work.join(format!("pg{instances}-instance{n}"));
        let _ = std::fs::remove_dir_all(&data);
        // One after another: the first migrates and adds the demo data.
        running.push(start(
            binary,
            &data,
            &env,
            "127.0.0.1:0",
            Some(&public_url),
        )?);
    }
    let proxy_addr = proxy(listener, running.iter().map(|i| i.addr).collect())?;
    let started = Instant::now();
    let tally = merged(drive(proxy_addr, length)?);
    let seconds = started.elapsed().as_secs_f64();
    // Let the outboxes deliver what the payments queued.
    std::thread::sleep(Duration::from_secs(5));
    let main_url = database(server, &main);
    let count = |sql: &str| -> Result<usize> {
        Ok(psql(&main_url, sql)?
            .lines()
            .next()
            .unwrap_or("0")
            .trim()
            .parse()
            .unwrap_or(0))
    };
    let receipts_sent = count(
        "SELECT count(*) FROM outbox WHERE kind = 'payment-receipt' AND sent_at IS NOT NULL",
    )?;
    let oversold = count(
        "SELECT count(*) FROM departure d WHERE d.seats_taken > d.capacity OR d.seats_taken <> \
         (SELECT COALESCE(SUM(b.seats), 0) FROM tour_booking b \
          WHERE b.departure_id = d.id AND b.status <> 'cancelled')",
    )?;
    let dirs: Vec<PathBuf> = running.iter().map(|i| i.data.clone()).collect();
    drop(running);
    let (receipt_mails, duplicate_mails) = receipt_mails(&dirs);
    for name in [&main, &keys] {
        psql(
            server,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
    }
    Ok(Scale {
        instances,
        per_second: tally.requests() as f64 / seconds,
        server_errors: tally.server_errors.len(),
        lost_sessions: tally.lost_sessions,
        receipts_sent,
        receipt_mails,
        duplicate_mails,
        oversold,
    })
}

/// Runs both parts (see the module's notes) and prints their tables.
pub fn run(root: &Path, minutes: u64, quick: bool) -> Result<()> {
    let server = shell::environment(crate::postgres::URL_VARIABLE)
        .context("no PostgreSQL server (the xtask provides one)")?;
    let mut build = vec!["build", "-p", "portal-server"];
    if !quick {
        build.push("--release");
    }
    let binary = shell::built_artifact(root, &cargo(), &build, "portal-server", "portal-server")?;
    let work = crate::portal::target_dir(root).join("load");
    let _ = std::fs::remove_dir_all(&work);
    let (length, phase) = if quick {
        (Duration::from_secs(20), Duration::from_secs(20))
    } else {
        (Duration::from_secs(minutes * 60), Duration::from_secs(120))
    };

    eprintln!("xtask: one instance on SQLite for {} s", length.as_secs());
    let data = work.join("sqlite");
    let single = start(&binary, &data, &[], "127.0.0.1:0", None)?;
    let started = Instant::now();
    let mut tally = merged(drive(single.addr, length)?);
    let seconds = started.elapsed().as_secs_f64();
    drop(single);
    println!("### Mixed workload, one instance on SQLite, {USERS} virtual users\n");
    println!("{}", route_table(&mut tally, seconds));
    let mut failures: Vec<String> = tally.server_errors.iter().take(10).cloned().collect();

    let mut scales = Vec::new();
    for instances in [1, 2, 3] {
        eprintln!(
            "xtask: {instances} instance(s) on PostgreSQL for {} s",
            phase.as_secs()
        );
        scales.push(scale_phase(&binary, &work, &server, instances, phase)?);
    }
    let base = scales.first().map_or(1.0, |s| s.per_second.max(1.0));
    println!("### Instances on one PostgreSQL behind a round-robin proxy\n");
    println!(
        "| instances | req/s | vs one | 5xx | signed-in requests sent to sign in | receipts sent / mailed / mailed twice | departures oversold |"
    );
    println!("|---|---|---|---|---|---|---|");
    for s in &scales {
        println!(
            "| {} | {:.0} | {:.2}x | {} | {} | {} / {} / {} | {} |",
            s.instances,
            s.per_second,
            s.per_second / base,
            s.server_errors,
            s.lost_sessions,
            s.receipts_sent,
            s.receipt_mails,
            s.duplicate_mails,
            s.oversold
        );
        if s.server_errors > 0
            || s.lost_sessions > 0
            || s.oversold > 0
            || s.duplicate_mails > 0
            || s.receipt_mails != s.receipts_sent
        {
            failures.push(format!("{} instance(s): an invariant broke", s.instances));
        }
    }
    if !failures.is_empty() {
        bail!("the load run failed:\n  {}", failures.join("\n  "));
    }
    Ok(())
}

//! A running portal on a fresh data directory, a small HTTP/1.0 client that keeps the
//! response's head, and an SMTP sink that keeps every message it is sent.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as AsyncBufReader};
use tokio::net::TcpListener;

/// A running portal, stopped when dropped (and its PostgreSQL databases with it).
pub struct Portal {
    child: Child,
    pub addr: String,
    /// Where the server's own messages (stderr) go.
    pub log: std::path::PathBuf,
    _dir: Option<DataDir>,
    databases: Option<Databases>,
    /// The filesystem of its own the data lives on, unmounted after the portal stops.
    disk: Option<SmallDisk>,
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let start = log.char_indices().rev().nth(6000).map_or(0, |(i, _)| i);
            let tail = &log[start..];
            eprintln!("--- the portal's log ({}) ---\n{tail}", self.log.display());
        }
        if let Some(databases) = self.databases.take() {
            databases.drop_all();
        }
    }
}

impl Portal {
    /// The main PostgreSQL database's address, when the portal runs on PostgreSQL.
    pub fn postgres_main(&self) -> Option<String> {
        self.databases.as_ref().map(|d| d.url(0))
    }

    /// Stops this portal and starts it again on the same data (its directory, or its
    /// PostgreSQL databases) with `args`, as an operator restarting it with a new pack would.
    pub fn restart(mut self, args: &[&str], mail: Option<&Mailbox>) -> Portal {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = self
            ._dir
            .take()
            .expect("a portal started on data of its own");
        let databases = self.databases.take();
        let env = databases.as_ref().map(postgres_env).unwrap_or_default();
        drop(self);
        let mut portal = launch(&dir.0, args, mail, &env);
        portal._dir = Some(dir);
        portal.databases = databases;
        portal
    }

    /// Kills the portal with SIGKILL, as a crash would, leaving its data as it was.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The filesystem of its own the data lives on, for a portal started on one.
    pub fn disk(&self) -> Option<&SmallDisk> {
        self.disk.as_ref()
    }

    /// The generated secrets of a SQLite portal, outside its data directory.
    pub fn secrets_file(&self) -> Option<std::path::PathBuf> {
        self.data_dir().map(secrets_file_of)
    }

    /// The data directory, when the test made one.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        match &self.disk {
            Some(disk) => Some(disk.data.as_path()),
            None => self._dir.as_ref().map(|d| d.0.as_path()),
        }
    }
}

/// The demo's people, by the name of their account (and of their role, for staff), besides
/// the young learner.
pub const DEMO_PEOPLE: [&str; 9] = [
    "learner",
    "instructor",
    "tour-coordinator",
    "support-agent",
    "content-moderator",
    "finance",
    "privacy-officer",
    "administrator",
    "guardian",
];

/// Where a portal keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite files in the data directory.
    Sqlite,
    /// Two fresh databases on the test PostgreSQL server (`PLEDGE_TEST_POSTGRES`).
    Postgres,
}

impl Backend {
    /// Both, SQLite first.
    pub const BOTH: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
}

fn postgres_admin_url() -> String {
    std::env::var("PLEDGE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh main database and key store on the test server.
struct Databases {
    names: [String; 2],
}

impl Databases {
    fn create() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let stem = format!("pledge_portal_{}_{nanos}", std::process::id());
        let names = [format!("{stem}_main"), format!("{stem}_keys")];
        run_admin(
            names
                .iter()
                .map(|n| format!("CREATE DATABASE {n}"))
                .collect(),
        );
        Self { names }
    }

    pub fn url(&self, index: usize) -> String {
        let admin = postgres_admin_url();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        format!("{base}/{}", self.names[index])
    }

    fn drop_all(self) {
        run_admin(
            self.names
                .iter()
                .map(|n| format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                .collect(),
        );
    }
}

/// Runs `statements` on the admin database, on a thread of its own (callers may be inside
/// an async runtime or a `Drop`).
pub fn run_admin(statements: Vec<String>) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use sea_orm::ConnectionTrait;
            let admin = sea_orm::Database::connect(postgres_admin_url())
                .await
                .expect("the test PostgreSQL server answers");
            for statement in statements {
                admin.execute_unprepared(&statement).await.unwrap();
            }
        });
    })
    .join()
    .unwrap();
}

/// A data directory, removed when dropped.
pub struct DataDir(pub std::path::PathBuf);

impl DataDir {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        // Tests start portals at the same moment: a counter keeps their directories apart
        // even when the clock gives them the same reading.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self(std::env::temp_dir().join(format!("pledge-portal-{}-{nanos}-{n}", std::process::id())))
    }
}

impl DataDir {
    /// Where the portal keeps its generated secrets by default: outside the data directory.
    pub fn secrets_file(&self) -> std::path::PathBuf {
        secrets_file_of(&self.0)
    }
}

/// The default secrets file of a portal whose data is in `data`.
pub fn secrets_file_of(data: &std::path::Path) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}.secrets", data.display())).join("secrets.json")
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        if let Some(secrets) = self.secrets_file().parent() {
            let _ = std::fs::remove_dir_all(secrets);
        }
    }
}

/// Starts the portal on `dir` (removed when the portal stops) with `args`, sending mail to
/// `mail` when given.
pub fn start_with(dir: DataDir, args: &[&str], mail: Option<&Mailbox>) -> Portal {
    let mut portal = start_at(&dir.0, args, mail);
    portal._dir = Some(dir);
    portal
}

/// Starts the portal on `backend`, otherwise as [`start_with`].
pub fn start_on(backend: Backend, args: &[&str], mail: Option<&Mailbox>) -> Portal {
    match backend {
        Backend::Sqlite => start_with(DataDir::new(), args, mail),
        Backend::Postgres => {
            let databases = Databases::create();
            let dir = DataDir::new();
            let env = postgres_env(&databases);
            let mut portal = launch(&dir.0, args, mail, &env);
            portal._dir = Some(dir);
            portal.databases = Some(databases);
            portal
        }
    }
}

/// The environment that points a portal at `databases`, with fixed test secrets.
fn postgres_env(databases: &Databases) -> Vec<(String, String)> {
    let key = |byte: u8| format!("{byte:02x}").repeat(32);
    vec![
        ("DATABASE_URL".to_owned(), databases.url(0)),
        ("PLEDGE_KEYSTORE_URL".to_owned(), databases.url(1)),
        ("PLEDGE_MASTER_KEY".to_owned(), key(1)),
        ("PLEDGE_AUDIT_MAC_KEY".to_owned(), key(2)),
        ("PLEDGE_PSEUDONYM_KEY".to_owned(), key(3)),
        ("PLEDGE_CHECKPOINT_KEY".to_owned(), key(4)),
    ]
}

/// Starts the portal on the data directory `dir`, which outlives it.
pub fn start_at(dir: &std::path::Path, args: &[&str], mail: Option<&Mailbox>) -> Portal {
    launch(dir, args, mail, &[])
}

fn launch(
    dir: &std::path::Path,
    args: &[&str],
    mail: Option<&Mailbox>,
    env: &[(String, String)],
) -> Portal {
    launch_logging_to(dir, &dir.join("server.log"), args, mail, env)
}

/// Starts the portal on SQLite files in `disk`'s data directory, its log beside (not on) the
/// small filesystem, so that a full disk does not also silence the server's messages.
pub fn start_on_small_disk(disk: SmallDisk) -> Portal {
    let log = disk.dir.0.join("server.log");
    let mut portal = launch_logging_to(&disk.data, &log, &[], None, &[]);
    portal.disk = Some(disk);
    portal
}

fn launch_logging_to(
    dir: &std::path::Path,
    log: &std::path::Path,
    args: &[&str],
    mail: Option<&Mailbox>,
    env: &[(String, String)],
) -> Portal {
    std::fs::create_dir_all(dir).unwrap();
    let log = log.to_owned();
    let mut command = Command::new(env!("CARGO_BIN_EXE_portal-server"));
    command
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(args)
        .args(site_root())
        .env_remove("DATABASE_URL")
        .env_remove("PLEDGE_SMTP_URL")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    if let Some(mail) = mail {
        command.env("PLEDGE_SMTP_URL", format!("smtp://{}", mail.addr));
    }
    let mut child = command.spawn().expect("the portal starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the portal says where it listens");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    Portal {
        child,
        addr,
        log,
        _dir: None,
        databases: None,
        disk: None,
    }
}

/// A filesystem of its own (a tmpfs of a given size) holding a data directory, so that a test
/// can fill it as a full disk would be; unmounted and removed when dropped. Mounting needs
/// root (or `CAP_SYS_ADMIN`), which the test command and CI have.
pub struct SmallDisk {
    dir: DataDir,
    /// The data directory: the mount point.
    pub data: std::path::PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes` for a new data directory.
    ///
    /// # Panics
    /// When the mount is refused: the test cannot run without it, and says so.
    pub fn mount(megabytes: u32) -> Self {
        let dir = DataDir::new();
        let data = dir.0.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={megabytes}m,mode=0700"),
                "tmpfs",
            ])
            .arg(&data)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a {megabytes} MB tmpfs at {} was refused: this test fills a disk of \
             its own and needs root (or CAP_SYS_ADMIN) to mount one",
            data.display()
        );
        Self { dir, data }
    }

    /// Fills the disk with one file until no byte more fits; deleting that file frees it.
    pub fn fill(&self) -> std::path::PathBuf {
        use std::io::Write as _;
        let path = self.data.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 1] {
            let zeros = vec![0u8; chunk];
            loop {
                match file.write(&zeros) {
                    Ok(written) if written == chunk => {}
                    Ok(_) => break,
                    Err(error) if error.raw_os_error() == Some(28) => break,
                    Err(error) => panic!("filling {}: {error}", path.display()),
                }
            }
        }
        path
    }

    /// Bytes still free on the disk.
    pub fn free_bytes(&self) -> u64 {
        let output = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&self.data)
            .output()
            .expect("df runs");
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.data).status();
    }
}

/// `--site-root` with the built bundle, when the test command built one (`PLEDGE_SITE_ROOT`).
fn site_root() -> Vec<String> {
    std::env::var("PLEDGE_SITE_ROOT")
        .map(|root| vec!["--site-root".to_owned(), root])
        .unwrap_or_default()
}

/// The portal with the demo data and the default pack, without mail.
pub fn start() -> Portal {
    start_with(DataDir::new(), &[], None)
}

/// One HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Set-Cookie` header for `cookie`, if the response sets it.
    pub fn set_cookie(&self, cookie: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&format!("{cookie}=")))
    }

    /// The `name=value` pair a `Set-Cookie` for `cookie` sets.
    pub fn cookie_pair(&self, cookie: &str) -> String {
        let set = self
            .set_cookie(cookie)
            .unwrap_or_else(|| panic!("no {cookie} cookie set: {self:?}"));
        set.split(';').next().unwrap().to_owned()
    }

    /// Where a redirect goes.
    pub fn location(&self) -> &str {
        self.header("location")
            .unwrap_or_else(|| panic!("not a redirect: {} {}", self.status, self.body))
    }
}

/// How long a test waits for the portal to answer one request.
const ANSWER_WITHIN: Duration = Duration::from_secs(120);

impl Portal {
    async fn send(&self, request: String) -> Reply {
        self.send_from(None, request).await
    }

    /// Sends `request` as it is written from the loopback address `source` (another client,
    /// as far as the portal's per-address limits can tell).
    pub async fn raw_from(&self, source: std::net::Ipv4Addr, request: String) -> Reply {
        self.send_from(Some(source), request).await
    }

    async fn send_from(&self, source: Option<std::net::Ipv4Addr>, request: String) -> Reply {
        let first_line = request.lines().next().unwrap_or_default().to_owned();
        let exchange = async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            if let Some(source) = source {
                socket.bind((source, 0).into()).unwrap();
            }
            let mut stream = socket.connect(self.addr.parse().unwrap()).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await.unwrap();
            response
        };
        // A request the portal never answers fails here, naming it, instead of hanging the run.
        // (Dropping the portal while panicking prints its log.)
        let Ok(response) = tokio::time::timeout(ANSWER_WITHIN, exchange).await else {
            panic!("no answer to {first_line} within {ANSWER_WITHIN:?}");
        };
        // Binary bodies (PDFs) read lossily: the tests look at their ASCII parts.
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok())
            .expect("a status code");
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    /// Sends `request` as it is written.
    pub async fn raw(&self, request: String) -> Reply {
        self.send(request).await
    }

    /// `GET path` as a browser without JavaScript asks, with `cookie` (`name=value`) if given.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        self.send(format!(
            "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: text/html\r\n{cookie}\r\n",
            self.addr
        ))
        .await
    }

    /// `POST path` with form `fields`, as a browser sends a form from this site.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        self.post_from(path, fields, cookie, &format!("http://{}", self.addr))
            .await
    }

    /// `POST path` from a page whose origin is `origin`.
    pub async fn post_from(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
        origin: &str,
    ) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        self.send(format!(
            "POST {path} HTTP/1.0\r\nHost: {}\r\nAccept: text/html\r\nOrigin: {origin}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{cookie}\r\n{body}",
            self.addr,
            body.len()
        ))
        .await
    }
}

/// What a sink keeps: each message's recipients and its whole text.
type Kept = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// The messages an SMTP sink received: (recipients, whole message).
pub struct Mailbox {
    pub addr: String,
    messages: Kept,
}

impl Mailbox {
    /// An SMTP sink on a free port of the loopback interface.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&messages);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_smtp(stream, Arc::clone(&kept)));
            }
        });
        Self { addr, messages }
    }

    /// Every message sent to `to` so far.
    pub fn to(&self, to: &str) -> Vec<String> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|(rcpt, _)| rcpt.iter().any(|r| r == to))
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// How many messages arrived in all.
    pub fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }

    /// The link to `path/…` in the latest message to `to`, waiting up to ten seconds for it.
    pub async fn link(&self, to: &str, path: &str) -> String {
        for _ in 0..100 {
            if let Some(link) = self.to(to).last().and_then(|m| link_in(m, path)) {
                return link;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no message with a {path} link reached {to}: {:?}",
            self.to(to)
        );
    }
}

/// The path of the first link to `/{path}/…` in `message`.
pub fn link_in(message: &str, path: &str) -> Option<String> {
    let marker = format!("/{path}/");
    let start = message.find(&marker)?;
    let rest = &message[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Speaks just enough SMTP to take messages: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET,
/// NOOP and QUIT.
async fn serve_smtp(stream: tokio::net::TcpStream, messages: Kept) {
    let (read, mut write) = stream.into_split();
    let mut lines = AsyncBufReader::new(read);
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink\r\n"
        } else if command.starts_with("MAIL FROM") || command.starts_with("RSET") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            recipients.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut message = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                message.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            messages
                .lock()
                .unwrap()
                .push((std::mem::take(&mut recipients), message));
            b"250 kept\r\n"
        } else if command == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// Signs the demo person `role` in and returns the session cookie `cookie` (the pack's own
/// session cookie name) as a `name=value` pair.
pub async fn sign_in_demo(portal: &Portal, role: &str, cookie: &str) -> String {
    demo_sign_in(portal, role).await.cookie_pair(cookie)
}

/// Signs the demo person `role` in and returns the first cookie set, as a `name=value` pair
/// (for packs whose session cookie's name carries a hash, as JTEC's WordPress one does).
pub async fn sign_in_demo_hashed(portal: &Portal, role: &str) -> String {
    let reply = demo_sign_in(portal, role).await;
    let set = reply.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap_or_default().to_owned()
}

/// The answer to the demo person `role` signing in.
async fn demo_sign_in(portal: &Portal, role: &str) -> Reply {
    let reply = portal
        .post(
            "/signin",
            &[
                ("email", &format!("{role}@demo.pledge.invalid")),
                ("password", "demo tangerine orbit 2026"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply
}

/// Sets up the second step (an authenticator code) for the signed-in `cookie`, as packs that
/// require it of staff need before anything else.
pub async fn add_second_step(portal: &Portal, cookie: &str) {
    use crate::accounts::{code_for, shown_key};
    portal
        .post("/account/second-step/start", &[], Some(cookie))
        .await;
    let page = portal.get("/account/second-step", Some(cookie)).await;
    let key = shown_key(&page.body);
    let on = portal
        .post(
            "/account/second-step",
            &[("code", &code_for(&key, 0))],
            Some(cookie),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
}

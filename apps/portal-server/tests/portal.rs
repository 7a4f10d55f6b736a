//! The portal as people use it: the real binary on a fresh SQLite data directory, asked over
//! real HTTP. (Browser tests in headless Chromium come with the journeys.)

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests may fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running portal, stopped when dropped.
struct Portal {
    child: Child,
    addr: String,
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data directory, removed when dropped.
struct DataDir(std::path::PathBuf);

impl DataDir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self(std::env::temp_dir().join(format!("pledge-portal-{}-{nanos}", std::process::id())))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start(dir: &DataDir) -> Portal {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal-server"))
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&dir.0)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the portal starts");
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
    Portal { child, addr }
}

/// `GET path` over HTTP/1.0 (so the body is not chunked): the status code and the body.
async fn get(portal: &Portal, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(&portal.addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: text/html\r\n\r\n",
        portal.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).expect("UTF-8");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    (status, body.to_owned())
}

#[tokio::test]
async fn the_catalogue_lists_searches_and_filters_the_demo_courses_without_javascript() {
    let dir = DataDir::new();
    let portal = start(&dir);
    let (status, page) = get(&portal, "/").await;
    assert_eq!(status, 200, "{page}");
    for title in [
        "Privacy essentials",
        "ITIL 4 Foundation",
        "The data protection officer",
    ] {
        assert!(page.contains(title), "{title} missing from the catalogue");
    }
    assert!(
        page.contains("CAD 499.00") && page.contains("Free"),
        "prices shown"
    );
    assert!(
        page.contains("href=\"/courses/itil-4-foundation\""),
        "each course links to its page"
    );

    let (_, found) = get(&portal, "/?q=itil&price=").await;
    assert!(found.contains("ITIL 4 Foundation") && !found.contains("Privacy essentials"));
    assert!(
        found.contains("value=\"itil\""),
        "the search box keeps the search"
    );
    let (_, free) = get(&portal, "/?q=&price=free").await;
    assert!(free.contains("Privacy essentials") && !free.contains("ITIL 4 Foundation"));
    let (_, none) = get(&portal, "/?q=astronomy").await;
    assert!(none.contains("No course matches this search."));

    let (status, course) = get(&portal, "/courses/prince2-foundation").await;
    assert_eq!(status, 200);
    assert!(course.contains("<h1>PRINCE2 Foundation</h1>"), "{course}");
}

#[tokio::test]
async fn bad_addresses_and_filters_get_a_clear_answer_not_a_server_error() {
    let dir = DataDir::new();
    let portal = start(&dir);
    let (status, page) = get(&portal, "/?price=cheapest").await;
    assert!(status < 500, "{status}");
    assert!(
        page.contains("choose a price filter from the list"),
        "{page}"
    );
    let (status, page) = get(&portal, &format!("/?q={}", "x".repeat(101))).await;
    assert!(status < 500, "{status}");
    assert!(page.contains("longer than 100 characters"), "{page}");
    let (status, page) = get(&portal, "/courses/no-such-course").await;
    assert_eq!(status, 404, "{page}");
    assert!(page.contains("Course not found"));
    let (status, _) = get(&portal, "/no/such/page").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_restart_keeps_the_data_and_adds_no_second_catalogue() {
    let dir = DataDir::new();
    let courses = |page: &str| page.matches("class=\"course\"").count();
    let first = start(&dir);
    let (_, before) = get(&first, "/").await;
    drop(first);
    let second = start(&dir);
    let (_, after) = get(&second, "/").await;
    assert_eq!(courses(&before), 6);
    assert_eq!(courses(&after), 6);
    assert!(dir.0.join("secrets.json").exists() && dir.0.join("portal.db").exists());
}

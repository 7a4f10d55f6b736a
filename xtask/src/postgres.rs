//! A PostgreSQL server for the store's tests: the one on 127.0.0.1:5432 when it answers,
//! otherwise a throwaway cluster started here (and stopped when the run ends).
//!
//! The tests read the server's address from `PLEDGE_TEST_POSTGRES` and create their own
//! databases on it, so one server serves every test run. `PLEDGE_PG_THROWAWAY=1` forces a
//! throwaway cluster even when a local server answers.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::shell;

/// The variable the store's tests read.
pub const URL_VARIABLE: &str = "PLEDGE_TEST_POSTGRES";

const LOCAL_PORT: u16 = 5432;
const THROWAWAY_PORT: u16 = 55432;

/// A cluster this run started; stopped on drop.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let _ = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&pg_ctl)
            .args(["-D"])
            .arg(&self.data)
            .args(["-m", "fast", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn answers(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok()
}

fn url(port: u16) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

/// Uses the local server, or starts one.
pub fn provide(root: &Path) -> Result<Option<Cluster>> {
    if let Ok(existing) = std::env::var(URL_VARIABLE) {
        shell::set_environment(vec![(URL_VARIABLE.to_owned(), existing)]);
        return Ok(None);
    }
    let forced = std::env::var_os("PLEDGE_PG_THROWAWAY").is_some();
    if answers(LOCAL_PORT) && !forced {
        shell::set_environment(vec![(URL_VARIABLE.to_owned(), url(LOCAL_PORT))]);
        return Ok(None);
    }
    let cluster = start(root)?;
    shell::set_environment(vec![(URL_VARIABLE.to_owned(), url(THROWAWAY_PORT))]);
    Ok(Some(cluster))
}

/// The newest installed PostgreSQL's `bin` directory, installing the package if none is.
fn binaries(root: &Path) -> Result<PathBuf> {
    let newest = || -> Option<PathBuf> {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                Some((version, e.path().join("bin")))
            })
            .filter(|(_, bin)| bin.join("initdb").is_file())
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    };
    if let Some(bin) = newest() {
        return Ok(bin);
    }
    shell::run(root, "apt-get", &["update"])?;
    shell::run(root, "apt-get", &["install", "-y", "postgresql"])?;
    newest().context("PostgreSQL was installed but no initdb was found under /usr/lib/postgresql")
}

fn start(root: &Path) -> Result<Cluster> {
    let bin = binaries(root)?;
    let data = std::env::temp_dir().join(format!("pledge-pg-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let data_arg = data.to_string_lossy().into_owned();
    shell::run(root, "chown", &["postgres:postgres", &data_arg])?;
    let initdb = bin.join("initdb").to_string_lossy().into_owned();
    shell::run(
        root,
        "runuser",
        &[
            "-u",
            "postgres",
            "--",
            &initdb,
            "-D",
            &data_arg,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
    )?;
    let cluster = Cluster {
        bin: bin.clone(),
        data,
    };
    let pg_ctl = bin.join("pg_ctl").to_string_lossy().into_owned();
    let options =
        format!("-c listen_addresses=127.0.0.1 -p {THROWAWAY_PORT} -k {data_arg} -c fsync=off");
    shell::run(
        root,
        "runuser",
        &[
            "-u", "postgres", "--", &pg_ctl, "-D", &data_arg, "-w", "-o", &options, "start",
        ],
    )?;
    if !answers(THROWAWAY_PORT) {
        bail!("the throwaway PostgreSQL cluster did not start on port {THROWAWAY_PORT}");
    }
    Ok(cluster)
}

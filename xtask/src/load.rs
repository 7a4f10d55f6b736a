//! `cargo xtask bench --portal`: the portal under load and the size of its browser bundle.
//!
//! - Throughput and latency: the release server on a fresh SQLite data directory with the demo
//!   data, and `wrk` (Debian's package, installed here if missing) with 50 connections on
//!   loopback, first against the server's bare axum route (`/healthz`, the baseline) and then
//!   against a page with no query (`/signin`: what the rendering alone costs), and
//!   against the catalogue page (database-backed server rendering) twice: as a first visit
//!   sends it (no cookie: the anonymous page cache may answer) and with a cookie (rendered for
//!   every request). Each is measured three times, alternating; the table gives the median
//!   requests per second, the ratio to the baseline, and the worst p99 latency seen.
//! - Size: the bundle built with the `wasm-release` profile, run through `wasm-bindgen` and,
//!   when npm's `binaryen` can be installed, `wasm-opt -Oz`, then gzipped at level 9.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::portal::{FRONTEND, target_dir};
use crate::provision::WASM_TARGET;
use crate::shell::{self, cargo};

/// Connections `wrk` keeps open.
const CONNECTIONS: &str = "50";
/// Seconds per measurement.
const SECONDS: &str = "10s";
/// Rounds of (baseline, smallest page, catalogue).
const ROUNDS: usize = 3;
/// A page with no query (the sign-in form, from the policy's rules held in memory): what
/// Leptos's rendering alone costs, the floor under any page of this portal.
const FLOOR_PAGE: &str = "/signin";

/// The portal server, stopped when dropped.
pub struct Running {
    child: Child,
    /// The address it listens at.
    pub addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `wrk` run: requests per second and the p99 latency in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Sample {
    per_second: f64,
    p99_ms: f64,
}

/// Runs both measurements; the rows they add to the benchmark table (group, benchmark,
/// median, ratio).
pub fn run(root: &Path) -> Result<Vec<String>> {
    let wrk = ensure_wrk(root)?;
    let binary = shell::built_artifact(
        root,
        &cargo(),
        &["build", "--release", "-p", "portal-server"],
        "portal-server",
        "portal-server",
    )?;
    let site = bundle_size_site(root)?;
    let (size, optimised) = bundle_size(root, &site)?;
    let server = start(root, &binary, &site.dir, "bench-data", &[])?;
    let mut baseline = Vec::new();
    let mut floor = Vec::new();
    let mut catalogue = Vec::new();
    let mut rendered = Vec::new();
    for _ in 0..ROUNDS {
        let url = |path: &str| format!("http://{}{path}", server.addr);
        baseline.push(measure(root, &wrk, &url("/healthz"))?);
        floor.push(measure(root, &wrk, &url(FLOOR_PAGE))?);
        catalogue.push(measure(root, &wrk, &url("/"))?);
        // Any cookie skips the anonymous page cache: every request is rendered.
        rendered.push(measure_with(
            root,
            &wrk,
            &url("/"),
            &["-H", "Cookie: visited=1"],
        )?);
    }
    drop(server);
    let base = median(baseline.iter().map(|s| s.per_second).collect());
    let worst = |samples: &[Sample]| samples.iter().map(|s| s.p99_ms).fold(0.0, f64::max);
    let row = |label: &str, samples: &[Sample]| {
        let rate = median(samples.iter().map(|s| s.per_second).collect());
        format!(
            "| portal ({CONNECTIONS} connections, {ROUNDS}×{SECONDS}, worst p99 {:.2} ms) | {label} | {rate:.0} req/s | {:.2}x |",
            worst(samples),
            rate / base
        )
    };
    Ok(vec![
        row("baseline: bare axum route `/healthz`", &baseline),
        row("sign-in page `/signin` (SSR, no query)", &floor),
        row(
            "catalogue `/`, first visit (SSR from the database, one-second page cache)",
            &catalogue,
        ),
        row(
            "catalogue `/` with a cookie (SSR from the database, every request)",
            &rendered,
        ),
        format!(
            "| browser bundle | gzipped hydrate wasm ({}) | {size} bytes | - |",
            if optimised {
                "wasm-release, wasm-opt -Oz"
            } else {
                "wasm-release, no wasm-opt"
            }
        ),
    ])
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn ensure_wrk(root: &Path) -> Result<String> {
    let wrk = "/usr/bin/wrk";
    if !Path::new(wrk).exists() {
        shell::run(
            root,
            "apt-get",
            &["install", "-y", "--no-install-recommends", "wrk"],
        )?;
    }
    Ok(wrk.to_owned())
}

/// The site built for measuring: release server's bundle under `<target>/bench-site`.
struct Site {
    dir: PathBuf,
    wasm: PathBuf,
}

fn bundle_size_site(root: &Path) -> Result<Site> {
    let built = shell::built_artifact(
        root,
        &cargo(),
        &[
            "build",
            "-p",
            FRONTEND,
            "--target",
            WASM_TARGET,
            "--profile",
            "wasm-release",
        ],
        "portal_frontend",
        ".wasm",
    )?;
    let target = target_dir(root);
    let dir = target.join("bench-site");
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;
    crate::portal::bindgen(root, &built, &pkg)?;
    Ok(Site {
        wasm: pkg.join("portal_bg.wasm"),
        dir,
    })
}

/// Optimises the bundle with npm's `wasm-opt` when it can be installed, then returns its
/// gzipped size and whether it was optimised.
fn bundle_size(root: &Path, site: &Site) -> Result<(u64, bool)> {
    let optimised = wasm_opt(root)
        .and_then(|opt| {
            let wasm = site.wasm.to_string_lossy().into_owned();
            shell::run(
                root,
                &opt,
                &[
                    "-Oz",
                    "--enable-bulk-memory",
                    "--enable-nontrapping-float-to-int",
                    "-o",
                    &wasm,
                    &wasm,
                ],
            )
        })
        .is_ok();
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&site.wasm)
        .output()
        .context("running gzip")?;
    if !out.status.success() {
        bail!("gzip failed on {}", site.wasm.display());
    }
    Ok((
        u64::try_from(out.stdout.len()).unwrap_or(u64::MAX),
        optimised,
    ))
}

/// npm's `binaryen` (Debian's wasm-opt 108 breaks these bundles), installed into
/// `<target>/tools/npm`.
fn wasm_opt(root: &Path) -> Result<String> {
    let prefix = target_dir(root).join("tools").join("npm");
    let binary = prefix.join("node_modules").join(".bin").join("wasm-opt");
    if !binary.exists() {
        let prefix_arg = prefix.to_string_lossy().into_owned();
        shell::run(
            root,
            "npm",
            &["install", "--prefix", &prefix_arg, "--no-save", "binaryen"],
        )?;
    }
    Ok(binary.to_string_lossy().into_owned())
}

/// Starts `binary` on a fresh data directory `<target>/{data}` with the demo data and `args`,
/// on a free port, and returns once it listens.
pub fn start(
    root: &Path,
    binary: &Path,
    site: &Path,
    data: &str,
    args: &[&str],
) -> Result<Running> {
    let _ = std::fs::remove_dir_all(target_dir(root).join(data));
    start_again(root, binary, site, data, args)
}

/// Starts the portal on the data directory `data` as it is (after [`start`] made it), for
/// a restart with other arguments.
pub fn start_again(
    root: &Path,
    binary: &Path,
    site: &Path,
    data: &str,
    args: &[&str],
) -> Result<Running> {
    let data = target_dir(root).join(data);
    let mut child = shell::command(&binary.to_string_lossy())
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--site-root")
        .arg(site)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting the release portal")?;
    let addr = listening_address(&mut child)?;
    Ok(Running { child, addr })
}

/// The address a portal just started as `child` (its stdout piped) says it listens at.
pub fn listening_address(child: &mut Child) -> Result<String> {
    let stdout = child.stdout.take().context("the portal's output")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    line.trim()
        .strip_prefix("listening on http://")
        .map(str::to_owned)
        .with_context(|| format!("unexpected first line from the portal: {line:?}"))
}

fn measure(root: &Path, wrk: &str, url: &str) -> Result<Sample> {
    measure_with(root, wrk, url, &[])
}

/// [`measure`] with extra `wrk` arguments (a header: `-H`, `Cookie: …`).
fn measure_with(root: &Path, wrk: &str, url: &str, extra: &[&str]) -> Result<Sample> {
    let args = [
        &["-t2", "-c", CONNECTIONS, "-d", SECONDS, "--latency"][..],
        extra,
        &[url],
    ]
    .concat();
    let report = shell::output(root, wrk, &args)?;
    eprintln!("{report}");
    parse_wrk(&report).with_context(|| format!("cannot read wrk's report for {url}"))
}

/// Requests per second and the 99th percentile from `wrk --latency`'s report.
fn parse_wrk(report: &str) -> Option<Sample> {
    let per_second = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let p99 = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))?
        .trim();
    let p99_ms = if let Some(ms) = p99.strip_suffix("ms") {
        ms.parse().ok()?
    } else if let Some(us) = p99.strip_suffix("us") {
        us.parse::<f64>().ok()? / 1000.0
    } else if let Some(s) = p99.strip_suffix('s') {
        s.parse::<f64>().ok()? * 1000.0
    } else {
        return None;
    };
    let errors = report
        .lines()
        .any(|l| l.contains("Non-2xx or 3xx responses"));
    if errors {
        return None;
    }
    Some(Sample { per_second, p99_ms })
}

#[cfg(test)]
mod tests {
    use super::parse_wrk;

    #[test]
    fn wrk_reports_are_read() {
        let report = "Running 10s test @ http://127.0.0.1:1/\n  Latency Distribution\n     50%    1.20ms\n     99%  812.00us\n  1000 requests in 10.00s\nRequests/sec:   100.50\n";
        let sample = parse_wrk(report).unwrap_or_else(|| panic!("parsed"));
        assert!((sample.per_second - 100.5).abs() < 1e-9);
        assert!((sample.p99_ms - 0.812).abs() < 1e-9);
        assert!(parse_wrk(&format!("{report}  Non-2xx or 3xx responses: 3\n")).is_none());
    }
}

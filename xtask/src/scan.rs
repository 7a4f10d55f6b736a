//! `cargo xtask scan`: three scanners against a running portal on loopback, each installed
//! here if missing — sqlmap and wapiti from Debian's packages, schemathesis from PyPI into a
//! virtual environment beside the target directory. Any finding fails the command.
//!
//! - schemathesis: every server function of `docs/openapi.json` (the JSON API, generated from
//!   the authorisation table) with generated arguments, signed in as a learner: no answer may
//!   be a server error or a status the description does not list.
//! - sqlmap: SQL injection through the catalogue's search (page and server function), a course
//!   page's address, and the privacy office's audit filters (signed in as the officer).
//! - wapiti: crawls the site signed in as a learner and attacks every form and parameter it
//!   finds (injection, XSS, command execution, file disclosure, CRLF, open redirects, SSRF,
//!   XXE) and checks the headers and cookies.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::mixed::{sign_in, start};
use crate::shell::{self, cargo};

/// The demo people the JSON API is scanned as (every role; kexara's staff sign in with a
/// password alone).
const PEOPLE: [&str; 8] = [
    "learner",
    "privacy-officer",
    "administrator",
    "finance",
    "instructor",
    "tour-coordinator",
    "support-agent",
    "content-moderator",
];

/// The wapiti modules run: attacks, plus the header and cookie checks.
const WAPITI_MODULES: &str = "sql,blindsql,xss,permanentxss,exec,file,crlf,redirect,ssrf,xxe,csrf,csp,http_headers,cookieflags,methods";

/// wapiti findings that are not faults, each with the reason and the test that proves the
/// protection the check looks for in another form.
/// - wapiti 3.0.4 wants `X-XSS-Protection: 1`; browsers have since removed the XSS auditor and
///   OWASP's secure headers project advises `0` (the auditor could be abused to hide parts of
///   a page), which the portal sends and `security::every_page_carries_*` requires.
/// - wapiti's CSRF check looks for a token field in each form; the portal's forms are kept
///   from other sites by the origin check instead (`Origin` / `Sec-Fetch-Site` must show this
///   site on every state-changing request: OWASP's "verifying origin with standard headers"
///   and "Fetch Metadata" defences), with `SameSite=Lax` session cookies behind it; proven for
///   every route by `security::every_state_changing_request_must_show_it_comes_from_this_site`.
const TRIAGED: [(&str, &str); 2] = [
    (
        "X-XSS-Protection is not set",
        "outdated check: OWASP advises 0, which is sent",
    ),
    (
        "Lack of anti CSRF token",
        "origin check instead of tokens, tested on every route",
    ),
];

/// The table's name for [`TRIAGED`] findings (listed, not counted as faults).
const TRIAGE: &str = "wapiti, triaged (not faults)";

/// Installs the scanners, starts the portal, runs each scanner and prints what each found.
pub fn run(root: &Path) -> Result<()> {
    let venv = install(root)?;
    let binary = shell::built_artifact(
        root,
        &cargo(),
        &["build", "-p", "portal-server"],
        "portal-server",
        "portal-server",
    )?;
    let work = crate::portal::target_dir(root).join("scan");
    let _ = std::fs::remove_dir_all(&work);
    let portal = start(&binary, &work.join("data"), &[], "127.0.0.1:0", None)?;
    let base = format!("http://{}", portal.addr);
    let learner = sign_in(portal.addr, "learner")?;
    let officer = sign_in(portal.addr, "privacy-officer")?;
    let mut findings = Vec::new();
    // The JSON API as every kind of person the demo has: each staff function is reached by
    // its own role (and refused to the others).
    for person in PEOPLE {
        let cookie = sign_in(portal.addr, person)?;
        findings.extend(schemathesis(root, &venv, &base, &cookie)?);
    }
    findings.extend(sqlmap(root, &work, &base, &learner, &officer)?);
    findings.extend(wapiti(root, &work, &base, &learner)?);
    drop(portal);
    println!("| scanner | findings |\n|---|---|");
    for scanner in ["schemathesis", "sqlmap", "wapiti", TRIAGE] {
        let found: Vec<&String> = findings
            .iter()
            .filter(|(s, _)| *s == scanner)
            .map(|(_, f)| f)
            .collect();
        println!("| {scanner} | {} |", found.len());
        for finding in found {
            println!("|  | {finding} |");
        }
    }
    let faults = findings.iter().filter(|(s, _)| *s != TRIAGE).count();
    if faults > 0 {
        bail!("the scanners found {faults} problems");
    }
    Ok(())
}

/// Debian's sqlmap and wapiti, and schemathesis in a virtual environment; the environment's
/// directory.
fn install(root: &Path) -> Result<PathBuf> {
    if !Path::new("/usr/bin/sqlmap").exists() || !Path::new("/usr/bin/wapiti").exists() {
        crate::provision::debian_packages(root, &["sqlmap", "wapiti"])?;
    }
    let venv = crate::portal::target_dir(root).with_file_name("scan-venv");
    if !venv.join("bin").join("schemathesis").exists() {
        let venv_arg = venv.to_string_lossy().into_owned();
        shell::run(root, "python3", &["-m", "venv", &venv_arg])?;
        let pip = venv.join("bin").join("pip").to_string_lossy().into_owned();
        shell::run(root, &pip, &["install", "--quiet", "schemathesis>=4,<5"])?;
    }
    Ok(venv)
}

/// Runs `program args` in `dir` and returns its whole output (stdout, then stderr), whatever
/// its exit status, and whether it succeeded.
fn output_of(dir: &Path, program: &str, args: &[&str]) -> Result<(String, bool)> {
    eprintln!("$ {program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .with_context(|| format!("cannot start {program}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((text, out.status.success()))
}

type Findings = Vec<(&'static str, String)>;

fn schemathesis(root: &Path, venv: &Path, base: &str, cookie: &str) -> Result<Findings> {
    let program = venv.join("bin").join("schemathesis");
    let header = format!("Cookie: {cookie}");
    let (report, passed) = output_of(
        root,
        &program.to_string_lossy(),
        &[
            "run",
            "docs/openapi.json",
            "--url",
            base,
            "--header",
            &header,
            "--checks",
            "not_a_server_error,status_code_conformance",
            "--max-examples",
            "40",
            "--no-color",
        ],
    )?;
    eprintln!("{report}");
    Ok(if passed {
        Vec::new()
    } else {
        report
            .lines()
            .filter(|l| l.contains("Server error") || l.contains("Undocumented HTTP status"))
            .map(|l| ("schemathesis", l.trim().to_owned()))
            .chain(std::iter::once((
                "schemathesis",
                "the run failed (see its report above)".to_owned(),
            )))
            .collect()
    })
}

fn sqlmap(root: &Path, work: &Path, base: &str, learner: &str, officer: &str) -> Result<Findings> {
    let out_dir = work.join("sqlmap").to_string_lossy().into_owned();
    let origin = format!("Origin: {base}");
    let targets = [
        (format!("{base}/?q=privacy&price="), learner),
        (format!("{base}/api/catalogue?q=privacy&price="), learner),
        (format!("{base}/courses/career-planning*"), learner),
        (
            format!(
                "{base}/api/audit-trail?person=&actor=&action=&category=privacy&from=&until=&verify=false"
            ),
            officer,
        ),
    ];
    let mut findings = Vec::new();
    for (url, cookie) in &targets {
        let (report, _) = output_of(
            root,
            "sqlmap",
            &[
                "-u",
                url,
                "--batch",
                "--cookie",
                cookie,
                "--headers",
                &origin,
                "--level",
                "2",
                "--risk",
                "1",
                "--disable-coloring",
                "--flush-session",
                "--output-dir",
                &out_dir,
            ],
        )?;
        let summary: Vec<&str> = report
            .lines()
            .filter(|l| {
                l.contains("[CRITICAL]") || l.contains("[WARNING]") || l.contains("injection point")
            })
            .collect();
        eprintln!("sqlmap {url}:\n  {}", summary.join("\n  "));
        if report.contains("identified the following injection point") {
            findings.push(("sqlmap", format!("injectable: {url}")));
        }
        // Its tally of error answers (`422 (Unprocessable Entity) - 93 times`): a server
        // error among them is a finding too.
        for line in report
            .lines()
            .filter(|l| l.starts_with('5') && l.contains(" times"))
        {
            findings.push(("sqlmap", format!("{url}: {line}")));
        }
    }
    Ok(findings)
}

fn wapiti(root: &Path, work: &Path, base: &str, cookie: &str) -> Result<Findings> {
    let report_path = work.join("wapiti.json");
    let report_arg = report_path.to_string_lossy().into_owned();
    let start = format!("{base}/");
    let header = format!("Cookie: {cookie}");
    let (log, _) = output_of(
        root,
        "wapiti",
        &[
            "-u",
            &start,
            "--scope",
            "folder",
            "-m",
            WAPITI_MODULES,
            "--header",
            &header,
            "--flush-session",
            "--max-scan-time",
            "900",
            "--timeout",
            "30",
            "-f",
            "json",
            "-o",
            &report_arg,
        ],
    )?;
    eprintln!("{log}");
    let text = std::fs::read_to_string(&report_path)
        .with_context(|| format!("wapiti wrote no report at {}", report_path.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text)?;
    let mut findings = Vec::new();
    for section in ["vulnerabilities", "anomalies"] {
        let Some(categories) = report.get(section).and_then(serde_json::Value::as_object) else {
            continue;
        };
        for (category, entries) in categories {
            for entry in entries.as_array().into_iter().flatten() {
                let what = entry
                    .get("info")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                let path = entry
                    .get("path")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                if let Some((_, why)) = TRIAGED.iter().find(|(info, _)| *info == what) {
                    findings.push((TRIAGE, format!("{category}: {what} ({path}): {why}")));
                    continue;
                }
                findings.push(("wapiti", format!("{category}: {what} ({path})")));
            }
        }
    }
    Ok(findings)
}

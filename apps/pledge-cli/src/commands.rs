//! The subcommands and their exit codes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use pledge_policy::lint::Severity;
use pledge_policy::{
    ChangeClass, PolicyError, ValidPolicy, diagnostic_for, diff, lint, load, packs, render,
};

/// Check, lint, render and diff privacy policies written as code.
#[derive(Debug, Parser)]
#[command(name = "pledge", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and validate policies; exit 1 if any is invalid.
    Check(Sources),
    /// Report contradictions and risky wording; exit 1 on an unresolved error.
    Lint {
        #[command(flatten)]
        sources: Sources,
        /// Also fail on warnings.
        #[arg(long)]
        deny_warnings: bool,
        /// Also fail on findings the pack resolves.
        #[arg(long)]
        strict: bool,
    },
    /// Publish policies: privacy policy, cookie table, retention schedule, Art. 30 record.
    Render {
        #[command(flatten)]
        sources: Sources,
        /// Write every document, as Markdown and HTML, into `DIR/<policy id>/` instead of
        /// printing the privacy policy as Markdown.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Compare two versions of a policy and classify every change.
    Diff {
        /// The old version: a file, or `pack:NAME`.
        old: String,
        /// The new version: a file, or `pack:NAME`.
        new: String,
        /// Exit 1 when a change of at least this class is found.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
    },
}

/// Thresholds for `pledge diff --fail-on`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FailOn {
    /// Any change at all.
    Editorial,
    /// A change people must be told about.
    Notice,
    /// A change people must consent to again.
    FreshConsent,
}

/// Which policies to work on: files, built-in packs, or every pack.
#[derive(Debug, Args)]
struct Sources {
    /// Policy files.
    files: Vec<PathBuf>,
    /// Built-in packs by name (westmontera, jtec, kexara).
    #[arg(long = "pack")]
    packs: Vec<String>,
    /// Every built-in pack.
    #[arg(long)]
    all_packs: bool,
}

/// A policy's name, text and parse result.
struct Loaded {
    file: String,
    text: String,
    result: Result<ValidPolicy, PolicyError>,
}

impl Sources {
    fn load(&self) -> Result<Vec<Loaded>> {
        let mut out = Vec::new();
        for path in &self.files {
            out.push(load_file(path)?);
        }
        let names: Vec<&str> = if self.all_packs {
            packs::ALL.iter().map(|p| p.name).collect()
        } else {
            self.packs.iter().map(String::as_str).collect()
        };
        for name in names {
            let pack = packs::find(name).with_context(|| {
                let known: Vec<&str> = packs::ALL.iter().map(|p| p.name).collect();
                format!(
                    "there is no built-in pack `{name}`; try one of {}",
                    known.join(", ")
                )
            })?;
            let file = format!("packs/{}", pack.file);
            out.push(Loaded {
                result: load(&file, pack.text),
                file,
                text: pack.text.to_owned(),
            });
        }
        anyhow::ensure!(
            !out.is_empty(),
            "name at least one policy file, --pack NAME or --all-packs"
        );
        Ok(out)
    }
}

fn load_file(path: &Path) -> Result<Loaded> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = path.display().to_string();
    Ok(Loaded {
        result: load(&file, &text),
        file,
        text,
    })
}

/// Runs a parsed command line.
///
/// # Errors
/// When the command itself cannot run (unreadable file, unknown pack).
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check(sources) => check(&sources),
        Command::Lint {
            sources,
            deny_warnings,
            strict,
        } => lint_all(&sources, deny_warnings, strict),
        Command::Render { sources, out } => render_all(&sources, out.as_deref()),
        Command::Diff { old, new, fail_on } => diff_versions(&old, &new, fail_on),
    }
}

fn render_all(sources: &Sources, out: Option<&Path>) -> Result<ExitCode> {
    let mut failed = false;
    for loaded in sources.load()? {
        let Some(policy) = valid_or_report(&loaded, &mut failed) else {
            continue;
        };
        let Some(root) = out else {
            print!("{}", render::privacy_policy(policy).to_markdown());
            continue;
        };
        let dir = root.join(policy.policy().policy.id.as_str());
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let documents = [
            ("privacy-policy", render::privacy_policy(policy)),
            ("cookies", render::cookie_table(policy)),
            ("retention-schedule", render::retention_schedule(policy)),
            ("record-of-processing", render::record_of_processing(policy)),
        ];
        for (name, document) in documents {
            for (extension, text) in [("md", document.to_markdown()), ("html", document.to_html())]
            {
                let path = dir.join(format!("{name}.{extension}"));
                fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        println!("rendered {} into {}", loaded.file, dir.display());
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn load_version(spec: &str) -> Result<Option<ValidPolicy>> {
    let loaded = match spec.strip_prefix("pack:") {
        Some(name) => {
            let pack =
                packs::find(name).with_context(|| format!("there is no built-in pack `{name}`"))?;
            let file = format!("packs/{}", pack.file);
            Loaded {
                result: load(&file, pack.text),
                file,
                text: pack.text.to_owned(),
            }
        }
        None => load_file(Path::new(spec))?,
    };
    match loaded.result {
        Ok(policy) => Ok(Some(policy)),
        Err(err) => {
            report_invalid(&err);
            Ok(None)
        }
    }
}

fn diff_versions(old: &str, new: &str, fail_on: Option<FailOn>) -> Result<ExitCode> {
    let (Some(old), Some(new)) = (load_version(old)?, load_version(new)?) else {
        return Ok(ExitCode::from(1));
    };
    let changes = diff(old.policy(), new.policy());
    for change in &changes.changes {
        println!("{change}");
    }
    let strongest = changes.strongest();
    match strongest {
        None => println!("no changes"),
        Some(class) => {
            println!("{} change(s); strongest: {class}", changes.changes.len());
            for class in [ChangeClass::FreshConsent, ChangeClass::Notice] {
                let audience: Vec<String> = changes
                    .audience(class)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                if !audience.is_empty() && changes.changes.iter().any(|c| c.class == class) {
                    println!("{class}: {}", audience.join("; "));
                }
            }
        }
    }
    let threshold = fail_on.map(|f| match f {
        FailOn::Editorial => ChangeClass::Editorial,
        FailOn::Notice => ChangeClass::Notice,
        FailOn::FreshConsent => ChangeClass::FreshConsent,
    });
    let fails = matches!((threshold, strongest), (Some(t), Some(s)) if s >= t);
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The loaded policy if it is valid; otherwise reports why and marks the run as failed.
fn valid_or_report<'l>(loaded: &'l Loaded, failed: &mut bool) -> Option<&'l ValidPolicy> {
    match &loaded.result {
        Ok(policy) => Some(policy),
        Err(err) => {
            *failed = true;
            report_invalid(err);
            None
        }
    }
}

fn report_invalid(err: &PolicyError) {
    for diagnostic in err.diagnostics() {
        eprintln!("error: {diagnostic}");
    }
}

fn check(sources: &Sources) -> Result<ExitCode> {
    let mut failed = false;
    for loaded in sources.load()? {
        match &loaded.result {
            Ok(policy) => {
                let p = policy.policy();
                println!(
                    "ok: {} ({} version {}, effective {})",
                    loaded.file, p.policy.title, p.policy.version, p.policy.effective
                );
            }
            Err(err) => {
                failed = true;
                report_invalid(err);
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn lint_all(sources: &Sources, deny_warnings: bool, strict: bool) -> Result<ExitCode> {
    let mut failed = false;
    for loaded in sources.load()? {
        let Some(policy) = valid_or_report(&loaded, &mut failed) else {
            continue;
        };
        let findings = lint(policy);
        for finding in &findings {
            let where_ = diagnostic_for(&loaded.file, &loaded.text, &finding.path, String::new());
            let ids: Vec<&str> = finding.promises.iter().map(|id| id.as_str()).collect();
            println!(
                "{}:{}:{}: {}[{}] {} [{}]",
                where_.file,
                where_.line,
                where_.column,
                finding.severity(),
                finding.rule,
                finding.message,
                ids.join(", ")
            );
            match &finding.resolved {
                Some(pledge_policy::Resolved::ByDecision(text)) => {
                    println!("    resolved by the pack's decision: {text}");
                }
                Some(pledge_policy::Resolved::ByDeployerChoice(text)) => {
                    println!("    resolved by a deployer's choice: {text}");
                }
                None => {}
            }
            let fails = finding.is_blocking()
                || (deny_warnings
                    && finding.severity() == Severity::Warning
                    && finding.resolved.is_none())
                || (strict && finding.severity() >= Severity::Warning);
            failed |= fails;
        }
        let blocking = findings.iter().filter(|f| f.is_blocking()).count();
        println!(
            "{}: {} finding(s), {} blocking",
            loaded.file,
            findings.len(),
            blocking
        );
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

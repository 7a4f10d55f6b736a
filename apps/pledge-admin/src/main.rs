//! `pledge-admin`: operator commands for a Pledge store.
//!
//! Configuration comes from the environment, never from arguments (so secrets stay out of
//! shell history and process lists):
//!
//! | variable | what |
//! |---|---|
//! | `PLEDGE_DATABASE_URL` | the main database (`sqlite://file?mode=rwc` or `postgres://…`) |
//! | `PLEDGE_KEYSTORE_URL` | the key store, a different database |
//! | `PLEDGE_MASTER_KEY` | 64 hex digits: wraps every per-person data key |
//! | `PLEDGE_AUDIT_MAC_KEY` | 64 hex digits: keys the audit chain |
//! | `PLEDGE_PSEUDONYM_KEY` | 64 hex digits: derives audit pseudonyms |
//! | `PLEDGE_CHECKPOINT_KEY` | 64 hex digits: the Ed25519 key that signs checkpoints |
//! | `PLEDGE_POLICY` | the deployed policy: `kexara` (default), `westmontera`, `jtec` or a file |
//!
//! Exit codes: 0 done; 1 the operation found a problem (a tampered audit log); 2 the command
//! could not run (bad arguments, missing or malformed configuration, database unreachable).

mod config;
mod sweep;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use pledge_domain::PersonId;
use pledge_store::{Migrate, Store};
use time::OffsetDateTime;

/// Operator commands for a Pledge store.
#[derive(Debug, Parser)]
#[command(name = "pledge-admin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Schema migrations of the main database (or, with --keystore, of the key store).
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
        /// Work on the key store instead of the main database.
        #[arg(long, global = true)]
        keystore: bool,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// One person's data.
    Person {
        #[command(subcommand)]
        action: PersonAction,
    },
    /// Retention sweep under the deployed policy: a report of what is due and why, or, with
    /// --apply, delete and anonymise it batch by batch (each batch one audited transaction;
    /// safe to interrupt and run again).
    Sweep {
        /// Change the data; without it the sweep only reports.
        #[arg(long)]
        apply: bool,
        /// Records per transaction [default: 50000 on SQLite, where one writer works alone and
        /// large batches rewrite each index page less often; 1000 on PostgreSQL, where
        /// instances share the work and locks are held per batch].
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        batch_size: Option<u64>,
        /// A name for this process in the sweep's record (defaults to the host's name and pid).
        #[arg(long)]
        instance: Option<String>,
        /// How many due records a report lists.
        #[arg(long, default_value_t = 50)]
        list: usize,
    },
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// List migrations and whether each is applied.
    Status,
    /// Apply every pending migration.
    Up,
    /// Roll back migrations. Rolling back drops tables and the data in them, so it must be
    /// confirmed; the key store is never rolled back (that would destroy every data key).
    Down {
        /// How many.
        #[arg(long, default_value_t = 1)]
        steps: u32,
        /// Confirms that the rolled-back tables and their data may be dropped.
        #[arg(long)]
        confirm_data_loss: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Verify the whole chain against every signed checkpoint.
    Verify,
    /// Sign and store a checkpoint of the chain as it stands.
    Checkpoint,
}

#[derive(Debug, Subcommand)]
enum PersonAction {
    /// Print everything held about a person as JSON (audited as an export).
    Export {
        /// The person's id.
        id: PersonId,
    },
    /// Write the person's access and portability export (a ZIP) to a file (audited).
    ExportZip {
        /// The person's id.
        id: PersonId,
        /// Where to write the ZIP; an existing file is not overwritten.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Erase people: their key is destroyed, their records deleted, anonymised or kept as the
    /// store declares, partners and the person told (audited; safe to repeat).
    Erase {
        /// The people's ids.
        #[arg(required = true)]
        ids: Vec<PersonId>,
    },
    /// Finish every erasure that was interrupted.
    ResumeErasures,
}

/// Creates `path` for a personal-data export: never over an existing file or link, and
/// readable by its owner only.
fn create_private(path: &std::path::Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))
}

/// What a finished command says about the data.
enum Outcome {
    Done,
    ProblemFound,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::ProblemFound) => ExitCode::from(1),
        Err(err) => {
            eprintln!("pledge-admin: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<Outcome> {
    let config = config::from_env()?;
    let now = OffsetDateTime::now_utc();
    match cli.command {
        Command::Migrate { action, keystore } => {
            let url = if keystore {
                &config.keystore_url
            } else {
                &config.database_url
            };
            match action {
                MigrateAction::Status => {
                    for state in pledge_store::migration_status(url, keystore).await? {
                        println!(
                            "{} {}",
                            if state.applied { "applied" } else { "pending" },
                            state.name
                        );
                    }
                }
                MigrateAction::Up => pledge_store::migrate(url, keystore, Migrate::Up).await?,
                MigrateAction::Down {
                    steps,
                    confirm_data_loss,
                } => {
                    if keystore {
                        anyhow::bail!(
                            "the key store is never rolled back: dropping it would destroy every \
                             person's data key and with it all their data"
                        );
                    }
                    if !confirm_data_loss {
                        anyhow::bail!(
                            "rolling back drops tables and their data; add --confirm-data-loss"
                        );
                    }
                    pledge_store::migrate(url, keystore, Migrate::Down(steps)).await?;
                }
            }
            Ok(Outcome::Done)
        }
        Command::Audit { action } => {
            let store = Store::open(&config)
                .await
                .context("cannot open the store")?;
            match action {
                AuditAction::Verify => match store.audit().verify(store.connection()).await? {
                    Ok(verified) => {
                        println!(
                            "audit log intact: {} records, {} covered by signed checkpoints",
                            verified.size(),
                            verified.signed_size()
                        );
                        Ok(Outcome::Done)
                    }
                    Err(damage) => {
                        println!(
                            "audit log damaged: {} at record {}",
                            damage.kind, damage.position
                        );
                        Ok(Outcome::ProblemFound)
                    }
                },
                AuditAction::Checkpoint => {
                    let checkpoint = store.audit().checkpoint(store.connection()).await?;
                    println!("checkpoint signed at size {}", checkpoint.size());
                    Ok(Outcome::Done)
                }
            }
        }
        Command::Person { action } => {
            let store = Store::open(&config)
                .await
                .context("cannot open the store")?;
            let operator = store.audit().service("pledge-admin");
            match action {
                PersonAction::Export { id } => {
                    let view = store.export_person(id, operator, now).await?;
                    println!("{}", serde_json::to_string_pretty(&view)?);
                }
                PersonAction::ExportZip { id, out } => {
                    let mut file = create_private(&out)?;
                    let bytes = store.export_bundle(id, operator, now).await?;
                    std::io::Write::write_all(&mut file, &bytes)
                        .with_context(|| format!("cannot write {}", out.display()))?;
                    println!("wrote {} ({} bytes)", out.display(), bytes.len());
                }
                PersonAction::Erase { ids } => {
                    let policy = config::policy_from_env()?;
                    for id in ids {
                        let plan = store.erase_person(id, &policy, operator, now).await?;
                        println!("erased {id}: their data key is destroyed");
                        for kept in &plan.exceptions {
                            println!(
                                "  kept ({}): {} row(s) of {}: {}",
                                kept.treatment, kept.rows, kept.table, kept.reason
                            );
                        }
                        for partner in &plan.partners {
                            println!("  erasure forwarded to {partner}");
                        }
                    }
                }
                PersonAction::ResumeErasures => {
                    let policy = config::policy_from_env()?;
                    let finished = store.resume_erasures(&policy, operator, now).await?;
                    println!("finished {} interrupted erasure(s)", finished.len());
                }
            }
            Ok(Outcome::Done)
        }
        Command::Sweep {
            apply,
            batch_size,
            instance,
            list,
        } => {
            let store = Store::open(&config)
                .await
                .context("cannot open the store")?;
            let policy = config::policy_from_env()?;
            let batch_size = batch_size.unwrap_or_else(|| store.sweep_batch_size());
            let options = pledge_store::sweep::SweepOptions {
                dry_run: !apply,
                batch_size,
                instance: instance
                    .unwrap_or_else(|| format!("pledge-admin-{}", std::process::id())),
                list_limit: list,
                ahead: time::Duration::ZERO,
            };
            sweep::run(&store, &policy, &options, now).await?;
            Ok(Outcome::Done)
        }
    }
}

//! `pledge-admin sweep`: runs a retention sweep with a progress bar on the terminal and prints
//! what was (or, in a report, would be) done and why.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use pledge_policy::ValidPolicy;
use pledge_store::Store;
use pledge_store::sweep::{SweepOptions, SweepProgress, SweepReport};
use time::OffsetDateTime;

fn bar() -> ProgressBar {
    // indicatif draws to stderr and hides itself when stderr is not a terminal.
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} tables · {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn show(bar: &ProgressBar, progress: SweepProgress, dry_run: bool) {
    bar.set_length(u64::try_from(progress.tables).unwrap_or(0));
    bar.set_position(u64::try_from(progress.tables_done).unwrap_or(0));
    let verb = if dry_run { "due" } else { "done" };
    bar.set_message(format!(
        "{}: {} examined, {} {verb}",
        progress.table, progress.examined, progress.acted
    ));
}

fn print(report: &SweepReport) {
    let verb = if report.dry_run { "due" } else { "done" };
    println!(
        "sweep {} ({}): {} record(s) examined, {} {verb}",
        report.run,
        if report.dry_run {
            "report only"
        } else {
            "applied"
        },
        report.examined,
        report.acted
    );
    for ((table, category, action), count) in &report.counts {
        println!("  {table:<22} {category:<28} {action:?}: {count}");
    }
    for due in &report.due {
        println!(
            "  - {} {} ({:?}): {}",
            due.table, due.id, due.action, due.why
        );
    }
    let listed = u64::try_from(report.due.len()).unwrap_or(u64::MAX);
    if report.dry_run && report.acted > listed {
        println!("  … and {} more", report.acted - listed);
    }
}

/// Runs the sweep and prints its report.
pub async fn run(
    store: &Store,
    policy: &ValidPolicy,
    options: &SweepOptions,
    now: OffsetDateTime,
) -> Result<()> {
    let actor = store.audit().service("retention-sweep");
    let bar = bar();
    let report = store
        .sweep(policy, options, actor, now, |p| {
            show(&bar, p, options.dry_run)
        })
        .await;
    bar.finish_and_clear();
    print(&report?);
    Ok(())
}

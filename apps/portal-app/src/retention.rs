//! The retention dashboard (`/office/retention`), for privacy officers: the policy's retention
//! schedule (what is kept how long, and from when), what is due now or soon and why
//! (`?preview=1&within=30` runs a dry run through the store's sweep as of 30 days ahead, so
//! it lists what falls due by then; the history records it), applying the
//! schedule (the form posts to `/office/retention/apply`, which starts the sweep in the
//! background), the sweep the server runs by itself (next run, last outcome, a failure shown
//! as an alert), and the history of sweeps with their progress. While a sweep runs, the page
//! reloads itself every two seconds (no script needed) and its counts grow batch by batch.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::PortalError;

/// A sweep in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRow {
    /// When it started.
    pub started: String,
    /// A dry run or a real one.
    pub kind: String,
    /// `running`, or `finished` or `failed` (with when).
    pub status: String,
    /// Records examined.
    pub examined: u64,
    /// Records changed, or due in a dry run.
    pub acted: u64,
}

/// What a dry run found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    /// How many days ahead it looked (0: due now).
    pub within_days: u32,
    /// Records examined.
    pub examined: u64,
    /// Records due.
    pub due: u64,
    /// (table, category, what happens, how many).
    pub counts: Vec<(String, String, String, u64)>,
    /// The first due records: (table, category, what happens, why).
    pub records: Vec<(String, String, String, String)>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionView {
    /// The policy's rules: (name, categories, how long and from when).
    pub schedule: Vec<(String, String, String)>,
    /// The newest sweeps.
    pub runs: Vec<RunRow>,
    /// True while a sweep runs.
    pub running: bool,
    /// The dry run, when it was asked for.
    pub preview: Option<PreviewView>,
    /// The scheduled sweep, once it has run or been tried.
    pub scheduled: Option<ScheduledView>,
}

/// The sweep the server runs by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledView {
    /// When it runs next.
    pub next: String,
    /// The instance running it now, if one is.
    pub running_on: Option<String>,
    /// When the last run ended, and how (`ok` or `failed`).
    pub last: Option<(String, String)>,
    /// What the last good run did.
    pub summary: Option<String>,
    /// Why the last run failed, and how many runs in a row did.
    pub failure: Option<(String, u32)>,
}

/// How far ahead the dashboard looks, in days: now, a week, a month, a quarter.
pub const LOOK_AHEAD: [u32; 4] = [0, 7, 30, 90];

/// How many due records the preview lists.
#[cfg(feature = "ssr")]
const LISTED: usize = 100;

#[cfg(feature = "ssr")]
fn action_words(action: pledge_store::sweep::SweepAction) -> &'static str {
    match action {
        pledge_store::sweep::SweepAction::Delete => "deleted",
        pledge_store::sweep::SweepAction::Anonymise => "anonymised",
        pledge_store::sweep::SweepAction::ClearColumns => "fields cleared",
    }
}

#[cfg(feature = "ssr")]
fn run_row(run: pledge_store::sweep::SweepRun) -> RunRow {
    RunRow {
        started: crate::state::minute(run.started_at),
        kind: if run.dry_run { "dry run" } else { "applied" }.to_owned(),
        status: match run.finished_at {
            Some(at) => format!("{} {}", run.status, crate::state::minute(at)),
            None => run.status,
        },
        examined: run.examined,
        acted: run.acted,
    }
}

#[cfg(feature = "ssr")]
fn scheduled_view(job: pledge_store::schedule::ScheduledJob) -> ScheduledView {
    let failed = job.last_outcome.as_deref() == Some("failed");
    ScheduledView {
        next: crate::state::minute(job.due_at),
        running_on: job.running.map(|(instance, _)| instance),
        last: job
            .last_finished_at
            .zip(job.last_outcome)
            .map(|(at, outcome)| (crate::state::minute(at), outcome)),
        summary: job.last_summary,
        failure: failed.then(|| (job.last_error.unwrap_or_default(), job.failures)),
    }
}

#[cfg(feature = "ssr")]
fn preview_of(report: pledge_store::sweep::SweepReport, within_days: u32) -> PreviewView {
    PreviewView {
        within_days,
        examined: report.examined,
        due: report.acted,
        counts: report
            .counts
            .into_iter()
            .map(|((table, category, action), n)| {
                (table, category, action_words(action).to_owned(), n)
            })
            .collect(),
        records: report
            .due
            .into_iter()
            .take(LISTED)
            .map(|d| {
                (
                    d.table.to_owned(),
                    d.category,
                    action_words(d.action).to_owned(),
                    d.why,
                )
            })
            .collect(),
    }
}

pub use server_fns::retention_overview;

#[allow(missing_docs)] // `#[server]` adds a struct of each function's arguments, undocumented.
mod server_fns {
    use super::*;

    /// The retention dashboard, for privacy officers; with `preview`, a dry run too, as of
    /// `within` days ahead (one of [`LOOK_AHEAD`]; nothing: now).
    ///
    /// # Errors
    /// [`PortalError::SignInRequired`]; [`PortalError::Forbidden`];
    /// [`PortalError::Invalid`] for another look-ahead.
    #[server(endpoint = "retention-overview", input = GetUrl)]
    pub async fn retention_overview(
        preview: bool,
        within: Option<u32>,
    ) -> Result<RetentionView, PortalError> {
        let session =
            crate::state::require_role("/office/retention", pledge_domain::Role::PrivacyOfficer)?;
        let state = crate::state::portal_state()?;
        let policy = &state.policy;
        let within = within.unwrap_or(0);
        if !LOOK_AHEAD.contains(&within) {
            return Err(PortalError::Invalid(
                "Look ahead by 0, 7, 30 or 90 days.".to_owned(),
            ));
        }
        let preview = if preview {
            let options = pledge_store::sweep::SweepOptions {
                dry_run: true,
                instance: "privacy-office".to_owned(),
                list_limit: LISTED,
                ahead: time::Duration::days(i64::from(within)),
                ..Default::default()
            };
            let actor = state.store.audit().actor(session.person);
            let report = state
                .store
                .sweep(policy, &options, actor, crate::state::now(), |_| {})
                .await?;
            Some(preview_of(report, within))
        } else {
            None
        };
        let runs: Vec<RunRow> = state
            .store
            .sweep_runs(20)
            .await?
            .into_iter()
            .map(run_row)
            .collect();
        let schedule = policy
            .policy()
            .retention
            .iter()
            .map(|rule| {
                (
                    rule.name.clone(),
                    rule.categories
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    pledge_policy::lint::describe_clock(&rule.clock),
                )
            })
            .collect();
        let scheduled = state
            .store
            .scheduled_job(pledge_store::schedule::RETENTION_JOB)
            .await?
            .map(scheduled_view);
        Ok(RetentionView {
            scheduled,
            running: runs.iter().any(|r| r.status == "running"),
            schedule,
            runs,
            preview,
        })
    }
}

/// `/office/retention`.
#[component]
pub fn RetentionPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let preview = query.get("preview").is_some();
    let within = query.get("within").and_then(|w| w.parse::<u32>().ok());
    let started = query.get("applying").is_some();
    let overview = Resource::new_blocking(
        move || (preview, within),
        |(preview, within)| retention_overview(preview, within),
    );
    view! {
        <crate::office::OfficeNav/>
        <h1>"Retention"</h1>
        {started.then(|| view! { <p class="notice" role="status">"The sweep has started; its progress is below."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(found) => retention_view(found).into_any(),
                    Err(PortalError::SignInRequired) => view! { <p>"Please " <a href="/signin?next=/office/retention">"sign in"</a> "."</p> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn retention_view(found: RetentionView) -> impl IntoView {
    let refresh = found
        .running
        .then(|| view! { <Meta http_equiv="refresh" content="2"/> });
    view! {
        {refresh}
        <div class="retention-actions">
            <form method="get" action="/office/retention" class="inline-form">
                <input type="hidden" name="preview" value="1"/>
                <label for="within">"Due "</label>
                <select name="within" id="within">
                    <option value="0">"now"</option>
                    <option value="7">"within 7 days"</option>
                    <option value="30">"within 30 days"</option>
                    <option value="90">"within 90 days"</option>
                </select>
                <button type="submit">"Show what is due"</button>
            </form>
            <form method="post" action="/office/retention/apply" class="inline-form">
                <button type="submit">"Apply the schedule now"</button>
            </form>
        </div>
        {found.preview.map(preview_view)}
        <h2>"Scheduled sweeps"</h2>
        {scheduled_section(found.scheduled)}
        <h2>"History"</h2>
        {runs_table(found.runs)}
        <h2>"The schedule"</h2>
        <table class="retention-schedule">
            <thead><tr><th>"Rule"</th><th>"Categories"</th><th>"Kept"</th></tr></thead>
            <tbody>
                {found.schedule.into_iter().map(|(name, categories, kept)| view! {
                    <tr><td>{name}</td><td>{categories}</td><td>{kept}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn scheduled_section(scheduled: Option<ScheduledView>) -> impl IntoView {
    let Some(job) = scheduled else {
        return view! { <p>"The server applies the schedule by itself; it has not run yet."</p> }
            .into_any();
    };
    let failure = job.failure.map(|(error, times)| {
        view! {
            <p class="error" role="alert">
                "The last scheduled sweep failed ("{times}" in a row): "{error}
                ". It is tried again at "{job.next.clone()}"."
            </p>
        }
    });
    view! {
        {failure}
        <dl class="scheduled-sweep">
            <dt>"Next run"</dt><dd>{job.next}</dd>
            {job.running_on.map(|instance| view! { <dt>"Running now on"</dt><dd>{instance}</dd> })}
            {job.last.map(|(at, outcome)| view! { <dt>"Last run"</dt><dd>{outcome}" at "{at}</dd> })}
            {job.summary.map(|summary| view! { <dt>"Last good run"</dt><dd>{summary}</dd> })}
        </dl>
    }
    .into_any()
}

fn preview_view(preview: PreviewView) -> impl IntoView {
    let (heading, summary) = if preview.within_days == 0 {
        (
            "Due now".to_owned(),
            format!(
                "{} records examined; {} are due now.",
                preview.examined, preview.due
            ),
        )
    } else {
        (
            format!("Due within {} days", preview.within_days),
            format!(
                "{} records examined; {} will be due within {} days (those due now included).",
                preview.examined, preview.due, preview.within_days
            ),
        )
    };
    view! {
        <section class="retention-preview">
            <h2>{heading}</h2>
            <p class="due-summary">{summary}</p>
            <table class="due-counts">
                <thead><tr><th>"Records"</th><th>"Category"</th><th>"What happens"</th><th>"How many"</th></tr></thead>
                <tbody>
                    {preview.counts.into_iter().map(|(table, category, action, n)| view! {
                        <tr><td>{table}</td><td>{category}</td><td>{action}</td><td>{n}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <table class="due-records">
                <thead><tr><th>"Records"</th><th>"Category"</th><th>"What happens"</th><th>"Why"</th></tr></thead>
                <tbody>
                    {preview.records.into_iter().map(|(table, category, action, why)| view! {
                        <tr><td>{table}</td><td>{category}</td><td>{action}</td><td>{why}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

fn runs_table(runs: Vec<RunRow>) -> AnyView {
    if runs.is_empty() {
        return view! { <p>"No sweep has run yet."</p> }.into_any();
    }
    view! {
        <table class="sweep-runs">
            <thead><tr><th>"Started"</th><th>"Kind"</th><th>"Status"</th><th>"Examined"</th><th>"Changed or due"</th></tr></thead>
            <tbody>
                {runs.into_iter().map(|run| view! {
                    <tr><td>{run.started}</td><td>{run.kind}</td><td>{run.status}</td><td>{run.examined}</td><td>{run.acted}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

//! Retention that runs by itself: every instance asks the store, on a short tick, whether the
//! retention job is due; the store lets exactly one instance run each run (a lease in the
//! database, see `pledge_store::schedule`), so a deployment of several instances needs no
//! scheduler of its own. Each outcome is written to the log; a failed run is on the job's row
//! (shown on `/office/retention`) and is tried again after five minutes.

use std::time::Duration;

use pledge_store::schedule::{Claim, RetentionRun};
use portal_app::state::now;

use crate::web::Server;

/// The longest wait between two looks at the job: a run is at most this late.
const TICK: Duration = Duration::from_secs(60);

/// Starts the scheduler on this process, running the retention job every `every`; it runs
/// until the process ends.
pub fn spawn(server: Server, every: Duration) {
    let instance = format!("portal-{}", uuid::Uuid::now_v7());
    let cadence = time::Duration::try_from(every).unwrap_or(time::Duration::DAY);
    let tick = every.min(TICK);
    tokio::spawn(async move {
        loop {
            run_due(&server, &instance, cadence).await;
            tokio::time::sleep(tick).await;
        }
    });
}

async fn run_due(server: &Server, instance: &str, every: time::Duration) {
    let portal = &server.portal;
    match portal
        .store
        .run_retention_job(&portal.policy, instance, every, now())
        .await
    {
        Ok(RetentionRun::Done {
            sweep,
            acted,
            examined,
            underage_erased,
        }) => eprintln!(
            "portal: scheduled retention sweep {sweep}: {acted} of {examined} records deleted \
             or anonymised, {underage_erased} people below the minimum age erased"
        ),
        Ok(RetentionRun::Failed { error }) => eprintln!(
            "portal: the scheduled retention sweep failed and will be tried again in five \
             minutes: {error}"
        ),
        Ok(RetentionRun::Skipped(Claim::NotDue { .. } | Claim::Held { .. })) => {}
        Ok(RetentionRun::Skipped(Claim::Claimed(_))) => {}
        Err(error) => eprintln!("portal: could not run the scheduled retention sweep: {error}"),
    }
}

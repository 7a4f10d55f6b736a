//! Jobs that run by themselves on a cadence, coordinated through the database so that a
//! deployment of several instances needs no scheduler of its own.
//!
//! Each job is one `scheduled_job` row: when it is due next, which instance holds it and until
//! when (the lease), and how its last run ended. An instance runs a job only after one
//! conditional `UPDATE` has made it the holder (due, and not held by a live lease), so exactly
//! one instance runs each run, on SQLite and PostgreSQL alike. The holder renews its lease
//! while it runs, so a long run keeps the job and a dead holder loses it within [`LEASE`]. A run that ends well makes the
//! job due again one cadence later; a run that fails is recorded with its error, counted, and
//! retried after [`RETRY_AFTER`] (or the cadence, if shorter); a holder that dies leaves a lease
//! that runs out, after which any instance takes the job over.
//!
//! [`RETENTION_JOB`] is the retention sweep: people found below the policy's minimum age are
//! erased (K43), then every due record is deleted or anonymised ([`Store::sweep`]). Both are
//! resumable, so a run cut short is finished by the next.

use pledge_policy::ValidPolicy;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::db;
use crate::sweep::SweepOptions;
use crate::{Store, StoreError};

/// The retention sweep's job name.
pub const RETENTION_JOB: &str = "retention-sweep";
/// How long a claim lasts unless its holder renews it: an instance that dies mid-run holds the
/// job at most this long before another takes it over.
pub const LEASE: Duration = Duration::seconds(45);
/// How often a running job's holder renews its lease.
const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
/// How soon a failed run is tried again.
pub const RETRY_AFTER: Duration = Duration::minutes(5);
/// How much of an error message is kept with the job.
const ERROR_LIMIT: usize = 500;

/// A job an instance has claimed: it runs it, then reports with [`Store::finish_job`] or
/// [`Store::fail_job`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobClaim {
    /// The job's name.
    pub name: String,
    /// The instance that holds it.
    pub instance: String,
    /// When the claim was made.
    pub started_at: OffsetDateTime,
}

/// What asking for a job gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This instance holds the job now and must run it.
    Claimed(JobClaim),
    /// The job is not due before `next`.
    NotDue {
        /// When it is due.
        next: OffsetDateTime,
    },
    /// Another instance holds it until `until`.
    Held {
        /// The instance running it.
        holder: String,
        /// When its lease runs out.
        until: OffsetDateTime,
    },
}

/// A scheduled job as the office and the metrics see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledJob {
    /// The job's name.
    pub name: String,
    /// When it runs next.
    pub due_at: OffsetDateTime,
    /// The instance running it now, with its lease's end.
    pub running: Option<(String, OffsetDateTime)>,
    /// When the last run began and ended.
    pub last_started_at: Option<OffsetDateTime>,
    /// When the last run ended.
    pub last_finished_at: Option<OffsetDateTime>,
    /// `ok` or `failed`.
    pub last_outcome: Option<String>,
    /// Why the last run failed.
    pub last_error: Option<String>,
    /// What the last run did, in words.
    pub last_summary: Option<String>,
    /// Failed runs in a row.
    pub failures: u32,
}

/// How a scheduled retention run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetentionRun {
    /// Another instance holds the job, or it is not due: nothing was done here.
    Skipped(Claim),
    /// The run finished.
    Done {
        /// The sweep's run id (in the sweep history).
        sweep: Uuid,
        /// Records deleted or anonymised.
        acted: u64,
        /// Records examined.
        examined: u64,
        /// People erased for being below the minimum age.
        underage_erased: usize,
    },
    /// The run failed; it is recorded and will be retried.
    Failed {
        /// The error, as recorded.
        error: String,
    },
}

fn job_row(row: &QueryResult) -> Result<ScheduledJob, StoreError> {
    let broken = |_| StoreError::Corrupt {
        what: "scheduled job",
    };
    let holder: Option<String> = row.try_get("", "holder").map_err(broken)?;
    let lease: Option<OffsetDateTime> = row.try_get("", "lease_until").map_err(broken)?;
    let failures: i32 = row.try_get("", "failures").map_err(broken)?;
    Ok(ScheduledJob {
        name: row.try_get("", "name").map_err(broken)?,
        due_at: row.try_get("", "due_at").map_err(broken)?,
        running: holder.zip(lease),
        last_started_at: row.try_get("", "last_started_at").map_err(broken)?,
        last_finished_at: row.try_get("", "last_finished_at").map_err(broken)?,
        last_outcome: row.try_get("", "last_outcome").map_err(broken)?,
        last_error: row.try_get("", "last_error").map_err(broken)?,
        last_summary: row.try_get("", "last_summary").map_err(broken)?,
        failures: u32::try_from(failures).unwrap_or_default(),
    })
}

const JOB_COLUMNS: [&str; 10] = [
    "name",
    "due_at",
    "holder",
    "lease_until",
    "last_started_at",
    "last_finished_at",
    "last_outcome",
    "last_error",
    "last_summary",
    "failures",
];

impl Store {
    /// Claims job `name` for `instance` if it is due at `now` and nobody holds it. A job met
    /// for the first time is registered as due at `first_due`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn claim_job(
        &self,
        name: &str,
        instance: &str,
        first_due: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Claim, StoreError> {
        let mut first = Query::insert();
        first
            .into_table("scheduled_job")
            .columns(["id", "name", "due_at", "failures"])
            .values([
                Uuid::now_v7().into(),
                name.to_owned().into(),
                first_due.into(),
                0_i32.into(),
            ])
            .map_err(|_| StoreError::Corrupt {
                what: "scheduled job",
            })?
            .on_conflict(OnConflict::column("name").do_nothing().to_owned());
        self.db
            .execute(&first)
            .await
            .map_err(db("register a scheduled job"))?;
        let mut claim = Query::update();
        claim
            .table("scheduled_job")
            .value("holder", instance.to_owned())
            .value("lease_until", now + LEASE)
            .value("last_started_at", now)
            .and_where(Expr::col("name").eq(name.to_owned()))
            .and_where(Expr::col("due_at").lte(now))
            .and_where(
                Expr::col("lease_until")
                    .is_null()
                    .or(Expr::col("lease_until").lte(now)),
            );
        let claimed = self
            .db
            .execute(&claim)
            .await
            .map_err(db("claim a scheduled job"))?;
        if claimed.rows_affected() == 1 {
            return Ok(Claim::Claimed(JobClaim {
                name: name.to_owned(),
                instance: instance.to_owned(),
                started_at: now,
            }));
        }
        let job = self.scheduled_job(name).await?.ok_or(StoreError::Corrupt {
            what: "scheduled job",
        })?;
        Ok(match job.running {
            Some((holder, until)) if until > now => Claim::Held { holder, until },
            _ => Claim::NotDue { next: job.due_at },
        })
    }

    /// Records that `claim`'s run ended well, having done `summary`; the job is due again at
    /// `next`.
    ///
    /// # Errors
    /// Database failures; [`StoreError::JobLost`] when the claim was lost (its lease ran out
    /// and another instance took the job over).
    pub async fn finish_job(
        &self,
        claim: &JobClaim,
        summary: &str,
        next: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut done = Query::update();
        done.table("scheduled_job")
            .value("due_at", next)
            .value("last_outcome", "ok")
            .value("last_error", Option::<String>::None)
            .value("last_summary", summary.to_owned())
            .value("failures", 0_i32);
        self.release_job(claim, done, now).await
    }

    /// Records that `claim`'s run failed with `error`; the job is tried again at `retry_at`.
    ///
    /// # Errors
    /// As [`Store::finish_job`].
    pub async fn fail_job(
        &self,
        claim: &JobClaim,
        error: &str,
        retry_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(ERROR_LIMIT).collect();
        let mut failed = Query::update();
        failed
            .table("scheduled_job")
            .value("due_at", retry_at)
            .value("last_outcome", "failed")
            .value("last_error", error)
            .value("failures", Expr::col("failures").add(1));
        self.release_job(claim, failed, now).await
    }

    /// Runs `work` while renewing `claim`'s lease every [`RENEW_EVERY`], counting the time
    /// that passes from the claim's own moment. Each renewal is polled beside the work, never
    /// instead of it: on SQLite's single connection a renewal waits for the work's open
    /// transaction, which must go on to finish. A renewal that fails is tried again at the
    /// next one; the work goes on either way (every run is safe to overlap with another).
    async fn holding<T>(&self, claim: &JobClaim, work: impl Future<Output = T>) -> T {
        let started = tokio::time::Instant::now();
        let mut work = std::pin::pin!(work);
        loop {
            let renewal = async {
                tokio::time::sleep(RENEW_EVERY).await;
                let elapsed = Duration::try_from(started.elapsed()).unwrap_or_default();
                let _ = self
                    .renew_lease(claim, claim.started_at + elapsed + LEASE)
                    .await;
            };
            tokio::select! {
                done = &mut work => return done,
                () = renewal => {}
            }
        }
    }

    /// Moves `claim`'s lease to `until`, if the claim still holds the job.
    async fn renew_lease(&self, claim: &JobClaim, until: OffsetDateTime) -> Result<(), StoreError> {
        let mut renew = Query::update();
        renew
            .table("scheduled_job")
            .value("lease_until", until)
            .and_where(Expr::col("name").eq(claim.name.clone()))
            .and_where(Expr::col("holder").eq(claim.instance.clone()));
        self.db
            .execute(&renew)
            .await
            .map_err(db("renew a scheduled job's lease"))?;
        Ok(())
    }

    async fn release_job(
        &self,
        claim: &JobClaim,
        mut update: sea_orm::sea_query::UpdateStatement,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        update
            .value("holder", Option::<String>::None)
            .value("lease_until", Option::<OffsetDateTime>::None)
            .value("last_finished_at", now)
            .and_where(Expr::col("name").eq(claim.name.clone()))
            .and_where(Expr::col("holder").eq(claim.instance.clone()));
        let released = self
            .db
            .execute(&update)
            .await
            .map_err(db("record a scheduled job's run"))?;
        if released.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::JobLost {
                job: claim.name.clone(),
                instance: claim.instance.clone(),
            })
        }
    }

    /// Job `name`, if it has ever been claimed.
    ///
    /// # Errors
    /// Database failures.
    pub async fn scheduled_job(&self, name: &str) -> Result<Option<ScheduledJob>, StoreError> {
        let mut select = Query::select();
        select
            .columns(JOB_COLUMNS)
            .from("scheduled_job")
            .and_where(Expr::col("name").eq(name.to_owned()));
        let row = self
            .db
            .query_one(&select)
            .await
            .map_err(db("read a scheduled job"))?;
        row.as_ref().map(job_row).transpose()
    }

    /// Runs the retention job under `policy` if it is due at `now` and no other instance holds
    /// it: erases people found below the minimum age, then sweeps. The first run of a
    /// deployment comes `every` after its first start; when a run ends the job is due again
    /// `every` later; when it fails the failure is recorded (and the sweep run marked
    /// failed) and the job retried after [`RETRY_AFTER`] or `every`, whichever is sooner.
    ///
    /// # Errors
    /// Database failures while claiming or recording the job; failures of the run itself are
    /// recorded and returned as [`RetentionRun::Failed`].
    pub async fn run_retention_job(
        &self,
        policy: &ValidPolicy,
        instance: &str,
        every: Duration,
        now: OffsetDateTime,
    ) -> Result<RetentionRun, StoreError> {
        let claim = match self
            .claim_job(RETENTION_JOB, instance, now + every, now)
            .await?
        {
            Claim::Claimed(claim) => claim,
            other => return Ok(RetentionRun::Skipped(other)),
        };
        let run = self.retention_run(policy, instance, now);
        match self.holding(&claim, run).await {
            Ok(done) => {
                let RetentionRun::Done {
                    acted,
                    examined,
                    underage_erased,
                    ..
                } = &done
                else {
                    return Ok(done);
                };
                let summary = format!(
                    "{acted} of {examined} records deleted or anonymised; \
                     {underage_erased} people below the minimum age erased"
                );
                self.finish_job(&claim, &summary, now + every, now).await?;
                Ok(done)
            }
            Err(error) => {
                let text = error.to_string();
                self.fail_job(&claim, &text, now + RETRY_AFTER.min(every), now)
                    .await?;
                Ok(RetentionRun::Failed { error: text })
            }
        }
    }

    async fn retention_run(
        &self,
        policy: &ValidPolicy,
        instance: &str,
        now: OffsetDateTime,
    ) -> Result<RetentionRun, StoreError> {
        let actor = self.audit.service("retention-scheduler");
        let underage = self.erase_below_minimum_age(policy, actor, now).await?;
        let options = SweepOptions {
            dry_run: false,
            batch_size: self.sweep_batch_size(),
            instance: instance.to_owned(),
            ..SweepOptions::default()
        };
        let report = self.sweep(policy, &options, actor, now, |_| {}).await?;
        Ok(RetentionRun::Done {
            sweep: report.run,
            acted: report.acted,
            examined: report.examined,
            underage_erased: underage.len(),
        })
    }
}

//! Retention sweeps: every record the store holds about people, judged by
//! [`pledge_retention::RetentionEngine`] under the deployed policy, and deleted, anonymised or
//! stripped of expired columns when its time is up.
//!
//! - **What a record is.** A row of a table about people. Its category is the one the policy
//!   claims the table's rows with; a sealed column claimed by another category (a comment's IP
//!   address, J11) is judged on its own and cleared when its own rule runs out. Rows of child
//!   tables (a ticket's messages) go with their parent.
//! - **Facts.** The row's own lifecycle events (its declared timestamp columns) and the
//!   person's (account created, account deleted), the person's active legal holds, and their
//!   open requests that hold data (access, portability, correction, restriction).
//! - **Batches.** Each batch is one transaction: the rows are selected (on PostgreSQL with
//!   `FOR UPDATE SKIP LOCKED`, so two instances never take the same row), judged, changed with
//!   conditional statements, audited (one entry per person, category and kind of change, naming
//!   every record it covers and the run), and the run's progress updated. A
//!   crash loses at most the batch in flight, which the next run redoes; a record already
//!   handled is no longer due, so nothing is done twice.
//! - **Dry run.** The same judgement without changes: what is due and why.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pledge_audit::{Action, ActorKey, Event, RequestId};
use pledge_domain::{CategoryId, LifecycleEvent, PersonId, RecordId};
use pledge_policy::ValidPolicy;
use pledge_retention::{
    CategoryIndex, Decision, EventAt, LegalHold, OpenRequest, RecordFacts, RequestKind,
    RetentionEngine,
};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult, Value as DbValue};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::declared::{self, Erasure, TableDeclaration};
use crate::error::db;
use crate::{Store, StoreError};

/// How to run a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOptions {
    /// Report only; change nothing.
    pub dry_run: bool,
    /// Records per transaction.
    pub batch_size: u64,
    /// Which process runs it (recorded with the run and its claims).
    pub instance: String,
    /// How many due records a dry run lists in detail.
    pub list_limit: usize,
    /// How far a dry run looks ahead: it applies the rules as of `now + ahead`, so that it
    /// lists what falls due within that time. A real run always applies them as of `now`.
    pub ahead: time::Duration,
}

impl Default for SweepOptions {
    fn default() -> Self {
        Self {
            dry_run: true,
            batch_size: 500,
            instance: "pledge".to_owned(),
            list_limit: 1_000,
            ahead: time::Duration::ZERO,
        }
    }
}

/// What is done to a due record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SweepAction {
    /// The row is deleted (with its child rows).
    Delete,
    /// The row is kept without its link to the person and without its sealed columns.
    Anonymise,
    /// Some sealed columns whose own rule ran out are cleared.
    ClearColumns,
}

/// One due record, as a dry run lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueRecord {
    /// The table.
    pub table: &'static str,
    /// The row's key.
    pub id: Uuid,
    /// The category whose rule ran out.
    pub category: String,
    /// What happens to it.
    pub action: SweepAction,
    /// Why, in a sentence.
    pub why: String,
}

/// Where a sweep stands, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SweepProgress {
    /// The table being swept.
    pub table: &'static str,
    /// Tables finished so far, and in all.
    pub tables_done: usize,
    /// Tables to sweep.
    pub tables: usize,
    /// Records examined so far.
    pub examined: u64,
    /// Records changed (or, in a dry run, due) so far.
    pub acted: u64,
}

/// The result of a sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// The run's id (a row of `sweep_run`).
    pub run: Uuid,
    /// A report only?
    pub dry_run: bool,
    /// Records examined.
    pub examined: u64,
    /// Records changed (or due, in a dry run).
    pub acted: u64,
    /// Counts per table, category and action.
    pub counts: BTreeMap<(String, String, SweepAction), u64>,
    /// The due records, up to the options' limit (dry runs only).
    pub due: Vec<DueRecord>,
}

/// What one table contributes to a sweep: its record category and the categories of sealed
/// columns judged apart.
struct Plan {
    table: &'static TableDeclaration,
    category: (String, CategoryIndex),
    columns: Vec<((String, CategoryIndex), Vec<&'static str>)>,
}

/// The per-person facts of one batch.
#[derive(Default)]
struct PersonFacts {
    events: HashMap<Uuid, Vec<EventAt>>,
    holds: HashMap<Uuid, Vec<LegalHold>>,
    requests: HashMap<Uuid, Vec<OpenRequest>>,
}

/// The verdict on one row.
struct Verdict {
    id: Uuid,
    person: PersonId,
    action: SweepAction,
    category: String,
    columns: Vec<&'static str>,
    why: String,
}

fn plans(policy: &ValidPolicy, engine: &RetentionEngine) -> Vec<Plan> {
    let index = |category: &str| -> Option<(String, CategoryIndex)> {
        let id = CategoryId::new(category).ok()?;
        engine.category(&id).ok().map(|i| (category.to_owned(), i))
    };
    declared::owned_tables()
        .filter(|t| t.erasure != Erasure::CryptoShred && t.parent.is_none())
        .filter_map(|table| {
            let category = index(declared::category_of(policy, table.table)?)?;
            let mut columns: Vec<((String, CategoryIndex), Vec<&'static str>)> = Vec::new();
            for column in table.personal {
                let claim = format!("{}.{column}", table.table);
                let Some(own) = declared::category_of(policy, &claim).and_then(index) else {
                    continue;
                };
                if own.0 == category.0 {
                    continue;
                }
                match columns.iter_mut().find(|(c, _)| c.0 == own.0) {
                    Some((_, list)) => list.push(column),
                    None => columns.push((own, vec![column])),
                }
            }
            Some(Plan {
                table,
                category,
                columns,
            })
        })
        .collect()
}

/// The columns a batch reads: the key, the owners, the event timestamps, and the sealed
/// columns judged on their own (only whether they are empty matters).
fn needed_columns(plan: &Plan) -> Vec<&'static str> {
    let table = plan.table;
    let mut seen = BTreeSet::new();
    std::iter::once(key_column(table))
        .chain(table.owner.iter().copied())
        .chain(table.events.iter().map(|(c, _)| *c))
        .chain(
            plan.columns
                .iter()
                .flat_map(|(_, cols)| cols.iter().copied()),
        )
        .filter(|c| seen.insert(*c))
        .collect()
}

fn key_column(table: &TableDeclaration) -> &'static str {
    if table.other.iter().any(|(c, _, _)| *c == "id") {
        "id"
    } else {
        table.owner.first().copied().unwrap_or("id")
    }
}

fn request_kind(text: &str) -> Option<RequestKind> {
    match text {
        "access" => Some(RequestKind::Access),
        "portability" => Some(RequestKind::Portability),
        "rectification" => Some(RequestKind::Rectification),
        "restriction" => Some(RequestKind::Restriction),
        _ => None,
    }
}

/// Can this table's rows lose their owner (its owner columns are nullable)?
fn anonymisable(table: &TableDeclaration) -> bool {
    matches!(
        table.erasure,
        Erasure::Anonymise | Erasure::Pseudonymise { .. }
    )
}

/// People per `IN (…)` list when reading facts, well inside SQLite's parameter limit.
const FACTS_CHUNK: usize = 1_000;

/// The events, holds and open requests of `people`.
async fn facts_of(
    txn: &DatabaseTransaction,
    people: &BTreeSet<Uuid>,
) -> Result<PersonFacts, StoreError> {
    let mut facts = PersonFacts::default();
    let people: Vec<Uuid> = people.iter().copied().collect();
    for chunk in people.chunks(FACTS_CHUNK) {
        facts_of_chunk(txn, chunk, &mut facts).await?;
    }
    Ok(facts)
}

async fn facts_of_chunk(
    txn: &DatabaseTransaction,
    people: &[Uuid],
    facts: &mut PersonFacts,
) -> Result<(), StoreError> {
    let ids: Vec<DbValue> = people.iter().map(|p| (*p).into()).collect();
    let corrupt = |_| StoreError::Corrupt {
        what: "sweep facts",
    };
    let mut select = Query::select();
    select
        .columns(["id", "created_at", "erased_at"])
        .from("person")
        .and_where(Expr::col("id").is_in(ids.clone()));
    for row in txn
        .query_all(&select)
        .await
        .map_err(db("read people's events"))?
    {
        let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
        let mut events = vec![EventAt {
            event: LifecycleEvent::AccountCreated,
            at: row.try_get("", "created_at").map_err(corrupt)?,
        }];
        if let Some(at) = row
            .try_get::<Option<OffsetDateTime>>("", "erased_at")
            .map_err(corrupt)?
        {
            events.push(EventAt {
                event: LifecycleEvent::AccountDeleted,
                at,
            });
        }
        facts.events.insert(id, events);
    }
    let mut select = Query::select();
    select
        .columns(["id", "person_id", "reason", "owner", "expires_at"])
        .from("legal_hold")
        .and_where(Expr::col("person_id").is_in(ids.clone()))
        .and_where(Expr::col("released_at").is_null());
    for row in txn
        .query_all(&select)
        .await
        .map_err(db("read legal holds"))?
    {
        let person: Uuid = row.try_get("", "person_id").map_err(corrupt)?;
        let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
        facts.holds.entry(person).or_default().push(LegalHold {
            id: id.to_string(),
            reason: row.try_get("", "reason").map_err(corrupt)?,
            owner: row.try_get("", "owner").map_err(corrupt)?,
            expires: row.try_get("", "expires_at").map_err(corrupt)?,
        });
    }
    let mut select = Query::select();
    select
        .columns(["id", "person_id", "kind", "received_at"])
        .from("subject_request")
        .and_where(Expr::col("person_id").is_in(ids))
        .and_where(Expr::col("status").is_in(["open", "extended"]));
    for row in txn
        .query_all(&select)
        .await
        .map_err(db("read open requests"))?
    {
        let kind: String = row.try_get("", "kind").map_err(corrupt)?;
        let Some(kind) = request_kind(&kind) else {
            continue;
        };
        let person: Uuid = row.try_get("", "person_id").map_err(corrupt)?;
        let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
        facts.requests.entry(person).or_default().push(OpenRequest {
            id: id.to_string(),
            kind,
            opened: row.try_get("", "received_at").map_err(corrupt)?,
        });
    }
    Ok(())
}

fn row_events(
    table: &TableDeclaration,
    row: &QueryResult,
    person: &[EventAt],
) -> Result<Vec<EventAt>, StoreError> {
    let mut events = person.to_vec();
    for (column, event) in table.events {
        let at: Option<OffsetDateTime> =
            row.try_get("", column).map_err(|_| StoreError::Corrupt {
                what: "event timestamp",
            })?;
        if let Some(at) = at {
            events.push(EventAt { event: *event, at });
        }
    }
    Ok(events)
}

/// Judges one row; `explain` asks for the reason in words (dry runs list it; applying does not
/// need it, and formatting a sentence per record would cost a million strings per sweep).
fn judge(
    plan: &Plan,
    engine: &RetentionEngine,
    row: &QueryResult,
    facts: &PersonFacts,
    now: OffsetDateTime,
    explain: bool,
) -> Result<Option<Verdict>, StoreError> {
    let corrupt = |_| StoreError::Corrupt { what: "swept row" };
    let table = plan.table;
    let id: Uuid = row.try_get("", key_column(table)).map_err(corrupt)?;
    let owner: Option<Uuid> = row
        .try_get("", table.owner.first().copied().unwrap_or("person_id"))
        .map_err(corrupt)?;
    let Some(owner) = owner else {
        return Ok(None);
    };
    let events = row_events(
        table,
        row,
        facts.events.get(&owner).map_or(&[], Vec::as_slice),
    )?;
    let holds = facts.holds.get(&owner).map_or(&[][..], Vec::as_slice);
    let requests = facts.requests.get(&owner).map_or(&[][..], Vec::as_slice);
    let decide = |category: CategoryIndex, fields: &[&str]| {
        engine
            .evaluate(
                &RecordFacts {
                    category,
                    events: &events,
                    holds,
                    requests,
                    personal_fields: fields,
                },
                now,
            )
            .map_err(|_| StoreError::Corrupt {
                what: "retention category",
            })
    };
    let verdict = |action, category: &str, columns, decision: &Decision| Verdict {
        id,
        person: PersonId::from_uuid(owner),
        action,
        category: category.to_owned(),
        columns,
        why: if explain {
            decision.explain(engine)
        } else {
            String::new()
        },
    };
    let decision = decide(plan.category.1, table.personal)?;
    match decision {
        Decision::Delete { .. } => {
            return Ok(Some(verdict(
                SweepAction::Delete,
                &plan.category.0,
                Vec::new(),
                &decision,
            )));
        }
        Decision::Anonymise { .. } => {
            let action = if anonymisable(table) {
                SweepAction::Anonymise
            } else {
                SweepAction::Delete
            };
            return Ok(Some(verdict(
                action,
                &plan.category.0,
                Vec::new(),
                &decision,
            )));
        }
        Decision::Keep { .. } | Decision::Held(_) => {}
    }
    for ((name, category), columns) in &plan.columns {
        let present: Vec<&'static str> = columns
            .iter()
            .copied()
            .filter(|c| {
                row.try_get::<Option<Vec<u8>>>("", c)
                    .ok()
                    .flatten()
                    .is_some()
            })
            .collect();
        if present.is_empty() {
            continue;
        }
        let decision = decide(*category, &present)?;
        if decision.is_due() {
            return Ok(Some(verdict(
                SweepAction::ClearColumns,
                name,
                present,
                &decision,
            )));
        }
    }
    Ok(None)
}

/// Rows changed per statement.
const CHUNK: usize = 2_000;

/// Carries out `verdicts` inside `txn`, one statement per 2,000 records and kind of change, and returns those
/// whose row was still there to change (each statement returns the keys it touched).
async fn apply_all(
    txn: &DatabaseTransaction,
    table: &'static TableDeclaration,
    verdicts: Vec<Verdict>,
) -> Result<Vec<Verdict>, StoreError> {
    let mut groups: BTreeMap<(SweepAction, Vec<&'static str>), Vec<Verdict>> = BTreeMap::new();
    for verdict in verdicts {
        groups
            .entry((verdict.action, verdict.columns.clone()))
            .or_default()
            .push(verdict);
    }
    let mut done = Vec::new();
    for ((action, columns), group) in groups {
        for chunk in group.chunks(CHUNK) {
            let ids: Vec<Uuid> = chunk.iter().map(|v| v.id).collect();
            let touched = apply_chunk(txn, table, action, &columns, ids).await?;
            done.extend(
                chunk
                    .iter()
                    .filter(|v| touched.contains(&v.id))
                    .map(|v| Verdict {
                        id: v.id,
                        person: v.person,
                        action: v.action,
                        category: v.category.clone(),
                        columns: v.columns.clone(),
                        why: String::new(),
                    }),
            );
        }
    }
    Ok(done)
}

/// One statement changing the rows keyed by `ids`; returns the keys it touched.
async fn apply_chunk(
    txn: &DatabaseTransaction,
    table: &'static TableDeclaration,
    action: SweepAction,
    columns: &[&'static str],
    ids: Vec<Uuid>,
) -> Result<BTreeSet<Uuid>, StoreError> {
    let key = key_column(table);
    let rows = match action {
        SweepAction::Delete => {
            let mut delete = Query::delete();
            delete
                .from_table(table.table)
                .and_where(Expr::col(key).is_in(ids))
                .returning_col(key);
            txn.query_all(&delete).await
        }
        SweepAction::Anonymise | SweepAction::ClearColumns => {
            let mut update = Query::update();
            update
                .table(table.table)
                .and_where(Expr::col(key).is_in(ids))
                .returning_col(key);
            if action == SweepAction::Anonymise {
                for owner in table.owner {
                    update
                        .value(*owner, DbValue::Uuid(None))
                        .and_where(Expr::col(*owner).is_not_null());
                }
                for column in table.personal {
                    update.value(*column, DbValue::Bytes(None));
                }
            } else {
                let any_left = columns.iter().fold(sea_orm::Condition::any(), |c, col| {
                    c.add(Expr::col(*col).is_not_null())
                });
                for column in columns {
                    update.value(*column, DbValue::Bytes(None));
                }
                update.cond_where(any_left);
            }
            txn.query_all(&update).await
        }
    };
    rows.map_err(db("apply a retention decision"))?
        .iter()
        .map(|row| {
            row.try_get::<Uuid>("", key)
                .map_err(|_| StoreError::Corrupt { what: "swept key" })
        })
        .collect()
}

impl Store {
    /// The batch size that sweeps fastest on this store's backend without holding up others:
    /// 50,000 records on SQLite (one writer works alone; fewer, larger transactions), 1,000 on
    /// PostgreSQL (instances share a sweep's batches and readers are never blocked long).
    pub fn sweep_batch_size(&self) -> u64 {
        match self.backend() {
            crate::Backend::Sqlite => 50_000,
            crate::Backend::Postgres => 1_000,
        }
    }

    /// Runs a retention sweep under `policy` at `now`: a dry run reports what is due and why;
    /// otherwise due records are changed batch by batch. `progress` is called after every
    /// batch.
    ///
    /// # Errors
    /// Database failures; the batches committed before a failure stay done, and the next run
    /// carries on.
    pub async fn sweep(
        &self,
        policy: &ValidPolicy,
        options: &SweepOptions,
        actor: ActorKey,
        now: OffsetDateTime,
        mut progress: impl FnMut(SweepProgress),
    ) -> Result<SweepReport, StoreError> {
        let engine = RetentionEngine::new(policy);
        let plans = plans(policy, &engine);
        let run = self.start_run(options, now).await?;
        let as_of = if options.dry_run {
            now + options.ahead
        } else {
            now
        };
        let mut report = SweepReport {
            run,
            dry_run: options.dry_run,
            examined: 0,
            acted: 0,
            counts: BTreeMap::new(),
            due: Vec::new(),
        };
        let swept = self
            .sweep_plans(
                &plans,
                &engine,
                options,
                actor,
                as_of,
                run,
                &mut report,
                &mut progress,
            )
            .await;
        // The run's own failure matters more than failing to mark it so.
        let ended = self.end_run(run, swept.is_ok(), now).await;
        swept?;
        ended?;
        Ok(report)
    }

    /// Every table's batches in turn.
    #[allow(clippy::too_many_arguments)]
    async fn sweep_plans(
        &self,
        plans: &[Plan],
        engine: &RetentionEngine,
        options: &SweepOptions,
        actor: ActorKey,
        as_of: OffsetDateTime,
        run: Uuid,
        report: &mut SweepReport,
        progress: &mut impl FnMut(SweepProgress),
    ) -> Result<(), StoreError> {
        for (done, plan) in plans.iter().enumerate() {
            let mut cursor: Option<Uuid> = None;
            loop {
                let batch = self
                    .sweep_batch(plan, engine, options, actor, as_of, cursor, run, report)
                    .await?;
                progress(SweepProgress {
                    table: plan.table.table,
                    tables_done: done,
                    tables: plans.len(),
                    examined: report.examined,
                    acted: report.acted,
                });
                match batch {
                    Some(last) => cursor = Some(last),
                    None => break,
                }
            }
        }
        Ok(())
    }

    async fn start_run(
        &self,
        options: &SweepOptions,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let mut insert = Query::insert();
        insert
            .into_table("sweep_run")
            .columns([
                "id",
                "instance",
                "dry_run",
                "status",
                "examined",
                "acted",
                "started_at",
            ])
            .values([
                id.into(),
                options.instance.clone().into(),
                options.dry_run.into(),
                "running".into(),
                0_i64.into(),
                0_i64.into(),
                now.into(),
            ])
            .map_err(|_| StoreError::Corrupt { what: "sweep run" })?;
        self.db
            .execute(&insert)
            .await
            .map_err(db("record a sweep run"))?;
        Ok(id)
    }

    /// Marks the run `finished`, or `failed` when a batch failed (the batches before it stay
    /// done; the next run carries on).
    async fn end_run(&self, run: Uuid, ok: bool, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut update = Query::update();
        update
            .table("sweep_run")
            .value("status", if ok { "finished" } else { "failed" })
            .value("finished_at", now)
            .and_where(Expr::col("id").eq(run));
        self.db
            .execute(&update)
            .await
            .map_err(db("finish a sweep run"))?;
        Ok(())
    }

    /// One batch of one table in one transaction; returns the last key seen, or `None` when
    /// the table is done.
    #[allow(clippy::too_many_arguments)]
    async fn sweep_batch(
        &self,
        plan: &Plan,
        engine: &RetentionEngine,
        options: &SweepOptions,
        actor: ActorKey,
        now: OffsetDateTime,
        cursor: Option<Uuid>,
        run: Uuid,
        report: &mut SweepReport,
    ) -> Result<Option<Uuid>, StoreError> {
        let table = plan.table;
        let key = key_column(table);
        let txn = self.write_txn("start a sweep batch").await?;
        let mut select = Query::select();
        select
            .columns(needed_columns(plan))
            .from(table.table)
            .order_by(key, Order::Asc)
            .limit(Ord::max(options.batch_size, 1));
        for owner in table.owner {
            select.and_where(Expr::col(*owner).is_not_null());
        }
        if let Some(after) = cursor {
            select.and_where(Expr::col(key).gt(after));
        }
        if !options.dry_run && txn.get_database_backend() == DbBackend::Postgres {
            select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = txn
            .query_all(&select)
            .await
            .map_err(db("read a sweep batch"))?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        let last: Uuid = last
            .try_get("", key)
            .map_err(|_| StoreError::Corrupt { what: "swept row" })?;
        let owner_column = table.owner.first().copied().unwrap_or("person_id");
        let people: BTreeSet<Uuid> = rows
            .iter()
            .filter_map(|r| r.try_get::<Option<Uuid>>("", owner_column).ok().flatten())
            .collect();
        let facts = facts_of(&txn, &people).await?;
        let mut verdicts = Vec::new();
        for row in &rows {
            if let Some(verdict) = judge(plan, engine, row, &facts, now, options.dry_run)? {
                verdicts.push(verdict);
            }
        }
        let done: Vec<Verdict> = if options.dry_run {
            for verdict in &verdicts {
                if report.due.len() < options.list_limit {
                    report.due.push(DueRecord {
                        table: table.table,
                        id: verdict.id,
                        category: verdict.category.clone(),
                        action: verdict.action,
                        why: verdict.why.clone(),
                    });
                }
            }
            verdicts
        } else {
            apply_all(&txn, table, verdicts).await?
        };
        let events: Vec<Event> = if options.dry_run {
            Vec::new()
        } else {
            self.sweep_events(actor, run, &done)
        };
        let acted = u64::try_from(done.len()).unwrap_or(u64::MAX);
        for verdict in done {
            *report
                .counts
                .entry((table.table.to_owned(), verdict.category, verdict.action))
                .or_default() += 1;
        }
        let examined = u64::try_from(rows.len()).unwrap_or(u64::MAX);
        #[cfg(feature = "fault-injection")]
        let txn = if fault_audit_apart() {
            // Deliberately broken: the changes commit before their audit entries exist.
            txn.commit().await.map_err(db("commit a sweep batch"))?;
            self.write_txn("start auditing a sweep batch").await?
        } else {
            txn
        };
        if !events.is_empty() {
            self.audit.append(&txn, events, now).await?;
        }
        let mut progress = Query::update();
        progress
            .table("sweep_run")
            .value(
                "examined",
                Expr::col("examined").add(i64::try_from(examined).unwrap_or(i64::MAX)),
            )
            .value(
                "acted",
                Expr::col("acted").add(i64::try_from(acted).unwrap_or(i64::MAX)),
            )
            .and_where(Expr::col("id").eq(run));
        txn.execute(&progress)
            .await
            .map_err(db("record sweep progress"))?;
        txn.commit().await.map_err(db("commit a sweep batch"))?;
        report.examined += examined;
        report.acted += acted;
        Ok(Some(last))
    }

    /// The audit entries of a batch's changes: one per person, category and kind of change,
    /// naming every record it covers, tied to the run.
    fn sweep_events(&self, actor: ActorKey, run: Uuid, done: &[Verdict]) -> Vec<Event> {
        let mut grouped: BTreeMap<(PersonId, &str, Action), BTreeSet<RecordId>> = BTreeMap::new();
        for verdict in done {
            let action = match verdict.action {
                SweepAction::Delete => Action::Delete,
                SweepAction::Anonymise | SweepAction::ClearColumns => Action::Update,
            };
            grouped
                .entry((verdict.person, verdict.category.as_str(), action))
                .or_default()
                .insert(RecordId::from_uuid(verdict.id));
        }
        grouped
            .into_iter()
            .map(|((person, category, action), records)| {
                let categories = CategoryId::new(category)
                    .map(|c| [c].into())
                    .unwrap_or_default();
                let mut event = self
                    .audit
                    .event_about(actor, action, person, categories, None);
                event.request = RequestId::from_bytes(*run.as_bytes());
                event.records = records;
                event
            })
            .collect()
    }
}

/// The crash tests' deliberately broken variant: with the `fault-injection` feature and
/// `PLEDGE_FAULT=audit-in-separate-transaction`, a sweep batch commits its changes and writes
/// their audit entries in a second transaction — the bug the crash tests must catch.
#[cfg(feature = "fault-injection")]
fn fault_audit_apart() -> bool {
    std::env::var("PLEDGE_FAULT").is_ok_and(|v| v == "audit-in-separate-transaction")
}

/// A sweep as the retention dashboard's history lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepRun {
    /// The run's id.
    pub id: Uuid,
    /// Which process ran it.
    pub instance: String,
    /// A report only?
    pub dry_run: bool,
    /// `running` or `finished`.
    pub status: String,
    /// Records examined so far.
    pub examined: u64,
    /// Records changed (or due, in a dry run) so far.
    pub acted: u64,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// When it finished, once it did.
    pub finished_at: Option<OffsetDateTime>,
}

impl Store {
    /// The newest `limit` sweeps, newest first, with the progress each recorded after every
    /// batch (a running sweep's counts grow as it goes).
    ///
    /// # Errors
    /// Database failures.
    pub async fn sweep_runs(&self, limit: u64) -> Result<Vec<SweepRun>, StoreError> {
        let mut select = Query::select();
        select
            .columns([
                "id",
                "instance",
                "dry_run",
                "status",
                "examined",
                "acted",
                "started_at",
                "finished_at",
            ])
            .from("sweep_run")
            .order_by("started_at", Order::Desc)
            .limit(limit);
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read the sweep history"))?;
        let broken = |_| StoreError::Corrupt { what: "sweep run" };
        rows.iter()
            .map(|row| {
                let examined: i64 = row.try_get_by_index(4).map_err(broken)?;
                let acted: i64 = row.try_get_by_index(5).map_err(broken)?;
                Ok(SweepRun {
                    id: row.try_get_by_index(0).map_err(broken)?,
                    instance: row.try_get_by_index(1).map_err(broken)?,
                    dry_run: row.try_get_by_index(2).map_err(broken)?,
                    status: row.try_get_by_index(3).map_err(broken)?,
                    examined: u64::try_from(examined).unwrap_or_default(),
                    acted: u64::try_from(acted).unwrap_or_default(),
                    started_at: row.try_get_by_index(6).map_err(broken)?,
                    finished_at: row.try_get_by_index(7).map_err(broken)?,
                })
            })
            .collect()
    }
}

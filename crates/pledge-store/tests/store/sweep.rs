//! Retention sweeps on both backends: a dry run that changes nothing, an apply that deletes,
//! anonymises and clears columns by the policy's rules with one audit entry per record,
//! idempotence, legal holds, and two concurrent sweeps that never take the same record.

use std::collections::BTreeSet;

use pledge_audit::{Action, Query as AuditQuery};
use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use pledge_store::sweep::{SweepAction, SweepOptions};
use pledge_store::{Field, NewPerson, Store};
use sea_orm::{ConnectionTrait, Statement};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::support::{kexara, now, on_both};

fn someone(name: &str) -> NewPerson {
    NewPerson {
        display_name: name.into(),
        email: format!("{name}@example.org"),
        date_of_birth: None,
    }
}

fn ago(days: i64) -> OffsetDateTime {
    now() - Duration::days(days)
}

async fn count(store: &Store, sql: &str) -> i64 {
    let backend = store.connection().get_database_backend();
    store
        .connection()
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn write(
    store: &Store,
    policy: &ValidPolicy,
    table: &str,
    person: PersonId,
    fields: Vec<(&'static str, Field)>,
) -> Uuid {
    let actor = store.audit().service("portal");
    store
        .insert_record(policy, table, person, fields, actor, now())
        .await
        .unwrap_or_else(|e| panic!("{table}: {e}"))
}

fn apply(instance: &str) -> SweepOptions {
    SweepOptions {
        dry_run: false,
        batch_size: 7,
        instance: instance.to_owned(),
        ..SweepOptions::default()
    }
}

/// Kexara's records: a payment from eight years ago (anonymised, K35), a ticket closed four
/// years ago with its messages (deleted, K37), a marketing preference unsubscribed three years
/// ago (kept: Kexara also keeps communication preferences as account information until a year
/// after the account is deleted, and the longest rule wins), and recent ones of each.
async fn kexara_records(store: &Store, policy: &ValidPolicy, person: PersonId) {
    for (paid, reference) in [(ago(8 * 366), "pi_old"), (ago(30), "pi_new")] {
        write(
            store,
            policy,
            "payment",
            person,
            vec![
                ("item_kind", Field::plain("enrolment")),
                ("item_id", Field::plain(Uuid::now_v7())),
                ("processor", Field::plain("sandbox")),
                (
                    "processor_ref",
                    Field::plain(format!("{reference}_{person}")),
                ),
                ("amount_cents", Field::plain(1000_i64)),
                ("currency", Field::plain("CAD")),
                ("status", Field::plain("paid")),
                ("billing_name", Field::Sealed("Ines".into())),
                ("created_at", Field::plain(paid)),
                ("paid_at", Field::plain(paid)),
            ],
        )
        .await;
    }
    for closed in [ago(4 * 366), ago(10)] {
        let ticket = write(
            store,
            policy,
            "ticket",
            person,
            vec![
                ("subject", Field::Sealed("Refund".into())),
                ("status", Field::plain("closed")),
                ("opened_at", Field::plain(closed - Duration::days(2))),
                ("closed_at", Field::plain(closed)),
            ],
        )
        .await;
        write(
            store,
            policy,
            "ticket_message",
            person,
            vec![
                ("ticket_id", Field::plain(ticket)),
                ("author_role", Field::plain("requester")),
                ("body", Field::Sealed("Hello".into())),
                ("sent_at", Field::plain(closed)),
            ],
        )
        .await;
    }
    for unsubscribed in [ago(3 * 366), ago(5)] {
        write(
            store,
            policy,
            "marketing_preference",
            person,
            vec![
                ("channel", Field::plain("email")),
                ("subscribed", Field::plain(false)),
                ("updated_at", Field::plain(unsubscribed)),
                ("unsubscribed_at", Field::plain(unsubscribed)),
            ],
        )
        .await;
    }
}

/// K35, K37, W48: a dry run reports what is due and why and changes nothing; applying
/// deletes and anonymises exactly those records, each with its audit entry; a second run finds
/// nothing left to do.
#[tokio::test(flavor = "multi_thread")]
async fn k35_k37_w48_sweeps_report_then_apply_each_rule_once() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let actor = store.audit().service("retention-sweep");
        let ines = store
            .create_person(&someone("ines"), actor, now())
            .await
            .unwrap();
        kexara_records(&store, &policy, ines).await;
        let dry = store
            .sweep(&policy, &SweepOptions::default(), actor, now(), |_| {})
            .await
            .unwrap();
        let mut actions: Vec<(&str, SweepAction)> =
            dry.due.iter().map(|d| (d.table, d.action)).collect();
        actions.sort();
        assert_eq!(
            actions,
            vec![
                ("payment", SweepAction::Anonymise),
                ("ticket", SweepAction::Delete),
            ]
        );
        assert!(dry.due.iter().all(|d| !d.why.is_empty()));
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM ticket").await,
            2,
            "dry run changed nothing"
        );

        let mut batches = 0;
        let applied = store
            .sweep(&policy, &apply("a"), actor, now(), |_| batches += 1)
            .await
            .unwrap();
        assert_eq!(applied.acted, 2);
        assert!(batches >= 3, "progress is reported per batch");
        assert_eq!(count(&store, "SELECT COUNT(*) FROM ticket").await, 1);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM ticket_message").await,
            1,
            "messages go with their ticket"
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM marketing_preference").await,
            2,
            "the longest rule keeps marketing preferences"
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM payment").await,
            2,
            "payments are anonymised, not deleted"
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM payment WHERE person_id IS NULL AND billing_name IS NULL"
            )
            .await,
            1
        );
        let records = store.audit().records(store.connection()).await.unwrap();
        let about = AuditQuery {
            subject: Some(store.audit().subject(ines)),
            actor: Some(actor),
            ..AuditQuery::default()
        };
        let entries = about.run(&records).unwrap();
        let deletes = entries
            .iter()
            .filter(|e| e.entry.event.action == Action::Delete)
            .count();
        let updates = entries
            .iter()
            .filter(|e| e.entry.event.action == Action::Update)
            .count();
        assert_eq!((deletes, updates), (1, 1), "one audit entry per record");
        assert!(
            entries
                .iter()
                .filter(|e| matches!(e.entry.event.action, Action::Delete | Action::Update))
                .all(|e| e.entry.event.records.len() == 1),
            "each entry names the record it changed"
        );

        let again = store
            .sweep(&policy, &apply("a"), actor, now(), |_| {})
            .await
            .unwrap();
        assert_eq!(again.acted, 0, "nothing is done twice");
    })
    .await;
}

/// J11: JTEC keeps comments but their IP address and user agent only 30 days; the sweep clears
/// those two columns and keeps the comment.
#[tokio::test(flavor = "multi_thread")]
async fn j11_comment_metadata_is_cleared_after_thirty_days_and_the_comment_kept() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let actor = store.audit().service("retention-sweep");
        let ola = store.create_person(&someone("ola"), actor, now()).await.unwrap();
        for posted in [ago(40), ago(3)] {
            write(&store, &jtec, "comment", ola, vec![
                ("course_id", Field::plain(Uuid::now_v7())),
                ("body", Field::Sealed("Great course".into())),
                ("ip_address", Field::Sealed("198.51.100.4".into())),
                ("user_agent", Field::Sealed("Safari/18".into())),
                ("status", Field::plain("approved")),
                ("posted_at", Field::plain(posted)),
            ])
            .await;
        }
        let report = store.sweep(&jtec, &apply("a"), actor, now(), |_| {}).await.unwrap();
        assert_eq!(report.acted, 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM comment").await, 2);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM comment WHERE ip_address IS NULL AND user_agent IS NULL AND body IS NOT NULL").await, 1);
    })
    .await;
}

/// A legal hold keeps every record of the person, whatever the rules say.
#[tokio::test(flavor = "multi_thread")]
async fn held_records_are_not_swept() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let actor = store.audit().service("retention-sweep");
        let ines = store
            .create_person(&someone("ines"), actor, now())
            .await
            .unwrap();
        kexara_records(&store, &policy, ines).await;
        store
            .place_hold(
                ines,
                "Tax audit 2026",
                "finance@example.org",
                None,
                actor,
                now(),
            )
            .await
            .unwrap();
        let report = store
            .sweep(&policy, &apply("a"), actor, now(), |_| {})
            .await
            .unwrap();
        assert_eq!(report.acted, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM ticket").await, 2);
    })
    .await;
}

/// Two instances sweeping the same database at once never take the same record: every due
/// record is handled once, with exactly one audit entry naming it.
#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_sweeps_handle_every_record_exactly_once() {
    let policy = kexara();
    on_both(async |store, config, _| {
        let actor = store.audit().service("retention-sweep");
        let people = 12;
        let mut due = 0;
        for n in 0..people {
            let id = store
                .create_person(&someone(&format!("p{n}")), actor, now())
                .await
                .unwrap();
            kexara_records(&store, &policy, id).await;
            due += 2;
        }
        let second = Store::open(config).await.unwrap();
        let (options_a, options_b) = (apply("a"), apply("b"));
        let (a, b) = tokio::join!(
            store.sweep(&policy, &options_a, actor, now(), |_| {}),
            second.sweep(&policy, &options_b, actor, now(), |_| {}),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.acted + b.acted, due, "a: {}, b: {}", a.acted, b.acted);
        let records = store.audit().records(store.connection()).await.unwrap();
        let swept: Vec<_> = records
            .iter()
            .map(|r| r.entry().unwrap())
            .filter(|e| {
                e.event.actor == actor && matches!(e.event.action, Action::Delete | Action::Update)
            })
            .flat_map(|e| e.event.records)
            .collect();
        let distinct: BTreeSet<_> = swept.iter().collect();
        assert_eq!(swept.len(), distinct.len(), "a record swept twice");
        assert_eq!(u64::try_from(swept.len()).unwrap(), due);
        let verified = store.audit().verify(store.connection()).await.unwrap();
        assert!(verified.is_ok(), "{verified:?}");
    })
    .await;
}

/// Ines with Kexara's records of every age (see [`kexara_records`]).
async fn ines_with_records(store: &Store, policy: &ValidPolicy) {
    let service = store.audit().service("seed");
    let ines = store
        .create_person(&someone("ines"), service, now())
        .await
        .unwrap();
    kexara_records(store, policy, ines).await;
}

/// Registers the retention job at `now()` (an instance's first look); returns when its first
/// run is due, one cadence later.
async fn registered(store: &Store, policy: &ValidPolicy, every: Duration) -> OffsetDateTime {
    store
        .run_retention_job(policy, "instance-a", every, now())
        .await
        .unwrap();
    now() + every
}

/// W45, K37, K43: retention runs by itself. With the clock moved by hand and nobody asking,
/// the scheduled job erases a child found below the minimum age and deletes what is due; it
/// is not run again before its cadence, and runs again once the clock passes it, taking the
/// records that fell due meanwhile. Every run is in the sweep history and on the job's row.
#[tokio::test(flavor = "multi_thread")]
async fn w45_k37_k43_the_scheduled_job_deletes_what_is_due_with_nobody_asking() {
    use pledge_store::schedule::{Claim, RETENTION_JOB, RetentionRun};
    let policy = kexara();
    on_both(async |store, _, _| {
        ines_with_records(&store, &policy).await;
        let service = store.audit().service("seed");
        let child = store
            .create_person(
                &NewPerson {
                    display_name: "Young".into(),
                    email: "young@example.org".into(),
                    date_of_birth: Some(time::macros::date!(2020 - 03 - 01)),
                },
                service,
                now(),
            )
            .await
            .unwrap();
        let day = Duration::days(1);
        let registered = store
            .run_retention_job(&policy, "instance-a", day, now())
            .await
            .unwrap();
        assert_eq!(
            registered,
            RetentionRun::Skipped(Claim::NotDue { next: now() + day }),
            "the first run comes one cadence after the first start"
        );
        let first = store
            .run_retention_job(&policy, "instance-a", day, now() + day)
            .await
            .unwrap();
        let RetentionRun::Done {
            acted,
            underage_erased,
            ..
        } = first
        else {
            panic!("the first run is due a day later: {first:?}");
        };
        assert_eq!(underage_erased, 1);
        assert!(acted >= 2, "the old ticket and the old payment: {acted}");
        assert!(
            store.keys().get(child).await.unwrap().is_none(),
            "child erased"
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM ticket").await, 1);

        let soon = store
            .run_retention_job(&policy, "instance-b", day, now() + day + Duration::hours(3))
            .await
            .unwrap();
        assert_eq!(
            soon,
            RetentionRun::Skipped(Claim::NotDue {
                next: now() + day + day
            }),
            "not again before its cadence"
        );
        let job = store.scheduled_job(RETENTION_JOB).await.unwrap().unwrap();
        assert_eq!(job.last_outcome.as_deref(), Some("ok"));
        assert!(job.running.is_none());
        assert!(
            job.last_summary
                .unwrap()
                .contains("1 people below the minimum age")
        );

        // Three years on, the recent ticket has fallen due too.
        let later = now() + Duration::days(3 * 366);
        let again = store
            .run_retention_job(&policy, "instance-b", day, later)
            .await
            .unwrap();
        assert!(matches!(again, RetentionRun::Done { .. }), "{again:?}");
        assert_eq!(count(&store, "SELECT COUNT(*) FROM ticket").await, 0);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM sweep_run WHERE status = 'finished' AND dry_run = false"
            )
            .await,
            2
        );
    })
    .await;
}

/// Two instances asking at the same moment: exactly one runs the sweep, the other is told who
/// holds it; a holder that dies is replaced once its lease runs out.
#[tokio::test(flavor = "multi_thread")]
async fn w45_two_instances_never_run_the_same_scheduled_sweep() {
    use pledge_store::schedule::{Claim, LEASE, RETENTION_JOB, RetentionRun};
    let policy = kexara();
    on_both(async |store, _, _| {
        ines_with_records(&store, &policy).await;
        let day = Duration::days(1);
        let due = registered(&store, &policy, day).await;
        let (a, b) = tokio::join!(
            store.run_retention_job(&policy, "instance-a", day, due),
            store.run_retention_job(&policy, "instance-b", day, due),
        );
        let outcomes = [a.unwrap(), b.unwrap()];
        let ran = outcomes
            .iter()
            .filter(|o| matches!(o, RetentionRun::Done { .. }))
            .count();
        assert_eq!(ran, 1, "{outcomes:?}");
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM sweep_run WHERE dry_run = false").await,
            1
        );

        // An instance that claims the job and dies: nobody else runs it until the lease ends.
        let next = due + day;
        let Claim::Claimed(_) = store
            .claim_job(RETENTION_JOB, "dies", next, next)
            .await
            .unwrap()
        else {
            panic!("due after a day");
        };
        let blocked = store
            .run_retention_job(&policy, "instance-b", day, next + Duration::seconds(10))
            .await
            .unwrap();
        assert!(
            matches!(&blocked, RetentionRun::Skipped(Claim::Held { holder, .. }) if holder == "dies"),
            "{blocked:?}"
        );
        let taken_over = store
            .run_retention_job(&policy, "instance-b", day, next + LEASE)
            .await
            .unwrap();
        assert!(matches!(taken_over, RetentionRun::Done { .. }), "{taken_over:?}");
    })
    .await;
}

/// A run that fails is recorded as failed — on the job, with its error, and in the sweep
/// history — and is tried again after the retry delay, not a day later.
#[tokio::test(flavor = "multi_thread")]
async fn w45_a_failed_scheduled_sweep_is_recorded_and_retried() {
    use pledge_store::schedule::{RETENTION_JOB, RETRY_AFTER, RetentionRun};
    let policy = kexara();
    on_both(async |store, _, _| {
        ines_with_records(&store, &policy).await;
        // A table the sweep must read is gone: every run fails until it is back.
        let backend = store.connection().get_database_backend();
        store
            .connection()
            .execute_raw(Statement::from_string(
                backend,
                "ALTER TABLE ticket RENAME TO ticket_away",
            ))
            .await
            .unwrap();
        let day = Duration::days(1);
        let due = registered(&store, &policy, day).await;
        let failed = store
            .run_retention_job(&policy, "instance-a", day, due)
            .await
            .unwrap();
        assert!(matches!(failed, RetentionRun::Failed { .. }), "{failed:?}");
        let job = store.scheduled_job(RETENTION_JOB).await.unwrap().unwrap();
        assert_eq!(job.last_outcome.as_deref(), Some("failed"));
        assert_eq!(job.failures, 1);
        assert!(job.last_error.is_some_and(|e| !e.is_empty()));
        assert_eq!(job.due_at, due + RETRY_AFTER);
        assert!(job.running.is_none(), "the failed run let go of the job");
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM sweep_run WHERE status = 'failed'"
            )
            .await,
            1
        );
        store
            .connection()
            .execute_raw(Statement::from_string(
                backend,
                "ALTER TABLE ticket_away RENAME TO ticket",
            ))
            .await
            .unwrap();
        let retried = store
            .run_retention_job(&policy, "instance-a", day, due + RETRY_AFTER)
            .await
            .unwrap();
        assert!(matches!(retried, RetentionRun::Done { .. }), "{retried:?}");
        let job = store.scheduled_job(RETENTION_JOB).await.unwrap().unwrap();
        assert_eq!((job.last_outcome.as_deref(), job.failures), (Some("ok"), 0));
    })
    .await;
}

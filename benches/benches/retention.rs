//! Retention evaluation of 1,000,000 records (target: under one second on one core).
//!
//! Baseline: the least any retention check must do per record — take the latest event and
//! compare it plus a year with `now` — over the same records, in the same run.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // setup may fail loudly

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pledge_domain::LifecycleEvent;
use pledge_policy::packs::load_pack;
use pledge_retention::{EventAt, RecordFacts, RetentionEngine};
use time::{Duration, OffsetDateTime};

const FULL: u64 = 1_000_000;

struct Record {
    category: usize,
    events: Vec<EventAt>,
}

fn records(categories: usize) -> Vec<Record> {
    let count = usize::try_from(pledge_benches::scale(FULL)).unwrap_or(1_000);
    let start = time::macros::datetime!(2020-01-01 0:00 UTC);
    let kinds = [
        LifecycleEvent::AccountDeleted,
        LifecycleEvent::Transaction,
        LifecycleEvent::Unsubscribed,
        LifecycleEvent::TicketClosed,
        LifecycleEvent::Logged,
    ];
    (0..count)
        .map(|i| {
            let first = kinds[i % kinds.len()];
            let second = kinds[(i / 7) % kinds.len()];
            let offset = i64::try_from(i % 3000).unwrap_or(0);
            Record {
                category: i % categories,
                events: vec![
                    EventAt {
                        event: first,
                        at: start + Duration::days(offset),
                    },
                    EventAt {
                        event: second,
                        at: start + Duration::days(offset / 2),
                    },
                ],
            }
        })
        .collect()
}

fn retention(c: &mut Criterion) {
    let policy = load_pack("kexara").expect("kexara loads");
    let engine = RetentionEngine::new(&policy);
    let categories: Vec<_> = policy
        .policy()
        .categories
        .iter()
        .map(|c| engine.category(&c.id).expect("declared"))
        .collect();
    let records = records(categories.len());
    let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    let mut group = c.benchmark_group("retention-1m");
    group.sample_size(10);
    group.bench_function("baseline", |b| {
        b.iter(|| {
            records
                .iter()
                .filter(|r| {
                    let latest = r.events.iter().map(|e| e.at).max();
                    latest.is_some_and(|at| at + Duration::days(365) <= black_box(now))
                })
                .count()
        });
    });
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            records
                .iter()
                .filter(|r| {
                    let facts = RecordFacts {
                        category: categories[r.category],
                        events: &r.events,
                        holds: &[],
                        requests: &[],
                        personal_fields: &[],
                    };
                    engine
                        .evaluate(&facts, black_box(now))
                        .is_ok_and(|d| d.is_due())
                })
                .count()
        });
    });
    group.finish();
}

criterion_group!(benches, retention);
criterion_main!(benches);

//! The processing gate at 1,000,000 people (target: at least 5,000,000 checks per second on one
//! core, and within 5x the baseline).
//!
//! Baseline: a plain `HashMap<PersonId, u64>` lookup for the same people in the same order, in
//! the same run. Each iteration checks every person once, so checks per second is 1,000,000
//! divided by the median.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // setup may fail loudly

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pledge_consent::{
    Change, ConsentEvent, ConsentTarget, Gate, GivenBy, Ledger, Proof, Source, SubjectFacts,
    TextHash,
};
use pledge_domain::{PersonId, PurposeId};
use pledge_policy::model::Channel;
use pledge_policy::packs::load_pack;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const FULL: u64 = 1_000_000;

fn person(n: u64) -> PersonId {
    // Spread ids like UUIDv7s minted over time.
    PersonId::from_uuid(Uuid::from_u128(
        (u128::from(n) << 64) | u128::from(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    ))
}

fn gate(c: &mut Criterion) {
    let n_people = pledge_benches::scale(FULL);
    let policy = load_pack("kexara").expect("kexara loads");
    let gate = Gate::new(&policy);
    let personalisation = gate
        .purpose(&PurposeId::new("personalisation").expect("slug"))
        .expect("declared");
    let start = time::macros::datetime!(2025-01-01 0:00 UTC);
    let proof = Proof {
        policy_version: "2025-03-15".into(),
        text_hash: TextHash::of("Recommend programmes to me"),
        source: Source::PreferenceCentre,
        channel: None,
        ip: None,
        user_agent: None,
        given_by: GivenBy::Subject,
    };
    let mut ledger = Ledger::new();
    for n in 0..n_people {
        let target = if n % 2 == 0 {
            ConsentTarget::Purpose(PurposeId::new("personalisation").expect("slug"))
        } else {
            ConsentTarget::Channel(Channel::Email)
        };
        let change = if n % 5 == 0 {
            Change::Withdrawn
        } else {
            Change::Granted
        };
        let at = start + Duration::minutes(i64::try_from(n).unwrap_or(0));
        let event = ConsentEvent {
            subject: person(n),
            target,
            change,
            at,
            proof: proof.clone(),
        };
        ledger.record(event).expect("valid proof");
    }
    let subjects: Vec<SubjectFacts> = (0..n_people)
        .map(|n| SubjectFacts {
            person: person(n.wrapping_mul(7919) % n_people),
            birth_date: Some(time::macros::date!(1990 - 05 - 17)),
            restricted: false,
        })
        .collect();
    let baseline_map: HashMap<PersonId, u64> = (0..n_people).map(|n| (person(n), n)).collect();
    let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_200);
    let mut group = c.benchmark_group("gate-1m");
    group.sample_size(10);
    group.bench_function("baseline", |b| {
        b.iter(|| {
            subjects
                .iter()
                .filter(|s| {
                    baseline_map
                        .get(&black_box(s.person))
                        .is_some_and(|v| v % 2 == 0)
                })
                .count()
        });
    });
    group.bench_function("may_process", |b| {
        b.iter(|| {
            subjects
                .iter()
                .filter(|s| {
                    gate.may_process_indexed(&ledger, black_box(s), personalisation, black_box(now))
                        .is_allowed()
                })
                .count()
        });
    });
    group.finish();
}

criterion_group!(benches, gate);
criterion_main!(benches);

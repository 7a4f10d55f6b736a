//! Audit chain verification at 1,000,000 entries (target: within 2x the baseline, i.e. verify
//! throughput at least half that of raw SHA-256).
//!
//! Baseline: SHA-256 of each entry's encoded bytes, for the same 1,000,000 entries in the same
//! run: the least any integrity check of the log must do. `verify` checks every MAC of the
//! chain (HMAC-SHA-256 from a pre-keyed state), every sequence number, and 100 signed
//! checkpoints (one per 10,000 entries). The log is built once, outside the timed loops.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // setup may fail loudly

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pledge_audit::{
    Action, AuditLog, Checkpoint, Event, MacKey, Outcome, PseudonymKey, Record, RequestId,
    SigningKey, verify,
};
use pledge_domain::{CategoryId, PersonId, PurposeId};
use sha2::{Digest, Sha256};
use time::Duration;
use uuid::Uuid;

const FULL: u64 = 1_000_000;
const CHECKPOINT_EVERY: u64 = 10_000;

const CATEGORIES: [&str; 5] = [
    "contact-details",
    "exam-results",
    "course-progress",
    "payment-details",
    "identity-documents",
];
const PURPOSES: [&str; 3] = ["exam-administration", "course-delivery", "billing"];

fn person(n: u64) -> PersonId {
    PersonId::from_uuid(Uuid::from_u128(
        (u128::from(n) << 64) | u128::from(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    ))
}

/// A typical entry: mostly reads by staff of one to three categories of a learner's data.
fn event(n: u64, keys: &PseudonymKey) -> Event {
    let action = if n % 5 == 4 {
        Action::Update
    } else {
        Action::Read
    };
    let first = (n % 5) as usize;
    let count = 1 + (n % 3) as usize;
    let categories: BTreeSet<CategoryId> = (first..first + count)
        .map(|i| CategoryId::new(CATEGORIES[i % CATEGORIES.len()]).expect("slug"))
        .collect();
    Event {
        actor: keys.actor(person(1_000_000_000 + n % 200)),
        action,
        subject: Some(keys.subject(person(n % 50_000))),
        categories,
        purpose: Some(PurposeId::new(PURPOSES[(n % 3) as usize]).expect("slug")),
        request: RequestId::from_bytes(Uuid::from_u128(u128::from(n)).into_bytes()),
        records: Default::default(),
        outcome: Outcome::Succeeded,
    }
}

fn build(key: &MacKey, signer: &SigningKey) -> (Vec<Record>, Vec<Checkpoint>) {
    let n_entries = pledge_benches::scale(FULL);
    let keys = PseudonymKey::new(&[7; 32]);
    let start = time::macros::datetime!(2026-01-01 0:00 UTC);
    let mut log = AuditLog::new(key.clone());
    let mut records = Vec::with_capacity(n_entries as usize);
    let mut checkpoints = Vec::new();
    for n in 0..n_entries {
        let at = start + Duration::milliseconds(n as i64 * 250);
        records.push(log.append(event(n, &keys), at).expect("complete event"));
        if log.size().is_multiple_of(CHECKPOINT_EVERY) {
            checkpoints.push(log.checkpoint(signer));
        }
    }
    (records, checkpoints)
}

fn audit_verify(c: &mut Criterion) {
    let key = MacKey::new(&[1; 32]);
    let signer = SigningKey::from_bytes(&[2; 32]);
    let verifying_key = signer.verifying_key();
    let (records, checkpoints) = build(&key, &signer);
    let n_entries = records.len();
    let bytes: usize = records.iter().map(|r| r.entry_bytes().len()).sum();
    eprintln!(
        "audit: {n_entries} entries, {} checkpoints, {:.1} bytes per encoded entry",
        checkpoints.len(),
        bytes as f64 / n_entries as f64
    );
    assert!(verify(&records, &key, &checkpoints, &verifying_key).is_ok());

    let mut group = c.benchmark_group("audit-verify");
    group.sample_size(10);
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut fold = 0u8;
            for record in black_box(&records) {
                fold ^= Sha256::digest(record.entry_bytes())[0];
            }
            fold
        });
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            verify(
                black_box(&records),
                black_box(&key),
                black_box(&checkpoints),
                black_box(&verifying_key),
            )
            .is_ok()
        });
    });
    group.finish();
}

criterion_group!(benches, audit_verify);
criterion_main!(benches);

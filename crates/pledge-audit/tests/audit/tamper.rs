//! The tamper suite: a generated log of 10,000 entries, and every single-bit flip (four per
//! record, rotating through the seq, MAC and entry bytes and all eight bit positions, plus every
//! bit of four chosen records), every deletion, every adjacent swap, a random swap for every
//! position, every swap among the first 100 records, every truncation, sampled rewrites by a
//! holder of the MAC key, and full rewrites with a fresh key. Each must be reported at the right
//! position with the right kind: 100% detection.
//!
//! Speed: a full verification of 10,000 records takes about 0.13 s in a debug build, too slow to
//! repeat for ~100,000 cases. Each case changes the log from some position on and leaves the
//! prefix byte for byte as it was, so a verifier walking from genesis reaches that position in
//! exactly the state it had on the intact log. The suite therefore verifies the intact log once,
//! in batches of eight records as the store does, keeps the anchor after each batch, and checks
//! each case from the last anchor at or before its first change with `verify_from` (the same
//! walk, minus the identical prefix). `incremental_and_full_verification_agree` checks that this
//! gives the same answer as a walk from genesis on a sample of every kind of case.

use std::sync::OnceLock;

use pledge_audit::{
    Anchor, AuditLog, Damage, DamageKind, MacKey, Record, SigningKey, TrustedCheckpoints,
    VerifiedLog, verify, verify_from,
};

use crate::support::{Generated, Mix, START, event, generate, generate_with, mac_key, signer};

const SIZE: u64 = 10_000;
const CHECKPOINT_EVERY: u64 = 500;
const ANCHOR_EVERY: u64 = 8;

struct Suite {
    key: MacKey,
    generated: Generated,
    trusted: TrustedCheckpoints,
    /// `anchors[k]`: the verified state after `k * ANCHOR_EVERY` records.
    anchors: Vec<Anchor>,
}

fn suite() -> &'static Suite {
    static SUITE: OnceLock<Suite> = OnceLock::new();
    SUITE.get_or_init(|| {
        let key = mac_key();
        let generated = generate(SIZE, CHECKPOINT_EVERY);
        let trusted =
            TrustedCheckpoints::verify(&generated.checkpoints, &signer().verifying_key()).unwrap();
        let mut anchors = vec![Anchor::genesis(&key)];
        for batch in generated.records.chunks(ANCHOR_EVERY as usize) {
            let from = *anchors.last().unwrap();
            let size = from.size() + batch.len() as u64;
            let verified = verify_from(batch, &key, &trusted.as_of(size), from).unwrap();
            anchors.push(verified.anchor());
        }
        Suite {
            key,
            generated,
            trusted,
            anchors,
        }
    })
}

impl Suite {
    fn intact(&self) -> &[Record] {
        &self.generated.records
    }

    /// Verifies `log`, which equals the intact log before position `first_change`, from the
    /// last anchor at or before that position.
    fn verify_changed(&self, log: &[Record], first_change: u64) -> Result<VerifiedLog, Damage> {
        let anchor = self.anchors[(first_change / ANCHOR_EVERY) as usize];
        let start = (anchor.size() as usize).min(log.len());
        verify_from(&log[start..], &self.key, &self.trusted, anchor)
    }

    /// Verifies `log` from genesis.
    fn verify_whole(&self, log: &[Record]) -> Result<VerifiedLog, Damage> {
        verify_from(log, &self.key, &self.trusted, Anchor::genesis(&self.key))
    }
}

/// Counts cases and keeps the first few that were missed or misreported.
struct Tally {
    name: &'static str,
    cases: u64,
    detected: u64,
    wrong: Vec<String>,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            cases: 0,
            detected: 0,
            wrong: Vec::new(),
        }
    }

    fn check(
        &mut self,
        case: impl FnOnce() -> String,
        found: Result<VerifiedLog, Damage>,
        expected: Damage,
    ) {
        self.cases += 1;
        self.detected += u64::from(found.is_err());
        if found != Err(expected) && self.wrong.len() < 10 {
            self.wrong.push(format!(
                "{}: expected {expected:?}, found {found:?}",
                case()
            ));
        }
    }

    fn finish(self) {
        eprintln!(
            "{}: {} of {} cases detected",
            self.name, self.detected, self.cases
        );
        assert!(self.cases > 0);
        assert!(
            self.wrong.is_empty() && self.detected == self.cases,
            "{}: {} of {} detected; first misses or misreports: {:#?}",
            self.name,
            self.detected,
            self.cases,
            self.wrong
        );
    }
}

fn at(position: u64, kind: DamageKind) -> Damage {
    Damage { position, kind }
}

/// `record` with bit `bit` of byte `offset` of its byte form flipped.
fn flipped(record: &Record, offset: usize, bit: u8) -> Record {
    let mut bytes = record.to_bytes();
    bytes[offset] ^= 1 << bit;
    Record::from_bytes(&bytes).unwrap()
}

/// The byte offsets flipped in record `i` of byte length `len`: one in the sequence number, one
/// in the MAC, two in the entry.
fn flip_offsets(i: usize, len: usize) -> [usize; 4] {
    let entry_len = len - 40;
    [
        i % 8,
        8 + i % 32,
        40 + i % entry_len,
        40 + (i * 7 + 3) % entry_len,
    ]
}

#[test]
fn every_record_with_a_flipped_bit_is_caught_at_that_record() {
    let suite = suite();
    let mut log = suite.intact().to_vec();
    let mut tally = Tally::new("bit flips");
    for i in 0..log.len() {
        let original = log[i].clone();
        let len = original.to_bytes().len();
        for (k, offset) in flip_offsets(i, len).into_iter().enumerate() {
            let bit = ((i + k) % 8) as u8;
            log[i] = flipped(&original, offset, bit);
            let found = suite.verify_changed(&log, i as u64);
            tally.check(
                || format!("record {i} byte {offset} bit {bit}"),
                found,
                at(i as u64, DamageKind::Edited),
            );
        }
        log[i] = original;
    }
    tally.finish();
}

#[test]
fn every_bit_of_chosen_records_is_caught() {
    let suite = suite();
    let mut log = suite.intact().to_vec();
    let mut tally = Tally::new("every bit of records 0, 499, 500 and 9999");
    for i in [0, 499, 500, log.len() - 1] {
        let original = log[i].clone();
        for offset in 0..original.to_bytes().len() {
            for bit in 0..8 {
                log[i] = flipped(&original, offset, bit);
                let found = suite.verify_changed(&log, i as u64);
                tally.check(
                    || format!("record {i} byte {offset} bit {bit}"),
                    found,
                    at(i as u64, DamageKind::Edited),
                );
            }
        }
        log[i] = original;
    }
    tally.finish();
}

#[test]
fn every_deletion_is_caught() {
    let suite = suite();
    let mut log = suite.intact().to_vec();
    let last = log.len() - 1;
    let mut tally = Tally::new("deletions");
    for i in 0..log.len() {
        let removed = log.remove(i);
        let expected = if i == last {
            // Removing the last record is a truncation; only the checkpoint can tell.
            at(i as u64, DamageKind::Truncated { signed_size: SIZE })
        } else {
            at(i as u64, DamageKind::Removed)
        };
        let found = suite.verify_changed(&log, i as u64);
        tally.check(|| format!("record {i} deleted"), found, expected);
        log.insert(i, removed);
    }
    tally.finish();
}

#[test]
fn every_swap_of_neighbours_a_random_partner_and_early_pairs_is_caught() {
    let suite = suite();
    let mut log = suite.intact().to_vec();
    let n = log.len();
    let mut mix = Mix(30);
    let mut pairs: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
    pairs.extend((0..n - 1).map(|i| (i, mix.between(i as u64 + 1, n as u64) as usize)));
    pairs.extend((0..100).flat_map(|i| (i + 1..100).map(move |j| (i, j))));
    let mut tally = Tally::new("swaps");
    for (i, j) in pairs {
        log.swap(i, j);
        let found = suite.verify_changed(&log, i as u64);
        tally.check(
            || format!("records {i} and {j} swapped"),
            found,
            at(i as u64, DamageKind::Reordered),
        );
        log.swap(i, j);
    }
    tally.finish();
}

#[test]
fn every_truncation_is_caught_by_the_last_checkpoint() {
    let suite = suite();
    let log = suite.intact();
    let mut tally = Tally::new("truncations");
    for k in 0..log.len() {
        let found = suite.verify_changed(&log[..k], k as u64);
        tally.check(
            || format!("cut to {k} records"),
            found,
            at(k as u64, DamageKind::Truncated { signed_size: SIZE }),
        );
    }
    tally.finish();
}

#[test]
fn a_full_rewrite_with_a_fresh_key_is_caught() {
    let suite = suite();
    let fresh_key = MacKey::new(&[0x44; 32]);
    let fresh_signer = SigningKey::from_bytes(&[0x55; 32]);
    let rewritten = generate_with(SIZE, CHECKPOINT_EVERY, &fresh_key, &fresh_signer);
    let ours = &suite.generated.checkpoints;
    let verifying_key = signer().verifying_key();
    let mut tally = Tally::new("full rewrites");

    // Under our key, the first MAC fails and so does the next: another chain.
    let found = verify(&rewritten.records, &suite.key, ours, &verifying_key);
    tally.check(
        || "checked with our key".into(),
        found,
        at(0, DamageKind::Rewritten),
    );

    // Even a verifier handed the rewriter's key catches it: the first checkpoint disagrees.
    let found = verify(&rewritten.records, &fresh_key, ours, &verifying_key);
    tally.check(
        || "checked with the rewriter's key".into(),
        found,
        at(0, DamageKind::Rewritten),
    );

    // The rewriter's own checkpoints are not signed by our key.
    let found = verify(
        &rewritten.records,
        &fresh_key,
        &rewritten.checkpoints,
        &verifying_key,
    );
    tally.check(
        || "with the rewriter's checkpoints".into(),
        found,
        at(CHECKPOINT_EVERY, DamageKind::BadCheckpointSignature),
    );

    // A rewrite that keeps our checkpoints next to the rewriter's is no better.
    let mixed = [ours.as_slice(), &rewritten.checkpoints].concat();
    let found = verify(&rewritten.records, &suite.key, &mixed, &verifying_key);
    tally.check(
        || "with both sets of checkpoints".into(),
        found,
        at(CHECKPOINT_EVERY, DamageKind::BadCheckpointSignature),
    );
    tally.finish();
}

/// The intact log with entry `p` replaced and the chain recomputed with the real MAC key from
/// `p` up to the next checkpoint: what an insider holding the MAC key (but not the signing key)
/// can do. Records after that checkpoint are left alone, since verification stops there.
fn insider_rewrite(suite: &Suite, p: usize) -> Vec<Record> {
    let intact = suite.intact();
    let end = ((p as u64 / CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY).min(SIZE) as usize;
    let anchor = suite.anchors[p / ANCHOR_EVERY as usize];
    let since_anchor = &intact[anchor.size() as usize..p];
    let resumed = verify_from(
        since_anchor,
        &suite.key,
        &TrustedCheckpoints::default(),
        anchor,
    )
    .unwrap();
    let mut log = AuditLog::resume(suite.key.clone(), &resumed);
    let mut rewritten = intact[..p].to_vec();
    for n in p..end {
        let seconds = n as i64 + i64::from(n == p);
        let event = event(n as u64 + u64::from(n == p) * 7);
        rewritten.push(
            log.append(event, START + time::Duration::seconds(seconds))
                .unwrap(),
        );
    }
    rewritten.extend_from_slice(&intact[end..]);
    rewritten
}

#[test]
fn a_rewrite_by_a_holder_of_the_mac_key_is_caught_by_the_next_checkpoint() {
    let suite = suite();
    let mut tally = Tally::new("insider rewrites");
    let positions = (0..SIZE as usize).step_by(97).chain([499, 500, 501, 9_999]);
    for p in positions {
        let log = insider_rewrite(suite, p);
        let last_signed = p as u64 / CHECKPOINT_EVERY * CHECKPOINT_EVERY;
        let found = suite.verify_changed(&log, p as u64);
        tally.check(
            || format!("rewritten from {p}"),
            found,
            at(last_signed, DamageKind::Rewritten),
        );
    }
    tally.finish();
}

#[test]
fn incremental_and_full_verification_agree() {
    let suite = suite();
    let intact = suite.intact();
    let n = intact.len();
    let mut compared = 0;
    for i in [0, 7, 8, 500, 4_321, n - 2, n - 1] {
        let mut cases: Vec<Vec<Record>> = Vec::new();
        let mut flip = intact.to_vec();
        flip[i] = flipped(&intact[i], 40 + i % 20, 3);
        cases.push(flip);
        let mut deletion = intact.to_vec();
        deletion.remove(i);
        cases.push(deletion);
        let mut swap = intact.to_vec();
        swap.swap(i, (i + 13).min(n - 1));
        cases.push(swap);
        cases.push(intact[..i].to_vec());
        cases.push(insider_rewrite(suite, i));
        for case in cases {
            assert_eq!(
                suite.verify_changed(&case, i as u64),
                suite.verify_whole(&case),
                "position {i}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 35);
    let whole = verify(
        intact,
        &suite.key,
        &suite.generated.checkpoints,
        &signer().verifying_key(),
    )
    .unwrap();
    assert_eq!((whole.size(), whole.signed_size()), (SIZE, SIZE));
    assert_eq!(suite.verify_whole(intact), Ok(whole));
}

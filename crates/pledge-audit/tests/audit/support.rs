//! Fixtures: keys, people, varied events, and generated logs with their checkpoints.

use std::collections::BTreeSet;

use pledge_audit::{
    Action, AuditLog, Checkpoint, Event, MacKey, Outcome, PseudonymKey, Record, RequestId,
    SigningKey,
};
use pledge_domain::{CategoryId, PersonId, PurposeId};
use time::OffsetDateTime;
use time::macros::datetime;

/// The chain key of every test log.
pub fn mac_key() -> MacKey {
    MacKey::new(&[0x11; 32])
}

/// The checkpoint signer of every test log.
pub fn signer() -> SigningKey {
    SigningKey::from_bytes(&[0x22; 32])
}

/// The pseudonym secret of every test log.
pub fn pseudonyms() -> PseudonymKey {
    PseudonymKey::new(&[0x33; 32])
}

/// A person id from a number.
pub fn person(n: u128) -> PersonId {
    format!("{n:032x}").parse().unwrap()
}

/// When the test logs start.
pub const START: OffsetDateTime = datetime!(2026-11-23 08:00 UTC);

pub fn category(slug: &str) -> CategoryId {
    CategoryId::new(slug).unwrap()
}

pub fn purpose(slug: &str) -> PurposeId {
    PurposeId::new(slug).unwrap()
}

const CATEGORIES: [&str; 6] = [
    "contact-details",
    "exam-results",
    "identity-documents",
    "payment-details",
    "health-data",
    "course-progress",
];
const PURPOSES: [&str; 4] = [
    "exam-administration",
    "course-delivery",
    "billing",
    "support",
];

/// The `n`th event of a generated log: every action, outcome, category mix and purpose comes
/// round, with 50 subjects and 12 actors (ten staff, two services).
pub fn event(n: u64) -> Event {
    let keys = pseudonyms();
    let action = Action::ALL[(n % 9) as usize];
    let actor = match n % 12 {
        10 => keys.service("retention-sweep"),
        11 => keys.service("exam-board-sync"),
        staff => keys.actor(person(1000 + u128::from(staff))),
    };
    let subject = keys.subject(person(u128::from(n % 50)));
    let categories: BTreeSet<CategoryId> = CATEGORIES
        .iter()
        .enumerate()
        .filter(|(i, _)| ((n / 9) % 63 + 1) & (1 << i) != 0)
        .map(|(_, c)| category(c))
        .collect();
    let mut request = [0u8; 16];
    request[..8].copy_from_slice(&n.to_be_bytes());
    Event {
        actor,
        action,
        subject: action.concerns_a_subject().then_some(subject),
        categories,
        purpose: Some(purpose(PURPOSES[(n % 4) as usize])),
        request: RequestId::from_bytes(request),
        records: Default::default(),
        outcome: Outcome::ALL[(n % 3) as usize],
    }
}

/// A log of `size` generated events, one second apart, with a signed checkpoint every
/// `checkpoint_every` records and one at the end.
pub struct Generated {
    pub records: Vec<Record>,
    pub checkpoints: Vec<Checkpoint>,
}

pub fn generate(size: u64, checkpoint_every: u64) -> Generated {
    generate_with(size, checkpoint_every, &mac_key(), &signer())
}

pub fn generate_with(
    size: u64,
    checkpoint_every: u64,
    key: &MacKey,
    signer: &SigningKey,
) -> Generated {
    let mut log = AuditLog::new(key.clone());
    let mut records = Vec::new();
    let mut checkpoints = Vec::new();
    for n in 0..size {
        let at = START + time::Duration::seconds(n as i64);
        records.push(log.append(event(n), at).unwrap());
        if log.size().is_multiple_of(checkpoint_every) || log.size() == size {
            checkpoints.push(log.checkpoint(signer));
        }
    }
    Generated {
        records,
        checkpoints,
    }
}

/// A small deterministic generator (SplitMix64), so the tamper suite picks the same partners on
/// every run.
pub struct Mix(pub u64);

impl Mix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

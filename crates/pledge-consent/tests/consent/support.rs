//! Shared helpers: packs, people, events.

use pledge_consent::{
    Change, ConsentEvent, ConsentTarget, Gate, GivenBy, Ledger, Proof, Source, SubjectFacts,
    TextHash,
};
use pledge_domain::{PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use pledge_policy::packs::load_pack;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

pub fn policy(pack: &str) -> ValidPolicy {
    load_pack(pack).expect("pack loads")
}

pub fn gate(pack: &str) -> Gate {
    Gate::new(&policy(pack))
}

pub fn person(n: u128) -> PersonId {
    PersonId::from_uuid(Uuid::from_u128(n))
}

pub fn purpose(id: &str) -> PurposeId {
    PurposeId::new(id).expect("slug")
}

/// 2025-06-01 00:00 UTC plus `days`.
pub fn day(days: i64) -> OffsetDateTime {
    time::macros::datetime!(2025-06-01 0:00 UTC) + Duration::days(days)
}

/// An adult with no restriction.
pub fn adult(n: u128) -> SubjectFacts {
    SubjectFacts {
        person: person(n),
        birth_date: Some(time::macros::date!(1990 - 01 - 01)),
        restricted: false,
    }
}

/// Someone born on `birth`.
pub fn born(n: u128, birth: Date) -> SubjectFacts {
    SubjectFacts {
        person: person(n),
        birth_date: Some(birth),
        restricted: false,
    }
}

pub fn proof(source: Source) -> Proof {
    Proof {
        policy_version: "2025-03-15".into(),
        text_hash: TextHash::of("I agree to …"),
        source,
        channel: None,
        ip: None,
        user_agent: Some("Mozilla/5.0".into()),
        given_by: GivenBy::Subject,
    }
}

pub fn event(
    subject: PersonId,
    target: ConsentTarget,
    change: Change,
    at: OffsetDateTime,
) -> ConsentEvent {
    ConsentEvent {
        subject,
        target,
        change,
        at,
        proof: proof(Source::PreferenceCentre),
    }
}

/// Records `change` of `target` for `subject` at `at`.
pub fn record(
    ledger: &mut Ledger,
    subject: PersonId,
    target: ConsentTarget,
    change: Change,
    at: OffsetDateTime,
) {
    ledger
        .record(event(subject, target, change, at))
        .expect("recorded");
}

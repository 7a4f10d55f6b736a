//! A record builder over the packs' engines.

use pledge_domain::{CategoryId, LifecycleEvent};
use pledge_policy::packs::load_pack;
use pledge_retention::{
    Decision, EventAt, LegalHold, OpenRequest, RecordFacts, RequestKind, RetentionEngine,
};
use std::sync::OnceLock;

use time::{Duration, OffsetDateTime};

/// The retention engine of a built-in pack, compiled once per test binary.
pub fn engine(pack: &str) -> &'static RetentionEngine {
    static ENGINES: OnceLock<Vec<(&'static str, RetentionEngine)>> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        pledge_policy::packs::ALL
            .iter()
            .map(|p| {
                (
                    p.name,
                    RetentionEngine::new(&load_pack(p.name).expect("pack loads")),
                )
            })
            .collect()
    });
    &engines
        .iter()
        .find(|(name, _)| *name == pack)
        .expect("a built-in pack")
        .1
}

/// A moment to count from: 2025-01-01 00:00 UTC plus `days`.
pub fn day(days: i64) -> OffsetDateTime {
    time::macros::datetime!(2025-01-01 0:00 UTC) + Duration::days(days)
}

/// One record with owned facts.
#[derive(Debug, Clone)]
pub struct Record {
    pub category: CategoryId,
    pub events: Vec<EventAt>,
    pub holds: Vec<LegalHold>,
    pub requests: Vec<OpenRequest>,
}

impl Record {
    pub fn of(category: &str) -> Self {
        Self {
            category: CategoryId::new(category).expect("slug"),
            events: Vec::new(),
            holds: Vec::new(),
            requests: Vec::new(),
        }
    }

    pub fn with(mut self, event: LifecycleEvent, at: OffsetDateTime) -> Self {
        self.events.push(EventAt { event, at });
        self
    }

    pub fn held(mut self, expires: Option<OffsetDateTime>) -> Self {
        self.holds.push(LegalHold {
            id: "H-1".into(),
            reason: "litigation".into(),
            owner: "legal@example.org".into(),
            expires,
        });
        self
    }

    pub fn request(mut self, kind: RequestKind, opened: OffsetDateTime) -> Self {
        self.requests.push(OpenRequest {
            id: "R-1".into(),
            kind,
            opened,
        });
        self
    }

    pub fn facts<'a>(&'a self, engine: &RetentionEngine) -> RecordFacts<'a> {
        RecordFacts {
            category: engine.category(&self.category).expect("category in pack"),
            events: &self.events,
            holds: &self.holds,
            requests: &self.requests,
            personal_fields: &["payer_name", "billing_address"],
        }
    }

    pub fn decide(&self, engine: &RetentionEngine, now: OffsetDateTime) -> Decision {
        engine
            .evaluate(&self.facts(engine), now)
            .expect("evaluates")
    }
}

//! The consent ledger: events in, effective states out.

use rustc_hash::FxHashMap;

use pledge_domain::{PersonId, PurposeId};
use pledge_policy::model::{Channel, CookieCategory};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ConsentError, GivenBy, Proof};

/// What a consent is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentTarget {
    /// A purpose of the policy (analytics, personalisation, explicit consent for health data).
    Purpose(PurposeId),
    /// A marketing channel (J14: consent is per channel).
    Channel(Channel),
    /// A cookie category chosen in the banner.
    Cookies(CookieCategory),
}

/// What an event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Consent given.
    Granted,
    /// Consent withdrawn; takes effect at once.
    Withdrawn,
    /// Consent lapsed (for example, a cookie choice older than its lifetime).
    Expired,
    /// A notice was served (a policy change, W02/K45); the state does not change.
    NoticeServed,
}

/// One event of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEvent {
    /// Whose consent.
    pub subject: PersonId,
    /// About what.
    pub target: ConsentTarget,
    /// What happened.
    pub change: Change,
    /// When.
    pub at: OffsetDateTime,
    /// The evidence.
    pub proof: Proof,
}

/// The effective consent for one subject and target at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    /// No decision was ever recorded.
    Never,
    /// Granted, and not withdrawn or expired since.
    Granted {
        /// When.
        at: OffsetDateTime,
        /// The granting event's position in the ledger.
        event: usize,
        /// True when it was given on a written form (J17).
        written: bool,
        /// True when a guardian gave it for a minor (K44).
        by_guardian: bool,
    },
    /// Withdrawn.
    Withdrawn {
        /// When.
        at: OffsetDateTime,
    },
    /// Lapsed.
    Expired {
        /// When.
        at: OffsetDateTime,
    },
}

/// One decision about one target, with the proof facts the gate needs, so that a check never
/// has to read the event itself.
#[derive(Debug, Clone, Copy)]
struct Decision {
    at: OffsetDateTime,
    change: Change,
    event: usize,
    written: bool,
    by_guardian: bool,
}

impl Decision {
    fn of(event: &ConsentEvent, position: usize) -> Self {
        Self {
            at: event.at,
            change: event.change,
            event: position,
            written: event.proof.is_written(),
            by_guardian: matches!(event.proof.given_by, GivenBy::Guardian(_)),
        }
    }
}

/// The decisions about one subject and target, in time order. Most tracks hold one decision,
/// which is kept inline so that a check touches one hash-table slot.
#[derive(Debug, Clone)]
enum Track {
    One(Decision),
    Many(Vec<Decision>),
}

impl Track {
    fn decisions(&self) -> &[Decision] {
        match self {
            Track::One(decision) => std::slice::from_ref(decision),
            Track::Many(decisions) => decisions,
        }
    }

    fn insert(&mut self, decision: Decision) {
        let mut all = self.decisions().to_vec();
        let position = all.partition_point(|d| d.at <= decision.at);
        all.insert(position, decision);
        *self = Track::Many(all);
    }

    fn state_at(&self, at: OffsetDateTime) -> ConsentState {
        let decisions = self.decisions();
        let upto = decisions.partition_point(|d| d.at <= at);
        let last = decisions
            .get(..upto)
            .unwrap_or_default()
            .iter()
            .rev()
            .find(|d| d.change != Change::NoticeServed);
        match last {
            None => ConsentState::Never,
            Some(d) if d.change == Change::Granted => ConsentState::Granted {
                at: d.at,
                event: d.event,
                written: d.written,
                by_guardian: d.by_guardian,
            },
            Some(d) if d.change == Change::Withdrawn => ConsentState::Withdrawn { at: d.at },
            Some(d) => ConsentState::Expired { at: d.at },
        }
    }
}

/// Every consent event, indexed by subject and target.
///
/// The indexes use the Fx hash: the keys are server-minted person ids and the policy's own
/// targets, never attacker-chosen strings, and the gate's hot path reads them on every check.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    events: Vec<ConsentEvent>,
    targets: Vec<ConsentTarget>,
    target_ids: FxHashMap<ConsentTarget, u32>,
    tracks: FxHashMap<(PersonId, u32), Track>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an event. Events may arrive out of time order (imports, written forms entered
    /// later); states are always computed in time order.
    ///
    /// # Errors
    /// When the proof is incomplete ([`Proof::check`]); nothing is recorded then.
    pub fn record(&mut self, event: ConsentEvent) -> Result<usize, ConsentError> {
        event.proof.check(event.subject)?;
        let position = self.events.len();
        let target = self.intern(&event.target);
        let decision = Decision::of(&event, position);
        self.tracks
            .entry((event.subject, target))
            .and_modify(|track| track.insert(decision))
            .or_insert(Track::One(decision));
        self.events.push(event);
        Ok(position)
    }

    fn intern(&mut self, target: &ConsentTarget) -> u32 {
        if let Some(id) = self.target_ids.get(target) {
            return *id;
        }
        let id = u32::try_from(self.targets.len()).unwrap_or(u32::MAX);
        self.targets.push(target.clone());
        self.target_ids.insert(target.clone(), id);
        id
    }

    /// The effective consent of `subject` to `target` at `at`.
    pub fn state(
        &self,
        subject: PersonId,
        target: &ConsentTarget,
        at: OffsetDateTime,
    ) -> ConsentState {
        self.target_ids
            .get(target)
            .and_then(|id| self.tracks.get(&(subject, *id)))
            .map_or(ConsentState::Never, |track| track.state_at(at))
    }

    /// Every target `subject` has a live grant for at `at`.
    pub fn granted(&self, subject: PersonId, at: OffsetDateTime) -> Vec<&ConsentTarget> {
        self.targets
            .iter()
            .zip(0u32..)
            .filter(|(_, id)| {
                self.tracks
                    .get(&(subject, *id))
                    .is_some_and(|track| matches!(track.state_at(at), ConsentState::Granted { .. }))
            })
            .map(|(target, _)| target)
            .collect()
    }

    /// Every subject with a live grant for `target` at `at`, in id order.
    pub fn subjects_granting(&self, target: &ConsentTarget, at: OffsetDateTime) -> Vec<PersonId> {
        let Some(id) = self.target_ids.get(target) else {
            return Vec::new();
        };
        let mut subjects: Vec<PersonId> = self
            .tracks
            .iter()
            .filter(|((_, t), track)| {
                t == id && matches!(track.state_at(at), ConsentState::Granted { .. })
            })
            .map(|((subject, _), _)| *subject)
            .collect();
        subjects.sort();
        subjects
    }

    /// The event at a position returned by [`Ledger::record`] or held in a [`ConsentState`].
    pub fn event(&self, position: usize) -> Option<&ConsentEvent> {
        self.events.get(position)
    }

    /// The full history of `subject`, in time order (ties in recording order).
    pub fn history(&self, subject: PersonId) -> Vec<&ConsentEvent> {
        let mut history: Vec<(usize, &ConsentEvent)> = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.subject == subject)
            .collect();
        history.sort_by_key(|(position, e)| (e.at, *position));
        history.into_iter().map(|(_, e)| e).collect()
    }

    /// Every subject the ledger knows, in id order.
    pub fn subjects(&self) -> Vec<PersonId> {
        let mut subjects: Vec<PersonId> = self.tracks.keys().map(|(subject, _)| *subject).collect();
        subjects.sort();
        subjects.dedup();
        subjects
    }

    /// How many events are recorded.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

//! The consent ledger: events in, effective states out.

use std::collections::HashMap;

use pledge_domain::{PersonId, PurposeId};
use pledge_policy::model::{Channel, CookieCategory};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ConsentError, Proof};

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

/// The decisions about one target, in time order: (time, change, event position).
#[derive(Debug, Clone, Default)]
struct Track {
    decisions: Vec<(OffsetDateTime, Change, usize)>,
}

impl Track {
    fn insert(&mut self, at: OffsetDateTime, change: Change, event: usize) {
        let position = self.decisions.partition_point(|(t, _, _)| *t <= at);
        self.decisions.insert(position, (at, change, event));
    }

    fn state_at(&self, at: OffsetDateTime) -> ConsentState {
        let upto = self.decisions.partition_point(|(t, _, _)| *t <= at);
        let last = self
            .decisions
            .get(..upto)
            .unwrap_or_default()
            .iter()
            .rev()
            .find(|(_, change, _)| *change != Change::NoticeServed);
        match last {
            None => ConsentState::Never,
            Some((t, Change::Granted, event)) => ConsentState::Granted {
                at: *t,
                event: *event,
            },
            Some((t, Change::Withdrawn, _)) => ConsentState::Withdrawn { at: *t },
            Some((t, _, _)) => ConsentState::Expired { at: *t },
        }
    }
}

/// Every consent event, indexed by subject and target.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    events: Vec<ConsentEvent>,
    index: HashMap<PersonId, Vec<(ConsentTarget, Track)>>,
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
        let tracks = self.index.entry(event.subject).or_default();
        match tracks
            .iter_mut()
            .find(|(target, _)| *target == event.target)
        {
            Some((_, track)) => track.insert(event.at, event.change, position),
            None => {
                let mut track = Track::default();
                track.insert(event.at, event.change, position);
                tracks.push((event.target.clone(), track));
            }
        }
        self.events.push(event);
        Ok(position)
    }

    /// The effective consent of `subject` to `target` at `at`.
    pub fn state(
        &self,
        subject: PersonId,
        target: &ConsentTarget,
        at: OffsetDateTime,
    ) -> ConsentState {
        self.index
            .get(&subject)
            .and_then(|tracks| tracks.iter().find(|(t, _)| t == target))
            .map_or(ConsentState::Never, |(_, track)| track.state_at(at))
    }

    /// Every target `subject` has a live grant for at `at`.
    pub fn granted(&self, subject: PersonId, at: OffsetDateTime) -> Vec<&ConsentTarget> {
        self.index.get(&subject).map_or_else(Vec::new, |tracks| {
            tracks
                .iter()
                .filter(|(_, track)| matches!(track.state_at(at), ConsentState::Granted { .. }))
                .map(|(target, _)| target)
                .collect()
        })
    }

    /// Every subject with a live grant for `target` at `at`.
    pub fn subjects_granting(&self, target: &ConsentTarget, at: OffsetDateTime) -> Vec<PersonId> {
        let mut subjects: Vec<PersonId> = self
            .index
            .iter()
            .filter(|(_, tracks)| {
                tracks.iter().any(|(t, track)| {
                    t == target && matches!(track.state_at(at), ConsentState::Granted { .. })
                })
            })
            .map(|(subject, _)| *subject)
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

    /// Every subject the ledger knows.
    pub fn subjects(&self) -> impl Iterator<Item = PersonId> + '_ {
        self.index.keys().copied()
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

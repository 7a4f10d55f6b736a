//! The compiled engine: rules indexed by category, and the evaluation of one record.

use pledge_domain::{CategoryId, LifecycleEvent, Period, RuleId};
use pledge_policy::model::{Clock, CountFrom, ExpiryAction, RetentionRule};
use pledge_policy::{PromiseId, ValidPolicy};
use time::OffsetDateTime;

use crate::RetentionError;
use crate::decision::{Decision, DeleteCause, HeldBy, KeepUntil};
use crate::facts::{EventAt, RecordFacts, RequestKind};

/// A category of the policy, resolved to a dense index once so that evaluation does no string
/// lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CategoryIndex(u16);

/// A set of lifecycle events as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventSet(u32);

impl EventSet {
    fn of(events: &[LifecycleEvent]) -> Self {
        Self(events.iter().fold(0, |bits, e| bits | (1 << e.index())))
    }

    const fn contains(self, event: LifecycleEvent) -> bool {
        self.0 & (1 << event.index()) != 0
    }
}

#[derive(Debug, Clone)]
enum CompiledClock {
    After {
        events: EventSet,
        first: LifecycleEvent,
        period: Period,
        count_from: CountFrom,
    },
    Until(LifecycleEvent),
    Indefinite,
}

/// A retention rule ready for evaluation, with what explanations need.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub(crate) id: RuleId,
    pub(crate) name: String,
    pub(crate) clock_words: String,
    pub(crate) action: ExpiryAction,
    pub(crate) legal_hold: Option<String>,
    pub(crate) promises: Vec<PromiseId>,
    clock: CompiledClock,
}

/// When one rule lets a record go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    /// At this moment.
    At(OffsetDateTime),
    /// Not before this event happens.
    Waiting(LifecycleEvent),
    /// Never (indefinite retention, or a date beyond the calendar).
    Never,
}

impl CompiledRule {
    fn compile(rule: &RetentionRule) -> Self {
        let clock = match &rule.clock {
            Clock::After(after) => CompiledClock::After {
                events: EventSet::of(&after.events),
                first: after
                    .events
                    .first()
                    .copied()
                    .unwrap_or(LifecycleEvent::Collected),
                period: after.period,
                count_from: after.count_from,
            },
            Clock::Until(event) => CompiledClock::Until(*event),
            Clock::Indefinite(_) => CompiledClock::Indefinite,
        };
        Self {
            id: rule.id.clone(),
            name: rule.name.clone(),
            clock_words: match &rule.clock {
                Clock::Indefinite(why) => format!("indefinitely: {why}"),
                other => pledge_policy::lint::describe_clock(other),
            },
            action: rule.action,
            legal_hold: rule.legal_hold.clone(),
            promises: rule.sources.clone(),
            clock,
        }
    }

    /// When this rule lets a record with these events go, counting only events up to `now`.
    fn due(&self, events: &[EventAt], now: OffsetDateTime) -> Due {
        match &self.clock {
            CompiledClock::Indefinite => Due::Never,
            CompiledClock::Until(event) => events
                .iter()
                .filter(|e| e.event == *event && e.at <= now)
                .map(|e| e.at)
                .min()
                .map_or(Due::Waiting(*event), Due::At),
            CompiledClock::After {
                events: set,
                first,
                period,
                count_from,
            } => {
                let happened = events
                    .iter()
                    .filter(|e| set.contains(e.event) && e.at <= now);
                let anchor = match count_from {
                    CountFrom::Latest => happened.map(|e| e.at).max(),
                    CountFrom::Earliest => happened.map(|e| e.at).min(),
                };
                match anchor {
                    None => Due::Waiting(*first),
                    Some(start) => period.after(start).map_or(Due::Never, Due::At),
                }
            }
        }
    }
}

/// The retention rules of one policy, compiled for fast evaluation.
#[derive(Debug, Clone)]
pub struct RetentionEngine {
    pub(crate) rules: Vec<CompiledRule>,
    categories: Vec<CategoryId>,
    by_category: Vec<Vec<u16>>,
}

impl RetentionEngine {
    /// Compiles the retention rules of `policy`.
    pub fn new(policy: &ValidPolicy) -> Self {
        let p = policy.policy();
        let rules: Vec<CompiledRule> = p.retention.iter().map(CompiledRule::compile).collect();
        let categories: Vec<CategoryId> = p.categories.iter().map(|c| c.id.clone()).collect();
        let by_category = categories
            .iter()
            .map(|category| {
                p.retention
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.categories.contains(category))
                    .filter_map(|(i, _)| u16::try_from(i).ok())
                    .collect()
            })
            .collect();
        Self {
            rules,
            categories,
            by_category,
        }
    }

    /// The dense index of a category, to put in [`RecordFacts`].
    ///
    /// # Errors
    /// [`RetentionError::UnknownCategory`] when the policy does not declare it.
    pub fn category(&self, id: &CategoryId) -> Result<CategoryIndex, RetentionError> {
        self.categories
            .iter()
            .position(|c| c == id)
            .and_then(|i| u16::try_from(i).ok())
            .map(CategoryIndex)
            .ok_or_else(|| RetentionError::UnknownCategory(id.clone()))
    }

    /// The category an index stands for.
    pub fn category_id(&self, index: CategoryIndex) -> Option<&CategoryId> {
        self.categories.get(usize::from(index.0))
    }

    /// The id of the rule a decision refers to.
    pub fn rule_id(&self, rule: u16) -> Option<&RuleId> {
        self.rules.get(usize::from(rule)).map(|r| &r.id)
    }

    pub(crate) fn rule(&self, rule: u16) -> Option<&CompiledRule> {
        self.rules.get(usize::from(rule))
    }

    /// Decides what to do with one record at `now`.
    ///
    /// # Errors
    /// [`RetentionError::ForeignCategoryIndex`] when the record's category index did not come
    /// from this engine.
    pub fn evaluate(
        &self,
        facts: &RecordFacts<'_>,
        now: OffsetDateTime,
    ) -> Result<Decision, RetentionError> {
        let index = usize::from(facts.category.0);
        let rules = self
            .by_category
            .get(index)
            .ok_or(RetentionError::ForeignCategoryIndex(index))?;
        if let Some(held) = held_by(facts, now) {
            return Ok(Decision::Held(held));
        }
        let erasure = facts
            .requests
            .iter()
            .filter(|r| r.kind == RequestKind::Erasure)
            .map(|r| r.opened)
            .min();
        let mut binding: Option<(Due, u16)> = None;
        for &rule_index in rules {
            let Some(rule) = self.rule(rule_index) else {
                continue;
            };
            if erasure.is_some() && rule.legal_hold.is_none() {
                continue;
            }
            let due = rule.due(facts.events, now);
            if binding.is_none_or(|(latest, _)| due > latest) {
                binding = Some((due, rule_index));
            }
        }
        Ok(match (binding, erasure) {
            (None, Some(opened)) => Decision::Delete {
                rule: None,
                since: opened,
                cause: DeleteCause::ErasureRequested,
            },
            (None, None) => Decision::Keep {
                until: KeepUntil::Indefinitely,
                rule: None,
            },
            (Some((Due::At(at), rule)), _) if at <= now => {
                self.expired(rule, at, facts.personal_fields)
            }
            (Some((Due::At(at), rule)), _) => Decision::Keep {
                until: KeepUntil::At(at),
                rule: Some(rule),
            },
            (Some((Due::Waiting(event), rule)), _) => Decision::Keep {
                until: KeepUntil::Event(event),
                rule: Some(rule),
            },
            (Some((Due::Never, rule)), _) => Decision::Keep {
                until: KeepUntil::Indefinitely,
                rule: Some(rule),
            },
        })
    }

    fn expired(&self, rule: u16, since: OffsetDateTime, fields: &[&str]) -> Decision {
        match self.rule(rule).map(|r| r.action) {
            Some(ExpiryAction::Anonymise) => Decision::Anonymise {
                rule,
                since,
                fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            },
            _ => Decision::Delete {
                rule: Some(rule),
                since,
                cause: DeleteCause::Expired,
            },
        }
    }

    /// When each rule covering the record's category lets it go, ignoring holds and requests:
    /// the raw material of [`RetentionEngine::evaluate`], for dashboards and tests.
    ///
    /// # Errors
    /// [`RetentionError::ForeignCategoryIndex`] for an index from another engine.
    pub fn rule_dues(
        &self,
        facts: &RecordFacts<'_>,
        now: OffsetDateTime,
    ) -> Result<Vec<(RuleId, Due)>, RetentionError> {
        let index = usize::from(facts.category.0);
        let rules = self
            .by_category
            .get(index)
            .ok_or(RetentionError::ForeignCategoryIndex(index))?;
        Ok(rules
            .iter()
            .filter_map(|&i| self.rule(i))
            .map(|rule| (rule.id.clone(), rule.due(facts.events, now)))
            .collect())
    }

    /// Records that become due in `[from, to)`, earliest first: the retention dashboard's
    /// forecast. Held records and records already due are left out.
    pub fn forecast<'a, K: Clone>(
        &self,
        records: impl IntoIterator<Item = (K, RecordFacts<'a>)>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Vec<(K, OffsetDateTime, RuleId)> {
        let mut due: Vec<(K, OffsetDateTime, RuleId)> = records
            .into_iter()
            .filter_map(|(key, facts)| match self.evaluate(&facts, from) {
                Ok(Decision::Keep {
                    until: KeepUntil::At(at),
                    rule: Some(rule),
                }) if at < to => self.rule_id(rule).map(|id| (key, at, id.clone())),
                _ => None,
            })
            .collect();
        due.sort_by_key(|(_, at, _)| *at);
        due
    }
}

/// The active hold or holding request on the record, if any. Holds beat requests.
fn held_by(facts: &RecordFacts<'_>, now: OffsetDateTime) -> Option<HeldBy> {
    if let Some(hold) = facts.holds.iter().find(|h| h.is_active(now)) {
        return Some(HeldBy::LegalHold {
            id: hold.id.clone(),
            reason: hold.reason.clone(),
            owner: hold.owner.clone(),
            expires: hold.expires,
        });
    }
    facts
        .requests
        .iter()
        .find(|r| r.kind.holds_data())
        .map(|r| HeldBy::OpenRequest {
            id: r.id.clone(),
            kind: r.kind,
            opened: r.opened,
        })
}

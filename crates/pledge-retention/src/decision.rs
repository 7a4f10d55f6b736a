//! Decisions, and the sentence each one explains itself with.

use pledge_domain::LifecycleEvent;
use time::OffsetDateTime;

use crate::RetentionEngine;
use crate::facts::RequestKind;

/// How long a kept record stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepUntil {
    /// Until this moment.
    At(OffsetDateTime),
    /// Until this event happens (and then as the rule says).
    Event(LifecycleEvent),
    /// No rule will ever let it go.
    Indefinitely,
}

/// Why a record is due for deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteCause {
    /// Every rule covering it has run out.
    Expired,
    /// The person asked for erasure and no statutory rule keeps it.
    ErasureRequested,
}

/// What holds a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldBy {
    /// A legal hold.
    LegalHold {
        /// The hold's reference.
        id: String,
        /// Why.
        reason: String,
        /// Who answers for it.
        owner: String,
        /// When it lapses, if ever.
        expires: Option<OffsetDateTime>,
    },
    /// An open request that covers the record.
    OpenRequest {
        /// The request's reference.
        id: String,
        /// Its kind.
        kind: RequestKind,
        /// When it was received.
        opened: OffsetDateTime,
    },
}

/// What to do with one record now. Rule numbers refer to the engine that decided; use
/// [`RetentionEngine::rule_id`] or [`Decision::explain`] to read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Keep it.
    Keep {
        /// Until when.
        until: KeepUntil,
        /// The rule that keeps it longest (none for a category no rule covers).
        rule: Option<u16>,
    },
    /// Delete it.
    Delete {
        /// The rule that ran out last (none when an erasure request overrides every rule).
        rule: Option<u16>,
        /// Since when it has been due.
        since: OffsetDateTime,
        /// Why.
        cause: DeleteCause,
    },
    /// Strip what identifies the person and keep the rest.
    Anonymise {
        /// The rule that ran out last.
        rule: u16,
        /// Since when it has been due.
        since: OffsetDateTime,
        /// The fields to strip.
        fields: Vec<String>,
    },
    /// Keep it whatever the rules say, because something holds it.
    Held(HeldBy),
}

impl Decision {
    /// True when the record must be deleted or anonymised now.
    pub const fn is_due(&self) -> bool {
        matches!(self, Decision::Delete { .. } | Decision::Anonymise { .. })
    }

    /// One sentence a privacy officer understands.
    pub fn explain(&self, engine: &RetentionEngine) -> String {
        let rule_words = |rule: u16| {
            engine.rule(rule).map_or_else(String::new, |r| {
                let ids: Vec<&str> = r.promises.iter().map(|p| p.as_str()).collect();
                format!(
                    "“{}” ({}) keeps it {}",
                    r.name,
                    ids.join(", "),
                    r.clock_words
                )
            })
        };
        match self {
            Decision::Keep {
                until: KeepUntil::At(at),
                rule: Some(rule),
            } => {
                format!("Kept until {}: {}.", day(*at), rule_words(*rule))
            }
            Decision::Keep {
                until: KeepUntil::Event(event),
                rule: Some(rule),
            } => {
                format!(
                    "Kept until {} and then as the rule says: {}.",
                    event.plain_words(),
                    rule_words(*rule)
                )
            }
            Decision::Keep {
                until: _,
                rule: Some(rule),
            } => format!("Kept: {}.", rule_words(*rule)),
            Decision::Keep { rule: None, .. } => {
                "Kept: no retention rule covers this category.".to_owned()
            }
            Decision::Delete {
                cause: DeleteCause::ErasureRequested,
                since,
                ..
            } => format!(
                "Erase now: the person asked for erasure on {} and no statutory retention applies.",
                day(*since)
            ),
            Decision::Delete { rule, since, .. } => format!(
                "Due for deletion since {}: {}.",
                day(*since),
                rule.map_or_else(String::new, rule_words)
            ),
            Decision::Anonymise {
                rule,
                since,
                fields,
            } => format!(
                "Due for anonymisation since {}: {}; strip {}.",
                day(*since),
                rule_words(*rule),
                if fields.is_empty() {
                    "every identifying field".to_owned()
                } else {
                    fields.join(", ")
                }
            ),
            Decision::Held(HeldBy::LegalHold {
                id,
                reason,
                owner,
                expires,
            }) => format!(
                "Held by legal hold {id} ({reason}; owner {owner}{}): a hold beats expiry and erasure.",
                expires.map_or_else(String::new, |at| format!(", until {}", day(at)))
            ),
            Decision::Held(HeldBy::OpenRequest { id, kind, opened }) => format!(
                "Held while the {} request {id} received on {} is open: the data it covers is kept \
                 until it is answered (PIPEDA s.8(8)).",
                kind_words(*kind),
                day(*opened)
            ),
        }
    }
}

fn kind_words(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Access => "access",
        RequestKind::Portability => "portability",
        RequestKind::Rectification => "correction",
        RequestKind::Restriction => "restriction",
        RequestKind::Erasure => "erasure",
    }
}

fn day(at: OffsetDateTime) -> String {
    let d = at.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

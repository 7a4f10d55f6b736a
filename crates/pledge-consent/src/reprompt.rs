//! After a policy change: who must be asked for consent again.
//!
//! Only the people whose agreed purposes, cookie categories or marketing channels a change
//! touches are asked again; a change for "everyone" (a new consent-based purpose) is offered to
//! everyone but takes nobody's existing consent away.

use std::collections::BTreeSet;

use pledge_domain::PersonId;
use pledge_policy::{Audience, ChangeClass, PolicyDiff, ValidPolicy};
use time::OffsetDateTime;

use crate::{ConsentTarget, Ledger};

/// Who must be asked again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reprompt {
    /// People whose existing consent the change affects.
    pub people: BTreeSet<PersonId>,
    /// True when a change must be offered to everyone (a new consent-based purpose).
    pub everyone: bool,
}

/// Who must be asked again, given the diff from the old policy to `new` and the ledger at `at`.
pub fn must_ask_again(
    ledger: &Ledger,
    diff: &PolicyDiff,
    new: &ValidPolicy,
    at: OffsetDateTime,
) -> Reprompt {
    let mut out = Reprompt::default();
    let marketing = new.policy().marketing.as_ref();
    for change in diff
        .changes
        .iter()
        .filter(|c| c.class == ChangeClass::FreshConsent)
    {
        for audience in &change.audience {
            match audience {
                Audience::Everyone => out.everyone = true,
                Audience::ConsentedTo(purpose) => {
                    let is_marketing = marketing.is_some_and(|m| &m.purpose == purpose);
                    if is_marketing {
                        add_subscribers(ledger, new, at, &mut out.people);
                    }
                    let target = ConsentTarget::Purpose(purpose.clone());
                    out.people.extend(ledger.subjects_granting(&target, at));
                }
                Audience::AcceptedCookies(category) => {
                    out.people
                        .extend(ledger.subjects_granting(&ConsentTarget::Cookies(*category), at));
                }
                Audience::MarketingSubscribers => add_subscribers(ledger, new, at, &mut out.people),
                Audience::PeopleWithData(_) | Audience::MinorsAndGuardians => {}
            }
        }
    }
    out
}

fn add_subscribers(
    ledger: &Ledger,
    policy: &ValidPolicy,
    at: OffsetDateTime,
    people: &mut BTreeSet<PersonId>,
) {
    let channels = pledge_policy::model::Channel::ALL;
    let offered: Vec<_> = policy
        .policy()
        .marketing
        .as_ref()
        .map(|m| m.channels.clone())
        .unwrap_or_default();
    for channel in channels
        .into_iter()
        .filter(|c| offered.contains(c) || offered.is_empty())
    {
        people.extend(ledger.subjects_granting(&ConsentTarget::Channel(channel), at));
    }
}

//! Cookie decisions: which cookies the browser may hold, from the policy's catalogue.
//!
//! Essential cookies are always allowed; an optional cookie only when its category was
//! accepted; a withheld cookie never. Whatever is not allowed must be removed from the browser
//! (a withdrawn category's cookies go at once).

use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use pledge_policy::model::{CookieCategory, CookieLifetime};
use time::OffsetDateTime;

use crate::{ConsentTarget, Ledger};

/// A cookie the browser may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedCookie {
    /// Its name as the browser stores it.
    pub name: String,
    /// Its category.
    pub category: CookieCategory,
    /// How long it may live.
    pub lifetime: CookieLifetime,
}

/// The outcome of a banner decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CookieDecision {
    /// Cookies that may be set.
    pub allowed: Vec<AllowedCookie>,
    /// Names of catalogue cookies that must not be present (and must be removed if they are).
    pub refused: Vec<String>,
}

/// The cookies a browser may hold when these optional categories are accepted.
pub fn decide(policy: &ValidPolicy, accepted: &[CookieCategory]) -> CookieDecision {
    let mut decision = CookieDecision::default();
    for cookie in &policy.policy().cookie_catalogue {
        let allowed = cookie.withheld.is_none()
            && (!cookie.category.is_optional() || accepted.contains(&cookie.category));
        if allowed {
            decision.allowed.push(AllowedCookie {
                name: cookie.name.clone(),
                category: cookie.category,
                lifetime: cookie.lifetime,
            });
        } else {
            decision.refused.push(cookie.name.clone());
        }
    }
    decision
}

/// The optional cookie categories `subject` has a live grant for at `at`, in catalogue order.
pub fn accepted_categories(
    ledger: &Ledger,
    subject: PersonId,
    at: OffsetDateTime,
) -> Vec<CookieCategory> {
    let mut accepted: Vec<CookieCategory> = ledger
        .granted(subject, at)
        .into_iter()
        .filter_map(|target| match target {
            ConsentTarget::Cookies(category) => Some(*category),
            _ => None,
        })
        .collect();
    accepted.sort();
    accepted.dedup();
    accepted
}

/// The cookie decision for `subject` at `at`, from the ledger.
pub fn for_subject(
    policy: &ValidPolicy,
    ledger: &Ledger,
    subject: PersonId,
    at: OffsetDateTime,
) -> CookieDecision {
    decide(policy, &accepted_categories(ledger, subject, at))
}

/// The optional categories a banner must offer: those with at least one cookie that is not
/// withheld.
pub fn offered_categories(policy: &ValidPolicy) -> Vec<CookieCategory> {
    let mut categories: Vec<CookieCategory> = policy
        .policy()
        .cookie_catalogue
        .iter()
        .filter(|c| c.category.is_optional() && c.withheld.is_none())
        .map(|c| c.category)
        .collect();
    categories.sort();
    categories.dedup();
    categories
}

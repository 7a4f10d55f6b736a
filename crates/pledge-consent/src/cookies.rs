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

/// Every cookie category, in catalogue order.
pub const CATEGORIES: [CookieCategory; 6] = [
    CookieCategory::Essential,
    CookieCategory::Preferences,
    CookieCategory::Analytics,
    CookieCategory::Personalisation,
    CookieCategory::Advertising,
    CookieCategory::Embedded,
];

/// The category's name in policy files (`analytics`, `embedded`, …).
pub const fn category_name(category: CookieCategory) -> &'static str {
    match category {
        CookieCategory::Essential => "essential",
        CookieCategory::Preferences => "preferences",
        CookieCategory::Analytics => "analytics",
        CookieCategory::Personalisation => "personalisation",
        CookieCategory::Advertising => "advertising",
        CookieCategory::Embedded => "embedded",
    }
}

/// The category called `name` in policy files.
pub fn category_named(name: &str) -> Option<CookieCategory> {
    CATEGORIES.into_iter().find(|c| category_name(*c) == name)
}

/// A browser's answer to the cookie banner, as its choice cookie carries it:
/// `<consent id>.<accepted>.<refused>.<version tag>`, each list of category names joined by
/// `+`, or `-` when empty; the tag ([`version_tag`]) names the policy version the answer was
/// given under (an answer written before tags has three parts and no tag). The consent id
/// names the browser's recorded answers, not a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BannerAnswer {
    /// The id under which the answers are recorded (letters, digits and `-`; at most 64).
    pub consent_id: String,
    /// Optional categories accepted.
    pub accepted: Vec<CookieCategory>,
    /// Optional categories refused.
    pub refused: Vec<CookieCategory>,
    /// The [`version_tag`] of the policy version it was given under; empty when unknown.
    pub version: String,
}

/// The tag of a policy version in a choice cookie: the label's letters and digits, at most 16
/// (`2025-03-15` is `20250315`).
pub fn version_tag(version: &str) -> String {
    version
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect()
}

impl BannerAnswer {
    /// Reads a choice cookie's value; `None` for anything this type did not write (a browser
    /// with such a cookie is asked again).
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let (Some(id), Some(accepted), Some(refused), version, None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let version = version.unwrap_or_default();
        let version_ok = version.len() <= 16 && version.bytes().all(|b| b.is_ascii_alphanumeric());
        let id_ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let answer = Self {
            consent_id: id.to_owned(),
            accepted: categories_in(accepted)?,
            refused: categories_in(refused)?,
            version: version.to_owned(),
        };
        let optional_only = answer
            .accepted
            .iter()
            .chain(&answer.refused)
            .all(|c| c.is_optional());
        let disjoint = !answer.accepted.iter().any(|c| answer.refused.contains(c));
        (id_ok && version_ok && optional_only && disjoint).then_some(answer)
    }

    /// The choice cookie's value.
    pub fn cookie_value(&self) -> String {
        let mut value = format!(
            "{}.{}.{}",
            self.consent_id,
            list(&self.accepted),
            list(&self.refused)
        );
        if !self.version.is_empty() {
            value.push('.');
            value.push_str(&self.version);
        }
        value
    }

    /// Forgets the acceptance of `categories`, so that the banner asks about them again and
    /// their cookies are no longer allowed (a policy change needs fresh consent for them); a
    /// refusal stays a refusal.
    pub fn ask_again(&mut self, categories: &[CookieCategory]) {
        self.accepted.retain(|c| !categories.contains(c));
    }

    /// Whether every category in `offered` was answered (a banner that offers a new category
    /// asks again; one that offers fewer does not).
    pub fn covers(&self, offered: &[CookieCategory]) -> bool {
        offered
            .iter()
            .all(|c| self.accepted.contains(c) || self.refused.contains(c))
    }

    /// Whether cookies of `category` may be set: essential ones always, optional ones only
    /// when accepted.
    pub fn allows(&self, category: CookieCategory) -> bool {
        !category.is_optional() || self.accepted.contains(&category)
    }
}

fn categories_in(text: &str) -> Option<Vec<CookieCategory>> {
    if text == "-" {
        return Some(Vec::new());
    }
    let mut categories: Vec<CookieCategory> =
        text.split('+').map(category_named).collect::<Option<_>>()?;
    categories.sort();
    categories.dedup();
    Some(categories)
}

fn list(categories: &[CookieCategory]) -> String {
    if categories.is_empty() {
        return "-".to_owned();
    }
    let mut sorted = categories.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|c| category_name(*c))
        .collect::<Vec<_>>()
        .join("+")
}

/// Whether the browser cookie `name` is the catalogue's `declared` name, where `{…}`
/// placeholders (`{hash}`, `{user}`) and `*` stand for any non-empty text.
pub fn name_matches(declared: &str, name: &str) -> bool {
    let mut literals = Vec::new();
    let mut rest = declared;
    loop {
        let brace = rest
            .find('{')
            .map(|at| (at, rest[at..].find('}').map(|end| at + end + 1)));
        let star = rest.find('*').map(|at| (at, Some(at + 1)));
        let next = match (brace, star) {
            (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        match next {
            Some((at, Some(end))) => {
                literals.push(&rest[..at]);
                rest = &rest[end..];
            }
            _ => {
                literals.push(rest);
                break;
            }
        }
    }
    matches_with_gaps(&literals, name)
}

/// Whether `name` is `literals[0]`, then non-empty text, then `literals[1]`, and so on.
fn matches_with_gaps(literals: &[&str], name: &str) -> bool {
    let Some((first, others)) = literals.split_first() else {
        return name.is_empty();
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for (i, literal) in others.iter().enumerate() {
        let last = i + 1 == others.len();
        let found = if last {
            rest.len()
                .checked_sub(literal.len())
                .filter(|&at| at >= 1 && rest.ends_with(literal))
        } else {
            rest.get(1..)
                .and_then(|after| after.find(literal))
                .map(|at| at + 1)
        };
        match found {
            Some(at) => rest = &rest[at + literal.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The catalogue entry a browser cookie called `name` belongs to, if any.
pub fn declared_cookie<'p>(
    policy: &'p ValidPolicy,
    name: &str,
) -> Option<&'p pledge_policy::model::Cookie> {
    let catalogue = &policy.policy().cookie_catalogue;
    catalogue.iter().find(|c| c.name == name).or_else(|| {
        // `comment_author_email_{hash}` before `comment_author_{hash}`: the declaration with
        // the most fixed text is the most specific.
        catalogue
            .iter()
            .filter(|c| name_matches(&c.name, name))
            .max_by_key(|c| fixed_text_length(&c.name))
    })
}

/// How many characters of a declared name are not placeholders.
fn fixed_text_length(declared: &str) -> usize {
    let mut length = 0;
    let mut in_placeholder = false;
    for ch in declared.chars() {
        match ch {
            '{' => in_placeholder = true,
            '}' => in_placeholder = false,
            '*' => {}
            _ if !in_placeholder => length += 1,
            _ => {}
        }
    }
    length
}

/// Of the cookies a browser sent (`present`), those `answer` does not allow: declared cookies
/// of optional categories not accepted (every optional one when there is no answer) and
/// withheld ones. Cookies the catalogue does not declare are left alone: they are not this
/// site's to judge.
pub fn to_remove<'n>(
    policy: &ValidPolicy,
    answer: Option<&BannerAnswer>,
    present: impl IntoIterator<Item = &'n str>,
) -> Vec<&'n str> {
    present
        .into_iter()
        .filter(|name| {
            declared_cookie(policy, name).is_some_and(|cookie| {
                cookie.withheld.is_some()
                    || answer.map_or(cookie.category.is_optional(), |a| {
                        !a.allows(cookie.category)
                    })
            })
        })
        .collect()
}

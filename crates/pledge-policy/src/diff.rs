//! Semantic diff between two versions of a policy.
//!
//! A new policy version is only safe to publish when the organisation knows what it changes for
//! whom. [`diff`] compares two policies entity by entity (purposes by id, cookies by name, rights
//! by kind, …), field by field, and classifies every change:
//!
//! - [`ChangeClass::FreshConsent`]: people must be asked again (a consent-based purpose uses more
//!   data, a new optional cookie, a new marketing channel);
//! - [`ChangeClass::Notice`]: people must be told (longer retention, a new recipient, a weaker
//!   right);
//! - [`ChangeClass::Editorial`]: wording, sources, or changes that only reduce processing.
//!
//! Each change also names its [`Audience`]: everyone, or only the people it affects (those who
//! accepted analytics cookies, marketing subscribers, people whose payment records we hold, …).
//!
//! The comparison works on the policies' TOML form, so no field can be forgotten: any difference
//! in any field produces at least one change, and equal policies produce none.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use pledge_domain::{CategoryId, PurposeId};
use toml::{Table, Value};

use crate::model::{Clock, CookieCategory, CookieLifetime, Policy, Purpose};

/// How much a change demands of the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeClass {
    /// Wording, references, or less processing: publish it.
    Editorial,
    /// Tell the people affected before it applies.
    Notice,
    /// Ask the people affected for consent again.
    FreshConsent,
}

impl fmt::Display for ChangeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChangeClass::Editorial => "editorial",
            ChangeClass::Notice => "needs notice",
            ChangeClass::FreshConsent => "needs fresh consent",
        })
    }
}

/// Who a change affects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Audience {
    /// Everyone the organisation holds data about.
    Everyone,
    /// People who consented to this purpose.
    ConsentedTo(PurposeId),
    /// People who accepted this cookie category.
    AcceptedCookies(CookieCategory),
    /// People subscribed to marketing.
    MarketingSubscribers,
    /// People whose data of this category the organisation holds.
    PeopleWithData(CategoryId),
    /// Minors and their guardians.
    MinorsAndGuardians,
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Audience::Everyone => f.write_str("everyone"),
            Audience::ConsentedTo(purpose) => write!(f, "people who consented to `{purpose}`"),
            Audience::AcceptedCookies(category) => {
                write!(
                    f,
                    "people who accepted {} cookies",
                    category.plain_words().to_lowercase()
                )
            }
            Audience::MarketingSubscribers => f.write_str("marketing subscribers"),
            Audience::PeopleWithData(category) => {
                write!(f, "people whose `{category}` data we hold")
            }
            Audience::MinorsAndGuardians => f.write_str("minors and their guardians"),
        }
    }
}

/// What happened to the thing at a change's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// Its value changed.
    Modified,
    /// The same entries now come in another order.
    Reordered,
}

/// One difference between two policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where, as `purpose[marketing].categories` (entities by id, not index).
    pub path: String,
    /// Added, removed, modified or reordered.
    pub kind: ChangeKind,
    /// The old value, as inline TOML.
    pub before: Option<String>,
    /// The new value, as inline TOML.
    pub after: Option<String>,
    /// What the change demands.
    pub class: ChangeClass,
    /// Whom it affects.
    pub audience: Vec<Audience>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let audience: Vec<String> = self.audience.iter().map(ToString::to_string).collect();
        write!(f, "{} [{:?}] {}", self.path, self.kind, self.class)?;
        if !audience.is_empty() {
            write!(f, " ({})", audience.join("; "))?;
        }
        match (&self.before, &self.after) {
            (Some(before), Some(after)) => write!(f, ": {before} -> {after}"),
            (None, Some(after)) => write!(f, ": {after}"),
            (Some(before), None) => write!(f, ": was {before}"),
            (None, None) => Ok(()),
        }
    }
}

/// The changes from one policy version to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDiff {
    /// Every change, section by section in the order of the serialised policy.
    pub changes: Vec<Change>,
}

impl PolicyDiff {
    /// True when the two policies are equal.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The most demanding class among the changes.
    pub fn strongest(&self) -> Option<ChangeClass> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// Everyone who must be reached for changes of at least `class`.
    pub fn audience(&self, class: ChangeClass) -> BTreeSet<Audience> {
        self.changes
            .iter()
            .filter(|c| c.class >= class)
            .flat_map(|c| c.audience.iter().cloned())
            .collect()
    }
}

/// Compares `old` with `new`.
pub fn diff(old: &Policy, new: &Policy) -> PolicyDiff {
    let (Ok(a), Ok(b)) = (Table::try_from(old), Table::try_from(new)) else {
        // Only a date outside TOML's range fails to serialise; fall back to all-or-nothing.
        let changes = if old == new {
            Vec::new()
        } else {
            vec![Change {
                path: String::new(),
                kind: ChangeKind::Modified,
                before: None,
                after: None,
                class: ChangeClass::Notice,
                audience: vec![Audience::Everyone],
            }]
        };
        return PolicyDiff { changes };
    };
    let mut walker = Walker {
        old,
        new,
        changes: Vec::new(),
    };
    walker.tables(&Site::root(), &a, &b);
    PolicyDiff {
        changes: walker.changes,
    }
}

/// Where the walk is: the printed path, the top-level section, the entity and the field.
#[derive(Debug, Clone, Default)]
struct Site {
    path: String,
    section: String,
    entity: Option<String>,
    field: Option<String>,
}

impl Site {
    fn root() -> Self {
        Self::default()
    }

    fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.path = if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        };
        if self.section.is_empty() {
            next.section = key.to_owned();
        } else if self.field.is_none() {
            next.field = Some(key.to_owned());
        }
        if self.section == "security" && key == "control" {
            next.section = "security.control".to_owned();
            next.field = None;
        }
        next
    }

    fn entity(&self, id: &str) -> Self {
        let mut next = self.clone();
        next.path = format!("{}[{id}]", self.path);
        next.entity = Some(id.to_owned());
        next.field = None;
        next
    }
}

struct Walker<'p> {
    old: &'p Policy,
    new: &'p Policy,
    changes: Vec<Change>,
}

const IDENTITY_KEYS: [&str; 4] = ["id", "name", "kind", "lint"];

/// The identity of each entity in an array of tables, made unique with `#n` where needed.
fn identities(items: &[Value]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let base = item
                .as_table()
                .and_then(|t| {
                    IDENTITY_KEYS
                        .iter()
                        .find_map(|k| t.get(*k).and_then(Value::as_str))
                })
                .map_or_else(|| index.to_string(), str::to_owned);
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                base
            } else {
                format!("{base}#{count}")
            }
        })
        .collect()
}

fn is_array_of_tables(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_table))
}

impl Walker<'_> {
    fn tables(&mut self, site: &Site, a: &Table, b: &Table) {
        let keys: Vec<&String> = a
            .keys()
            .chain(b.keys().filter(|k| !a.contains_key(*k)))
            .collect();
        for key in keys {
            self.values(&site.key(key), a.get(key), b.get(key));
        }
    }

    fn values(&mut self, site: &Site, a: Option<&Value>, b: Option<&Value>) {
        // Sections and entities are walked key by key; below that, a field is one value.
        let walk = site.field.is_none();
        match (a, b) {
            (Some(x), Some(y)) if x == y => {}
            (Some(Value::Table(x)), Some(Value::Table(y))) if walk => self.tables(site, x, y),
            (x, y) if walk && x.or(y).is_some_and(is_array_of_tables) && site.entity.is_none() => {
                let items =
                    |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
                self.entities(site, &items(x), &items(y));
            }
            (x, y) => {
                let kind = match (x, y) {
                    (None, _) => ChangeKind::Added,
                    (_, None) => ChangeKind::Removed,
                    _ => ChangeKind::Modified,
                };
                self.record(site, kind, x, y);
            }
        }
    }

    fn entities(&mut self, site: &Site, xs: &[Value], ys: &[Value]) {
        let (old_ids, new_ids) = (identities(xs), identities(ys));
        for (id, x) in old_ids.iter().zip(xs) {
            let y = new_ids.iter().position(|n| n == id).and_then(|i| ys.get(i));
            match y {
                Some(y) if x == y => {}
                Some(Value::Table(y)) if x.is_table() => {
                    let x = x.as_table().map_or_else(Table::new, Clone::clone);
                    self.tables(&site.entity(id), &x, y);
                }
                Some(y) => self.record(&site.entity(id), ChangeKind::Modified, Some(x), Some(y)),
                None => self.record(&site.entity(id), ChangeKind::Removed, Some(x), None),
            }
        }
        for (id, y) in new_ids.iter().zip(ys) {
            if !old_ids.contains(id) {
                self.record(&site.entity(id), ChangeKind::Added, None, Some(y));
            }
        }
        let common_old: Vec<&String> = old_ids.iter().filter(|id| new_ids.contains(id)).collect();
        let common_new: Vec<&String> = new_ids.iter().filter(|id| old_ids.contains(id)).collect();
        if common_old != common_new {
            self.changes.push(Change {
                path: site.path.clone(),
                kind: ChangeKind::Reordered,
                before: Some(
                    common_old
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                after: Some(
                    common_new
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                class: ChangeClass::Editorial,
                audience: Vec::new(),
            });
        }
    }

    fn record(&mut self, site: &Site, kind: ChangeKind, x: Option<&Value>, y: Option<&Value>) {
        let (class, audience) = self.classify(site, kind, x, y);
        self.changes.push(Change {
            path: site.path.clone(),
            kind,
            before: x.map(ToString::to_string),
            after: y.map(ToString::to_string),
            class,
            audience,
        });
    }
}

/// Fields that never change what is done with data.
const EDITORIAL_FIELDS: [&str; 12] = [
    "stored_in",
    "sources",
    "deployer_choice",
    "description",
    "name",
    "title",
    "statement",
    "reason",
    "version",
    "effective",
    "subjects",
    "stated_clock",
];

fn needs_consent(purpose: &Purpose) -> bool {
    purpose.basis.is_some_and(|b| b.needs_consent_grant())
        || purpose.art9.is_some_and(|c| c.needs_consent_grant())
}

fn everyone() -> (ChangeClass, Vec<Audience>) {
    (ChangeClass::Notice, vec![Audience::Everyone])
}

fn holders(categories: &[CategoryId]) -> Vec<Audience> {
    let set: BTreeSet<&CategoryId> = categories.iter().collect();
    set.into_iter()
        .cloned()
        .map(Audience::PeopleWithData)
        .collect()
}

/// True when `after` is certainly shorter than `before` (both periods as TOML strings).
fn shorter(before: Option<&Value>, after: Option<&Value>) -> bool {
    let parse = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(|s| s.parse::<pledge_domain::Period>().ok())
    };
    match (parse(before), parse(after)) {
        (Some(b), Some(a)) => b.surely_longer_than(a),
        _ => false,
    }
}

fn clock_shorter(before: &Clock, after: &Clock) -> bool {
    match (before, after) {
        (Clock::After(b), Clock::After(a)) => {
            b.events == a.events && b.period.surely_longer_than(a.period)
        }
        (Clock::Indefinite(_), Clock::After(_) | Clock::Until(_)) => true,
        _ => false,
    }
}

impl Walker<'_> {
    fn purpose(&self, id: Option<&str>, policy: &Policy) -> Option<Purpose> {
        id.and_then(|id| policy.purposes.iter().find(|p| p.id.as_str() == id))
            .cloned()
    }

    fn classify(
        &self,
        site: &Site,
        kind: ChangeKind,
        x: Option<&Value>,
        y: Option<&Value>,
    ) -> (ChangeClass, Vec<Audience>) {
        let field = site.field.as_deref();
        if kind == ChangeKind::Reordered || field.is_some_and(|f| EDITORIAL_FIELDS.contains(&f)) {
            return (ChangeClass::Editorial, Vec::new());
        }
        let entity = site.entity.as_deref();
        match site.section.as_str() {
            "format" | "policy" => (ChangeClass::Editorial, Vec::new()),
            "purpose" => self.classify_purpose(entity, field, kind, y),
            "category" => match kind {
                ChangeKind::Removed => (ChangeClass::Editorial, Vec::new()),
                ChangeKind::Added => everyone(),
                _ => {
                    let id = entity.and_then(|e| CategoryId::new(e).ok());
                    (
                        ChangeClass::Notice,
                        id.map(|id| vec![Audience::PeopleWithData(id)])
                            .unwrap_or_default(),
                    )
                }
            },
            "retention" => self.classify_retention(entity, field, kind),
            "right" => match field {
                Some("deadline" | "extension") if shorter(x, y) => {
                    (ChangeClass::Editorial, Vec::new())
                }
                _ => everyone(),
            },
            "breach" => match field {
                Some("notify_authority_within" | "notify_people_within") if shorter(x, y) => {
                    (ChangeClass::Editorial, Vec::new())
                }
                _ => everyone(),
            },
            "children" => (ChangeClass::Notice, vec![Audience::MinorsAndGuardians]),
            "cookie" => self.classify_cookie(entity, field, kind),
            "marketing" => match (field, kind) {
                (Some("channels"), _) => {
                    let count = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len);
                    let gained = y.and_then(Value::as_array).is_some_and(|new| {
                        new.iter().any(|c| {
                            !x.and_then(Value::as_array)
                                .is_some_and(|old| old.contains(c))
                        })
                    });
                    if gained || count(y) > count(x) {
                        (
                            ChangeClass::FreshConsent,
                            vec![Audience::MarketingSubscribers],
                        )
                    } else {
                        (ChangeClass::Notice, vec![Audience::MarketingSubscribers])
                    }
                }
                (Some("service_messages"), _) => everyone(),
                _ => (ChangeClass::Notice, vec![Audience::MarketingSubscribers]),
            },
            "partner" => self.classify_partner(entity, field, kind, y),
            _ => everyone(),
        }
    }

    fn classify_purpose(
        &self,
        entity: Option<&str>,
        field: Option<&str>,
        kind: ChangeKind,
        y: Option<&Value>,
    ) -> (ChangeClass, Vec<Audience>) {
        let old = self.purpose(entity, self.old);
        let new = self.purpose(entity, self.new);
        let consented = |p: &Option<Purpose>| {
            p.as_ref()
                .map(|p| vec![Audience::ConsentedTo(p.id.clone())])
                .unwrap_or_default()
        };
        match (kind, field) {
            (ChangeKind::Added, None) => match &new {
                Some(p) if needs_consent(p) => {
                    (ChangeClass::FreshConsent, vec![Audience::Everyone])
                }
                _ => everyone(),
            },
            (ChangeKind::Removed, None) => match &old {
                Some(p) if needs_consent(p) => (ChangeClass::Notice, consented(&old)),
                _ => (ChangeClass::Editorial, Vec::new()),
            },
            (_, Some("categories")) => {
                let before: Vec<CategoryId> = old
                    .as_ref()
                    .map(|p| p.categories.clone())
                    .unwrap_or_default();
                let added: Vec<CategoryId> = new
                    .as_ref()
                    .map(|p| {
                        p.categories
                            .iter()
                            .filter(|c| !before.contains(c))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                match &new {
                    _ if added.is_empty() => (ChangeClass::Editorial, Vec::new()),
                    Some(p) if needs_consent(p) => (ChangeClass::FreshConsent, consented(&new)),
                    _ => (ChangeClass::Notice, holders(&added)),
                }
            }
            (_, Some("basis" | "art9")) => match &new {
                Some(p) if needs_consent(p) => {
                    (ChangeClass::FreshConsent, vec![Audience::Everyone])
                }
                _ => (
                    ChangeClass::Notice,
                    old.as_ref()
                        .map(|p| holders(&p.categories))
                        .unwrap_or_default(),
                ),
            },
            (_, Some("profiling")) => {
                let now_profiles = y.and_then(Value::as_bool).unwrap_or(false);
                match &new {
                    _ if !now_profiles => (ChangeClass::Editorial, Vec::new()),
                    Some(p) if needs_consent(p) => (ChangeClass::FreshConsent, consented(&new)),
                    _ => everyone(),
                }
            }
            _ => everyone(),
        }
    }

    fn classify_retention(
        &self,
        entity: Option<&str>,
        field: Option<&str>,
        kind: ChangeKind,
    ) -> (ChangeClass, Vec<Audience>) {
        let find = |policy: &Policy| {
            entity
                .and_then(|id| policy.retention.iter().find(|r| r.id.as_str() == id))
                .cloned()
        };
        let (old, new) = (find(self.old), find(self.new));
        let audience = new
            .as_ref()
            .or(old.as_ref())
            .map(|r| holders(&r.categories))
            .unwrap_or_default();
        match (kind, field, &old, &new) {
            (ChangeKind::Modified, Some("clock"), Some(o), Some(n))
                if clock_shorter(&o.clock, &n.clock) =>
            {
                (ChangeClass::Editorial, Vec::new())
            }
            _ => (ChangeClass::Notice, audience),
        }
    }

    fn classify_cookie(
        &self,
        entity: Option<&str>,
        field: Option<&str>,
        kind: ChangeKind,
    ) -> (ChangeClass, Vec<Audience>) {
        let find = |policy: &Policy| {
            entity
                .and_then(|name| policy.cookie_catalogue.iter().find(|c| c.name == name))
                .cloned()
        };
        let (old, new) = (find(self.old), find(self.new));
        let ask_again = |category: CookieCategory| {
            if category.is_optional() {
                (
                    ChangeClass::FreshConsent,
                    vec![Audience::AcceptedCookies(category)],
                )
            } else {
                everyone()
            }
        };
        match (kind, field, &old, &new) {
            (ChangeKind::Removed, None, _, _) => (ChangeClass::Editorial, Vec::new()),
            (_, Some("withheld"), _, Some(n)) if n.withheld.is_some() => {
                (ChangeClass::Editorial, Vec::new())
            }
            (_, Some("lifetime"), Some(o), Some(n)) => {
                let reduced = match (o.lifetime, n.lifetime) {
                    (CookieLifetime::Persistent(_), CookieLifetime::Session) => true,
                    (CookieLifetime::Persistent(before), CookieLifetime::Persistent(after)) => {
                        before.surely_longer_than(after)
                    }
                    _ => false,
                };
                if reduced {
                    (ChangeClass::Editorial, Vec::new())
                } else {
                    ask_again(n.category)
                }
            }
            (_, _, _, Some(n)) => ask_again(n.category),
            _ => everyone(),
        }
    }

    fn classify_partner(
        &self,
        entity: Option<&str>,
        field: Option<&str>,
        kind: ChangeKind,
        y: Option<&Value>,
    ) -> (ChangeClass, Vec<Audience>) {
        let find = |policy: &Policy| {
            entity
                .and_then(|id| policy.partners.iter().find(|p| p.id.as_str() == id))
                .cloned()
        };
        let (old, new) = (find(self.old), find(self.new));
        if kind == ChangeKind::Removed && field.is_none() {
            return (ChangeClass::Editorial, Vec::new());
        }
        let Some(partner) = new.or(old) else {
            return everyone();
        };
        if field == Some("may_market") && y.and_then(Value::as_bool) == Some(true) {
            return (ChangeClass::FreshConsent, vec![Audience::Everyone]);
        }
        let widens = matches!(field, None | Some("receives" | "purposes"));
        let consent_purposes: Vec<Audience> = partner
            .purposes
            .iter()
            .filter_map(|id| self.new.purposes.iter().find(|p| &p.id == id))
            .filter(|p| needs_consent(p))
            .map(|p| Audience::ConsentedTo(p.id.clone()))
            .collect();
        if widens && !consent_purposes.is_empty() {
            (ChangeClass::FreshConsent, consent_purposes)
        } else {
            (ChangeClass::Notice, holders(&partner.receives))
        }
    }
}

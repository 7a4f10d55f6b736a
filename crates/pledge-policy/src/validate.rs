//! Validation: the rules a well-shaped policy must also keep before anything may rely on it.
//!
//! Parsing guarantees shape (keys, types, enum values, positive periods). Validation checks
//! meaning: every reference points at something declared, every purpose has a legal basis,
//! every retention clock has an anchor, every category of personal data is covered by a
//! retention rule, nothing is declared twice, and required text is not blank. All problems are
//! collected, not just the first, so that an author can fix a file in one pass.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use pledge_domain::{AgeRule, CategoryId, LegalBasis, PartnerId, PurposeId};

use crate::PolicyError;
use crate::lint::LintRule;
use crate::model::{Category, Clock, Partner, Policy, Purpose, Right, RightKind};
use crate::parse::{diagnostic_for, parse};
use crate::path::FieldPath;

/// A policy that passed [`validate`]. The rest of Pledge only accepts this type, so nothing can
/// enforce, render or publish a policy with dangling references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPolicy {
    policy: Policy,
    age_rule: AgeRule,
}

impl ValidPolicy {
    /// The validated policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Gives the policy back (to edit it; it must be validated again afterwards).
    pub fn into_inner(self) -> Policy {
        self.policy
    }

    /// The minimum-age and guardian rule.
    pub fn age_rule(&self) -> AgeRule {
        self.age_rule
    }

    /// The category with this id.
    pub fn category(&self, id: &CategoryId) -> Option<&Category> {
        self.policy.categories.iter().find(|c| &c.id == id)
    }

    /// The purpose with this id.
    pub fn purpose(&self, id: &PurposeId) -> Option<&Purpose> {
        self.policy.purposes.iter().find(|p| &p.id == id)
    }

    /// The partner with this id.
    pub fn partner(&self, id: &PartnerId) -> Option<&Partner> {
        self.policy.partners.iter().find(|p| &p.id == id)
    }

    /// The rule for this right, if the policy grants it.
    pub fn right(&self, kind: RightKind) -> Option<&Right> {
        self.policy.rights.iter().find(|r| r.kind == kind)
    }
}

/// A problem found by [`validate`], before it is given a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

/// Checks a parsed policy.
///
/// # Errors
/// Every problem found, each with the path of the offending field.
pub fn validate(policy: Policy) -> Result<ValidPolicy, Vec<Problem>> {
    let mut check = Checker::new(&policy);
    check.everything();
    let mut problems = check.problems;
    let age_rule = AgeRule::new(policy.children.minimum_age, policy.children.guardian_until)
        .map_err(|err| Problem {
            path: crate::path!("children", "guardian_until"),
            message: err.to_string(),
        });
    match age_rule {
        Ok(age_rule) if problems.is_empty() => Ok(ValidPolicy { policy, age_rule }),
        Ok(_) => Err(problems),
        Err(problem) => {
            problems.push(problem);
            Err(problems)
        }
    }
}

/// Parses and validates `text`, read from `file`.
///
/// # Errors
/// [`PolicyError::Syntax`] for a malformed file, [`PolicyError::Invalid`] listing every
/// validation problem with its line and column.
pub fn load(file: &str, text: &str) -> Result<ValidPolicy, PolicyError> {
    let policy = parse(file, text)?;
    validate(policy).map_err(|problems| {
        let mut problems: Vec<_> = problems
            .into_iter()
            .map(|p| diagnostic_for(file, text, &p.path, p.message))
            .collect();
        problems.sort_by_key(|d| (d.line, d.column));
        PolicyError::Invalid {
            file: file.to_owned(),
            problems,
        }
    })
}

/// True for `table.column` with lowercase letters, digits and underscores.
fn is_store_ref(text: &str) -> bool {
    let word = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_lowercase())
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    match text.split_once('.') {
        Some((table, column)) => word(table) && word(column),
        None => word(text),
    }
}

struct Checker<'p> {
    policy: &'p Policy,
    categories: HashSet<&'p CategoryId>,
    purposes: HashSet<&'p PurposeId>,
    partners: HashSet<&'p PartnerId>,
    problems: Vec<Problem>,
}

impl<'p> Checker<'p> {
    fn new(policy: &'p Policy) -> Self {
        Self {
            policy,
            categories: policy.categories.iter().map(|c| &c.id).collect(),
            purposes: policy.purposes.iter().map(|p| &p.id).collect(),
            partners: policy.partners.iter().map(|p| &p.id).collect(),
            problems: Vec::new(),
        }
    }

    fn report(&mut self, path: FieldPath, message: impl Into<String>) {
        self.problems.push(Problem {
            path,
            message: message.into(),
        });
    }

    fn everything(&mut self) {
        self.identity();
        self.categories();
        self.purposes();
        self.retention();
        self.rights();
        self.cookies();
        self.marketing();
        self.partners();
        self.security();
        self.resolutions();
        self.deployer_choices();
    }

    /// Every `deployer_choice` must name fields that exist in its own table, and say why.
    fn deployer_choices(&mut self) {
        if let Ok(table) = toml::Table::try_from(self.policy) {
            self.choices_in(&FieldPath::root(), &table);
        }
    }

    fn choices_in(&mut self, path: &FieldPath, table: &toml::Table) {
        if let Some(choice) = table.get("deployer_choice").and_then(toml::Value::as_table) {
            let choice_path = path.key("deployer_choice");
            let fields = choice.get("fields").and_then(toml::Value::as_array);
            if fields.is_none_or(Vec::is_empty) {
                self.report(
                    choice_path.key("fields"),
                    "name at least one field that was chosen",
                );
            }
            for (i, field) in fields.into_iter().flatten().enumerate() {
                let name = field.as_str().unwrap_or_default();
                if matches!(name, "deployer_choice" | "sources") || !table.contains_key(name) {
                    let message = format!(
                        "`{name}` is not a field set in this table, so it cannot be a deployer's \
                         choice"
                    );
                    self.report(choice_path.key("fields").index(i), message);
                }
            }
            let reason = choice
                .get("reason")
                .and_then(toml::Value::as_str)
                .unwrap_or_default();
            self.text(choice_path.key("reason"), reason);
        }
        for (key, value) in table {
            match value {
                toml::Value::Table(inner) => self.choices_in(&path.key(key), inner),
                toml::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let toml::Value::Table(inner) = item {
                            self.choices_in(&path.key(key).index(i), inner);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn text(&mut self, path: FieldPath, value: &str) {
        if value.trim().is_empty() {
            self.report(path, "this text must not be blank");
        }
    }

    fn non_empty<T>(&mut self, path: FieldPath, list: &[T], what: &str) {
        if list.is_empty() {
            self.report(path, format!("list at least one {what}"));
        }
    }

    fn unique<K: Eq + Hash + std::fmt::Display>(
        &mut self,
        table: &str,
        key: &str,
        keys: impl IntoIterator<Item = K>,
    ) {
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        for (index, k) in keys.into_iter().enumerate() {
            let name = k.to_string();
            if let Some(first) = first_seen.get(&name) {
                let message = format!("`{name}` is declared twice (first at {table}[{first}])");
                self.report(crate::path!(table, index, key), message);
            } else {
                first_seen.insert(name, index);
            }
        }
    }

    fn category_refs(&mut self, path: &FieldPath, ids: &[CategoryId]) {
        for (index, id) in ids.iter().enumerate() {
            if !self.categories.contains(id) {
                let message =
                    format!("unknown category `{id}`: declare it in a [[category]] table");
                self.report(path.index(index), message);
            }
        }
    }

    fn purpose_ref(&mut self, path: FieldPath, id: &PurposeId) {
        if !self.purposes.contains(id) {
            self.report(
                path,
                format!("unknown purpose `{id}`: declare it in a [[purpose]] table"),
            );
        }
    }

    fn identity(&mut self) {
        let p = self.policy;
        self.text(crate::path!("policy", "title"), &p.policy.title);
        self.text(crate::path!("policy", "version"), &p.policy.version);
        self.text(crate::path!("policy", "language"), &p.policy.language);
        self.text(crate::path!("organisation", "name"), &p.organisation.name);
        self.text(
            crate::path!("organisation", "privacy_contact"),
            &p.organisation.privacy_contact,
        );
        self.text(
            crate::path!("organisation", "supervisory_authority"),
            &p.organisation.supervisory_authority,
        );
        self.non_empty(
            crate::path!("organisation", "roles"),
            &p.organisation.roles,
            "role",
        );
        self.non_empty(
            crate::path!("jurisdiction", "laws"),
            &p.jurisdiction.laws,
            "law",
        );
        self.non_empty(
            crate::path!("jurisdiction", "residency"),
            &p.jurisdiction.residency,
            "country where data is stored",
        );
        if let Some(rule) = &p.jurisdiction.later_deadline_rule {
            self.text(crate::path!("jurisdiction", "later_deadline_rule"), rule);
        }
        self.non_empty(
            crate::path!("requests", "channels"),
            &p.requests.channels,
            "channel",
        );
        self.non_empty(
            crate::path!("requests", "identity_verification"),
            &p.requests.identity_verification,
            "identity check",
        );
        self.non_empty(
            crate::path!("breach", "notice_contents"),
            &p.breach.notice_contents,
            "section of the breach notice",
        );
        self.non_empty(
            crate::path!("changes", "notify_by"),
            &p.changes.notify_by,
            "channel",
        );
    }

    fn categories(&mut self) {
        let p = self.policy;
        self.unique("category", "id", p.categories.iter().map(|c| &c.id));
        let mut claimed: HashMap<&str, &CategoryId> = HashMap::new();
        for (i, category) in p.categories.iter().enumerate() {
            for (j, column) in category.stored_in.iter().enumerate() {
                let path = crate::path!("category", i, "stored_in", j);
                if !is_store_ref(column) {
                    self.report(
                        path,
                        format!("`{column}` is not a `table` or `table.column` reference"),
                    );
                } else if let Some(owner) = claimed.insert(column, &category.id) {
                    let message =
                        format!("column `{column}` is already claimed by category `{owner}`");
                    self.report(path, message);
                }
            }
        }
        for (i, category) in p.categories.iter().enumerate() {
            self.text(crate::path!("category", i, "name"), &category.name);
            self.text(
                crate::path!("category", i, "description"),
                &category.description,
            );
            let covered = p
                .retention
                .iter()
                .any(|r| r.categories.contains(&category.id));
            if !covered {
                let message = format!(
                    "category `{}` holds personal data but no [[retention]] rule covers it",
                    category.id
                );
                self.report(crate::path!("category", i, "id"), message);
            }
        }
    }

    fn purposes(&mut self) {
        let p = self.policy;
        self.unique("purpose", "id", p.purposes.iter().map(|x| &x.id));
        for (i, purpose) in p.purposes.iter().enumerate() {
            self.text(crate::path!("purpose", i, "name"), &purpose.name);
            self.text(
                crate::path!("purpose", i, "description"),
                &purpose.description,
            );
            match purpose.basis {
                None => self.report(
                    crate::path!("purpose", i),
                    format!(
                        "purpose `{}` has no legal basis: add `basis = \"…\"`",
                        purpose.id
                    ),
                ),
                Some(LegalBasis::LegitimateInterests)
                    if purpose
                        .legitimate_interest
                        .as_deref()
                        .is_none_or(|s| s.trim().is_empty()) =>
                {
                    self.report(
                        crate::path!("purpose", i, "basis"),
                        format!(
                            "purpose `{}` relies on legitimate interests: state the interest in \
                             `legitimate_interest`",
                            purpose.id
                        ),
                    );
                }
                Some(_) => {}
            }
            let path = crate::path!("purpose", i, "categories");
            self.non_empty(path.clone(), &purpose.categories, "category");
            self.category_refs(&path, &purpose.categories);
        }
        if let Some(closed) = &p.closed_purpose_list {
            self.non_empty(
                crate::path!("closed_purpose_list", "purposes"),
                &closed.purposes,
                "purpose",
            );
            for (i, id) in closed.purposes.iter().enumerate() {
                self.purpose_ref(crate::path!("closed_purpose_list", "purposes", i), id);
            }
        }
    }

    fn clock(&mut self, path: FieldPath, clock: &Clock) {
        match clock {
            Clock::After(after) => {
                if after.events.is_empty() {
                    self.report(
                        path.key("after").key("events"),
                        "a retention clock needs at least one anchor event to count from",
                    );
                }
                let mut seen = HashSet::new();
                for (i, event) in after.events.iter().enumerate() {
                    if !seen.insert(event) {
                        let message =
                            format!("event `{}` is listed twice", crate::names::kebab(event));
                        self.report(path.key("after").key("events").index(i), message);
                    }
                }
            }
            Clock::Until(_) => {}
            Clock::Indefinite(justification) => {
                if justification.trim().is_empty() {
                    self.report(
                        path.key("indefinite"),
                        "indefinite retention needs a written justification",
                    );
                }
            }
        }
    }

    fn retention(&mut self) {
        let p = self.policy;
        self.unique("retention", "id", p.retention.iter().map(|r| &r.id));
        for (i, rule) in p.retention.iter().enumerate() {
            self.text(crate::path!("retention", i, "name"), &rule.name);
            self.text(crate::path!("retention", i, "reason"), &rule.reason);
            let path = crate::path!("retention", i, "categories");
            self.non_empty(path.clone(), &rule.categories, "category");
            self.category_refs(&path, &rule.categories);
            self.clock(crate::path!("retention", i, "clock"), &rule.clock);
            if let Some(stated) = &rule.stated_clock {
                self.clock(crate::path!("retention", i, "stated_clock"), stated);
            }
        }
    }

    fn rights(&mut self) {
        let p = self.policy;
        self.unique(
            "right",
            "kind",
            p.rights.iter().map(|r| crate::names::kebab(&r.kind)),
        );
        for (i, right) in p.rights.iter().enumerate() {
            let answered = !matches!(
                right.kind,
                RightKind::Complaint | RightKind::WithdrawConsent
            );
            if answered && right.deadline.is_none() {
                self.report(
                    crate::path!("right", i),
                    format!(
                        "the {} right needs a response `deadline` (the engine counts down to it)",
                        crate::names::kebab(&right.kind)
                    ),
                );
            }
            if right.extension.is_some() && right.deadline.is_none() {
                self.report(
                    crate::path!("right", i, "extension"),
                    "an extension needs a deadline",
                );
            }
        }
    }

    fn cookies(&mut self) {
        let p = self.policy;
        self.unique("cookie", "name", p.cookie_catalogue.iter().map(|c| &c.name));
        for (i, cookie) in p.cookie_catalogue.iter().enumerate() {
            self.text(crate::path!("cookie", i, "name"), &cookie.name);
            self.text(
                crate::path!("cookie", i, "description"),
                &cookie.description,
            );
            self.purpose_ref(crate::path!("cookie", i, "purpose"), &cookie.purpose);
            if let Some(why) = &cookie.withheld {
                self.text(crate::path!("cookie", i, "withheld"), why);
            }
            match (&cookie.provider, cookie.party) {
                (Some(provider), _) if !self.partners.contains(provider) => {
                    let message =
                        format!("unknown partner `{provider}`: declare it in a [[partner]] table");
                    self.report(crate::path!("cookie", i, "provider"), message);
                }
                (None, crate::model::Party::Third) => self.report(
                    crate::path!("cookie", i, "party"),
                    "a third-party cookie must name its `provider` partner",
                ),
                _ => {}
            }
        }
        if let Some(name) = &p.cookies.choice_cookie {
            self.own_essential_cookie(
                crate::path!("cookies", "choice_cookie"),
                name,
                "it only remembers the choice the person made",
            );
        }
    }

    fn marketing(&mut self) {
        let Some(marketing) = &self.policy.marketing else {
            return;
        };
        self.purpose_ref(crate::path!("marketing", "purpose"), &marketing.purpose);
        self.non_empty(
            crate::path!("marketing", "channels"),
            &marketing.channels,
            "channel",
        );
    }

    fn partners(&mut self) {
        let p = self.policy;
        self.unique("partner", "id", p.partners.iter().map(|x| &x.id));
        for (i, partner) in p.partners.iter().enumerate() {
            self.text(crate::path!("partner", i, "name"), &partner.name);
            self.text(
                crate::path!("partner", i, "description"),
                &partner.description,
            );
            self.category_refs(&crate::path!("partner", i, "receives"), &partner.receives);
            for (j, purpose) in partner.purposes.iter().enumerate() {
                self.purpose_ref(crate::path!("partner", i, "purposes", j), purpose);
            }
            if partner.basis.is_none() && !partner.receives.is_empty() {
                self.report(
                    crate::path!("partner", i),
                    format!(
                        "partner `{}` receives data but has no legal `basis`",
                        partner.id
                    ),
                );
            }
            if let Some(address) = &partner.forward_requests_to
                && !is_mail_address(address)
            {
                self.report(
                    crate::path!("partner", i, "forward_requests_to"),
                    format!(
                        "`{address}` is not an email address: the portal emails corrections and \
                         erasures forwarded to partner `{}` there (put any other contact in \
                         `description`)",
                        partner.id
                    ),
                );
            }
            for (j, holding) in partner.keeps.iter().enumerate() {
                self.text(
                    crate::path!("partner", i, "keeps", j, "what"),
                    &holding.what,
                );
                self.clock(
                    crate::path!("partner", i, "keeps", j, "clock"),
                    &holding.clock,
                );
            }
        }
    }

    fn security(&mut self) {
        let security = &self.policy.security;
        if security
            .idle_timeout
            .surely_longer_than(security.absolute_timeout)
        {
            self.report(
                crate::path!("security", "idle_timeout"),
                "the idle timeout is longer than the absolute timeout",
            );
        }
        for (i, control) in security.controls.iter().enumerate() {
            self.text(
                crate::path!("security", "control", i, "statement"),
                &control.statement,
            );
        }
        if let Some(name) = &security.session_cookie {
            self.own_essential_cookie(
                crate::path!("security", "session_cookie"),
                name,
                "signing in is what the person asked for",
            );
        }
        if !(8..=128).contains(&security.passwords.min_length) {
            self.report(
                crate::path!("security", "passwords", "min_length"),
                "a minimum password length must be between 8 and 128 characters",
            );
        }
    }

    /// Reports at `path` unless `name` is an essential first-party cookie of the catalogue
    /// that the deployment sets (`why` says why it must be essential).
    fn own_essential_cookie(&mut self, path: FieldPath, name: &str, why: &str) {
        let declared = self.policy.cookie_catalogue.iter().find(|c| c.name == name);
        let problem = match declared {
            None => Some("names no cookie of the catalogue".to_owned()),
            Some(c) if c.category != crate::model::CookieCategory::Essential => {
                Some(format!("must be an essential cookie: {why}"))
            }
            Some(c) if c.party != crate::model::Party::First => {
                Some("must be a first-party cookie".to_owned())
            }
            Some(c) if c.withheld.is_some() => {
                Some("names a cookie the deployment withholds".to_owned())
            }
            Some(_) => None,
        };
        if let Some(problem) = problem {
            self.report(path, format!("`{name}` {problem}"));
        }
    }

    fn resolutions(&mut self) {
        for (i, resolution) in self.policy.resolutions.iter().enumerate() {
            if LintRule::from_id(&resolution.lint).is_none() {
                let known: Vec<&str> = LintRule::ALL.iter().map(|r| r.id()).collect();
                self.report(
                    crate::path!("resolution", i, "lint"),
                    format!(
                        "unknown lint rule `{}`; expected one of {}",
                        resolution.lint,
                        known.join(", ")
                    ),
                );
            }
            self.non_empty(
                crate::path!("resolution", i, "promises"),
                &resolution.promises,
                "promise ID",
            );
            self.text(
                crate::path!("resolution", i, "decision"),
                &resolution.decision,
            );
        }
    }
}

/// Whether `text` is one plain email address (`local@domain.tld`): what a mailer can deliver
/// to, without display names, spaces or several addresses.
fn is_mail_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
    };
    plain(local)
        && plain(domain)
        && !domain.contains(['@'])
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

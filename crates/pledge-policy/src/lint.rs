//! The policy linter: contradictions and risky wording inside one policy.
//!
//! Validation refuses policies that cannot be enforced at all. The linter reports policies that
//! can be enforced but promise things that do not fit together ("we delete within 30 days" and
//! "we keep account data a year after deletion"), or that the law would read differently from
//! the author ("control cookies through your browser"). Every finding names the promise IDs
//! involved and the field to look at.
//!
//! A pack can record how it resolves a finding, either as a `[[resolution]]` table (a decision
//! in words) or by marking the value it enforces as the deployer's choice. Resolved findings are
//! still reported, with the resolution, so that the published policy and the linter agree on
//! what the source said and what the deployment does.

use std::collections::BTreeSet;
use std::fmt;

use pledge_domain::Sensitivity;

use crate::ValidPolicy;
use crate::model::{
    Acceptance, Category, Clock, ControlKind, CookieCategory, CookieConsent, DeployerChoice,
    NetworkIdentifier, Policy, RightKind, chosen,
};
use crate::path::FieldPath;
use crate::promise::PromiseId;

/// The lint rules, each with a stable id used in `[[resolution]]` tables and CLI output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintRule {
    /// Data kept after an erasure-triggering event for longer than the erasure deadline, with no
    /// legal-hold reason (K22 vs K33).
    ErasureVsRetention,
    /// A closed list of purposes contradicted by a cookie or partner serving another purpose
    /// (J02 vs J26).
    ClosedPurposeList,
    /// A purpose claims anonymity or aggregation while using full IP addresses
    /// (W13/W14, K09/K40).
    AnonymityVsIdentifiers,
    /// Optional cookies without an opt-in consent mechanism (W19, J24).
    OptionalCookiesWithoutConsent,
    /// Special-category data used without an Art. 9(2) condition (J03, W36, K05).
    SpecialCategoryWithoutCondition,
    /// IP addresses, user agents or session ids kept indefinitely (J30).
    IndefiniteNetworkIdentifiers,
    /// Continued use treated as acceptance of a new policy version (W01, J43, K45).
    ImpliedAcceptance,
    /// "End-to-end encryption" claimed for data the server processes (K24).
    EndToEndEncryptionClaim,
    /// A partner outside the residency countries with no transfer safeguard (J41, K42).
    TransferWithoutSafeguard,
    /// Profiling on a basis other than consent with no right to object (W24, J33, K16).
    ProfilingWithoutObjection,
    /// A category that no purpose uses: collected for nothing.
    UnusedCategory,
    /// A rule that names no promise it comes from.
    UntracedRule,
    /// A value the deployer chose where the source policy was vague: review it.
    DeployerChoice,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// For review; never fails a build.
    Info,
    /// Risky; fails a build only with `--deny-warnings`.
    Warning,
    /// A contradiction; fails a build unless the pack resolves it.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

impl LintRule {
    /// Every rule.
    pub const ALL: [LintRule; 13] = [
        LintRule::ErasureVsRetention,
        LintRule::ClosedPurposeList,
        LintRule::AnonymityVsIdentifiers,
        LintRule::OptionalCookiesWithoutConsent,
        LintRule::SpecialCategoryWithoutCondition,
        LintRule::IndefiniteNetworkIdentifiers,
        LintRule::ImpliedAcceptance,
        LintRule::EndToEndEncryptionClaim,
        LintRule::TransferWithoutSafeguard,
        LintRule::ProfilingWithoutObjection,
        LintRule::UnusedCategory,
        LintRule::UntracedRule,
        LintRule::DeployerChoice,
    ];

    /// The rule's stable id.
    pub const fn id(self) -> &'static str {
        match self {
            LintRule::ErasureVsRetention => "erasure-vs-retention",
            LintRule::ClosedPurposeList => "closed-purpose-list",
            LintRule::AnonymityVsIdentifiers => "anonymity-vs-identifiers",
            LintRule::OptionalCookiesWithoutConsent => "optional-cookies-without-consent",
            LintRule::SpecialCategoryWithoutCondition => "special-category-without-condition",
            LintRule::IndefiniteNetworkIdentifiers => "indefinite-network-identifiers",
            LintRule::ImpliedAcceptance => "implied-acceptance",
            LintRule::EndToEndEncryptionClaim => "end-to-end-encryption-claim",
            LintRule::TransferWithoutSafeguard => "transfer-without-safeguard",
            LintRule::ProfilingWithoutObjection => "profiling-without-objection",
            LintRule::UnusedCategory => "unused-category",
            LintRule::UntracedRule => "untraced-rule",
            LintRule::DeployerChoice => "deployer-choice",
        }
    }

    /// The rule with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.id() == id)
    }

    /// How serious the rule's findings are.
    pub const fn severity(self) -> Severity {
        match self {
            LintRule::ErasureVsRetention
            | LintRule::ClosedPurposeList
            | LintRule::AnonymityVsIdentifiers
            | LintRule::OptionalCookiesWithoutConsent
            | LintRule::SpecialCategoryWithoutCondition
            | LintRule::IndefiniteNetworkIdentifiers
            | LintRule::TransferWithoutSafeguard => Severity::Error,
            LintRule::ImpliedAcceptance
            | LintRule::EndToEndEncryptionClaim
            | LintRule::ProfilingWithoutObjection
            | LintRule::UnusedCategory
            | LintRule::UntracedRule => Severity::Warning,
            LintRule::DeployerChoice => Severity::Info,
        }
    }
}

impl fmt::Display for LintRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// How a finding is resolved by the pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A `[[resolution]]` table records the decision.
    ByDecision(String),
    /// The pack enforces a value the deployer chose; the reason is recorded with it.
    ByDeployerChoice(String),
}

/// One thing the linter found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which rule.
    pub rule: LintRule,
    /// The promise IDs involved, sorted.
    pub promises: Vec<PromiseId>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// The field to look at.
    pub path: FieldPath,
    /// How the pack resolves it, if it does.
    pub resolved: Option<Resolved>,
}

impl Finding {
    /// The rule's severity.
    pub const fn severity(&self) -> Severity {
        self.rule.severity()
    }

    /// True for an error the pack does not resolve: this fails a build.
    pub fn is_blocking(&self) -> bool {
        self.severity() == Severity::Error && self.resolved.is_none()
    }
}

/// Lints a validated policy. Findings come in rule order, then file order.
pub fn lint(policy: &ValidPolicy) -> Vec<Finding> {
    let p = policy.policy();
    let mut out = Findings {
        policy: p,
        findings: Vec::new(),
    };
    out.erasure_vs_retention(policy);
    out.closed_purpose_list();
    out.anonymity_vs_identifiers(policy);
    out.optional_cookies_without_consent();
    out.special_category_without_condition(policy);
    out.indefinite_network_identifiers(policy);
    out.implied_acceptance();
    out.end_to_end_encryption_claim();
    out.transfer_without_safeguard();
    out.profiling_without_objection(policy);
    out.unused_category();
    out.untraced_rule();
    out.deployer_choices();
    out.findings
}

struct Findings<'p> {
    policy: &'p Policy,
    findings: Vec<Finding>,
}

fn ids<'a>(groups: impl IntoIterator<Item = &'a [PromiseId]>) -> Vec<PromiseId> {
    let set: BTreeSet<&PromiseId> = groups.into_iter().flatten().collect();
    set.into_iter().cloned().collect()
}

fn reason(choice: Option<&DeployerChoice>) -> Option<Resolved> {
    choice.map(|c| Resolved::ByDeployerChoice(c.reason.clone()))
}

fn holds_identifying_network_data(category: &Category) -> bool {
    category.identifiers.iter().any(|i| i.is_identifying())
}

impl Findings<'_> {
    fn push(
        &mut self,
        rule: LintRule,
        promises: Vec<PromiseId>,
        message: String,
        path: FieldPath,
        resolved: Option<Resolved>,
    ) {
        let recorded = self
            .policy
            .resolutions
            .iter()
            .find(|r| r.lint == rule.id() && r.promises.iter().all(|id| promises.contains(id)));
        let resolved = recorded
            .map(|r| Resolved::ByDecision(r.decision.clone()))
            .or(resolved);
        self.findings.push(Finding {
            rule,
            promises,
            message,
            path,
            resolved,
        });
    }

    fn erasure_vs_retention(&mut self, policy: &ValidPolicy) {
        let Some(erasure) = policy.right(RightKind::Erasure) else {
            return;
        };
        let Some(deadline) = erasure.deadline else {
            return;
        };
        for (i, rule) in self.policy.retention.iter().enumerate() {
            let Clock::After(after) = &rule.clock else {
                continue;
            };
            let anchored_on_erasure = after.events.iter().any(|e| e.follows_erasure());
            let too_long = after.period.surely_longer_than(deadline);
            if !(anchored_on_erasure && too_long) {
                continue;
            }
            let resolved = match &rule.legal_hold {
                Some(_) if chosen(rule.deployer_choice.as_ref(), "legal_hold") => {
                    reason(rule.deployer_choice.as_ref())
                }
                Some(_) => continue,
                None => None,
            };
            let message = format!(
                "erasure requests are answered within {deadline}, but retention rule `{}` keeps \
                 {} for {} after deletion with no legal-hold reason",
                rule.id, rule.name, after.period
            );
            let promises = ids([erasure.sources.as_slice(), rule.sources.as_slice()]);
            self.push(
                LintRule::ErasureVsRetention,
                promises,
                message,
                crate::path!("retention", i, "clock"),
                resolved,
            );
        }
    }

    fn closed_purpose_list(&mut self) {
        let Some(closed) = &self.policy.closed_purpose_list else {
            return;
        };
        for (i, cookie) in self.policy.cookie_catalogue.iter().enumerate() {
            let outside = !closed.purposes.contains(&cookie.purpose);
            if outside && cookie.category == CookieCategory::Advertising {
                let message = format!(
                    "the policy says data is used for no purpose outside its list, but \
                     advertising cookie `{}` serves `{}`, which is not on it",
                    cookie.name, cookie.purpose
                );
                let promises = ids([closed.sources.as_slice(), cookie.sources.as_slice()]);
                let resolved = cookie.withheld.as_ref().map(|why| {
                    Resolved::ByDeployerChoice(format!("the cookie is never set: {why}"))
                });
                self.push(
                    LintRule::ClosedPurposeList,
                    promises,
                    message,
                    crate::path!("cookie", i, "purpose"),
                    resolved,
                );
            }
        }
        for (i, partner) in self.policy.partners.iter().enumerate() {
            for (j, purpose) in partner.purposes.iter().enumerate() {
                if closed.purposes.contains(purpose) {
                    continue;
                }
                let message = format!(
                    "the policy says data is used for no purpose outside its list, but partner \
                     `{}` receives data for `{purpose}`, which is not on it",
                    partner.id
                );
                let promises = ids([closed.sources.as_slice(), partner.sources.as_slice()]);
                self.push(
                    LintRule::ClosedPurposeList,
                    promises,
                    message,
                    crate::path!("partner", i, "purposes", j),
                    None,
                );
            }
        }
    }

    fn anonymity_vs_identifiers(&mut self, policy: &ValidPolicy) {
        for (i, purpose) in self.policy.purposes.iter().enumerate() {
            let Some(claim) = purpose.claims.iter().find(|c| c.promises_anonymity()) else {
                continue;
            };
            for category in purpose
                .categories
                .iter()
                .filter_map(|id| policy.category(id))
            {
                if !category.identifiers.contains(&NetworkIdentifier::IpAddress) {
                    continue;
                }
                let message = format!(
                    "purpose `{}` says its data is {}, but it uses category `{}`, which holds \
                     full IP addresses",
                    purpose.id,
                    claim.plain_words(),
                    category.id
                );
                let promises = ids([purpose.sources.as_slice(), category.sources.as_slice()]);
                self.push(
                    LintRule::AnonymityVsIdentifiers,
                    promises,
                    message,
                    crate::path!("purpose", i, "claims"),
                    None,
                );
            }
        }
    }

    fn optional_cookies_without_consent(&mut self) {
        let settings = &self.policy.cookies;
        let optional: Vec<_> = self
            .policy
            .cookie_catalogue
            .iter()
            .filter(|c| c.category.is_optional())
            .collect();
        if optional.is_empty() {
            return;
        }
        let resolved = match settings.consent {
            CookieConsent::BrowserSettings => None,
            CookieConsent::OptInBanner if chosen(settings.deployer_choice.as_ref(), "consent") => {
                reason(settings.deployer_choice.as_ref())
            }
            CookieConsent::OptInBanner => return,
        };
        let names: Vec<&str> = optional.iter().map(|c| c.name.as_str()).collect();
        let message = format!(
            "the policy offers only browser settings to control cookies, yet sets optional \
             cookies that need opt-in consent first: {}",
            names.join(", ")
        );
        let promises = ids(std::iter::once(settings.sources.as_slice())
            .chain(optional.iter().map(|c| c.sources.as_slice())));
        self.push(
            LintRule::OptionalCookiesWithoutConsent,
            promises,
            message,
            crate::path!("cookies", "consent"),
            resolved,
        );
    }

    fn special_category_without_condition(&mut self, policy: &ValidPolicy) {
        for (i, purpose) in self.policy.purposes.iter().enumerate() {
            let resolved = match purpose.art9 {
                None => None,
                Some(_) if chosen(purpose.deployer_choice.as_ref(), "art9") => {
                    reason(purpose.deployer_choice.as_ref())
                }
                Some(_) => continue,
            };
            for category in purpose
                .categories
                .iter()
                .filter_map(|id| policy.category(id))
            {
                let Sensitivity::Special(kind) = category.sensitivity else {
                    continue;
                };
                let message = format!(
                    "purpose `{}` uses special-category data `{}` ({}) but the policy states \
                     no Art. 9(2) condition",
                    purpose.id,
                    category.id,
                    crate::names::kebab(&kind)
                );
                let promises = ids([purpose.sources.as_slice(), category.sources.as_slice()]);
                self.push(
                    LintRule::SpecialCategoryWithoutCondition,
                    promises,
                    message,
                    crate::path!("purpose", i),
                    resolved.clone(),
                );
            }
        }
    }

    fn indefinite_network_identifiers(&mut self, policy: &ValidPolicy) {
        for (i, rule) in self.policy.retention.iter().enumerate() {
            let enforced_forever = matches!(rule.clock, Clock::Indefinite(_));
            let stated_forever = matches!(rule.stated_clock, Some(Clock::Indefinite(_)));
            let resolved = match (enforced_forever, stated_forever) {
                (true, _) => None,
                (false, true) => Some(Resolved::ByDeployerChoice(format!(
                    "the pack enforces {} instead: {}",
                    describe_clock(&rule.clock),
                    rule.deployer_choice
                        .as_ref()
                        .map_or("", |c| c.reason.as_str())
                ))),
                (false, false) => continue,
            };
            for category in rule.categories.iter().filter_map(|id| policy.category(id)) {
                if !holds_identifying_network_data(category) {
                    continue;
                }
                let message = format!(
                    "retention rule `{}` keeps `{}` indefinitely, and it holds IP addresses or \
                     user agents, which cannot be justified forever",
                    rule.id, category.id
                );
                let promises = ids([rule.sources.as_slice(), category.sources.as_slice()]);
                self.push(
                    LintRule::IndefiniteNetworkIdentifiers,
                    promises,
                    message,
                    crate::path!("retention", i, "clock"),
                    resolved.clone(),
                );
            }
        }
    }

    fn implied_acceptance(&mut self) {
        let changes = &self.policy.changes;
        if changes.acceptance == Acceptance::ContinuedUse {
            let message = "continued use is treated as accepting a new version; that can never \
                           stand in for consent, so consent-based purposes must ask again"
                .to_owned();
            self.push(
                LintRule::ImpliedAcceptance,
                ids([changes.sources.as_slice()]),
                message,
                crate::path!("changes", "acceptance"),
                None,
            );
        }
    }

    fn end_to_end_encryption_claim(&mut self) {
        for (i, control) in self.policy.security.controls.iter().enumerate() {
            if control.kind == ControlKind::EndToEndEncryption {
                let message = format!(
                    "\"{}\": data the server must read cannot be end-to-end encrypted; say TLS in \
                     transit and encryption at rest instead",
                    control.statement
                );
                self.push(
                    LintRule::EndToEndEncryptionClaim,
                    ids([control.sources.as_slice()]),
                    message,
                    crate::path!("security", "control", i),
                    None,
                );
            }
        }
    }

    fn transfer_without_safeguard(&mut self) {
        let residency = &self.policy.jurisdiction.residency;
        for (i, partner) in self.policy.partners.iter().enumerate() {
            let abroad = !residency.contains(&partner.country);
            if !abroad || partner.receives.is_empty() {
                continue;
            }
            let resolved = match partner.transfer_safeguard {
                None => None,
                Some(_) if chosen(partner.deployer_choice.as_ref(), "transfer_safeguard") => {
                    reason(partner.deployer_choice.as_ref())
                }
                Some(_) => continue,
            };
            let message = format!(
                "partner `{}` is in {}, outside the policy's storage countries, and the policy \
                 states no transfer safeguard",
                partner.id, partner.country
            );
            self.push(
                LintRule::TransferWithoutSafeguard,
                ids([
                    self.policy.jurisdiction.sources.as_slice(),
                    partner.sources.as_slice(),
                ]),
                message,
                crate::path!("partner", i, "country"),
                resolved,
            );
        }
    }

    fn profiling_without_objection(&mut self, policy: &ValidPolicy) {
        let can_object = policy.right(RightKind::Objection).is_some();
        for (i, purpose) in self.policy.purposes.iter().enumerate() {
            let consent = purpose.basis.is_some_and(|b| b.needs_consent_grant());
            if purpose.profiling && !consent && !can_object {
                let message = format!(
                    "purpose `{}` profiles people without their consent, and the policy grants \
                     no right to object",
                    purpose.id
                );
                self.push(
                    LintRule::ProfilingWithoutObjection,
                    ids([purpose.sources.as_slice()]),
                    message,
                    crate::path!("purpose", i, "profiling"),
                    None,
                );
            }
        }
    }

    fn unused_category(&mut self) {
        for (i, category) in self.policy.categories.iter().enumerate() {
            let used = self
                .policy
                .purposes
                .iter()
                .any(|p| p.categories.contains(&category.id));
            if !used {
                let message = format!("category `{}` is not used by any purpose", category.id);
                self.push(
                    LintRule::UnusedCategory,
                    ids([category.sources.as_slice()]),
                    message,
                    crate::path!("category", i, "id"),
                    None,
                );
            }
        }
    }

    fn untraced_rule(&mut self) {
        let p = self.policy;
        let mut untraced: Vec<(FieldPath, String)> = Vec::new();
        // A rule the deployer added is traced to the deployer's recorded reason instead.
        let mut note = |path: FieldPath, what: String, sources: &[PromiseId], chosen: bool| {
            if sources.is_empty() && !chosen {
                untraced.push((path, what));
            }
        };
        for (i, c) in p.categories.iter().enumerate() {
            note(
                crate::path!("category", i),
                format!("category `{}`", c.id),
                &c.sources,
                c.deployer_choice.is_some(),
            );
        }
        for (i, x) in p.purposes.iter().enumerate() {
            note(
                crate::path!("purpose", i),
                format!("purpose `{}`", x.id),
                &x.sources,
                x.deployer_choice.is_some(),
            );
        }
        for (i, r) in p.retention.iter().enumerate() {
            note(
                crate::path!("retention", i),
                format!("retention rule `{}`", r.id),
                &r.sources,
                r.deployer_choice.is_some(),
            );
        }
        for (i, r) in p.rights.iter().enumerate() {
            note(
                crate::path!("right", i),
                format!("right `{}`", crate::names::kebab(&r.kind)),
                &r.sources,
                r.deployer_choice.is_some(),
            );
        }
        for (i, c) in p.cookie_catalogue.iter().enumerate() {
            note(
                crate::path!("cookie", i),
                format!("cookie `{}`", c.name),
                &c.sources,
                c.deployer_choice.is_some(),
            );
        }
        for (i, x) in p.partners.iter().enumerate() {
            note(
                crate::path!("partner", i),
                format!("partner `{}`", x.id),
                &x.sources,
                x.deployer_choice.is_some(),
            );
        }
        for (path, what) in untraced {
            let message = format!("{what} names no promise it comes from (`sources`)");
            self.push(LintRule::UntracedRule, Vec::new(), message, path, None);
        }
    }

    fn deployer_choices(&mut self) {
        for (path, choice, sources) in deployer_choices(self.policy) {
            let message = format!(
                "chosen by the deployer ({}): {}",
                choice.fields.join(", "),
                choice.reason
            );
            self.push(LintRule::DeployerChoice, sources, message, path, None);
        }
    }
}

/// Every deployer choice in the policy, with the path of its table and that table's sources.
pub fn deployer_choices(p: &Policy) -> Vec<(FieldPath, &DeployerChoice, Vec<PromiseId>)> {
    type Entry<'a> = (FieldPath, &'a DeployerChoice, Vec<PromiseId>);
    fn add<'a>(
        out: &mut Vec<Entry<'a>>,
        path: FieldPath,
        choice: Option<&'a DeployerChoice>,
        sources: &[PromiseId],
    ) {
        if let Some(choice) = choice {
            out.push((path, choice, sources.to_vec()));
        }
    }
    let mut out = Vec::new();
    add(
        &mut out,
        crate::path!("policy"),
        p.policy.deployer_choice.as_ref(),
        &p.policy.sources,
    );
    add(
        &mut out,
        crate::path!("organisation"),
        p.organisation.deployer_choice.as_ref(),
        &p.organisation.sources,
    );
    add(
        &mut out,
        crate::path!("jurisdiction"),
        p.jurisdiction.deployer_choice.as_ref(),
        &p.jurisdiction.sources,
    );
    for (i, x) in p.categories.iter().enumerate() {
        add(
            &mut out,
            crate::path!("category", i),
            x.deployer_choice.as_ref(),
            &x.sources,
        );
    }
    for (i, x) in p.purposes.iter().enumerate() {
        add(
            &mut out,
            crate::path!("purpose", i),
            x.deployer_choice.as_ref(),
            &x.sources,
        );
    }
    for (i, x) in p.retention.iter().enumerate() {
        add(
            &mut out,
            crate::path!("retention", i),
            x.deployer_choice.as_ref(),
            &x.sources,
        );
    }
    add(
        &mut out,
        crate::path!("requests"),
        p.requests.deployer_choice.as_ref(),
        &p.requests.sources,
    );
    for (i, x) in p.rights.iter().enumerate() {
        add(
            &mut out,
            crate::path!("right", i),
            x.deployer_choice.as_ref(),
            &x.sources,
        );
    }
    add(
        &mut out,
        crate::path!("breach"),
        p.breach.deployer_choice.as_ref(),
        &p.breach.sources,
    );
    add(
        &mut out,
        crate::path!("children"),
        p.children.deployer_choice.as_ref(),
        &p.children.sources,
    );
    add(
        &mut out,
        crate::path!("cookies"),
        p.cookies.deployer_choice.as_ref(),
        &p.cookies.sources,
    );
    for (i, x) in p.cookie_catalogue.iter().enumerate() {
        add(
            &mut out,
            crate::path!("cookie", i),
            x.deployer_choice.as_ref(),
            &x.sources,
        );
    }
    if let Some(m) = &p.marketing {
        add(
            &mut out,
            crate::path!("marketing"),
            m.deployer_choice.as_ref(),
            &m.sources,
        );
    }
    for (i, x) in p.partners.iter().enumerate() {
        add(
            &mut out,
            crate::path!("partner", i),
            x.deployer_choice.as_ref(),
            &x.sources,
        );
    }
    add(
        &mut out,
        crate::path!("security"),
        p.security.deployer_choice.as_ref(),
        &p.security.sources,
    );
    for (i, x) in p.security.controls.iter().enumerate() {
        add(
            &mut out,
            crate::path!("security", "control", i),
            x.deployer_choice.as_ref(),
            &x.sources,
        );
    }
    add(
        &mut out,
        crate::path!("changes"),
        p.changes.deployer_choice.as_ref(),
        &p.changes.sources,
    );
    out
}

/// A clock in words: "1 year after your account is deleted".
pub fn describe_clock(clock: &Clock) -> String {
    match clock {
        Clock::After(after) => {
            let events: Vec<&str> = after.events.iter().map(|e| e.plain_words()).collect();
            let anchor = match events.as_slice() {
                [one] => (*one).to_owned(),
                many => format!(
                    "the {} of: {}",
                    match after.count_from {
                        crate::model::CountFrom::Latest => "latest",
                        crate::model::CountFrom::Earliest => "earliest",
                    },
                    many.join("; ")
                ),
            };
            format!("{} after {anchor}", after.period)
        }
        Clock::Until(event) => format!("until {}", event.plain_words()),
        Clock::Indefinite(_) => "indefinitely".to_owned(),
    }
}

//! The policy model: what a policy file says, as Rust types.
//!
//! Every struct here maps one-to-one onto a TOML table of the policy format (documented in
//! `docs/policy-format.md`). Unknown keys are refused (`deny_unknown_fields`), so a misspelt key
//! is an error with a line and column rather than a silently ignored promise. A freshly parsed
//! [`Policy`] has the right shape but may still refer to things that do not exist; only
//! [`crate::validate`] turns it into a [`crate::ValidPolicy`] that the rest of Pledge accepts.
//!
//! Three fields recur on every rule-like table:
//! - `sources`: the promise IDs (W01, J33, K22, …) the rule encodes;
//! - `deployer_choice`: set when the source policy was vague and the pack chose a concrete value;
//!   the text says what the policy said and why this value was chosen. Rendered policies say so.
//! - `id`: a slug, unique among its kind.

use std::fmt;
use std::str::FromStr;

use pledge_domain::{
    Art9Condition, CategoryId, LegalBasis, LifecycleEvent, PartnerId, Period, PurposeId, RuleId,
    Sensitivity,
};
use serde::{Deserialize, Serialize};

use crate::promise::PromiseId;

/// The version of the file format this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A whole policy, as written in one TOML file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The file-format version; must be [`FORMAT_VERSION`].
    pub format: u32,
    /// Identity and version of the policy.
    pub policy: PolicyInfo,
    /// Who is responsible.
    pub organisation: Organisation,
    /// Which laws apply and where data lives.
    pub jurisdiction: Jurisdiction,
    /// Categories of personal data.
    #[serde(default, rename = "category")]
    pub categories: Vec<Category>,
    /// Purposes of processing.
    #[serde(default, rename = "purpose")]
    pub purposes: Vec<Purpose>,
    /// Set when the policy promises that these purposes are the only ones (J02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_purpose_list: Option<ClosedPurposeList>,
    /// Retention rules.
    #[serde(default, rename = "retention")]
    pub retention: Vec<RetentionRule>,
    /// Settings shared by all data-subject requests.
    pub requests: RequestSettings,
    /// The rights a person can exercise, each with its deadline.
    #[serde(default, rename = "right")]
    pub rights: Vec<Right>,
    /// Breach notification promises.
    pub breach: BreachRules,
    /// Minimum age and guardian rules.
    pub children: ChildrenRules,
    /// How cookie consent is asked for.
    pub cookies: CookieSettings,
    /// The cookie catalogue.
    #[serde(default, rename = "cookie")]
    pub cookie_catalogue: Vec<Cookie>,
    /// Marketing channels and consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketing: Option<Marketing>,
    /// Partners and recipients.
    #[serde(default, rename = "partner")]
    pub partners: Vec<Partner>,
    /// Promised security controls.
    pub security: Security,
    /// How changes to the policy are announced.
    pub changes: ChangeRules,
    /// How the pack resolves contradictions the linter finds in the source policy.
    #[serde(default, rename = "resolution")]
    pub resolutions: Vec<Resolution>,
}

/// `[policy]`: identity and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInfo {
    /// Short name of the pack (`kexara`).
    pub id: RuleId,
    /// Title shown to readers.
    pub title: String,
    /// Version label; every published change gets a new one.
    pub version: String,
    /// The date from which this version applies.
    pub effective: PolicyDate,
    /// BCP 47 language tag of the text (`en-CA`).
    pub language: String,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// `[organisation]`: who is responsible for the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Trading name.
    pub name: String,
    /// Public website.
    pub website: String,
    /// Where privacy questions and requests go.
    pub privacy_contact: String,
    /// Controller, processor or both (J01).
    pub roles: Vec<ProcessingRole>,
    /// The data-protection authority people may complain to (J44).
    pub supervisory_authority: String,
    /// Where to complain to that authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint_url: Option<String>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// The role an organisation plays in processing (J01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProcessingRole {
    /// Decides why and how data is processed.
    Controller,
    /// Processes data on behalf of a controller.
    Processor,
}

/// `[jurisdiction]`: laws and data residency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    /// Laws the policy is written under.
    pub laws: Vec<Law>,
    /// ISO 3166 alpha-2 codes of the countries where data is stored (K38).
    pub residency: Vec<CountryCode>,
    /// The statutory rule under which a request's deadline that falls on a weekend or a public
    /// holiday may move to the next working day (the ICO's reading of the UK GDPR, say). Without
    /// one, such a deadline moves to the working day before: no answer is ever due later than
    /// the period the policy promises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub later_deadline_rule: Option<String>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A data-protection law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Law {
    /// EU General Data Protection Regulation.
    Gdpr,
    /// The UK GDPR with the Data Protection Act 2018.
    UkGdpr,
    /// UK Privacy and Electronic Communications Regulations (cookies, marketing).
    Pecr,
    /// EU ePrivacy Directive (cookies).
    Eprivacy,
    /// Canada's Personal Information Protection and Electronic Documents Act.
    Pipeda,
}

impl Law {
    /// The law's usual name.
    pub const fn name(self) -> &'static str {
        match self {
            Law::Gdpr => "the EU General Data Protection Regulation (GDPR)",
            Law::UkGdpr => "the UK GDPR and the Data Protection Act 2018",
            Law::Pecr => "the Privacy and Electronic Communications Regulations (PECR)",
            Law::Eprivacy => "the EU ePrivacy Directive",
            Law::Pipeda => {
                "the Personal Information Protection and Electronic Documents Act (PIPEDA)"
            }
        }
    }
}

/// An ISO 3166-1 alpha-2 country code (`CA`, `GB`), or `EU` for the European Union.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CountryCode {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.len() == 2 && value.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(value))
        } else {
            Err(format!(
                "`{value}` is not a country code: use two capital letters, like `CA`"
            ))
        }
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> Self {
        code.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `[[category]]`: a category of personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Slug, unique among categories.
    pub id: CategoryId,
    /// Name shown to readers.
    pub name: String,
    /// What the category contains, in plain words.
    pub description: String,
    /// Ordinary, special (with which Art. 9 category), children's or financial.
    pub sensitivity: Sensitivity,
    /// Network identifiers the category holds (IP addresses, user agents, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<NetworkIdentifier>,
    /// True when people may choose not to provide it (W08, W10).
    #[serde(default)]
    pub optional: bool,
    /// The store columns (`table.column`) that hold this category: how the store's declared
    /// personal data is tied to the policy's categories, purposes and retention rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stored_in: Vec<String>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A technical identifier collected automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkIdentifier {
    /// A full IP address: personal data that identifies a connection.
    IpAddress,
    /// An IP address with its host part removed before storage.
    TruncatedIpAddress,
    /// The browser's user-agent string.
    UserAgent,
    /// A session identifier.
    SessionId,
    /// Device and browser characteristics (OS, screen resolution).
    DeviceInfo,
    /// General location derived from the IP address.
    GeneralLocation,
}

impl NetworkIdentifier {
    /// True for identifiers that single out a device or connection on their own.
    pub const fn is_identifying(self) -> bool {
        matches!(
            self,
            NetworkIdentifier::IpAddress
                | NetworkIdentifier::UserAgent
                | NetworkIdentifier::SessionId
        )
    }
}

/// `[[purpose]]`: a purpose of processing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    /// Slug, unique among purposes.
    pub id: PurposeId,
    /// Name shown to readers.
    pub name: String,
    /// What is done, in plain words.
    pub description: String,
    /// The legal basis. A purpose without one does not validate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<LegalBasis>,
    /// The Art. 9(2) condition, needed when the purpose uses special-category data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub art9: Option<Art9Condition>,
    /// The interest pursued, when the basis is legitimate interests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legitimate_interest: Option<String>,
    /// Categories of data used.
    pub categories: Vec<CategoryId>,
    /// Whose data (learners, travellers, commenters, …), for the record of processing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// True when the purpose builds profiles or recommendations about people (W24, J33, K16).
    #[serde(default)]
    pub profiling: bool,
    /// Statements the policy makes about how the data is handled for this purpose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Claim>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A statement a policy makes about how data is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Claim {
    /// "The data is anonymised."
    Anonymised,
    /// "The data is only analysed in aggregate."
    Aggregated,
    /// "We don't use this to identify you."
    NotIdentifying,
    /// "We don't sell your data."
    NotSold,
    /// "Participation is voluntary."
    Voluntary,
    /// "Responses are strictly confidential."
    Confidential,
}

impl Claim {
    /// True for claims that promise people cannot be singled out.
    pub const fn promises_anonymity(self) -> bool {
        matches!(
            self,
            Claim::Anonymised | Claim::Aggregated | Claim::NotIdentifying
        )
    }

    /// The claim as a sentence of a published policy.
    pub const fn sentence(self) -> &'static str {
        match self {
            Claim::Anonymised => "This data is anonymised.",
            Claim::Aggregated => "It is analysed only in aggregate.",
            Claim::NotIdentifying => "We do not use it to identify you.",
            Claim::NotSold => "We never sell it.",
            Claim::Voluntary => "Taking part is voluntary.",
            Claim::Confidential => "It is kept strictly confidential.",
        }
    }

    /// The claim as a reader sees it.
    pub const fn plain_words(self) -> &'static str {
        match self {
            Claim::Anonymised => "anonymised",
            Claim::Aggregated => "analysed only in aggregate",
            Claim::NotIdentifying => "not used to identify you",
            Claim::NotSold => "never sold",
            Claim::Voluntary => "voluntary",
            Claim::Confidential => "kept strictly confidential",
        }
    }
}

/// `closed_purpose_list`: the policy promises these are the only purposes (J02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosedPurposeList {
    /// The purposes on the list.
    pub purposes: Vec<PurposeId>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
}

/// `[[retention]]`: how long a set of categories is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// Slug, unique among retention rules.
    pub id: RuleId,
    /// Name shown in the retention schedule.
    pub name: String,
    /// The categories the rule governs.
    pub categories: Vec<CategoryId>,
    /// When the data becomes due.
    pub clock: Clock,
    /// What happens when it is due.
    #[serde(default)]
    pub action: ExpiryAction,
    /// Why the data is kept this long, in plain words.
    pub reason: String,
    /// The clock the source policy states, when the pack enforces a stricter `clock` (J30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_clock: Option<Clock>,
    /// A statutory or legal reason that makes this rule outlast an erasure request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_hold: Option<String>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// When retained data becomes due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Clock {
    /// A period after one or more lifecycle events.
    After(AfterEvents),
    /// Until an event happens (`until account deletion`).
    Until(LifecycleEvent),
    /// Never due; only allowed with a written justification.
    Indefinite(String),
}

/// A period counted from lifecycle events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterEvents {
    /// The events that start the clock; a rule needs at least one.
    pub events: Vec<LifecycleEvent>,
    /// How long after the event.
    pub period: Period,
    /// With several events: count from the latest (default) or the earliest.
    #[serde(default)]
    pub count_from: CountFrom,
}

/// Which of several anchor events a clock counts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountFrom {
    /// The latest of the events that happened (keeps longest).
    #[default]
    Latest,
    /// The earliest of the events that happened.
    Earliest,
}

/// What happens to data whose retention has run out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpiryAction {
    /// Delete it.
    #[default]
    Delete,
    /// Strip what identifies the person and keep the rest.
    Anonymise,
}

/// `[requests]`: how data-subject requests are made and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSettings {
    /// How people make requests (privacy centre, an email address, support).
    pub channels: Vec<String>,
    /// How the requester's identity is verified.
    pub identity_verification: Vec<IdentityCheck>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A way of checking who made a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityCheck {
    /// The request comes from the person's signed-in account.
    SignedIn,
    /// A confirmation link sent to the address on file.
    EmailConfirmation,
    /// An identity document checked by staff.
    Document,
    /// A verified guardian acting for a minor.
    VerifiedGuardian,
}

/// `[[right]]`: a right a person can exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Right {
    /// Which right.
    pub kind: RightKind,
    /// How long the organisation has to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Period>,
    /// How much longer it may take, with notice, for complex requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Period>,
    /// Export formats (access and portability).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<ExportFormat>,
    /// What may be kept despite the request, and why (W51, J36).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    /// What stops working when the right is exercised (J37).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consequences: Vec<String>,
    /// True when recipients of the data are told of the change (K21).
    #[serde(default)]
    pub notify_recipients: bool,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// The rights of data subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RightKind {
    /// A copy of the data held.
    Access,
    /// The data in a portable, machine-readable format.
    Portability,
    /// Correction of inaccurate data.
    Rectification,
    /// Erasure ("right to be forgotten").
    Erasure,
    /// Restriction of processing.
    Restriction,
    /// Objection to processing based on legitimate interests.
    Objection,
    /// Withdrawal of consent.
    WithdrawConsent,
    /// A complaint to the supervisory authority (J44).
    Complaint,
}

impl RightKind {
    /// The kind of request, as in "access requests".
    pub const fn request_noun(self) -> &'static str {
        match self {
            RightKind::Access => "access",
            RightKind::Portability => "portability",
            RightKind::Rectification => "correction",
            RightKind::Erasure => "deletion",
            RightKind::Restriction => "restriction",
            RightKind::Objection => "objection",
            RightKind::WithdrawConsent => "consent withdrawal",
            RightKind::Complaint => "complaint",
        }
    }

    /// The right's name in a sentence.
    pub const fn plain_words(self) -> &'static str {
        match self {
            RightKind::Access => "access your data",
            RightKind::Portability => "receive your data in a portable format",
            RightKind::Rectification => "have inaccurate data corrected",
            RightKind::Erasure => "have your data erased",
            RightKind::Restriction => "restrict how we process your data",
            RightKind::Objection => "object to processing based on our legitimate interests",
            RightKind::WithdrawConsent => "withdraw your consent at any time",
            RightKind::Complaint => "complain to the data-protection authority",
        }
    }
}

/// A file format for data exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// JSON, one file per module.
    Json,
    /// CSV, one file per table.
    Csv,
    /// A human-readable HTML index.
    Html,
}

/// `[breach]`: breach notification promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreachRules {
    /// Deadline for telling the supervisory authority, from discovery.
    pub notify_authority_within: Period,
    /// Deadline for telling affected people, from discovery.
    pub notify_people_within: Period,
    /// What the notice to people must contain (K31).
    pub notice_contents: Vec<NoticeContent>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A section a breach notice must contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeContent {
    /// What happened.
    WhatHappened,
    /// Which data was involved.
    DataInvolved,
    /// What the organisation is doing about it.
    StepsTaken,
    /// What the person can do to protect themselves.
    WhatYouCanDo,
    /// Whom to contact.
    ContactPoint,
}

impl NoticeContent {
    /// The section as a reader sees it.
    pub const fn plain_words(self) -> &'static str {
        match self {
            NoticeContent::WhatHappened => "what happened",
            NoticeContent::DataInvolved => "what data was involved",
            NoticeContent::StepsTaken => "what steps we are taking",
            NoticeContent::WhatYouCanDo => "what you can do to protect yourself",
            NoticeContent::ContactPoint => "whom to contact",
        }
    }
}

/// `[children]`: the minimum age and the guardian range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildrenRules {
    /// The minimum age; what happens below it is `below_minimum`.
    pub minimum_age: u8,
    /// From the minimum age until this age a guardian is involved.
    pub guardian_until: u8,
    /// What happens to data found to belong to someone below the minimum age.
    pub below_minimum: UnderageAction,
    /// What a verified guardian may do for a minor (K44).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guardian_rights: Vec<RightKind>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// What happens to data about someone below the minimum age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnderageAction {
    /// Refuse the sign-up, keep nothing, and delete at once whatever is found later (K43).
    DeleteImmediately,
    /// Keep the account only with a verified guardian's consent.
    RequireGuardianConsent,
}

/// `[cookies]`: how consent to cookies is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieSettings {
    /// The consent mechanism the policy describes.
    pub consent: CookieConsent,
    /// The essential first-party cookie of the catalogue that remembers a browser's banner
    /// choice (a portal with an opt-in banner needs one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_cookie: Option<String>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// How people agree to optional cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CookieConsent {
    /// A banner asks before any optional cookie is set; reject is as easy as accept.
    OptInBanner,
    /// The policy only points to the browser's own settings (W19, J24).
    BrowserSettings,
}

/// `[[cookie]]`: one cookie in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    /// The cookie's name as the browser stores it.
    pub name: String,
    /// The consent category it belongs to.
    pub category: CookieCategory,
    /// First or third party.
    pub party: Party,
    /// For third-party cookies: the partner that sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<PartnerId>,
    /// How long it lives.
    pub lifetime: CookieLifetime,
    /// The purpose it serves.
    pub purpose: PurposeId,
    /// What it does, in plain words.
    pub description: String,
    /// Set when the deployment never sets this cookie although the source policy declares it:
    /// why not. The banner offers no choice for it and the consent engine refuses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// Consent categories of cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CookieCategory {
    /// Strictly necessary; always on (W17, K39).
    Essential,
    /// Remembers choices (screen options, comment details, language).
    Preferences,
    /// Measures use of the site.
    Analytics,
    /// Personalises content and recommendations (K41).
    Personalisation,
    /// Advertising and ad measurement (J26).
    Advertising,
    /// Set by embedded third-party content such as video players (W34, J28).
    Embedded,
}

impl CookieCategory {
    /// True when the law requires consent before the cookie is set.
    pub const fn is_optional(self) -> bool {
        !matches!(self, CookieCategory::Essential)
    }

    /// The category's name for readers.
    pub const fn plain_words(self) -> &'static str {
        match self {
            CookieCategory::Essential => "Essential",
            CookieCategory::Preferences => "Preferences",
            CookieCategory::Analytics => "Analytics",
            CookieCategory::Personalisation => "Personalisation",
            CookieCategory::Advertising => "Advertising",
            CookieCategory::Embedded => "Embedded content",
        }
    }
}

/// Who sets a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    /// The organisation's own site.
    First,
    /// Another organisation (analytics, video, advertising).
    Third,
}

/// How long a cookie lives: until the browser closes, or a fixed period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CookieLifetime {
    /// Discarded when the browser closes (J21).
    Session,
    /// Kept for this long (J20, J22, J23).
    Persistent(Period),
}

impl fmt::Display for CookieLifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieLifetime::Session => f.write_str("session"),
            CookieLifetime::Persistent(period) => period.fmt(f),
        }
    }
}

impl FromStr for CookieLifetime {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "session" {
            return Ok(CookieLifetime::Session);
        }
        text.parse::<Period>()
            .map(CookieLifetime::Persistent)
            .map_err(|err| {
                format!("{err}; a cookie lifetime is `session` or a period like `1 year`")
            })
    }
}

impl TryFrom<String> for CookieLifetime {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<CookieLifetime> for String {
    fn from(lifetime: CookieLifetime) -> Self {
        lifetime.to_string()
    }
}

/// `[marketing]`: channels and how consent is gathered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marketing {
    /// The purpose marketing sends are made under.
    pub purpose: PurposeId,
    /// Channels that may be used, each needing its own consent (J14).
    pub channels: Vec<Channel>,
    /// How consent must be evidenced (J17: in writing).
    pub evidence: ConsentEvidence,
    /// True when every marketing message carries an unsubscribe link (W30, J16).
    pub unsubscribe_in_every_message: bool,
    /// Service messages that cannot be opted out of (W29, W31).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_messages: Vec<String>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A channel for contacting people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// Email.
    Email,
    /// Text message.
    Sms,
    /// Telephone call.
    Phone,
    /// Letter or brochure by post.
    Post,
    /// Social media (J17: Facebook marketing).
    SocialMedia,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::Sms,
        Channel::Phone,
        Channel::Post,
        Channel::SocialMedia,
    ];

    /// The channel's name for readers.
    pub const fn plain_words(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "text message",
            Channel::Phone => "telephone",
            Channel::Post => "post",
            Channel::SocialMedia => "social media",
        }
    }
}

/// How consent must be evidenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentEvidence {
    /// An electronic record in the consent ledger is enough.
    Recorded,
    /// A written form, referenced from the consent record (J17).
    Written,
}

/// `[[partner]]`: a partner or recipient of personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// Slug, unique among partners.
    pub id: PartnerId,
    /// Name shown to readers.
    pub name: String,
    /// What the partner does.
    pub description: String,
    /// Its role towards the data.
    pub role: PartnerRole,
    /// Where it processes the data.
    pub country: CountryCode,
    /// Categories it receives.
    pub receives: Vec<CategoryId>,
    /// Purposes it receives them for.
    pub purposes: Vec<PurposeId>,
    /// The legal basis for the disclosure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<LegalBasis>,
    /// What the partner itself keeps, and for how long (J08, J10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keeps: Vec<PartnerHolding>,
    /// Where erasure and correction requests are forwarded (J09).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_requests_to: Option<String>,
    /// Safeguard for a transfer outside the residency countries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_safeguard: Option<TransferSafeguard>,
    /// False when the partner may not use the data for its own marketing (J15).
    #[serde(default)]
    pub may_market: bool,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A partner's role towards the data it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartnerRole {
    /// Processes on the organisation's instructions.
    Processor,
    /// Decides its own purposes (exam bodies, funders).
    IndependentController,
    /// Decides purposes together with the organisation.
    JointController,
    /// Receives data by law (courts, regulators).
    PublicAuthority,
}

/// What a partner keeps on its side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerHolding {
    /// What is kept.
    pub what: String,
    /// For how long.
    pub clock: Clock,
}

/// A safeguard for an international transfer (K42).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransferSafeguard {
    /// The destination has an adequacy decision.
    Adequacy,
    /// Standard contractual clauses or an equivalent contract.
    ContractualClauses,
    /// Binding corporate rules.
    BindingCorporateRules,
}

/// `[security]`: promised security controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// Multi-factor authentication (W43, K26).
    pub mfa: MfaRule,
    /// A session ends after this long without activity (W43).
    pub idle_timeout: Period,
    /// A session ends this long after sign-in whatever happens.
    pub absolute_timeout: Period,
    /// How long "remember me" keeps a person signed in (J22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remember_me: Option<Period>,
    /// The catalogue's cookie that holds the sign-in session (an essential, first-party
    /// cookie). Its lifetime is the cookie's life in the browser; the timeouts above end the
    /// session on the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_cookie: Option<String>,
    /// Password rules.
    pub passwords: PasswordRules,
    /// True when reads of personal data are audited (K30).
    pub audit_reads: bool,
    /// Other promised controls.
    #[serde(default, rename = "control", skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<SecurityControl>,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// Whether multi-factor authentication is offered or required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MfaRule {
    /// Everyone may turn it on.
    Available,
    /// Staff must use it; others may.
    RequiredForStaff,
    /// Everyone must use it.
    Required,
}

/// Password rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRules {
    /// Minimum length in characters.
    pub min_length: u8,
    /// True when passwords found in breach corpora or common lists are refused.
    pub reject_common: bool,
}

/// `[[security.control]]`: an organisational or technical control the policy promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityControl {
    /// Which control.
    pub kind: ControlKind,
    /// The policy's own words for it.
    pub statement: String,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// Kinds of security control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlKind {
    /// TLS for every connection, with HSTS (W40).
    EncryptionInTransit,
    /// Encrypted storage (W41).
    EncryptionAtRest,
    /// "End-to-end encryption", a claim that needs care for server-processed data (K24).
    EndToEndEncryption,
    /// Role-based, need-to-know access (W42, K29).
    RoleBasedAccess,
    /// A log of who accessed what and when (K30).
    AccessLogging,
    /// Penetration tests, scans and code review (W44, K25).
    SecurityTesting,
    /// Staff training and confidentiality agreements (W46, K29).
    StaffTraining,
    /// Backups (K27).
    Backups,
    /// Network monitoring and intrusion detection (K28).
    IntrusionDetection,
    /// A documented incident-response process (W47).
    IncidentResponse,
    /// Collect only what is needed; delete outdated data (W45).
    DataMinimisation,
    /// Partners are vetted before use (W33).
    VendorAssessment,
    /// Location metadata is stripped from uploaded images (J13).
    MetadataStripping,
    /// Any other appropriate measure (J42).
    Other,
}

/// `[changes]`: how the policy itself changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRules {
    /// How people are told about a significant change (W02, J43, K45).
    pub notify_by: Vec<NoticeChannel>,
    /// What counts as accepting a new version.
    pub acceptance: Acceptance,
    /// True when the policy promises to announce *every* change, wording included (J43);
    /// otherwise only the changes that affect someone are announced, to those they affect.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub announce_every_change: bool,
    /// Promise IDs.
    #[serde(default)]
    pub sources: Vec<PromiseId>,
    /// Fields whose values the pack chose because the source policy was silent or vague.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer_choice: Option<DeployerChoice>,
}

/// A way of announcing a policy change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeChannel {
    /// An email to every registered address.
    Email,
    /// A prominent notice on the website at the next visit.
    ProminentNotice,
    /// Every contact method the person registered (W02).
    RegisteredChannels,
}

/// What counts as accepting a new policy version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Acceptance {
    /// Using the service after notice (W01, J43, K45); never enough for consent-based purposes.
    ContinuedUse,
    /// The person actively accepts the new version.
    Explicit,
}

/// `[[resolution]]`: how the pack resolves a contradiction the linter reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// The lint rule whose finding this resolves.
    pub lint: String,
    /// The promise IDs of the finding; the resolution applies when they are all involved.
    pub promises: Vec<PromiseId>,
    /// The stricter reading the deployment follows, and why.
    pub decision: String,
}

/// `deployer_choice = { fields = [...], reason = "..." }`: values the pack chose where the
/// source policy was silent or vague. Rendered policies say which statements these are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployerChoice {
    /// The keys of the enclosing table whose values were chosen.
    pub fields: Vec<String>,
    /// What the source policy said (or did not say), and why this value was chosen.
    pub reason: String,
}

impl DeployerChoice {
    /// True when `field` is one of the chosen fields.
    pub fn covers(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f == field)
    }
}

/// True when `choice` says `field` was chosen by the deployer.
pub fn chosen(choice: Option<&DeployerChoice>, field: &str) -> bool {
    choice.is_some_and(|c| c.covers(field))
}

/// A calendar date in a policy file, written as a TOML local date (`2025-03-15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyDate(time::Date);

impl PolicyDate {
    /// Wraps a date.
    pub const fn new(date: time::Date) -> Self {
        Self(date)
    }

    /// The date.
    pub const fn date(self) -> time::Date {
        self.0
    }
}

impl fmt::Display for PolicyDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
    }
}

impl Serialize for PolicyDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let datetime = toml::value::Datetime {
            date: Some(toml::value::Date {
                year: u16::try_from(d.year()).map_err(serde::ser::Error::custom)?,
                month: u8::from(d.month()),
                day: d.day(),
            }),
            time: None,
            offset: None,
        };
        datetime.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PolicyDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let datetime = toml::value::Datetime::deserialize(deserializer)?;
        let (Some(date), None, None) = (datetime.date, datetime.time, datetime.offset) else {
            return Err(D::Error::custom(
                "expected a date without a time, like 2025-03-15",
            ));
        };
        let month = time::Month::try_from(date.month).map_err(D::Error::custom)?;
        time::Date::from_calendar_date(i32::from(date.year), month, date.day)
            .map(PolicyDate)
            .map_err(D::Error::custom)
    }
}

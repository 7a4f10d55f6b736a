//! Legal bases for processing: GDPR Art. 6(1)(a)–(f), the Art. 9(2) conditions that special
//! categories additionally need, and the forms of consent PIPEDA recognises.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The lawful basis a purpose relies on.
///
/// The six GDPR bases are listed in the order of Art. 6(1). PIPEDA (Canada) is consent-based:
/// its two forms of consent are separate variants because they are enforced differently (express
/// consent needs a recorded grant; implied consent needs a notice and an easy opt-out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegalBasis {
    /// Art. 6(1)(a): the person gave consent for this purpose.
    Consent,
    /// Art. 6(1)(b): needed to perform a contract with the person.
    Contract,
    /// Art. 6(1)(c): needed to comply with a legal obligation.
    LegalObligation,
    /// Art. 6(1)(d): needed to protect someone's vital interests.
    VitalInterests,
    /// Art. 6(1)(e): a task in the public interest or official authority.
    PublicTask,
    /// Art. 6(1)(f): the controller's legitimate interests, balanced against the person's.
    LegitimateInterests,
    /// PIPEDA: express (opt-in) consent.
    PipedaExpressConsent,
    /// PIPEDA: implied consent, acceptable only for non-sensitive data the person would expect.
    PipedaImpliedConsent,
}

impl LegalBasis {
    /// True when processing needs a live consent grant in the consent ledger.
    pub const fn needs_consent_grant(self) -> bool {
        matches!(self, LegalBasis::Consent | LegalBasis::PipedaExpressConsent)
    }

    /// The citation a privacy officer expects to read.
    pub const fn citation(self) -> &'static str {
        match self {
            LegalBasis::Consent => "GDPR Art. 6(1)(a) consent",
            LegalBasis::Contract => "GDPR Art. 6(1)(b) contract",
            LegalBasis::LegalObligation => "GDPR Art. 6(1)(c) legal obligation",
            LegalBasis::VitalInterests => "GDPR Art. 6(1)(d) vital interests",
            LegalBasis::PublicTask => "GDPR Art. 6(1)(e) public task",
            LegalBasis::LegitimateInterests => "GDPR Art. 6(1)(f) legitimate interests",
            LegalBasis::PipedaExpressConsent => "PIPEDA express consent",
            LegalBasis::PipedaImpliedConsent => "PIPEDA implied consent",
        }
    }

    /// How the basis reads in a sentence of a published policy.
    pub const fn plain_words(self) -> &'static str {
        match self {
            LegalBasis::Consent | LegalBasis::PipedaExpressConsent => "your consent",
            LegalBasis::PipedaImpliedConsent => "your implied consent",
            LegalBasis::Contract => "the performance of our contract with you",
            LegalBasis::LegalObligation => "a legal obligation we must comply with",
            LegalBasis::VitalInterests => "the protection of someone's vital interests",
            LegalBasis::PublicTask => "a task carried out in the public interest",
            LegalBasis::LegitimateInterests => "our legitimate interests",
        }
    }
}

impl fmt::Display for LegalBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.citation())
    }
}

/// The Art. 9(2) condition that lifts the ban on processing special-category data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Art9Condition {
    /// Art. 9(2)(a): explicit consent.
    ExplicitConsent,
    /// Art. 9(2)(b): employment and social security obligations.
    Employment,
    /// Art. 9(2)(c): vital interests when the person cannot consent.
    VitalInterests,
    /// Art. 9(2)(d): a not-for-profit body's members.
    NotForProfit,
    /// Art. 9(2)(e): data the person has manifestly made public.
    MadePublic,
    /// Art. 9(2)(f): legal claims.
    LegalClaims,
    /// Art. 9(2)(g): substantial public interest (in the UK, a DPA 2018 Sch. 1 condition).
    SubstantialPublicInterest,
    /// Art. 9(2)(h): health or social care.
    HealthCare,
    /// Art. 9(2)(i): public health.
    PublicHealth,
    /// Art. 9(2)(j): archiving, research or statistics.
    ArchivingResearch,
}

impl Art9Condition {
    /// The citation a privacy officer expects to read.
    pub const fn citation(self) -> &'static str {
        match self {
            Art9Condition::ExplicitConsent => "GDPR Art. 9(2)(a) explicit consent",
            Art9Condition::Employment => "GDPR Art. 9(2)(b) employment and social security",
            Art9Condition::VitalInterests => "GDPR Art. 9(2)(c) vital interests",
            Art9Condition::NotForProfit => "GDPR Art. 9(2)(d) not-for-profit body",
            Art9Condition::MadePublic => "GDPR Art. 9(2)(e) manifestly made public",
            Art9Condition::LegalClaims => "GDPR Art. 9(2)(f) legal claims",
            Art9Condition::SubstantialPublicInterest => {
                "GDPR Art. 9(2)(g) substantial public interest"
            }
            Art9Condition::HealthCare => "GDPR Art. 9(2)(h) health or social care",
            Art9Condition::PublicHealth => "GDPR Art. 9(2)(i) public health",
            Art9Condition::ArchivingResearch => "GDPR Art. 9(2)(j) archiving and research",
        }
    }

    /// How the condition reads in a sentence of a published policy.
    pub const fn plain_words(self) -> &'static str {
        match self {
            Art9Condition::ExplicitConsent => "your explicit consent",
            Art9Condition::Employment => "obligations of employment and social security law",
            Art9Condition::VitalInterests => "protecting someone's vital interests",
            Art9Condition::NotForProfit => "the activities of a not-for-profit body",
            Art9Condition::MadePublic => "data you have made public yourself",
            Art9Condition::LegalClaims => "establishing, exercising or defending legal claims",
            Art9Condition::SubstantialPublicInterest => "a substantial public interest",
            Art9Condition::HealthCare => "the provision of health or social care",
            Art9Condition::PublicHealth => "public health",
            Art9Condition::ArchivingResearch => "archiving, research or statistics",
        }
    }

    /// True when the condition needs a live explicit-consent grant in the consent ledger.
    pub const fn needs_consent_grant(self) -> bool {
        matches!(self, Art9Condition::ExplicitConsent)
    }
}

impl fmt::Display for Art9Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.citation())
    }
}

/// The form of consent PIPEDA principle 4.3 distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PipedaConsentForm {
    /// The person actively agreed (opt-in).
    Express,
    /// Consent inferred from the person's actions; only for non-sensitive data.
    Implied,
}

impl From<PipedaConsentForm> for LegalBasis {
    fn from(form: PipedaConsentForm) -> Self {
        match form {
            PipedaConsentForm::Express => LegalBasis::PipedaExpressConsent,
            PipedaConsentForm::Implied => LegalBasis::PipedaImpliedConsent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_consent_bases_need_a_grant() {
        assert!(LegalBasis::Consent.needs_consent_grant());
        assert!(LegalBasis::from(PipedaConsentForm::Express).needs_consent_grant());
        assert!(!LegalBasis::Contract.needs_consent_grant());
        assert!(!LegalBasis::LegitimateInterests.needs_consent_grant());
        assert!(Art9Condition::ExplicitConsent.needs_consent_grant());
        assert!(!Art9Condition::LegalClaims.needs_consent_grant());
    }

    #[test]
    fn bases_use_kebab_case_names() {
        let json = serde_json::to_string(&LegalBasis::LegitimateInterests).expect("serialises");
        assert_eq!(json, "\"legitimate-interests\"");
    }
}

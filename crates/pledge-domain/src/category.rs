//! How sensitive a category of personal data is.
//!
//! The categories themselves (contact details, payment records, …) are declared by each policy;
//! this module fixes the sensitivity classes that change what the law and the engines demand:
//! special categories need an Art. 9(2) condition and children's data needs the age rules.

use serde::{Deserialize, Serialize};

/// The special categories of GDPR Art. 9(1) that Pledge's policies meet, plus accessibility
/// needs, which are treated as health data because they usually reveal a disability (K05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecialCategory {
    /// Health, including disabilities and learning difficulties (J03).
    Health,
    /// Accessibility needs disclosed for travel or exams (K05); health data in practice.
    AccessibilityNeeds,
    /// Biometric data used to identify a person, for example by exam proctoring (W36).
    Biometric,
    /// Genetic data.
    Genetic,
    /// Racial or ethnic origin.
    RacialOrEthnicOrigin,
    /// Political opinions.
    PoliticalOpinions,
    /// Religious or philosophical beliefs.
    ReligiousBeliefs,
    /// Trade-union membership.
    TradeUnionMembership,
    /// Sex life or sexual orientation.
    SexLifeOrOrientation,
}

/// The sensitivity class of a data category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sensitivity {
    /// Ordinary personal data.
    Ordinary,
    /// Special-category data (GDPR Art. 9); processing needs an Art. 9(2) condition.
    Special(SpecialCategory),
    /// Data about children, which the minimum-age and guardian rules govern.
    Children,
    /// Financial data such as payment records (never card numbers: those stay with processors).
    Financial,
}

impl Sensitivity {
    /// True for GDPR Art. 9 special categories.
    pub const fn is_special(self) -> bool {
        matches!(self, Sensitivity::Special(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_special_categories_are_special() {
        assert!(Sensitivity::Special(SpecialCategory::Biometric).is_special());
        assert!(!Sensitivity::Ordinary.is_special());
        assert!(!Sensitivity::Children.is_special());
    }
}

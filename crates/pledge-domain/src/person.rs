//! People, their ages and their guardians.
//!
//! A policy sets a minimum age (below it: no account, and deletion if found — K43) and a range in
//! which a guardian is involved (K44). [`AgeRule::classify`] turns a date of birth and today's
//! date into the band that decides what the portal may do.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{DomainError, PersonId};

/// How a guardian is related to the minor they act for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuardianRelation {
    /// A parent.
    Parent,
    /// A legal guardian appointed by a court or by law.
    LegalGuardian,
}

/// A link from a minor to a guardian who may act for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianLink {
    /// The guardian.
    pub guardian: PersonId,
    /// How they are related.
    pub relation: GuardianRelation,
    /// When the link was verified; an unverified link grants nothing.
    pub verified_on: Option<Date>,
}

impl GuardianLink {
    /// True once the link has been verified.
    pub const fn is_verified(&self) -> bool {
        self.verified_on.is_some()
    }
}

/// A person the portal holds data about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their id.
    pub id: PersonId,
    /// Their date of birth, when the policy needs it (W04).
    pub date_of_birth: Option<Date>,
    /// Guardians who may act for them while they are a minor.
    pub guardians: Vec<GuardianLink>,
}

impl Person {
    /// True when `guardian` holds a verified link to this person.
    pub fn has_verified_guardian(&self, guardian: PersonId) -> bool {
        self.guardians
            .iter()
            .any(|link| link.guardian == guardian && link.is_verified())
    }
}

/// Full years between `birth` and `today` (0 if `today` is before `birth`).
pub fn age_on(birth: Date, today: Date) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Where a person's age puts them under a policy's [`AgeRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgeBand {
    /// Younger than the minimum age: no account; delete what was collected (K43).
    BelowMinimum,
    /// Old enough, but a guardian must be linked and involved (K44).
    NeedsGuardian,
    /// An adult in the policy's sense.
    Adult,
    /// No date of birth is known.
    Unknown,
}

/// A policy's age rule: the minimum age and the age from which no guardian is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AgeRuleFields", into = "AgeRuleFields")]
pub struct AgeRule {
    minimum_age: u8,
    guardian_until: u8,
}

/// The serialised form of [`AgeRule`], checked on the way in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgeRuleFields {
    minimum_age: u8,
    guardian_until: u8,
}

impl AgeRule {
    /// The oldest minimum age or guardian bound accepted.
    pub const MAX_AGE: u8 = 25;

    /// A rule: below `minimum_age` nothing is kept; from `minimum_age` until `guardian_until` a
    /// guardian is involved; from `guardian_until` on the person acts alone.
    ///
    /// # Errors
    /// [`DomainError::InvalidAgeRule`] when the bounds are out of order or above 25.
    pub fn new(minimum_age: u8, guardian_until: u8) -> Result<Self, DomainError> {
        if guardian_until < minimum_age {
            return Err(DomainError::InvalidAgeRule(format!(
                "the guardian range ends at {guardian_until}, before the minimum age {minimum_age}"
            )));
        }
        if guardian_until > Self::MAX_AGE {
            return Err(DomainError::InvalidAgeRule(format!(
                "{guardian_until} is not a plausible age of majority (at most {})",
                Self::MAX_AGE
            )));
        }
        Ok(Self {
            minimum_age,
            guardian_until,
        })
    }

    /// The minimum age.
    pub const fn minimum_age(self) -> u8 {
        self.minimum_age
    }

    /// The age from which no guardian is needed.
    pub const fn guardian_until(self) -> u8 {
        self.guardian_until
    }

    /// The band a person born on `birth` is in on `today`.
    pub fn classify(self, birth: Option<Date>, today: Date) -> AgeBand {
        let Some(birth) = birth else {
            return AgeBand::Unknown;
        };
        let age = age_on(birth, today);
        if age < u32::from(self.minimum_age) {
            AgeBand::BelowMinimum
        } else if age < u32::from(self.guardian_until) {
            AgeBand::NeedsGuardian
        } else {
            AgeBand::Adult
        }
    }
}

impl TryFrom<AgeRuleFields> for AgeRule {
    type Error = DomainError;

    fn try_from(fields: AgeRuleFields) -> Result<Self, Self::Error> {
        AgeRule::new(fields.minimum_age, fields.guardian_until)
    }
}

impl From<AgeRule> for AgeRuleFields {
    fn from(rule: AgeRule) -> Self {
        Self {
            minimum_age: rule.minimum_age,
            guardian_until: rule.guardian_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn age_counts_whole_years_and_birthdays() {
        assert_eq!(age_on(date!(2012 - 03 - 15), date!(2025 - 03 - 14)), 12);
        assert_eq!(age_on(date!(2012 - 03 - 15), date!(2025 - 03 - 15)), 13);
        assert_eq!(age_on(date!(2030 - 01 - 01), date!(2025 - 01 - 01)), 0);
    }

    /// K43 and K44: under 13 is refused, 13 to 17 needs a guardian, 18 acts alone.
    #[test]
    fn k43_k44_kexara_age_bands() {
        let rule = AgeRule::new(13, 18).expect("valid rule");
        let today = date!(2025 - 06 - 01);
        assert_eq!(
            rule.classify(Some(date!(2013 - 06 - 02)), today),
            AgeBand::BelowMinimum
        );
        assert_eq!(
            rule.classify(Some(date!(2012 - 06 - 01)), today),
            AgeBand::NeedsGuardian
        );
        assert_eq!(
            rule.classify(Some(date!(2007 - 06 - 01)), today),
            AgeBand::Adult
        );
        assert_eq!(rule.classify(None, today), AgeBand::Unknown);
    }

    #[test]
    fn age_rules_refuse_impossible_bounds() {
        assert!(AgeRule::new(18, 13).is_err());
        assert!(AgeRule::new(13, 40).is_err());
        assert!(AgeRule::new(16, 16).is_ok());
    }

    #[test]
    fn only_verified_guardians_count() {
        let guardian = PersonId::from_uuid(Uuid::from_u128(7));
        let mut child = Person {
            id: PersonId::from_uuid(Uuid::from_u128(1)),
            date_of_birth: Some(date!(2011 - 01 - 01)),
            guardians: vec![GuardianLink {
                guardian,
                relation: GuardianRelation::Parent,
                verified_on: None,
            }],
        };
        assert!(!child.has_verified_guardian(guardian));
        if let Some(link) = child.guardians.first_mut() {
            link.verified_on = Some(date!(2025 - 01 - 02));
        }
        assert!(child.has_verified_guardian(guardian));
    }
}

//! The processing gate: may this person's data be used for this purpose now?

use pledge_domain::{AgeBand, AgeRule, Art9Condition, LegalBasis, PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use pledge_policy::model::{Channel, ConsentEvidence};
use time::{Date, OffsetDateTime};

use crate::{ConsentState, ConsentTarget, Ledger};

/// A purpose of the gate's policy, resolved once so that checks do no string lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PurposeIndex(u16);

/// What the store knows about the person, as the gate needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubjectFacts {
    /// Who.
    pub person: PersonId,
    /// Their date of birth, if collected.
    pub birth_date: Option<Date>,
    /// True while processing is restricted at their request (GDPR Art. 18, J38).
    pub restricted: bool,
}

/// Why processing is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// The purpose's legal basis needs no consent (contract, legitimate interests, …).
    Basis(LegalBasis),
    /// A live consent, granted at this time.
    Consent {
        /// When it was granted.
        granted_at: OffsetDateTime,
    },
}

/// Why processing is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The policy declares no such purpose.
    UnknownPurpose,
    /// The policy promises to use data for no purpose outside its list, and this one is not on
    /// it (J02): nothing may be processed for it, whatever consent says.
    OutsideClosedPurposeList,
    /// The policy offers no such marketing channel.
    ChannelNotOffered,
    /// The person is below the policy's minimum age: nothing may be processed (K43).
    BelowMinimumAge,
    /// Processing is restricted; only storage and legal claims remain (J38).
    Restricted,
    /// The purpose needs consent and none was ever given.
    NoConsent,
    /// Consent was withdrawn (K23, W30, J16).
    Withdrawn {
        /// When.
        at: OffsetDateTime,
    },
    /// Consent lapsed.
    Expired {
        /// When.
        at: OffsetDateTime,
    },
    /// The person is a minor in the guardian range and the consent was not given by a guardian
    /// (K44).
    GuardianConsentRequired,
    /// The policy requires marketing consent in writing and this one was not (J17).
    WrittenConsentRequired,
}

/// The gate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allowed(Allowance),
    /// Do not.
    Denied(DenyReason),
}

impl Verdict {
    /// True when processing may go ahead.
    pub const fn is_allowed(&self) -> bool {
        matches!(self, Verdict::Allowed(_))
    }
}

#[derive(Debug, Clone)]
struct PurposeRule {
    id: PurposeId,
    target: ConsentTarget,
    basis: LegalBasis,
    needs_consent: bool,
    allowed_while_restricted: bool,
    marketing: bool,
    outside_closed_list: bool,
}

/// The gate for one policy.
#[derive(Debug, Clone)]
pub struct Gate {
    purposes: Vec<PurposeRule>,
    age_rule: AgeRule,
    channels: Vec<Channel>,
    written_marketing: bool,
}

impl Gate {
    /// Compiles the gate for `policy`.
    pub fn new(policy: &ValidPolicy) -> Self {
        let p = policy.policy();
        let marketing = p.marketing.as_ref();
        let purposes = p
            .purposes
            .iter()
            .map(|purpose| {
                // Validation guarantees a basis; a missing one would be treated as consent.
                let basis = purpose.basis.unwrap_or(LegalBasis::Consent);
                let is_marketing = marketing.is_some_and(|m| m.purpose == purpose.id);
                PurposeRule {
                    id: purpose.id.clone(),
                    target: ConsentTarget::Purpose(purpose.id.clone()),
                    basis,
                    needs_consent: basis.needs_consent_grant()
                        || purpose.art9.is_some_and(Art9Condition::needs_consent_grant)
                        || is_marketing,
                    allowed_while_restricted: matches!(
                        basis,
                        LegalBasis::LegalObligation
                            | LegalBasis::VitalInterests
                            | LegalBasis::PublicTask
                    ) || purpose.art9 == Some(Art9Condition::LegalClaims),
                    marketing: is_marketing,
                    outside_closed_list: p
                        .closed_purpose_list
                        .as_ref()
                        .is_some_and(|list| !list.purposes.contains(&purpose.id)),
                }
            })
            .collect();
        Self {
            purposes,
            age_rule: policy.age_rule(),
            channels: marketing.map(|m| m.channels.clone()).unwrap_or_default(),
            written_marketing: marketing.is_some_and(|m| m.evidence == ConsentEvidence::Written),
        }
    }

    /// The dense index of a purpose, for [`Gate::may_process_indexed`].
    pub fn purpose(&self, id: &PurposeId) -> Option<PurposeIndex> {
        self.purposes
            .iter()
            .position(|p| &p.id == id)
            .and_then(|i| u16::try_from(i).ok())
            .map(PurposeIndex)
    }

    /// May `subject`'s data be processed for `purpose` at `now`?
    pub fn may_process(
        &self,
        ledger: &Ledger,
        subject: &SubjectFacts,
        purpose: &PurposeId,
        now: OffsetDateTime,
    ) -> Verdict {
        match self.purpose(purpose) {
            Some(index) => self.may_process_indexed(ledger, subject, index, now),
            None => Verdict::Denied(DenyReason::UnknownPurpose),
        }
    }

    /// [`Gate::may_process`] with the purpose resolved beforehand: the hot path.
    pub fn may_process_indexed(
        &self,
        ledger: &Ledger,
        subject: &SubjectFacts,
        purpose: PurposeIndex,
        now: OffsetDateTime,
    ) -> Verdict {
        let Some(rule) = self.purposes.get(usize::from(purpose.0)) else {
            return Verdict::Denied(DenyReason::UnknownPurpose);
        };
        if rule.outside_closed_list {
            return Verdict::Denied(DenyReason::OutsideClosedPurposeList);
        }
        let band = self.age_rule.classify(subject.birth_date, now.date());
        if band == AgeBand::BelowMinimum {
            return Verdict::Denied(DenyReason::BelowMinimumAge);
        }
        if subject.restricted && !rule.allowed_while_restricted {
            return Verdict::Denied(DenyReason::Restricted);
        }
        if !rule.needs_consent {
            return Verdict::Allowed(Allowance::Basis(rule.basis));
        }
        if rule.marketing {
            return self.any_channel(ledger, subject.person, band, now);
        }
        self.consent(ledger, subject.person, &rule.target, band, false, now)
    }

    /// May `subject` be sent marketing on `channel` at `now` (J14: consent is per channel)?
    pub fn may_contact(
        &self,
        ledger: &Ledger,
        subject: &SubjectFacts,
        channel: Channel,
        now: OffsetDateTime,
    ) -> Verdict {
        if !self.channels.contains(&channel) {
            return Verdict::Denied(DenyReason::ChannelNotOffered);
        }
        let band = self.age_rule.classify(subject.birth_date, now.date());
        if band == AgeBand::BelowMinimum {
            return Verdict::Denied(DenyReason::BelowMinimumAge);
        }
        if subject.restricted {
            return Verdict::Denied(DenyReason::Restricted);
        }
        self.consent(
            ledger,
            subject.person,
            &ConsentTarget::Channel(channel),
            band,
            self.written_marketing,
            now,
        )
    }

    fn any_channel(
        &self,
        ledger: &Ledger,
        person: PersonId,
        band: AgeBand,
        now: OffsetDateTime,
    ) -> Verdict {
        let mut first_refusal = Verdict::Denied(DenyReason::NoConsent);
        for channel in &self.channels {
            let target = ConsentTarget::Channel(*channel);
            match self.consent(ledger, person, &target, band, self.written_marketing, now) {
                allowed @ Verdict::Allowed(_) => return allowed,
                Verdict::Denied(DenyReason::NoConsent) => {}
                refused => {
                    if first_refusal == Verdict::Denied(DenyReason::NoConsent) {
                        first_refusal = refused;
                    }
                }
            }
        }
        first_refusal
    }

    fn consent(
        &self,
        ledger: &Ledger,
        person: PersonId,
        target: &ConsentTarget,
        band: AgeBand,
        written: bool,
        now: OffsetDateTime,
    ) -> Verdict {
        match ledger.state(person, target, now) {
            ConsentState::Never => Verdict::Denied(DenyReason::NoConsent),
            ConsentState::Withdrawn { at } => Verdict::Denied(DenyReason::Withdrawn { at }),
            ConsentState::Expired { at } => Verdict::Denied(DenyReason::Expired { at }),
            ConsentState::Granted {
                at,
                written: on_paper,
                by_guardian,
                ..
            } => {
                if written && !on_paper {
                    return Verdict::Denied(DenyReason::WrittenConsentRequired);
                }
                if band == AgeBand::NeedsGuardian && !by_guardian {
                    return Verdict::Denied(DenyReason::GuardianConsentRequired);
                }
                Verdict::Allowed(Allowance::Consent { granted_at: at })
            }
        }
    }
}

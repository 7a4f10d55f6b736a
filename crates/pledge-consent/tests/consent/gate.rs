//! The processing gate against the packs' promises. Test names carry the promise IDs.

use pledge_consent::{
    Allowance, Change, ConsentError, ConsentEvent, ConsentTarget, DenyReason, GivenBy, Ledger,
    Source, Verdict,
};
use pledge_policy::model::Channel;

use crate::support::{adult, born, day, event, gate, person, proof, purpose, record};

#[test]
fn k15_marketing_needs_express_consent() {
    let g = gate("kexara");
    let mut ledger = Ledger::new();
    let me = adult(1);
    assert_eq!(
        g.may_process(&ledger, &me, &purpose("marketing"), day(0)),
        Verdict::Denied(DenyReason::NoConsent)
    );
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Channel(Channel::Email),
        Change::Granted,
        day(1),
    );
    assert!(matches!(
        g.may_process(&ledger, &me, &purpose("marketing"), day(2)),
        Verdict::Allowed(Allowance::Consent { granted_at }) if granted_at == day(1)
    ));
    assert!(
        g.may_contact(&ledger, &me, Channel::Email, day(2))
            .is_allowed()
    );
}

#[test]
fn k23_w30_j16_withdrawal_is_one_event_and_takes_effect_at_once() {
    let g = gate("kexara");
    let mut ledger = Ledger::new();
    let me = adult(1);
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Channel(Channel::Email),
        Change::Granted,
        day(1),
    );
    let mut unsubscribe = event(
        me.person,
        ConsentTarget::Channel(Channel::Email),
        Change::Withdrawn,
        day(5),
    );
    unsubscribe.proof = proof(Source::UnsubscribeLink);
    ledger.record(unsubscribe).expect("one event");
    assert!(
        g.may_contact(
            &ledger,
            &me,
            Channel::Email,
            day(5) - time::Duration::nanoseconds(1)
        )
        .is_allowed()
    );
    assert_eq!(
        g.may_contact(&ledger, &me, Channel::Email, day(5)),
        Verdict::Denied(DenyReason::Withdrawn { at: day(5) })
    );
}

#[test]
fn w31_opting_out_of_marketing_leaves_service_messages_alone() {
    let g = gate("westmontera");
    let mut ledger = Ledger::new();
    let me = adult(1);
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Channel(Channel::Email),
        Change::Granted,
        day(0),
    );
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Channel(Channel::Email),
        Change::Withdrawn,
        day(1),
    );
    assert!(
        !g.may_process(&ledger, &me, &purpose("marketing"), day(2))
            .is_allowed()
    );
    let service = g.may_process(&ledger, &me, &purpose("service-messages"), day(2));
    assert!(
        matches!(service, Verdict::Allowed(Allowance::Basis(_))),
        "{service:?}"
    );
}

#[test]
fn j14_marketing_consent_is_per_channel() {
    let g = gate("jtec");
    let mut ledger = Ledger::new();
    let me = adult(1);
    let mut written = event(
        me.person,
        ConsentTarget::Channel(Channel::Email),
        Change::Granted,
        day(0),
    );
    written.proof = proof(Source::WrittenForm {
        document: "forms/2025/0042.pdf".into(),
    });
    ledger.record(written).expect("recorded");
    assert!(
        g.may_contact(&ledger, &me, Channel::Email, day(1))
            .is_allowed()
    );
    assert_eq!(
        g.may_contact(&ledger, &me, Channel::Sms, day(1)),
        Verdict::Denied(DenyReason::NoConsent)
    );
    assert_eq!(
        gate("kexara").may_contact(&ledger, &me, Channel::Sms, day(1)),
        Verdict::Denied(DenyReason::ChannelNotOffered)
    );
}

#[test]
fn j17_jtec_marketing_consent_must_be_written_and_reference_its_document() {
    let g = gate("jtec");
    let mut ledger = Ledger::new();
    let me = adult(1);
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Channel(Channel::Phone),
        Change::Granted,
        day(0),
    );
    assert_eq!(
        g.may_contact(&ledger, &me, Channel::Phone, day(1)),
        Verdict::Denied(DenyReason::WrittenConsentRequired)
    );
    let mut no_document = event(
        me.person,
        ConsentTarget::Channel(Channel::Phone),
        Change::Granted,
        day(2),
    );
    no_document.proof = proof(Source::WrittenForm {
        document: " ".into(),
    });
    assert_eq!(
        ledger.record(no_document),
        Err(ConsentError::MissingDocumentReference)
    );
    let mut written = event(
        me.person,
        ConsentTarget::Channel(Channel::Phone),
        Change::Granted,
        day(3),
    );
    written.proof = proof(Source::WrittenForm {
        document: "forms/2025/0042.pdf".into(),
    });
    ledger.record(written).expect("recorded");
    assert!(
        g.may_contact(&ledger, &me, Channel::Phone, day(4))
            .is_allowed()
    );
}

#[test]
fn k43_nothing_is_processed_for_a_child_under_13() {
    let g = gate("kexara");
    let mut ledger = Ledger::new();
    let child = born(7, time::macros::date!(2013 - 01 - 01));
    record(
        &mut ledger,
        child.person,
        ConsentTarget::Purpose(purpose("personalisation")),
        Change::Granted,
        day(0),
    );
    for id in ["service-delivery", "personalisation", "security"] {
        assert_eq!(
            g.may_process(&ledger, &child, &purpose(id), day(1)),
            Verdict::Denied(DenyReason::BelowMinimumAge),
            "{id}"
        );
    }
}

#[test]
fn k44_a_minor_needs_a_guardians_consent_for_consent_based_purposes() {
    let g = gate("kexara");
    let mut ledger = Ledger::new();
    let teen = born(8, time::macros::date!(2010 - 01 - 01));
    record(
        &mut ledger,
        teen.person,
        ConsentTarget::Purpose(purpose("personalisation")),
        Change::Granted,
        day(0),
    );
    assert_eq!(
        g.may_process(&ledger, &teen, &purpose("personalisation"), day(1)),
        Verdict::Denied(DenyReason::GuardianConsentRequired)
    );
    let mut by_guardian = event(
        teen.person,
        ConsentTarget::Purpose(purpose("personalisation")),
        Change::Granted,
        day(2),
    );
    by_guardian.proof.given_by = GivenBy::Guardian(person(9));
    ledger.record(by_guardian).expect("recorded");
    assert!(
        g.may_process(&ledger, &teen, &purpose("personalisation"), day(3))
            .is_allowed()
    );
    assert!(
        g.may_process(&ledger, &teen, &purpose("service-delivery"), day(3))
            .is_allowed()
    );
}

#[test]
fn j38_a_restricted_person_is_only_stored_or_processed_for_legal_obligations() {
    let g = gate("jtec");
    let ledger = Ledger::new();
    let mut me = adult(1);
    me.restricted = true;
    assert_eq!(
        g.may_process(&ledger, &me, &purpose("exam-delivery"), day(0)),
        Verdict::Denied(DenyReason::Restricted)
    );
    assert!(
        g.may_process(&ledger, &me, &purpose("legal-compliance"), day(0))
            .is_allowed()
    );
    me.restricted = false;
    assert!(
        g.may_process(&ledger, &me, &purpose("exam-delivery"), day(0))
            .is_allowed()
    );
}

#[test]
fn k05_accessibility_needs_require_explicit_consent_even_under_contract() {
    let g = gate("kexara");
    let mut ledger = Ledger::new();
    let me = adult(1);
    assert_eq!(
        g.may_process(&ledger, &me, &purpose("tour-accessibility"), day(0)),
        Verdict::Denied(DenyReason::NoConsent)
    );
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Purpose(purpose("tour-accessibility")),
        Change::Granted,
        day(1),
    );
    assert!(
        g.may_process(&ledger, &me, &purpose("tour-accessibility"), day(2))
            .is_allowed()
    );
}

#[test]
fn unknown_purposes_are_denied_not_guessed() {
    let g = gate("kexara");
    assert_eq!(
        g.may_process(&Ledger::new(), &adult(1), &purpose("telepathy"), day(0)),
        Verdict::Denied(DenyReason::UnknownPurpose)
    );
}

#[test]
fn a_guardian_cannot_consent_for_themselves() {
    let mut ledger = Ledger::new();
    let mut own: ConsentEvent = event(
        person(3),
        ConsentTarget::Purpose(purpose("marketing")),
        Change::Granted,
        day(0),
    );
    own.proof.given_by = GivenBy::Guardian(person(3));
    assert_eq!(ledger.record(own), Err(ConsentError::GuardianIsSubject));
    assert!(
        ledger.is_empty(),
        "nothing is recorded when the proof is refused"
    );
}

/// Every purpose of every pack is gated by its own legal basis: without any consent, purposes
/// on contract, legitimate interests or legal obligation go ahead and consent-based ones
/// (surveys, recommendations, marketing, explicit consent for special categories) do not.
#[test]
fn w10_w22_w24_w28_w29_w36_j04_j05_j19_k11_k12_k13_k14_k16_every_purpose_is_gated_by_its_basis() {
    for pack in ["westmontera", "jtec", "kexara"] {
        let policy = crate::support::policy(pack);
        let g = pledge_consent::Gate::new(&policy);
        let closed = policy.policy().closed_purpose_list.as_ref();
        for p in &policy.policy().purposes {
            let verdict = g.may_process(&Ledger::new(), &adult(1), &p.id, day(0));
            let basis = p.basis.expect("validated");
            let needs_consent = basis.needs_consent_grant()
                || p.art9.is_some_and(|c| c.needs_consent_grant())
                || policy
                    .policy()
                    .marketing
                    .as_ref()
                    .is_some_and(|m| m.purpose == p.id);
            let outside = closed.is_some_and(|list| !list.purposes.contains(&p.id));
            let expected = match (outside, needs_consent) {
                (true, _) => Verdict::Denied(DenyReason::OutsideClosedPurposeList),
                (false, true) => Verdict::Denied(DenyReason::NoConsent),
                (false, false) => Verdict::Allowed(Allowance::Basis(basis)),
            };
            assert_eq!(verdict, expected, "{pack}: purpose {}", p.id);
        }
    }
}

#[test]
fn j02_j26_nothing_is_processed_for_a_purpose_outside_the_closed_list_even_with_consent() {
    let g = gate("jtec");
    let mut ledger = Ledger::new();
    let me = adult(1);
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Purpose(purpose("advertising")),
        Change::Granted,
        day(0),
    );
    assert_eq!(
        g.may_process(&ledger, &me, &purpose("advertising"), day(1)),
        Verdict::Denied(DenyReason::OutsideClosedPurposeList)
    );
    record(
        &mut ledger,
        me.person,
        ConsentTarget::Purpose(purpose("site-analytics")),
        Change::Granted,
        day(0),
    );
    assert!(
        g.may_process(&ledger, &me, &purpose("site-analytics"), day(1))
            .is_allowed()
    );
}

//! Semantic diff: what changed, whether it needs notice or fresh consent, and for whom.

use pledge_domain::{CategoryId, LifecycleEvent, PurposeId};
use pledge_policy::diff::ChangeKind;
use pledge_policy::model::{AfterEvents, Channel, Clock, Cookie, CookieCategory, Policy};
use pledge_policy::{Audience, ChangeClass, PolicyDiff, diff};

use crate::support::minimal;

fn changed(edit: impl FnOnce(&mut Policy)) -> PolicyDiff {
    let old = minimal();
    let mut new = old.clone();
    edit(&mut new);
    diff(&old, &new)
}

/// `edit` produces exactly one change, of `class`, for `audience`.
fn check(class: ChangeClass, audience: &[Audience], edit: impl FnOnce(&mut Policy)) {
    let d = changed(edit);
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    let change = &d.changes[0];
    assert_eq!(change.class, class, "{change}");
    assert_eq!(change.audience, audience, "{change}");
}

fn purpose(id: &str) -> PurposeId {
    PurposeId::new(id).expect("id")
}

#[test]
fn a_policy_compared_with_itself_has_no_changes() {
    assert!(changed(|_| {}).is_empty());
    assert_eq!(changed(|_| {}).strongest(), None);
}

#[test]
fn k45_wording_and_version_changes_are_editorial() {
    check(ChangeClass::Editorial, &[], |p| {
        p.purposes[0].description = "Running it.".into()
    });
    check(ChangeClass::Editorial, &[], |p| {
        p.policy.version = "2".into()
    });
}

#[test]
fn j20_a_new_optional_cookie_needs_fresh_consent_from_those_who_accepted_its_category() {
    check(
        ChangeClass::FreshConsent,
        &[Audience::AcceptedCookies(CookieCategory::Analytics)],
        |p| {
            let mut cookie: Cookie = p.cookie_catalogue[1].clone();
            cookie.name = "heatmap".into();
            p.cookie_catalogue.push(cookie);
        },
    );
}

#[test]
fn a_longer_optional_cookie_lifetime_needs_fresh_consent_and_a_shorter_one_is_editorial() {
    check(
        ChangeClass::FreshConsent,
        &[Audience::AcceptedCookies(CookieCategory::Analytics)],
        |p| {
            p.cookie_catalogue[1].lifetime = "2 years".parse().expect("lifetime");
        },
    );
    check(ChangeClass::Editorial, &[], |p| {
        p.cookie_catalogue[1].lifetime = "6 months".parse().expect("lifetime");
    });
}

#[test]
fn k33_longer_retention_needs_notice_to_the_people_whose_data_it_keeps() {
    check(
        ChangeClass::Notice,
        &[Audience::PeopleWithData(
            CategoryId::new("network").expect("id"),
        )],
        |p| {
            p.retention[1].clock = Clock::After(AfterEvents {
                events: vec![LifecycleEvent::Logged],
                period: "1 year".parse().expect("period"),
                count_from: Default::default(),
            });
        },
    );
}

#[test]
fn shorter_retention_is_editorial() {
    check(ChangeClass::Editorial, &[], |p| {
        if let Clock::After(after) = &mut p.retention[1].clock {
            after.period = "30 days".parse().expect("period");
        }
    });
}

#[test]
fn a_consent_purpose_using_more_data_asks_its_consenters_again() {
    check(
        ChangeClass::FreshConsent,
        &[Audience::ConsentedTo(purpose("analytics"))],
        |p| {
            p.purposes[2]
                .categories
                .push(CategoryId::new("network").expect("id"));
        },
    );
}

#[test]
fn a_new_consent_purpose_asks_everyone() {
    check(ChangeClass::FreshConsent, &[Audience::Everyone], |p| {
        let mut added = p.purposes[2].clone();
        added.id = purpose("newsletter");
        p.purposes.push(added);
    });
}

#[test]
fn j14_a_new_marketing_channel_needs_fresh_consent_from_subscribers() {
    let old = {
        let mut p = minimal();
        p.marketing = Some(pledge_policy::model::Marketing {
            purpose: purpose("analytics"),
            channels: vec![Channel::Email],
            evidence: pledge_policy::model::ConsentEvidence::Recorded,
            unsubscribe_in_every_message: true,
            service_messages: Vec::new(),
            sources: Vec::new(),
            deployer_choice: None,
        });
        p
    };
    let mut new = old.clone();
    if let Some(m) = &mut new.marketing {
        m.channels.push(Channel::Sms);
    }
    let d = diff(&old, &new);
    assert_eq!(d.strongest(), Some(ChangeClass::FreshConsent));
    assert!(
        d.audience(ChangeClass::FreshConsent)
            .contains(&Audience::MarketingSubscribers)
    );
}

#[test]
fn k18_a_new_recipient_for_a_consent_purpose_asks_its_consenters_again() {
    check(
        ChangeClass::FreshConsent,
        &[Audience::ConsentedTo(purpose("analytics"))],
        |p| {
            let mut partner = p.partners[0].clone();
            partner.id = pledge_domain::PartnerId::new("metrics-co").expect("id");
            partner.purposes = vec![purpose("analytics")];
            p.partners.push(partner);
        },
    );
}

#[test]
fn a_longer_response_deadline_needs_notice_to_everyone() {
    check(ChangeClass::Notice, &[Audience::Everyone], |p| {
        p.rights[0].deadline = Some("3 months".parse().expect("period"));
    });
}

#[test]
fn k44_age_rule_changes_reach_minors_and_guardians() {
    check(ChangeClass::Notice, &[Audience::MinorsAndGuardians], |p| {
        p.children.minimum_age = 16
    });
}

#[test]
fn reordering_entries_is_an_editorial_change() {
    let d = changed(|p| p.purposes.swap(0, 1));
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    assert_eq!(d.changes[0].kind, ChangeKind::Reordered);
    assert_eq!(d.changes[0].class, ChangeClass::Editorial);
}

#[test]
fn removing_an_optional_cookie_is_editorial() {
    check(ChangeClass::Editorial, &[], |p| {
        p.cookie_catalogue.pop();
    });
}

#[test]
fn changes_are_reported_by_entity_id_not_index() {
    let d = changed(|p| p.purposes[2].profiling = true);
    assert_eq!(d.changes[0].path, "purpose[analytics].profiling");
    assert_eq!(d.changes[0].class, ChangeClass::FreshConsent);
}

#[test]
fn j30_ending_indefinite_retention_is_editorial_and_starting_it_needs_notice() {
    let forever = |p: &mut Policy| p.retention[1].clock = Clock::Indefinite("spam".into());
    let old = {
        let mut p = minimal();
        forever(&mut p);
        p
    };
    let finite = minimal();
    let ending = diff(&old, &finite);
    assert_eq!(ending.changes.len(), 1, "{:#?}", ending.changes);
    assert_eq!(ending.changes[0].path, "retention[logs].clock");
    assert_eq!(ending.strongest(), Some(ChangeClass::Editorial));
    assert_eq!(diff(&finite, &old).strongest(), Some(ChangeClass::Notice));
}

#[test]
fn j02_withholding_an_optional_cookie_is_editorial_and_releasing_it_asks_again() {
    check(ChangeClass::Editorial, &[], |p| {
        p.cookie_catalogue[1].withheld = Some("not on the closed list".into());
    });
    let old = {
        let mut p = minimal();
        p.cookie_catalogue[1].withheld = Some("not on the closed list".into());
        p
    };
    let d = diff(&old, &minimal());
    assert_eq!(d.strongest(), Some(ChangeClass::FreshConsent));
}

#[test]
fn j08_a_partner_keeping_data_longer_needs_notice_to_the_people_it_receives_data_about() {
    let keeps = |period: &str| pledge_policy::model::PartnerHolding {
        what: "Recordings".into(),
        clock: Clock::After(AfterEvents {
            events: vec![LifecycleEvent::ExamTaken],
            period: period.parse().expect("period"),
            count_from: Default::default(),
        }),
    };
    let old = {
        let mut p = minimal();
        p.partners[0].keeps = vec![keeps("1 year")];
        p
    };
    let mut new = old.clone();
    new.partners[0].keeps = vec![keeps("2 years")];
    let d = diff(&old, &new);
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    assert_eq!(d.changes[0].path, "partner[host].keeps");
    assert_eq!(d.changes[0].class, ChangeClass::Notice);
    assert_eq!(
        d.changes[0].audience,
        [Audience::PeopleWithData(
            CategoryId::new("contact").expect("id")
        )]
    );
}

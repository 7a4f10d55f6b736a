//! Cookie decisions and re-prompting after policy changes.

use pledge_consent::cookies::{decide, for_subject, offered_categories};
use pledge_consent::reprompt::must_ask_again;
use pledge_consent::{Change, ConsentTarget, Ledger};
use pledge_policy::model::CookieCategory;
use pledge_policy::{diff, validate};

use crate::support::{day, person, policy, record};

fn names(decision: &pledge_consent::cookies::CookieDecision) -> Vec<&str> {
    decision.allowed.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn j20_j21_j22_j23_j24_rejecting_all_leaves_only_essential_cookies() {
    let jtec = policy("jtec");
    let decision = decide(&jtec, &[]);
    assert!(
        decision
            .allowed
            .iter()
            .all(|c| c.category == CookieCategory::Essential),
        "{decision:?}"
    );
    assert!(names(&decision).contains(&"wordpress_test_cookie"));
    assert!(decision.refused.contains(&"_ga".to_owned()));
    assert!(
        decision
            .refused
            .contains(&"comment_author_{hash}".to_owned()),
        "J20: comment cookies are opt-in"
    );
}

#[test]
fn j25_j26_accepting_everything_still_never_sets_the_withheld_advertising_cookie() {
    let jtec = policy("jtec");
    let all = offered_categories(&jtec);
    assert!(
        !all.contains(&CookieCategory::Advertising),
        "J02: advertising is not offered: {all:?}"
    );
    let decision = decide(&jtec, &all);
    assert!(names(&decision).contains(&"_ga"));
    assert!(!names(&decision).contains(&"IDE"));
    assert!(decision.refused.contains(&"IDE".to_owned()));
}

#[test]
fn k39_k40_k41_a_custom_choice_follows_the_ledger_and_withdrawal_removes_cookies() {
    let kexara = policy("kexara");
    let mut ledger = Ledger::new();
    let me = person(1);
    record(
        &mut ledger,
        me,
        ConsentTarget::Cookies(CookieCategory::Analytics),
        Change::Granted,
        day(0),
    );
    let chosen = for_subject(&kexara, &ledger, me, day(1));
    assert!(names(&chosen).contains(&"kx_analytics"));
    assert!(chosen.refused.contains(&"kx_prefs".to_owned()));
    record(
        &mut ledger,
        me,
        ConsentTarget::Cookies(CookieCategory::Analytics),
        Change::Withdrawn,
        day(2),
    );
    let after = for_subject(&kexara, &ledger, me, day(2));
    assert!(
        after.refused.contains(&"kx_analytics".to_owned()),
        "withdrawn category's cookies must go"
    );
    assert!(
        names(&after).contains(&"__Host-kx_session"),
        "essential cookies stay"
    );
}

#[test]
fn w02_k45_only_people_who_accepted_a_changed_cookie_category_are_asked_again() {
    let old = policy("kexara");
    let mut changed = old.policy().clone();
    let cookie = changed
        .cookie_catalogue
        .iter_mut()
        .find(|c| c.name == "kx_analytics")
        .expect("cookie");
    cookie.lifetime = "2 years".parse().expect("lifetime");
    let new = validate(changed).expect("valid");
    let mut ledger = Ledger::new();
    record(
        &mut ledger,
        person(1),
        ConsentTarget::Cookies(CookieCategory::Analytics),
        Change::Granted,
        day(0),
    );
    record(
        &mut ledger,
        person(2),
        ConsentTarget::Cookies(CookieCategory::Personalisation),
        Change::Granted,
        day(0),
    );
    record(
        &mut ledger,
        person(3),
        ConsentTarget::Cookies(CookieCategory::Analytics),
        Change::Granted,
        day(0),
    );
    record(
        &mut ledger,
        person(3),
        ConsentTarget::Cookies(CookieCategory::Analytics),
        Change::Withdrawn,
        day(1),
    );
    let ask = must_ask_again(&ledger, &diff(old.policy(), new.policy()), &new, day(2));
    assert_eq!(ask.people.into_iter().collect::<Vec<_>>(), [person(1)]);
    assert!(!ask.everyone);
}

#[test]
fn k15_a_new_marketing_channel_asks_only_current_subscribers() {
    let old = policy("kexara");
    let mut changed = old.policy().clone();
    if let Some(m) = &mut changed.marketing {
        m.channels.push(pledge_policy::model::Channel::Sms);
    }
    let new = validate(changed).expect("valid");
    let mut ledger = Ledger::new();
    record(
        &mut ledger,
        person(1),
        ConsentTarget::Channel(pledge_policy::model::Channel::Email),
        Change::Granted,
        day(0),
    );
    record(
        &mut ledger,
        person(2),
        ConsentTarget::Cookies(CookieCategory::Analytics),
        Change::Granted,
        day(0),
    );
    let ask = must_ask_again(&ledger, &diff(old.policy(), new.policy()), &new, day(1));
    assert_eq!(ask.people.into_iter().collect::<Vec<_>>(), [person(1)]);
}

#[test]
fn w20_westmontera_offers_no_advertising_cookies() {
    let westmontera = policy("westmontera");
    assert!(!offered_categories(&westmontera).contains(&CookieCategory::Advertising));
    let everything = decide(&westmontera, &offered_categories(&westmontera));
    assert!(
        everything
            .allowed
            .iter()
            .all(|c| c.category != CookieCategory::Advertising)
    );
}

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

mod banner_answers {
    use pledge_consent::cookies::{
        BannerAnswer, CATEGORIES, declared_cookie, name_matches, to_remove,
    };
    use pledge_policy::model::CookieCategory;
    use proptest::prelude::*;

    use crate::support::policy;

    #[test]
    fn a_choice_cookie_reads_back_what_was_written() {
        let answer = BannerAnswer {
            consent_id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_owned(),
            accepted: vec![CookieCategory::Personalisation, CookieCategory::Analytics],
            refused: vec![],
            version: String::new(),
        };
        let value = answer.cookie_value();
        assert_eq!(
            value,
            "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.analytics+personalisation.-"
        );
        let read = BannerAnswer::parse(&value).unwrap();
        assert_eq!(
            read.accepted,
            [CookieCategory::Analytics, CookieCategory::Personalisation]
        );
        assert!(read.refused.is_empty());
    }

    #[test]
    fn a_choice_cookie_that_this_site_did_not_write_is_no_answer() {
        for bad in [
            "",
            "abc",
            "abc.analytics",
            "abc.analytics.-.v1.extra",
            "abc.analytics.-.not-a-tag",
            "abc.analytics.-.longer0than016chars",
            "abc.tracking.-",
            "abc.essential.-",
            "abc.analytics.analytics",
            "a b.-.-",
            "abc.-.",
        ] {
            assert_eq!(BannerAnswer::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn k41_a_banner_that_offers_a_new_category_asks_again_and_one_that_offers_less_does_not() {
        let answer = BannerAnswer::parse("id.analytics.personalisation").unwrap();
        assert!(answer.covers(&[CookieCategory::Analytics, CookieCategory::Personalisation]));
        assert!(answer.covers(&[CookieCategory::Analytics]));
        assert!(!answer.covers(&[CookieCategory::Analytics, CookieCategory::Embedded]));
        assert!(answer.allows(CookieCategory::Essential));
        assert!(answer.allows(CookieCategory::Analytics));
        assert!(!answer.allows(CookieCategory::Personalisation));
    }

    #[test]
    fn j20_j22_catalogue_names_with_placeholders_match_the_names_browsers_hold() {
        assert!(name_matches(
            "comment_author_{hash}",
            "comment_author_5d41402abc4b2a76"
        ));
        assert!(!name_matches("comment_author_{hash}", "comment_author_"));
        assert!(name_matches("wp-settings-{user}", "wp-settings-12"));
        assert!(name_matches(
            "wp-settings-time-{user}",
            "wp-settings-time-12"
        ));
        assert!(name_matches("video-platform-*", "video-platform-quality"));
        assert!(name_matches("kx_consent", "kx_consent"));
        assert!(!name_matches("kx_consent", "kx_consent2"));
        assert!(!name_matches("_ga", "_gat"));
        let jtec = policy("jtec");
        let exact = declared_cookie(&jtec, "comment_author_email_1a2b").unwrap();
        assert_eq!(
            exact.name, "comment_author_email_{hash}",
            "a longer declared name is not shadowed by a shorter pattern's match"
        );
    }

    #[test]
    fn k39_k40_k41_cookies_of_refused_categories_are_removed_and_essential_ones_kept() {
        let kexara = policy("kexara");
        let present = [
            "__Host-kx_session",
            "kx_consent",
            "kx_analytics",
            "kx_prefs",
            "other",
        ];
        assert_eq!(
            to_remove(&kexara, None, present),
            ["kx_analytics", "kx_prefs"],
            "no answer yet: nothing optional may stay"
        );
        let analytics_only = BannerAnswer::parse("id.analytics.personalisation").unwrap();
        assert_eq!(
            to_remove(&kexara, Some(&analytics_only), present),
            ["kx_prefs"]
        );
        let everything = BannerAnswer::parse("id.analytics+personalisation.-").unwrap();
        assert!(to_remove(&kexara, Some(&everything), present).is_empty());
    }

    #[test]
    fn k45_an_answer_under_an_older_version_is_asked_again_about_a_changed_category() {
        let value = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.analytics+personalisation.-.20250315";
        let mut answer = BannerAnswer::parse(value).unwrap();
        assert_eq!(
            answer.version,
            pledge_consent::cookies::version_tag("2025-03-15")
        );
        assert_eq!(answer.cookie_value(), value, "the tag is written back");
        answer.ask_again(&[CookieCategory::Personalisation]);
        assert!(answer.allows(CookieCategory::Analytics));
        assert!(!answer.allows(CookieCategory::Personalisation));
        assert!(
            !answer.covers(&[CookieCategory::Analytics, CookieCategory::Personalisation]),
            "the banner asks again"
        );
        assert!(
            BannerAnswer::parse("id.-.-.2025-03-15").is_none(),
            "a tag is letters and digits"
        );
        assert!(BannerAnswer::parse("id.-.-.v.extra").is_none());
    }

    #[test]
    fn j26_a_withheld_cookie_is_removed_even_when_its_category_was_accepted() {
        let jtec = policy("jtec");
        let all = BannerAnswer {
            consent_id: "id".to_owned(),
            accepted: CATEGORIES
                .iter()
                .copied()
                .filter(|c| c.is_optional())
                .collect(),
            refused: vec![],
            version: String::new(),
        };
        assert_eq!(to_remove(&jtec, Some(&all), ["IDE", "_ga"]), ["IDE"]);
    }

    fn optional() -> impl Strategy<Value = Vec<CookieCategory>> {
        proptest::sample::subsequence(CATEGORIES[1..].to_vec(), 0..=5)
    }

    proptest! {
        #[test]
        fn any_answer_round_trips_through_its_cookie(
            id in "[a-zA-Z0-9-]{1,64}",
            accepted in optional(),
            refused in optional(),
            version in "[a-zA-Z0-9]{0,16}",
        ) {
            let refused: Vec<_> = refused.into_iter().filter(|c| !accepted.contains(c)).collect();
            let answer = BannerAnswer { consent_id: id, accepted, refused, version };
            prop_assert_eq!(BannerAnswer::parse(&answer.cookie_value()), Some(answer));
        }

        #[test]
        fn a_name_without_placeholders_matches_only_itself(
            declared in "[a-z_]{1,12}",
            name in "[a-z_]{1,12}",
        ) {
            prop_assert_eq!(name_matches(&declared, &name), declared == name);
        }
    }
}

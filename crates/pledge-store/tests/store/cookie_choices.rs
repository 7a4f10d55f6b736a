//! Cookie banner answers on both backends: every answer is on record under the browser's
//! consent id, naming nobody; a signed-in person's answer is also a consent event per category
//! with its proof; an impossible answer writes nothing.

use pledge_policy::model::CookieCategory;
use pledge_store::StoreError;
use pledge_store::cookie_choices::{ChoiceSource, NewCookieChoice};
use uuid::Uuid;

use crate::learning::learner;
use crate::support::{count, kexara, now, on_both};

fn answer(consent_id: Uuid, accepted: Vec<CookieCategory>) -> NewCookieChoice {
    let refused = [CookieCategory::Analytics, CookieCategory::Personalisation]
        .into_iter()
        .filter(|c| !accepted.contains(c))
        .collect();
    NewCookieChoice {
        consent_id,
        accepted,
        refused,
        source: ChoiceSource::Banner,
        text_shown: "Kexara uses essential cookies…".to_owned(),
        ip: Some("203.0.113.77".parse().unwrap()),
        user_agent: "Mozilla/5.0 (test)".to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn k39_k41_every_answer_is_on_record_under_the_browsers_consent_id() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let browser = Uuid::now_v7();
        store
            .record_cookie_choice(&policy, &answer(browser, vec![]), None, now())
            .await
            .unwrap();
        let later = now() + time::Duration::minutes(5);
        store
            .record_cookie_choice(
                &policy,
                &answer(browser, vec![CookieCategory::Analytics]),
                None,
                later,
            )
            .await
            .unwrap();
        let history = store.cookie_choices(browser).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(
            history[0].accepted,
            [CookieCategory::Analytics],
            "newest first"
        );
        assert_eq!(history[0].refused, [CookieCategory::Personalisation]);
        assert_eq!(history[1].accepted, []);
        assert_eq!(history[1].source, ChoiceSource::Banner);
        assert!(!history[0].policy_version.is_empty());
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM cookie_choice WHERE ip_prefix = '203.0.113.0'"
            )
            .await,
            2,
            "only the network is kept, never the address"
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM consent_event").await,
            0,
            "an anonymous browser is nobody's consent event"
        );
        assert!(
            store
                .cookie_choices(Uuid::now_v7())
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn k41_a_signed_in_persons_answer_is_also_a_consent_event_per_category() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let person = learner(&store).await;
        store
            .record_cookie_choice(
                &policy,
                &answer(Uuid::now_v7(), vec![CookieCategory::Personalisation]),
                Some(person),
                now(),
            )
            .await
            .unwrap();
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM consent_event WHERE purpose = 'cookies:personalisation' \
                 AND given AND method = 'cookie-banner' AND proof IS NOT NULL"
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM consent_event WHERE purpose = 'cookies:analytics' AND NOT given"
            )
            .await,
            1,
            "a refusal is recorded too"
        );
        let audited = count(&store, "SELECT COUNT(*) FROM audit_record").await;
        let history = store.consent_history(&policy, person, now()).await.unwrap();
        assert_eq!(history.len(), 2);
        assert!(history.iter().any(|c| c.purpose == "cookies:personalisation" && c.given));
        assert!(history.iter().all(|c| c.method == "cookie-banner"));
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_record").await,
            audited + 1,
            "reading the history is audited"
        );
        let held = store.holdings(&policy, person).await.unwrap();
        let consent_events = held.iter().find(|h| h.table == "consent_event").unwrap();
        assert_eq!(consent_events.records, 2);
        assert!(held.iter().any(|h| h.table == "person" && h.records == 1));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_impossible_answer_writes_nothing() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let person = learner(&store).await;
        let mut both = answer(Uuid::now_v7(), vec![CookieCategory::Analytics]);
        both.refused.push(CookieCategory::Analytics);
        let mut essential = answer(Uuid::now_v7(), vec![]);
        essential.refused.push(CookieCategory::Essential);
        for bad in [both, essential] {
            let refused = store
                .record_cookie_choice(&policy, &bad, Some(person), now())
                .await;
            assert!(
                matches!(refused, Err(StoreError::Invalid(_))),
                "{refused:?}"
            );
        }
        assert_eq!(count(&store, "SELECT COUNT(*) FROM cookie_choice").await, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM consent_event").await, 0);
    })
    .await;
}

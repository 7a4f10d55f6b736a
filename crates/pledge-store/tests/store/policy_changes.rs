//! Policy changes through the store, on both backends: a new version is announced once; only
//! the people a change affects are told (a notice each, an email queued); the consents a change
//! asks again stop counting until given again; visits and closing the notice record acceptance.

use pledge_policy::ValidPolicy;
use pledge_policy::model::Channel;
use pledge_store::StoreError;
use pledge_store::marketing::{ChoiceMade, MarketingChoice};
use pledge_store::policy_changes::POLICY_CHANGED;

use crate::support::{count, create_people, kexara, now, on_both};

/// The pack `pack`, loaded.
fn pack(name: &str) -> ValidPolicy {
    pledge_policy::packs::find(name).unwrap().load().unwrap()
}

/// Kexara with `change` applied under a new version label.
fn next(version: &str, change: impl FnOnce(&mut pledge_policy::model::Policy)) -> ValidPolicy {
    next_of(&kexara(), version, change)
}

/// `policy` with `change` applied under a new version label.
fn next_of(
    policy: &ValidPolicy,
    version: &str,
    change: impl FnOnce(&mut pledge_policy::model::Policy),
) -> ValidPolicy {
    let mut policy = policy.policy().clone();
    policy.policy.version = version.to_owned();
    change(&mut policy);
    pledge_policy::validate(policy).expect("the changed policy is valid")
}

async fn publish(store: &pledge_store::Store, policy: &ValidPolicy, at: time::OffsetDateTime) {
    let info = &policy.policy().policy;
    let text = pledge_policy::to_toml(policy.policy()).unwrap();
    store
        .publish_policy(&info.id.to_string(), &info.version, &text, at)
        .await
        .unwrap();
}

fn yes_by_email() -> MarketingChoice {
    MarketingChoice {
        channel: Channel::Email,
        given: true,
        made: ChoiceMade::Preferences,
        text_shown: "Send me news by email.".into(),
        ip: None,
        user_agent: None,
    }
}

async fn messages(store: &pledge_store::Store, person: pledge_domain::PersonId) -> usize {
    store
        .pending_messages(person)
        .await
        .unwrap()
        .iter()
        .filter(|(kind, _, _)| kind == POLICY_CHANGED)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn k45_a_new_channel_asks_subscribers_again_and_tells_no_one_else() {
    let old = kexara();
    let new = next("2026-12-01", |p| {
        p.marketing.as_mut().unwrap().channels.push(Channel::Sms);
    });
    on_both(async |store, _, _| {
        let [ana, bo, cy] = create_people(&store, &["Ana", "Bo", "Cy"]).await[..] else {
            unreachable!()
        };
        publish(&store, &old, now()).await;
        for who in [ana, bo] {
            store
                .record_marketing_choice(&old, who, &yes_by_email(), now())
                .await
                .unwrap();
        }
        let later = now() + time::Duration::days(1);
        let early = store
            .announce_policy_change(old.policy(), &new, later)
            .await;
        assert!(
            matches!(early, Err(StoreError::Invalid(_))),
            "an unpublished version is not announced: {early:?}"
        );
        publish(&store, &new, later).await;
        let told = store
            .announce_policy_change(old.policy(), &new, later)
            .await
            .unwrap();
        assert_eq!((told.people_told, told.people_asked_again), (2, 2));
        assert_eq!(
            (told.previous.as_str(), told.version.as_str()),
            ("2025-03-15", "2026-12-01")
        );
        assert_eq!(messages(&store, ana).await, 1);
        assert_eq!(messages(&store, cy).await, 0, "Cy is not affected");
        assert!(store.policy_notice(cy).await.unwrap().is_none());
        assert!(
            store
                .marketing_allowed(&new, ana, later)
                .await
                .unwrap()
                .is_empty(),
            "the earlier yes no longer counts"
        );
        let notice = store
            .policy_notice(ana)
            .await
            .unwrap()
            .expect("Ana is told");
        assert_eq!(notice.asked_again, ["marketing:email"]);
        assert_eq!(
            (notice.previous.as_str(), notice.version.as_str()),
            ("2025-03-15", "2026-12-01")
        );

        let again = store
            .announce_policy_change(old.policy(), &new, later + time::Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(again, told, "a version is announced once");
        assert_eq!(messages(&store, ana).await, 1);

        // First visit shows it; the next, under continued use, accepts; closing keeps one record.
        store
            .visit_with_policy_notice(&new, &notice, later)
            .await
            .unwrap();
        assert!(store.accepted_versions(ana).await.unwrap().is_empty());
        let shown = store.policy_notice(ana).await.unwrap().unwrap();
        assert!(shown.shown_at.is_some());
        store
            .visit_with_policy_notice(&new, &shown, later)
            .await
            .unwrap();
        let accepted = store.accepted_versions(ana).await.unwrap();
        assert_eq!(accepted.len(), 1);
        assert_eq!(
            (accepted[0].version.as_str(), accepted[0].method.as_str()),
            ("2026-12-01", "continued-use")
        );
        let wrong = store.close_policy_notice(&new, bo, notice.id, later).await;
        assert!(
            matches!(wrong, Err(StoreError::Invalid(_))),
            "not Bo's notice"
        );
        store
            .close_policy_notice(&new, ana, notice.id, later)
            .await
            .unwrap();
        assert!(store.policy_notice(ana).await.unwrap().is_none());
        assert_eq!(store.accepted_versions(ana).await.unwrap().len(), 1);

        // Bo closes without visiting: the close is the acceptance.
        let bos = store.policy_notice(bo).await.unwrap().unwrap();
        store
            .close_policy_notice(&new, bo, bos.id, later)
            .await
            .unwrap();
        assert_eq!(
            store.accepted_versions(bo).await.unwrap()[0].method,
            "continued-use"
        );

        // Saying yes again under the new version counts again.
        store
            .record_marketing_choice(
                &new,
                ana,
                &yes_by_email(),
                later + time::Duration::minutes(5),
            )
            .await
            .unwrap();
        assert!(
            store
                .marketing_allowed(&new, ana, later + time::Duration::minutes(6))
                .await
                .unwrap()
                .contains(&Channel::Email)
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM consent_event WHERE method = 'policy-change'"
            )
            .await,
            2
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn w02_j43_k45_a_longer_deadline_is_emailed_to_everyone_and_asks_nobody_again() {
    for name in ["westmontera", "jtec", "kexara"] {
        let old = pack(name);
        let new = next_of(&old, "2026-12-02", |p| {
            let access = p
                .rights
                .iter_mut()
                .find(|r| r.kind == pledge_policy::model::RightKind::Access)
                .unwrap();
            access.deadline = Some("45 days".parse().unwrap());
        });
        let editorial = next_of(&new, "2026-12-03", |p| {
            p.organisation.name = "Renamed".into();
        });
        on_both(async |store, _, _| {
            let people = create_people(&store, &["Di", "Ed"]).await;
            publish(&store, &old, now()).await;
            let later = now() + time::Duration::days(1);
            publish(&store, &new, later).await;
            let told = store
                .announce_policy_change(old.policy(), &new, later)
                .await
                .unwrap();
            assert_eq!(
                (told.people_told, told.people_asked_again),
                (2, 0),
                "{name}"
            );
            for person in &people {
                let notice = store.policy_notice(*person).await.unwrap().unwrap();
                assert!(notice.asked_again.is_empty());
                assert_eq!(messages(&store, *person).await, 1, "{name}: by email");
            }
            // Wording only: recorded, and told to nobody — except under JTEC, which promises
            // an email for any change (J43).
            publish(&store, &editorial, later).await;
            let wording = store
                .announce_policy_change(new.policy(), &editorial, later)
                .await
                .unwrap();
            let every_change = name == "jtec";
            assert_eq!(
                wording.people_told,
                if every_change { 2 } else { 0 },
                "{name}"
            );
            assert_eq!(
                messages(&store, people[0]).await,
                if every_change { 2 } else { 1 },
                "{name}"
            );
        })
        .await;
    }
}

//! Marketing consent per channel through the store: recorded with its proof, decided by the
//! consent gate (withdrawal at once, a restriction, JTEC's written evidence), and a campaign
//! queued only for the people the gate allows; the unsubscribe token is the person's own.

use pledge_policy::model::Channel;
use pledge_store::StoreError;
use pledge_store::marketing::{
    Campaign, ChoiceMade, MARKETING_MESSAGE, MarketingChoice, marketing_purpose,
};

use crate::support::{create_people, kexara, now, on_both};

fn choice(given: bool, made: ChoiceMade) -> MarketingChoice {
    MarketingChoice {
        channel: Channel::Email,
        given,
        made,
        text_shown: "Send me news by email.".into(),
        ip: None,
        user_agent: Some("test".into()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn k23_w30_a_withdrawal_takes_effect_at_once_and_only_the_willing_are_sent_marketing() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let service = store.audit().service("privacy-centre");
        let [ana, bo, cy] = create_people(&store, &["Ana", "Bo", "Cy"]).await[..] else {
            unreachable!()
        };
        for who in [ana, bo, cy] {
            store
                .record_marketing_choice(
                    &policy,
                    who,
                    &choice(true, ChoiceMade::Preferences),
                    now(),
                )
                .await
                .unwrap();
        }
        assert!(
            store
                .marketing_allowed(&policy, ana, now())
                .await
                .unwrap()
                .contains(&Channel::Email)
        );
        let later = now() + time::Duration::minutes(1);
        store
            .record_marketing_choice(
                &policy,
                bo,
                &choice(false, ChoiceMade::UnsubscribeLink),
                later,
            )
            .await
            .unwrap();
        store
            .restrict_processing(
                cy,
                &policy_purposes(&policy),
                "disputes its use",
                &policy,
                service,
                later,
            )
            .await
            .unwrap();
        let audience = store
            .marketing_audience(&policy, Channel::Email, later)
            .await
            .unwrap();
        assert_eq!(
            audience,
            [ana],
            "Bo withdrew, Cy's processing is restricted"
        );

        let campaign = Campaign {
            channel: Channel::Email,
            subject: "Autumn courses",
            body: "Ten new courses.",
        };
        let queued = store
            .queue_campaign(&policy, &campaign, service, later)
            .await
            .unwrap();
        assert_eq!(queued, 1);
        let pending = store.pending_messages(ana).await.unwrap();
        let marketing: Vec<_> = pending
            .iter()
            .filter(|(kind, _, _)| kind == MARKETING_MESSAGE)
            .collect();
        assert_eq!(marketing.len(), 1);
        assert_eq!(marketing[0].2["subject"], "Autumn courses");
        assert!(
            store
                .pending_messages(bo)
                .await
                .unwrap()
                .iter()
                .all(|(kind, _, _)| kind != MARKETING_MESSAGE)
        );
        let blank = Campaign {
            subject: " ",
            ..campaign
        };
        assert!(matches!(
            store.queue_campaign(&policy, &blank, service, later).await,
            Err(StoreError::Invalid(_))
        ));
        let by_post = Campaign {
            channel: Channel::Post,
            ..campaign
        };
        assert!(matches!(
            store
                .queue_campaign(&policy, &by_post, service, later)
                .await,
            Err(StoreError::Invalid(_))
        ));

        let history = store.consent_history(&policy, bo, later).await.unwrap();
        assert_eq!(
            history
                .first()
                .map(|c| (c.purpose.as_str(), c.given, c.method.as_str())),
            Some((
                marketing_purpose(Channel::Email).as_str(),
                false,
                "unsubscribe-link"
            ))
        );

        let token = store.unsubscribe_token(ana, Channel::Email);
        assert!(store.unsubscribe_token_is_valid(ana, Channel::Email, &token));
        assert!(
            !store.unsubscribe_token_is_valid(bo, Channel::Email, &token),
            "another person's"
        );
        assert!(
            !store.unsubscribe_token_is_valid(ana, Channel::Sms, &token),
            "another channel's"
        );
        assert!(!store.unsubscribe_token_is_valid(ana, Channel::Email, &token[1..]));
    })
    .await;
}

/// The restriction test above restricts every purpose of the policy.
fn policy_purposes(policy: &pledge_policy::ValidPolicy) -> Vec<pledge_domain::PurposeId> {
    policy
        .policy()
        .purposes
        .iter()
        .map(|p| p.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn j17_jtec_takes_marketing_consent_only_on_a_signed_form_and_a_channel_it_offers() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    let policy = kexara();
    on_both(async |store, _, _| {
        let [ana] = create_people(&store, &["Ana"]).await[..] else {
            unreachable!()
        };
        let online = store
            .record_marketing_choice(&jtec, ana, &choice(true, ChoiceMade::Preferences), now())
            .await;
        assert!(
            matches!(online, Err(StoreError::Invalid(m)) if m.contains("in writing")),
            "{online:?}"
        );
        let unreferenced = store
            .record_marketing_choice(
                &jtec,
                ana,
                &choice(true, ChoiceMade::WrittenForm(" ".into())),
                now(),
            )
            .await;
        assert!(
            matches!(unreferenced, Err(StoreError::Invalid(_))),
            "{unreferenced:?}"
        );
        store
            .record_marketing_choice(
                &jtec,
                ana,
                &choice(true, ChoiceMade::WrittenForm("form 2026-117".into())),
                now(),
            )
            .await
            .unwrap();
        assert!(
            store
                .marketing_allowed(&jtec, ana, now())
                .await
                .unwrap()
                .contains(&Channel::Email)
        );
        let sms = MarketingChoice {
            channel: Channel::Sms,
            ..choice(true, ChoiceMade::Preferences)
        };
        let not_offered = store
            .record_marketing_choice(&policy, ana, &sms, now())
            .await;
        assert!(
            matches!(not_offered, Err(StoreError::Invalid(_))),
            "kexara markets by email only"
        );
    })
    .await;
}

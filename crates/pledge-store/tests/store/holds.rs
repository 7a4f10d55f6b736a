//! Legal holds beat erasure until released or expired, on both backends.

use pledge_domain::PurposeId;
use pledge_store::{NewPerson, StoreError};
use time::Duration;

use crate::support::{now, on_both};

fn someone() -> NewPerson {
    NewPerson {
        display_name: "Kai".into(),
        email: "kai@example.org".into(),
        date_of_birth: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_legal_hold_beats_erasure_until_it_is_released() {
    on_both(async |store, _, _| {
        let officer = store.audit().service("privacy-officer");
        let id = store.create_person(&someone(), officer, now()).await.unwrap();
        let hold = store.place_hold(id, "Litigation 2026-17", "legal@example.org", None, officer, now()).await.unwrap();
        let refused = store.erase_person(id, &crate::support::kexara(), officer, now()).await;
        assert!(matches!(&refused, Err(StoreError::Held { reason, .. }) if reason == "Litigation 2026-17"), "{refused:?}");
        assert!(store.keys().get(id).await.unwrap().is_some(), "nothing was shredded");
        let purpose = PurposeId::new("legal-claims").unwrap();
        assert!(store.read_person(id, officer, purpose, now()).await.is_ok());
        store.release_hold(hold, officer, now()).await.unwrap();
        store.release_hold(hold, officer, now()).await.expect("releasing twice is fine");
        store.erase_person(id, &crate::support::kexara(), officer, now()).await.expect("erased once released");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn holds_need_a_reason_an_owner_and_a_future_expiry_and_lapse_on_their_own() {
    on_both(async |store, _, _| {
        let officer = store.audit().service("privacy-officer");
        let id = store
            .create_person(&someone(), officer, now())
            .await
            .unwrap();
        let blank = store
            .place_hold(id, " ", "legal@example.org", None, officer, now())
            .await;
        assert!(matches!(blank, Err(StoreError::Invalid(_))), "{blank:?}");
        let past = store
            .place_hold(
                id,
                "Audit",
                "legal",
                Some(now() - Duration::days(1)),
                officer,
                now(),
            )
            .await;
        assert!(matches!(past, Err(StoreError::Invalid(_))), "{past:?}");
        store
            .place_hold(
                id,
                "Audit",
                "legal",
                Some(now() + Duration::days(30)),
                officer,
                now(),
            )
            .await
            .unwrap();
        assert_eq!(store.active_holds(id, now()).await.unwrap().len(), 1);
        let later = now() + Duration::days(31);
        assert!(store.active_holds(id, later).await.unwrap().is_empty());
        store
            .erase_person(id, &crate::support::kexara(), officer, later)
            .await
            .expect("an expired hold no longer blocks");
    })
    .await;
}

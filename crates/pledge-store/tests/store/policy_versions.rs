//! Published policy versions on both backends: published once, read back whole, listed newest
//! first; other text under a published label is refused and changes nothing.

use pledge_store::StoreError;

use crate::support::{now, on_both};

#[tokio::test(flavor = "multi_thread")]
async fn w03_k01_a_version_is_published_once_and_other_text_under_its_label_is_refused() {
    on_both(async |store, _, _| {
        let first = store
            .publish_policy("kexara", "2025-03-15", "format = 1\n", now())
            .await
            .unwrap();
        let again = store
            .publish_policy("kexara", "2025-03-15", "format = 1\n", now())
            .await
            .unwrap();
        assert_eq!(
            first, again,
            "publishing the same text again changes nothing"
        );
        let changed = store
            .publish_policy("kexara", "2025-03-15", "format = 1\n# edited\n", now())
            .await;
        assert!(
            matches!(changed, Err(StoreError::Invalid(_))),
            "{changed:?}"
        );
        let later = now() + time::Duration::days(1);
        store
            .publish_policy("kexara", "2026-12-01", "format = 1\n# next\n", later)
            .await
            .unwrap();
        store
            .publish_policy("jtec", "2026-01-01", "format = 1\n", later)
            .await
            .unwrap();
        let versions: Vec<String> = store
            .policy_versions("kexara")
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(
            versions,
            ["2026-12-01", "2025-03-15"],
            "newest first, this pack only"
        );
        assert_eq!(
            store
                .policy_document("kexara", "2025-03-15")
                .await
                .unwrap()
                .as_deref(),
            Some("format = 1\n"),
            "the first text stays"
        );
        assert_eq!(store.policy_document("kexara", "1999").await.unwrap(), None);
    })
    .await;
}

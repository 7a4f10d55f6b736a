//! The breach register: the people an incident affected, from the declared data or from the
//! audit read log; the notices queued once per person; the report recorded once.

use pledge_domain::{CategoryId, PurposeId};
use pledge_store::breaches::{BREACH_NOTICE, Exposure, NewBreach};
use time::Duration;

use crate::support::{create_people, kexara, now, on_both};

fn incident(exposure: Exposure) -> NewBreach<'static> {
    NewBreach {
        title: "A report was emailed to the wrong address",
        what_happened: "A staff member sent a list of learners to a wrong address.",
        steps_taken: "The recipient deleted it; we now check addresses twice.",
        categories: vec![CategoryId::new("contact-details").unwrap()],
        occurred_at: Some(now() - Duration::hours(3)),
        discovered_at: now() - Duration::hours(1),
        exposure,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn k31_a_breach_finds_whom_it_affected_tells_each_once_and_starts_its_72_hour_clocks() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let service = store.audit().service("privacy-office");
        let [ana, bo, gone] = create_people(&store, &["Ana", "Bo", "Cy"]).await[..] else {
            unreachable!()
        };
        store
            .erase_person(gone, &policy, service, now())
            .await
            .unwrap();
        let [officer] = create_people(&store, &["Officer"]).await[..] else {
            unreachable!()
        };
        let actor = store.audit().actor(officer);

        let all = store
            .record_breach(&policy, &incident(Exposure::Holdings), actor, now())
            .await
            .unwrap();
        let breach = store.breach(all).await.unwrap();
        assert_eq!(
            (breach.affected, breach.told),
            (3, 0),
            "Ana, Bo and the officer; not the erased"
        );
        assert_eq!(
            breach.authority_due(&policy),
            Some(now() - Duration::hours(1) + Duration::hours(72))
        );

        // Reads by the officer inside the window expose only the people read.
        let purpose = PurposeId::new("account").unwrap();
        store
            .read_person(ana, actor, purpose.clone(), now() - Duration::hours(2))
            .await
            .unwrap();
        store.read_person(bo, actor, purpose, now()).await.unwrap();
        let window = Exposure::ReadsBetween {
            from: now() - Duration::hours(3),
            until: now() - Duration::hours(1),
            actor: Some(officer),
        };
        let read = store
            .record_breach(&policy, &incident(window), actor, now())
            .await
            .unwrap();
        assert_eq!(
            store.breach(read).await.unwrap().affected,
            1,
            "only Ana was read in the window"
        );

        let queued = store
            .notify_breach_people(&policy, all, "Incident", "What happened…", actor, now())
            .await
            .unwrap();
        assert_eq!(queued, 3);
        assert_eq!(store.breach(all).await.unwrap().told, 3);
        // The register counts every breach's people in one grouped query: the same figures.
        let register: Vec<_> = store
            .breaches()
            .await
            .unwrap()
            .iter()
            .map(|b| (b.id, b.affected, b.told))
            .collect();
        assert!(
            register.contains(&(all, 3, 3)) && register.contains(&(read, 1, 0)),
            "{register:?}"
        );
        let again = store
            .notify_breach_people(&policy, all, "Incident", "What happened…", actor, now())
            .await
            .unwrap();
        assert_eq!(again, 0, "nobody is told twice");
        let notices: Vec<_> = store
            .pending_messages(ana)
            .await
            .unwrap()
            .into_iter()
            .filter(|(k, _, _)| k == BREACH_NOTICE)
            .collect();
        assert_eq!(notices.len(), 1);

        store.mark_breach_reported(all, actor, now()).await.unwrap();
        let first = store.breach(all).await.unwrap().regulator_notified_at;
        store
            .mark_breach_reported(all, actor, now() + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(
            store.breach(all).await.unwrap().regulator_notified_at,
            first,
            "recorded once"
        );

        for (bad, why) in [
            (
                NewBreach {
                    categories: vec![],
                    ..incident(Exposure::Holdings)
                },
                "no category",
            ),
            (
                NewBreach {
                    steps_taken: " ",
                    ..incident(Exposure::Holdings)
                },
                "no steps",
            ),
            (
                NewBreach {
                    discovered_at: now() + Duration::hours(1),
                    ..incident(Exposure::Holdings)
                },
                "future",
            ),
            (
                NewBreach {
                    categories: vec![CategoryId::new("unicorns").unwrap()],
                    ..incident(Exposure::Holdings)
                },
                "unknown",
            ),
        ] {
            let refused = store.record_breach(&policy, &bad, actor, now()).await;
            assert!(
                matches!(refused, Err(pledge_store::StoreError::Invalid(_))),
                "{why}: {refused:?}"
            );
        }
        assert_eq!(
            store.breaches().await.unwrap().len(),
            2,
            "nothing recorded by the refusals"
        );
    })
    .await;
}

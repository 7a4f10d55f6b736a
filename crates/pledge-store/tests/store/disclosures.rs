//! Disclosures to partners, checked against each pack's partner registry, on both backends.

use pledge_domain::{CategoryId, PartnerId, PurposeId};
use pledge_store::disclosures::NewDisclosure;
use pledge_store::{NewPerson, StoreError};

use crate::support::{now, on_both};

fn cat(id: &str) -> CategoryId {
    CategoryId::new(id).unwrap()
}

fn someone() -> NewPerson {
    NewPerson {
        display_name: "Noor".into(),
        email: "noor@example.org".into(),
        date_of_birth: None,
    }
}

/// J07, J40, K19: data goes only to declared partners, for the purposes they serve, and only
/// the categories they receive; each disclosure records what was sent and is audited.
#[tokio::test(flavor = "multi_thread")]
async fn j07_j40_k19_disclosures_follow_the_partner_registry() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let office = store.audit().service("exams-office");
        let id = store
            .create_person(&someone(), office, now())
            .await
            .unwrap();
        let funders = PartnerId::new("funders").unwrap();
        let sharing = PurposeId::new("results-sharing").unwrap();
        store
            .record_disclosure(
                NewDisclosure {
                    person: id,
                    partner: &funders,
                    purpose: &sharing,
                    categories: &[cat("exam-results"), cat("contact-details")],
                },
                &jtec,
                office,
                now(),
            )
            .await
            .expect("results to the funder are allowed (J40)");
        let refusals = [
            (
                PartnerId::new("acme").unwrap(),
                sharing.clone(),
                vec![cat("exam-results")],
            ),
            (funders.clone(), sharing.clone(), vec![cat("support-needs")]),
            (
                funders.clone(),
                PurposeId::new("marketing").unwrap(),
                vec![cat("contact-details")],
            ),
            (funders.clone(), sharing.clone(), vec![]),
        ];
        for (partner, purpose, categories) in refusals {
            let refused = store
                .record_disclosure(
                    NewDisclosure {
                        person: id,
                        partner: &partner,
                        purpose: &purpose,
                        categories: &categories,
                    },
                    &jtec,
                    office,
                    now(),
                )
                .await;
            assert!(
                matches!(refused, Err(StoreError::DisclosureRefused(_))),
                "{partner} {purpose} {categories:?}: {refused:?}"
            );
        }
        let recorded = store.disclosures_for(id).await.unwrap();
        assert_eq!(recorded.len(), 1, "refusals record nothing");
        assert_eq!(
            recorded[0].categories,
            [cat("contact-details"), cat("exam-results")]
        );
        assert!(
            recorded[0].basis.contains("contract"),
            "{}",
            recorded[0].basis
        );
        let verified = store
            .audit()
            .verify(store.connection())
            .await
            .unwrap()
            .expect("intact");
        assert_eq!(verified.size(), 2, "the person and the one disclosure");
    })
    .await;
}

/// K21: the recipients of a category are known, so a correction can be sent to them.
#[tokio::test(flavor = "multi_thread")]
async fn k21_the_recipients_of_corrected_data_are_known() {
    let kexara = pledge_policy::packs::load_pack("kexara").unwrap();
    on_both(async |store, _, _| {
        let desk = store.audit().service("tour-desk");
        let id = store.create_person(&someone(), desk, now()).await.unwrap();
        let tours = PartnerId::new("tour-operator").unwrap();
        let payments = PartnerId::new("payment-processor").unwrap();
        let delivery = PurposeId::new("service-delivery").unwrap();
        let paying = PurposeId::new("payment-processing").unwrap();
        store
            .record_disclosure(
                NewDisclosure {
                    person: id,
                    partner: &tours,
                    purpose: &delivery,
                    categories: &[cat("contact-details"), cat("travel-preferences")],
                },
                &kexara,
                desk,
                now(),
            )
            .await
            .unwrap();
        store
            .record_disclosure(
                NewDisclosure {
                    person: id,
                    partner: &payments,
                    purpose: &paying,
                    categories: &[cat("contact-details"), cat("billing")],
                },
                &kexara,
                desk,
                now(),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .recipients_of(id, &cat("contact-details"))
                .await
                .unwrap(),
            [payments.clone(), tours.clone()]
        );
        assert_eq!(
            store
                .recipients_of(id, &cat("travel-preferences"))
                .await
                .unwrap(),
            [tours]
        );
        assert!(
            store
                .recipients_of(id, &cat("career-profile"))
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

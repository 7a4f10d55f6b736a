//! Request workflows on both backends: guardians acting for minors, identity checks the policy
//! accepts, refusal with a reason told to the person, corrections passed on to recipients
//! (K21), and restriction enforced by the processing gate.

use pledge_consent::{DenyReason, Gate, Ledger, SubjectFacts, Verdict};
use pledge_domain::{CategoryId, PartnerId, PersonId, PurposeId};
use pledge_policy::model::{IdentityCheck, RightKind};
use pledge_store::disclosures::NewDisclosure;
use pledge_store::requests::{NewRequest, RequestStatus, Requester};
use pledge_store::workflow::Correction;
use pledge_store::{NewPerson, Store, StoreError};
use time::macros::date;

use crate::support::{kexara, now, on_both};

fn person(name: &str, born: Option<time::Date>) -> NewPerson {
    NewPerson {
        display_name: name.into(),
        email: format!("{name}@example.org"),
        date_of_birth: born,
    }
}

async fn kinds(store: &Store, person: PersonId) -> Vec<String> {
    store
        .pending_messages(person)
        .await
        .unwrap()
        .into_iter()
        .map(|(kind, _, _)| kind)
        .collect()
}

/// K44: a confirmed guardian makes requests for a 15-year-old, verified as a guardian; an
/// unconfirmed one, a stranger, a right guardians are not given, or an adult's account are all
/// refused.
#[tokio::test(flavor = "multi_thread")]
async fn k44_a_confirmed_guardian_acts_for_a_minor_and_no_one_else_does() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let office = store.audit().service("privacy-office");
        let minor = store
            .create_person(&person("sam", Some(date!(2011 - 05 - 01))), office, now())
            .await
            .unwrap();
        let adult = store
            .create_person(&person("ada", Some(date!(1980 - 05 - 01))), office, now())
            .await
            .unwrap();
        let parent = store
            .create_person(&person("pat", None), office, now())
            .await
            .unwrap();
        let stranger = store
            .create_person(&person("sly", None), office, now())
            .await
            .unwrap();
        store
            .link_guardian(minor, parent, &policy, Some(now()), office, now())
            .await
            .unwrap();
        store
            .link_guardian(adult, parent, &policy, Some(now()), office, now())
            .await
            .unwrap();
        let ask = |requester, details| NewRequest {
            requester,
            details,
            received: now(),
        };
        let request = store
            .open_request_as(
                minor,
                RightKind::Access,
                &policy,
                ask(Requester::Guardian(parent), Some("Everything about Sam")),
                office,
            )
            .await
            .expect("a confirmed guardian may ask");
        let wrong_method = store
            .verify_identity(
                request.id,
                IdentityCheck::SignedIn,
                &policy,
                None,
                office,
                now(),
            )
            .await;
        assert!(
            matches!(wrong_method, Err(StoreError::Invalid(_))),
            "{wrong_method:?}"
        );
        store
            .verify_identity(
                request.id,
                IdentityCheck::VerifiedGuardian,
                &policy,
                None,
                office,
                now(),
            )
            .await
            .unwrap();
        store
            .complete_request(request.id, office, now())
            .await
            .unwrap();

        for (subject, requester, kind) in [
            (minor, Requester::Guardian(stranger), RightKind::Access),
            (adult, Requester::Guardian(parent), RightKind::Access),
            (minor, Requester::Guardian(parent), RightKind::Portability),
        ] {
            let refused = store
                .open_request_as(subject, kind, &policy, ask(requester, None), office)
                .await;
            assert!(
                matches!(
                    refused,
                    Err(StoreError::NotAllowedToAct(_) | StoreError::RightNotOffered(_))
                ),
                "{refused:?}"
            );
        }
        let details = store.export_bundle(minor, office, now()).await.unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(details)).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("subject_request.json").unwrap(), &mut text)
            .unwrap();
        assert!(
            text.contains("Everything about Sam"),
            "the request's details are the person's data"
        );
    })
    .await;
}

/// A refusal needs a reason, closes the request, tells the person, and cannot be completed
/// afterwards; a policy's unaccepted identity method is refused.
#[tokio::test(flavor = "multi_thread")]
async fn refusals_carry_a_reason_to_the_person() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let office = store.audit().service("privacy-office");
        let who = store
            .create_person(&person("lee", None), office, now())
            .await
            .unwrap();
        let request = store
            .open_request(who, RightKind::Erasure, &jtec, now(), office)
            .await
            .unwrap();
        let guardian_method = store
            .verify_identity(
                request.id,
                IdentityCheck::VerifiedGuardian,
                &jtec,
                None,
                office,
                now(),
            )
            .await;
        assert!(
            matches!(guardian_method, Err(StoreError::Invalid(_))),
            "JTEC does not accept it"
        );
        assert!(matches!(
            store.refuse_request(request.id, "   ", office, now()).await,
            Err(StoreError::Invalid(_))
        ));
        let refused = store
            .refuse_request(
                request.id,
                "Exam records are kept for the awarding body",
                office,
                now(),
            )
            .await
            .unwrap();
        assert_eq!(refused.status, RequestStatus::Refused);
        assert!(matches!(
            store.complete_request(request.id, office, now()).await,
            Err(StoreError::RequestClosed(_))
        ));
        assert_eq!(kinds(&store, who).await, ["request-refused"]);
    })
    .await;
}

/// K21: a corrected email reaches every partner that received contact details, through the
/// partner's own channel, and the correction is audited.
#[tokio::test(flavor = "multi_thread")]
async fn k21_corrections_are_passed_to_every_recipient_of_the_data() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let office = store.audit().service("privacy-office");
        let who = store
            .create_person(&person("kim", None), office, now())
            .await
            .unwrap();
        for (partner, purpose) in [("peoplecert", "exam-delivery"), ("ilx", "course-delivery")] {
            store
                .record_disclosure(
                    NewDisclosure {
                        person: who,
                        partner: &PartnerId::new(partner).unwrap(),
                        purpose: &PurposeId::new(purpose).unwrap(),
                        categories: &[CategoryId::new("contact-details").unwrap()],
                    },
                    &jtec,
                    office,
                    now(),
                )
                .await
                .unwrap();
        }
        let told = store
            .correct_person(
                who,
                Correction::Email,
                "kim@new.example.org",
                &jtec,
                office,
                now(),
            )
            .await
            .unwrap();
        assert_eq!(told, ["ilx", "peoplecert"]);
        let purpose = PurposeId::new("course-delivery").unwrap();
        let read = store
            .read_person(who, office, purpose, now())
            .await
            .unwrap();
        assert_eq!(read.email, "kim@new.example.org");
        let claimed = store
            .claim_messages("mailer", 10, time::Duration::minutes(1), now())
            .await
            .unwrap();
        let peoplecert = claimed
            .iter()
            .find(|m| m.recipient == "peoplecert")
            .expect("peoplecert is told");
        assert_eq!(peoplecert.kind, "correction-notice");
        assert_eq!(
            peoplecert.address.as_deref(),
            Some("dataprotection@peoplecert.org")
        );
        assert!(matches!(
            store
                .correct_person(who, Correction::DisplayName, " ", &jtec, office, now())
                .await,
            Err(StoreError::Invalid(_))
        ));
    })
    .await;
}

/// J38 (restriction): while a restriction is in force the processing gate refuses processing
/// that needs more than storage; lifting it lets processing resume.
#[tokio::test(flavor = "multi_thread")]
async fn j38_a_restriction_stops_processing_at_the_gate_until_lifted() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let office = store.audit().service("privacy-office");
        let who = store
            .create_person(&person("ren", None), office, now())
            .await
            .unwrap();
        let gate = Gate::new(&jtec);
        let ledger = Ledger::new();
        let delivery = gate
            .purpose(&PurposeId::new("course-delivery").unwrap())
            .unwrap();
        let facts = async |store: &Store| SubjectFacts {
            person: who,
            birth_date: None,
            restricted: store
                .is_restricted_for(who, "course-delivery")
                .await
                .unwrap(),
        };
        assert!(matches!(
            gate.may_process_indexed(&ledger, &facts(&store).await, delivery, now()),
            Verdict::Allowed(_)
        ));
        let restriction = store
            .restrict_processing(
                who,
                &[PurposeId::new("course-delivery").unwrap()],
                "I dispute my recorded results",
                &jtec,
                office,
                now(),
            )
            .await
            .unwrap();
        assert_eq!(
            gate.may_process_indexed(&ledger, &facts(&store).await, delivery, now()),
            Verdict::Denied(DenyReason::Restricted)
        );
        assert!(
            !store.is_restricted_for(who, "marketing").await.unwrap(),
            "a restriction covers the purposes it names, not the rest"
        );
        store
            .lift_restriction(restriction, who, office, now())
            .await
            .unwrap();
        store
            .lift_restriction(restriction, who, office, now())
            .await
            .unwrap();
        assert!(matches!(
            gate.may_process_indexed(&ledger, &facts(&store).await, delivery, now()),
            Verdict::Allowed(_)
        ));
    })
    .await;
}

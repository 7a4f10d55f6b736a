//! Personal records in every module: sealed on write, in the access export, erased the way each
//! table declares (deleted, anonymised, pseudonymised for statutory retention, or kept), with
//! the exceptions told to the person and the erasure forwarded to partners — on both backends.

use std::io::{Cursor, Read as _};

use pledge_domain::{CategoryId, PartnerId, PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use pledge_store::disclosures::NewDisclosure;
use pledge_store::{Field, NewPerson, Store, StoreError};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

use crate::support::{count, kexara, now, on_both};

fn noor() -> NewPerson {
    NewPerson {
        display_name: "Noor Haddad".into(),
        email: "noor@example.org".into(),
        date_of_birth: None,
    }
}

type Attempt<'a> = (&'a ValidPolicy, &'a str, Vec<(&'static str, Field)>);

fn sealed(text: &str) -> Field {
    Field::Sealed(text.to_owned())
}

/// Gives `person` records in most modules; returns the payment's id.
async fn populate(store: &Store, policy: &ValidPolicy, person: PersonId) -> Uuid {
    let actor = store.audit().service("portal");
    let at = now();
    let course = Uuid::now_v7();
    let write = async |table: &str, fields: Vec<(&'static str, Field)>| {
        store
            .insert_record(policy, table, person, fields, actor, at)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"))
    };
    let enrolment = write(
        "enrolment",
        vec![
            ("course_id", Field::plain(course)),
            ("status", Field::plain("active")),
            ("enrolled_at", Field::plain(at)),
        ],
    )
    .await;
    write(
        "lesson_progress",
        vec![
            ("enrolment_id", Field::plain(enrolment)),
            ("lesson_id", Field::plain(Uuid::now_v7())),
            ("position", Field::plain(3_i32)),
            ("updated_at", Field::plain(at)),
        ],
    )
    .await;
    write(
        "comment",
        vec![
            ("course_id", Field::plain(course)),
            ("body", sealed("Loved module 3 =1+1")),
            ("ip_address", sealed("203.0.113.7")),
            ("user_agent", sealed("Firefox/140")),
            ("status", Field::plain("approved")),
            ("posted_at", Field::plain(at)),
        ],
    )
    .await;
    let ticket = write(
        "ticket",
        vec![
            ("subject", sealed("Invoice address wrong")),
            ("status", Field::plain("open")),
            ("opened_at", Field::plain(at)),
        ],
    )
    .await;
    write(
        "ticket_message",
        vec![
            ("ticket_id", Field::plain(ticket)),
            ("author_role", Field::plain("requester")),
            ("body", sealed("Please use 1 Quay Street")),
            ("sent_at", Field::plain(at)),
        ],
    )
    .await;
    write(
        "accessibility_need",
        vec![
            ("needs", sealed("step-free access")),
            ("recorded_at", Field::plain(at)),
        ],
    )
    .await;
    write(
        "payment",
        vec![
            ("item_kind", Field::plain("enrolment")),
            ("item_id", Field::plain(enrolment)),
            ("processor", Field::plain("sandbox")),
            (
                "processor_ref",
                Field::plain(format!("pi_{}", Uuid::now_v7().simple())),
            ),
            ("amount_cents", Field::plain(4900_i64)),
            ("currency", Field::plain("CAD")),
            ("status", Field::plain("paid")),
            ("billing_name", sealed("Noor Haddad")),
            ("created_at", Field::plain(at)),
            ("paid_at", Field::plain(at)),
        ],
    )
    .await
}

fn unzip(bytes: Vec<u8>, name: &str) -> serde_json::Value {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// J11, K05, W12, W41, K24 (storage): records in every module are sealed under the person's key (no plaintext in
/// the rows, the comment's IP address and user agent included), and the access export opens
/// them all.
#[tokio::test(flavor = "multi_thread")]
async fn j11_k05_w12_w41_k24_records_are_sealed_at_rest_and_all_in_the_export() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let actor = store.audit().service("portal");
        let id = store.create_person(&noor(), actor, now()).await.unwrap();
        populate(&store, &policy, id).await;
        let backend = store.connection().get_database_backend();
        for (table, column, plain) in [
            ("comment", "ip_address", "203.0.113.7"),
            ("comment", "body", "Loved module 3"),
            ("accessibility_need", "needs", "step-free"),
            ("payment", "billing_name", "Noor"),
        ] {
            let sql = format!("SELECT {column} FROM {table}");
            let rows = store
                .connection()
                .query_all_raw(Statement::from_string(backend, sql))
                .await
                .unwrap();
            for row in rows {
                let bytes: Vec<u8> = row.try_get_by_index(0).unwrap();
                assert!(
                    !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
                    "{table}.{column} holds plaintext"
                );
            }
        }
        let zip = store.export_bundle(id, actor, now()).await.unwrap();
        let comments = unzip(zip.clone(), "comment.json");
        assert_eq!(comments[0]["ip_address"], "203.0.113.7");
        assert_eq!(comments[0]["user_agent"], "Firefox/140");
        assert_eq!(
            unzip(zip.clone(), "accessibility_need.json")[0]["needs"],
            "step-free access"
        );
        assert_eq!(
            unzip(zip.clone(), "ticket_message.json")[0]["body"],
            "Please use 1 Quay Street"
        );
        let payment = &unzip(zip.clone(), "payment.json")[0];
        assert_eq!(payment["amount_cents"], 4900);
        assert_eq!(payment["billing_name"], "Noor Haddad");
        let progress = &unzip(zip.clone(), "lesson_progress.json")[0];
        assert_eq!(progress["position"], 3);
        let account = unzip(zip, "manifest.json");
        let names: Vec<&str> = account["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        for table in pledge_store::declared::owned_tables() {
            assert!(
                names.contains(&format!("{}.json", table.table).as_str()),
                "{}",
                table.table
            );
        }
    })
    .await;
}

/// The store refuses what the declarations do not allow: a personal value in the clear, a
/// plain value in a sealed column, an unknown column or table, and any module the policy does
/// not switch on (JTEC declares no payment data, so the payment module is off under it).
#[tokio::test(flavor = "multi_thread")]
async fn writes_outside_the_declarations_are_refused_and_leave_nothing() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    let kexara = kexara();
    on_both(async |store, _, _| {
        let actor = store.audit().service("portal");
        let id = store.create_person(&noor(), actor, now()).await.unwrap();
        let before = store
            .audit()
            .records(store.connection())
            .await
            .unwrap()
            .len();
        let attempts: Vec<Attempt<'_>> = vec![
            (
                &kexara,
                "comment",
                vec![("body", Field::plain("in the clear"))],
            ),
            (&kexara, "comment", vec![("status", sealed("approved"))]),
            (
                &kexara,
                "comment",
                vec![("shoe_size", Field::plain(42_i32))],
            ),
            (&kexara, "tour", vec![("title", Field::plain("Rockies"))]),
            (&kexara, "person", vec![]),
            (&jtec, "payment", vec![("status", Field::plain("paid"))]),
        ];
        for (policy, table, fields) in attempts {
            let refused = store
                .insert_record(policy, table, id, fields, actor, now())
                .await;
            assert!(
                matches!(
                    refused,
                    Err(StoreError::InvalidField { .. }
                        | StoreError::UnknownTable(_)
                        | StoreError::ModuleDisabled("payments"))
                ),
                "{table}: {refused:?}"
            );
        }
        assert_eq!(count(&store, "SELECT COUNT(*) FROM comment").await, 0);
        let after = store
            .audit()
            .records(store.connection())
            .await
            .unwrap()
            .len();
        assert_eq!(before, after, "nothing audited for refused writes");
    })
    .await;
}

/// K35, W51, J36, J37: erasure deletes what it can, keeps payment records for the statutory
/// period pseudonymised (the policy's own reason is given), tells the person every exception
/// and what stops working, and leaves nothing readable.
#[tokio::test(flavor = "multi_thread")]
async fn k35_w51_j36_j37_erasure_keeps_payments_pseudonymised_and_lists_the_exceptions() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let actor = store.audit().service("privacy-office");
        let id = store.create_person(&noor(), actor, now()).await.unwrap();
        let other = store.create_person(&noor(), actor, now()).await.unwrap();
        let payment = populate(&store, &policy, id).await;
        populate(&store, &policy, other).await;
        let plan = store.erasure_plan(id, &policy).await.unwrap();
        let kept = plan.exceptions.iter().find(|e| e.table == "payment").expect("payments kept");
        assert_eq!(kept.treatment, "pseudonymised");
        assert!(kept.reason.contains("seven years"), "{}", kept.reason);
        assert!(plan.deleted.iter().any(|d| d.table == "comment"));
        assert!(!plan.effects.is_empty());

        let done = store.erase_person(id, &policy, actor, now()).await.unwrap();
        assert_eq!(done.exceptions, plan.exceptions);
        for table in ["enrolment", "lesson_progress", "comment", "ticket", "ticket_message", "accessibility_need"] {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            assert_eq!(count(&store, &sql).await, 1, "{table}: only the other person's row is left");
        }
        let backend = store.connection().get_database_backend();
        let row = store
            .connection()
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DbBackend::Postgres => {
                        "SELECT person_id, subject_pseudonym, billing_name, amount_cents FROM payment WHERE id = $1"
                    }
                    _ => "SELECT person_id, subject_pseudonym, billing_name, amount_cents FROM payment WHERE id = ?",
                },
                [payment.into()],
            ))
            .await
            .unwrap()
            .expect("the payment record is kept");
        assert_eq!(row.try_get_by_index::<Option<Uuid>>(0).unwrap(), None);
        assert_eq!(
            row.try_get_by_index::<Option<String>>(1).unwrap(),
            Some(store.audit().subject(id).to_string())
        );
        assert_eq!(row.try_get_by_index::<Option<Vec<u8>>>(2).unwrap(), None);
        assert_eq!(row.try_get_by_index::<i64>(3).unwrap(), 4900);

        let notices = store.pending_messages(id).await.unwrap();
        let confirmation = notices
            .iter()
            .find(|(kind, _, _)| kind == "erasure-confirmation")
            .expect("the person is told what was kept (J37)");
        assert_eq!(confirmation.2["exceptions"][0]["treatment"], "pseudonymised");
        let again = store.erase_person(id, &policy, actor, now()).await.unwrap();
        assert!(again.exceptions.iter().all(|e| e.table != "comment"));
        assert_eq!(store.pending_messages(id).await.unwrap().len(), notices.len(), "queued once");
    })
    .await;
}

/// J09: an erasure is forwarded to every partner the person's data went to, through the
/// partner's own data-protection channel from the policy (Peoplecert's address).
#[tokio::test(flavor = "multi_thread")]
async fn j09_erasure_is_forwarded_to_the_partners_that_received_the_data() {
    let jtec = pledge_policy::packs::load_pack("jtec").unwrap();
    on_both(async |store, _, _| {
        let office = store.audit().service("exams-office");
        let id = store.create_person(&noor(), office, now()).await.unwrap();
        let peoplecert = PartnerId::new("peoplecert").unwrap();
        store
            .record_disclosure(
                NewDisclosure {
                    person: id,
                    partner: &peoplecert,
                    purpose: &PurposeId::new("exam-delivery").unwrap(),
                    categories: &[CategoryId::new("contact-details").unwrap()],
                },
                &jtec,
                office,
                now(),
            )
            .await
            .unwrap();
        let plan = store.erase_person(id, &jtec, office, now()).await.unwrap();
        assert_eq!(plan.partners, vec!["peoplecert".to_owned()]);
        let claimed = store
            .claim_messages("worker-1", 10, time::Duration::minutes(5), now())
            .await
            .unwrap();
        let forward = claimed
            .iter()
            .find(|m| m.kind == "erasure-forward")
            .expect("forwarding queued");
        assert_eq!(forward.recipient, "peoplecert");
        assert_eq!(
            forward.address.as_deref(),
            Some("dataprotection@peoplecert.org")
        );
        assert_eq!(forward.payload["person_ref"], id.to_string());
        let confirmation = claimed
            .iter()
            .find(|m| m.kind == "erasure-confirmation")
            .expect("the person's notice survives the shredding of their key");
        assert_eq!(confirmation.address.as_deref(), Some("noor@example.org"));
        let second = store
            .claim_messages("worker-2", 10, time::Duration::minutes(5), now())
            .await
            .unwrap();
        assert!(second.is_empty(), "a claimed message is not claimed twice");
        assert!(
            store
                .mark_sent(forward.id, "worker-1", now())
                .await
                .unwrap()
        );
        assert!(
            !store
                .mark_sent(forward.id, "worker-2", now())
                .await
                .unwrap()
        );
    })
    .await;
}

/// A legal hold cannot be placed once an erasure has begun, so a hold and an erasure never
/// pass each other.
#[tokio::test(flavor = "multi_thread")]
async fn no_hold_after_an_erasure_began() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let officer = store.audit().service("privacy-office");
        let id = store.create_person(&noor(), officer, now()).await.unwrap();
        store
            .erase_person(id, &policy, officer, now())
            .await
            .unwrap();
        let refused = store
            .place_hold(id, "Case 9", "legal@example.org", None, officer, now())
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
    })
    .await;
}

//! The privacy office's queue: open requests soonest deadline first with the overdue ones
//! marked, closed ones after; what the person wrote opened only for the one request shown;
//! every requester's read audited as the officer's; erased people listed without a name.

use pledge_audit::Action;
use pledge_policy::model::{IdentityCheck, RightKind};
use pledge_store::requests::{NewRequest, RequestStatus, Requester};
use time::macros::datetime;

use crate::support::{create_people, kexara, now, on_both};

/// How many reads of `person` the audit log holds.
async fn reads_of(store: &pledge_store::Store, person: pledge_domain::PersonId) -> usize {
    store
        .audit()
        .records_about(store.connection(), store.audit().subject(person))
        .await
        .unwrap()
        .iter()
        .filter(|(_, entry)| entry.event.action == Action::Read)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn k30_the_queue_lists_open_requests_by_deadline_and_audits_each_read() {
    let policy = kexara();
    on_both(async |store, _, _| {
        let service = store.audit().service("privacy-centre");
        let [ana, bo, officer] = create_people(&store, &["Ana", "Bo", "Officer"]).await[..] else {
            unreachable!()
        };
        let old = datetime!(2026-10-01 9:00 UTC);
        let late = store
            .open_request(ana, RightKind::Access, &policy, old, service)
            .await
            .unwrap();
        let new = NewRequest {
            requester: Requester::Subject,
            details: Some("My surname is Bø"),
            received: now(),
        };
        let fresh = store
            .open_request_as(bo, RightKind::Rectification, &policy, new, service)
            .await
            .unwrap();
        let answered = store
            .open_request(bo, RightKind::Access, &policy, old, service)
            .await
            .unwrap();
        store
            .verify_identity(
                answered.id,
                IdentityCheck::SignedIn,
                &policy,
                None,
                service,
                old,
            )
            .await
            .unwrap();
        store
            .complete_request(answered.id, service, old)
            .await
            .unwrap();

        let reads_before = reads_of(&store, bo).await;
        let queue = store.request_queue(officer, now()).await.unwrap();
        let ids: Vec<_> = queue.iter().map(|q| q.request.id).collect();
        assert_eq!(
            ids,
            [late.id, fresh.id, answered.id],
            "open by deadline, then closed"
        );
        assert!(
            queue[0].request.is_overdue(now()),
            "30 days from 1 October is past"
        );
        assert!(!queue[1].request.is_overdue(now()));
        assert_eq!(queue[2].request.status, RequestStatus::Completed);
        assert_eq!(queue[1].name.as_deref(), Some("Bo"));
        assert!(
            queue.iter().all(|q| q.details.is_none()),
            "the queue opens no details"
        );
        assert_eq!(
            reads_of(&store, bo).await,
            reads_before + 1,
            "one read per person shown"
        );

        let one = store
            .queued_request(fresh.id, officer, now())
            .await
            .unwrap();
        assert_eq!(one.details.as_deref(), Some("My surname is Bø"));
        assert_eq!(reads_of(&store, bo).await, reads_before + 2);

        store
            .erase_person(ana, &policy, service, now())
            .await
            .unwrap();
        let queue = store.request_queue(officer, now()).await.unwrap();
        let erased = queue.iter().find(|q| q.request.id == late.id).unwrap();
        assert_eq!(
            (erased.name.as_deref(), erased.email.as_deref()),
            (None, None)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hold_register_lists_every_hold_with_its_state() {
    on_both(async |store, _, _| {
        let service = store.audit().service("privacy-office");
        let [ana, officer] = create_people(&store, &["Ana", "Officer"]).await[..] else {
            unreachable!()
        };
        let kept = store
            .place_hold(ana, "Claim 17", "Legal", None, service, now())
            .await
            .unwrap();
        let lapsing = store
            .place_hold(
                ana,
                "Audit",
                "Finance",
                Some(now() + time::Duration::days(1)),
                service,
                now(),
            )
            .await
            .unwrap();
        store.release_hold(kept, service, now()).await.unwrap();
        let register = store.hold_register(officer, now()).await.unwrap();
        assert_eq!(register.len(), 2);
        let find = |id| register.iter().find(|h| h.id == id).unwrap();
        assert!(!find(kept).is_active(now()), "released");
        assert!(find(lapsing).is_active(now()));
        assert!(
            !find(lapsing).is_active(now() + time::Duration::days(2)),
            "expired"
        );
        assert_eq!(find(kept).name.as_deref(), Some("Ana"));
    })
    .await;
}

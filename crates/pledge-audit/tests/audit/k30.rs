//! Promise K30 ("we maintain detailed logs of who accesses what data and when") and erasure:
//! pseudonymous keys leave the log verifiable after a person is erased.

use std::collections::BTreeSet;

use pledge_audit::{
    Action, AuditError, AuditLog, AuditStore, Event, MemoryStore, Outcome, Query, RequestId, verify,
};

use crate::support::{START, category, mac_key, person, pseudonyms, purpose, signer};

/// A read by `actor` of `subject`'s `categories` for `purpose_slug`.
fn read(
    actor: u128,
    subject: u128,
    categories: &[&str],
    purpose_slug: &str,
    outcome: Outcome,
) -> Event {
    let keys = pseudonyms();
    Event {
        actor: keys.actor(person(actor)),
        action: Action::Read,
        subject: Some(keys.subject(person(subject))),
        categories: categories.iter().map(|c| category(c)).collect(),
        purpose: Some(purpose(purpose_slug)),
        request: RequestId::from_bytes([actor as u8; 16]),
        records: Default::default(),
        outcome,
    }
}

#[test]
fn k30_a_read_of_personal_data_is_recorded_and_answers_who_accessed_whose_data_and_when() {
    let (learner, other_learner, tutor, registrar, intruder) = (1, 2, 100, 101, 102);
    let mut log = AuditLog::new(mac_key());
    let mut store = MemoryStore::new();
    let minutes = |m: i64| START + time::Duration::minutes(m);
    let events = [
        (
            read(
                tutor,
                learner,
                &["exam-results"],
                "exam-administration",
                Outcome::Succeeded,
            ),
            0,
        ),
        (
            read(
                tutor,
                other_learner,
                &["exam-results"],
                "exam-administration",
                Outcome::Succeeded,
            ),
            1,
        ),
        (
            read(
                intruder,
                learner,
                &["health-data"],
                "support",
                Outcome::Denied,
            ),
            2,
        ),
        (
            Event {
                action: Action::Update,
                ..read(
                    registrar,
                    learner,
                    &["contact-details"],
                    "course-delivery",
                    Outcome::Succeeded,
                )
            },
            3,
        ),
        (
            Event {
                action: Action::Export,
                ..read(
                    registrar,
                    learner,
                    &["contact-details", "exam-results"],
                    "exam-administration",
                    Outcome::Succeeded,
                )
            },
            4,
        ),
    ];
    for (event, minute) in events {
        let record = log.append(event, minutes(minute)).unwrap();
        store.append(&[record]).unwrap();
    }
    store.add_checkpoint(&log.checkpoint(&signer())).unwrap();

    let verified = verify(
        store.records(),
        &mac_key(),
        &store.checkpoints().unwrap(),
        &signer().verifying_key(),
    )
    .unwrap();
    assert_eq!(verified.size(), 5);

    // "Who accessed the learner's data, and when?"
    let keys = pseudonyms();
    let accesses = Query::accesses_to(keys.subject(person(learner)))
        .run(store.records())
        .unwrap();
    let seen: Vec<_> = accesses
        .iter()
        .map(|hit| {
            let event = &hit.entry.event;
            let categories: Vec<&str> = event.categories.iter().map(|c| c.as_str()).collect();
            (
                hit.seq,
                event.actor,
                event.action,
                categories,
                event.purpose.as_ref().map(|p| p.as_str()),
                event.outcome,
                hit.entry.at,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                0,
                keys.actor(person(tutor)),
                Action::Read,
                vec!["exam-results"],
                Some("exam-administration"),
                Outcome::Succeeded,
                minutes(0)
            ),
            (
                2,
                keys.actor(person(intruder)),
                Action::Read,
                vec!["health-data"],
                Some("support"),
                Outcome::Denied,
                minutes(2)
            ),
            (
                4,
                keys.actor(person(registrar)),
                Action::Export,
                vec!["contact-details", "exam-results"],
                Some("exam-administration"),
                Outcome::Succeeded,
                minutes(4)
            ),
        ]
    );

    // A read that does not say which data or why is refused, not logged half-empty.
    let mut vague = read(tutor, learner, &[], "support", Outcome::Succeeded);
    assert!(matches!(
        log.append(vague.clone(), minutes(5)),
        Err(AuditError::IncompleteEvent { .. })
    ));
    vague.categories = BTreeSet::from([category("exam-results")]);
    vague.purpose = None;
    assert!(matches!(
        log.append(vague, minutes(5)),
        Err(AuditError::IncompleteEvent { .. })
    ));
    assert_eq!(log.size(), 5);
}

#[test]
fn erasing_a_person_leaves_the_log_verifiable_and_free_of_their_id() {
    let learner = person(7);
    let mut log = AuditLog::new(mac_key());
    let mut store = MemoryStore::new();
    let mut erase = read(
        100,
        7,
        &["contact-details", "exam-results"],
        "exam-administration",
        Outcome::Succeeded,
    );
    erase.action = Action::Erase;
    for (minute, event) in [
        read(
            100,
            7,
            &["exam-results"],
            "exam-administration",
            Outcome::Succeeded,
        ),
        erase,
    ]
    .into_iter()
    .enumerate()
    {
        store
            .append(&[log
                .append(event, START + time::Duration::minutes(minute as i64))
                .unwrap()])
            .unwrap();
    }
    store.add_checkpoint(&log.checkpoint(&signer())).unwrap();
    let before: Vec<Vec<u8>> = store.records().iter().map(|r| r.to_bytes()).collect();

    // The store erases the person: it forgets the id (and the mapping to the pseudonym). The
    // log is not touched, and never held the id.
    let id_bytes = learner.as_uuid().as_bytes().to_vec();
    let id_text = learner.to_string().into_bytes();

    let after: Vec<Vec<u8>> = store.records().iter().map(|r| r.to_bytes()).collect();
    assert_eq!(after, before);
    let verified = verify(
        store.records(),
        &mac_key(),
        &store.checkpoints().unwrap(),
        &signer().verifying_key(),
    );
    assert_eq!(verified.map(|v| v.size()), Ok(2));
    for bytes in &after {
        assert!(
            !bytes.windows(16).any(|w| w == id_bytes.as_slice()),
            "the log holds the person's id"
        );
        assert!(
            !bytes
                .windows(id_text.len())
                .any(|w| w == id_text.as_slice()),
            "the log holds the person's id as text"
        );
    }
    // The entries are still there, under a pseudonym nobody can tie back to the person.
    let hits = Query {
        subject: Some(pseudonyms().subject(person(7))),
        ..Query::default()
    };
    assert_eq!(hits.run(store.records()).unwrap().len(), 2);
}

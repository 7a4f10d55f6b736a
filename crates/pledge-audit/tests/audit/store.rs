//! The memory store with the appender and incremental verification, as the store crate will
//! use them: append batches, checkpoint each, verify what is new since the last anchor.

use pledge_audit::{
    Anchor, AuditLog, AuditStore, DamageKind, MemoryStore, Record, TrustedCheckpoints, verify,
    verify_from,
};

use crate::support::{START, event, mac_key, signer};

/// Appends `count` generated events starting at number `first`, then checkpoints.
fn append_batch(log: &mut AuditLog, store: &mut MemoryStore, first: u64, count: u64) {
    let batch: Vec<Record> = (first..first + count)
        .map(|n| {
            log.append(event(n), START + time::Duration::seconds(n as i64))
                .unwrap()
        })
        .collect();
    store.append(&batch).unwrap();
    store.add_checkpoint(&log.checkpoint(&signer())).unwrap();
}

#[test]
fn a_store_is_verified_incrementally_and_its_log_resumed() {
    let key = mac_key();
    let verifying_key = signer().verifying_key();
    let mut store = MemoryStore::new();
    let mut log = AuditLog::new(key.clone());
    append_batch(&mut log, &mut store, 0, 40);

    let first = verify(
        store.records(),
        &key,
        &store.checkpoints().unwrap(),
        &verifying_key,
    )
    .unwrap();
    assert_eq!((first.size(), first.signed_size()), (40, 40));

    // A restarted writer resumes from what it verified.
    let mut resumed = AuditLog::resume(key.clone(), &first);
    append_batch(&mut resumed, &mut store, 40, 25);

    let trusted =
        TrustedCheckpoints::verify(&store.checkpoints().unwrap(), &verifying_key).unwrap();
    let new = store.read(first.size()..u64::MAX).unwrap();
    assert_eq!(new.len(), 25);
    let second = verify_from(&new, &key, &trusted, first.anchor()).unwrap();
    assert_eq!((second.size(), second.signed_size()), (65, 65));
    assert_eq!(second.head(), resumed.head());

    // Resuming from the latest checkpoint reads only what follows it.
    let anchor = trusted.latest_at_or_before(50).unwrap();
    assert_eq!(anchor.size(), 40);
    let tail = store.read(anchor.size()..u64::MAX).unwrap();
    assert_eq!(verify_from(&tail, &key, &trusted, anchor), Ok(second));
    assert_eq!(
        verify_from(store.records(), &key, &trusted, Anchor::genesis(&key)),
        Ok(second)
    );
}

#[test]
fn entries_after_the_last_checkpoint_are_protected_by_the_chain_only() {
    let key = mac_key();
    let mut store = MemoryStore::new();
    let mut log = AuditLog::new(key.clone());
    append_batch(&mut log, &mut store, 0, 10);
    let unsigned: Vec<Record> = (10..15)
        .map(|n| log.append(event(n), START).unwrap())
        .collect();
    store.append(&unsigned).unwrap();
    let checkpoints = store.checkpoints().unwrap();
    let verifying_key = signer().verifying_key();

    let verified = verify(store.records(), &key, &checkpoints, &verifying_key).unwrap();
    assert_eq!((verified.size(), verified.signed_size()), (15, 10));
    // Cutting the unsigned tail goes unnoticed (hence: checkpoint after every batch)...
    assert!(verify(&store.records()[..12], &key, &checkpoints, &verifying_key).is_ok());
    // ...but cutting into the signed part does not.
    let cut = verify(&store.records()[..9], &key, &checkpoints, &verifying_key).unwrap_err();
    assert_eq!(cut.kind, DamageKind::Truncated { signed_size: 10 });
}

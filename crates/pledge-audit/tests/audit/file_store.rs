//! The append-only file store (feature `file-store`): reopening reloads the log, a torn final
//! frame is reported (and can be cut off) instead of panicking, a file that is not a log is
//! refused, and flipping any byte of a stored log is caught by opening or by verification.

use std::fs::{self, File};
use std::io::Write;
use std::path::PathBuf;

use pledge_audit::{
    Anchor, AuditError, AuditLog, AuditStore, Checkpoint, Damage, DamageKind, FileStore, Record,
    TornTail, TrustedCheckpoints, VerifiedLog, verify, verify_from,
};

use crate::support::{START, event, mac_key, signer};

/// A fresh file path under the system's temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("pledge-audit-{}-{name}.log", std::process::id()));
        let _ = fs::remove_file(&path);
        Self(path)
    }

    fn bytes(&self) -> Vec<u8> {
        fs::read(&self.0).unwrap()
    }

    fn overwrite(&self, bytes: &[u8]) {
        File::create(&self.0).unwrap().write_all(bytes).unwrap();
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Appends events `first..first + count` as one batch and checkpoints it.
fn append_batch(log: &mut AuditLog, store: &mut FileStore, first: u64, count: u64) {
    let batch: Vec<Record> = (first..first + count)
        .map(|n| {
            log.append(event(n), START + time::Duration::seconds(n as i64))
                .unwrap()
        })
        .collect();
    store.append(&batch).unwrap();
    store.add_checkpoint(&log.checkpoint(&signer())).unwrap();
}

fn verified(store: &FileStore) -> Result<VerifiedLog, Damage> {
    verify(
        store.records(),
        &mac_key(),
        &store.checkpoints().unwrap(),
        &signer().verifying_key(),
    )
}

/// Verifies `store` like [`verified`], but skips checking signatures again when its checkpoints
/// are exactly the `known` ones, already checked as `trusted` (signature checks dominate the
/// cost of these loops in a debug build).
fn verified_reusing(
    store: &FileStore,
    known: &[Checkpoint],
    trusted: &TrustedCheckpoints,
) -> Result<VerifiedLog, Damage> {
    let checkpoints = store.checkpoints().unwrap();
    if checkpoints == known {
        verify_from(
            store.records(),
            &mac_key(),
            trusted,
            Anchor::genesis(&mac_key()),
        )
    } else {
        verified(store)
    }
}

/// The checkpoints of the file at `file`, and the same checked against the signer.
fn trusted(file: &TempFile) -> (Vec<Checkpoint>, TrustedCheckpoints) {
    let checkpoints = FileStore::open(&file.0).unwrap().checkpoints().unwrap();
    let trusted = TrustedCheckpoints::verify(&checkpoints, &signer().verifying_key()).unwrap();
    (checkpoints, trusted)
}

/// A file holding `batches` checkpointed batches of 10 records.
fn written(name: &str, batches: u64) -> TempFile {
    let file = TempFile::new(name);
    let mut store = FileStore::open(&file.0).unwrap();
    let mut log = AuditLog::new(mac_key());
    for batch in 0..batches {
        append_batch(&mut log, &mut store, batch * 10, 10);
    }
    file
}

#[test]
fn a_reopened_file_reloads_the_log_and_appending_continues_it() {
    let file = written("reopen", 2);
    let store = FileStore::open(&file.0).unwrap();
    assert_eq!(store.size().unwrap(), 20);
    assert_eq!(store.checkpoints().unwrap().len(), 2);
    let first = verified(&store).unwrap();
    assert_eq!((first.size(), first.signed_size()), (20, 20));
    drop(store);

    let mut store = FileStore::open(&file.0).unwrap();
    let mut log = AuditLog::resume(mac_key(), &first);
    append_batch(&mut log, &mut store, 20, 5);
    assert!(store.append(&[]).is_ok());
    let stale = store.read(0..1).unwrap();
    assert!(matches!(
        store.append(&stale),
        Err(AuditError::OutOfSequence {
            expected: 25,
            found: 0
        })
    ));
    drop(store);

    let store = FileStore::open(&file.0).unwrap();
    assert_eq!(verified(&store).map(|v| v.size()), Ok(25));
    assert_eq!(store.read(20..22).unwrap(), store.records()[20..22]);
}

#[test]
fn a_torn_final_frame_is_reported_and_can_be_cut_off() {
    let file = written("torn", 2);
    let mut store = FileStore::open(&file.0).unwrap();
    let mut log = AuditLog::resume(mac_key(), &verified(&store).unwrap());
    // A last batch whose write was cut short: no checkpoint yet.
    let record = log.append(event(20), START).unwrap();
    store.append(&[record]).unwrap();
    drop(store);
    let whole = file.bytes();
    let last_frame = 5 + 40 + event_len(20);
    let (known, trusted) = trusted(&file);

    for missing in 1..last_frame {
        file.overwrite(&whole[..whole.len() - missing]);
        let expected = TornTail {
            offset: (whole.len() - last_frame) as u64,
            length: (last_frame - missing) as u64,
            position: 20,
        };
        match FileStore::open(&file.0) {
            Err(AuditError::TornTail { tail, .. }) => {
                assert_eq!(tail, expected, "{missing} bytes missing")
            }
            other => panic!("{missing} bytes missing: expected a torn tail, got {other:?}"),
        }
        let (recovered, cut) = FileStore::recover(&file.0).unwrap();
        assert_eq!(cut, Some(expected));
        let after = verified_reusing(&recovered, &known, &trusted);
        assert_eq!(after.map(|v| v.size()), Ok(20));
        assert_eq!(file.bytes().len(), whole.len() - last_frame);
    }
}

/// The length of the encoded entry of generated event `n` (logged at `START`).
fn event_len(n: u64) -> usize {
    let mut log = AuditLog::new(mac_key());
    log.append(event(n), START).unwrap().entry_bytes().len()
}

#[test]
fn a_torn_header_and_foreign_files_are_told_apart() {
    let file = TempFile::new("header");
    file.overwrite(b"PLAU");
    assert!(matches!(
        FileStore::open(&file.0),
        Err(AuditError::TornTail { .. })
    ));
    let (store, cut) = FileStore::recover(&file.0).unwrap();
    assert_eq!(cut.map(|t| t.offset), Some(0));
    assert_eq!(store.size().unwrap(), 0);
    assert_eq!(file.bytes(), b"PLAUDIT1");

    file.overwrite(b"# not an audit log\n");
    assert!(matches!(
        FileStore::open(&file.0),
        Err(AuditError::NotAnAuditFile { offset: 0, .. })
    ));
    assert!(FileStore::recover(&file.0).is_err());
}

#[test]
fn a_file_cut_at_a_frame_boundary_is_caught_by_checkpoints_kept_elsewhere() {
    let file = written("cut", 3);
    let store = FileStore::open(&file.0).unwrap();
    let kept_elsewhere = store.checkpoints().unwrap();
    drop(store);
    // Cut the last checkpoint frame and the last record frame: the file itself looks fine.
    let whole = file.bytes();
    let cut = whole.len() - (5 + 104) - (5 + 40 + event_len(29));
    file.overwrite(&whole[..cut]);
    let store = FileStore::open(&file.0).unwrap();
    assert_eq!(store.size().unwrap(), 29);
    let found = verify(
        store.records(),
        &mac_key(),
        &kept_elsewhere,
        &signer().verifying_key(),
    );
    assert_eq!(
        found.unwrap_err().kind,
        DamageKind::Truncated { signed_size: 30 }
    );
}

#[test]
fn flipping_any_byte_of_a_stored_log_is_caught() {
    let file = written("flips", 2);
    let whole = file.bytes();
    let (known, trusted) = trusted(&file);
    let mut caught = 0;
    for offset in 0..whole.len() {
        let mut bytes = whole.clone();
        bytes[offset] ^= 1 << (offset % 8);
        file.overwrite(&bytes);
        let detected = match FileStore::open(&file.0) {
            Err(_) => true,
            Ok(store) => verified_reusing(&store, &known, &trusted).is_err(),
        };
        assert!(
            detected,
            "flipping bit {} of byte {offset} went unnoticed",
            offset % 8
        );
        caught += 1;
    }
    assert_eq!(caught, whole.len());
}

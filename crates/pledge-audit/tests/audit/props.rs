//! Property tests: the encoding is a bijection onto canonical bytes and never panics; any single
//! tampering of a random log is caught at its position; incremental verification from any
//! checkpoint agrees with a full one; pseudonyms never repeat a person's id.

use std::collections::BTreeSet;

use pledge_audit::{
    Action, ActorKey, Anchor, DamageKind, Entry, Event, Outcome, Record, RequestId, SubjectKey,
    TrustedCheckpoints, decode, encode, verify, verify_from,
};
use pledge_domain::{CategoryId, PurposeId, RecordId};
use proptest::prelude::*;
use proptest::sample::Index;
use time::OffsetDateTime;

use crate::support::{generate, mac_key, person, pseudonyms, signer};

fn slug() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,3}"
}

fn time() -> impl Strategy<Value = OffsetDateTime> {
    // Years -9999 to 9999, the range `time` supports without its large-dates feature.
    (-377_705_116_800i64..253_402_300_799, 0u32..1_000_000_000).prop_map(|(seconds, nanos)| {
        OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(seconds) * 1_000_000_000 + i128::from(nanos),
        )
        .unwrap()
    })
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        time(),
        any::<[u8; 32]>(),
        prop::sample::select(Action::ALL.to_vec()),
        prop::option::of(any::<[u8; 32]>()),
        prop::collection::btree_set(slug(), 0..5),
        prop::option::of(slug()),
        any::<[u8; 16]>(),
        prop::collection::btree_set(any::<[u8; 16]>(), 0..4),
        prop::sample::select(Outcome::ALL.to_vec()),
    )
        .prop_map(
            |(at, actor, action, subject, categories, purpose, request, records, outcome)| Entry {
                at,
                event: Event {
                    actor: ActorKey::from_bytes(actor),
                    action,
                    subject: subject.map(SubjectKey::from_bytes),
                    categories: categories
                        .into_iter()
                        .map(|c| CategoryId::new(c).unwrap())
                        .collect::<BTreeSet<_>>(),
                    purpose: purpose.map(|p| PurposeId::new(p).unwrap()),
                    request: RequestId::from_bytes(request),
                    records: records
                        .into_iter()
                        .map(|r| RecordId::from_uuid(uuid::Uuid::from_bytes(r)))
                        .collect(),
                    outcome,
                },
            },
        )
}

/// One change to a log.
#[derive(Debug, Clone)]
enum Tamper {
    Flip { record: Index, byte: Index, bit: u8 },
    Delete(Index),
    Swap(Index, Index),
    Truncate(Index),
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (any::<Index>(), any::<Index>(), 0u8..8).prop_map(|(record, byte, bit)| Tamper::Flip {
            record,
            byte,
            bit
        }),
        any::<Index>().prop_map(Tamper::Delete),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Tamper::Swap(a, b)),
        any::<Index>().prop_map(Tamper::Truncate),
    ]
}

/// Applies `tamper` to `log`; returns the first changed position, or `None` when the change
/// is a no-op (swapping a record with itself).
fn apply(tamper: &Tamper, log: &mut Vec<Record>) -> Option<usize> {
    let n = log.len();
    match tamper {
        Tamper::Flip { record, byte, bit } => {
            let i = record.index(n);
            let mut bytes = log[i].to_bytes();
            let offset = byte.index(bytes.len());
            bytes[offset] ^= 1 << bit;
            log[i] = Record::from_bytes(&bytes).unwrap();
            Some(i)
        }
        Tamper::Delete(i) => {
            let i = i.index(n);
            log.remove(i);
            Some(i)
        }
        Tamper::Swap(a, b) => {
            let (a, b) = (a.index(n), b.index(n));
            log.swap(a, b);
            (a != b).then_some(a.min(b))
        }
        Tamper::Truncate(k) => {
            let k = k.index(n);
            log.truncate(k);
            Some(k)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decode_inverts_encode(entry in entry()) {
        prop_assert_eq!(decode(&encode(&entry)).unwrap(), entry);
    }

    #[test]
    fn distinct_entries_have_distinct_encodings(a in entry(), b in entry()) {
        prop_assert_eq!(a == b, encode(&a) == encode(&b));
    }

    #[test]
    fn only_canonical_bytes_decode(entry in entry(), at in any::<Index>(), byte in any::<u8>(), edit in 0..3) {
        let mut bytes = encode(&entry);
        let i = at.index(bytes.len());
        match edit {
            0 => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ => { bytes.remove(i); }
        }
        if let Ok(decoded) = decode(&bytes) {
            prop_assert_eq!(encode(&decoded), bytes);
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(decoded) = decode(&bytes) {
            prop_assert_eq!(encode(&decoded), bytes);
        }
    }

    #[test]
    fn pseudonyms_are_distinct_and_never_contain_the_id(a in any::<u128>(), b in any::<u128>()) {
        let keys = pseudonyms();
        let (pa, pb) = (keys.subject(person(a)), keys.subject(person(b)));
        prop_assert_eq!(a == b, pa == pb);
        let id = person(a).as_uuid();
        prop_assert!(!pa.as_bytes().windows(16).any(|w| w == id.as_bytes()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_single_tampering_is_caught_at_its_position(
        size in 1u64..80,
        every in 5u64..20,
        tamper in tamper(),
    ) {
        let generated = generate(size, every);
        let mut log = generated.records.clone();
        let Some(first_change) = apply(&tamper, &mut log) else {
            return Ok(());
        };
        let found = verify(&log, &mac_key(), &generated.checkpoints, &signer().verifying_key());
        let damage = found.expect_err("tampering went unnoticed");
        prop_assert_eq!(damage.position, first_change as u64, "{:?}", damage);
        let expected_kind = match tamper {
            Tamper::Flip { .. } => DamageKind::Edited,
            Tamper::Delete(_) if first_change as u64 == size - 1 => DamageKind::Truncated { signed_size: size },
            Tamper::Delete(_) => DamageKind::Removed,
            Tamper::Swap(..) => DamageKind::Reordered,
            Tamper::Truncate(_) => DamageKind::Truncated { signed_size: size },
        };
        prop_assert_eq!(damage.kind, expected_kind);
    }

    #[test]
    fn verifying_from_any_checkpoint_agrees_with_verifying_everything(size in 0u64..80, every in 5u64..20) {
        let generated = generate(size, every);
        let key = mac_key();
        let trusted = TrustedCheckpoints::verify(&generated.checkpoints, &signer().verifying_key()).unwrap();
        let whole = verify_from(&generated.records, &key, &trusted, Anchor::genesis(&key)).unwrap();
        prop_assert_eq!(whole.size(), size);
        for checkpoint in &generated.checkpoints {
            let anchor = trusted.latest_at_or_before(checkpoint.size()).unwrap();
            prop_assert_eq!(anchor.size(), checkpoint.size());
            let tail = &generated.records[anchor.size() as usize..];
            prop_assert_eq!(verify_from(tail, &key, &trusted, anchor), Ok(whole));
        }
    }
}

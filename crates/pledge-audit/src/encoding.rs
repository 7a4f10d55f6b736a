//! The canonical binary encoding of an [`Entry`]: the bytes the chain MACs and the store keeps.
//!
//! Hand-written so that it can never drift with a serialisation library. Fields in this order:
//!
//! | field      | bytes                                                              |
//! |------------|--------------------------------------------------------------------|
//! | version    | `1`, or `2` when the entry names records                           |
//! | at         | 16: unix time in nanoseconds, `i128` big-endian                    |
//! | actor      | 32                                                                 |
//! | action     | 1: [`Action::code`]                                                |
//! | outcome    | 1: [`Outcome::code`]                                               |
//! | subject    | `0`, or `1` and 32 bytes                                           |
//! | request    | 16                                                                 |
//! | purpose    | `0`, or `1` and a text                                             |
//! | categories | a count, then that many texts in strictly increasing order         |
//! | records    | version 2 only: a count (at least 1), then that many 16-byte ids in  |
//! |            | strictly increasing order                                          |
//!
//! An entry without records is written as version 1, byte for byte as before records existed,
//! so logs written earlier keep verifying; version 2 with no records is refused.
//!
//! A count or a text's length is an unsigned LEB128 varint in its shortest form; a text is its
//! length and UTF-8 bytes. [`decode`] accepts only what [`encode`] writes (shortest varints,
//! sorted categories without duplicates, valid slugs, no trailing bytes), so every entry has
//! exactly one encoding: `decode(b) == Ok(e)` implies `encode(&e) == b`, and `encode` is
//! injective because `decode(encode(e)) == e`.

use std::collections::BTreeSet;

use pledge_domain::{CategoryId, PurposeId, RecordId};
use time::OffsetDateTime;

use crate::{Action, ActorKey, AuditError, Entry, Event, Outcome, RequestId, SubjectKey};

/// The version byte that starts an encoded entry that names no records.
pub const ENTRY_VERSION: u8 = 1;

/// The version byte that starts an encoded entry that names the records it changed.
pub const ENTRY_VERSION_WITH_RECORDS: u8 = 2;

/// The canonical bytes of `entry`.
pub fn encode(entry: &Entry) -> Vec<u8> {
    let event = &entry.event;
    let mut out = Vec::with_capacity(128 + 16 * event.records.len());
    out.push(if event.records.is_empty() {
        ENTRY_VERSION
    } else {
        ENTRY_VERSION_WITH_RECORDS
    });
    out.extend_from_slice(&entry.at.unix_timestamp_nanos().to_be_bytes());
    out.extend_from_slice(event.actor.as_bytes());
    out.push(event.action.code());
    out.push(event.outcome.code());
    match &event.subject {
        None => out.push(0),
        Some(subject) => {
            out.push(1);
            out.extend_from_slice(subject.as_bytes());
        }
    }
    out.extend_from_slice(event.request.as_bytes());
    match &event.purpose {
        None => out.push(0),
        Some(purpose) => {
            out.push(1);
            put_text(&mut out, purpose.as_str());
        }
    }
    put_varint(&mut out, event.categories.len() as u64);
    for category in &event.categories {
        put_text(&mut out, category.as_str());
    }
    if !event.records.is_empty() {
        put_varint(&mut out, event.records.len() as u64);
        for record in &event.records {
            out.extend_from_slice(record.as_uuid().as_bytes());
        }
    }
    out
}

/// The entry whose canonical encoding is `bytes`.
///
/// # Errors
/// [`AuditError::MalformedEntry`] when `bytes` is not exactly the encoding of some entry.
pub fn decode(bytes: &[u8]) -> Result<Entry, AuditError> {
    let mut reader = Reader { rest: bytes };
    let with_records = match reader.byte()? {
        ENTRY_VERSION => false,
        ENTRY_VERSION_WITH_RECORDS => true,
        _ => return Err(malformed("unknown version")),
    };
    let nanos = i128::from_be_bytes(reader.array()?);
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map_err(|_| malformed("time out of range"))?;
    let actor = ActorKey::from_bytes(reader.array()?);
    let action = Action::from_code(reader.byte()?).ok_or(malformed("unknown action"))?;
    let outcome = Outcome::from_code(reader.byte()?).ok_or(malformed("unknown outcome"))?;
    let subject = match reader.presence()? {
        false => None,
        true => Some(SubjectKey::from_bytes(reader.array()?)),
    };
    let request = RequestId::from_bytes(reader.array()?);
    let purpose = match reader.presence()? {
        false => None,
        true => {
            Some(PurposeId::new(reader.text()?).map_err(|_| malformed("purpose is not a slug"))?)
        }
    };
    let categories = reader.categories()?;
    let records = if with_records {
        reader.records()?
    } else {
        BTreeSet::new()
    };
    if !reader.rest.is_empty() {
        return Err(malformed("trailing bytes"));
    }
    Ok(Entry {
        at,
        event: Event {
            actor,
            action,
            subject,
            categories,
            purpose,
            request,
            records,
            outcome,
        },
    })
}

fn malformed(reason: &'static str) -> AuditError {
    AuditError::MalformedEntry { reason }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Unsigned LEB128: seven bits a byte, low bits first, high bit set on all but the last byte.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads an encoding front to back; every read fails cleanly at the end of the input.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], AuditError> {
        if self.rest.len() < len {
            return Err(malformed("ends early"));
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8, AuditError> {
        let (&first, rest) = self.rest.split_first().ok_or(malformed("ends early"))?;
        self.rest = rest;
        Ok(first)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], AuditError> {
        self.take(N)?
            .try_into()
            .map_err(|_| malformed("ends early"))
    }

    fn presence(&mut self) -> Result<bool, AuditError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(malformed("presence byte is neither 0 nor 1")),
        }
    }

    /// A varint in its shortest form (no redundant final zero group) that fits in a `u64`.
    fn varint(&mut self) -> Result<u64, AuditError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let group = u64::from(byte & 0x7f);
            if shift == 63 && group > 1 {
                return Err(malformed("varint overflows 64 bits"));
            }
            value |= group << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(malformed("varint is not in its shortest form"));
                }
                return Ok(value);
            }
        }
        Err(malformed("varint overflows 64 bits"))
    }

    fn len(&mut self) -> Result<usize, AuditError> {
        usize::try_from(self.varint()?).map_err(|_| malformed("length does not fit"))
    }

    fn text(&mut self) -> Result<&'a str, AuditError> {
        let len = self.len()?;
        std::str::from_utf8(self.take(len)?).map_err(|_| malformed("text is not UTF-8"))
    }

    fn categories(&mut self) -> Result<BTreeSet<CategoryId>, AuditError> {
        let count = self.varint()?;
        let mut categories = BTreeSet::new();
        let mut previous: Option<CategoryId> = None;
        for _ in 0..count {
            let category =
                CategoryId::new(self.text()?).map_err(|_| malformed("category is not a slug"))?;
            if previous
                .as_ref()
                .is_some_and(|previous| *previous >= category)
            {
                return Err(malformed("categories are not sorted and unique"));
            }
            previous = Some(category.clone());
            categories.insert(category);
        }
        Ok(categories)
    }

    fn records(&mut self) -> Result<BTreeSet<RecordId>, AuditError> {
        let count = self.varint()?;
        if count == 0 {
            return Err(malformed("version 2 names no records"));
        }
        let mut records = BTreeSet::new();
        let mut previous: Option<RecordId> = None;
        for _ in 0..count {
            let record = RecordId::from_uuid(uuid::Uuid::from_bytes(self.array()?));
            if previous.is_some_and(|previous| previous >= record) {
                return Err(malformed("records are not sorted and unique"));
            }
            previous = Some(record);
            records.insert(record);
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn entry() -> Entry {
        Entry {
            at: datetime!(2026-11-23 10:15:30.123456789 UTC),
            event: Event {
                actor: ActorKey::from_bytes([0xaa; 32]),
                action: Action::Read,
                subject: Some(SubjectKey::from_bytes([0xbb; 32])),
                categories: ["contact-details", "exam-results"]
                    .into_iter()
                    .map(|c| CategoryId::new(c).unwrap())
                    .collect(),
                purpose: Some(PurposeId::new("exam-administration").unwrap()),
                request: RequestId::from_bytes([0xcc; 16]),
                records: Default::default(),
                outcome: Outcome::Succeeded,
            },
        }
    }

    /// Decodes `bytes` and reports the reason it was refused, if it was.
    fn refusal(bytes: &[u8]) -> Option<String> {
        decode(bytes).err().map(|e| e.to_string())
    }

    #[test]
    fn decode_inverts_encode_and_keeps_the_instant_not_the_offset() {
        let mut original = entry();
        assert_eq!(decode(&encode(&original)).unwrap(), original);
        original.at = datetime!(2026-11-23 12:15:30.123456789 +02:00);
        let decoded = decode(&encode(&original)).unwrap();
        assert_eq!(decoded, original);
        assert_eq!(decoded.at.offset(), time::UtcOffset::UTC);
    }

    #[test]
    fn the_layout_is_the_documented_one() {
        let bytes = encode(&entry());
        assert_eq!(bytes.first(), Some(&ENTRY_VERSION));
        assert_eq!(bytes.get(49), Some(&Action::Read.code()));
        assert_eq!(bytes.get(50), Some(&Outcome::Succeeded.code()));
        let tail = b"\x02\x0fcontact-details\x0cexam-results";
        assert!(bytes.ends_with(tail));
        assert_eq!(
            bytes.len(),
            1 + 16 + 32 + 2 + 33 + 16 + 1 + 1 + 19 + tail.len()
        );
    }

    #[test]
    fn non_canonical_encodings_are_refused() {
        let good = encode(&entry());
        let tail = b"\x02\x0fcontact-details\x0cexam-results";
        let head = &good[..good.len() - tail.len()];
        let with_tail = |tail: &[u8]| [head, tail].concat();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            ([good.as_slice(), b"\x00"].concat(), "trailing"),
            (good[..good.len() - 1].to_vec(), "ends early"),
            (
                with_tail(b"\x02\x0cexam-results\x0fcontact-details"),
                "sorted",
            ),
            (with_tail(b"\x02\x0cexam-results\x0cexam-results"), "sorted"),
            (with_tail(b"\x01\x05Bad!!"), "slug"),
            (with_tail(b"\x01\x02\xff\xfe"), "UTF-8"),
            (with_tail(b"\x81\x00"), "shortest"),
            (
                with_tail(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"),
                "overflows",
            ),
            ([&[3u8][..], &good[1..]].concat(), "version"),
        ];
        for (bytes, reason) in cases {
            let refused = refusal(&bytes);
            assert!(
                refused.as_deref().is_some_and(|r| r.contains(reason)),
                "expected a refusal mentioning {reason:?}, got {refused:?}"
            );
        }
        let mut bad_action = good.clone();
        bad_action[49] = 0;
        assert!(refusal(&bad_action).unwrap().contains("action"));
        let mut bad_presence = good.clone();
        bad_presence[51] = 2;
        assert!(refusal(&bad_presence).unwrap().contains("presence"));
    }

    #[test]
    fn entries_naming_records_use_version_two_and_round_trip() {
        let mut named = entry();
        named.event.records = [2, 1]
            .into_iter()
            .map(|n| RecordId::from_uuid(uuid::Uuid::from_u128(n)))
            .collect();
        let bytes = encode(&named);
        assert_eq!(bytes.first(), Some(&ENTRY_VERSION_WITH_RECORDS));
        assert_eq!(decode(&bytes).unwrap(), named);
        let plain = encode(&entry());
        // Everything but the version byte is the version 1 layout, then the records.
        assert_eq!(&bytes[1..plain.len()], &plain[1..]);
        assert_eq!(bytes.len(), plain.len() + 1 + 32);
        let records_at = plain.len();
        let mut unsorted = bytes.clone();
        unsorted[records_at + 1..records_at + 17].copy_from_slice(&[0xff; 16]);
        assert!(refusal(&unsorted).unwrap().contains("sorted"));
        let none = [&[ENTRY_VERSION_WITH_RECORDS][..], &plain[1..], &[0]].concat();
        assert!(refusal(&none).unwrap().contains("names no records"));
        let missing = [&[ENTRY_VERSION_WITH_RECORDS][..], &plain[1..]].concat();
        assert!(refusal(&missing).unwrap().contains("ends early"));
    }

    #[test]
    fn varints_round_trip_at_every_width() {
        for value in [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut reader = Reader { rest: &out };
            assert_eq!(reader.varint().unwrap(), value);
            assert!(reader.rest.is_empty());
        }
    }
}

//! Pseudonyms: how the log names people without holding their ids.
//!
//! The log never stores a [`PersonId`]. A secret [`PseudonymKey`] turns a person's id into 32
//! bytes with HMAC-SHA-256 under a domain-separation label, so the same secret used for anything
//! else can never yield the same bytes. Only someone holding both the secret and the person's id
//! can recompute the pseudonym. When the store erases a person it forgets their id (and any
//! mapping to it); the entries that name them stay byte for byte as they were, so the chain and
//! its checkpoints still verify, but nothing in the log leads back to the person.
//!
//! A person gets the same 32 bytes as an actor and as a subject, so "someone read their own
//! record" stays visible; the two types keep the roles apart. Actors that are not people (a
//! retention sweep, a partner sync) get an [`ActorKey`] from their service name under a
//! different label.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use pledge_domain::PersonId;
use sha2::Sha256;

use crate::hex::byte_value;

/// Label for pseudonyms of people.
const PERSON_LABEL: &[u8] = b"pledge-audit/v1/person-pseudonym\0";
/// Label for pseudonyms of services (actors that are not people).
const SERVICE_LABEL: &[u8] = b"pledge-audit/v1/service-pseudonym\0";
/// Domain separation for lookup hashes.
const LOOKUP_LABEL: &[u8] = b"pledge-audit/v1/lookup\0";

byte_value!(
    /// The pseudonym of the person whose data an entry concerns.
    SubjectKey,
    32
);

byte_value!(
    /// The pseudonym of whoever acted: a person, or a service such as a scheduled sweep.
    ActorKey,
    32
);

byte_value!(
    /// Ties an entry to the request (or job run) that caused it; 16 bytes, so a UUID fits.
    RequestId,
    16
);

/// The secret that derives pseudonyms. Keep it with the store's other secrets, never in the log.
#[derive(Clone)]
pub struct PseudonymKey {
    keyed: Hmac<Sha256>,
}

impl PseudonymKey {
    /// A key from 32 secret bytes, which the caller generates and keeps.
    pub fn new(secret: &[u8; 32]) -> Self {
        Self {
            keyed: keyed_hmac(secret),
        }
    }

    /// The pseudonym of `person` as the subject of an entry.
    pub fn subject(&self, person: PersonId) -> SubjectKey {
        SubjectKey::from_bytes(self.person(person))
    }

    /// The pseudonym of `person` as the actor of an entry (the same bytes as [`Self::subject`]).
    pub fn actor(&self, person: PersonId) -> ActorKey {
        ActorKey::from_bytes(self.person(person))
    }

    /// The pseudonym of a service (an actor that is not a person), by its stable name.
    pub fn service(&self, name: &str) -> ActorKey {
        ActorKey::from_bytes(self.derive(SERVICE_LABEL, name.as_bytes()))
    }

    /// A keyed hash of `value` that finds a row by it without storing it in the clear (an
    /// account's email, say). `purpose` separates uses, so one hash never matches another's.
    pub fn lookup(&self, purpose: &str, value: &str) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(LOOKUP_LABEL);
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn person(&self, person: PersonId) -> [u8; 32] {
        self.derive(PERSON_LABEL, person.as_uuid().as_bytes())
    }

    fn derive(&self, label: &[u8], input: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(label);
        mac.update(input);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<secret>)")
    }
}

/// An HMAC-SHA-256 state keyed with a 32-byte secret.
///
/// HMAC pads keys shorter than the hash's 64-byte block with zeros (RFC 2104), so padding here
/// and using the infallible block-sized constructor gives the same MAC as `new_from_slice`,
/// without a `Result` that could never be an error.
pub(crate) fn keyed_hmac(secret: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    for (slot, byte) in block.iter_mut().zip(secret) {
        *slot = *byte;
    }
    Hmac::<Sha256>::new(&block.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u128) -> PersonId {
        format!("{n:032x}").parse().unwrap()
    }

    #[test]
    fn padded_key_gives_the_same_mac_as_the_slice_constructor() {
        let secret = [0x5a; 32];
        let by_slice = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
        let by_block = keyed_hmac(&secret);
        let a = by_slice.chain_update(b"message").finalize().into_bytes();
        let b = by_block.chain_update(b"message").finalize().into_bytes();
        assert_eq!(a, b);
    }

    #[test]
    fn pseudonyms_are_deterministic_and_depend_on_key_person_and_role_label() {
        let key = PseudonymKey::new(&[1; 32]);
        let other_key = PseudonymKey::new(&[2; 32]);
        assert_eq!(key.subject(person(1)), key.subject(person(1)));
        assert_ne!(key.subject(person(1)), key.subject(person(2)));
        assert_ne!(key.subject(person(1)), other_key.subject(person(1)));
        assert_eq!(
            key.actor(person(1)).as_bytes(),
            key.subject(person(1)).as_bytes()
        );
        assert_ne!(key.service("sweep"), key.service("sync"));
    }

    #[test]
    fn a_service_named_like_a_person_id_gets_a_different_pseudonym() {
        let key = PseudonymKey::new(&[1; 32]);
        let id = person(7);
        let bytes = id.as_uuid().as_bytes().to_vec();
        let as_text = String::from_utf8_lossy(&bytes).into_owned();
        assert_ne!(key.service(&as_text), key.actor(id));
    }

    #[test]
    fn keys_print_and_parse_as_hex_and_hide_the_secret() {
        let key = PseudonymKey::new(&[1; 32]);
        let subject = key.subject(person(3));
        let text = subject.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<SubjectKey>().unwrap(), subject);
        assert!(format!("{subject:?}").starts_with("SubjectKey("));
        assert_eq!(format!("{key:?}"), "PseudonymKey(<secret>)");
        assert!("00".parse::<RequestId>().is_err());
    }
}

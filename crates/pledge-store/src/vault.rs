//! Per-person data keys, the separate key store, and sealing of personal fields.
//!
//! Every person gets a random 256-bit data key when they are created. The key is stored only in
//! the key store (a separate database), wrapped (AEAD-encrypted) under the master key from
//! configuration. Personal fields are sealed with the data key, binding each ciphertext to its
//! table, column and person (as associated data), so a sealed value cannot be moved to another
//! row or column unnoticed. Shredding a person deletes their wrapped key and overwrites the
//! space it took in the key store's files (SQLite `secure_delete`, PostgreSQL `VACUUM FULL`):
//! every copy of their sealed fields, in every backup of the main database, is unreadable from
//! then on.
//!
//! Sealing is XChaCha20-Poly1305 (24-byte random nonces, safe to draw at random for any number
//! of values under one key): HChaCha20 from the `chacha20` crate derives the per-nonce key, and
//! `ring`'s ChaCha20-Poly1305 does the rest, which is several times faster than a portable
//! implementation on the short values a person's fields are. A sealed value is the version byte,
//! the nonce, the ciphertext and the 16-byte tag; the tests check that format against the
//! RustCrypto `chacha20poly1305` implementation in both directions.
//!
//! Backup rule this relies on: backups of the key store must expire within the erasure deadline
//! (30 days for Kexara), otherwise an old key-store backup could bring a key back.

use std::fmt;

use chacha20::R20;
use pledge_domain::PersonId;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
};
use time::OffsetDateTime;

use crate::StoreError;
use crate::entity::subject_key;
use crate::error::db;

const SEAL_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// The SQLite key store's `user_version` once [`KeyStore::scrub_once`] has rewritten it.
const SCRUBBED_FORMAT: i64 = 1;

/// The master key that wraps every data key. Comes from configuration; never stored.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// Wraps 32 secret bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

/// One person's data key.
#[derive(Clone)]
pub struct DataKey {
    person: PersonId,
    key: [u8; 32],
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({}, …)", self.person)
    }
}

/// Where a sealed value lives: its table and column (bound into the ciphertext).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef {
    /// The table.
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::Randomness)?;
    Ok(bytes)
}

/// The ChaCha20-Poly1305 key and nonce that XChaCha20-Poly1305 uses for `nonce` under `key`
/// (draft-irtf-cfrg-xchacha): HChaCha20 of the key and the nonce's first 16 bytes, and four zero
/// bytes followed by the nonce's last 8.
fn xchacha_parts(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
) -> Result<(LessSafeKey, Nonce), StoreError> {
    let (head, tail) = nonce.split_at(16);
    let head: [u8; 16] = head.try_into().map_err(|_| StoreError::Unseal)?;
    let subkey: [u8; 32] =
        chacha20::hchacha::<R20>(&chacha20::Key::from(*key), &head.into()).into();
    let key = UnboundKey::new(&CHACHA20_POLY1305, &subkey).map_err(|_| StoreError::Unseal)?;
    let mut short = [0u8; 12];
    short[4..].copy_from_slice(tail);
    Ok((LessSafeKey::new(key), Nonce::assume_unique_for_key(short)))
}

/// Seals `plaintext` with XChaCha20-Poly1305 under a fresh random nonce: the seal version, the
/// nonce, the ciphertext and its tag.
fn seal_with(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
    let nonce: [u8; NONCE_LEN] = random()?;
    let (cipher, short) = xchacha_parts(key, &nonce)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(SEAL_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let body = out.get_mut(1 + NONCE_LEN..).ok_or(StoreError::Unseal)?;
    let tag = cipher
        .seal_in_place_separate_tag(short, Aad::from(aad), body)
        .map_err(|_| StoreError::Unseal)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Opens what [`seal_with`] sealed; [`StoreError::Unseal`] for a wrong key, associated data,
/// version or a damaged value.
fn open_with(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
    let (&version, rest) = sealed.split_first().ok_or(StoreError::Unseal)?;
    if version != SEAL_VERSION || rest.len() < NONCE_LEN + TAG_LEN {
        return Err(StoreError::Unseal);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| StoreError::Unseal)?;
    let (cipher, short) = xchacha_parts(key, &nonce)?;
    let mut plain = ciphertext.to_vec();
    let length = cipher
        .open_in_place(short, Aad::from(aad), &mut plain)
        .map_err(|_| StoreError::Unseal)?
        .len();
    plain.truncate(length);
    Ok(plain)
}

impl DataKey {
    fn aad(&self, field: FieldRef) -> Vec<u8> {
        format!("pledge/v1/{}/{}/{}", field.table, field.column, self.person).into_bytes()
    }

    /// Seals `plaintext` for `field` of this key's person.
    ///
    /// # Errors
    /// [`StoreError::Randomness`] when no nonce can be drawn.
    pub fn seal(&self, field: FieldRef, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        seal_with(&self.key, &self.aad(field), plaintext)
    }

    /// Opens a value sealed for `field` of this key's person.
    ///
    /// # Errors
    /// [`StoreError::Unseal`] for another person's, another field's or tampered bytes.
    pub fn open(&self, field: FieldRef, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        open_with(&self.key, &self.aad(field), sealed)
    }

    /// Opens a sealed UTF-8 string.
    ///
    /// # Errors
    /// As [`DataKey::open`], or [`StoreError::Corrupt`] when the plaintext is not UTF-8.
    pub fn open_text(&self, field: FieldRef, sealed: &[u8]) -> Result<String, StoreError> {
        String::from_utf8(self.open(field, sealed)?)
            .map_err(|_| StoreError::Corrupt { what: field.column })
    }
}

/// The key store: wrapped data keys, in their own database.
#[derive(Debug, Clone)]
pub struct KeyStore {
    db: DatabaseConnection,
    master: MasterKey,
}

impl KeyStore {
    /// A key store over an already migrated connection.
    pub fn new(db: DatabaseConnection, master: MasterKey) -> Self {
        Self { db, master }
    }

    fn wrap_aad(person: PersonId) -> Vec<u8> {
        format!("pledge/v1/subject-key/{person}").into_bytes()
    }

    /// Creates and stores a fresh data key for `person`.
    ///
    /// # Errors
    /// Randomness or database failures; a person who already has a key keeps it.
    pub async fn create(
        &self,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<DataKey, StoreError> {
        if let Some(existing) = self.get(person).await? {
            return Ok(existing);
        }
        let key: [u8; 32] = random()?;
        let wrapped = seal_with(&self.master.0, &Self::wrap_aad(person), &key)?;
        subject_key::ActiveModel {
            person_id: ActiveValue::Set(person.as_uuid()),
            wrapped_key: ActiveValue::Set(wrapped),
            created_at: ActiveValue::Set(now),
        }
        .insert(&self.db)
        .await
        .map_err(db("store a new data key"))?;
        Ok(DataKey { person, key })
    }

    /// The data key of `person`, or `None` once it has been shredded (or never existed).
    ///
    /// # Errors
    /// Database failures; [`StoreError::Unseal`] when the wrapped key does not open under the
    /// master key (wrong master key, or a key moved between people).
    pub async fn get(&self, person: PersonId) -> Result<Option<DataKey>, StoreError> {
        let row = subject_key::Entity::find_by_id(person.as_uuid())
            .one(&self.db)
            .await
            .map_err(db("read a data key"))?;
        let Some(row) = row else { return Ok(None) };
        let plain = open_with(&self.master.0, &Self::wrap_aad(person), &row.wrapped_key)?;
        let key: [u8; 32] = plain
            .try_into()
            .map_err(|_| StoreError::Corrupt { what: "data key" })?;
        Ok(Some(DataKey { person, key }))
    }

    /// Destroys the data key of `person` so that no byte of it is left in the key store's
    /// files: the row is deleted and the space it held is overwritten (see [`KeyStore::scrub`]).
    /// Idempotent: shredding twice is not an error.
    ///
    /// # Errors
    /// Database failures; the key may then be deleted but its space not yet overwritten, and
    /// shredding again (or any later shred) finishes the job.
    pub async fn shred(&self, person: PersonId) -> Result<(), StoreError> {
        use sea_orm::TransactionTrait as _;
        let txn = self
            .db
            .begin()
            .await
            .map_err(db("start destroying a data key"))?;
        if txn.get_database_backend() == DbBackend::Sqlite {
            // Inside the transaction, so that it is the connection that deletes: SQLite then
            // zeroes the deleted cell and any page it frees instead of leaving them as they were.
            txn.execute_unprepared("PRAGMA secure_delete = ON")
                .await
                .map_err(db("ask SQLite to overwrite deleted keys"))?;
        }
        subject_key::Entity::delete_by_id(person.as_uuid())
            .exec(&txn)
            .await
            .map_err(db("destroy a data key"))?;
        txn.commit().await.map_err(db("destroy a data key"))?;
        self.scrub().await
    }

    /// Overwrites what deleted keys leave behind in the key store's files.
    ///
    /// - SQLite: deleted cells and freed pages were zeroed by `secure_delete` as they were
    ///   deleted; the rollback journal that held their old pages is removed at commit, and in WAL
    ///   mode the log is checkpointed and truncated here.
    /// - PostgreSQL: a deleted row stays in the table's file as a dead tuple until the table is
    ///   rewritten; `VACUUM FULL` writes the live rows to a new file and truncates the old one.
    ///   It locks the (small) key table for the moment it takes.
    ///
    /// What stays the deployer's duty (WAL archives, key-store backups) is in
    /// `docs/deploying.md`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn scrub(&self) -> Result<(), StoreError> {
        let statement = match self.db.get_database_backend() {
            DbBackend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)",
            _ => "VACUUM FULL subject_key",
        };
        self.db
            .execute_unprepared(statement)
            .await
            .map_err(db("overwrite destroyed data keys"))?;
        Ok(())
    }

    /// Makes sure a SQLite key store written by an older version holds no leftovers: turns on
    /// `secure_delete` for good and rewrites the file once (`VACUUM`), recorded in the file's
    /// `user_version` so that it happens once. Run when the store opens. (A PostgreSQL key
    /// store from before is rewritten by the next shred; `docs/deploying.md` says how to do it
    /// at once.)
    ///
    /// # Errors
    /// Database failures.
    pub async fn scrub_once(&self) -> Result<(), StoreError> {
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let version = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA user_version",
            ))
            .await
            .map_err(db("read the key store's format"))?
            .and_then(|row| row.try_get_by_index::<i64>(0).ok())
            .unwrap_or_default();
        if version >= SCRUBBED_FORMAT {
            return Ok(());
        }
        for statement in [
            "PRAGMA secure_delete = ON",
            "VACUUM",
            &format!("PRAGMA user_version = {SCRUBBED_FORMAT}"),
        ] {
            self.db
                .execute_unprepared(statement)
                .await
                .map_err(db("rewrite the key store without leftovers"))?;
        }
        Ok(())
    }

    /// The key store's connection (for migrations and tests).
    pub fn connection(&self) -> &impl ConnectionTrait {
        &self.db
    }
}

#[cfg(test)]
mod tests {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    use super::{NONCE_LEN, SEAL_VERSION, StoreError, open_with, seal_with};

    const KEY: [u8; 32] = [7; 32];
    const AAD: &[u8] = b"pledge/v1/comment/body/someone";

    fn reference() -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&KEY.into())
    }

    #[test]
    fn sealed_values_open_with_the_reference_implementation() {
        for plaintext in [
            &b""[..],
            b"x",
            b"a comment of a few dozen bytes, as most fields are",
        ] {
            let sealed = seal_with(&KEY, AAD, plaintext).unwrap();
            assert_eq!(sealed.first(), Some(&SEAL_VERSION));
            let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
            let nonce: [u8; NONCE_LEN] = nonce.try_into().unwrap();
            let opened = reference()
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: ciphertext,
                        aad: AAD,
                    },
                )
                .unwrap();
            assert_eq!(opened, plaintext);
        }
    }

    #[test]
    fn values_sealed_by_the_reference_implementation_open() {
        let nonce = [9u8; NONCE_LEN];
        let ciphertext = reference()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: b"203.0.113.9",
                    aad: AAD,
                },
            )
            .unwrap();
        let mut sealed = vec![SEAL_VERSION];
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        assert_eq!(open_with(&KEY, AAD, &sealed).unwrap(), b"203.0.113.9");
    }

    #[test]
    fn a_wrong_key_place_version_or_byte_does_not_open() {
        let sealed = seal_with(&KEY, AAD, b"secret").unwrap();
        let unseal =
            |result: Result<Vec<u8>, StoreError>| matches!(result, Err(StoreError::Unseal));
        assert!(unseal(open_with(&[8; 32], AAD, &sealed)));
        assert!(unseal(open_with(
            &KEY,
            b"pledge/v1/comment/body/other",
            &sealed
        )));
        let mut versioned = sealed.clone();
        versioned[0] = 2;
        assert!(unseal(open_with(&KEY, AAD, &versioned)));
        for position in [1, NONCE_LEN + 1, sealed.len() - 1] {
            let mut flipped = sealed.clone();
            flipped[position] ^= 1;
            assert!(unseal(open_with(&KEY, AAD, &flipped)), "byte {position}");
        }
        assert!(unseal(open_with(&KEY, AAD, &sealed[..NONCE_LEN + 10])));
        assert!(unseal(open_with(&KEY, AAD, &[])));
    }
}

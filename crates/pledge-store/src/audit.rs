//! The audit log in the database: chained appends serialised on both backends, group commit,
//! signed checkpoints, verification.
//!
//! Appends happen inside the caller's transaction, so an audited change and its audit entry
//! commit or roll back together. The chain needs appends in order: on PostgreSQL the append
//! takes a transaction-scoped advisory lock before reading the chain head; on SQLite the store
//! uses a single connection, so transactions are serial already.

use pledge_audit::{
    ActorKey, AuditLog, Checkpoint, Event, MacKey, PseudonymKey, Record, SigningKey, SubjectKey,
    VerifiedLog, verify,
};
use pledge_domain::PersonId;
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use time::OffsetDateTime;

use crate::StoreError;
use crate::entity::{audit_checkpoint, audit_record};
use crate::error::db;

/// Audit rows per `INSERT` (four parameters each).
const APPEND_CHUNK: usize = 1_000;

/// The advisory lock id that serialises audit appends on PostgreSQL ("pledge" in ASCII).
const AUDIT_LOCK: i64 = 0x706c_6564_6765;

/// The keys and operations of the database-backed audit log.
#[derive(Debug, Clone)]
pub struct DbAudit {
    mac: MacKey,
    pseudonyms: PseudonymKey,
    signer: SigningKey,
}

/// The records `select` finds, in order.
async fn records_of<C: ConnectionTrait>(
    select: sea_orm::Select<audit_record::Entity>,
    db_: &C,
) -> Result<Vec<Record>, StoreError> {
    select
        .order_by_asc(audit_record::Column::Seq)
        .all(db_)
        .await
        .map_err(db("read the audit log"))?
        .into_iter()
        .map(to_record)
        .collect()
}

fn to_record(row: audit_record::Model) -> Result<Record, StoreError> {
    let seq = u64::try_from(row.seq).map_err(|_| StoreError::Corrupt {
        what: "audit sequence",
    })?;
    let mac: [u8; 32] = row
        .mac
        .try_into()
        .map_err(|_| StoreError::Corrupt { what: "audit MAC" })?;
    Ok(Record::from_parts(
        seq,
        pledge_audit::Head::from_bytes(mac),
        row.entry,
    ))
}

async fn lock_chain<C: ConnectionTrait>(txn: &C) -> Result<(), StoreError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))
            .await
            .map_err(db("lock the audit chain"))?;
    }
    Ok(())
}

async fn last_record<C: ConnectionTrait>(txn: &C) -> Result<Option<Record>, StoreError> {
    let row = audit_record::Entity::find()
        .order_by_desc(audit_record::Column::Seq)
        .one(txn)
        .await
        .map_err(db("read the audit chain head"))?;
    row.map(to_record).transpose()
}

impl DbAudit {
    /// The audit keys: the chain's MAC key, the pseudonym key and the checkpoint signing key.
    pub fn new(mac: &[u8; 32], pseudonyms: &[u8; 32], signer: &[u8; 32]) -> Self {
        Self {
            mac: MacKey::new(mac),
            pseudonyms: PseudonymKey::new(pseudonyms),
            signer: SigningKey::from_bytes(signer),
        }
    }

    /// The pseudonym under which `person` appears as a subject.
    pub fn subject(&self, person: PersonId) -> SubjectKey {
        self.pseudonyms.subject(person)
    }

    /// The pseudonym under which `person` appears as an actor.
    pub fn actor(&self, person: PersonId) -> ActorKey {
        self.pseudonyms.actor(person)
    }

    /// A keyed hash (hex) of `value` for finding a row by it, separated by `purpose`.
    pub fn lookup_hash(&self, purpose: &str, value: &str) -> String {
        crate::hex_text(&self.pseudonyms.lookup(purpose, value))
    }

    /// The pseudonym of a system actor (a job, the admin CLI).
    pub fn service(&self, name: &str) -> ActorKey {
        self.pseudonyms.service(name)
    }

    /// An event about `person`, by `actor`, that succeeded, with a fresh request id: the shape
    /// of every entry the store writes.
    pub fn event_about(
        &self,
        actor: ActorKey,
        action: pledge_audit::Action,
        person: PersonId,
        categories: std::collections::BTreeSet<pledge_domain::CategoryId>,
        purpose: Option<pledge_domain::PurposeId>,
    ) -> Event {
        Event {
            actor,
            action,
            subject: Some(self.subject(person)),
            categories,
            purpose,
            request: pledge_audit::RequestId::from_bytes(uuid::Uuid::now_v7().into_bytes()),
            records: Default::default(),
            outcome: pledge_audit::Outcome::Succeeded,
        }
    }

    /// An administrative event by `actor` about no one person (a breach recorded, a report
    /// filed), that succeeded, with a fresh request id.
    pub fn admin_event(&self, actor: ActorKey) -> Event {
        Event {
            actor,
            action: pledge_audit::Action::AdminAction,
            subject: None,
            categories: Default::default(),
            purpose: None,
            request: pledge_audit::RequestId::from_bytes(uuid::Uuid::now_v7().into_bytes()),
            records: Default::default(),
            outcome: pledge_audit::Outcome::Succeeded,
        }
    }

    /// Appends `events` in order inside `txn` (group commit: one transaction, one lock).
    ///
    /// # Errors
    /// An incomplete event (nothing is written), or a database failure.
    pub async fn append(
        &self,
        txn: &DatabaseTransaction,
        events: Vec<Event>,
        now: OffsetDateTime,
    ) -> Result<Vec<Record>, StoreError> {
        lock_chain(txn).await?;
        let last = last_record(txn).await?;
        let mut log = AuditLog::after(self.mac.clone(), last.as_ref())?;
        let mut records = Vec::with_capacity(events.len());
        let mut subjects = Vec::with_capacity(events.len());
        for event in events {
            subjects.push(event.subject);
            records.push(log.append(event, now)?);
        }
        let rows =
            records
                .iter()
                .zip(&subjects)
                .map(|(record, subject)| audit_record::ActiveModel {
                    seq: ActiveValue::Set(i64::try_from(record.seq()).unwrap_or(i64::MAX)),
                    mac: ActiveValue::Set(record.head().as_bytes().to_vec()),
                    entry: ActiveValue::Set(record.entry_bytes().to_vec()),
                    subject: ActiveValue::Set(subject.map(|s| s.as_bytes().to_vec())),
                });
        // In statements of at most APPEND_CHUNK rows, well inside SQLite's limit on bound
        // parameters however large the group.
        let rows: Vec<audit_record::ActiveModel> = rows.collect();
        for chunk in rows.chunks(APPEND_CHUNK) {
            audit_record::Entity::insert_many(chunk.to_vec())
                .exec(txn)
                .await
                .map_err(db("append to the audit log"))?;
        }
        Ok(records)
    }

    /// Signs and stores a checkpoint of the chain as it stands.
    ///
    /// # Errors
    /// Database failures.
    pub async fn checkpoint<C: TransactionTrait + ConnectionTrait>(
        &self,
        db_: &C,
    ) -> Result<Checkpoint, StoreError> {
        let txn = db_.begin().await.map_err(db("start a checkpoint"))?;
        lock_chain(&txn).await?;
        let log = AuditLog::after(self.mac.clone(), last_record(&txn).await?.as_ref())?;
        let checkpoint = log.checkpoint(&self.signer);
        let size = i64::try_from(checkpoint.size()).unwrap_or(i64::MAX);
        let exists = audit_checkpoint::Entity::find_by_id(size)
            .one(&txn)
            .await
            .map_err(db("read checkpoints"))?
            .is_some();
        if !exists {
            audit_checkpoint::ActiveModel {
                size: ActiveValue::Set(size),
                checkpoint: ActiveValue::Set(checkpoint.to_bytes().to_vec()),
            }
            .insert_into(&txn)
            .await?;
        }
        txn.commit().await.map_err(db("commit a checkpoint"))?;
        Ok(checkpoint)
    }

    /// Every record, in order.
    ///
    /// # Errors
    /// Database failures or malformed rows.
    pub async fn records<C: ConnectionTrait>(&self, db_: &C) -> Result<Vec<Record>, StoreError> {
        records_of(audit_record::Entity::find(), db_).await
    }

    /// Every record whose entry names no subject (sign-ins, administrative actions, denied
    /// attempts), in order: what the office's denial alerts look through.
    ///
    /// # Errors
    /// Database failures or malformed rows.
    pub async fn records_without_subject<C: ConnectionTrait>(
        &self,
        db_: &C,
    ) -> Result<Vec<Record>, StoreError> {
        let unnamed = audit_record::Entity::find().filter(audit_record::Column::Subject.is_null());
        records_of(unnamed, db_).await
    }

    /// Every record whose entry is about `subject`, in order, found through the subject index.
    /// Each decoded entry is checked against the index column, so a row whose column was
    /// altered is reported as corrupt rather than silently misattributed.
    ///
    /// # Errors
    /// Database failures or malformed rows.
    pub async fn records_about<C: ConnectionTrait>(
        &self,
        db_: &C,
        subject: SubjectKey,
    ) -> Result<Vec<(Record, pledge_audit::Entry)>, StoreError> {
        decode_about(self.rows_about(db_, subject).await?, subject)
    }

    /// The encoded entries about `subject`, in order, not yet decoded (the export's history,
    /// which needs neither sequence numbers nor MACs; see [`entry_about`]).
    pub(crate) async fn entries_about<C: ConnectionTrait>(
        &self,
        db_: &C,
        subject: SubjectKey,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        audit_record::Entity::find()
            .select_only()
            .column(audit_record::Column::Entry)
            .filter(audit_record::Column::Subject.eq(subject.as_bytes().to_vec()))
            .order_by_asc(audit_record::Column::Seq)
            .into_tuple::<Vec<u8>>()
            .all(db_)
            .await
            .map_err(db("read the audit log"))
    }

    /// The stored rows of [`Self::records_about`], not yet decoded.
    pub(crate) async fn rows_about<C: ConnectionTrait>(
        &self,
        db_: &C,
        subject: SubjectKey,
    ) -> Result<Vec<audit_record::Model>, StoreError> {
        audit_record::Entity::find()
            .filter(audit_record::Column::Subject.eq(subject.as_bytes().to_vec()))
            .order_by_asc(audit_record::Column::Seq)
            .all(db_)
            .await
            .map_err(db("read the audit log"))
    }

    /// Verifies the whole chain against every stored checkpoint, then that every row's subject
    /// column (the index [`Self::records_about`] reads) matches its MAC-protected entry.
    ///
    /// # Errors
    /// Database failures, or [`StoreError::Corrupt`] when a subject column was altered (which
    /// would hide an entry from a person's history); `Ok(Err(damage))` when the chain itself
    /// was tampered with.
    pub async fn verify<C: ConnectionTrait>(
        &self,
        db_: &C,
    ) -> Result<Result<VerifiedLog, pledge_audit::Damage>, StoreError> {
        // Checkpoints first: records read afterwards can only be longer than any checkpoint, so
        // an append landing between the two reads is never mistaken for a truncation.
        let checkpoints = audit_checkpoint::Entity::find()
            .order_by_asc(audit_checkpoint::Column::Size)
            .all(db_)
            .await
            .map_err(db("read checkpoints"))?
            .into_iter()
            .map(|row| Checkpoint::from_bytes(&row.checkpoint).map_err(StoreError::from))
            .collect::<Result<Vec<_>, _>>()?;
        let rows = audit_record::Entity::find()
            .order_by_asc(audit_record::Column::Seq)
            .all(db_)
            .await
            .map_err(db("read the audit log"))?;
        let columns: Vec<Option<Vec<u8>>> = rows.iter().map(|row| row.subject.clone()).collect();
        let records = rows
            .into_iter()
            .map(to_record)
            .collect::<Result<Vec<_>, _>>()?;
        let verified = verify(
            &records,
            &self.mac,
            &checkpoints,
            &self.signer.verifying_key(),
        );
        if verified.is_ok() {
            for (record, column) in records.iter().zip(&columns) {
                let subject = record.entry()?.event.subject;
                if subject.map(|s| s.as_bytes().to_vec()) != *column {
                    return Err(StoreError::Corrupt {
                        what: "audit subject index (a row's subject column differs from its entry)",
                    });
                }
            }
        }
        Ok(verified)
    }
}

/// Decodes rows read by [`DbAudit::rows_about`], checking each entry names `subject`.
pub(crate) fn decode_about(
    rows: Vec<audit_record::Model>,
    subject: SubjectKey,
) -> Result<Vec<(Record, pledge_audit::Entry)>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let entry = entry_about(&row.entry, subject)?;
            Ok((to_record(row)?, entry))
        })
        .collect()
}

/// One encoded entry read through the subject index, decoded and checked to be about
/// `subject`.
pub(crate) fn entry_about(
    encoded: &[u8],
    subject: SubjectKey,
) -> Result<pledge_audit::Entry, StoreError> {
    let entry = pledge_audit::decode(encoded)?;
    if entry.event.subject != Some(subject) {
        return Err(StoreError::Corrupt {
            what: "audit subject index",
        });
    }
    Ok(entry)
}

trait InsertInto {
    async fn insert_into<C: ConnectionTrait>(self, txn: &C) -> Result<(), StoreError>;
}

impl InsertInto for audit_checkpoint::ActiveModel {
    async fn insert_into<C: ConnectionTrait>(self, txn: &C) -> Result<(), StoreError> {
        audit_checkpoint::Entity::insert(self)
            .exec(txn)
            .await
            .map_err(db("store a checkpoint"))?;
        Ok(())
    }
}

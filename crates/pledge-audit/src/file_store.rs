//! [`FileStore`]: a log kept in one append-only file (feature `file-store`).
//!
//! The file starts with the 8 bytes `PLAUDIT1`, then holds frames: a tag (`R` for a record,
//! `C` for a checkpoint), the payload's length (`u32`, big-endian) and the payload (the record's
//! or checkpoint's byte form). Records and checkpoints share the file, so a checkpoint always
//! follows the records it covers.
//!
//! Each batch is written with one `write_all` and made durable with `fsync` before `append`
//! returns; a failed write is cut back off. A crash during a write can still leave a frame
//! half-written at the end: opening such a file fails with [`AuditError::TornTail`] rather than
//! guessing, and [`FileStore::recover`] cuts the torn frame off and says what it cut. The cut
//! frame was never acknowledged (its fsync had not returned). Anything else that is wrong with
//! the records is for [`crate::verify`] to find.
//!
//! The whole log is loaded into memory on open; one writer at a time.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::store::{check_sequence, clipped};
use crate::{AuditError, AuditStore, Checkpoint, Record};

/// The first bytes of every audit log file.
const MAGIC: &[u8; 8] = b"PLAUDIT1";
const RECORD_TAG: u8 = b'R';
const CHECKPOINT_TAG: u8 = b'C';
/// Tag and length.
const FRAME_HEADER_LEN: usize = 1 + 4;

/// An incomplete frame at the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TornTail {
    /// The byte offset where the torn frame starts (the file's length after recovery).
    pub offset: u64,
    /// How many bytes of it there are.
    pub length: u64,
    /// The number of complete records before it, so the position the record would have had.
    pub position: u64,
}

/// A log in one append-only file.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    file: File,
    /// The file's length: where the next frame goes, and where a failed write is cut back to.
    len: u64,
    records: Vec<Record>,
    checkpoints: Vec<Checkpoint>,
}

impl FileStore {
    /// Opens the log at `path`, creating it if it does not exist, and loads it.
    ///
    /// # Errors
    /// [`AuditError::TornTail`] when the file ends in the middle of a frame;
    /// [`AuditError::NotAnAuditFile`] when it is not an audit log file; [`AuditError::Io`].
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let (store, torn) = Self::load(path)?;
        match torn {
            None => Ok(store),
            Some(tail) => Err(AuditError::TornTail {
                path: path.to_path_buf(),
                tail,
            }),
        }
    }

    /// Opens the log at `path` like [`Self::open`], but cuts off a torn final frame instead of
    /// failing, and reports what it cut.
    ///
    /// # Errors
    /// [`AuditError::NotAnAuditFile`]; [`AuditError::Io`].
    pub fn recover(path: &Path) -> Result<(Self, Option<TornTail>), AuditError> {
        let (mut store, torn) = Self::load(path)?;
        if let Some(tail) = torn {
            store.cut_to(tail.offset)?;
            if tail.offset < MAGIC.len() as u64 {
                store.write_durably(MAGIC)?;
            }
        }
        Ok((store, torn))
    }

    /// Every record, without copying: what [`crate::verify`] takes.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(path: &Path) -> Result<(Self, Option<TornTail>), AuditError> {
        let io = |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let mut store = Self {
            path: path.to_path_buf(),
            file,
            len: bytes.len() as u64,
            records: Vec::new(),
            checkpoints: Vec::new(),
        };
        if bytes.is_empty() {
            store.write_durably(MAGIC)?;
            return Ok((store, None));
        }
        let torn = store.parse(&bytes)?;
        Ok((store, torn))
    }

    /// Reads the frames of `bytes` into the store; returns the torn final frame, if any.
    fn parse(&mut self, bytes: &[u8]) -> Result<Option<TornTail>, AuditError> {
        let Some(mut rest) = bytes.strip_prefix(MAGIC) else {
            if MAGIC.starts_with(bytes) {
                return Ok(Some(self.torn_at(0, bytes.len())));
            }
            return Err(self.not_an_audit_file(0, "it does not start with PLAUDIT1"));
        };
        let mut offset = MAGIC.len();
        while !rest.is_empty() {
            let Some((header, after_header)) = rest.split_first_chunk::<FRAME_HEADER_LEN>() else {
                return Ok(Some(self.torn_at(offset, rest.len())));
            };
            let [tag, length @ ..] = *header;
            let length = u32::from_be_bytes(length) as usize;
            let Some((payload, after)) = after_header.split_at_checked(length) else {
                return Ok(Some(self.torn_at(offset, rest.len())));
            };
            self.load_frame(tag, payload, offset)?;
            offset += FRAME_HEADER_LEN + length;
            rest = after;
        }
        Ok(None)
    }

    fn load_frame(&mut self, tag: u8, payload: &[u8], offset: usize) -> Result<(), AuditError> {
        match tag {
            RECORD_TAG => {
                let record = Record::from_bytes(payload)
                    .map_err(|_| self.not_an_audit_file(offset, "a record frame is too short"))?;
                self.records.push(record);
            }
            CHECKPOINT_TAG => {
                let checkpoint = Checkpoint::from_bytes(payload).map_err(|_| {
                    self.not_an_audit_file(offset, "a checkpoint frame has the wrong length")
                })?;
                self.checkpoints.push(checkpoint);
            }
            _ => return Err(self.not_an_audit_file(offset, "unknown frame tag")),
        }
        Ok(())
    }

    fn torn_at(&self, offset: usize, length: usize) -> TornTail {
        TornTail {
            offset: offset as u64,
            length: length as u64,
            position: self.records.len() as u64,
        }
    }

    fn not_an_audit_file(&self, offset: usize, reason: &'static str) -> AuditError {
        AuditError::NotAnAuditFile {
            path: self.path.clone(),
            offset: offset as u64,
            reason,
        }
    }

    fn io(&self, source: std::io::Error) -> AuditError {
        AuditError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `bytes` and waits for them to reach the disk; on failure, cuts them back off.
    fn write_durably(&mut self, bytes: &[u8]) -> Result<(), AuditError> {
        let written = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(source) => {
                // Best effort: if cutting back fails too, the next open reports a torn tail.
                let _cut = self.file.set_len(self.len);
                Err(self.io(source))
            }
        }
    }

    fn cut_to(&mut self, len: u64) -> Result<(), AuditError> {
        self.file
            .set_len(len)
            .and_then(|()| self.file.sync_all())
            .map_err(|source| self.io(source))?;
        self.len = len;
        Ok(())
    }
}

/// Appends one frame to `out`.
fn frame(out: &mut Vec<u8>, tag: u8, payload: &[u8]) -> Result<(), AuditError> {
    let length = u32::try_from(payload.len()).map_err(|_| AuditError::RecordTooLarge {
        bytes: payload.len(),
    })?;
    out.push(tag);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

impl AuditStore for FileStore {
    type Error = AuditError;

    fn append(&mut self, records: &[Record]) -> Result<(), AuditError> {
        check_sequence(self.records.len() as u64, records)?;
        let mut batch = Vec::new();
        for record in records {
            frame(&mut batch, RECORD_TAG, &record.to_bytes())?;
        }
        self.write_durably(&batch)?;
        self.records.extend_from_slice(records);
        Ok(())
    }

    fn size(&self) -> Result<u64, AuditError> {
        Ok(self.records.len() as u64)
    }

    fn read(&self, range: Range<u64>) -> Result<Vec<Record>, AuditError> {
        Ok(clipped(&self.records, range).to_vec())
    }

    fn add_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        let mut bytes = Vec::new();
        frame(&mut bytes, CHECKPOINT_TAG, &checkpoint.to_bytes())?;
        self.write_durably(&bytes)?;
        self.checkpoints.push(checkpoint.clone());
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<Checkpoint>, AuditError> {
        Ok(self.checkpoints.clone())
    }
}

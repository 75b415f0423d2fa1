//! Appending records to the current journal segment, with the fsync policy.
//!
//! # Failed writes and failed fsyncs
//!
//! A failed `write` (disk full) is rolled back: the partial frame is cut
//! off, the record gets no sequence number, the caller is told it was not
//! applied, and the writer goes on. A failed fsync is different: after it
//! the kernel may have dropped the dirty pages and marked them clean, so
//! what the page cache shows can no longer be trusted (PostgreSQL's
//! "fsyncgate"). The writer then cuts the record it was writing back out
//! (it was not acknowledged, so no restart may replay it) and *poisons*
//! itself: every later input is refused with [`JournalError::Poisoned`]
//! until the directory is reopened, which rebuilds the state from what the
//! file really holds.

use super::io::{JournalIo, SegmentFile};
use super::layout::{segment_path, sync_dir};
use super::record::{
    encode_frame, encode_header, encode_record, Record, JOURNAL_MAGIC, MAX_RECORD_LEN,
};
use super::{FsyncPolicy, JournalError};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant as WallClock;

/// The open tail segment of a journal.
#[derive(Debug)]
pub(crate) struct SegmentWriter {
    file: Box<dyn SegmentFile>,
    path: PathBuf,
    /// Sequence number of the segment's first record.
    start: u64,
    /// Bytes in the file (all of them valid).
    len: u64,
    /// Sequence number the next record gets.
    next_seq: u64,
    /// Records below this sequence number are fsynced.
    durable_seq: u64,
    policy: FsyncPolicy,
    last_sync: WallClock,
    /// Scratch buffers reused for every record.
    payload: Vec<u8>,
    frame: Vec<u8>,
    /// Set after a failed fsync, or a failed write that could not be rolled back.
    poisoned: Option<String>,
}

impl SegmentWriter {
    /// Creates the segment starting at `start` (header written; it and the
    /// directory entry fsynced unless the policy is `Never`).
    pub(crate) fn create(
        dir: &Path,
        start: u64,
        policy: FsyncPolicy,
        io: &dyn JournalIo,
    ) -> Result<Self, JournalError> {
        let path = segment_path(dir, start);
        let created = Self::write_header(dir, &path, start, policy);
        if created.is_err() {
            // A half-written header would hide the records that keep going
            // to the previous segment: leave no such file behind.
            let _ = std::fs::remove_file(&path);
        }
        created?;
        Self::resume(path, start, start, policy, io)
    }

    fn write_header(
        dir: &Path,
        path: &Path,
        start: u64,
        policy: FsyncPolicy,
    ) -> Result<(), JournalError> {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(path)
            .map_err(JournalError::io(path))?;
        Write::write_all(&mut file, &encode_header(JOURNAL_MAGIC, start))
            .map_err(JournalError::io(path))?;
        if policy.syncs_files() {
            file.sync_all().map_err(JournalError::io(path))?;
            sync_dir(dir)?;
        }
        Ok(())
    }

    /// Reopens an existing, valid segment for appending after recovery.
    /// `next_seq` is the sequence number after its last record.
    pub(crate) fn resume(
        path: PathBuf,
        start: u64,
        next_seq: u64,
        policy: FsyncPolicy,
        io: &dyn JournalIo,
    ) -> Result<Self, JournalError> {
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(JournalError::io(&path))?;
        let len = file.metadata().map_err(JournalError::io(&path))?.len();
        Ok(Self {
            file: io.segment(file, &path),
            path,
            start,
            len,
            next_seq,
            durable_seq: next_seq,
            policy,
            last_sync: WallClock::now(),
            payload: Vec::with_capacity(256),
            frame: Vec::with_capacity(256),
            poisoned: None,
        })
    }

    /// Sequence number of the segment's first record.
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// Sequence number the next record gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Records below this sequence number are on stable storage.
    pub(crate) fn durable_seq(&self) -> u64 {
        self.durable_seq
    }

    /// Writes one record (and fsyncs it when the policy says so). Returns its
    /// sequence number. On failure nothing of the record remains in the file.
    pub(crate) fn append(&mut self, record: &Record) -> Result<u64, JournalError> {
        self.check_usable()?;
        let seq = self.next_seq;
        self.payload.clear();
        encode_record(seq, record, &mut self.payload)
            .map_err(|e| JournalError::Encode(e.to_string()))?;
        if self.payload.len() > MAX_RECORD_LEN as usize {
            return Err(JournalError::Encode(format!(
                "record of {} bytes exceeds the {MAX_RECORD_LEN}-byte limit",
                self.payload.len()
            )));
        }
        self.frame.clear();
        encode_frame(&self.payload, &mut self.frame);
        if let Err(e) = self.file.write_all(&self.frame) {
            self.roll_back();
            return Err(JournalError::io(&self.path)(e));
        }
        let due = match self.policy {
            FsyncPolicy::EveryCommand => true,
            FsyncPolicy::Batched { max_delay } => self.last_sync.elapsed() >= max_delay,
            FsyncPolicy::Never => false,
        };
        if due {
            if let Err(e) = self.file.sync_data() {
                // Not acknowledged: no restart may replay it (see module docs).
                self.roll_back();
                return Err(self.poison(e));
            }
            self.durable_seq = seq + 1;
            self.last_sync = WallClock::now();
        }
        self.len += self.frame.len() as u64;
        self.next_seq += 1;
        Ok(seq)
    }

    /// Cuts a partially written or unacknowledged frame off the file so that
    /// it is never replayed and later records do not land behind garbage;
    /// if even that fails the writer refuses further use.
    fn roll_back(&mut self) {
        if let Err(e) = self.file.set_len(self.len) {
            self.poisoned = Some(format!("{}: rollback failed: {e}", self.path.display()));
        }
    }

    /// Refuses every later input after a failed fsync; returns the error
    /// for the caller at hand.
    fn poison(&mut self, e: std::io::Error) -> JournalError {
        let why = format!("{}: fsync failed: {e}", self.path.display());
        self.poisoned.get_or_insert(why);
        JournalError::io(&self.path)(e)
    }

    /// Fails with [`JournalError::Poisoned`] once the writer cannot be trusted.
    pub(crate) fn check_usable(&self) -> Result<(), JournalError> {
        match &self.poisoned {
            Some(why) => Err(JournalError::Poisoned(why.clone())),
            None => Ok(()),
        }
    }

    /// Forces every written record to stable storage.
    pub(crate) fn sync(&mut self) -> Result<(), JournalError> {
        self.check_usable()?;
        if self.durable_seq == self.next_seq {
            self.last_sync = WallClock::now();
            return Ok(());
        }
        if let Err(e) = self.file.sync_data() {
            return Err(self.poison(e));
        }
        self.durable_seq = self.next_seq;
        self.last_sync = WallClock::now();
        Ok(())
    }

    /// Under [`FsyncPolicy::Batched`] with records not yet fsynced, how long
    /// until [`SegmentWriter::sync_if_due`] will sync them.
    pub(crate) fn sync_due_in(&self) -> Option<std::time::Duration> {
        match self.policy {
            FsyncPolicy::Batched { max_delay } if self.durable_seq < self.next_seq => {
                Some(max_delay.saturating_sub(self.last_sync.elapsed()))
            }
            _ => None,
        }
    }

    /// Under [`FsyncPolicy::Batched`], fsyncs when records have waited
    /// `max_delay` or longer. Returns whether it synced.
    pub(crate) fn sync_if_due(&mut self) -> Result<bool, JournalError> {
        let due = match self.policy {
            FsyncPolicy::Batched { max_delay } => self.last_sync.elapsed() >= max_delay,
            FsyncPolicy::EveryCommand | FsyncPolicy::Never => false,
        };
        if due && self.durable_seq < self.next_seq {
            self.sync()?;
            return Ok(true);
        }
        Ok(false)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::journal::io::OsIo;
    use crate::time::Instant;

    #[test]
    fn a_failed_write_is_reported_and_a_failed_rollback_poisons_the_writer() {
        // /dev/full refuses every write (ENOSPC) and cannot be truncated.
        let path = PathBuf::from("/dev/full");
        if !path.exists() {
            return; // a minimal container without it
        }
        let mut w = SegmentWriter::resume(path, 0, 0, FsyncPolicy::Never, &OsIo).unwrap();
        let tick = Record::Tick {
            now: Instant::from_millis(1),
        };
        assert!(matches!(w.append(&tick), Err(JournalError::Io { .. })));
        assert_eq!(w.next_seq(), 0, "a failed record takes no sequence number");
        assert!(matches!(w.append(&tick), Err(JournalError::Poisoned(_))));
    }
}

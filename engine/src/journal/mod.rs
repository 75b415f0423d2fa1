//! Durable journal, snapshots and restart without loss (R-7.2).
//!
//! [`DurableEngine`] wraps an [`Engine`](crate::Engine) and writes every input
//! that can change its state — commands (accepted or refused), timer ticks and
//! the events switch — to an append-only journal *before* applying it. Since
//! the engine is deterministic, replaying the journal reproduces the state bit
//! for bit. Periodic snapshots (the engine's full serde state) bound what a
//! restart has to replay: recovery loads the newest snapshot and replays only
//! the journal records after it.
//!
//! # Directory layout
//!
//! ```text
//! snapshot-<seq>.snap   engine state after the first <seq> records
//! journal-<seq>.log     records <seq>, <seq>+1, ... (a segment)
//! ```
//!
//! Taking a snapshot at `<seq>` first starts the segment `journal-<seq>`
//! (so that a snapshot always has the segment for the records after it),
//! then writes the snapshot to a temporary file, fsyncs and renames it, so
//! it is either complete or absent; once it is durable, older segments and
//! snapshots are deleted. [`DurableEngine::close`] takes a snapshot, so a
//! clean restart replays nothing. The byte format (headers with
//! magic and [`FORMAT_VERSION`], length + CRC framed records) is described in
//! the `record` module.
//!
//! # What "acknowledged" means
//!
//! [`DurableEngine::handle`] returns only after the record has been handed to
//! the operating system (one `write` per record), so an acknowledged input
//! survives the process being killed under every [`FsyncPolicy`]. Surviving a
//! power loss or kernel crash needs the record fsynced:
//! [`FsyncPolicy::EveryCommand`] does that before `handle` returns;
//! [`FsyncPolicy::Batched`] does it at most `max_delay` later (on the next
//! input, or when the embedder calls [`DurableEngine::sync_if_due`] or
//! [`DurableEngine::sync`]); [`DurableEngine::durable_seq`] tells how far the
//! fsynced prefix reaches.
//!
//! # Recovery
//!
//! An incomplete last record — its length runs past the end of the file, or
//! the file ends in zeros — was cut by a crash while it was being written:
//! it was never acknowledged and is truncated away. A *complete* record with
//! a bad CRC, anywhere, and any damaged record with valid records after it,
//! were changed after they were written: [`DurableEngine::open`] fails with
//! [`JournalError::CorruptRecord`] naming the record, and changes nothing.
//! A missing segment after the newest snapshot is
//! [`JournalError::MissingSegment`], a hole between segments
//! [`JournalError::Gap`]. The journal never yields a silently partial state.
//! Effects and events produced while replaying were delivered before the
//! restart and are discarded.
//!
//! # Failure model
//!
//! What is promised for each fault class (tests in `engine/tests/`:
//! `journal_faults.rs`, `journal_recovery.rs`, `journal_props.rs`,
//! `journal_kill.rs`):
//!
//! | fault | promise |
//! |---|---|
//! | process crash (kill -9) | every acknowledged input is recovered, under every [`FsyncPolicy`]; a record cut mid-write was not acknowledged and is truncated |
//! | power loss / kernel crash | [`FsyncPolicy::EveryCommand`]: every acknowledged input is recovered. `Batched`: at most `max_delay` of input is lost; `Never`: anything not yet written back may be lost. Recovery always yields an exact prefix of the inputs, never a mix |
//! | disk full (failed `write`) | the input is refused with [`JournalError::Io`] and not applied; the partial frame is cut off; the journal continues once there is room |
//! | failed fsync (EIO) | the input being written is refused, not applied, and cut back out of the file so no restart replays it; the journal is then *poisoned*: every later input, sync and snapshot is refused with [`JournalError::Poisoned`] until the directory is reopened (after a failed fsync the page cache cannot be trusted). Inputs acknowledged before it (group commit) stay. If power is lost before the reopen, the refused record may or may not be on disk |
//! | corruption (bit rot, a flipped byte, a truncated middle) | open fails with an error naming the file, the record and the byte offset; nothing is truncated or rewritten. Use [`read_presence`] and a fresh directory (below) |
//! | operator mistakes | a deleted segment or snapshot, a renamed or copied segment, files of another format version: open fails with a typed error. Deleting files cannot let a second writer in (the lock is on the directory). A second process opening the directory gets [`JournalError::Locked`] |
//!
//! Faults are injected in tests through [`JournalIo`] ([`FaultyIo`]), the
//! small trait the segment file operations go through.
//!
//! # Starting over without the journal (R-7.1)
//!
//! When a journal cannot be used (corruption reported by
//! [`DurableEngine::open`]) or is deliberately reset (e.g. for a new
//! configuration), phone agents can still be logged back on:
//! [`read_presence`] gets their logon state from the old directory (newest
//! snapshot plus whatever of the journal after it is readable); move the old
//! directory aside, open a fresh one, and call
//! [`DurableEngine::restore_presence`], which follows the restore policies of
//! the new configuration and journals the restore.
//!
//! # Single writer
//!
//! One writer owns a journal directory at a time: [`DurableEngine::open`]
//! takes an exclusive lock (`flock`) on the directory itself and holds it
//! for the engine's lifetime (the OS drops it if the process dies), and a
//! second open fails with [`JournalError::Locked`]. Locking the directory
//! rather than a file in it means no file an operator deletes can let a
//! second writer in.

mod durable;
mod io;
mod layout;
mod record;
mod recovery;
mod snapshot;
mod store;
mod writer;

pub use durable::{DurableEngine, DurableError};
pub use io::{FaultyIo, JournalIo, OsIo, SegmentFile};
pub use record::{Record, FORMAT_VERSION};
pub use recovery::{read_journal, read_presence, JournalContents, RecoveryReport};
pub use store::EngineStore;

use std::path::PathBuf;
use std::time::Duration;

/// When journal writes are forced to stable storage (fsync).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FsyncPolicy {
    /// fsync every record before [`DurableEngine::handle`] returns: nothing
    /// acknowledged is lost even on power failure. Slowest.
    #[default]
    EveryCommand,
    /// fsync at most `max_delay` after a record was written (group commit):
    /// a power failure loses at most the last `max_delay` of input; a process
    /// crash loses nothing acknowledged.
    Batched {
        /// Longest time a written record may stay un-fsynced while inputs
        /// keep arriving (see [`DurableEngine::sync_if_due`] for idle times).
        max_delay: Duration,
    },
    /// Never fsync anything (records, snapshots, directory changes): survives
    /// a process crash, not a power failure. For simulations and tests.
    Never,
}

impl FsyncPolicy {
    /// Whether snapshots, new segments and directory changes are fsynced
    /// (all policies but [`FsyncPolicy::Never`]).
    pub(crate) fn syncs_files(self) -> bool {
        self != FsyncPolicy::Never
    }
}

/// How a [`DurableEngine`] journals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JournalOptions {
    /// When records are fsynced.
    pub fsync: FsyncPolicy,
    /// Take a snapshot automatically after this many records since the last
    /// one; `None` = only when [`DurableEngine::snapshot`] is called.
    pub snapshot_every: Option<u64>,
}

impl Default for JournalOptions {
    fn default() -> Self {
        Self {
            fsync: FsyncPolicy::EveryCommand,
            snapshot_every: Some(100_000),
        }
    }
}

/// The default journal directory of an embedded engine, relative to the
/// working directory.
pub const DEFAULT_DIR: &str = "acd-journal";

/// Why the journal could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An operating-system I/O error.
    #[error("journal I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A file header is not what it should be (wrong magic or damaged).
    #[error("{path}: bad file header ({reason})")]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The file was written by an incompatible format version.
    #[error("{path}: format version {found} is not supported (this build reads {supported})")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// A damaged record with valid records after it: the journal cannot be
    /// replayed without losing acknowledged input.
    #[error("{path}: corrupt journal record at byte {offset} (record {seq}): {reason}")]
    CorruptRecord {
        /// The segment.
        path: PathBuf,
        /// Byte offset of the damaged frame.
        offset: u64,
        /// Sequence number the record should have had.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// A snapshot file is damaged or undecodable.
    #[error("{path}: corrupt snapshot: {reason}")]
    CorruptSnapshot {
        /// The snapshot.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A snapshot written in a schema this build cannot read
    /// ([`crate::SnapshotError::UnknownSchema`]).
    #[error(
        "{path}: snapshot schema {found} is not supported (this build reads {} to {})",
        crate::OLDEST_SNAPSHOT_SCHEMA,
        crate::SNAPSHOT_SCHEMA
    )]
    UnsupportedSnapshotSchema {
        /// The snapshot.
        path: PathBuf,
        /// The schema named in the snapshot.
        found: u64,
    },
    /// Records are missing between segments, or between the snapshot and the journal.
    #[error("journal gap in {path}: expected record {expected}, found {found}")]
    Gap {
        /// The segment where the gap shows.
        path: PathBuf,
        /// The sequence number expected.
        expected: u64,
        /// The sequence number found.
        found: u64,
    },
    /// Another process (or another `DurableEngine` in this one) has the
    /// directory open: two writers would corrupt the journal.
    #[error("{dir}: journal directory is in use by another writer")]
    Locked {
        /// The journal directory.
        dir: PathBuf,
    },
    /// The segment holding the records after the newest snapshot is gone
    /// (it is always created before the snapshot): acknowledged records may
    /// have been deleted.
    #[error(
        "{dir}: journal segment for the records from {seq} on is missing \
         (journal-{seq:020}.log); acknowledged records after snapshot {seq} may be lost"
    )]
    MissingSegment {
        /// The journal directory.
        dir: PathBuf,
        /// The sequence number the segment should start at.
        seq: u64,
    },
    /// Journal segments exist but no snapshot to start replay from.
    #[error("{dir}: journal segments but no snapshot")]
    MissingSnapshot {
        /// The journal directory.
        dir: PathBuf,
    },
    /// The configuration of a new journal was refused by the engine.
    #[error("engine configuration refused: {0}")]
    Config(#[from] crate::Error),
    /// A record or snapshot could not be encoded.
    #[error("encoding failed: {0}")]
    Encode(String),
    /// An earlier write failed and could not be rolled back; the journal
    /// accepts nothing more (reopen the directory to recover).
    #[error("journal unusable after an earlier write failure: {0}")]
    Poisoned(String),
}

impl JournalError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> JournalError {
        let path = path.into();
        move |source| JournalError::Io { path, source }
    }
}

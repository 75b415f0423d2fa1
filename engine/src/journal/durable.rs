//! [`DurableEngine`]: an [`Engine`] whose every state-changing input is
//! journaled before it is applied.

use super::io::{JournalIo, OsIo};
use super::layout;
use super::record::Record;
use super::recovery::{self, RecoveryReport};
use super::snapshot;
use super::writer::SegmentWriter;
use super::{JournalError, JournalOptions};
use crate::command::Command;
use crate::config::EngineConfig;
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::TenantId;
use crate::output::{Effect, Event};
use crate::restore::{Presence, RestoreReport};
use crate::time::Instant;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why [`DurableEngine::handle`] failed.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// The command was journaled and given to the engine, which refused it
    /// (state unchanged apart from timers due by `now`, as with
    /// [`Engine::handle`]). It is acknowledged: a restart replays the same refusal.
    #[error(transparent)]
    Engine(#[from] Error),
    /// The command could not be journaled and was not applied. Not acknowledged.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The command was journaled and applied (its engine outcome is
    /// `outcome`), but the automatic snapshot after it failed; the journal
    /// keeps growing until a snapshot succeeds.
    #[error("command applied, but the automatic snapshot failed: {error}")]
    Snapshot {
        /// The engine's answer to the command.
        outcome: Result<(), Error>,
        /// The snapshot failure.
        error: Box<JournalError>,
    },
}

/// An engine backed by a journal directory (R-7.2): nothing acknowledged is
/// lost by a crash or restart. See the [module docs](super) for the
/// guarantees of each [`super::FsyncPolicy`].
///
/// Inputs go through [`DurableEngine::handle`],
/// [`DurableEngine::handle_timeout`] and
/// [`DurableEngine::set_events_enabled`]; queries go through
/// [`DurableEngine::engine`].
///
/// ```
/// use acd_engine::journal::{DurableEngine, JournalOptions};
/// use acd_engine::*;
///
/// let dir = tempfile::tempdir().unwrap();
/// let mut tenant = TenantConfig::new("acme");
/// tenant.groups.push(GroupConfig::new("support", &["support"]));
/// tenant.agents.push(AgentConfig::new("alice", &[("support", 5)]));
/// let config = EngineConfig { tenants: vec![tenant], ..EngineConfig::default() };
/// let acme = TenantId::new("acme");
///
/// let (mut durable, report) =
///     DurableEngine::open(dir.path(), config.clone(), JournalOptions::default()).unwrap();
/// assert!(report.fresh);
/// let logon = Command::Logon { agent: "alice".into(), extension: "2001".into(), media: vec![] };
/// durable.handle(Instant::from_secs(1), &acme, logon).unwrap(); // journaled, fsynced, applied
/// durable.handle(Instant::from_secs(2), &acme, Command::call_arrived(CallSpec::new("c1", "support")))
///     .unwrap();
/// drop(durable); // or a crash: nothing acknowledged is lost
///
/// let (durable, report) =
///     DurableEngine::open(dir.path(), config, JournalOptions::default()).unwrap();
/// assert_eq!((report.fresh, report.replayed), (false, 2));
/// assert_eq!(durable.engine().queue_len(&"acme".into(), &"support".into()).unwrap(), 1);
/// ```
#[derive(Debug)]
pub struct DurableEngine {
    engine: Engine,
    writer: SegmentWriter,
    dir: PathBuf,
    options: JournalOptions,
    /// Records covered by the newest snapshot.
    snapshot_seq: u64,
    /// Where segment files come from (the OS, or a fault injector in tests).
    io: Arc<dyn JournalIo>,
    /// Held open for the engine's lifetime: the exclusive lock on the
    /// directory itself (released by the OS if the process dies).
    _lock: fs::File,
}

/// Takes the exclusive lock of a journal directory, creating it if needed.
///
/// The lock is on the directory itself (an `flock` on its descriptor), not
/// on a file inside it: an operator cleaning up files cannot unlink it and
/// let a second writer in. The OS drops it if the process dies.
fn lock_dir(dir: &Path) -> Result<fs::File, JournalError> {
    fs::create_dir_all(dir).map_err(JournalError::io(dir))?;
    let handle = fs::File::open(dir).map_err(JournalError::io(dir))?;
    match handle.try_lock() {
        Ok(()) => Ok(handle),
        Err(fs::TryLockError::WouldBlock) => Err(JournalError::Locked {
            dir: dir.to_path_buf(),
        }),
        Err(fs::TryLockError::Error(e)) => Err(JournalError::io(dir)(e)),
    }
}

/// Applies one journaled record to an engine, exactly as it was applied live.
pub(crate) fn apply(engine: &mut Engine, record: Record) -> Result<(), Error> {
    match record {
        Record::Command {
            now,
            tenant,
            command,
        } => engine.handle(now, &tenant, command),
        Record::Tick { now } => {
            engine.handle_timeout(now);
            Ok(())
        }
        Record::EventsEnabled { on } => {
            engine.set_events_enabled(on);
            Ok(())
        }
        Record::Restore { now, presence } => {
            engine.restore_presence(now, &presence);
            Ok(())
        }
    }
}

impl DurableEngine {
    /// Opens the journal in `dir`, creating the directory and a new engine
    /// from `config` when it holds no journal, and otherwise recovering the
    /// state from it (`config` is then ignored: configuration changes are
    /// journaled commands). Effects and events produced while replaying
    /// were delivered before the restart and are discarded.
    pub fn open(
        dir: impl AsRef<Path>,
        config: EngineConfig,
        options: JournalOptions,
    ) -> Result<(DurableEngine, RecoveryReport), JournalError> {
        Self::open_with_io(dir, config, options, Arc::new(OsIo))
    }

    /// [`DurableEngine::open`] with the journal's segment files going
    /// through `io`: for fault-injection tests ([`super::FaultyIo`]).
    pub fn open_with_io(
        dir: impl AsRef<Path>,
        config: EngineConfig,
        options: JournalOptions,
        io: Arc<dyn JournalIo>,
    ) -> Result<(DurableEngine, RecoveryReport), JournalError> {
        let dir = dir.as_ref().to_path_buf();
        let lock = lock_dir(&dir)?;
        let recovered = recovery::recover(&dir, config, options.fsync, io.as_ref())?;
        let durable = DurableEngine {
            engine: recovered.engine,
            writer: recovered.writer,
            dir,
            options,
            snapshot_seq: recovered.report.snapshot_seq,
            io,
            _lock: lock,
        };
        Ok((durable, recovered.report))
    }

    /// Journals and applies one command (see [`Engine::handle`]).
    pub fn handle(
        &mut self,
        now: Instant,
        tenant: &TenantId,
        command: Command,
    ) -> Result<(), DurableError> {
        let record = Record::Command {
            now,
            tenant: tenant.clone(),
            command,
        };
        self.writer.append(&record)?;
        let outcome = apply(&mut self.engine, record);
        if let Err(error) = self.snapshot_if_due() {
            return Err(DurableError::Snapshot {
                outcome,
                error: Box::new(error),
            });
        }
        outcome.map_err(DurableError::Engine)
    }

    /// Journals and applies a timer tick (see [`Engine::handle_timeout`]).
    /// A `now` earlier than the engine's time changes nothing and is not journaled.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), JournalError> {
        if now < self.engine.now() {
            return Ok(());
        }
        self.record(Record::Tick { now })
    }

    /// Journals and applies [`Engine::set_events_enabled`].
    pub fn set_events_enabled(&mut self, on: bool) -> Result<(), JournalError> {
        self.record(Record::EventsEnabled { on })
    }

    /// Journals and applies [`Engine::restore_presence`] (R-7.1): phone
    /// agents logged back on after a restart without their journal.
    pub fn restore_presence(
        &mut self,
        now: Instant,
        presence: &Presence,
    ) -> Result<RestoreReport, JournalError> {
        let record = Record::Restore {
            now,
            presence: presence.clone(),
        };
        self.writer.append(&record)?;
        let report = self.engine.restore_presence(now, presence);
        self.snapshot_if_due()?;
        Ok(report)
    }

    fn record(&mut self, record: Record) -> Result<(), JournalError> {
        self.writer.append(&record)?;
        // Ticks and the events switch cannot be refused.
        let _ = apply(&mut self.engine, record);
        self.snapshot_if_due()
    }

    fn snapshot_if_due(&mut self) -> Result<(), JournalError> {
        match self.options.snapshot_every {
            Some(every) if self.writer.next_seq() - self.snapshot_seq >= every => {
                self.snapshot().map(drop)
            }
            _ => Ok(()),
        }
    }

    /// Writes a snapshot of the current state, starts a new journal segment
    /// and deletes the files the snapshot makes obsolete. Returns the number
    /// of records the snapshot covers.
    pub fn snapshot(&mut self) -> Result<u64, JournalError> {
        self.writer.check_usable()?;
        let seq = self.writer.next_seq();
        if seq == self.snapshot_seq {
            return Ok(seq);
        }
        let fsync = self.options.fsync.syncs_files();
        if fsync {
            // The records the snapshot covers are durable before it is.
            self.writer.sync()?;
        }
        // The segment for the records after the snapshot exists before the
        // snapshot does, so recovery can require it: a snapshot without the
        // segment starting at its sequence means a deleted segment.
        if self.writer.start() != seq {
            self.writer =
                SegmentWriter::create(&self.dir, seq, self.options.fsync, self.io.as_ref())?;
        }
        snapshot::write(&self.dir, seq, &self.engine, fsync)?;
        self.snapshot_seq = seq;
        let layout = layout::scan(&self.dir)?;
        recovery::remove_obsolete(&self.dir, &layout, seq, seq, fsync)?;
        Ok(seq)
    }

    /// Forces every journaled record to stable storage.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        self.writer.sync()
    }

    /// Under [`super::FsyncPolicy::Batched`], fsyncs records that have waited
    /// `max_delay` or longer; call it from the embedder's timer when inputs
    /// pause. Returns whether it synced.
    pub fn sync_if_due(&mut self) -> Result<bool, JournalError> {
        self.writer.sync_if_due()
    }

    /// Under [`super::FsyncPolicy::Batched`] with records not yet fsynced:
    /// how long until [`DurableEngine::sync_if_due`] should be called (zero
    /// = now). `None` when nothing waits for an fsync. An embedder's event
    /// loop arms a timer with it, next to [`DurableEngine::poll_timeout`].
    pub fn sync_due_in(&self) -> Option<std::time::Duration> {
        self.writer.sync_due_in()
    }

    /// Records below this sequence number are on stable storage.
    pub fn durable_seq(&self) -> u64 {
        self.writer.durable_seq()
    }

    /// Number of records journaled so far: the sequence number of the next.
    pub fn next_seq(&self) -> u64 {
        self.writer.next_seq()
    }

    /// Records covered by the newest snapshot.
    pub fn snapshot_seq(&self) -> u64 {
        self.snapshot_seq
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The engine, for queries.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine's log of changed records, for incremental read-only views
    /// (not an input: nothing is journaled).
    #[cfg(feature = "runtime")]
    pub(crate) fn change_log(&mut self) -> &mut crate::changes::ChangeLog {
        &mut self.engine.core.changes
    }

    /// See [`Engine::poll_timeout`].
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.engine.poll_timeout()
    }

    /// See [`Engine::poll_effect`].
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.engine.poll_effect()
    }

    /// See [`Engine::poll_event`].
    pub fn poll_event(&mut self) -> Option<Event> {
        self.engine.poll_event()
    }

    /// See [`Engine::drain_effects`].
    pub fn drain_effects(&mut self) -> impl Iterator<Item = Effect> + '_ {
        self.engine.drain_effects()
    }

    /// See [`Engine::drain_events`].
    pub fn drain_events(&mut self) -> impl Iterator<Item = Event> + '_ {
        self.engine.drain_events()
    }

    /// Syncs the journal, takes a snapshot of the final state (so the next
    /// open replays nothing) and gives up the engine.
    pub fn close(mut self) -> Result<Engine, JournalError> {
        self.writer.sync()?;
        self.snapshot()?;
        Ok(self.engine)
    }
}

//! [`EngineStore`]: an engine kept in memory, or behind a journal — one type
//! for the code that drives an engine (the runtime's shard writers, the
//! simulator), so that running with the journal on is a choice made where
//! the engine is built, not a second code path.

use super::{DurableEngine, DurableError, JournalError};
use crate::{Command, Effect, Engine, Error, Event, Instant, TenantId};

/// An engine in memory, or a [`DurableEngine`] writing every input to its
/// journal before applying it.
#[derive(Debug)]
// One per shard or simulation: keeping the in-memory engine inline saves an
// indirection on every access; the journaled one is boxed (its writer state).
#[allow(clippy::large_enum_variant)]
pub enum EngineStore {
    /// In memory only: a restart loses what is not otherwise saved.
    Memory(Engine),
    /// Journaled: nothing acknowledged is lost by a crash or restart.
    Journaled(Box<DurableEngine>),
}

impl From<Engine> for EngineStore {
    fn from(engine: Engine) -> Self {
        EngineStore::Memory(engine)
    }
}

impl From<DurableEngine> for EngineStore {
    fn from(engine: DurableEngine) -> Self {
        EngineStore::Journaled(Box::new(engine))
    }
}

impl EngineStore {
    /// The engine, for queries.
    pub fn engine(&self) -> &Engine {
        match self {
            EngineStore::Memory(e) => e,
            EngineStore::Journaled(d) => d.engine(),
        }
    }

    /// The engine's log of changed records, for incremental read-only views.
    #[cfg(feature = "runtime")]
    pub(crate) fn change_log(&mut self) -> &mut crate::changes::ChangeLog {
        match self {
            EngineStore::Memory(e) => &mut e.core.changes,
            EngineStore::Journaled(d) => d.change_log(),
        }
    }

    /// Applies a command (journaling it first when journaled). A journal
    /// failure means the command was not applied.
    pub fn handle(
        &mut self,
        now: Instant,
        tenant: &TenantId,
        command: Command,
    ) -> Result<(), DurableError> {
        match self {
            EngineStore::Memory(e) => e.handle(now, tenant, command).map_err(DurableError::Engine),
            EngineStore::Journaled(d) => d.handle(now, tenant, command),
        }
    }

    /// Fires due timers (journaling the tick first when journaled).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), JournalError> {
        match self {
            EngineStore::Memory(e) => {
                e.handle_timeout(now);
                Ok(())
            }
            EngineStore::Journaled(d) => d.handle_timeout(now),
        }
    }

    /// See [`Engine::set_events_enabled`].
    pub fn set_events_enabled(&mut self, on: bool) -> Result<(), JournalError> {
        match self {
            EngineStore::Memory(e) => {
                e.set_events_enabled(on);
                Ok(())
            }
            EngineStore::Journaled(d) => d.set_events_enabled(on),
        }
    }

    /// See [`Engine::poll_timeout`].
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        match self {
            EngineStore::Memory(e) => e.poll_timeout(),
            EngineStore::Journaled(d) => d.poll_timeout(),
        }
    }

    /// See [`Engine::poll_effect`].
    pub fn poll_effect(&mut self) -> Option<Effect> {
        match self {
            EngineStore::Memory(e) => e.poll_effect(),
            EngineStore::Journaled(d) => d.poll_effect(),
        }
    }

    /// See [`Engine::poll_event`].
    pub fn poll_event(&mut self) -> Option<Event> {
        match self {
            EngineStore::Memory(e) => e.poll_event(),
            EngineStore::Journaled(d) => d.poll_event(),
        }
    }

    /// Fsyncs the journal when the batched policy says it is time; a no-op
    /// in memory. See [`DurableEngine::sync_if_due`].
    pub fn sync_if_due(&mut self) -> Result<bool, JournalError> {
        match self {
            EngineStore::Memory(_) => Ok(false),
            EngineStore::Journaled(d) => d.sync_if_due(),
        }
    }

    /// How long until [`EngineStore::sync_if_due`] has work, if ever.
    pub fn sync_due_in(&self) -> Option<std::time::Duration> {
        match self {
            EngineStore::Memory(_) => None,
            EngineStore::Journaled(d) => d.sync_due_in(),
        }
    }

    /// The engine's outcome of a command, whatever the journal said after
    /// applying it; `None` when the command was not applied.
    pub fn outcome(result: &Result<(), DurableError>) -> Option<Result<(), Error>> {
        match result {
            Ok(()) => Some(Ok(())),
            Err(DurableError::Engine(e)) => Some(Err(e.clone())),
            Err(DurableError::Snapshot { outcome, .. }) => Some(outcome.clone()),
            Err(DurableError::Journal(_)) => None,
        }
    }
}

//! Errors of the runtime layer: refusals at the door (back-pressure, unknown
//! tenant, shut down), failures of a waited-for command, and start/stop
//! problems. The engine's own [`crate::Error`] is carried unchanged.

use crate::{Error, TenantId};

/// Why a command was not accepted into a shard's inbox. A refused command
/// was not queued: nothing is ever dropped silently.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// The shard's inbox is full; retry later or shed load upstream.
    #[error("shard {shard} inbox is full (back-pressure)")]
    Backpressure {
        /// Index of the shard.
        shard: usize,
    },
    /// No shard hosts this tenant.
    #[error("no shard hosts tenant {0}")]
    UnknownTenant(TenantId),
    /// The shard is shut down (or its writer thread has stopped).
    #[error("shard {shard} is shut down")]
    ShutDown {
        /// Index of the shard.
        shard: usize,
    },
}

/// Why a command whose result was awaited did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The command never entered the inbox.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// The engine refused the command (its state is unchanged).
    #[error(transparent)]
    Engine(#[from] Error),
    /// The shard's journal could not record the command, so it was not
    /// applied (R-7.2: nothing unrecorded is acknowledged).
    #[error("journal failure, command not applied: {0}")]
    Journal(String),
    /// No reply in time. The command may still be applied later.
    #[error("no reply within the timeout")]
    Timeout,
    /// The writer stopped before replying.
    #[error("the shard stopped before replying")]
    Disconnected,
}

/// Why the runtime could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The runtime needs at least one shard.
    #[error("a runtime needs at least one shard")]
    NoShards,
    /// Two shards host the same tenant; each tenant must live in exactly one.
    #[error("tenant {0} is hosted by more than one shard")]
    DuplicateTenant(TenantId),
    /// A shard's inbox capacity must be at least 1.
    #[error("shard {shard} has an inbox capacity of 0")]
    ZeroCapacity {
        /// Index of the shard.
        shard: usize,
    },
    /// The operating system refused to start a writer thread.
    #[error("could not spawn the writer thread of shard {shard}: {source}")]
    Spawn {
        /// Index of the shard.
        shard: usize,
        /// The OS error.
        source: std::io::Error,
    },
    /// A writer thread panicked (in an output sink, most likely); its engine is lost.
    #[error("the writer thread of shard {shard} panicked")]
    WriterPanicked {
        /// Index of the shard.
        shard: usize,
    },
    /// The shard's writer was still blocked in its output sink when the
    /// shutdown deadline (and grace period) passed. It was left running,
    /// detached; its engine and pending outputs are not returned.
    #[error("shard {shard} did not stop in time: its output sink is blocked")]
    ShutdownTimedOut {
        /// Index of the shard.
        shard: usize,
    },
    /// The shard stopped, but the shutdown deadline passed before its sink
    /// took every output ([`crate::runtime::Runtime::shutdown_within`] returns them).
    #[error("shard {shard} stopped with {count} outputs its sink did not take in time")]
    Undelivered {
        /// Index of the shard.
        shard: usize,
        /// Outputs not delivered.
        count: usize,
    },
}

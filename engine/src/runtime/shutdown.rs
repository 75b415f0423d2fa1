//! Stopping a runtime within a deadline, whatever its output sinks do.
//!
//! A sink runs embedder code on the writer thread and may block (a full
//! socket, a deadlocked consumer). Shutdown therefore never waits without
//! bound: it closes the inboxes, asks every writer to finish, and waits
//! until a deadline. A writer still delivering then stops calling its sink
//! and hands back the outputs it could not deliver with its engine; a
//! writer stuck inside a sink call cannot be interrupted, so it is left
//! behind (detached) and reported as [`RuntimeError::ShutdownTimedOut`].

use super::error::RuntimeError;
use super::shard::Output;
use crate::journal::EngineStore;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long [`super::Runtime::shutdown`] and dropping a runtime wait for
/// the writers before giving up on their sinks.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// After the deadline, how long writers get to notice it between two sink
/// calls and return.
const GRACE: Duration = Duration::from_millis(200);

/// How often a waiting shutdown checks the writers.
const POLL: Duration = Duration::from_millis(1);

/// A shard that stopped: its engine, and the outputs its sink did not get
/// because the shutdown deadline passed first (in production order).
#[derive(Debug)]
pub struct StoppedShard {
    /// Index of the shard.
    pub shard: usize,
    /// The engine, for persistence.
    pub engine: EngineStore,
    /// Effects and events produced but not handed to the sink.
    pub undelivered: Vec<Output>,
}

/// Waits until every writer has finished or `deadline` passes.
pub(crate) fn wait_for(writers: &[Option<JoinHandle<StoppedShard>>], deadline: Instant) {
    while writers.iter().flatten().any(|w| !w.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(POLL);
    }
}

/// The grace period's end, from now.
pub(crate) fn grace_deadline() -> Instant {
    Instant::now() + GRACE
}

/// Joins a finished writer; a writer still running is detached and reported.
pub(crate) fn collect(
    shard: usize,
    writer: JoinHandle<StoppedShard>,
) -> Result<StoppedShard, RuntimeError> {
    if writer.is_finished() {
        writer
            .join()
            .map_err(|_| RuntimeError::WriterPanicked { shard })
    } else {
        drop(writer); // detached: it is blocked in its sink
        Err(RuntimeError::ShutdownTimedOut { shard })
    }
}

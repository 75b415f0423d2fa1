//! The runtime's own measurements: the probes the writer and the submit path
//! call (commands by kind, back-pressure refusals, inbox depth, batch, snapshot
//! and journal timings) and the `tracing` spans around batches and journal
//! I/O.
//!
//! With the cargo feature `metrics` every probe reports through the
//! [`metrics`](https://docs.rs/metrics) facade (install any recorder, e.g.
//! the Prometheus one of [`crate::runtime::live`]) and opens `tracing` spans;
//! without it every probe is an empty inline function, so the runtime pays
//! nothing. Measurements derived from the engine's outputs and snapshots
//! (offers, answers, queue lengths, service level, agents by state) live in
//! [`crate::runtime::observe`]. The engine core never calls any of them.
//!
//! Metric names (all labelled with `shard`):
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `acd_commands_total` | counter | `kind` (`logon`, `call_arrived`, ...), `outcome` (`applied` / `refused`) |
//! | `acd_backpressure_refusals_total` | counter | |
//! | `acd_inbox_depth` | gauge | |
//! | `acd_batch_seconds` | histogram | |
//! | `acd_snapshot_seconds` | histogram | |
//! | `acd_journal_write_seconds` | histogram | (journaled shards) |
//! | `acd_journal_sync_seconds` | histogram | (journaled shards) |

use std::time::Instant;

/// A command was applied (`applied = true`) or refused by the engine.
#[inline]
pub(crate) fn command(shard: usize, kind: &'static str, applied: bool) {
    #[cfg(feature = "metrics")]
    {
        let outcome = if applied { "applied" } else { "refused" };
        ::metrics::counter!("acd_commands_total", "shard" => shard.to_string(), "kind" => kind, "outcome" => outcome)
            .increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (shard, kind, applied);
}

/// A submission was refused because the shard's inbox was full.
#[inline]
pub(crate) fn backpressure(shard: usize) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!("acd_backpressure_refusals_total", "shard" => shard.to_string())
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = shard;
}

/// Commands waiting in the shard's inbox at the end of a batch.
#[inline]
pub(crate) fn inbox_depth(shard: usize, depth: usize) {
    #[cfg(feature = "metrics")]
    ::metrics::gauge!("acd_inbox_depth", "shard" => shard.to_string()).set(depth as f64);
    #[cfg(not(feature = "metrics"))]
    let _ = (shard, depth);
}

/// One batch of the writer: a `tracing` span (`acd.batch`) while it lives
/// and its duration recorded when it ends.
pub(crate) struct Batch {
    #[cfg(feature = "metrics")]
    span: tracing::span::EnteredSpan,
    #[cfg(feature = "metrics")]
    shard: usize,
    started: Instant,
}

impl Batch {
    /// Starts timing a batch of `shard`.
    #[inline]
    pub(crate) fn start(shard: usize) -> Batch {
        #[cfg(not(feature = "metrics"))]
        let _ = shard;
        Batch {
            #[cfg(feature = "metrics")]
            span: tracing::debug_span!("acd.batch", shard).entered(),
            #[cfg(feature = "metrics")]
            shard,
            started: Instant::now(),
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        {
            let seconds = self.started.elapsed().as_secs_f64();
            ::metrics::histogram!("acd_batch_seconds", "shard" => self.shard.to_string())
                .record(seconds);
            tracing::trace!(parent: self.span.id(), seconds, "batch done");
        }
        #[cfg(not(feature = "metrics"))]
        let _ = self.started;
    }
}

/// What a timed operation is, for its histogram and span name.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Timed {
    /// Building a snapshot of the shard.
    Snapshot,
    /// Writing one input to the journal and applying it.
    JournalWrite,
    /// A due fsync of the journal (batched policy).
    JournalSync,
}

impl Timed {
    #[cfg(feature = "metrics")]
    fn metric(self) -> &'static str {
        match self {
            Timed::Snapshot => "acd_snapshot_seconds",
            Timed::JournalWrite => "acd_journal_write_seconds",
            Timed::JournalSync => "acd_journal_sync_seconds",
        }
    }
}

/// Runs `body` inside a `tracing` span named after `what` and records its
/// duration; with `measured == false` (e.g. a shard with no journal) it
/// only runs `body`.
#[inline]
pub(crate) fn timed<T>(shard: usize, what: Timed, measured: bool, body: impl FnOnce() -> T) -> T {
    #[cfg(feature = "metrics")]
    if measured {
        let span = tracing::debug_span!("acd.io", shard, op = ?what).entered();
        let started = Instant::now();
        let out = body();
        ::metrics::histogram!(what.metric(), "shard" => shard.to_string())
            .record(started.elapsed().as_secs_f64());
        drop(span);
        return out;
    }
    let _ = (shard, what, measured);
    body()
}

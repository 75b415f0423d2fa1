//! What a shard is made of: its engine, inbox size, batching and snapshot
//! policy, and the sink that receives its effects and events.

use crate::journal::EngineStore;
use crate::{Effect, Event};
use crossbeam_channel::{Receiver, Sender};
use std::fmt;
use std::time::Duration;

/// Default inbox capacity of a shard (commands waiting for the writer).
/// The inbox is a preallocated ring of about 250 bytes per slot.
pub const DEFAULT_INBOX_CAPACITY: usize = 8_192;
/// Default largest number of commands the writer applies before it delivers
/// outputs, publishes a snapshot and sends replies.
pub const DEFAULT_MAX_BATCH: usize = 256;

/// An output of a shard's engine, handed to the shard's sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// An instruction for the telephony side (ring, stop ringing, divert, clear).
    Effect(Effect),
    /// A call-detail or agent-state record.
    Event(Event),
}

/// Receives a shard's outputs, on the shard's writer thread, with no lock
/// held. A sink that blocks stalls its shard (whose inbox then fills up and
/// refuses new commands with back-pressure); it never loses anything.
pub type OutputSink = Box<dyn FnMut(Output) + Send + 'static>;

/// Called on the shard's writer thread, with no lock held, with every
/// snapshot it publishes (right after the batch's outputs went to the sink).
/// Observers ([`crate::runtime::observe`]) use it; like a sink, a hook that
/// blocks stalls its shard.
pub type PublishHook = Box<dyn FnMut(&std::sync::Arc<super::ShardSnapshot>) + Send + 'static>;

/// Everything needed to run one shard.
pub struct ShardConfig {
    /// The engine the shard owns: built from configuration, restored from
    /// a serialized snapshot, or opened from a journal directory
    /// ([`crate::journal::DurableEngine`], so that nothing acknowledged is
    /// lost, R-7.2). Its clock continues from its own time.
    pub engine: EngineStore,
    /// Capacity of the bounded inbox; a full inbox refuses commands with
    /// [`crate::runtime::SubmitError::Backpressure`]. At least 1.
    pub inbox_capacity: usize,
    /// Most commands applied per batch (at least 1 is used).
    pub max_batch: usize,
    /// Minimum real time between two snapshot publications. Zero (the
    /// default) publishes after every batch that changed something, before
    /// replies are sent, so a caller that waited for its command's reply
    /// always reads a snapshot that includes it. A snapshot re-reads only
    /// the agents and groups the batch changed (the rest is shared with the
    /// previous snapshot), so publishing after every batch stays cheap at
    /// any shard size; an interval still saves that work for shards with
    /// very many small batches ([`crate::runtime::RuntimeHandle::sync`]
    /// then gives a fresh snapshot where one is needed).
    pub snapshot_interval: Duration,
    /// Where effects and events go.
    pub sink: OutputSink,
    /// Called with every published snapshot (none by default).
    pub on_publish: Option<PublishHook>,
}

impl ShardConfig {
    /// A shard running `engine`, delivering outputs to `sink`, with default
    /// inbox capacity, batch size and snapshot policy.
    pub fn new(engine: impl Into<EngineStore>, sink: impl FnMut(Output) + Send + 'static) -> Self {
        Self {
            engine: engine.into(),
            inbox_capacity: DEFAULT_INBOX_CAPACITY,
            max_batch: DEFAULT_MAX_BATCH,
            snapshot_interval: Duration::ZERO,
            sink: Box::new(sink),
            on_publish: None,
        }
    }

    /// A shard whose outputs are sent to a bounded channel of `capacity`
    /// (a full channel makes the writer wait: back-pressure, no loss).
    /// Outputs produced after the receiver is dropped are discarded.
    pub fn with_channel(
        engine: impl Into<EngineStore>,
        capacity: usize,
    ) -> (Self, Receiver<Output>) {
        let (tx, rx) = crossbeam_channel::bounded(capacity.max(1));
        (Self::new(engine, channel_sink(tx)), rx)
    }

    /// Sets the inbox capacity.
    pub fn inbox_capacity(mut self, capacity: usize) -> Self {
        self.inbox_capacity = capacity;
        self
    }

    /// Sets the largest batch.
    pub fn max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch;
        self
    }

    /// Sets the minimum interval between snapshot publications.
    pub fn snapshot_interval(mut self, interval: Duration) -> Self {
        self.snapshot_interval = interval;
        self
    }
}

impl fmt::Debug for ShardConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShardConfig")
            .field(
                "tenants",
                &self.engine.engine().tenants().collect::<Vec<_>>(),
            )
            .field("inbox_capacity", &self.inbox_capacity)
            .field("max_batch", &self.max_batch)
            .field("snapshot_interval", &self.snapshot_interval)
            .finish_non_exhaustive()
    }
}

fn channel_sink(tx: Sender<Output>) -> impl FnMut(Output) + Send + 'static {
    move |output| {
        // Err only when the embedder dropped the receiver: it no longer wants outputs.
        let _ = tx.send(output);
    }
}

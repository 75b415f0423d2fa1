//! The single writer of a shard: the only thread that touches its engine.
//!
//! Loop: wait for the first message of a batch, or for the engine's next
//! timer ([`Engine::poll_timeout`] converted to real time); apply up to
//! `max_batch` messages; then, with no lock held, hand the batch's effects
//! and events to the sink, publish a snapshot and send the replies. With a
//! journaled engine, each input is written to the journal before it is
//! applied, and a batched fsync policy is served from the same loop.

use super::builder::SnapshotBuilder;
use super::clock::ShardClock;
use super::error::CallError;
use super::metrics::{self, Timed};
use super::shard::{Output, OutputSink, PublishHook, ShardConfig};
use super::shutdown::StoppedShard;
use super::snapshot::{ShardCounters, ShardSnapshot, SnapshotCell};
use crate::journal::EngineStore;
use crate::{Command, TenantId};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a shard waits before retrying timers after a journal failure.
const JOURNAL_RETRY: Duration = Duration::from_millis(100);

pub(crate) use super::reply::ReplyTx;

/// What travels through a shard's inbox. Commands travel unboxed: they are
/// nearly every message, and boxing would cost an allocation per command.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Message {
    /// Apply a command; send its result if a reply channel is given.
    Command {
        tenant: TenantId,
        command: Command,
        reply: Option<ReplyTx>,
    },
    /// Publish a snapshot now (after everything before it) and send it back.
    Sync { reply: Sender<Arc<ShardSnapshot>> },
    /// Finish: the gate is closed, so this is the last message.
    Shutdown,
}

/// Why the writer woke up.
#[allow(clippy::large_enum_variant)]
enum Wake {
    Message(Message),
    /// A timer or a deferred snapshot publication is due.
    Deadline,
    /// Every sender is gone.
    Closed,
}

/// The writer's state; lives on the shard's thread.
pub(crate) struct Writer {
    shard: usize,
    engine: EngineStore,
    clock: ShardClock,
    inbox: Receiver<Message>,
    cell: Arc<SnapshotCell>,
    /// Refreshes the published views from the engine's change log.
    builder: SnapshotBuilder,
    sink: OutputSink,
    /// Called with every published snapshot (observers, live view).
    on_publish: Option<PublishHook>,
    max_batch: usize,
    snapshot_interval: Duration,
    counters: ShardCounters,
    seq: u64,
    /// State changed since the last publication.
    dirty: bool,
    last_publish: std::time::Instant,
    replies: Vec<(ReplyTx, Result<(), CallError>)>,
    /// After a journal write failed, timers are retried no sooner than this.
    journal_retry_at: Option<std::time::Instant>,
    syncs: Vec<Sender<Arc<ShardSnapshot>>>,
    stopping: bool,
    /// Set by a shutdown whose deadline passed: stop calling the sink.
    give_up: Arc<AtomicBool>,
    /// Outputs kept from the sink after `give_up`.
    undelivered: Vec<Output>,
}

impl Writer {
    /// A writer for `config`'s engine, reading `inbox`; its first snapshot
    /// (publication 0) is already in [`Writer::cell`].
    pub(crate) fn new(
        shard: usize,
        mut config: ShardConfig,
        origin: std::time::Instant,
        inbox: Receiver<Message>,
        give_up: Arc<AtomicBool>,
    ) -> Self {
        let clock = ShardClock::new(origin, config.engine.engine().now());
        let builder = SnapshotBuilder::new(shard, &mut config.engine);
        let first = builder.latest();
        Self {
            shard,
            engine: config.engine,
            clock,
            inbox,
            cell: Arc::new(SnapshotCell::new(first)),
            builder,
            sink: config.sink,
            on_publish: config.on_publish,
            max_batch: config.max_batch.max(1),
            snapshot_interval: config.snapshot_interval,
            counters: ShardCounters::default(),
            seq: 0,
            dirty: false,
            last_publish: origin,
            replies: Vec::new(),
            journal_retry_at: None,
            syncs: Vec::new(),
            stopping: false,
            give_up,
            undelivered: Vec::new(),
        }
    }

    /// Where this writer publishes its snapshots.
    pub(crate) fn cell(&self) -> Arc<SnapshotCell> {
        Arc::clone(&self.cell)
    }

    fn gave_up(&self) -> bool {
        self.give_up.load(Ordering::SeqCst)
    }

    /// Runs until shutdown; returns the engine for persistence and
    /// the outputs a shutdown deadline kept from the sink.
    pub(crate) fn run(mut self) -> StoppedShard {
        while !self.stopping && !self.gave_up() {
            let wake = self.wait();
            let _batch = metrics::Batch::start(self.shard);
            match wake {
                Wake::Message(first) => {
                    self.apply(first);
                    self.drain_batch();
                }
                Wake::Deadline => self.fire_timers(),
                Wake::Closed => self.stopping = true,
            }
            self.finish_batch();
        }
        self.deliver_outputs();
        StoppedShard {
            shard: self.shard,
            engine: self.engine,
            undelivered: self.undelivered,
        }
    }

    /// The next real-time instant the writer must wake without a message.
    fn next_deadline(&mut self) -> Option<std::time::Instant> {
        let timer = self
            .engine
            .poll_timeout()
            .map(|at| self.clock.deadline(at))
            .map(|at| self.journal_retry_at.map_or(at, |retry| at.max(retry)));
        let publish = (self.dirty && !self.snapshot_interval.is_zero())
            .then(|| self.last_publish + self.snapshot_interval);
        let fsync = self
            .engine
            .sync_due_in()
            .map(|d| std::time::Instant::now() + d);
        [timer, publish, fsync].into_iter().flatten().min()
    }

    fn wait(&mut self) -> Wake {
        let received = match self.next_deadline() {
            Some(deadline) => self.inbox.recv_deadline(deadline),
            None => self
                .inbox
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(message) => Wake::Message(message),
            Err(RecvTimeoutError::Timeout) => Wake::Deadline,
            Err(RecvTimeoutError::Disconnected) => Wake::Closed,
        }
    }

    /// Applies more queued messages, up to the batch limit, without waiting.
    fn drain_batch(&mut self) {
        for _ in 1..self.max_batch {
            if self.stopping {
                return;
            }
            match self.inbox.try_recv() {
                Ok(message) => self.apply(message),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    self.stopping = true;
                    return;
                }
            }
        }
    }

    fn apply(&mut self, message: Message) {
        match message {
            Message::Command {
                tenant,
                command,
                reply,
            } => {
                let (kind, now) = (command.name(), self.clock.now());
                let journaled = matches!(self.engine, EngineStore::Journaled(_));
                let result = metrics::timed(self.shard, Timed::JournalWrite, journaled, || {
                    self.engine.handle(now, &tenant, command)
                });
                self.counters.commands += 1;
                let result = match EngineStore::outcome(&result) {
                    Some(outcome) => {
                        // A failed automatic snapshot still applied the command.
                        self.counters.journal_errors += u64::from(matches!(
                            result,
                            Err(crate::journal::DurableError::Snapshot { .. })
                        ));
                        outcome.map_err(CallError::Engine)
                    }
                    None => {
                        self.counters.journal_errors += 1;
                        Err(CallError::Journal(
                            result.err().map(|e| e.to_string()).unwrap_or_default(),
                        ))
                    }
                };
                if matches!(result, Err(CallError::Engine(_))) {
                    self.counters.refused += 1;
                }
                metrics::command(self.shard, kind, result.is_ok());
                self.dirty = true;
                if let Some(tx) = reply {
                    self.replies.push((tx, result));
                }
            }
            Message::Sync { reply } => self.syncs.push(reply),
            Message::Shutdown => self.stopping = true,
        }
    }

    fn fire_timers(&mut self) {
        let now = self.clock.now();
        if self.engine.poll_timeout().is_some_and(|at| at <= now) {
            self.counters.timeouts += 1;
            self.dirty = true;
            if self.engine.handle_timeout(now).is_err() {
                // Not applied: retry shortly rather than spin on a failing disk.
                self.counters.journal_errors += 1;
                self.journal_retry_at = Some(std::time::Instant::now() + JOURNAL_RETRY);
            } else {
                self.journal_retry_at = None;
            }
        }
    }

    /// Outputs, snapshot, replies — in that order, with no lock held (the
    /// snapshot is published by an atomic pointer swap).
    fn finish_batch(&mut self) {
        self.counters.batches += 1;
        let journaled = matches!(self.engine, EngineStore::Journaled(_));
        let synced = metrics::timed(self.shard, Timed::JournalSync, journaled, || {
            self.engine.sync_if_due()
        });
        if synced.is_err() {
            self.counters.journal_errors += 1;
        }
        self.deliver_outputs();
        let publish_due = self.snapshot_interval.is_zero()
            || self.last_publish.elapsed() >= self.snapshot_interval;
        if (self.dirty && (publish_due || self.stopping)) || !self.syncs.is_empty() {
            self.publish();
        }
        metrics::inbox_depth(self.shard, self.inbox.len());
        for (tx, result) in self.replies.drain(..) {
            // Err only when the caller stopped waiting.
            let _ = tx.send(result);
        }
        // Off every caller's path: prepare the next snapshot's buffer.
        self.builder.catch_up();
    }

    fn deliver_outputs(&mut self) {
        while let Some(effect) = self.engine.poll_effect() {
            self.counters.effects += 1;
            self.deliver(Output::Effect(effect));
        }
        while let Some(event) = self.engine.poll_event() {
            self.counters.events += 1;
            self.deliver(Output::Event(event));
        }
    }

    /// Hands one output to the sink, or keeps it once shutdown gave up on
    /// the sink.
    fn deliver(&mut self, output: Output) {
        if self.gave_up() {
            self.undelivered.push(output);
        } else {
            (self.sink)(output);
        }
    }

    fn publish(&mut self) {
        self.seq += 1;
        let snapshot = metrics::timed(self.shard, Timed::Snapshot, true, || {
            self.builder
                .publish(self.seq, &mut self.engine, self.counters)
        });
        self.cell.publish(Arc::clone(&snapshot));
        if let Some(hook) = &mut self.on_publish {
            hook(&snapshot);
        }
        self.dirty = false;
        self.last_publish = std::time::Instant::now();
        for tx in self.syncs.drain(..) {
            let _ = tx.send(Arc::clone(&snapshot));
        }
    }
}

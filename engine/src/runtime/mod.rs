//! A lock-light multi-threaded runtime around the sans-IO [`Engine`](crate::Engine)
//! (cargo feature `runtime`).
//!
//! Servers embed the engine with many threads feeding it: telephony
//! adapters, agent desktops, supervisors reading statistics. The runtime
//! owns one engine per *shard* (a set of tenants — tenants are isolated,
//! R-1.1, so they shard cleanly) and runs each on its own writer thread:
//!
//! - **Commands** enter a shard through a bounded crossbeam channel.
//!   [`RuntimeHandle::submit`] never blocks: a full inbox is refused with
//!   [`SubmitError::Backpressure`], so nothing is dropped silently. Use
//!   [`RuntimeHandle::submit_with_reply`] or [`RuntimeHandle::call`] to get
//!   the engine's verdict on a command.
//! - **Time**: engine time is milliseconds since [`Runtime::start`], from a
//!   monotonic clock (a restored engine continues from its own time). The
//!   writer sleeps until the next message or until
//!   [`Engine::poll_timeout`](crate::Engine::poll_timeout), whichever is first, so ring-time supervision
//!   (R-3.6), clerical time (R-3.7) and reservation deadlines (R-2.4) fire in
//!   real time.
//! - **Outputs**: after each batch the writer hands every effect and event
//!   to the shard's [`OutputSink`] on its own thread with no lock held.
//! - **Snapshots**: then it publishes an `Arc<`[`ShardSnapshot`]`>` (agent
//!   states, queue depths, group statistics). Any thread reads the latest
//!   one with [`RuntimeHandle::snapshot`] (lock-free, `arc-swap`) without
//!   ever blocking the writer. A snapshot shares everything the batch did
//!   not change with the one before, so publishing costs O(agents changed)
//!   ([`SnapshotBuilder`]).
//! - **Durability**: a shard may own a journaled engine
//!   ([`crate::journal::DurableEngine`], via [`ShardConfig::new`], which
//!   takes anything that converts into a [`crate::journal::EngineStore`]).
//!   Each command is then written to the journal before it is applied, so a
//!   reply means the command survives a crash (R-7.2); a journal failure is
//!   [`CallError::Journal`] and the command is not applied. The writer also
//!   serves the batched fsync policy from its wait loop.
//! - **Shutdown**: [`Runtime::shutdown`] applies every command already
//!   accepted, joins the threads and returns the engines (to serialize them,
//!   R-7.2). It cannot hang: after [`DEFAULT_SHUTDOWN_TIMEOUT`] (or the
//!   timeout given to [`Runtime::shutdown_within`]) writers stop calling
//!   their sinks and return what was not delivered, and a writer blocked
//!   inside its sink is left behind and reported. Dropping the runtime does
//!   the same.
//! - **Observability**: with the feature `metrics` the writer reports
//!   through the `metrics` facade and `tracing` spans, and `observe::Observer`
//!   derives queue, service-level and agent metrics from a shard's outputs
//!   and snapshots; with `live`, `live::LiveServer` serves the live
//!   supervisor view and Prometheus `/metrics`.
//!
//! ```
//! use acd_engine::runtime::{Output, Runtime, ShardConfig};
//! use acd_engine::*;
//!
//! let mut tenant = TenantConfig::new("acme");
//! tenant.groups.push(GroupConfig::new("support", &["support"]));
//! tenant.agents.push(AgentConfig::new("alice", &[("support", 5)]));
//! let engine = Engine::new(EngineConfig { tenants: vec![tenant], ..Default::default() }).unwrap();
//! let (shard, outputs) = ShardConfig::with_channel(engine, 1024);
//! let runtime = Runtime::start(vec![shard]).unwrap();
//! let rt = runtime.handle();
//! let acme = TenantId::new("acme");
//!
//! rt.call(&acme, Command::Logon { agent: "alice".into(), extension: "2001".into(), media: vec![] })
//!     .unwrap();
//! // A refused command comes back as a typed error.
//! assert!(rt.call(&acme, Command::Ready { agent: "bob".into(), media: Media::Voice }).is_err());
//! // Snapshots are readable from any thread; after a reply they include the command.
//! let snap = rt.snapshot(0).unwrap();
//! assert!(snap.agent_status(&acme, &"alice".into()).is_some());
//! let engines = runtime.shutdown().unwrap();
//! assert_eq!(engines.len(), 1);
//! drop(outputs);
//! ```

#[cfg(feature = "async-runtime")]
#[cfg_attr(docsrs, doc(cfg(feature = "async-runtime")))]
pub mod asynch;
mod builder;
mod clock;
mod error;
#[cfg(feature = "live")]
pub mod live;
mod metrics;
#[cfg(feature = "metrics")]
pub mod observe;
mod pages;
mod reply;
mod shard;
mod shutdown;
mod snapshot;
mod writer;

pub use builder::SnapshotBuilder;
pub use error::{CallError, RuntimeError, SubmitError};
pub use shard::{
    Output, OutputSink, PublishHook, ShardConfig, DEFAULT_INBOX_CAPACITY, DEFAULT_MAX_BATCH,
};
pub use shutdown::{StoppedShard, DEFAULT_SHUTDOWN_TIMEOUT};
pub use snapshot::{ShardCounters, ShardSnapshot, TenantView};

use crate::journal::EngineStore;
use crate::{Command, TenantId};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use hashbrown::HashMap;
use parking_lot::RwLock;
use snapshot::SnapshotCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use writer::{Message, Writer};

/// The embedder's side of one shard.
struct ShardLink {
    inbox: Sender<Message>,
    /// `true` while the shard accepts commands. Submitters hold the read
    /// lock across their `try_send`; shutdown takes the write lock to close
    /// it, so after that no command can slip in behind the final message.
    open: RwLock<bool>,
    snapshot: Arc<SnapshotCell>,
    /// Set when the shutdown deadline passed: the writer stops calling its sink.
    give_up: Arc<AtomicBool>,
}

/// State shared by every handle.
struct Shared {
    shards: Vec<ShardLink>,
    tenants: HashMap<TenantId, usize>,
    origin: std::time::Instant,
}

/// The running runtime: owns the writer threads. Dropping it shuts down
/// like [`Runtime::shutdown`] but discards the engines.
pub struct Runtime {
    handle: RuntimeHandle,
    writers: Vec<Option<JoinHandle<StoppedShard>>>,
}

/// A cheap, cloneable, `Send + Sync` handle for submitting commands and
/// reading snapshots from any thread.
#[derive(Clone)]
pub struct RuntimeHandle {
    shared: Arc<Shared>,
}

/// The pending result of a command submitted with
/// [`RuntimeHandle::submit_with_reply`].
#[derive(Debug)]
pub struct Reply {
    rx: Receiver<Result<(), CallError>>,
}

impl Runtime {
    /// Starts one writer thread per shard. Every tenant must be hosted by
    /// exactly one shard.
    pub fn start(shards: Vec<ShardConfig>) -> Result<Runtime, RuntimeError> {
        if shards.is_empty() {
            return Err(RuntimeError::NoShards);
        }
        let tenants = tenant_map(&shards)?;
        let origin = std::time::Instant::now();
        let mut links = Vec::with_capacity(shards.len());
        let mut writers = Vec::with_capacity(shards.len());
        for (ix, config) in shards.into_iter().enumerate() {
            if config.inbox_capacity == 0 {
                return Err(RuntimeError::ZeroCapacity { shard: ix });
            }
            let (tx, rx) = crossbeam_channel::bounded(config.inbox_capacity);
            let give_up = Arc::new(AtomicBool::new(false));
            let writer = Writer::new(ix, config, origin, rx, Arc::clone(&give_up));
            links.push(ShardLink {
                inbox: tx,
                open: RwLock::new(true),
                snapshot: writer.cell(),
                give_up,
            });
            writers.push(writer);
        }
        let mut runtime = Runtime {
            handle: RuntimeHandle {
                shared: Arc::new(Shared {
                    shards: links,
                    tenants,
                    origin,
                }),
            },
            writers: Vec::new(),
        };
        for (ix, writer) in writers.into_iter().enumerate() {
            let spawned = std::thread::Builder::new()
                .name(format!("acd-shard-{ix}"))
                .spawn(move || writer.run())
                .map_err(|source| RuntimeError::Spawn { shard: ix, source });
            // On failure, dropping `runtime` stops the writers already started.
            runtime.writers.push(Some(spawned?));
        }
        Ok(runtime)
    }

    /// A handle for other threads.
    pub fn handle(&self) -> RuntimeHandle {
        self.handle.clone()
    }

    /// Stops accepting commands, lets every writer apply what it already
    /// accepted and deliver the outputs, joins the threads and returns the
    /// engines in shard order. Gives up after [`DEFAULT_SHUTDOWN_TIMEOUT`]:
    /// a shard whose sink did not take everything in time is an error (use
    /// [`Runtime::shutdown_within`] to get its engine and outputs back).
    pub fn shutdown(mut self) -> Result<Vec<EngineStore>, RuntimeError> {
        self.stop(DEFAULT_SHUTDOWN_TIMEOUT)
            .into_iter()
            .map(|stopped| {
                let s = stopped?;
                match s.undelivered.len() {
                    0 => Ok(s.engine),
                    count => Err(RuntimeError::Undelivered {
                        shard: s.shard,
                        count,
                    }),
                }
            })
            .collect()
    }

    /// Like [`Runtime::shutdown`], but returns within about `timeout` (plus
    /// a short grace period) whatever the sinks do: per shard, its engine
    /// and the outputs its sink did not take in time, or
    /// [`RuntimeError::ShutdownTimedOut`] for a writer blocked in its sink.
    pub fn shutdown_within(mut self, timeout: Duration) -> Vec<Result<StoppedShard, RuntimeError>> {
        self.stop(timeout)
    }

    fn stop(&mut self, timeout: Duration) -> Vec<Result<StoppedShard, RuntimeError>> {
        let deadline = std::time::Instant::now() + timeout;
        for link in &self.handle.shared.shards {
            *link.open.write() = false;
            // Waits while the inbox is full and the writer drains it. Err:
            // the writer is gone (it panicked) or stuck; the deadline deals
            // with a stuck one.
            let _ = link.inbox.send_deadline(Message::Shutdown, deadline);
        }
        shutdown::wait_for(&self.writers, deadline);
        if self.writers.iter().flatten().any(|w| !w.is_finished()) {
            for link in &self.handle.shared.shards {
                link.give_up.store(true, Ordering::SeqCst);
            }
            shutdown::wait_for(&self.writers, shutdown::grace_deadline());
        }
        self.writers
            .iter_mut()
            .enumerate()
            .filter_map(|(ix, w)| w.take().map(|w| (ix, w)))
            .map(|(shard, w)| shutdown::collect(shard, w))
            .collect()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if self.writers.iter().any(Option::is_some) {
            self.stop(DEFAULT_SHUTDOWN_TIMEOUT);
        }
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("shards", &self.handle.shards())
            .finish_non_exhaustive()
    }
}

fn tenant_map(shards: &[ShardConfig]) -> Result<HashMap<TenantId, usize>, RuntimeError> {
    let mut map = HashMap::new();
    for (ix, shard) in shards.iter().enumerate() {
        for tenant in shard.engine.engine().tenants() {
            if map.insert(tenant.clone(), ix).is_some() {
                return Err(RuntimeError::DuplicateTenant(tenant.clone()));
            }
        }
    }
    Ok(map)
}

impl RuntimeHandle {
    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.shared.shards.len()
    }

    /// The shard hosting `tenant`.
    pub fn shard_of(&self, tenant: &TenantId) -> Option<usize> {
        self.shared.tenants.get(tenant).copied()
    }

    /// Real time elapsed since the runtime started (engine time of a fresh
    /// engine, in milliseconds).
    pub fn elapsed(&self) -> Duration {
        self.shared.origin.elapsed()
    }

    /// Queues `command` for `tenant`'s shard without waiting. Its result
    /// is not reported (errors are counted in [`ShardCounters::refused`]).
    pub fn submit(&self, tenant: &TenantId, command: Command) -> Result<(), SubmitError> {
        self.enqueue(tenant, command, None)
    }

    /// Queues `command` and returns a [`Reply`] carrying the engine's
    /// result. The reply is sent after the batch's outputs have gone to the
    /// sink (and, with a zero snapshot interval, after the snapshot that
    /// includes the command was published).
    pub fn submit_with_reply(
        &self,
        tenant: &TenantId,
        command: Command,
    ) -> Result<Reply, SubmitError> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.enqueue(tenant, command, Some(tx.into()))?;
        Ok(Reply { rx })
    }

    /// Submits `command` and blocks until the engine has applied it.
    pub fn call(&self, tenant: &TenantId, command: Command) -> Result<(), CallError> {
        self.submit_with_reply(tenant, command)?.wait()
    }

    /// The latest published snapshot of `shard`; never blocks the writer.
    pub fn snapshot(&self, shard: usize) -> Option<Arc<ShardSnapshot>> {
        self.shared.shards.get(shard).map(|s| s.snapshot.load())
    }

    /// The latest published snapshot of the shard hosting `tenant`.
    pub fn tenant_snapshot(&self, tenant: &TenantId) -> Option<Arc<ShardSnapshot>> {
        self.snapshot(self.shard_of(tenant)?)
    }

    /// Asks `shard` to publish a snapshot that includes every command
    /// accepted before this request, and waits for it (up to `timeout`,
    /// including waiting for room in a full inbox).
    pub fn sync(&self, shard: usize, timeout: Duration) -> Result<Arc<ShardSnapshot>, CallError> {
        let deadline = std::time::Instant::now() + timeout;
        let (tx, rx) = crossbeam_channel::bounded(1);
        loop {
            match self.send_to(shard, Message::Sync { reply: tx.clone() }) {
                Ok(()) => break,
                Err(SubmitError::Backpressure { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_micros(100));
                }
                Err(SubmitError::Backpressure { .. }) => return Err(CallError::Timeout),
                Err(e) => return Err(e.into()),
            }
        }
        drop(tx);
        rx.recv_deadline(deadline).map_err(|e| match e {
            RecvTimeoutError::Timeout => CallError::Timeout,
            RecvTimeoutError::Disconnected => CallError::Disconnected,
        })
    }

    fn enqueue(
        &self,
        tenant: &TenantId,
        command: Command,
        reply: Option<writer::ReplyTx>,
    ) -> Result<(), SubmitError> {
        let shard = self
            .shard_of(tenant)
            .ok_or_else(|| SubmitError::UnknownTenant(tenant.clone()))?;
        let message = Message::Command {
            tenant: tenant.clone(),
            command,
            reply,
        };
        self.send_to(shard, message)
    }

    fn send_to(&self, shard: usize, message: Message) -> Result<(), SubmitError> {
        let link = self
            .shared
            .shards
            .get(shard)
            .ok_or(SubmitError::ShutDown { shard })?;
        let open = link.open.read();
        if !*open {
            return Err(SubmitError::ShutDown { shard });
        }
        match link.inbox.try_send(message) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                metrics::backpressure(shard);
                Err(SubmitError::Backpressure { shard })
            }
            Err(TrySendError::Disconnected(_)) => Err(SubmitError::ShutDown { shard }),
        }
    }
}

impl std::fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeHandle")
            .field("shards", &self.shards())
            .finish_non_exhaustive()
    }
}

impl Reply {
    /// Blocks until the engine has applied the command.
    pub fn wait(self) -> Result<(), CallError> {
        match self.rx.recv() {
            Ok(result) => result,
            Err(_) => Err(CallError::Disconnected),
        }
    }

    /// Waits at most `timeout` for the result.
    pub fn wait_timeout(self, timeout: Duration) -> Result<(), CallError> {
        match self.rx.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(CallError::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(CallError::Disconnected),
        }
    }

    /// The result, if it has arrived.
    pub fn try_result(&self) -> Option<Result<(), CallError>> {
        match self.rx.try_recv() {
            Ok(result) => Some(result),
            Err(crossbeam_channel::TryRecvError::Empty) => None,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                Some(Err(CallError::Disconnected))
            }
        }
    }
}

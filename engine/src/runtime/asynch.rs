//! The runtime's async face (cargo feature `async-runtime`): an async Rust
//! service (tokio) embeds shards without threads of its own.
//!
//! - [`RuntimeHandle::submit_async`] queues a command without blocking and
//!   returns an [`AsyncReply`], a future of the engine's verdict;
//!   [`RuntimeHandle::call_async`] awaits it in one go.
//! - [`ShardConfig::with_stream`] delivers the shard's outputs as an
//!   [`OutputStream`], a `futures_core::Stream` (tokio channel underneath:
//!   a full stream makes the writer wait, nothing is lost).
//!
//! Both only wait on channels: no task awaits a lock, and the shard's
//! writer thread keeps doing the work.
//!
//! ```
//! use acd_engine::runtime::{Output, Runtime, ShardConfig};
//! use acd_engine::*;
//! use std::future::Future;
//!
//! let mut tenant = TenantConfig::new("acme");
//! tenant.groups.push(GroupConfig::new("support", &["support"]));
//! tenant.agents.push(AgentConfig::new("alice", &[("support", 5)]));
//! let engine = Engine::new(EngineConfig { tenants: vec![tenant], ..Default::default() }).unwrap();
//! let (shard, mut outputs) = ShardConfig::with_stream(engine, 1024);
//! let runtime = Runtime::start(vec![shard]).unwrap();
//! let rt = runtime.handle();
//! let acme = TenantId::new("acme");
//! let tokio = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! tokio.block_on(async {
//!     rt.call_async(&acme, Command::Logon {
//!         agent: "alice".into(), extension: "2001".into(), media: vec![] }).await.unwrap();
//!     // The logon event arrives on the stream.
//!     match outputs.recv().await {
//!         Some(Output::Event(e)) => assert_eq!(e.tenant, acme),
//!         other => panic!("expected an event, got {other:?}"),
//!     }
//! });
//! ```

use super::error::{CallError, SubmitError};
use super::reply::ReplyTx;
use super::shard::{Output, ShardConfig};
use super::RuntimeHandle;
use crate::journal::EngineStore;
use crate::{Command, TenantId};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::{mpsc, oneshot};

/// The pending result of a command submitted with
/// [`RuntimeHandle::submit_async`]: a future resolving once the engine has
/// applied it (after the batch's outputs went to the sink).
#[derive(Debug)]
pub struct AsyncReply {
    rx: oneshot::Receiver<Result<(), CallError>>,
}

impl Future for AsyncReply {
    type Output = Result<(), CallError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(CallError::Disconnected)))
    }
}

impl RuntimeHandle {
    /// Queues `command` without blocking (a full inbox is refused with
    /// [`SubmitError::Backpressure`], as [`RuntimeHandle::submit`]) and
    /// returns a future of the engine's verdict.
    pub fn submit_async(
        &self,
        tenant: &TenantId,
        command: Command,
    ) -> Result<AsyncReply, SubmitError> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(tenant, command, Some(ReplyTx::Async(tx)))?;
        Ok(AsyncReply { rx })
    }

    /// Submits `command` and resolves once the engine has applied it.
    pub async fn call_async(&self, tenant: &TenantId, command: Command) -> Result<(), CallError> {
        self.submit_async(tenant, command)?.await
    }
}

/// A shard's outputs as an async stream ([`ShardConfig::with_stream`]).
/// It ends after the runtime has shut down and every output was read.
#[derive(Debug)]
pub struct OutputStream {
    rx: mpsc::Receiver<Output>,
}

impl OutputStream {
    /// The next output; `None` once the shard has stopped.
    pub async fn recv(&mut self) -> Option<Output> {
        self.rx.recv().await
    }
}

impl futures_core::Stream for OutputStream {
    type Item = Output;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Output>> {
        self.rx.poll_recv(cx)
    }
}

impl ShardConfig {
    /// A shard whose outputs go to an [`OutputStream`] holding up to
    /// `capacity` outputs (a full stream makes the writer wait:
    /// back-pressure, no loss). Outputs produced after the stream is dropped
    /// are discarded.
    pub fn with_stream(engine: impl Into<EngineStore>, capacity: usize) -> (Self, OutputStream) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let sink = move |output| {
            // The sink runs on the writer thread, outside any tokio runtime,
            // so blocking here is the back-pressure. Err: the stream was dropped.
            let _ = tx.blocking_send(output);
        };
        (Self::new(engine, sink), OutputStream { rx })
    }
}

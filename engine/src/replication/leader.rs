//! Leading: accept commands, append them to the log with the expected last
//! sequence, apply them only once the stream has acknowledged them, emit
//! their effects, reply.
//!
//! Requests that arrive while an append is in flight wait in the
//! subscription and go out together in the next message (group commit, up
//! to `max_batch` commands). When no command comes and a timer is due the
//! leader appends a time-advance record, so followers fire the same timers
//! at the same instants.
//!
//! **Fencing.** Every append expects the stream's last sequence to be the
//! last message this node applied. If another node appended since (it took
//! the lease and sealed its takeover with a barrier), the server refuses the
//! append: the leader applies nothing more, emits nothing more, answers the
//! waiting requests with `unavailable` and steps down to follow the log from
//! where it is. An append that keeps failing otherwise (no stream leader for
//! longer than `append_timeout`, or the lease lapsed meanwhile) has an
//! unknown outcome; the leader steps down the same way and learns the
//! outcome from the log.

use super::log::LogRecord;
use super::node::{Node, NodeError};
use super::protocol::{parse_request, Reply, ReplyError, LEADER_HEADER};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use async_nats::Message;
use futures_util::{FutureExt, StreamExt};

/// How long one append attempt waits for its acknowledgement.
const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// Pause between append attempts.
const APPEND_RETRY: std::time::Duration = std::time::Duration::from_millis(50);

/// Why an append did not go through.
#[derive(Debug)]
pub(crate) enum AppendError {
    /// Another node appended since: this node is deposed.
    Fenced,
    /// No acknowledgement (timeout, no stream leader, connection lost).
    Failed(String),
}

/// A request waiting for its command's append.
struct Waiter {
    request: Message,
    /// Index of its command among the batch's command records.
    index: usize,
}

/// What woke the leader.
enum Wake {
    Request(Option<Message>),
    Query(Option<Message>),
    Timer,
    /// The lease view changed; `false` if the lease task is gone.
    Lease(bool),
}

impl Node {
    /// Leads until deposed (lease lost, append fenced or failed).
    pub(crate) async fn lead(&mut self) -> Result<(), NodeError> {
        let mut shared = self
            .res
            .client
            .subscribe(self.res.subjects.commands())
            .await
            .map_err(|e| NodeError::Nats(format!("subscribe: {e}")))?;
        let result = self.lead_loop(&mut shared).await;
        // Stop taking shared requests before following; answer what queued.
        let _ = shared.unsubscribe().await;
        while let Some(Some(m)) = shared.next().now_or_never() {
            self.refuse(&m).await;
        }
        self.leading = false;
        eprintln!("acd-node {}: stepped down", self.cfg.node);
        result
    }

    async fn lead_loop(&mut self, shared: &mut async_nats::Subscriber) -> Result<(), NodeError> {
        loop {
            let deadline = self.timer_deadline();
            let far = tokio::time::Instant::now() + std::time::Duration::from_secs(3600);
            let wake = tokio::select! {
                m = shared.next() => Wake::Request(m),
                m = self.inbox.next() => Wake::Request(m),
                m = self.queries.next() => Wake::Query(m),
                _ = tokio::time::sleep_until(deadline.unwrap_or(far)), if deadline.is_some() => Wake::Timer,
                r = self.lease.changed() => Wake::Lease(r.is_ok()),
            };
            let mut batch = Vec::new();
            match wake {
                Wake::Request(Some(m)) => batch.push(m),
                Wake::Query(Some(m)) => {
                    self.answer_query(&m).await;
                    continue;
                }
                Wake::Request(None) | Wake::Query(None) | Wake::Lease(false) => {
                    return Err(NodeError::Nats("subscription or lease task closed".into()))
                }
                Wake::Timer | Wake::Lease(true) => {}
            }
            if !self.lease.borrow().mine {
                self.fail_all(&batch, self.not_leader()).await;
                return Ok(());
            }
            self.gather(shared, &mut batch);
            if !self.step(batch).await? {
                return Ok(());
            }
        }
    }

    fn not_leader(&self) -> ReplyError {
        ReplyError::NotLeader {
            leader: self.lease.borrow().holder.clone(),
        }
    }

    /// Takes more waiting requests without blocking, up to the batch size.
    fn gather(&mut self, shared: &mut async_nats::Subscriber, batch: &mut Vec<Message>) {
        while batch.len() < self.cfg.max_batch.max(1) {
            let next = match shared.next().now_or_never() {
                Some(Some(m)) => Some(m),
                _ => self.inbox.next().now_or_never().flatten(),
            };
            match next {
                Some(m) => batch.push(m),
                None => return,
            }
        }
    }

    /// Validates, appends, applies, emits and replies one batch.
    /// `Ok(false)`: deposed.
    async fn step(&mut self, batch: Vec<Message>) -> Result<bool, NodeError> {
        let now = self.log_now();
        let mut records = Vec::with_capacity(batch.len());
        let mut waiters = Vec::with_capacity(batch.len());
        for request in batch {
            let engine = self.replica.engine();
            let hosts = |t: &crate::TenantId| engine.is_some_and(|e| e.tenants().any(|x| x == t));
            match parse_request(&request.payload, self.cfg.max_request, hosts) {
                Ok(r) => {
                    waiters.push(Waiter {
                        request,
                        index: records.len(),
                    });
                    records.push(LogRecord::command(now, r.tenant, r.cmd));
                }
                Err(e) => self.reply(&request, e.into()).await,
            }
        }
        let timer_due = self
            .replica
            .engine_mut()
            .and_then(|e| e.poll_timeout())
            .is_some_and(|at| at <= now);
        if records.is_empty() {
            if !timer_due {
                return Ok(true);
            }
            records.push(LogRecord::tick(now));
        }
        let expected = self.replica.applied();
        match self.append(&records, expected).await {
            Ok(seq) => {
                let verdicts = self.apply_and_emit(seq, records).await?;
                for w in waiters {
                    let reply = match &verdicts[w.index] {
                        Ok(()) => Reply::ok(seq),
                        Err(e) => ReplyError::Engine {
                            seq,
                            message: e.to_string(),
                        }
                        .into(),
                    };
                    self.reply(&w.request, reply).await;
                }
                Ok(true)
            }
            Err(e) => {
                let message = match e {
                    AppendError::Fenced => "deposed: another node leads the shard".to_string(),
                    AppendError::Failed(why) => why,
                };
                let requests: Vec<Message> = waiters.into_iter().map(|w| w.request).collect();
                self.fail_all(&requests, ReplyError::Unavailable { message })
                    .await;
                Ok(false)
            }
        }
    }

    async fn fail_all(&self, requests: &[Message], error: ReplyError) {
        for r in requests {
            self.reply(r, Reply::from(error.clone())).await;
        }
    }

    /// Appends one log message expecting `expected` as the stream's last
    /// sequence; returns the message's sequence once acknowledged.
    ///
    /// A failed attempt (no stream leader during a cluster election, a lost
    /// connection, no acknowledgement) is retried while the lease holds, up
    /// to `append_timeout`. Every attempt carries the same message id, so
    /// the stream's duplicate window turns a retry of a message that was in
    /// fact stored into the original's acknowledgement.
    pub(crate) async fn append(
        &self,
        records: &[LogRecord],
        expected: u64,
    ) -> Result<u64, AppendError> {
        let payload = bytes::Bytes::from(super::log::encode(records));
        let id = format!("{}-{}-{expected}", self.cfg.node, self.nonce);
        let started = tokio::time::Instant::now();
        loop {
            match self.append_once(payload.clone(), expected, &id).await {
                Err(AppendError::Failed(why))
                    if self.lease.borrow().mine && started.elapsed() < self.cfg.append_timeout =>
                {
                    eprintln!(
                        "acd-node {}: append failed ({why}); retrying",
                        self.cfg.node
                    );
                    tokio::time::sleep(APPEND_RETRY).await;
                }
                done => return done,
            }
        }
    }

    async fn append_once(
        &self,
        payload: bytes::Bytes,
        expected: u64,
        id: &str,
    ) -> Result<u64, AppendError> {
        let publish = PublishMessage::build()
            .payload(payload)
            .expected_last_sequence(expected)
            .message_id(id)
            .header(LEADER_HEADER, self.cfg.node.as_str());
        let ack = self
            .res
            .js
            .send_publish(self.res.subjects.log(), publish)
            .await
            .map_err(|e| AppendError::Failed(e.to_string()))?;
        match tokio::time::timeout(ATTEMPT_TIMEOUT, ack).await {
            Ok(Ok(ack)) => Ok(ack.sequence),
            Ok(Err(e)) if e.kind() == PublishErrorKind::WrongLastSequence => {
                Err(AppendError::Fenced)
            }
            Ok(Err(e)) => Err(AppendError::Failed(e.to_string())),
            Err(_) => Err(AppendError::Failed("not acknowledged in time".into())),
        }
    }
}

//! Following: apply the log in order with effects suppressed, refuse
//! commands, and when the lease comes to this node catch up to the log's
//! last message and seal the takeover with a barrier record.
//!
//! The barrier is a time-advance record appended with the expected last
//! sequence this node caught up to. Once it is in the log, any append of
//! the previous leader (which expects an older last sequence) is refused by
//! the server: from that message on, only this node can emit effects. If
//! the previous leader slipped one more append in first, the barrier is
//! refused instead; the node applies that message and tries again.

use super::log::LogRecord;
use super::node::{Node, NodeError};
use async_nats::jetstream::consumer::push::{Ordered, OrderedConfig};
use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::Message;
use futures_util::StreamExt;
use std::time::Duration;

/// How long a promotion may take to read the log's tail before retrying.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause before retrying after NATS trouble.
const RETRY: Duration = Duration::from_millis(50);

/// What woke a follower.
enum Wake {
    Log(Option<Result<Box<async_nats::jetstream::Message>, String>>),
    Request(Option<Message>),
    Query(Option<Message>),
    /// The lease view changed; `false` if the lease task is gone.
    Lease(bool),
}

impl Node {
    /// Follows the log until this node has become the leader.
    pub(crate) async fn follow(&mut self) -> Result<(), NodeError> {
        self.leading = false;
        let mut consumer: Option<Ordered> = None;
        loop {
            let Some(log) = consumer.as_mut() else {
                match self.open_consumer().await {
                    Ok(c) => consumer = Some(c),
                    Err(e) => {
                        eprintln!("acd-node {}: {e}; retrying", self.cfg.node);
                        tokio::time::sleep(RETRY).await;
                    }
                }
                continue;
            };
            if self.lease.borrow().mine {
                if self.promote(log).await? {
                    return Ok(());
                }
                consumer = None;
                continue;
            }
            let wake = tokio::select! {
                m = log.next() => Wake::Log(m.map(|r| r.map(Box::new).map_err(|e| e.to_string()))),
                m = self.inbox.next() => Wake::Request(m),
                m = self.queries.next() => Wake::Query(m),
                r = self.lease.changed() => Wake::Lease(r.is_ok()),
            };
            match wake {
                Wake::Log(Some(Ok(m))) => {
                    if !self.apply_message(&m).await? {
                        consumer = None;
                    }
                }
                Wake::Log(_) => consumer = None,
                Wake::Request(Some(m)) => self.refuse(&m).await,
                Wake::Query(Some(m)) => self.answer_query(&m).await,
                Wake::Request(None) | Wake::Query(None) | Wake::Lease(false) => {
                    return Err(NodeError::Nats("subscription or lease task closed".into()))
                }
                Wake::Lease(true) => {}
            }
        }
    }

    /// An ordered consumer from the first message not yet applied.
    async fn open_consumer(&self) -> Result<Ordered, NodeError> {
        let start = self.replica.applied() + 1;
        let config = OrderedConfig {
            deliver_subject: self.res.client.new_inbox(),
            filter_subject: self.res.subjects.log(),
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: start,
            },
            ..Default::default()
        };
        let consumer = self
            .res
            .stream
            .create_consumer(config)
            .await
            .map_err(|e| NodeError::Nats(format!("consumer: {e}")))?;
        consumer
            .messages()
            .await
            .map_err(|e| NodeError::Nats(format!("consumer: {e}")))
    }

    async fn apply_message(
        &mut self,
        m: &async_nats::jetstream::Message,
    ) -> Result<bool, NodeError> {
        let seq = m
            .info()
            .map_err(|e| NodeError::Nats(format!("log message: {e}")))?
            .stream_sequence;
        self.apply_followed(seq, &m.payload).await
    }

    /// Catches up to the log's last message and appends the barrier.
    /// `Ok(false)`: not leader after all (retry or keep following).
    async fn promote(&mut self, log: &mut Ordered) -> Result<bool, NodeError> {
        let last = match self.res.stream.get_info().await {
            Ok(info) => info.state.last_sequence,
            Err(e) => {
                eprintln!("acd-node {}: promotion: stream info: {e}", self.cfg.node);
                tokio::time::sleep(RETRY).await;
                return Ok(false);
            }
        };
        let deadline = tokio::time::Instant::now() + CATCH_UP_TIMEOUT;
        while self.replica.applied() < last {
            match tokio::time::timeout_at(deadline, log.next()).await {
                Ok(Some(Ok(m))) => {
                    if !self.apply_message(&m).await? {
                        return Ok(false);
                    }
                }
                _ => {
                    eprintln!(
                        "acd-node {}: promotion: log tail not read up to {last} in time",
                        self.cfg.node
                    );
                    return Ok(false);
                }
            }
        }
        let mut records = Vec::new();
        if self.replica.engine().is_none() {
            records.push(LogRecord::config(self.cfg.engine.clone()));
        }
        records.push(LogRecord::tick(self.log_now()));
        match self.append(&records, last).await {
            Ok(seq) => {
                self.leading = true;
                self.apply_and_emit(seq, records).await?;
                eprintln!(
                    "acd-node {}: leading shard {} from message {seq}",
                    self.cfg.node, self.cfg.shard
                );
                Ok(true)
            }
            Err(e) => {
                eprintln!("acd-node {}: promotion barrier: {e:?}", self.cfg.node);
                Ok(false)
            }
        }
    }
}

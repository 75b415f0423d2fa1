//! The replicated log's records and the replica that applies them (R-11.1).
//!
//! One JetStream message of a shard's stream holds one or more records, one
//! JSON object a line, in the input format of [`crate::trace`]:
//!
//! ```text
//! {"config": {...}}                                     first record of the stream
//! {"at_ms": 1733100000123, "tenant": "acme", "cmd": {"type": "ready", "agent": "a1"}}
//! {"at_ms": 1733100000456}                              time advance: timers fire
//! ```
//!
//! So the concatenated stream *is* a trace: `acd-replay` replays it, and a
//! clean replay gives exactly the state of every replica. Several records
//! share a message when the leader batches (group commit).

use crate::command::Command;
use crate::config::EngineConfig;
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::TenantId;
use crate::output::{Effect, Event};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// One record of the log: a trace input line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRecord {
    /// Engine configuration: only in the stream's first record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<EngineConfig>,
    /// Time of the input, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    /// Tenant of the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<TenantId>,
    /// The command; absent = a time advance (the leader fired its timers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Command>,
}

impl LogRecord {
    /// A command from `tenant` at `now`.
    pub fn command(now: Instant, tenant: TenantId, cmd: Command) -> Self {
        Self {
            config: None,
            at_ms: Some(now.as_millis()),
            tenant: Some(tenant),
            cmd: Some(cmd),
        }
    }

    /// A time advance to `now`.
    pub fn tick(now: Instant) -> Self {
        Self {
            config: None,
            at_ms: Some(now.as_millis()),
            tenant: None,
            cmd: None,
        }
    }

    /// The configuration record that opens a stream.
    pub fn config(config: EngineConfig) -> Self {
        Self {
            config: Some(config),
            at_ms: None,
            tenant: None,
            cmd: None,
        }
    }
}

/// Encodes records as one message payload (JSON lines).
pub fn encode(records: &[LogRecord]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 * records.len());
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        // Records are plain data: serializing them cannot fail.
        serde_json::to_writer(&mut out, record).unwrap_or_default();
    }
    out
}

/// Decodes a message payload into its records.
pub fn decode(payload: &[u8]) -> Result<Vec<LogRecord>, String> {
    let text = std::str::from_utf8(payload).map_err(|e| e.to_string())?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{e}: {l}")))
        .collect()
}

/// Why a replica could not apply a message. The log is the authority, so
/// this means the stream holds something this build cannot follow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The payload is not a list of records.
    #[error("log message {seq}: {message}")]
    Decode {
        /// Stream sequence.
        seq: u64,
        /// Parser message.
        message: String,
    },
    /// A command before the configuration record.
    #[error("log message {seq}: no configuration before the first command")]
    NotConfigured {
        /// Stream sequence.
        seq: u64,
    },
    /// A second configuration, or one the engine refuses.
    #[error("log message {seq}: bad configuration: {message}")]
    Config {
        /// Stream sequence.
        seq: u64,
        /// Why.
        message: String,
    },
    /// Messages must be applied in sequence, without gaps.
    #[error("log message {seq} does not follow {applied}")]
    Gap {
        /// Stream sequence received.
        seq: u64,
        /// Last sequence applied.
        applied: u64,
    },
}

/// A shard's engine and how far into the log it is.
#[derive(Debug, Default)]
pub struct Replica {
    engine: Option<Engine>,
    applied: u64,
}

impl Replica {
    /// A replica that has applied nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A replica restored from a snapshot covering messages `..=applied`.
    pub fn from_snapshot(engine: Engine, applied: u64) -> Self {
        Self {
            engine: Some(engine),
            applied,
        }
    }

    /// Last stream sequence applied (0 = none).
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// The engine, once the configuration record was applied.
    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    /// The engine, mutably (the leader reads timers and drains outputs).
    pub fn engine_mut(&mut self) -> Option<&mut Engine> {
        self.engine.as_mut()
    }

    /// Applies message `seq`; returns one verdict per command record, in
    /// order. Effects and events stay queued in the engine.
    pub fn apply(
        &mut self,
        seq: u64,
        records: Vec<LogRecord>,
    ) -> Result<Vec<Result<(), Error>>, ApplyError> {
        if seq != self.applied + 1 {
            return Err(ApplyError::Gap {
                seq,
                applied: self.applied,
            });
        }
        let mut verdicts = Vec::new();
        for record in records {
            if let Some(config) = record.config {
                self.configure(seq, config)?;
                continue;
            }
            let engine = self
                .engine
                .as_mut()
                .ok_or(ApplyError::NotConfigured { seq })?;
            let now = Instant::from_millis(record.at_ms.unwrap_or_default());
            match (record.tenant, record.cmd) {
                (Some(tenant), Some(cmd)) => verdicts.push(engine.handle(now, &tenant, cmd)),
                _ => engine.handle_timeout(now),
            }
        }
        // `poll_timeout` drops cancelled timers from the head of the timer
        // heap. The leader calls it between messages to schedule its
        // wake-up; calling it after every message on every replica keeps
        // the state a function of the log alone (a second call is a no-op).
        if let Some(engine) = self.engine.as_mut() {
            engine.poll_timeout();
        }
        self.applied = seq;
        Ok(verdicts)
    }

    /// Applies a message and throws its outputs away (a follower's effects
    /// are suppressed: only the leader emits, R-11.2).
    pub fn apply_quietly(&mut self, seq: u64, payload: &[u8]) -> Result<(), ApplyError> {
        let records = decode(payload).map_err(|message| ApplyError::Decode { seq, message })?;
        self.apply(seq, records)?;
        self.drain();
        Ok(())
    }

    /// Takes the queued effects and events.
    pub fn drain(&mut self) -> (Vec<Effect>, Vec<Event>) {
        match self.engine.as_mut() {
            Some(e) => (e.drain_effects().collect(), e.drain_events().collect()),
            None => (Vec::new(), Vec::new()),
        }
    }

    fn configure(&mut self, seq: u64, config: EngineConfig) -> Result<(), ApplyError> {
        if self.engine.is_some() {
            return Err(ApplyError::Config {
                seq,
                message: "the engine is already configured".into(),
            });
        }
        let engine = Engine::new(config).map_err(|e| ApplyError::Config {
            seq,
            message: e.to_string(),
        })?;
        self.engine = Some(engine);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AgentConfig, GroupConfig, TenantConfig};

    fn config() -> EngineConfig {
        let mut t = TenantConfig::new("acme");
        t.groups.push(GroupConfig::new("support", &["support"]));
        t.agents.push(AgentConfig::new("a1", &[("support", 5)]));
        EngineConfig {
            tenants: vec![t],
            ..EngineConfig::default()
        }
    }

    #[test]
    fn a_batch_round_trips_and_replays_as_a_trace() {
        let records = vec![
            LogRecord::config(config()),
            LogRecord::command(
                Instant::from_millis(5),
                "acme".into(),
                Command::Logon {
                    agent: "a1".into(),
                    extension: "1".into(),
                    media: vec![],
                },
            ),
            LogRecord::tick(Instant::from_millis(9)),
        ];
        let payload = encode(&records);
        assert_eq!(decode(&payload).unwrap(), records);
        // The payload is a valid trace for acd-replay.
        let text = String::from_utf8(payload.clone()).unwrap();
        let out = crate::trace::replay(&text).unwrap();
        assert!(out[0].contains("\"ok\":true"), "{out:?}");

        let mut replica = Replica::new();
        let verdicts = replica.apply(1, decode(&payload).unwrap()).unwrap();
        assert_eq!(verdicts.len(), 1);
        assert!(verdicts[0].is_ok());
        assert_eq!(replica.engine().unwrap().now(), Instant::from_millis(9));
    }

    #[test]
    fn gaps_and_unconfigured_commands_are_refused() {
        let mut replica = Replica::new();
        let tick = vec![LogRecord::tick(Instant::from_millis(1))];
        assert_eq!(
            replica.apply(2, tick.clone()),
            Err(ApplyError::Gap { seq: 2, applied: 0 })
        );
        assert_eq!(
            replica.apply(1, tick),
            Err(ApplyError::NotConfigured { seq: 1 })
        );
        assert_eq!(replica.applied(), 0);
    }
}

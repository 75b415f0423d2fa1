//! The client protocol of a replicated shard: NATS subjects, requests and
//! replies.
//!
//! | subject                             | who answers   | what                                   |
//! |-------------------------------------|---------------|----------------------------------------|
//! | `acd.<shard>.cmd`                   | the leader    | request: a command; reply: its result  |
//! | `acd.<shard>.node.<node>.cmd`       | that node     | same; a follower refuses (`not_leader`)|
//! | `acd.<shard>.node.<node>.state`     | that node     | its role, applied sequence and state   |
//! | `acd.<shard>.effects`               | (published)   | the leader's effects, `acd-replay` JSON |
//! | `acd.<shard>.events`                | (published)   | the leader's events, `acd-replay` JSON  |
//!
//! A request is the trace `cmd` shape with its tenant,
//! `{"tenant":"acme","cmd":{"type":"ready","agent":"a1"}}`; the reply is
//! `{"ok":true,"seq":42}` (the stream message that holds the command) or
//! `{"error":{"kind":"engine","seq":43,"message":"unknown agent bob"}}`. Only the
//! leader subscribes to `acd.<shard>.cmd`, so during a failover that subject
//! has no responders for a moment (clients retry); a request sent to a
//! follower's own subject is refused with `not_leader` naming the leader.

use crate::command::Command;
use crate::ids::TenantId;
use serde::{Deserialize, Serialize};

/// Largest request payload accepted by default (bytes).
pub const DEFAULT_MAX_REQUEST: usize = 64 * 1024;

/// Header carrying the stream sequence on published effects and events.
pub const SEQ_HEADER: &str = "Acd-Seq";
/// Header naming the node that appended a log message or published an output.
pub const LEADER_HEADER: &str = "Acd-Leader";

/// The subjects and JetStream names of one shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subjects {
    shard: String,
}

impl Subjects {
    /// The names for `shard` (a NATS token: letters, digits, `-`, `_`).
    pub fn new(shard: &str) -> Self {
        Self {
            shard: shard.to_string(),
        }
    }

    /// Whether `name` can be a shard or node name (one NATS subject token,
    /// also usable in stream and bucket names).
    pub fn valid_name(name: &str) -> bool {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// The shard's name.
    pub fn shard(&self) -> &str {
        &self.shard
    }

    /// Commands for whoever leads.
    pub fn commands(&self) -> String {
        format!("acd.{}.cmd", self.shard)
    }

    /// Commands for one node.
    pub fn node_commands(&self, node: &str) -> String {
        format!("acd.{}.node.{node}.cmd", self.shard)
    }

    /// State queries for one node.
    pub fn node_state(&self, node: &str) -> String {
        format!("acd.{}.node.{node}.state", self.shard)
    }

    /// Where the leader publishes effects.
    pub fn effects(&self) -> String {
        format!("acd.{}.effects", self.shard)
    }

    /// Where the leader publishes events.
    pub fn events(&self) -> String {
        format!("acd.{}.events", self.shard)
    }

    /// The subject log messages are stored under.
    pub fn log(&self) -> String {
        format!("acd.{}.log", self.shard)
    }

    /// The JetStream stream holding the log.
    pub fn stream(&self) -> String {
        format!("ACD_{}", self.shard)
    }

    /// The key-value bucket holding the shard's leader lease.
    pub fn lease_bucket(&self) -> String {
        format!("ACD_LEASE_{}", self.shard)
    }

    /// The object store bucket holding the shard's snapshots.
    pub fn snapshot_bucket(&self) -> String {
        format!("ACD_SNAP_{}", self.shard)
    }
}

/// A command request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The tenant the command is for.
    pub tenant: TenantId,
    /// The command, as in a trace.
    pub cmd: Command,
}

/// Why a request was not applied (or was applied and refused by the engine).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyError {
    /// The payload is not a request (bad JSON, unknown command, ...).
    /// Nothing was logged.
    BadRequest {
        /// The parser's message.
        message: String,
    },
    /// The payload exceeds the shard's request limit. Nothing was logged.
    TooLarge {
        /// Payload size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The shard does not host this tenant. Nothing was logged.
    UnknownTenant {
        /// The tenant named.
        tenant: TenantId,
    },
    /// This node is not the leader; nothing was logged. `leader` names the
    /// current lease holder when known: send to `acd.<shard>.cmd` or to its
    /// node subject.
    NotLeader {
        /// The leader's node name, if known.
        leader: Option<String>,
    },
    /// The log could not take the command (the leader lost its lease, was
    /// fenced, or the append timed out). It was *not* acknowledged: it may
    /// or may not be in the log; a retry is safe for commands that carry
    /// ids and epochs (the engine refuses duplicates and stale epochs).
    Unavailable {
        /// What happened.
        message: String,
    },
    /// The command is in the log and every replica applied it as refused:
    /// the engine's state is unchanged (a typed engine error, as text).
    Engine {
        /// The stream message holding the command.
        seq: u64,
        /// The engine's error.
        message: String,
    },
}

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyError::BadRequest { message } => write!(f, "bad request: {message}"),
            ReplyError::TooLarge { size, limit } => {
                write!(f, "request of {size} bytes exceeds the limit of {limit}")
            }
            ReplyError::UnknownTenant { tenant } => write!(f, "unknown tenant {tenant}"),
            ReplyError::NotLeader { leader: Some(l) } => write!(f, "not leader, leader is {l}"),
            ReplyError::NotLeader { leader: None } => write!(f, "not leader, no leader known"),
            ReplyError::Unavailable { message } => write!(f, "unavailable: {message}"),
            ReplyError::Engine { seq, message } => {
                write!(f, "refused (logged at {seq}): {message}")
            }
        }
    }
}

impl std::error::Error for ReplyError {}

/// A reply to a command request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reply {
    /// Logged, acknowledged by the stream and applied.
    Ok {
        /// Always `true`.
        ok: bool,
        /// The stream message holding the command.
        seq: u64,
    },
    /// Not applied, or applied as refused.
    Error {
        /// Why.
        error: ReplyError,
    },
}

impl Reply {
    /// A success reply for stream message `seq`.
    pub fn ok(seq: u64) -> Self {
        Reply::Ok { ok: true, seq }
    }

    /// The reply as a result.
    pub fn into_result(self) -> Result<u64, ReplyError> {
        match self {
            Reply::Ok { seq, .. } => Ok(seq),
            Reply::Error { error } => Err(error),
        }
    }

    /// JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl From<ReplyError> for Reply {
    fn from(error: ReplyError) -> Self {
        Reply::Error { error }
    }
}

/// A node's answer to a state query.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeState {
    /// The node's name.
    pub node: String,
    /// `"leader"` or `"follower"`.
    pub role: String,
    /// Last stream sequence applied.
    pub applied: u64,
    /// The engine's full state (its serde form), `null` before the
    /// configuration record was applied.
    pub engine: serde_json::Value,
}

/// Parses and checks a request payload before anything is logged.
pub fn parse_request(
    payload: &[u8],
    limit: usize,
    hosts: impl Fn(&TenantId) -> bool,
) -> Result<Request, ReplyError> {
    if payload.len() > limit {
        return Err(ReplyError::TooLarge {
            size: payload.len(),
            limit,
        });
    }
    let request: Request = serde_json::from_slice(payload).map_err(|e| ReplyError::BadRequest {
        message: e.to_string(),
    })?;
    if !hosts(&request.tenant) {
        return Err(ReplyError::UnknownTenant {
            tenant: request.tenant,
        });
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_requests_get_typed_errors() {
        let hosts = |t: &TenantId| t.as_str() == "acme";
        assert!(matches!(
            parse_request(b"{nope", 100, hosts),
            Err(ReplyError::BadRequest { .. })
        ));
        assert!(matches!(
            parse_request(&[b' '; 101], 100, hosts),
            Err(ReplyError::TooLarge {
                size: 101,
                limit: 100
            })
        ));
        let other = br#"{"tenant":"other","cmd":{"type":"hangup","call":"c"}}"#;
        assert!(matches!(
            parse_request(other, 100, hosts),
            Err(ReplyError::UnknownTenant { .. })
        ));
        let good = br#"{"tenant":"acme","cmd":{"type":"hangup","call":"c"}}"#;
        assert!(parse_request(good, 100, hosts).is_ok());
    }

    #[test]
    fn replies_have_the_documented_shape() {
        assert_eq!(
            String::from_utf8(Reply::ok(7).to_bytes()).unwrap(),
            r#"{"ok":true,"seq":7}"#
        );
        let e = Reply::from(ReplyError::NotLeader {
            leader: Some("b".into()),
        });
        let text = String::from_utf8(e.to_bytes()).unwrap();
        assert_eq!(text, r#"{"error":{"kind":"not_leader","leader":"b"}}"#);
        let back: Reply = serde_json::from_str(&text).unwrap();
        assert_eq!(back, e);
    }
}

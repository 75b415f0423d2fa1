//! Typed errors. A command that fails changes nothing.

use crate::command::Epoch;
use crate::config::{ConfigError, Media};
use crate::ids::{AgentId, CallId, GroupId, ReasonCode, TenantId};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::agent::StateName;
pub use crate::call::CallStateName;

/// Why the engine refused a command. The engine's state is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The tenant is not hosted by this engine.
    #[error("unknown tenant {0}")]
    UnknownTenant(TenantId),
    /// No such agent in the tenant. Another tenant's agent gives this same
    /// error, so a tenant cannot learn which ids other tenants use.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// No such group in the tenant (R-1.1 as for [`Error::UnknownAgent`]).
    #[error("unknown group {0}")]
    UnknownGroup(GroupId),
    /// No such live call in the tenant (R-1.1 as for [`Error::UnknownAgent`]).
    #[error("unknown call {0}")]
    UnknownCall(CallId),
    /// A call with this id is already live.
    #[error("call {0} already exists")]
    DuplicateCall(CallId),
    /// An agent or group with this id already exists.
    #[error("{kind} {id} already exists")]
    Duplicate {
        /// Agent or group.
        kind: ObjectKind,
        /// Its id.
        id: String,
    },
    /// The agent's state does not allow the command.
    #[error("agent {agent} cannot {command} while {state:?} on {media:?}")]
    AgentState {
        /// The agent.
        agent: AgentId,
        /// The channel.
        media: Media,
        /// Its current state.
        state: StateName,
        /// The refused command.
        command: &'static str,
    },
    /// The call's state does not allow the command.
    #[error("call {call} cannot {command} while {state:?}")]
    CallState {
        /// The call.
        call: CallId,
        /// Its current state.
        state: CallStateName,
        /// The refused command.
        command: &'static str,
    },
    /// The event names an agent other than the one holding the reservation.
    #[error("call {call} is not offered to agent {agent}")]
    NotOfferedTo {
        /// The call.
        call: CallId,
        /// The agent named.
        agent: AgentId,
    },
    /// A stale event: its epoch is not the reservation's. Ignored.
    #[error("stale epoch {got}: not the live reservation{}", .current.map(|c| format!(" (current {c})")).unwrap_or_default())]
    StaleEpoch {
        /// Epoch in the event.
        got: Epoch,
        /// Current epoch, if any.
        current: Option<Epoch>,
    },
    /// Logon refused: maintenance mode.
    #[error("tenant {0} is in maintenance mode: logon refused")]
    Maintenance(TenantId),
    /// The reason code is not in the tenant's catalogue.
    #[error("unknown reason code {0}")]
    UnknownReason(ReasonCode),
    /// The media channel is not logged on, or the call's media differs.
    #[error("agent {agent} has no {media:?} channel logged on")]
    MediaNotLoggedOn {
        /// The agent.
        agent: AgentId,
        /// The channel.
        media: Media,
    },
    /// The call's media differs from its group's.
    #[error("call {call} is {media:?} but its group serves another media")]
    MediaMismatch {
        /// The call.
        call: CallId,
        /// The call's media.
        media: Media,
    },
    /// The call was picked or taken by another agent first.
    #[error("call {0} already taken")]
    AlreadyTaken(CallId),
    /// A pick from a dispatch queue was refused, and why (R-5.1, R-4.3,
    /// A call already taken is [`Error::AlreadyTaken`].
    #[error("agent {agent} cannot pick call {call}: {why}")]
    PickRefused {
        /// The picking agent.
        agent: AgentId,
        /// The call.
        call: CallId,
        /// Why.
        why: PickRefusal,
    },
    /// The agent lacks the privilege or skill for the command.
    #[error("agent {agent} is not permitted to {command}")]
    NotPermitted {
        /// The agent.
        agent: AgentId,
        /// The refused command.
        command: &'static str,
    },
    /// The object is in use and cannot be removed.
    #[error("{kind} {id} is in use")]
    InUse {
        /// Agent or group.
        kind: ObjectKind,
        /// Its id.
        id: String,
    },
    /// Time went backwards: `now` is before the engine's last `now`.
    #[error("time went backwards: {now:?} < {last:?}")]
    TimeWentBackwards {
        /// The `now` given.
        now: crate::Instant,
        /// The last `now` seen.
        last: crate::Instant,
    },
    /// `now` is past [`crate::Instant::MAX`], the latest time the engine accepts.
    #[error("time {now:?} is past the engine's latest time {max:?}")]
    TimeOutOfRange {
        /// The `now` given.
        now: crate::Instant,
        /// [`crate::Instant::MAX`].
        max: crate::Instant,
    },
    /// Invalid configuration (at build, or in a runtime change).
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
}

/// Why a pick was refused: each reason is its own error kind (and its own
/// C ABI result code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickRefusal {
    /// The agent has no dispatch access (licence) or may not pick.
    NoDispatchLicence,
    /// The call's group is not shown in dispatch: automatic routing
    /// without `display_in_dispatch`.
    NotShownInDispatch,
    /// The agent is not skilled for the call's group: it sees the queue
    /// read-only.
    NotSkilled,
    /// The call waits reserved for another (busy) agent.
    ReservedForAnother,
    /// The call waits for an agent without dispatch access, who gets it
    /// directly or not at all until the wait ends.
    WaitingForAgentWithoutDispatch,
}

impl fmt::Display for PickRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PickRefusal::NoDispatchLicence => "the agent has no dispatch licence (R-5.1)",
            PickRefusal::NotShownInDispatch => "its group is not shown in dispatch (R-5.1)",
            PickRefusal::NotSkilled => "the agent is not skilled for its group (R-5.1)",
            PickRefusal::ReservedForAnother => "it is reserved for another agent (R-4.3)",
            PickRefusal::WaitingForAgentWithoutDispatch => {
                "it waits for an agent without dispatch access (R-4.7)"
            }
        })
    }
}

/// Kinds of named object, for errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectKind {
    /// An agent.
    Agent,
    /// A service group.
    Group,
    /// A call.
    Call,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Agent => "agent",
            ObjectKind::Group => "group",
            ObjectKind::Call => "call",
        })
    }
}

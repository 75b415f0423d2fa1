//! Outputs: effects the embedder must carry out, and events it may record.
//!
//! After every [`crate::Engine::handle`] or [`crate::Engine::handle_timeout`]
//! call, drain [`crate::Engine::poll_effect`] and [`crate::Engine::poll_event`].
//! *Effects* are instructions to the telephony side (ring this agent, stop
//! ringing, divert this call). *Events* are the call-detail and agent-state
//! record of: every state change, with tenant, ids, time and cause.

use crate::command::{CallData, Epoch};
use crate::config::{Destination, Media};
use crate::ids::{AgentId, CallId, Extension, GroupId, ReasonCode, TenantId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An instruction to the telephony side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Ring `agent` at `extension` with `call`. Report back with
    /// `Alerting`/`Answered`/`Rejected` carrying `epoch`.
    Offer {
        /// Tenant.
        tenant: TenantId,
        /// The call.
        call: CallId,
        /// The chosen agent.
        agent: AgentId,
        /// The agent's extension.
        extension: Extension,
        /// The group the call is served for.
        group: GroupId,
        /// Reservation epoch.
        epoch: Epoch,
        /// When ring-time supervision gives up.
        deadline: Instant,
        /// The calling number, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ani: Option<String>,
        /// The call's attached data.
        #[serde(default, skip_serializing_if = "crate::command::no_data")]
        data: Arc<CallData>,
    },
    /// Stop ringing `agent` with `call`.
    StopRinging {
        /// Tenant.
        tenant: TenantId,
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
        /// Reservation epoch.
        epoch: Epoch,
        /// Why.
        cause: Cause,
    },
    /// Send the call to an external number. When `epoch` is `Some`, report
    /// the outcome with [`crate::Command::DivertResult`].
    Divert {
        /// Tenant.
        tenant: TenantId,
        /// The call.
        call: CallId,
        /// Number to divert to.
        destination: String,
        /// Set when the engine needs the outcome.
        epoch: Option<Epoch>,
        /// Why.
        cause: Cause,
        /// Private data travelling with the divert: for authentication with
        /// "send DN from agent", the agent's extension as `agent_dn`.
        #[serde(default, skip_serializing_if = "CallData::is_empty")]
        private_data: CallData,
    },
    /// Clear (disconnect) the call (R-6.3 reserve timer expired).
    ClearCall {
        /// Tenant.
        tenant: TenantId,
        /// The call.
        call: CallId,
        /// Why.
        cause: Cause,
    },
}

/// Why something happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// An explicit command of the embedder.
    Command,
    /// The call arrived.
    Arrival,
    /// The engine offered the agent a call (the agent is reserved, R-2.2).
    Offer,
    /// Ring-time supervision expired.
    NoAnswer,
    /// The agent's device rejected the offer.
    Rejected,
    /// The offer was answered (by this or another agent, for ring-all).
    Answered,
    /// The caller hung up.
    CallerHangup,
    /// The call ended.
    CallEnded,
    /// Clerical time ran out.
    ClericalEnded,
    /// A request made during the call took effect at its end.
    Deferred,
    /// The queue was full.
    QueueFull,
    /// The call waited the group's maximum.
    MaxWait,
    /// No agent was logged on (or Ready, by the open rule).
    GroupClosed,
    /// A routing stage moved the call.
    Stage,
    /// Personal-call routing.
    Personal,
    /// The personal wait expired.
    PersonalWaitExpired,
    /// An agent picked the call from a dispatch queue.
    Pick,
    /// The call was transferred.
    Transfer,
    /// Customer authentication.
    Authentication,
    /// The authentication reserve timer expired.
    ReserveExpired,
    /// A divert was reported failed.
    DivertFailed,
    /// No divert outcome came within the tenant's divert timeout.
    DivertTimeout,
    /// Configuration changed at runtime.
    ConfigChange,
    /// State restored after a restart.
    Restore,
}

/// The state of one agent channel, as seen from outside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AgentStatus {
    /// Not logged on.
    LoggedOut,
    /// Logged on, not taking calls.
    NotReady {
        /// Why.
        reason: ReasonCode,
    },
    /// Waiting for a call.
    Ready,
    /// Chosen for a call; the offer is on its way.
    Reserved {
        /// The call.
        call: CallId,
        /// Reservation epoch.
        epoch: Epoch,
    },
    /// The phone rings.
    Alerting {
        /// The call.
        call: CallId,
        /// Reservation epoch.
        epoch: Epoch,
    },
    /// On the call.
    Talking {
        /// The call.
        call: CallId,
        /// Reservation epoch.
        epoch: Epoch,
    },
    /// The call is on hold.
    Hold {
        /// The call.
        call: CallId,
        /// Reservation epoch.
        epoch: Epoch,
    },
    /// Wrap-up after a call.
    Clerical {
        /// When clerical ends.
        until: Instant,
    },
    /// Reserved while the caller authenticates.
    CallWaiting {
        /// The call.
        call: CallId,
        /// When the reservation lapses.
        until: Instant,
    },
    /// The call came back from authentication.
    Callback {
        /// The call.
        call: CallId,
    },
}

/// A call-detail or agent-state event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub at: Instant,
    /// Tenant.
    pub tenant: TenantId,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What an [`Event`] records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The call joined a group's queue.
    CallQueued {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Its priority.
        priority: i32,
        /// Why it (re)joined the queue.
        cause: Cause,
        /// The calling number, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ani: Option<String>,
        /// The call's attached data.
        #[serde(default, skip_serializing_if = "crate::command::no_data")]
        data: Arc<CallData>,
    },
    /// The call reached a new routing stage.
    CallStage {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Stage number, 1-based (0 = the group's own requirement).
        stage: u8,
    },
    /// The call was offered to an agent.
    CallOffered {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// The agent.
        agent: AgentId,
        /// Reservation epoch.
        epoch: Epoch,
    },
    /// The call was answered.
    CallAnswered {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// The agent.
        agent: AgentId,
        /// Milliseconds from entering the group to answer.
        wait_ms: u64,
        /// The call was answered before and this agent took it on transfer
        /// only the first answer counts for the group.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        after_transfer: bool,
    },
    /// An offer was not answered in time or was rejected.
    CallNoAnswer {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// The agent.
        agent: AgentId,
        /// Timeout or rejection.
        cause: Cause,
    },
    /// The caller hung up before answer.
    CallAbandoned {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Milliseconds waited.
        wait_ms: u64,
    },
    /// The call left its group for the overflow destination.
    CallOverflowed {
        /// The call.
        call: CallId,
        /// The group it left.
        group: GroupId,
        /// Where it went.
        to: Destination,
        /// Why.
        cause: Cause,
    },
    /// The call was transferred to another agent.
    CallTransferred {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Transferring agent, when the call was connected.
        from: Option<AgentId>,
        /// Target agent.
        to: AgentId,
    },
    /// The call was parked in a dispatch queue.
    CallParked {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Agent it is reserved for, if any.
        reserved_for: Option<AgentId>,
        /// Why.
        cause: Cause,
    },
    /// The call was deflected to an external number.
    CallDeflected {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Where to.
        destination: String,
        /// Why.
        cause: Cause,
    },
    /// The engine sent the call to an external number and waits for the
    /// outcome ([`crate::Command::DivertResult`], R-4.4, R-4.7, R-2.4).
    CallDiverting {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Where to.
        destination: String,
        /// The divert's epoch (the same counter as offers', R-2.2).
        epoch: Epoch,
        /// Why.
        cause: Cause,
    },
    /// A divert failed, or no outcome came in time; the call goes
    /// on to the next destination or the dispatch queue.
    CallDivertFailed {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// The destination that failed.
        destination: String,
        /// Reported failure, or the divert timeout.
        cause: Cause,
    },
    /// A connected call ended.
    CallEnded {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// The last agent, if one was connected when it ended.
        agent: Option<AgentId>,
        /// Talking time of all agents, ms.
        talk_ms: u64,
        /// Hold time of all agents, ms.
        hold_ms: u64,
        /// Wrap-up reason set before the call ended.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wrap_up: Option<ReasonCode>,
    },
    /// The call was cleared by the engine.
    CallCleared {
        /// The call.
        call: CallId,
        /// The group.
        group: GroupId,
        /// Why.
        cause: Cause,
    },
    /// An agent channel changed state.
    AgentState {
        /// The agent.
        agent: AgentId,
        /// The channel.
        media: Media,
        /// The new state.
        status: AgentStatus,
        /// Why.
        cause: Cause,
    },
    /// An agent set a wrap-up reason, for the call it was finishing or is
    /// in Clerical after.
    AgentWrapUp {
        /// The agent.
        agent: AgentId,
        /// The channel.
        media: Media,
        /// The call the reason is for.
        call: Option<CallId>,
        /// The wrap-up reason.
        reason: ReasonCode,
    },
    /// An agent logged on at an extension.
    AgentLoggedOn {
        /// The agent.
        agent: AgentId,
        /// The extension.
        extension: Extension,
    },
    /// An agent logged off.
    AgentLoggedOff {
        /// The agent.
        agent: AgentId,
        /// Sign-out reason.
        reason: Option<ReasonCode>,
        /// Why (command, or deferred to the end of a call).
        cause: Cause,
    },
    /// Maintenance mode switched.
    Maintenance {
        /// On or off.
        on: bool,
    },
    /// Configuration changed at runtime.
    ConfigChanged {
        /// The command that changed it.
        what: String,
    },
}

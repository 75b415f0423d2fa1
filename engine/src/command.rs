//! Commands: everything that can happen to the engine from outside.
//!
//! Telephony adapters report call progress, agent desktops send state
//! changes, administrators change configuration. Each command is handed to
//! [`crate::Engine::handle`] together with its tenant and the time it
//! happened. Commands are serde data so they can be journaled, traced and
//! replayed (`{"type":"ready","agent":"a1"}`).

use crate::config::{AgentConfig, GroupConfig, Media};
use crate::ids::{AgentId, CallId, Extension, GroupId, ReasonCode, SkillId};
use crate::routing_model::PreferredAgent;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The epoch of a reservation. Every event about a reservation must
/// carry the epoch the engine put in its [`crate::Effect::Offer`]; events
/// with any other epoch are stale and ignored.
pub type Epoch = u64;

/// Data attached to a call: key -> value, in key order. Shared by
/// the call record and every offer and event that carries it.
pub type CallData = BTreeMap<String, String>;

/// Whether a call carries no attached data (serde: left out of outputs).
pub(crate) fn no_data(data: &std::sync::Arc<CallData>) -> bool {
    data.is_empty()
}

/// A new call entering the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// Call id, unique among live calls.
    pub id: CallId,
    /// The service group the call enters.
    pub group: GroupId,
    /// Media; `None` = the group's.
    #[serde(default)]
    pub media: Option<Media>,
    /// Called number (DNIS), matched against agents' PDNs for personal calls.
    #[serde(default)]
    pub dnis: Option<String>,
    /// Calling number (ANI), carried on the call, its offers and events.
    #[serde(default)]
    pub ani: Option<String>,
    /// Priority; higher is served first. `None` = the group's priority.
    #[serde(default)]
    pub priority: Option<i32>,
    /// Agent named by the caller's script.
    #[serde(default)]
    pub preferred_agent: Option<AgentId>,
    /// Attached data, carried on the call, its offers and events.
    #[serde(default)]
    pub data: CallData,
    /// Preferred agents: until the timeout only they are offered
    /// the call. Higher scores first, then list order. "Last agent"
    /// routing is the embedder naming the previous agent here.
    #[serde(default)]
    pub preferred_agents: Vec<PreferredAgent>,
    /// Seconds to wait for the preferred agents; `None` = the group's
    /// `preferred_timeout_s`.
    #[serde(default)]
    pub preferred_timeout_s: Option<u32>,
    /// Original arrival time of a call coming back (a callback): it keeps
    /// its place in line. `None` = now; a later time is refused.
    #[serde(default)]
    pub arrived_at: Option<Instant>,
}

impl CallSpec {
    /// A call to `group` with every optional field empty.
    pub fn new(id: impl Into<CallId>, group: impl Into<GroupId>) -> Self {
        Self {
            id: id.into(),
            group: group.into(),
            media: None,
            dnis: None,
            ani: None,
            priority: None,
            preferred_agent: None,
            data: BTreeMap::new(),
            preferred_agents: Vec::new(),
            preferred_timeout_s: None,
            arrived_at: None,
        }
    }
}

fn voice() -> Media {
    Media::Voice
}

/// Everything the engine accepts. See each variant for the rule it serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    // ---- agent state (R-2) ----
    /// Log the agent on at an extension; it starts Not Ready.
    /// `media` lists the channels to log on; empty = voice only.
    Logon {
        /// The agent.
        agent: AgentId,
        /// Phone extension calls are offered to.
        extension: Extension,
        /// Channels to log on; empty = voice.
        #[serde(default)]
        media: Vec<Media>,
    },
    /// Log the agent off. Deferred while the agent is on a call.
    Logoff {
        /// The agent.
        agent: AgentId,
        /// Sign-out reason.
        #[serde(default)]
        reason: Option<ReasonCode>,
    },
    /// Make a channel Ready; also ends clerical early.
    Ready {
        /// The agent.
        agent: AgentId,
        /// The channel.
        #[serde(default = "voice")]
        media: Media,
    },
    /// Make a channel Not Ready; deferred to the end of the call when busy.
    NotReady {
        /// The agent.
        agent: AgentId,
        /// Not Ready reason.
        reason: ReasonCode,
        /// The channel.
        #[serde(default = "voice")]
        media: Media,
    },

    /// Set a wrap-up reason for the call the agent is finishing, or is in
    /// Clerical after; checked against the Wrap-Up catalogue.
    WrapUp {
        /// The agent.
        agent: AgentId,
        /// Wrap-Up reason.
        reason: ReasonCode,
        /// The channel.
        #[serde(default = "voice")]
        media: Media,
    },

    // ---- call progress (R-3) ----
    /// A call arrives in a service group. Boxed: the call's
    /// description is by far the largest command, and every command is
    /// moved by value; build it with [`Command::call_arrived`].
    CallArrived(Box<CallSpec>),
    /// The offered agent's phone is ringing (Reserved -> Alerting).
    Alerting {
        /// The call.
        call: CallId,
        /// The agent it was offered to.
        agent: AgentId,
        /// The reservation epoch from the offer.
        epoch: Epoch,
    },
    /// The agent answered the offered call.
    Answered {
        /// The call.
        call: CallId,
        /// The answering agent.
        agent: AgentId,
        /// The reservation epoch from the offer.
        epoch: Epoch,
    },
    /// The agent's device refused the offer (busy, rejected); handled like a
    /// ring timeout.
    Rejected {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
        /// The reservation epoch from the offer.
        epoch: Epoch,
    },
    /// The agent put the connected call on hold.
    Hold {
        /// The call.
        call: CallId,
    },
    /// The agent took the call off hold.
    Retrieve {
        /// The call.
        call: CallId,
    },
    /// Either side hung up. Queued or ringing: an abandon;
    /// connected: the call ends and the agent enters clerical.
    Hangup {
        /// The call.
        call: CallId,
    },

    // ---- personal calls, dispatch, transfer, authentication (R-4..R-6) ----
    /// An agent picks a call from a dispatch queue.
    Pick {
        /// The picking agent.
        agent: AgentId,
        /// The call.
        call: CallId,
    },
    /// Transfer the call to another agent, before or after answer.
    Transfer {
        /// The call.
        call: CallId,
        /// The target agent.
        to_agent: AgentId,
    },
    /// Outcome of a [`crate::Effect::Divert`] that asked for a report.
    DivertResult {
        /// The call.
        call: CallId,
        /// The divert's epoch.
        epoch: Epoch,
        /// Whether the divert succeeded.
        ok: bool,
    },
    /// The agent sends the caller to authentication; the agent waits
    /// . The engine emits the divert to the tenant's
    /// authentication number.
    AuthDivert {
        /// The call.
        call: CallId,
        /// The number the agent dialled; when the tenant has an
        /// authentication number it must be exactly that one.
        #[serde(default)]
        destination: Option<String>,
    },
    /// The caller came back from authentication, with the
    /// authentication's results: they are merged into the call's attached
    /// data, a key given here replacing the call's.
    CallReturned {
        /// The call.
        call: CallId,
        /// Results of the authentication.
        #[serde(default)]
        data: CallData,
    },

    // ---- configuration at runtime (R-1.x) ----
    /// Add an agent to the tenant.
    AddAgent {
        /// The new agent (boxed, as configurations are large).
        agent: Box<AgentConfig>,
    },
    /// Remove a logged-out agent.
    RemoveAgent {
        /// The agent.
        agent: AgentId,
    },
    /// Replace an agent's skills; routing follows at once.
    SetSkills {
        /// The agent.
        agent: AgentId,
        /// The new skills and levels.
        skills: BTreeMap<SkillId, u8>,
    },
    /// Add a group, or replace the settings of an existing one. Queued calls
    /// keep the stages they were given on entry.
    UpsertGroup {
        /// The group (boxed, as configurations are large).
        group: Box<GroupConfig>,
    },
    /// Remove a group that holds no calls.
    RemoveGroup {
        /// The group.
        group: GroupId,
    },
    /// Switch the tenant's maintenance mode.
    SetMaintenance {
        /// On or off.
        on: bool,
    },
}

impl Command {
    /// A call described by `spec` arrives.
    pub fn call_arrived(spec: CallSpec) -> Command {
        Command::CallArrived(Box::new(spec))
    }

    /// The command's name, as in its serde tag.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Logon { .. } => "logon",
            Command::Logoff { .. } => "logoff",
            Command::Ready { .. } => "ready",
            Command::NotReady { .. } => "not_ready",
            Command::WrapUp { .. } => "wrap_up",
            Command::CallArrived(_) => "call_arrived",
            Command::Alerting { .. } => "alerting",
            Command::Answered { .. } => "answered",
            Command::Rejected { .. } => "rejected",
            Command::Hold { .. } => "hold",
            Command::Retrieve { .. } => "retrieve",
            Command::Hangup { .. } => "hangup",
            Command::Pick { .. } => "pick",
            Command::Transfer { .. } => "transfer",
            Command::DivertResult { .. } => "divert_result",
            Command::AuthDivert { .. } => "auth_divert",
            Command::CallReturned { .. } => "call_returned",
            Command::AddAgent { .. } => "add_agent",
            Command::RemoveAgent { .. } => "remove_agent",
            Command::SetSkills { .. } => "set_skills",
            Command::UpsertGroup { .. } => "upsert_group",
            Command::RemoveGroup { .. } => "remove_group",
            Command::SetMaintenance { .. } => "set_maintenance",
        }
    }
}

//! The call record: one per live call, in exactly one place at a time.
//!
//! A call is queued in one group, offered to one agent (or several for
//! ring-all), connected to one agent, parked in a dispatch queue, or waiting
//! for the outcome of a divert. When it leaves the engine (answered and
//! ended, abandoned, overflowed out, diverted) its record is removed.

use crate::agent::{AgentIx, CallIx, GroupIx, TenantIx};
use crate::command::Epoch;
use crate::config::{Media, StageConfig};
use crate::engine::Core;
use crate::ids::{AgentId, CallId, GroupId};
use crate::stats::GroupStats;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::sync::Arc;

/// Position of a waiting call: priority (descending), entry time, then
/// arrival sequence. A call keeps its key while it is offered, so a
/// ring timeout puts it back exactly where it was.
pub(crate) type QueueKey = (i64, u64, u64);

/// Where a call is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CallState {
    /// Waiting in its group's queue at eligibility tier `tier`.
    Queued,
    /// Ringing at one agent (several for ring-all).
    Offered {
        offers: SmallVec<[(AgentIx, Epoch); 1]>,
        /// Epoch carried by the ring timer of this offer round.
        timer: Epoch,
    },
    /// Connected to an agent (talking, hold, or authentication).
    Connected { agent: AgentIx, epoch: Epoch },
    /// Waiting in the group's dispatch queue, possibly reserved
    /// for one agent.
    Parked { reserved_for: Option<AgentIx> },
    /// A divert was requested and its outcome is awaited.
    Diverting {
        epoch: Epoch,
        step: DivertStep,
        destination: String,
    },
    /// Between two places, inside one engine step; never seen outside.
    Detached,
}

/// Which rung of the divert ladder a call is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum DivertStep {
    /// The agent's personal default destination; `then_system` when the
    /// system default destination is the next rung, else the
    /// dispatch queue.
    PersonalDefault { then_system: bool },
    /// The tenant's system default destination.
    SystemDefault,
}

/// Names of call states, for errors and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStateName {
    /// Waiting in a queue.
    Queued,
    /// Ringing.
    Offered,
    /// Connected to an agent.
    Connected,
    /// In a dispatch queue.
    Parked,
    /// Awaiting a divert outcome.
    Diverting,
    /// Between two places inside one step (never observable).
    Detached,
}

impl CallState {
    pub(crate) fn name(&self) -> CallStateName {
        match self {
            CallState::Queued => CallStateName::Queued,
            CallState::Offered { .. } => CallStateName::Offered,
            CallState::Connected { .. } => CallStateName::Connected,
            CallState::Parked { .. } => CallStateName::Parked,
            CallState::Diverting { .. } => CallStateName::Diverting,
            CallState::Detached => CallStateName::Detached,
        }
    }
}

/// The state of a call as seen from outside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CallStatus {
    /// Waiting in `group`'s queue at routing stage `stage`.
    Queued {
        /// The group.
        group: GroupId,
        /// Current stage (0 = the group's own requirement).
        stage: u8,
        /// 1-based position in the group's queue.
        position: usize,
    },
    /// Ringing at these agents.
    Offered {
        /// The group.
        group: GroupId,
        /// The agents ringing, with their epochs.
        agents: Vec<(AgentId, Epoch)>,
    },
    /// Connected to `agent`.
    Connected {
        /// The group.
        group: GroupId,
        /// The agent.
        agent: AgentId,
    },
    /// In `group`'s dispatch queue.
    Parked {
        /// The group.
        group: GroupId,
        /// The agent it is reserved for, if any.
        reserved_for: Option<AgentId>,
    },
    /// A divert is in progress.
    Diverting {
        /// The group.
        group: GroupId,
    },
}

/// A live call's status and the data it carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDetails {
    /// Where the call is.
    #[serde(flatten)]
    pub status: CallStatus,
    /// Called number.
    pub dnis: Option<String>,
    /// Calling number.
    pub ani: Option<String>,
    /// Attached data.
    pub data: crate::command::CallData,
    /// Wrap-up reason set for the call so far.
    pub wrap_up: Option<crate::ids::ReasonCode>,
}

/// The one authoritative call record.
///
/// Laid out in declaration order (`repr(C)`): the fields every command
/// reads — the lookup key (id, tenant), the state and what places the
/// call in line — are packed into the record's first 144 bytes (rustc's
/// own layout spread them over six cache lines); the rarely used ones
/// (preferred agents, overflow bookkeeping, wrap-up) come last.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[repr(C)]
pub(crate) struct Call {
    pub(crate) id: CallId,
    pub(crate) tenant: TenantIx,
    pub(crate) group: GroupIx,
    /// Unique arrival sequence; distinguishes reuse of a slab slot.
    pub(crate) uid: u64,
    /// When the call entered its current group.
    pub(crate) entered: Instant,
    pub(crate) state: CallState,
    pub(crate) priority: i32,
    pub(crate) media: Media,
    /// Eligibility tier reached (0 = the group's own requirement).
    pub(crate) tier: u8,
    /// Index in `stages` of the next stage to apply.
    pub(crate) next_stage: u8,
    /// A private call of its agent since a transfer completed it for its
    /// group: never queued again, not counted for the group.
    #[serde(default)]
    pub(crate) private: bool,
    /// The caller is away in customer authentication.
    #[serde(default)]
    pub(crate) in_authentication: bool,
    /// End of the current authentication trip's reserve time: the
    /// reserve timer due then is the live one. Absent in older snapshots.
    #[serde(default)]
    pub(crate) reserve_until: Option<Instant>,
    /// Attached data, updated by authentication results.
    #[serde(default)]
    pub(crate) data: std::sync::Arc<crate::command::CallData>,
    /// Original arrival of a call coming back (callback): its place in
    /// line instead of `entered` (R-10.4).
    #[serde(default)]
    pub(crate) arrival: Option<Instant>,
    /// Priority aging copied from the group on entry.
    #[serde(default)]
    pub(crate) aging: Option<crate::routing_model::AgingConfig>,
    /// Reporting across transfers.
    pub(crate) report: CallReport,
    /// Deadline copied from the group's max wait on entry.
    pub(crate) max_wait_until: Option<Instant>,
    /// Until then only the preferred agents are offered the call;
    /// `None` once released.
    #[serde(default)]
    pub(crate) preferred_until: Option<Instant>,
    /// Personal-call bookkeeping.
    pub(crate) personal: crate::personal::PersonalState,
    /// Calling number.
    #[serde(default)]
    pub(crate) ani: Option<String>,
    /// Stages copied from the group on entry.
    pub(crate) stages: Arc<[StageConfig]>,
    /// Groups this call has already overflowed from (loop guard).
    pub(crate) visited: SmallVec<[GroupIx; 2]>,
    /// Preferred agents, best first.
    #[serde(default)]
    pub(crate) preferred: SmallVec<[AgentIx; 2]>,
    pub(crate) preferred_agent: Option<AgentId>,
    pub(crate) dnis: Option<String>,
    /// An overflow fell due while the call was ringing; applied on requeue.
    pub(crate) overflow_due: Option<(crate::config::Destination, crate::Cause)>,
    /// Wrap-up reason the agent set while finishing the call.
    #[serde(default)]
    pub(crate) wrap_up: Option<crate::ids::ReasonCode>,
}

/// Reporting figures that survive transfers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct CallReport {
    /// When it was first answered.
    pub(crate) answered_at: Option<Instant>,
    /// Talking time of every agent, ms.
    pub(crate) talk_ms: u64,
    /// Hold time of every agent, ms.
    pub(crate) hold_ms: u64,
    /// Start of the current talk or hold segment.
    pub(crate) segment_since: Option<Instant>,
    /// When the call first rang at an agent.
    #[serde(default)]
    pub(crate) first_alert: Option<Instant>,
    /// How long it rang at that first agent, once that offer ended.
    #[serde(default)]
    pub(crate) first_alert_ms: Option<u64>,
}

impl CallReport {
    /// The end of an offer: the first one fixes the alerting time.
    pub(crate) fn offer_ended(&mut self, now: Instant) {
        if let (Some(since), None) = (self.first_alert, self.first_alert_ms) {
            self.first_alert_ms = Some(now.millis_since(since));
        }
    }
}

impl Call {
    /// The call's place in its queue. With priority aging the first
    /// component is the aged priority less `rate × arrival`, which orders
    /// the queue by aged priority at every instant; a call whose
    /// own priority is at or above the cap does not age.
    pub(crate) fn key(&self) -> QueueKey {
        let since = self.queued_since().as_millis();
        let first = match self.aging {
            None => i64::from(self.priority),
            Some(a) if a.cap.is_some_and(|cap| self.priority >= cap) => {
                i64::from(self.priority) * 60_000
            }
            Some(a) => (i64::from(self.priority) * 60_000)
                .saturating_sub(i64::from(a.rate_per_min).saturating_mul(since as i64)),
        };
        (-first, since, self.uid)
    }

    /// Start of the wait that places the call in line.
    pub(crate) fn queued_since(&self) -> Instant {
        self.arrival.unwrap_or(self.entered)
    }

    /// Priority for cross-group selection at `now`, in 1/60000 points:
    /// aged and capped when the call ages.
    pub(crate) fn score_priority(&self, now: Instant) -> i64 {
        match self.aging {
            None => i64::from(self.priority) * 60_000,
            Some(a) => a.aged_fine(self.priority, now.millis_since(self.queued_since())),
        }
    }

    /// Whether agent `a` may be offered the call now: during the
    /// preferred-agent wait only the preferred agents may.
    pub(crate) fn allows(&self, a: AgentIx) -> bool {
        self.preferred_until.is_none() || self.preferred.contains(&a)
    }

    /// Answered at least once (R-6.2: an answered call stays answered for
    /// its group through transfers).
    pub(crate) fn answered(&self) -> bool {
        self.report.answered_at.is_some()
    }
}

/// The gauge of `stats` a call in `state` is counted in. Answered calls are
/// counted as `connected` wherever they are (ringing at a transfer target,
/// back in the queue after a failed transfer).
fn gauge<'a>(
    stats: &'a mut GroupStats,
    state: &CallState,
    answered: bool,
    private: bool,
) -> Option<&'a mut u64> {
    match state {
        CallState::Detached => None,
        _ if private => None,
        _ if answered => Some(&mut stats.connected),
        CallState::Queued => Some(&mut stats.queued),
        CallState::Offered { .. } => Some(&mut stats.ringing),
        CallState::Connected { .. } => Some(&mut stats.connected),
        CallState::Parked { .. } => Some(&mut stats.parked),
        CallState::Diverting { .. } => Some(&mut stats.diverting),
    }
}

impl Core {
    /// Moves a call to `state`, keeping its group's gauges in step. Every
    /// change of a call's state goes through here.
    pub(crate) fn set_state(&mut self, c: CallIx, state: CallState) {
        let call = &mut self.calls[c];
        let stats = &mut self.groups[call.group].stats;
        if let Some(n) = gauge(stats, &call.state, call.answered(), call.private) {
            *n -= 1;
        }
        if let Some(n) = gauge(stats, &state, call.answered(), call.private) {
            *n += 1;
        }
        let (was, is) = (
            matches!(call.state, CallState::Queued),
            matches!(state, CallState::Queued),
        );
        let (t, media, g) = (call.tenant, call.media, call.group);
        call.state = state;
        self.changes.group(g);
        if was != is {
            // Derived counters of the routing policies.
            self.ix.policy.queued.count(t, media, g, is);
            // A call leaving the queue, or one entering it ahead of the
            // head (a higher priority), may shorten the head's wait: a
            // reserve bounded by that wait may lift.
            self.reserve_may_lift(g);
        }
    }
}

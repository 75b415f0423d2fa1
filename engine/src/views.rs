//! Read-only views of the engine: agent and call statuses, group
//! counters, the tenant picture for read-only consumers. Nothing here
//! changes state.

use crate::agent::{AgentIx, CallIx, TenantIx};
use crate::call::{CallDetails, CallState, CallStatus};
use crate::capacity::{AgentLoad, AgentStatusWithLoad, Lane};
use crate::config::Media;
use crate::engine::{Core, Engine};
use crate::error::Error;
use crate::ids::{AgentId, CallId, GroupId, TenantId};
use crate::output::AgentStatus;
use crate::stats::GroupStats;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

impl Engine {
    /// The state of a tenant's agent's channel. Another tenant's agent is
    /// [`Error::UnknownAgent`], exactly like one that does not exist.
    pub fn agent_status(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        media: Media,
    ) -> Result<AgentStatus, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let a = self.core.agent_ix(t, agent)?;
        Ok(self.core.status_of(a, media))
    }

    /// The contacts a tenant's agent handles per media, with its limits
    /// and budget (R-10.3; as for [`Engine::agent_status`]).
    pub fn agent_load(&self, tenant: &TenantId, agent: &AgentId) -> Result<AgentLoad, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let a = self.core.agent_ix(t, agent)?;
        Ok(self.core.load_of(a))
    }

    /// [`Engine::agent_status`] with the agent's load.
    pub fn agent_status_with_load(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        media: Media,
    ) -> Result<AgentStatusWithLoad, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let a = self.core.agent_ix(t, agent)?;
        Ok(AgentStatusWithLoad {
            status: self.core.status_of(a, media),
            load: self.core.load_of(a),
        })
    }

    /// The status of each contact lane of a tenant's agent's media: one
    /// entry, the channel, without a capacity; one per contact it may
    /// handle at once under one.
    pub fn agent_contacts(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        media: Media,
    ) -> Result<Vec<AgentStatus>, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let a = self.core.agent_ix(t, agent)?;
        let lanes = self.core.agents[a].lanes(media);
        Ok(lanes
            .into_iter()
            .map(|l| self.core.status_of_lane(a, l))
            .collect())
    }

    /// Where a tenant's live call is (R-1.1 as for [`Engine::agent_status`]).
    pub fn call_status(&self, tenant: &TenantId, call: &CallId) -> Result<CallStatus, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let c = self.core.call_ix(t, call)?;
        Ok(self.core.call_status_of(c))
    }

    /// Where a tenant's live call is, with the data it carries: called and
    /// calling number, attached data (updated by authentication results)
    /// and the wrap-up reason set so far.
    pub fn call_details(&self, tenant: &TenantId, call: &CallId) -> Result<CallDetails, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let c = self.core.call_ix(t, call)?;
        let rec = &self.core.calls[c];
        Ok(CallDetails {
            status: self.core.call_status_of(c),
            dnis: rec.dnis.clone(),
            ani: rec.ani.clone(),
            data: (*rec.data).clone(),
            wrap_up: rec.wrap_up.clone(),
        })
    }

    /// Counters of a tenant's group (R-8.2; as for [`Engine::agent_status`]).
    /// `longest_wait_ms` also covers the calls of the group not answered
    /// yet (queued, ringing, parked, diverting), timed to the engine's
    /// time; the runtime's published snapshots carry the stored counters,
    /// which cover the waits that ended.
    pub fn group_stats(&self, tenant: &TenantId, group: &GroupId) -> Result<GroupStats, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let g = self.core.group_ix(t, group)?;
        let mut stats = self.core.groups[g].stats.clone();
        // the longest wait includes the calls still waiting now.
        let now = self.core.now;
        let waiting = self
            .core
            .calls
            .iter()
            .filter(|(_, c)| c.group == g && !c.private && !c.answered())
            .filter(|(_, c)| !matches!(c.state, crate::call::CallState::Detached))
            .map(|(_, c)| now.millis_since(c.entered))
            .max()
            .unwrap_or(0);
        stats.longest_wait_ms = stats.longest_wait_ms.max(waiting);
        Ok(stats)
    }

    /// The dispatch queues of the agent's tenant as that agent sees them:
    /// pickable entries, or read-only ones where the agent is not skilled
    /// for the group. Agents without dispatch access get
    /// [`Error::NotPermitted`].
    pub fn dispatch_view(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
    ) -> Result<Vec<crate::DispatchEntry>, Error> {
        let t = self.core.tenant_ix(tenant)?;
        self.core.dispatch_view(t, agent)
    }

    /// Number of calls waiting in a tenant's group's queue (R-1.1 as for
    /// [`Engine::agent_status`]).
    pub fn queue_len(&self, tenant: &TenantId, group: &GroupId) -> Result<usize, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let g = self.core.group_ix(t, group)?;
        Ok(self.core.groups[g].queued_count())
    }

    /// A consistent picture of one tenant, for read-only consumers.
    pub fn snapshot(&self, tenant: &TenantId) -> Result<TenantSnapshot, Error> {
        let t = self.core.tenant_ix(tenant)?;
        Ok(self.core.tenant_snapshot(t))
    }

    /// The tenants this engine hosts.
    pub fn tenants(&self) -> impl Iterator<Item = &TenantId> + '_ {
        self.core.tenants.iter().map(|t| &t.id)
    }

    /// Live calls held by the engine.
    pub fn live_calls(&self) -> usize {
        self.core.calls.len()
    }

    /// Checks every internal invariant; `Err` describes the first broken one.
    /// Meant for tests, fuzzers and debugging; O(size of the engine).
    pub fn check_invariants(&self) -> Result<(), String> {
        self.core.check_invariants()
    }
}

/// Read-only picture of a tenant at one instant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TenantSnapshot {
    /// Tenant.
    pub tenant: TenantId,
    /// Engine time of the snapshot.
    pub at: Instant,
    /// Agents and the state of their voice channel.
    pub agents: Vec<(AgentId, AgentStatus)>,
    /// Groups: id, calls queued, counters.
    pub groups: Vec<(GroupId, usize, GroupStats)>,
}

impl Core {
    /// The status of a media of agent `a`: that of its first lane busy
    /// with a contact, else of its main channel.
    pub(crate) fn status_of(&self, a: AgentIx, media: Media) -> AgentStatus {
        self.status_of_lane(a, self.agents[a].status_lane(media))
    }

    /// The status of one lane of agent `a`.
    pub(crate) fn status_of_lane(&self, a: AgentIx, l: Lane) -> AgentStatus {
        use crate::agent::ChanState as S;
        let id = |c: CallIx| self.calls[c].id.clone();
        match &self.agents[a].lane(l).state {
            S::LoggedOut => AgentStatus::LoggedOut,
            S::NotReady { reason } => AgentStatus::NotReady {
                reason: reason.clone(),
            },
            S::Ready => AgentStatus::Ready,
            S::Reserved { call, epoch } => AgentStatus::Reserved {
                call: id(*call),
                epoch: *epoch,
            },
            S::Alerting { call, epoch } => AgentStatus::Alerting {
                call: id(*call),
                epoch: *epoch,
            },
            S::Talking { call, epoch } => AgentStatus::Talking {
                call: id(*call),
                epoch: *epoch,
            },
            S::Hold { call, epoch } => AgentStatus::Hold {
                call: id(*call),
                epoch: *epoch,
            },
            S::Clerical { until, .. } => AgentStatus::Clerical { until: *until },
            S::CallWaiting { call, until, .. } => AgentStatus::CallWaiting {
                call: id(*call),
                until: *until,
            },
            S::Callback { call, .. } => AgentStatus::Callback { call: id(*call) },
        }
    }

    pub(crate) fn call_status_of(&self, c: CallIx) -> CallStatus {
        let call = &self.calls[c];
        let group = self.groups[call.group].id.clone();
        let agent_id = |a: AgentIx| self.agents[a].id.clone();
        match &call.state {
            // Detached never outlives a step; it reads as queued.
            CallState::Queued | CallState::Detached => {
                let g = &self.groups[call.group];
                let key = call.key();
                let position = g
                    .queues
                    .iter()
                    .map(|q| q.range(..key).count())
                    .sum::<usize>()
                    + 1;
                CallStatus::Queued {
                    group,
                    stage: call.tier,
                    position,
                }
            }
            CallState::Offered { offers, .. } => CallStatus::Offered {
                group,
                agents: offers.iter().map(|&(a, e)| (agent_id(a), e)).collect(),
            },
            CallState::Connected { agent, .. } => CallStatus::Connected {
                group,
                agent: agent_id(*agent),
            },
            CallState::Parked { reserved_for } => CallStatus::Parked {
                group,
                reserved_for: reserved_for.map(agent_id),
            },
            CallState::Diverting { .. } => CallStatus::Diverting { group },
        }
    }

    pub(crate) fn tenant_snapshot(&self, t: TenantIx) -> TenantSnapshot {
        let tenant = &self.tenants[t];
        TenantSnapshot {
            tenant: tenant.id.clone(),
            at: self.now,
            agents: tenant
                .agents
                .iter()
                .map(|&a| (self.agents[a].id.clone(), self.status_of(a, Media::Voice)))
                .collect(),
            groups: tenant
                .groups
                .iter()
                .map(|&g| {
                    let grp = &self.groups[g];
                    (grp.id.clone(), grp.queued_count(), grp.stats.clone())
                })
                .collect(),
        }
    }
}

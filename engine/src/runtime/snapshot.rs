//! Read-only pictures of a shard, published by its writer and readable from
//! any thread without ever blocking the writer.
//!
//! A [`ShardSnapshot`] is the state of one shard at one batch boundary. Its
//! per-tenant views share their storage with the snapshots before and after
//! them: agent states and group figures live in [`Pages`] (persistent
//! vectors), and the rosters (which agents and groups a tenant has) in
//! `Arc`s that change only when an agent or group is added or removed. The
//! writer refreshes only what the engine reports changed
//! ([`super::SnapshotBuilder`]), so publishing costs O(records changed in
//! the batch), not O(agents).
//!
//! The writer publishes through a [`SnapshotCell`], an `arc-swap` cell:
//! publishing is an atomic pointer swap, and a reader's
//! [`SnapshotCell::load`] is lock-free (it takes a reference to the latest
//! snapshot, which it may keep as long as it likes while the writer goes on).

use super::pages::Pages;
use crate::{AgentId, AgentStatus, GroupId, GroupStats, Instant, TenantId, TenantSnapshot};
use arc_swap::ArcSwap;
use hashbrown::HashMap;
use std::fmt;
use std::sync::Arc;

/// Counters of one shard's writer since the runtime started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShardCounters {
    /// Commands applied (successfully or not).
    pub commands: u64,
    /// Commands the engine refused with an error.
    pub refused: u64,
    /// Wake-ups for due timers.
    pub timeouts: u64,
    /// Batches processed (a batch ends with output delivery and a snapshot).
    pub batches: u64,
    /// Effects handed to the output sink.
    pub effects: u64,
    /// Events handed to the output sink.
    pub events: u64,
    /// Journal writes, fsyncs or automatic snapshots that failed (journaled
    /// shards only); a command whose write failed was not applied.
    pub journal_errors: u64,
}

/// A consistent picture of every tenant of one shard at one batch boundary.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardSnapshot {
    /// Index of the shard.
    pub shard: usize,
    /// Publication number: 0 for the picture taken at start, then increasing.
    pub seq: u64,
    /// Engine time of the picture.
    pub at: Instant,
    /// One view per tenant, in the engine's tenant order.
    pub tenants: Vec<TenantView>,
    /// The writer's counters.
    pub counters: ShardCounters,
}

impl ShardSnapshot {
    /// The view of `tenant`, if this shard hosts it.
    pub fn tenant(&self, tenant: &TenantId) -> Option<&TenantView> {
        self.tenants.iter().find(|t| &t.tenant == tenant)
    }

    /// The voice state of `agent`.
    pub fn agent_status(&self, tenant: &TenantId, agent: &AgentId) -> Option<&AgentStatus> {
        self.tenant(tenant)?.agent_status(agent)
    }

    /// Calls waiting in `group`'s queue.
    pub fn queue_len(&self, tenant: &TenantId, group: &GroupId) -> Option<usize> {
        self.tenant(tenant)?.group(group).map(|(len, _)| len)
    }

    /// Statistics of `group`.
    pub fn group_stats(&self, tenant: &TenantId, group: &GroupId) -> Option<&GroupStats> {
        self.tenant(tenant)?.group(group).map(|(_, stats)| stats)
    }
}

/// One tenant in a [`ShardSnapshot`]: its agents' voice states and its
/// groups' queue lengths and statistics. Cloning it is a few reference
/// counts.
#[derive(Clone, PartialEq)]
pub struct TenantView {
    tenant: TenantId,
    agents: Arc<Roster<AgentId>>,
    agent_states: Pages<AgentStatus>,
    groups: Arc<Roster<GroupId>>,
    group_states: Pages<GroupState>,
}

/// What a view holds per group: calls queued, and the counters.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GroupState {
    pub(crate) queue_len: usize,
    pub(crate) stats: GroupStats,
}

/// The ids of a tenant's agents or groups, in the engine's order, with the
/// position of each.
#[derive(Debug)]
pub(crate) struct Roster<K> {
    ids: Vec<K>,
    position: HashMap<K, u32>,
}

impl<K: PartialEq> PartialEq for Roster<K> {
    fn eq(&self, other: &Self) -> bool {
        self.ids == other.ids
    }
}

impl<K: Clone + Eq + std::hash::Hash> Roster<K> {
    pub(crate) fn new(ids: Vec<K>) -> Self {
        let position = ids.iter().cloned().zip(0..).collect();
        Roster { ids, position }
    }
}

impl TenantView {
    /// A view of `tenant` from its agents and groups, in order.
    pub(crate) fn new(
        tenant: TenantId,
        agents: Vec<(AgentId, AgentStatus)>,
        groups: Vec<(GroupId, GroupState)>,
    ) -> Self {
        let (agent_ids, agent_states) = agents.into_iter().unzip();
        let (group_ids, group_states) = groups.into_iter().unzip();
        TenantView {
            tenant,
            agents: Arc::new(Roster::new(agent_ids)),
            agent_states: Pages::from_vec(agent_states),
            groups: Arc::new(Roster::new(group_ids)),
            group_states: Pages::from_vec(group_states),
        }
    }

    /// The same view in pages of its own (shares only the rosters).
    pub(crate) fn deep_clone(&self) -> Self {
        TenantView {
            tenant: self.tenant.clone(),
            agents: Arc::clone(&self.agents),
            agent_states: Pages::from_vec(self.agent_states.iter().cloned().collect()),
            groups: Arc::clone(&self.groups),
            group_states: Pages::from_vec(self.group_states.iter().cloned().collect()),
        }
    }

    /// Loads the page of the agent at `position` ahead of a write.
    pub(crate) fn touch_agent(&self, position: usize) {
        self.agent_states.touch(position);
    }

    /// Replaces the state of the agent at `position` (in roster order).
    pub(crate) fn set_agent(&mut self, position: usize, status: AgentStatus) {
        self.agent_states.set(position, status);
    }

    /// Replaces the figures of the group at `position` (in roster order).
    pub(crate) fn set_group(&mut self, position: usize, state: GroupState) {
        self.group_states.set(position, state);
    }

    /// The tenant.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// Number of agents.
    pub fn agent_count(&self) -> usize {
        self.agent_states.len()
    }

    /// The agents and the states of their voice channels, in the engine's
    /// order (the order of [`crate::Engine::snapshot`]).
    pub fn agents(&self) -> impl Iterator<Item = (&AgentId, &AgentStatus)> + '_ {
        self.agents.ids.iter().zip(self.agent_states.iter())
    }

    /// The voice state of `agent`.
    pub fn agent_status(&self, agent: &AgentId) -> Option<&AgentStatus> {
        let position = *self.agents.position.get(agent)?;
        self.agent_states.get(position as usize)
    }

    /// The groups with the calls waiting in their queues and their
    /// statistics, in the engine's order.
    pub fn groups(&self) -> impl Iterator<Item = (&GroupId, usize, &GroupStats)> + '_ {
        self.groups
            .ids
            .iter()
            .zip(self.group_states.iter())
            .map(|(id, g)| (id, g.queue_len, &g.stats))
    }

    /// Calls waiting in `group`'s queue and its statistics.
    pub fn group(&self, group: &GroupId) -> Option<(usize, &GroupStats)> {
        let position = *self.groups.position.get(group)?;
        let g = self.group_states.get(position as usize)?;
        Some((g.queue_len, &g.stats))
    }

    /// A full copy of this view, as [`crate::Engine::snapshot`] gives it
    /// (O(agents)).
    pub fn to_snapshot(&self, at: Instant) -> TenantSnapshot {
        TenantSnapshot {
            tenant: self.tenant.clone(),
            at,
            agents: self
                .agents()
                .map(|(id, status)| (id.clone(), status.clone()))
                .collect(),
            groups: self
                .groups()
                .map(|(id, len, stats)| (id.clone(), len, stats.clone()))
                .collect(),
        }
    }
}

impl fmt::Debug for TenantView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantView")
            .field("tenant", &self.tenant)
            .field("agents", &AgentsDebug(self))
            .field("groups", &GroupsDebug(self))
            .finish()
    }
}

struct AgentsDebug<'a>(&'a TenantView);

impl fmt::Debug for AgentsDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.agents()).finish()
    }
}

struct GroupsDebug<'a>(&'a TenantView);

impl fmt::Debug for GroupsDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.groups()).finish()
    }
}

/// The slot a shard publishes its latest snapshot into.
pub(crate) struct SnapshotCell {
    latest: ArcSwap<ShardSnapshot>,
}

impl SnapshotCell {
    /// A cell holding `first`.
    pub(crate) fn new(first: Arc<ShardSnapshot>) -> Self {
        Self {
            latest: ArcSwap::new(first),
        }
    }

    /// Replaces the published snapshot (an atomic swap). The previous one
    /// is freed here unless a reader still holds it.
    pub(crate) fn publish(&self, next: Arc<ShardSnapshot>) {
        drop(self.latest.swap(next));
    }

    /// The latest published snapshot (lock-free).
    pub(crate) fn load(&self) -> Arc<ShardSnapshot> {
        self.latest.load_full()
    }
}

impl fmt::Debug for SnapshotCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotCell")
            .field("seq", &self.latest.load().seq)
            .finish()
    }
}

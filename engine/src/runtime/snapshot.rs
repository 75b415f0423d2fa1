//! Read-only pictures of a shard, published by its writer and readable from
//! any thread without ever blocking the writer.
//!
//! The writer builds a fresh [`ShardSnapshot`] outside any lock, then swaps
//! the `Arc` pointer in a [`SnapshotCell`] under a `parking_lot` mutex held
//! only for that swap. Readers hold the same mutex only to clone the `Arc`
//! (one atomic increment); afterwards they read their snapshot for as long
//! as they like while the writer goes on.

use crate::{AgentId, AgentStatus, GroupId, GroupStats, Instant, TenantId, TenantSnapshot};
use parking_lot::Mutex;
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

/// A consistent picture of every tenant of one shard at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardSnapshot {
    /// Index of the shard.
    pub shard: usize,
    /// Publication number: 0 for the picture taken at start, then increasing.
    pub seq: u64,
    /// Engine time of the picture.
    pub at: Instant,
    /// One picture per tenant: agent states, queue depths, group statistics.
    pub tenants: Vec<TenantSnapshot>,
    /// The writer's counters.
    pub counters: ShardCounters,
}

impl ShardSnapshot {
    /// The picture of `tenant`, if this shard hosts it.
    pub fn tenant(&self, tenant: &TenantId) -> Option<&TenantSnapshot> {
        self.tenants.iter().find(|t| &t.tenant == tenant)
    }

    /// The voice state of `agent` (linear scan of the tenant's agents).
    pub fn agent_status(&self, tenant: &TenantId, agent: &AgentId) -> Option<&AgentStatus> {
        let t = self.tenant(tenant)?;
        t.agents.iter().find(|(id, _)| id == agent).map(|(_, s)| s)
    }

    /// Calls waiting in `group`'s queue.
    pub fn queue_len(&self, tenant: &TenantId, group: &GroupId) -> Option<usize> {
        self.group(tenant, group).map(|(len, _)| len)
    }

    /// Statistics of `group`.
    pub fn group_stats(&self, tenant: &TenantId, group: &GroupId) -> Option<&GroupStats> {
        self.group(tenant, group).map(|(_, stats)| stats)
    }

    fn group(&self, tenant: &TenantId, group: &GroupId) -> Option<(usize, &GroupStats)> {
        let t = self.tenant(tenant)?;
        t.groups
            .iter()
            .find(|(id, _, _)| id == group)
            .map(|(_, len, stats)| (*len, stats))
    }
}

/// The slot a shard publishes its latest snapshot into.
#[derive(Debug)]
pub(crate) struct SnapshotCell {
    latest: Mutex<Arc<ShardSnapshot>>,
}

impl SnapshotCell {
    /// A cell holding `first`.
    pub(crate) fn new(first: ShardSnapshot) -> Self {
        Self {
            latest: Mutex::new(Arc::new(first)),
        }
    }

    /// Replaces the published snapshot. The lock is held only for the swap;
    /// the previous snapshot is freed (if no reader holds it) after the
    /// lock is released.
    pub(crate) fn publish(&self, next: Arc<ShardSnapshot>) {
        let previous = std::mem::replace(&mut *self.latest.lock(), next);
        drop(previous);
    }

    /// The latest published snapshot.
    pub(crate) fn load(&self) -> Arc<ShardSnapshot> {
        Arc::clone(&self.latest.lock())
    }
}

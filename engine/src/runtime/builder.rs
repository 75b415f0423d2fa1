//! Building a shard's snapshots incrementally: after each batch, only the
//! agents and groups the engine reports changed are read again.
//!
//! The builder turns on the engine's change log when it is made and reads
//! the engine whole once. Each [`SnapshotBuilder::snapshot`] then drains the
//! log and writes the changed agents' voice states and the changed groups'
//! figures into its per-tenant views (copy-on-write pages shared with the
//! snapshots already published), so a snapshot costs O(records changed)
//! plus one reference count per tenant view. A tenant that gained or lost
//! an agent or a group is read whole again (O(its agents)); that happens
//! on reconfiguration only.

use super::snapshot::{GroupState, ShardCounters, ShardSnapshot, TenantView};
use crate::agent::{AgentIx, GroupIx, TenantIx};
use crate::arena::SlabIndex;
use crate::changes::Changes;
use crate::engine::Core;
use crate::journal::EngineStore;
use crate::Media;

/// Position of a record not in any view.
const NOWHERE: u32 = u32::MAX;

/// Keeps the views of one engine's tenants up to date from the engine's
/// change log, and makes [`ShardSnapshot`]s of them.
///
/// Use exactly one builder per engine (each drains the engine's log). The
/// runtime's writer owns one per shard; an embedder driving an
/// [`EngineStore`] on its own thread may use one the same way.
#[derive(Debug)]
pub struct SnapshotBuilder {
    shard: usize,
    /// One view per tenant, indexed by the engine's tenant index.
    views: Vec<TenantView>,
    /// Position of each agent (by arena slot) in its tenant's view.
    agent_pos: Vec<u32>,
    /// Position of each group (by arena slot) in its tenant's view.
    group_pos: Vec<u32>,
    /// The last drain of the change log (kept to reuse its buffers).
    changes: Changes,
    /// Tenants read whole during the current refresh.
    rebuilt: Vec<bool>,
}

impl SnapshotBuilder {
    /// A builder for shard `shard`'s engine: turns on its change log and
    /// reads every tenant.
    pub fn new(shard: usize, engine: &mut EngineStore) -> Self {
        engine.change_log().enable();
        let mut builder = SnapshotBuilder {
            shard,
            views: Vec::new(),
            agent_pos: Vec::new(),
            group_pos: Vec::new(),
            changes: Changes::default(),
            rebuilt: Vec::new(),
        };
        let core = &engine.engine().core;
        for (t, _) in core.tenants.iter_enumerated() {
            builder.rebuild(core, t);
        }
        builder
    }

    /// The snapshot numbered `seq` of the engine as it is now: applies the
    /// changes logged since the previous call, then shares the views.
    pub fn snapshot(
        &mut self,
        seq: u64,
        engine: &mut EngineStore,
        counters: ShardCounters,
    ) -> ShardSnapshot {
        engine.change_log().drain(&mut self.changes);
        let engine = engine.engine();
        self.refresh(&engine.core);
        ShardSnapshot {
            shard: self.shard,
            seq,
            at: engine.now(),
            tenants: self.views.clone(),
            counters,
        }
    }

    /// Applies the drained changes: rosters first (read whole), then the
    /// agents and groups of the other tenants.
    fn refresh(&mut self, core: &Core) {
        if self.changes.is_empty() {
            return;
        }
        self.rebuilt.clear();
        self.rebuilt.resize(core.tenants.iter().count(), false);
        for i in 0..self.changes.rosters.len() {
            let t = self.changes.rosters[i];
            self.rebuild(core, t);
            self.rebuilt[t.slot()] = true;
        }
        for &a in &self.changes.agents {
            // A removed agent's tenant was read whole.
            let Some(agent) = core.agents.get(a) else {
                continue;
            };
            if !self.rebuilt[agent.tenant.slot()] {
                let position = self.agent_pos[a.slot()] as usize;
                self.views[agent.tenant.slot()]
                    .set_agent(position, core.status_of(a, Media::Voice));
            }
        }
        for &g in &self.changes.groups {
            let Some(group) = core.groups.get(g) else {
                continue;
            };
            if !self.rebuilt[group.tenant.slot()] {
                let position = self.group_pos[g.slot()] as usize;
                self.views[group.tenant.slot()].set_group(position, group_state(core, g));
            }
        }
    }

    /// Reads tenant `t` whole into a new view.
    fn rebuild(&mut self, core: &Core, t: TenantIx) {
        let tenant = &core.tenants[t];
        for (position, &a) in (0..).zip(&tenant.agents) {
            set_position(&mut self.agent_pos, a.slot(), position);
        }
        for (position, &g) in (0..).zip(&tenant.groups) {
            set_position(&mut self.group_pos, g.slot(), position);
        }
        let agents = tenant
            .agents
            .iter()
            .map(|&a: &AgentIx| (core.agents[a].id.clone(), core.status_of(a, Media::Voice)))
            .collect();
        let groups = tenant
            .groups
            .iter()
            .map(|&g: &GroupIx| (core.groups[g].id.clone(), group_state(core, g)))
            .collect();
        let view = TenantView::new(tenant.id.clone(), agents, groups);
        match self.views.get_mut(t.slot()) {
            Some(old) => *old = view,
            None => self.views.push(view),
        }
    }
}

fn group_state(core: &Core, g: GroupIx) -> GroupState {
    let group = &core.groups[g];
    GroupState {
        queue_len: group.queued_count(),
        stats: group.stats.clone(),
    }
}

fn set_position(positions: &mut Vec<u32>, slot: usize, position: u32) {
    if slot >= positions.len() {
        positions.resize(slot + 1, NOWHERE);
    }
    positions[slot] = position;
}

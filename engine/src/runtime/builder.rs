//! Building a shard's snapshots incrementally: after each batch, only the
//! agents and groups the engine reports changed are read again.
//!
//! The builder turns on the engine's change log when it is made and reads
//! the engine whole once. Each [`SnapshotBuilder::publish`] drains the log,
//! reads the changed agents' voice states and the changed groups' figures,
//! and writes them into a snapshot, in one of two ways:
//!
//! - **In place, in the previous snapshot.** The builder keeps the snapshot
//!   published before the latest one. Once the writer has replaced it and no
//!   reader holds it any more, the builder owns it alone and brings it up to
//!   date by writing the latest batch's changes and this batch's into it:
//!   no page is copied, no reference count is touched. The writer has the
//!   latest batch's changes written ahead, after its replies
//!   ([`SnapshotBuilder::catch_up`]), so a publish writes only its own.
//! - **Copy on write, from the latest.** If a reader still holds it,
//!   the builder clones the latest snapshot (one reference count per view)
//!   and writes this batch's changes into the clone, which copies the pages
//!   on their paths ([`super::pages`]).
//!
//! Both cost O(records changed), and no published snapshot is ever changed
//! (`Arc::get_mut` / `Arc::make_mut` decide). A tenant that gained or lost
//! an agent or a group is read whole again (O(its agents)); that happens on
//! reconfiguration only.

use super::snapshot::{GroupState, ShardCounters, ShardSnapshot, TenantView};
use crate::agent::TenantIx;
use crate::arena::SlabIndex;
use crate::changes::Changes;
use crate::engine::Core;
use crate::journal::EngineStore;
use crate::{AgentStatus, Media};
use std::sync::Arc;

/// Position of a record not in any view (writes to it are ignored).
const NOWHERE: u32 = u32::MAX;

/// Keeps one engine's published snapshots up to date from its change log.
///
/// Use exactly one builder per engine (each drains the engine's log). The
/// runtime's writer owns one per shard; an embedder driving an
/// [`EngineStore`] on its own thread may use one the same way. Publishing
/// is cheapest when whoever holds the published snapshot lets go of the one
/// before (the runtime's snapshot cell does).
#[derive(Debug)]
pub struct SnapshotBuilder {
    /// The snapshot last published.
    latest: Arc<ShardSnapshot>,
    /// The one before, to be brought up to date in place when no one else
    /// holds it.
    previous: Option<Arc<ShardSnapshot>>,
    /// `previous` lacks the latest batch's changes (`last`).
    behind: bool,
    /// Position of each agent (by arena slot) in its tenant's view.
    agent_pos: Vec<u32>,
    /// Position of each group (by arena slot) in its tenant's view.
    group_pos: Vec<u32>,
    /// The last drain of the change log (kept to reuse its buffers).
    changes: Changes,
    /// What the latest snapshot's batch changed: the previous one lacks it.
    last: Updates,
    /// What the current batch changed.
    next: Updates,
}

/// The changes of one batch, read from the engine.
#[derive(Debug, Default)]
struct Updates {
    /// (tenant, position, voice state).
    agents: Vec<(usize, usize, AgentStatus)>,
    /// (tenant, position, figures).
    groups: Vec<(usize, usize, GroupState)>,
    /// Tenants read whole.
    rosters: Vec<usize>,
}

impl Updates {
    fn clear(&mut self) {
        self.agents.clear();
        self.groups.clear();
        self.rosters.clear();
    }

    /// Loads the pages these changes write to (see [`TenantView::touch_agent`]).
    fn touch(&self, views: &[TenantView]) {
        for (t, position, _) in &self.agents {
            views[*t].touch_agent(*position);
        }
    }

    /// Writes these changes into `views`, except into tenants in `skip`.
    fn apply(&self, views: &mut [TenantView], skip: &[usize]) {
        for (t, position, status) in &self.agents {
            if !skip.contains(t) {
                views[*t].set_agent(*position, status.clone());
            }
        }
        for (t, position, state) in &self.groups {
            if !skip.contains(t) {
                views[*t].set_group(*position, state.clone());
            }
        }
    }
}

impl SnapshotBuilder {
    /// A builder for shard `shard`'s engine: turns on its change log and
    /// reads every tenant (twice: the first snapshot and the spare).
    pub fn new(shard: usize, engine: &mut EngineStore) -> Self {
        engine.change_log().enable();
        let mut builder = SnapshotBuilder {
            latest: Arc::new(ShardSnapshot {
                shard,
                seq: 0,
                at: engine.engine().now(),
                tenants: Vec::new(),
                counters: ShardCounters::default(),
            }),
            previous: None,
            behind: false,
            agent_pos: Vec::new(),
            group_pos: Vec::new(),
            changes: Changes::default(),
            last: Updates::default(),
            next: Updates::default(),
        };
        let core = &engine.engine().core;
        let tenants = (0..core.tenants.iter().count()).map(TenantIx::from_slot);
        let views: Vec<TenantView> = tenants
            .map(|t| {
                builder.number(core, t);
                builder.read_tenant(core, t)
            })
            .collect();
        let mut previous = (*builder.latest).clone();
        // Pages of its own, so that it is written in place from the start.
        previous.tenants = views.iter().map(TenantView::deep_clone).collect();
        builder.previous = Some(Arc::new(previous));
        Arc::get_mut(&mut builder.latest)
            .expect("not shared yet")
            .tenants = views;
        builder
    }

    /// The snapshot last published (the first one before any publish).
    pub fn latest(&self) -> Arc<ShardSnapshot> {
        Arc::clone(&self.latest)
    }

    /// Brings the snapshot before the latest up to date with the latest
    /// batch, if no reader holds it, so that the next
    /// [`SnapshotBuilder::publish`] only writes its own batch. The writer
    /// calls it after sending the batch's replies, off the path of any
    /// caller; skipping it only moves the work into the next publish.
    pub fn catch_up(&mut self) {
        let Some(previous) = self.previous.as_mut().filter(|_| self.behind) else {
            return;
        };
        if let Some(s) = Arc::get_mut(previous) {
            for &t in &self.last.rosters {
                s.tenants[t] = self.latest.tenants[t].clone();
            }
            self.last.touch(&s.tenants);
            self.last.apply(&mut s.tenants, &self.last.rosters);
            self.behind = false;
        }
    }

    /// The snapshot numbered `seq` of the engine as it is now, including
    /// every change logged since the previous call.
    pub fn publish(
        &mut self,
        seq: u64,
        engine: &mut EngineStore,
        counters: ShardCounters,
    ) -> Arc<ShardSnapshot> {
        engine.change_log().drain(&mut self.changes);
        let core = &engine.engine().core;
        self.read_changes(core);
        let mut snapshot = match self.previous.take() {
            Some(mut previous) => match Arc::get_mut(&mut previous) {
                Some(owned) => {
                    self.update_previous(owned);
                    previous
                }
                None => self.copy_latest(),
            },
            None => self.copy_latest(),
        };
        let s = Arc::get_mut(&mut snapshot).expect("owned by the builder");
        for &t in &self.next.rosters {
            s.tenants[t] = self.read_tenant(core, TenantIx::from_slot(t));
        }
        (s.seq, s.at, s.counters) = (seq, core.now, counters);
        std::mem::swap(&mut self.last, &mut self.next);
        self.previous = Some(std::mem::replace(&mut self.latest, Arc::clone(&snapshot)));
        self.behind = true;
        snapshot
    }

    /// Brings the snapshot before the latest up to date: the latest batch's
    /// changes unless [`SnapshotBuilder::catch_up`] wrote them, then this
    /// batch's. Tenants read whole in the latest batch are taken from the
    /// latest snapshot instead.
    fn update_previous(&self, s: &mut ShardSnapshot) {
        let mut skip = self.next.rosters.clone();
        if self.behind {
            for &t in &self.last.rosters {
                s.tenants[t] = self.latest.tenants[t].clone();
            }
            self.last.touch(&s.tenants);
            skip.extend_from_slice(&self.last.rosters);
        }
        self.next.touch(&s.tenants);
        if self.behind {
            self.last.apply(&mut s.tenants, &skip);
        }
        self.next.apply(&mut s.tenants, &self.next.rosters);
    }

    /// A clone of the latest snapshot with this batch's changes, which
    /// copies the pages on their paths.
    fn copy_latest(&self) -> Arc<ShardSnapshot> {
        let mut fresh = (*self.latest).clone();
        self.next.apply(&mut fresh.tenants, &self.next.rosters);
        Arc::new(fresh)
    }

    /// Reads what the drained changes name from the engine into `next`.
    fn read_changes(&mut self, core: &Core) {
        self.next.clear();
        for i in 0..self.changes.rosters.len() {
            let t = self.changes.rosters[i];
            self.next.rosters.push(t.slot());
            // Positions change with the roster: renumber now.
            self.number(core, t);
        }
        for &a in &self.changes.agents {
            // A removed agent's tenant is read whole.
            if let Some(agent) = core.agents.get(a) {
                let position = self.agent_pos[a.slot()] as usize;
                let status = core.status_of(a, Media::Voice);
                self.next
                    .agents
                    .push((agent.tenant.slot(), position, status));
            }
        }
        for &g in &self.changes.groups {
            if let Some(group) = core.groups.get(g) {
                let position = self.group_pos[g.slot()] as usize;
                let state = group_state(core, g);
                self.next
                    .groups
                    .push((group.tenant.slot(), position, state));
            }
        }
    }

    /// Records the position of every agent and group of tenant `t`.
    fn number(&mut self, core: &Core, t: TenantIx) {
        let tenant = &core.tenants[t];
        for (position, &a) in (0..).zip(&tenant.agents) {
            set_position(&mut self.agent_pos, a.slot(), position);
        }
        for (position, &g) in (0..).zip(&tenant.groups) {
            set_position(&mut self.group_pos, g.slot(), position);
        }
    }

    /// Reads tenant `t` whole into a new view.
    fn read_tenant(&self, core: &Core, t: TenantIx) -> TenantView {
        let tenant = &core.tenants[t];
        let agents = tenant
            .agents
            .iter()
            .map(|&a| (core.agents[a].id.clone(), core.status_of(a, Media::Voice)))
            .collect();
        let groups = tenant
            .groups
            .iter()
            .map(|&g| (core.groups[g].id.clone(), group_state(core, g)))
            .collect();
        TenantView::new(tenant.id.clone(), agents, groups)
    }
}

fn group_state(core: &Core, g: crate::agent::GroupIx) -> GroupState {
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

//! Which records changed since the last drain, so that a read-only view of
//! the engine (the runtime's published snapshots) can be refreshed in
//! O(records changed) instead of being rebuilt from every record.
//!
//! The log is off until a consumer turns it on (the runtime's snapshot
//! builder, through `change_log().enable()`):
//! an engine nobody views pays one branch per mark. It is not engine state:
//! it never influences an output, is not serialized and is not compared,
//! so the core stays deterministic whether or not it is on. Marking is
//! idempotent between two drains (a bit per record), so the log holds at
//! most one entry per record however long nobody drains it.
//!
//! What is marked, and where:
//! - an agent, whenever one of its channels changes state
//!   ([`Core::move_channel`], the one place that happens);
//! - a group, whenever one of its calls changes state (`Core::set_state`,
//!   which keeps the queue and the gauges) or one of its counters moves;
//! - a tenant's roster, whenever an agent or group is added to or removed
//!   from it (the view then re-reads that tenant whole).
//!
//! [`Core::move_channel`]: crate::engine::Core::move_channel

use crate::agent::{AgentIx, GroupIx, TenantIx};
use crate::arena::SlabIndex;

/// The records changed since the last [`ChangeLog::drain`].
#[derive(Clone, Debug, Default)]
pub(crate) struct ChangeLog {
    on: bool,
    agents: DirtySet,
    groups: DirtySet,
    rosters: DirtySet,
}

/// What a drain hands over: each changed record once, in the order first
/// marked. Reused between drains to avoid allocating.
#[cfg(any(test, feature = "runtime"))]
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Agents with a channel whose state changed.
    pub(crate) agents: Vec<AgentIx>,
    /// Groups whose queue or counters changed.
    pub(crate) groups: Vec<GroupIx>,
    /// Tenants that gained or lost an agent or a group.
    pub(crate) rosters: Vec<TenantIx>,
}

impl ChangeLog {
    /// Starts logging; everything before is forgotten (the consumer reads
    /// the engine whole once when it starts).
    #[cfg(any(test, feature = "runtime"))]
    pub(crate) fn enable(&mut self) {
        *self = ChangeLog {
            on: true,
            ..ChangeLog::default()
        };
    }

    /// Agent `a` changed.
    #[inline]
    pub(crate) fn agent(&mut self, a: AgentIx) {
        if self.on {
            self.agents.mark(a.slot());
        }
    }

    /// Group `g` changed.
    #[inline]
    pub(crate) fn group(&mut self, g: GroupIx) {
        if self.on {
            self.groups.mark(g.slot());
        }
    }

    /// Tenant `t` gained or lost an agent or group.
    #[inline]
    pub(crate) fn roster(&mut self, t: TenantIx) {
        if self.on {
            self.rosters.mark(t.slot());
        }
    }

    /// Moves the changes logged so far into `out` (cleared first) and
    /// starts a new log.
    #[cfg(any(test, feature = "runtime"))]
    pub(crate) fn drain(&mut self, out: &mut Changes) {
        self.agents.drain_into(&mut out.agents);
        self.groups.drain_into(&mut out.groups);
        self.rosters.drain_into(&mut out.rosters);
    }
}

/// A set of record slots: a bit per slot for idempotent marking, and the
/// marked slots in order.
#[derive(Clone, Debug, Default)]
struct DirtySet {
    bits: Vec<u64>,
    marked: Vec<u32>,
}

impl DirtySet {
    #[inline]
    fn mark(&mut self, slot: usize) {
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & bit == 0 {
            self.bits[word] |= bit;
            // Slots are u32 newtypes (`slab_index!`).
            self.marked.push(slot as u32);
        }
    }

    #[cfg(any(test, feature = "runtime"))]
    fn drain_into<I: SlabIndex>(&mut self, out: &mut Vec<I>) {
        out.clear();
        for slot in self.marked.drain(..) {
            self.bits[slot as usize / 64] = 0;
            out.push(I::from_slot(slot as usize));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_empty(changes: &Changes) -> bool {
        changes.agents.is_empty() && changes.groups.is_empty() && changes.rosters.is_empty()
    }

    #[test]
    fn marks_are_off_until_enabled_then_each_record_is_drained_once() {
        let mut log = ChangeLog::default();
        let mut out = Changes::default();
        log.agent(AgentIx::from_slot(3));
        log.drain(&mut out);
        assert!(is_empty(&out), "nothing is logged before enable");

        log.enable();
        for slot in [3, 200, 3, 64, 200] {
            log.agent(AgentIx::from_slot(slot));
        }
        log.group(GroupIx::from_slot(1));
        log.roster(TenantIx::from_slot(0));
        log.drain(&mut out);
        let agents: Vec<usize> = out.agents.iter().map(|a| a.slot()).collect();
        assert_eq!(agents, [3, 200, 64]);
        assert_eq!(out.groups.len(), 1);
        assert_eq!(out.rosters.len(), 1);

        log.drain(&mut out);
        assert!(is_empty(&out), "a drain starts a new log");
        log.agent(AgentIx::from_slot(3));
        log.drain(&mut out);
        assert_eq!(out.agents.len(), 1, "a drained record can be marked again");
    }
}

//! Threshold reservation on the arrival path in O(log n): the
//! Ready agents of a reserving group's pool, split by how its reserve can
//! hold them back, so that choosing the agent for an arriving call is one
//! lookup instead of a scan past every held-back agent.
//!
//! Group `G` reserving for `P` holds agent `a` back (see `policy.rs`) when
//! `a` serves `P` and fewer than `keep_idle` *other* agents of `P`'s pool
//! are Ready at tier 0, or `P`'s head of line has waited `max_wait_s`.
//! Whether `a` itself is one of those Ready agents is the only thing about
//! `a` the rule reads, so `G`'s Ready agents fall into three classes:
//!
//! * *spared*: does not serve `P`; never held back;
//! * *uncounted*: serves `P` but is not among `P`'s Ready agents at tier 0
//!   (a lower tier of `P`, or not Ready on `P`'s media); held back when
//!   `R < keep_idle` (`R` = `P`'s Ready agents at tier 0) or on the wait;
//! * *counted*: serves `P` and is one of those `R`; held back when
//!   `R − 1 < keep_idle` or on the wait.
//!
//! Both conditions depend only on `P`, and a reserve that holds uncounted
//! agents back holds counted ones back too (`R < keep_idle` implies
//! `R − 1 < keep_idle`). So the best agent not held back is: the head of
//! `G`'s pool when counted agents are free; the best spared agent when
//! even uncounted ones are held back; else the better of the best spared
//! and the best uncounted agent. The spared and the uncounted agents (the
//! counted ones are the rest of the pool) are kept per tier, in the pool's
//! own order, in ordered sets: a decision costs O(log n), and keeping the
//! sets costs O(groups of the agent × tiers × log n) when an agent becomes
//! Ready or stops being Ready. The same sets serve a lifted reserve's
//! waiting calls (`policy.rs`) and calls that may refuse agents — a group
//! with call conditions, a call waiting for preferred agents
//! those walk the agents not held back, in pool order, until one
//! is accepted, never visiting a held-back agent.
//!
//! Derived state: never serialized, rebuilt when a snapshot is loaded and
//! when the tenant's groups or agents change.

use crate::agent::{AgentIx, GroupIx, TenantIx};
use crate::engine::Core;
use std::collections::BTreeSet;

/// An agent's place in a pool's order: (strategy key, tie-break, agent),
/// as in the ready index.
type OrderKey = (u64, u64, AgentIx);

/// How a reserve can hold a Ready agent back (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exposure {
    /// Does not serve the protected group: never held back.
    Spared,
    /// Serves it, not among its Ready agents at tier 0.
    Uncounted,
    /// Serves it and is one of its Ready agents at tier 0.
    Counted,
}

/// Whether a reserve holds back agents of each exposure right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pressure {
    /// Counted agents are held back.
    pub(crate) counted: bool,
    /// Uncounted agents are held back (then counted ones are too).
    pub(crate) uncounted: bool,
}

impl Pressure {
    fn holds(self, e: Exposure) -> bool {
        match e {
            Exposure::Spared => false,
            Exposure::Uncounted => self.uncounted,
            Exposure::Counted => self.counted,
        }
    }
}

/// The spared and uncounted Ready agents of one reserving group's pool.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReserveSplit {
    /// Per tier of the group's pool, the spared agents in pool order.
    spared: Vec<BTreeSet<OrderKey>>,
    /// Per tier, the uncounted agents in pool order.
    uncounted: Vec<BTreeSet<OrderKey>>,
    /// Where each member is kept: exposure, key and lowest tier.
    members: hashbrown::HashMap<AgentIx, (Exposure, OrderKey, u8)>,
}

impl ReserveSplit {
    fn new(tiers: usize) -> Self {
        ReserveSplit {
            spared: vec![BTreeSet::new(); tiers],
            uncounted: vec![BTreeSet::new(); tiers],
            members: hashbrown::HashMap::new(),
        }
    }

    fn sets(&mut self, e: Exposure) -> Option<&mut Vec<BTreeSet<OrderKey>>> {
        match e {
            Exposure::Spared => Some(&mut self.spared),
            Exposure::Uncounted => Some(&mut self.uncounted),
            Exposure::Counted => None,
        }
    }

    fn remove(&mut self, a: AgentIx) {
        if let Some((e, key, from)) = self.members.remove(&a) {
            if let Some(sets) = self.sets(e) {
                sets.iter_mut()
                    .skip(from as usize)
                    .for_each(|s| _ = s.remove(&key));
            }
        }
    }

    fn insert(&mut self, a: AgentIx, e: Exposure, key: OrderKey, from: u8) {
        if let Some(sets) = self.sets(e) {
            sets.iter_mut()
                .skip(from as usize)
                .for_each(|s| _ = s.insert(key));
            self.members.insert(a, (e, key, from));
        }
    }

    /// The agents of tier `tier` that `pressure` does not hold back, in
    /// pool order, given that counted agents are held back: the spared
    /// ones merged with the uncounted ones unless those are held back too.
    fn free(&self, tier: u8, pressure: Pressure) -> impl Iterator<Item = AgentIx> + '_ {
        let t = tier as usize;
        let mut spared = self.spared.get(t).into_iter().flatten().peekable();
        let mut uncounted = self
            .uncounted
            .get(t)
            .filter(|_| !pressure.uncounted)
            .into_iter()
            .flatten()
            .peekable();
        std::iter::from_fn(move || match (spared.peek(), uncounted.peek()) {
            (Some(x), Some(y)) if y < x => uncounted.next(),
            (Some(_), _) => spared.next(),
            (None, _) => uncounted.next(),
        })
        .map(|k| k.2)
    }
}

impl Core {
    /// Whether `g`'s reserve holds back counted and uncounted agents now
    /// `None` when `g` reserves for no group.
    pub(crate) fn reserve_pressure(&self, g: GroupIx) -> Option<Pressure> {
        let reserve = self.groups[g].config.reserve.as_deref()?;
        let &p = self.ix.policy.protects.get(&g)?;
        let ready = self.ready.live_count(self.groups[p].pool, 0);
        let keep = reserve.keep_idle as usize;
        let waited = reserve
            .max_wait_s
            .is_some_and(|w| self.head_wait_ms(p) >= u64::from(w) * 1000);
        Some(Pressure {
            counted: ready < keep + 1 || waited,
            uncounted: ready < keep || waited,
        })
    }

    /// Whether agent `a` is held back from group `g`'s calls by `g`'s
    /// threshold reservation.
    pub(crate) fn held_back(&self, a: AgentIx, g: GroupIx) -> bool {
        let Some(pressure) = self.reserve_pressure(g) else {
            return false;
        };
        self.exposure(a, g).is_some_and(|e| pressure.holds(e))
    }

    /// How `g`'s reserve can hold agent `a` back; `None` if `g` reserves
    /// for no group.
    fn exposure(&self, a: AgentIx, g: GroupIx) -> Option<Exposure> {
        let &p = self.ix.policy.protects.get(&g)?;
        let agent = &self.agents[a];
        if agent.served(p).is_none() {
            return Some(Exposure::Spared);
        }
        let pool = self.groups[p].pool;
        let counted = agent
            .filed
            .live()
            .any(|f| f.pool == pool && f.min_tier == 0);
        Some(if counted {
            Exposure::Counted
        } else {
            Exposure::Uncounted
        })
    }

    /// The best Ready agent of group `g`'s pool at `tier`, in strategy
    /// order, that `g`'s reserve does not hold back: O(log n).
    pub(crate) fn free_agent_for(&mut self, g: GroupIx, tier: u8) -> Option<AgentIx> {
        match self.held_split(g) {
            Some((split, pressure)) => split.free(tier, pressure).next(),
            // Nobody is held back: the head of the pool.
            None => self.first_ready(self.groups[g].pool, tier),
        }
    }

    /// Group `g`'s split and reserve pressure, while the reserve holds
    /// counted agents back.
    fn held_split(&self, g: GroupIx) -> Option<(&ReserveSplit, Pressure)> {
        let pressure = self.reserve_pressure(g).filter(|p| p.counted)?;
        Some((self.ix.policy.splits.get(&g)?, pressure))
    }

    /// Every Ready agent of group `g`'s pool at `tier` that `g`'s reserve
    /// does not hold back, in strategy order, without visiting the held-back
    /// ones: for the calls that may refuse agents.
    pub(crate) fn free_agents(&self, g: GroupIx, tier: u8) -> impl Iterator<Item = AgentIx> + '_ {
        let (all, split) = match self.held_split(g) {
            Some((split, pressure)) => (None, Some(split.free(tier, pressure))),
            None => (Some(self.ready_agents(self.groups[g].pool, tier)), None),
        };
        all.into_iter().flatten().chain(split.into_iter().flatten())
    }

    /// Re-files agent `a` in the splits of the reserving groups it serves,
    /// after it became Ready or stopped being Ready on some media.
    pub(crate) fn resplit(&mut self, a: AgentIx) {
        if self.ix.policy.splits.is_empty() {
            return;
        }
        for i in 0..self.agents[a].served.len() {
            let g = self.agents[a].served[i].group();
            if self.ix.policy.splits.contains_key(&g) {
                self.resplit_in(a, g);
            }
        }
    }

    fn resplit_in(&mut self, a: AgentIx, g: GroupIx) {
        let pool = self.groups[g].pool;
        let filed = self.agents[a].filed.live().find(|f| f.pool == pool);
        let entry = filed.map(|f| ((f.key.0, f.key.1, a), f.min_tier));
        let exposure = self.exposure(a, g);
        let Some(split) = self.ix.policy.splits.get_mut(&g) else {
            return;
        };
        split.remove(a);
        if let (Some((key, from)), Some(e)) = (entry, exposure) {
            split.insert(a, e, key, from);
        }
    }

    /// Rebuilds the splits of tenant `t`'s reserving groups (after its
    /// groups or agents changed, or a snapshot was loaded).
    pub(crate) fn rebuild_reserve_splits(&mut self, t: TenantIx) {
        let (groups, protects) = (&self.groups, &self.ix.policy.protects);
        self.ix.policy.splits.retain(|&g, _| {
            groups.contains(g) && groups[g].tenant != t && protects.contains_key(&g)
        });
        for &g in &self.tenants[t].groups {
            if self.ix.policy.protects.contains_key(&g) {
                let tiers = self.ready.tier_count(self.groups[g].pool).unwrap_or(0);
                self.ix.policy.splits.insert(g, ReserveSplit::new(tiers));
            }
        }
        let agents: Vec<AgentIx> = self.tenants[t].agents.iter().copied().collect();
        for a in agents {
            self.resplit(a);
        }
    }
}

//! The ready index: the Ready agents of every group, kept in
//! *pools* shared by all groups of the same eligibility, per tier, ordered
//! by the strategy key.
//!
//! Removal is lazy. An agent that stops being Ready is not searched out of
//! every pool it was filed in (an agent serving 50 groups sits in about ten
//! pools); its entries stay behind, *stale*, and are dropped when they
//! reach the front of a pool that is asked for its best agent. When the
//! agent is filed in the same pool again or leaves it, it *forgets* them
//! (the agent remembers them as *ghosts*): each tier drops a forgotten
//! entry at once or counts it towards its next compaction (see
//! [`crate::ready_tier`]). So an agent has at most one live entry per pool
//! and tier, and stale ones stay bounded. A routing decision thus does not
//! pay for taking the chosen agent out of every pool; the agent pays for
//! its own clean-up when it becomes Ready again.
//!
//! Whether an entry is live is one comparison: every entry carries the
//! *filing stamp* of the agent's media at the time it was filed, and the
//! agent's stamp for that media moves on each time its channel is taken
//! out of the index ([`crate::agent::Agent::stamp`]). An entry
//! `(key, agent, stamp)` is live exactly when `stamp` is still the agent's
//! stamp for the pool's media, so deciding it reads one number of the agent
//! record, however many pools the agent sits in. (The agent's filing
//! records say the same thing at more cost; the invariant checks compare
//! the two.)
//!
//! Most pools need no count of their live agents, so taking an agent out
//! touches none of them. A *counted* pool keeps one per tier, and the
//! agents seated in it tell it when they leave: the pools of the `random`
//! strategy, which also keep an eager [`RandomPool`] per tier for a uniform
//! O(1) draw, and the pools a threshold reserve watches.
//!
//! Only the pools' identity and random pools are saved in a snapshot; the
//! ordered sets are rebuilt from the agents' filing records on load
//! ([`ReadyIndex::rebuild`]), without stale entries.

use crate::agent::{AgentIx, GroupIx, PoolIx, TenantIx};
use crate::arena::Arena;
use crate::config::{Media, RoutingType, Strategy};
use crate::ready_tier::TierSet;
use crate::skills::Tier;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// Strategy key of a Ready agent in a pool: smaller is chosen first.
pub(crate) type StrategyKey = (u64, u64);

/// An agent's filing stamp for one media: entries filed under an older one
/// are stale.
pub(crate) type Stamp = u32;

/// The Ready agents of one tier of a `random` group, for a uniform O(1)
/// pick. A key drawn once when an agent became Ready would not do:
/// agents that lost a draw would keep their large keys and lose again.
#[derive(Clone, Debug, Default)]
pub(crate) struct RandomPool {
    items: Vec<AgentIx>,
    pos: hashbrown::HashMap<AgentIx, usize>,
}

impl RandomPool {
    fn insert(&mut self, a: AgentIx) {
        if !self.pos.contains_key(&a) {
            self.pos.insert(a, self.items.len());
            self.items.push(a);
        }
    }

    fn remove(&mut self, a: AgentIx) {
        if let Some(i) = self.pos.remove(&a) {
            self.items.swap_remove(i);
            if let Some(&moved) = self.items.get(i) {
                self.pos.insert(moved, i);
            }
        }
    }

    /// The agent at `draw` modulo the pool size.
    fn pick(&self, draw: u64) -> Option<AgentIx> {
        let n = self.items.len() as u64;
        (n > 0).then(|| self.items[(draw % n) as usize])
    }

    pub(crate) fn contains(&self, a: AgentIx) -> bool {
        self.pos.contains_key(&a)
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

impl Serialize for RandomPool {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RandomPool {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<AgentIx>::deserialize(d)?;
        let pos = items.iter().enumerate().map(|(i, &a)| (a, i)).collect();
        Ok(RandomPool { items, pos })
    }
}

/// What makes two groups' Ready agents the same set in the same order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PoolKind {
    pub(crate) tenant: TenantIx,
    pub(crate) media: Media,
    pub(crate) routing: RoutingType,
    pub(crate) strategy: Strategy,
    pub(crate) tiers: Vec<Tier>,
    /// Set for a round-robin group: its turns are its own.
    pub(crate) own: Option<GroupIx>,
    /// `order_by` keys ahead of the strategy key.
    #[serde(default)]
    pub(crate) order: Vec<crate::expr::OrderKey>,
}

/// The Ready agents of every group of one [`PoolKind`].
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ReadyPool {
    kind: PoolKind,
    /// Per tier, live and stale entries in strategy order; rebuilt on load.
    #[serde(skip)]
    ready: Vec<TierSet>,
    /// Whether the live entries are counted (see the module docs).
    #[serde(skip)]
    counted: bool,
    /// Per tier, the live entries of a counted pool.
    #[serde(skip)]
    live: Vec<u32>,
    /// Per tier, for the random strategy only: the live agents.
    random: Vec<RandomPool>,
    /// Groups using this pool.
    users: u32,
}

impl ReadyPool {
    fn new(kind: PoolKind) -> Self {
        let n = kind.tiers.len();
        Self {
            ready: vec![TierSet::default(); n],
            counted: kind.strategy == Strategy::Random,
            live: vec![0; n],
            kind,
            random: vec![RandomPool::default(); n],
            users: 0,
        }
    }

    fn live_count(&self, tier: usize) -> usize {
        debug_assert!(
            self.counted,
            "live agents are counted in counted pools only"
        );
        self.live[tier] as usize
    }

    /// Counts the live entries of every tier from scratch.
    fn recount(&mut self, live: &impl Liveness) {
        let media = self.kind.media;
        for (set, n) in self.ready.iter().zip(&mut self.live) {
            *n = set
                .iter()
                .filter(|&&(_, _, a, stamp)| live.is_live(media, a, stamp))
                .count() as u32;
        }
    }

    fn is_random(&self) -> bool {
        self.kind.strategy == Strategy::Random
    }
}

/// The ready pools of an engine.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct ReadyIndex {
    pools: Arena<PoolIx, ReadyPool>,
}

/// Whether an entry of agent `a` filed on `media` under `stamp` is live:
/// `stamp` is still the agent's filing stamp for that media.
pub(crate) trait Liveness {
    fn is_live(&self, media: Media, a: AgentIx, stamp: Stamp) -> bool;
}

impl ReadyIndex {
    /// The pool of `kind`, created if no group uses one yet; counts one
    /// more user.
    pub(crate) fn attach(&mut self, kind: PoolKind) -> PoolIx {
        let found = self
            .pools
            .iter()
            .find(|(_, p)| p.kind == kind)
            .map(|(p, _)| p);
        let p = found.unwrap_or_else(|| self.pools.insert(ReadyPool::new(kind)));
        self.pools[p].users += 1;
        p
    }

    /// One user fewer; the last one frees the pool. Its Ready agents must
    /// have been unfiled first.
    pub(crate) fn detach(&mut self, p: PoolIx) {
        self.pools[p].users -= 1;
        if self.pools[p].users == 0 {
            self.pools.remove(p);
        }
    }

    pub(crate) fn kind(&self, p: PoolIx) -> &PoolKind {
        &self.pools[p].kind
    }

    /// Files agent `a` in pool `p` from tier `min_tier` on, under `key`
    /// and its current filing stamp.
    pub(crate) fn file(
        &mut self,
        p: PoolIx,
        a: AgentIx,
        min_tier: u8,
        key: StrategyKey,
        stamp: Stamp,
    ) {
        let pool = &mut self.pools[p];
        let from = min_tier as usize;
        for set in &mut pool.ready[from..] {
            set.insert((key.0, key.1, a, stamp));
        }
        if pool.counted {
            pool.live[from..].iter_mut().for_each(|n| *n += 1);
        }
        if pool.is_random() {
            pool.random[from..].iter_mut().for_each(|r| r.insert(a));
        }
    }

    /// Agent `a`, filed in counted pool `p` from `min_tier`, is no longer:
    /// it is counted out (its entries are already stale by their stamp).
    /// Pools that are not counted are not told.
    pub(crate) fn unfile(&mut self, p: PoolIx, a: AgentIx, min_tier: u8) {
        let pool = &mut self.pools[p];
        debug_assert!(pool.counted, "only counted pools are told");
        let from = min_tier as usize;
        pool.live[from..].iter_mut().for_each(|n| *n -= 1);
        if pool.is_random() {
            pool.random[from..].iter_mut().for_each(|r| r.remove(a));
        }
    }

    /// Whether pool `p` counts its live agents.
    pub(crate) fn is_counted(&self, p: PoolIx) -> bool {
        self.pools[p].counted
    }

    /// Makes pool `p` count its live agents (a threshold reserve watches
    /// it), or stop; a random pool always counts. Returns whether that
    /// changed: then the agents seated in the pool must learn it.
    pub(crate) fn set_counted(&mut self, p: PoolIx, watched: bool, live: &impl Liveness) -> bool {
        let pool = &mut self.pools[p];
        let counted = watched || pool.is_random();
        if pool.counted == counted {
            return false;
        }
        pool.counted = counted;
        if counted {
            pool.recount(live);
        }
        true
    }

    /// Forgets the stale entries agent `a` left in `p` when it was filed
    /// from `min_tier` under `key` and `stamp` (the agent is about to be
    /// filed there again, or leaves the pool): they go now or, in a tier's
    /// log, at its front or next compaction ([`TierSet::forget`]).
    pub(crate) fn forget(
        &mut self,
        p: PoolIx,
        a: AgentIx,
        min_tier: u8,
        (key, stamp): (StrategyKey, Stamp),
        live: &impl Liveness,
    ) {
        let Some(pool) = self.pools.get_mut(p) else {
            return;
        };
        let media = pool.kind.media;
        let from = (min_tier as usize).min(pool.ready.len());
        for set in &mut pool.ready[from..] {
            set.forget(&(key.0, key.1, a, stamp), |&(_, _, a, stamp)| {
                live.is_live(media, a, stamp)
            });
        }
    }

    /// Drops every entry of agent `a` in `p`, if the pool still exists:
    /// the agent left the pool or the engine. Its slot may be reused by an
    /// agent whose stamps start over, so nothing of it may stay behind.
    pub(crate) fn purge(&mut self, p: PoolIx, a: AgentIx) {
        if let Some(pool) = self.pools.get_mut(p) {
            pool.ready.iter_mut().for_each(|set| set.purge(a));
        }
    }

    /// The best live agent of tier `tier`, dropping stale entries in front.
    pub(crate) fn first(&mut self, p: PoolIx, tier: u8, live: &impl Liveness) -> Option<AgentIx> {
        let pool = &mut self.pools[p];
        let media = pool.kind.media;
        pool.ready[tier as usize].first(|&(_, _, a, stamp)| live.is_live(media, a, stamp))
    }

    /// Every live agent of tier `tier`, best first (ring-all).
    pub(crate) fn all(&self, p: PoolIx, tier: u8, live: &impl Liveness) -> SmallVec<[AgentIx; 4]> {
        let pool = &self.pools[p];
        pool.ready[tier as usize]
            .iter()
            .filter(|&&(_, _, a, stamp)| live.is_live(pool.kind.media, a, stamp))
            .map(|k| k.2)
            .collect()
    }

    /// A uniformly drawn live agent of tier `tier` of a random pool.
    pub(crate) fn pick_random(&self, p: PoolIx, tier: u8, draw: u64) -> Option<AgentIx> {
        self.pools[p].random[tier as usize].pick(draw)
    }

    /// Live agents at tier `tier` of counted pool `p`.
    pub(crate) fn live_count(&self, p: PoolIx, tier: u8) -> usize {
        self.pools[p].live_count(tier as usize)
    }

    /// Live agents eligible at the widest tier.
    #[cfg(test)]
    pub(crate) fn ready_count(&self, p: PoolIx) -> usize {
        let pool = &self.pools[p];
        pool.live_count(pool.ready.len() - 1)
    }

    /// Rebuilds the ordered sets from every filing `(pool, agent, min_tier,
    /// key, stamp)`, without stale entries (after a snapshot is loaded).
    /// Random pools count; the pools reserves watch are marked counted
    /// later ([`ReadyIndex::set_counted`]).
    pub(crate) fn rebuild(
        &mut self,
        filings: impl Iterator<Item = (PoolIx, AgentIx, u8, StrategyKey, Stamp)>,
    ) {
        for pool in self.pools.slots_mut() {
            let n = pool.kind.tiers.len();
            pool.ready = vec![TierSet::default(); n];
            pool.counted = pool.is_random();
            pool.live = vec![0; n];
        }
        let mut entries: hashbrown::HashMap<(PoolIx, usize), Vec<_>> = hashbrown::HashMap::new();
        for (p, a, min_tier, key, stamp) in filings {
            let pool = &mut self.pools[p];
            for tier in min_tier as usize..pool.ready.len() {
                entries
                    .entry((p, tier))
                    .or_default()
                    .push((key.0, key.1, a, stamp));
            }
            if pool.counted {
                pool.live[min_tier as usize..]
                    .iter_mut()
                    .for_each(|n| *n += 1);
            }
        }
        for ((p, tier), tier_entries) in entries {
            self.pools[p].ready[tier] = TierSet::from_entries(tier_entries);
        }
    }

    // ---- for the invariant and structure checks ------------------------

    /// The number of tiers of pool `p`, if it exists.
    pub(crate) fn tier_count(&self, p: PoolIx) -> Option<usize> {
        self.pools.get(p).map(|pool| pool.kind.tiers.len())
    }

    /// Pools with their kind and number of users.
    pub(crate) fn pools(&self) -> impl Iterator<Item = (PoolIx, &PoolKind, u32)> + '_ {
        self.pools
            .iter()
            .map(|(p, pool)| (p, &pool.kind, pool.users))
    }

    /// Whether the pool's shape matches its kind (checked on load).
    pub(crate) fn is_well_formed(&self, p: PoolIx) -> bool {
        let pool = &self.pools[p];
        let n = pool.kind.tiers.len();
        n > 0 && pool.random.len() == n
    }

    pub(crate) fn is_sound(&self) -> bool {
        self.pools.is_sound()
    }

    /// Whether `(key, a, stamp)` is in tier `tier` of `p` (live or stale).
    pub(crate) fn holds(
        &self,
        p: PoolIx,
        tier: u8,
        key: StrategyKey,
        a: AgentIx,
        stamp: Stamp,
    ) -> bool {
        self.pools[p].ready[tier as usize].contains(&(key.0, key.1, a, stamp))
    }

    /// The agents of the random pool of tier `tier` of `p`.
    pub(crate) fn random_agents(&self, p: PoolIx, tier: u8) -> impl Iterator<Item = AgentIx> + '_ {
        self.pools[p].random[tier as usize].items.iter().copied()
    }

    /// Whether the random pool of tier `tier` of `p` holds `a`.
    pub(crate) fn random_holds(&self, p: PoolIx, tier: u8, a: AgentIx) -> bool {
        self.pools[p].random[tier as usize].contains(a)
    }

    /// Every entry of tier `tier` of `p`, the pool's live count of that
    /// tier if it counts, and the size of its random pool.
    pub(crate) fn tier_entries(
        &self,
        p: PoolIx,
        tier: u8,
    ) -> (
        impl Iterator<Item = (StrategyKey, AgentIx, Stamp)> + '_,
        Option<u32>,
        usize,
    ) {
        let pool = &self.pools[p];
        let t = tier as usize;
        let entries = pool.ready[t]
            .iter()
            .map(|&(k0, k1, a, st)| ((k0, k1), a, st));
        let live = pool.counted.then_some(pool.live[t]);
        (entries, live, pool.random[t].len())
    }

    /// Whether the pool is a random one.
    pub(crate) fn is_random(&self, p: PoolIx) -> bool {
        self.pools[p].is_random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::SlabIndex;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// The agents' current filing stamps.
    #[derive(Default)]
    struct Stamps(RefCell<HashMap<AgentIx, Stamp>>);

    impl Stamps {
        fn set(&self, a: AgentIx, stamp: Stamp) {
            self.0.borrow_mut().insert(a, stamp);
        }
    }

    impl Liveness for Stamps {
        fn is_live(&self, _: Media, a: AgentIx, stamp: Stamp) -> bool {
            self.0.borrow().get(&a) == Some(&stamp)
        }
    }

    fn kind(strategy: Strategy) -> PoolKind {
        PoolKind {
            tenant: TenantIx::from_slot(0),
            media: Media::Voice,
            routing: RoutingType::Automatic,
            strategy,
            tiers: vec![Tier::default(), Tier::default()],
            own: None,
            order: Vec::new(),
        }
    }

    fn agent(i: usize) -> AgentIx {
        AgentIx::from_slot(i)
    }

    /// Stale entries are skipped and dropped at the front, and forgotten
    /// when the agent is filed again; a counted pool counts its live
    /// agents, one that is not counted is never told of a removal.
    #[test]
    fn lazy_removal_with_and_without_counts() {
        let mut index = ReadyIndex::default();
        let p = index.attach(kind(Strategy::LongestIdle));
        let live = Stamps::default();
        assert!(!index.is_counted(p));
        assert!(index.set_counted(p, true, &live), "a reserve watches it");
        let n = 200;
        for i in 0..n {
            live.set(agent(i), 1);
            index.file(p, agent(i), 0, (i as u64, 0), 1);
        }
        assert_eq!(index.ready_count(p), n);
        // The three best leave: stale, but counted out at once.
        for i in 0..3 {
            live.set(agent(i), 2);
            index.unfile(p, agent(i), 0);
        }
        assert_eq!(index.ready_count(p), n - 3);
        assert_eq!(index.pools[p].ready[1].len(), n, "removal is lazy");
        assert_eq!(index.first(p, 1, &live), Some(agent(3)));
        assert_eq!(index.pools[p].ready[1].len(), n - 3, "dropped at the front");
        assert_eq!(index.pools[p].ready[0].len(), n, "only at the tier asked");
        // Agent 1 comes back under its old key: its stale entry is
        // forgotten and a live one filed under its new stamp.
        index.forget(p, agent(1), 0, ((1, 0), 1), &live);
        index.file(p, agent(1), 0, (1, 0), 2);
        assert_eq!(
            index.pools[p].ready[0].len(),
            n + 1,
            "the ghost waits in the log for the front or a compaction"
        );
        assert_eq!(index.first(p, 0, &live), Some(agent(1)));
        assert_eq!(index.ready_count(p), n - 2);
        // No longer watched: agents leave without telling the pool; when
        // it is watched again, it counts its live agents afresh.
        assert!(index.set_counted(p, false, &live));
        for i in 3..n - 10 {
            live.set(agent(i), 2);
        }
        assert!(index.set_counted(p, true, &live));
        assert_eq!(index.ready_count(p), 11);
        let mut want = vec![agent(1)];
        want.extend((n - 10..n).map(agent));
        assert_eq!(index.all(p, 1, &live).to_vec(), want);
    }

    /// A random pool always counts, and keeps its draw pool exact.
    #[test]
    fn a_random_pool_always_counts() {
        let mut index = ReadyIndex::default();
        let p = index.attach(kind(Strategy::Random));
        let live = Stamps::default();
        assert!(index.is_counted(p));
        assert!(!index.set_counted(p, false, &live));
        for i in 0..3 {
            live.set(agent(i), 1);
            index.file(p, agent(i), 0, (0, i as u64), 1);
        }
        live.set(agent(1), 2);
        index.unfile(p, agent(1), 0);
        assert_eq!(index.live_count(p, 0), 2);
        let drawn: Vec<_> = (0..4).filter_map(|d| index.pick_random(p, 0, d)).collect();
        assert!(!drawn.contains(&agent(1)), "{drawn:?}");
    }

    /// An agent filed again from a higher tier under the same key is not
    /// live below it, although its old entry there is still in the set.
    #[test]
    fn a_stale_entry_below_the_new_tier_stays_stale() {
        let mut index = ReadyIndex::default();
        let p = index.attach(kind(Strategy::TopDown));
        let live = Stamps::default();
        index.set_counted(p, true, &live);
        live.set(agent(0), 1);
        index.file(p, agent(0), 0, (0, 0), 1);
        live.set(agent(0), 2);
        index.unfile(p, agent(0), 0);
        index.file(p, agent(0), 1, (0, 0), 2);
        assert_eq!(index.pools[p].ready[0].len(), 1, "the stale entry");
        assert_eq!(index.first(p, 0, &live), None);
        assert_eq!(index.first(p, 1, &live), Some(agent(0)));
        assert_eq!((index.live_count(p, 0), index.live_count(p, 1)), (0, 1));
    }
}

//! The ready index: the Ready agents of every group, kept in
//! *pools* shared by all groups of the same eligibility, per tier, ordered
//! by the strategy key.
//!
//! Removal is lazy. An agent that stops being Ready is not searched out of
//! every pool it was filed in (an agent serving 50 groups sits in about ten
//! pools); its entries stay behind, *stale*, and are dropped when the agent
//! is filed in the same pool again (the agent remembers them as *ghosts*),
//! when they reach the front of a pool that is asked for its best agent, or
//! when a pool's stale entries outnumber its live ones (compaction, so that
//! memory stays bounded). A routing decision thus no longer pays for
//! taking the chosen agent out of every pool; the agent pays for its own
//! clean-up when it becomes Ready again.
//!
//! Whether an entry is live is one comparison: every entry carries the
//! *filing stamp* of the agent's media at the time it was filed, and the
//! agent's stamp for that media moves on each time its channel is taken
//! out of the index ([`crate::agent::Agent::stamp`]). An entry
//! `(key, agent, stamp)` is live exactly when `stamp` is still the agent's
//! stamp for the pool's media, so deciding it reads one number of the agent
//! record, however many pools the agent sits in. (The agent's filing
//! records say the same thing at more cost; the invariant checks compare
//! the two.) Each pool counts its stale entries per tier, so live counts
//! stay O(1).
//!
//! The `random` strategy keeps an eager [`RandomPool`] per tier beside the
//! ordered sets, for a uniform O(1) draw.
//!
//! Only the pools' identity and random pools are saved in a snapshot; the
//! ordered sets are rebuilt from the agents' filing records on load
//! ([`ReadyIndex::rebuild`]), without stale entries.

use crate::agent::{AgentIx, GroupIx, PoolIx, TenantIx};
use crate::arena::Arena;
use crate::config::{Media, RoutingType, Strategy};
use crate::skills::Tier;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::collections::BTreeSet;

/// Strategy key of a Ready agent in a pool: smaller is chosen first.
pub(crate) type StrategyKey = (u64, u64);

/// An agent's filing stamp for one media: entries filed under an older one
/// are stale.
pub(crate) type Stamp = u32;

/// Key of an agent in a tier set: (strategy key, tie-break, agent, the
/// agent's filing stamp when it was filed).
type ReadyKey = (u64, u64, AgentIx, Stamp);

/// Stale entries a pool may hold beyond its live ones before compaction.
const STALE_SLACK: u32 = 64;

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
    ready: Vec<BTreeSet<ReadyKey>>,
    /// Per tier, how many entries of `ready` are stale.
    #[serde(skip)]
    stale: Vec<u32>,
    /// Per tier, for the random strategy only: the live agents.
    random: Vec<RandomPool>,
    /// Groups using this pool.
    users: u32,
}

impl ReadyPool {
    fn new(kind: PoolKind) -> Self {
        let n = kind.tiers.len();
        Self {
            kind,
            ready: vec![BTreeSet::new(); n],
            stale: vec![0; n],
            random: vec![RandomPool::default(); n],
            users: 0,
        }
    }

    fn live_count(&self, tier: usize) -> usize {
        self.ready[tier].len() - self.stale[tier] as usize
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
        for (set, stale) in pool.ready[from..].iter_mut().zip(&mut pool.stale[from..]) {
            if !set.insert((key.0, key.1, a, stamp)) {
                // The agent's own stale entry, live again.
                *stale -= 1;
            }
        }
        if pool.is_random() {
            pool.random[from..].iter_mut().for_each(|r| r.insert(a));
        }
    }

    /// Agent `a`, filed in `p` from `min_tier` under `key`, is no longer:
    /// its entries turn stale. `live` must already say so.
    pub(crate) fn unfile(&mut self, p: PoolIx, a: AgentIx, min_tier: u8, live: &impl Liveness) {
        let pool = &mut self.pools[p];
        let from = min_tier as usize;
        pool.stale[from..].iter_mut().for_each(|s| *s += 1);
        if pool.is_random() {
            pool.random[from..].iter_mut().for_each(|r| r.remove(a));
        }
        let top = pool.stale.len() - 1;
        if pool.stale[top] > STALE_SLACK && pool.stale[top] as usize > pool.live_count(top) {
            self.compact(p, live);
        }
    }

    /// Drops the stale entries agent `a` left in `p` when it was filed from
    /// `min_tier` under `key` and `stamp`, wherever they still are (the
    /// agent is about to be filed there again, or leaves the pool).
    pub(crate) fn forget(
        &mut self,
        p: PoolIx,
        a: AgentIx,
        min_tier: u8,
        key: StrategyKey,
        stamp: Stamp,
    ) {
        let Some(pool) = self.pools.get_mut(p) else {
            return;
        };
        let from = (min_tier as usize).min(pool.ready.len());
        for (set, stale) in pool.ready[from..].iter_mut().zip(&mut pool.stale[from..]) {
            if set.remove(&(key.0, key.1, a, stamp)) {
                *stale -= 1;
            }
        }
    }

    /// Drops every stale entry of pool `p`.
    fn compact(&mut self, p: PoolIx, live: &impl Liveness) {
        let pool = &mut self.pools[p];
        let media = pool.kind.media;
        for (set, stale) in pool.ready.iter_mut().zip(&mut pool.stale) {
            set.retain(|&(_, _, a, stamp)| live.is_live(media, a, stamp));
            *stale = 0;
        }
    }

    /// The best live agent of tier `tier`, dropping stale entries in front.
    pub(crate) fn first(&mut self, p: PoolIx, tier: u8, live: &impl Liveness) -> Option<AgentIx> {
        let pool = &mut self.pools[p];
        let media = pool.kind.media;
        let (set, stale) = (
            &mut pool.ready[tier as usize],
            &mut pool.stale[tier as usize],
        );
        while let Some(&(_, _, a, stamp)) = set.first() {
            if live.is_live(media, a, stamp) {
                return Some(a);
            }
            set.pop_first();
            *stale -= 1;
        }
        None
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

    /// Live agents at tier `tier`.
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
    pub(crate) fn rebuild(
        &mut self,
        filings: impl Iterator<Item = (PoolIx, AgentIx, u8, StrategyKey, Stamp)>,
    ) {
        for pool in self.pools.slots_mut() {
            let n = pool.kind.tiers.len();
            pool.ready = vec![BTreeSet::new(); n];
            pool.stale = vec![0; n];
        }
        for (p, a, min_tier, key, stamp) in filings {
            let pool = &mut self.pools[p];
            for set in &mut pool.ready[min_tier as usize..] {
                set.insert((key.0, key.1, a, stamp));
            }
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

    /// The media of pool `p`.
    pub(crate) fn media(&self, p: PoolIx) -> Media {
        self.pools[p].kind.media
    }

    /// Every entry of tier `tier` of `p`, the pool's stale count of that
    /// tier, and the size of its random pool.
    pub(crate) fn tier_entries(
        &self,
        p: PoolIx,
        tier: u8,
    ) -> (
        impl Iterator<Item = (StrategyKey, AgentIx, Stamp)> + '_,
        u32,
        usize,
    ) {
        let pool = &self.pools[p];
        let t = tier as usize;
        let entries = pool.ready[t]
            .iter()
            .map(|&(k0, k1, a, st)| ((k0, k1), a, st));
        (entries, pool.stale[t], pool.random[t].len())
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

    /// Stale entries are skipped and dropped at the front, counted per
    /// tier, forgotten when the agent is filed again, and compacted away
    /// once they outnumber the live ones.
    #[test]
    fn lazy_removal_keeps_counts_and_memory_bounded() {
        let mut index = ReadyIndex::default();
        let p = index.attach(kind(Strategy::LongestIdle));
        let live = Stamps::default();
        let n = 200;
        for i in 0..n {
            live.set(agent(i), 1);
            index.file(p, agent(i), 0, (i as u64, 0), 1);
        }
        assert_eq!(index.ready_count(p), n);
        // The three best leave: stale, but counted out at once.
        for i in 0..3 {
            live.set(agent(i), 2);
            index.unfile(p, agent(i), 0, &live);
        }
        assert_eq!(index.ready_count(p), n - 3);
        assert_eq!(index.pools[p].ready[1].len(), n, "removal is lazy");
        assert_eq!(index.first(p, 1, &live), Some(agent(3)));
        assert_eq!(index.pools[p].ready[1].len(), n - 3, "dropped at the front");
        assert_eq!(index.pools[p].stale, [3, 0]);
        // Agent 1 comes back under its old key: its stale entry is
        // forgotten and a live one filed under its new stamp.
        index.forget(p, agent(1), 0, (1, 0), 1);
        index.file(p, agent(1), 0, (1, 0), 2);
        assert_eq!(index.pools[p].stale, [2, 0]);
        assert_eq!(index.first(p, 0, &live), Some(agent(1)));
        // Most agents leave: the stale entries are compacted away.
        for i in 3..n - 10 {
            live.set(agent(i), 2);
            index.unfile(p, agent(i), 0, &live);
        }
        let pool = &index.pools[p];
        assert!(pool.stale[1] <= STALE_SLACK, "compacted: {:?}", pool.stale);
        assert!(pool.ready[1].len() <= 11 + STALE_SLACK as usize);
        assert_eq!(index.ready_count(p), 11);
        let mut want = vec![agent(1)];
        want.extend((n - 10..n).map(agent));
        assert_eq!(index.all(p, 1, &live).to_vec(), want);
    }

    /// An agent filed again from a higher tier under the same key is not
    /// live below it, although its old entry there is still in the set.
    #[test]
    fn a_stale_entry_below_the_new_tier_stays_stale() {
        let mut index = ReadyIndex::default();
        let p = index.attach(kind(Strategy::TopDown));
        let live = Stamps::default();
        live.set(agent(0), 1);
        index.file(p, agent(0), 0, (0, 0), 1);
        live.set(agent(0), 2);
        index.unfile(p, agent(0), 0, &live);
        index.file(p, agent(0), 1, (0, 0), 2);
        assert_eq!(index.pools[p].stale, [1, 1]);
        assert_eq!(index.first(p, 0, &live), None);
        assert_eq!(index.first(p, 1, &live), Some(agent(0)));
        assert_eq!((index.live_count(p, 0), index.live_count(p, 1)), (0, 1));
    }
}

//! Filing Ready channels in the ready index: in the pool of every
//! automatic group the agent serves on that media, once per pool, under
//! the pool's strategy key; and taking them out again (lazily, see
//! [`crate::ready_index`]).

use crate::agent::{Agent, AgentIx, Filed, PoolIx, Seat, Seats, TenantIx};
use crate::arena::Arena;
use crate::config::{Media, RoutingType};
use crate::engine::Core;
use crate::ready_index::{Liveness, Stamp, StrategyKey};
use smallvec::SmallVec;

/// The agents' filing stamps, as the ready index's judge of live entries.
pub(crate) struct Filings<'a>(pub(crate) &'a Arena<AgentIx, Agent>);

impl Liveness for Filings<'_> {
    fn is_live(&self, media: Media, a: AgentIx, stamp: Stamp) -> bool {
        self.0
            .get(a)
            .is_some_and(|agent| agent.stamp(media) == stamp)
    }
}

impl Filings<'_> {
    /// Whether the agents' filing records say `(key, a)` is live at `tier`
    /// of `pool`: `a` is filed there under `key` from a tier at or below
    /// it. The long way to the stamps' answer, for the invariant checks.
    pub(crate) fn is_filed(&self, pool: PoolIx, tier: u8, key: StrategyKey, a: AgentIx) -> bool {
        self.0.get(a).is_some_and(|agent| {
            agent
                .filed
                .live()
                .any(|f| f.pool == pool && f.key == key && f.min_tier <= tier)
        })
    }
}

impl Core {
    /// Recomputes the distinct pools agent `a` belongs in, in the order of
    /// the groups it serves: after its groups, or their pools, changed.
    pub(crate) fn refresh_seats(&mut self, a: AgentIx) {
        let seats = self.seats_of(a);
        let agent = &mut self.agents[a];
        // The agent's entries in a pool it no longer belongs in, all of
        // them (ghosts of earlier filings too), go with its last filing
        // there (see [`crate::ready_index::ReadyIndex::purge`]).
        let mut dropped: SmallVec<[PoolIx; 4]> = SmallVec::new();
        agent.filed.retain_ghosts(|g| {
            let keep = seats.iter().any(|s| s.pool == g.pool);
            if !keep {
                dropped.push(g.pool);
            }
            keep
        });
        for p in dropped {
            self.ready.purge(p, a);
        }
        let agent = &mut self.agents[a];
        agent.filed.set_counted_seats(&seats);
        agent.seats = seats;
        // These lists are built by pushing; one agent of 50 groups would
        // otherwise carry a third of them as spare capacity.
        agent.seats.shrink_to_fit();
        agent.served.shrink_to_fit();
    }

    /// Makes the pools of tenant `t` that a threshold reserve watches count
    /// their live agents, and no others but the random ones (R-10.6, see
    /// [`crate::ready_index`]); the agents learn which of their seats count.
    pub(crate) fn refresh_counted_pools(&mut self, t: TenantIx) {
        let watched = self.watched_pools();
        let mut changed = false;
        for &g in &self.tenants[t].groups {
            let p = self.groups[g].pool;
            changed |= self
                .ready
                .set_counted(p, watched.contains(&p), &Filings(&self.agents));
        }
        if changed {
            let agents: Vec<AgentIx> = self.tenants[t].agents.iter().copied().collect();
            for a in agents {
                self.refresh_seats(a);
            }
        }
    }

    /// The pools a threshold reserve watches: those of the protected
    /// groups.
    pub(crate) fn watched_pools(&self) -> hashbrown::HashSet<PoolIx> {
        (self.ix.policy.protects.values())
            .map(|&g| self.groups[g].pool)
            .collect()
    }

    /// The distinct pools agent `a` belongs in, from its groups.
    pub(crate) fn seats_of(&self, a: AgentIx) -> Seats {
        let mut seats = Seats::new();
        for s in &self.agents[a].served {
            let group = &self.groups[s.group()];
            let p = group.pool;
            if group.config.routing == RoutingType::Automatic && !seats.iter().any(|x| x.pool == p)
            {
                seats.push(Seat {
                    pool: p,
                    media: group.config.media,
                    min_tier: s.min_tier,
                    counted: self.ready.is_counted(p),
                });
            }
        }
        seats
    }

    /// Forgets the entries a ghost filing of agent `a` left in its pool
    /// ([`crate::ready_index::ReadyIndex::forget`]). A ghost is always from the last filing of its media (every filing
    /// goes to all the agent's seats on that media, and a ghost of a pool
    /// that left the seats is dropped), whose stamp is the one before the
    /// current one.
    pub(crate) fn forget_ghost(&mut self, a: AgentIx, ghost: &crate::agent::Filed) {
        let stamp = self.agents[a].stamp(ghost.media).wrapping_sub(1);
        let live = Filings(&self.agents);
        (self.ready).forget(ghost.pool, a, ghost.min_tier, (ghost.key, stamp), &live);
    }

    /// Files a Ready channel in the ready pool of every group it serves on
    /// that media, once per pool, under the pool's strategy key.
    pub(crate) fn index_insert(&mut self, a: AgentIx, media: Media) {
        debug_assert!(!self.agents[a].filed.any_live_on(media), "filed twice");
        let idle = self.agents[a].media_idle_since(media).as_millis();
        let stamp = self.agents[a].stamp(media);
        let mut filed = false;
        for i in 0..self.agents[a].seats.len() {
            let seat = &self.agents[a].seats[i];
            if seat.media != media {
                continue;
            }
            let (p, min_tier) = (seat.pool, seat.min_tier);
            let key = self.ready_key(a, p, idle);
            let filing = Filed {
                pool: p,
                media,
                min_tier,
                key,
            };
            match self.agents[a].filed.slot_mut(p) {
                Some(slot) => {
                    // The ghost of its last filing here: clear it out.
                    let ghost = std::mem::replace(slot, filing);
                    self.forget_ghost(a, &ghost);
                }
                None => self.agents[a].filed.push(filing),
            }
            self.ready.file(p, a, min_tier, key, stamp);
            filed = true;
        }
        self.agents[a].filed.shrink_to_fit();
        if filed {
            self.agents[a].filed.set_live_on(media, true);
            self.qir_filed(a, media, true);
        }
        self.resplit(a);
        // A reserve held for one of its groups may lift.
        self.reserves_may_lift_for(a);
    }

    /// Takes a channel out of every ready pool it is filed in: its filings
    /// turn into ghosts, in place, and its entries stale, by one new stamp.
    /// Only counted pools are told (see [`crate::ready_index`]), so for
    /// most agents this touches neither the filings nor any pool.
    pub(crate) fn index_remove(&mut self, a: AgentIx, media: Media) {
        let agent = &mut self.agents[a];
        if !agent.filed.any_live_on(media) {
            return;
        }
        agent.restamp(media);
        agent.filed.set_live_on(media, false);
        if agent.filed.counted_on(media) {
            for s in agent.seats.iter().filter(|s| s.media == media && s.counted) {
                self.ready.unfile(s.pool, a, s.min_tier);
            }
        }
        self.qir_filed(a, media, false);
        self.resplit(a);
    }

    /// The best live agent of tier `tier` of pool `p`.
    pub(crate) fn first_ready(&mut self, p: PoolIx, tier: u8) -> Option<AgentIx> {
        self.ready.first(p, tier, &Filings(&self.agents))
    }

    /// The live agents of tier `tier` of pool `p`, best first.
    pub(crate) fn ready_agents(&self, p: PoolIx, tier: u8) -> impl Iterator<Item = AgentIx> + '_ {
        let live = Filings(&self.agents);
        let media = self.ready.kind(p).media;
        let (entries, _, _) = self.ready.tier_entries(p, tier);
        entries
            .filter(move |&(_, a, stamp)| live.is_live(media, a, stamp))
            .map(|(_, a, _)| a)
    }
}

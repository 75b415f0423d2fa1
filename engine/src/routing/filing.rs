//! Filing Ready channels in the ready index: in the pool of every
//! automatic group the agent serves on that media, once per pool, under
//! the pool's strategy key; and taking them out again (lazily, see
//! [`crate::ready_index`]).

use crate::agent::{Agent, AgentIx, Filed, PoolIx, Seat, Seats};
use crate::arena::Arena;
use crate::config::{Media, RoutingType};
use crate::engine::Core;
use crate::ready_index::{Liveness, StrategyKey};
use smallvec::SmallVec;

/// The agents' filing records, as the ready index's judge of live entries.
pub(crate) struct Filings<'a>(pub(crate) &'a Arena<AgentIx, Agent>);

impl Liveness for Filings<'_> {
    fn is_live(&self, pool: PoolIx, tier: u8, key: StrategyKey, a: AgentIx) -> bool {
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
        // A ghost of a pool the agent no longer belongs in is left to the
        // pool's own clean-up.
        agent
            .filed
            .retain_ghosts(|g| seats.iter().any(|s| s.pool == g.pool));
        agent.seats = seats;
        // These lists are built by pushing; one agent of 50 groups would
        // otherwise carry a third of them as spare capacity.
        agent.seats.shrink_to_fit();
        agent.served.shrink_to_fit();
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
                    group: s.group(),
                    media: group.config.media,
                    min_tier: s.min_tier,
                });
            }
        }
        seats
    }

    /// Files a Ready channel in the ready pool of every group it serves on
    /// that media, once per pool, under the pool's strategy key.
    pub(crate) fn index_insert(&mut self, a: AgentIx, media: Media) {
        let idle = self.agents[a].media_idle_since(media).as_millis();
        for i in 0..self.agents[a].seats.len() {
            let Seat {
                pool: p,
                group: g,
                media: m,
                min_tier,
            } = self.agents[a].seats[i];
            if m != media {
                continue;
            }
            let key = self.ready_key(a, g, idle);
            let filing = Filed {
                pool: p,
                media,
                min_tier,
                key,
                live: true,
            };
            match self.agents[a].filed.slot_mut(p) {
                Some(slot) => {
                    // The ghost of its last filing here: clear it out.
                    let ghost = std::mem::replace(slot, filing);
                    debug_assert!(!ghost.live, "filed twice in one pool");
                    self.ready.forget(p, a, ghost.min_tier, ghost.key);
                }
                None => self.agents[a].filed.push(filing),
            }
            self.ready.file(p, a, min_tier, key);
        }
        self.agents[a].filed.shrink_to_fit();
        if self.agents[a].filed.any_live_on(media) {
            self.qir_filed(a, media, true);
        }
        self.resplit(a);
        // A reserve held for one of its groups may lift.
        self.reserves_may_lift_for(a);
    }

    /// Takes a channel out of every ready pool it is filed in: its filings
    /// turn into ghosts, in place.
    pub(crate) fn index_remove(&mut self, a: AgentIx, media: Media) {
        if !self.agents[a].filed.any_live_on(media) {
            return;
        }
        self.qir_filed(a, media, false);
        let mut gone: SmallVec<[(PoolIx, u8); 16]> = SmallVec::new();
        for f in self.agents[a].filed.all_mut() {
            if f.live && f.media == media {
                f.live = false;
                gone.push((f.pool, f.min_tier));
            }
        }
        for (p, min_tier) in gone {
            self.ready.unfile(p, a, min_tier, &Filings(&self.agents));
        }
        self.resplit(a);
    }

    /// The best live agent of tier `tier` of pool `p`.
    pub(crate) fn first_ready(&mut self, p: PoolIx, tier: u8) -> Option<AgentIx> {
        self.ready.first(p, tier, &Filings(&self.agents))
    }

    /// The live agents of tier `tier` of pool `p`, best first.
    pub(crate) fn ready_agents(&self, p: PoolIx, tier: u8) -> impl Iterator<Item = AgentIx> + '_ {
        let live = Filings(&self.agents);
        let (entries, _, _) = self.ready.tier_entries(p, tier);
        entries
            .filter(move |&(key, a)| live.is_live(p, tier, key, a))
            .map(|(_, a)| a)
    }
}

//! Agent selection strategies as ordering keys.
//!
//! A Ready agent is filed in each ready index of the groups it serves under
//! a key computed by that group's strategy when the agent becomes Ready; the
//! smallest key is chosen first. Every key ends with a tie-break that makes
//! the order total and deterministic.

use crate::agent::{AgentIx, PoolIx};
use crate::config::Strategy;
use crate::engine::Core;

impl Core {
    /// The key agent `a` is filed under in pool `p` now. Read from the
    /// pool's kind, which every group of the pool shares, so that filing an
    /// agent in its ten pools does not visit the ten groups' records; only
    /// round robin reads its group's turns.
    pub(crate) fn ready_key(&self, a: AgentIx, p: PoolIx, idle_since: u64) -> (u64, u64) {
        let kind = self.ready.kind(p);
        let agent = &self.agents[a];
        let key = match kind.strategy {
            // Longest idle first; ring-all rings everyone but lists them the same way.
            Strategy::LongestIdle | Strategy::RingAll => (idle_since, agent.order),
            Strategy::LeastOccupied => (agent.occupancy_ppm(self.now), idle_since),
            Strategy::MostSkilled => {
                let level = kind.tiers[0]
                    .0
                    .first()
                    .and_then(|r| r.0.first())
                    .map_or(0, |&(skill, _)| agent.skills.level(skill));
                (u64::from(10 - level.min(10)), idle_since)
            }
            Strategy::RoundRobin => {
                // A round-robin pool is its group's own.
                let turn = kind.own.map_or(0, |g| self.groups[g].turns.get(a));
                (turn, agent.order)
            }
            Strategy::TopDown => (agent.order, 0),
            Strategy::FewestCalls => (agent.answered, idle_since),
            // The choice itself is drawn at decision time from the group's
            // random pools; the index only needs a stable order.
            Strategy::Random => (0, agent.order),
            // the key moves with the load; the agent is filed
            // again whenever a lane changes (see `crate::capacity`).
            Strategy::LeastLoaded => {
                let load = agent.load()[kind.media.index()];
                (u64::from(load), idle_since)
            }
        };
        // `order_by` keys come first; the strategy breaks ties.
        if kind.order.is_empty() {
            key
        } else {
            (self.order_rank(a, &kind.order), key.0)
        }
    }
}

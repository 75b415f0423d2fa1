//! Ready-index upkeep: filing a Ready channel in the ready pools
//! of the groups it serves, and taking it out again.

use crate::agent::{AgentIx, Filed};
use crate::config::{Media, RoutingType, Strategy};
use crate::engine::Core;

impl Core {
    /// Files a Ready channel in the ready pool of every group it serves on
    /// that media, once per pool, under the pool's strategy key.
    pub(crate) fn index_insert(&mut self, a: AgentIx, media: Media) {
        let idle = self.agents[a].chan(media).idle_since.as_millis();
        for i in 0..self.agents[a].served.len() {
            let (g, min_tier) = {
                let s = &self.agents[a].served[i];
                (s.group, s.min_tier)
            };
            let group = &self.groups[g];
            let p = group.pool;
            if group.config.media != media
                || group.config.routing != RoutingType::Automatic
                || self.agents[a].filed.iter().any(|f| f.pool == p)
            {
                continue;
            }
            let key = self.ready_key(a, g, idle);
            let pool = &mut self.pools[p];
            for tier in &mut pool.ready[min_tier as usize..] {
                tier.insert((key.0, key.1, a));
            }
            if pool.kind.strategy == Strategy::Random {
                pool.random[min_tier as usize..]
                    .iter_mut()
                    .for_each(|r| r.insert(a));
            }
            self.agents[a].filed.push(Filed {
                pool: p,
                media,
                min_tier,
                key,
            });
        }
    }

    /// Removes a channel from every ready pool it is filed in.
    pub(crate) fn index_remove(&mut self, a: AgentIx, media: Media) {
        let pools = &mut self.pools;
        self.agents[a].filed.retain(|f| {
            if f.media != media {
                return true;
            }
            let pool = &mut pools[f.pool];
            for tier in &mut pool.ready[f.min_tier as usize..] {
                tier.remove(&(f.key.0, f.key.1, a));
            }
            if pool.kind.strategy == Strategy::Random {
                pool.random[f.min_tier as usize..]
                    .iter_mut()
                    .for_each(|r| r.remove(a));
            }
            false
        });
    }
}

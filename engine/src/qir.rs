//! The call side of queue-and-idleness-ratio routing (R-10.6; Gurvich &
//! Whitt 2009, *Queue-and-idleness-ratio controls in many-server service
//! systems*, Math. Oper. Res. 34(2)).
//!
//! Agent *pools* in the sense of the paper are agents of the same
//! eligibility: the same automatic groups of a media, each from the same
//! stage. A call arriving in group `i` goes to the pool
//! `j* = argmax_j (I_j − q_j · ΣI)` among the pools that can serve it and
//! have an idle agent, where `I_j` counts the pool's Ready agents, `ΣI` all
//! Ready agents of the tenant's pools of that media, and `q_j = n_j / N` is
//! the pool's share of the tenant's agents (so idleness is spread in
//! proportion to pool sizes: no pool idles while another is worked hard).
//! Within the pool the longest-idle agent takes the call. The agent side is
//! fixed-queue-ratio (see `policy.rs`). A decision costs O(pools of the
//! tenant and media + log n).
//!
//! The index is derived state: rebuilt when a snapshot is loaded and when
//! the tenant's groups or agents change; kept up to date as channels are
//! filed in and taken out of the ready indexes.

use crate::agent::{AgentIx, GroupIx, TenantIx};
use crate::config::{Media, RoutingPolicy, RoutingType};
use crate::engine::Core;
use std::collections::BTreeSet;

/// A pool's eligibility: (group, lowest tier) of every automatic group of
/// one media the agent serves, in order.
type PoolKey = (Media, Vec<(GroupIx, u8)>);

/// The QIR pools of one tenant.
#[derive(Clone, Debug, Default)]
pub(crate) struct QirPools {
    keys: hashbrown::HashMap<PoolKey, usize>,
    pools: Vec<QirPool>,
}

#[derive(Clone, Debug)]
struct QirPool {
    key: PoolKey,
    /// Configured agents of this eligibility: `n_j`.
    size: u64,
    /// Ready agents, longest idle first: (idle since ms, order, agent).
    ready: BTreeSet<(u64, u64, AgentIx)>,
}

impl Core {
    fn qir_tenant(&self, t: TenantIx) -> bool {
        self.tenants[t].config.policy == RoutingPolicy::QueueIdleRatio
    }

    /// The pool key of agent `a` on `media`.
    fn pool_key(&self, a: AgentIx, media: Media) -> PoolKey {
        let mut groups: Vec<(GroupIx, u8)> = self.agents[a]
            .served
            .iter()
            .filter(|s| {
                let g = &self.groups[s.group()];
                g.config.media == media && g.config.routing == RoutingType::Automatic
            })
            .map(|s| (s.group(), s.min_tier))
            .collect();
        groups.sort_unstable();
        (media, groups)
    }

    /// Rebuilds tenant `t`'s pools: sizes from its agents, Ready agents
    /// from the ready indexes.
    pub(crate) fn rebuild_qir(&mut self, t: TenantIx) {
        if !self.qir_tenant(t) {
            self.ix.policy.qir.remove(&t);
            return;
        }
        let mut pools = QirPools::default();
        let agents: Vec<AgentIx> = self.tenants[t].agents.iter().copied().collect();
        for a in agents {
            for media in Media::ALL {
                let key = self.pool_key(a, media);
                if key.1.is_empty() {
                    continue;
                }
                let j = pools.slot(key);
                pools.pools[j].size += 1;
                let agent = &self.agents[a];
                if agent.filed.any_live_on(media) {
                    let idle = agent.chan(media).idle_since.as_millis();
                    pools.pools[j].ready.insert((idle, agent.order, a));
                }
            }
        }
        self.ix.policy.qir.insert(t, pools);
    }

    /// Keeps the pools in step with the ready indexes.
    pub(crate) fn qir_filed(&mut self, a: AgentIx, media: Media, ready: bool) {
        let t = self.agents[a].tenant;
        if !self.ix.policy.qir.contains_key(&t) {
            return;
        }
        let key = self.pool_key(a, media);
        if key.1.is_empty() {
            return;
        }
        let idle = self.agents[a].chan(media).idle_since.as_millis();
        let order = self.agents[a].order;
        let Some(pools) = self.ix.policy.qir.get_mut(&t) else {
            return;
        };
        let j = pools.slot(key);
        let set = &mut pools.pools[j].ready;
        if ready {
            set.insert((idle, order, a));
        } else if !set.remove(&(idle, order, a)) {
            // Filed under an idle time that has changed since: find it.
            set.retain(|&(_, _, b)| b != a);
        }
    }

    /// QIR's choice for a call of group `g` at `tier`: the longest-idle
    /// agent of the pool furthest above its idleness share, if the tenant
    /// uses QIR.
    pub(crate) fn qir_agent(&self, g: GroupIx, tier: u8) -> Option<Option<AgentIx>> {
        let group = &self.groups[g];
        let pools = self.ix.policy.qir.get(&group.tenant)?;
        let media = group.config.media;
        let of_media = || pools.pools.iter().filter(|p| p.key.0 == media);
        let n: u64 = of_media().map(|p| p.size).sum();
        let idle: u64 = of_media().map(|p| p.ready.len() as u64).sum();
        let best = of_media()
            .filter(|p| !p.ready.is_empty())
            .filter(|p| p.key.1.iter().any(|&(h, t)| h == g && t <= tier))
            .max_by(|x, y| {
                let score = |p: &QirPool| {
                    i128::from(p.ready.len() as u64) * i128::from(n)
                        - i128::from(p.size) * i128::from(idle)
                };
                // Ties: the pool whose head has idled longest.
                let head = |p: &QirPool| std::cmp::Reverse(p.ready.first().copied());
                (score(x), head(x)).cmp(&(score(y), head(y)))
            });
        Some(best.and_then(|p| p.ready.first().map(|k| k.2)))
    }
}

impl QirPools {
    fn slot(&mut self, key: PoolKey) -> usize {
        if let Some(&j) = self.keys.get(&key) {
            return j;
        }
        let j = self.pools.len();
        self.pools.push(QirPool {
            key: key.clone(),
            size: 0,
            ready: BTreeSet::new(),
        });
        self.keys.insert(key, j);
        j
    }
}

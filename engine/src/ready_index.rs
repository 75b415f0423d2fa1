
#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::SlabIndex;
    use std::cell::RefCell;
    use std::collections::HashSet;

    /// Filings kept in a set: (pool, agent, min tier, key).
    #[derive(Default)]
    struct Filed(RefCell<HashSet<(PoolIx, AgentIx, u8, StrategyKey)>>);

    impl Liveness for Filed {
        fn is_live(&self, pool: PoolIx, tier: u8, key: StrategyKey, a: AgentIx) -> bool {
            self.0
                .borrow()
                .iter()
                .any(|&(p, x, t, k)| p == pool && x == a && k == key && t <= tier)
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
        }
    }

    fn agent(i: usize) -> AgentIx {
        AgentIx::from_slot(i)
    }

    /// Stale entries are skipped and dropped at the front, counted per
    /// tier, revived when the agent is filed again under the same key, and
    /// compacted away once they outnumber the live ones.
    #[test]
    fn lazy_removal_keeps_counts_and_memory_bounded() {
        let mut index = ReadyIndex::default();
        let p = index.attach(kind(Strategy::LongestIdle));
        let live = Filed::default();
        let n = 200;
        for i in 0..n {
            let key = (i as u64, 0);
            live.0.borrow_mut().insert((p, agent(i), 0, key));
            index.file(p, agent(i), 0, key);
        }
        assert_eq!(index.ready_count(p), n);
        // The three best leave: stale, still counted out at once.
        for i in 0..3 {
            live.0.borrow_mut().remove(&(p, agent(i), 0, (i as u64, 0)));
            index.unfile(p, agent(i), 0, &live);
        }
        assert_eq!(index.ready_count(p), n - 3);
        assert_eq!(index.pools[p].ready[1].len(), n, "removal is lazy");
        assert_eq!(index.first(p, 1, &live), Some(agent(3)));
        assert_eq!(index.pools[p].ready[1].len(), n - 3, "dropped at the front");
        assert_eq!(index.pools[p].stale, [3, 0]);
        // Agent 1 comes back under its old key: its stale entry revives.
        live.0.borrow_mut().insert((p, agent(1), 0, (1, 0)));
        index.file(p, agent(1), 0, (1, 0));
        assert_eq!(index.pools[p].stale, [2, 0]);
        assert_eq!(index.first(p, 0, &live), Some(agent(1)));
        // Most agents leave: the stale entries are compacted away.
        for i in 3..n - 10 {
            live.0.borrow_mut().remove(&(p, agent(i), 0, (i as u64, 0)));
            index.unfile(p, agent(i), 0, &live);
        }
        let pool = &index.pools[p];
        assert!(pool.stale[1] <= STALE_SLACK, "compacted: {:?}", pool.stale);
        assert!(pool.ready[1].len() <= 11 + STALE_SLACK as usize + 1);
        assert_eq!(index.ready_count(p), 11);
        assert_eq!(
            index.all(p, 1, &live).as_slice(),
            [1, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199].map(agent)
        );
    }

    /// An agent re-filed from a higher tier under the same key is not live
    /// below it, although its old entry there is still in the set.
    #[test]
    fn a_stale_entry_below_the_new_tier_stays_stale() {
        let mut index = ReadyIndex::default();
        let p = index.attach(kind(Strategy::TopDown));
        let live = Filed::default();
        live.0.borrow_mut().insert((p, agent(0), 0, (0, 0)));
        index.file(p, agent(0), 0, (0, 0));
        live.0.borrow_mut().clear();
        index.unfile(p, agent(0), 0, &live);
        live.0.borrow_mut().insert((p, agent(0), 1, (0, 0)));
        index.file(p, agent(0), 1, (0, 0));
        assert_eq!(index.pools[p].stale, [1, 0]);
        assert_eq!(index.first(p, 0, &live), None);
        assert_eq!(index.first(p, 1, &live), Some(agent(0)));
        assert_eq!((index.live_count(p, 0), index.live_count(p, 1)), (0, 1));
    }
}

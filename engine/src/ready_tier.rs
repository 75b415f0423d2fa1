//! One tier of a ready pool: its entries in strategy order, live and
//! stale (see [`crate::ready_index`] for what makes an entry stale).
//!
//! Most entries arrive in key order: under longest idle, the key is the
//! time the agent became idle, which is the time it is filed. Those are
//! appended to a sorted *log*, which costs no search and no rebalancing;
//! an entry that would not sort last goes to a B-tree beside it. The best
//! entry is the smaller of the two fronts.
//!
//! A ghost (an entry the agent left behind, [`TierSet::forget`]) is taken
//! out of the B-tree at once, and out of the log if it is its front: an
//! agent picked as the best of one pool is often the best of its other
//! pools too, and it is cheaper to drop its entry there when it comes
//! back than to have the next decision in each of those pools pass over
//! it. A ghost deeper in the log is left where it is: digging it out of
//! the middle would cost the search the log exists to avoid. It is
//! dropped when it reaches the front, or when ghosts make up about half
//! the log and the log is compacted. So the log holds about twice the
//! entries it would hold without ghosts at most, and the compaction,
//! which reads the log once (and, to judge each entry, its agent's
//! record), is paid for by the ghosts that caused it. In a busy pool most
//! ghosts reach the front first, the way the agents they belonged to did,
//! so compactions are rare there.

use crate::agent::AgentIx;
use crate::ready_index::Stamp;
use std::collections::{BTreeSet, VecDeque};

/// Key of an agent in a tier: (strategy key, tie-break, agent, the agent's
/// filing stamp when it was filed). Entries are unique.
pub(crate) type ReadyKey = (u64, u64, AgentIx, Stamp);

/// Fewest ghosts that are worth a compaction.
const COMPACT_MIN: u32 = 32;

/// The entries of one tier, in key order (see the module docs).
#[derive(Clone, Debug, Default)]
pub(crate) struct TierSet {
    /// Entries in strictly increasing order, filed in that order.
    log: VecDeque<ReadyKey>,
    /// Entries filed out of order.
    side: BTreeSet<ReadyKey>,
    /// Ghosts forgotten in the log since it was last compacted, less the
    /// stale entries dropped at its front since. An estimate: an entry
    /// dropped at the front before its agent forgot it is subtracted
    /// before it is counted, so the ghosts in the log may exceed it by the
    /// agents with such an entry, at most one each.
    ghosts: u32,
}

impl TierSet {
    /// A tier holding `entries`, in any order, and no ghosts.
    pub(crate) fn from_entries(mut entries: Vec<ReadyKey>) -> TierSet {
        entries.sort_unstable();
        TierSet {
            log: entries.into(),
            ..TierSet::default()
        }
    }

    /// Adds `key`: appended if it sorts last, set aside if not.
    pub(crate) fn insert(&mut self, key: ReadyKey) {
        if self.log.back().is_none_or(|last| *last < key) {
            self.log.push_back(key);
        } else {
            self.side.insert(key);
        }
    }

    /// Forgets `key`, a ghost: out of the B-tree at once; out of the log
    /// at once if it is its front, else left in place until the front or
    /// a compaction, which keeps only the entries `live` judges live.
    pub(crate) fn forget(&mut self, key: &ReadyKey, live: impl Fn(&ReadyKey) -> bool) {
        if self.side.remove(key) {
            return;
        }
        if self.log.front() == Some(key) {
            // Still at the front: the agent came back before a decision
            // reached its old entry, so no decision has to pass over it.
            self.log.pop_front();
            return;
        }
        self.ghosts += 1;
        if self.ghosts >= COMPACT_MIN && 2 * self.ghosts as usize >= self.log.len() {
            self.log.retain(|k| live(k));
            self.ghosts = 0;
            if self.log.capacity() > 4 * self.log.len() + 64 {
                self.log.shrink_to(2 * self.log.len());
            }
        }
    }

    /// Drops every entry of agent `a`, live or stale, by reading the whole
    /// tier: for the rare moments it leaves the pool for good.
    pub(crate) fn purge(&mut self, a: AgentIx) {
        self.log.retain(|k| k.2 != a);
        self.side.retain(|k| k.2 != a);
    }

    /// The agent of the best entry `live` judges live, dropping the stale
    /// entries in front of it.
    pub(crate) fn first(&mut self, live: impl Fn(&ReadyKey) -> bool) -> Option<AgentIx> {
        while self.log.front().is_some_and(|k| !live(k)) {
            self.log.pop_front();
            self.ghosts = self.ghosts.saturating_sub(1);
        }
        while self.side.first().is_some_and(|k| !live(k)) {
            self.side.pop_first();
        }
        match (self.log.front(), self.side.first()) {
            (Some(a), Some(b)) => Some(a.min(b).2),
            (a, b) => a.or(b).map(|k| k.2),
        }
    }

    /// Every entry, live or stale, in key order.
    pub(crate) fn iter(&self) -> Merged<'_> {
        Merged {
            log: self.log.iter().peekable(),
            side: self.side.iter().peekable(),
        }
    }

    /// Whether `key` is held (live or stale).
    pub(crate) fn contains(&self, key: &ReadyKey) -> bool {
        self.side.contains(key) || self.log.binary_search(key).is_ok()
    }

    /// Entries held, live or stale.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.log.len() + self.side.len()
    }
}

/// The entries of a [`TierSet`] in key order: its log and its B-tree,
/// merged.
pub(crate) struct Merged<'a> {
    log: std::iter::Peekable<std::collections::vec_deque::Iter<'a, ReadyKey>>,
    side: std::iter::Peekable<std::collections::btree_set::Iter<'a, ReadyKey>>,
}

impl<'a> Iterator for Merged<'a> {
    type Item = &'a ReadyKey;

    fn next(&mut self) -> Option<&'a ReadyKey> {
        match (self.log.peek(), self.side.peek()) {
            (Some(a), Some(b)) if b < a => self.side.next(),
            (Some(_), _) => self.log.next(),
            (None, _) => self.side.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::SlabIndex;

    fn key(k: u64, a: usize, stamp: Stamp) -> ReadyKey {
        (k, 0, AgentIx::from_slot(a), stamp)
    }

    /// Entries in order go to the log, others beside it; iteration and the
    /// front see one order.
    #[test]
    fn in_order_and_out_of_order_entries_read_as_one_order() {
        let mut set = TierSet::default();
        for (k, a) in [(10, 0), (20, 1), (15, 2), (30, 3), (5, 4)] {
            set.insert(key(k, a, 1));
        }
        assert_eq!((set.log.len(), set.side.len()), (3, 2));
        let order: Vec<u64> = set.iter().map(|k| k.0).collect();
        assert_eq!(order, [5, 10, 15, 20, 30]);
        assert_eq!(set.first(|_| true), Some(AgentIx::from_slot(4)));
        assert!(set.contains(&key(15, 2, 1)) && set.contains(&key(20, 1, 1)));
        assert!(!set.contains(&key(20, 1, 2)));
    }

    /// Stale entries at either front are dropped; the best live one wins.
    #[test]
    fn the_front_skips_stale_entries_in_both_parts() {
        let mut set = TierSet::default();
        for (k, a) in [(10, 0), (20, 1), (5, 2), (15, 3)] {
            set.insert(key(k, a, 1));
        }
        let dead = [AgentIx::from_slot(0), AgentIx::from_slot(2)];
        assert_eq!(
            set.first(|k| !dead.contains(&k.2)),
            Some(AgentIx::from_slot(3))
        );
        assert_eq!(set.len(), 2, "both stale fronts dropped");
    }

    /// A ghost at the log's front goes when it is forgotten, without being
    /// counted; one deeper in stays until the front reaches it.
    #[test]
    fn a_ghost_forgotten_at_the_front_goes_at_once() {
        let mut set = TierSet::default();
        for (k, a) in [(10, 0), (20, 1), (30, 2)] {
            set.insert(key(k, a, 1));
        }
        let live = |k: &ReadyKey| k.2 != AgentIx::from_slot(0) && k.2 != AgentIx::from_slot(1);
        set.forget(&key(20, 1, 1), live);
        assert_eq!((set.len(), set.ghosts), (3, 1), "deeper ghost stays");
        set.forget(&key(10, 0, 1), live);
        assert_eq!((set.len(), set.ghosts), (2, 1), "front ghost dropped");
        assert_eq!(set.first(live), Some(AgentIx::from_slot(2)));
        assert_eq!((set.len(), set.ghosts), (1, 0));
    }

    /// Agents filed over and over leave ghosts in the log, but compaction
    /// keeps the log within about twice its live entries.
    #[test]
    fn ghosts_in_the_log_stay_bounded() {
        let mut set = TierSet::default();
        let agents = 100;
        let mut stamp = vec![0; agents];
        let mut now = 0;
        for round in 0..50 {
            for a in 0..agents {
                if round > 0 {
                    let ghost = key(now - agents as u64, a, stamp[a]);
                    stamp[a] += 1;
                    let current = stamp.clone();
                    set.forget(&ghost, |k| current[k.2.slot()] == k.3);
                }
                set.insert(key(now, a, stamp[a]));
                now += 1;
            }
            assert!(
                set.len() <= 2 * agents + COMPACT_MIN as usize,
                "{}",
                set.len()
            );
        }
        let current = stamp.clone();
        assert_eq!(
            set.iter().filter(|k| current[k.2.slot()] == k.3).count(),
            agents
        );
        // Forgetting an entry set aside removes it at once.
        set.insert(key(0, agents, 0));
        set.forget(&key(0, agents, 0), |_| true);
        assert!(set.side.is_empty());
    }
}

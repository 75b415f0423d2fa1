//! Routing policies from queueing theory: which waiting call an
//! agent that becomes free takes among the groups it serves, and which
//! agents a group keeps back for another.
//!
//! Agent side, chosen per tenant by [`RoutingPolicy`] (a tenant is the unit
//! a shard serves). Each rule reads only the head of each queue of the
//! agent's groups and a few counters, so a decision is O(groups of the
//! agent × tiers):
//!
//! * **Priority** (R-3.5, default): highest priority, then the largest
//!   `wait_weight × wait`, then the earliest arrival.
//! * **Weighted head-of-line wait**: the head maximising `w_i × W_i(t)`,
//!   `W_i` its wait and `w_i` the group's `wait_weight`. This is the
//!   generalized cμ rule of van Mieghem (1995, *Dynamic scheduling with
//!   convex delay costs: the generalized cμ rule*, Ann. Appl. Probab. 5)
//!   for delay costs `C_i(w) = c_i w² / 2`, whose marginal cost `c_i w` is
//!   linear in the wait, with `w_i = c_i μ_i`; it is asymptotically optimal
//!   in heavy traffic and, unlike a static priority, never starves a group.
//! * **Fixed-queue-ratio** (Gurvich & Whitt 2007, *Queue-and-idleness-ratio
//!   controls in many-server service systems*, Math. Oper. Res. 34 (2009);
//!   FQR introduced in *Service-level differentiation in many-server
//!   service systems via queue-ratio routing*, Oper. Res. 58 (2010), working
//!   paper 2007): the head of group `i* = argmax_i (Q_i − p_i · ΣQ)` over the
//!   agent's groups with a waiting call, where `Q_i` counts the calls
//!   waiting in group `i`, `ΣQ` those in all the tenant's groups of the same
//!   media and `p_i = queue_ratio_i / Σ queue_ratio` (integers, so the
//!   comparison is exact: `Q_i · R − r_i · ΣQ` with `R = Σ r`). Ties go to
//!   the longest head-of-line wait. Queues are driven towards the ratios
//!   `p`, which in the many-server heavy-traffic regime fixes the ratios of
//!   the groups' waiting times and so their relative service levels.
//!
//! * **Queue-and-idleness ratio** (Gurvich & Whitt 2009): the agent side
//!   is fixed-queue-ratio; the call side is in `qir.rs`.
//!
//! Threshold reservation, per group ([`crate::config::Reserve`]): a group `G` reserving for
//! `P` lets an agent who also serves `P` take `G`'s calls only while at
//! least `keep_idle` other agents of `P`'s ready pool are Ready and, with
//! `max_wait_s`, while `P`'s head of line has waited less than that. Both
//! directions of respect it: an agent becoming Ready skips `G`'s calls
//! while held back, and a call arriving in `G` passes over held-back agents
//! in one O(log n) lookup: `G`'s Ready agents are kept split by whether the
//! reserve can hold them back (`reserve.rs`), so no held-back agent is
//! visited. When the reserve lifts — an agent of `P` becomes Ready, or a
//! call leaves `P`'s queue — `G`'s waiting calls are matched at once, at
//! the end of the same engine step, so no call waits for a poll.
//!
//! `ΣQ`, `Σ queue_ratio` and the groups reserving for each group are
//! derived counters kept in [`crate::engine::Lookup`]: never serialized,
//! rebuilt when a snapshot is loaded and when groups change.

use crate::agent::{AgentIx, CallIx, GroupIx, TenantIx};
use crate::arena::{Arena, SlabIndex};
use crate::call::{Call, CallState};
use crate::config::{Media, RoutingPolicy, RoutingType};
use crate::engine::Core;
use std::cmp::Reverse;

/// How attractive the head of a queue is to a free agent; larger is better.
/// `(priority, policy score, weighted wait, earlier arrival)`.
pub(crate) type CallScore = (i64, i128, u128, Reverse<u64>);

/// Derived totals the policies need, per (tenant, media).
#[derive(Clone, Debug, Default)]
pub(crate) struct PolicyTotals {
    /// Calls in state `Queued`, per (tenant, media) and per group.
    pub(crate) queued: QueuedCounts,
    /// `Σ queue_ratio` of the automatic groups.
    pub(crate) ratio_sum: hashbrown::HashMap<(TenantIx, Media), u64>,
    /// Protected group -> groups reserving agents for it.
    pub(crate) reservers: hashbrown::HashMap<GroupIx, Vec<GroupIx>>,
    /// Reserving group -> the group it protects.
    pub(crate) protects: hashbrown::HashMap<GroupIx, GroupIx>,
    /// Protected groups whose reserve may have lifted in this step.
    pub(crate) unsettled: Vec<GroupIx>,
    /// Queue-and-idleness-ratio pools of the tenants that use it.
    pub(crate) qir: hashbrown::HashMap<TenantIx, crate::qir::QirPools>,
    /// Reserving group -> its Ready agents split by exposure (`reserve.rs`).
    pub(crate) splits: hashbrown::HashMap<GroupIx, crate::reserve::ReserveSplit>,
}

/// Calls in state `Queued`, counted per (tenant, media) — `ΣQ` of
/// fixed-queue-ratio — and per group, so that an agent looking
/// for a call skips the groups with none without reading their records.
/// Plain vectors by slot: a call changes state several times per call
/// handled, and a hash per change showed in the profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct QueuedCounts {
    /// By tenant slot, by media index.
    by_tenant: Vec<[u64; Media::ALL.len()]>,
    /// By group slot.
    by_group: Vec<u32>,
}

impl QueuedCounts {
    /// The counts of `calls`, counted afresh.
    pub(crate) fn of(calls: &Arena<CallIx, Call>) -> QueuedCounts {
        let mut counts = QueuedCounts::default();
        for (_, call) in calls {
            if call.state == CallState::Queued {
                counts.count(call.tenant, call.media, call.group, true);
            }
        }
        counts
    }

    /// One call of tenant `t`, `media`, group `g` joined (`joined`) or
    /// left the queued state.
    pub(crate) fn count(&mut self, t: TenantIx, media: Media, g: GroupIx, joined: bool) {
        let n = &mut grown(&mut self.by_tenant, t.slot())[media.index()];
        *n = if joined { *n + 1 } else { n.saturating_sub(1) };
        let n = grown(&mut self.by_group, g.slot());
        *n = if joined { *n + 1 } else { n.saturating_sub(1) };
    }

    /// `ΣQ` of tenant `t` and `media`.
    pub(crate) fn total(&self, t: TenantIx, media: Media) -> u64 {
        self.by_tenant.get(t.slot()).map_or(0, |m| m[media.index()])
    }

    /// Whether tenant `t` has a queued call of any media.
    pub(crate) fn tenant_has_any(&self, t: TenantIx) -> bool {
        self.by_tenant
            .get(t.slot())
            .is_some_and(|m| m.iter().any(|&n| n > 0))
    }

    /// Whether group `g` has a queued call.
    pub(crate) fn group_has_any(&self, g: GroupIx) -> bool {
        self.by_group.get(g.slot()).is_some_and(|&n| n > 0)
    }

    /// The same counts with trailing zeros dropped, for comparing a
    /// recount with the running one.
    pub(crate) fn trimmed(&self) -> QueuedCounts {
        let mut t = self.clone();
        while t
            .by_tenant
            .last()
            .is_some_and(|m| m.iter().all(|&n| n == 0))
        {
            t.by_tenant.pop();
        }
        while t.by_group.last() == Some(&0) {
            t.by_group.pop();
        }
        t
    }
}

/// Element `i` of `v`, grown with zeros to hold it.
fn grown<T: Default + Clone>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

impl Core {
    /// The score of call `c`, first in line for the agent in one of group
    /// `g`'s queues with key `(−priority, entered ms, uid)`. Priority is
    /// compared aged, in 1/60000 points.
    pub(crate) fn head_score(&self, g: GroupIx, head: (i64, u64, u64), c: CallIx) -> CallScore {
        let (_, entered, uid) = head;
        let group = &self.groups[g];
        let wait = u128::from(self.now.as_millis().saturating_sub(entered));
        let weighted = wait * u128::from(group.config.wait_weight);
        match self.tenants[group.tenant].config.policy {
            RoutingPolicy::Priority => {
                let priority = self.calls[c].score_priority(self.now);
                (priority, 0, weighted, Reverse(uid))
            }
            RoutingPolicy::WeightedHol => (0, 0, weighted, Reverse(uid)),
            RoutingPolicy::FixedQueueRatio | RoutingPolicy::QueueIdleRatio => {
                let key = (group.tenant, group.config.media);
                let total = self.ix.policy.queued.total(key.0, key.1);
                let ratios = self.ix.policy.ratio_sum.get(&key).copied().unwrap_or(1);
                let q = group.queued_count() as i128;
                let excess =
                    q * i128::from(ratios) - i128::from(group.config.queue_ratio) * total as i128;
                (0, excess, wait, Reverse(uid))
            }
        }
    }

    /// How long the longest-waiting head of group `g`'s queues has waited.
    pub(crate) fn head_wait_ms(&self, g: GroupIx) -> u64 {
        let now = self.now.as_millis();
        self.groups[g]
            .queues
            .iter()
            .filter_map(|q| q.first_key_value().map(|(k, _)| now.saturating_sub(k.1)))
            .max()
            .unwrap_or(0)
    }

    /// Whether group `g` has a call in state `Queued`.
    pub(crate) fn has_queued(&self, g: GroupIx) -> bool {
        self.ix.policy.queued.group_has_any(g)
    }

    /// Notes that group `p`'s reserve may have lifted (an agent of its pool
    /// became Ready, or a call left or joined its queue).
    pub(crate) fn reserve_may_lift(&mut self, p: GroupIx) {
        if !self.ix.policy.reservers.is_empty()
            && self.ix.policy.reservers.contains_key(&p)
            && !self.ix.policy.unsettled.contains(&p)
        {
            self.ix.policy.unsettled.push(p);
        }
    }

    /// Notes every protected group agent `a` serves (it became Ready).
    pub(crate) fn reserves_may_lift_for(&mut self, a: AgentIx) {
        if self.ix.policy.reservers.is_empty() {
            return;
        }
        for i in 0..self.agents[a].served.len() {
            let g = self.agents[a].served[i].group();
            self.reserve_may_lift(g);
        }
    }

    /// Matches the waiting calls of groups whose reserve may have lifted in
    /// this step, at once. Each pass offers a call or moves on, so
    /// it ends.
    pub(crate) fn settle_reserves(&mut self) {
        while let Some(p) = self.ix.policy.unsettled.pop() {
            let reservers = self
                .ix
                .policy
                .reservers
                .get(&p)
                .cloned()
                .unwrap_or_default();
            for g in reservers {
                self.match_waiting(g);
            }
        }
    }

    /// Offers group `g`'s waiting calls, in line order per tier, while an
    /// agent is free for them: the first call that a free agent may take
    /// gets the first such agent in strategy order.
    fn match_waiting(&mut self, g: GroupIx) {
        if !self.groups.contains(g) || self.groups[g].config.routing != RoutingType::Automatic {
            return;
        }
        for tier in 0..self.groups[g].queues.len() as u8 {
            while let Some((c, a)) = self.first_match(g, tier) {
                self.unqueue(c);
                self.offer(c, &[a]);
            }
        }
    }

    /// The first waiting call of group `g` at `tier` with a free agent
    /// that may take it, and that agent. Without call conditions the head
    /// takes the first free agent unless it waits for preferred agents.
    /// Held-back agents are never visited (`reserve.rs`).
    fn first_match(&mut self, g: GroupIx, tier: u8) -> Option<(CallIx, AgentIx)> {
        self.free_agent_for(g, tier)?;
        self.groups[g].queues[tier as usize]
            .values()
            .find_map(|&c| {
                self.free_agents(g, tier)
                    .find(|&a| self.accepts(g, tier, a, c))
                    .map(|a| (c, a))
            })
    }

    /// Rebuilds `Σ queue_ratio` and the reservers of tenant `t` after its
    /// groups changed (rare: configuration time).
    pub(crate) fn refresh_policy_config(&mut self, t: TenantIx) {
        let (totals, lookup) = (&mut self.ix.policy, &self.ix.groups);
        totals.ratio_sum.retain(|&(tt, _), _| tt != t);
        let groups = self.tenants[t].groups.clone();
        totals
            .reservers
            .retain(|p, v| !groups.contains(p) && !v.iter().any(|g| groups.contains(g)));
        totals.protects.retain(|g, _| !groups.contains(g));
        for &g in &groups {
            let group = &self.groups[g];
            if group.config.routing != RoutingType::Automatic {
                continue;
            }
            *totals.ratio_sum.entry((t, group.config.media)).or_insert(0) +=
                u64::from(group.config.queue_ratio);
            if let Some(r) = &group.config.reserve {
                if let Some(p) = lookup.get(&self.groups, t, r.for_group.as_str()) {
                    totals.reservers.entry(p).or_default().push(g);
                    totals.protects.insert(g, p);
                }
            }
        }
        self.refresh_counted_pools(t);
        self.refresh_policy_agents(t);
    }

    /// Rebuilds the per-agent policy indexes of tenant `t` (QIR pools,
    /// reserve splits) after its agents or groups changed.
    pub(crate) fn refresh_policy_agents(&mut self, t: TenantIx) {
        self.rebuild_qir(t);
        self.rebuild_reserve_splits(t);
    }

    /// Whether some call of tenant `t`, of any media, is in state `Queued`
    /// (that is, waits in a group's queue).
    fn tenant_has_queued(&self, t: TenantIx) -> bool {
        self.ix.policy.queued.tenant_has_any(t)
    }

    /// Recounts `ΣQ` and the queued calls per group from the calls (after
    /// a snapshot is loaded).
    pub(crate) fn recount_queued(&mut self) {
        self.ix.policy.queued = QueuedCounts::of(&self.calls);
    }

    /// The best waiting call for channel `a` on `media` among every group
    /// it serves, by the tenant's policy; groups whose reserve holds the
    /// agent back are skipped. In each queue the first call
    /// the agent may take counts: the head, unless it waits for other
    /// preferred agents or its group's call conditions refuse the agent
    ///
    pub(crate) fn best_call_for(&self, a: AgentIx, media: Media) -> Option<CallIx> {
        if !self.tenant_has_queued(self.agents[a].tenant) {
            // Nothing waits anywhere: no need to visit every group served.
            return None;
        }
        let mut best: Option<(CallScore, CallIx)> = None;
        for s in &self.agents[a].served {
            if !self.has_queued(s.group()) {
                continue;
            }
            let group = &self.groups[s.group()];
            if group.config.media != media
                || group.config.routing != RoutingType::Automatic
                || self.held_back(a, s.group())
            {
                continue;
            }
            for (tier, queue) in group.queues.iter().enumerate().skip(s.min_tier as usize) {
                let first = queue
                    .iter()
                    .find(|&(_, &c)| self.accepts(s.group(), tier as u8, a, c));
                if let Some((&head, &c)) = first {
                    let score = self.head_score(s.group(), head, c);
                    if best.as_ref().is_none_or(|(b, _)| score > *b) {
                        best = Some((score, c));
                    }
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

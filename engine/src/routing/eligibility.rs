//! Matching under the routing model.
//!
//! What is indexed: skills and the agent-only conjuncts of group and stage
//! expressions decide an agent's eligibility tier, computed when its
//! skills or the group change, and so which ready pool tiers it is filed
//! in; `order_by` keys read from the agent are part of its key in the
//! pool. What is filtered: the conjuncts that read the call are checked
//! per (call, candidate) pair, walking the indexed candidates in pool
//! order until one passes; so are preferred-agent restrictions. A group
//! without call conjuncts takes the first candidate, as before.

use crate::agent::{AgentIx, CallIx, GroupIx};
use crate::config::Strategy;
use crate::engine::Core;
use crate::expr::{OrderKey, OrderSource, Type, Value};
use smallvec::SmallVec;

impl Core {
    /// Agent `a` is Ready in the group's pool at `tier`, not held back by a
    /// reserve, and may take call `c`.
    pub(crate) fn is_candidate(&self, g: GroupIx, tier: u8, a: AgentIx, c: CallIx) -> bool {
        let p = self.groups[g].pool;
        self.agents[a]
            .filed
            .live()
            .any(|f| f.pool == p && f.min_tier <= tier)
            && !self.held_back(a, g)
            && self.accepts(g, tier, a, c)
    }

    /// The parts of eligibility the index cannot hold: the call's
    /// preferred-agent restriction and the call part of the group's
    /// expressions at `tier`.
    pub(crate) fn accepts(&self, g: GroupIx, tier: u8, a: AgentIx, c: CallIx) -> bool {
        let (call, group) = (&self.calls[c], &self.groups[g]);
        call.allows(a)
            && (!group.has_filter()
                || group.tiers[tier as usize].admits_call(&self.agents[a].facts(Some(call))))
    }

    /// The agents to offer call `c` in a group with call conditions: the
    /// first candidate in pool order passing them (every one for ring-all,
    /// a seeded draw among them for random).
    pub(crate) fn filtered_agents(
        &mut self,
        c: CallIx,
        g: GroupIx,
        tier: u8,
    ) -> SmallVec<[AgentIx; 4]> {
        let mut passing = self
            .free_agents(g, tier)
            .filter(|&a| self.accepts(g, tier, a, c));
        match self.groups[g].config.strategy {
            Strategy::RingAll => passing.collect(),
            Strategy::Random => {
                let all: SmallVec<[AgentIx; 4]> = passing.collect();
                if all.is_empty() {
                    return all;
                }
                let draw = self.rng.next_u64();
                let pick = all[(draw % all.len() as u64) as usize];
                std::iter::once(pick).collect()
            }
            _ => passing.next().into_iter().collect(),
        }
    }

    /// The `order_by` part of an agent's key in a pool of `order`:
    /// up to two keys of 32 bits, each an order-preserving image of the
    /// value at single precision, inverted for `desc`. Smaller is better.
    pub(crate) fn order_rank(&self, a: AgentIx, order: &[OrderKey]) -> u64 {
        let agent = &self.agents[a];
        order.iter().fold(0u64, |rank, key| {
            let value = match key.source {
                OrderSource::Skill(s) => f64::from(agent.skills.level(s)),
                OrderSource::Attr(slot, ty) => attribute_number(agent.attrs.get(slot as usize), ty),
                OrderSource::Idle => 0.0,
            };
            let bits = ordered_bits(value as f32);
            (rank << 32) | u64::from(if key.desc { !bits } else { bits })
        })
    }
}

/// A number or bool attribute as a number (unset = 0 / false).
fn attribute_number(v: Option<&Option<Value>>, ty: Type) -> f64 {
    match (v.and_then(Option::as_ref), ty) {
        (Some(Value::Number(n)), _) => *n,
        (Some(Value::Bool(true)), _) => 1.0,
        _ => 0.0,
    }
}

/// Maps a float to bits whose unsigned order is the float's order.
fn ordered_bits(x: f32) -> u32 {
    let bits = x.to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

#[cfg(test)]
mod tests {
    use super::ordered_bits;

    #[test]
    fn ordered_bits_keep_the_order_of_numbers() {
        let xs = [-1e9f32, -2.5, -1.0, 0.0, 0.5, 1.0, 3.0, 1e9];
        for w in xs.windows(2) {
            assert!(ordered_bits(w[0]) < ordered_bits(w[1]), "{w:?}");
        }
    }
}

//! Agents by their (tenant, id) key, without a second copy
//! of the id: a hash table of agent indexes whose keys are read from the
//! agent records themselves. An agent id is up to 24 bytes inline; a map
//! keyed by (tenant, id) stored it again, and at 100,000 agents its
//! entries were the largest per-agent heap item after the record.

use crate::agent::{Agent, AgentIx, TenantIx};
use crate::arena::Arena;
use crate::ids::AgentId;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Agent indexes by (tenant, id). Every method is given the agent arena
/// the indexes point into; the table holds each agent at most once.
#[derive(Clone, Debug, Default)]
pub(crate) struct AgentLookup {
    table: HashTable<AgentIx>,
    hasher: DefaultHashBuilder,
}

impl AgentLookup {
    fn hash(hasher: &DefaultHashBuilder, t: TenantIx, id: &AgentId) -> u64 {
        hasher.hash_one((t, id.as_str()))
    }

    /// The agent `id` of tenant `t`.
    pub(crate) fn get(
        &self,
        agents: &Arena<AgentIx, Agent>,
        t: TenantIx,
        id: &AgentId,
    ) -> Option<AgentIx> {
        let h = Self::hash(&self.hasher, t, id);
        self.table
            .find(h, |&a| {
                agents.get(a).is_some_and(|x| x.tenant == t && x.id == *id)
            })
            .copied()
    }

    /// Adds agent `a`, already in `agents`, under its tenant and id (which
    /// no other agent of the tenant has).
    pub(crate) fn insert(&mut self, agents: &Arena<AgentIx, Agent>, a: AgentIx) {
        let hasher = &self.hasher;
        let h = Self::hash(hasher, agents[a].tenant, &agents[a].id);
        self.table.insert_unique(h, a, |&x| {
            Self::hash(hasher, agents[x].tenant, &agents[x].id)
        });
    }

    /// Removes agent `a`, filed under tenant `t` and `id` (the record may
    /// already be gone from the arena).
    pub(crate) fn remove(&mut self, t: TenantIx, id: &AgentId, a: AgentIx) {
        let h = Self::hash(&self.hasher, t, id);
        if let Ok(entry) = self.table.find_entry(h, |&x| x == a) {
            entry.remove();
        }
    }

    /// Room for `more` agents without growing (all in `agents`).
    pub(crate) fn reserve(&mut self, agents: &Arena<AgentIx, Agent>, more: usize) {
        let hasher = &self.hasher;
        self.table.reserve(more, |&x| {
            Self::hash(hasher, agents[x].tenant, &agents[x].id)
        });
    }

    /// Agents in the table.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::SlabIndex;
    use crate::config::AgentConfig;
    use crate::skills::SkillSet;

    fn add(agents: &mut Arena<AgentIx, Agent>, t: u32, id: &str) -> AgentIx {
        let config = AgentConfig::new(id, &[]);
        agents.insert(Agent::new(
            AgentId::new(id),
            tenant(t as usize),
            config,
            SkillSet::default(),
            0,
        ))
    }

    fn tenant(t: usize) -> TenantIx {
        TenantIx::from_slot(t)
    }

    #[test]
    fn finds_agents_by_tenant_and_id_and_forgets_removed_ones() {
        let mut agents = Arena::default();
        let mut ix = AgentLookup::default();
        ix.reserve(&agents, 2);
        let mut added = Vec::new();
        for n in 0..100 {
            let a = add(&mut agents, n % 2, &format!("agent-{}", n / 2));
            ix.insert(&agents, a);
            added.push(a);
        }
        assert_eq!(ix.len(), 100);
        let alice = AgentId::new("agent-7");
        // Same id, two tenants: two agents.
        assert_eq!(ix.get(&agents, tenant(0), &alice), Some(added[14]));
        assert_eq!(ix.get(&agents, tenant(1), &alice), Some(added[15]));
        assert_eq!(ix.get(&agents, tenant(2), &alice), None);
        assert_eq!(ix.get(&agents, tenant(0), &AgentId::new("nobody")), None);
        let gone = agents.remove(added[14]);
        ix.remove(gone.tenant, &gone.id, added[14]);
        assert_eq!(ix.len(), 99);
        assert_eq!(ix.get(&agents, tenant(0), &alice), None);
        assert_eq!(ix.get(&agents, tenant(1), &alice), Some(added[15]));
        // The slot is reused by another agent: found under its own id only.
        let bob = add(&mut agents, 0, "bob");
        ix.insert(&agents, bob);
        assert_eq!(bob, added[14]);
        assert_eq!(ix.get(&agents, tenant(0), &AgentId::new("bob")), Some(bob));
        assert_eq!(ix.get(&agents, tenant(0), &alice), None);
    }
}

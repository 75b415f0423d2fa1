//! Agents, groups and calls by their (tenant, id) key, without a
//! second copy of the id: a hash table of record indexes whose keys are
//! read from the records themselves. An id is up to 24 bytes inline; a map
//! keyed by (tenant, id) stored it again, so its entries were 32-byte
//! buckets: at 100,000 agents the largest per-agent heap item after the
//! record, and for calls one more cold cache line read per command. Here a
//! bucket is the 4-byte index, and the key compared is read from the record
//! the command is about to use anyway.

use crate::agent::{Agent, AgentIx, CallIx, GroupIx, TenantIx};
use crate::arena::{Arena, SlabIndex};
use crate::call::Call;
use crate::service_group::Group;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// A record found by its tenant and id.
pub(crate) trait Keyed {
    /// The tenant that owns the record.
    fn tenant(&self) -> TenantIx;
    /// The record's id within its tenant.
    fn id(&self) -> &str;
}

impl Keyed for Agent {
    fn tenant(&self) -> TenantIx {
        self.tenant
    }
    fn id(&self) -> &str {
        self.id.as_str()
    }
}

impl Keyed for Group {
    fn tenant(&self) -> TenantIx {
        self.tenant
    }
    fn id(&self) -> &str {
        self.id.as_str()
    }
}

impl Keyed for Call {
    fn tenant(&self) -> TenantIx {
        self.tenant
    }
    fn id(&self) -> &str {
        self.id.as_str()
    }
}

/// Agent indexes by (tenant, id).
pub(crate) type AgentLookup = IdTable<AgentIx>;

/// Group indexes by (tenant, id).
pub(crate) type GroupLookup = IdTable<GroupIx>;

/// Live call indexes by (tenant, id).
pub(crate) type CallLookup = IdTable<CallIx>;

/// Record indexes by (tenant, id). Every method is given the arena the
/// indexes point into; the table holds each record at most once.
#[derive(Clone, Debug)]
pub(crate) struct IdTable<I> {
    table: HashTable<I>,
    hasher: DefaultHashBuilder,
}

impl<I> Default for IdTable<I> {
    fn default() -> Self {
        IdTable {
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        }
    }
}

impl<I: SlabIndex + PartialEq> IdTable<I> {
    /// The hash of (tenant, id): the id's, with the tenant folded in by an
    /// odd multiplier (one hasher pass instead of two writes; the tenant
    /// is a small dense number).
    fn hash(hasher: &DefaultHashBuilder, t: TenantIx, id: &str) -> u64 {
        const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;
        hasher.hash_one(id) ^ (t.slot() as u64).wrapping_mul(SPREAD)
    }

    fn hash_of<T: Keyed>(hasher: &DefaultHashBuilder, record: &T) -> u64 {
        Self::hash(hasher, record.tenant(), record.id())
    }

    /// The record `id` of tenant `t`.
    pub(crate) fn get<T: Keyed>(&self, records: &Arena<I, T>, t: TenantIx, id: &str) -> Option<I> {
        let h = Self::hash(&self.hasher, t, id);
        self.table
            .find(h, |&i| {
                records
                    .get(i)
                    .is_some_and(|x| x.tenant() == t && x.id() == id)
            })
            .copied()
    }

    /// Adds record `i`, already in `records`, under its tenant and id
    /// (which no other record of the tenant has).
    pub(crate) fn insert<T: Keyed>(&mut self, records: &Arena<I, T>, i: I) {
        let hasher = &self.hasher;
        let h = Self::hash_of(hasher, &records[i]);
        self.table
            .insert_unique(h, i, |&x| Self::hash_of(hasher, &records[x]));
    }

    /// Removes record `i`, filed under tenant `t` and `id` (the record may
    /// already be gone from the arena).
    pub(crate) fn remove(&mut self, t: TenantIx, id: &str, i: I) {
        let h = Self::hash(&self.hasher, t, id);
        if let Ok(entry) = self.table.find_entry(h, |&x| x == i) {
            entry.remove();
        }
    }

    /// Room for `more` records without growing (all in `records`).
    pub(crate) fn reserve<T: Keyed>(&mut self, records: &Arena<I, T>, more: usize) {
        let hasher = &self.hasher;
        self.table
            .reserve(more, |&x| Self::hash_of(hasher, &records[x]));
    }

    /// Records in the table.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AgentConfig;
    use crate::ids::AgentId;
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
        let alice = "agent-7";
        // Same id, two tenants: two agents.
        assert_eq!(ix.get(&agents, tenant(0), alice), Some(added[14]));
        assert_eq!(ix.get(&agents, tenant(1), alice), Some(added[15]));
        assert_eq!(ix.get(&agents, tenant(2), alice), None);
        assert_eq!(ix.get(&agents, tenant(0), "nobody"), None);
        let gone = agents.remove(added[14]);
        ix.remove(gone.tenant, gone.id.as_str(), added[14]);
        assert_eq!(ix.len(), 99);
        assert_eq!(ix.get(&agents, tenant(0), alice), None);
        assert_eq!(ix.get(&agents, tenant(1), alice), Some(added[15]));
        // The slot is reused by another agent: found under its own id only.
        let bob = add(&mut agents, 0, "bob");
        ix.insert(&agents, bob);
        assert_eq!(bob, added[14]);
        assert_eq!(ix.get(&agents, tenant(0), "bob"), Some(bob));
        assert_eq!(ix.get(&agents, tenant(0), alice), None);
    }
}

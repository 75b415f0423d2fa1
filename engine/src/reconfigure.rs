//! Configuration at start-up and at runtime (R-1.x): adding and removing
//! agents and groups, changing skills and group settings without restart.
//! Routing follows every change at once: a newly eligible Ready agent takes
//! a waiting call, a group left without agents overflows.

use crate::agent::{Agent, AgentIx, GroupIx, Served, TenantIx};
use crate::config::{
    AgentConfig, ConfigError, ConfigProblem, Destination, GroupConfig, IdDirectory, Media,
};
use crate::engine::Core;
use crate::error::{Error, ObjectKind};
use crate::expr::{self, OrderKey, Schema};
use crate::ids::{AgentId, GroupId, SkillId};
use crate::output::EventKind;
use crate::routing_model::AttributeTypes;
use crate::service_group::{build_order, build_tiers, Group};
use crate::skills::Tier;
use crate::skills::{SkillNo, SkillSet};
use crate::{AttributeType, AttributeValue};
use std::collections::BTreeMap;

/// Names in expressions as seen by one tenant: its declared attributes,
/// and the engine's skill interner.
struct TenantSchema<'a> {
    skills: &'a mut Vec<SkillId>,
    ix: &'a mut hashbrown::HashMap<SkillId, SkillNo>,
    attributes: &'a AttributeTypes,
}

impl Schema for TenantSchema<'_> {
    fn attribute(&self, name: &str) -> Option<(u32, AttributeType)> {
        expr::attribute_slot(self.attributes, name)
    }

    fn skill(&mut self, id: &str) -> u32 {
        intern(self.skills, self.ix, &SkillId::new(id))
    }
}

/// The interned number of `skill`, interning it if new.
fn intern(
    skills: &mut Vec<SkillId>,
    ix: &mut hashbrown::HashMap<SkillId, SkillNo>,
    skill: &SkillId,
) -> SkillNo {
    if let Some(&n) = ix.get(skill) {
        return n;
    }
    let n = skills.len() as SkillNo;
    skills.push(skill.clone());
    ix.insert(skill.clone(), n);
    n
}

impl Core {
    fn intern_skill(&mut self, skill: &SkillId) -> SkillNo {
        intern(&mut self.skills, &mut self.ix.skills, skill)
    }

    /// Tenant `t`'s view of expression names.
    fn schema(&mut self, t: TenantIx) -> TenantSchema<'_> {
        TenantSchema {
            skills: &mut self.skills,
            ix: &mut self.ix.skills,
            attributes: &self.tenants[t].config.attributes,
        }
    }

    /// Eligibility tiers and order keys of a group of tenant `t`.
    fn build_rules(&mut self, t: TenantIx, config: &GroupConfig) -> (Vec<Tier>, Vec<OrderKey>) {
        let mut schema = self.schema(t);
        let tiers = build_tiers(config, &mut schema);
        let order = build_order(config, &mut schema);
        (tiers, order)
    }

    /// An agent's attribute values by slot of the tenant's declared attributes.
    fn attribute_slots(&self, t: TenantIx, config: &AgentConfig) -> Box<[Option<AttributeValue>]> {
        self.tenants[t]
            .config
            .attributes
            .keys()
            .map(|k| config.attributes.get(k).cloned())
            .collect()
    }

    fn skill_set(&mut self, skills: &BTreeMap<SkillId, u8>) -> SkillSet {
        SkillSet::from_pairs(
            skills
                .iter()
                .map(|(s, &l)| (self.intern_skill(s), l))
                .collect(),
        )
    }

    /// Adds a group record (configuration already validated).
    pub(crate) fn insert_group(&mut self, t: TenantIx, config: GroupConfig) -> GroupIx {
        let (tiers, order) = self.build_rules(t, &config);
        let mut group = Group::new(config.id.clone(), t, config, tiers);
        group.order = order;
        let g = self.groups.insert(group);
        self.ix.groups.insert(&self.groups, g);
        self.tenants[t].groups.push(g);
        self.changes.roster(t);
        self.attach_pool(g);
        g
    }

    /// Points a group at the ready pool of its kind, creating it if needed.
    fn attach_pool(&mut self, g: GroupIx) {
        let kind = self.groups[g].pool_kind(g);
        self.groups[g].pool = self.ready.attach(kind);
    }

    /// Lets go of a group's pool; the last user frees it. Ready agents must
    /// have been unfiled first.
    fn detach_pool(&mut self, g: GroupIx) {
        self.ready.detach(self.groups[g].pool);
    }

    /// Adds an agent record (configuration already validated), logged out.
    pub(crate) fn insert_agent(&mut self, t: TenantIx, mut config: AgentConfig) -> AgentIx {
        // The interned set is the one copy of the agent's skills.
        let skills = self.skill_set(&std::mem::take(&mut config.skills));
        let order = self.next_order;
        self.next_order += 1;
        let (id, pdn) = (config.id.clone(), config.pdn.clone());
        let mut agent = Agent::new(id, t, config, skills, order);
        agent.attrs = self.attribute_slots(t, agent.config());
        let a = self.agents.insert(agent);
        self.ix.agents.insert(&self.agents, a);
        if let Some(pdn) = pdn {
            self.ix.pdns.insert((t, pdn), a);
        }
        self.tenants[t].agents.insert(a);
        self.changes.roster(t);
        let groups = self.tenants[t].groups.clone();
        for g in groups {
            self.refresh_served(a, g);
        }
        self.refresh_seats(a);
        a
    }

    /// Recomputes whether (and from which tier) agent `a` serves group `g`.
    fn refresh_served(&mut self, a: AgentIx, g: GroupIx) {
        let tier = self.groups[g].min_tier(&self.agents[a].facts(None));
        let agent = &mut self.agents[a];
        let pos = agent.served.iter().position(|s| s.group() == g);
        match (tier, pos) {
            (Some(min_tier), Some(i)) => agent.served[i].min_tier = min_tier,
            (Some(min_tier), None) => {
                agent.served.push(Served::new(g, min_tier));
                self.groups[g].turns.forget(a);
            }
            (None, Some(i)) => {
                agent.served.remove(i);
                self.groups[g].turns.forget(a);
            }
            (None, None) => {}
        }
    }

    pub(crate) fn add_agent(&mut self, t: TenantIx, config: AgentConfig) -> Result<(), Error> {
        if self
            .ix
            .agents
            .get(&self.agents, t, config.id.as_str())
            .is_some()
        {
            return Err(Error::Duplicate {
                kind: ObjectKind::Agent,
                id: config.id.to_string(),
            });
        }
        config.validate(&self.tenants[t].id, &self.tenants[t].config.attributes)?;
        if let Some(pdn) = &config.pdn {
            if self.ix.pdns.contains_key(&(t, pdn.clone())) {
                return Err(Error::Config(ConfigError {
                    object: format!("agent {:?}", config.id.as_str()),
                    field: "pdn".into(),
                    problem: ConfigProblem::Duplicate(pdn.clone()),
                }));
            }
        }
        let what = format!("add_agent {}", config.id);
        self.insert_agent(t, config);
        self.refresh_policy_agents(t);
        self.emit(t, EventKind::ConfigChanged { what });
        Ok(())
    }

    pub(crate) fn remove_agent(&mut self, t: TenantIx, id: &AgentId) -> Result<(), Error> {
        let a = self.agent_ix(t, id)?;
        let referenced = self.calls.iter().any(|(_, c)| c.personal.target == Some(a));
        if self.agents[a].is_logged_on() || referenced {
            return Err(Error::InUse {
                kind: ObjectKind::Agent,
                id: id.to_string(),
            });
        }
        // Its stale entries go with it: a later agent may reuse its slot.
        let pools: Vec<_> = self.agents[a].filed.ghosts().map(|g| g.pool).collect();
        for p in pools {
            self.ready.purge(p, a);
        }
        let agent = self.agents.remove(a);
        self.ix.agents.remove(t, agent.id.as_str(), a);
        if let Some(pdn) = &agent.config().pdn {
            self.ix.pdns.remove(&(t, pdn.clone()));
        }
        self.tenants[t].agents.remove(&a);
        for i in 0..self.tenants[t].groups.len() {
            let g = self.tenants[t].groups[i];
            self.groups[g].turns.forget(a);
        }
        self.changes.roster(t);
        self.refresh_policy_agents(t);
        self.emit(
            t,
            EventKind::ConfigChanged {
                what: format!("remove_agent {id}"),
            },
        );
        Ok(())
    }

    pub(crate) fn set_skills(
        &mut self,
        t: TenantIx,
        id: &AgentId,
        skills: BTreeMap<SkillId, u8>,
    ) -> Result<(), Error> {
        let a = self.agent_ix(t, id)?;
        let mut config = self.agents[a].config_owned();
        config.skills = skills;
        config.validate(&self.tenants[t].id, &self.tenants[t].config.attributes)?;
        let ready = self.unfile_ready(&[a]);
        let before = self.logged_on_groups(a);
        self.agents[a].skills = self.skill_set(&std::mem::take(&mut config.skills));
        self.agents[a].set_config(config);
        for g in self.tenants[t].groups.clone() {
            self.refresh_served(a, g);
        }
        self.refresh_seats(a);
        let after = self.logged_on_groups(a);
        self.recount(before.iter().chain(&after).copied());
        self.refile_ready(&ready);
        self.refresh_policy_agents(t);
        self.emit(
            t,
            EventKind::ConfigChanged {
                what: format!("set_skills {id}"),
            },
        );
        Ok(())
    }

    pub(crate) fn upsert_group(&mut self, t: TenantIx, config: GroupConfig) -> Result<(), Error> {
        let existing = self.group_ix(t, &config.id).ok();
        config.validate(&self.tenants[t].id, &self.directory(&config, t))?;
        if let Some(g) = existing {
            let old = &self.groups[g].config;
            let busy = self.calls.iter().any(|(_, c)| c.group == g);
            let kind_changes = old.media != config.media
                || old.routing != config.routing
                || old.personal_calls != config.personal_calls;
            // Groups overflowing here rely on its media.
            let media_relied_on = old.media != config.media && self.is_overflow_target(t, g);
            if (busy && kind_changes) || media_relied_on {
                return Err(Error::InUse {
                    kind: ObjectKind::Group,
                    id: config.id.to_string(),
                });
            }
        }
        let what = format!("upsert_group {}", config.id);
        let agents: Vec<AgentIx> = self.tenants[t].agents.iter().copied().collect();
        let ready = self.unfile_ready(&agents);
        let g = match existing {
            Some(g) => {
                self.replace_group_config(g, config);
                g
            }
            None => self.insert_group(t, config),
        };
        for &a in &agents {
            self.refresh_served(a, g);
            self.refresh_seats(a);
        }
        self.recount([g]);
        self.refresh_policy_config(t);
        self.refile_ready(&ready);
        self.emit(t, EventKind::ConfigChanged { what });
        Ok(())
    }

    /// Installs new settings in a group; its waiting calls keep their
    /// place and the stages they were given on entry.
    fn replace_group_config(&mut self, g: GroupIx, config: GroupConfig) {
        let (tiers, order) = self.build_rules(self.groups[g].tenant, &config);
        self.detach_pool(g);
        let group = &mut self.groups[g];
        let waiting: Vec<_> = group
            .queues
            .iter_mut()
            .flat_map(|q| std::mem::take(&mut q.0))
            .collect();
        let n = tiers.len();
        group.set_config(config);
        group.tiers = tiers;
        group.order = order;
        group.queues = vec![Default::default(); n];
        let aging = group.config.aging;
        for (_, c) in waiting {
            // A changed aging applies to the waiting calls at once, so the
            // queue keeps one consistent order.
            let call = &mut self.calls[c];
            call.aging = aging;
            let tier = call.tier.min((n - 1) as u8);
            call.tier = tier;
            let key = call.key();
            self.groups[g].queues[tier as usize].insert(key, c);
        }
        self.attach_pool(g);
    }

    pub(crate) fn remove_group(&mut self, t: TenantIx, id: &GroupId) -> Result<(), Error> {
        let g = self.group_ix(t, id)?;
        let has_calls = self.calls.iter().any(|(_, c)| c.group == g);
        let referenced = self.is_overflow_target(t, g);
        if has_calls || referenced {
            return Err(Error::InUse {
                kind: ObjectKind::Group,
                id: id.to_string(),
            });
        }
        let agents: Vec<AgentIx> = self.tenants[t].agents.iter().copied().collect();
        let ready = self.unfile_ready(&agents);
        for &a in &agents {
            self.agents[a].served.retain(|s| s.group() != g);
            self.agents[a].forget_clerical_group(g);
        }
        self.detach_pool(g);
        for &a in &agents {
            self.refresh_seats(a);
        }
        let group = self.groups.remove(g);
        self.ix.groups.remove(t, group.id.as_str(), g);
        self.tenants[t].groups.retain(|&x| x != g);
        self.changes.roster(t);
        self.refresh_policy_config(t);
        self.refile_ready(&ready);
        self.emit(
            t,
            EventKind::ConfigChanged {
                what: format!("remove_group {id}"),
            },
        );
        Ok(())
    }

    /// Tenant `t`'s groups with `new_group` in place, for reference checks
    /// of a group change.
    fn directory(&self, new_group: &GroupConfig, t: TenantIx) -> IdDirectory {
        let mut dir = IdDirectory::default();
        for &g in &self.tenants[t].groups {
            let g = &self.groups[g];
            dir.group_media.insert(g.id.clone(), g.config.media);
        }
        dir.group_media
            .insert(new_group.id.clone(), new_group.media);
        dir.attributes = self.tenants[t].config.attributes.clone();
        dir
    }

    /// Whether another group of tenant `t` overflows to group `g`.
    fn is_overflow_target(&self, t: TenantIx, g: GroupIx) -> bool {
        let target = Destination::Group(self.groups[g].id.clone());
        self.tenants[t].groups.iter().any(|&o| {
            let other = &self.groups[o];
            o != g
                && (other.config.overflow.as_ref() == Some(&target)
                    || other
                        .stages
                        .iter()
                        .any(|s| s.overflow.as_ref() == Some(&target)))
        })
    }

    /// Takes Ready channels of `agents` out of the ready indexes; returns them.
    fn unfile_ready(&mut self, agents: &[AgentIx]) -> Vec<(AgentIx, Media)> {
        let mut ready = Vec::new();
        for &a in agents {
            for m in Media::ALL {
                if self.agents[a].can_file(m) {
                    self.index_remove(a, m);
                    ready.push((a, m));
                }
            }
        }
        ready
    }

    /// Files Ready channels again; each first takes a waiting call it is
    /// now eligible for.
    fn refile_ready(&mut self, ready: &[(AgentIx, Media)]) {
        for &(a, m) in ready {
            if !self.agents[a].can_file(m) {
                continue;
            }
            match self.best_call_for(a, m) {
                Some(c) => {
                    self.unqueue(c);
                    self.offer(c, &[a]);
                }
                None => self.index_insert(a, m),
            }
        }
    }

    fn logged_on_groups(&self, a: AgentIx) -> Vec<GroupIx> {
        self.agents[a].served.iter().map(|s| s.group()).collect()
    }

    /// Recounts logged-on agents of groups; one left empty overflows.
    fn recount(&mut self, groups: impl IntoIterator<Item = GroupIx>) {
        let groups: Vec<GroupIx> = groups.into_iter().collect();
        self.recount_ready_status(groups.iter().copied());
        for g in groups {
            let media = self.groups[g].config.media;
            let t = self.groups[g].tenant;
            let n = self.tenants[t]
                .agents
                .iter()
                .filter(|&&a| {
                    let agent = &self.agents[a];
                    agent.served(g).is_some() && agent.chan(media).state.is_logged_on()
                })
                .count() as u32;
            let was = std::mem::replace(&mut self.groups[g].logged_on, n);
            if n == 0 && was > 0 {
                self.close_group(g);
            }
        }
    }
}

//! The sans-IO engine: one authoritative record per agent, group and call,
//! driven by commands with an explicit `now`, producing effects and events.
//!
//! [`Engine`] is the public face; [`Core`] holds the state and is what the
//! domain modules (`presence`, `routing`, `call_control`, `reconfigure`,
//! `personal`, `dispatch`, ...) extend with `impl Core` blocks.

use crate::agent::{Agent, AgentIx, CallIx, GroupIx, TenantIx};
use crate::arena::{Arena, IndexVec, SlabIndex};
use crate::call::Call;
use crate::changes::ChangeLog;
use crate::command::{Command, Epoch};
use crate::config::{EngineConfig, TenantConfig};
use crate::error::Error;
use crate::ids::{AgentId, CallId, GroupId, SkillId, TenantId};
use crate::output::{Effect, Event, EventKind};
use crate::ready_index::ReadyIndex;
use crate::rng::SplitMix64;
use crate::service_group::{Group, OrderedMap};
use crate::skills::SkillNo;
use crate::time::Instant;
use crate::timers::Timers;
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};

/// A tenant's settings and the objects it owns.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Tenant {
    pub(crate) id: TenantId,
    /// Settings; `agents` and `groups` are kept empty (the records live in arenas).
    pub(crate) config: TenantConfig,
    pub(crate) groups: Vec<GroupIx>,
    pub(crate) agents: AgentSet,
}

/// A tenant's agents in index order: a sorted vector (a B-tree filled in
/// index order kept its nodes half empty, 12 B an agent instead of 4).
/// Saved as the ordered list it was.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(transparent)]
pub(crate) struct AgentSet(Vec<AgentIx>);

impl AgentSet {
    /// Adds `a` (no-op if present).
    pub(crate) fn insert(&mut self, a: AgentIx) {
        if let Err(i) = self.0.binary_search(&a) {
            self.0.insert(i, a);
        }
    }

    /// Removes `a` (no-op if absent).
    pub(crate) fn remove(&mut self, a: &AgentIx) {
        if let Ok(i) = self.0.binary_search(a) {
            self.0.remove(i);
        }
    }

    /// Room for `more` agents without growing.
    pub(crate) fn reserve_exact(&mut self, more: usize) {
        self.0.reserve_exact(more);
    }

    /// Gives back spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }

    /// The agents in index order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, AgentIx> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a AgentSet {
    type Item = &'a AgentIx;
    type IntoIter = std::slice::Iter<'a, AgentIx>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de> Deserialize<'de> for AgentSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut v = Vec::<AgentIx>::deserialize(d)?;
        v.sort_unstable();
        v.dedup();
        Ok(AgentSet(v))
    }
}

/// Lookups from external ids to slab indexes. Derived from the slabs, so
/// never serialized: rebuilt after a snapshot is loaded.
///
/// Agent, group and call ids are scoped to their tenant: every key
/// is (tenant, id), so two tenants may each have an agent `alice`, and no
/// lookup can find another tenant's object.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lookup {
    pub(crate) tenants: HashMap<TenantId, TenantIx>,
    /// The tenant last looked up: most streams name one tenant over and
    /// over, and comparing its id is cheaper than hashing it.
    pub(crate) last_tenant: LastTenant,
    pub(crate) agents: crate::id_table::AgentLookup,
    pub(crate) groups: crate::id_table::GroupLookup,
    pub(crate) calls: crate::id_table::CallLookup,
    pub(crate) skills: HashMap<SkillId, SkillNo>,
    /// (tenant, personal directory number) -> agent.
    pub(crate) pdns: HashMap<(TenantIx, String), AgentIx>,
    /// Derived totals of the routing policies.
    pub(crate) policy: crate::policy::PolicyTotals,
    /// Agents under a capacity whose lanes changed in this step, for
    /// [`Core::settle_capacity`].
    pub(crate) capacity_dirty: Vec<crate::agent::AgentIx>,
    /// One empty call data shared by every call that brings none, so
    /// that such a call allocates none.
    pub(crate) no_data: std::sync::Arc<crate::command::CallData>,
}

/// A tenant index remembered across lookups (an atomic, so that a shared
/// engine stays `Sync`; checked against the tenant id before use).
#[derive(Debug, Default)]
pub(crate) struct LastTenant(AtomicU32);

impl LastTenant {
    fn get(&self) -> TenantIx {
        TenantIx::from_slot(self.0.load(Ordering::Relaxed) as usize)
    }

    fn set(&self, t: TenantIx) {
        self.0.store(t.slot() as u32, Ordering::Relaxed);
    }
}

impl Clone for LastTenant {
    fn clone(&self) -> Self {
        LastTenant(AtomicU32::new(self.0.load(Ordering::Relaxed)))
    }
}

/// All engine state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Core {
    pub(crate) max_reservation_ms: u64,
    pub(crate) tenants: IndexVec<TenantIx, Tenant>,
    pub(crate) agents: Arena<AgentIx, Agent>,
    pub(crate) groups: Arena<GroupIx, Group>,
    pub(crate) calls: Arena<CallIx, Call>,
    /// Ready agents, shared by groups of the same eligibility.
    #[serde(rename = "pools")]
    pub(crate) ready: ReadyIndex,
    /// Interned skills: `skills[n]` is skill number `n`.
    pub(crate) skills: Vec<SkillId>,
    pub(crate) timers: Timers,
    /// Personal calls waiting for a busy agent: (agent, call uid) -> call.
    pub(crate) personal_waits: OrderedMap<(AgentIx, u64), CallIx>,
    pub(crate) effects: VecDeque<Effect>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) events_enabled: bool,
    pub(crate) next_epoch: Epoch,
    pub(crate) next_uid: u64,
    pub(crate) next_token: u64,
    pub(crate) next_order: u64,
    pub(crate) rng: SplitMix64,
    pub(crate) now: Instant,
    #[serde(skip)]
    pub(crate) ix: Lookup,
    /// Records changed since the runtime last refreshed its snapshot; not state.
    #[serde(skip)]
    pub(crate) changes: ChangeLog,
}

/// The ACD routing engine: a deterministic, sans-IO state machine.
///
/// Feed it [`Command`]s with [`Engine::handle`], wake it at
/// [`Engine::poll_timeout`] with [`Engine::handle_timeout`], and after each
/// call drain [`Engine::poll_effect`] (instructions for the telephony side)
/// and [`Engine::poll_event`] (the call-detail/agent-state record). It owns
/// no threads, sockets or clocks: the same inputs give the same outputs, bit
/// for bit.
///
/// A command that returns an error changes nothing. Before a command is
/// applied, every timer due at or before its `now` fires, exactly as
/// [`Engine::handle_timeout`] would, so it makes no difference whether the
/// embedder woke the engine on time.
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) core: Core,
}

impl Engine {
    /// Builds an engine from a validated configuration.
    pub fn new(config: EngineConfig) -> Result<Engine, Error> {
        config.validate()?;
        let agents = config.tenants.iter().map(|t| t.agents.len()).sum();
        let mut core = Core {
            max_reservation_ms: config.max_reservation_ms,
            tenants: IndexVec::default(),
            agents: Arena::default(),
            groups: Arena::default(),
            calls: Arena::default(),
            ready: ReadyIndex::default(),
            skills: Vec::new(),
            timers: Timers::default(),
            personal_waits: OrderedMap::default(),
            effects: VecDeque::new(),
            events: VecDeque::new(),
            events_enabled: true,
            next_epoch: 1,
            next_uid: 1,
            next_token: 1,
            next_order: 0,
            rng: SplitMix64::new(config.seed),
            now: Instant::default(),
            ix: Lookup::default(),
            changes: ChangeLog::default(),
        };
        // The agent count is known: no growth slack on the largest records.
        core.agents.reserve_exact(agents);
        core.ix.agents.reserve(&core.agents, agents);
        for t in config.tenants {
            core.add_tenant(t);
        }
        Ok(Engine { core })
    }

    /// Applies one command from `tenant` at time `now`.
    ///
    /// Errors leave the engine unchanged (timers due by `now` still fire).
    pub fn handle(
        &mut self,
        now: Instant,
        tenant: &TenantId,
        command: Command,
    ) -> Result<(), Error> {
        if now > Instant::MAX {
            return Err(Error::TimeOutOfRange {
                now,
                max: Instant::MAX,
            });
        }
        if now < self.core.now {
            return Err(Error::TimeWentBackwards {
                now,
                last: self.core.now,
            });
        }
        let t = self.core.tenant_ix(tenant)?;
        self.core.fire_timers(now);
        let before = std::mem::replace(&mut self.core.now, now);
        let result = self.core.apply(t, command);
        if result.is_ok() {
            self.core.settle_capacity();
            self.core.settle_reserves();
        }
        match result {
            // A timer the command set due at `now` itself (a stage at 0 s)
            // fires before the engine answers.
            Ok(()) => self.core.fire_timers(now),
            // A refused command changes nothing, not even the clock.
            Err(_) => self.core.now = before,
        }
        result
    }

    /// Fires every timer due at or before `now`, each at its exact deadline.
    /// A `now` earlier than the engine's time, or past [`Instant::MAX`], is
    /// ignored.
    pub fn handle_timeout(&mut self, now: Instant) {
        if now >= self.core.now && now <= Instant::MAX {
            self.core.fire_timers(now);
            self.core.now = now;
        }
    }

    /// When [`Engine::handle_timeout`] must next be called, if ever.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.core.next_deadline()
    }

    /// The next effect for the telephony side.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.core.effects.pop_front()
    }

    /// The next call-detail or agent-state event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }

    /// The next effect for the telephony side, left pending: the one
    /// [`Engine::poll_effect`] would return.
    pub fn peek_effect(&self) -> Option<&Effect> {
        self.core.effects.front()
    }

    /// The next call-detail or agent-state event, left pending: the one
    /// [`Engine::poll_event`] would return.
    pub fn peek_event(&self) -> Option<&Event> {
        self.core.events.front()
    }

    /// Every pending effect, oldest first, left pending. Its length is the
    /// number of effects waiting; an embedder that hands outputs on all or
    /// nothing reads them here and then calls [`Engine::drain_effects`].
    pub fn pending_effects(&self) -> impl ExactSizeIterator<Item = &Effect> + '_ {
        self.core.effects.iter()
    }

    /// Every pending event, oldest first, left pending (see
    /// [`Engine::pending_effects`]).
    pub fn pending_events(&self) -> impl ExactSizeIterator<Item = &Event> + '_ {
        self.core.events.iter()
    }

    /// Drains all pending effects. Dropping the iterator early still
    /// removes them all.
    pub fn drain_effects(&mut self) -> impl Iterator<Item = Effect> + '_ {
        self.core.effects.drain(..)
    }

    /// Drains all pending events. Dropping the iterator early still
    /// removes them all.
    pub fn drain_events(&mut self) -> impl Iterator<Item = Event> + '_ {
        self.core.events.drain(..)
    }

    /// Switches event recording on or off (on by default). Effects are
    /// always produced; a simulator that only needs counters can save the
    /// cost of building events.
    pub fn set_events_enabled(&mut self, on: bool) {
        self.core.events_enabled = on;
        if !on {
            self.core.events.clear();
        }
    }

    /// The engine's current time: the latest `now` it was given.
    pub fn now(&self) -> Instant {
        self.core.now
    }
}

impl Core {
    pub(crate) fn add_tenant(&mut self, mut config: TenantConfig) {
        let agents = std::mem::take(&mut config.agents);
        let groups = std::mem::take(&mut config.groups);
        let id = config.id.clone();
        let mut roster = AgentSet::default();
        roster.reserve_exact(agents.len());
        let t = self.tenants.push(Tenant {
            id: config.id.clone(),
            config,
            groups: Vec::new(),
            agents: roster,
        });
        self.ix.tenants.insert(id, t);
        for g in groups {
            self.insert_group(t, g);
        }
        for a in agents {
            self.insert_agent(t, a);
        }
        self.refresh_policy_config(t);
    }

    /// Schema 1 kept an agent's skills and a group's stages twice: in the
    /// record and in its retained configuration. The record's copy is the
    /// one used; the configuration's is emptied after loading. Also gives
    /// back the spare capacity of what was read, so that a restored engine
    /// holds what the saved one held.
    pub(crate) fn drop_config_copies(&mut self) {
        for a in self.agents.slots_mut() {
            // Also forgets settings all at their defaults (not stored).
            a.set_config(a.config_owned());
        }
        // Lists read from JSON grew by doubling; records are kept for long.
        self.agents.shrink_to_fit();
        for a in self.agents.slots_mut() {
            a.filed.shrink_to_fit();
            a.skills.0.shrink_to_fit();
        }
        let tenants: Vec<TenantIx> = self.tenants.iter_enumerated().map(|(t, _)| t).collect();
        for t in tenants {
            self.tenants[t].agents.shrink_to_fit();
        }
        for g in self.groups.slots_mut() {
            g.config.stages.clear();
        }
    }

    /// Refills the ready index from the agents' filing records (after a
    /// snapshot is loaded; the structure check has vouched for them).
    pub(crate) fn rebuild_ready_index(&mut self) {
        let filings = self.agents.iter().flat_map(|(a, agent)| {
            agent
                .filed
                .live()
                .map(move |f| (f.pool, a, f.min_tier, f.key, agent.stamp(f.media)))
        });
        self.ready.rebuild(filings);
        let agents: Vec<AgentIx> = self.agents.iter().map(|(a, _)| a).collect();
        for a in agents {
            self.refresh_seats(a);
        }
    }

    pub(crate) fn rebuild_lookup(&mut self) {
        let mut ix = Lookup::default();
        for (t, tenant) in self.tenants.iter_enumerated() {
            ix.tenants.insert(tenant.id.clone(), t);
        }
        for (a, agent) in &self.agents {
            ix.agents.insert(&self.agents, a);
            if let Some(pdn) = &agent.config().pdn {
                ix.pdns.insert((agent.tenant, pdn.clone()), a);
            }
        }
        for (g, _) in &self.groups {
            ix.groups.insert(&self.groups, g);
        }
        for (c, _) in &self.calls {
            ix.calls.insert(&self.calls, c);
        }
        for (n, s) in self.skills.iter().enumerate() {
            ix.skills.insert(s.clone(), n as SkillNo);
        }
        self.ix = ix;
        self.recount_queued();
        let tenants: Vec<TenantIx> = self.tenants.iter_enumerated().map(|(t, _)| t).collect();
        for t in tenants {
            self.refresh_policy_config(t);
        }
    }

    fn apply(&mut self, t: TenantIx, command: Command) -> Result<(), Error> {
        match command {
            Command::Logon {
                agent,
                extension,
                media,
            } => self.logon(t, &agent, extension, &media),
            Command::Logoff { agent, reason } => self.logoff(t, &agent, reason),
            Command::Ready { agent, media } => self.ready(t, &agent, media),
            Command::NotReady {
                agent,
                reason,
                media,
            } => self.not_ready(t, &agent, reason, media),
            Command::WrapUp {
                agent,
                reason,
                media,
            } => self.wrap_up(t, &agent, reason, media),
            Command::CallArrived(spec) => self.call_arrived(t, *spec),
            Command::Alerting { call, agent, epoch } => self.alerting(t, &call, &agent, epoch),
            Command::Answered { call, agent, epoch } => self.answered(t, &call, &agent, epoch),
            Command::Rejected { call, agent, epoch } => self.rejected(t, &call, &agent, epoch),
            Command::Hold { call } => self.hold(t, &call, true),
            Command::Retrieve { call } => self.hold(t, &call, false),
            Command::Hangup { call } => self.hangup(t, &call),
            Command::Pick { agent, call } => self.pick(t, &agent, &call),
            Command::Transfer { call, to_agent } => self.transfer(t, &call, &to_agent),
            Command::DivertResult { call, epoch, ok } => self.divert_result(t, &call, epoch, ok),
            Command::AuthDivert { call, destination } => self.auth_divert(t, &call, destination),
            Command::CallReturned { call, data } => self.call_returned(t, &call, data),
            Command::AddAgent { agent } => self.add_agent(t, *agent),
            Command::RemoveAgent { agent } => self.remove_agent(t, &agent),
            Command::SetSkills { agent, skills } => self.set_skills(t, &agent, skills),
            Command::UpsertGroup { group } => self.upsert_group(t, *group),
            Command::RemoveGroup { group } => self.remove_group(t, &group),
            Command::SetMaintenance { on } => {
                self.tenants[t].config.maintenance = on;
                self.emit(t, EventKind::Maintenance { on });
                Ok(())
            }
        }
    }

    // ---- lookups -------------------------------------------------------

    pub(crate) fn tenant_ix(&self, tenant: &TenantId) -> Result<TenantIx, Error> {
        let last = self.ix.last_tenant.get();
        if self.tenants.contains(last) && self.tenants[last].id == *tenant {
            return Ok(last);
        }
        let t = (self.ix.tenants.get(tenant).copied())
            .ok_or_else(|| Error::UnknownTenant(tenant.clone()))?;
        self.ix.last_tenant.set(t);
        Ok(t)
    }

    /// The agent `id` of tenant `t`. Another tenant's agent is unknown.
    pub(crate) fn agent_ix(&self, t: TenantIx, id: &AgentId) -> Result<AgentIx, Error> {
        self.ix
            .agents
            .get(&self.agents, t, id.as_str())
            .ok_or_else(|| Error::UnknownAgent(id.clone()))
    }

    /// The group `id` of tenant `t`. Another tenant's group is unknown.
    pub(crate) fn group_ix(&self, t: TenantIx, id: &GroupId) -> Result<GroupIx, Error> {
        self.ix
            .groups
            .get(&self.groups, t, id.as_str())
            .ok_or_else(|| Error::UnknownGroup(id.clone()))
    }

    /// The live call `id` of tenant `t`. Another tenant's call is unknown.
    pub(crate) fn call_ix(&self, t: TenantIx, id: &CallId) -> Result<CallIx, Error> {
        self.ix
            .calls
            .get(&self.calls, t, id.as_str())
            .ok_or_else(|| Error::UnknownCall(id.clone()))
    }

    // ---- output --------------------------------------------------------

    pub(crate) fn emit(&mut self, t: TenantIx, kind: EventKind) {
        self.emit_with(t, |_| kind);
    }

    /// Like [`Core::emit`], building the event only if events are enabled:
    /// for the events of every call, whose ids, ANI and data would
    /// otherwise be cloned only to be dropped.
    pub(crate) fn emit_with(&mut self, t: TenantIx, build: impl FnOnce(&Core) -> EventKind) {
        if self.events_enabled {
            let kind = build(self);
            self.events.push_back(Event {
                at: self.now,
                tenant: self.tenants[t].id.clone(),
                kind,
            });
        }
    }

    pub(crate) fn effect(&mut self, effect: Effect) {
        self.effects.push_back(effect);
    }

    pub(crate) fn new_epoch(&mut self) -> Epoch {
        let e = self.next_epoch;
        self.next_epoch += 1;
        e
    }

    pub(crate) fn new_token(&mut self) -> u64 {
        let t = self.next_token;
        self.next_token += 1;
        t
    }
}

#[cfg(test)]
mod agent_set_tests {
    use super::*;
    use crate::arena::SlabIndex;

    #[test]
    fn a_tenants_agents_stay_in_index_order_and_load_as_a_set() {
        let ix = AgentIx::from_slot;
        let mut set = AgentSet::default();
        for i in [5, 1, 3, 1] {
            set.insert(ix(i));
        }
        set.remove(&ix(3));
        set.remove(&ix(9));
        assert_eq!(set.iter().map(|a| a.slot()).collect::<Vec<_>>(), [1, 5]);
        assert_eq!(serde_json::to_string(&set).unwrap(), "[1,5]");
        let back: AgentSet = serde_json::from_str("[5,1,5]").unwrap();
        assert_eq!(back.iter().map(|a| a.slot()).collect::<Vec<_>>(), [1, 5]);
    }
}

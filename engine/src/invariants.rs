//! Internal invariants, checked by tests and fuzzers after every step.
//!
//! * every reservation is mutual: an agent channel holding (call, epoch)
//!   is named by that call, and the call names only such agents;
//! * every call is in exactly one place (queue, offer, connection,
//!   dispatch queue, divert) and its group's gauges agree;
//! * every group's counters balance (offered = answered + abandoned +
//!   overflowed + deflected + live);
//! * the ready indexes hold exactly the Ready channels, under their keys;
//!   under a capacity, exactly the media with a Ready lane and
//!   room, and no agent's load exceeds its capacity;
//! * no eligible Ready agent is idle while a call of its tier waits,
//!   unless a threshold reservation holds it back;
//! * the policies' queued totals match the calls;
//! * nothing is left Reserved/Alerting or in clerical without a live timer.

use crate::agent::{AgentIx, CallIx, ChanState, PoolIx};
use crate::call::CallState;
use crate::config::RoutingType;
use crate::engine::Core;
use crate::ready_index::Liveness;
use crate::stats::GroupStats;
use crate::timers::Timer;

impl Core {
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        self.check_agents()?;
        self.check_calls()?;
        self.check_groups()?;
        self.check_pools()?;
        self.check_personal_waits()?;
        self.check_lookups()
    }

    fn check_agents(&self) -> Result<(), String> {
        for (a, agent) in &self.agents {
            self.check_capacity(a)?;
            for (media, ch) in agent.all_lanes() {
                let m = media.index();
                if let Some((c, e)) = ch.state.reservation() {
                    let call = self
                        .calls
                        .get(c)
                        .ok_or_else(|| format!("agent {} holds gone call slot {c}", agent.id))?;
                    let mutual = match &call.state {
                        CallState::Offered { offers, .. } => {
                            ch.state.is_ringing() && offers.contains(&(a, e))
                        }
                        CallState::Connected { agent: x, epoch } => {
                            ch.state.is_connected() && *x == a && *epoch == e
                        }
                        _ => false,
                    };
                    if !mutual || call.media.index() != m {
                        return Err(format!(
                            "agent {} state {:?} not mirrored by call {}",
                            agent.id, ch.state, call.id
                        ));
                    }
                }
                if let ChanState::CallWaiting { call, epoch, .. } = ch.state {
                    let live = self.timers_iter().any(|(at, t)| self.timer_live(at, t) && matches!(t, Timer::Reserve { call: x, epoch: e, .. } if *x == call && *e == epoch));
                    if !live {
                        return Err(format!(
                            "agent {} call-waiting without a reserve timer (R-6.3)",
                            agent.id
                        ));
                    }
                }
                if let ChanState::Clerical { token, .. } = ch.state {
                    let live = self.timers_iter().any(|(_, t)| {
                        matches!(t, Timer::Clerical { agent: x, token: k, .. } if *x == a && *k == token)
                    });
                    if !live {
                        return Err(format!(
                            "agent {} in clerical without a timer (R-2.4)",
                            agent.id
                        ));
                    }
                }
            }
            for m in 0..crate::Media::ALL.len() {
                self.check_filing(a, m)?;
            }
            if agent.pending_logoff.is_some() && !agent.is_connected() {
                return Err(format!(
                    "agent {} has a pending logoff but no call",
                    agent.id
                ));
            }
        }
        Ok(())
    }

    /// Load within capacity: contacts per media within their
    /// limit, the budget kept, no two exclusive media at once; extra lanes
    /// only while logged on.
    fn check_capacity(&self, a: AgentIx) -> Result<(), String> {
        let agent = &self.agents[a];
        let Some(cap) = &agent.capacity else {
            return Ok(());
        };
        if !agent.is_logged_on() {
            return Err(format!("agent {} logged out with capacity lanes", agent.id));
        }
        let load = agent.load();
        let c = &cap.config;
        for m in crate::Media::ALL {
            let n = load[m.index()];
            if n > c.limit(m) || agent.lanes(m).len() > usize::from(c.limit(m)) {
                return Err(format!(
                    "agent {} holds {n} {m:?} contacts, over its limit",
                    agent.id
                ));
            }
        }
        if c.budget
            .is_some_and(|b| c.budget_used(&load) > u64::from(b))
        {
            return Err(format!("agent {} is over its capacity budget", agent.id));
        }
        if c.exclusive
            .iter()
            .any(|&[x, y]| load[x.index()] > 0 && load[y.index()] > 0)
        {
            return Err(format!("agent {} handles two exclusive media", agent.id));
        }
        Ok(())
    }

    /// A channel is in the ready indexes exactly when it is Ready (under a
    /// capacity: when it has a Ready lane and room, R-10.3).
    fn check_filing(&self, a: AgentIx, m: usize) -> Result<(), String> {
        let agent = &self.agents[a];
        if agent.seats != self.seats_of(a) {
            return Err(format!("agent {} has stale pool seats", agent.id));
        }
        let media = crate::Media::ALL[m];
        let ready = agent.can_file(media);
        // The pools the channel belongs in: one per distinct pool of the
        // automatic groups it serves on this media.
        let mut want: Vec<(PoolIx, u8)> = Vec::new();
        if ready {
            for s in &agent.served {
                let group = &self.groups[s.group()];
                if group.config.media.index() == m && group.config.routing == RoutingType::Automatic
                {
                    want.push((group.pool, s.min_tier));
                }
            }
        }
        want.sort_unstable();
        want.dedup();
        let mut have: Vec<(PoolIx, u8)> = agent
            .filed
            .live()
            .filter(|f| f.media.index() == m)
            .map(|f| (f.pool, f.min_tier))
            .collect();
        have.sort_unstable();
        if want != have {
            return Err(format!(
                "agent {} filed in pools {have:?}, expected {want:?}",
                agent.id
            ));
        }
        for f in agent.filed.live().filter(|f| f.media.index() == m) {
            let random = self.ready.is_random(f.pool);
            for k in 0..self.ready.kind(f.pool).tiers.len() as u8 {
                let expect = k >= f.min_tier;
                // Below its tier a stale entry of the same key may remain.
                let stamp = agent.stamp(f.media);
                if (expect && !self.ready.holds(f.pool, k, f.key, a, stamp))
                    || self.ready.random_holds(f.pool, k, a) != (expect && random)
                {
                    return Err(format!(
                        "agent {} misfiled in pool {} tier {k}",
                        agent.id, f.pool
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every pool entry its stamp judges live is filed so by the filing
    /// records (that every live filing has its entry is `check_filing`'s
    /// part), and every entry, live or stale, is of an agent with a filing
    /// in that pool; an agent has at most one live entry
    /// per pool and tier; exactly the random and watched pools count their
    /// live agents, and right, and the agents seated in them know it;
    /// pools count their groups.
    fn check_pools(&self) -> Result<(), String> {
        let filings = crate::routing::Filings(&self.agents);
        let watched = self.watched_pools();
        for (a, agent) in &self.agents {
            for seat in &agent.seats {
                if seat.counted != self.ready.is_counted(seat.pool)
                    || (seat.counted && !agent.filed.counted_on(seat.media))
                {
                    return Err(format!(
                        "agent {a:?} does not know whether pool {} counts",
                        seat.pool
                    ));
                }
            }
        }
        for (p, kind, recorded) in self.ready.pools() {
            let users = self.groups.iter().filter(|(_, g)| g.pool == p).count() as u32;
            if users != recorded || users == 0 {
                return Err(format!(
                    "pool {p} has {recorded} users recorded, {users} real"
                ));
            }
            let random = kind.strategy == crate::Strategy::Random;
            if self.ready.is_counted(p) != (random || watched.contains(&p)) {
                return Err(format!("pool {p} counts its agents wrongly"));
            }
            for k in 0..kind.tiers.len() as u8 {
                let (entries, counted, in_random) = self.ready.tier_entries(p, k);
                let mut live = 0u32;
                let mut seen = hashbrown::HashSet::new();
                for (key, a, stamp) in entries {
                    // Stale entries too: a removed agent's would revive
                    // for the next agent in its slot.
                    if !self.agents.get(a).is_some_and(|x| x.filed.has(p)) {
                        return Err(format!(
                            "pool {p} tier {k} holds an entry of agent {a:?}, \
                             which has no filing there"
                        ));
                    }
                    if !filings.is_live(kind.media, a, stamp) {
                        continue;
                    }
                    if !filings.is_filed(p, k, key, a) {
                        return Err(format!(
                            "pool {p} tier {k}: entry of agent {a:?} under stamp {stamp} \
                             is live by its stamp, not filed by the records"
                        ));
                    }
                    if !seen.insert(a) {
                        return Err(format!(
                            "agent {a:?} has two live entries in pool {p} tier {k}"
                        ));
                    }
                    live += 1;
                }
                if counted.is_some_and(|n| n != live) {
                    return Err(format!(
                        "pool {p} tier {k} holds {live} live entries, counted {counted:?}"
                    ));
                }
                let want = if random { live as usize } else { 0 };
                if in_random != want {
                    return Err(format!(
                        "pool {p} tier {k} random pool has {in_random} agents, {live} live"
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_calls(&self) -> Result<(), String> {
        // How many queues and dispatch queues hold each call, in one pass.
        let mut places: hashbrown::HashMap<CallIx, (usize, usize)> = hashbrown::HashMap::new();
        for (_, g) in &self.groups {
            for &c in g.queues.iter().flat_map(|q| q.values()) {
                places.entry(c).or_default().0 += 1;
            }
            for &c in g.dispatch.values() {
                places.entry(c).or_default().1 += 1;
            }
        }
        for (c, call) in &self.calls {
            let group = self
                .groups
                .get(call.group)
                .ok_or_else(|| format!("call {} in gone group", call.id))?;
            let (in_queues, in_dispatch) = places.remove(&c).unwrap_or_default();
            let (want_q, want_d) = match &call.state {
                CallState::Queued => (1, 0),
                CallState::Parked { .. } => (0, 1),
                _ => (0, 0),
            };
            if in_queues != want_q || in_dispatch != want_d {
                return Err(format!(
                    "call {} ({:?}) is in {in_queues} queues and {in_dispatch} dispatch queues",
                    call.id, call.state
                ));
            }
            if call.state == CallState::Queued
                && group.queues[call.tier as usize].get(&call.key()) != Some(&c)
            {
                return Err(format!(
                    "call {} not at its key in tier {}",
                    call.id, call.tier
                ));
            }
            self.check_call_agents(c)?;
        }
        match places.keys().next() {
            Some(c) => Err(format!(
                "a queue holds call slot {c}, which is not a live call"
            )),
            None => Ok(()),
        }
    }

    fn check_call_agents(&self, c: CallIx) -> Result<(), String> {
        let call = &self.calls[c];
        let holds = |a: AgentIx, e: u64| {
            self.agents
                .get(a)
                .and_then(|ag| ag.lane(ag.lane_of(call.media, c)).state.reservation())
                == Some((c, e))
        };
        match &call.state {
            CallState::Offered { offers, timer } => {
                if offers.is_empty() || !offers.iter().all(|&(a, e)| holds(a, e)) {
                    return Err(format!("call {} offers not mirrored by agents", call.id));
                }
                let live = self.timers_iter().any(|(_, t)| {
                    matches!(t, Timer::Ring { call: x, uid, epoch } if *x == c && *uid == call.uid && epoch == timer)
                });
                if !live {
                    return Err(format!(
                        "call {} ringing without a ring timer (R-2.4)",
                        call.id
                    ));
                }
            }
            CallState::Diverting { epoch, .. } => {
                let live = self.timers_iter().any(|(_, t)| {
                    matches!(t, Timer::Divert { call: x, uid, epoch: e } if *x == c && *uid == call.uid && e == epoch)
                });
                if !live {
                    return Err(format!(
                        "call {} diverting without a divert timer (R-2.4)",
                        call.id
                    ));
                }
            }
            CallState::Connected { agent, epoch } if !holds(*agent, *epoch) => {
                return Err(format!(
                    "call {} connection not mirrored by its agent",
                    call.id
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn check_groups(&self) -> Result<(), String> {
        for (g, group) in &self.groups {
            let mut live = GroupStats::default();
            for (_, call) in self
                .calls
                .iter()
                .filter(|(_, c)| c.group == g && !c.private)
            {
                match call.state {
                    CallState::Detached => return Err(format!("call {} left detached", call.id)),
                    _ if call.answered() => live.connected += 1,
                    CallState::Queued => live.queued += 1,
                    CallState::Offered { .. } => live.ringing += 1,
                    CallState::Connected { .. } => live.connected += 1,
                    CallState::Parked { .. } => live.parked += 1,
                    CallState::Diverting { .. } => live.diverting += 1,
                }
            }
            let s = &group.stats;
            let gauges = (s.queued, s.ringing, s.connected, s.parked, s.diverting);
            let counted = (
                live.queued,
                live.ringing,
                live.connected,
                live.parked,
                live.diverting,
            );
            if gauges != counted {
                return Err(format!(
                    "group {} gauges {gauges:?} but calls {counted:?}",
                    group.id
                ));
            }
            if !s.balanced() {
                return Err(format!("group {} counters do not balance: {s:?}", group.id));
            }
            for (k, queue) in group.queues.iter().enumerate() {
                // A call waits only if no Ready agent of its tier may take
                // it: agents a threshold reservation holds back do not count
                // and call conditions and preferred agents may
                // refuse indexed candidates.
                let takeable = queue.values().any(|&c| {
                    self.ready_agents(group.pool, k as u8)
                        .any(|a| self.is_candidate(g, k as u8, a, c))
                });
                if takeable {
                    return Err(format!(
                        "group {} tier {k}: a call waits while an eligible agent is Ready (R-3.2)",
                        group.id
                    ));
                }
                // The reserve split lists the agents a scan of the pool
                // finds not held back, in the same order.
                let tier = k as u8;
                let listed: Vec<AgentIx> = self.free_agents(g, tier).collect();
                let scanned: Vec<AgentIx> = self
                    .ready_agents(group.pool, tier)
                    .filter(|&a| !self.held_back(a, g))
                    .collect();
                if listed != scanned {
                    return Err(format!(
                        "group {} tier {k}: the reserve split lists {listed:?}, the scan {scanned:?}",
                        group.id
                    ));
                }
            }
            let logged = self.tenants[group.tenant]
                .agents
                .iter()
                .filter(|&&a| {
                    let ag = &self.agents[a];
                    ag.served(g).is_some() && ag.chan(group.config.media).state.is_logged_on()
                })
                .count() as u32;
            let ready = self.tenants[group.tenant]
                .agents
                .iter()
                .filter(|&&a| {
                    let ag = &self.agents[a];
                    ag.served(g).is_some() && ag.media_ready_status(group.config.media)
                })
                .count() as u32;
            if ready != group.ready_status {
                return Err(format!(
                    "group {} ready_status {} but {ready} agents with Ready status (R-1.3)",
                    group.id, group.ready_status
                ));
            }
            if logged != group.logged_on {
                return Err(format!(
                    "group {} logged_on {} but {logged} agents",
                    group.id, group.logged_on
                ));
            }
        }
        Ok(())
    }

    /// Personal waits name exactly the calls parked reserved for an agent,
    /// each with a live personal-wait timer.
    fn check_personal_waits(&self) -> Result<(), String> {
        let reserved = self
            .calls
            .iter()
            .filter(|(_, c)| {
                matches!(
                    c.state,
                    CallState::Parked {
                        reserved_for: Some(_)
                    }
                )
            })
            .count();
        if reserved != self.personal_waits.len() {
            return Err(format!(
                "{reserved} reserved calls but {} personal waits",
                self.personal_waits.len()
            ));
        }
        for (&(a, uid), &c) in self.personal_waits.iter() {
            let call = self.calls.get(c).filter(|call| call.uid == uid);
            let ok = call.is_some_and(|call| {
                call.state
                    == CallState::Parked {
                        reserved_for: Some(a),
                    }
                    && self.timers_iter().any(|(at, t)| {
                        self.timer_live(at, t)
                            && matches!(t, Timer::PersonalWait { call: x, .. } if *x == c)
                    })
            });
            if !ok {
                return Err(format!(
                    "personal wait of agent slot {a} for call slot {c} is not live"
                ));
            }
        }
        Ok(())
    }

    fn check_lookups(&self) -> Result<(), String> {
        let ok = self.ix.calls.len() == self.calls.len()
            && self.calls.iter().all(|(c, call)| {
                self.ix
                    .calls
                    .get(&self.calls, call.tenant, call.id.as_str())
                    == Some(c)
            })
            && self.ix.agents.len() == self.agents.len()
            && self
                .agents
                .iter()
                .all(|(a, x)| self.ix.agents.get(&self.agents, x.tenant, x.id.as_str()) == Some(a))
            && self.ix.groups.len() == self.groups.len()
            && (self.groups.iter())
                .all(|(g, x)| self.ix.groups.get(&self.groups, x.tenant, x.id.as_str()) == Some(g));
        let queued = crate::policy::QueuedCounts::of(&self.calls);
        let counted = self.ix.policy.queued.trimmed();
        if queued.trimmed() != counted {
            return Err(format!(
                "queued counts {counted:?} but calls {queued:?} (R-10.6)"
            ));
        }
        if ok {
            Ok(())
        } else {
            Err("id lookups disagree with the records".into())
        }
    }
}

/// Structural soundness of a deserialized state: every index points at a
/// record that exists, and per-tier vectors have the same length. Checked
/// before anything else reads a loaded snapshot, so that a corrupt one is
/// an error, never a panic.
impl Core {
    pub(crate) fn check_structure(&self) -> Result<(), String> {
        let bad = |what: String| Err(format!("corrupt state: {what}"));
        if !(self.agents.is_sound()
            && self.groups.is_sound()
            && self.calls.is_sound()
            && self.ready.is_sound())
        {
            return bad("record store free lists".into());
        }
        let skills = self.skills.len() as u32;
        for t in &self.tenants {
            if let Some(g) = t.groups.iter().find(|&&g| !self.groups.contains(g)) {
                return bad(format!("tenant {} names group slot {g}", t.id));
            }
            if let Some(a) = t.agents.iter().find(|&&a| !self.agents.contains(a)) {
                return bad(format!("tenant {} names agent slot {a}", t.id));
            }
        }
        for (_, agent) in &self.agents {
            if !self.tenants.contains(agent.tenant)
                || agent.skills.0.iter().any(|s| s.skill() >= skills)
            {
                return bad(format!("agent {} tenant or skill out of range", agent.id));
            }
            for s in &agent.served {
                let ok = self
                    .groups
                    .get(s.group())
                    .is_some_and(|g| (s.min_tier as usize) < g.tiers.len());
                if !ok {
                    return bad(format!(
                        "agent {} serves group slot {} tier {}",
                        agent.id,
                        s.group(),
                        s.min_tier
                    ));
                }
            }
            let filed_ok = agent.filed.live().all(|f| {
                self.ready
                    .tier_count(f.pool)
                    .is_some_and(|n| (f.min_tier as usize) < n)
            });
            if !filed_ok {
                return bad(format!("agent {} is filed in a missing pool", agent.id));
            }
            if agent.all_lanes().any(|(_, ch)| {
                ch.state
                    .reservation()
                    .is_some_and(|(c, _)| !self.calls.contains(c))
            }) {
                return bad(format!("agent {} holds a missing call", agent.id));
            }
        }
        for (p, kind, _) in self.ready.pools() {
            let n = kind.tiers.len();
            let random_ok = (0..n as u8).all(|k| {
                self.ready
                    .random_agents(p, k)
                    .all(|a| self.agents.contains(a))
            });
            if !self.tenants.contains(kind.tenant) || !self.ready.is_well_formed(p) || !random_ok {
                return bad("a ready pool is malformed".into());
            }
        }
        for (_, group) in &self.groups {
            let n = group.tiers.len();
            let pool_ok = self.ready.tier_count(group.pool) == Some(n);
            let shaped = n > 0 && group.queues.len() == n && pool_ok;
            let skills_ok = group
                .tiers
                .iter()
                .flat_map(|t| &t.0)
                .flat_map(|r| &r.0)
                .all(|s| s.0 < skills);
            let calls_ok = group
                .queues
                .iter()
                .chain([&group.dispatch])
                .flat_map(|q| q.values())
                .all(|&c| self.calls.contains(c));
            if !self.tenants.contains(group.tenant) || !shaped || !skills_ok || !calls_ok {
                return bad(format!("group {} is malformed", group.id));
            }
        }
        for (_, call) in &self.calls {
            let group_ok = self
                .groups
                .get(call.group)
                .is_some_and(|g| (call.tier as usize) < g.tiers.len());
            let agents: Vec<AgentIx> = match &call.state {
                CallState::Offered { offers, .. } => offers.iter().map(|o| o.0).collect(),
                CallState::Connected { agent, .. } => vec![*agent],
                CallState::Parked { reserved_for } => reserved_for.iter().copied().collect(),
                _ => Vec::new(),
            };
            let agents_ok = agents
                .iter()
                .chain(call.personal.target.iter())
                .all(|&a| self.agents.contains(a));
            if !self.tenants.contains(call.tenant) || !group_ok || !agents_ok {
                return bad(format!("call {} is malformed", call.id));
            }
        }
        let waits_ok = self
            .personal_waits
            .iter()
            .all(|(&(a, _), &c)| self.agents.contains(a) && self.calls.contains(c));
        if !waits_ok {
            return bad("personal waits name missing records".into());
        }
        Ok(())
    }
}

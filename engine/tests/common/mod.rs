//! Test harness: an engine with one tenant, driven in seconds, with helpers
//! to read the effects and events each step produced.
#![allow(dead_code)]

use acd_engine::*;

/// The tenant every harness uses.
pub const TENANT: &str = "t";

/// An engine plus the effects and events of the last step.
pub struct Harness {
    pub engine: Engine,
    pub tenant: TenantId,
    pub now: Instant,
    pub effects: Vec<Effect>,
    pub events: Vec<Event>,
}

impl Harness {
    pub fn new(groups: Vec<GroupConfig>, agents: Vec<AgentConfig>) -> Self {
        let mut tenant = TenantConfig::new(TENANT);
        tenant.groups = groups;
        tenant.agents = agents;
        Self::with_config(EngineConfig {
            tenants: vec![tenant],
            ..EngineConfig::default()
        })
    }

    pub fn with_config(config: EngineConfig) -> Self {
        Self {
            engine: Engine::new(config).expect("valid config"),
            tenant: TenantId::new(TENANT),
            now: Instant::default(),
            effects: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Applies `cmd` at `secs` seconds; collects outputs.
    pub fn at(&mut self, secs: u64, cmd: Command) -> Result<(), Error> {
        self.at_ms(secs * 1000, cmd)
    }

    pub fn at_ms(&mut self, ms: u64, cmd: Command) -> Result<(), Error> {
        self.now = Instant::from_millis(ms);
        let r = self.engine.handle(self.now, &self.tenant.clone(), cmd);
        self.collect();
        if let Err(e) = self.engine.check_invariants() {
            panic!("invariant broken after step at {ms} ms: {e}");
        }
        r
    }

    /// Lets time pass to `secs`, firing timers.
    pub fn tick(&mut self, secs: u64) {
        self.now = Instant::from_secs(secs);
        self.engine.handle_timeout(self.now);
        self.collect();
        if let Err(e) = self.engine.check_invariants() {
            panic!("invariant broken after tick to {secs} s: {e}");
        }
    }

    fn collect(&mut self) {
        self.effects = self.engine.drain_effects().collect();
        self.events = self.engine.drain_events().collect();
    }

    pub fn logon(&mut self, secs: u64, agent: &str) {
        self.at(
            secs,
            Command::Logon {
                agent: agent.into(),
                extension: format!("ext-{agent}").into(),
                media: vec![],
            },
        )
        .expect("logon");
    }

    pub fn ready(&mut self, secs: u64, agent: &str) {
        self.at(
            secs,
            Command::Ready {
                agent: agent.into(),
                media: Media::Voice,
            },
        )
        .expect("ready");
    }

    /// Logs `agent` off (deferred while it is on a call, R-2.3).
    pub fn logoff(&mut self, secs: u64, agent: &str) {
        self.at(
            secs,
            Command::Logoff {
                agent: agent.into(),
                reason: None,
            },
        )
        .expect("logoff");
    }

    pub fn login_ready(&mut self, secs: u64, agent: &str) {
        self.logon(secs, agent);
        self.ready(secs, agent);
    }

    pub fn arrive(&mut self, secs: u64, call: &str, group: &str) {
        self.at(secs, Command::call_arrived(CallSpec::new(call, group)))
            .expect("call arrives");
    }

    /// The offers made in the last step, as (call, agent, epoch).
    pub fn offers(&self) -> Vec<(String, String, Epoch)> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::Offer {
                    call, agent, epoch, ..
                } => Some((call.to_string(), agent.to_string(), *epoch)),
                _ => None,
            })
            .collect()
    }

    /// The single agent offered `call` in the last step.
    pub fn offered_to(&self, call: &str) -> Option<(String, Epoch)> {
        self.offers()
            .into_iter()
            .find(|(c, _, _)| c == call)
            .map(|(_, a, e)| (a, e))
    }

    pub fn answer(&mut self, secs: u64, call: &str, agent: &str, epoch: Epoch) {
        self.at(
            secs,
            Command::Answered {
                call: call.into(),
                agent: agent.into(),
                epoch,
            },
        )
        .expect("answer");
    }

    pub fn hangup(&mut self, secs: u64, call: &str) {
        self.at(secs, Command::Hangup { call: call.into() })
            .expect("hangup");
    }

    pub fn status(&self, agent: &str) -> AgentStatus {
        self.engine
            .agent_status(&self.tenant, &agent.into(), Media::Voice)
            .expect("known agent")
    }

    pub fn stats(&self, group: &str) -> GroupStats {
        self.engine
            .group_stats(&self.tenant, &group.into())
            .expect("known group")
    }

    pub fn has_event(&self, pred: impl Fn(&EventKind) -> bool) -> bool {
        self.events.iter().any(|e| pred(&e.kind))
    }
}

pub fn agent(id: &str, skills: &[(&str, u8)]) -> AgentConfig {
    AgentConfig::new(id, skills)
}

pub fn group(id: &str, skills: &[&str]) -> GroupConfig {
    GroupConfig::new(id, skills)
}

/// Tenant with a personal group (manual, PDN routing, R-4) plus
/// `extra_groups`, and four agents: a1 PDN 5500 with dispatch access; a2
/// PDN 5501 without dispatch access; a3 skilled picker; a4 dispatch access
/// but not skilled (read-only).
pub fn personal_harness(extra_groups: Vec<GroupConfig>) -> Harness {
    let mut g = group("personal", &["p"]);
    g.routing = RoutingType::Manual;
    g.personal_calls = true;
    g.ring_time_s = 20;
    g.personal_max_wait_s = 30;
    let mut a1 = agent("a1", &[("p", 5)]);
    a1.pdn = Some("5500".into());
    a1.dispatch_access = true;
    a1.can_pick = true;
    a1.default_destination = Some("vm-a1".into());
    let mut a2 = agent("a2", &[("p", 5)]);
    a2.pdn = Some("5501".into());
    a2.default_destination = Some("vm-a2".into());
    let mut a3 = agent("a3", &[("p", 3)]);
    a3.dispatch_access = true;
    a3.can_pick = true;
    let mut a4 = agent("a4", &[("other", 3)]);
    a4.dispatch_access = true;
    a4.can_pick = true;
    let mut t = TenantConfig::new(TENANT);
    t.default_destination = Some("+18005550000".into());
    t.groups = vec![g];
    t.groups.extend(extra_groups);
    t.agents = vec![a1, a2, a3, a4];
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

/// A call to personal directory number `pdn`.
pub fn dial(h: &mut Harness, secs: u64, call: &str, pdn: &str) {
    let spec = CallSpec {
        dnis: Some(pdn.into()),
        ..CallSpec::new(call, "personal")
    };
    h.at(secs, Command::call_arrived(spec))
        .expect("call arrives");
}

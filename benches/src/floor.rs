//! Contact centres of any size, and the routing cycles measured on them.
//!
//! Layout (one tenant): [`GROUPS`] groups, [`SKILLS`] skills; group `g`
//! requires skill `s{g % 100}`; agent `i` holds the `k` (default
//! [`SKILLS_PER_AGENT`] = 10) consecutive skills starting at
//! `s{(k * i) % 100}`, at levels 1..=10. So with the default every group has
//! `N / 10` eligible agents (at least one from N = 10), and every agent
//! serves 50 groups (`5 k` in general).
//!
//! Each operation advances engine time by 1 ms, so strategies that look at
//! idle time or occupancy see distinct times.

use acd_engine::{
    AgentConfig, AgentId, AttributeType, AttributeValue, CallId, CallSpec, CapacityConfig, Command,
    Effect, Engine, EngineConfig, Epoch, Error, GroupConfig, GroupId, Instant, Media, Strategy,
    TenantConfig, TenantId,
};

/// Service groups per floor.
pub const GROUPS: usize = 500;
/// Distinct skills per floor.
pub const SKILLS: usize = 100;
/// Skills held by each agent.
pub const SKILLS_PER_AGENT: usize = 10;
/// The floor's tenant.
pub const TENANT: &str = "bench";
/// Distinct call ids cycled through (ids are unique among live calls only).
const CALL_IDS: usize = 4096;

/// Id of agent `i`.
pub fn agent_id(i: usize) -> AgentId {
    AgentId::new(format!("agent-{i:06}"))
}

/// Id of group `g`.
pub fn group_id(g: usize) -> GroupId {
    GroupId::new(format!("group-{g:03}"))
}

fn skill_name(n: usize) -> String {
    format!("skill-{:03}", n % SKILLS)
}

/// Configuration of agent `i`, holding `skills` skills.
pub fn agent_config(i: usize, skills: usize) -> AgentConfig {
    let names: Vec<String> = (0..skills).map(|k| skill_name(skills * i + k)).collect();
    let skills: Vec<(&str, u8)> = names
        .iter()
        .enumerate()
        .map(|(k, s)| (s.as_str(), ((i + k) % 10) as u8 + 1))
        .collect();
    AgentConfig::new(agent_id(i), &skills)
}

/// Configuration of group `g`.
pub fn group_config(g: usize, strategy: Strategy, clerical_s: u32) -> GroupConfig {
    let skill = skill_name(g);
    let mut group = GroupConfig::new(group_id(g), &[skill.as_str()]);
    group.strategy = strategy;
    group.clerical_s = clerical_s;
    group
}

/// A one-tenant configuration with `agents` agents of [`SKILLS_PER_AGENT`]
/// skills and [`GROUPS`] groups.
pub fn config(agents: usize, strategy: Strategy, clerical_s: u32) -> EngineConfig {
    config_with(agents, strategy, clerical_s, SKILLS_PER_AGENT)
}

/// Like [`config`], with `skills_per_agent` skills per agent.
pub fn config_with(
    agents: usize,
    strategy: Strategy,
    clerical_s: u32,
    skills_per_agent: usize,
) -> EngineConfig {
    let mut tenant = TenantConfig::new(TENANT);
    tenant.groups = (0..GROUPS)
        .map(|g| group_config(g, strategy, clerical_s))
        .collect();
    tenant.agents = (0..agents)
        .map(|i| agent_config(i, skills_per_agent))
        .collect();
    EngineConfig {
        seed: 7,
        tenants: vec![tenant],
        ..EngineConfig::default()
    }
}

/// Attribute expressions on the floor: agent `i` speaks French
/// when `i / 10` is even and works in region `eu` when `i / 20` is even.
/// The agents holding one skill are `i = d + 10 m` (`d` fixed by the skill,
/// every one at the same level), so half of them speak French and, of
/// those, half work in `eu`, in every group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expression {
    /// Every group requires `skill.<its skill> >= 1 && "fr" in languages`:
    /// read only from the agent, so indexed (half of the skilled agents).
    Indexed,
    /// Every group requires `"fr" in languages && region == call.region`,
    /// calls carrying `region = eu`: the call part filters the indexed
    /// French speakers per call (half of them pass).
    CallData,
}

/// Like [`config`], with every group requiring an attribute expression.
pub fn expression_config(agents: usize, expression: Expression) -> EngineConfig {
    let mut config = config(agents, Strategy::LongestIdle, 0);
    let tenant = &mut config.tenants[0];
    tenant.attributes = [
        ("languages".to_string(), AttributeType::StringList),
        ("region".to_string(), AttributeType::String),
    ]
    .into();
    for (i, a) in tenant.agents.iter_mut().enumerate() {
        let language = if (i / 10) % 2 == 0 { "fr" } else { "en" };
        let region = if (i / 20) % 2 == 0 { "eu" } else { "us" };
        a.attributes = [
            (
                "languages".to_string(),
                AttributeValue::StringList(vec![language.into()]),
            ),
            ("region".to_string(), AttributeValue::String(region.into())),
        ]
        .into();
    }
    for (g, group) in tenant.groups.iter_mut().enumerate() {
        group.expression = Some(match expression {
            Expression::Indexed => format!("skill.{} >= 1 && \"fr\" in languages", skill_name(g)),
            Expression::CallData => "\"fr\" in languages && region == call.region".into(),
        });
    }
    config
}

/// Like [`config`], with chat groups only and every agent handling up to
/// `per_agent` chats at once.
pub fn chat_capacity_config(agents: usize, per_agent: u16, strategy: Strategy) -> EngineConfig {
    let mut config = config(agents, strategy, 0);
    let tenant = &mut config.tenants[0];
    tenant.capacity = CapacityConfig {
        per_media: [(Media::Chat, per_agent)].into(),
        ..CapacityConfig::default()
    };
    for group in &mut tenant.groups {
        group.media = Media::Chat;
    }
    config
}

/// An offer the engine made: what the telephony side needs to answer it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offered {
    /// The call.
    pub call: CallId,
    /// The (first) agent rung.
    pub agent: AgentId,
    /// Its reservation epoch.
    pub epoch: Epoch,
    /// Agents rung in all (ring-all rings every eligible Ready agent).
    pub rung: usize,
}

/// A contact centre and the embedder-side bookkeeping to drive it.
pub struct Floor {
    /// The engine under test.
    pub engine: Engine,
    /// The tenant.
    pub tenant: TenantId,
    now: u64,
    agents: Vec<AgentId>,
    groups: Vec<GroupId>,
    calls: Vec<CallId>,
    next_call: usize,
    next_group: usize,
    next_queued: usize,
    /// Attached data given to every call.
    call_data: Vec<(String, String)>,
    /// The media agents log on to and calls use.
    media: Media,
}

impl Floor {
    /// A floor of `agents` agents, all logged on and Ready, events off
    /// (routing cost only; effects are always produced and drained).
    pub fn staffed(agents: usize, strategy: Strategy) -> Floor {
        Floor::staffed_with(agents, strategy, SKILLS_PER_AGENT)
    }

    /// Like [`Floor::staffed`], with `skills_per_agent` skills per agent.
    pub fn staffed_with(agents: usize, strategy: Strategy, skills_per_agent: usize) -> Floor {
        let mut floor = Floor::logged_on_with(agents, strategy, skills_per_agent);
        floor.ready_all();
        floor
    }

    /// A floor of `agents` agents logged on and Not Ready (the state after logon).
    pub fn logged_on(agents: usize, strategy: Strategy) -> Floor {
        Floor::logged_on_with(agents, strategy, SKILLS_PER_AGENT)
    }

    /// Like [`Floor::logged_on`], with `skills_per_agent` skills per agent.
    pub fn logged_on_with(agents: usize, strategy: Strategy, skills_per_agent: usize) -> Floor {
        let config = config_with(agents, strategy, 0, skills_per_agent);
        Floor::from_config(config, agents)
    }

    /// A floor with attribute expressions on every group, all
    /// `agents` logged on and Ready; calls carry `region = eu`.
    pub fn with_expression(agents: usize, expression: Expression) -> Floor {
        let mut floor = Floor::from_config(expression_config(agents, expression), agents);
        floor.call_data = vec![("region".into(), "eu".into())];
        floor.ready_all();
        floor
    }

    /// A chat floor: every agent handles up to `per_agent` chats
    /// at once, all logged on to chat and Ready; enough call ids for
    /// `per_agent` live chats per agent.
    pub fn with_chat_capacity(agents: usize, per_agent: u16, strategy: Strategy) -> Floor {
        let config = chat_capacity_config(agents, per_agent, strategy);
        let mut floor = Floor::from_config_on(config, agents, Media::Chat);
        let ids = agents * usize::from(per_agent) + CALL_IDS;
        floor.calls = (0..ids)
            .map(|n| CallId::new(format!("call-{n:07}")))
            .collect();
        floor.ready_all();
        floor
    }

    /// Makes every agent Ready on the floor's media.
    fn ready_all(&mut self) {
        for i in 0..self.agents.len() {
            let agent = self.agents[i].clone();
            let media = self.media;
            self.expect_ok(Command::Ready { agent, media });
        }
    }

    /// A floor of `config`'s `agents` agents, logged on and Not Ready.
    fn from_config(config: EngineConfig, agents: usize) -> Floor {
        Floor::from_config_on(config, agents, Media::Voice)
    }

    /// Like [`Floor::from_config`], the agents logged on to `media`.
    fn from_config_on(config: EngineConfig, agents: usize, media: Media) -> Floor {
        let mut engine = Engine::new(config).expect("valid bench config");
        engine.set_events_enabled(false);
        let mut floor = Floor {
            engine,
            tenant: TenantId::new(TENANT),
            now: 0,
            agents: (0..agents).map(agent_id).collect(),
            groups: (0..GROUPS).map(group_id).collect(),
            calls: (0..CALL_IDS)
                .map(|n| CallId::new(format!("call-{n:05}")))
                .collect(),
            next_call: 0,
            next_group: 0,
            next_queued: 0,
            call_data: Vec::new(),
            media,
        };
        let logon = if media == Media::Voice {
            vec![]
        } else {
            vec![media]
        };
        for i in 0..agents {
            let agent = floor.agents[i].clone();
            floor.expect_ok(Command::Logon {
                agent,
                extension: format!("{}", 100_000 + i).into(),
                media: logon.clone(),
            });
        }
        floor
    }

    /// Agent `i`'s id.
    pub fn agent(&self, i: usize) -> &AgentId {
        &self.agents[i]
    }

    /// Applies `command` one millisecond after the previous one.
    pub fn handle(&mut self, command: Command) -> Result<(), Error> {
        self.now += 1;
        self.engine
            .handle(Instant::from_millis(self.now), &self.tenant, command)
    }

    fn expect_ok(&mut self, command: Command) {
        let name = command.name();
        if let Err(e) = self.handle(command) {
            panic!("bench set-up: {name} refused: {e}");
        }
        self.engine.drain_effects().for_each(drop);
    }

    /// A fresh call spec for the next group in turn, with the given priority.
    pub fn next_call(&mut self, priority: i32) -> CallSpec {
        let mut spec = CallSpec::new(
            self.calls[self.next_call].clone(),
            self.groups[self.next_group].clone(),
        );
        spec.priority = Some(priority);
        spec.data = self.call_data.iter().cloned().collect();
        self.next_call = (self.next_call + 1) % self.calls.len();
        self.next_group = (self.next_group + 1) % self.groups.len();
        spec
    }

    /// The measured decision: a call arrives, the engine chooses an agent
    /// and emits the offer, which is read back. `None` if the call queued.
    pub fn route_arrival(&mut self) -> Option<Offered> {
        let spec = self.next_call(0);
        let result = self.handle(Command::call_arrived(spec));
        debug_assert!(result.is_ok(), "{result:?}");
        self.take_offer()
    }

    /// The measured decision of the other direction: agent `i` becomes
    /// Ready and the engine offers it the best call among its groups.
    pub fn route_ready(&mut self, i: usize) -> Option<Offered> {
        let agent = self.agents[i].clone();
        let media = self.media;
        let result = self.handle(Command::Ready { agent, media });
        debug_assert!(result.is_ok(), "{result:?}");
        self.take_offer()
    }

    /// Drains the effects, returning the first offer.
    pub fn take_offer(&mut self) -> Option<Offered> {
        let mut first: Option<Offered> = None;
        let mut rung = 0;
        for effect in self.engine.drain_effects() {
            if let Effect::Offer {
                call, agent, epoch, ..
            } = effect
            {
                rung += 1;
                if first.is_none() {
                    first = Some(Offered {
                        call,
                        agent,
                        epoch,
                        rung: 0,
                    });
                }
            }
        }
        first.map(|o| Offered { rung, ..o })
    }

    /// Answers and hangs up an offered call: with no clerical time the agent
    /// is Ready again, so the floor is back in its steady state.
    pub fn answer_and_hang_up(&mut self, offered: Offered) {
        let call = offered.call.clone();
        self.answer(offered);
        self.hang_up(call);
    }

    /// Answers an offered call and holds it at the back of `held`; once
    /// more than `keep` calls are held, hangs up the oldest (with `keep`
    /// 0, the call just answered).
    pub fn answer_and_hold(
        &mut self,
        offered: Offered,
        held: &mut std::collections::VecDeque<CallId>,
        keep: usize,
    ) {
        held.push_back(offered.call.clone());
        self.answer(offered);
        if held.len() > keep {
            self.hang_up(held.pop_front().expect("a call is held"));
        }
    }

    /// Answers an offered call (the agent keeps it until [`Floor::hang_up`]).
    pub fn answer(&mut self, offered: Offered) {
        self.expect_ok(Command::Answered {
            call: offered.call,
            agent: offered.agent,
            epoch: offered.epoch,
        });
    }

    /// Hangs up a connected call; without clerical its agent has room again.
    pub fn hang_up(&mut self, call: CallId) {
        self.expect_ok(Command::Hangup { call });
    }

    /// Rejects an offered call: it goes back to the head of its queue and
    /// the agent is forced Not Ready, the state before `route_ready`.
    pub fn reject(&mut self, offered: Offered) {
        self.expect_ok(Command::Rejected {
            call: offered.call,
            agent: offered.agent,
            epoch: offered.epoch,
        });
    }

    /// Queues `calls` calls with ids of their own, round-robin over the
    /// groups, priorities 0..=2.
    pub fn queue_calls(&mut self, calls: usize) {
        for n in 0..calls {
            let mut spec = self.next_call((n % 3) as i32);
            spec.id = CallId::new(format!("queued-{:07}", self.next_queued));
            self.next_queued += 1;
            self.expect_ok(Command::call_arrived(spec));
        }
    }
}

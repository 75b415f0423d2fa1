//! Scenario files: what a capacity planner describes in TOML — service
//! groups, call arrivals, agents — and their translation into the engine's
//! configuration.
//!
//! ```toml
//! seed = 42
//! duration_s = 28800        # measured time
//! warmup_s = 1800           # simulated before measuring, not counted
//! [[groups]]
//! id = "support"
//! strategy = "longest_idle" # any strategy of R-3.3
//! service_level_s = 20
//! clerical_s = 0
//! skills = ["support"]
//! [[arrivals]]
//! group = "support"
//! per_hour = 600            # or a profile: [300, 450, 600, ...] per interval
//! handle = { dist = "exponential", mean_s = 180 }
//! patience = { dist = "exponential", mean_s = 120 }   # optional
//! [[agents]]
//! count = 33
//! skills = { support = 5 }
//! ```
//!
//! Every problem is reported with the line and the field it is about: syntax
//! and value errors come from the TOML decoder (which knows the position),
//! cross-references (an arrival naming an unknown group) carry the span of
//! the offending value.

use crate::dist::Dist;
use acd_engine::{
    AgentConfig, AgingConfig, AttributeType, AttributeValue, CapacityConfig, Destination,
    EngineConfig, GroupConfig, GroupId, Media, Reserve, RoutingPolicy, SkillId, SkillRequirement,
    Strategy, TenantConfig,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// A load scenario: the contact centre and the traffic it faces.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Seed of every random stream; the same seed reproduces a run exactly.
    #[serde(default)]
    pub seed: u64,
    /// Measured simulated time, seconds.
    pub duration_s: Spanned<u64>,
    /// Simulated time before measuring starts, seconds (not counted).
    #[serde(default)]
    pub warmup_s: u64,
    /// Length of a reporting interval, seconds (default 900 = 15 minutes).
    #[serde(default = "default_interval_s")]
    pub interval_s: Spanned<u64>,
    /// Seconds from an offer to the agent answering (default 0).
    #[serde(default = "zero_delay")]
    pub answer_delay_s: Spanned<f64>,
    /// Tenant name used inside the engine.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// How a free agent picks among its groups (R-3.5, R-10.6):
    /// `priority` (default), `weighted_hol`, `fixed_queue_ratio`,
    /// `queue_idle_ratio`.
    #[serde(default)]
    pub policy: RoutingPolicy,
    /// Service groups (queues).
    pub groups: Vec<GroupSpec>,
    /// Call arrival streams.
    pub arrivals: Vec<ArrivalSpec>,
    /// Agent pools.
    pub agents: Vec<AgentSpec>,
    /// Declared agent attribute types (R-10.1): name -> type.
    #[serde(default)]
    pub attributes: BTreeMap<String, AttributeType>,
    /// Line of each group's id in the source, for errors found later.
    #[serde(skip)]
    group_lines: Vec<Option<usize>>,
}

fn default_interval_s() -> Spanned<u64> {
    Spanned::new(0..0, 900)
}

fn zero_delay() -> Spanned<f64> {
    Spanned::new(0..0, 0.0)
}

fn default_tenant() -> String {
    "sim".to_string()
}

/// One service group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Group id.
    pub id: Spanned<String>,
    /// Agent selection strategy (R-3.3): `longest_idle`, `least_occupied`,
    /// `most_skilled`, `round_robin`, `top_down`, `fewest_calls`, `random`,
    /// `ring_all`.
    #[serde(default)]
    pub strategy: Strategy,
    /// Service-level threshold, seconds.
    #[serde(default = "default_sl")]
    pub service_level_s: u32,
    /// Clerical (wrap-up) seconds after each call (R-3.7).
    #[serde(default)]
    pub clerical_s: u32,
    /// Skills an agent needs (all of them); empty = every agent.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Lowest skill level accepted (default 1).
    #[serde(default = "one")]
    pub min_level: u8,
    /// Priority of the group's calls (R-3.1, R-3.5).
    #[serde(default)]
    pub priority: i32,
    /// Weight of the head-of-line wait when an agent serving several groups
    /// picks the next call, in percent (R-3.5, R-10.6; default 100).
    #[serde(default = "hundred")]
    pub wait_weight: u32,
    /// Share of the total queue under `fixed_queue_ratio` (R-10.6;
    /// `p_i = queue_ratio_i / Σ queue_ratio`, default 1).
    #[serde(default = "one_u32")]
    pub queue_ratio: u32,
    /// Threshold reservation for another group (R-10.6):
    /// `{ for_group = "sales", keep_idle = 2, max_wait_s = 30 }`.
    #[serde(default)]
    pub reserve: Option<Reserve>,
    /// Ring-time supervision, seconds; 0 = engine default (R-3.6).
    #[serde(default)]
    pub ring_time_s: u32,
    /// Maximum calls waiting before overflow (R-3.8).
    #[serde(default)]
    pub max_queue_len: Option<u32>,
    /// Maximum wait before overflow, seconds (R-3.8).
    #[serde(default)]
    pub max_wait_s: Option<u32>,
    /// Group to overflow to (R-3.8).
    #[serde(default)]
    pub overflow_to: Option<Spanned<String>>,
    /// Attribute expression eligible agents must meet (R-10.1).
    #[serde(default)]
    pub expression: Option<String>,
    /// Agent ordering keys ahead of the strategy (R-10.2).
    #[serde(default)]
    pub order_by: Vec<String>,
    /// Priority aging (R-10.4).
    #[serde(default)]
    pub aging: Option<AgingConfig>,
    /// Media of the group's contacts (default voice): with agent
    /// `capacity`, chat or e-mail agents hold several at once (R-10.3).
    #[serde(default)]
    pub media: Media,
}

fn default_sl() -> u32 {
    20
}

fn one_u32() -> u32 {
    1
}

fn hundred() -> u32 {
    100
}

fn one() -> u8 {
    1
}

/// A stream of calls into one group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalSpec {
    /// Group the calls enter.
    pub group: Spanned<String>,
    /// Poisson rate: calls per hour, or a profile of rates per interval.
    pub per_hour: Rate,
    /// Length of one profile step, seconds (default 900). The profile starts
    /// when measuring starts; the warm-up uses its first value, and its last
    /// value holds after it ends.
    #[serde(default = "default_profile_s")]
    pub profile_interval_s: Spanned<u64>,
    /// Handle (talk) time distribution.
    pub handle: Dist,
    /// Caller patience; absent = callers never abandon.
    #[serde(default)]
    pub patience: Option<Dist>,
    /// Priority of these calls; absent = the group's (R-3.1).
    #[serde(default)]
    pub priority: Option<i32>,
    /// Handle-time multipliers per profile step (time-varying handle
    /// times); the last one holds after the list ends.
    #[serde(default)]
    pub handle_profile: Option<Vec<f64>>,
    /// Repeat the rate and handle profiles when they end (several days of
    /// a daily profile), instead of holding their last value.
    #[serde(default)]
    pub repeat_profile: bool,
    /// A share of answered calls transferred to another group's queue
    /// when the first agent finishes.
    #[serde(default)]
    pub transfer: Option<FollowUpSpec>,
    /// A share of abandoned callers asking for a callback, which enters a
    /// group after a delay.
    #[serde(default)]
    pub callback: Option<FollowUpSpec>,
    /// Attached call data read by group expressions as `call.<key>`
    /// (R-10.1): per key, each value's weight (`lang = { fr = 0.3, en = 0.7 }`).
    #[serde(default)]
    pub data: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Follow-up calls of a stream: transfers or callbacks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpSpec {
    /// Fraction of the calls (answered for transfers, abandoned for
    /// callbacks) that lead to a follow-up, 0..=1.
    pub share: f64,
    /// Group the follow-up enters.
    pub to: Spanned<String>,
    /// Seconds until the follow-up enters (callbacks; default 0).
    #[serde(default)]
    pub delay_s: u64,
    /// Handle time of the follow-up; default the stream's.
    #[serde(default)]
    pub handle: Option<Dist>,
}

fn default_profile_s() -> Spanned<u64> {
    Spanned::new(0..0, 900)
}

/// An arrival rate in calls per hour: constant, or a per-interval profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawRate")]
pub enum Rate {
    /// The same rate all day.
    Constant(f64),
    /// One rate per profile interval.
    Profile(Vec<f64>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRate {
    One(f64),
    Many(Vec<f64>),
}

/// Most calls per hour one arrival stream may offer. Every waiting call is
/// an engine record and a pending event, so an absurd rate (`1e12`) would
/// grow memory until the OOM killer instead of failing; a million an hour
/// (278 a second) is far beyond any contact centre.
pub const MAX_PER_HOUR: f64 = 1_000_000.0;

impl TryFrom<RawRate> for Rate {
    type Error = String;
    fn try_from(raw: RawRate) -> Result<Rate, String> {
        let ok = |r: f64| r.is_finite() && (0.0..=MAX_PER_HOUR).contains(&r);
        match raw {
            RawRate::One(r) if ok(r) => Ok(Rate::Constant(r)),
            RawRate::Many(v) if !v.is_empty() && v.iter().all(|&r| ok(r)) => Ok(Rate::Profile(v)),
            _ => Err(format!(
                "per_hour must be a rate in 0..={MAX_PER_HOUR} calls per hour, or a non-empty \
                 list of them"
            )),
        }
    }
}

impl Rate {
    /// Calls per hour in profile step `step`.
    pub fn at_step(&self, step: usize) -> f64 {
        match self {
            Rate::Constant(r) => *r,
            Rate::Profile(v) => v.get(step).or(v.last()).copied().unwrap_or(0.0),
        }
    }

    /// Whether the rate never changes.
    pub fn is_constant(&self) -> bool {
        match self {
            Rate::Constant(_) => true,
            Rate::Profile(v) => v.windows(2).all(|w| w[0] == w[1]),
        }
    }
}

/// Most agents a scenario may define in all: every agent becomes an engine
/// record, so an absurd count would exhaust memory instead of failing.
pub const MAX_AGENTS: u64 = 1_000_000;

/// A pool of identical agents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    /// How many agents.
    pub count: u32,
    /// Skills and levels (1..=10).
    #[serde(default)]
    pub skills: BTreeMap<String, Spanned<u8>>,
    /// Prefix of the agents' ids (default `a<pool>-`).
    #[serde(default)]
    pub id_prefix: Option<String>,
    /// Shift start, seconds after measuring starts; absent = logged on from
    /// the very start (warm-up included).
    #[serde(default)]
    pub start_s: Option<u64>,
    /// Shift end, seconds after measuring starts; absent = never log off.
    /// An agent on a call logs off when it ends (R-2.3).
    #[serde(default)]
    pub end_s: Option<Spanned<u64>>,
    /// Fraction of the pool absent all day (sickness, training): the last
    /// `round(count × shrinkage)` agents never log on.
    #[serde(default)]
    pub shrinkage: f64,
    /// Breaks: each agent goes Not Ready (after its call, R-3.7) and comes
    /// back Ready; agent `k` of the pool starts `k × stagger_s` later.
    #[serde(default)]
    pub breaks: Vec<BreakSpec>,
    /// Typed attributes of every agent of the pool (R-10.1), as declared
    /// in the scenario's `attributes`.
    #[serde(default)]
    pub attributes: BTreeMap<String, AttributeValue>,
    /// Contacts each agent of the pool handles at once (R-10.3), as in the
    /// engine's configuration: `capacity = { per_media = { chat = 3 } }`,
    /// optionally with a `budget`, `cost` per media and `exclusive` pairs.
    #[serde(default)]
    pub capacity: Option<CapacityConfig>,
}

/// A break of every agent of a pool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakSpec {
    /// Start, seconds after measuring starts.
    pub start_s: u64,
    /// Length, seconds.
    pub length_s: u64,
    /// Delay between consecutive agents' breaks, seconds (default 0).
    #[serde(default)]
    pub stagger_s: u64,
}

impl AgentSpec {
    /// Whether the pool works the whole run.
    pub fn full_day(&self) -> bool {
        self.start_s.is_none()
            && self.end_s.is_none()
            && self.breaks.is_empty()
            && self.absent() == 0
    }

    /// Agents of the pool absent all day (shrinkage).
    pub fn absent(&self) -> u32 {
        (f64::from(self.count) * self.shrinkage).round() as u32
    }
}

/// A scenario problem, with the line it is on when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The field, as a path (`arrivals[0].group`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "field `{}`: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Accumulates the line lookups of one source text.
struct Source<'a>(&'a str);

impl Source<'_> {
    fn line_of(&self, span: std::ops::Range<usize>) -> Option<usize> {
        if span.start == 0 && span.end == 0 {
            return None; // a default value, not in the file
        }
        let upto = self.0.get(..span.start)?;
        Some(upto.bytes().filter(|&b| b == b'\n').count() + 1)
    }

    fn err<T>(&self, s: &Spanned<T>, field: String, message: String) -> ScenarioError {
        ScenarioError {
            line: self.line_of(s.span()),
            field,
            message,
        }
    }
}

impl Scenario {
    /// Parses and checks a scenario.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let mut scenario: Scenario = toml::from_str(text).map_err(|e| decode_error(text, &e))?;
        let src = Source(text);
        scenario.check(&src)?;
        scenario.group_lines = scenario
            .groups
            .iter()
            .map(|g| src.line_of(g.id.span()))
            .collect();
        // What the engine itself refuses is a scenario error too.
        scenario.engine_config(scenario.seed)?;
        Ok(scenario)
    }

    /// The example scenario shipped with the crate (`scenarios/example.toml`).
    pub fn example_text() -> &'static str {
        include_str!("../scenarios/example.toml")
    }

    fn check(&self, src: &Source) -> Result<(), ScenarioError> {
        if *self.duration_s.get_ref() == 0 {
            let m = "must be above zero".to_string();
            return Err(src.err(&self.duration_s, "duration_s".into(), m));
        }
        if *self.interval_s.get_ref() == 0 {
            let m = "must be above zero".to_string();
            return Err(src.err(&self.interval_s, "interval_s".into(), m));
        }
        let delay = *self.answer_delay_s.get_ref();
        if !(delay.is_finite() && (0.0..=3600.0).contains(&delay)) {
            let m = "must be between 0 and 3600 seconds".to_string();
            return Err(src.err(&self.answer_delay_s, "answer_delay_s".into(), m));
        }
        if self.groups.is_empty() {
            return Err(ScenarioError {
                line: None,
                field: "groups".into(),
                message: "at least one [[groups]] is needed".into(),
            });
        }
        self.check_groups(src)?;
        self.check_arrivals(src)?;
        self.check_agents(src)
    }

    fn check_groups(&self, src: &Source) -> Result<(), ScenarioError> {
        let mut seen = BTreeMap::new();
        for (i, g) in self.groups.iter().enumerate() {
            let id = g.id.get_ref();
            if id.is_empty() || seen.insert(id.as_str(), i).is_some() {
                let m = format!("group id {id:?} is empty or used twice");
                return Err(src.err(&g.id, format!("groups[{i}].id"), m));
            }
            if g.min_level == 0 || g.min_level > 10 {
                return Err(ScenarioError {
                    line: src.line_of(g.id.span()),
                    field: format!("groups[{i}].min_level"),
                    message: format!("level {} is outside 1..=10", g.min_level),
                });
            }
            let ring = f64::from(g.ring_time_s);
            if g.ring_time_s > 0 && *self.answer_delay_s.get_ref() >= ring {
                let m = format!("answer_delay_s must be below group {id:?}'s ring_time_s {ring}");
                return Err(src.err(&self.answer_delay_s, "answer_delay_s".into(), m));
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            if let Some(to) = &g.overflow_to {
                if !seen.contains_key(to.get_ref().as_str()) {
                    let m = format!("unknown group {:?}", to.get_ref());
                    return Err(src.err(to, format!("groups[{i}].overflow_to"), m));
                }
            }
        }
        Ok(())
    }

    fn check_arrivals(&self, src: &Source) -> Result<(), ScenarioError> {
        for (i, a) in self.arrivals.iter().enumerate() {
            let g = a.group.get_ref();
            if !self.groups.iter().any(|x| x.id.get_ref() == g) {
                let m = format!("unknown group {g:?}");
                return Err(src.err(&a.group, format!("arrivals[{i}].group"), m));
            }
            if *a.profile_interval_s.get_ref() == 0 {
                let f = format!("arrivals[{i}].profile_interval_s");
                return Err(src.err(&a.profile_interval_s, f, "must be above zero".into()));
            }
            let ok = |v: &f64| v.is_finite() && *v > 0.0;
            if a.handle_profile
                .as_ref()
                .is_some_and(|p| p.is_empty() || !p.iter().all(ok))
            {
                let f = format!("arrivals[{i}].handle_profile");
                let m = "must be a non-empty list of positive multipliers".to_string();
                return Err(src.err(&a.group, f, m));
            }
            for (name, f) in [("transfer", &a.transfer), ("callback", &a.callback)] {
                let Some(f) = f else { continue };
                if !(0.0..=1.0).contains(&f.share) {
                    let m = "share must be between 0 and 1".to_string();
                    return Err(src.err(&f.to, format!("arrivals[{i}].{name}.share"), m));
                }
                if !self.groups.iter().any(|g| g.id.get_ref() == f.to.get_ref()) {
                    let m = format!("unknown group {:?}", f.to.get_ref());
                    return Err(src.err(&f.to, format!("arrivals[{i}].{name}.to"), m));
                }
            }
        }
        Ok(())
    }

    fn check_agents(&self, src: &Source) -> Result<(), ScenarioError> {
        let mut total = 0u64;
        for (i, a) in self.agents.iter().enumerate() {
            total += u64::from(a.count);
            if total > MAX_AGENTS {
                return Err(ScenarioError {
                    line: None,
                    field: format!("agents[{i}].count"),
                    message: format!("more than {MAX_AGENTS} agents in all"),
                });
            }
            for (skill, level) in &a.skills {
                if !(1..=10).contains(level.get_ref()) {
                    let f = format!("agents[{i}].skills.{skill}");
                    let m = format!("level {} is outside 1..=10", level.get_ref());
                    return Err(src.err(level, f, m));
                }
            }
            if !(0.0..=1.0).contains(&a.shrinkage) {
                return Err(ScenarioError {
                    line: None,
                    field: format!("agents[{i}].shrinkage"),
                    message: "must be between 0 and 1".into(),
                });
            }
            if let Some(end) = &a.end_s {
                if *end.get_ref() <= a.start_s.unwrap_or(0) {
                    let f = format!("agents[{i}].end_s");
                    let m = "the shift must end after it starts".to_string();
                    return Err(src.err(end, f, m));
                }
            }
        }
        Ok(())
    }

    /// Agent ids of pool `pool`, in order.
    pub fn agent_ids(&self, pool: usize) -> impl Iterator<Item = String> + '_ {
        let spec = &self.agents[pool];
        let prefix = spec
            .id_prefix
            .clone()
            .unwrap_or_else(|| format!("a{pool}-"));
        (0..spec.count).map(move |n| format!("{prefix}{n}"))
    }

    /// Total agents of all pools.
    pub fn agent_count(&self) -> usize {
        self.agents.iter().map(|a| a.count as usize).sum()
    }

    /// The engine configuration: one tenant holding every group and agent.
    pub fn engine_config(&self, seed: u64) -> Result<EngineConfig, ScenarioError> {
        let mut tenant = TenantConfig::new(self.tenant.as_str());
        tenant.policy = self.policy;
        tenant.attributes = self.attributes.clone();
        self.check_call_data()?;
        for g in &self.groups {
            tenant.groups.push(self.group_config(g));
        }
        for (pool, spec) in self.agents.iter().enumerate() {
            let skills: BTreeMap<SkillId, u8> = spec
                .skills
                .iter()
                .map(|(s, l)| (SkillId::new(s), *l.get_ref()))
                .collect();
            for id in self.agent_ids(pool) {
                let mut agent = AgentConfig::new(id, &[]);
                agent.skills = skills.clone();
                agent.attributes = spec.attributes.clone();
                agent.capacity = spec.capacity.clone();
                tenant.agents.push(agent);
            }
        }
        let config = EngineConfig {
            seed,
            tenants: vec![tenant],
            ..EngineConfig::default()
        };
        config.validate().map_err(|e| self.locate(e))?;
        Ok(config)
    }

    /// Points an engine configuration error at the scenario's group or
    /// agent pool it came from.
    fn locate(&self, e: acd_engine::ConfigError) -> ScenarioError {
        let message = format!("rejected by the engine: {}", e.problem);
        let named = |kind: &str| {
            let (_, rest) = e.object.split_once(&format!("{kind} \""))?;
            rest.split('"').next().map(str::to_string)
        };
        if let Some(id) = named("group") {
            if let Some(i) = self.groups.iter().position(|g| *g.id.get_ref() == id) {
                let field = match e.field.as_str() {
                    "overflow" => "overflow_to",
                    other => other,
                };
                return ScenarioError {
                    line: self.line_of_group(i),
                    field: format!("groups[{i}].{field}"),
                    message,
                };
            }
        }
        if let Some(id) = named("agent") {
            let pool = (0..self.agents.len()).find(|&p| self.agent_ids(p).any(|a| a == id));
            if let Some(p) = pool {
                return ScenarioError {
                    line: None,
                    field: format!("agents[{p}].{}", e.field),
                    message,
                };
            }
        }
        ScenarioError {
            line: None,
            field: e.field.clone(),
            message: format!("rejected by the engine: {e}"),
        }
    }

    /// Call data weights are finite, at least zero, and not all zero.
    fn check_call_data(&self) -> Result<(), ScenarioError> {
        for (i, a) in self.arrivals.iter().enumerate() {
            for (key, values) in &a.data {
                let ok = values.values().all(|w| w.is_finite() && *w >= 0.0)
                    && values.values().sum::<f64>() > 0.0;
                if !ok {
                    return Err(ScenarioError {
                        line: None,
                        field: format!("arrivals[{i}].data.{key}"),
                        message: "weights must be >= 0, finite, and not all 0".into(),
                    });
                }
            }
        }
        Ok(())
    }

    fn line_of_group(&self, i: usize) -> Option<usize> {
        self.group_lines.get(i).copied().flatten()
    }

    fn group_config(&self, g: &GroupSpec) -> GroupConfig {
        let mut c = GroupConfig::new(g.id.get_ref().as_str(), &[]);
        c.skills = g
            .skills
            .iter()
            .map(|s| SkillRequirement {
                skill: SkillId::new(s),
                min_level: g.min_level,
            })
            .collect();
        c.strategy = g.strategy;
        c.service_level_s = g.service_level_s;
        c.clerical_s = g.clerical_s;
        c.priority = g.priority;
        c.wait_weight = g.wait_weight;
        c.queue_ratio = g.queue_ratio;
        c.reserve = g.reserve.clone().map(Box::new);
        c.ring_time_s = g.ring_time_s;
        c.max_queue_len = g.max_queue_len;
        c.max_wait_s = g.max_wait_s;
        c.overflow = g
            .overflow_to
            .as_ref()
            .map(|t| Destination::Group(GroupId::new(t.get_ref())));
        c.expression = g.expression.clone();
        c.order_by = g.order_by.clone();
        c.aging = g.aging;
        c.media = g.media;
        c
    }

    /// Whether some group overflows into another group (R-3.8), so that a
    /// call may be served elsewhere than where it arrived.
    pub fn overflows_between_groups(&self) -> bool {
        self.groups.iter().any(|g| g.overflow_to.is_some())
    }

    /// Whether an agent with `skills` may serve group `g` (it holds every
    /// required skill at the group's minimum level or above).
    pub fn serves(&self, skills: &BTreeMap<String, Spanned<u8>>, g: &GroupSpec) -> bool {
        g.skills
            .iter()
            .all(|s| skills.get(s).is_some_and(|l| *l.get_ref() >= g.min_level))
    }
}

fn decode_error(text: &str, e: &toml::de::Error) -> ScenarioError {
    let line = e.span().and_then(|s| Source(text).line_of(s));
    ScenarioError {
        line,
        field: String::new(),
        message: e.message().trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
seed = 42
duration_s = 28800
warmup_s = 1800
[[groups]]
id = "support"
strategy = "longest_idle"
service_level_s = 20
clerical_s = 0
skills = ["support"]
[[arrivals]]
group = "support"
per_hour = 600
handle = { dist = "exponential", mean_s = 180 }
patience = { dist = "exponential", mean_s = 120 }
[[agents]]
count = 33
skills = { support = 5 }
"#;

    #[test]
    fn the_documented_format_is_accepted() {
        let s = Scenario::parse(MINIMAL).unwrap();
        assert_eq!(s.seed, 42);
        assert_eq!(*s.duration_s.get_ref(), 28800);
        assert_eq!(s.warmup_s, 1800);
        assert_eq!(s.groups[0].strategy, Strategy::LongestIdle);
        assert_eq!(s.arrivals[0].per_hour.at_step(7), 600.0);
        assert_eq!(s.agent_count(), 33);
        let config = s.engine_config(1).unwrap();
        assert_eq!(config.tenants[0].agents.len(), 33);
        assert_eq!(
            config.tenants[0].groups[0].skills[0].skill.as_str(),
            "support"
        );
    }

    const ROUTING_MODEL: &str = r#"
duration_s = 600
attributes = { lang = "string", rating = "number" }
[[groups]]
id = "support"
skills = ["support"]
expression = "lang == call.lang && rating >= 2"
order_by = ["rating desc"]
aging = { rate_per_min = 2, cap = 5 }
[[arrivals]]
group = "support"
per_hour = 600
handle = { dist = "exponential", mean_s = 60 }
data = { lang = { fr = 0.25, en = 0.75 } }
[[agents]]
count = 5
skills = { support = 5 }
attributes = { lang = "fr", rating = 3 }
[[agents]]
count = 5
skills = { support = 5 }
attributes = { lang = "en", rating = 2 }
"#;

    #[test]
    fn r10_attributes_expressions_and_call_data_reach_the_engine() {
        let s = Scenario::parse(ROUTING_MODEL).unwrap();
        let config = s.engine_config(1).unwrap();
        let t = &config.tenants[0];
        assert_eq!(t.attributes["lang"], AttributeType::String);
        assert_eq!(
            t.agents[0].attributes["lang"],
            AttributeValue::String("fr".into())
        );
        assert_eq!(
            t.groups[0].expression.as_deref(),
            Some("lang == call.lang && rating >= 2")
        );
        let outcome = crate::simulation::run_once(&s, 1, &mut |_| {}).unwrap();
        assert!(outcome.calls > 0);
    }

    #[test]
    fn r10_bad_call_data_weights_and_expressions_are_refused() {
        let bad = ROUTING_MODEL.replace("fr = 0.25, en = 0.75", "fr = 0.0");
        let e = Scenario::parse(&bad)
            .and_then(|s| s.engine_config(1))
            .unwrap_err();
        assert_eq!(e.field, "arrivals[0].data.lang");
        let bad = ROUTING_MODEL.replace("rating >= 2\"", "rating >= 'x'\"");
        assert!(Scenario::parse(&bad)
            .and_then(|s| s.engine_config(1))
            .is_err());
    }

    #[test]
    fn the_shipped_example_parses() {
        let s = Scenario::parse(Scenario::example_text()).unwrap();
        assert!(s.engine_config(s.seed).is_ok());
        let twenty = Scenario::parse(include_str!("../scenarios/twenty_pools.toml")).unwrap();
        assert_eq!((twenty.groups.len(), twenty.agents.len()), (10, 20));
    }

    #[test]
    fn every_strategy_is_accepted() {
        for name in [
            "longest_idle",
            "least_occupied",
            "most_skilled",
            "round_robin",
            "top_down",
            "fewest_calls",
            "random",
            "ring_all",
        ] {
            let text = MINIMAL.replace("\"longest_idle\"", &format!("{name:?}"));
            assert!(Scenario::parse(&text).is_ok(), "{name}");
        }
    }

    #[test]
    fn profiles_hold_their_last_value() {
        let text = MINIMAL.replace("per_hour = 600", "per_hour = [100, 200.5]");
        let s = Scenario::parse(&text).unwrap();
        let r = &s.arrivals[0].per_hour;
        assert_eq!(
            (r.at_step(0), r.at_step(1), r.at_step(9)),
            (100.0, 200.5, 200.5)
        );
        assert!(!r.is_constant());
    }

    fn error_of(text: &str) -> ScenarioError {
        Scenario::parse(text).unwrap_err()
    }

    #[test]
    fn unknown_group_names_line_and_field() {
        let e = error_of(&MINIMAL.replace("group = \"support\"", "group = \"sales\""));
        assert_eq!(e.line, Some(12));
        assert_eq!(e.field, "arrivals[0].group");
        assert!(
            e.to_string().contains("line 12") && e.message.contains("sales"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = error_of(&MINIMAL.replace("mean_s = 180", "mean_s = -3"));
        assert_eq!(e.line, Some(14), "{e}");
        let e = error_of(&MINIMAL.replace("\"longest_idle\"", "\"fastest\""));
        assert_eq!(e.line, Some(7), "{e}");
        assert!(
            e.message.contains("fastest") || e.message.contains("variant"),
            "{e}"
        );
        let e = error_of(&MINIMAL.replace("count = 33", "count = 33\ncolour = 1"));
        assert_eq!(e.line, Some(18), "{e}");
        assert!(e.message.contains("colour"), "{e}");
        let e = error_of(&MINIMAL.replace("duration_s = 28800", "duration_s = 0"));
        assert_eq!((e.line, e.field.as_str()), (Some(3), "duration_s"));
        let e = error_of(&MINIMAL.replace("support = 5", "support = 11"));
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(18), "agents[0].skills.support")
        );
        let e = error_of(&MINIMAL.replace("per_hour = 600", "per_hour = -1"));
        assert_eq!(e.line, Some(13), "{e}");
    }

    /// Issue 17 item 7: `per_hour = 1e12` grew memory until the OOM killer.
    #[test]
    fn absurd_rates_are_range_errors() {
        for rate in ["1e12", "[600, 1e12]", "1000000.5"] {
            let e = error_of(&MINIMAL.replace("per_hour = 600", &format!("per_hour = {rate}")));
            assert_eq!(e.line, Some(13), "{e}");
            assert!(e.message.contains("0..=1000000"), "{e}");
        }
        let at_limit = MINIMAL.replace("per_hour = 600", "per_hour = 1000000");
        assert!(Scenario::parse(&at_limit).is_ok());
    }

    #[test]
    fn missing_fields_are_named() {
        let e = error_of(&MINIMAL.replace("duration_s = 28800\n", ""));
        assert!(e.message.contains("duration_s"), "{e}");
        let e = error_of("duration_s = [");
        assert_eq!(e.line, Some(1), "{e}");
    }

    #[test]
    fn duplicate_groups_are_rejected() {
        let text = MINIMAL.replace("[[arrivals]]", "[[groups]]\nid = \"support\"\n[[arrivals]]");
        let e = error_of(&text);
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(12), "groups[1].id"),
            "{e}"
        );
    }

    #[test]
    fn shifts_must_end_after_they_start() {
        let ok = MINIMAL.replace("count = 33", "count = 33\nstart_s = 3600\nend_s = 7200");
        assert!(!Scenario::parse(&ok).unwrap().agents[0].full_day());
        let e = error_of(&MINIMAL.replace("count = 33", "count = 33\nstart_s = 3600\nend_s = 60"));
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(19), "agents[0].end_s"),
            "{e}"
        );
    }

    #[test]
    fn engine_rejections_point_at_the_group() {
        let text = MINIMAL.replace("clerical_s = 0", "clerical_s = 0\nmax_wait_s = 30");
        let e = error_of(&text);
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(6), "groups[0].overflow_to"),
            "{e}"
        );
        assert!(e.message.contains("R-3.8"), "{e}");
    }

    #[test]
    fn eligibility_needs_every_skill_at_level() {
        let s = Scenario::parse(MINIMAL).unwrap();
        let g = &s.groups[0];
        assert!(s.serves(&s.agents[0].skills, g));
        let mut hi = g.clone();
        hi.min_level = 6;
        assert!(!s.serves(&s.agents[0].skills, &hi));
        assert!(!s.serves(&BTreeMap::new(), g));
    }
}

#[cfg(test)]
mod limits {
    use super::*;

    #[test]
    fn an_absurd_agent_count_is_an_error_not_an_allocation() {
        let text = Scenario::example_text().replacen("count = ", "count = 4000000000 #", 1);
        let err = Scenario::parse(&text).unwrap_err();
        assert!(
            err.field.ends_with(".count") && err.message.contains("agents in all"),
            "{err}"
        );
    }
}

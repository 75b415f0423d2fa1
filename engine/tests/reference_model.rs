//! Model-based test: the engine against a deliberately naive reference
//! router written here with plain `Vec`s and linear scans.
//!
//! The model implements automatic routing (R-3.1 queue order, R-3.2 matching
//! at once in both directions, R-3.3 the deterministic strategies, R-3.5
//! weighted cross-group choice, R-3.6 ring-time supervision, R-3.7 clerical,
//! abandon) and the agent state machine (R-2.1, R-2.2 epochs, R-2.3
//! deferred logoff) for one or two voice groups without stages or overflow.
//! It recomputes every choice from scratch by scanning all agents or all
//! calls, so it shares no index, heap or cached key with the engine (the
//! one value it keeps is least-occupied's occupancy, which by definition is
//! measured when the agent becomes Ready).
//!
//! A proptest feeds the same random stream of logon / ready / not ready /
//! logoff / arrive / alerting / answer / reject / hold / retrieve / hang-up /
//! time-advance operations to both and, after every step, compares:
//! whether the command was accepted, every effect emitted (which agent each
//! offer went to, with epoch and deadline, and every stop-ringing), the
//! status of every agent and the status (place, queue position, ringing
//! agents) of every call.
//!
//! Tie-break rules the model encodes (the engine promises them in
//! `strategy.rs` / `routing.rs`; SPEC names the strategies):
//! * longest_idle / ring_all: earliest `idle_since`, then configuration order;
//! * least_occupied: lowest busy time / logged-on time, measured when the
//!   agent became Ready (busy = from an offer until the agent is next Ready,
//!   Not Ready or logged off), then longest idle, then order;
//! * most_skilled: highest level in the group's first required skill, then
//!   longest idle, then configuration order;
//! * fewest_calls: fewest answered since logon, then longest idle, then order;
//! * round_robin: least recently offered a call by this group, then order;
//! * top_down: configuration order;
//! * an agent becoming Ready takes the waiting call with the highest
//!   priority, then the longest wait x the group's `wait_weight`, then the
//!   earliest arrival (policy `priority`, R-3.5); under `weighted_hol` the
//!   head of line (by order) of each group with the largest
//!   `wait_weight x wait`; under `fixed_queue_ratio` the head of the group
//!   with the largest `Q_g x R - r_g x SumQ` (calls queued in the group, in
//!   all groups, `queue_ratio` and its sum), then the longest wait;
//! * threshold reservation: a group reserving for `p` never gets
//!   an agent eligible for `p` while fewer than `keep_idle` *other* Ready
//!   agents are eligible for `p`, or while `p`'s head of line has waited
//!   `max_wait_s` or more; after every command and every timer the model
//!   offers the reserving group's waiting calls (head first) to the first
//!   agent not held back, so a reserve that lifts is acted on at once.
//!
//! Routing model: agents carry a language and a
//! rating; a group may require one of a few expressions (over the agent
//! only, over call data, or both), order agents by rating ahead of its
//! strategy (ties: the strategy's first key, then configuration order) and
//! age priorities (`initial + rate x wait`, no cap). The model evaluates the
//! expressions directly on every candidate and compares aged priorities by
//! scanning every waiting call.
//!
//! Preferred agents: a call may name one agent, waited for 4 s;
//! until then only that agent may take it; the wait ends early when that
//! agent is (or gets) logged out (the default `preferred_release`).
//!
//! `idle_since` restarts when the agent makes itself Ready or finishes a
//! call (or its clerical); it does not restart when an offer is merely
//! withdrawn (the caller hung up while ringing, another ring-all agent
//! answered).

use acd_engine::Strategy as Routing;
use acd_engine::*;
use proptest::prelude::*;
use proptest::strategy::Strategy;

const TENANT: &str = "t";
const SKILLS: [&str; 2] = ["s0", "s1"];
const CALLS: usize = 8;
/// Strategies whose choice is deterministic (all but `random`).
const STRATEGIES: [Routing; 7] = [
    Routing::LongestIdle,
    Routing::LeastOccupied,
    Routing::MostSkilled,
    Routing::TopDown,
    Routing::FewestCalls,
    Routing::RoundRobin,
    Routing::RingAll,
];
const NO_ANSWER: &str = "NO_ANSWER";
/// Seconds a call naming a preferred agent waits for it.
const PREFERRED_S: u64 = 4;
const LOGON: &str = "LOGON";
/// `EngineConfig::default().max_reservation_ms`, used when ring time is 0.
const MAX_RESERVATION_MS: u64 = 60_000;

// ---------------------------------------------------------------------------
// Scenario: a small random configuration.

#[derive(Clone, Debug)]
struct GroupSpec {
    /// Required skills (index into SKILLS, min level), in configuration order.
    skills: Vec<(usize, u8)>,
    strategy: Routing,
    wait_weight: u32,
    clerical_s: u32,
    ring_time_s: u32,
    /// Fixed-queue-ratio share.
    queue_ratio: u32,
    /// Threshold reservation: (protected group, keep idle, max wait s).
    reserve: Option<(usize, u32, Option<u32>)>,
    /// Attribute expression.
    cond: Cond,
    /// `order_by = ["rating desc"]`; never with ring-all.
    order_by_rating: bool,
    /// Aging rate, priority points per minute; 0 = none.
    aging_rate: u32,
}

/// The expressions a generated group may require.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cond {
    None,
    /// `lang == "fr"`: agent only, indexed.
    Fr,
    /// `rating >= 2`: agent only, indexed.
    RatedTwo,
    /// `lang == call.lang`: reads the call, filtered.
    CallLang,
    /// `rating >= 1 && (lang == call.lang || rating >= 3)`: both parts.
    Mixed,
}

impl Cond {
    fn text(self) -> Option<&'static str> {
        match self {
            Cond::None => None,
            Cond::Fr => Some("lang == \"fr\""),
            Cond::RatedTwo => Some("rating >= 2"),
            Cond::CallLang => Some("lang == call.lang"),
            Cond::Mixed => Some("rating >= 1 && (lang == call.lang || rating >= 3)"),
        }
    }

    /// Whether the expression reads the call (then the engine filters
    /// indexed candidates per call).
    fn reads_call(self) -> bool {
        matches!(self, Cond::CallLang | Cond::Mixed)
    }

    /// The agent-only conjuncts, which the engine's index holds: who is
    /// eligible for the group at all (pools, reserves, QIR).
    fn agent_part(self, fr: bool, rating: u8) -> bool {
        match self {
            Cond::None | Cond::CallLang => true,
            Cond::Fr => fr,
            Cond::RatedTwo => rating >= 2,
            Cond::Mixed => rating >= 1,
        }
    }

    /// Naive evaluation for an agent (`fr`, `rating`) and a call language.
    fn holds(self, fr: bool, rating: u8, call_fr: bool) -> bool {
        match self {
            Cond::None => true,
            Cond::Fr => fr,
            Cond::RatedTwo => rating >= 2,
            Cond::CallLang => fr == call_fr,
            Cond::Mixed => rating >= 1 && (fr == call_fr || rating >= 3),
        }
    }
}

#[derive(Clone, Debug)]
struct Scenario {
    /// The tenant's routing policy.
    policy: RoutingPolicy,
    groups: Vec<GroupSpec>,
    /// Per agent, level of each skill of SKILLS (0 = lacks it).
    agents: Vec<[u8; 2]>,
    /// Per agent: speaks French (else English), rating 0..=3.
    attrs: Vec<(bool, u8)>,
}

fn group_spec() -> impl Strategy<Value = GroupSpec> {
    (
        prop::collection::vec((0..SKILLS.len(), 1..=6u8), 0..=2),
        prop::sample::select(STRATEGIES.to_vec()),
        prop::sample::select(vec![50u32, 100, 100, 300]),
        prop::sample::select(vec![0u32, 0, 2, 5]),
        prop::sample::select(vec![0u32, 3, 8]),
        prop::sample::select(vec![1u32, 1, 2, 3]),
        (
            prop::sample::select(vec![
                Cond::None,
                Cond::None,
                Cond::Fr,
                Cond::RatedTwo,
                Cond::CallLang,
                Cond::Mixed,
            ]),
            any::<bool>(),
            prop::sample::select(vec![0u32, 0, 30, 120]),
        ),
    )
        .prop_map(
            |(
                mut skills,
                strategy,
                wait_weight,
                clerical_s,
                ring_time_s,
                queue_ratio,
                (cond, order, aging),
            )| {
                skills.dedup_by_key(|s| s.0);
                GroupSpec {
                    skills,
                    strategy,
                    wait_weight,
                    clerical_s,
                    ring_time_s,
                    queue_ratio,
                    reserve: None,
                    cond,
                    order_by_rating: order && strategy != Routing::RingAll,
                    aging_rate: aging,
                }
            },
        )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let reserve = prop::option::of((
        0..=2u32,
        prop::option::of(prop::sample::select(vec![2u32, 6])),
    ));
    (
        prop::sample::select(vec![
            RoutingPolicy::Priority,
            RoutingPolicy::Priority,
            RoutingPolicy::WeightedHol,
            RoutingPolicy::FixedQueueRatio,
            RoutingPolicy::QueueIdleRatio,
        ]),
        prop::collection::vec(group_spec(), 1..=2),
        prop::collection::vec(([0..=10u8, 0..=10u8], any::<bool>(), 0..=3u8), 2..=5),
        reserve,
    )
        .prop_map(|(policy, mut groups, agents, reserve)| {
            // With two groups, the second may keep agents back for the first.
            if let (Some(g), Some((keep, wait))) = (groups.get_mut(1), reserve) {
                g.reserve = Some((0, keep, wait));
            }
            if policy == RoutingPolicy::QueueIdleRatio {
                // QIR picks the longest-idle agent of the chosen pool; an
                // `order_by` would reorder inside the pool (not modelled).
                groups.iter_mut().for_each(|g| g.order_by_rating = false);
            }
            Scenario {
                policy,
                groups,
                attrs: agents.iter().map(|a| (a.1, a.2)).collect(),
                agents: agents.into_iter().map(|a| a.0).collect(),
            }
        })
}

fn group_id(g: usize) -> String {
    format!("g{g}")
}

fn agent_id(a: usize) -> String {
    format!("a{a}")
}

fn call_id(c: usize) -> String {
    format!("c{c}")
}

impl Scenario {
    fn engine_config(&self) -> EngineConfig {
        let mut tenant = TenantConfig::new(TENANT);
        tenant.policy = self.policy;
        tenant.groups = self
            .groups
            .iter()
            .enumerate()
            .map(|(g, spec)| {
                let mut cfg = GroupConfig::new(group_id(g), &[]);
                cfg.skills = spec
                    .skills
                    .iter()
                    .map(|&(s, min)| SkillRequirement {
                        skill: SKILLS[s].into(),
                        min_level: min,
                    })
                    .collect();
                cfg.strategy = spec.strategy;
                cfg.wait_weight = spec.wait_weight;
                cfg.clerical_s = spec.clerical_s;
                cfg.ring_time_s = spec.ring_time_s;
                cfg.queue_ratio = spec.queue_ratio;
                cfg.reserve = spec.reserve.map(|(p, keep_idle, max_wait_s)| {
                    Box::new(Reserve {
                        for_group: group_id(p).into(),
                        keep_idle,
                        max_wait_s,
                    })
                });
                cfg.expression = spec.cond.text().map(String::from);
                if spec.order_by_rating {
                    cfg.order_by = vec!["rating desc".into()];
                }
                cfg.aging = (spec.aging_rate > 0).then_some(AgingConfig {
                    rate_per_min: spec.aging_rate,
                    cap: None,
                });
                cfg
            })
            .collect();
        tenant.attributes = [
            ("lang".to_string(), AttributeType::String),
            ("rating".to_string(), AttributeType::Number),
        ]
        .into();
        tenant.agents = self
            .agents
            .iter()
            .enumerate()
            .map(|(a, levels)| {
                let skills: Vec<(&str, u8)> = levels
                    .iter()
                    .enumerate()
                    .filter(|(_, &l)| l > 0)
                    .map(|(s, &l)| (SKILLS[s], l))
                    .collect();
                let mut agent = AgentConfig::new(agent_id(a), &skills);
                let (fr, rating) = self.attrs[a];
                agent.attributes = [
                    (
                        "lang".to_string(),
                        AttributeValue::String(if fr { "fr" } else { "en" }.into()),
                    ),
                    (
                        "rating".to_string(),
                        AttributeValue::Number(f64::from(rating)),
                    ),
                ]
                .into();
                agent
            })
            .collect();
        EngineConfig {
            tenants: vec![tenant],
            ..EngineConfig::default()
        }
    }
}

// ---------------------------------------------------------------------------
// The reference model.

/// An agent's voice channel; calls are named by their number (c0..c7).
#[derive(Clone, Debug, PartialEq)]
enum MState {
    LoggedOut,
    NotReady(String),
    Ready,
    Reserved {
        call: usize,
        epoch: u64,
    },
    Alerting {
        call: usize,
        epoch: u64,
    },
    Talking {
        call: usize,
        epoch: u64,
    },
    Hold {
        call: usize,
        epoch: u64,
    },
    /// Wrap-up until `until`; `seq` orders timers with equal deadlines.
    Clerical {
        until: u64,
        seq: u64,
    },
}

#[derive(Clone, Debug)]
struct MAgent {
    levels: [u8; 2],
    fr: bool,
    rating: u8,
    state: MState,
    idle_since: u64,
    answered: u64,
    /// Not Ready requested during a call: its reason.
    after_call: Option<String>,
    /// Logoff requested during a call.
    pending_logoff: bool,
    /// Per group: that group's offer counter when it last offered this agent.
    rr_turn: Vec<u64>,
    /// Least occupied: when the agent logged on, busy time since (closed
    /// periods), the open busy period (first offer .. next Ready / Not
    /// Ready / logoff), and the occupancy measured when it became Ready.
    logon_at: u64,
    busy_ms: u64,
    busy_since: Option<u64>,
    occupancy_ppm: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum MCallState {
    Queued,
    /// Ringing at `offers` (agent, epoch); the round's ring timer.
    Offered {
        offers: Vec<(usize, u64)>,
        deadline: u64,
        seq: u64,
    },
    Connected {
        agent: usize,
    },
}

#[derive(Clone, Debug)]
struct MCall {
    /// Index into the model's call-name space (c0..c7).
    name: usize,
    group: usize,
    priority: i32,
    arrived: u64,
    uid: u64,
    state: MCallState,
    /// Call data `lang` is "fr" (else "en").
    fr: bool,
    /// Preferred agent.
    preferred: Option<usize>,
    /// End of the preferred-agent wait and its timer sequence; `None` once
    /// released.
    preferred_until: Option<(u64, u64)>,
}

/// What the engine should have told the telephony side.
#[derive(Clone, Debug, PartialEq)]
enum MEffect {
    Offer {
        call: usize,
        agent: usize,
        group: usize,
        epoch: u64,
        deadline: u64,
    },
    StopRinging {
        call: usize,
        agent: usize,
        epoch: u64,
    },
}

/// QIR's pool score: excess idleness, then the longest-idle head.
type PoolScore = (i128, std::cmp::Reverse<(u64, u64)>);

struct Model {
    policy: RoutingPolicy,
    groups: Vec<GroupSpec>,
    /// Offers made so far by each group (round robin's clock).
    rr_counter: Vec<u64>,
    agents: Vec<MAgent>,
    calls: Vec<MCall>,
    now: u64,
    next_epoch: u64,
    next_uid: u64,
    next_seq: u64,
    effects: Vec<MEffect>,
}

impl Model {
    fn new(s: &Scenario) -> Self {
        Model {
            policy: s.policy,
            groups: s.groups.clone(),
            rr_counter: vec![0; s.groups.len()],
            agents: s
                .agents
                .iter()
                .zip(&s.attrs)
                .map(|(&levels, &(fr, rating))| MAgent {
                    levels,
                    fr,
                    rating,
                    state: MState::LoggedOut,
                    idle_since: 0,
                    answered: 0,
                    after_call: None,
                    pending_logoff: false,
                    rr_turn: vec![0; s.groups.len()],
                    logon_at: 0,
                    busy_ms: 0,
                    busy_since: None,
                    occupancy_ppm: 0,
                })
                .collect(),
            calls: Vec::new(),
            now: 0,
            next_epoch: 1,
            next_uid: 1,
            next_seq: 1,
            effects: Vec::new(),
        }
    }

    /// Agent `a` is eligible for group `g` by what the index holds: skills
    /// and the agent-only part of the expression.
    fn eligible(&self, a: usize, g: usize) -> bool {
        let ag = &self.agents[a];
        let spec = &self.groups[g];
        spec.skills.iter().all(|&(s, min)| ag.levels[s] >= min)
            && spec.cond.agent_part(ag.fr, ag.rating)
    }

    /// Skills and the expression hold for agent `a` and call `c`.
    fn accepts(&self, a: usize, c: usize) -> bool {
        let ag = &self.agents[a];
        let call = &self.calls[c];
        let g = call.group;
        self.groups[g]
            .skills
            .iter()
            .all(|&(s, min)| ag.levels[s] >= min)
            && self.groups[g].cond.holds(ag.fr, ag.rating, call.fr)
            && (call.preferred_until.is_none() || call.preferred == Some(a))
    }

    /// Ends the preferred-agent wait of call `c`: a waiting call is placed
    /// again, open to every eligible agent, keeping its place.
    fn release_preferred(&mut self, c: usize) {
        self.calls[c].preferred_until = None;
        if self.calls[c].state == MCallState::Queued {
            self.place(c);
        }
    }

    /// Priority of call `c` now in 1/60000 points, aged.
    fn aged(&self, c: &MCall) -> i64 {
        i64::from(c.priority) * 60_000
            + i64::from(self.groups[c.group].aging_rate) * (self.now - c.arrived) as i64
    }

    fn call(&self, name: usize) -> Option<usize> {
        self.calls.iter().position(|c| c.name == name)
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    // ---- time --------------------------------------------------------

    /// The earliest live timer: (deadline, seq, what).
    fn next_timer(&self) -> Option<(u64, u64, Timer)> {
        let rings = self
            .calls
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c.state {
                MCallState::Offered { deadline, seq, .. } => Some((deadline, seq, Timer::Ring(i))),
                _ => None,
            });
        let clericals = self
            .agents
            .iter()
            .enumerate()
            .filter_map(|(a, ag)| match ag.state {
                MState::Clerical { until, seq } => Some((until, seq, Timer::Clerical(a))),
                _ => None,
            });
        let preferred = self.calls.iter().enumerate().filter_map(|(i, c)| {
            c.preferred_until
                .map(|(until, seq)| (until, seq, Timer::Preferred(i)))
        });
        rings
            .chain(clericals)
            .chain(preferred)
            .min_by_key(|t| (t.0, t.1))
    }

    /// Fires every timer due at or before `now`, each at its deadline.
    fn advance(&mut self, now: u64) {
        while let Some((at, _, timer)) = self.next_timer() {
            if at > now {
                break;
            }
            self.now = at;
            match timer {
                Timer::Ring(c) => self.ring_timeout(c),
                Timer::Clerical(a) => self.release(a, true),
                Timer::Preferred(c) => self.release_preferred(c),
            }
            self.settle();
        }
        self.now = now;
    }

    // ---- routing decisions (linear scans) ----------------------------

    /// Strategy key of a Ready agent in group `g`; smallest is chosen.
    fn agent_key(&self, a: usize, g: usize) -> (u64, u64, u64) {
        let ag = &self.agents[a];
        let order = a as u64;
        let key = self.strategy_key(a, g);
        if self.groups[g].order_by_rating {
            // rating first (highest), then the strategy's first key.
            return (u64::from(10 - ag.rating), key.0, order);
        }
        key
    }

    fn strategy_key(&self, a: usize, g: usize) -> (u64, u64, u64) {
        let ag = &self.agents[a];
        let order = a as u64;
        match self.groups[g].strategy {
            Routing::LongestIdle | Routing::RingAll => (ag.idle_since, order, 0),
            Routing::LeastOccupied => (ag.occupancy_ppm, ag.idle_since, order),
            Routing::MostSkilled => {
                let level = self.groups[g]
                    .skills
                    .first()
                    .map_or(0, |&(s, _)| ag.levels[s]);
                (u64::from(10 - level), ag.idle_since, order)
            }
            Routing::RoundRobin => (ag.rr_turn[g], order, 0),
            Routing::TopDown => (order, 0, 0),
            Routing::FewestCalls => (ag.answered, ag.idle_since, order),
            other => unreachable!("nondeterministic strategy {other:?} not modelled"),
        }
    }

    /// Ready agents eligible for call `c`, best first.
    fn ready_agents(&self, c: usize) -> Vec<usize> {
        let g = self.calls[c].group;
        let mut ready: Vec<usize> = (0..self.agents.len())
            .filter(|&a| self.agents[a].state == MState::Ready && self.accepts(a, c))
            .collect();
        ready.sort_by_key(|&a| self.agent_key(a, g));
        ready
    }

    /// The waiting call agent `a` takes when it becomes Ready (R-3.2, R-3.5,
    /// ), by the tenant's policy; reserved groups are skipped.
    fn best_call_for(&self, a: usize) -> Option<usize> {
        let mut best: Option<((i64, i128, u128, i64), usize)> = None;
        let queued = |g: usize| {
            self.calls
                .iter()
                .filter(|c| c.state == MCallState::Queued && c.group == g)
                .count() as i128
        };
        let total = self
            .calls
            .iter()
            .filter(|c| c.state == MCallState::Queued)
            .count() as i128;
        let ratios: i128 = self.groups.iter().map(|g| i128::from(g.queue_ratio)).sum();
        for (i, c) in self.calls.iter().enumerate() {
            if c.state != MCallState::Queued || !self.accepts(a, i) || self.held_back(a, c.group) {
                continue;
            }
            let g = &self.groups[c.group];
            let waited = u128::from(self.now - c.arrived);
            let weighted = waited * u128::from(g.wait_weight);
            let head = self.head_for(a, c.group) == Some(i);
            let score = match self.policy {
                RoutingPolicy::Priority => (self.aged(c), 0, weighted, -(c.uid as i64)),
                _ if !head => continue,
                RoutingPolicy::WeightedHol => (0, 0, weighted, -(c.uid as i64)),
                RoutingPolicy::FixedQueueRatio | RoutingPolicy::QueueIdleRatio => {
                    let excess = queued(c.group) * ratios - i128::from(g.queue_ratio) * total;
                    (0, excess, waited, -(c.uid as i64))
                }
            };
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// The head of line of group `g`: highest aged
    /// priority, then earliest arrival, then lowest uid.
    fn head(&self, g: usize) -> Option<usize> {
        self.line_first(g, |_| true)
    }

    /// The first call in group `g`'s line that agent `a` may take: the
    /// head, unless the group's call conditions refuse the agent.
    fn head_for(&self, a: usize, g: usize) -> Option<usize> {
        self.line_first(g, |i| self.accepts(a, i))
    }

    /// The first queued call of group `g`, in line order, passing `take`.
    fn line_first(&self, g: usize, take: impl Fn(usize) -> bool) -> Option<usize> {
        (0..self.calls.len())
            .filter(|&i| self.calls[i].state == MCallState::Queued && self.calls[i].group == g)
            .filter(|&i| take(i))
            .min_by_key(|&i| self.line_key(&self.calls[i]))
    }

    /// A queued call's place in its group's line, smaller
    /// first: highest aged priority, then earliest arrival, then lowest uid.
    fn line_key(&self, c: &MCall) -> (i64, u64, u64) {
        (-self.aged(c), c.arrived, c.uid)
    }

    /// Queue-and-idleness ratio: pools are agents eligible for the
    /// same groups; the call goes to the pool with the largest
    /// `I_j x N - n_j x SumI` among those able to serve `g` with a Ready
    /// agent (ties: the longest-idle head), and there to its longest-idle
    /// agent.
    fn qir_agent(&self, g: usize) -> Option<usize> {
        let n = self.agents.len();
        let key = |a: usize| -> Vec<usize> {
            (0..self.groups.len())
                .filter(|&h| self.eligible(a, h))
                .collect()
        };
        let keys: Vec<Vec<usize>> = (0..n).map(key).collect();
        let ready = |a: usize| self.agents[a].state == MState::Ready;
        let total: i128 = keys.iter().filter(|k| !k.is_empty()).count() as i128;
        let idle: i128 = (0..n).filter(|&a| ready(a) && !keys[a].is_empty()).count() as i128;
        let idle_key = |a: usize| (self.agents[a].idle_since, a as u64);
        let mut best: Option<(PoolScore, usize)> = None;
        for a in (0..n).filter(|&a| ready(a) && keys[a].contains(&g)) {
            let pool = |b: usize| keys[b] == keys[a];
            let size = (0..n).filter(|&b| pool(b)).count() as i128;
            let free = (0..n).filter(|&b| pool(b) && ready(b)).count() as i128;
            let head = (0..n)
                .filter(|&b| pool(b) && ready(b))
                .min_by_key(|&b| idle_key(b))
                .expect("a itself");
            let score = (
                free * total - size * idle,
                std::cmp::Reverse(idle_key(head)),
            );
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, head));
            }
        }
        best.map(|(_, a)| a)
    }

    /// Whether group `g`'s reserve holds agent `a` back.
    fn held_back(&self, a: usize, g: usize) -> bool {
        let Some((p, keep, wait)) = self.groups[g].reserve else {
            return false;
        };
        if !self.eligible(a, p) {
            return false;
        }
        let others = (0..self.agents.len())
            .filter(|&b| b != a && self.agents[b].state == MState::Ready && self.eligible(b, p))
            .count();
        if others < keep as usize {
            return true;
        }
        let head_wait = self.head(p).map_or(0, |i| self.now - self.calls[i].arrived);
        wait.is_some_and(|w| head_wait >= u64::from(w) * 1000)
    }

    /// Offers the waiting calls of reserving groups, in line order, to
    /// agents no longer held back: the first call with a
    /// free agent that may take it gets the best such agent.
    fn settle(&mut self) {
        for g in 0..self.groups.len() {
            if self.groups[g].reserve.is_none() {
                continue;
            }
            loop {
                let mut line: Vec<usize> = (0..self.calls.len())
                    .filter(|&i| {
                        self.calls[i].state == MCallState::Queued && self.calls[i].group == g
                    })
                    .collect();
                line.sort_by_key(|&i| self.line_key(&self.calls[i]));
                let pick = line.into_iter().find_map(|c| {
                    self.ready_agents(c)
                        .into_iter()
                        .find(|&a| !self.held_back(a, g))
                        .map(|a| (c, a))
                });
                let Some((c, a)) = pick else { break };
                self.offer(c, &[a]);
            }
        }
    }

    /// Routes call `c` (detached): offer to the best Ready agent(s), else
    /// it waits in the queue.
    fn place(&mut self, c: usize) {
        let g = self.calls[c].group;
        // a call whose preferred agent is logged out stops waiting
        // for it (the groups release when the preferred agents log out).
        if let (Some(p), Some(_)) = (self.calls[c].preferred, self.calls[c].preferred_until) {
            if self.agents[p].state == MState::LoggedOut {
                self.calls[c].preferred_until = None;
            }
        }
        let ready: Vec<usize> = self
            .ready_agents(c)
            .into_iter()
            .filter(|&a| !self.held_back(a, g))
            .collect();
        let spec = &self.groups[g];
        let qir = self.policy == RoutingPolicy::QueueIdleRatio
            && spec.reserve.is_none()
            && spec.strategy != Routing::RingAll
            && !spec.cond.reads_call()
            && self.calls[c].preferred_until.is_none();
        let chosen: Vec<usize> = if qir {
            self.qir_agent(g).into_iter().collect()
        } else if self.groups[g].strategy == Routing::RingAll {
            ready
        } else {
            ready.into_iter().take(1).collect()
        };
        if chosen.is_empty() {
            self.calls[c].state = MCallState::Queued;
        } else {
            self.offer(c, &chosen);
        }
    }

    fn offer(&mut self, c: usize, agents: &[usize]) {
        let g = self.calls[c].group;
        let ring_ms = match self.groups[g].ring_time_s {
            0 => MAX_RESERVATION_MS,
            s => u64::from(s) * 1000,
        };
        let deadline = self.now + ring_ms;
        let mut offers = Vec::new();
        for &a in agents {
            let epoch = self.next_epoch;
            self.next_epoch += 1;
            self.rr_counter[g] += 1;
            self.agents[a].rr_turn[g] = self.rr_counter[g];
            self.agents[a].busy_since.get_or_insert(self.now);
            self.agents[a].state = MState::Reserved {
                call: self.calls[c].name,
                epoch,
            };
            offers.push((a, epoch));
            self.effects.push(MEffect::Offer {
                call: self.calls[c].name,
                agent: a,
                group: g,
                epoch,
                deadline,
            });
        }
        let seq = self.seq();
        self.calls[c].state = MCallState::Offered {
            offers,
            deadline,
            seq,
        };
    }

    /// The agent becomes Ready and takes the best waiting call, if any.
    fn set_ready(&mut self, a: usize, fresh_idle: bool) {
        if fresh_idle {
            self.agents[a].idle_since = self.now;
        }
        self.leave_busy(a);
        let ag = &mut self.agents[a];
        let logged_on = (self.now - ag.logon_at).max(1);
        ag.occupancy_ppm = (u128::from(ag.busy_ms) * 1_000_000 / u128::from(logged_on)) as u64;
        ag.state = MState::Ready;
        if let Some(c) = self.best_call_for(a) {
            self.offer(c, &[a]);
        }
    }

    /// Closes the agent's busy period, if one is open.
    fn leave_busy(&mut self, a: usize) {
        let ag = &mut self.agents[a];
        if let Some(since) = ag.busy_since.take() {
            ag.busy_ms += self.now - since;
        }
    }

    fn set_not_ready(&mut self, a: usize, reason: String) {
        self.leave_busy(a);
        self.agents[a].state = MState::NotReady(reason);
        self.agents[a].after_call = None;
    }

    fn log_off(&mut self, a: usize) {
        self.leave_busy(a);
        let ag = &mut self.agents[a];
        ag.state = MState::LoggedOut;
        ag.after_call = None;
        ag.pending_logoff = false;
        // calls waiting only for this agent stop waiting, placed
        // again in line order.
        let mut waiting: Vec<usize> = (0..self.calls.len())
            .filter(|&c| {
                let call = &self.calls[c];
                call.preferred == Some(a) && call.preferred_until.is_some()
            })
            .collect();
        waiting.sort_by_key(|&c| self.line_key(&self.calls[c]));
        for c in waiting {
            self.release_preferred(c);
        }
    }

    /// A call or offer left the agent: deferred logoff, or the deferred
    /// Not Ready, or Ready.
    fn release(&mut self, a: usize, fresh_idle: bool) {
        if self.agents[a].pending_logoff {
            self.log_off(a);
        } else if let Some(reason) = self.agents[a].after_call.take() {
            self.set_not_ready(a, reason);
        } else {
            self.set_ready(a, fresh_idle);
        }
    }

    fn stop_ringing(&mut self, c: usize, agent: usize, epoch: u64) {
        let call = self.calls[c].name;
        self.effects
            .push(MEffect::StopRinging { call, agent, epoch });
    }

    /// Forgets call `c` (it left the engine).
    fn forget(&mut self, c: usize) {
        self.calls.remove(c);
    }

    /// Ring time ran out: every ringing agent Not Ready, the call
    /// back to its place in the queue, routed again.
    fn ring_timeout(&mut self, c: usize) {
        let MCallState::Offered { offers, .. } = self.calls[c].state.clone() else {
            unreachable!("ring timer of a call not ringing");
        };
        for (a, epoch) in offers {
            self.stop_ringing(c, a, epoch);
            self.set_not_ready(a, NO_ANSWER.to_string());
        }
        self.calls[c].state = MCallState::Queued;
        self.place(c);
    }

    // ---- commands ----------------------------------------------------

    /// Applies one operation; `Err(())` when the engine must refuse it.
    fn apply(&mut self, op: &Op) -> Result<(), ()> {
        match *op {
            Op::Logon(a) => {
                if self.agents[a].state != MState::LoggedOut {
                    return Err(());
                }
                let ag = &mut self.agents[a];
                ag.answered = 0;
                ag.pending_logoff = false;
                ag.logon_at = self.now;
                ag.busy_ms = 0;
                self.set_not_ready(a, LOGON.to_string());
            }
            Op::Logoff(a) => match self.agents[a].state.clone() {
                MState::LoggedOut => return Err(()),
                MState::Talking { .. } | MState::Hold { .. } => {
                    self.agents[a].pending_logoff = true;
                }
                MState::Reserved { call, .. } | MState::Alerting { call, .. } => {
                    let c = self.call(call).expect("a reserved agent's call is live");
                    self.withdraw(c, a);
                    self.log_off(a);
                }
                _ => self.log_off(a),
            },
            Op::Ready(a) => match self.agents[a].state {
                MState::NotReady(_) | MState::Clerical { .. } => {
                    self.agents[a].after_call = None;
                    self.set_ready(a, true);
                }
                MState::Ready => {}
                _ => return Err(()),
            },
            Op::NotReady(a) => match self.agents[a].state {
                MState::LoggedOut => return Err(()),
                MState::Ready | MState::NotReady(_) | MState::Clerical { .. } => {
                    self.set_not_ready(a, "BREAK".to_string());
                }
                _ => self.agents[a].after_call = Some("BREAK".to_string()),
            },
            Op::Arrive {
                call,
                group,
                priority,
                fr,
                preferred,
            } => {
                if group >= self.groups.len() || self.call(call).is_some() {
                    return Err(());
                }
                let uid = self.next_uid;
                self.next_uid += 1;
                let preferred_until =
                    preferred.map(|_| (self.now + PREFERRED_S * 1000, self.seq()));
                self.calls.push(MCall {
                    preferred,
                    preferred_until,
                    name: call,
                    group,
                    priority,
                    arrived: self.now,
                    uid,
                    state: MCallState::Queued,
                    fr,
                });
                self.place(self.calls.len() - 1);
            }
            Op::Alerting { call, pick } => {
                let (_, a, _) = self.offer_of(call, pick).ok_or(())?;
                let MState::Reserved { call, epoch } = self.agents[a].state else {
                    return Err(());
                };
                self.agents[a].state = MState::Alerting { call, epoch };
            }
            Op::Answer { call, pick } => {
                let (c, a, epoch) = self.offer_of(call, pick).ok_or(())?;
                self.answer(c, a, epoch);
            }
            Op::StaleAnswer { call, agent, epoch } => {
                let c = self.call(call).ok_or(())?;
                let MCallState::Offered { offers, .. } = &self.calls[c].state else {
                    return Err(());
                };
                if !offers.contains(&(agent, epoch)) {
                    return Err(());
                }
                self.answer(c, agent, epoch);
            }
            Op::Reject { call, pick } => {
                let (c, a, epoch) = self.offer_of(call, pick).ok_or(())?;
                self.reject(c, a, epoch);
            }
            Op::Hold(call) | Op::Retrieve(call) => {
                let on = matches!(op, Op::Hold(_));
                let c = self.call(call).ok_or(())?;
                let MCallState::Connected { agent } = self.calls[c].state else {
                    return Err(());
                };
                let ag = &mut self.agents[agent];
                ag.state = match (ag.state.clone(), on) {
                    (MState::Talking { call, epoch }, true) => MState::Hold { call, epoch },
                    (MState::Hold { call, epoch }, false) => MState::Talking { call, epoch },
                    _ => return Err(()),
                };
            }
            Op::Hangup(call) => {
                let c = self.call(call).ok_or(())?;
                self.hangup(c);
            }
            Op::Advance(_) | Op::Restore => unreachable!("not a command"),
        }
        Ok(())
    }

    /// The `pick`-th live offer of call `name`: (call index, agent, epoch).
    fn offer_of(&self, name: usize, pick: usize) -> Option<(usize, usize, u64)> {
        let c = self.call(name)?;
        match &self.calls[c].state {
            MCallState::Offered { offers, .. } => {
                let (a, e) = offers[pick % offers.len()];
                Some((c, a, e))
            }
            _ => None,
        }
    }

    fn answer(&mut self, c: usize, a: usize, epoch: u64) {
        let MCallState::Offered { offers, .. } =
            std::mem::replace(&mut self.calls[c].state, MCallState::Connected { agent: a })
        else {
            unreachable!("answer of a call not ringing");
        };
        self.agents[a].state = MState::Talking {
            call: self.calls[c].name,
            epoch,
        };
        self.agents[a].answered += 1;
        for (other, e) in offers.into_iter().filter(|o| o.0 != a) {
            self.stop_ringing(c, other, e);
            self.release(other, false);
        }
    }

    fn reject(&mut self, c: usize, a: usize, epoch: u64) {
        let MCallState::Offered { offers, .. } = &mut self.calls[c].state else {
            unreachable!("reject of a call not ringing");
        };
        offers.retain(|o| o.0 != a);
        let empty = offers.is_empty();
        self.stop_ringing(c, a, epoch);
        self.set_not_ready(a, NO_ANSWER.to_string());
        if empty {
            self.calls[c].state = MCallState::Queued;
            self.place(c);
        }
    }

    /// Agent `a` leaves the offer round of call `c` (it logs off while ringing).
    fn withdraw(&mut self, c: usize, a: usize) {
        let MCallState::Offered { offers, .. } = &mut self.calls[c].state else {
            unreachable!("withdraw from a call not ringing");
        };
        let pos = offers.iter().position(|o| o.0 == a).expect("agent rings");
        let (_, epoch) = offers.remove(pos);
        let empty = offers.is_empty();
        self.stop_ringing(c, a, epoch);
        if empty {
            self.calls[c].state = MCallState::Queued;
            self.place(c);
        }
    }

    fn hangup(&mut self, c: usize) {
        match self.calls[c].state.clone() {
            MCallState::Queued => self.forget(c),
            MCallState::Offered { offers, .. } => {
                for &(a, e) in &offers {
                    self.stop_ringing(c, a, e);
                }
                self.forget(c);
                for &(a, _) in &offers {
                    self.release(a, false);
                }
            }
            MCallState::Connected { agent } => {
                let clerical_s = self.groups[self.calls[c].group].clerical_s;
                self.forget(c);
                self.end_call(agent, clerical_s);
            }
        }
    }

    /// After a call: deferred logoff at once; else clerical for the
    /// group's time; else Ready / the deferred Not Ready.
    fn end_call(&mut self, a: usize, clerical_s: u32) {
        if clerical_s == 0 || self.agents[a].pending_logoff {
            self.release(a, true);
            return;
        }
        let seq = self.seq();
        self.agents[a].state = MState::Clerical {
            until: self.now + u64::from(clerical_s) * 1000,
            seq,
        };
    }
}

#[derive(Clone, Copy, Debug)]
enum Timer {
    Ring(usize),
    Clerical(usize),
    Preferred(usize),
}

// ---------------------------------------------------------------------------
// Operations, and the driver that applies them to both.

#[derive(Clone, Debug)]
enum Op {
    Logon(usize),
    Logoff(usize),
    Ready(usize),
    NotReady(usize),
    /// `group` may name a group that does not exist (refused).
    Arrive {
        call: usize,
        group: usize,
        priority: i32,
        /// Call data `lang`: "fr" when true.
        fr: bool,
        /// Preferred agent, waited for [`PREFERRED_S`].
        preferred: Option<usize>,
    },
    /// Report on the `pick`-th agent the call rings at.
    Alerting {
        call: usize,
        pick: usize,
    },
    Answer {
        call: usize,
        pick: usize,
    },
    /// An answer with an arbitrary (mostly stale) epoch.
    StaleAnswer {
        call: usize,
        agent: usize,
        epoch: u64,
    },
    Reject {
        call: usize,
        pick: usize,
    },
    Hold(usize),
    Retrieve(usize),
    Hangup(usize),
    /// Let time pass by this many milliseconds (multiples of 500 so that
    /// deadlines often coincide).
    Advance(u64),
    /// Save the engine and continue with the reloaded copy: the
    /// copy must go on deciding exactly as the model.
    Restore,
}

/// Operations; `restores` adds save/reload steps.
fn op(agents: usize, restores: bool) -> BoxedStrategy<Op> {
    let ops = commands(agents);
    if restores {
        prop_oneof![40 => ops, 1 => Just(Op::Restore)].boxed()
    } else {
        ops.boxed()
    }
}

fn commands(agents: usize) -> impl Strategy<Value = Op> {
    let call = 0..CALLS;
    prop_oneof![
        3 => (0..agents).prop_map(Op::Logon),
        1 => (0..agents).prop_map(Op::Logoff),
        6 => (0..agents).prop_map(Op::Ready),
        2 => (0..agents).prop_map(Op::NotReady),
        6 => (
            call.clone(),
            0..3usize,
            0..3i32,
            any::<bool>(),
            prop::option::weighted(0.25, 0..agents),
        )
            .prop_map(|(call, group, priority, fr, preferred)| Op::Arrive {
                call,
                group,
                priority,
                fr,
                preferred,
            }),
        1 => (call.clone(), 0..4usize).prop_map(|(call, pick)| Op::Alerting { call, pick }),
        7 => (call.clone(), 0..4usize).prop_map(|(call, pick)| Op::Answer { call, pick }),
        1 => (call.clone(), 0..agents, 0..30u64)
            .prop_map(|(call, agent, epoch)| Op::StaleAnswer { call, agent, epoch }),
        1 => (call.clone(), 0..4usize).prop_map(|(call, pick)| Op::Reject { call, pick }),
        1 => call.clone().prop_map(Op::Hold),
        1 => call.clone().prop_map(Op::Retrieve),
        4 => call.prop_map(Op::Hangup),
        5 => (0..24u64).prop_map(|k| Op::Advance(k * 500)),
    ]
}

fn case(restores: bool) -> impl Strategy<Value = (Scenario, Vec<Op>)> {
    scenario().prop_flat_map(move |s| {
        let n = s.agents.len();
        (Just(s), prop::collection::vec(op(n, restores), 1..150))
    })
}

/// The engine command for an operation, built from the model's view of
/// the current offers (so that answers carry the epoch the engine issued
/// if, and only if, the model agrees there is such an offer).
fn command(model: &Model, op: &Op) -> Command {
    let voice = Media::Voice;
    let offer = |call: usize, pick: usize| {
        model
            .offer_of(call, pick)
            .map_or((0, 0), |(_, a, e)| (a, e))
    };
    match *op {
        Op::Logon(a) => Command::Logon {
            agent: agent_id(a).into(),
            extension: format!("x{a}").into(),
            media: vec![],
        },
        Op::Logoff(a) => Command::Logoff {
            agent: agent_id(a).into(),
            reason: None,
        },
        Op::Ready(a) => Command::Ready {
            agent: agent_id(a).into(),
            media: voice,
        },
        Op::NotReady(a) => Command::NotReady {
            agent: agent_id(a).into(),
            reason: "BREAK".into(),
            media: voice,
        },
        Op::Arrive {
            call,
            group,
            priority,
            fr,
            preferred,
        } => Command::call_arrived(CallSpec {
            priority: Some(priority),
            data: [("lang".to_string(), if fr { "fr" } else { "en" }.to_string())].into(),
            preferred_agents: preferred
                .map(|a| PreferredAgent {
                    agent: agent_id(a).into(),
                    score: None,
                })
                .into_iter()
                .collect(),
            preferred_timeout_s: preferred.map(|_| PREFERRED_S as u32),
            ..CallSpec::new(call_id(call), group_id(group))
        }),
        Op::Alerting { call, pick } => {
            let (a, epoch) = offer(call, pick);
            Command::Alerting {
                call: call_id(call).into(),
                agent: agent_id(a).into(),
                epoch,
            }
        }
        Op::Answer { call, pick } => {
            let (a, epoch) = offer(call, pick);
            Command::Answered {
                call: call_id(call).into(),
                agent: agent_id(a).into(),
                epoch,
            }
        }
        Op::StaleAnswer { call, agent, epoch } => Command::Answered {
            call: call_id(call).into(),
            agent: agent_id(agent).into(),
            epoch,
        },
        Op::Reject { call, pick } => {
            let (a, epoch) = offer(call, pick);
            Command::Rejected {
                call: call_id(call).into(),
                agent: agent_id(a).into(),
                epoch,
            }
        }
        Op::Hold(call) => Command::Hold {
            call: call_id(call).into(),
        },
        Op::Retrieve(call) => Command::Retrieve {
            call: call_id(call).into(),
        },
        Op::Hangup(call) => Command::Hangup {
            call: call_id(call).into(),
        },
        Op::Advance(_) | Op::Restore => unreachable!("not a command"),
    }
}

/// Parses the number out of an id like "a3" / "c7" / "g1".
fn index_of(id: &str) -> usize {
    id[1..].parse().expect("ids built by this test")
}

/// The engine's effects of one step, in the model's terms.
fn engine_effects(engine: &mut Engine) -> Vec<MEffect> {
    engine
        .drain_effects()
        .map(|e| match e {
            Effect::Offer {
                call,
                agent,
                group,
                epoch,
                deadline,
                ..
            } => MEffect::Offer {
                call: index_of(call.as_str()),
                agent: index_of(agent.as_str()),
                group: index_of(group.as_str()),
                epoch,
                deadline: deadline.as_millis(),
            },
            Effect::StopRinging {
                call, agent, epoch, ..
            } => MEffect::StopRinging {
                call: index_of(call.as_str()),
                agent: index_of(agent.as_str()),
                epoch,
            },
            other => panic!("effect outside the modelled subset: {other:?}"),
        })
        .collect()
}

impl Model {
    fn agent_status(&self, a: usize) -> AgentStatus {
        let call = |c: usize| CallId::new(call_id(c));
        match self.agents[a].state {
            MState::LoggedOut => AgentStatus::LoggedOut,
            MState::NotReady(ref r) => AgentStatus::NotReady {
                reason: r.as_str().into(),
            },
            MState::Ready => AgentStatus::Ready,
            MState::Reserved { call: c, epoch } => AgentStatus::Reserved {
                call: call(c),
                epoch,
            },
            MState::Alerting { call: c, epoch } => AgentStatus::Alerting {
                call: call(c),
                epoch,
            },
            MState::Talking { call: c, epoch } => AgentStatus::Talking {
                call: call(c),
                epoch,
            },
            MState::Hold { call: c, epoch } => AgentStatus::Hold {
                call: call(c),
                epoch,
            },
            MState::Clerical { until, .. } => AgentStatus::Clerical {
                until: Instant::from_millis(until),
            },
        }
    }

    fn call_status(&self, name: usize) -> Option<CallStatus> {
        let c = &self.calls[self.call(name)?];
        let group = GroupId::new(group_id(c.group));
        Some(match &c.state {
            MCallState::Queued => {
                let ahead = self
                    .calls
                    .iter()
                    .filter(|o| {
                        o.group == c.group
                            && o.state == MCallState::Queued
                            && self.line_key(o) < self.line_key(c)
                    })
                    .count();
                CallStatus::Queued {
                    group,
                    stage: 0,
                    position: ahead + 1,
                }
            }
            MCallState::Offered { offers, .. } => CallStatus::Offered {
                group,
                agents: offers
                    .iter()
                    .map(|&(a, e)| (AgentId::new(agent_id(a)), e))
                    .collect(),
            },
            MCallState::Connected { agent } => CallStatus::Connected {
                group,
                agent: AgentId::new(agent_id(*agent)),
            },
        })
    }
}

/// Feeds `ops` to the engine and the model; fails at the first step where
/// they disagree.
fn run(scenario: &Scenario, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut engine = Engine::new(scenario.engine_config()).expect("valid config");
    engine.set_events_enabled(false);
    let tenant = TenantId::new(TENANT);
    let mut model = Model::new(scenario);
    let mut now = 0u64;
    for (step, op) in ops.iter().enumerate() {
        let (engine_ok, model_ok) = if let Op::Advance(ms) = op {
            now += ms;
            engine.handle_timeout(Instant::from_millis(now));
            model.advance(now);
            (true, true)
        } else if let Op::Restore = op {
            let saved = serde_json::to_string(&engine).expect("engine serializes");
            engine = serde_json::from_str(&saved).expect("own snapshot loads");
            (true, true)
        } else {
            let cmd = command(&model, op);
            let r = engine.handle(Instant::from_millis(now), &tenant, cmd);
            model.advance(now);
            let m = model.apply(op);
            if m.is_ok() {
                model.settle();
            }
            (r.is_ok(), m.is_ok())
        };
        let ctx = || format!("step {step} at {now} ms: {op:?}");
        prop_assert_eq!(engine_ok, model_ok, "accepted? {}", ctx());
        let effects = engine_effects(&mut engine);
        prop_assert_eq!(
            effects,
            std::mem::take(&mut model.effects),
            "effects, {}",
            ctx()
        );
        for a in 0..model.agents.len() {
            let got = engine
                .agent_status(&tenant, &AgentId::new(agent_id(a)), Media::Voice)
                .expect("configured agent");
            prop_assert_eq!(got, model.agent_status(a), "agent a{}, {}", a, ctx());
        }
        for c in 0..CALLS {
            let got = engine.call_status(&tenant, &CallId::new(call_id(c))).ok();
            prop_assert_eq!(got, model.call_status(c), "call c{}, {}", c, ctx());
        }
        prop_assert_eq!(engine.live_calls(), model.calls.len(), "{}", ctx());
        if let Err(e) = engine.check_invariants() {
            return Err(TestCaseError::fail(format!("invariant: {e}; {}", ctx())));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The engine decides exactly as the naive reference router (R-3.1,
    ///
    #[test]
    fn engine_routes_like_the_reference_model((scenario, ops) in case(false)) {
        run(&scenario, &ops)?;
    }

    /// The same with save/reload steps in the stream: a reloaded
    /// engine must go on deciding exactly as before. (This found the lost
    /// deferred logoff, see tests/snapshot_load.rs.)
    #[test]
    fn engine_routes_like_the_reference_model_across_restores((scenario, ops) in case(true)) {
        run(&scenario, &ops)?;
    }
}

// ---------------------------------------------------------------------------
// Hand-written cases pinning individual tie-break rules against the model,
// so a failure names the rule.

fn one_group(strategy: Routing, agents: Vec<[u8; 2]>) -> Scenario {
    Scenario {
        policy: RoutingPolicy::Priority,
        groups: vec![GroupSpec {
            skills: vec![(0, 1)],
            strategy,
            wait_weight: 100,
            clerical_s: 0,
            ring_time_s: 8,
            queue_ratio: 1,
            reserve: None,
            cond: Cond::None,
            order_by_rating: false,
            aging_rate: 0,
        }],
        attrs: vec![(false, 0); agents.len()],
        agents,
    }
}

/// Runs `ops` through the engine (checked against the model) and returns
/// the agents the model offered calls to, in order.
fn offered_agents(s: &Scenario, ops: &[Op]) -> Vec<usize> {
    run(s, ops).expect("engine agrees with the model");
    let mut model = Model::new(s);
    let mut offered = Vec::new();
    for op in ops {
        match op {
            Op::Advance(ms) => model.advance(model.now + ms),
            _ => {
                model.apply(op).expect("accepted");
                model.settle();
            }
        }
        for e in model.effects.drain(..) {
            if let MEffect::Offer { agent, .. } = e {
                offered.push(agent);
            }
        }
    }
    offered
}

#[test]
fn most_skilled_prefers_the_highest_level_then_longest_idle() {
    let s = one_group(Routing::MostSkilled, vec![[3, 0], [7, 0], [7, 0]]);
    let ops = [
        Op::Logon(0),
        Op::Logon(1),
        Op::Logon(2),
        Op::Ready(2),
        Op::Advance(500),
        Op::Ready(0),
        Op::Ready(1),
        Op::Arrive {
            call: 0,
            group: 0,
            priority: 0,
            fr: false,
            preferred: None,
        },
        Op::Arrive {
            call: 1,
            group: 0,
            priority: 0,
            fr: false,
            preferred: None,
        },
        Op::Arrive {
            call: 2,
            group: 0,
            priority: 0,
            fr: false,
            preferred: None,
        },
    ];
    // a2 and a1 have level 7; a2 has been idle longer; a0 (level 3) last.
    assert_eq!(offered_agents(&s, &ops), vec![2, 1, 0]);
}

#[test]
fn least_occupied_prefers_the_least_busy_over_the_longest_idle() {
    let s = one_group(Routing::LeastOccupied, vec![[5, 0], [5, 0]]);
    let ops = [
        Op::Logon(0),
        Op::Logon(1),
        Op::Ready(0),
        Op::Arrive {
            call: 0,
            group: 0,
            priority: 0,
            fr: false,
            preferred: None,
        },
        Op::Answer { call: 0, pick: 0 },
        Op::Advance(5000),
        // a0 was busy its whole 5 s: Ready again at 100 % occupancy.
        Op::Hangup(0),
        Op::Advance(1000),
        // a1: 0 % occupancy, but idle for less time than a0.
        Op::Ready(1),
        Op::Advance(1000),
        Op::Arrive {
            call: 1,
            group: 0,
            priority: 0,
            fr: false,
            preferred: None,
        },
    ];
    assert_eq!(offered_agents(&s, &ops), vec![0, 1]);
}

#[test]
fn ready_agent_takes_highest_priority_then_weighted_wait() {
    let mut s = one_group(Routing::LongestIdle, vec![[5, 5]]);
    s.groups.push(GroupSpec {
        skills: vec![(1, 1)],
        strategy: Routing::LongestIdle,
        wait_weight: 300,
        clerical_s: 0,
        ring_time_s: 8,
        queue_ratio: 1,
        reserve: None,
        cond: Cond::None,
        order_by_rating: false,
        aging_rate: 0,
    });
    let ops = [
        Op::Logon(0),
        Op::Arrive {
            call: 0,
            group: 0,
            priority: 0,
            fr: false,
            preferred: None,
        },
        Op::Advance(2000),
        Op::Arrive {
            call: 1,
            group: 1,
            priority: 0,
            fr: false,
            preferred: None,
        },
        Op::Advance(1500),
        // c0 waited 3.5 s x 100, c1 waited 1.5 s x 300: c1 scores higher.
        Op::Ready(0),
    ];
    run(&s, &ops).expect("engine agrees with the model");
}

/// Two groups (skills s0, s1), one agent with both, and `policy`.
fn two_groups(policy: RoutingPolicy, second: GroupSpec) -> Scenario {
    let mut s = one_group(Routing::LongestIdle, vec![[5, 5]]);
    s.policy = policy;
    s.groups.push(second);
    s
}

fn arrive(call: usize, group: usize, priority: i32) -> Op {
    Op::Arrive {
        call,
        group,
        priority,
        fr: false,
        preferred: None,
    }
}

fn second_group(wait_weight: u32, queue_ratio: u32) -> GroupSpec {
    GroupSpec {
        skills: vec![(1, 1)],
        strategy: Routing::LongestIdle,
        wait_weight,
        clerical_s: 0,
        ring_time_s: 8,
        queue_ratio,
        reserve: None,
        cond: Cond::None,
        order_by_rating: false,
        aging_rate: 0,
    }
}

#[test]
fn weighted_hol_ignores_priority_across_groups() {
    // c0 (priority 9) waited 3.5 s x 100; c1 (priority 0) 1.5 s x
    // 300 -> c1, where R-3.5's priority rule would take c0.
    let s = two_groups(RoutingPolicy::WeightedHol, second_group(300, 1));
    let ops = [
        Op::Logon(0),
        arrive(0, 0, 9),
        Op::Advance(2000),
        arrive(1, 1, 0),
        Op::Advance(1500),
        Op::Ready(0),
    ];
    run(&s, &ops).expect("engine agrees with the model");
    let mut model = Model::new(&s);
    for op in &ops {
        match op {
            Op::Advance(ms) => model.advance(model.now + ms),
            _ => model.apply(op).expect("accepted"),
        }
    }
    assert!(model
        .effects
        .iter()
        .any(|e| matches!(e, MEffect::Offer { call: 1, .. })));
}

#[test]
fn fixed_queue_ratio_serves_the_group_furthest_above_its_share() {
    // ratios 1 : 3; queues g0 = 2 (c0, c1), g1 = 3 (c2..c4):
    // g0 2 x 4 - 1 x 5 = 3 > g1 3 x 4 - 3 x 5 = -3 -> g0's head, c0.
    let s = two_groups(RoutingPolicy::FixedQueueRatio, second_group(100, 3));
    let mut ops = vec![Op::Logon(0), arrive(0, 0, 0), arrive(1, 0, 0)];
    ops.extend((2..5).map(|c| arrive(c, 1, 0)));
    ops.push(Op::Advance(1000));
    ops.push(Op::Ready(0));
    run(&s, &ops).expect("engine agrees with the model");
    let mut s2 = s.clone();
    // With one call less in g0 (1 x 4 - 4 = 0 vs 3 x 4 - 3 x 4 = 0): a tie
    // goes to the longer head-of-line wait; both arrived at 0, so the
    // earlier arrival, c0.
    s2.policy = RoutingPolicy::FixedQueueRatio;
    let ops2: Vec<Op> = ops
        .iter()
        .filter(|o| !matches!(o, Op::Arrive { call: 1, .. }))
        .cloned()
        .collect();
    run(&s2, &ops2).expect("engine agrees with the model");
}

#[test]
fn threshold_reservation_holds_shared_agents_and_releases_them_at_once() {
    // g1 reserves for g0, keeping 1 other agent idle. a0 serves both, a1
    // only g0. A g1 call waits while a0 is the only Ready g0 agent, and is
    // offered to a0 the moment a1 becomes Ready.
    let mut s = one_group(Routing::LongestIdle, vec![[5, 5], [5, 0]]);
    let mut second = second_group(100, 1);
    second.reserve = Some((0, 1, None));
    s.groups.push(second);
    let ops = [
        Op::Logon(0),
        Op::Logon(1),
        Op::Ready(0),
        arrive(0, 1, 0),
        Op::Advance(1000),
        Op::Ready(1),
    ];
    assert_eq!(offered_agents(&s, &ops), vec![0]);
}

#[test]
fn a_reserve_bounded_by_wait_lifts_when_a_fresh_call_heads_the_line() {
    // g1 keeps its agents back while g0's head has waited 2 s. At
    // 2 s a1 (French) is Ready but may not take g0's English call
    // and is held back from g1. A priority-1 call then heads g0's line with
    // no wait: the reserve lifts and a1 takes g1's call at once.
    let group = |cond, reserve| GroupSpec {
        skills: vec![],
        strategy: Routing::LongestIdle,
        wait_weight: 100,
        clerical_s: 0,
        ring_time_s: 8,
        queue_ratio: 1,
        reserve,
        cond,
        order_by_rating: false,
        aging_rate: 0,
    };
    let s = Scenario {
        policy: RoutingPolicy::Priority,
        groups: vec![
            group(Cond::CallLang, None),
            group(Cond::None, Some((0, 0, Some(2)))),
        ],
        attrs: vec![(false, 0), (true, 2)],
        agents: vec![[0, 0], [0, 0]],
    };
    let ops = [
        arrive(0, 0, 0),
        Op::Advance(2000),
        Op::Logon(1),
        arrive(1, 1, 0),
        Op::Ready(1),
        arrive(2, 0, 1),
    ];
    assert_eq!(offered_agents(&s, &ops), vec![1]);
}

//! A realistic mixed command stream, recorded once and replayed for
//! throughput.
//!
//! A small closed-loop driver plays the telephony side and the agents
//! against a [`crate::floor`] contact centre: Poisson arrivals over the 500
//! groups (priorities 0..=2) at the rate that keeps agents about 90 %
//! occupied; every offer is followed by `Alerting` after 100 ms and
//! `Answered` after 1-5 s; talk times are exponential; queued callers
//! abandon after an exponential patience; agents take breaks
//! (`NotReady`/`Ready`); clerical time ends by engine timer. After a
//! warm-up, the driver records every command and every timer wake-up with
//! its time. The engine is deterministic, so replaying the recording on a
//! clone of the engine as it was at the start of the recording repeats the
//! same work exactly — without the driver's own cost.

use crate::floor::{self, GROUPS};
use acd_engine::{
    AgentId, CallId, CallSpec, CallStatus, Command, Effect, Engine, Instant, Media, ReasonCode,
    Strategy, TenantId,
};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// One input of the recorded stream.
// Steps are stored inline and read in order; boxing commands would add a
// pointer chase to every replayed step.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Step {
    /// `engine.handle(at, tenant, command)`.
    Command(Instant, Command),
    /// `engine.handle_timeout(at)`.
    Timeout(Instant),
}

/// Shape of the generated traffic.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Agents on the floor (all logged on and Ready at the start).
    pub agents: usize,
    /// Skills per agent; each agent serves 5 groups per skill.
    pub skills_per_agent: usize,
    /// Steps to record after the warm-up.
    pub steps: usize,
    /// Target agent occupancy, 0..1.
    pub occupancy: f64,
    /// Mean talk time, seconds.
    pub talk_s: f64,
    /// Mean caller patience while queued, seconds.
    pub patience_s: f64,
    /// Clerical (wrap-up) seconds of every group.
    pub clerical_s: u32,
    /// Simulated warm-up before recording, seconds.
    pub warm_up_s: u64,
    /// Seed of the driver's random choices.
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            agents: 10_000,
            skills_per_agent: floor::SKILLS_PER_AGENT,
            steps: 200_000,
            occupancy: 0.9,
            talk_s: 180.0,
            patience_s: 90.0,
            clerical_s: 5,
            warm_up_s: 900,
            seed: 42,
        }
    }
}

/// A recorded stream and the engine it starts from.
#[derive(Clone)]
pub struct Recording {
    /// The engine at the first step.
    pub start: Engine,
    /// The steps.
    pub steps: Vec<Step>,
    /// The tenant every command is for.
    pub tenant: TenantId,
    /// Commands among the steps.
    pub commands: usize,
    /// Commands the engine refused while recording (replay refuses the same).
    pub refused: usize,
    /// Effects produced while recording (replay produces the same).
    pub effects: usize,
}

/// Replays `steps` on `engine`, draining outputs as an embedder would.
/// Returns (refused commands, effects, events).
pub fn replay(engine: &mut Engine, tenant: &TenantId, steps: Vec<Step>) -> (usize, usize, usize) {
    let (mut refused, mut effects, mut events) = (0, 0, 0);
    for step in steps {
        match step {
            Step::Command(at, command) => {
                if engine.handle(at, tenant, command).is_err() {
                    refused += 1;
                }
            }
            Step::Timeout(at) => engine.handle_timeout(at),
        }
        effects += engine.drain_effects().count();
        events += engine.drain_events().count();
    }
    (refused, effects, events)
}

/// Driver actions, scheduled in simulated time.
#[derive(Clone, Debug)]
enum Action {
    Arrive,
    Alerting(CallId, AgentId, u64),
    Answer(CallId, AgentId, u64),
    Hangup(CallId),
    Abandon(CallId),
    Break,
    Return(AgentId),
}

struct Scheduled {
    at: u64,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// SplitMix64: small, seeded, good enough for traffic shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Exponential with the given mean, in milliseconds.
    fn exp_ms(&mut self, mean_s: f64) -> u64 {
        (-self.unit().ln() * mean_s * 1000.0) as u64
    }
}

struct Driver {
    engine: Engine,
    tenant: TenantId,
    shape: Shape,
    rng: Rng,
    queue: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    next_call: u64,
    /// Mean time between arrivals, seconds.
    interarrival_s: f64,
    recording: Option<Vec<Step>>,
    refused: usize,
    effects: usize,
}

/// Runs the driver through the warm-up, then records `shape.steps` steps.
pub fn record(shape: Shape) -> Recording {
    let mut driver = Driver::new(shape);
    driver.run_until(shape.warm_up_s * 1000, usize::MAX);
    let start = driver.engine.clone();
    driver.recording = Some(Vec::with_capacity(shape.steps));
    driver.refused = 0;
    driver.effects = 0;
    driver.run_until(u64::MAX, shape.steps);
    let steps = driver.recording.take().unwrap_or_default();
    let commands = steps
        .iter()
        .filter(|s| matches!(s, Step::Command(..)))
        .count();
    Recording {
        start,
        steps,
        tenant: driver.tenant,
        commands,
        refused: driver.refused,
        effects: driver.effects,
    }
}

impl Driver {
    fn new(shape: Shape) -> Driver {
        let config = floor::config_with(
            shape.agents,
            Strategy::LongestIdle,
            shape.clerical_s,
            shape.skills_per_agent,
        );
        let engine = Engine::new(config).expect("valid workload config");
        let handle_s = shape.talk_s + f64::from(shape.clerical_s) + 3.0;
        let mut driver = Driver {
            engine,
            tenant: TenantId::new(floor::TENANT),
            shape,
            rng: Rng(shape.seed),
            queue: BinaryHeap::new(),
            seq: 0,
            next_call: 0,
            interarrival_s: handle_s / (shape.agents as f64 * shape.occupancy),
            recording: None,
            refused: 0,
            effects: 0,
        };
        for i in 0..shape.agents {
            let agent = floor::agent_id(i);
            driver.apply(
                0,
                Command::Logon {
                    agent: agent.clone(),
                    extension: format!("{}", 100_000 + i).into(),
                    media: vec![],
                },
            );
            driver.apply(
                0,
                Command::Ready {
                    agent,
                    media: Media::Voice,
                },
            );
        }
        driver.schedule(0, Action::Arrive);
        driver.schedule(0, Action::Break);
        driver
    }

    fn schedule(&mut self, at: u64, action: Action) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            action,
        }));
    }

    fn recorded(&self) -> usize {
        self.recording.as_ref().map_or(0, Vec::len)
    }

    fn run_until(&mut self, until_ms: u64, max_steps: usize) {
        while self.recorded() < max_steps {
            let next_action = self.queue.peek().map_or(u64::MAX, |s| s.0.at);
            let next_timer = self
                .engine
                .poll_timeout()
                .map_or(u64::MAX, |t| t.as_millis());
            let at = next_action.min(next_timer);
            if at >= until_ms {
                return;
            }
            if next_timer <= next_action {
                self.timeout(next_timer);
            } else if let Some(Reverse(s)) = self.queue.pop() {
                self.act(s.at, s.action);
            }
        }
    }

    fn timeout(&mut self, at: u64) {
        let now = Instant::from_millis(at);
        self.engine.handle_timeout(now);
        if let Some(r) = &mut self.recording {
            r.push(Step::Timeout(now));
        }
        self.react(at);
    }

    fn apply(&mut self, at: u64, command: Command) {
        let now = Instant::from_millis(at);
        if let Some(r) = &mut self.recording {
            r.push(Step::Command(now, command.clone()));
        }
        if self.engine.handle(now, &self.tenant, command).is_err() {
            self.refused += 1;
        }
        self.react(at);
    }

    /// Plays the telephony side: every offer rings, then is answered.
    fn react(&mut self, at: u64) {
        self.engine.drain_events().for_each(drop);
        let effects: Vec<Effect> = self.engine.drain_effects().collect();
        self.effects += effects.len();
        for effect in effects {
            if let Effect::Offer {
                call, agent, epoch, ..
            } = effect
            {
                let answer_after = 1000 + self.rng.below(4000) as u64;
                self.schedule(
                    at + 100,
                    Action::Alerting(call.clone(), agent.clone(), epoch),
                );
                self.schedule(at + answer_after, Action::Answer(call, agent, epoch));
            }
        }
    }

    fn act(&mut self, at: u64, action: Action) {
        match action {
            Action::Arrive => self.arrive(at),
            Action::Alerting(call, agent, epoch) => {
                self.apply(at, Command::Alerting { call, agent, epoch })
            }
            Action::Answer(call, agent, epoch) => {
                let talk = self.rng.exp_ms(self.shape.talk_s);
                self.schedule(at + talk, Action::Hangup(call.clone()));
                self.apply(at, Command::Answered { call, agent, epoch });
            }
            Action::Hangup(call) => {
                if self.engine.call_status(&self.tenant, &call).is_ok() {
                    self.apply(at, Command::Hangup { call });
                }
            }
            Action::Abandon(call) => {
                if matches!(
                    self.engine.call_status(&self.tenant, &call),
                    Ok(CallStatus::Queued { .. })
                ) {
                    self.apply(at, Command::Hangup { call });
                }
            }
            Action::Break => self.take_break(at),
            Action::Return(agent) => self.apply(
                at,
                Command::Ready {
                    agent,
                    media: Media::Voice,
                },
            ),
        }
    }

    fn arrive(&mut self, at: u64) {
        self.next_call += 1;
        let call = CallId::new(format!("w{}", self.next_call));
        let mut spec = CallSpec::new(call.clone(), floor::group_id(self.rng.below(GROUPS)));
        spec.priority = Some(self.rng.below(3) as i32);
        let patience = self.rng.exp_ms(self.shape.patience_s);
        self.schedule(at + patience, Action::Abandon(call));
        let gap = self.rng.exp_ms(self.interarrival_s);
        self.schedule(at + gap, Action::Arrive);
        self.apply(at, Command::call_arrived(spec));
    }

    /// A random agent, if Ready, takes a 5-minute (mean) break. Attempts
    /// come every 30,000/agents seconds on average, so at most about 1 % of
    /// the agents are on break at any time.
    fn take_break(&mut self, at: u64) {
        let agent = floor::agent_id(self.rng.below(self.shape.agents));
        let gap = self.rng.exp_ms(30_000.0 / self.shape.agents as f64);
        self.schedule(at + gap, Action::Break);
        if self.engine.agent_status(&self.tenant, &agent, Media::Voice)
            == Ok(acd_engine::AgentStatus::Ready)
        {
            let back = self.rng.exp_ms(300.0);
            self.schedule(at + back, Action::Return(agent.clone()));
            self.apply(
                at,
                Command::NotReady {
                    agent,
                    reason: ReasonCode::new("break"),
                    media: Media::Voice,
                },
            );
        }
    }
}

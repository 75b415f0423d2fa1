//! The discrete-event driver: it runs the real [`acd_engine::Engine`] under
//! a simulated clock.
//!
//! Agents log on and go Ready at the start of their shift (time zero by
//! default) and log off at its end (after the call they are on, R-2.3).
//! Calls arrive from the [`ArrivalStream`]s as `CallArrived` commands; every
//! `Offer` effect is answered (at once, or after the scenario's answer
//! delay), the call hangs up after its handle time, and a caller whose
//! patience runs out while still waiting hangs up (an abandon, R-3.9). The
//! engine's own timers (clerical end, ring-time supervision,
//! stages, max wait) are interleaved with the simulated events
//! via `poll_timeout`/`handle_timeout`, each fired at its exact deadline.
//!
//! Arrivals stop at the end of the measured window; the run then continues
//! until every measured call is answered or gone (or a day later at most,
//! after which the leftovers are reported as unresolved).

use crate::arrivals::ArrivalStream;
use crate::clock::{Clock, SimEvent};
use crate::measure::{Recorder, Stay, Window};
use crate::scenario::{Scenario, ScenarioError};
use acd_engine::journal::{
    DurableEngine, DurableError, EngineStore, FsyncPolicy, JournalIo, JournalOptions, OsIo,
};
use acd_engine::{
    AgentId, CallId, CallSpec, Cause, Command, Destination, Effect, Engine, Epoch, EventKind,
    GroupId, GroupStats, Media, TenantId,
};
use compact_str::ToCompactString;
use hashbrown::HashMap;
use slab::Slab;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant as WallClock;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario is invalid.
    #[error("scenario: {0}")]
    Scenario(#[from] ScenarioError),
    /// The engine refused the initial set-up (logon/ready).
    #[error("engine refused set-up: {0}")]
    Engine(#[from] acd_engine::Error),
    /// The journal directory could not be opened or written.
    #[error("journal: {0}")]
    Journal(String),
}

impl From<DurableError> for SimError {
    fn from(e: DurableError) -> Self {
        match e {
            DurableError::Engine(e) => SimError::Engine(e),
            other => SimError::Journal(other.to_string()),
        }
    }
}

/// How long a run may continue after the window to resolve measured calls.
const DRAIN_LIMIT_MS: u64 = 24 * 3600 * 1000;
/// Events between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Where a simulated call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Queued in the engine, not offered yet (or offered and re-queued).
    Waiting,
    /// Offered to `agent`; waiting for the answer delay.
    Ringing {
        agent: u32,
        epoch: Epoch,
        group: u32,
    },
    /// Answered by `agent`; hangs up after the handle time.
    Talking { agent: u32, group: u32 },
}

#[derive(Debug, Clone, Copy)]
struct SimCall {
    gen: u32,
    /// The group the call is in now (its arrival group until it overflows).
    group: u32,
    stay: Stay,
    handle_ms: u64,
    /// The arrival stream the call (or the call it follows up) came from.
    stream: u32,
    /// A transfer or callback: never followed up again.
    follow_up: bool,
    phase: Phase,
}

/// What an agent is busy with, as far as occupancy is concerned.
#[derive(Debug, Clone, Copy, Default)]
struct AgentBook {
    /// Contacts offered or connected now (several under a capacity,
    ///
    contacts: u16,
    /// Start of the current busy span: from the first contact until none
    /// is left.
    busy_since: Option<u64>,
    /// Clerical after the last call, `[from, until)`; recorded when the
    /// next call comes, the shift ends or the run ends.
    clerical: Option<(u64, u64)>,
    /// Logged on since.
    on_since: Option<u64>,
    /// The shift ended during a call: the agent logs off when it ends.
    leaving: bool,
    /// On a break (Not Ready).
    on_break: bool,
    /// The break ended during a call: Ready again when the call ends.
    ready_after_call: bool,
}

/// Follow-up calls of a stream, resolved.
#[derive(Debug, Clone)]
struct FollowUp {
    share: f64,
    group: u32,
    delay_ms: u64,
    handle: Option<crate::dist::Dist>,
}

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Seed the run used.
    pub seed: u64,
    /// Measurements.
    pub recorder: Recorder,
    /// Discrete events processed: simulated events plus engine timer wake-ups.
    pub sim_events: u64,
    /// Calls generated (warm-up and measured).
    pub calls: u64,
    /// Commands the engine refused during the run (stale answers etc.).
    pub engine_errors: u64,
    /// Measured calls neither answered nor gone when the run stopped.
    pub unresolved: u64,
    /// Wall-clock seconds the run took.
    pub wall_s: f64,
    /// The engine's own counters per group at the end (whole run, warm-up included).
    pub engine_stats: Vec<GroupStats>,
    /// Simulated time at the end, ms.
    pub end_ms: u64,
    /// The engine's first broken internal invariant at the end of the run,
    /// if any. Checked in debug builds only (it walks the whole engine).
    pub invariant_violation: Option<String>,
}

/// One simulation run in progress.
pub struct Simulation {
    /// In memory, or journaled with `--journal`.
    engine: EngineStore,
    tenant: TenantId,
    group_ids: Vec<GroupId>,
    group_ix: HashMap<GroupId, u32>,
    /// Calls overflow from group to group: the engine's events are on and
    /// read (otherwise it has none to give).
    follow_overflow: bool,
    clerical_ms: Vec<u64>,
    /// Media of each group's contacts.
    group_media: Vec<Media>,
    /// Every media some group uses: agents are made Ready on each.
    media: Vec<Media>,
    agent_ids: Vec<AgentId>,
    agent_ix: HashMap<AgentId, u32>,
    agents: Vec<AgentBook>,
    streams: Vec<ArrivalStream>,
    /// Per stream: transfers after answered calls, callbacks after abandons.
    follow_ups: Vec<[Option<FollowUp>; 2]>,
    clock: Clock,
    calls: Slab<SimCall>,
    /// The engine's id of each call slot, built once: the slab reuses its
    /// slots, and a clone of a short id is a copy, not a formatting.
    call_ids: Vec<CallId>,
    next_gen: u32,
    answer_delay_ms: u64,
    recorder: Recorder,
    /// Measured calls not yet answered or gone.
    open_measured: u64,
    sim_events: u64,
    call_count: u64,
    engine_errors: u64,
    /// The first journal write that failed (`--journal`): the run stops,
    /// since the engine can no longer record what it does.
    journal_failure: Option<String>,
    seed: u64,
}

impl Simulation {
    /// Builds the engine for `scenario`, logs every agent on and Ready, and
    /// schedules the first arrivals. `seed` replaces the scenario's seed.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Simulation, SimError> {
        Self::with_journal(scenario, seed, None)
    }

    /// As [`Simulation::new`], with the engine journaled in `journal` when
    /// given (a fresh directory per run; batched fsync): the run exercises
    /// the durable path an installation would use.
    pub fn with_journal(
        scenario: &Scenario,
        seed: u64,
        journal: Option<&Path>,
    ) -> Result<Simulation, SimError> {
        let os: Arc<dyn JournalIo> = Arc::new(OsIo);
        Self::build(scenario, seed, journal.map(|dir| (dir, os)))
    }

    /// As [`Simulation::with_journal`], the journal's segment files going
    /// through `io` (fault injection: a full disk, a failing fsync).
    pub fn with_journal_io(
        scenario: &Scenario,
        seed: u64,
        journal: &Path,
        io: Arc<dyn JournalIo>,
    ) -> Result<Simulation, SimError> {
        Self::build(scenario, seed, Some((journal, io)))
    }

    fn build(
        scenario: &Scenario,
        seed: u64,
        journal: Option<(&Path, Arc<dyn JournalIo>)>,
    ) -> Result<Simulation, SimError> {
        let config = scenario.engine_config(seed)?;
        let mut engine: EngineStore = match journal {
            None => Engine::new(config).map_err(SimError::Engine)?.into(),
            Some((dir, io)) => {
                let options = JournalOptions {
                    fsync: FsyncPolicy::Batched {
                        max_delay: std::time::Duration::from_millis(50),
                    },
                    ..JournalOptions::default()
                };
                let (durable, report) = DurableEngine::open_with_io(dir, config, options, io)
                    .map_err(|e| SimError::Journal(e.to_string()))?;
                if !report.fresh {
                    return Err(SimError::Journal(format!(
                        "{} already holds a journal: a simulation starts from an empty directory",
                        dir.display()
                    )));
                }
                durable.into()
            }
        };
        // Events are only needed to follow calls from group to group.
        let follow_overflow = scenario.overflows_between_groups();
        engine
            .set_events_enabled(follow_overflow)
            .map_err(|e| SimError::Journal(e.to_string()))?;
        let tenant = TenantId::new(&scenario.tenant);
        let start_ms = scenario.warmup_s * 1000;
        let window = Window {
            start_ms,
            end_ms: start_ms + scenario.duration_s.get_ref() * 1000,
            interval_ms: scenario.interval_s.get_ref() * 1000,
        };
        let group_ids: Vec<GroupId> = scenario
            .groups
            .iter()
            .map(|g| GroupId::new(g.id.get_ref()))
            .collect();
        let group_ix = (0..).zip(&group_ids).map(|(i, g)| (g.clone(), i)).collect();
        let agent_ids: Vec<AgentId> = (0..scenario.agents.len())
            .flat_map(|p| scenario.agent_ids(p))
            .map(AgentId::from)
            .collect();
        let agent_ix = (0..).zip(&agent_ids).map(|(i, a)| (a.clone(), i)).collect();
        let sl: Vec<u32> = scenario.groups.iter().map(|g| g.service_level_s).collect();
        let streams = scenario
            .arrivals
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let g = group_ids
                    .iter()
                    .position(|id| id.as_str() == a.group.get_ref());
                ArrivalStream::new(a, g.unwrap_or(0), seed, i, start_ms)
            })
            .collect();
        let resolve = |f: &Option<crate::scenario::FollowUpSpec>| {
            f.as_ref().map(|f| FollowUp {
                share: f.share,
                group: group_ids
                    .iter()
                    .position(|g| g.as_str() == f.to.get_ref())
                    .unwrap_or(0) as u32,
                delay_ms: f.delay_s * 1000,
                handle: f.handle.clone(),
            })
        };
        let follow_ups = scenario
            .arrivals
            .iter()
            .map(|a| [resolve(&a.transfer), resolve(&a.callback)])
            .collect();
        let mut sim = Simulation {
            follow_ups,
            engine,
            tenant,
            clerical_ms: scenario
                .groups
                .iter()
                .map(|g| u64::from(g.clerical_s) * 1000)
                .collect(),
            group_media: scenario.groups.iter().map(|g| g.media).collect(),
            media: {
                let mut media: Vec<Media> = scenario.groups.iter().map(|g| g.media).collect();
                media.sort();
                media.dedup();
                media
            },
            group_ids,
            group_ix,
            follow_overflow,
            agents: vec![AgentBook::default(); agent_ids.len()],
            recorder: Recorder::new(window, &sl, agent_ids.len()),
            agent_ids,
            agent_ix,
            streams,
            clock: Clock::default(),
            calls: Slab::new(),
            call_ids: Vec::new(),
            next_gen: 0,
            answer_delay_ms: (scenario.answer_delay_s.get_ref() * 1000.0).round() as u64,
            open_measured: 0,
            sim_events: 0,
            call_count: 0,
            engine_errors: 0,
            journal_failure: None,
            seed,
        };
        sim.start_shifts(scenario)?;
        for s in 0..sim.streams.len() {
            sim.schedule_arrival(s);
        }
        Ok(sim)
    }

    /// Logs the full-day agents on and Ready now; schedules the others'
    /// shift starts and every shift end (times relative to the end of
    /// warm-up).
    fn start_shifts(&mut self, scenario: &Scenario) -> Result<(), SimError> {
        let origin = self.recorder.window.start_ms;
        let mut agent = 0u32;
        for pool in &scenario.agents {
            let present = pool.count - pool.absent();
            for k in 0..pool.count {
                if k < present {
                    self.schedule_day(origin, pool, k, agent)?;
                }
                agent += 1;
            }
        }
        self.drain_effects(0);
        Ok(())
    }

    /// Agent `agent`, number `k` of `pool`: its shift and breaks.
    fn schedule_day(
        &mut self,
        origin: u64,
        pool: &crate::scenario::AgentSpec,
        k: u32,
        agent: u32,
    ) -> Result<(), SimError> {
        match pool.start_s {
            None => self.log_on(0, agent)?,
            Some(s) => self
                .clock
                .schedule(origin + s * 1000, SimEvent::ShiftStart { agent }),
        }
        if let Some(e) = &pool.end_s {
            let at = origin + e.get_ref() * 1000;
            self.clock.schedule(at, SimEvent::ShiftEnd { agent });
        }
        for b in &pool.breaks {
            let start = origin + (b.start_s + u64::from(k) * b.stagger_s) * 1000;
            let end = false;
            self.clock.schedule(start, SimEvent::Break { agent, end });
            let end = true;
            self.clock
                .schedule(start + b.length_s * 1000, SimEvent::Break { agent, end });
        }
        Ok(())
    }

    fn log_on(&mut self, now: u64, a: u32) -> Result<(), DurableError> {
        let at = acd_engine::Instant::from_millis(now);
        let agent = self.agent_ids[a as usize].clone();
        let logon = Command::Logon {
            agent: agent.clone(),
            // The extension is the agent's index: offers name it, which
            // spares a hash lookup per call.
            extension: a.to_string().into(),
            // Every media some group uses (empty = voice only).
            media: if self.media == [Media::Voice] {
                Vec::new()
            } else {
                self.media.clone()
            },
        };
        self.engine.handle(at, &self.tenant, logon)?;
        for &media in &self.media {
            let ready = Command::Ready {
                agent: agent.clone(),
                media,
            };
            self.engine.handle(at, &self.tenant, ready)?;
        }
        self.agents[a as usize].on_since = Some(now);
        Ok(())
    }

    fn shift_start(&mut self, now: u64, a: u32) {
        if self.log_on(now, a).is_err() {
            self.engine_errors += 1;
        }
        self.drain_effects(now);
    }

    fn shift_end(&mut self, now: u64, a: u32) {
        let book = self.agents[a as usize];
        if book.on_since.is_none() {
            return;
        }
        self.end_clerical(a, now);
        let on_call = book.contacts > 0
            && self
                .calls
                .iter()
                .any(|(_, c)| matches!(c.phase, Phase::Talking { agent, .. } if agent == a));
        let logoff = Command::Logoff {
            agent: self.agent_ids[a as usize].clone(),
            reason: None,
        };
        self.command(now, logoff);
        if on_call {
            self.agents[a as usize].leaving = true;
        } else {
            self.drain_effects(now); // a withdrawn offer ends the busy span
            self.logged_off(now, a);
        }
        self.drain_effects(now);
    }

    fn logged_off(&mut self, now: u64, a: u32) {
        let book = &mut self.agents[a as usize];
        book.leaving = false;
        if let Some(since) = book.on_since.take() {
            self.recorder.logged_on(a as usize, since, now);
        }
    }

    /// Records the clerical time of agent `a`, cut short at `now` if needed.
    fn end_clerical(&mut self, a: u32, now: u64) {
        if let Some((from, until)) = self.agents[a as usize].clerical.take() {
            self.recorder.busy(a as usize, from, until.min(now));
        }
    }

    fn schedule_arrival(&mut self, stream: usize) {
        if let Some(at) = self.streams[stream].next_arrival() {
            if at < self.recorder.window.end_ms {
                self.clock.schedule(
                    at,
                    SimEvent::Arrival {
                        stream: stream as u32,
                    },
                );
            }
        }
    }

    /// Runs to the end, calling `progress` with the fraction of simulated
    /// time done now and then. With `--journal`, a journal write that fails
    /// (a full disk) stops the run with [`SimError::Journal`]: the engine
    /// refuses input it cannot journal, so going on would only spin.
    pub fn run(mut self, progress: &mut dyn FnMut(f64)) -> Result<RunOutcome, SimError> {
        let started = WallClock::now();
        let window = self.recorder.window;
        let mut now = 0;
        loop {
            if let Some(why) = self.journal_failure.take() {
                return Err(SimError::Journal(format!(
                    "the run stopped at simulated time {:.3} s: {why}",
                    now as f64 / 1000.0
                )));
            }
            if now >= window.end_ms && self.open_measured == 0 {
                break;
            }
            if now >= window.end_ms.saturating_add(DRAIN_LIMIT_MS) {
                break;
            }
            let next = self.clock.next_time();
            let timer = self.engine.poll_timeout().map(|t| t.as_millis());
            let timer_first = match (timer, next) {
                (Some(t), Some(n)) => t <= n,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if timer_first {
                now = now.max(timer.unwrap_or(now));
                let ticked = self
                    .engine
                    .handle_timeout(acd_engine::Instant::from_millis(now));
                if let Err(e) = ticked {
                    self.journal_failure.get_or_insert(e.to_string());
                }
                self.drain_effects(now);
            } else if let Some((at, event)) = self.clock.pop() {
                now = at;
                self.dispatch(now, event);
            }
            self.sim_events += 1;
            if self.sim_events.is_multiple_of(PROGRESS_EVERY) {
                progress(now as f64 / window.end_ms.max(1) as f64);
            }
        }
        Ok(self.finish(now, started))
    }

    fn finish(mut self, now: u64, started: WallClock) -> RunOutcome {
        for a in 0..self.agents.len() {
            self.end_clerical(a as u32, u64::MAX);
            let book = self.agents[a];
            if let Some(since) = book.busy_since {
                self.recorder.busy(a, since, u64::MAX);
            }
            if let Some(since) = book.on_since {
                self.recorder.logged_on(a, since, u64::MAX);
            }
        }
        self.recorder.finish();
        let engine_stats = self
            .group_ids
            .iter()
            .map(|g| {
                self.engine
                    .engine()
                    .group_stats(&self.tenant, g)
                    .unwrap_or_default()
            })
            .collect();
        let window = self.recorder.window;
        let unresolved = self
            .calls
            .iter()
            .filter(|(_, c)| {
                window.contains(c.stay.arrived_ms) && !matches!(c.phase, Phase::Talking { .. })
            })
            .count() as u64;
        let invariant_violation = if cfg!(debug_assertions) {
            self.engine.engine().check_invariants().err()
        } else {
            None
        };
        RunOutcome {
            invariant_violation,
            seed: self.seed,
            recorder: self.recorder,
            sim_events: self.sim_events,
            calls: self.call_count,
            engine_errors: self.engine_errors,
            unresolved,
            wall_s: started.elapsed().as_secs_f64(),
            engine_stats,
            end_ms: now,
        }
    }

    fn dispatch(&mut self, now: u64, event: SimEvent) {
        match event {
            SimEvent::Arrival { stream } => self.arrive(now, stream as usize),
            SimEvent::Answer { call, gen } => self.answer(now, call, gen),
            SimEvent::Hangup { call, gen } => self.hang_up(now, call, gen),
            SimEvent::Abandon { call, gen } => self.abandon(now, call, gen),
            SimEvent::ShiftStart { agent } => self.shift_start(now, agent),
            SimEvent::ShiftEnd { agent } => self.shift_end(now, agent),
            SimEvent::Break { agent, end } => self.take_break(now, agent, end),
            SimEvent::FollowUp { stream, callback } => {
                self.follow_up(now, stream as usize, callback)
            }
        }
    }

    fn command(&mut self, now: u64, command: Command) -> bool {
        let at = acd_engine::Instant::from_millis(now);
        let result = self.engine.handle(at, &self.tenant, command);
        if let Err(DurableError::Journal(e)) = &result {
            self.journal_failure.get_or_insert(e.to_string());
        }
        self.engine_errors += u64::from(result.is_err());
        result.is_ok()
    }

    /// The engine's id of call `slot` (a slot the slab has handed out).
    fn call_id(&self, slot: usize) -> CallId {
        self.call_ids[slot].clone()
    }

    /// Makes sure slot `slot`, just handed out by the slab, has its id.
    fn name_slot(&mut self, slot: usize) {
        while self.call_ids.len() <= slot {
            let next = self.call_ids.len();
            self.call_ids.push(CallId(next.to_compact_string()));
        }
    }

    /// The live call of `slot` if it is still generation `gen`.
    fn live(&self, slot: u32, gen: u32) -> Option<SimCall> {
        self.calls
            .get(slot as usize)
            .filter(|c| c.gen == gen)
            .copied()
    }

    fn arrive(&mut self, now: u64, stream: usize) {
        self.schedule_arrival(stream);
        let caller = self.streams[stream].caller(now);
        let group = self.streams[stream].group;
        let priority = self.streams[stream].priority;
        let call = NewCall {
            group: group as u32,
            priority,
            handle_ms: caller.handle_ms,
            patience_ms: caller.patience_ms,
            stream: stream as u32,
            follow_up: false,
        };
        self.enter(now, call);
    }

    /// A transfer or callback of `stream` enters its target group.
    fn follow_up(&mut self, now: u64, stream: usize, callback: bool) {
        let Some(f) = self.follow_ups[stream][usize::from(callback)].clone() else {
            return;
        };
        let handle_ms = self.streams[stream].follow_up_handle(f.handle.as_ref(), now);
        let call = NewCall {
            group: f.group,
            priority: self.streams[stream].priority,
            handle_ms,
            patience_ms: None,
            stream: stream as u32,
            follow_up: true,
        };
        self.enter(now, call);
    }

    /// After an answered call (transfer) or an abandon (callback): a
    /// follow-up with the stream's probability.
    fn maybe_follow_up(&mut self, now: u64, call: &SimCall, callback: bool) {
        if call.follow_up {
            return;
        }
        let stream = call.stream as usize;
        let Some(f) = &self.follow_ups[stream][usize::from(callback)] else {
            return;
        };
        let (share, delay) = (f.share, f.delay_ms);
        if self.streams[stream].follows(share) {
            let ev = SimEvent::FollowUp {
                stream: call.stream,
                callback,
            };
            self.clock.schedule(now + delay, ev);
        }
    }

    fn enter(&mut self, now: u64, new: NewCall) {
        let group = new.group as usize;
        self.next_gen = self.next_gen.wrapping_add(1);
        let gen = self.next_gen;
        let slot = self.calls.insert(SimCall {
            gen,
            group: new.group,
            stay: Stay::new(now),
            handle_ms: new.handle_ms,
            stream: new.stream,
            follow_up: new.follow_up,
            phase: Phase::Waiting,
        });
        self.call_count += 1;
        if self.recorder.arrived(group, now) {
            self.open_measured += 1;
        }
        self.name_slot(slot);
        let mut spec = CallSpec::new(self.call_id(slot), self.group_ids[group].clone());
        spec.priority = new.priority;
        spec.data = self.streams[new.stream as usize].call_data();
        if !self.command(now, Command::call_arrived(spec)) {
            self.leave(now, slot, false);
            return;
        }
        self.drain_effects(now);
        let waiting = self
            .live(slot as u32, gen)
            .is_some_and(|c| !matches!(c.phase, Phase::Talking { .. }));
        if let (true, Some(p)) = (waiting, new.patience_ms) {
            let call = slot as u32;
            self.clock
                .schedule(now + p, SimEvent::Abandon { call, gen });
        }
    }

    /// A break starts (Not Ready, after the call if on one, R-3.7) or ends.
    fn take_break(&mut self, now: u64, a: u32, end: bool) {
        let book = self.agents[a as usize];
        if book.on_since.is_none() || book.leaving || book.on_break != end {
            return;
        }
        self.agents[a as usize].on_break = !end;
        if end && book.contacts > 0 {
            self.agents[a as usize].ready_after_call = true;
            return;
        }
        self.end_clerical(a, now);
        self.set_ready(now, a, end);
        self.drain_effects(now);
    }

    /// Makes agent `a` Ready, or Not Ready for a break, on every media the
    /// scenario's groups use.
    fn set_ready(&mut self, now: u64, a: u32, ready: bool) {
        for i in 0..self.media.len() {
            let agent = self.agent_ids[a as usize].clone();
            let media = self.media[i];
            let command = if ready {
                Command::Ready { agent, media }
            } else {
                Command::NotReady {
                    agent,
                    reason: "BREAK".into(),
                    media,
                }
            };
            self.command(now, command);
        }
    }

    fn answer(&mut self, now: u64, slot: u32, gen: u32) {
        let Some(call) = self.live(slot, gen) else {
            return;
        };
        let Phase::Ringing {
            agent,
            epoch,
            group,
        } = call.phase
        else {
            return;
        };
        let answered = Command::Answered {
            call: self.call_id(slot as usize),
            agent: self.agent_ids[agent as usize].clone(),
            epoch,
        };
        if !self.command(now, answered) {
            self.drain_effects(now);
            return;
        }
        self.calls[slot as usize].phase = Phase::Talking { agent, group };
        self.recorder.answered(call.group as usize, call.stay, now);
        if self.recorder.window.contains(call.stay.arrived_ms) {
            self.open_measured -= 1;
        }
        self.clock
            .schedule(now + call.handle_ms, SimEvent::Hangup { call: slot, gen });
        self.drain_effects(now);
    }

    fn hang_up(&mut self, now: u64, slot: u32, gen: u32) {
        let Some(call) = self.live(slot, gen) else {
            return;
        };
        let Phase::Talking { agent, group } = call.phase else {
            return;
        };
        self.end_busy(now, agent);
        let book = &mut self.agents[agent as usize];
        // Under a capacity another contact may still be on: the agent stays
        // busy, and leaves or comes back from a break after the last one.
        let last = book.contacts == 0;
        let leaving = book.leaving;
        if !leaving && last {
            let clerical = self.clerical_ms[group as usize];
            book.clerical = (clerical > 0).then_some((now, now + clerical));
        }
        self.calls.remove(slot as usize);
        let hangup = Command::Hangup {
            call: self.call_id(slot as usize),
        };
        self.command(now, hangup);
        if leaving && last {
            // The deferred logoff takes effect now, without clerical.
            self.logged_off(now, agent);
        } else if last && std::mem::take(&mut self.agents[agent as usize].ready_after_call) {
            // Back from a break that ended during the call.
            self.end_clerical(agent, now);
            self.set_ready(now, agent, true);
        }
        self.maybe_follow_up(now, &call, false);
        self.drain_effects(now);
    }

    fn abandon(&mut self, now: u64, slot: u32, gen: u32) {
        let Some(call) = self.live(slot, gen) else {
            return;
        };
        if matches!(call.phase, Phase::Talking { .. }) {
            return;
        }
        let hangup = Command::Hangup {
            call: self.call_id(slot as usize),
        };
        self.command(now, hangup);
        self.leave(now, slot as usize, true);
        self.maybe_follow_up(now, &call, true);
        self.drain_effects(now);
    }

    /// The call is gone before answer: abandoned or sent elsewhere.
    fn leave(&mut self, now: u64, slot: usize, abandoned: bool) {
        let Some(call) = self.calls.try_remove(slot) else {
            return;
        };
        if let Phase::Ringing { agent, .. } = call.phase {
            self.end_busy(now, agent);
        }
        let g = call.group as usize;
        if abandoned {
            self.recorder.abandoned(g, call.stay, now);
        } else {
            self.recorder.overflowed(g, call.stay, now);
        }
        if self.recorder.window.contains(call.stay.arrived_ms) {
            self.open_measured -= 1;
        }
    }

    /// Agent `agent` takes one more contact (offered, R-10.3).
    fn start_busy(&mut self, now: u64, agent: u32) {
        let book = &mut self.agents[agent as usize];
        if book.contacts == 0 {
            book.busy_since = Some(now);
        }
        book.contacts += 1;
    }

    /// One of agent `agent`'s contacts ended; the busy span closes with
    /// the last one. Called once per contact, by the call phase that names
    /// the agent (ringing or talking).
    fn end_busy(&mut self, now: u64, agent: u32) {
        let book = &mut self.agents[agent as usize];
        book.contacts = book.contacts.saturating_sub(1);
        if book.contacts == 0 {
            if let Some(since) = book.busy_since.take() {
                self.recorder.busy(agent as usize, since, now);
            }
        }
    }

    fn slot_of(call: &CallId) -> Option<usize> {
        parse_index(call.as_str())
    }

    /// Follows calls that overflow from group to group: the only
    /// events the driver reads, and only enabled when the scenario has such
    /// overflows. Applied before the effects of the same step, so an offer
    /// in the new group finds the call already moved.
    fn drain_events(&mut self, now: u64) {
        while let Some(event) = self.engine.poll_event() {
            let EventKind::CallOverflowed {
                call,
                to: Destination::Group(to),
                ..
            } = event.kind
            else {
                continue;
            };
            let (Some(slot), Some(&to)) = (Self::slot_of(&call), self.group_ix.get(&to)) else {
                continue;
            };
            if let Some(c) = self.calls.get_mut(slot) {
                let from = c.group as usize;
                c.stay = self.recorder.moved(from, to as usize, c.stay, now);
                c.group = to;
            }
        }
    }

    fn drain_effects(&mut self, now: u64) {
        if self.follow_overflow {
            self.drain_events(now);
        }
        while let Some(effect) = self.engine.poll_effect() {
            match effect {
                Effect::Offer {
                    call,
                    agent,
                    extension,
                    group,
                    epoch,
                    ..
                } => {
                    let a = self.agent_index(&agent, extension.as_str());
                    self.offered(now, &call, a, &group, epoch)
                }
                Effect::StopRinging {
                    call, agent, cause, ..
                } => self.stopped_ringing(now, &call, &agent, cause),
                Effect::Divert { call, epoch, .. } => {
                    if let Some(epoch) = epoch {
                        let result = Command::DivertResult {
                            call: call.clone(),
                            epoch,
                            ok: true,
                        };
                        self.command(now, result);
                    }
                    if let Some(slot) = Self::slot_of(&call) {
                        self.leave(now, slot, false);
                    }
                }
                Effect::ClearCall { call, .. } => {
                    if let Some(slot) = Self::slot_of(&call) {
                        self.leave(now, slot, false);
                    }
                }
            }
        }
    }

    /// The index of `agent`, read from its extension when that matches.
    fn agent_index(&self, agent: &AgentId, extension: &str) -> Option<u32> {
        match parse_index(extension) {
            Some(n) if self.agent_ids.get(n) == Some(agent) => Some(n as u32),
            _ => self.agent_ix.get(agent).copied(),
        }
    }

    fn offered(&mut self, now: u64, call: &CallId, a: Option<u32>, group: &GroupId, epoch: Epoch) {
        let (Some(slot), Some(a)) = (Self::slot_of(call), a) else {
            return;
        };
        let Some(c) = self.calls.get_mut(slot) else {
            return;
        };
        if c.phase != Phase::Waiting {
            return; // ring-all: only the first offer is answered
        }
        // Usually the call is served for the group it arrived in; only an
        // overflowed call needs the lookup.
        let group = if self.group_ids[c.group as usize] == *group {
            c.group
        } else {
            self.group_ix.get(group).copied().unwrap_or(c.group)
        };
        c.phase = Phase::Ringing {
            agent: a,
            epoch,
            group,
        };
        let gen = c.gen;
        self.end_clerical(a, now);
        self.start_busy(now, a);
        if self.answer_delay_ms == 0 {
            self.answer(now, slot as u32, gen);
        } else {
            let call = slot as u32;
            self.clock
                .schedule(now + self.answer_delay_ms, SimEvent::Answer { call, gen });
        }
    }

    fn stopped_ringing(&mut self, now: u64, call: &CallId, agent: &AgentId, cause: Cause) {
        let (Some(slot), Some(&a)) = (Self::slot_of(call), self.agent_ix.get(agent)) else {
            return;
        };
        let mut media = Media::Voice;
        let mut booked = false;
        if let Some(c) = self.calls.get_mut(slot) {
            media = self.group_media[c.group as usize];
            if matches!(c.phase, Phase::Ringing { agent, .. } if agent == a) {
                c.phase = Phase::Waiting;
                booked = true;
            }
        }
        if booked {
            self.end_busy(now, a);
            let book = self.agents[a as usize];
            if book.leaving && book.contacts == 0 {
                // Under a capacity the deferred logoff withdrew this last,
                // still ringing contact.
                self.logged_off(now, a);
            }
        }
        if cause == Cause::NoAnswer {
            // The engine forced the agent's media Not Ready; a
            // simulated agent comes straight back.
            let ready = Command::Ready {
                agent: agent.clone(),
                media,
            };
            self.command(now, ready);
        }
    }
}

/// The number a call slot's id or an agent's extension spells: at most
/// nine decimal digits, all the driver writes (slots and agents stay below
/// 2^29). Cheaper than `str::parse`, which also reads a sign and checks
/// for overflow digit by digit.
fn parse_index(s: &str) -> Option<usize> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.bytes().try_fold(0, |n: usize, b| {
        let digit = b.wrapping_sub(b'0');
        (digit < 10).then(|| n * 10 + usize::from(digit))
    })
}

/// A call about to enter the engine.
struct NewCall {
    group: u32,
    priority: Option<i32>,
    handle_ms: u64,
    patience_ms: Option<u64>,
    stream: u32,
    follow_up: bool,
}

/// Runs `scenario` once with `seed`.
pub fn run_once(
    scenario: &Scenario,
    seed: u64,
    progress: &mut dyn FnMut(f64),
) -> Result<RunOutcome, SimError> {
    Simulation::new(scenario, seed)?.run(progress)
}

/// Runs `scenario` once with `seed`, the engine journaled in `journal`.
pub fn run_once_journaled(
    scenario: &Scenario,
    seed: u64,
    journal: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<RunOutcome, SimError> {
    Simulation::with_journal(scenario, seed, Some(journal))?.run(progress)
}

#[cfg(test)]
mod tests {
    use super::parse_index;

    #[test]
    fn parse_index_reads_what_the_driver_writes() {
        for n in (0..100_000).chain([(1 << 29) - 1, 999_999_999]) {
            assert_eq!(parse_index(&n.to_string()), Some(n));
        }
        for s in ["", "x", "1x", "-1", " 1", "1 ", "1000000000", "a3-0"] {
            assert_eq!(parse_index(s), None, "{s:?}");
        }
    }
}

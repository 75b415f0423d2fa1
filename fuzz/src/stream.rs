//! Arbitrary command streams against a configuration from a small fixed
//! family, with time advancing, checked after every step.
//!
//! Ids are drawn from small spaces (agents `a0..a7`, calls `c0..c15`, groups
//! `g0..g3` plus unknown ones, tenants `t`, `u` and an unknown one) so that
//! random streams hit live objects most of the time. Answers, alerts and
//! rejects usually carry the epoch of a live offer read back from the engine
//! (otherwise the stream would only exercise the stale-epoch path), and
//! divert results the epoch of the last divert effect.
//!
//! A `Restore` step saves the engine and reloads it; from then on
//! the runner drives the reloaded engine and, in lockstep, the original,
//! and any difference in results, effects or events is a failure (a byte
//! comparison of the two snapshots cannot see state that serialization
//! loses on both sides).

use acd_engine::*;
use arbitrary::Arbitrary;
use std::collections::BTreeMap;

/// One fuzz input: a configuration choice and a stream of operations.
#[derive(Arbitrary, Clone, Debug)]
pub struct Script {
    /// Which configuration of the family.
    pub family: Family,
    /// Engine seed (random strategy).
    pub seed: u64,
    /// Strategy override per group (index into `Strategy::ALL`), if any.
    pub strategies: [Option<u8>; 4],
    /// The stream.
    pub ops: Vec<Op>,
}

/// The configurations streams run against.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Family {
    /// Three automatic groups with clerical, ring time, max wait, stages,
    /// ring-all, max queue length and overflow chains (as the proptests).
    Automatic,
    /// An automatic group, a personal-calls manual group with PDNs and
    /// dispatch access, an e-mail group; reason-code catalogues.
    Personal,
    /// Two tenants with the same shapes, for isolation.
    TwoTenants,
    /// One open-to-all group with open rule Ready, queue length 1, overflow
    /// to a number, ring time 0 (the engine's reservation deadline).
    Tiny,
}

/// Who an offer-related command names.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Who {
    /// The `n`-th agent the call currently rings at, with its epoch.
    Offered(u8),
    /// An arbitrary agent and epoch (mostly stale, R-2.2).
    Stale {
        /// Agent number.
        agent: u8,
        /// Epoch.
        epoch: u8,
    },
}

/// One step of a stream.
#[derive(Arbitrary, Clone, Debug)]
#[allow(missing_docs)]
pub enum Op {
    Logon {
        agent: u8,
        media: u8,
    },
    Logoff {
        agent: u8,
        reason: Option<u8>,
    },
    Ready {
        agent: u8,
        media: u8,
    },
    NotReady {
        agent: u8,
        reason: u8,
        media: u8,
    },
    Arrive {
        call: u8,
        group: u8,
        priority: Option<i8>,
        media: Option<u8>,
        dnis: Option<u8>,
        preferred: Option<u8>,
        /// Call data `lang` = "fr" (else "en"), read by expressions.
        lang_fr: bool,
        /// A preferred agent with a short timeout.
        prefer: Option<u8>,
    },
    Alerting {
        call: u8,
        who: Who,
    },
    Answer {
        call: u8,
        who: Who,
    },
    Reject {
        call: u8,
        who: Who,
    },
    Hold {
        call: u8,
    },
    Retrieve {
        call: u8,
    },
    Hangup {
        call: u8,
    },
    Pick {
        agent: u8,
        call: u8,
    },
    Transfer {
        call: u8,
        agent: u8,
    },
    DivertResult {
        call: u8,
        stale: Option<u8>,
        ok: bool,
    },
    AuthDivert {
        call: u8,
    },
    CallReturned {
        call: u8,
    },
    AddAgent {
        agent: u8,
        s0: u8,
        s1: u8,
        pdn: bool,
        dispatch: bool,
    },
    RemoveAgent {
        agent: u8,
    },
    SetSkills {
        agent: u8,
        s0: u8,
        s1: u8,
    },
    UpsertGroup {
        group: u8,
        strategy: u8,
        tweak: u8,
    },
    RemoveGroup {
        group: u8,
    },
    SetMaintenance {
        on: bool,
    },
    /// Let time pass (milliseconds).
    Advance {
        ms: u16,
    },
    /// Let a lot of time pass (seconds).
    AdvanceLong {
        s: u16,
    },
    /// Jump to `back` seconds before the end of time (`Instant::MAX`), if
    /// that is later than now: deadlines and statistics near the limit.
    Leap {
        back: u16,
    },
    /// A command at a time past `Instant::MAX`: it must be refused with
    /// `TimeOutOfRange` and change nothing, and a tick there is ignored.
    BeyondEnd {
        by: u16,
    },
    /// Send following commands as another tenant.
    Tenant {
        t: u8,
    },
    /// Serialize the engine, load it back and continue with the copy.
    Restore,
    /// A command given as JSON text (parsed by serde; unparsable = skipped).
    Json {
        text: String,
    },
}

const AGENTS: u8 = 8;
const CALLS: u8 = 16;
/// The end of engine time (`Instant::MAX`), in ms.
const END: u64 = Instant::MAX.as_millis();
const TENANTS: [&str; 3] = ["t", "u", "nobody"];
const REASONS: [&str; 5] = ["BREAK", "LUNCH", "NO_ANSWER", "bogus", ""];

fn agent(n: u8) -> AgentId {
    AgentId::new(format!("a{}", n % AGENTS))
}

fn call(n: u8) -> CallId {
    CallId::new(format!("c{}", n % CALLS))
}

fn group(n: u8) -> GroupId {
    GroupId::new(format!("g{}", n % 6)) // g4, g5 do not exist
}

fn media(n: u8) -> Media {
    Media::ALL[usize::from(n) % Media::ALL.len()]
}

fn reason(n: u8) -> ReasonCode {
    ReasonCode::new(REASONS[usize::from(n) % REASONS.len()])
}

fn strategy(n: u8) -> acd_engine::Strategy {
    acd_engine::Strategy::ALL[usize::from(n) % acd_engine::Strategy::ALL.len()]
}

fn skills(s0: u8, s1: u8) -> BTreeMap<SkillId, u8> {
    // 0 = absent; 11 and above are out of range and must be refused.
    let mut m = BTreeMap::new();
    for (s, l) in [("s0", s0 % 13), ("s1", s1 % 13)] {
        if l > 0 {
            m.insert(SkillId::new(s), l);
        }
    }
    m
}

/// The configuration of a family, with the script's strategy overrides.
pub fn config(family: Family, seed: u64, strategies: &[Option<u8>; 4]) -> EngineConfig {
    let mut tenants = match family {
        Family::Automatic => vec![automatic_tenant("t", 0, 0)],
        Family::Personal => vec![personal_tenant()],
        // Ids are scoped to their tenant: both tenants have groups
        // g0 and g1, and agents a2, a3 exist in both.
        Family::TwoTenants => vec![automatic_tenant("t", 0, 0), automatic_tenant("u", 0, 2)],
        Family::Tiny => vec![tiny_tenant()],
    };
    for t in &mut tenants {
        for g in &mut t.groups {
            let n = usize::from(g.id.as_str()[1..].parse::<u8>().unwrap_or(0)) % 4;
            if let Some(s) = strategies[n] {
                g.strategy = strategy(s);
                // order_by needs an ordering strategy.
                if matches!(
                    g.strategy,
                    acd_engine::Strategy::Random | acd_engine::Strategy::RingAll
                ) {
                    g.order_by.clear();
                }
            }
        }
        if matches!(family, Family::TwoTenants) {
            // Each tenant keeps its own g0 and g1.
            t.groups.truncate(2);
        }
    }
    EngineConfig {
        seed,
        tenants,
        ..EngineConfig::default()
    }
}

/// Groups `g{g0}`, `g{g0+1}`, `g{g0+2}` and agents `a{a0}..`.
fn automatic_tenant(id: &str, g0: u8, a0: u8) -> TenantConfig {
    let gid = |k: u8| GroupId::new(format!("g{}", g0 + k));
    let mut first = GroupConfig::new(gid(0), &["s0"]);
    first.clerical_s = 3;
    first.ring_time_s = 10;
    first.max_wait_s = Some(60);
    first.overflow = Some(Destination::Group(gid(1)));
    let mut second = GroupConfig::new(gid(1), &["s1"]);
    second.strategy = acd_engine::Strategy::RoundRobin;
    second.stages = vec![
        StageConfig {
            after_s: 5,
            min_level: None,
            skills: Some(vec![SkillRequirement {
                skill: "s0".into(),
                min_level: 2,
            }]),
            overflow: None,
..Default::default()
},
        StageConfig {
            after_s: 20,
            min_level: Some(1),
            skills: None,
            overflow: None,
..Default::default()
},
        StageConfig {
            after_s: 90,
            min_level: None,
            skills: None,
            overflow: Some(Destination::Number("+15550100".into())),
..Default::default()
},
    ];
    let mut third = GroupConfig::new(gid(2), &["s0", "s1"]);
    third.strategy = acd_engine::Strategy::RingAll;
    third.max_queue_len = Some(2);
    third.overflow = Some(Destination::Group(gid(0)));
    third.clerical_s = 1;
    third.wait_weight = 300;
    third.priority = 2;
    // The routing model: an expression reading the
    // agent and the call, ordering by rating, aging priorities.
    third.expression = Some("lang == call.lang || rating >= 2".into());
    first.order_by = vec!["rating desc".into()];
    first.aging = Some(acd_engine::AgingConfig {
        rate_per_min: 30,
        cap: Some(5),
    });
    let mut tenant = TenantConfig::new(id);
    tenant.attributes = [
        ("lang".to_string(), AttributeType::String),
        ("rating".to_string(), AttributeType::Number),
    ]
    .into();
    tenant.groups = vec![first, second, third];
    tenant.agents = (0..4u8)
        .map(|i| {
            let skills: &[(&str, u8)] = match i % 3 {
                0 => &[("s0", 3)],
                1 => &[("s1", 2)],
                _ => &[("s0", 1), ("s1", 5)],
            };
            let mut agent = AgentConfig::new(format!("a{}", a0 + i), skills);
            let lang = if i % 2 == 0 { "fr" } else { "en" };
            agent.attributes = [
                ("lang".to_string(), AttributeValue::String(lang.into())),
                ("rating".to_string(), AttributeValue::Number(f64::from(i))),
            ]
            .into();
            agent
        })
        .collect();
    tenant
}

fn personal_tenant() -> TenantConfig {
    let mut auto = GroupConfig::new("g0", &["s0"]);
    auto.clerical_s = 2;
    auto.ring_time_s = 6;
    auto.strategy = acd_engine::Strategy::FewestCalls;
    let mut personal = GroupConfig::new("g1", &["s1"]);
    personal.routing = RoutingType::Manual;
    personal.personal_calls = true;
    personal.display_in_dispatch = true;
    personal.ring_time_s = 8;
    personal.personal_max_wait_s = 15;
    personal.max_reserve_s = 30;
    let mut dispatch = GroupConfig::new("g2", &[]);
    dispatch.routing = RoutingType::Manual;
    dispatch.display_in_dispatch = true;
    let mut email = GroupConfig::new("g3", &["s0"]);
    email.media = Media::Email;
    email.strategy = acd_engine::Strategy::Random;
    // Not to the voice group g0: validation refuses cross-media overflow
    // (engine/tests/overflow_media.rs); UpsertGroup streams still try it.
    email.overflow = Some(Destination::Number("+15550177".into()));
    let mut tenant = TenantConfig::new("t");
    tenant.default_destination = Some("+15550199".into());
    tenant.reason_codes.not_ready = vec![
        ReasonCodeConfig {
            code: "BREAK".into(),
            label: "Break".into(),
            team: None,
        },
        ReasonCodeConfig {
            code: "LUNCH".into(),
            label: "Lunch".into(),
            team: Some("blue".into()),
        },
    ];
    tenant.groups = vec![auto, personal, dispatch, email];
    tenant.agents = (0..6u8)
        .map(|i| {
            let mut a = AgentConfig::new(format!("a{i}"), &[("s0", 1 + i), ("s1", 6 - i)]);
            a.pdn = Some(format!("10{i}"));
            a.dispatch_access = i % 2 == 0;
            a.can_pick = i % 3 != 2;
            if i % 3 == 0 {
                a.default_destination = Some(format!("+1555020{i}"));
            }
            if i < 3 {
                a.team = Some("blue".into());
            }
            a
        })
        .collect();
    tenant
}

fn tiny_tenant() -> TenantConfig {
    let mut g = GroupConfig::new("g0", &[]);
    g.open_rule = OpenRule::Ready;
    g.max_queue_len = Some(1);
    g.overflow = Some(Destination::Number("+15550100".into()));
    g.clerical_s = 1;
    let mut tenant = TenantConfig::new("t");
    tenant.groups = vec![g];
    tenant.agents = vec![AgentConfig::new("a0", &[]), AgentConfig::new("a1", &[])];
    tenant
}

/// The events after which a call may be gone from the engine.
pub fn terminal_call(kind: &EventKind) -> Option<&CallId> {
    match kind {
        EventKind::CallEnded { call, .. }
        | EventKind::CallAbandoned { call, .. }
        | EventKind::CallOverflowed {
            call,
            to: Destination::Number(_),
            ..
        }
        | EventKind::CallCleared { call, .. }
        | EventKind::CallDeflected { call, .. } => Some(call),
        _ => None,
    }
}

/// Runs a script; `Ok(trace)` if every property held after every step.
pub fn run(script: &Script) -> Result<Vec<String>, String> {
    let config = config(script.family, script.seed, &script.strategies);
    let engine = Engine::new(config).map_err(|e| format!("family config invalid: {e}"))?;
    let mut run = Runner::new(engine);
    for (i, op) in script.ops.iter().enumerate() {
        run.step(op).map_err(|e| format!("step {i} {op:?}: {e}"))?;
    }
    Ok(run.trace)
}

/// Runs a script twice and checks both runs agree (determinism).
pub fn run_twice(script: &Script) -> Result<(), String> {
    let first = run(script)?;
    let second = run(script)?;
    if first != second {
        let at = first
            .iter()
            .zip(&second)
            .position(|(a, b)| a != b)
            .unwrap_or(first.len().min(second.len()));
        return Err(format!(
            "same input, different output at trace line {at}: {:?} vs {:?}",
            first.get(at),
            second.get(at)
        ));
    }
    Ok(())
}

/// Drives one engine through a stream, keeping what the checks need.
pub struct Runner {
    engine: Engine,
    now: u64,
    tenant: TenantId,
    /// Live-call bookkeeping: (tenant, call) -> a terminal event was seen
    /// since it arrived. Call ids are scoped to their tenant.
    calls: BTreeMap<(TenantId, CallId), bool>,
    /// Epoch of the last divert effect that asked for a result, per call.
    diverts: BTreeMap<(TenantId, CallId), Epoch>,
    trace: Vec<String>,
    /// After the first save/reload the runner goes on with the
    /// reloaded engine and keeps the never-reloaded original here, fed the
    /// same inputs: both must produce the same outputs from then on.
    twin: Option<Engine>,
    /// The first difference seen between the engine and its twin.
    diverged: Option<String>,
}

impl Runner {
    /// A runner at the engine's time, sending as tenant `t`.
    pub fn new(engine: Engine) -> Self {
        Self {
            now: engine.now().as_millis(),
            engine,
            tenant: TenantId::new(TENANTS[0]),
            calls: BTreeMap::new(),
            diverts: BTreeMap::new(),
            trace: Vec::new(),
            twin: None,
            diverged: None,
        }
    }

    /// Lets the twin (if any) see what the engine saw; `result` is the
    /// engine's answer to the same input, to compare.
    fn mirror(&mut self, now: u64, input: Option<(&TenantId, Command)>, result: &str) {
        let Some(twin) = &mut self.twin else {
            return;
        };
        let now = Instant::from_millis(now);
        let got = match input {
            None => {
                twin.handle_timeout(now);
                "timeout".to_string()
            }
            Some((tenant, cmd)) => format!("{:?}", twin.handle(now, tenant, cmd)),
        };
        if got != result && self.diverged.is_none() {
            self.diverged = Some(format!("reloaded engine said {result}, original {got}"));
        }
    }

    /// Applies one operation and checks every property.
    pub fn step(&mut self, op: &Op) -> Result<(), String> {
        match op {
            Op::Advance { ms } => self.advance(u64::from(*ms)),
            Op::AdvanceLong { s } => self.advance(u64::from(*s) * 1000),
            Op::Leap { back } => {
                let to = END.saturating_sub(u64::from(*back) * 1000);
                self.advance(to.saturating_sub(self.now));
            }
            Op::BeyondEnd { by } => {
                let cmd = Command::SetMaintenance { on: true };
                self.beyond_end(END + 1 + u64::from(*by), cmd)?
            }
            Op::Tenant { t } => self.tenant = TenantId::new(TENANTS[usize::from(*t) % 3]),
            Op::Restore => self.restore()?,
            _ => {
                if let Some(cmd) = self.command(op) {
                    self.apply(cmd)?;
                }
            }
        }
        self.collect();
        self.check()
    }

    /// Applies `cmd` from `tenant` at `at_ms` (as a trace line would) and
    /// checks every property. A time earlier than the engine's must be
    /// refused without change.
    pub fn command_at(&mut self, at_ms: u64, tenant: TenantId, cmd: Command) -> Result<(), String> {
        self.tenant = tenant;
        if at_ms > END {
            self.beyond_end(at_ms, cmd)?;
        } else if at_ms < self.now {
            self.expect_refusal(at_ms, cmd, |e| matches!(e, Error::TimeWentBackwards { .. }))?;
        } else {
            self.now = at_ms;
            self.apply(cmd)?;
        }
        self.collect();
        self.check()
    }

    /// The engine under test.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The output lines recorded so far.
    pub fn trace(&self) -> &[String] {
        &self.trace
    }

    /// Lets time pass to `at_ms` (a trace line without a command); an
    /// earlier time is ignored, as `handle_timeout` does.
    pub fn advance_to(&mut self, at_ms: u64) -> Result<(), String> {
        if at_ms >= self.now {
            self.advance(at_ms - self.now);
        } else {
            self.engine.handle_timeout(Instant::from_millis(at_ms));
            self.mirror(at_ms, None, "timeout");
        }
        self.collect();
        self.check()
    }

    /// Refusal past the end of time: typed, and nothing changes.
    fn beyond_end(&mut self, at: u64, cmd: Command) -> Result<(), String> {
        let before = serde_json::to_vec(&self.engine).map_err(|e| e.to_string())?;
        let r = self.expect_refusal(at, cmd, |e| matches!(e, Error::TimeOutOfRange { .. }))?;
        self.engine.handle_timeout(Instant::from_millis(at));
        self.mirror(at, None, "timeout");
        if before != serde_json::to_vec(&self.engine).map_err(|e| e.to_string())? {
            return Err(format!(
                "a tick at {at} ms, past the end, changed the engine"
            ));
        }
        self.trace.push(format!("beyond end {at} -> {r}"));
        Ok(())
    }

    /// Gives `cmd` at `at`, which the engine must refuse with an error
    /// `expected` accepts, changing nothing. Returns the result as text.
    fn expect_refusal(
        &mut self,
        at: u64,
        cmd: Command,
        expected: fn(&Error) -> bool,
    ) -> Result<String, String> {
        let before = serde_json::to_vec(&self.engine).map_err(|e| e.to_string())?;
        let tenant = self.tenant.clone();
        let r = self
            .engine
            .handle(Instant::from_millis(at), &tenant, cmd.clone());
        let text = format!("{r:?}");
        self.mirror(at, Some((&tenant, cmd)), &text);
        if !r.as_ref().err().is_some_and(expected) {
            return Err(format!(
                "a command at {at} ms (engine at {}) gave {text}",
                self.now
            ));
        }
        if before != serde_json::to_vec(&self.engine).map_err(|e| e.to_string())? {
            return Err(format!("a command refused at {at} ms changed the engine"));
        }
        Ok(text)
    }

    fn advance(&mut self, ms: u64) {
        // Time stops at the end: later inputs are refused (`BeyondEnd`).
        self.now = self.now.saturating_add(ms).min(END);
        self.engine.handle_timeout(Instant::from_millis(self.now));
        self.mirror(self.now, None, "timeout");
    }

    /// Applies a command; a refused one must leave the engine unchanged.
    fn apply(&mut self, cmd: Command) -> Result<(), String> {
        let now = Instant::from_millis(self.now);
        // Timers due now fire first either way; fire them before the picture.
        self.engine.handle_timeout(now);
        self.mirror(self.now, None, "timeout");
        self.collect();
        let before = serde_json::to_vec(&self.engine).map_err(|e| e.to_string())?;
        let new_call = match &cmd {
            Command::CallArrived(spec) => Some(spec.id.clone()),
            _ => None,
        };
        let text = format!("{cmd:?}");
        let tenant = self.tenant.clone();
        let r = self.engine.handle(now, &tenant, cmd.clone());
        self.mirror(self.now, Some((&tenant, cmd)), &format!("{r:?}"));
        match &r {
            Ok(()) => {
                if let Some(c) = new_call {
                    self.calls.insert((tenant, c), false);
                }
            }
            Err(e) => {
                let after = serde_json::to_vec(&self.engine).map_err(|e| e.to_string())?;
                if before != after {
                    return Err(format!("refused command {text} ({e}) changed the engine"));
                }
                // Error messages must render (Display is what embedders log).
                let _ = e.to_string();
            }
        }
        self.trace.push(format!("{text} -> {r:?}"));
        Ok(())
    }

    /// Serializes and reloads the engine; the copy must be identical.
    fn restore(&mut self) -> Result<(), String> {
        let json = serde_json::to_string(&self.engine).map_err(|e| e.to_string())?;
        let copy: Engine =
            serde_json::from_str(&json).map_err(|e| format!("snapshot does not load: {e}"))?;
        let (a, b) = (
            serde_json::to_vec(&self.engine).map_err(|e| e.to_string())?,
            serde_json::to_vec(&copy).map_err(|e| e.to_string())?,
        );
        if a != b {
            return Err("snapshot round trip changed the engine".into());
        }
        copy.check_invariants()
            .map_err(|e| format!("restored engine: {e}"))?;
        let original = std::mem::replace(&mut self.engine, copy);
        // ACD_FUZZ_NO_TWIN=1 turns the behavioural comparison off (e.g.
        // to fuzz past a known save/reload bug); the byte check stays.
        if std::env::var_os("ACD_FUZZ_NO_TWIN").is_none() {
            self.twin.get_or_insert(original);
        }
        Ok(())
    }

    fn collect(&mut self) {
        let effects: Vec<Effect> = self.engine.drain_effects().collect();
        let events: Vec<Event> = self.engine.drain_events().collect();
        if let Some(twin) = &mut self.twin {
            let twin_effects: Vec<Effect> = twin.drain_effects().collect();
            let twin_events: Vec<Event> = twin.drain_events().collect();
            if self.diverged.is_none() && (effects != twin_effects || events != twin_events) {
                self.diverged = Some(format!(
                    "reloaded engine produced {effects:?} {events:?}, \
                     the original {twin_effects:?} {twin_events:?}"
                ));
            }
        }
        for e in effects {
            if let Effect::Divert {
                tenant,
                call,
                epoch: Some(epoch),
                ..
            } = &e
            {
                self.diverts.insert((tenant.clone(), call.clone()), *epoch);
            }
            self.trace.push(format!("{e:?}"));
        }
        for e in events {
            if let Some(c) = terminal_call(&e.kind) {
                self.calls.insert((e.tenant.clone(), c.clone()), true);
            }
            self.trace.push(format!("{e:?}"));
        }
    }

    fn check(&mut self) -> Result<(), String> {
        self.engine.check_invariants()?;
        if let Some(d) = &self.diverged {
            return Err(format!("save/reload changed behaviour (R-7.2): {d}"));
        }
        // No call vanishes without a terminal event (R-3.8: never dropped).
        for ((t, c), ended) in &self.calls {
            if !ended && self.engine.call_status(t, c).is_err() {
                return Err(format!("call {t}/{c} vanished without a terminal event"));
            }
        }
        let engine = &self.engine;
        self.calls
            .retain(|(t, c), ended| !*ended || engine.call_status(t, c).is_ok());
        // Nothing is due at or before now: every timer up to now has fired,
        // also those a command itself made due at `now` (a stage at 0 s,
        // engine/tests/stage_at_zero.rs).
        if let Some(t) = self.engine.poll_timeout() {
            if t.as_millis() <= self.now {
                return Err(format!("timer at {t:?} still pending at {}", self.now));
            }
        }
        if self.engine.now().as_millis() != self.now {
            return Err(format!(
                "engine time {:?} differs from {}",
                self.engine.now(),
                self.now
            ));
        }
        Ok(())
    }

    /// The current offers of a call, as the engine reports them.
    fn offers(&self, c: &CallId) -> Vec<(AgentId, Epoch)> {
        match self.engine.call_status(&self.tenant, c) {
            Ok(CallStatus::Offered { agents, .. }) => agents,
            _ => Vec::new(),
        }
    }

    fn who(&self, c: &CallId, who: Who) -> (AgentId, Epoch) {
        match who {
            Who::Offered(n) => {
                let offers = self.offers(c);
                if offers.is_empty() {
                    (agent(n), 0)
                } else {
                    offers[usize::from(n) % offers.len()].clone()
                }
            }
            Who::Stale { agent: a, epoch } => (agent(a), Epoch::from(epoch)),
        }
    }

    fn command(&self, op: &Op) -> Option<Command> {
        Some(match *op {
            Op::Logon { agent: a, media: m } => Command::Logon {
                agent: agent(a),
                extension: format!("x{a}").into(),
                media: (0..5).filter(|i| m & (1 << i) != 0).map(media).collect(),
            },
            Op::Logoff {
                agent: a,
                reason: r,
            } => Command::Logoff {
                agent: agent(a),
                reason: r.map(reason),
            },
            Op::Ready { agent: a, media: m } => Command::Ready {
                agent: agent(a),
                media: media(m),
            },
            Op::NotReady {
                agent: a,
                reason: r,
                media: m,
            } => Command::NotReady {
                agent: agent(a),
                reason: reason(r),
                media: media(m),
            },
            Op::Arrive {
                call: c,
                group: g,
                priority,
                media: m,
                dnis,
                preferred,
                lang_fr,
                prefer,
            } => Command::call_arrived(CallSpec {
                media: m.map(media),
                dnis: dnis.map(|d| format!("10{}", d % 8)),
                priority: priority.map(i32::from),
                preferred_agent: preferred.map(agent),
                data: [("lang".to_string(), if lang_fr { "fr" } else { "en" }.to_string())].into(),
                preferred_agents: prefer
                    .map(|p| PreferredAgent {
                        agent: agent(p),
                        score: None,
                    })
                    .into_iter()
                    .collect(),
                preferred_timeout_s: prefer.map(|p| u32::from(p % 8)),
                ..CallSpec::new(call(c), group(g))
            }),
            Op::Alerting { call: c, who } => {
                let (agent, epoch) = self.who(&call(c), who);
                Command::Alerting {
                    call: call(c),
                    agent,
                    epoch,
                }
            }
            Op::Answer { call: c, who } => {
                let (agent, epoch) = self.who(&call(c), who);
                Command::Answered {
                    call: call(c),
                    agent,
                    epoch,
                }
            }
            Op::Reject { call: c, who } => {
                let (agent, epoch) = self.who(&call(c), who);
                Command::Rejected {
                    call: call(c),
                    agent,
                    epoch,
                }
            }
            Op::Hold { call: c } => Command::Hold { call: call(c) },
            Op::Retrieve { call: c } => Command::Retrieve { call: call(c) },
            Op::Hangup { call: c } => Command::Hangup { call: call(c) },
            Op::Pick { agent: a, call: c } => Command::Pick {
                agent: agent(a),
                call: call(c),
            },
            Op::Transfer { call: c, agent: a } => Command::Transfer {
                call: call(c),
                to_agent: agent(a),
            },
            Op::DivertResult { call: c, stale, ok } => Command::DivertResult {
                call: call(c),
                epoch: match stale {
                    Some(e) => Epoch::from(e),
                    None => self
                        .diverts
                        .get(&(self.tenant.clone(), call(c)))
                        .copied()
                        .unwrap_or(0),
                },
                ok,
            },
            Op::AuthDivert { call: c } => Command::AuthDivert {
            call: call(c),
            destination: None,
        },
            Op::CallReturned { call: c } => Command::CallReturned {
            call: call(c),
            data: Default::default(),
        },
            Op::AddAgent {
                agent: a,
                s0,
                s1,
                pdn,
                dispatch,
            } => {
                let mut cfg = AgentConfig::new(agent(a), &[]);
                cfg.skills = skills(s0, s1);
                cfg.pdn = pdn.then(|| format!("10{}", a % 8));
                cfg.dispatch_access = dispatch;
                cfg.can_pick = dispatch;
                Command::AddAgent { agent: Box::new(cfg) }
            }
            Op::RemoveAgent { agent: a } => Command::RemoveAgent { agent: agent(a) },
            Op::SetSkills { agent: a, s0, s1 } => Command::SetSkills {
                agent: agent(a),
                skills: skills(s0, s1),
            },
            Op::UpsertGroup {
                group: g,
                strategy: s,
                tweak,
            } => Command::UpsertGroup {
                group: Box::new(upserted_group(group(g), s, tweak)),
            },
            Op::RemoveGroup { group: g } => Command::RemoveGroup { group: group(g) },
            Op::SetMaintenance { on } => Command::SetMaintenance { on },
            Op::Json { ref text } => return serde_json::from_str(text).ok(),
            Op::Advance { .. }
            | Op::AdvanceLong { .. }
            | Op::Leap { .. }
            | Op::BeyondEnd { .. }
            | Op::Tenant { .. }
            | Op::Restore => return None,
        })
    }
}

/// A group definition varied by `tweak`'s bits: skills, stages, overflow,
/// queue limits, routing type, media.
fn upserted_group(id: GroupId, strategy_n: u8, tweak: u8) -> GroupConfig {
    let skills: &[&str] = match tweak % 4 {
        0 => &[],
        1 => &["s0"],
        2 => &["s1"],
        _ => &["s1", "s0"],
    };
    let mut g = GroupConfig::new(id, skills);
    g.strategy = strategy(strategy_n);
    g.clerical_s = u32::from(tweak >> 2 & 3);
    g.ring_time_s = u32::from(tweak >> 2 & 1) * 4;
    if tweak & 0x10 != 0 {
        g.stages = vec![
            StageConfig {
                after_s: 3,
                min_level: Some(1),
                skills: Some(vec![SkillRequirement {
                    skill: "s0".into(),
                    min_level: 4,
                }]),
                overflow: None,
..Default::default()
},
            StageConfig {
                after_s: 9,
                min_level: None,
                skills: None,
                overflow: Some(Destination::Group("g0".into())),
..Default::default()
},
        ];
    }
    if tweak & 0x20 != 0 {
        g.max_queue_len = Some(u32::from(tweak & 3));
        g.max_wait_s = Some(7);
        g.overflow = Some(if tweak & 1 == 0 {
            Destination::Group("g1".into())
        } else {
            Destination::Number("+15550111".into())
        });
    }
    if tweak & 0x40 != 0 {
        g.routing = RoutingType::Manual;
        g.personal_calls = tweak & 1 == 1;
    }
    if tweak & 0x80 != 0 {
        g.media = media(tweak);
        g.open_rule = OpenRule::Ready;
    }
    if strategy_n & 0x80 != 0 {
        // Valid in every tenant: skills and call data only.
        g.expression = Some("skill.s0 >= 2 || call.lang == \"fr\"".into());
    }
    g
}

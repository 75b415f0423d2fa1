//! Property tests over random command streams (R-2.2, R-2.4, R-3.x, R-8.x):
//! after every step the engine's own invariant check passes (one
//! reservation per agent, each call in exactly one place, counters balance,
//! no idle eligible agent while a call waits, every reservation supervised);
//! no call is ever lost; refused commands change nothing; nothing panics;
//! and the same stream gives the same outputs twice. The same holds with
//! capacity per agent: several voice and chat contacts at once
//! under a budget, one agent with voice and chat exclusive, a chat group,
//! least-loaded routing; then the engine also checks that no load exceeds
//! its capacity and no full agent is filed Ready.

mod common;

use acd_engine::Strategy as Routing;
use acd_engine::*;
use proptest::prelude::*;
use proptest::strategy::Strategy;
use std::collections::BTreeMap;

const AGENTS: usize = 5;
const CALLS: usize = 12;
const GROUPS: [&str; 4] = ["g0", "g1", "g2", "personal"];

#[derive(Clone, Debug)]
enum Op {
    Logon(usize),
    Logoff(usize),
    Ready(usize),
    NotReady(usize),
    Arrive(usize, usize, i32),
    Alerting(usize),
    Answer(usize),
    StaleAnswer(usize, u64),
    Reject(usize),
    Hold(usize),
    Retrieve(usize),
    Hangup(usize),
    Advance(u64),
    SetSkills(usize, u8, u8),
    DialPersonal(usize, usize),
    Pick(usize, usize),
    Transfer(usize, usize),
    DivertResult(usize, bool),
    AuthDivert(usize),
    CallReturned(usize),
    Strategy(usize, usize),
    UnknownIds(usize),
    /// Ready / Not Ready on chat (capacity streams only).
    ChatReady(usize, bool),
}

/// Ops of the capacity streams: the same, plus chat presence.
fn op_cap() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => op(),
        2 => (0..AGENTS, prop::bool::weighted(0.8)).prop_map(|(a, r)| Op::ChatReady(a, r)),
    ]
}

/// Capacity streams: the tenant's agents handle 2 voice and 3 chat
/// contacts within a budget of 100 (voice 50, chat 20); a1 handles 2
/// chats and never voice with chat; g2 is a chat group; g0 least-loaded.
fn cap_config(seed: u64) -> EngineConfig {
    let mut c = config(seed);
    let t = &mut c.tenants[0];
    t.capacity = CapacityConfig {
        per_media: [(Media::Voice, 2), (Media::Chat, 3)].into_iter().collect(),
        budget: Some(100),
        cost: [(Media::Voice, 50), (Media::Chat, 20)]
            .into_iter()
            .collect(),
        exclusive: vec![],
    };
    t.agents[1].capacity = Some(CapacityConfig {
        per_media: [(Media::Chat, 2)].into_iter().collect(),
        exclusive: vec![[Media::Voice, Media::Chat]],
        ..CapacityConfig::default()
    });
    t.groups[0].strategy = Routing::LeastLoaded;
    t.groups[2].media = Media::Chat;
    t.groups[2].overflow = Some(Destination::Number("+15550199".into()));
    c
}

thread_local! {
    /// Whether the stream being run is a capacity stream.
    static CAPACITY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn base_config(seed: u64) -> EngineConfig {
    if CAPACITY.with(|c| c.get()) {
        cap_config(seed)
    } else if VIA_CAPACITY.with(|c| c.get()) {
        single_via_capacity(seed)
    } else {
        config(seed)
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..AGENTS).prop_map(Op::Logon),
        1 => (0..AGENTS).prop_map(Op::Logoff),
        6 => (0..AGENTS).prop_map(Op::Ready),
        1 => (0..AGENTS).prop_map(Op::NotReady),
        5 => (0..CALLS, 0..GROUPS.len(), 0..3i32).prop_map(|(c, g, p)| Op::Arrive(c, g, p)),
        1 => (0..CALLS).prop_map(Op::Alerting),
        8 => (0..CALLS).prop_map(Op::Answer),
        1 => (0..CALLS, 0..40u64).prop_map(|(c, e)| Op::StaleAnswer(c, e)),
        1 => (0..CALLS).prop_map(Op::Reject),
        1 => (0..CALLS).prop_map(Op::Hold),
        1 => (0..CALLS).prop_map(Op::Retrieve),
        3 => (0..CALLS).prop_map(Op::Hangup),
        4 => (0..12_000u64).prop_map(Op::Advance),
        1 => (0..AGENTS, 0..4u8, 0..4u8).prop_map(|(a, x, y)| Op::SetSkills(a, x, y)),
        1 => (0..GROUPS.len(), 0..Routing::ALL.len()).prop_map(|(g, s)| Op::Strategy(g, s)),
        1 => (0..3usize).prop_map(Op::UnknownIds),
        3 => (0..CALLS, 0..AGENTS + 1).prop_map(|(c, a)| Op::DialPersonal(c, a)),
        2 => (0..AGENTS, 0..CALLS).prop_map(|(a, c)| Op::Pick(a, c)),
        2 => (0..CALLS, 0..AGENTS).prop_map(|(c, a)| Op::Transfer(c, a)),
        2 => (0..CALLS, any::<bool>()).prop_map(|(c, ok)| Op::DivertResult(c, ok)),
        1 => (0..CALLS).prop_map(Op::AuthDivert),
        1 => (0..CALLS).prop_map(Op::CallReturned),
    ]
}

fn config(seed: u64) -> EngineConfig {
    let mut g0 = GroupConfig::new("g0", &["s0"]);
    g0.clerical_s = 3;
    g0.ring_time_s = 10;
    g0.max_wait_s = Some(60);
    g0.overflow = Some(Destination::Group("g1".into()));
    let mut g1 = GroupConfig::new("g1", &["s1"]);
    g1.strategy = Routing::RoundRobin;
    g1.stages = vec![
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
            after_s: 90,
            min_level: None,
            skills: None,
            overflow: Some(Destination::Number("+15550100".into())),
            ..Default::default()
        },
    ];
    let mut g2 = GroupConfig::new("g2", &["s0", "s1"]);
    g2.strategy = Routing::RingAll;
    g2.max_queue_len = Some(2);
    g2.overflow = Some(Destination::Group("g0".into()));
    g2.clerical_s = 1;
    let mut personal = GroupConfig::new("personal", &["s1"]);
    personal.routing = RoutingType::Manual;
    personal.personal_calls = true;
    personal.ring_time_s = 8;
    personal.personal_max_wait_s = 15;
    personal.max_reserve_s = 20;
    g0.max_reserve_s = 10;
    let mut tenant = TenantConfig::new(common::TENANT);
    tenant.default_destination = Some("+18005550000".into());
    tenant.groups = vec![g0, g1, g2, personal];
    tenant.agents = (0..AGENTS)
        .map(|i| {
            let skills: &[(&str, u8)] = match i % 3 {
                0 => &[("s0", 3)],
                1 => &[("s1", 2)],
                _ => &[("s0", 1), ("s1", 5)],
            };
            let mut a = AgentConfig::new(format!("a{i}"), skills);
            a.pdn = Some(format!("55{i}"));
            a.dispatch_access = i % 2 == 0;
            a.can_pick = i != 4;
            a.default_destination = (i != 2).then(|| format!("vm-a{i}"));
            a
        })
        .collect();
    EngineConfig {
        seed,
        tenants: vec![tenant],
        ..EngineConfig::default()
    }
}

thread_local! {
    /// Latest divert epoch per call, as seen in the effects.
    static DIVERTS: std::cell::RefCell<BTreeMap<String, Epoch>> = const { std::cell::RefCell::new(BTreeMap::new()) };
}

/// Runs a stream; returns the serialized outputs of every step.
fn run(ops: &[Op], seed: u64) -> Result<Vec<String>, TestCaseError> {
    DIVERTS.with(|d| d.borrow_mut().clear());
    let mut engine = Engine::new(base_config(seed)).expect("valid config");
    let tenant = TenantId::new(common::TENANT);
    let mut now = 0u64;
    let mut trace = Vec::new();
    let mut arrived: BTreeMap<String, bool> = BTreeMap::new(); // call -> still accounted live
    for op in ops {
        if let Op::Advance(ms) = op {
            now += ms;
            engine.handle_timeout(Instant::from_millis(now));
        } else {
            now += 100;
            engine.handle_timeout(Instant::from_millis(now));
            let before = serde_json::to_value(&engine).expect("serializes");
            let Some(cmd) = command(&engine, op) else {
                continue;
            };
            let new_call = match &cmd {
                Command::CallArrived(spec) => Some(spec.id.to_string()),
                _ => None,
            };
            let r = engine.handle(Instant::from_millis(now), &tenant, cmd);
            if let (Some(call), Ok(())) = (new_call, &r) {
                arrived.insert(call, false);
            }
            if r.is_err() {
                let after = serde_json::to_value(&engine).expect("serializes");
                prop_assert_eq!(before, after, "refused {:?} changed state: {:?}", op, r);
            }
            trace.push(format!("{r:?}"));
        }
        for e in engine.drain_effects() {
            if let Effect::Divert {
                call,
                epoch: Some(epoch),
                ..
            } = &e
            {
                DIVERTS.with(|d| d.borrow_mut().insert(call.to_string(), *epoch));
            }
            trace.push(serde_json::to_string(&e).expect("effect serializes"));
        }
        for e in engine.drain_events() {
            if let Some(call) = terminal_call(&e.kind) {
                arrived.insert(call, true);
            }
            trace.push(serde_json::to_string(&e).expect("event serializes"));
        }
        if let Err(msg) = engine.check_invariants() {
            return Err(TestCaseError::fail(format!("after {op:?}: {msg}")));
        }
        // No call is ever lost: every call that arrived is live or ended with a terminal event.
        for (call, ended) in &arrived {
            let live = engine.call_status(&tenant, &call.as_str().into()).is_ok();
            prop_assert!(
                live || *ended,
                "call {call} vanished without a terminal event"
            );
        }
    }
    Ok(trace)
}

fn terminal_call(kind: &EventKind) -> Option<String> {
    match kind {
        EventKind::CallEnded { call, .. }
        | EventKind::CallAbandoned { call, .. }
        | EventKind::CallOverflowed {
            call,
            to: Destination::Number(_),
            ..
        }
        | EventKind::CallCleared { call, .. }
        | EventKind::CallDeflected { call, .. } => Some(call.to_string()),
        _ => None,
    }
}

fn current_offer(engine: &Engine, call: &str) -> Option<(AgentId, Epoch)> {
    match engine.call_status(&TenantId::new(common::TENANT), &call.into()) {
        Ok(CallStatus::Offered { agents, .. }) => agents.into_iter().next(),
        _ => None,
    }
}

fn command(engine: &Engine, op: &Op) -> Option<Command> {
    let agent = |i: &usize| AgentId::new(format!("a{i}"));
    let call = |i: &usize| CallId::new(format!("c{i}"));
    let offer = |i: &usize| current_offer(engine, &format!("c{i}"));
    let capacity = CAPACITY.with(|c| c.get());
    Some(match op {
        Op::Logon(a) => Command::Logon {
            agent: agent(a),
            extension: format!("x{a}").into(),
            media: if capacity {
                vec![Media::Voice, Media::Chat]
            } else {
                vec![]
            },
        },
        Op::ChatReady(a, true) => Command::Ready {
            agent: agent(a),
            media: Media::Chat,
        },
        Op::ChatReady(a, false) => Command::NotReady {
            agent: agent(a),
            reason: "BREAK".into(),
            media: Media::Chat,
        },
        Op::Logoff(a) => Command::Logoff {
            agent: agent(a),
            reason: None,
        },
        Op::Ready(a) => Command::Ready {
            agent: agent(a),
            media: Media::Voice,
        },
        Op::NotReady(a) => Command::NotReady {
            agent: agent(a),
            reason: "BREAK".into(),
            media: Media::Voice,
        },
        Op::Arrive(c, g, p) => Command::call_arrived(CallSpec {
            priority: Some(*p),
            ..CallSpec::new(call(c), GROUPS[*g])
        }),
        Op::Alerting(c) => {
            let (agent, epoch) = offer(c)?;
            Command::Alerting {
                call: call(c),
                agent,
                epoch,
            }
        }
        Op::Answer(c) => {
            let (agent, epoch) = offer(c)?;
            Command::Answered {
                call: call(c),
                agent,
                epoch,
            }
        }
        Op::StaleAnswer(c, e) => Command::Answered {
            call: call(c),
            agent: agent(&(*e as usize % AGENTS)),
            epoch: *e,
        },
        Op::Reject(c) => {
            let (agent, epoch) = offer(c)?;
            Command::Rejected {
                call: call(c),
                agent,
                epoch,
            }
        }
        Op::Hold(c) => Command::Hold { call: call(c) },
        Op::Retrieve(c) => Command::Retrieve { call: call(c) },
        Op::Hangup(c) => Command::Hangup { call: call(c) },
        Op::SetSkills(a, x, y) => {
            let mut skills = BTreeMap::new();
            if *x > 0 {
                skills.insert(SkillId::new("s0"), *x * 3);
            }
            if *y > 0 {
                skills.insert(SkillId::new("s1"), *y * 3);
            }
            Command::SetSkills {
                agent: agent(a),
                skills,
            }
        }
        Op::Strategy(g, s) => {
            let mut cfg = base_config(0).tenants[0].groups[*g].clone();
            cfg.strategy = Routing::ALL[*s];
            Command::UpsertGroup {
                group: Box::new(cfg),
            }
        }
        Op::UnknownIds(k) => match k {
            0 => Command::Ready {
                agent: "nobody".into(),
                media: Media::Voice,
            },
            1 => Command::Hangup {
                call: "no-such-call".into(),
            },
            _ => Command::call_arrived(CallSpec::new("cx", "no-such-group")),
        },
        Op::DialPersonal(c, a) => Command::call_arrived(CallSpec {
            dnis: Some(format!("55{a}")), // 55{AGENTS} matches nobody
            ..CallSpec::new(call(c), "personal")
        }),
        Op::Pick(a, c) => Command::Pick {
            agent: agent(a),
            call: call(c),
        },
        Op::Transfer(c, a) => Command::Transfer {
            call: call(c),
            to_agent: agent(a),
        },
        Op::DivertResult(c, ok) => {
            let epoch = divert_epoch(engine, *c)?;
            Command::DivertResult {
                call: call(c),
                epoch,
                ok: *ok,
            }
        }
        Op::AuthDivert(c) => Command::AuthDivert {
            call: call(c),
            destination: None,
        },
        Op::CallReturned(c) => Command::CallReturned {
            call: call(c),
            data: Default::default(),
        },
        Op::Advance(_) => return None,
    })
}

/// The epoch of the divert in progress for call `c`, read from the trace of
/// effects the engine emitted (kept by the caller in `DIVERTS`).
fn divert_epoch(_engine: &Engine, c: usize) -> Option<Epoch> {
    DIVERTS.with(|d| d.borrow().get(&format!("c{c}")).copied())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_over_random_streams(ops in prop::collection::vec(op(), 1..120), seed in any::<u64>()) {
        run(&ops, seed)?;
    }

    #[test]
    fn same_inputs_same_outputs(ops in prop::collection::vec(op(), 1..80), seed in any::<u64>()) {
        let first = run(&ops, seed)?;
        let second = run(&ops, seed)?;
        prop_assert_eq!(first, second);
    }

    #[test]
    fn invariants_hold_with_capacity(ops in prop::collection::vec(op_cap(), 1..120), seed in any::<u64>()) {
        CAPACITY.with(|c| c.set(true));
        let first = run(&ops, seed);
        let second = run(&ops, seed);
        CAPACITY.with(|c| c.set(false));
        prop_assert_eq!(first?, second?);
    }
}

/// A capacity that allows exactly one contact per media but takes the
/// capacity paths (lanes, filing with room, matching at the end of the
/// step): a budget nothing can exceed.
fn single_via_capacity(seed: u64) -> EngineConfig {
    let mut c = config(seed);
    c.tenants[0].capacity = CapacityConfig {
        budget: Some(1_000_000),
        ..CapacityConfig::default()
    };
    c
}

thread_local! {
    static VIA_CAPACITY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// one contact per media through the capacity paths routes
    /// exactly like the single-channel paths (same effects and events).
    #[test]
    fn capacity_paths_with_one_contact_match_the_single_channel(ops in prop::collection::vec(op(), 1..100), seed in any::<u64>()) {
        let single = run(&ops, seed)?;
        VIA_CAPACITY.with(|c| c.set(true));
        let via = run(&ops, seed);
        VIA_CAPACITY.with(|c| c.set(false));
        prop_assert_eq!(single, via?);
    }
}

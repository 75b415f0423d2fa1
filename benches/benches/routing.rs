//! (1) One routing decision — a call arrives and the engine chooses an agent
//! and emits the offer — for every strategy with 10, 1,000, 10,000 and
//! 100,000 Ready agents (500 groups, 100 skills).
//! (2) An agent becomes Ready and the engine chooses the best waiting call
//! among the 50 groups it serves, with 1,000 (and 10,000) calls queued.
//!
//! (3) Threshold reservation: a call arrives in a group whose
//! reserve holds back the 10, 1,000 or 10,000 agents it shares with the
//! protected group, all idle longer than the one agent it may take.
//!
//! Only the decision is timed (`iter_custom`); the reset that brings the
//! floor back to its steady state (answer + hang-up, or reject) is not.
//! Run: `cargo bench -p acd-benches --bench routing`.

use acd_benches::floor::{Expression, Floor};
use acd_engine::{
    AgentConfig, CallSpec, Command, Effect, Engine, EngineConfig, GroupConfig, Media, Reserve,
    Strategy, TenantConfig, TenantId,
};
use criterion::measurement::WallTime;
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion,
};
use std::time::{Duration, Instant};

const AGENTS: [usize; 4] = [10, 1_000, 10_000, 100_000];

/// Times `floor`'s arrival decisions as benchmark `id`; the answer and
/// hang-up that reset the floor after each one are not timed.
fn time_arrivals(group: &mut BenchmarkGroup<'_, WallTime>, id: BenchmarkId, floor: &mut Floor) {
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let t0 = Instant::now();
                let offered = black_box(floor.route_arrival());
                timed += t0.elapsed();
                floor.answer_and_hang_up(offered.expect("an eligible agent is Ready"));
            }
            timed
        })
    });
}

fn arrival_decision(c: &mut Criterion) {
    let mut group = c.benchmark_group("arrival_decision");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for strategy in Strategy::ALL {
        for agents in AGENTS {
            let mut floor = Floor::staffed(agents, strategy);
            let id = BenchmarkId::new(format!("{strategy:?}"), agents);
            time_arrivals(&mut group, id, &mut floor);
        }
    }
    // Each agent serving 5 groups (1 skill) instead of 50: the decision's
    // cost is mostly re-indexing the chosen agent in every group it serves.
    for agents in [10_000, 100_000] {
        let mut floor = Floor::staffed_with(agents, Strategy::LongestIdle, 1);
        let id = BenchmarkId::new("LongestIdle_5_groups_per_agent", agents);
        time_arrivals(&mut group, id, &mut floor);
    }
    // Attribute expressions at 10,000 agents: narrowing an indexed
    // skill (agent-only, part of the ready index) and reading call data
    // (filtered per call).
    for (expression, name) in [
        (Expression::Indexed, "expression_indexed"),
        (Expression::CallData, "expression_call_data"),
    ] {
        let mut floor = Floor::with_expression(10_000, expression);
        time_arrivals(&mut group, BenchmarkId::new(name, 10_000), &mut floor);
    }
    group.finish();
}

fn arrival_full_cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("arrival_answer_hangup_cycle");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for agents in AGENTS {
        let mut floor = Floor::staffed(agents, Strategy::LongestIdle);
        group.bench_function(BenchmarkId::new("LongestIdle", agents), |b| {
            b.iter(|| {
                let offered = floor.route_arrival().expect("an eligible agent is Ready");
                floor.answer_and_hang_up(offered);
            })
        });
    }
    group.finish();
}

fn ready_decision(c: &mut Criterion) {
    let mut group = c.benchmark_group("ready_decision");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for queued in [1_000, 10_000] {
        let mut floor = Floor::logged_on(1_000, Strategy::LongestIdle);
        floor.queue_calls(queued);
        group.bench_function(BenchmarkId::new("queued_calls", queued), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let t0 = Instant::now();
                    let offered = black_box(floor.route_ready(0));
                    timed += t0.elapsed();
                    floor.reject(offered.expect("agent 0's groups have calls waiting"));
                }
                timed
            })
        });
    }
    group.finish();
}

/// Groups `pri` and `sec`; `sec` keeps `held` agents idle for `pri`, so
/// its `held` shared agents (Ready first, longest idle) are all held back
/// and the one agent without `pri`'s skill, Ready last, takes each call.
fn reserve_floor(held: usize) -> (Engine, TenantId) {
    let mut sec = GroupConfig::new("sec", &["s"]);
    sec.reserve = Some(Box::new(Reserve {
        for_group: "pri".into(),
        keep_idle: held as u32,
        max_wait_s: None,
    }));
    let mut tenant = TenantConfig::new("bench");
    tenant.groups = vec![GroupConfig::new("pri", &["p"]), sec];
    tenant.agents = (0..held)
        .map(|i| AgentConfig::new(format!("shared-{i}"), &[("p", 1), ("s", 1)]))
        .chain([AgentConfig::new("spared", &[("s", 1)])])
        .collect();
    let ids: Vec<String> = tenant.agents.iter().map(|a| a.id.to_string()).collect();
    let mut engine = Engine::new(EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    })
    .expect("valid bench config");
    engine.set_events_enabled(false);
    let t = TenantId::new("bench");
    for (i, id) in ids.iter().enumerate() {
        let at = acd_engine::Instant::from_millis(i as u64 + 1);
        let logon = Command::Logon {
            agent: id.as_str().into(),
            extension: format!("{}", 100_000 + i).into(),
            media: vec![],
        };
        engine.handle(at, &t, logon).expect("logon");
        let ready = Command::Ready {
            agent: id.as_str().into(),
            media: Media::Voice,
        };
        engine.handle(at, &t, ready).expect("ready");
    }
    engine.drain_effects().for_each(drop);
    (engine, t)
}

fn reserve_arrival(c: &mut Criterion) {
    let mut group = c.benchmark_group("reserve_arrival");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for held in [10, 1_000, 10_000] {
        let (mut engine, t) = reserve_floor(held);
        let mut now = held as u64 + 10;
        group.bench_function(BenchmarkId::new("held_back_agents", held), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    now += 1;
                    let at = acd_engine::Instant::from_millis(now);
                    let arrive = Command::call_arrived(CallSpec::new("c", "sec"));
                    let t0 = Instant::now();
                    engine.handle(at, &t, arrive).expect("arrival");
                    let offer = black_box(engine.drain_effects().find_map(|e| match e {
                        Effect::Offer { agent, epoch, .. } => Some((agent, epoch)),
                        _ => None,
                    }));
                    timed += t0.elapsed();
                    let (agent, epoch) = offer.expect("the spared agent is offered the call");
                    assert_eq!(agent.as_str(), "spared");
                    let answer = Command::Answered {
                        call: "c".into(),
                        agent,
                        epoch,
                    };
                    engine.handle(at, &t, answer).expect("answer");
                    let hangup = Command::Hangup { call: "c".into() };
                    engine.handle(at, &t, hangup).expect("hang-up");
                    engine.drain_effects().for_each(drop);
                }
                timed
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    arrival_decision,
    arrival_full_cycle,
    ready_decision,
    reserve_arrival
);
criterion_main!(benches);

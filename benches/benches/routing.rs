//! (1) One routing decision — a call arrives and the engine chooses an agent
//! and emits the offer — for every strategy with 10, 1,000, 10,000 and
//! 100,000 Ready agents (500 groups, 100 skills).
//! (2) An agent becomes Ready and the engine chooses the best waiting call
//! among the 50 groups it serves, with 1,000 (and 10,000) calls queued.
//!
//! Only the decision is timed (`iter_custom`); the reset that brings the
//! floor back to its steady state (answer + hang-up, or reject) is not.
//! Run: `cargo bench -p acd-benches --bench routing`.

use acd_benches::floor::{Expression, Floor};
use acd_engine::Strategy;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::{Duration, Instant};

const AGENTS: [usize; 4] = [10, 1_000, 10_000, 100_000];

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
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let t0 = Instant::now();
                        let offered = black_box(floor.route_arrival());
                        timed += t0.elapsed();
                        let offered = offered.expect("an eligible agent is Ready");
                        floor.answer_and_hang_up(offered);
                    }
                    timed
                })
            });
        }
    }
    // Each agent serving 5 groups (1 skill) instead of 50: the decision's
    // cost is mostly re-indexing the chosen agent in every group it serves.
    for agents in [10_000, 100_000] {
        let mut floor = Floor::staffed_with(agents, Strategy::LongestIdle, 1);
        let id = BenchmarkId::new("LongestIdle_5_groups_per_agent", agents);
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
    // Attribute expressions at 10,000 agents: narrowing an indexed
    // skill (agent-only, part of the ready index) and reading call data
    // (filtered per call).
    for (expression, name) in [
        (Expression::Indexed, "expression_indexed"),
        (Expression::CallData, "expression_call_data"),
    ] {
        let mut floor = Floor::with_expression(10_000, expression);
        group.bench_function(BenchmarkId::new(name, 10_000), |b| {
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

criterion_group!(
    benches,
    arrival_decision,
    arrival_full_cycle,
    ready_decision
);
criterion_main!(benches);

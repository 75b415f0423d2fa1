//! Simulator throughput: a full 8-hour contact-centre day — 10,000 agents,
//! 100 service groups, about 1.5 million calls — driven through the real
//! engine by `acd-sim` (scenario `sim/scenarios/day_10k.toml`).
//!
//! Run: `cargo bench -p acd-benches --bench sim_day` (about a minute: ten
//! samples of a multi-second day). Criterion reports time per day and
//! calls per second.

use acd_sim::scenario::Scenario;
use acd_sim::simulation::run_once;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

const DAY: &str = include_str!("../../sim/scenarios/day_10k.toml");

fn sim_day(c: &mut Criterion) {
    let scenario = Scenario::parse(DAY).expect("day_10k.toml parses");
    // One untimed run to learn the call count for the throughput figure.
    let probe = run_once(&scenario, scenario.seed, &mut |_| {}).expect("run starts");
    assert_eq!(probe.engine_errors, 0);
    let mut group = c.benchmark_group("sim");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(40))
        .throughput(Throughput::Elements(probe.calls));
    group.bench_function("day_10k_agents_100_groups", |b| {
        b.iter(|| run_once(&scenario, scenario.seed, &mut |_| {}).expect("run starts"))
    });
    group.finish();
}

criterion_group!(benches, sim_day);
criterion_main!(benches);

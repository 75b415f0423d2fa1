//! The physical limit of a queueing simulation, beside `acd-sim`: the M/M/c
//! queue of `benches/peers/mmc.toml` simulated by a bare-bones event loop
//! (a binary heap of departures, a FIFO of waiting arrivals, a PCG random
//! number generator; no engine, no ids, no statistics beyond a count), and
//! by `acd-sim` driving the real engine, in the same run. Criterion reports
//! both per simulated call, so the simulator's cost reads as a ratio to the
//! floor.
//!
//! Run: `cargo bench -p acd-benches --bench mmc_floor` (about a minute).

use acd_sim::scenario::{Rate, Scenario};
use acd_sim::simulation::run_once;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

const MMC: &str = include_str!("../peers/mmc.toml");

/// The M/M/c parameters of the scenario.
struct Mmc {
    per_s: f64,
    mean_handle_s: f64,
    servers: u32,
    horizon_s: f64,
}

impl Mmc {
    fn from(scenario: &Scenario) -> Mmc {
        let arrival = &scenario.arrivals[0];
        let Rate::Constant(per_hour) = arrival.per_hour else {
            panic!("mmc.toml has a constant rate");
        };
        Mmc {
            per_s: per_hour / 3600.0,
            mean_handle_s: arrival.handle.mean_s(),
            servers: scenario.agents.iter().map(|a| a.count).sum(),
            // acd-sim generates calls through the warm-up too.
            horizon_s: (scenario.warmup_s + *scenario.duration_s.get_ref()) as f64,
        }
    }
}

/// Exponential variate of mean `mean`.
fn exp(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.gen::<f64>()).ln()
}

/// Simulates the queue to its horizon; returns (calls, total wait in s).
fn bare_loop(q: &Mmc, seed: u64) -> (u64, f64) {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    // Departure times in µs, earliest first.
    let mut busy: BinaryHeap<Reverse<u64>> = BinaryHeap::new();
    let mut waiting: VecDeque<f64> = VecDeque::new();
    let (mut now, mut calls, mut wait) = (0.0_f64, 0_u64, 0.0_f64);
    let mut next_arrival = exp(&mut rng, 1.0 / q.per_s);
    while now < q.horizon_s {
        let next_departure = busy.peek().map_or(f64::INFINITY, |d| d.0 as f64 / 1e6);
        if next_arrival <= next_departure {
            now = next_arrival;
            calls += 1;
            if busy.len() < q.servers as usize {
                let end = now + exp(&mut rng, q.mean_handle_s);
                busy.push(Reverse((end * 1e6) as u64));
            } else {
                waiting.push_back(now);
            }
            next_arrival = now + exp(&mut rng, 1.0 / q.per_s);
        } else {
            now = next_departure;
            busy.pop();
            if let Some(arrived) = waiting.pop_front() {
                wait += now - arrived;
                let end = now + exp(&mut rng, q.mean_handle_s);
                busy.push(Reverse((end * 1e6) as u64));
            }
        }
    }
    (calls, wait)
}

fn mmc_floor(c: &mut Criterion) {
    let scenario = Scenario::parse(MMC).expect("mmc.toml parses");
    let q = Mmc::from(&scenario);
    let probe = run_once(&scenario, scenario.seed, &mut |_| {}).expect("run starts");
    let (floor_calls, _) = bare_loop(&q, scenario.seed);
    let mut group = c.benchmark_group("mmc");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(floor_calls));
    group.bench_function("bare_event_loop", |b| {
        b.iter(|| black_box(bare_loop(&q, black_box(scenario.seed))))
    });
    group.throughput(Throughput::Elements(probe.calls));
    group.bench_function("acd_sim", |b| {
        b.iter(|| run_once(&scenario, scenario.seed, &mut |_| {}).expect("run starts"))
    });
    group.finish();
}

criterion_group!(benches, mmc_floor);
criterion_main!(benches);

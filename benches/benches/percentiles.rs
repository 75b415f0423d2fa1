//! Per-operation latency percentiles of the routing decisions of the
//! `routing` bench: each decision is timed on its own (TSC clock, ~20 ns of
//! timer overhead included), giving p50/p90/p99/p99.9/max rather than
//! criterion's sample means. Prints a markdown table.
//! Run: `cargo bench -p acd-benches --bench percentiles`.
//! `ACD_BENCH_OPS=N` changes the operations timed per row (default 20,000).

use acd_benches::floor::{Expression, Floor, SKILLS_PER_AGENT};
use acd_engine::Strategy;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

const AGENTS: [usize; 4] = [10, 1_000, 10_000, 100_000];
/// Calls held at once on the floors with talking agents.
const HELD: usize = 2_000;

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters rows by name.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let ops: usize = std::env::var("ACD_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    println!("| decision | agents | ops | p50 | p90 | p99 | p99.9 | max |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for strategy in Strategy::ALL {
        for agents in AGENTS {
            let name = format!("arrival/{strategy:?}");
            if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
                continue;
            }
            // Ring-all rings every eligible agent (agents/10 of them): fewer ops.
            let n = if strategy == Strategy::RingAll {
                (ops * 100 / agents.max(100)).max(50)
            } else {
                ops
            };
            let mut floor = Floor::staffed(agents, strategy);
            let samples = measure(n, || timed_arrival(&mut floor));
            row(&name, agents, samples);
        }
    }
    // The decision's cost is mostly re-indexing the chosen agent in every
    // group it serves: the same floor with 1 skill (5 groups) per agent.
    for agents in [10_000, 100_000] {
        let name = "arrival/LongestIdle/5_groups_per_agent";
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let mut floor = Floor::staffed_with(agents, Strategy::LongestIdle, 1);
        let samples = measure(ops, || timed_arrival(&mut floor));
        row(name, agents, samples);
    }
    // The same two floors with a fifth of the agents talking: each call is
    // hung up 2,000 decisions after it was offered, so an agent comes back
    // long after decisions in its other pools passed its old entries.
    for skills in [SKILLS_PER_AGENT, 1] {
        let name = format!("arrival/LongestIdle/{}_groups_per_agent/held", 5 * skills);
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let mut floor = Floor::staffed_with(10_000, Strategy::LongestIdle, skills);
        row(&name, 10_000, measure_held(&mut floor, HELD, ops));
    }
    // Attribute expressions: one narrowing an indexed skill (part
    // of the ready index), one reading call data (filtered per call).
    for (expression, name) in [
        (Expression::Indexed, "arrival/expression/indexed"),
        (Expression::CallData, "arrival/expression/call_data"),
    ] {
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        for agents in [1_000, 10_000] {
            let mut floor = Floor::with_expression(agents, expression);
            let samples = measure(ops, || timed_arrival(&mut floor));
            row(name, agents, samples);
        }
    }
    // Capacity: chat groups, 3 chats per agent, the floor holding
    // 1.5 live chats per agent on average (the oldest ends after each
    // decision), so most agents are filed with 1 or 2 chats.
    for strategy in [Strategy::LeastLoaded, Strategy::LongestIdle] {
        let name = format!("arrival/chat_capacity_3/{strategy:?}");
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let agents = 10_000;
        let mut floor = Floor::with_chat_capacity(agents, 3, strategy);
        row(&name, agents, measure_held(&mut floor, agents * 3 / 2, ops));
    }
    for queued in [1_000, 10_000] {
        let name = format!("ready/{queued}_queued");
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let mut floor = Floor::logged_on(1_000, Strategy::LongestIdle);
        floor.queue_calls(queued);
        let samples = measure(ops, || {
            let t0 = Instant::now();
            let offered = floor.route_ready(0);
            let took = t0.elapsed();
            floor.reject(offered.expect("calls are waiting"));
            took
        });
        row(&name, 1_000, samples);
    }
}

/// One timed arrival decision; the answer and hang-up that reset the floor
/// are not timed.
fn timed_arrival(floor: &mut Floor) -> Duration {
    let t0 = Instant::now();
    let offered = floor.route_arrival();
    let took = t0.elapsed();
    floor.answer_and_hang_up(offered.expect("an eligible agent is Ready"));
    took
}

/// Times `n` arrival decisions on a floor that holds `keep` answered
/// calls: after each decision the oldest is hung up (not timed). The
/// floor first fills up to `keep`.
fn measure_held(floor: &mut Floor, keep: usize, n: usize) -> Vec<Duration> {
    let mut held = VecDeque::with_capacity(keep + 1);
    let mut cycle = || {
        let t0 = Instant::now();
        let offered = floor.route_arrival();
        let took = t0.elapsed();
        floor.answer_and_hold(offered.expect("an eligible agent is free"), &mut held, keep);
        took
    };
    for _ in 0..keep {
        cycle();
    }
    measure(n, cycle)
}

/// Warms up with `n / 10` operations, then times `n`.
fn measure(n: usize, mut op: impl FnMut() -> Duration) -> Vec<Duration> {
    for _ in 0..n / 10 {
        op();
    }
    let mut samples: Vec<Duration> = (0..n).map(|_| op()).collect();
    samples.sort_unstable();
    samples
}

fn row(name: &str, agents: usize, samples: Vec<Duration>) {
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q) as usize).min(samples.len() - 1);
        fmt(samples[i])
    };
    let max = samples.last().copied().map(fmt).unwrap_or_default();
    println!(
        "| {name} | {agents} | {} | {} | {} | {} | {} | {max} |",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999)
    );
}

fn fmt(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 10_000 {
        format!("{ns} ns")
    } else if ns < 10_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else {
        format!("{:.1} ms", ns as f64 / 1e6)
    }
}

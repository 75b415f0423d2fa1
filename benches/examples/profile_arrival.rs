//! A loop of arrival decisions on one floor, for a profiler: the floor is
//! built once, then `ops` calls arrive, each answered and hung up, at once
//! or, with `held` > 0, after `held` later arrivals.
//! Run: `cargo run --release -p acd-benches --example profile_arrival --
//! <agents> <skills per agent> <ops> [held]` (defaults 10000 10 2000000 0),
//! e.g. under `perf record --call-graph dwarf`.

use acd_benches::arg;
use acd_benches::floor::Floor;
use acd_engine::Strategy;
use std::collections::VecDeque;

fn main() {
    let (agents, skills, ops) = (arg(1, 10_000), arg(2, 10), arg(3, 2_000_000));
    let held_calls = arg(4, 0);
    let mut floor = Floor::staffed_with(agents, Strategy::LongestIdle, skills);
    let mut held = VecDeque::new();
    let mut cycle = |floor: &mut Floor| {
        let offered = floor.route_arrival().expect("an eligible agent is Ready");
        floor.answer_and_hold(offered, &mut held, held_calls);
    };
    for _ in 0..held_calls {
        cycle(&mut floor);
    }
    let started = std::time::Instant::now();
    for _ in 0..ops {
        cycle(&mut floor);
    }
    let per = started.elapsed() / ops as u32;
    println!("{agents} agents, {skills} skills each, {held_calls} held: {per:?} per arrival cycle");
}

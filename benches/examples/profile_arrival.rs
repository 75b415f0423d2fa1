//! A loop of arrival decisions on one floor, for a profiler: the floor is
//! built once, then `ops` calls arrive, each answered and hung up.
//! Run: `cargo run --release -p acd-benches --example profile_arrival --
//! <agents> <skills per agent> <ops>` (defaults 10000 10 2000000), e.g.
//! under `perf record --call-graph dwarf`.

use acd_benches::arg;
use acd_benches::floor::Floor;
use acd_engine::Strategy;

fn main() {
    let (agents, skills, ops) = (arg(1, 10_000), arg(2, 10), arg(3, 2_000_000));
    let mut floor = Floor::staffed_with(agents, Strategy::LongestIdle, skills);
    let started = std::time::Instant::now();
    for _ in 0..ops {
        let offered = floor.route_arrival().expect("an eligible agent is Ready");
        floor.answer_and_hang_up(offered);
    }
    let per = started.elapsed() / ops as u32;
    println!("{agents} agents, {skills} skills each: {per:?} per arrival cycle");
}

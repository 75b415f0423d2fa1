//! `acd-sim` on `benches/peers/mmc.toml`, run over and over, for a
//! profiler: the same work the `mmc_floor` bench times.
//! Run: `cargo run --release -p acd-benches --example profile_sim -- <runs>`
//! (default 200), e.g. under `perf record --call-graph dwarf`.

use acd_sim::scenario::Scenario;
use acd_sim::simulation::run_once;

const MMC: &str = include_str!("../peers/mmc.toml");

fn main() {
    let runs = acd_benches::arg(1, 200) as u32;
    let scenario = Scenario::parse(MMC).expect("mmc.toml parses");
    let started = std::time::Instant::now();
    let mut calls = 0;
    for _ in 0..runs {
        calls += run_once(&scenario, scenario.seed, &mut |_| {})
            .expect("run starts")
            .calls;
    }
    let elapsed = started.elapsed();
    println!(
        "{runs} runs, {calls} calls: {:?} per run, {:?} per call",
        elapsed / runs,
        elapsed / calls as u32
    );
}

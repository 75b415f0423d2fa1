//! The mixed command stream of the `throughput` bench, recorded once and
//! replayed over and over, for a profiler.
//! Run: `cargo run --release -p acd-benches --example profile_stream --
//! <skills per agent> <replays>` (defaults 10 20), e.g. under
//! `perf record --call-graph dwarf`.

use acd_benches::arg;
use acd_benches::workload::{record, replay, Shape};

fn main() {
    let shape = Shape {
        skills_per_agent: arg(1, 10),
        ..Shape::default()
    };
    let replays = arg(2, 20);
    let recording = record(shape);
    let mut busy = std::time::Duration::ZERO;
    let mut fastest = std::time::Duration::MAX;
    for _ in 0..replays {
        let mut engine = recording.start.clone();
        engine.set_events_enabled(false);
        let steps = recording.steps.clone();
        let started = std::time::Instant::now();
        std::hint::black_box(replay(&mut engine, &recording.tenant, steps));
        busy += started.elapsed();
        fastest = fastest.min(started.elapsed());
    }
    let steps = recording.steps.len() as u32;
    let (mean, min) = (busy / (replays as u32 * steps), fastest / steps);
    println!("{replays} replays: {mean:?} per step (fastest replay {min:?})");
}

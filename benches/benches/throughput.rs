//! (3) Sustained mixed command stream on one core: a recorded realistic
//! stream (see `acd_benches::workload`) of arrivals, alerting, answers,
//! hang-ups, abandons, breaks and timer wake-ups on a 10,000-agent,
//! 500-group floor, replayed through `Engine::handle`/`handle_timeout` with
//! every effect and event drained. Throughput is in steps (commands + timer
//! wake-ups) per second.
//! Run: `cargo bench -p acd-benches --bench throughput`.

use acd_benches::workload::{record, replay, Shape};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::time::Duration;

fn mixed_stream(c: &mut Criterion) {
    let recording = record(Shape::default());
    // The replay must repeat the recorded work exactly (determinism), or the
    // numbers would be for a different stream.
    let mut check = recording.start.clone();
    let (refused, effects, _) = replay(&mut check, &recording.tenant, recording.steps.clone());
    assert_eq!((refused, effects), (recording.refused, recording.effects));
    eprintln!(
        "mixed stream: {} steps ({} commands, {} refused), {} effects",
        recording.steps.len(),
        recording.commands,
        recording.refused,
        recording.effects
    );

    let mut group = c.benchmark_group("mixed_stream_10k_agents");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(recording.steps.len() as u64));
    for events in [false, true] {
        let name = if events { "events_on" } else { "events_off" };
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let mut engine = recording.start.clone();
                    engine.set_events_enabled(events);
                    (engine, recording.steps.clone())
                },
                |(mut engine, steps)| {
                    let counts = replay(&mut engine, &recording.tenant, steps);
                    (engine, counts)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, mixed_stream);
criterion_main!(benches);

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
    // Default layout: every agent serves 50 groups (10 skills x 5 groups).
    stream(
        c,
        "mixed_stream_10k_agents_50_groups_each",
        Shape::default(),
    );
    // Lighter layout: every agent serves 5 groups (1 skill).
    let light = Shape {
        skills_per_agent: 1,
        ..Shape::default()
    };
    stream(c, "mixed_stream_10k_agents_5_groups_each", light);
}

fn stream(c: &mut Criterion, name: &str, shape: Shape) {
    let recording = record(shape);
    // The replay must repeat the recorded work exactly (determinism), or the
    // numbers would be for a different stream.
    let mut check = recording.start.clone();
    let (refused, effects, _) = replay(&mut check, &recording.tenant, recording.steps.clone());
    assert_eq!((refused, effects), (recording.refused, recording.effects));
    eprintln!(
        "{name}: {} steps ({} commands, {} refused), {} effects",
        recording.steps.len(),
        recording.commands,
        recording.refused,
        recording.effects
    );

    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
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

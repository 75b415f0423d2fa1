//! Journal throughput per fsync policy: one seeded workload input
//! (command or tick) journaled and applied per iteration through
//! `DurableEngine`, against the same input applied to a plain in-memory
//! `Engine`; plus recovery (snapshot load + replay) speed.
//!
//! `cargo bench -p acd-benches --bench journal`

#[path = "../../engine/tests/journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{DurableEngine, FsyncPolicy, JournalOptions};
use acd_engine::Engine;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::time::Duration;
use workload::Workload;

const SEED: u64 = 11;

fn durable(c: &mut Criterion, name: &str, fsync: FsyncPolicy) {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = JournalOptions {
        fsync,
        snapshot_every: Some(50_000),
    };
    let (mut d, _) =
        DurableEngine::open(dir.path(), workload::config(SEED), options).expect("open journal");
    let mut load = Workload::resume(SEED, d.engine(), 0);
    let mut group = c.benchmark_group("journal");
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |b| {
        b.iter(|| {
            let record = load.next_record();
            workload::apply_durable(&mut d, record).expect("journal write");
            load.observe(d.drain_effects());
            d.drain_events().for_each(drop);
        })
    });
    group.finish();
}

fn in_memory(c: &mut Criterion) {
    let mut engine = Engine::new(workload::config(SEED)).expect("config");
    let mut load = Workload::resume(SEED, &engine, 0);
    let mut group = c.benchmark_group("journal");
    group.throughput(Throughput::Elements(1));
    group.bench_function("no_journal", |b| {
        b.iter(|| {
            workload::apply_plain(&mut engine, load.next_record());
            load.observe(engine.drain_effects());
            engine.drain_events().for_each(drop);
        })
    });
    group.finish();
}

fn policies(c: &mut Criterion) {
    in_memory(c);
    durable(c, "fsync_never", FsyncPolicy::Never);
    durable(
        c,
        "fsync_batched_2ms",
        FsyncPolicy::Batched {
            max_delay: Duration::from_millis(2),
        },
    );
    durable(c, "fsync_every_command", FsyncPolicy::EveryCommand);
}

/// Recovery of a journal of 10 000 records with no snapshot after the start.
fn recovery(c: &mut Criterion) {
    const RECORDS: u64 = 10_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let options = JournalOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every: None,
    };
    {
        let (mut d, _) =
            DurableEngine::open(dir.path(), workload::config(SEED), options).expect("open");
        let mut load = Workload::resume(SEED, d.engine(), 0);
        for _ in 0..RECORDS {
            workload::apply_durable(&mut d, load.next_record()).expect("write");
            load.observe(d.drain_effects());
            d.drain_events().for_each(drop);
        }
        // Dropped, not closed: close() snapshots, and this measures replay.
        drop(d);
    }
    let mut group = c.benchmark_group("journal");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(10);
    group.bench_function("recover_10k_records", |b| {
        b.iter_batched(
            || (),
            |()| {
                let (d, report) = DurableEngine::open(dir.path(), workload::config(SEED), options)
                    .expect("recover");
                assert_eq!(report.next_seq, RECORDS);
                d
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = policies, recovery
}
criterion_main!(benches);

//! (4) Runtime end-to-end latency from another thread: the bench thread
//! submits `CallArrived` to a shard (1,000 Ready agents, 500 groups, events
//! on) and waits for the engine's `Offer` to come out of the shard's output
//! channel — inbox, writer wake-up, decision, sink, channel, reader wake-up.
//! The reply (the command's result, sent after outputs and snapshot) is
//! timed separately. Snapshots are published after every batch or at most
//! every 10 ms, to show what building them costs.
//! Also: pipeline throughput, 10,000 fire-and-forget commands per iteration
//! from one submitting thread until the writer has applied them all; and
//! the cost of building one tenant snapshot with 1,000..100,000 agents
//! (the whole-shard snapshot of f037059 and before), and the cost of
//! publishing the incremental snapshot of a batch that changed 256 of
//! 100,000 agents.
//! Run: `cargo bench -p acd-benches --bench runtime`.

use acd_benches::floor::{Floor, Offered};
use acd_engine::journal::EngineStore;
use acd_engine::runtime::{
    Output, Runtime, RuntimeHandle, ShardConfig, ShardCounters, SnapshotBuilder,
};
use acd_engine::{Command, Effect, Media, ReasonCode, Strategy, TenantId};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use crossbeam_channel::Receiver;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

const AGENTS: usize = 1_000;

fn start(snapshot_every: Duration, inbox: usize) -> (Runtime, Floor, Receiver<Output>) {
    let mut floor = Floor::staffed(AGENTS, Strategy::LongestIdle);
    let mut engine = floor.engine.clone();
    engine.set_events_enabled(true);
    let (shard, outputs) = ShardConfig::with_channel(engine, 1 << 16);
    let shard = shard
        .snapshot_interval(snapshot_every)
        .inbox_capacity(inbox);
    let runtime = Runtime::start(vec![shard]).expect("runtime starts");
    // The floor only hands out call specs from now on; the engine lives in the runtime.
    floor.engine.set_events_enabled(false);
    (runtime, floor, outputs)
}

fn wait_offer(outputs: &Receiver<Output>) -> Offered {
    loop {
        match outputs.recv_timeout(Duration::from_secs(5)) {
            Ok(Output::Effect(Effect::Offer {
                call, agent, epoch, ..
            })) => {
                return Offered {
                    call,
                    agent,
                    epoch,
                    rung: 1,
                }
            }
            Ok(_) => continue,
            Err(e) => panic!("no offer: {e}"),
        }
    }
}

fn finish_call(rt: &RuntimeHandle, tenant: &TenantId, offered: Offered) {
    let call = offered.call.clone();
    rt.call(
        tenant,
        Command::Answered {
            call: offered.call,
            agent: offered.agent,
            epoch: offered.epoch,
        },
    )
    .expect("answer");
    rt.call(tenant, Command::Hangup { call }).expect("hang up");
}

fn end_to_end(c: &mut Criterion) {
    let mut group = c.benchmark_group("runtime_latency_1k_agents");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for (label, every) in [
        ("snapshot_every_batch", Duration::ZERO),
        ("snapshot_10ms", Duration::from_millis(10)),
    ] {
        let (runtime, mut floor, outputs) = start(every, 1024);
        let rt = runtime.handle();
        let tenant = floor.tenant.clone();
        group.bench_function(BenchmarkId::new("submit_to_offer", label), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let spec = floor.next_call(0);
                    let t0 = Instant::now();
                    let reply = rt
                        .submit_with_reply(&tenant, Command::call_arrived(spec))
                        .expect("inbox has room");
                    let offered = wait_offer(&outputs);
                    timed += t0.elapsed();
                    reply.wait().expect("arrival accepted");
                    finish_call(&rt, &tenant, offered);
                }
                timed
            })
        });
        group.bench_function(BenchmarkId::new("call_round_trip", label), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let spec = floor.next_call(0);
                    let t0 = Instant::now();
                    rt.call(&tenant, Command::call_arrived(spec))
                        .expect("arrival accepted");
                    timed += t0.elapsed();
                    finish_call(&rt, &tenant, wait_offer(&outputs));
                }
                timed
            })
        });
        runtime.shutdown().expect("clean shutdown");
    }
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    const COMMANDS: usize = 10_000;
    let mut group = c.benchmark_group("runtime_pipeline_1k_agents");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(COMMANDS as u64));
    let (runtime, floor, outputs) = start(Duration::from_millis(10), 2 * COMMANDS);
    let rt = runtime.handle();
    let tenant = floor.tenant.clone();
    let drain = std::thread::spawn(move || outputs.iter().count());
    let agents: Vec<_> = (0..AGENTS).map(|i| floor.agent(i).clone()).collect();
    group.bench_function("not_ready_ready_toggles", |b| {
        b.iter(|| {
            for n in 0..COMMANDS {
                let command = toggle(&agents, n);
                rt.submit(&tenant, command)
                    .expect("inbox sized for the batch");
            }
            rt.sync(0, Duration::from_secs(10))
                .expect("writer caught up")
        })
    });
    // The same commands straight into an engine on this thread: the
    // difference is the runtime's own cost per command.
    let mut engine = floor.engine.clone();
    engine.set_events_enabled(true);
    let mut now = engine.now();
    group.bench_function("same_commands_direct_engine", |b| {
        b.iter(|| {
            for n in 0..COMMANDS {
                now = now.plus_millis(1);
                let _ = engine.handle(now, &tenant, toggle(&agents, n));
                engine.drain_effects().for_each(drop);
                engine.drain_events().for_each(drop);
            }
        })
    });
    group.finish();
    runtime.shutdown().expect("clean shutdown");
    drain.join().expect("drain thread");
}

/// Command `n` of the pipeline: agent `n / 2` goes Not Ready, then Ready.
fn toggle(agents: &[acd_engine::AgentId], n: usize) -> Command {
    let agent = agents[(n / 2) % agents.len()].clone();
    if n.is_multiple_of(2) {
        Command::NotReady {
            agent,
            reason: ReasonCode::new("break"),
            media: Media::Voice,
        }
    } else {
        Command::Ready {
            agent,
            media: Media::Voice,
        }
    }
}

/// What a snapshot publication costs the writer: `Engine::snapshot` of a
/// tenant with N agents (the writer builds one per published snapshot).
fn snapshot_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("tenant_snapshot_build");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for agents in [1_000, 10_000, 100_000] {
        let floor = Floor::staffed(agents, Strategy::LongestIdle);
        group.throughput(Throughput::Elements(agents as u64));
        group.bench_function(BenchmarkId::from_parameter(agents), |b| {
            b.iter(|| floor.engine.snapshot(&floor.tenant).expect("tenant exists"))
        });
    }
    group.finish();
}

/// What publishing costs the writer now: 256 agents of 100,000 change
/// state (not timed): 128 random Ready agents go Not Ready, and the 128
/// that went Not Ready two batches before go Ready again, so that no agent
/// is in two consecutive batches (the builder writes each batch twice, see
/// `SnapshotBuilder`).
/// then the timed part, as the writer does it: the snapshot refreshed from
/// the change log and swapped in for the previous one, which is released
/// (`in_place`: no reader holds the one before, so the builder updates it
/// in place) or kept by a reader until the next batch (`reader_holds`:
/// the builder copies the touched pages of the latest one). After each
/// publish the builder catches the spare buffer up, as the writer does
/// after its replies; `in_place_with_catch_up` times that too (the
/// writer's whole snapshot work per batch).
fn snapshot_publish(c: &mut Criterion) {
    const AGENTS: usize = 100_000;
    const BATCH: usize = 256;
    let mut group = c.benchmark_group("runtime_snapshot_publish_100000_agents");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let floor = Floor::staffed(AGENTS, Strategy::LongestIdle);
    let tenant = floor.tenant.clone();
    let agents: Vec<_> = (0..AGENTS).map(|i| floor.agent(i).clone()).collect();
    let mut store = EngineStore::Memory(floor.engine);
    let mut builder = SnapshotBuilder::new(0, &mut store);
    let mut cell = builder.latest();
    let mut seq = 0;
    let mut rng = Pcg64Mcg::seed_from_u64(15);
    // Agents made Not Ready by the last two batches, oldest first.
    let mut resting: VecDeque<Vec<usize>> = VecDeque::new();
    for (label, reader_holds, catch_up_timed) in [
        ("in_place", false, false),
        ("in_place_with_catch_up", false, true),
        ("reader_holds", true, false),
    ] {
        group.bench_function(BenchmarkId::new(label, BATCH), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut reader = None;
                for _ in 0..iters {
                    let rested = match resting.len() {
                        2 => resting.pop_front().unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    let fresh: Vec<usize> =
                        (0..BATCH / 2).map(|_| rng.gen_range(0..AGENTS)).collect();
                    // Ready again: odd command of `toggle`; Not Ready: even.
                    for n in rested
                        .iter()
                        .map(|a| 2 * a + 1)
                        .chain(fresh.iter().map(|a| 2 * a))
                    {
                        let now = store.engine().now().plus_millis(1);
                        let _ = store.handle(now, &tenant, toggle(&agents, n));
                        while store.poll_effect().is_some() {}
                    }
                    resting.push_back(fresh);
                    seq += 1;
                    let t0 = Instant::now();
                    let next = builder.publish(seq, &mut store, ShardCounters::default());
                    let before = std::mem::replace(&mut cell, next);
                    // A reader keeps the replaced snapshot over the next publish.
                    let released = std::mem::replace(&mut reader, reader_holds.then_some(before));
                    drop(released);
                    timed += t0.elapsed();
                    // What the writer does after its replies.
                    let t1 = Instant::now();
                    builder.catch_up();
                    if catch_up_timed {
                        timed += t1.elapsed();
                    }
                }
                timed
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    end_to_end,
    pipeline,
    snapshot_cost,
    snapshot_publish
);
criterion_main!(benches);

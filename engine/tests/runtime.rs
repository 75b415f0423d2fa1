//! The multi-threaded runtime (feature `runtime`): routing of commands to
//! shards, back-pressure, real-time timers, snapshots and shutdown.
//!
//! Every wait below is bounded (a failing test fails within seconds) and the
//! timers use millisecond reservations, so the suite runs in well under a second.

use acd_engine::runtime::{
    CallError, Output, Runtime, RuntimeError, ShardConfig, ShardSnapshot, SubmitError,
};
use acd_engine::*;
use crossbeam_channel::{Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// A tenant with one group "{id}-g" (skill "s") and `agents` agents "{id}-a{i}".
fn tenant(id: &str, agents: usize) -> TenantConfig {
    let mut t = TenantConfig::new(id);
    t.groups
        .push(GroupConfig::new(format!("{id}-g").as_str(), &["s"]));
    for i in 0..agents {
        t.agents
            .push(AgentConfig::new(format!("{id}-a{i}").as_str(), &[("s", 5)]));
    }
    t
}

fn engine(tenants: Vec<TenantConfig>, max_reservation_ms: u64) -> Engine {
    Engine::new(EngineConfig {
        tenants,
        max_reservation_ms,
        ..EngineConfig::default()
    })
    .expect("valid config")
}

fn logon(agent: &str) -> Command {
    Command::Logon {
        agent: agent.into(),
        extension: format!("x-{agent}").into(),
        media: vec![],
    }
}

fn ready(agent: &str) -> Command {
    Command::Ready {
        agent: agent.into(),
        media: Media::Voice,
    }
}

fn status(snap: &ShardSnapshot, tenant: &str, agent: &str) -> AgentStatus {
    snap.agent_status(&tenant.into(), &agent.into())
        .cloned()
        .unwrap_or_else(|| panic!("{agent} missing from snapshot"))
}

/// A sink that blocks inside its first output until released, so a test
/// can hold the writer busy. Returns (sink, entered, release).
#[allow(clippy::type_complexity)]
fn gated_sink() -> (
    impl FnMut(Output) + Send + 'static,
    Receiver<()>,
    Sender<()>,
    Receiver<Output>,
) {
    let (entered_tx, entered_rx) = crossbeam_channel::bounded(1);
    let (release_tx, release_rx) = crossbeam_channel::bounded::<()>(1);
    let (out_tx, out_rx) = crossbeam_channel::unbounded();
    let mut first = true;
    let sink = move |output: Output| {
        if first {
            first = false;
            let _ = entered_tx.send(());
            let _ = release_rx.recv_timeout(WAIT);
        }
        let _ = out_tx.send(output);
    };
    (sink, entered_rx, release_tx, out_rx)
}

/// The next effect matching `wanted`, waiting at most [`WAIT`] in all.
fn next_effect(outputs: &Receiver<Output>, wanted: impl Fn(&Effect) -> bool) -> Effect {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match outputs.recv_deadline(deadline) {
            Ok(Output::Effect(e)) if wanted(&e) => return e,
            Ok(_) => continue,
            Err(e) => panic!("no matching effect in time: {e}"),
        }
    }
}

#[test]
fn commands_from_many_threads_reach_their_tenants_shard() {
    let shard0 = ShardConfig::new(engine(vec![tenant("t0", 8)], 60_000), |_| {});
    let shard1 = ShardConfig::new(
        engine(vec![tenant("t1", 8), tenant("t2", 8)], 60_000),
        |_| {},
    );
    let runtime = Runtime::start(vec![shard0, shard1]).expect("start");
    let rt = runtime.handle();
    assert_eq!(rt.shard_of(&"t0".into()), Some(0));
    assert_eq!(rt.shard_of(&"t2".into()), Some(1));

    let threads: Vec<_> = ["t0", "t1", "t2"]
        .into_iter()
        .map(|t| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                for i in 0..8 {
                    let agent = format!("{t}-a{i}");
                    rt.call(&t.into(), logon(&agent)).expect("logon");
                    if i % 2 == 0 {
                        rt.call(&t.into(), ready(&agent)).expect("ready");
                    }
                }
            })
        })
        .collect();
    for th in threads {
        th.join().expect("submitter thread");
    }

    let s0 = rt.sync(0, WAIT).expect("sync 0");
    let s1 = rt.sync(1, WAIT).expect("sync 1");
    assert_eq!(s0.counters.commands, 12, "t0 only: 8 logons + 4 readies");
    assert_eq!(s1.counters.commands, 24, "t1 and t2");
    assert_eq!(s0.tenants.len(), 1);
    assert!(s0.tenant(&"t1".into()).is_none());
    for t in ["t1", "t2"] {
        assert_eq!(status(&s1, t, &format!("{t}-a0")), AgentStatus::Ready);
        assert!(matches!(
            status(&s1, t, &format!("{t}-a1")),
            AgentStatus::NotReady { .. }
        ));
    }
    assert_eq!(status(&s0, "t0", "t0-a6"), AgentStatus::Ready);
    runtime.shutdown().expect("shutdown");
}

#[test]
fn errors_come_back_typed_and_nothing_crosses_tenants() {
    let shards = vec![
        ShardConfig::new(engine(vec![tenant("t0", 1)], 60_000), |_| {}),
        ShardConfig::new(engine(vec![tenant("t1", 1)], 60_000), |_| {}),
    ];
    let runtime = Runtime::start(shards).expect("start");
    let rt = runtime.handle();
    // t1's agent does not exist for t0.
    let err = rt.call(&"t0".into(), logon("t1-a0")).unwrap_err();
    assert!(matches!(err, CallError::Engine(_)), "{err:?}");
    assert_eq!(
        rt.submit(&"nobody".into(), logon("t0-a0")),
        Err(SubmitError::UnknownTenant("nobody".into()))
    );
    let snap = rt.sync(0, WAIT).expect("sync");
    assert_eq!(
        (snap.counters.commands, snap.counters.refused),
        (1, 1),
        "the refused command is counted"
    );
    assert_eq!(status(&snap, "t0", "t0-a0"), AgentStatus::LoggedOut);
}

#[test]
fn a_full_inbox_refuses_with_backpressure_and_loses_nothing() {
    let (sink, entered, release, outputs) = gated_sink();
    let shard = ShardConfig::new(engine(vec![tenant("t", 4)], 60_000), sink).inbox_capacity(2);
    let runtime = Runtime::start(vec![shard]).expect("start");
    let rt = runtime.handle();
    let t = TenantId::new("t");

    // The logon's event sends the writer into the blocking sink.
    rt.submit(&t, logon("t-a0")).expect("first");
    entered.recv_timeout(WAIT).expect("writer entered the sink");
    // Writer busy: two commands fit, the third is refused.
    rt.submit(&t, logon("t-a1")).expect("fits");
    rt.submit(&t, logon("t-a2")).expect("fits");
    assert_eq!(
        rt.submit(&t, logon("t-a3")),
        Err(SubmitError::Backpressure { shard: 0 })
    );
    // Snapshots stay readable while the writer is stuck.
    let stale = rt.snapshot(0).expect("snapshot");
    assert_eq!(stale.counters.commands, 0);

    release.send(()).expect("release");
    let snap = rt.sync(0, WAIT).expect("sync");
    assert_eq!(snap.counters.commands, 3, "every accepted command applied");
    for a in ["t-a0", "t-a1", "t-a2"] {
        assert!(matches!(
            status(&snap, "t", a),
            AgentStatus::NotReady { .. }
        ));
    }
    assert_eq!(status(&snap, "t", "t-a3"), AgentStatus::LoggedOut);
    let logged_on = outputs
        .try_iter()
        .filter(|o| {
            matches!(
                o,
                Output::Event(Event {
                    kind: EventKind::AgentLoggedOn { .. },
                    ..
                })
            )
        })
        .count();
    assert_eq!(logged_on, 3, "every event reached the sink");
    // Room again.
    rt.submit(&t, logon("t-a3")).expect("accepted after drain");
}

#[test]
fn snapshots_are_readable_from_other_threads_while_the_writer_is_busy() {
    let (sink, entered, release, _outputs) = gated_sink();
    let shard = ShardConfig::new(engine(vec![tenant("t", 2)], 60_000), sink);
    let runtime = Runtime::start(vec![shard]).expect("start");
    let rt = runtime.handle();
    rt.submit(&"t".into(), logon("t-a0")).expect("submit");
    entered.recv_timeout(WAIT).expect("writer busy");

    let readers: Vec<_> = (0..4)
        .map(|_| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                (0..1000)
                    .map(|_| rt.snapshot(0).expect("snapshot").seq)
                    .max()
            })
        })
        .collect();
    for r in readers {
        assert_eq!(
            r.join().expect("reader"),
            Some(0),
            "readers see the start snapshot, not blocked"
        );
    }
    release.send(()).expect("release");
    let snap = rt.sync(0, WAIT).expect("sync");
    assert!(snap.seq >= 1);
    assert!(matches!(
        status(&snap, "t", "t-a0"),
        AgentStatus::NotReady { .. }
    ));
}

#[test]
fn ring_time_supervision_fires_in_real_time() {
    // No ring time on the group: the engine's reservation deadline
    // supervises the offer, here 40 ms.
    let (shard, outputs) = ShardConfig::with_channel(engine(vec![tenant("t", 1)], 40), 64);
    let runtime = Runtime::start(vec![shard]).expect("start");
    let rt = runtime.handle();
    let t = TenantId::new("t");
    rt.call(&t, logon("t-a0")).expect("logon");
    rt.call(&t, ready("t-a0")).expect("ready");
    let sent = std::time::Instant::now();
    rt.call(&t, Command::call_arrived(CallSpec::new("c1", "t-g")))
        .expect("arrive");

    let offer = next_effect(&outputs, |e| matches!(e, Effect::Offer { .. }));
    let Effect::Offer { deadline, .. } = offer else {
        unreachable!()
    };
    let stop = next_effect(&outputs, |e| matches!(e, Effect::StopRinging { .. }));
    let waited = sent.elapsed();
    assert!(
        matches!(
            stop,
            Effect::StopRinging {
                cause: Cause::NoAnswer,
                ..
            }
        ),
        "{stop:?}"
    );
    // Engine time has millisecond resolution: the arrival is stamped with
    // the whole millisecond it happened in, so allow 1 ms.
    assert!(
        waited + Duration::from_millis(1) >= Duration::from_millis(40),
        "fired early: {waited:?}"
    );
    assert!(waited < Duration::from_secs(2), "fired late: {waited:?}");
    let snap = rt.sync(0, WAIT).expect("sync");
    assert!(snap.at >= deadline, "engine time reached the deadline");
    // the call is back in the queue and the agent is forced NotReady.
    assert_eq!(snap.queue_len(&t, &"t-g".into()), Some(1));
    assert!(matches!(
        status(&snap, "t", "t-a0"),
        AgentStatus::NotReady { .. }
    ));
}

#[test]
fn shutdown_applies_accepted_commands_and_returns_the_engines() {
    let (sink, entered, release, _outputs) = gated_sink();
    let shard = ShardConfig::new(engine(vec![tenant("t", 3)], 60_000), sink);
    let runtime = Runtime::start(vec![shard]).expect("start");
    let rt = runtime.handle();
    let t = TenantId::new("t");
    rt.submit(&t, logon("t-a0")).expect("submit");
    entered.recv_timeout(WAIT).expect("writer busy");
    for a in ["t-a1", "t-a2"] {
        rt.submit(&t, logon(a)).expect("submit");
    }
    // Shutdown waits for the sink; release it from another thread.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        release.send(()).expect("release");
    });
    let engines = runtime.shutdown().expect("shutdown");
    releaser.join().expect("releaser");
    assert_eq!(engines.len(), 1);
    for a in ["t-a0", "t-a1", "t-a2"] {
        assert!(matches!(
            engines[0]
                .engine()
                .agent_status(&t, &a.into(), Media::Voice),
            Ok(AgentStatus::NotReady { .. })
        ));
    }
    assert_eq!(
        rt.submit(&t, ready("t-a0")),
        Err(SubmitError::ShutDown { shard: 0 })
    );
    assert!(matches!(rt.snapshot(0), Some(s) if s.counters.commands == 3));

    // A restored engine keeps its time and its agents.
    let before = engines[0].engine().now();
    let restarted = Runtime::start(vec![ShardConfig::new(engines[0].engine().clone(), |_| {})])
        .expect("restart");
    let rt2 = restarted.handle();
    rt2.call(&t, ready("t-a0")).expect("ready after restart");
    let snap = rt2.sync(0, WAIT).expect("sync");
    assert!(snap.at >= before);
    assert_eq!(status(&snap, "t", "t-a0"), AgentStatus::Ready);
}

#[test]
fn start_rejects_bad_shard_layouts() {
    assert!(matches!(
        Runtime::start(vec![]),
        Err(RuntimeError::NoShards)
    ));
    let twice = vec![
        ShardConfig::new(engine(vec![tenant("t", 1)], 60_000), |_| {}),
        ShardConfig::new(engine(vec![tenant("t", 0)], 60_000), |_| {}),
    ];
    assert!(matches!(
        Runtime::start(twice),
        Err(RuntimeError::DuplicateTenant(t)) if t.as_str() == "t"
    ));
    let zero = ShardConfig::new(engine(vec![tenant("t", 1)], 60_000), |_| {}).inbox_capacity(0);
    assert!(matches!(
        Runtime::start(vec![zero]),
        Err(RuntimeError::ZeroCapacity { shard: 0 })
    ));
}

#[test]
fn a_throttled_snapshot_is_still_published_after_the_interval() {
    let shard = ShardConfig::new(engine(vec![tenant("t", 1)], 60_000), |_| {})
        .snapshot_interval(Duration::from_millis(30));
    let runtime = Runtime::start(vec![shard]).expect("start");
    let rt = runtime.handle();
    let t = TenantId::new("t");
    rt.call(&t, logon("t-a0")).expect("logon");
    rt.call(&t, ready("t-a0")).expect("ready");
    // No further command: the writer must wake by itself to publish.
    let deadline = std::time::Instant::now() + WAIT;
    let snap: Arc<ShardSnapshot> = loop {
        let snap = rt.snapshot(0).expect("snapshot");
        if snap.counters.commands == 2 || std::time::Instant::now() > deadline {
            break snap;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(snap.counters.commands, 2);
    assert_eq!(status(&snap, "t", "t-a0"), AgentStatus::Ready);
}

#[test]
fn a_panicking_sink_stops_its_shard_loudly_not_silently() {
    let sink = |_: Output| panic!("sink failure (expected by this test)");
    let healthy = ShardConfig::new(engine(vec![tenant("ok", 1)], 60_000), |_| {});
    let broken = ShardConfig::new(engine(vec![tenant("t", 2)], 60_000), sink);
    let runtime = Runtime::start(vec![healthy, broken]).expect("start");
    let rt = runtime.handle();
    let t = TenantId::new("t");
    // The logon's event reaches the sink, which panics: the waiting caller
    // learns that the shard stopped instead of hanging.
    let reply = rt.submit_with_reply(&t, logon("t-a0")).expect("accepted");
    assert_eq!(reply.wait_timeout(WAIT), Err(CallError::Disconnected));
    assert_eq!(
        rt.submit(&t, logon("t-a1")),
        Err(SubmitError::ShutDown { shard: 1 })
    );
    // The other shard is unaffected.
    rt.call(&"ok".into(), logon("ok-a0"))
        .expect("healthy shard");
    assert!(matches!(
        runtime.shutdown(),
        Err(RuntimeError::WriterPanicked { shard: 1 })
    ));
}

#[test]
fn a_reply_can_be_polled_or_awaited_with_a_timeout() {
    let runtime = Runtime::start(vec![ShardConfig::new(
        engine(vec![tenant("t", 1)], 60_000),
        |_| {},
    )])
    .expect("start");
    let rt = runtime.handle();
    let reply = rt
        .submit_with_reply(&"t".into(), ready("t-a0"))
        .expect("accepted");
    let deadline = std::time::Instant::now() + WAIT;
    let result = loop {
        if let Some(result) = reply.try_result() {
            break result;
        }
        assert!(std::time::Instant::now() < deadline, "no reply");
        std::thread::yield_now();
    };
    // Ready before logon is refused by the engine, and says so.
    assert!(
        matches!(result, Err(CallError::Engine(Error::AgentState { .. }))),
        "{result:?}"
    );
}

#[test]
fn a_journaled_shard_loses_nothing_acknowledged_across_a_restart() {
    use acd_engine::journal::{DurableEngine, FsyncPolicy, JournalOptions};
    let dir = tempfile::tempdir().expect("tempdir");
    let config = EngineConfig {
        tenants: vec![tenant("t", 2)],
        ..EngineConfig::default()
    };
    let options = JournalOptions {
        fsync: FsyncPolicy::Batched {
            max_delay: Duration::from_millis(5),
        },
        ..JournalOptions::default()
    };
    let (durable, report) = DurableEngine::open(dir.path(), config.clone(), options).expect("open");
    assert!(report.fresh);
    let runtime = Runtime::start(vec![ShardConfig::new(durable, |_| {})]).expect("start");
    let rt = runtime.handle();
    let t = TenantId::new("t");
    rt.call(&t, logon("t-a0")).expect("logon acknowledged");
    rt.call(&t, ready("t-a0")).expect("ready acknowledged");
    let err = rt.call(&t, ready("nobody")).unwrap_err();
    assert!(
        matches!(err, CallError::Engine(Error::UnknownAgent(_))),
        "{err:?}"
    );
    // A second writer cannot open the directory while the shard holds it.
    assert!(DurableEngine::open(dir.path(), config.clone(), options).is_err());
    let engines = runtime.shutdown().expect("shutdown");
    assert!(matches!(
        engines[0],
        acd_engine::journal::EngineStore::Journaled(_)
    ));
    drop(engines);

    let (reopened, report) = DurableEngine::open(dir.path(), config, options).expect("reopen");
    assert!(!report.fresh);
    assert_eq!(
        reopened
            .engine()
            .agent_status(&"t".into(), &"t-a0".into(), Media::Voice),
        Ok(AgentStatus::Ready),
        "every acknowledged command is in the journal (R-7.2)"
    );
}

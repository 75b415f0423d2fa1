//! Shutdown cannot hang (issue 17 item 6): a sink that blocks forever or
//! crawls no longer holds `Runtime::shutdown` or `Drop` hostage. Every wait
//! here is bounded; a regression fails within seconds instead of hanging.

use acd_engine::runtime::{Output, Runtime, RuntimeError, ShardConfig, DEFAULT_SHUTDOWN_TIMEOUT};
use acd_engine::*;
use std::sync::mpsc;
use std::time::{Duration, Instant as WallClock};

fn engine() -> Engine {
    let mut t = TenantConfig::new("t");
    t.groups.push(GroupConfig::new("g", &["s"]));
    for i in 0..4 {
        t.agents
            .push(AgentConfig::new(format!("a{i}").as_str(), &[("s", 5)]));
    }
    Engine::new(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
    .expect("valid config")
}

fn logon(i: usize) -> Command {
    Command::Logon {
        agent: format!("a{i}").as_str().into(),
        extension: format!("x{i}").into(),
        media: vec![],
    }
}

/// A sink that blocks forever on its first output (until the test ends).
fn stuck_sink() -> (impl FnMut(Output) + Send + 'static, mpsc::Sender<()>) {
    let (tx, rx) = mpsc::channel::<()>();
    let sink = move |_: Output| {
        let _ = rx.recv(); // never sent: blocks until the sender is dropped
    };
    (sink, tx)
}

#[test]
fn a_sink_blocked_forever_does_not_hang_shutdown() {
    let (sink, _keep_blocked) = stuck_sink();
    let runtime = Runtime::start(vec![ShardConfig::new(engine(), sink)]).unwrap();
    let rt = runtime.handle();
    rt.submit(&"t".into(), logon(0)).unwrap();
    std::thread::sleep(Duration::from_millis(50)); // the writer enters the sink
    let started = WallClock::now();
    let stopped = runtime.shutdown_within(Duration::from_millis(100));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(
        stopped.as_slice(),
        [Err(RuntimeError::ShutdownTimedOut { shard: 0 })]
    ));
}

#[test]
fn a_slow_sink_returns_what_it_did_not_take() {
    let sink = |_: Output| std::thread::sleep(Duration::from_millis(30));
    let runtime = Runtime::start(vec![ShardConfig::new(engine(), sink)]).unwrap();
    let rt = runtime.handle();
    for i in 0..4 {
        rt.submit(&"t".into(), logon(i)).unwrap();
    }
    let started = WallClock::now();
    let stopped = runtime.shutdown_within(Duration::from_millis(10));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let [Ok(shard)] = stopped.as_slice() else {
        panic!("expected the shard back, got {stopped:?}");
    };
    // Every logon was applied; the events the sink had no time for came back.
    assert!(!shard.undelivered.is_empty());
    let engine = shard.engine.engine();
    for i in 0..4 {
        let agent = format!("a{i}").as_str().into();
        let status = engine
            .agent_status(&"t".into(), &agent, Media::Voice)
            .unwrap();
        assert_ne!(status, AgentStatus::LoggedOut, "a{i}");
    }
}

#[test]
fn dropping_a_runtime_with_a_blocked_sink_returns() {
    let (sink, keep_blocked) = stuck_sink();
    let runtime = Runtime::start(vec![ShardConfig::new(engine(), sink)]).unwrap();
    runtime.handle().submit(&"t".into(), logon(0)).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        drop(runtime);
        let _ = done_tx.send(());
    });
    let bound = DEFAULT_SHUTDOWN_TIMEOUT + Duration::from_secs(10);
    assert!(done_rx.recv_timeout(bound).is_ok(), "Drop hung");
    drop(keep_blocked);
}

#[test]
fn a_blocked_sink_makes_plain_shutdown_an_error_not_a_hang() {
    let (sink, _keep_blocked) = stuck_sink();
    let runtime = Runtime::start(vec![ShardConfig::new(engine(), sink)]).unwrap();
    runtime.handle().submit(&"t".into(), logon(0)).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(runtime.shutdown().map(|e| e.len()));
    });
    let bound = DEFAULT_SHUTDOWN_TIMEOUT + Duration::from_secs(10);
    let result = done_rx.recv_timeout(bound).expect("shutdown hung");
    assert!(matches!(
        result,
        Err(RuntimeError::ShutdownTimedOut { shard: 0 })
    ));
}

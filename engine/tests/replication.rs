//! A shard replicated on NATS JetStream (R-11): real `nats-server`s and
//! `acd-node` processes, started by the tests on loopback ports.
//!
//! `nats-server` must be installed (`apt-get install nats-server`; `.ci/run`
//! does it); without it these tests fail, they are never skipped. Soak mode:
//! `ACD_SOAK_KILLS=200 cargo test -p acd-engine --features replication
//! --test replication -- --nocapture leader_kill` kills the leader 200 times.

mod replication {
    pub mod driver;
    pub mod harness;
}

use acd_engine::replication::{Reply, ReplyError};
use acd_engine::Command;
use rand::{Rng, SeedableRng};
use replication::driver::{check_shard, write_config, Driver, Outcome, Pair, TENANT};
use replication::harness::{start_node, Nats, NodeOptions, Proc};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests measure takeover times: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Takeover limit asserted by the tests: R-11.3's 1 s, plus
/// `ACD_TAKEOVER_SLACK_MS` (default 500) for a loaded CI machine; the
/// takeover distribution itself is measured in benches/README.md.
fn takeover_limit() -> Duration {
    let slack = std::env::var("ACD_TAKEOVER_SLACK_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    Duration::from_millis(1000 + slack)
}

fn kills() -> usize {
    std::env::var("ACD_SOAK_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

fn procs_named<'a>(procs: &'a mut [Proc], name: &str) -> &'a mut Proc {
    procs.iter_mut().find(|p| p.name == name).unwrap()
}

/// R=1 on one server: commands are served, bad input gets typed errors and
/// changes nothing, a follower refuses naming the leader.
#[test]
fn single_server_serves_commands_and_refuses_bad_input() {
    let _serial = serial();
    let nats = Nats::single();
    let config = write_config(nats.path());
    let opts = NodeOptions::default();
    let _a = start_node(&nats, "a", &config, &opts);
    block_on(async {
        let mut driver = Driver::connect(&nats.urls(), "main", 1).await;
        let leader = driver.leader(&["a"], Duration::from_secs(10)).await;
        assert_eq!(leader.as_deref(), Some("a"));
        let _b = start_node(&nats, "b", &config, &opts);
        let logon = Command::Logon {
            agent: "a1".into(),
            extension: "2001".into(),
            media: vec![],
        };
        assert!(matches!(
            driver.send(logon).await,
            Outcome::Acked { ok: true, .. }
        ));
        let before = driver.node_state("a").await.unwrap().applied;

        let subject = driver.subjects.commands();
        let bad = |r: Result<Reply, String>| r.unwrap().into_result().unwrap_err();
        let e = bad(driver.raw(subject.clone(), b"{not json".to_vec()).await);
        assert!(matches!(e, ReplyError::BadRequest { .. }), "{e:?}");
        let other = br#"{"tenant":"globex","cmd":{"type":"hangup","call":"c1"}}"#.to_vec();
        let e = bad(driver.raw(subject.clone(), other).await);
        assert!(matches!(e, ReplyError::UnknownTenant { .. }), "{e:?}");
        let mut big = format!(r#"{{"tenant":"{TENANT}","cmd":{{"type":"hangup","call":""#);
        big.push_str(&"x".repeat(100 * 1024));
        big.push_str(r#""}}}"#);
        let e = bad(driver.raw(subject.clone(), big.into_bytes()).await);
        assert!(matches!(e, ReplyError::TooLarge { .. }), "{e:?}");
        // A command the engine refuses is logged and refused by every replica.
        let e = bad(driver
            .raw(
                subject,
                br#"{"tenant":"acme","cmd":{"type":"ready","agent":"nobody"}}"#.to_vec(),
            )
            .await);
        assert!(matches!(e, ReplyError::Engine { .. }), "{e:?}");
        // A follower refuses, naming the leader.
        let mut follower = None;
        for _ in 0..100 {
            if driver.node_state("b").await.is_some() {
                let r = driver
                    .raw(
                        driver.subjects.node_commands("b"),
                        br#"{"tenant":"acme","cmd":{"type":"ready","agent":"a1"}}"#.to_vec(),
                    )
                    .await;
                follower = Some(bad(r));
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            follower,
            Some(ReplyError::NotLeader {
                leader: Some("a".into())
            })
        );
        // Only the refused command reached the log.
        let after = driver.node_state("a").await.unwrap().applied;
        assert_eq!(after, before + 1);
        let b = driver.node_state("b").await.unwrap();
        assert_eq!(b.role, "follower");
        driver.run_for(Duration::from_millis(300)).await;
        check_shard(&mut driver, "a").await;
    });
}

/// Kill -9 the leader at random points (≥ 10 times, `ACD_SOAK_KILLS` for
/// more), on a three-server cluster with R=3. After each kill the standby
/// serves within the limit and every check of `check_shard` holds (R-11.3).
#[test]
fn leader_kill_standby_takes_over() {
    let _serial = serial();
    let nats = Nats::cluster();
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    block_on(async {
        let mut pair = Pair::start(&nats, NodeOptions::default(), 11).await;
        pair.driver.run_for(Duration::from_millis(500)).await;
        let mut takeovers = Vec::new();
        for round in 0..kills() {
            let (old, standby) = (pair.leader.clone(), pair.standby());
            let after = Duration::from_millis(rng.gen_range(100..600));
            let took = pair.kill_leader(&nats, after).await;
            takeovers.push(took);
            println!("round {round}: killed {old}, {standby} served after {took:?}");
            let now_leader = pair
                .driver
                .leader(&[&standby], Duration::from_secs(2))
                .await;
            assert_eq!(now_leader.as_deref(), Some(standby.as_str()));
            assert!(
                took < takeover_limit(),
                "round {round}: takeover took {took:?}"
            );
            check_shard(&mut pair.driver, &standby).await;
        }
        takeovers.sort();
        println!(
            "takeover times over {} kills: min {:?}, median {:?}, max {:?}",
            takeovers.len(),
            takeovers[0],
            takeovers[takeovers.len() / 2],
            takeovers[takeovers.len() - 1]
        );
        println!(
            "driver: {} acknowledged, {} not acknowledged",
            pair.driver.acked.len(),
            pair.driver.unknown
        );
    });
}

/// SIGSTOP the leader past its lease: the standby takes over; SIGCONT the
/// old leader: its next append is refused, it steps down, and it never
/// publishes an effect after the takeover (R-11.2).
#[test]
fn paused_leader_is_fenced() {
    let _serial = serial();
    let nats = Nats::single();
    block_on(async {
        let mut pair = Pair::start(&nats, NodeOptions::default(), 7).await;
        let (old, new) = (pair.leader.clone(), pair.standby());
        let new = new.as_str();
        let Pair { nodes, driver, .. } = &mut pair;
        driver.run_for(Duration::from_millis(500)).await;
        procs_named(nodes, &old).pause();
        let paused_at = Instant::now();
        // Requests queue up at the paused leader: it will try to append them.
        let inbox = driver.client.new_inbox();
        let mut replies = driver.client.subscribe(inbox.clone()).await.unwrap();
        for i in 0..5 {
            let req = format!(
                r#"{{"tenant":"{TENANT}","cmd":{{"type":"call_arrived","id":"late{i}","group":"support"}}}}"#
            );
            driver
                .client
                .publish_with_reply(
                    driver.subjects.node_commands(&old),
                    inbox.clone(),
                    req.into(),
                )
                .await
                .unwrap();
        }
        driver.client.flush().await.unwrap();
        let served = driver
            .until_served(paused_at, Duration::from_secs(10))
            .await
            .expect("the standby serves");
        println!("paused {old}; {new} served after {:?}", served - paused_at);
        assert_eq!(
            driver
                .leader(&[new], Duration::from_secs(2))
                .await
                .as_deref(),
            Some(new)
        );
        driver.run_for(Duration::from_millis(1500)).await;

        procs_named(nodes, &old).resume();
        // The old leader wakes up, is refused, steps down; the new leader goes on.
        driver.run_for(Duration::from_millis(1500)).await;
        let state = driver.node_state(&old).await.expect("old leader answers");
        assert_eq!(state.role, "follower", "the old leader stepped down");
        let mut answered = 0;
        while let Ok(Some(m)) = tokio::time::timeout(
            Duration::from_millis(200),
            futures_util::StreamExt::next(&mut replies),
        )
        .await
        {
            let reply: Reply = serde_json::from_slice(&m.payload).unwrap();
            assert!(
                matches!(
                    reply.clone().into_result(),
                    Err(ReplyError::Unavailable { .. }) | Err(ReplyError::NotLeader { .. })
                ),
                "a request to the paused leader was acknowledged: {reply:?}"
            );
            answered += 1;
        }
        assert_eq!(answered, 5, "each queued request gets a typed error");
        let replayed = check_shard(driver, new).await;
        // The takeover barrier: the first message the new leader appended.
        let log = replication::driver::read_log(
            &driver.client,
            &driver.subjects,
            replayed.replica.applied(),
        )
        .await;
        let barrier = log
            .iter()
            .find(|(_, n, _)| n == new)
            .map(|(s, _, _)| *s)
            .unwrap();
        assert!(
            log.iter().all(|(s, n, _)| *s < barrier || n == new),
            "{old} appended after the takeover"
        );
        let late = driver
            .observed
            .iter()
            .filter(|(s, n, _)| *n == old && *s >= barrier)
            .count();
        assert_eq!(late, 0, "{old} published effects after the takeover");
        assert!(
            procs_named(nodes, &old).log_text().contains("stepped down"),
            "the old leader logs its step-down"
        );
    });
}

/// Kill one of three NATS servers (the one hosting the stream's leader)
/// under load: commands are refused at most for the cluster's own election
/// plus the takeover, nothing acknowledged is lost.
#[test]
fn losing_a_nats_server_loses_nothing() {
    let _serial = serial();
    let mut nats = Nats::cluster();
    block_on(async {
        let mut pair = Pair::start(&nats, NodeOptions::default(), 3).await;
        let first = pair.leader.clone();
        let driver = &mut pair.driver;
        driver.run_for(Duration::from_millis(1000)).await;
        let acked_before = driver.ack_times.len();
        // Kill the server hosting the stream's leader: the worst case, the
        // cluster must elect a new one.
        let js = async_nats::jetstream::new(driver.client.clone());
        let mut stream = js.get_stream(driver.subjects.stream()).await.unwrap();
        let info = stream.info().await.unwrap();
        let victim = info
            .cluster
            .as_ref()
            .and_then(|c| c.leader.clone())
            .unwrap();
        println!("killing NATS server {victim} (stream leader)");
        nats.servers
            .iter_mut()
            .find(|s| s.name == victim)
            .unwrap()
            .kill();
        let killed_at = Instant::now();
        let served = driver
            .until_served(killed_at, Duration::from_secs(20))
            .await;
        let info = stream.info().await.ok().cloned();
        let elected = info.and_then(|i| i.cluster?.leader_since);
        println!(
            "stream leader now elected since {elected:?} (killed at {:?} ago)",
            killed_at.elapsed()
        );
        println!(
            "lost a NATS server: served again after {:?}",
            served.map(|t| t - killed_at)
        );
        driver.run_for(Duration::from_secs(2)).await;
        // The longest stretch without an acknowledgement after the kill.
        let mut last = killed_at;
        let mut gap = Duration::ZERO;
        for t in &driver.ack_times[acked_before..] {
            gap = gap.max(*t - last);
            last = *t;
        }
        println!("lost a NATS server: longest gap between acknowledgements {gap:?}");
        println!("requests not acknowledged: {:?}", driver.failures);
        assert!(
            driver.ack_times.len() > acked_before + 100,
            "the shard kept serving"
        );
        // nats-server 2.9 elects a new stream leader after a randomized
        // 4-9 s election timeout; the lease and takeover add about 1 s.
        assert!(gap < Duration::from_secs(12), "refused for {gap:?}");
        let leader = driver
            .leader(&["a", "b"], Duration::from_secs(5))
            .await
            .expect("a leader after the server loss");
        println!("leader before {first}, after {leader}");
        check_shard(driver, &leader).await;
    });
}

/// A replica restarted after the log was purged behind a snapshot joins
/// from the snapshot plus the tail and equals the leader.
#[test]
fn replica_restarts_from_snapshot_and_tail() {
    let _serial = serial();
    let nats = Nats::single();
    let opts = NodeOptions {
        snapshot_every: 25,
        ..NodeOptions::default()
    };
    block_on(async {
        let mut pair = Pair::start(&nats, opts, 5).await;
        let (leader, other) = (pair.leader.clone(), pair.standby());
        let other = other.as_str();
        pair.driver.run_for(Duration::from_millis(500)).await;
        pair.node(other).kill();
        pair.driver.run_for(Duration::from_millis(1000)).await;
        // The log no longer starts at 1: a replay from scratch is impossible.
        let js = async_nats::jetstream::new(pair.driver.client.clone());
        let mut stream = js.get_stream(pair.driver.subjects.stream()).await.unwrap();
        let first = stream.info().await.unwrap().state.first_sequence;
        assert!(first > 1, "the log was purged behind a snapshot");
        pair.restart(&nats, other).await;
        let driver = &pair.driver;
        let target = driver.node_state(&leader).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = driver.node_state(other).await;
            if let Some(s) = s.filter(|s| s.applied == target.applied) {
                assert_eq!(
                    s.engine, target.engine,
                    "restarted replica equals the leader"
                );
                assert_eq!(s.role, "follower");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the restarted replica did not catch up"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!(
            "restarted {other} from a snapshot (log starts at {first}) to message {}",
            target.applied
        );
    });
}

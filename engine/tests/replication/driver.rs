//! A seeded contact-centre workload sent through NATS (logons, ready,
//! arrivals, answers from the offers it sees, hang-ups, transfers, picks),
//! and the checks the replication tests make after every failover.

use super::harness::{start_node, Nats, NodeOptions, Proc};
use acd_engine::replication::log::{decode, Replica};
use acd_engine::replication::protocol::{LEADER_HEADER, SEQ_HEADER};
use acd_engine::replication::{NodeState, Reply, Request, Subjects};
use acd_engine::{
    AgentConfig, CallSpec, Command, Effect, EngineConfig, GroupConfig, Media, TenantConfig,
};
use async_nats::jetstream::consumer::push::OrderedConfig;
use async_nats::jetstream::consumer::DeliverPolicy;
use futures_util::{FutureExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub const TENANT: &str = "acme";
const AGENTS: usize = 12;

/// The engine configuration every test shard starts from.
pub fn engine_config() -> EngineConfig {
    let mut t = TenantConfig::new(TENANT);
    let mut g = GroupConfig::new("support", &["support"]);
    g.ring_time_s = 2;
    t.groups.push(g);
    for i in 0..AGENTS {
        let mut a = AgentConfig::new(format!("a{i}"), &[("support", 5)]);
        a.dispatch_access = true;
        t.agents.push(a);
    }
    EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    }
}

/// Writes the configuration file `acd-node --config` reads.
pub fn write_config(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("engine.json");
    std::fs::write(&path, serde_json::to_vec(&engine_config()).unwrap()).unwrap();
    path
}

/// What became of one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// In the log at `seq`; `ok` = the engine accepted it.
    Acked { seq: u64, ok: bool },
    /// Not acknowledged (no leader, timeout, fenced): may or may not be logged.
    Unknown(String),
}

/// The workload driver and what it has seen.
pub struct Driver {
    pub client: async_nats::Client,
    pub subjects: Subjects,
    rng: StdRng,
    next_call: u64,
    effects_sub: async_nats::Subscriber,
    /// Acknowledged requests: (stream sequence, accepted by the engine, request).
    pub acked: Vec<(u64, bool, Request)>,
    /// Calls whose arrival the engine accepted.
    pub arrived: BTreeSet<String>,
    /// Calls a hang-up was sent for (acknowledged or not).
    pub hangup_sent: BTreeSet<String>,
    /// Effects received: (sequence, publishing node, effect).
    pub observed: Vec<(u64, String, Effect)>,
    offers: Vec<(String, String, u64)>,
    talking: Vec<(String, String)>,
    /// Times of acknowledgements.
    pub ack_times: Vec<Instant>,
    /// Requests not acknowledged.
    pub unknown: usize,
    /// Why requests were not acknowledged, and how often.
    pub failures: BTreeMap<String, usize>,
}

impl Driver {
    pub async fn connect(urls: &str, shard: &str, seed: u64) -> Driver {
        let servers: Vec<async_nats::ServerAddr> =
            urls.split(',').map(|u| u.parse().unwrap()).collect();
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .reconnect_delay_callback(|_| Duration::from_millis(50))
            .connect(servers)
            .await
            .expect("driver connects to NATS");
        let subjects = Subjects::new(shard);
        let effects_sub = client.subscribe(subjects.effects()).await.unwrap();
        Driver {
            client,
            subjects,
            rng: StdRng::seed_from_u64(seed),
            next_call: 0,
            effects_sub,
            acked: Vec::new(),
            arrived: BTreeSet::new(),
            hangup_sent: BTreeSet::new(),
            observed: Vec::new(),
            offers: Vec::new(),
            talking: Vec::new(),
            ack_times: Vec::new(),
            unknown: 0,
            failures: BTreeMap::new(),
        }
    }

    /// Sends raw bytes to `subject`, returns the reply.
    pub async fn raw(&self, subject: String, payload: Vec<u8>) -> Result<Reply, String> {
        let fut = self.client.request(subject, payload.into());
        match tokio::time::timeout(Duration::from_millis(500), fut).await {
            Ok(Ok(m)) => serde_json::from_slice(&m.payload).map_err(|e| e.to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timeout".into()),
        }
    }

    /// Sends one command to the shard's shared subject.
    pub async fn send(&mut self, cmd: Command) -> Outcome {
        let request = Request {
            tenant: TENANT.into(),
            cmd,
        };
        let payload = serde_json::to_vec(&request).unwrap();
        let outcome = match self.raw(self.subjects.commands(), payload).await {
            Ok(reply) => match reply.into_result() {
                Ok(seq) => Outcome::Acked { seq, ok: true },
                Err(acd_engine::replication::ReplyError::Engine { seq, .. }) => {
                    Outcome::Acked { seq, ok: false }
                }
                Err(e) => Outcome::Unknown(e.to_string()),
            },
            Err(e) => Outcome::Unknown(e),
        };
        match &outcome {
            Outcome::Acked { seq, ok } => {
                self.ack_times.push(Instant::now());
                self.acked.push((*seq, *ok, request.clone()));
            }
            Outcome::Unknown(why) => {
                *self.failures.entry(why.clone()).or_default() += 1;
                self.unknown += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        outcome
    }

    /// Takes the effects received so far.
    pub fn drain_effects(&mut self) {
        while let Some(Some(m)) = self.effects_sub.next().now_or_never() {
            let headers = m.headers.clone().unwrap_or_default();
            let seq = headers
                .get(SEQ_HEADER)
                .and_then(|v| v.as_str().parse().ok())
                .unwrap_or(0);
            let node = headers
                .get(LEADER_HEADER)
                .map(|v| v.as_str().to_string())
                .unwrap_or_default();
            let effect: Effect = serde_json::from_slice(&m.payload).expect("effect JSON");
            match &effect {
                Effect::Offer {
                    call, agent, epoch, ..
                } => self
                    .offers
                    .push((call.to_string(), agent.to_string(), *epoch)),
                Effect::StopRinging { call, agent, .. } => self.offers.retain(|(c, a, _)| {
                    (c.as_str(), a.as_str()) != (call.as_str(), agent.as_str())
                }),
                _ => {}
            }
            self.observed.push((seq, node, effect));
        }
    }

    fn agent(&mut self) -> String {
        format!("a{}", self.rng.gen_range(0..AGENTS))
    }

    /// The next command of the workload.
    fn next_command(&mut self) -> Command {
        self.drain_effects();
        let roll: u32 = self.rng.gen_range(0..100);
        if roll < 30 && !self.offers.is_empty() {
            let i = self.rng.gen_range(0..self.offers.len());
            let (call, agent, epoch) = self.offers.swap_remove(i);
            self.talking.push((call.clone(), agent.clone()));
            return Command::Answered {
                call: call.into(),
                agent: agent.into(),
                epoch,
            };
        }
        if roll < 50 && !self.talking.is_empty() {
            let i = self.rng.gen_range(0..self.talking.len());
            let (call, _) = self.talking.swap_remove(i);
            self.hangup_sent.insert(call.clone());
            return Command::Hangup { call: call.into() };
        }
        if roll < 54 && !self.talking.is_empty() {
            let i = self.rng.gen_range(0..self.talking.len());
            let call = self.talking[i].0.clone();
            return Command::Transfer {
                call: call.into(),
                to_agent: self.agent().into(),
            };
        }
        if roll < 58 && !self.arrived.is_empty() {
            let n = self.rng.gen_range(0..self.arrived.len());
            let call = self.arrived.iter().nth(n).unwrap().clone();
            return Command::Pick {
                agent: self.agent().into(),
                call: call.into(),
            };
        }
        match roll {
            0..=74 => {
                self.next_call += 1;
                Command::call_arrived(CallSpec::new(format!("c{}", self.next_call), "support"))
            }
            75..=82 => Command::Logon {
                agent: self.agent().into(),
                extension: format!("{}", 2000 + self.rng.gen_range(0..AGENTS)).into(),
                media: vec![],
            },
            83..=96 => Command::Ready {
                agent: self.agent().into(),
                media: Media::Voice,
            },
            _ => Command::NotReady {
                agent: self.agent().into(),
                reason: "break".into(),
                media: Media::Voice,
            },
        }
    }

    /// One command of the workload.
    pub async fn step(&mut self) -> Outcome {
        let cmd = self.next_command();
        let arrival = match &cmd {
            Command::CallArrived(spec) => Some(spec.id.to_string()),
            _ => None,
        };
        let outcome = self.send(cmd).await;
        if let (Some(id), Outcome::Acked { ok: true, .. }) = (arrival, &outcome) {
            self.arrived.insert(id);
        }
        outcome
    }

    /// Runs the workload for `d`.
    pub async fn run_for(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            self.step().await;
        }
    }

    /// Runs the workload until a command is acknowledged at or after `since`
    /// (or `limit` passes); returns when that happened.
    pub async fn until_served(&mut self, since: Instant, limit: Duration) -> Option<Instant> {
        while since.elapsed() < limit {
            if let Outcome::Acked { .. } = self.step().await {
                return self.ack_times.last().copied();
            }
        }
        None
    }

    /// A node's state, or `None` if it does not answer.
    pub async fn node_state(&self, node: &str) -> Option<NodeState> {
        let fut = self
            .client
            .request(self.subjects.node_state(node), Vec::new().into());
        let m = tokio::time::timeout(Duration::from_millis(500), fut)
            .await
            .ok()?
            .ok()?;
        serde_json::from_slice(&m.payload).ok()
    }

    /// Waits until every one of `nodes` answers state queries.
    pub async fn wait_ready(&self, nodes: &[&str], limit: Duration) {
        let start = Instant::now();
        for n in nodes {
            while self.node_state(n).await.is_none() {
                assert!(
                    start.elapsed() < limit,
                    "node {n} is not up after {limit:?}"
                );
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    }

    /// Waits until one of `nodes` reports it leads; returns its name.
    pub async fn leader(&self, nodes: &[&str], limit: Duration) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            for n in nodes {
                if let Some(s) = self.node_state(n).await {
                    if s.role == "leader" {
                        return Some(n.to_string());
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

/// The log as stored: (sequence, appending node, payload).
pub async fn read_log(
    client: &async_nats::Client,
    subjects: &Subjects,
    upto: u64,
) -> Vec<(u64, String, Vec<u8>)> {
    let js = async_nats::jetstream::new(client.clone());
    // Right after a server loss the cluster may still be electing: retry.
    let mut attempts = 0;
    let mut messages = loop {
        attempts += 1;
        let opened = async {
            let stream = js
                .get_stream(subjects.stream())
                .await
                .map_err(|e| e.to_string())?;
            let consumer = stream
                .create_consumer(OrderedConfig {
                    deliver_subject: client.new_inbox(),
                    deliver_policy: DeliverPolicy::All,
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string())?;
            consumer.messages().await.map_err(|e| e.to_string())
        };
        match opened.await {
            Ok(m) => break m,
            Err(e) if attempts < 10 => eprintln!("reading the log: {e}; retrying"),
            Err(e) => panic!("cannot read the log: {e}"),
        }
    };
    let mut out = Vec::new();
    while out.last().is_none_or(|(s, _, _)| *s < upto) {
        let m = tokio::time::timeout(Duration::from_secs(5), messages.next())
            .await
            .expect("log message in time")
            .expect("log open")
            .expect("log message");
        let seq = m.info().unwrap().stream_sequence;
        let node = m
            .headers
            .as_ref()
            .and_then(|h| h.get(LEADER_HEADER))
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        out.push((seq, node, m.payload.to_vec()));
    }
    out
}

/// What a clean replay of the log produced.
pub struct Replayed {
    pub replica: Replica,
    /// Effects per message.
    pub effects: BTreeMap<u64, Vec<Effect>>,
    /// Commands per message, with the engine's verdict.
    pub commands: BTreeMap<u64, Vec<(Request, bool)>>,
}

/// Replays `log` through a fresh replica, as `acd-replay` would.
pub fn replay(log: &[(u64, String, Vec<u8>)]) -> Replayed {
    let mut replica = Replica::new();
    let mut effects = BTreeMap::new();
    let mut all = BTreeMap::new();
    for (seq, _, payload) in log {
        let records = decode(payload).expect("log decodes");
        let commands: Vec<Request> = records
            .iter()
            .filter_map(|r| {
                Some(Request {
                    tenant: r.tenant.clone()?,
                    cmd: r.cmd.clone()?,
                })
            })
            .collect();
        let verdicts = replica.apply(*seq, records).expect("log applies");
        let judged = commands
            .into_iter()
            .zip(verdicts)
            .map(|(c, v)| (c, v.is_ok()))
            .collect();
        all.insert(*seq, judged);
        effects.insert(*seq, replica.drain().0);
    }
    Replayed {
        replica,
        effects,
        commands: all,
    }
}

/// Every check of ..R-11.3 against the current leader's state.
pub async fn check_shard(driver: &mut Driver, leader: &str) -> Replayed {
    // Let effects in flight arrive.
    tokio::time::sleep(Duration::from_millis(100)).await;
    driver.drain_effects();
    let state = driver.node_state(leader).await.expect("leader answers");
    assert_eq!(state.role, "leader", "{leader} should lead");
    let log = read_log(&driver.client, &driver.subjects, state.applied).await;
    let log: Vec<_> = log
        .into_iter()
        .filter(|(s, _, _)| *s <= state.applied)
        .collect();
    let replayed = replay(&log);
    let engine = replayed.replica.engine().expect("configured");

    // The leader's state equals a clean replay of the stream.
    assert_eq!(
        serde_json::to_value(engine).unwrap(),
        state.engine,
        "leader state differs from a replay of the log"
    );
    engine
        .check_invariants()
        .expect("invariants of the replayed state");

    // Every acknowledged command is in the log where its reply said, and applied.
    // A refused command is logged too, and refused by the replay as well.
    for (seq, ok, request) in &driver.acked {
        assert!(
            *seq <= state.applied,
            "acknowledged message {seq} not applied"
        );
        let logged = &replayed.commands[seq];
        assert!(
            logged.contains(&(request.clone(), *ok)),
            "acknowledged {request:?} (accepted: {ok}) is not so in message {seq}"
        );
    }

    // No call lost: every accepted arrival not hung up (nor cleared or
    // diverted by the engine) is still live. No call duplicated: each id
    // accepted once.
    let mut arrivals: HashMap<String, usize> = HashMap::new();
    for (c, ok) in replayed.commands.values().flatten() {
        if let (Command::CallArrived(spec), true) = (&c.cmd, ok) {
            *arrivals.entry(spec.id.to_string()).or_default() += 1;
        }
    }
    assert!(arrivals.values().all(|&n| n == 1), "a call arrived twice");
    let ended: BTreeSet<String> = replayed
        .effects
        .values()
        .flatten()
        .filter_map(|e| match e {
            Effect::ClearCall { call, .. } | Effect::Divert { call, .. } => Some(call.to_string()),
            _ => None,
        })
        .collect();
    for call in driver.arrived.difference(&driver.hangup_sent) {
        if !ended.contains(call) {
            assert!(
                engine
                    .call_status(&TENANT.into(), &call.as_str().into())
                    .is_ok(),
                "call {call} was lost"
            );
        }
    }

    // No two offers carry the same epoch, in the log's effects and in what
    // the leaders actually published; every published effect is one the
    // log produced at that message (nothing emitted outside the log).
    let mut epochs = BTreeSet::new();
    for e in replayed.effects.values().flatten() {
        if let Effect::Offer { epoch, .. } = e {
            assert!(epochs.insert(*epoch), "epoch {epoch} offered twice");
        }
    }
    let mut published = BTreeSet::new();
    for (seq, node, effect) in &driver.observed {
        if let Effect::Offer { epoch, .. } = effect {
            assert!(published.insert(*epoch), "epoch {epoch} published twice");
        }
        let from_log = replayed.effects.get(seq).map(Vec::as_slice).unwrap_or(&[]);
        assert!(
            from_log.contains(effect),
            "{node} published {effect:?} at message {seq}, which the log does not produce"
        );
        let appender = log.iter().find(|(s, _, _)| s == seq).map(|(_, n, _)| n);
        assert_eq!(
            appender,
            Some(node),
            "effect of message {seq} published by a node that did not append it"
        );
    }
    replayed
}

/// Two `acd-node`s, `a` and `b`, on the shard `opts.shard`, a driver, and
/// which of them leads.
pub struct Pair {
    pub nodes: Vec<Proc>,
    pub driver: Driver,
    pub leader: String,
    config: PathBuf,
    opts: NodeOptions,
}

impl Pair {
    /// Starts both nodes and waits until one leads and both answer.
    pub async fn start(nats: &Nats, opts: NodeOptions, seed: u64) -> Pair {
        let config = write_config(nats.path());
        let nodes = vec![
            start_node(nats, "a", &config, &opts),
            start_node(nats, "b", &config, &opts),
        ];
        let driver = Driver::connect(&nats.urls(), &opts.shard, seed).await;
        // A fresh cluster elects its JetStream leaders first: allow 30 s.
        let leader = driver
            .leader(&["a", "b"], Duration::from_secs(30))
            .await
            .expect("a leader within 30 s");
        driver
            .wait_ready(&["a", "b"], Duration::from_secs(30))
            .await;
        Pair {
            nodes,
            driver,
            leader,
            config,
            opts,
        }
    }

    /// The node that does not lead.
    pub fn standby(&self) -> String {
        if self.leader == "a" { "b" } else { "a" }.to_string()
    }

    /// The process of node `name`.
    pub fn node(&mut self, name: &str) -> &mut Proc {
        self.nodes.iter_mut().find(|p| p.name == name).unwrap()
    }

    /// Starts node `name` again (a new process) and waits until it answers.
    pub async fn restart(&mut self, nats: &Nats, name: &str) {
        self.nodes.retain(|p| p.name != name);
        self.nodes
            .push(start_node(nats, name, &self.config, &self.opts));
        self.driver
            .wait_ready(&[name], Duration::from_secs(10))
            .await;
    }

    /// Kills the leader after `after` of workload; returns when the standby
    /// served and how long after the kill. The killed node comes back as
    /// the new standby.
    pub async fn kill_leader(&mut self, nats: &Nats, after: Duration) -> Duration {
        let killed = self.leader.clone();
        let Pair { nodes, driver, .. } = self;
        // The kill lands while a request is in flight.
        let killed_at = tokio::select! {
            _ = driver.run_for(Duration::from_secs(3600)) => unreachable!(),
            t = async {
                tokio::time::sleep(after).await;
                nodes.iter_mut().find(|p| p.name == killed).unwrap().kill();
                Instant::now()
            } => t,
        };
        let served = self
            .driver
            .until_served(killed_at, Duration::from_secs(10))
            .await
            .expect("the standby serves within 10 s");
        self.leader = self.standby();
        self.restart(nats, &killed).await;
        served - killed_at
    }
}

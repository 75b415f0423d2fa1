//! One replica of a shard as a service: its NATS resources, its engine and
//! its role. [`run`] alternates between following (`follower`) and leading
//! (`leader`) for as long as the process lives.

use super::lease::{Lease, LeaseTiming, LeaseView};
use super::log::{ApplyError, LogRecord, Replica};
use super::protocol::{
    NodeState, Reply, ReplyError, Subjects, DEFAULT_MAX_REQUEST, LEADER_HEADER, SEQ_HEADER,
};
use super::snapshot;
use crate::config::EngineConfig;
use crate::error::Error;
use crate::time::Instant;
use async_nats::jetstream::{self, kv, object_store, stream};
use async_nats::{Client, HeaderMap, Message, ServerAddr, Subscriber};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Timeout of one JetStream API request.
const JS_TIMEOUT: Duration = Duration::from_secs(1);

/// Everything a node needs to run one replica of a shard.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// NATS server URLs (a cluster's servers, any of them will do).
    pub nats: Vec<String>,
    /// The shard's name (a NATS token).
    pub shard: String,
    /// This node's name, unique within the shard (a NATS token).
    pub node: String,
    /// The engine configuration written as the log's first record when the
    /// stream is empty; afterwards the log's own configuration rules.
    pub engine: EngineConfig,
    /// JetStream replication factor of the stream, lease and snapshots
    /// (1 on a single server, 3 on a three-node cluster).
    pub replicas: usize,
    /// Lease timing.
    pub lease: LeaseTiming,
    /// Most commands appended as one log message (1 = no batching).
    pub max_batch: usize,
    /// A snapshot is taken every this many log messages (0 = never).
    pub snapshot_every: u64,
    /// Largest request payload accepted.
    pub max_request: usize,
    /// How long the leader keeps retrying an append the stream does not
    /// acknowledge (e.g. while the cluster elects a stream leader) before it
    /// steps down.
    pub append_timeout: Duration,
}

impl NodeConfig {
    /// A node with default settings: R=1, default lease timing, batches of
    /// up to 256 commands, a snapshot every 10,000 messages.
    pub fn new(nats: &str, shard: &str, node: &str, engine: EngineConfig) -> Self {
        Self {
            nats: nats.split(',').map(|s| s.trim().to_string()).collect(),
            shard: shard.to_string(),
            node: node.to_string(),
            engine,
            replicas: 1,
            lease: LeaseTiming::default(),
            max_batch: 256,
            snapshot_every: 10_000,
            max_request: DEFAULT_MAX_REQUEST,
            append_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a node stopped.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A shard or node name that is not one NATS token.
    #[error("invalid shard or node name {0:?} (letters, digits, '-', '_')")]
    Name(String),
    /// NATS could not be reached or refused to set the shard up.
    #[error("NATS: {0}")]
    Nats(String),
    /// The log holds something this replica cannot apply.
    #[error(transparent)]
    Log(#[from] ApplyError),
}

fn nats_err(context: &str) -> impl Fn(&dyn std::fmt::Display) -> NodeError + '_ {
    move |e| NodeError::Nats(format!("{context}: {e}"))
}

/// The shard's JetStream resources as one node sees them.
pub(crate) struct Resources {
    pub(crate) client: Client,
    pub(crate) js: jetstream::Context,
    pub(crate) subjects: Subjects,
    pub(crate) stream: stream::Stream,
    pub(crate) snapshots: object_store::ObjectStore,
}

/// A running replica.
pub(crate) struct Node {
    pub(crate) cfg: NodeConfig,
    pub(crate) res: Resources,
    pub(crate) replica: Replica,
    pub(crate) lease: watch::Receiver<LeaseView>,
    /// Requests addressed to this node.
    pub(crate) inbox: Subscriber,
    /// State queries addressed to this node.
    pub(crate) queries: Subscriber,
    pub(crate) leading: bool,
    /// Distinguishes this process's log message ids from those of an
    /// earlier process with the same node name.
    pub(crate) nonce: u128,
    snapshot_task: Option<JoinHandle<Result<(), String>>>,
    last_snapshot: u64,
}

/// Runs one replica until a fatal error: follows the log, leads while it
/// holds the lease, follows again when deposed.
pub async fn run(cfg: NodeConfig) -> Result<std::convert::Infallible, NodeError> {
    let mut node = Node::start(cfg).await?;
    loop {
        node.follow().await?;
        node.lead().await?;
    }
}

async fn connect(cfg: &NodeConfig) -> Result<Client, NodeError> {
    let servers = cfg
        .nats
        .iter()
        .map(|u| u.parse::<ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| NodeError::Nats(format!("bad URL: {e}")))?;
    async_nats::ConnectOptions::new()
        .name(format!("acd-node {}/{}", cfg.shard, cfg.node))
        .retry_on_initial_connect()
        .reconnect_delay_callback(|attempts| Duration::from_millis((attempts as u64 * 50).min(500)))
        .connect(servers)
        .await
        .map_err(|e| nats_err("connect")(&e))
}

async fn resources(cfg: &NodeConfig, client: Client) -> Result<Resources, NodeError> {
    // Short API timeouts: during a cluster election a request is better
    // retried soon than waited on for the default 5 s.
    let js = jetstream::ContextBuilder::new()
        .timeout(JS_TIMEOUT)
        .build(client.clone());
    let subjects = Subjects::new(&cfg.shard);
    let stream = js
        .get_or_create_stream(stream::Config {
            name: subjects.stream(),
            subjects: vec![subjects.log()],
            num_replicas: cfg.replicas,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|e| nats_err("stream")(&e))?;
    let snapshots = match js.get_object_store(subjects.snapshot_bucket()).await {
        Ok(store) => store,
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: subjects.snapshot_bucket(),
                num_replicas: cfg.replicas,
                ..Default::default()
            })
            .await
            .map_err(|e| nats_err("snapshot bucket")(&e))?,
    };
    Ok(Resources {
        client,
        js,
        subjects,
        stream,
        snapshots,
    })
}

/// The lease bucket. Created as its backing stream with the key-value
/// layout (`KV_<bucket>`, subjects `$KV.<bucket>.>`, one value per key,
/// direct gets) rather than with `create_key_value`, whose account-info
/// query a 2.9 server answers in a form this client no longer parses.
async fn lease_bucket(js: &jetstream::Context, cfg: &NodeConfig) -> Result<kv::Store, NodeError> {
    let bucket = Subjects::new(&cfg.shard).lease_bucket();
    js.get_or_create_stream(stream::Config {
        name: format!("KV_{bucket}"),
        subjects: vec![format!("$KV.{bucket}.>")],
        max_messages_per_subject: 1,
        num_replicas: cfg.replicas,
        storage: stream::StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    })
    .await
    .map_err(|e| nats_err("lease bucket")(&e))?;
    js.get_key_value(&bucket)
        .await
        .map_err(|e| nats_err("lease bucket")(&e))
}

/// The shard's resources, its latest snapshot and its lease bucket.
async fn setup(
    cfg: &NodeConfig,
    client: Client,
) -> Result<(Resources, Replica, kv::Store), NodeError> {
    let res = resources(cfg, client).await?;
    let replica = snapshot::load(&res.snapshots)
        .await
        .map_err(NodeError::Nats)?
        .unwrap_or_default();
    let kv = lease_bucket(&res.js, cfg).await?;
    Ok((res, replica, kv))
}

/// Milliseconds since the Unix epoch.
fn wall_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Node {
    async fn start(cfg: NodeConfig) -> Result<Node, NodeError> {
        for name in [&cfg.shard, &cfg.node] {
            if !Subjects::valid_name(name) {
                return Err(NodeError::Name(name.clone()));
            }
        }
        let client = connect(&cfg).await?;
        // A cluster that is still electing its JetStream leader refuses to
        // create streams for a few seconds: keep trying.
        let (res, replica, kv) = loop {
            match setup(&cfg, client.clone()).await {
                Ok(done) => break done,
                Err(e) => {
                    eprintln!("acd-node {}: {e}; retrying", cfg.node);
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        };
        let (tx, lease) = watch::channel(LeaseView {
            holder: None,
            mine: false,
        });
        tokio::spawn(Lease::new(kv, cfg.node.clone(), cfg.lease).run(tx));
        let subscribe = |subject: String| {
            let client = res.client.clone();
            async move { client.subscribe(subject).await }
        };
        let inbox = subscribe(res.subjects.node_commands(&cfg.node))
            .await
            .map_err(|e| nats_err("subscribe")(&e))?;
        let queries = subscribe(res.subjects.node_state(&cfg.node))
            .await
            .map_err(|e| nats_err("subscribe")(&e))?;
        let last_snapshot = replica.applied();
        Ok(Node {
            cfg,
            res,
            replica,
            lease,
            inbox,
            queries,
            leading: false,
            nonce: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
            snapshot_task: None,
            last_snapshot,
        })
    }

    /// The time the leader stamps on a record: wall clock, never behind the
    /// engine (so a new leader whose clock lags continues from the log's time).
    pub(crate) fn log_now(&self) -> Instant {
        let engine = self.replica.engine().map_or(0, |e| e.now().as_millis());
        Instant::from_millis(wall_millis().max(engine))
    }

    /// When the engine's next timer is due, on tokio's clock.
    pub(crate) fn timer_deadline(&mut self) -> Option<tokio::time::Instant> {
        let at = self.replica.engine_mut()?.poll_timeout()?;
        let wait = at.as_millis().saturating_sub(wall_millis());
        Some(tokio::time::Instant::now() + Duration::from_millis(wait))
    }

    /// Sends `reply` to a request's reply subject (if it has one).
    pub(crate) async fn reply(&self, request: &Message, reply: Reply) {
        if let Some(to) = &request.reply {
            // A lost reply is the client's timeout; nothing to undo here.
            let _ = self
                .res
                .client
                .publish(to.clone(), reply.to_bytes().into())
                .await;
        }
    }

    /// Refuses a request: this node does not lead.
    pub(crate) async fn refuse(&self, request: &Message) {
        let leader = self.lease.borrow().holder.clone();
        self.reply(request, ReplyError::NotLeader { leader }.into())
            .await;
    }

    /// Answers a state query.
    pub(crate) async fn answer_query(&self, query: &Message) {
        let state = NodeState {
            node: self.cfg.node.clone(),
            role: if self.leading { "leader" } else { "follower" }.into(),
            applied: self.replica.applied(),
            engine: self
                .replica
                .engine()
                .and_then(|e| serde_json::to_value(e).ok())
                .unwrap_or_default(),
        };
        if let Some(to) = &query.reply {
            let bytes = serde_json::to_vec(&state).unwrap_or_default();
            let _ = self.res.client.publish(to.clone(), bytes.into()).await;
        }
    }

    /// Applies message `seq` as the leader: publishes the effects and events
    /// it produced and returns the engine's verdict on each command.
    pub(crate) async fn apply_and_emit(
        &mut self,
        seq: u64,
        records: Vec<LogRecord>,
    ) -> Result<Vec<Result<(), Error>>, NodeError> {
        let verdicts = self.replica.apply(seq, records)?;
        let (effects, events) = self.replica.drain();
        let mut headers = HeaderMap::new();
        headers.insert(SEQ_HEADER, seq.to_string().as_str());
        headers.insert(LEADER_HEADER, self.cfg.node.as_str());
        let outputs = effects
            .iter()
            .map(|e| (self.res.subjects.effects(), serde_json::to_vec(e)))
            .chain(
                events
                    .iter()
                    .map(|e| (self.res.subjects.events(), serde_json::to_vec(e))),
            );
        for (subject, json) in outputs {
            let json = json.unwrap_or_default();
            let _ = self
                .res
                .client
                .publish_with_headers(subject, headers.clone(), json.into())
                .await;
        }
        self.maybe_snapshot();
        Ok(verdicts)
    }

    /// Applies a followed message with outputs suppressed. A message past
    /// the next expected one means the messages between were purged behind
    /// a snapshot: load it. Returns `false` when the consumer must restart
    /// after the replica's new position.
    pub(crate) async fn apply_followed(
        &mut self,
        seq: u64,
        payload: &[u8],
    ) -> Result<bool, NodeError> {
        let applied = self.replica.applied();
        if seq <= applied {
            return Ok(true);
        }
        if seq > applied + 1 {
            let loaded = snapshot::load(&self.res.snapshots)
                .await
                .map_err(NodeError::Nats)?;
            match loaded {
                Some(replica) if replica.applied() > applied => {
                    self.replica = replica;
                    self.last_snapshot = self.replica.applied();
                }
                _ => return Err(ApplyError::Gap { seq, applied }.into()),
            }
            return Ok(false);
        }
        self.replica.apply_quietly(seq, payload)?;
        Ok(true)
    }

    fn maybe_snapshot(&mut self) {
        let every = self.cfg.snapshot_every;
        let seq = self.replica.applied();
        if every == 0 || seq < self.last_snapshot + every {
            return;
        }
        if self
            .snapshot_task
            .as_ref()
            .is_some_and(|t| !t.is_finished())
        {
            return;
        }
        let Some(bytes) = self
            .replica
            .engine()
            .and_then(|e| snapshot::encode(seq, e).ok())
        else {
            return;
        };
        self.last_snapshot = seq;
        let store = self.res.snapshots.clone();
        let stream = self.res.stream.clone();
        let node = self.cfg.node.clone();
        self.snapshot_task = Some(tokio::spawn(async move {
            let stored = snapshot::store(&store, &stream, seq, bytes).await;
            if let Err(e) = &stored {
                // The log is intact; the next snapshot tries again.
                eprintln!("acd-node {node}: snapshot at {seq} failed: {e}");
            }
            stored
        }));
    }
}

//! `acd-node`: runs one replica of a replicated shard on NATS JetStream
//! (R-11; protocol and design in `acd_engine::replication`).
//!
//! ```text
//! acd-node --nats nats://127.0.0.1:4222 --shard main --node a --config engine.json
//! ```
//!
//! Start the same command with another `--node` name on a second machine for
//! a hot standby. With a three-server cluster pass every URL
//! (`--nats nats://h1:4222,nats://h2:4222,nats://h3:4222`) and `--replicas 3`.

use acd_engine::replication::{self, LeaseTiming, NodeConfig};
use acd_engine::EngineConfig;
use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;

/// Runs one replica of a shard replicated on NATS JetStream.
#[derive(Parser, Debug)]
#[command(name = "acd-node", version)]
struct Args {
    /// NATS server URL(s), comma-separated.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    nats: String,
    /// Shard name (letters, digits, '-', '_').
    #[arg(long)]
    shard: String,
    /// This node's name, unique within the shard (default: the host name and pid).
    #[arg(long)]
    node: Option<String>,
    /// Engine configuration (JSON, as `acd-replay --config`); used when the
    /// shard's log is empty, afterwards the log's configuration rules.
    #[arg(long)]
    config: String,
    /// JetStream replication factor (1 on one server, 3 on a cluster).
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    /// Most commands per log message (1 = no batching).
    #[arg(long, default_value_t = 256)]
    max_batch: usize,
    /// Snapshot every N log messages (0 = never).
    #[arg(long, default_value_t = 10_000)]
    snapshot_every: u64,
    /// Lease time-to-live, ms.
    #[arg(long, default_value_t = 500)]
    lease_ms: u64,
    /// Lease renewal interval, ms.
    #[arg(long, default_value_t = 100)]
    renew_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("acd-node: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let text =
        std::fs::read_to_string(&args.config).map_err(|e| format!("{}: {e}", args.config))?;
    let engine: EngineConfig =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args.config))?;
    let node = args
        .node
        .unwrap_or_else(|| format!("node-{}", std::process::id()));
    let mut cfg = NodeConfig::new(&args.nats, &args.shard, &node, engine);
    cfg.replicas = args.replicas;
    cfg.max_batch = args.max_batch;
    cfg.snapshot_every = args.snapshot_every;
    cfg.lease = LeaseTiming {
        renew: Duration::from_millis(args.renew_ms),
        ttl: Duration::from_millis(args.lease_ms),
        check: Duration::from_millis((args.renew_ms / 2).max(10)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    match runtime.block_on(replication::run(cfg)) {
        Ok(never) => match never {},
        Err(e) => Err(e.to_string()),
    }
}

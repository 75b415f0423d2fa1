//! (7) A shard replicated on NATS JetStream (R-11): replicated inputs per
//! second and submit→applied latency at R=1 (one `nats-server -js`) and R=3
//! (three-server cluster), with and without batching; takeover time over
//! repeated `kill -9`s of the leader. Prints tables (not criterion: every
//! number needs real servers and processes).
//!
//! ```text
//! cargo build --release -p acd-engine --features replication --bin acd-node
//! cargo bench -p acd-benches --bench replication
//! ```
//!
//! `ACD_BENCH_KILLS` (default 50) sets the number of kills;
//! `ACD_BENCH_INPUTS` (default 20,000) the inputs per throughput row.
//! nats-server must be installed (`apt-get install nats-server`).

#[allow(dead_code)]
#[path = "../../engine/tests/replication/driver.rs"]
mod driver;
#[allow(dead_code)]
#[path = "../../engine/tests/replication/harness.rs"]
mod harness;

use acd_engine::replication::{Reply, ReplyError, Request};
use acd_engine::{CallSpec, Command};
use driver::{write_config, Driver, Pair, TENANT};
use futures_util::stream::{FuturesUnordered, StreamExt};
use harness::{start_node, Nats, NodeOptions};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The `i`th input of the throughput workload: calls arriving and being
/// abandoned (every input is accepted by the engine and changes its state).
fn input(i: usize) -> Vec<u8> {
    let call = format!("c{}", i / 2);
    let cmd = if i.is_multiple_of(2) {
        Command::call_arrived(CallSpec::new(call, "support"))
    } else {
        Command::Hangup { call: call.into() }
    };
    serde_json::to_vec(&Request {
        tenant: TENANT.into(),
        cmd,
    })
    .unwrap()
}

/// Checks that a reply says the input is in the log and applied. Requests
/// in flight together may be published out of order (a hang-up before its
/// call's arrival): the engine's refusal is logged and applied too.
fn logged(payload: &[u8]) {
    let reply: Reply = serde_json::from_slice(payload).unwrap();
    match reply.into_result() {
        Ok(_) | Err(ReplyError::Engine { .. }) => {}
        Err(e) => panic!("input not replicated: {e}"),
    }
}

/// Sends `n` inputs with up to `window` in flight; returns inputs/s.
async fn throughput(client: &async_nats::Client, subject: &str, n: usize, window: usize) -> f64 {
    let start = Instant::now();
    let mut in_flight = FuturesUnordered::new();
    let mut sent = 0;
    let mut done = 0;
    while done < n {
        while sent < n && in_flight.len() < window {
            in_flight.push(client.request(subject.to_string(), input(sent).into()));
            sent += 1;
        }
        let reply = in_flight.next().await.expect("in flight").expect("reply");
        logged(&reply.payload);
        done += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Sends inputs at `rate` per second for `secs`; returns sorted latencies.
async fn paced(
    client: &async_nats::Client,
    subject: &str,
    rate: u64,
    secs: u64,
    offset: usize,
) -> Vec<Duration> {
    let n = (rate * secs) as usize;
    let period = Duration::from_nanos(1_000_000_000 / rate);
    let start = tokio::time::Instant::now();
    let mut in_flight = FuturesUnordered::new();
    let mut latencies = Vec::with_capacity(n);
    let mut sent = 0;
    while latencies.len() < n {
        let due = start + period * sent as u32;
        tokio::select! {
            _ = tokio::time::sleep_until(due), if sent < n => {
                let payload = input(offset + sent).into();
                let client = client.clone();
                let subject = subject.to_string();
                in_flight.push(async move {
                    let t = Instant::now();
                    let r = client.request(subject, payload).await;
                    (t.elapsed(), r)
                });
                sent += 1;
            }
            Some((took, r)) = in_flight.next() => {
                logged(&r.expect("reply").payload);
                latencies.push(took);
            }
        }
    }
    latencies.sort();
    latencies
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

async fn measure_row(nats: &Nats, label: &str, max_batch: usize, shard: &str) {
    let config = write_config(nats.path());
    let opts = NodeOptions {
        shard: shard.into(),
        max_batch,
        snapshot_every: 10_000,
    };
    let _a = start_node(nats, "a", &config, &opts);
    let driver = Driver::connect(&nats.urls(), shard, 1).await;
    driver
        .leader(&["a"], Duration::from_secs(30))
        .await
        .expect("a leader");
    let subject = driver.subjects.commands();
    let n = env_or("ACD_BENCH_INPUTS", 20_000);
    let window = if max_batch > 1 { 512 } else { 1 };
    let n = if max_batch > 1 { n } else { n / 10 };
    let rate = throughput(&driver.client, &subject, n, window).await;
    let lat = paced(&driver.client, &subject, 2_000, 5, n).await;
    println!(
        "| {label} | {max_batch} | {window} | {rate:.0} | {} | {} | {} |",
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99)),
        ms(pct(&lat, 1.0)),
    );
}

async fn takeovers(kills: usize) -> Vec<Duration> {
    let nats = Nats::cluster();
    let mut pair = Pair::start(&nats, NodeOptions::default(), 7).await;
    let mut times = Vec::new();
    for _ in 0..kills {
        times.push(pair.kill_leader(&nats, Duration::from_millis(300)).await);
    }
    times.sort();
    times
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("| setup | max batch | requests in flight | inputs/s | p50 ms @2k/s | p99 ms @2k/s | max ms @2k/s |");
        println!("|---|---|---|---|---|---|---|");
        for (servers, label) in [(1, "R=1"), (3, "R=3")] {
            for max_batch in [256, 1] {
                let nats = if servers == 1 { Nats::single() } else { Nats::cluster() };
                measure_row(&nats, label, max_batch, "bench").await;
            }
        }
        let kills = env_or("ACD_BENCH_KILLS", 50);
        let t = takeovers(kills).await;
        println!(
            "takeover over {} kills (R=3): min {} ms, p50 {} ms, p90 {} ms, p99 {} ms, max {} ms",
            t.len(),
            ms(t[0]),
            ms(pct(&t, 0.5)),
            ms(pct(&t, 0.9)),
            ms(pct(&t, 0.99)),
            ms(t[t.len() - 1]),
        );
    });
}

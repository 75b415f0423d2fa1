//! The child process of the kill -9 test: opens (or recovers) a journal,
//! prints `open NEXT_SEQ SNAPSHOT_SEQ`,
//! applies the seeded workload through the `DurableEngine`, prints
//! `ack SEQ RECORD_JSON` after each input the engine acknowledged, and takes
//! a snapshot every SNAPSHOT_EVERY inputs (after the ack, so every record a
//! snapshot covers was acknowledged). Runs until killed or MAX_OPS inputs.

use super::workload;
use acd_engine::journal::{DurableEngine, FsyncPolicy, JournalOptions};
use std::io::Write;
use std::time::Duration;

/// Usage text.
pub const USAGE: &str = "DIR SEED POLICY(every|batched|never) SNAPSHOT_EVERY [MAX_OPS]";

/// Runs the child with its arguments.
pub fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [dir, seed, policy, every, rest @ ..] = args else {
        return Err(format!("usage: {USAGE}").into());
    };
    let seed: u64 = seed.parse()?;
    let every: u64 = every.parse()?;
    let max_ops: u64 = rest.first().map_or(Ok(u64::MAX), |s| s.parse())?;
    let fsync = match policy.as_str() {
        "every" => FsyncPolicy::EveryCommand,
        "batched" => FsyncPolicy::Batched {
            max_delay: Duration::from_millis(20),
        },
        "never" => FsyncPolicy::Never,
        other => return Err(format!("unknown policy {other}").into()),
    };
    let options = JournalOptions {
        fsync,
        snapshot_every: None,
    };
    let (mut durable, report) = DurableEngine::open(dir, workload::config(seed), options)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "open {} {}", report.next_seq, report.snapshot_seq)?;
    out.flush()?;
    let mut load = workload::Workload::resume(seed, durable.engine(), report.next_seq);
    for _ in 0..max_ops {
        let record = load.next_record();
        let json = serde_json::to_string(&record)?;
        workload::apply_durable(&mut durable, record)?;
        let seq = durable.next_seq() - 1;
        writeln!(out, "ack {seq} {json}")?;
        out.flush()?;
        load.observe(durable.drain_effects());
        durable.drain_events().for_each(drop);
        if every > 0 && durable.next_seq() % every == 0 {
            durable.snapshot()?;
        }
    }
    durable.close()?;
    Ok(())
}

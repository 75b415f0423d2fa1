//! Child process of the kill -9 journal test (`tests/journal_kill.rs`), also
//! usable by hand to fill a journal directory:
//!
//! ```text
//! cargo run -p acd-engine --example journal_child -- DIR SEED POLICY SNAPSHOT_EVERY [MAX_OPS]
//! ```
//!
//! POLICY is `every`, `batched` (1 ms) or `never`. It opens (or recovers) the
//! journal in DIR, then applies the seeded workload through the
//! `DurableEngine`, printing `ack SEQ RECORD_JSON` after each input the
//! engine acknowledged, and takes a snapshot every SNAPSHOT_EVERY inputs
//! (after the ack, so every record a snapshot covers was acknowledged).
//! It runs until killed, or until MAX_OPS inputs.

#[path = "../tests/journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{DurableEngine, FsyncPolicy, JournalOptions};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journal_child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, seed, policy, every, rest @ ..] = args.as_slice() else {
        return Err("usage: journal_child DIR SEED POLICY SNAPSHOT_EVERY [MAX_OPS]".into());
    };
    let seed: u64 = seed.parse()?;
    let every: u64 = every.parse()?;
    let max_ops: u64 = rest.first().map_or(Ok(u64::MAX), |s| s.parse())?;
    let fsync = match policy.as_str() {
        "every" => FsyncPolicy::EveryCommand,
        "batched" => FsyncPolicy::Batched {
            max_delay: Duration::from_millis(1),
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
    writeln!(out, "open {}", report.next_seq)?;
    let mut load = workload::Workload::resume(seed, durable.engine(), report.next_seq);
    for _ in 0..max_ops {
        let record = load.next_record();
        let json = serde_json::to_string(&record)?;
        workload::apply_durable(&mut durable, record)?;
        let seq = durable.next_seq() - 1;
        // One write per line: the parent sees each ack as soon as it is made.
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

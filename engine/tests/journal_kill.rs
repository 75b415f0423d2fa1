//! R-7.2: kill -9 a process that is journaling a command stream at random
//! points, restart, and prove that every acknowledged input is reflected and
//! that the recovered state equals a clean replay of the recovered journal.
//!
//! The child is `examples/journal_child.rs`. `JOURNAL_KILL_ITERATIONS`
//! (default 20, two kills each) sets how many runs; for a long soak:
//!
//! ```text
//! JOURNAL_KILL_ITERATIONS=500 cargo test -p acd-engine --test journal_kill -- --nocapture
//! ```

#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{read_journal, DurableEngine, JournalOptions, Record};
use acd_engine::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The child binary; built on demand when the test runs without examples.
fn child_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps layout");
    let child = profile_dir
        .join("examples")
        .join(format!("journal_child{}", std::env::consts::EXE_SUFFIX));
    if !child.exists() {
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "-p", "acd-engine", "--example", "journal_child"]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "building journal_child failed");
    }
    child
}

/// One child run: what it acknowledged before it was killed.
struct Run {
    opened_at: u64,
    acks: BTreeMap<u64, Record>,
}

fn spawn(exe: &Path, dir: &Path, seed: u64, policy: &str, every: u64) -> Child {
    Command::new(exe)
        .arg(dir)
        .arg(seed.to_string())
        .arg(policy)
        .arg(every.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn journal_child")
}

/// Lets the child acknowledge `kill_after` inputs, kills it with SIGKILL at
/// whatever it is doing then, and collects every ack it printed.
fn run_and_kill(mut child: Child, kill_after: usize, rng: &mut StdRng) -> Run {
    let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut run = Run {
        opened_at: u64::MAX,
        acks: BTreeMap::new(),
    };
    let mut line = String::new();
    let mut killed = false;
    loop {
        line.clear();
        let n = out.read_line(&mut line).expect("read child stdout");
        if n == 0 {
            break;
        }
        if !line.ends_with('\n') {
            break; // cut mid-line by the kill: not an acknowledgement
        }
        parse_line(line.trim_end(), &mut run);
        if !killed && run.acks.len() >= kill_after {
            std::thread::sleep(Duration::from_micros(rng.gen_range(0..300)));
            child.kill().expect("SIGKILL the child");
            killed = true;
        }
    }
    let status = child.wait().expect("reap child");
    assert!(killed, "child exited before being killed: {status}");
    run
}

fn parse_line(line: &str, run: &mut Run) {
    if let Some(n) = line.strip_prefix("open ") {
        run.opened_at = n.parse().expect("open count");
    } else if let Some(rest) = line.strip_prefix("ack ") {
        let (seq, json) = rest.split_once(' ').expect("ack SEQ JSON");
        let record: Record = serde_json::from_str(json).expect("ack record");
        run.acks.insert(seq.parse().expect("ack seq"), record);
    } else {
        panic!("unexpected child output {line:?}");
    }
}

/// Every record of the journal so far, by sequence number, as established by
/// acks and earlier verified recoveries.
type Truth = BTreeMap<u64, Record>;

/// Recovers `dir` and checks it against the acks; extends `truth` with
/// records that were journaled but not yet acknowledged when the kill hit.
/// Returns whether a torn record was cut off.
fn verify(dir: &Path, seed: u64, run: Run, truth: &mut Truth) -> bool {
    assert_eq!(
        run.opened_at,
        truth.len() as u64,
        "child resumed where recovery left off"
    );
    let on_disk = read_journal(dir).expect("journal readable after kill");
    for (seq, record) in &run.acks {
        assert!(
            *seq < on_disk.next_seq,
            "acknowledged record {seq} lost: journal ends at {}",
            on_disk.next_seq
        );
        truth.insert(*seq, record.clone());
    }
    for (seq, record) in &on_disk.records {
        match truth.get(seq) {
            Some(known) => assert_eq!(known, record, "record {seq} differs from its ack"),
            None => {
                truth.insert(*seq, record.clone());
            }
        }
    }
    let expected: Vec<u64> = (0..on_disk.next_seq).collect();
    assert_eq!(truth.keys().copied().collect::<Vec<_>>(), expected);

    let config = workload::config(seed);
    let (durable, report) =
        DurableEngine::open(dir, config.clone(), JournalOptions::default()).expect("recover");
    assert_eq!(report.next_seq, on_disk.next_seq);
    assert_eq!(report.truncated_bytes, on_disk.torn_bytes);
    let mut clean = Engine::new(config).expect("config");
    for record in truth.values() {
        workload::apply_plain(&mut clean, record.clone());
    }
    let recovered = durable.close().expect("close");
    recovered.check_invariants().expect("recovered invariants");
    assert_eq!(
        workload::state(&recovered),
        workload::state(&clean),
        "recovered state differs from a clean replay of {} records",
        truth.len()
    );
    on_disk.torn_bytes > 0
}

#[test]
fn kill_9_at_random_points_loses_nothing_acknowledged() {
    let iterations: u64 = std::env::var("JOURNAL_KILL_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let exe = child_exe();
    let mut rng = StdRng::seed_from_u64(0x5EED);
    let (mut kills, mut torn, mut acked) = (0, 0, 0);
    for i in 0..iterations {
        let dir = tempfile::tempdir().expect("temp dir");
        let seed = 1000 + i;
        let policy = ["every", "batched", "never"][i as usize % 3];
        let every = [0, 5, 17, 40][rng.gen_range(0..4)];
        let mut truth = Truth::new();
        for _round in 0..2 {
            let child = spawn(&exe, dir.path(), seed, policy, every);
            let run = run_and_kill(child, rng.gen_range(1..120), &mut rng);
            acked += run.acks.len();
            kills += 1;
            torn += u32::from(verify(dir.path(), seed, run, &mut truth));
        }
    }
    eprintln!("journal kill test: {kills} kills, {acked} acks, {torn} torn tails truncated");
    assert_eq!(kills, iterations * 2);
}

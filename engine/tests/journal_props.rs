//! Property tests of the journal: any interleaving of inputs,
//! snapshots and restarts recovers to exactly the state of an engine that
//! never stopped; any single damage to the journal either recovers to the
//! exact prefix the damage leaves intact (torn tail) or is refused.

#[path = "journal_support/fixture.rs"]
mod fixture;
#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{DurableEngine, JournalError, Record};
use fixture::{append, clean_replay, frame_offsets, last_segment, options, SEED};
use proptest::prelude::*;
use std::fs;
use workload::Workload;

#[derive(Clone, Debug)]
enum Op {
    Inputs(usize),
    Snapshot,
    Restart,
    Events(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1usize..25).prop_map(Op::Inputs),
        1 => Just(Op::Snapshot),
        2 => Just(Op::Restart),
        1 => any::<bool>().prop_map(Op::Events),
    ]
}

/// Whether the frame at `off` has a plausible length that runs past the end.
fn runs_past_end(bytes: &[u8], off: usize) -> bool {
    let len = u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap()) as usize;
    (1..=16 << 20).contains(&len) && off + 8 + len > bytes.len()
}

fn open(dir: &std::path::Path, every: Option<u64>) -> DurableEngine {
    DurableEngine::open(dir, workload::config(SEED), options(every))
        .expect("open")
        .0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn restarts_and_snapshots_never_change_the_state(
        ops in proptest::collection::vec(op(), 1..12),
        every in proptest::option::of(3u64..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut durable = open(dir.path(), every);
        let mut load = Workload::resume(SEED, durable.engine(), 0);
        let mut records: Vec<Record> = Vec::new();
        let mut loads: Vec<u64> = Vec::new();
        for op in ops {
            match op {
                Op::Inputs(n) => {
                    for _ in 0..n {
                        let r = load.next_record();
                        records.push(r.clone());
                        workload::apply_durable(&mut durable, r).unwrap();
                        load.observe(durable.drain_effects());
                        durable.drain_events().for_each(drop);
                    }
                }
                Op::Snapshot => {
                    prop_assert_eq!(durable.snapshot().unwrap(), records.len() as u64);
                }
                Op::Restart => {
                    drop(durable);
                    durable = open(dir.path(), every);
                    loads.push(durable.snapshot_seq());
                    prop_assert_eq!(durable.next_seq(), records.len() as u64);
                    load = Workload::resume(SEED, durable.engine(), durable.next_seq());
                }
                Op::Events(on) => {
                    records.push(Record::EventsEnabled { on });
                    durable.set_events_enabled(on).unwrap();
                }
            }
            let reference = workload::replay_with_loads(SEED, &records, &loads);
            let (a, b) = (workload::state(durable.engine()), workload::state(&reference));
            prop_assert!(a == b, "states differ at {:#?}", workload::state_diff(&a, &b, 10));
            let uninterrupted = clean_replay(&records);
            let (a, b) = (workload::observable(durable.engine()), workload::observable(&uninterrupted));
            prop_assert!(a == b, "observable states differ at {:#?}", workload::state_diff(&a, &b, 10));
        }
    }

    #[test]
    fn a_damaged_journal_recovers_to_an_exact_prefix_or_is_refused(
        n in 3usize..30,
        every in proptest::option::of(4u64..20),
        truncate in any::<bool>(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let records = append(dir.path(), n, every);
        let seg = last_segment(dir.path());
        let start: usize = seg.file_stem().unwrap().to_str().unwrap()["journal-".len()..].parse().unwrap();
        let mut bytes = fs::read(&seg).unwrap();
        let frames = frame_offsets(&seg);
        let pos = at.index(bytes.len());
        // Index of the frame the damage hits (frames.len() = none).
        let hit = frames.iter().rposition(|&f| f <= pos);
        let expected: Result<usize, ()> = if truncate {
            bytes.truncate(pos);
            Ok(start + hit.unwrap_or(0))
        } else {
            bytes[pos] ^= flip;
            match hit {
                // Only a length now running past the end of the file reads
                // as an incomplete (torn) last write; any other damage to a
                // complete record is corruption (issue 17 item 2).
                Some(k) if k + 1 == frames.len() && runs_past_end(&bytes, frames[k]) => {
                    Ok(start + k)
                }
                _ => Err(()), // header, a complete record, or records after it
            }
        };
        fs::write(&seg, &bytes).unwrap();
        let outcome = DurableEngine::open(dir.path(), workload::config(SEED), options(None));
        match (expected, outcome) {
            (Ok(m), Ok((d, report))) => {
                prop_assert_eq!(report.next_seq, m as u64);
                let loads = [report.snapshot_seq];
                let reference = workload::replay_with_loads(SEED, &records[..m], &loads);
                let (a, b) = (workload::state(d.engine()), workload::state(&reference));
                prop_assert!(a == b, "states differ at {:#?}", workload::state_diff(&a, &b, 10));
            }
            (Err(()), Err(JournalError::CorruptRecord { .. } | JournalError::BadHeader { .. }
                | JournalError::UnsupportedVersion { .. })) => {}
            (want, Ok((_, report))) => prop_assert!(false, "wanted {:?}, recovered {:?}", want, report),
            (want, Err(e)) => prop_assert!(false, "wanted {:?}, error {}", want, e),
        }
    }
}

//! Journal directories filled with the seeded workload, and helpers to look
//! at and damage their files, for the recovery tests.

#![allow(dead_code)] // each including test uses a different part

use super::workload::{self, Workload};
use acd_engine::journal::{DurableEngine, FsyncPolicy, JournalOptions, Record};
use acd_engine::Engine;
use std::path::{Path, PathBuf};

/// Seed of the fixtures' workload and configuration.
pub const SEED: u64 = 7;

/// Options without fsync, for speed; snapshots every `every` records.
pub fn options(every: Option<u64>) -> JournalOptions {
    JournalOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every: every,
    }
}

/// Opens `dir` and appends `n` workload records; returns the records appended.
pub fn append(dir: &Path, n: usize, every: Option<u64>) -> Vec<Record> {
    append_loaded(dir, n, every).0
}

/// As [`append`], also returning the snapshot the opening recovery loaded.
pub fn append_loaded(dir: &Path, n: usize, every: Option<u64>) -> (Vec<Record>, u64) {
    let (mut d, report) =
        DurableEngine::open(dir, workload::config(SEED), options(every)).expect("open");
    let mut load = Workload::resume(SEED, d.engine(), report.next_seq);
    let mut records = Vec::with_capacity(n);
    for _ in 0..n {
        let r = load.next_record();
        records.push(r.clone());
        workload::apply_durable(&mut d, r).expect("journal write");
        load.observe(d.drain_effects());
        d.drain_events().for_each(drop);
    }
    // Dropped, not closed: close() would snapshot, leaving the records the
    // recovery tests damage out of the segment.
    drop(d);
    (records, report.snapshot_seq)
}

/// A plain engine that applied `records` from the start.
pub fn clean_replay(records: &[Record]) -> Engine {
    let mut e = Engine::new(workload::config(SEED)).expect("config");
    for r in records {
        workload::apply_plain(&mut e, r.clone());
    }
    e
}

/// Files of `dir` whose names start with `prefix`, sorted.
pub fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    v.sort();
    v
}

/// The newest journal segment.
pub fn last_segment(dir: &Path) -> PathBuf {
    files(dir, "journal-").pop().expect("a segment")
}

/// Byte offsets of the frames of a segment (after its 24-byte header).
pub fn frame_offsets(segment: &Path) -> Vec<usize> {
    let bytes = std::fs::read(segment).expect("read segment");
    let mut offsets = Vec::new();
    let mut off = 24;
    while off + 8 <= bytes.len() {
        offsets.push(off);
        let len = u32::from_le_bytes(bytes[off..off + 4].try_into().expect("4 bytes"));
        off += 8 + len as usize;
    }
    offsets
}

/// Rewrites one byte of a file.
pub fn poke(path: &Path, at: usize, f: impl FnOnce(u8) -> u8) {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[at] = f(bytes[at]);
    std::fs::write(path, bytes).expect("write");
}

/// Copies a journal directory.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read dir") {
        let p = entry.expect("entry").path();
        std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
    }
}

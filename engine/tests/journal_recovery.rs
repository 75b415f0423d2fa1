//! Recovery from the journal: clean restarts, torn tails, corruption
//! in the middle, version and header checks, snapshots and their cleanup.

#[path = "journal_support/fixture.rs"]
mod fixture;
#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{
    read_journal, DurableEngine, DurableError, FsyncPolicy, JournalError, JournalOptions, Record,
};
use acd_engine::{Command, EngineConfig, Instant, TenantConfig, TenantId};
use fixture::{append, clean_replay, files, frame_offsets, last_segment, options, poke, SEED};
use std::fs;
use std::path::Path;
use std::time::Duration;

fn open(dir: &Path) -> Result<(DurableEngine, acd_engine::journal::RecoveryReport), JournalError> {
    DurableEngine::open(dir, workload::config(SEED), options(None))
}

fn assert_recovers_to(dir: &Path, records: &[Record]) -> acd_engine::journal::RecoveryReport {
    assert_recovers_after_loads(dir, records, &[])
}

/// `earlier_loads`: snapshots that earlier sessions writing `dir` started from.
fn assert_recovers_after_loads(
    dir: &Path,
    records: &[Record],
    earlier_loads: &[u64],
) -> acd_engine::journal::RecoveryReport {
    let (d, report) = open(dir).expect("recovery");
    assert_eq!(report.next_seq, records.len() as u64);
    // Not close(): its snapshot would be a load the reference does not know of.
    let engine = d.engine().clone();
    drop(d);
    engine.check_invariants().expect("invariants");
    let mut loads = earlier_loads.to_vec();
    loads.push(report.snapshot_seq);
    let reference = workload::replay_with_loads(SEED, records, &loads);
    workload::assert_same_state(&engine, &reference, "recovery vs replay");
    workload::assert_same_observable(&engine, &clean_replay(records), "recovery vs clean replay");
    report
}

#[test]
fn fresh_directory_starts_from_the_config_and_restart_replays_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (_, report) = open(dir.path()).unwrap();
    assert!(report.fresh);
    let records = append(dir.path(), 200, None);
    let report = assert_recovers_to(dir.path(), &records);
    assert!(!report.fresh);
    assert_eq!((report.snapshot_seq, report.replayed), (0, 200));
    assert_eq!(report.truncated_bytes, 0);
}

#[test]
fn snapshots_bound_the_replay_and_obsolete_files_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let records = append(dir.path(), 300, Some(64));
    let report = assert_recovers_to(dir.path(), &records);
    assert_eq!((report.snapshot_seq, report.replayed), (256, 44));
    assert_eq!(files(dir.path(), "snapshot-").len(), 1);
    assert_eq!(files(dir.path(), "journal-").len(), 1);
    // Continue after the restart, across more snapshots.
    let mut all = records;
    let (more, loaded) = fixture::append_loaded(dir.path(), 100, Some(64));
    assert_eq!(loaded, 256);
    all.extend(more);
    let report = assert_recovers_after_loads(dir.path(), &all, &[loaded]);
    assert_eq!(report.snapshot_seq, 384);
}

#[test]
fn every_cut_through_the_last_record_is_truncated_and_the_journal_continues() {
    let dir = tempfile::tempdir().unwrap();
    let records = append(dir.path(), 12, None);
    let seg = last_segment(dir.path());
    let full = fs::read(&seg).unwrap();
    let last_start = *frame_offsets(&seg).last().unwrap();
    for cut in last_start + 1..full.len() {
        let work = tempfile::tempdir().unwrap();
        fixture::copy_dir(dir.path(), work.path());
        let wseg = last_segment(work.path());
        fs::write(&wseg, &full[..cut]).unwrap();
        let report = assert_recovers_to(work.path(), &records[..11]);
        assert_eq!(report.truncated_bytes, (cut - last_start) as u64);
        assert_eq!(fs::metadata(&wseg).unwrap().len(), last_start as u64);
        // New records go after the cut, and a second restart is clean.
        let mut all = records[..11].to_vec();
        all.extend(append(work.path(), 3, None));
        let report = assert_recovers_to(work.path(), &all);
        assert_eq!(report.truncated_bytes, 0);
    }
}

/// A complete last record with a bad CRC was damaged after it was written
/// (and acknowledged): corruption naming the record, not a torn write
/// (issue 17 item 2; see also journal_faults.rs).
#[test]
fn a_damaged_complete_last_record_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 10, None);
    let seg = last_segment(dir.path());
    let last = *frame_offsets(&seg).last().unwrap();
    poke(&seg, last + 12, |b| b ^ 0x20);
    expect_corrupt_record(dir.path(), 9);
}

#[test]
fn a_zero_filled_tail_is_a_torn_write() {
    let dir = tempfile::tempdir().unwrap();
    let records = append(dir.path(), 10, None);
    let seg = last_segment(dir.path());
    let mut bytes = fs::read(&seg).unwrap();
    bytes.resize(bytes.len() + 4096, 0);
    fs::write(&seg, bytes).unwrap();
    let report = assert_recovers_to(dir.path(), &records);
    assert_eq!(report.truncated_bytes, 4096);
}

fn expect_corrupt_record(dir: &Path, want_seq: u64) {
    let seg = last_segment(dir);
    let before = fs::read(&seg).unwrap();
    match open(dir) {
        Err(JournalError::CorruptRecord { seq, path, .. }) => {
            assert_eq!(seq, want_seq);
            assert_eq!(path, seg);
        }
        other => panic!("expected CorruptRecord, got {:?}", other.map(|(_, r)| r)),
    }
    assert!(matches!(
        read_journal(dir),
        Err(JournalError::CorruptRecord { .. })
    ));
    assert_eq!(
        fs::read(&seg).unwrap(),
        before,
        "a failed recovery must not modify the journal"
    );
}

#[test]
fn a_damaged_record_in_the_middle_is_an_error_not_a_partial_state() {
    for target in [0usize, 3, 8] {
        let dir = tempfile::tempdir().unwrap();
        append(dir.path(), 10, None);
        let seg = last_segment(dir.path());
        let off = frame_offsets(&seg)[target];
        poke(&seg, off + 20, |b| b ^ 0x01);
        expect_corrupt_record(dir.path(), target as u64);
    }
}

#[test]
fn a_damaged_length_in_the_middle_is_an_error_not_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 10, None);
    let seg = last_segment(dir.path());
    let off = frame_offsets(&seg)[4];
    poke(&seg, off + 3, |b| b ^ 0x40); // length now points far past the end
    expect_corrupt_record(dir.path(), 4);
}

fn set_version(path: &Path, version: u32) {
    let mut bytes = fs::read(path).unwrap();
    bytes[8..12].copy_from_slice(&version.to_le_bytes());
    let crc = crc32(&bytes[..20]);
    bytes[20..24].copy_from_slice(&crc.to_le_bytes());
    fs::write(path, bytes).unwrap();
}

/// CRC-32 (IEEE), bit by bit: an independent check of the header format.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn files_of_another_format_version_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 5, None);
    set_version(&last_segment(dir.path()), 2);
    match open(dir.path()) {
        Err(JournalError::UnsupportedVersion {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (2, acd_engine::journal::FORMAT_VERSION))
        }
        other => panic!(
            "expected UnsupportedVersion, got {:?}",
            other.map(|(_, r)| r)
        ),
    }
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 5, None);
    set_version(&files(dir.path(), "snapshot-")[0], 9);
    assert!(matches!(
        open(dir.path()),
        Err(JournalError::UnsupportedVersion { found: 9, .. })
    ));
}

#[test]
fn damaged_headers_and_snapshots_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 5, None);
    poke(&last_segment(dir.path()), 0, |_| b'X');
    assert!(matches!(
        open(dir.path()),
        Err(JournalError::BadHeader { .. })
    ));

    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 5, Some(3));
    let snap = files(dir.path(), "snapshot-").pop().unwrap();
    let len = fs::metadata(&snap).unwrap().len() as usize;
    poke(&snap, len / 2, |b| b ^ 0x10);
    assert!(matches!(
        open(dir.path()),
        Err(JournalError::CorruptSnapshot { .. })
    ));
}

#[test]
fn missing_snapshot_or_segment_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 5, None);
    fs::remove_file(&files(dir.path(), "snapshot-")[0]).unwrap();
    assert!(matches!(
        open(dir.path()),
        Err(JournalError::MissingSnapshot { .. })
    ));

    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 10, Some(4)); // snapshot 8, segment journal-8
    let seg = last_segment(dir.path());
    fs::rename(&seg, dir.path().join("journal-00000000000000000009.log")).unwrap();
    assert!(matches!(
        open(dir.path()),
        Err(JournalError::MissingSegment { seq: 8, .. })
    ));
    // A gap between two segments after the snapshot.
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 10, Some(4));
    fs::write(
        dir.path().join("journal-00000000000000000012.log"),
        fs::read(last_segment(dir.path())).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        open(dir.path()),
        Err(JournalError::Gap {
            expected: 10,
            found: 12,
            ..
        })
    ));
}

#[test]
fn crash_between_new_segment_and_snapshot_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let records = append(dir.path(), 20, None);
    let old = last_segment(dir.path());
    let saved = fs::read(&old).unwrap();
    let old_snapshot = files(dir.path(), "snapshot-").pop().unwrap();
    let saved_snapshot = fs::read(&old_snapshot).unwrap();
    let (mut d, _) = open(dir.path()).unwrap();
    assert_eq!(d.snapshot().unwrap(), 20);
    drop(d);
    // As if the crash hit after the new segment was created (it comes
    // first) but before the snapshot's rename: old snapshot and segment
    // still there; plus a leftover temporary file.
    fs::remove_file(files(dir.path(), "snapshot-").pop().unwrap()).unwrap();
    fs::write(&old_snapshot, saved_snapshot).unwrap();
    fs::write(&old, saved).unwrap();
    fs::write(
        dir.path().join("snapshot-00000000000000000021.snap.tmp"),
        b"partial",
    )
    .unwrap();
    let report = assert_recovers_to(dir.path(), &records);
    assert_eq!((report.snapshot_seq, report.replayed), (0, 20));
    assert!(files(dir.path(), "snapshot-")
        .iter()
        .all(|p| !p.to_string_lossy().ends_with(".tmp")));
    let mut all = records;
    all.extend(append(dir.path(), 5, None));
    assert_recovers_to(dir.path(), &all);
}

#[test]
fn the_config_is_ignored_once_a_journal_exists() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 5, None);
    let other = EngineConfig {
        tenants: vec![TenantConfig::new("other")],
        ..EngineConfig::default()
    };
    let (d, report) = DurableEngine::open(dir.path(), other, options(None)).unwrap();
    assert!(!report.fresh);
    assert_eq!(d.engine().tenants().count(), 1);
    assert!(d
        .engine()
        .snapshot(&TenantId::new(workload::TENANT))
        .is_ok());
}

#[test]
fn refused_commands_are_journaled_and_replayed_identically() {
    let dir = tempfile::tempdir().unwrap();
    let (mut d, _) = open(dir.path()).unwrap();
    let t = TenantId::new(workload::TENANT);
    let at = Instant::from_secs;
    let refused = d.handle(
        at(1),
        &t,
        Command::Hangup {
            call: "nope".into(),
        },
    );
    assert!(matches!(
        refused,
        Err(DurableError::Engine(acd_engine::Error::UnknownCall(_)))
    ));
    let wrong_tenant = d.handle(
        at(2),
        &TenantId::new("ghost"),
        Command::SetMaintenance { on: true },
    );
    assert!(matches!(wrong_tenant, Err(DurableError::Engine(_))));
    d.handle(at(3), &t, Command::SetMaintenance { on: true })
        .unwrap();
    let backwards = d.handle(at(2), &t, Command::SetMaintenance { on: false });
    assert!(matches!(
        backwards,
        Err(DurableError::Engine(
            acd_engine::Error::TimeWentBackwards { .. }
        ))
    ));
    assert_eq!(d.next_seq(), 4);
    d.handle_timeout(at(1)).unwrap(); // earlier than now: a no-op, not journaled
    assert_eq!(d.next_seq(), 4);
    d.handle_timeout(at(9)).unwrap();
    d.set_events_enabled(false).unwrap();
    assert_eq!(d.next_seq(), 6);
    drop(d);
    let contents = read_journal(dir.path()).unwrap();
    let records: Vec<Record> = contents.records.into_iter().map(|(_, r)| r).collect();
    let report = assert_recovers_to(dir.path(), &records);
    assert_eq!(report.refused, 3);
    let (d, _) = open(dir.path()).unwrap();
    assert_eq!(d.engine().now(), at(9));
}

#[test]
fn fsync_policies_report_the_durable_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let lazy = JournalOptions {
        fsync: FsyncPolicy::Batched {
            max_delay: Duration::from_secs(3600),
        },
        snapshot_every: None,
    };
    let (mut d, _) = DurableEngine::open(dir.path(), workload::config(SEED), lazy).unwrap();
    for s in 1..=5 {
        d.handle_timeout(Instant::from_secs(s)).unwrap();
    }
    assert_eq!((d.durable_seq(), d.next_seq()), (0, 5));
    assert!(!d.sync_if_due().unwrap(), "not due within max_delay");
    let due = d.sync_due_in().expect("records wait for an fsync");
    assert!(due > Duration::from_secs(3500) && due <= Duration::from_secs(3600));
    d.sync().unwrap();
    assert_eq!(d.durable_seq(), 5);
    assert_eq!(d.sync_due_in(), None);
    drop(d);

    // A zero delay is always due: every record is fsynced as it is written.
    let dir = tempfile::tempdir().unwrap();
    let eager = JournalOptions {
        fsync: FsyncPolicy::Batched {
            max_delay: Duration::ZERO,
        },
        snapshot_every: None,
    };
    let (mut d, _) = DurableEngine::open(dir.path(), workload::config(SEED), eager).unwrap();
    d.handle_timeout(Instant::from_secs(1)).unwrap();
    assert_eq!((d.durable_seq(), d.next_seq()), (1, 1));
    drop(d);

    let dir = tempfile::tempdir().unwrap();
    let strict = JournalOptions {
        fsync: FsyncPolicy::EveryCommand,
        snapshot_every: None,
    };
    let (mut d, _) = DurableEngine::open(dir.path(), workload::config(SEED), strict).unwrap();
    for s in 1..=3 {
        d.handle_timeout(Instant::from_secs(s)).unwrap();
        assert_eq!(d.durable_seq(), d.next_seq());
        assert_eq!(d.sync_due_in(), None);
    }
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = open(dir.path()).unwrap();
    match open(dir.path()) {
        Err(JournalError::Locked { dir: d }) => assert_eq!(d, dir.path()),
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("two writers on one journal directory"),
    }
    drop(first);
    open(dir.path()).expect("free again once the first writer is gone");
}

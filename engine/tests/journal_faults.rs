//! The journal under faults (R-7.2, issue 17): a failing fsync, a full
//! disk, a damaged or deleted file, an operator deleting files under a
//! running writer, and a clean close. Faults are injected through
//! [`FaultyIo`], the journal's injectable I/O layer.
//!
//! The rule every test checks: after a restart, the recovered engine is
//! exactly the engine the callers were told about. An input refused with a
//! journal error is never replayed; an acknowledged one is never lost
//! without an error naming it.

#[path = "journal_support/fixture.rs"]
mod fixture;
#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{
    DurableEngine, DurableError, FaultyIo, FsyncPolicy, JournalError, JournalOptions,
};
use acd_engine::{
    AgentConfig, CallSpec, Command, Engine, EngineConfig, GroupConfig, Instant, TenantConfig,
    TenantId,
};
use fixture::{append, files, frame_offsets, last_segment, poke};
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn config() -> EngineConfig {
    let mut t = TenantConfig::new("acme");
    t.groups.push(GroupConfig::new("support", &["support"]));
    t.agents.push(AgentConfig::new("alice", &[("support", 5)]));
    EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    }
}

fn options(fsync: FsyncPolicy) -> JournalOptions {
    JournalOptions {
        fsync,
        snapshot_every: None,
    }
}

fn open_faulty(dir: &Path, fsync: FsyncPolicy) -> (DurableEngine, FaultyIo) {
    let io = FaultyIo::new();
    let (d, _) = DurableEngine::open_with_io(dir, config(), options(fsync), Arc::new(io.clone()))
        .expect("open");
    (d, io)
}

fn reopen(dir: &Path) -> Engine {
    let (d, _) = DurableEngine::open(dir, config(), options(FsyncPolicy::Never)).expect("reopen");
    d.close().expect("close")
}

fn arrive(d: &mut DurableEngine, secs: u64, call: &str) -> Result<(), DurableError> {
    let cmd = Command::call_arrived(CallSpec::new(call, "support"));
    d.handle(Instant::from_secs(secs), &TenantId::new("acme"), cmd)
}

/// The engine's state without undelivered outputs (recovery discards the
/// outputs of replay: they were delivered before the restart).
fn state(e: &Engine) -> String {
    let mut e = e.clone();
    e.drain_effects().for_each(drop);
    e.drain_events().for_each(drop);
    serde_json::to_string(&e).expect("serialize")
}

/// Issue 17 item 1: one EIO from fsync used to leave the refused record in
/// the file, and a restart replayed it (13 live calls recovered for 12
/// acknowledged). Now the record is cut back out, the journal refuses
/// everything until reopened, and the restart matches what callers saw.
#[test]
fn a_failed_fsync_is_not_replayed_and_poisons_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (mut d, io) = open_faulty(dir.path(), FsyncPolicy::EveryCommand);
    arrive(&mut d, 1, "c1").unwrap();
    let told = state(d.engine());
    io.fail_syncs_after(0);
    assert!(matches!(
        arrive(&mut d, 2, "c2"),
        Err(DurableError::Journal(JournalError::Io { .. }))
    ));
    assert_eq!(state(d.engine()), told, "a refused input is not applied");
    // Poisoned until reopened, even once the disk is fine again.
    io.heal();
    assert!(matches!(
        arrive(&mut d, 3, "c3"),
        Err(DurableError::Journal(JournalError::Poisoned(_)))
    ));
    assert!(matches!(
        d.handle_timeout(Instant::from_secs(4)),
        Err(JournalError::Poisoned(_))
    ));
    assert!(matches!(d.snapshot(), Err(JournalError::Poisoned(_))));
    assert!(matches!(d.sync(), Err(JournalError::Poisoned(_))));
    assert_eq!(d.engine().live_calls(), 1);
    drop(d);
    let back = reopen(dir.path());
    assert_eq!(back.live_calls(), 1, "the refused c2 must not be replayed");
    assert_eq!(state(&back), told);
}

/// Under group commit an fsync fails after several records were written and
/// acknowledged (they survive a process crash): they stay, later input is
/// refused, and the restart holds exactly the acknowledged records.
#[test]
fn a_failed_group_commit_keeps_the_acknowledged_records_and_poisons() {
    let dir = tempfile::tempdir().unwrap();
    let hour = Duration::from_secs(3600);
    let (mut d, io) = open_faulty(dir.path(), FsyncPolicy::Batched { max_delay: hour });
    for (s, c) in [(1, "c1"), (2, "c2"), (3, "c3")] {
        arrive(&mut d, s, c).unwrap();
    }
    assert!(d.durable_seq() < d.next_seq());
    let told = state(d.engine());
    io.fail_syncs_after(0);
    assert!(matches!(d.sync(), Err(JournalError::Io { .. })));
    assert!(matches!(
        arrive(&mut d, 4, "c4"),
        Err(DurableError::Journal(JournalError::Poisoned(_)))
    ));
    drop(d);
    assert_eq!(state(&reopen(dir.path())), told);
}

/// A full disk tears the write: the partial frame is cut off, the input is
/// refused, and the journal goes on once there is room again.
#[test]
fn a_failed_write_is_rolled_back_and_the_journal_continues() {
    let dir = tempfile::tempdir().unwrap();
    let (mut d, io) = open_faulty(dir.path(), FsyncPolicy::EveryCommand);
    arrive(&mut d, 1, "c1").unwrap();
    io.fail_writes_after(0);
    assert!(matches!(
        arrive(&mut d, 2, "c2"),
        Err(DurableError::Journal(JournalError::Io { .. }))
    ));
    io.heal();
    arrive(&mut d, 3, "c3").unwrap();
    let told = state(d.engine());
    assert_eq!(d.engine().live_calls(), 2);
    drop(d);
    assert_eq!(state(&reopen(dir.path())), told);
}

/// Issue 17 item 2: a flipped byte inside the last, complete record used to
/// be taken for a torn write and the acknowledged record silently dropped.
#[test]
fn a_damaged_complete_last_record_is_corruption_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 10, None);
    let seg = last_segment(dir.path());
    let last = *frame_offsets(&seg).last().unwrap();
    poke(&seg, last + 30, |b| b ^ 0x01);
    let before = fs::read(&seg).unwrap();
    let open = DurableEngine::open(dir.path(), config(), options(FsyncPolicy::Never));
    match open {
        Err(e @ JournalError::CorruptRecord { seq: 9, .. }) => {
            assert!(e.to_string().contains("record 9"), "{e}");
        }
        other => panic!("expected CorruptRecord for record 9, got {:?}", other.err()),
    }
    assert_eq!(fs::read(&seg).unwrap(), before, "nothing is truncated");
}

/// Issue 17 item 2: deleting the segment after the newest snapshot used to
/// recover the snapshot alone, silently losing every record after it.
#[test]
fn a_deleted_segment_after_the_snapshot_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 10, Some(4)); // snapshot 8, journal-8 holds 8 and 9
    fs::remove_file(last_segment(dir.path())).unwrap();
    assert!(files(dir.path(), "journal-").is_empty());
    match DurableEngine::open(dir.path(), config(), options(FsyncPolicy::Never)) {
        Err(JournalError::MissingSegment { seq: 8, .. }) => {}
        other => panic!("expected MissingSegment, got {:?}", other.err()),
    }
}

/// A first open that crashed after creating `journal-0` but before the
/// first snapshot acknowledged nothing: it opens as a fresh directory.
#[test]
fn an_empty_first_segment_without_a_snapshot_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), 3, None);
    let seg = last_segment(dir.path());
    let header = fs::read(&seg).unwrap()[..24].to_vec();
    for f in fs::read_dir(dir.path()).unwrap() {
        fs::remove_file(f.unwrap().path()).unwrap();
    }
    fs::write(&seg, header).unwrap();
    let (_, report) =
        DurableEngine::open(dir.path(), config(), options(FsyncPolicy::Never)).unwrap();
    assert!(report.fresh);
}

/// Issue 17 item 3: deleting the `LOCK` file let a second writer in. The
/// lock is now on the directory itself: no file an operator removes from
/// it lets a second writer open the journal.
#[test]
fn deleting_files_does_not_let_a_second_writer_in() {
    let dir = tempfile::tempdir().unwrap();
    let (_first, _) =
        DurableEngine::open(dir.path(), config(), options(FsyncPolicy::Never)).unwrap();
    for f in fs::read_dir(dir.path()).unwrap() {
        let path = f.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("journal-") && !name.starts_with("snapshot-") {
            fs::remove_file(&path).unwrap();
        }
    }
    match DurableEngine::open(dir.path(), config(), options(FsyncPolicy::Never)) {
        Err(JournalError::Locked { .. }) => {}
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("a second writer got in"),
    }
}

/// Issue 17 item 8: `close()` leaves a snapshot of the final state, so the
/// next open replays nothing.
#[test]
fn close_takes_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (mut d, _) =
        DurableEngine::open(dir.path(), config(), options(FsyncPolicy::Never)).unwrap();
    for (s, c) in [(1, "c1"), (2, "c2")] {
        arrive(&mut d, s, c).unwrap();
    }
    let closed = d.close().unwrap();
    let (d, report) =
        DurableEngine::open(dir.path(), config(), options(FsyncPolicy::Never)).unwrap();
    assert_eq!((report.snapshot_seq, report.replayed), (2, 0));
    assert_eq!(state(d.engine()), state(&closed));
}

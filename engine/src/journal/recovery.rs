//! Recovery: newest snapshot + replay of the journal records after it.
//!
//! A torn last record is truncated away; any other damage is an error, so a
//! recovered engine is never a silently partial state.

use super::io::JournalIo;
use super::layout::{self, Layout};
use super::record::{
    decode_header, decode_record, read_frame, valid_frame_after, Frame, HeaderProblem, Record,
    HEADER_LEN, JOURNAL_MAGIC, MAX_RECORD_LEN,
};
use super::snapshot::{self, header_error};
use super::writer::SegmentWriter;
use super::{FsyncPolicy, JournalError};
use crate::config::EngineConfig;
use crate::engine::Engine;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

/// What [`super::DurableEngine::open`] found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The directory held no journal: the engine was built from the given
    /// configuration. Otherwise the configuration was not used: the state
    /// comes from the journal.
    pub fresh: bool,
    /// Records covered by the snapshot recovery started from.
    pub snapshot_seq: u64,
    /// Journal records replayed on top of the snapshot.
    pub replayed: u64,
    /// Of those, commands the engine refused (as it did originally).
    pub refused: u64,
    /// Total records in the journal: the sequence number of the next one.
    pub next_seq: u64,
    /// Bytes of a torn last record that were cut off (0 = clean shutdown or
    /// crash between records).
    pub truncated_bytes: u64,
}

/// A read-only view of a journal directory, for tools and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct JournalContents {
    /// Records covered by the newest snapshot (`None`: no snapshot).
    pub snapshot_seq: Option<u64>,
    /// The records still on disk from the segment the snapshot falls in
    /// onwards, with their sequence numbers, in order. Records before the
    /// snapshot may be among them; older ones were deleted.
    pub records: Vec<(u64, Record)>,
    /// Sequence number of the next record.
    pub next_seq: u64,
    /// Bytes of a torn last record (left in place by this read).
    pub torn_bytes: u64,
}

/// Reads a journal directory without changing it. Fails exactly where
/// recovery would, except that the snapshot itself is not decoded.
pub fn read_journal(dir: &Path) -> Result<JournalContents, JournalError> {
    let layout = layout::scan(dir)?;
    let snapshot_seq = layout.snapshots.last().map(|(s, _)| *s);
    let tail = read_tail(&layout, snapshot_seq.unwrap_or(0))?;
    Ok(JournalContents {
        snapshot_seq,
        next_seq: tail.end.max(snapshot_seq.unwrap_or(0)),
        torn_bytes: tail.last.as_ref().map_or(0, LastSegment::torn_bytes),
        records: tail.records,
    })
}

/// One segment as read from disk.
struct SegmentScan {
    start: u64,
    records: Vec<(u64, Record)>,
    /// Length of the valid prefix (0 when even the header is cut short).
    valid_len: u64,
    file_len: u64,
}

/// The journal records after a snapshot.
struct Tail {
    records: Vec<(u64, Record)>,
    /// Sequence number after the last record (or the first segment's start).
    end: u64,
    last: Option<LastSegment>,
}

/// The final segment, which new records are appended to.
struct LastSegment {
    path: PathBuf,
    start: u64,
    end: u64,
    valid_len: u64,
    file_len: u64,
}

impl LastSegment {
    fn torn_bytes(&self) -> u64 {
        self.file_len - self.valid_len
    }
}

/// Reads every segment that holds records at or after `from`.
fn read_tail(layout: &Layout, from: u64) -> Result<Tail, JournalError> {
    let segments = &layout.segments;
    if segments.is_empty() && layout.snapshots.is_empty() {
        return Ok(Tail {
            records: Vec::new(),
            end: from,
            last: None,
        });
    }
    // The segment starting at the snapshot's sequence is created before the
    // snapshot (see `DurableEngine::snapshot`): without it, acknowledged
    // records after the snapshot may have been deleted.
    let first = match segments.iter().rposition(|(start, _)| *start <= from) {
        Some(i) if segments[i].0 == from => i,
        _ => {
            return Err(JournalError::MissingSegment {
                dir: layout.dir.clone(),
                seq: from,
            })
        }
    };
    let relevant = &segments[first..];
    let mut tail = Tail {
        records: Vec::new(),
        end: relevant[0].0,
        last: None,
    };
    for (i, (start, path)) in relevant.iter().enumerate() {
        if *start != tail.end {
            return Err(JournalError::Gap {
                path: path.clone(),
                expected: tail.end,
                found: *start,
            });
        }
        let is_last = i + 1 == relevant.len();
        let scan = scan_segment(path, *start, is_last)?;
        tail.end = scan.start + scan.records.len() as u64;
        tail.records.extend(scan.records);
        tail.last = Some(LastSegment {
            path: path.clone(),
            start: *start,
            end: tail.end,
            valid_len: scan.valid_len,
            file_len: scan.file_len,
        });
    }
    Ok(tail)
}

/// Reads one segment. Damage is tolerated only as a torn tail of the last segment.
fn scan_segment(path: &Path, start: u64, is_last: bool) -> Result<SegmentScan, JournalError> {
    let bytes = fs::read(path).map_err(JournalError::io(path))?;
    let file_len = bytes.len() as u64;
    match decode_header(&bytes, JOURNAL_MAGIC) {
        Err(HeaderProblem::Short) if is_last => {
            return Ok(SegmentScan {
                start,
                records: Vec::new(),
                valid_len: 0,
                file_len,
            })
        }
        Err(problem) => return Err(header_error(path, problem)),
        Ok(seq) if seq != start => {
            return Err(JournalError::BadHeader {
                path: path.to_path_buf(),
                reason: "header sequence does not match the file name",
            })
        }
        Ok(_) => {}
    }
    let mut records = Vec::new();
    let mut off = HEADER_LEN;
    let corrupt = |off: usize, seq: u64, reason: String| JournalError::CorruptRecord {
        path: path.to_path_buf(),
        offset: off as u64,
        seq,
        reason,
    };
    loop {
        let expected = start + records.len() as u64;
        match read_frame(&bytes, off, MAX_RECORD_LEN) {
            Frame::End => break,
            Frame::Valid { payload, next } => {
                let (seq, record) =
                    decode_record(payload).map_err(|e| corrupt(off, expected, e))?;
                if seq != expected {
                    return Err(corrupt(off, expected, format!("holds record {seq}")));
                }
                records.push((seq, record));
                off = next;
            }
            // A complete record with a bad CRC is damage, wherever it is:
            // truncating it would silently drop an acknowledged record.
            Frame::Invalid(why) => return Err(corrupt(off, expected, why.to_string())),
            Frame::Incomplete(why) => {
                if !is_last || valid_frame_after(&bytes, off, MAX_RECORD_LEN) {
                    return Err(corrupt(off, expected, why.to_string()));
                }
                break; // torn tail: the last write was cut short
            }
        }
    }
    Ok(SegmentScan {
        start,
        records,
        valid_len: off as u64,
        file_len,
    })
}

/// The recovered engine, the writer to continue the journal, and the report.
pub(crate) struct Recovered {
    pub(crate) engine: Engine,
    pub(crate) writer: SegmentWriter,
    pub(crate) report: RecoveryReport,
}

/// Opens (creating if needed) the journal in `dir` and recovers the engine.
pub(crate) fn recover(
    dir: &Path,
    config: EngineConfig,
    policy: FsyncPolicy,
    io: &dyn JournalIo,
) -> Result<Recovered, JournalError> {
    fs::create_dir_all(dir).map_err(JournalError::io(dir))?;
    let layout = layout::scan(dir)?;
    for tmp in &layout.temps {
        layout::remove(tmp)?;
    }
    let Some((snapshot_seq, snapshot_path)) = layout.snapshots.last().cloned() else {
        if !only_an_empty_first_segment(&layout) {
            return Err(JournalError::MissingSnapshot {
                dir: dir.to_path_buf(),
            });
        }
        return start_fresh(dir, config, policy, io);
    };
    let (covered, mut engine) = snapshot::read(&snapshot_path)?;
    if covered != snapshot_seq {
        return Err(JournalError::BadHeader {
            path: snapshot_path,
            reason: "header sequence does not match the file name",
        });
    }
    let tail = read_tail(&layout, snapshot_seq)?;
    let mut report = RecoveryReport {
        fresh: false,
        snapshot_seq,
        replayed: 0,
        refused: 0,
        next_seq: tail.end.max(snapshot_seq),
        truncated_bytes: tail.last.as_ref().map_or(0, LastSegment::torn_bytes),
    };
    for (_, record) in tail.records.into_iter().filter(|(s, _)| *s >= snapshot_seq) {
        report.replayed += 1;
        if super::durable::apply(&mut engine, record).is_err() {
            report.refused += 1;
        }
    }
    let writer = reopen_tail(dir, tail.last, report.next_seq, policy, io)?;
    // Segments from the snapshot's on are still needed (a crash between a
    // new segment and its snapshot leaves records before the last segment).
    remove_obsolete(
        dir,
        &layout,
        snapshot_seq,
        snapshot_seq,
        policy.syncs_files(),
    )?;
    engine.drain_effects().for_each(drop);
    engine.drain_events().for_each(drop);
    Ok(Recovered {
        engine,
        writer,
        report,
    })
}

/// Whether the directory holds nothing but a record-less `journal-0`: a
/// first open that crashed between creating it and the first snapshot
/// (nothing was acknowledged yet).
fn only_an_empty_first_segment(layout: &Layout) -> bool {
    layout.segments.iter().all(|(start, path)| {
        *start == 0 && fs::metadata(path).is_ok_and(|m| m.len() <= HEADER_LEN as u64)
    })
}

fn start_fresh(
    dir: &Path,
    config: EngineConfig,
    policy: FsyncPolicy,
    io: &dyn JournalIo,
) -> Result<Recovered, JournalError> {
    let engine = Engine::new(config)?;
    let writer = SegmentWriter::create(dir, 0, policy, io)?;
    snapshot::write(dir, 0, &engine, policy.syncs_files())?;
    let report = RecoveryReport {
        fresh: true,
        snapshot_seq: 0,
        replayed: 0,
        refused: 0,
        next_seq: 0,
        truncated_bytes: 0,
    };
    Ok(Recovered {
        engine,
        writer,
        report,
    })
}

/// Cuts a torn tail off the last segment and reopens it for appending, or
/// starts a new segment at `next_seq` when there is none to continue.
fn reopen_tail(
    dir: &Path,
    last: Option<LastSegment>,
    next_seq: u64,
    policy: FsyncPolicy,
    io: &dyn JournalIo,
) -> Result<SegmentWriter, JournalError> {
    let Some(last) = last.filter(|l| l.end == next_seq && l.valid_len > 0) else {
        return SegmentWriter::create(dir, next_seq, policy, io);
    };
    if last.valid_len < last.file_len {
        OpenOptions::new()
            .write(true)
            .open(&last.path)
            .and_then(|f| {
                f.set_len(last.valid_len)?;
                f.sync_all()
            })
            .map_err(JournalError::io(&last.path))?;
    }
    SegmentWriter::resume(last.path, last.start, next_seq, policy, io)
}

/// Deletes snapshots older than `snapshot_seq` and segments before `keep_from`.
pub(crate) fn remove_obsolete(
    dir: &Path,
    layout: &Layout,
    snapshot_seq: u64,
    keep_from: u64,
    fsync: bool,
) -> Result<(), JournalError> {
    let old_snapshots = layout.snapshots.iter().filter(|(s, _)| *s < snapshot_seq);
    let old_segments = layout.segments.iter().filter(|(s, _)| *s < keep_from);
    for (_, path) in old_snapshots.chain(old_segments) {
        layout::remove(path)?;
    }
    if fsync {
        layout::sync_dir(dir)?;
    }
    Ok(())
}

/// The phone agents' logon state in the journal of `dir`, read
/// without changing it: the newest snapshot plus the journal after it, or
/// the snapshot alone when the journal after it cannot be read. For starting
/// over with a fresh journal (new configuration, damaged journal) while
/// keeping agents logged on: pass it to [`crate::Engine::restore_presence`]
/// or [`super::DurableEngine::restore_presence`]. Returns the presence and
/// how many journal records it reflects.
pub fn read_presence(dir: &Path) -> Result<(crate::restore::Presence, u64), JournalError> {
    let layout = layout::scan(dir)?;
    let Some((snapshot_seq, path)) = layout.snapshots.last() else {
        return Err(JournalError::MissingSnapshot {
            dir: dir.to_path_buf(),
        });
    };
    let (_, mut engine) = snapshot::read(path)?;
    let mut covered = *snapshot_seq;
    if let Ok(tail) = read_tail(&layout, *snapshot_seq) {
        for (seq, record) in tail
            .records
            .into_iter()
            .filter(|(s, _)| *s >= *snapshot_seq)
        {
            let _ = super::durable::apply(&mut engine, record);
            covered = seq + 1;
        }
    }
    Ok((engine.presence(), covered))
}

//! Journal recovery from damaged directories.
//!
//! A valid journal directory (segments and a snapshot, written once per
//! process by [`acd_engine::journal::DurableEngine`] from a short day on
//! the `Automatic` family) is damaged by arbitrary mutations — truncate,
//! flip bytes, append garbage, delete, or duplicate a file under another
//! sequence number — and then read back with
//! [`acd_engine::journal::read_journal`] and recovered with
//! [`acd_engine::journal::DurableEngine::open`].
//!
//! Properties: neither panics; a recovered engine passes its invariant
//! check and keeps it through a few more commands; and when the only damage
//! is a cut in the last segment (a torn tail, as a crash mid-write leaves),
//! recovery must succeed.
//!
//! An input starting with an `IoFault` instead journals a day through the
//! engine's injectable I/O layer ([`acd_engine::journal::FaultyIo`]) with
//! fsyncs or writes failing from some point on: a restart must then hold
//! exactly the state the callers were told about (a failed fsync is never
//! replayed, issue 17).

use crate::stream::{config, Family};
use acd_engine::journal::{
    read_journal, DurableEngine, DurableError, FaultyIo, FsyncPolicy, JournalOptions,
};
use acd_engine::*;
use arbitrary::Arbitrary;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// One damage to the directory.
#[derive(Arbitrary, Clone, Debug)]
pub enum Damage {
    /// Cut file `file` to `len` bytes (modulo its length).
    Truncate { file: u8, len: u32 },
    /// XOR the byte at `offset` (modulo the length) with `xor`.
    Flip { file: u8, offset: u32, xor: u8 },
    /// Append bytes.
    Append { file: u8, bytes: Vec<u8> },
    /// Remove the file.
    Delete { file: u8 },
    /// Copy the file under another sequence number.
    Duplicate { file: u8, seq: u8 },
    /// Instead of damaging files: journal a day through the injectable I/O
    /// layer with segment fsyncs (or writes: a full disk) failing after
    /// `after` successful ones; the restart must hold exactly what the
    /// callers were told was applied.
    IoFault {
        after: u8,
        writes: bool,
        batched: bool,
    },
}

/// The pristine journal: (file name, bytes), sorted by name.
fn baseline() -> &'static Vec<(String, Vec<u8>)> {
    static BASE: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = scratch("base");
        write_journal(&dir).expect("writing the baseline journal");
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
            .expect("baseline directory")
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, fs::read(e.path()).expect("baseline file"))
            })
            .collect();
        files.sort();
        files
    })
}

/// A fresh, empty per-process scratch directory.
fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acd-fuzz-{}-{what}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn options() -> JournalOptions {
    JournalOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every: None,
    }
}

/// A short day, with a snapshot in the middle, journaled into `dir`.
fn write_journal(dir: &Path) -> Result<(), String> {
    let cfg = config(Family::Automatic, 1, &[None; 4]);
    let (mut d, _) = DurableEngine::open(dir, cfg, options()).map_err(|e| e.to_string())?;
    let t = TenantId::new("t");
    let at = Instant::from_secs;
    for (i, a) in ["a0", "a1", "a2", "a3"].iter().enumerate() {
        let logon = Command::Logon {
            agent: (*a).into(),
            extension: format!("20{i}").into(),
            media: vec![],
        };
        let _ = d.handle(at(0), &t, logon);
        let ready = Command::Ready {
            agent: (*a).into(),
            media: Media::Voice,
        };
        let _ = d.handle(at(1), &t, ready);
    }
    for (i, g) in ["g0", "g1", "g2", "g1"].iter().enumerate() {
        let call = CallSpec::new(format!("c{i}"), *g);
        let _ = d.handle(at(2 + i as u64), &t, Command::call_arrived(call));
    }
    d.snapshot().map_err(|e| e.to_string())?;
    answer_all(&mut d, at(8))?;
    d.handle_timeout(at(30)).map_err(|e| e.to_string())?;
    for i in 0..4 {
        let hangup = Command::Hangup {
            call: format!("c{i}").as_str().into(),
        };
        let _ = d.handle(at(40 + i), &t, hangup);
    }
    d.handle_timeout(at(60)).map_err(|e| e.to_string())?;
    // Dropped, not closed: close() would snapshot, leaving the records the
    // damages are meant to hit out of the segment.
    drop(d);
    Ok(())
}

/// Answers every call currently offered.
fn answer_all(d: &mut DurableEngine, now: Instant) -> Result<(), String> {
    let t = TenantId::new("t");
    let offers: Vec<(CallId, AgentId, Epoch)> = d
        .drain_effects()
        .filter_map(|e| match e {
            Effect::Offer {
                call, agent, epoch, ..
            } => Some((call, agent, epoch)),
            _ => None,
        })
        .collect();
    for (call, agent, epoch) in offers {
        let answer = Command::Answered { call, agent, epoch };
        let _ = d.handle(now, &t, answer);
    }
    Ok(())
}

/// Names and sizes of the pristine journal's files, in the order `file`
/// numbers pick them.
pub fn baseline_files() -> Vec<(String, usize)> {
    baseline()
        .iter()
        .map(|(n, b)| (n.clone(), b.len()))
        .collect()
}

/// Checks one list of damages.
pub fn check(damages: &[Damage]) -> Result<(), String> {
    let mut files = baseline().clone();
    let last_segment = files.iter().rposition(|(n, _)| n.starts_with("journal-"));
    if let Some(Damage::IoFault {
        after,
        writes,
        batched,
    }) = damages.first()
    {
        return check_io_fault(*after, *writes, *batched);
    }
    let mut torn_tail_only = true;
    for d in damages.iter().take(8) {
        if files.is_empty() {
            break;
        }
        let pick = |f: u8| usize::from(f) % files.len();
        match d {
            Damage::Truncate { file, len } => {
                let i = pick(*file);
                torn_tail_only &= Some(i) == last_segment;
                let bytes = &mut files[i].1;
                let cut = (*len as usize) % (bytes.len() + 1);
                bytes.truncate(cut);
            }
            Damage::Flip { file, offset, xor } => {
                let i = pick(*file);
                let bytes = &mut files[i].1;
                if !bytes.is_empty() && *xor != 0 {
                    let at = (*offset as usize) % bytes.len();
                    bytes[at] ^= xor;
                    torn_tail_only = false;
                }
            }
            Damage::Append { file, bytes } => {
                let i = pick(*file);
                files[i].1.extend_from_slice(&bytes[..bytes.len().min(256)]);
                torn_tail_only &= bytes.is_empty();
            }
            Damage::Delete { file } => {
                files.remove(pick(*file));
                // Indexes shifted: later damages no longer know the last segment.
                return recover_from(&files, false);
            }
            Damage::IoFault { .. } => {}
            Damage::Duplicate { file, seq } => {
                let (name, bytes) = files[pick(*file)].clone();
                let (kind, ext) = if name.starts_with("journal-") {
                    ("journal-", ".log")
                } else {
                    ("snapshot-", ".snap")
                };
                files.push((format!("{kind}{:020}{ext}", seq), bytes));
                return recover_from(&files, false);
            }
        }
    }
    recover_from(&files, torn_tail_only)
}

/// Writes `files` into a scratch directory and recovers from it.
fn recover_from(files: &[(String, Vec<u8>)], must_recover: bool) -> Result<(), String> {
    let dir = scratch("case");
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes).map_err(|e| e.to_string())?;
    }
    let _ = read_journal(&dir);
    let cfg = config(Family::Automatic, 1, &[None; 4]);
    let opened = DurableEngine::open(&dir, cfg, options());
    let (mut d, _) = match opened {
        Ok(ok) => ok,
        Err(e) if must_recover => {
            return Err(format!("a torn tail must recover, got: {e}"));
        }
        Err(_) => return Ok(()),
    };
    d.engine()
        .check_invariants()
        .map_err(|e| format!("recovered engine: {e}"))?;
    // The recovered engine keeps working.
    let t = TenantId::new("t");
    let now = d.engine().now().plus_millis(1000);
    let _ = d.handle(now, &t, Command::call_arrived(CallSpec::new("after", "g0")));
    let _ = d.handle_timeout(now.plus_millis(120_000));
    d.engine()
        .check_invariants()
        .map_err(|e| format!("recovered engine after more input: {e}"))?;
    Ok(())
}

/// The engine's state without undelivered outputs (recovery drops those).
fn settled(engine: &Engine) -> Result<String, String> {
    let mut e = engine.clone();
    e.drain_effects().for_each(drop);
    e.drain_events().for_each(drop);
    serde_json::to_string(&e).map_err(|e| e.to_string())
}

/// Journals a short day with I/O failing after `after` operations (issue
/// 17 item 1): a failed fsync poisons the journal, a failed write is rolled
/// back; either way a restart must give exactly the engine the callers
/// were told about.
fn check_io_fault(after: u8, writes: bool, batched: bool) -> Result<(), String> {
    let dir = scratch("io-fault");
    let io = FaultyIo::new();
    let fsync = if batched {
        FsyncPolicy::Batched {
            max_delay: std::time::Duration::from_secs(3600),
        }
    } else {
        FsyncPolicy::EveryCommand
    };
    let options = JournalOptions {
        fsync,
        snapshot_every: Some(7),
    };
    let cfg = config(Family::Automatic, 1, &[None; 4]);
    let (mut d, _) = DurableEngine::open_with_io(&dir, cfg.clone(), options, Arc::new(io.clone()))
        .map_err(|e| e.to_string())?;
    if writes {
        io.fail_writes_after(u64::from(after));
    } else {
        io.fail_syncs_after(u64::from(after));
    }
    let t = TenantId::new("t");
    let mut told = settled(d.engine())?;
    for (i, cmd) in day_commands().into_iter().enumerate() {
        let at = Instant::from_secs(i as u64);
        let result = d.handle(at, &t, cmd);
        if let Err(DurableError::Journal(_)) = &result {
            if settled(d.engine())? != told {
                return Err(format!("step {i}: a refused input changed the engine"));
            }
        } else {
            told = settled(d.engine())?;
        }
        if batched && i % 5 == 4 {
            // A failed group commit poisons; what was acknowledged stays.
            let _ = d.sync();
        }
    }
    drop(d);
    let (back, _) = DurableEngine::open(&dir, cfg, options)
        .map_err(|e| format!("reopening after I/O faults: {e}"))?;
    if settled(back.engine())? != told {
        return Err("after I/O faults, the restart differs from what callers were told".into());
    }
    back.engine().check_invariants()
}

/// Logons, readies, calls and hang-ups of the Automatic family.
fn day_commands() -> Vec<Command> {
    let mut out = Vec::new();
    for a in ["a0", "a1", "a2", "a3"] {
        out.push(Command::Logon {
            agent: a.into(),
            extension: "2000".into(),
            media: vec![],
        });
        out.push(Command::Ready {
            agent: a.into(),
            media: Media::Voice,
        });
    }
    for (i, g) in ["g0", "g1", "g2", "g1", "g0", "g2"].iter().enumerate() {
        out.push(Command::call_arrived(CallSpec::new(format!("c{i}"), *g)));
    }
    for i in 0..6 {
        out.push(Command::Hangup {
            call: format!("c{i}").as_str().into(),
        });
    }
    out
}

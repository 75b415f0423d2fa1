//! The journal's segment file operations behind a small trait, so that
//! tests and fuzzers can inject the faults a real disk produces (a failing
//! fsync, a full disk, a torn write) without root, LD_PRELOAD or a special
//! file system.
//!
//! [`OsIo`] is the real thing and the default. [`FaultyIo`] wraps it and
//! fails chosen operations; it is public so that integration tests and the
//! fuzz drivers can use it, and is not meant for production.

use std::fmt::Debug;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The operations the journal performs on an open segment.
pub trait SegmentFile: Send + Debug {
    /// Appends all of `bytes` (one call per record).
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Forces the written data to stable storage (`fdatasync`).
    fn sync_data(&mut self) -> io::Result<()>;
    /// Cuts the file to `len` bytes (rolling back a refused record).
    fn set_len(&mut self, len: u64) -> io::Result<()>;
}

impl SegmentFile for File {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        Write::write_all(self, bytes)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }
}

/// Where the journal gets its segment files from.
pub trait JournalIo: Send + Sync + Debug {
    /// Wraps a segment just opened for appending.
    fn segment(&self, file: File, path: &Path) -> Box<dyn SegmentFile>;
}

/// The operating system's files, unchanged.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsIo;

impl JournalIo for OsIo {
    fn segment(&self, file: File, _path: &Path) -> Box<dyn SegmentFile> {
        Box::new(file)
    }
}

/// Never: the counter value meaning "no fault planned".
const NEVER: u64 = u64::MAX;

/// Fault injection for tests and fuzzers: fails segment fsyncs or writes
/// from a chosen call on. Clones share one plan, so a test keeps a clone to
/// arm faults while the journal uses another.
#[derive(Clone, Debug, Default)]
pub struct FaultyIo {
    plan: Arc<FaultPlan>,
}

#[derive(Debug)]
struct FaultPlan {
    /// Operations left before syncs fail (`NEVER`: they do not).
    syncs_left: AtomicU64,
    /// Operations left before writes fail (`NEVER`: they do not).
    writes_left: AtomicU64,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self {
            syncs_left: AtomicU64::new(NEVER),
            writes_left: AtomicU64::new(NEVER),
        }
    }
}

/// Whether the armed counter has run out; counts one operation.
fn trips(left: &AtomicU64) -> bool {
    let mut n = left.load(Ordering::SeqCst);
    loop {
        match n {
            NEVER => return false,
            0 => return true,
            _ => match left.compare_exchange(n, n - 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return false,
                Err(now) => n = now,
            },
        }
    }
}

impl FaultyIo {
    /// A plan with no faults armed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every segment fsync after the next `ok` ones fails with EIO.
    pub fn fail_syncs_after(&self, ok: u64) {
        self.plan.syncs_left.store(ok, Ordering::SeqCst);
    }

    /// Every segment write after the next `ok` ones fails with ENOSPC, after
    /// writing half its bytes (a torn write on a full disk).
    pub fn fail_writes_after(&self, ok: u64) {
        self.plan.writes_left.store(ok, Ordering::SeqCst);
    }

    /// Disarms every fault.
    pub fn heal(&self) {
        self.fail_syncs_after(NEVER);
        self.fail_writes_after(NEVER);
    }
}

impl JournalIo for FaultyIo {
    fn segment(&self, file: File, _path: &Path) -> Box<dyn SegmentFile> {
        Box::new(FaultyFile {
            file,
            plan: Arc::clone(&self.plan),
        })
    }
}

/// A segment whose operations follow a [`FaultyIo`] plan.
#[derive(Debug)]
struct FaultyFile {
    file: File,
    plan: Arc<FaultPlan>,
}

impl SegmentFile for FaultyFile {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if trips(&self.plan.writes_left) {
            Write::write_all(&mut self.file, &bytes[..bytes.len() / 2])?;
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        Write::write_all(&mut self.file, bytes)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        if trips(&self.plan.syncs_left) {
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        self.file.sync_data()
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }
}

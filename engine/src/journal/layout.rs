//! File names in a journal directory and directory-level durability.

use super::JournalError;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

const SEGMENT_PREFIX: &str = "journal-";
const SEGMENT_SUFFIX: &str = ".log";
const SNAPSHOT_PREFIX: &str = "snapshot-";
const SNAPSHOT_SUFFIX: &str = ".snap";
/// Suffix of files being written (a crash may leave them behind).
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

/// The segment whose first record is `seq`.
pub(crate) fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{SEGMENT_PREFIX}{seq:020}{SEGMENT_SUFFIX}"))
}

/// The snapshot covering the first `seq` records.
pub(crate) fn snapshot_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{SNAPSHOT_PREFIX}{seq:020}{SNAPSHOT_SUFFIX}"))
}

/// The files found in a journal directory, each list sorted by sequence.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// The directory listed.
    pub(crate) dir: PathBuf,
    pub(crate) snapshots: Vec<(u64, PathBuf)>,
    pub(crate) segments: Vec<(u64, PathBuf)>,
    pub(crate) temps: Vec<PathBuf>,
}

/// Lists a journal directory. Unrelated files are ignored.
pub(crate) fn scan(dir: &Path) -> Result<Layout, JournalError> {
    let mut layout = Layout {
        dir: dir.to_path_buf(),
        ..Layout::default()
    };
    for entry in fs::read_dir(dir).map_err(JournalError::io(dir))? {
        let entry = entry.map_err(JournalError::io(dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if name.ends_with(TEMP_SUFFIX) {
            layout.temps.push(path);
        } else if let Some(seq) = seq_of(name, SEGMENT_PREFIX, SEGMENT_SUFFIX) {
            layout.segments.push((seq, path));
        } else if let Some(seq) = seq_of(name, SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX) {
            layout.snapshots.push((seq, path));
        }
    }
    layout.snapshots.sort();
    layout.segments.sort();
    Ok(layout)
}

fn seq_of(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    name.strip_prefix(prefix)?
        .strip_suffix(suffix)?
        .parse()
        .ok()
}

/// Makes the directory's entries (creations, renames, deletions) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(JournalError::io(dir))
}

/// Deletes a file that is no longer needed.
pub(crate) fn remove(path: &Path) -> Result<(), JournalError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(JournalError::io(path)(e)),
        _ => Ok(()),
    }
}

//! Snapshot files: the engine's full serde state after the first `seq`
//! journal records, written atomically (temporary file, fsync, rename).

use super::layout::{snapshot_path, sync_dir, TEMP_SUFFIX};
use super::record::{
    decode_header, encode_frame, encode_header, read_frame, Frame, HeaderProblem, HEADER_LEN,
    SNAPSHOT_MAGIC,
};
use super::{JournalError, FORMAT_VERSION};
use crate::engine::Engine;
use crate::SnapshotError;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes the snapshot of `engine` covering records `0..seq`; returns its path.
/// When this returns the snapshot is in place under its final name, and
/// durable if `fsync`.
pub(crate) fn write(
    dir: &Path,
    seq: u64,
    engine: &Engine,
    fsync: bool,
) -> Result<PathBuf, JournalError> {
    let json = engine
        .to_snapshot_json()
        .map_err(|e| JournalError::Encode(e.to_string()))?;
    if u32::try_from(json.len()).is_err() {
        return Err(JournalError::Encode(format!(
            "snapshot of {} bytes is too large for one frame",
            json.len()
        )));
    }
    let mut bytes = Vec::with_capacity(HEADER_LEN + 8 + json.len());
    bytes.extend_from_slice(&encode_header(SNAPSHOT_MAGIC, seq));
    encode_frame(&json, &mut bytes);
    let path = snapshot_path(dir, seq);
    let mut tmp = path.clone().into_os_string();
    tmp.push(TEMP_SUFFIX);
    let tmp = PathBuf::from(tmp);
    File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(&bytes)?;
            if fsync {
                f.sync_all()?;
            }
            Ok(())
        })
        .map_err(JournalError::io(&tmp))?;
    fs::rename(&tmp, &path).map_err(JournalError::io(&path))?;
    if fsync {
        sync_dir(dir)?;
    }
    Ok(path)
}

/// Reads and checks a snapshot; returns the number of records it covers and
/// the engine.
pub(crate) fn read(path: &Path) -> Result<(u64, Engine), JournalError> {
    let bytes = fs::read(path).map_err(JournalError::io(path))?;
    let corrupt = |reason: &str| JournalError::CorruptSnapshot {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let seq = decode_header(&bytes, SNAPSHOT_MAGIC).map_err(|p| header_error(path, p))?;
    let json = match read_frame(&bytes, HEADER_LEN, u32::MAX) {
        Frame::Valid { payload, next } if next == bytes.len() => payload,
        Frame::Valid { .. } => return Err(corrupt("trailing bytes after the state")),
        Frame::End => return Err(corrupt("no state after the header")),
        Frame::Invalid(why) | Frame::Incomplete(why) => return Err(corrupt(why)),
    };
    let engine = Engine::from_snapshot_json(json).map_err(|e| match e {
        SnapshotError::UnknownSchema { found } => JournalError::UnsupportedSnapshotSchema {
            path: path.to_path_buf(),
            found,
        },
        other => corrupt(&other.to_string()),
    })?;
    Ok((seq, engine))
}

/// Maps a header problem of `path` to an error.
pub(crate) fn header_error(path: &Path, problem: HeaderProblem) -> JournalError {
    let path = path.to_path_buf();
    match problem {
        HeaderProblem::Version(found) => JournalError::UnsupportedVersion {
            path,
            found,
            supported: FORMAT_VERSION,
        },
        HeaderProblem::Short => JournalError::BadHeader {
            path,
            reason: "file shorter than its header",
        },
        HeaderProblem::BadMagic => JournalError::BadHeader {
            path,
            reason: "wrong magic bytes",
        },
        HeaderProblem::BadCrc => JournalError::BadHeader {
            path,
            reason: "header checksum mismatch",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot file whose state names an unknown schema is refused with
    /// the typed error, not as corruption (issue 17 item 8).
    #[test]
    fn unknown_snapshot_schema_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = Engine::new(crate::EngineConfig::default()).expect("engine");
        let mut state: serde_json::Value = serde_json::to_value(&engine).expect("JSON");
        state["schema"] = 7.into();
        let json = serde_json::to_vec(&state).expect("JSON");
        let mut bytes = encode_header(SNAPSHOT_MAGIC, 0).to_vec();
        encode_frame(&json, &mut bytes);
        let path = snapshot_path(dir.path(), 0);
        fs::write(&path, bytes).expect("writes");
        match read(&path) {
            Err(JournalError::UnsupportedSnapshotSchema { found: 7, path: p }) => {
                assert_eq!(p, path)
            }
            other => panic!("expected the schema error, got {other:?}"),
        }
    }
}

//! The on-disk byte format: file headers and length + CRC framed records.
//!
//! Every journal segment and snapshot file starts with a fixed 24-byte header:
//!
//! ```text
//! [8 bytes magic][u32 LE format version][u64 LE sequence][u32 LE CRC-32 of the first 20 bytes]
//! ```
//!
//! and continues with frames:
//!
//! ```text
//! [u32 LE payload length][u32 LE CRC-32 of (length bytes ++ payload)][payload]
//! ```
//!
//! The CRC covers the length too, so a damaged length is caught like damaged
//! data. A journal payload is `[u64 LE sequence][JSON of a Record]`; a snapshot
//! holds one frame whose payload is the JSON of the whole engine.
//!
//! JSON (serde_json) is the payload encoding because [`crate::Command`] and the
//! engine state use internally tagged serde enums, which the compact
//! non-self-describing formats (bincode, postcard) cannot decode; it is also
//! readable with standard tools when an incident needs a look at the journal.

use crate::command::Command;
use crate::ids::TenantId;
use crate::restore::Presence;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Version of the journal and snapshot formats. Bumped on any incompatible
/// change; files of another version are refused with a clear error.
pub const FORMAT_VERSION: u32 = 1;

/// Magic bytes opening a journal segment.
pub(crate) const JOURNAL_MAGIC: [u8; 8] = *b"ACDJRNL\0";
/// Magic bytes opening a snapshot.
pub(crate) const SNAPSHOT_MAGIC: [u8; 8] = *b"ACDSNAP\0";
/// Size of a file header.
pub(crate) const HEADER_LEN: usize = 24;
/// Size of a frame header (length + CRC).
pub(crate) const FRAME_HEADER_LEN: usize = 8;
/// Largest journal record payload accepted (a sanity bound on the length field).
pub(crate) const MAX_RECORD_LEN: u32 = 16 << 20;

/// One journaled input. Replaying the records of a journal, in order, through
/// a fresh engine reproduces the original engine exactly (the engine is
/// deterministic).
// Command is by far the most frequent variant: boxing it would only add an
// allocation per journaled command.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    /// A command given to [`crate::Engine::handle`], whatever its outcome:
    /// a refused command still fires the timers due by `now`.
    Command {
        /// The command's time.
        now: Instant,
        /// The tenant it was sent for.
        tenant: TenantId,
        /// The command.
        command: Command,
    },
    /// A call of [`crate::Engine::handle_timeout`].
    Tick {
        /// The time given.
        now: Instant,
    },
    /// A call of [`crate::Engine::set_events_enabled`].
    EventsEnabled {
        /// On or off.
        on: bool,
    },
    /// A call of [`crate::Engine::restore_presence`] (R-7.1).
    Restore {
        /// The time given.
        now: Instant,
        /// The agents to log back on.
        presence: Presence,
    },
}

/// A file header that could not be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    /// Fewer than [`HEADER_LEN`] bytes: the file was cut while being created.
    Short,
    /// Not the expected magic.
    BadMagic,
    /// The header's own CRC does not match.
    BadCrc,
    /// A format version this build does not read.
    Version(u32),
}

/// Encodes a file header.
pub(crate) fn encode_header(magic: [u8; 8], seq: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(&magic);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&seq.to_le_bytes());
    let crc = crc32fast::hash(&h[..20]);
    h[20..24].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Decodes a file header, returning its sequence number.
pub(crate) fn decode_header(bytes: &[u8], magic: [u8; 8]) -> Result<u64, HeaderProblem> {
    let h = bytes.get(..HEADER_LEN).ok_or(HeaderProblem::Short)?;
    if h[..8] != magic {
        return Err(HeaderProblem::BadMagic);
    }
    if crc32fast::hash(&h[..20]) != u32_at(h, 20) {
        return Err(HeaderProblem::BadCrc);
    }
    let version = u32_at(h, 8);
    if version != FORMAT_VERSION {
        return Err(HeaderProblem::Version(version));
    }
    Ok(u64_at(h, 12))
}

/// Appends one frame holding `payload` to `out`.
///
/// The caller bounds the payload size; lengths above `u32::MAX` cannot occur
/// for journal records ([`MAX_RECORD_LEN`]) and are checked for snapshots.
pub(crate) fn encode_frame(payload: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(payload);
    out.extend_from_slice(&len);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(payload);
}

/// The outcome of reading the frame at an offset.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame<'a> {
    /// A valid frame; the next one starts at `next`.
    Valid {
        /// The payload.
        payload: &'a [u8],
        /// Offset just past this frame.
        next: usize,
    },
    /// No bytes left.
    End,
    /// An incomplete frame: its length runs past the end of the file, or the
    /// rest of the file is zeros (an extended but unwritten tail). What a
    /// crash in the middle of a write leaves behind.
    Incomplete(&'static str),
    /// A complete frame that is damaged (implausible length, CRC mismatch):
    /// the bytes changed after they were written.
    Invalid(&'static str),
}

/// Reads the frame starting at `off` in `buf`, with lengths capped at `max_len`.
pub(crate) fn read_frame(buf: &[u8], off: usize, max_len: u32) -> Frame<'_> {
    let rest = buf.get(off..).unwrap_or_default();
    if rest.is_empty() {
        return Frame::End;
    }
    if rest.iter().all(|&b| b == 0) {
        return Frame::Incomplete("zero-filled tail");
    }
    if rest.len() < FRAME_HEADER_LEN {
        return Frame::Incomplete("frame header cut short");
    }
    let len = u32_at(rest, 0);
    if len == 0 || len > max_len {
        return Frame::Invalid("implausible length");
    }
    let end = FRAME_HEADER_LEN + len as usize;
    let Some(payload) = rest.get(FRAME_HEADER_LEN..end) else {
        return Frame::Incomplete("frame cut short: its length runs past the end of the file");
    };
    let mut crc = crc32fast::Hasher::new();
    crc.update(&rest[..4]);
    crc.update(payload);
    if crc.finalize() != u32_at(rest, 4) {
        return Frame::Invalid("CRC mismatch in a complete record: damaged after it was written");
    }
    Frame::Valid {
        payload,
        next: off + end,
    }
}

/// Whether any valid frame starts somewhere after `off`.
///
/// Decides between a torn tail (the last write was cut by a crash: nothing
/// valid follows) and corruption in the middle (valid records follow the
/// damaged one, so truncating would silently drop acknowledged data).
///
/// Record contents cannot fake a frame: a frame starting inside a record's
/// JSON would need a plausible length (`1..=MAX_RECORD_LEN`, each with a
/// 0x00 byte), and JSON never holds a raw 0x00. Starting in the binary
/// frame header or sequence number, it would need a CRC-32 match (2^-32).
pub(crate) fn valid_frame_after(buf: &[u8], off: usize, max_len: u32) -> bool {
    (off + 1..buf.len()).any(|o| matches!(read_frame(buf, o, max_len), Frame::Valid { .. }))
}

/// Encodes a journal payload: sequence number then the record's JSON.
pub(crate) fn encode_record(
    seq: u64,
    record: &Record,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    out.extend_from_slice(&seq.to_le_bytes());
    serde_json::to_writer(&mut *out, record)
}

/// Decodes a journal payload into its sequence number and record.
pub(crate) fn decode_record(payload: &[u8]) -> Result<(u64, Record), String> {
    if payload.len() < 8 {
        return Err("payload shorter than its sequence number".into());
    }
    let seq = u64_at(payload, 0);
    let record = serde_json::from_slice(&payload[8..]).map_err(|e| e.to_string())?;
    Ok((seq, record))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            encode_frame(p, &mut out);
        }
        out
    }

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let h = encode_header(JOURNAL_MAGIC, 42);
        assert_eq!(decode_header(&h, JOURNAL_MAGIC), Ok(42));
        assert_eq!(
            decode_header(&h, SNAPSHOT_MAGIC),
            Err(HeaderProblem::BadMagic)
        );
        assert_eq!(
            decode_header(&h[..10], JOURNAL_MAGIC),
            Err(HeaderProblem::Short)
        );
        let mut bad = h;
        bad[13] ^= 1;
        assert_eq!(
            decode_header(&bad, JOURNAL_MAGIC),
            Err(HeaderProblem::BadCrc)
        );
        let mut future = h;
        future[8..12].copy_from_slice(&7u32.to_le_bytes());
        let crc = crc32fast::hash(&future[..20]);
        future[20..24].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            decode_header(&future, JOURNAL_MAGIC),
            Err(HeaderProblem::Version(7))
        );
    }

    #[test]
    fn frames_round_trip() {
        let buf = frames(&[b"one", b"two!"]);
        let Frame::Valid { payload, next } = read_frame(&buf, 0, 100) else {
            panic!("first frame invalid")
        };
        assert_eq!(payload, b"one");
        let Frame::Valid { payload, next } = read_frame(&buf, next, 100) else {
            panic!("second frame invalid")
        };
        assert_eq!(payload, b"two!");
        assert_eq!(read_frame(&buf, next, 100), Frame::End);
    }

    #[test]
    fn every_single_bit_flip_is_detected() {
        let buf = frames(&[b"payload bytes"]);
        for byte in 0..buf.len() {
            for bit in 0..8 {
                let mut b = buf.clone();
                b[byte] ^= 1 << bit;
                assert!(
                    !matches!(read_frame(&b, 0, 1 << 20), Frame::Valid { .. }),
                    "flip of bit {bit} in byte {byte} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn every_truncation_is_incomplete_and_nothing_valid_follows() {
        let buf = frames(&[b"first", b"second record"]);
        let first_end = FRAME_HEADER_LEN + 5;
        for cut in first_end + 1..buf.len() {
            let b = &buf[..cut];
            assert!(matches!(
                read_frame(b, first_end, 1 << 20),
                Frame::Incomplete(_)
            ));
            assert!(!valid_frame_after(b, first_end, 1 << 20));
        }
    }

    #[test]
    fn a_flipped_payload_byte_is_damage_not_an_incomplete_write() {
        let mut buf = frames(&[b"only record"]);
        buf[FRAME_HEADER_LEN + 2] ^= 0x01;
        assert!(matches!(read_frame(&buf, 0, 1 << 20), Frame::Invalid(_)));
        let zeros = [0u8; 40];
        assert!(matches!(
            read_frame(&zeros, 0, 1 << 20),
            Frame::Incomplete(_)
        ));
    }

    #[test]
    fn damage_followed_by_valid_frames_is_seen_as_mid_file() {
        let mut buf = frames(&[b"first", b"second", b"third"]);
        buf[FRAME_HEADER_LEN + 1] ^= 0x40; // damage the first payload
        assert!(matches!(read_frame(&buf, 0, 1 << 20), Frame::Invalid(_)));
        assert!(valid_frame_after(&buf, 0, 1 << 20));
    }

    #[test]
    fn records_round_trip_through_json() {
        let rec = Record::Command {
            now: Instant::from_millis(1234),
            tenant: TenantId::new("acme"),
            command: Command::Hangup { call: "c1".into() },
        };
        let mut out = Vec::new();
        encode_record(9, &rec, &mut out).unwrap();
        assert_eq!(decode_record(&out), Ok((9, rec)));
        assert!(decode_record(&out[..5]).is_err());
    }
}

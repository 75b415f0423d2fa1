//! Prints a journal directory without changing it: the newest snapshot's
//! coverage, then one JSON line per journal record still on disk, then any
//! torn tail.
//!
//! ```text
//! cargo run -p acd-engine --example journal_dump -- DIR
//! ```

use acd_engine::journal::read_journal;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: journal_dump DIR");
        return ExitCode::FAILURE;
    };
    match dump(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journal_dump: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dump(dir: &str) -> Result<(), Box<dyn std::error::Error>> {
    let contents = read_journal(dir.as_ref())?;
    let mut out = std::io::stdout().lock();
    match contents.snapshot_seq {
        Some(seq) => writeln!(out, "# snapshot covers records 0..{seq}")?,
        None => writeln!(out, "# no snapshot")?,
    }
    for (seq, record) in &contents.records {
        writeln!(out, "{seq} {}", serde_json::to_string(record)?)?;
    }
    writeln!(out, "# next record {}", contents.next_seq)?;
    if contents.torn_bytes > 0 {
        writeln!(
            out,
            "# torn tail: {} bytes (cut off at the next open)",
            contents.torn_bytes
        )?;
    }
    Ok(())
}

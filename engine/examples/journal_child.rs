//! Fills a journal directory with the seeded workload of the kill -9 test
//! (`tests/journal_kill.rs` runs the same code in a child process), printing
//! `open NEXT_SEQ SNAPSHOT_SEQ` and then `ack SEQ RECORD_JSON` per
//! acknowledged input. Handy for looking at a real
//! journal or for killing a journaling process by hand:
//!
//! ```text
//! cargo run -p acd-engine --example journal_child -- DIR SEED POLICY SNAPSHOT_EVERY [MAX_OPS]
//! ```
//!
//! POLICY is `every`, `batched` (20 ms) or `never`.

#[path = "../tests/journal_support/child.rs"]
mod child;
#[path = "../tests/journal_support/workload.rs"]
mod workload;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match child::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journal_child: {e}");
            ExitCode::FAILURE
        }
    }
}

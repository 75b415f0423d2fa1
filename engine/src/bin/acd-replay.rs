//! `acd-replay`: replays a JSON-lines trace through the engine and prints
//! the effects and events it produces (format: `acd_engine::trace`).
//!
//! ```text
//! acd-replay TRACE.jsonl [--config CONFIG.json]    # TRACE may be - for stdin
//! ```

use acd_engine::trace::Replayer;
use acd_engine::EngineConfig;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("acd-replay: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (trace, config) = match args.as_slice() {
        [trace] => (trace.clone(), None),
        [trace, flag, config] if flag == "--config" => (trace.clone(), Some(config.clone())),
        _ => return Err("usage: acd-replay TRACE.jsonl [--config CONFIG.json]".into()),
    };
    let mut replayer = match config {
        None => Replayer::new(),
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
            let config: EngineConfig =
                serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
            Replayer::with_config(config).map_err(|e| format!("{path}: {e}"))?
        }
    };
    let input: Box<dyn BufRead> = if trace == "-" {
        Box::new(io::stdin().lock())
    } else {
        let file = std::fs::File::open(&trace).map_err(|e| format!("{trace}: {e}"))?;
        Box::new(io::BufReader::new(file))
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for (n, bytes) in input.split(b'\n').enumerate() {
        let bytes = bytes.map_err(|e| format!("{trace}: {e}"))?;
        let line = std::str::from_utf8(&bytes).map_err(|e| {
            format!(
                "{trace}: line {}: not valid UTF-8 (byte {} of the line)",
                n + 1,
                e.valid_up_to() + 1
            )
        })?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        for output in replayer.feed(line).map_err(|e| format!("{trace}: {e}"))? {
            writeln!(out, "{output}").map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

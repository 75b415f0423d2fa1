//! Trace replay parsing: JSON lines `{"at_ms":..,"tenant":..,"cmd":{...}}`.
//!
//! Each line that parses is replayed against a configuration of the
//! [`crate::stream`] family, with every property checked after every line
//! (a line whose time goes backwards must be refused without change).
//! Lines that do not parse are skipped; parsing must never panic.

use crate::stream::{config, Family, Runner};
use acd_engine::*;
use serde::Deserialize;

/// One line of a trace.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceLine {
    /// When the command happened, milliseconds.
    pub at_ms: u64,
    /// The tenant sending it.
    pub tenant: TenantId,
    /// The command.
    pub cmd: Command,
}

/// Most lines replayed from one input.
const MAX_LINES: usize = 512;

/// Checks one input: first byte picks the configuration, the rest is the trace.
pub fn check(data: &[u8]) -> Result<(), String> {
    let Some((&family, doc)) = data.split_first() else {
        return Ok(());
    };
    let family = match family % 4 {
        0 => Family::Automatic,
        1 => Family::Personal,
        2 => Family::TwoTenants,
        _ => Family::Tiny,
    };
    let engine = Engine::new(config(family, 7, &[None; 4]))
        .map_err(|e| format!("family config invalid: {e}"))?;
    let mut run = Runner::new(engine);
    let text = String::from_utf8_lossy(doc);
    for (n, line) in text.lines().take(MAX_LINES).enumerate() {
        let Ok(parsed) = serde_json::from_str::<TraceLine>(line) else {
            continue;
        };
        run.command_at(parsed.at_ms, parsed.tenant, parsed.cmd)
            .map_err(|e| format!("line {}: {e}", n + 1))?;
    }
    Ok(())
}

//! Trace replay parsing: arbitrary bytes as a JSON-lines trace in the
//! format of `acd_engine::trace` (`{"config":{..}}` first, then
//! `{"at_ms":..,"tenant":..,"cmd":{..}}` lines).
//!
//! Two properties: the engine's own [`acd_engine::trace::replay`] never
//! panics and gives the same output twice; and every line that
//! [`acd_engine::trace::parse_line`] accepts, applied through the checked
//! [`crate::stream::Runner`], keeps every property after every line (a
//! line whose time goes backwards must be refused without change). When
//! the trace brings no configuration, the first byte picks one of the
//! [`crate::stream`] family.

use crate::stream::{config, Family, Runner};
use acd_engine::trace::{parse_line, replay};
use acd_engine::*;

/// Most lines replayed from one input.
const MAX_LINES: usize = 512;

/// Checks one input: first byte picks the default configuration, the rest
/// is the trace.
pub fn check(data: &[u8]) -> Result<(), String> {
    let Some((&family, doc)) = data.split_first() else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(doc);
    let text: String = text.lines().take(MAX_LINES).collect::<Vec<_>>().join("\n");
    let first = replay(&text);
    if first != replay(&text) {
        return Err("trace replay is not deterministic".into());
    }
    checked_replay(family, &text)
}

fn family(n: u8) -> Family {
    match n % 4 {
        0 => Family::Automatic,
        1 => Family::Personal,
        2 => Family::TwoTenants,
        _ => Family::Tiny,
    }
}

/// Applies every accepted line through the checked runner.
fn checked_replay(family_byte: u8, text: &str) -> Result<(), String> {
    let mut run: Option<Runner> = None;
    for (n, line) in text.lines().enumerate() {
        let Ok(Some(parsed)) = parse_line(line) else {
            continue;
        };
        let ctx = |e: String| format!("line {}: {e}", n + 1);
        if let Some(cfg) = parsed.config {
            if run.is_none() {
                // A config that does not validate is refused, not a failure.
                if let Ok(engine) = Engine::new(cfg) {
                    run = Some(Runner::new(engine));
                }
            }
            continue;
        }
        let runner = match &mut run {
            Some(r) => r,
            None => {
                let engine = Engine::new(config(family(family_byte), 7, &[None; 4]))
                    .map_err(|e| format!("family config invalid: {e}"))?;
                run.insert(Runner::new(engine))
            }
        };
        let at = parsed.at_ms.unwrap_or_default();
        match parsed.cmd {
            None => runner.advance_to(at).map_err(ctx)?,
            Some(cmd) => {
                let tenant = parsed.tenant.unwrap_or_else(|| {
                    let first = runner.engine().tenants().next().cloned();
                    first.unwrap_or_else(|| TenantId::new("t"))
                });
                runner.command_at(at, tenant, cmd).map_err(ctx)?;
            }
        }
    }
    Ok(())
}

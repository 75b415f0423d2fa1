//! Simulator scenario parsing (`acd-sim`): arbitrary text as a scenario.
//!
//! Properties: `Scenario::parse` never panics; a scenario it accepts yields
//! an engine configuration (`engine_config`) that validates, builds, and
//! passes every check of [`crate::config_input::check_config`] (JSON round
//! trip, validate/build agreement, a scripted day under the per-step
//! checks). Scenario errors must render (`Display`), since the CLI prints
//! them.

use acd_sim::scenario::Scenario;

/// Checks one input (UTF-8 text; anything else is skipped).
pub fn check(data: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let scenario = match Scenario::parse(text) {
        Ok(s) => s,
        Err(e) => {
            let _ = e.to_string();
            return Ok(());
        }
    };
    let config = scenario
        .engine_config(1)
        .map_err(|e| format!("accepted scenario has no engine config: {e}"))?;
    crate::config_input::check_config(config)
}

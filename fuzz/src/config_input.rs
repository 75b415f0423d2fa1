//! Configuration parsing: arbitrary bytes as JSON or TOML `EngineConfig`.
//!
//! Properties: parsing never panics; `validate` never panics; a config
//! that validates builds an engine (`Engine::new` agrees with `validate`
//! both ways); a parsed config survives a JSON round trip unchanged; and a
//! built engine survives a short scripted day (every agent logs on and
//! becomes Ready, a call arrives in every group, offers are answered and
//! hung up, time passes) with its invariants intact after every step.

use crate::stream::Runner;
use acd_engine::*;

/// Checks one input. The first byte picks the format (even = JSON, odd =
/// TOML); the rest is the document.
pub fn check(data: &[u8]) -> Result<(), String> {
    let Some((&format, doc)) = data.split_first() else {
        return Ok(());
    };
    let Ok(text) = std::str::from_utf8(doc) else {
        return Ok(());
    };
    let parsed: Option<EngineConfig> = if format % 2 == 0 {
        serde_json::from_str(text).ok()
    } else {
        toml::from_str(text).ok()
    };
    match parsed {
        Some(config) => check_config(config),
        None => Ok(()),
    }
}

/// Checks a parsed configuration.
pub fn check_config(config: EngineConfig) -> Result<(), String> {
    let json = serde_json::to_string(&config).map_err(|e| format!("config serializes: {e}"))?;
    let back: EngineConfig =
        serde_json::from_str(&json).map_err(|e| format!("config JSON round trip: {e}"))?;
    if back != config {
        return Err("config changed in a JSON round trip".into());
    }
    let valid = config.validate();
    let built = Engine::new(config.clone());
    match (valid, built) {
        (Ok(()), Ok(engine)) => exercise(&config, engine),
        (Err(_), Err(_)) => Ok(()),
        (Ok(()), Err(e)) => Err(format!("validated config does not build: {e}")),
        (Err(e), Ok(_)) => Err(format!("invalid config ({e}) built an engine")),
    }
}

/// A short day on the built engine, checked after every step.
fn exercise(config: &EngineConfig, engine: Engine) -> Result<(), String> {
    engine.check_invariants()?;
    let mut run = Runner::new(engine);
    let mut at = 0u64;
    let tenants = config.tenants.iter().take(4);
    for t in tenants {
        let tenant = t.id.clone();
        for a in t.agents.iter().take(16) {
            let media = t.groups.iter().map(|g| g.media).collect();
            let logon = Command::Logon {
                agent: a.id.clone(),
                extension: "1000".into(),
                media,
            };
            run.command_at(at, tenant.clone(), logon)?;
            for m in Media::ALL {
                let ready = Command::Ready {
                    agent: a.id.clone(),
                    media: m,
                };
                run.command_at(at, tenant.clone(), ready)?;
            }
        }
        for (i, g) in t.groups.iter().take(16).enumerate() {
            at += 500;
            let spec = CallSpec::new(format!("cfg-call-{i}"), g.id.clone());
            run.command_at(at, tenant.clone(), Command::call_arrived(spec))?;
        }
        for i in 0..t.groups.len().min(16) {
            at += 700;
            let id = CallId::new(format!("cfg-call-{i}"));
            if let Some((agent, epoch)) = offered(&run, &tenant, &id) {
                let answer = Command::Answered {
                    call: id.clone(),
                    agent,
                    epoch,
                };
                run.command_at(at, tenant.clone(), answer)?;
            }
            run.command_at(at + 30_000, tenant.clone(), Command::Hangup { call: id })?;
            at += 30_000;
        }
        at += 3_600_000;
        let no_op = Command::SetMaintenance { on: false };
        run.command_at(at, tenant, no_op)?;
    }
    Ok(())
}

fn offered(run: &Runner, tenant: &TenantId, call: &CallId) -> Option<(AgentId, Epoch)> {
    match run.engine().call_status(tenant, call) {
        Ok(CallStatus::Offered { agents, .. }) => agents.into_iter().next(),
        _ => None,
    }
}

//! Traces: a JSON-lines record of engine inputs that can be replayed, and
//! the JSON-lines record of what the engine did with them.
//!
//! Input, one JSON object a line (blank lines and lines starting with `#`
//! are comments):
//!
//! ```text
//! {"config": { ...EngineConfig... }}                   engine configuration, first
//! {"at_ms": 0, "cmd": {"type": "logon", "agent": "a1", "extension": "2001"}}
//! {"at_ms": 31000}                                     let time pass: timers fire
//! {"at_ms": 32000, "tenant": "acme", "cmd": {...}}     tenant may be omitted with one tenant
//! ```
//!
//! Output, one JSON object a line, in order: for each input step a result
//! line `{"at_ms":..,"cmd":"logon","ok":true}` (or `"error":"…"`), then
//! every effect (`{"effect":"offer",…}`) and every event (`{"event":…}`)
//! the step produced. Because the engine is deterministic, replaying a
//! trace gives the same output every time, which makes traces golden tests
//! and lets users replay production logs.

use crate::command::Command;
use crate::config::EngineConfig;
use crate::engine::Engine;
use crate::ids::TenantId;
use crate::time::Instant;
use serde::Deserialize;
use std::fmt;

/// A trace that cannot be replayed: which line, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TraceError {}

/// One input line of a trace.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceLine {
    /// Engine configuration (first line of a self-contained trace).
    #[serde(default)]
    pub config: Option<EngineConfig>,
    /// Time of the step, ms.
    #[serde(default)]
    pub at_ms: Option<u64>,
    /// Tenant of the command; optional when the engine has one tenant.
    #[serde(default)]
    pub tenant: Option<TenantId>,
    /// The command; absent = only let time pass.
    #[serde(default)]
    pub cmd: Option<Command>,
}

/// Parses one input line; `None` for blank and comment lines.
pub fn parse_line(text: &str) -> Result<Option<TraceLine>, String> {
    let text = text.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let line: TraceLine = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let valid = match (&line.config, line.at_ms) {
        (Some(_), None) => line.cmd.is_none() && line.tenant.is_none(),
        (None, Some(_)) => true,
        _ => false,
    };
    if valid {
        Ok(Some(line))
    } else {
        Err(
            "a line holds either `config` alone, or `at_ms` with an optional `tenant` and `cmd`"
                .into(),
        )
    }
}

/// Replays trace lines through an engine, producing output lines.
#[derive(Debug, Default)]
pub struct Replayer {
    engine: Option<Engine>,
    line: usize,
}

impl Replayer {
    /// A replayer whose configuration comes from the trace's first line.
    pub fn new() -> Self {
        Self::default()
    }

    /// A replayer with the configuration given up front.
    pub fn with_config(config: EngineConfig) -> Result<Self, String> {
        let engine = Engine::new(config).map_err(|e| e.to_string())?;
        Ok(Self {
            engine: Some(engine),
            line: 0,
        })
    }

    /// The engine, once configured.
    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    /// Feeds the next input line; returns the output lines it produced.
    pub fn feed(&mut self, text: &str) -> Result<Vec<String>, TraceError> {
        self.line += 1;
        let err = |message: String| TraceError {
            line: self.line,
            message,
        };
        let Some(line) = parse_line(text).map_err(err)? else {
            return Ok(Vec::new());
        };
        if let Some(config) = line.config {
            if self.engine.is_some() {
                return Err(err("the engine is already configured".into()));
            }
            self.engine = Some(Engine::new(config).map_err(|e| err(e.to_string()))?);
            return Ok(Vec::new());
        }
        let engine = self
            .engine
            .as_mut()
            .ok_or_else(|| err("no configuration before the first step".into()))?;
        let at_ms = line.at_ms.unwrap_or_default();
        let now = Instant::from_millis(at_ms);
        if now < engine.now() {
            return Err(err(format!("at_ms {at_ms} is before the previous step")));
        }
        let mut out = Vec::new();
        match line.cmd {
            None => engine.handle_timeout(now),
            Some(cmd) => {
                let tenant = match line.tenant {
                    Some(t) => t,
                    None => only_tenant(engine)
                        .ok_or_else(|| err("`tenant` is needed: the engine has several".into()))?,
                };
                let name = cmd.name();
                let result = match engine.handle(now, &tenant, cmd) {
                    Ok(()) => serde_json::json!({"at_ms": at_ms, "cmd": name, "ok": true}),
                    Err(e) => {
                        serde_json::json!({"at_ms": at_ms, "cmd": name, "error": e.to_string()})
                    }
                };
                out.push(result.to_string());
            }
        }
        out.extend(engine.drain_effects().map(|e| to_json(&e)));
        out.extend(engine.drain_events().map(|e| to_json(&e)));
        Ok(out)
    }
}

fn only_tenant(engine: &Engine) -> Option<TenantId> {
    let mut tenants = engine.tenants();
    match (tenants.next(), tenants.next()) {
        (Some(t), None) => Some(t.clone()),
        _ => None,
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Effects and events are plain data: serializing them cannot fail.
    serde_json::to_string(value)
        .unwrap_or_else(|e| format!("{{\"serialize_error\":{:?}}}", e.to_string()))
}

/// Replays a whole trace; returns every output line.
pub fn replay(input: &str) -> Result<Vec<String>, TraceError> {
    let mut replayer = Replayer::new();
    let mut out = Vec::new();
    for line in input.lines() {
        out.extend(replayer.feed(line)?);
    }
    Ok(out)
}

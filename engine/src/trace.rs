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
//! {"at_ms": 33000, "query": {"type": "agent_status", "agent": "a1"}}   print a view
//! {"at_ms": 40000, "restart": true}                    restart the engine (R-7.1)
//! ```
//!
//! A `query` line reads state without changing it ([`Query`]: an agent's
//! status, a call's status, a group's counters, an agent's dispatch view,
//! a queue length, the reason codes an agent is shown). A `restart` line stops the
//! engine and starts a new one from the trace's configuration (or from
//! `"restart": {"config": {...}}`): the phone agents' presence is captured
//! from the old engine ([`crate::Engine::presence`]), the new engine starts
//! at the line's time and restores it by each agent's configured policy
//! ([`crate::Engine::restore_presence`], R-7.1). Calls do not survive a
//! restart without the journal.
//!
//! Output, one JSON object a line, in order: for each input step a result
//! line (`{"at_ms":..,"cmd":"logon","ok":true}`, or `"error":"…"`; a line
//! that only lets time pass has `"cmd":"time"`; a query line has `"query"`
//! and its `"result"`; a restart line has `"restart":true` and who was
//! restored), then every effect (`{"at_ms":..,"effect":"offer",…}`) and
//! every event (`{"at_ms":..,"at":..,"event":…}`) the step produced. Every
//! effect and event line starts with the `at_ms` it happened at: effects of
//! a timer carry the timer's deadline, which may be earlier than the step's
//! time. Because the engine is deterministic, replaying a trace gives the
//! same output every time, which makes traces golden tests and lets users
//! replay production logs.

use crate::command::Command;
use crate::config::{EngineConfig, Media};
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::{AgentId, CallId, GroupId, TenantId};
use crate::reason_codes::ReasonKind;
use crate::restore::{Presence, RestoreSkip};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
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
    /// Tenant of the command or query; optional when the engine has one tenant.
    #[serde(default)]
    pub tenant: Option<TenantId>,
    /// The command; absent = only let time pass.
    #[serde(default)]
    pub cmd: Option<Command>,
    /// A read-only question about the engine's state, printed as a result line.
    #[serde(default)]
    pub query: Option<Query>,
    /// Restart the engine at this time (R-7.1).
    #[serde(default)]
    pub restart: Option<Restart>,
}

/// A read-only question a trace line may ask (`"query": {"type": ...}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Query {
    /// The state of an agent's channel (R-2.1).
    AgentStatus {
        /// The agent.
        agent: AgentId,
        /// The channel; voice when absent.
        #[serde(default)]
        media: Option<Media>,
    },
    /// Where a live call is, with its numbers and attached data (R-1.4).
    CallStatus {
        /// The call.
        call: CallId,
    },
    /// A group's counters (R-8.2).
    GroupStats {
        /// The group.
        group: GroupId,
    },
    /// The dispatch queues as an agent sees them (R-5.1).
    DispatchView {
        /// The agent.
        agent: AgentId,
    },
    /// An agent's counters: answered, busy time, occupancy (R-6.2, R-8.2).
    AgentStats {
        /// The agent.
        agent: AgentId,
    },
    /// Number of calls waiting in a group's queue.
    QueueLen {
        /// The group.
        group: GroupId,
    },
    /// The reason codes of one catalogue an agent is shown (R-1.5).
    ReasonCodes {
        /// The agent.
        agent: AgentId,
        /// `not_ready`, `wrap_up` or `sign_out`.
        catalogue: ReasonKind,
    },
}

impl Query {
    /// The query's name, as in its serde tag.
    pub fn name(&self) -> &'static str {
        match self {
            Query::AgentStatus { .. } => "agent_status",
            Query::CallStatus { .. } => "call_status",
            Query::GroupStats { .. } => "group_stats",
            Query::DispatchView { .. } => "dispatch_view",
            Query::QueueLen { .. } => "queue_len",
            Query::AgentStats { .. } => "agent_stats",
            Query::ReasonCodes { .. } => "reason_codes",
        }
    }

    /// Asks `engine` on behalf of `tenant`; the answer as JSON text.
    pub fn ask(&self, engine: &Engine, tenant: &TenantId) -> Result<String, Error> {
        Ok(match self {
            Query::AgentStatus { agent, media } => {
                to_json(&engine.agent_status(tenant, agent, media.unwrap_or(Media::Voice))?)
            }
            Query::CallStatus { call } => to_json(&engine.call_details(tenant, call)?),
            Query::GroupStats { group } => to_json(&engine.group_stats(tenant, group)?),
            Query::DispatchView { agent } => to_json(&engine.dispatch_view(tenant, agent)?),
            Query::QueueLen { group } => to_json(&engine.queue_len(tenant, group)?),
            Query::AgentStats { agent } => to_json(&engine.agent_stats(tenant, agent)?),
            Query::ReasonCodes { agent, catalogue } => {
                to_json(&engine.reason_codes(tenant, agent, *catalogue)?)
            }
        })
    }
}

/// A `restart` line: `true`, or `{"config": {...}}` to restart with a new
/// configuration.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Restart {
    /// `"restart": true` (the trace's configuration).
    Flag(bool),
    /// `"restart": {"config": ...}`.
    With {
        /// The new engine's configuration; the trace's when absent.
        #[serde(default)]
        config: Option<EngineConfig>,
    },
}

/// Parses one input line; `None` for blank and comment lines.
pub fn parse_line(text: &str) -> Result<Option<TraceLine>, String> {
    let text = text.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let line: TraceLine = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let actions = usize::from(line.cmd.is_some())
        + usize::from(line.query.is_some())
        + usize::from(line.restart.is_some());
    let valid = match (&line.config, line.at_ms) {
        (Some(_), None) => actions == 0 && line.tenant.is_none(),
        (None, Some(_)) => actions <= 1 && line.restart != Some(Restart::Flag(false)),
        _ => false,
    };
    if valid {
        Ok(Some(line))
    } else {
        Err(
            "a line holds either `config` alone, or `at_ms` with an optional `tenant` and at \
             most one of `cmd`, `query` and `restart` (`restart` is `true` or `{\"config\": ...}`)"
                .into(),
        )
    }
}

/// What a step line asks for. Short-lived (one per line read), so the
/// size of a command variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Step {
    Cmd(Command),
    Query(Query),
    Restart(Restart),
}

/// Replays trace lines through an engine, producing output lines.
#[derive(Debug, Default)]
pub struct Replayer {
    engine: Option<Engine>,
    /// The configuration a `restart` line starts the new engine from.
    config: Option<EngineConfig>,
    line: usize,
}

impl Replayer {
    /// A replayer whose configuration comes from the trace's first line.
    pub fn new() -> Self {
        Self::default()
    }

    /// A replayer with the configuration given up front.
    pub fn with_config(config: EngineConfig) -> Result<Self, String> {
        let engine = Engine::new(config.clone()).map_err(|e| e.to_string())?;
        Ok(Self {
            engine: Some(engine),
            config: Some(config),
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
        let line = self.line;
        let err = |message: String| TraceError { line, message };
        let Some(input) = parse_line(text).map_err(err)? else {
            return Ok(Vec::new());
        };
        if let Some(config) = input.config {
            if self.engine.is_some() {
                return Err(err("the engine is already configured".into()));
            }
            self.engine = Some(Engine::new(config.clone()).map_err(|e| err(e.to_string()))?);
            self.config = Some(config);
            return Ok(Vec::new());
        }
        let engine = self
            .engine
            .as_mut()
            .ok_or_else(|| err("no configuration before the first step".into()))?;
        let at_ms = input.at_ms.unwrap_or_default();
        let now = Instant::from_millis(at_ms);
        if now < engine.now() {
            return Err(err(format!("at_ms {at_ms} is before the previous step")));
        }
        let mut out = Vec::new();
        let step = match (input.cmd, input.query, input.restart) {
            (Some(cmd), _, _) => Step::Cmd(cmd),
            (None, Some(query), _) => Step::Query(query),
            (None, None, Some(restart)) => Step::Restart(restart),
            (None, None, None) => {
                // Only time passes: the result line, then what the timers did.
                out.push(result_line(
                    at_ms,
                    [("cmd", to_json(&"time")), ("ok", to_json(&true))],
                ));
                fire_due_timers(engine, now, &mut out);
                engine.handle_timeout(now);
                return Ok(out);
            }
        };
        // Timers due by `now` fire first, each at its own deadline.
        fire_due_timers(engine, now, &mut out);
        let tenant = input.tenant.or_else(|| only_tenant(engine));
        let need_tenant = || err("`tenant` is needed: the engine has several".into());
        let result = match step {
            Step::Cmd(cmd) => {
                let tenant = tenant.ok_or_else(need_tenant)?;
                let name = cmd.name();
                match engine.handle(now, &tenant, cmd) {
                    Ok(()) => result_line(at_ms, [("cmd", to_json(&name)), ("ok", to_json(&true))]),
                    Err(e) => result_line(
                        at_ms,
                        [("cmd", to_json(&name)), ("error", to_json(&e.to_string()))],
                    ),
                }
            }
            Step::Query(query) => {
                let tenant = tenant.ok_or_else(need_tenant)?;
                let name = query.name();
                match query.ask(engine, &tenant) {
                    Ok(v) => result_line(
                        at_ms,
                        [
                            ("query", to_json(&name)),
                            ("ok", to_json(&true)),
                            ("result", v),
                        ],
                    ),
                    Err(e) => result_line(
                        at_ms,
                        [
                            ("query", to_json(&name)),
                            ("error", to_json(&e.to_string())),
                        ],
                    ),
                }
            }
            Step::Restart(restart) => {
                self.restart(now, restart, &mut out).map_err(err)?;
                return Ok(out);
            }
        };
        out.push(result);
        drain_outputs(engine, at_ms, &mut out);
        Ok(out)
    }

    /// Replaces the engine with a new one that restores the old one's
    /// phone-agent presence (R-7.1).
    fn restart(
        &mut self,
        now: Instant,
        restart: Restart,
        out: &mut Vec<String>,
    ) -> Result<(), String> {
        let config = match restart {
            Restart::With { config: Some(c) } => c,
            _ => self
                .config
                .clone()
                .ok_or("no configuration to restart with")?,
        };
        let mut fresh = Engine::new(config.clone()).map_err(|e| e.to_string())?;
        let old = self.engine.as_ref().ok_or("no engine to restart")?;
        // What a restarting engine would have kept: the presence record.
        let presence: Presence = serde_json::to_string(&old.presence())
            .and_then(|s| serde_json::from_str(&s))
            .map_err(|e| e.to_string())?;
        fresh.handle_timeout(now);
        let report = fresh.restore_presence(now, &presence);
        let skipped: Vec<Value> = report
            .skipped
            .iter()
            .map(|(agent, why)| {
                let why = match why {
                    RestoreSkip::Policy => "policy".to_string(),
                    RestoreSkip::NotPhoneAgent => "not a phone agent".to_string(),
                    RestoreSkip::Refused(e) => e.to_string(),
                };
                json!({"agent": agent, "why": why})
            })
            .collect();
        let status_refused: Vec<Value> = report
            .status_refused
            .iter()
            .map(|(agent, e)| json!({"agent": agent, "error": e.to_string()}))
            .collect();
        let at_ms = now.as_millis();
        out.push(result_line(
            at_ms,
            [
                ("restart", to_json(&true)),
                ("ok", to_json(&true)),
                ("restored", to_json(&report.restored)),
                ("status_refused", to_json(&status_refused)),
                ("skipped", to_json(&skipped)),
            ],
        ));
        drain_outputs(&mut fresh, at_ms, out);
        self.engine = Some(fresh);
        self.config = Some(config);
        Ok(())
    }
}

/// Fires the timers due by `now` one deadline at a time, so that the
/// effects and events of each carry the time it fired at.
fn fire_due_timers(engine: &mut Engine, now: Instant, out: &mut Vec<String>) {
    while let Some(due) = engine.poll_timeout().filter(|&d| d <= now) {
        let due = due.max(engine.now());
        engine.handle_timeout(due);
        drain_outputs(engine, due.as_millis(), out);
        if engine.poll_timeout() == Some(due) && due == engine.now() {
            // Defensive: a deadline that does not go away after firing
            // would loop forever; the step's own handling takes it.
            break;
        }
    }
}

/// Appends every pending effect and event, each stamped with `at_ms`.
fn drain_outputs(engine: &mut Engine, at_ms: u64, out: &mut Vec<String>) {
    out.extend(engine.drain_effects().map(|e| stamped(at_ms, &e)));
    out.extend(engine.drain_events().map(|e| stamped(at_ms, &e)));
}

fn only_tenant(engine: &Engine) -> Option<TenantId> {
    let mut tenants = engine.tenants();
    match (tenants.next(), tenants.next()) {
        (Some(t), None) => Some(t.clone()),
        _ => None,
    }
}

/// `value` as JSON text, fields in declaration order.
fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Outputs and views are plain data: serializing them cannot fail.
    serde_json::to_string(value)
        .unwrap_or_else(|e| format!("{{\"serialize_error\":{:?}}}", e.to_string()))
}

/// A step's result line: `at_ms`, then `fields` in the order given.
fn result_line<const N: usize>(at_ms: u64, fields: [(&str, String); N]) -> String {
    let mut line = format!("{{\"at_ms\":{at_ms}");
    for (key, value) in fields {
        line.push_str(&format!(",{}:{value}", to_json(key)));
    }
    line.push('}');
    line
}

/// `value` as one JSON object line whose first field is `at_ms`.
fn stamped<T: Serialize>(at_ms: u64, value: &T) -> String {
    let body = to_json(value);
    match body.strip_prefix('{') {
        Some("}") => format!("{{\"at_ms\":{at_ms}}}"),
        Some(rest) => format!("{{\"at_ms\":{at_ms},{rest}"),
        None => body,
    }
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

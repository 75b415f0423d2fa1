//! A seeded, reactive command stream for journal tests, the kill-9 child
//! process and the journal benchmark: agents log on, go ready and not ready,
//! calls arrive, offers are answered or rejected, calls hang up, time passes.
//! Agents are removed and added at runtime, calls held, retrieved and
//! transferred. It reacts to the engine's offers, so the stream drives real
//! routing.
//! Some commands are deliberately stale or unknown: refusals are journaled too.

#![allow(dead_code)] // each including target uses a different part

use acd_engine::journal::{DurableEngine, DurableError, Record};
use acd_engine::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Tenant of the workload.
pub const TENANT: &str = "t1";
const AGENTS: usize = 8;
const GROUPS: [&str; 2] = ["sales", "support"];
/// Calls the workload keeps alive at most, so long runs reach a steady state.
const MAX_CALLS: usize = 40;

/// The configuration the workload runs against.
pub fn config(seed: u64) -> EngineConfig {
    let mut tenant = TenantConfig::new(TENANT);
    for (i, g) in GROUPS.iter().enumerate() {
        let mut group = GroupConfig::new(*g, &[g]);
        group.clerical_s = 2 + i as u32;
        group.ring_time_s = 5;
        tenant.groups.push(group);
    }
    for a in 0..AGENTS {
        let skills: Vec<(&str, u8)> = GROUPS
            .iter()
            .enumerate()
            .filter(|(g, _)| (a + g) % 3 != 0)
            .map(|(g, s)| (*s, 1 + ((a + g) % 10) as u8))
            .collect();
        tenant
            .agents
            .push(AgentConfig::new(format!("a{a}"), &skills));
    }
    EngineConfig {
        seed,
        tenants: vec![tenant],
        ..EngineConfig::default()
    }
}

/// Generator state.
pub struct Workload {
    rng: StdRng,
    now: Instant,
    /// Offers seen and not yet answered: (call, agent, epoch).
    offers: Vec<(CallId, AgentId, u64)>,
    /// Calls believed live.
    calls: Vec<CallId>,
    next_call: u64,
}

impl Workload {
    /// A generator continuing from `engine`'s state (time, offers, calls).
    pub fn resume(seed: u64, engine: &Engine, next_seq: u64) -> Self {
        let mut w = Workload {
            rng: StdRng::seed_from_u64(seed ^ next_seq.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            now: engine.now(),
            offers: Vec::new(),
            calls: Vec::new(),
            next_call: next_seq,
        };
        if let Ok(snap) = engine.snapshot(&TenantId::new(TENANT)) {
            for (agent, status) in snap.agents {
                match status {
                    AgentStatus::Reserved { call, epoch }
                    | AgentStatus::Alerting { call, epoch } => w.offers.push((call, agent, epoch)),
                    AgentStatus::Talking { call, .. } | AgentStatus::Hold { call, .. } => {
                        w.calls.push(call)
                    }
                    _ => {}
                }
            }
        }
        w
    }

    /// Learns the offers among `effects`.
    pub fn observe(&mut self, effects: impl Iterator<Item = Effect>) {
        for effect in effects {
            if let Effect::Offer {
                call, agent, epoch, ..
            } = effect
            {
                self.offers.push((call, agent, epoch));
            }
        }
    }

    fn agent(&mut self) -> AgentId {
        AgentId::new(format!("a{}", self.rng.gen_range(0..AGENTS)))
    }

    fn command(&mut self, command: Command) -> Record {
        Record::Command {
            now: self.now,
            tenant: TenantId::new(TENANT),
            command,
        }
    }

    /// The next input.
    pub fn next_record(&mut self) -> Record {
        self.now = self.now.plus_millis(self.rng.gen_range(0..1500));
        let mut roll = self.rng.gen_range(0..100);
        if (32..=51).contains(&roll) && self.calls.len() >= MAX_CALLS {
            roll = 72; // steady state: hang one up instead of adding one
        }
        self.offers.truncate(MAX_CALLS);
        match roll {
            0..=9 => {
                let agent = self.agent();
                let extension = format!("2{}", &agent.as_str()[1..]);
                self.command(Command::Logon {
                    agent,
                    extension: extension.into(),
                    media: vec![],
                })
            }
            10..=24 => {
                let agent = self.agent();
                self.command(Command::Ready {
                    agent,
                    media: Media::Voice,
                })
            }
            25..=29 => {
                let agent = self.agent();
                self.command(Command::NotReady {
                    agent,
                    reason: ReasonCode::new("BREAK"),
                    media: Media::Voice,
                })
            }
            30..=31 => {
                let agent = self.agent();
                self.command(Command::Logoff {
                    agent,
                    reason: None,
                })
            }
            32..=51 => {
                let id = CallId::new(format!("c{}", self.next_call));
                self.next_call += 1;
                let group = GROUPS[self.rng.gen_range(0..GROUPS.len())];
                self.calls.push(id.clone());
                self.command(Command::call_arrived(CallSpec::new(id, group)))
            }
            52..=71 if !self.offers.is_empty() => {
                let i = self.rng.gen_range(0..self.offers.len());
                let (call, agent, epoch) = self.offers.swap_remove(i);
                let command = if self.rng.gen_bool(0.9) {
                    Command::Answered { call, agent, epoch }
                } else {
                    Command::Rejected { call, agent, epoch }
                };
                self.command(command)
            }
            72..=86 if !self.calls.is_empty() => {
                let i = self.rng.gen_range(0..self.calls.len());
                let call = self.calls.swap_remove(i);
                self.command(Command::Hangup { call })
            }
            87..=88 => {
                let agent = self.any_agent();
                self.command(Command::RemoveAgent { agent })
            }
            89..=90 => {
                let id = self.any_agent();
                let level = self.rng.gen_range(1..=10);
                let skill = GROUPS[self.rng.gen_range(0..GROUPS.len())];
                let agent = AgentConfig::new(id, &[(skill, level)]);
                self.command(Command::AddAgent {
                    agent: Box::new(agent),
                })
            }
            91..=92 if !self.calls.is_empty() => {
                let call = self.calls[self.rng.gen_range(0..self.calls.len())].clone();
                let command = if self.rng.gen_bool(0.5) {
                    Command::Hold { call }
                } else {
                    Command::Retrieve { call }
                };
                self.command(command)
            }
            93 if !self.calls.is_empty() => {
                let call = self.calls[self.rng.gen_range(0..self.calls.len())].clone();
                let to_agent = self.agent();
                self.command(Command::Transfer { call, to_agent })
            }
            _ => Record::Tick { now: self.now },
        }
    }

    /// A configured agent, or one of two extra ids added and removed at runtime.
    fn any_agent(&mut self) -> AgentId {
        AgentId::new(format!("a{}", self.rng.gen_range(0..AGENTS + 2)))
    }
}

/// Applies a record through a durable engine, as the embedder would.
pub fn apply_durable(d: &mut DurableEngine, record: Record) -> Result<(), DurableError> {
    match record {
        Record::Command {
            now,
            tenant,
            command,
        } => match d.handle(now, &tenant, command) {
            Err(DurableError::Engine(_)) => Ok(()), // refused, but journaled
            other => other,
        },
        Record::Tick { now } => Ok(d.handle_timeout(now)?),
        Record::EventsEnabled { on } => Ok(d.set_events_enabled(on)?),
        Record::Restore { now, presence } => {
            d.restore_presence(now, &presence)?;
            Ok(())
        }
    }
}

/// Applies a record to a plain engine: the clean replay the recovered state
/// is compared with.
pub fn apply_plain(e: &mut Engine, record: Record) {
    match record {
        Record::Command {
            now,
            tenant,
            command,
        } => {
            let _ = e.handle(now, &tenant, command);
        }
        Record::Tick { now } => e.handle_timeout(now),
        Record::EventsEnabled { on } => e.set_events_enabled(on),
        Record::Restore { now, presence } => {
            e.restore_presence(now, &presence);
        }
    }
}

/// The engine's full state for comparison, without the undelivered effects
/// and events (output queues are not state a restart must reproduce).
pub fn state(engine: &Engine) -> serde_json::Value {
    let mut e = engine.clone();
    e.drain_effects().for_each(drop);
    e.drain_events().for_each(drop);
    serde_json::to_value(&e).expect("engine state serializes")
}

/// The paths (JSON pointer style) where two states differ, at most `limit`.
pub fn state_diff(a: &serde_json::Value, b: &serde_json::Value, limit: usize) -> Vec<String> {
    fn walk(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        use serde_json::Value::{Array, Object};
        match (a, b) {
            (Object(x), Object(y)) => {
                for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                    let p = format!("{path}/{k}");
                    match (x.get(k), y.get(k)) {
                        (Some(u), Some(v)) => walk(u, v, &p, out),
                        (u, v) => out.push(format!("{p}: {u:?} vs {v:?}")),
                    }
                }
            }
            (Array(x), Array(y)) if x.len() == y.len() => {
                for (i, (u, v)) in x.iter().zip(y).enumerate() {
                    walk(u, v, &format!("{path}/{i}"), out);
                }
            }
            _ if a != b => out.push(format!("{path}: {a} vs {b}")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(a, b, "", &mut out);
    out.truncate(limit);
    out
}

/// Asserts two engines are in the same state, naming the differing fields.
pub fn assert_same_state(recovered: &Engine, clean: &Engine, what: &str) {
    let (a, b) = (state(recovered), state(clean));
    if a != b {
        panic!("{what}: states differ at {:#?}", state_diff(&a, &b, 10));
    }
}

/// `engine` after a snapshot round trip (serialize, deserialize), as a
/// restart from a snapshot sees it.
pub fn roundtrip(engine: &Engine) -> Engine {
    let json = serde_json::to_string(engine).expect("serialize");
    serde_json::from_str(&json).expect("deserialize")
}

/// The reference for a recovered engine: `records` replayed from the
/// workload configuration, with a snapshot round trip after each prefix
/// length in `loads` (the snapshots recoveries started from, ascending).
///
/// The round trips exercise loading on the reference side too; they change
/// nothing, as the `journal_roundtrip` tests show.
pub fn replay_with_loads(seed: u64, records: &[Record], loads: &[u64]) -> Engine {
    let mut e = Engine::new(config(seed)).expect("config");
    let mut done = 0usize;
    for &at in loads {
        let at = at as usize;
        for r in &records[done..at] {
            apply_plain(&mut e, r.clone());
        }
        done = at;
        e = roundtrip(&e);
    }
    for r in &records[done..] {
        apply_plain(&mut e, r.clone());
    }
    e
}

/// What the engine shows through its public API: time, every tenant's snapshot (agents' voice states with
/// call ids and epochs, queue lengths, group statistics), live calls and
/// the next timer deadline.
pub fn observable(engine: &Engine) -> serde_json::Value {
    let mut e = engine.clone();
    let tenants: Vec<TenantId> = e.tenants().cloned().collect();
    let snapshots: Vec<_> = tenants.iter().map(|t| e.snapshot(t).ok()).collect();
    serde_json::json!({
        "now": e.now(),
        "snapshots": snapshots,
        "live_calls": e.live_calls(),
        "next_timeout": e.poll_timeout(),
    })
}

/// Asserts two engines look the same through the public API.
pub fn assert_same_observable(a: &Engine, b: &Engine, what: &str) {
    let (x, y) = (observable(a), observable(b));
    if x != y {
        panic!(
            "{what}: observable states differ at {:#?}",
            state_diff(&x, &y, 10)
        );
    }
}

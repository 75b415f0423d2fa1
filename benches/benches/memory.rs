//! (5) Heap per agent and per queued call, measured with a counting global
//! allocator (requested bytes; allocator overhead not included).
//!
//! - per agent: a floor of N agents (10 skills each, 500 groups, 100 skills)
//!   minus the same floor with no agents: configured (what the engine keeps
//!   of its configuration), logged on (Not Ready), then logged on and Ready,
//!   and that Ready floor restored from its snapshot;
//! - per queued call: 1,000 agents Not Ready, then 10,000 / 100,000 calls
//!   queued over the 500 groups.
//!
//! Prints a markdown table. Run: `cargo bench -p acd-benches --bench memory`.

use acd_benches::floor::{self, Floor, SKILLS_PER_AGENT};
use acd_benches::heap::{live_bytes, CountingAlloc};
use acd_engine::{Engine, Strategy};

#[global_allocator]
static HEAP: CountingAlloc = CountingAlloc;

fn main() {
    println!("| what | count | total heap | per item |");
    println!("|---|---:|---:|---:|");
    for agents in [1_000, 10_000, 100_000] {
        per_agent_configured(agents, SKILLS_PER_AGENT);
        per_agent_floor(agents, SKILLS_PER_AGENT, false);
        per_agent_floor(agents, SKILLS_PER_AGENT, true);
    }
    // Memory per agent is mostly per group served: 1 skill = 5 groups.
    for agents in [10_000, 100_000] {
        per_agent_configured(agents, 1);
        per_agent_floor(agents, 1, false);
        per_agent_floor(agents, 1, true);
    }
    // A Ready floor saved and loaded again holds what it held.
    per_agent_restored(10_000, SKILLS_PER_AGENT);
    for calls in [10_000, 100_000] {
        per_queued_call(calls);
    }
}

fn row(what: &str, count: usize, bytes: usize) {
    println!(
        "| {what} | {count} | {:.1} MiB | {} B |",
        bytes as f64 / (1024.0 * 1024.0),
        bytes / count.max(1)
    );
}

/// Heap an engine holds once built: counted from before its configuration
/// is, so that what the engine keeps of the configuration (moved into it,
/// not allocated by it) is counted and what it drops is not.
fn engine_bytes(agents: usize, skills: usize) -> (usize, Engine) {
    let before = live_bytes();
    let config = floor::config_with(agents, Strategy::LongestIdle, 0, skills);
    let engine = Engine::new(config).expect("valid config");
    (live_bytes() - before, engine)
}

fn per_agent_configured(agents: usize, skills: usize) {
    let (empty, e0) = engine_bytes(0, skills);
    let (full, e1) = engine_bytes(agents, skills);
    let what = format!("agent ({} groups), configured, logged out", 5 * skills);
    row(&what, agents, full - empty);
    drop((e0, e1));
}

/// Agents logged on, Not Ready (`ready` false) or Ready.
fn per_agent_floor(agents: usize, skills: usize, ready: bool) {
    let (empty, e0) = engine_bytes(0, skills);
    drop(e0);
    let before = live_bytes();
    let floor = if ready {
        Floor::staffed_with(agents, Strategy::LongestIdle, skills)
    } else {
        Floor::logged_on_with(agents, Strategy::LongestIdle, skills)
    };
    // The floor's own bookkeeping (ids it hands out) is not the engine's.
    let own = floor_overhead(agents);
    let bytes = live_bytes() - before - own;
    let state = if ready {
        "logged on + Ready"
    } else {
        "logged on, Not Ready"
    };
    let what = format!("agent ({} groups), {state}", 5 * skills);
    row(&what, agents, bytes - empty);
    drop(floor);
}

/// A Ready floor's engine restored from its snapshot.
fn per_agent_restored(agents: usize, skills: usize) {
    let (empty, e0) = engine_bytes(0, skills);
    drop(e0);
    let floor = Floor::staffed_with(agents, Strategy::LongestIdle, skills);
    let json = floor.engine.to_snapshot_json().expect("snapshot");
    drop(floor);
    let before = live_bytes();
    let engine = Engine::from_snapshot_json(&json).expect("snapshot loads");
    let bytes = live_bytes() - before;
    let what = format!(
        "agent ({} groups), Ready, restored from snapshot",
        5 * skills
    );
    row(&what, agents, bytes - empty);
    drop((engine, json));
}

/// Heap the `Floor` wrapper holds besides the engine: its id tables.
fn floor_overhead(agents: usize) -> usize {
    let before = live_bytes();
    let ids: Vec<_> = (0..agents).map(floor::agent_id).collect();
    let groups: Vec<_> = (0..floor::GROUPS).map(floor::group_id).collect();
    let calls: Vec<_> = (0..4096)
        .map(|n| acd_engine::CallId::new(format!("call-{n:05}")))
        .collect();
    let bytes = live_bytes() - before;
    drop((ids, groups, calls));
    bytes
}

fn per_queued_call(calls: usize) {
    let mut floor = Floor::logged_on(1_000, Strategy::LongestIdle);
    // Warm the output queues so their growth is not charged to the calls.
    floor.queue_calls(10);
    let before = live_bytes();
    floor.queue_calls(calls);
    let bytes = live_bytes() - before;
    row("queued call", calls, bytes);
    drop(floor);
}

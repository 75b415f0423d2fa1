//! Loading an engine snapshot from untrusted bytes.
//!
//! `Engine` implements `Deserialize` for restart. A snapshot that
//! parses but is internally inconsistent must be refused at load time (or
//! at least never make a later call panic): embedders, and the C ABI, load
//! snapshots from disk.

use acd_engine::*;

fn reserved_engine() -> Engine {
    let mut tenant = TenantConfig::new("t");
    tenant.groups.push(GroupConfig::new("g", &[]));
    tenant.agents.push(AgentConfig::new("a", &[]));
    let mut engine = Engine::new(EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    })
    .expect("valid config");
    let t = TenantId::new("t");
    let at = Instant::from_secs;
    let logon = Command::Logon {
        agent: "a".into(),
        extension: "1".into(),
        media: vec![],
    };
    engine.handle(at(0), &t, logon).expect("logon");
    let ready = Command::Ready {
        agent: "a".into(),
        media: Media::Voice,
    };
    engine.handle(at(0), &t, ready).expect("ready");
    let arrive = Command::CallArrived(CallSpec::new("c", "g"));
    engine.handle(at(1), &t, arrive).expect("arrives");
    assert!(matches!(
        engine.agent_status(&"a".into(), Media::Voice),
        Ok(AgentStatus::Reserved { .. })
    ));
    engine
}

/// A consistent snapshot loads and behaves like the original.
#[test]
fn consistent_snapshot_round_trips() {
    let engine = reserved_engine();
    let json = serde_json::to_string(&engine).expect("serializes");
    let loaded: Engine = serde_json::from_str(&json).expect("loads");
    loaded.check_invariants().expect("consistent");
    assert_eq!(
        loaded.agent_status(&"a".into(), Media::Voice),
        engine.agent_status(&"a".into(), Media::Voice)
    );
}

/// Regression: a snapshot whose agent is Reserved for a call slot missing
/// from `calls` used to load without error, and the next `agent_status`
/// panicked (slab index out of range). Found while building the fuzz
/// targets (issue 8); fixed on main by "Refuse corrupt snapshots instead of
/// panicking". Loading must now fail cleanly.
#[test]
fn inconsistent_snapshot_is_refused() {
    let engine = reserved_engine();
    let mut value = serde_json::to_value(&engine).expect("serializes");
    value["calls"] = serde_json::json!({});
    let loaded = serde_json::from_value::<Engine>(value);
    assert!(loaded.is_err(), "an inconsistent snapshot must not load");
}

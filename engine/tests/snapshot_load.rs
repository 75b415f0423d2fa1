//! Loading an engine snapshot from untrusted bytes.
//!
//! `Engine` implements `Deserialize` for restart. A snapshot that
//! parses but is internally inconsistent must be refused at load time (or
//! at least never make a later call panic): embedders, and the C ABI, load
//! snapshots from disk.

use acd_engine::*;

fn fresh_engine() -> Engine {
    let mut tenant = TenantConfig::new("t");
    tenant.groups.push(GroupConfig::new("g", &[]));
    tenant.agents.push(AgentConfig::new("a", &[]));
    Engine::new(EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    })
    .expect("valid config")
}

fn reserved_engine() -> Engine {
    let mut engine = fresh_engine();
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
    let arrive = Command::call_arrived(CallSpec::new("c", "g"));
    engine.handle(at(1), &t, arrive).expect("arrives");
    assert!(matches!(
        engine.agent_status(&"t".into(), &"a".into(), Media::Voice),
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
        loaded.agent_status(&"t".into(), &"a".into(), Media::Voice),
        engine.agent_status(&"t".into(), &"a".into(), Media::Voice)
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
    // The call table of an engine without calls: well-formed, but the
    // agent still names the call.
    let empty = serde_json::to_value(fresh_engine()).expect("serializes");
    value["engine"]["calls"] = empty["engine"]["calls"].clone();
    assert_ne!(
        value["engine"]["calls"],
        serde_json::Value::Null,
        "snapshot has a call table"
    );
    let loaded = serde_json::from_value::<Engine>(value);
    let err = loaded.expect_err("an inconsistent snapshot must not load");
    assert!(
        err.to_string().contains("call"),
        "says what is wrong: {err}"
    );
}

/// Regression: a deferred logoff without a sign-out reason was lost
/// across a snapshot: `pending_logoff: Option<Option<ReasonCode>>`
/// wrote `Some(None)` as JSON `null`, read back as `None`, so after the
/// restart the call's end made the agent Ready instead of logging it off.
/// Found by the reference-model proptest with save/reload steps (issue 8);
/// fixed on main by eccdf38 (found independently by the journal work).
///
/// Sequence: logon a; ready a; call c arrives and is offered to a; a
/// answers; logoff a (no reason: deferred, a is talking); save + load;
/// hangup c. Expected: a is LoggedOut.
#[test]
fn deferred_logoff_survives_a_snapshot() {
    let mut engine = reserved_engine();
    let t = TenantId::new("t");
    let at = Instant::from_secs;
    let Ok(AgentStatus::Reserved { epoch, .. }) =
        engine.agent_status(&"t".into(), &"a".into(), Media::Voice)
    else {
        panic!("a is reserved for c");
    };
    let answer = Command::Answered {
        call: "c".into(),
        agent: "a".into(),
        epoch,
    };
    engine.handle(at(2), &t, answer).expect("answer");
    let logoff = Command::Logoff {
        agent: "a".into(),
        reason: None,
    };
    engine
        .handle(at(3), &t, logoff)
        .expect("logoff deferred (R-2.3)");
    let saved = serde_json::to_string(&engine).expect("serializes");
    let mut engine: Engine = serde_json::from_str(&saved).expect("loads");
    engine
        .handle(at(4), &t, Command::Hangup { call: "c".into() })
        .expect("hangup");
    assert_eq!(
        engine.agent_status(&"t".into(), &"a".into(), Media::Voice),
        Ok(AgentStatus::LoggedOut),
        "the logoff requested before the restart takes effect when the call ends"
    );
}

/// The same sequence without the snapshot logs the agent off, so the test
/// above fails only because of the snapshot.
#[test]
fn deferred_logoff_without_a_snapshot() {
    let mut engine = reserved_engine();
    let t = TenantId::new("t");
    let at = Instant::from_secs;
    let Ok(AgentStatus::Reserved { epoch, .. }) =
        engine.agent_status(&"t".into(), &"a".into(), Media::Voice)
    else {
        panic!("a is reserved for c");
    };
    let answer = Command::Answered {
        call: "c".into(),
        agent: "a".into(),
        epoch,
    };
    engine.handle(at(2), &t, answer).expect("answer");
    let logoff = Command::Logoff {
        agent: "a".into(),
        reason: None,
    };
    engine
        .handle(at(3), &t, logoff)
        .expect("logoff deferred (R-2.3)");
    engine
        .handle(at(4), &t, Command::Hangup { call: "c".into() })
        .expect("hangup");
    assert_eq!(
        engine.agent_status(&"t".into(), &"a".into(), Media::Voice),
        Ok(AgentStatus::LoggedOut)
    );
}

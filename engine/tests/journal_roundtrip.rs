//! A snapshot is the engine's serde state. Loading one must be
//! invisible: after a round trip at any point, the engine answers every
//! later input with the same results, effects and events as the engine that
//! never stopped. (Internal slab indexes of calls created after the load
//! may differ: the slab crate does not serialize its free list.)

#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::Record;
use acd_engine::*;
use workload::Workload;

/// Everything an input produces.
fn step(e: &mut Engine, record: Record) -> String {
    let outcome = match record {
        Record::Command {
            now,
            tenant,
            command,
        } => format!("{:?}", e.handle(now, &tenant, command)),
        other => {
            workload::apply_plain(e, other);
            String::new()
        }
    };
    let effects: Vec<Effect> = e.drain_effects().collect();
    let events: Vec<Event> = e.drain_events().collect();
    format!("{outcome} {effects:?} {events:?}")
}

#[test]
fn a_snapshot_round_trip_at_any_point_changes_no_later_output() {
    for seed in 0..4u64 {
        let mut e = Engine::new(workload::config(seed)).unwrap();
        let mut load = Workload::resume(seed, &e, 0);
        let mut records = Vec::new();
        for _ in 0..300 {
            let r = load.next_record();
            records.push(r.clone());
            workload::apply_plain(&mut e, r);
            load.observe(e.drain_effects());
            e.drain_events().for_each(drop);
        }
        let mut live = Engine::new(workload::config(seed)).unwrap();
        for (k, r) in records.iter().enumerate() {
            if k % 20 == 10 {
                // Fork: a reloaded copy must follow the live engine exactly.
                let mut loaded = workload::roundtrip(&live);
                let mut twin = live.clone();
                for (i, later) in records[k..].iter().enumerate() {
                    let (a, b) = (
                        step(&mut twin, later.clone()),
                        step(&mut loaded, later.clone()),
                    );
                    assert_eq!(a, b, "seed {seed}: loaded at {k}, record {} differs", k + i);
                }
                workload::assert_same_observable(&loaded, &twin, "after the run");
                loaded.check_invariants().unwrap();
            }
            step(&mut live, r.clone());
        }
    }
}

#[test]
fn a_deferred_logoff_without_reason_survives_a_snapshot() {
    // R-2.3 + R-7.2: JSON writes Some(None) and None alike; the agent must
    // still be logged off when the call ends after a restart.
    let mut tenant = TenantConfig::new("t");
    tenant.groups.push(GroupConfig::new("g", &["s"]));
    tenant.agents.push(AgentConfig::new("a", &[("s", 1)]));
    let config = EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    };
    let mut e = Engine::new(config).unwrap();
    let t = TenantId::new("t");
    let at = Instant::from_secs;
    e.handle(
        at(0),
        &t,
        Command::Logon {
            agent: "a".into(),
            extension: "1".into(),
            media: vec![],
        },
    )
    .unwrap();
    e.handle(
        at(1),
        &t,
        Command::Ready {
            agent: "a".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    e.handle(at(2), &t, Command::CallArrived(CallSpec::new("c", "g")))
        .unwrap();
    let Some(Effect::Offer { epoch, .. }) = e.poll_effect() else {
        panic!("no offer")
    };
    e.handle(
        at(3),
        &t,
        Command::Answered {
            call: "c".into(),
            agent: "a".into(),
            epoch,
        },
    )
    .unwrap();
    e.handle(
        at(4),
        &t,
        Command::Logoff {
            agent: "a".into(),
            reason: None,
        },
    )
    .unwrap();
    let mut e = workload::roundtrip(&e);
    e.handle(at(5), &t, Command::Hangup { call: "c".into() })
        .unwrap();
    assert_eq!(
        e.agent_status(&"a".into(), Media::Voice).unwrap(),
        AgentStatus::LoggedOut
    );
}

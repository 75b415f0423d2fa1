//! A snapshot is the engine's serde state. Loading one must be
//! invisible: after a round trip at any point, the engine answers every
//! later input with the same results, effects and events as the engine that
//! never stopped. The engine's record store serializes its free list, so
//! even the internal indexes of records created after a load are the same.

#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::Record;
use acd_engine::*;
use workload::Workload;

/// Everything an input produces (the offers among it are fed back to the
/// workload by `learn_offers`).
fn step(e: &mut Engine, record: Record) -> Output {
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
    Output {
        outcome,
        effects: e.drain_effects().collect(),
        events: e.drain_events().collect(),
    }
}

#[derive(Debug, PartialEq)]
struct Output {
    outcome: String,
    effects: Vec<Effect>,
    events: Vec<Event>,
}

trait LearnOffers {
    fn learn_offers(&mut self, out: &Output);
}

impl LearnOffers for Workload {
    fn learn_offers(&mut self, out: &Output) {
        self.observe(out.effects.iter().cloned());
    }
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
    e.handle(at(2), &t, Command::call_arrived(CallSpec::new("c", "g")))
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
        e.agent_status(&t, &"a".into(), Media::Voice).unwrap(),
        AgentStatus::LoggedOut
    );
}

#[test]
fn pruning_stale_timers_in_poll_timeout_changes_no_output() {
    // poll_timeout drops moot timers from the heap; it is a query, so the
    // journal does not record it. An embedder polling after every input
    // and a replay that never polls must produce the same outputs.
    for seed in 0..4u64 {
        let mut polled = Engine::new(workload::config(seed)).unwrap();
        let mut replay = polled.clone();
        let mut load = Workload::resume(seed, &polled, 0);
        let mut pruned = false;
        for i in 0..400 {
            let r = load.next_record();
            let a = step(&mut polled, r.clone());
            let b = step(&mut replay, r);
            assert_eq!(a, b, "seed {seed}: record {i} differs");
            load.learn_offers(&a);
            let before = (!pruned).then(|| serde_json::to_value(&polled).unwrap());
            let deadline = polled.poll_timeout();
            pruned |= before.is_some_and(|v| v != serde_json::to_value(&polled).unwrap());
            assert_eq!(deadline, replay.clone().poll_timeout());
        }
        assert!(
            pruned,
            "seed {seed}: the run never pruned a timer; the test proves nothing"
        );
        workload::assert_same_observable(&polled, &replay, "after the run");
    }
}

#[test]
fn agents_added_after_a_snapshot_load_are_listed_as_without_it() {
    // Slab holes left by removed agents are refilled in LIFO order; a
    // loaded snapshot must refill them in the same order, or the tenant
    // snapshot (and any tie broken by record order) changes across a restart.
    let mut live = Engine::new(workload::config(1)).unwrap();
    let t = TenantId::new(workload::TENANT);
    let at = Instant::from_secs;
    live.handle(at(1), &t, Command::RemoveAgent { agent: "a5".into() })
        .unwrap();
    live.handle(at(2), &t, Command::RemoveAgent { agent: "a3".into() })
        .unwrap();
    let mut loaded = workload::roundtrip(&live);
    for e in [&mut live, &mut loaded] {
        let add = |id: &str| Command::AddAgent {
            agent: Box::new(AgentConfig::new(id, &[("sales", 1)])),
        };
        e.handle(at(3), &t, add("x1")).unwrap();
        e.handle(at(4), &t, add("x2")).unwrap();
    }
    let order = |e: &Engine| -> Vec<String> {
        e.snapshot(&t)
            .unwrap()
            .agents
            .into_iter()
            .map(|(a, _)| a.to_string())
            .collect()
    };
    assert_eq!(order(&loaded), order(&live));
}

//! A routing stage at 0 s widens eligibility from the moment the
//! call enters, and matching happens at once: the engine must not
//! need a further `handle_timeout` to offer the call.
//!
//! Found by the `config_parse` fuzz target (issue 8): with a stage at
//! `after_s: 0`, `CallArrived` sets the stage timer due at `now` itself and
//! returns with it pending, so the call waits in the queue (beside a Ready
//! agent the stage admits) until the embedder's next `handle_timeout(now)`.
//! An embedder that follows `poll_timeout` calls it at once, so in practice
//! the delay is one round trip; one that only wakes on its own timers (or a
//! replay/simulation stepping by commands) leaves the call waiting. Either
//! validation should refuse `after_s: 0` (a 0 s stage is the group's own
//! requirement) or `handle` should fire timers due at `now` that the command
//! itself set.

use acd_engine::*;

fn engine() -> Engine {
    let mut group = GroupConfig::new("g", &["s0"]);
    group.stages = vec![StageConfig {
        after_s: 0,
        min_level: None,
        skills: Some(vec![SkillRequirement {
            skill: "s1".into(),
            min_level: 1,
        }]),
        overflow: None,
        ..Default::default()
    }];
    let mut tenant = TenantConfig::new("t");
    tenant.groups.push(group);
    tenant.agents.push(AgentConfig::new("b", &[("s1", 5)]));
    Engine::new(EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    })
    .expect("valid config")
}

fn offers(engine: &mut Engine) -> Vec<String> {
    engine
        .drain_effects()
        .filter_map(|e| match e {
            Effect::Offer { agent, .. } => Some(agent.to_string()),
            _ => None,
        })
        .collect()
}

fn arrive_beside_ready_agent(engine: &mut Engine) {
    let t = TenantId::new("t");
    let logon = Command::Logon {
        agent: "b".into(),
        extension: "1".into(),
        media: vec![],
    };
    engine
        .handle(Instant::from_secs(0), &t, logon)
        .expect("logon");
    let ready = Command::Ready {
        agent: "b".into(),
        media: Media::Voice,
    };
    engine
        .handle(Instant::from_secs(0), &t, ready)
        .expect("ready");
    let arrive = Command::call_arrived(CallSpec::new("c", "g"));
    engine
        .handle(Instant::from_secs(1), &t, arrive)
        .expect("arrives");
}

/// What asks: the call is offered within the `CallArrived` itself.
#[test]
fn stage_at_zero_offers_at_once() {
    let mut engine = engine();
    arrive_beside_ready_agent(&mut engine);
    assert_eq!(offers(&mut engine), vec!["b".to_string()]);
}

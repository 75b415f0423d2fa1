//! Pending outputs can be looked at without taking them: `peek_*` and
//! `pending_*` leave the engine's queues as they were, `poll_*`/`drain_*`
//! then hand out exactly what was seen, and a snapshot taken meanwhile
//! keeps the undelivered outputs, so an embedder (the C ABI) needs
//! no queue of its own.

use acd_engine::*;

/// One agent Ready and one call offered to it: an `Offer` effect and
/// several events are pending, none taken.
fn offered() -> Engine {
    let mut tenant = TenantConfig::new("t");
    tenant.groups = vec![GroupConfig::new("g", &["s"])];
    tenant.agents = vec![AgentConfig::new("a", &[("s", 5)])];
    let mut engine = Engine::new(EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    })
    .unwrap();
    let t = TenantId::new("t");
    let steps = [
        Command::Logon {
            agent: "a".into(),
            extension: "2001".into(),
            media: Vec::new(),
        },
        Command::Ready {
            agent: "a".into(),
            media: Media::Voice,
        },
        Command::call_arrived(CallSpec::new("c1", "g")),
    ];
    for (ms, step) in steps.into_iter().enumerate() {
        engine
            .handle(Instant::from_millis(ms as u64), &t, step)
            .unwrap();
    }
    engine
}

#[test]
fn peeking_takes_nothing_and_shows_what_poll_returns() {
    let mut engine = offered();
    let effects: Vec<Effect> = engine.pending_effects().cloned().collect();
    let events: Vec<Event> = engine.pending_events().cloned().collect();
    assert_eq!(effects.len(), 1);
    assert!(matches!(&effects[0], Effect::Offer { call, .. } if call.as_str() == "c1"));
    assert!(
        events.len() >= 3,
        "logon, ready, queued/offered: {events:?}"
    );
    // Peeking twice shows the same output and consumes nothing.
    assert_eq!(engine.peek_effect(), Some(&effects[0]));
    assert_eq!(engine.peek_effect(), Some(&effects[0]));
    assert_eq!(engine.peek_event(), Some(&events[0]));
    assert_eq!(engine.pending_effects().len(), 1);
    assert_eq!(engine.pending_events().len(), events.len());
    // Taking hands out exactly what was seen, in order.
    assert_eq!(engine.poll_effect().as_ref(), Some(&effects[0]));
    assert_eq!(engine.peek_effect(), None);
    assert_eq!(engine.pending_effects().len(), 0);
    assert_eq!(engine.poll_event().as_ref(), Some(&events[0]));
    assert_eq!(engine.drain_events().collect::<Vec<_>>(), events[1..]);
    assert_eq!(engine.peek_event(), None);
}

#[test]
fn dropping_a_drain_early_still_empties_the_queue() {
    let mut engine = offered();
    assert!(engine.pending_events().len() >= 2);
    let first = engine.drain_events().next();
    assert!(first.is_some());
    assert_eq!(engine.pending_events().len(), 0);
}

#[test]
fn a_snapshot_keeps_pending_outputs_in_order() {
    let engine = offered();
    let bytes = engine.to_snapshot_json().unwrap();
    let back = Engine::from_snapshot_json(&bytes).unwrap();
    assert!(back.pending_effects().eq(engine.pending_effects()));
    assert!(back.pending_events().eq(engine.pending_events()));
}

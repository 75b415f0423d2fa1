//! The on-disk snapshot format (issue 17 item 8, R-7.2).
//!
//! `engine/tests/fixtures/snapshot-f037059.json` is a snapshot written by
//! the engine at commit f037059, before snapshots carried a schema version:
//! a realistic engine state with queued calls, a ringing offer, a clerical
//! timer, a personal wait, a Not Ready agent and a second media channel.
//! Whatever the engine's internal layout becomes, that file must keep
//! loading, and the loaded engine must behave exactly like one that reached
//! the same state by commands (same effects, events and statuses from then
//! on). Regenerate nothing here: the file is the old format's witness.

use acd_engine::*;

const FIXTURE: &str = include_str!("fixtures/snapshot-f037059.json");

fn tenant() -> TenantId {
    TenantId::new("acme")
}

fn at(s: u64) -> Instant {
    Instant::from_secs(s)
}

fn config() -> EngineConfig {
    let mut t = TenantConfig::new("acme");
    let mut sales = GroupConfig::new("sales", &["sales"]);
    sales.clerical_s = 30;
    sales.ring_time_s = 15;
    sales.max_wait_s = Some(600);
    sales.overflow = Some(Destination::Group("support".into()));
    sales.stages.push(StageConfig {
        after_s: 20,
        min_level: Some(1),
        skills: None,
        overflow: None,
        ..Default::default()
    });
    let mut support = GroupConfig::new("support", &["support"]);
    support.strategy = Strategy::RoundRobin;
    support.ring_time_s = 20;
    let mut personal = GroupConfig::new("personal", &["p"]);
    personal.routing = RoutingType::Manual;
    personal.personal_calls = true;
    personal.personal_max_wait_s = 60;
    let mut email = GroupConfig::new("email", &["support"]);
    email.media = Media::Email;
    t.groups = vec![sales, support, personal, email];
    t.agents = vec![
        AgentConfig::new("a1", &[("sales", 5), ("support", 3)]),
        AgentConfig::new("a2", &[("sales", 2)]),
        AgentConfig::new("a3", &[("support", 4)]),
        AgentConfig::new("a4", &[("sales", 1), ("support", 1)]),
        {
            let mut p = AgentConfig::new("p1", &[("p", 5)]);
            p.pdn = Some("5500".into());
            p.dispatch_access = true;
            p.can_pick = true;
            p
        },
    ];
    EngineConfig {
        tenants: vec![t],
        seed: 7,
        ..EngineConfig::default()
    }
}

fn ok(engine: &mut Engine, s: u64, command: Command) {
    engine
        .handle(at(s), &tenant(), command)
        .unwrap_or_else(|e| panic!("t={s}: {e}"));
}

/// The epoch of the offer ringing at `agent` on voice.
fn ringing_epoch(engine: &Engine, agent: &str) -> Epoch {
    match engine.agent_status(&tenant(), &agent.into(), Media::Voice) {
        Ok(AgentStatus::Reserved { epoch, .. } | AgentStatus::Alerting { epoch, .. }) => epoch,
        other => panic!("{agent} not ringing: {other:?}"),
    }
}

fn answer(engine: &mut Engine, s: u64, call: &str, agent: &str) {
    let epoch = ringing_epoch(engine, agent);
    let cmd = Command::Answered {
        call: call.into(),
        agent: agent.into(),
        epoch,
    };
    ok(engine, s, cmd);
}

fn arrive(engine: &mut Engine, s: u64, call: &str, group: &str, dnis: Option<&str>) {
    let mut spec = CallSpec::new(call, group);
    spec.dnis = dnis.map(str::to_string);
    ok(engine, s, Command::call_arrived(spec));
}

/// The state the fixture was written from, reached by commands.
fn realistic_engine() -> Engine {
    let mut e = Engine::new(config()).expect("valid config");
    for (agent, ext) in [
        ("a1", "2001"),
        ("a2", "2002"),
        ("a3", "2003"),
        ("p1", "2005"),
    ] {
        let logon = Command::Logon {
            agent: agent.into(),
            extension: ext.into(),
            media: vec![],
        };
        ok(&mut e, 0, logon);
    }
    let logon = Command::Logon {
        agent: "a4".into(),
        extension: "2004".into(),
        media: vec![Media::Voice, Media::Email],
    };
    ok(&mut e, 0, logon);
    for (s, agent) in [(1, "a1"), (2, "a2"), (3, "a3")] {
        let ready = Command::Ready {
            agent: agent.into(),
            media: Media::Voice,
        };
        ok(&mut e, s, ready);
    }
    let ready = Command::Ready {
        agent: "a4".into(),
        media: Media::Email,
    };
    ok(&mut e, 3, ready);
    // a1 (longest idle) and a2 take two sales calls.
    arrive(&mut e, 10, "c1", "sales", None);
    answer(&mut e, 11, "c1", "a1");
    arrive(&mut e, 12, "c2", "sales", None);
    answer(&mut e, 13, "c2", "a2");
    // Two sales calls wait; one reached its first stage.
    arrive(&mut e, 14, "c3", "sales", None);
    arrive(&mut e, 40, "c4", "sales", None);
    // a1 hangs up: clerical for 30 s.
    ok(&mut e, 41, Command::Hangup { call: "c1".into() });
    // A support call rings a3 (R-3.6 ring timer running).
    arrive(&mut e, 42, "c5", "support", None);
    // A personal call rings p1 although Not Ready; p1 answers; a
    // second one waits reserved for busy p1.
    arrive(&mut e, 43, "c6", "personal", Some("5500"));
    answer(&mut e, 44, "c6", "p1");
    arrive(&mut e, 45, "c7", "personal", Some("5500"));
    // An e-mail lands on a4's e-mail channel.
    arrive(&mut e, 46, "m1", "email", None);
    e.drain_effects().for_each(drop);
    e.drain_events().for_each(drop);
    e
}

/// What the engine does from here on: a day's tail driven by the same
/// commands, every output and status recorded.
fn continue_day(mut e: Engine) -> Vec<String> {
    let mut log = Vec::new();
    let step = |e: &mut Engine, s: u64, cmd: Option<Command>, log: &mut Vec<String>| {
        let result = match cmd {
            Some(cmd) => format!("{:?}", e.handle(at(s), &tenant(), cmd)),
            None => {
                e.handle_timeout(at(s));
                String::from("timeout")
            }
        };
        log.push(format!("t={s} {result}"));
        log.extend(e.drain_effects().map(|x| format!("  effect {x:?}")));
        log.extend(e.drain_events().map(|x| format!("  event {x:?}")));
        for a in ["a1", "a2", "a3", "a4", "p1"] {
            let status = e.agent_status(&tenant(), &a.into(), Media::Voice);
            log.push(format!("  {a} {status:?}"));
        }
        for c in ["c2", "c3", "c4", "c5", "c6", "c7", "m1"] {
            log.push(format!("  {c} {:?}", e.call_status(&tenant(), &c.into())));
        }
        e.check_invariants().expect("invariants hold");
    };
    step(&mut e, 50, None, &mut log);
    let epoch = ringing_epoch(&e, "a3");
    let answered = Command::Answered {
        call: "c5".into(),
        agent: "a3".into(),
        epoch,
    };
    step(&mut e, 51, Some(answered), &mut log);
    step(
        &mut e,
        60,
        Some(Command::Hangup { call: "c6".into() }),
        &mut log,
    );
    step(&mut e, 72, None, &mut log);
    for call in ["c2", "c5"] {
        step(
            &mut e,
            80,
            Some(Command::Hangup { call: call.into() }),
            &mut log,
        );
    }
    let ready = Command::Ready {
        agent: "p1".into(),
        media: Media::Voice,
    };
    step(&mut e, 81, Some(ready), &mut log);
    step(&mut e, 700, None, &mut log);
    log
}

/// Writes the fixture from today's engine. Run by hand only, when the
/// fixture of a *new* schema is to be added:
/// `cargo test -p acd-engine --test snapshot_format -- --ignored write_fixture`.
#[test]
#[ignore = "writes the fixture; run by hand"]
fn write_fixture() {
    let json = serde_json::to_string_pretty(&realistic_engine()).expect("serializes");
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/snapshot-new.json"
    );
    std::fs::write(path, json + "\n").expect("writes");
}

/// The committed snapshot of f037059 still loads.
#[test]
fn f037059_snapshot_loads() {
    let engine: Engine = serde_json::from_str(FIXTURE).expect("the old snapshot loads");
    engine.check_invariants().expect("consistent");
    assert_eq!(engine.now(), at(46));
    assert_eq!(engine.live_calls(), 7);
    assert_eq!(engine.queue_len(&tenant(), &"sales".into()), Ok(2));
    assert!(matches!(
        engine.agent_status(&tenant(), &"a1".into(), Media::Voice),
        Ok(AgentStatus::Clerical { until }) if until == at(71)
    ));
    assert!(matches!(
        engine.call_status(&tenant(), &"c5".into()),
        Ok(CallStatus::Offered { .. })
    ));
    assert!(matches!(
        engine.call_status(&tenant(), &"c7".into()),
        Ok(CallStatus::Parked { reserved_for: Some(ref a), .. }) if a.as_str() == "p1"
    ));
    assert!(matches!(
        engine.call_status(&tenant(), &"c3".into()),
        Ok(CallStatus::Queued {
            stage: 1,
            position: 1,
            ..
        })
    ));
}

/// The loaded old snapshot behaves exactly like the engine that reached
/// the same state by commands: same effects, events and statuses.
#[test]
fn f037059_snapshot_behaves_like_the_live_engine() {
    let loaded: Engine = serde_json::from_str(FIXTURE).expect("the old snapshot loads");
    let live = realistic_engine();
    assert_eq!(continue_day(loaded), continue_day(live));
}

/// Snapshots are written in the current schema, inside the envelope, and
/// load back through both entry points.
#[test]
fn snapshots_carry_their_schema() {
    let engine = realistic_engine();
    let bytes = engine.to_snapshot_json().expect("serializes");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(value["schema"], SNAPSHOT_SCHEMA);
    assert!(value["engine"].is_object(), "the state inside the envelope");
    let loaded = Engine::from_snapshot_json(&bytes).expect("loads");
    assert_eq!(continue_day(loaded), continue_day(realistic_engine()));
    let via_serde: Engine = serde_json::from_slice(&bytes).expect("loads through serde");
    via_serde.check_invariants().expect("consistent");
}

/// A schema this build does not know is a typed error, not a guess.
#[test]
fn unknown_schema_is_a_typed_error() {
    let bytes = realistic_engine().to_snapshot_json().expect("serializes");
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    for found in [0, SNAPSHOT_SCHEMA + 1, 99] {
        value["schema"] = found.into();
        let text = serde_json::to_vec(&value).expect("JSON");
        assert_eq!(
            Engine::from_snapshot_json(&text).map(drop),
            Err(SnapshotError::UnknownSchema { found })
        );
        let err = serde_json::from_slice::<Engine>(&text).expect_err("refused through serde");
        assert!(err.to_string().contains("schema"), "{err}");
    }
    value["schema"] = "two".into();
    let text = serde_json::to_vec(&value).expect("JSON");
    assert!(matches!(
        Engine::from_snapshot_json(&text),
        Err(SnapshotError::Malformed(_))
    ));
    assert!(matches!(
        Engine::from_snapshot_json(b"[1, 2]"),
        Err(SnapshotError::Malformed(_))
    ));
}

//! Agent states and configuration: R-1.x and R-2.x, one test per rule.

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

fn one_group() -> Harness {
    let mut g = group("sales", &["sales"]);
    g.clerical_s = 5;
    g.ring_time_s = 15;
    Harness::new(
        vec![g],
        vec![agent("a1", &[("sales", 5)]), agent("a2", &[("sales", 3)])],
    )
}

#[test]
fn r1_1_tenants_are_isolated() {
    let mut acme = TenantConfig::new("acme");
    acme.groups.push(group("support", &["s"]));
    acme.agents.push(agent("alice", &[("s", 5)]));
    let mut other = TenantConfig::new("other");
    other.agents.push(agent("bob", &[("s", 5)]));
    let mut h = Harness::with_config(EngineConfig {
        tenants: vec![acme, other],
        ..EngineConfig::default()
    });
    h.tenant = TenantId::new("acme");
    let other_t = TenantId::new("other");
    h.engine
        .handle(
            Instant::from_secs(0),
            &"other".into(),
            Command::Logon {
                agent: "bob".into(),
                extension: "1".into(),
                media: vec![],
            },
        )
        .unwrap();
    h.engine
        .handle(
            Instant::from_secs(0),
            &other_t,
            Command::Ready {
                agent: "bob".into(),
                media: Media::Voice,
            },
        )
        .unwrap();
    // Naming acme's agent or group from tenant "other" is refused with the
    // same "unknown" as an id that exists nowhere: nothing leaks (R-1.1).
    let err = h
        .engine
        .handle(
            Instant::from_secs(1),
            &other_t,
            Command::Ready {
                agent: "alice".into(),
                media: Media::Voice,
            },
        )
        .unwrap_err();
    assert_eq!(err, Error::UnknownAgent("alice".into()));
    let err = h
        .engine
        .handle(
            Instant::from_secs(1),
            &other_t,
            Command::call_arrived(CallSpec::new("c1", "support")),
        )
        .unwrap_err();
    assert_eq!(err, Error::UnknownGroup("support".into()));
    // An acme call never reaches bob, though bob is Ready with the skill.
    h.arrive(2, "c1", "support");
    assert!(h.offers().is_empty());
    assert_eq!(h.engine.queue_len(&h.tenant, &"support".into()).unwrap(), 1);
    let err = h.engine.handle(
        Instant::from_secs(3),
        &"nope".into(),
        Command::SetMaintenance { on: true },
    );
    assert!(matches!(err, Err(Error::UnknownTenant(_))));
}

/// R-1.1: ids are scoped to their tenant. Two tenants each have agent
/// `alice`, group `support` and call `c1`; each routes only its own, and a
/// tenant asking about an id only the other tenant has gets exactly the
/// error of an id that exists nowhere.
#[test]
fn r1_1_ids_are_scoped_to_their_tenant() {
    let tenant = |id: &str, extra: &str| {
        let mut t = TenantConfig::new(id);
        t.groups.push(group("support", &["s"]));
        t.groups.push(group(extra, &["s"]));
        t.agents.push(agent("alice", &[("s", 5)]));
        t.agents.push(agent(extra, &[("s", 5)]));
        t
    };
    let config = EngineConfig {
        tenants: vec![tenant("acme", "only-acme"), tenant("globex", "only-globex")],
        ..EngineConfig::default()
    };
    let mut h = Harness::with_config(config);
    let (acme, globex) = (TenantId::new("acme"), TenantId::new("globex"));
    let mut offered = Vec::new();
    for (i, t) in [&acme, &globex].into_iter().enumerate() {
        h.tenant = t.clone();
        h.login_ready(2 * i as u64, "alice");
        h.arrive(2 * i as u64 + 1, "c1", "support");
        // Each tenant's c1 goes to its own alice.
        for e in &h.effects {
            if let Effect::Offer {
                tenant,
                call,
                agent,
                ..
            } = e
            {
                offered.push((tenant.to_string(), call.to_string(), agent.to_string()));
            }
        }
    }
    let pair = |t: &str| (t.to_string(), "c1".to_string(), "alice".to_string());
    assert_eq!(offered, vec![pair("acme"), pair("globex")]);
    for t in [&acme, &globex] {
        let status = h
            .engine
            .agent_status(t, &"alice".into(), Media::Voice)
            .unwrap();
        assert!(matches!(status, AgentStatus::Reserved { ref call, .. } if call.as_str() == "c1"));
        assert!(h.engine.call_status(t, &"c1".into()).is_ok());
    }
    // Answering globex's c1 leaves acme's ringing.
    let epoch_of = |h: &Harness, t: &TenantId| match h.engine.call_status(t, &"c1".into()) {
        Ok(CallStatus::Offered { agents, .. }) => agents[0].1,
        other => panic!("{other:?}"),
    };
    let e = epoch_of(&h, &globex);
    h.tenant = globex.clone();
    h.answer(4, "c1", "alice", e);
    assert!(matches!(
        h.engine.call_status(&globex, &"c1".into()),
        Ok(CallStatus::Connected { .. })
    ));
    assert!(matches!(
        h.engine.call_status(&acme, &"c1".into()),
        Ok(CallStatus::Offered { .. })
    ));

    // Another tenant's id answers exactly like an id that exists nowhere.
    let e = &h.engine;
    let agent_err = |id: &str| e.agent_status(&acme, &id.into(), Media::Voice).unwrap_err();
    assert_eq!(
        agent_err("only-globex"),
        Error::UnknownAgent("only-globex".into())
    );
    assert_eq!(agent_err("nobody"), Error::UnknownAgent("nobody".into()));
    let group_err = |id: &str| e.group_stats(&acme, &id.into()).unwrap_err();
    assert_eq!(
        group_err("only-globex"),
        Error::UnknownGroup("only-globex".into())
    );
    assert_eq!(group_err("nobody"), Error::UnknownGroup("nobody".into()));
    assert_eq!(
        e.queue_len(&acme, &"only-globex".into()).unwrap_err(),
        Error::UnknownGroup("only-globex".into())
    );
    let before = serde_json::to_string(&h.engine).unwrap();
    h.tenant = acme.clone();
    for (cmd, want) in [
        (
            Command::Ready {
                agent: "only-globex".into(),
                media: Media::Voice,
            },
            Error::UnknownAgent("only-globex".into()),
        ),
        (
            Command::call_arrived(CallSpec::new("c2", "only-globex")),
            Error::UnknownGroup("only-globex".into()),
        ),
        (
            Command::RemoveAgent {
                agent: "only-globex".into(),
            },
            Error::UnknownAgent("only-globex".into()),
        ),
    ] {
        assert_eq!(h.at(5, cmd).unwrap_err(), want);
    }
    assert_eq!(
        serde_json::to_string(&h.engine).unwrap(),
        before,
        "refusals change nothing"
    );

    // Runtime changes are scoped too: acme may add the id globex uses, and
    // removing it leaves globex's agent alone.
    h.at(
        6,
        Command::AddAgent {
            agent: Box::new(agent("only-globex", &[("s", 1)])),
        },
    )
    .unwrap();
    h.at(
        7,
        Command::RemoveAgent {
            agent: "only-globex".into(),
        },
    )
    .unwrap();
    assert!(h
        .engine
        .agent_status(&globex, &"only-globex".into(), Media::Voice)
        .is_ok());

    // A snapshot keeps both tenants' objects apart (the lookup is rebuilt).
    let json = serde_json::to_string(&h.engine).unwrap();
    let back: Engine = serde_json::from_str(&json).unwrap();
    for t in [&acme, &globex] {
        assert_eq!(
            back.call_status(t, &"c1".into()),
            h.engine.call_status(t, &"c1".into())
        );
    }
}

#[test]
fn r1_1_at_most_50_tags_per_tenant() {
    let mut t = TenantConfig::new("t");
    t.tags = (0..51).map(|i| format!("tag{i}")).collect();
    let err = EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(err.field, "tags");
    assert!(matches!(
        err.problem,
        ConfigProblem::OutOfRange {
            value: 51,
            max: 50,
            ..
        }
    ));
}

#[test]
fn r1_2_one_agent_record_serves_every_group() {
    let mut h = Harness::new(
        vec![group("sales", &["sales"]), group("billing", &["billing"])],
        vec![agent("a1", &[("sales", 5), ("billing", 5)])],
    );
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    let (a, _) = h.offered_to("c1").unwrap();
    assert_eq!(a, "a1");
    // Reserved for sales, the same agent is not available to billing.
    h.arrive(2, "c2", "billing");
    assert!(h.offers().is_empty());
    assert_eq!(h.engine.queue_len(&h.tenant, &"billing".into()).unwrap(), 1);
}

#[test]
fn r1_3_config_errors_name_object_and_field() {
    let base = || {
        let mut t = TenantConfig::new("t");
        t.groups.push(group("g", &["s"]));
        t.agents.push(agent("a", &[("s", 5)]));
        t
    };
    let check = |t: Vec<TenantConfig>, object: &str, field: &str| {
        let err = EngineConfig {
            tenants: t,
            ..EngineConfig::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.object.contains(object), "{err}");
        assert_eq!(err.field, field, "{err}");
        err
    };
    let mut dup = base();
    dup.agents.push(agent("a", &[]));
    assert!(matches!(
        check(vec![dup], "agent \"a\"", "id").problem,
        ConfigProblem::Duplicate(_)
    ));

    let mut level = base();
    level.agents[0].skills.insert("s".into(), 11);
    assert!(matches!(
        check(vec![level], "agent \"a\"", "skills.s").problem,
        ConfigProblem::OutOfRange { .. }
    ));

    let mut unknown = base();
    unknown.groups[0].overflow = Some(Destination::Group("nowhere".into()));
    assert!(matches!(
        check(vec![unknown], "group \"g\"", "overflow").problem,
        ConfigProblem::UnknownReference(_)
    ));

    // Another tenant's group is not visible: an unknown reference (R-1.1).
    let mut cross = base();
    cross.groups[0].overflow = Some(Destination::Group("theirs".into()));
    let mut other = TenantConfig::new("u");
    other.groups.push(group("theirs", &["s"]));
    assert!(matches!(
        check(vec![cross, other], "group \"g\"", "overflow").problem,
        ConfigProblem::UnknownReference(_)
    ));

    let mut dropped = base();
    dropped.groups[0].max_queue_len = Some(3);
    check(vec![dropped], "group \"g\"", "overflow");

    let mut stages = base();
    stages.groups[0].stages = vec![
        StageConfig {
            after_s: 60,
            min_level: Some(3),
            skills: None,
            overflow: None,
            ..Default::default()
        },
        StageConfig {
            after_s: 30,
            min_level: Some(1),
            skills: None,
            overflow: None,
            ..Default::default()
        },
    ];
    check(vec![stages], "group \"g\"", "stages[1].after_s");
}

#[test]
fn r1_3_config_loads_from_json_and_toml() {
    let json = r#"{"tenants":[{"id":"t","groups":[{"id":"g","skills":[{"skill":"s","min_level":2}],
        "strategy":"most_skilled","overflow":{"number":"+1555"},"max_wait_s":60}],
        "agents":[{"id":"a","skills":{"s":4},"pdn":"5500"}]}]}"#;
    let cfg: EngineConfig = serde_json::from_str(json).unwrap();
    assert_eq!(cfg.tenants[0].groups[0].strategy, Strategy::MostSkilled);
    Engine::new(cfg).unwrap();
    let bad = r#"{"tenants":[{"id":"t","groups":[{"id":"g","colour":"red"}]}]}"#;
    let err = serde_json::from_str::<EngineConfig>(bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn r1_5_reason_codes_are_checked_against_the_catalogue() {
    let mut t = TenantConfig::new(common::TENANT);
    t.groups.push(group("g", &["s"]));
    t.agents.push(agent("a1", &[("s", 1)]));
    let mut team_agent = agent("a2", &[("s", 1)]);
    team_agent.team = Some("night".into());
    t.agents.push(team_agent);
    t.reason_codes.not_ready = vec![
        ReasonCodeConfig {
            code: "LUNCH".into(),
            label: "Lunch".into(),
            team: None,
        },
        ReasonCodeConfig {
            code: "NIGHTBREAK".into(),
            label: String::new(),
            team: Some("night".into()),
        },
    ];
    let mut h = Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    });
    h.logon(0, "a1");
    h.logon(0, "a2");
    let nr = |agent: &str, r: &str| Command::NotReady {
        agent: agent.into(),
        reason: r.into(),
        media: Media::Voice,
    };
    assert!(matches!(
        h.at(1, nr("a1", "GOLF")),
        Err(Error::UnknownReason(_))
    ));
    assert!(
        matches!(
            h.at(1, nr("a1", "NIGHTBREAK")),
            Err(Error::UnknownReason(_))
        ),
        "team-scoped code"
    );
    h.at(1, nr("a2", "NIGHTBREAK")).unwrap();
    h.at(1, nr("a1", "LUNCH")).unwrap();
    assert_eq!(
        h.status("a1"),
        AgentStatus::NotReady {
            reason: "LUNCH".into()
        }
    );
}

#[test]
fn r2_1_voice_state_sequence() {
    let mut h = one_group();
    h.logon(0, "a1");
    assert_eq!(
        h.status("a1"),
        AgentStatus::NotReady {
            reason: "LOGON".into()
        }
    );
    h.ready(1, "a1");
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    h.arrive(2, "c1", "sales");
    let (_, epoch) = h.offered_to("c1").unwrap();
    assert_eq!(
        h.status("a1"),
        AgentStatus::Reserved {
            call: "c1".into(),
            epoch
        }
    );
    h.at(
        2,
        Command::Alerting {
            call: "c1".into(),
            agent: "a1".into(),
            epoch,
        },
    )
    .unwrap();
    assert_eq!(
        h.status("a1"),
        AgentStatus::Alerting {
            call: "c1".into(),
            epoch
        }
    );
    h.answer(3, "c1", "a1", epoch);
    assert_eq!(
        h.status("a1"),
        AgentStatus::Talking {
            call: "c1".into(),
            epoch
        }
    );
    h.at(10, Command::Hold { call: "c1".into() }).unwrap();
    assert_eq!(
        h.status("a1"),
        AgentStatus::Hold {
            call: "c1".into(),
            epoch
        }
    );
    h.at(20, Command::Retrieve { call: "c1".into() }).unwrap();
    h.hangup(30, "c1");
    assert_eq!(
        h.status("a1"),
        AgentStatus::Clerical {
            until: Instant::from_secs(35)
        }
    );
    assert!(h.has_event(|e| matches!(
        e,
        EventKind::CallEnded {
            talk_ms: 17_000,
            hold_ms: 10_000,
            ..
        }
    )));
    h.tick(35);
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    h.at(
        40,
        Command::Logoff {
            agent: "a1".into(),
            reason: None,
        },
    )
    .unwrap();
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
}

#[test]
fn r2_2_stale_epochs_are_ignored() {
    let mut h = one_group();
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    let (_, old) = h.offered_to("c1").unwrap();
    h.tick(16); // ring timeout: back to queue, a1 Not Ready
    h.login_ready(17, "a2");
    let (_, new) = h.offered_to("c1").expect("re-offered to a2");
    assert_ne!(old, new);
    let before = serde_json::to_value(&h.engine).unwrap();
    let err = h
        .at(
            18,
            Command::Answered {
                call: "c1".into(),
                agent: "a1".into(),
                epoch: old,
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::StaleEpoch { got, .. } if got == old),
        "{err:?}"
    );
    let err = h
        .at(
            18,
            Command::Answered {
                call: "c1".into(),
                agent: "a2".into(),
                epoch: old,
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::StaleEpoch { got, current: Some(c) } if got == old && c == new),
        "{err:?}"
    );
    assert!(
        before == serde_json::to_value(&h.engine).unwrap(),
        "stale events change nothing"
    );
    h.answer(18, "c1", "a2", new);
}

#[test]
fn r2_3_logoff_while_talking_is_deferred_until_the_call_ends() {
    let mut h = one_group();
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.at(
        3,
        Command::Logoff {
            agent: "a1".into(),
            reason: None,
        },
    )
    .unwrap();
    assert_eq!(
        h.status("a1"),
        AgentStatus::Talking {
            call: "c1".into(),
            epoch: e
        }
    );
    h.hangup(9, "c1");
    assert_eq!(
        h.status("a1"),
        AgentStatus::LoggedOut,
        "logged off at call end, no clerical"
    );
    assert!(h.has_event(|k| matches!(
        k,
        EventKind::AgentLoggedOff {
            cause: Cause::Deferred,
            ..
        }
    )));
}

#[test]
fn r2_3_logoff_while_ringing_withdraws_the_offer() {
    let mut h = one_group();
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    h.at(
        2,
        Command::Logoff {
            agent: "a1".into(),
            reason: None,
        },
    )
    .unwrap();
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::StopRinging {
            cause: Cause::Command,
            ..
        }
    )));
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
    assert_eq!(
        h.engine.queue_len(&h.tenant, &"sales".into()).unwrap(),
        1,
        "call back in queue"
    );
}

#[test]
fn r2_4_every_reservation_has_a_deadline() {
    let mut t = TenantConfig::new(common::TENANT);
    t.groups.push(group("g", &["s"])); // ring_time_s = 0: no supervision configured
    t.agents.push(agent("a1", &[("s", 1)]));
    let mut h = Harness::with_config(EngineConfig {
        max_reservation_ms: 45_000,
        tenants: vec![t],
        ..EngineConfig::default()
    });
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    assert!(
        matches!(h.effects[0], Effect::Offer { deadline, .. } if deadline == Instant::from_secs(46))
    );
    assert_eq!(h.engine.poll_timeout(), Some(Instant::from_secs(46)));
    h.tick(46);
    assert!(matches!(h.status("a1"), AgentStatus::NotReady { .. }));
    assert_eq!(h.engine.queue_len(&h.tenant, &"g".into()).unwrap(), 1);
}

#[test]
fn r2_5_logon_refused_in_maintenance_mode() {
    let mut h = one_group();
    h.at(0, Command::SetMaintenance { on: true }).unwrap();
    let err = h
        .at(
            1,
            Command::Logon {
                agent: "a1".into(),
                extension: "1".into(),
                media: vec![],
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Maintenance(_)));
    assert!(err.to_string().contains("maintenance"));
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
    h.at(2, Command::SetMaintenance { on: false }).unwrap();
    h.logon(3, "a1");
}

#[test]
fn bad_input_returns_distinct_typed_errors_and_changes_nothing() {
    let mut h = one_group();
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.arrive(3, "c2", "sales"); // queued: a2 is logged out
    let before = serde_json::to_value(&h.engine).unwrap();
    type Expect = fn(&Error) -> bool;
    let cases: Vec<(Command, Expect)> = vec![
        (
            Command::Ready {
                agent: "ghost".into(),
                media: Media::Voice,
            },
            |e| matches!(e, Error::UnknownAgent(_)),
        ),
        (
            Command::Hangup {
                call: "ghost".into(),
            },
            |e| matches!(e, Error::UnknownCall(_)),
        ),
        (Command::call_arrived(CallSpec::new("c9", "ghost")), |e| {
            matches!(e, Error::UnknownGroup(_))
        }),
        (Command::call_arrived(CallSpec::new("c1", "sales")), |e| {
            matches!(e, Error::DuplicateCall(_))
        }),
        (
            Command::Answered {
                call: "c2".into(),
                agent: "a1".into(),
                epoch: 999,
            },
            |e| {
                matches!(
                    e,
                    Error::CallState {
                        command: "answer",
                        ..
                    }
                )
            },
        ),
        (
            Command::Ready {
                agent: "a1".into(),
                media: Media::Voice,
            },
            |e| {
                matches!(
                    e,
                    Error::AgentState {
                        state: StateName::Talking,
                        command: "ready",
                        ..
                    }
                )
            },
        ),
        (
            Command::Ready {
                agent: "a2".into(),
                media: Media::Voice,
            },
            |e| {
                matches!(
                    e,
                    Error::AgentState {
                        state: StateName::LoggedOut,
                        ..
                    }
                )
            },
        ),
        (Command::Hold { call: "c2".into() }, |e| {
            matches!(
                e,
                Error::CallState {
                    command: "hold",
                    ..
                }
            )
        }),
        (
            Command::RemoveGroup {
                group: "sales".into(),
            },
            |e| matches!(e, Error::InUse { .. }),
        ),
        (Command::RemoveAgent { agent: "a1".into() }, |e| {
            matches!(e, Error::InUse { .. })
        }),
        (
            Command::call_arrived(CallSpec {
                media: Some(Media::Email),
                ..CallSpec::new("c8", "sales")
            }),
            |e| matches!(e, Error::MediaMismatch { .. }),
        ),
    ];
    for (cmd, expected) in cases {
        let name = cmd.name();
        let err = h.at(4, cmd).expect_err(name);
        assert!(expected(&err), "{name}: unexpected {err:?}");
        assert!(
            before == serde_json::to_value(&h.engine).unwrap(),
            "{name} changed state"
        );
    }
    let err = h.engine.handle(
        Instant::from_secs(1),
        &"t".into(),
        Command::SetMaintenance { on: true },
    );
    assert!(matches!(err, Err(Error::TimeWentBackwards { .. })));
}

#[test]
fn runtime_config_changes_apply_without_restart() {
    let mut h = one_group();
    h.login_ready(0, "a1");
    // A new group: a1 is not skilled for it, the call waits.
    h.at(
        1,
        Command::UpsertGroup {
            group: Box::new(group("vip", &["vip"])),
        },
    )
    .unwrap();
    h.arrive(2, "v1", "vip");
    assert!(h.offers().is_empty());
    // Giving a1 the skill routes the waiting call at once (R-3.2).
    let skills = [("vip".into(), 4), ("sales".into(), 5)]
        .into_iter()
        .collect();
    h.at(
        3,
        Command::SetSkills {
            agent: "a1".into(),
            skills,
        },
    )
    .unwrap();
    assert_eq!(h.offered_to("v1").map(|o| o.0), Some("a1".into()));
    // Adding an agent at runtime.
    h.at(
        4,
        Command::AddAgent {
            agent: Box::new(agent("a3", &[("vip", 9)])),
        },
    )
    .unwrap();
    h.login_ready(5, "a3");
    h.arrive(6, "v2", "vip");
    assert_eq!(h.offered_to("v2").map(|o| o.0), Some("a3".into()));
    let err = h
        .at(
            7,
            Command::AddAgent {
                agent: Box::new(agent("a3", &[])),
            },
        )
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Duplicate {
            kind: ObjectKind::Agent,
            ..
        }
    ));
}

/// R-1.2, R-3.3: an agent removed at runtime takes its place in the ready
/// index with it. Its stale entries must not come back to life for a new
/// agent that reuses its record's slot: the new agent, ringing with one
/// call, is not offered a second (the next call queues).
#[test]
fn r1_2_a_removed_agents_stale_entries_do_not_revive_for_its_successor() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 0;
    let mut h = Harness::new(vec![g], vec![agent("old", &[("s", 1)])]);
    h.login_ready(0, "old");
    h.arrive(1, "c1", "g");
    let (a, e) = h.offered_to("c1").expect("old is Ready");
    h.answer(2, "c1", &a, e);
    h.hangup(3, "c1");
    // Ready again, then logged off and removed: its last entry is stale.
    let logoff = Command::Logoff {
        agent: "old".into(),
        reason: None,
    };
    h.at(4, logoff).unwrap();
    h.at(
        5,
        Command::RemoveAgent {
            agent: "old".into(),
        },
    )
    .unwrap();
    let new = Command::AddAgent {
        agent: Box::new(agent("new", &[("s", 1)])),
    };
    h.at(6, new).unwrap();
    h.login_ready(7, "new");
    h.engine.check_invariants().unwrap();
    h.arrive(8, "c2", "g");
    assert_eq!(h.offered_to("c2").map(|o| o.0).as_deref(), Some("new"));
    h.arrive(9, "c3", "g");
    assert_eq!(h.offered_to("c3"), None, "new is ringing with c2");
    let queued = h.engine.call_status(&h.tenant, &"c3".into()).unwrap();
    assert!(matches!(queued, CallStatus::Queued { .. }), "{queued:?}");
    h.engine.check_invariants().unwrap();
}

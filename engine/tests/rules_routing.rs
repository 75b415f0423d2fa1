//! Automatic routing, R-3.1 .., and events/statistics R-8.x.

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

fn with_strategy(strategy: Strategy, agents: Vec<AgentConfig>) -> Harness {
    let mut g = group("g", &["s"]);
    g.strategy = strategy;
    Harness::new(vec![g], agents)
}

/// Answers `call`'s offer and hangs up straight away (clerical 0 -> Ready).
fn serve(h: &mut Harness, secs: u64, call: &str) -> String {
    let (a, e) = h.offered_to(call).expect("offered");
    h.answer(secs, call, &a, e);
    h.hangup(secs, call);
    a
}

#[test]
fn r3_1_queue_orders_by_priority_then_arrival() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    let arrive = |h: &mut Harness, s, id: &str, p| {
        h.at(
            s,
            Command::call_arrived(CallSpec {
                priority: Some(p),
                ..CallSpec::new(id, "g")
            }),
        )
        .unwrap();
    };
    arrive(&mut h, 1, "low-early", 1);
    arrive(&mut h, 2, "high-late", 5);
    arrive(&mut h, 3, "low-late", 1);
    arrive(&mut h, 4, "high-later", 5);
    let pos = |h: &Harness, c: &str| match h.engine.call_status(&h.tenant, &c.into()).unwrap() {
        CallStatus::Queued { position, .. } => position,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        ["high-late", "high-later", "low-early", "low-late"].map(|c| pos(&h, c)),
        [1, 2, 3, 4]
    );
    h.ready(5, "a1");
    assert_eq!(h.offered_to("high-late").map(|o| o.0), Some("a1".into()));
}

#[test]
fn r3_2_call_arrival_takes_a_ready_agent_at_once() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(7, "c1", "g");
    assert!(
        matches!(&h.effects[..], [Effect::Offer { deadline, .. }] if *deadline == Instant::from_secs(67))
    );
    assert!(h.has_event(|e| matches!(e, EventKind::CallQueued { .. })));
    assert!(h.has_event(|e| matches!(e, EventKind::CallOffered { .. })));
}

#[test]
fn r3_2_agent_becoming_ready_takes_the_best_waiting_call_at_once() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(1, "c1", "g");
    h.arrive(2, "c2", "g");
    assert!(h.offers().is_empty());
    h.ready(3, "a1");
    assert_eq!(h.offers(), vec![("c1".into(), "a1".into(), 1)]);
}

#[test]
fn r3_3_longest_idle_agent() {
    let mut h = with_strategy(
        Strategy::LongestIdle,
        (1..=3)
            .map(|i| agent(&format!("a{i}"), &[("s", 1)]))
            .collect(),
    );
    h.login_ready(0, "a2");
    h.login_ready(1, "a3");
    h.login_ready(2, "a1");
    h.arrive(3, "c1", "g");
    assert_eq!(serve(&mut h, 4, "c1"), "a2");
    h.arrive(5, "c2", "g");
    assert_eq!(serve(&mut h, 6, "c2"), "a3", "a2 idle only since 4 s");
}

#[test]
fn r3_3_least_occupied() {
    let mut h = with_strategy(
        Strategy::LeastOccupied,
        vec![agent("busy", &[("s", 1)]), agent("idle", &[("s", 1)])],
    );
    h.login_ready(0, "busy");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(1, "c1", "busy", e);
    h.login_ready(2, "idle");
    h.hangup(100, "c1"); // busy: ~99% occupied; idle: 0%
    h.arrive(101, "c2", "g");
    assert_eq!(h.offered_to("c2").unwrap().0, "idle");
}

#[test]
fn r3_3_most_skilled() {
    let mut h = with_strategy(
        Strategy::MostSkilled,
        vec![
            agent("junior", &[("s", 2)]),
            agent("senior", &[("s", 9)]),
            agent("mid", &[("s", 5)]),
        ],
    );
    for a in ["junior", "senior", "mid"] {
        h.login_ready(0, a);
    }
    h.arrive(1, "c1", "g");
    assert_eq!(h.offered_to("c1").unwrap().0, "senior");
    h.arrive(2, "c2", "g");
    assert_eq!(h.offered_to("c2").unwrap().0, "mid");
}

#[test]
fn r3_3_round_robin_takes_turns() {
    let mut h = with_strategy(
        Strategy::RoundRobin,
        (1..=3)
            .map(|i| agent(&format!("a{i}"), &[("s", 1)]))
            .collect(),
    );
    for a in ["a1", "a2", "a3"] {
        h.login_ready(0, a);
    }
    let order: Vec<String> = (0..6)
        .map(|i| {
            let c = format!("c{i}");
            h.arrive(10 + i, &c, "g");
            serve(&mut h, 10 + i, &c)
        })
        .collect();
    assert_eq!(order, ["a1", "a2", "a3", "a1", "a2", "a3"]);
}

/// a round-robin group keeps its own turns; a group switched to
/// round robin starts a fresh rotation in agent order (turns are not kept
/// while it routes by another strategy), and keeps it from then on.
#[test]
fn r3_3_group_switched_to_round_robin_starts_a_fresh_rotation() {
    let agents = (1..=3)
        .map(|i| agent(&format!("a{i}"), &[("s", 1)]))
        .collect();
    let mut h = with_strategy(Strategy::LongestIdle, agents);
    for (s, a) in [(0, "a1"), (1, "a2"), (2, "a3")] {
        h.login_ready(s, a);
    }
    // Longest idle: a1, then a2 (a1 Ready again after its call).
    for (i, expected) in [(0, "a1"), (1, "a2")] {
        let c = format!("li{i}");
        h.arrive(10 + i, &c, "g");
        assert_eq!(serve(&mut h, 10 + i, &c), expected);
    }
    let mut g = group("g", &["s"]);
    g.strategy = Strategy::RoundRobin;
    h.at(20, Command::UpsertGroup { group: Box::new(g) })
        .unwrap();
    let order: Vec<String> = (0..4)
        .map(|i| {
            let c = format!("rr{i}");
            h.arrive(30 + i, &c, "g");
            serve(&mut h, 30 + i, &c)
        })
        .collect();
    // Had the longest-idle offers counted as turns, a3 would go first.
    assert_eq!(order, ["a1", "a2", "a3", "a1"]);
}

#[test]
fn r3_3_top_down_always_prefers_the_first_listed() {
    let mut h = with_strategy(
        Strategy::TopDown,
        (1..=3)
            .map(|i| agent(&format!("a{i}"), &[("s", 1)]))
            .collect(),
    );
    for a in ["a3", "a2", "a1"] {
        h.login_ready(0, a);
    }
    for i in 0..3 {
        let c = format!("c{i}");
        h.arrive(1 + i, &c, "g");
        assert_eq!(serve(&mut h, 1 + i, &c), "a1");
    }
}

#[test]
fn r3_3_fewest_calls() {
    let mut h = with_strategy(
        Strategy::FewestCalls,
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    );
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    serve(&mut h, 1, "c1"); // a1 has answered one
    h.login_ready(5, "a2"); // a2 idle for less time, but no calls
    h.arrive(6, "c2", "g");
    assert_eq!(h.offered_to("c2").unwrap().0, "a2");
}

#[test]
fn r3_3_random_is_seeded_and_spreads() {
    let picks = |seed: u64| {
        let mut g = group("g", &["s"]);
        g.strategy = Strategy::Random;
        let mut t = TenantConfig::new(common::TENANT);
        t.groups.push(g);
        t.agents = (0..4)
            .map(|i| agent(&format!("a{i}"), &[("s", 1)]))
            .collect();
        let mut h = Harness::with_config(EngineConfig {
            seed,
            tenants: vec![t],
            ..EngineConfig::default()
        });
        for i in 0..4 {
            h.login_ready(0, &format!("a{i}"));
        }
        (0..40)
            .map(|i| {
                let c = format!("c{i}");
                h.arrive(1 + i, &c, "g");
                serve(&mut h, 1 + i, &c)
            })
            .collect::<Vec<_>>()
    };
    let a = picks(7);
    assert_eq!(a, picks(7), "same seed, same choices");
    assert_ne!(a, picks(8), "another seed, other choices");
    for i in 0..4 {
        let n = a.iter().filter(|x| **x == format!("a{i}")).count();
        assert!((3..=20).contains(&n), "agent a{i} chosen {n} of 40 times");
    }
}

#[test]
fn r3_3_ring_all_rings_everyone_and_first_answer_wins() {
    let mut h = with_strategy(
        Strategy::RingAll,
        (1..=3)
            .map(|i| agent(&format!("a{i}"), &[("s", 1)]))
            .collect(),
    );
    for a in ["a1", "a2", "a3"] {
        h.login_ready(0, a);
    }
    h.arrive(1, "c1", "g");
    let offers = h.offers();
    assert_eq!(offers.len(), 3);
    let (_, _, e2) = offers.iter().find(|o| o.1 == "a2").unwrap().clone();
    h.answer(2, "c1", "a2", e2);
    let stopped: Vec<_> = h
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::StopRinging {
                agent,
                cause: Cause::Answered,
                ..
            } => Some(agent.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(stopped, ["a1", "a3"]);
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    assert_eq!(h.status("a3"), AgentStatus::Ready);
}

fn staged() -> Harness {
    let mut g = group("g", &["s"]);
    g.skills[0].min_level = 5;
    g.stages = vec![
        StageConfig {
            after_s: 30,
            min_level: Some(3),
            skills: None,
            overflow: None,
            ..Default::default()
        },
        StageConfig {
            after_s: 60,
            min_level: None,
            skills: Some(vec![SkillRequirement {
                skill: "x".into(),
                min_level: 1,
            }]),
            overflow: None,
            ..Default::default()
        },
        StageConfig {
            after_s: 120,
            min_level: None,
            skills: None,
            overflow: Some(Destination::Group("backup".into())),
            ..Default::default()
        },
    ];
    Harness::new(
        vec![g, group("backup", &["b"])],
        vec![
            agent("lvl3", &[("s", 3)]),
            agent("xonly", &[("x", 1)]),
            agent("backup1", &[("b", 1)]),
        ],
    )
}

#[test]
fn r3_4_stages_widen_eligibility_over_time() {
    let mut h = staged();
    h.login_ready(0, "xonly");
    h.arrive(0, "c1", "g");
    h.tick(29);
    assert!(h.offers().is_empty());
    h.tick(59);
    assert!(
        h.offers().is_empty(),
        "stage 1 accepts level 3 of s, xonly has none"
    );
    h.tick(60);
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("xonly".into()));
    assert!(h.has_event(|e| matches!(e, EventKind::CallStage { stage: 2, .. })));

    let mut h = staged();
    h.login_ready(0, "lvl3");
    h.arrive(0, "c1", "g");
    h.tick(30);
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("lvl3".into()));
}

#[test]
fn r3_4_last_stage_overflows_and_stages_are_copied_on_entry() {
    let mut h = staged();
    h.logon(0, "backup1");
    h.arrive(0, "c1", "g");
    // The group's stages change after the call entered: the call keeps its own.
    let mut changed = group("g", &["s"]);
    changed.skills[0].min_level = 5;
    h.at(
        10,
        Command::UpsertGroup {
            group: Box::new(changed),
        },
    )
    .unwrap();
    h.tick(120);
    assert!(h.has_event(|e| matches!(
        e,
        EventKind::CallOverflowed {
            cause: Cause::Stage,
            ..
        }
    )));
    assert!(
        matches!(h.engine.call_status(&h.tenant, &"c1".into()).unwrap(), CallStatus::Queued { group, .. } if group.as_str() == "backup")
    );
    // A call arriving now has no stages at all.
    h.arrive(121, "c2", "g");
    h.tick(400);
    assert!(
        matches!(h.engine.call_status(&h.tenant, &"c2".into()).unwrap(), CallStatus::Queued { group, .. } if group.as_str() == "g")
    );
}

#[test]
fn r3_5_an_agent_of_several_groups_takes_the_best_weighted_wait() {
    let mut sales = group("sales", &["s"]);
    sales.wait_weight = 100;
    let mut vip = group("vip", &["s"]);
    vip.wait_weight = 400;
    let mut h = Harness::new(vec![sales, vip], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(0, "sales-1", "sales"); // waits 40 s x 1
    h.arrive(30, "vip-1", "vip"); // waits 10 s x 4 = 40, ties broken by arrival
    h.arrive(31, "vip-2", "vip");
    h.ready(40, "a1");
    assert_eq!(h.offers()[0].0, "sales-1");
    serve(&mut h, 40, "sales-1");
    // at 40 s: vip-2 has waited 9 s x 4 = 36 > anything in sales (empty)
    assert_eq!(h.offers()[0].0, "vip-1");

    // Priority beats waiting time; waiting time grows so no group starves.
    let mut h = Harness::new(
        vec![group("a", &["s"]), group("b", &["s"])],
        vec![agent("a1", &[("s", 1)])],
    );
    h.logon(0, "a1");
    h.arrive(0, "old", "a");
    h.at(
        50,
        Command::call_arrived(CallSpec {
            priority: Some(3),
            ..CallSpec::new("urgent", "b")
        }),
    )
    .unwrap();
    h.ready(60, "a1");
    assert_eq!(h.offers()[0].0, "urgent");
}

#[test]
fn r3_6_ring_timeout_requeues_at_original_position_and_forces_not_ready() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 20;
    let mut h = Harness::new(
        vec![g],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    );
    h.login_ready(0, "a1");
    h.arrive(1, "first", "g");
    h.arrive(2, "second", "g");
    h.arrive(3, "third", "g");
    h.tick(21);
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::StopRinging {
            cause: Cause::NoAnswer,
            ..
        }
    )));
    assert_eq!(
        h.status("a1"),
        AgentStatus::NotReady {
            reason: "NO_ANSWER".into()
        }
    );
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"first".into()).unwrap(),
        CallStatus::Queued { position: 1, .. }
    ));
    assert_eq!(h.stats("g").no_answer, 1);
    h.login_ready(22, "a2");
    assert_eq!(h.offers()[0].0, "first");
}

#[test]
fn r3_7_clerical_then_ready_or_requested_not_ready() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 10;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.hangup(5, "c1");
    assert_eq!(h.engine.poll_timeout(), Some(Instant::from_secs(15)));
    h.arrive(6, "c2", "g");
    assert!(h.offers().is_empty(), "no calls during clerical");
    h.tick(15);
    assert_eq!(
        h.offered_to("c2").map(|o| o.0),
        Some("a1".into()),
        "Ready after clerical takes c2"
    );

    let (_, e) = h.offered_to("c2").unwrap();
    h.answer(16, "c2", "a1", e);
    h.at(
        17,
        Command::NotReady {
            agent: "a1".into(),
            reason: "LUNCH".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    assert!(
        matches!(h.status("a1"), AgentStatus::Talking { .. }),
        "requested during the call"
    );
    h.hangup(20, "c2");
    assert!(matches!(h.status("a1"), AgentStatus::Clerical { .. }));
    h.tick(30);
    assert_eq!(
        h.status("a1"),
        AgentStatus::NotReady {
            reason: "LUNCH".into()
        }
    );
    assert_eq!(h.stats("g").clerical_ms, 20_000);
}

#[test]
fn r3_7_ready_ends_clerical_early() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 60;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(1, "c1", "a1", e);
    h.hangup(2, "c1");
    h.ready(3, "a1");
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    h.tick(62); // the clerical timer is moot
    assert_eq!(h.status("a1"), AgentStatus::Ready);
}

#[test]
fn r3_8_overflow_on_full_queue_max_wait_and_no_agents() {
    let mut g = group("g", &["s"]);
    g.max_queue_len = Some(1);
    g.max_wait_s = Some(30);
    g.overflow = Some(Destination::Number("+15550199".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    // No agent logged on: the group is closed.
    h.arrive(0, "closed", "g");
    assert!(matches!(
        &h.effects[..],
        [Effect::Divert {
            cause: Cause::GroupClosed,
            epoch: None,
            ..
        }]
    ));
    h.logon(1, "a1");
    h.arrive(2, "c1", "g");
    h.arrive(3, "c2", "g");
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::Divert {
            cause: Cause::QueueFull,
            ..
        }
    )));
    h.tick(32);
    assert!(h.effects.iter().any(
        |e| matches!(e, Effect::Divert { cause: Cause::MaxWait, call, .. } if call.as_str() == "c1")
    ));
    let s = h.stats("g");
    assert_eq!((s.offered, s.overflowed, s.queued), (3, 3, 0));
}

#[test]
fn r3_8_last_agent_logging_off_overflows_waiting_calls_and_loops_are_guarded() {
    let mut a = group("a", &["s"]);
    a.overflow = Some(Destination::Group("b".into()));
    let mut b = group("b", &["s"]);
    b.overflow = Some(Destination::Group("a".into()));
    let mut h = Harness::new(vec![a, b], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(1, "c1", "a");
    h.at(
        2,
        Command::Logoff {
            agent: "a1".into(),
            reason: None,
        },
    )
    .unwrap();
    // a -> b (closed) -> a would loop: the call stays in b, never dropped.
    assert!(
        matches!(h.engine.call_status(&h.tenant, &"c1".into()).unwrap(), CallStatus::Queued { group, .. } if group.as_str() == "b")
    );
    assert_eq!(h.stats("a").overflowed, 1);
}

#[test]
fn r3_9_abandon_is_counted() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(1, "c1", "g");
    h.hangup(13, "c1");
    assert!(h.has_event(|e| matches!(
        e,
        EventKind::CallAbandoned {
            wait_ms: 12_000,
            ..
        }
    )));
    assert!(h.engine.call_status(&h.tenant, &"c1".into()).is_err());
    // Abandon while ringing stops the ringing and frees the agent.
    h.ready(14, "a1");
    h.arrive(15, "c2", "g");
    h.hangup(16, "c2");
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::StopRinging {
            cause: Cause::CallerHangup,
            ..
        }
    )));
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    let s = h.stats("g");
    assert_eq!(
        (s.offered, s.abandoned, s.abandoned_wait_ms),
        (2, 2, 13_000)
    );
}

#[test]
fn r8_1_every_transition_is_an_event_with_cause() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 5;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    h.tick(6);
    let no_answer = h
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::CallNoAnswer { .. }))
        .unwrap();
    assert_eq!(
        (no_answer.at, no_answer.tenant.as_str()),
        (Instant::from_secs(6), common::TENANT)
    );
    assert!(h.has_event(|e| matches!(
        e,
        EventKind::AgentState {
            status: AgentStatus::NotReady { .. },
            cause: Cause::NoAnswer,
            ..
        }
    )));
    assert!(h.has_event(|e| matches!(
        e,
        EventKind::CallQueued {
            cause: Cause::NoAnswer,
            ..
        }
    )));
    let json = serde_json::to_string(&h.events[0]).unwrap();
    assert!(
        json.contains("\"event\":") && json.contains("\"tenant\":\"t\""),
        "{json}"
    );
}

#[test]
fn r8_2_group_counters_service_level_asa_aht() {
    let mut g = group("g", &["s"]);
    g.service_level_s = 10;
    g.clerical_s = 4;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(0, "fast", "g");
    let (_, e) = h.offered_to("fast").unwrap();
    h.answer(2, "fast", "a1", e); // waited 2 s
    h.arrive(3, "slow", "g");
    h.hangup(12, "fast"); // talk 10 s, clerical to 16
    h.tick(16);
    let (_, e) = h.offered_to("slow").unwrap();
    h.answer(23, "slow", "a1", e); // waited 20 s
    h.hangup(33, "slow");
    let s = h.stats("g");
    assert_eq!((s.offered, s.answered, s.answered_within_sl), (2, 2, 1));
    assert!((s.service_level() - 0.5).abs() < 1e-9);
    assert!((s.asa_ms() - 11_000.0).abs() < 1e-9);
    assert!(
        (s.aht_ms() - 14_000.0).abs() < 1e-9,
        "talk 10 s + clerical 4 s"
    );
    assert_eq!(s.longest_wait_ms, 20_000);
}

#[test]
fn r3_8_overflow_to_a_group_of_another_media_is_refused() {
    let mut mail = group("mail", &["s"]);
    mail.media = Media::Email;
    mail.overflow = Some(Destination::Group("voice".into()));
    let mut t = TenantConfig::new(common::TENANT);
    t.groups = vec![group("voice", &["s"]), mail.clone()];
    let err = EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        (err.object.contains("\"mail\""), err.field.as_str()),
        (true, "overflow")
    );
    // At runtime too, in both directions.
    let mut h = Harness::new(
        vec![group("voice", &["s"]), group("other", &["s"])],
        vec![agent("a", &[("s", 1)])],
    );
    let err = h
        .at(
            0,
            Command::UpsertGroup {
                group: Box::new(mail.clone()),
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let mut to_other = group("voice", &["s"]);
    to_other.overflow = Some(Destination::Group("other".into()));
    h.at(
        1,
        Command::UpsertGroup {
            group: Box::new(to_other),
        },
    )
    .unwrap();
    let mut other_mail = group("other", &["s"]);
    other_mail.media = Media::Email;
    let err = h
        .at(
            2,
            Command::UpsertGroup {
                group: Box::new(other_mail),
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::InUse { .. }), "{err:?}");
}

#[test]
fn r3_4_a_stage_at_zero_seconds_applies_on_arrival() {
    let mut g = group("g", &["s0"]);
    g.stages = vec![StageConfig {
        after_s: 0,
        min_level: None,
        skills: Some(vec![SkillRequirement {
            skill: "s1".into(),
            min_level: 1,
        }]),
        overflow: None,
        ..Default::default()
    }];
    let mut h = Harness::new(vec![g], vec![agent("b", &[("s1", 1)])]);
    h.login_ready(0, "b");
    h.arrive(1, "c", "g");
    assert_eq!(
        h.offered_to("c").map(|o| o.0),
        Some("b".into()),
        "no wait for a later timer (R-3.2)"
    );
}

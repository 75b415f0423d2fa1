//! Audit of the statistics and their events against
//! hand-computed small scenarios, as a vendor report or a queueing model
//! would define them.

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

fn answer_offer(h: &mut Harness, secs: u64, call: &str) -> String {
    let (a, e) = h
        .offered_to(call)
        .unwrap_or_else(|| panic!("{call} offered"));
    h.answer(secs, call, &a, e);
    a
}

/// a call that overflows from A to B is offered in both, counted
/// overflowed in A only, answered in B; B's speed of answer is timed from
/// its entry into B; A's service level counts it in its denominator.
#[test]
fn r8_2_overflowed_call_is_offered_in_both_groups_and_overflowed_in_the_first() {
    let mut a = group("a", &["s"]);
    a.max_wait_s = Some(30);
    a.overflow = Some(Destination::Group("b".into()));
    a.service_level_s = 20;
    let mut b = group("b", &["t"]);
    b.service_level_s = 20;
    let mut h = Harness::new(
        vec![a, b],
        vec![agent("x", &[("s", 1)]), agent("y", &[("t", 1)])],
    );
    h.logon(0, "x");
    h.logon(0, "y");
    h.arrive(10, "c1", "a");
    h.tick(40); // overflows to b after 30 s
    h.ready(50, "y");
    answer_offer(&mut h, 55, "c1"); // 15 s in b
    let (sa, sb) = (h.stats("a"), h.stats("b"));
    assert_eq!(
        (sa.offered, sa.overflowed, sa.answered, sa.abandoned),
        (1, 1, 0, 0)
    );
    assert_eq!(
        (
            sb.offered,
            sb.overflowed,
            sb.answered,
            sb.answered_within_sl
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(sb.answered_wait_ms, 15_000);
    assert_eq!(sa.service_level(), 0.0);
    assert_eq!(sb.service_level(), 1.0);
}

/// with: a call not answered and answered later by
/// another agent counts one offered, one answered, and its speed of answer
/// runs from its arrival in the group, not from its return to the queue.
#[test]
fn r8_2_r10_4_asa_after_a_no_answer_runs_from_the_original_arrival() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 10;
    g.service_level_s = 15;
    let mut h = Harness::new(
        vec![g],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    );
    h.login_ready(0, "a1");
    h.arrive(5, "c1", "g");
    h.tick(15); // no answer at a1
    h.login_ready(17, "a2");
    answer_offer(&mut h, 19, "c1");
    let s = h.stats("g");
    assert_eq!((s.offered, s.answered, s.no_answer), (1, 1, 1));
    assert_eq!(s.answered_wait_ms, 14_000);
    assert_eq!(s.answered_within_sl, 1);
    assert_eq!(s.longest_wait_ms, 14_000);
}

/// service level is answered within T over *offered*: abandoned and
/// overflowed calls are in the denominator; an answer exactly at T is
/// within; ASA averages answered calls only.
#[test]
fn r8_2_service_level_over_offered_and_asa_over_answered_only() {
    let mut g = group("g", &["s"]);
    g.service_level_s = 10;
    g.max_queue_len = Some(1);
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(
        vec![g],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    );
    h.logon(0, "a1");
    h.logon(0, "a2");
    h.arrive(0, "c1", "g"); // queued
    h.arrive(1, "full", "g"); // queue full: overflowed
    h.ready(10, "a1");
    answer_offer(&mut h, 10, "c1"); // waited exactly 10 s: within
    h.arrive(20, "c2", "g");
    h.hangup(50, "c2"); // abandoned after 30 s
    h.arrive(60, "c3", "g");
    h.ready(70, "a2");
    answer_offer(&mut h, 71, "c3"); // waited 11 s: not within
    let s = h.stats("g");
    assert_eq!(
        (
            s.offered,
            s.answered,
            s.abandoned,
            s.overflowed,
            s.answered_within_sl
        ),
        (4, 2, 1, 1, 1)
    );
    assert!((s.service_level() - 0.25).abs() < 1e-9);
    assert!((s.asa_ms() - 10_500.0).abs() < 1e-9);
    assert_eq!(s.longest_wait_ms, 30_000);
}

/// a caller who hangs up while the call rings is abandoned, not
/// answered, and its wait (queue + ringing) is not in the ASA.
#[test]
fn r8_2_abandon_while_ringing_is_abandoned_with_its_full_wait() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 30;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(0, "c1", "g");
    h.ready(4, "a1");
    assert!(h.offered_to("c1").is_some());
    h.hangup(9, "c1");
    let s = h.stats("g");
    assert_eq!((s.offered, s.answered, s.abandoned), (1, 0, 1));
    assert_eq!((s.abandoned_wait_ms, s.answered_wait_ms), (9_000, 0));
    assert_eq!(s.asa_ms(), 0.0);
}

/// AHT is talk + hold + clerical per handled call: a call talked
/// 10 s, held 5 s, talked 5 s more, with 6 s clerical: 26 s.
#[test]
fn r8_2_aht_is_talk_plus_hold_plus_clerical() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 6;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(0, "c1", "g");
    answer_offer(&mut h, 0, "c1");
    h.at(10, Command::Hold { call: "c1".into() }).unwrap();
    h.at(15, Command::Retrieve { call: "c1".into() }).unwrap();
    h.hangup(20, "c1");
    h.tick(26);
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    let s = h.stats("g");
    assert_eq!(
        (s.handled, s.talk_ms, s.hold_ms, s.clerical_ms),
        (1, 15_000, 5_000, 6_000)
    );
    assert!((s.aht_ms() - 26_000.0).abs() < 1e-9);
}

/// with: an agent who ends clerical early by going Ready spent
/// 2 s, not the group's 10 s, in clerical: the AHT counts the clerical
/// time actually spent.
#[test]
fn r8_2_r3_7_clerical_ended_early_counts_the_time_spent() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 10;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(0, "c1", "g");
    answer_offer(&mut h, 0, "c1");
    h.hangup(20, "c1");
    h.ready(22, "a1");
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    let s = h.stats("g");
    assert_eq!((s.handled, s.talk_ms, s.clerical_ms), (1, 20_000, 2_000));
    assert!((s.aht_ms() - 22_000.0).abs() < 1e-9);
}

/// the longest wait covers every call that waited in the group,
/// also one that left it by overflow after waiting 40 s.
#[test]
fn r8_2_longest_wait_includes_a_call_that_overflowed_out() {
    let mut g = group("g", &["s"]);
    g.max_wait_s = Some(40);
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(0, "c1", "g");
    h.tick(40);
    assert_eq!(h.stats("g").overflowed, 1);
    assert_eq!(h.stats("g").longest_wait_ms, 40_000);
}

/// the longest wait includes the calls still waiting: a call queued
/// for 50 s when the figures are read has waited 50 s.
#[test]
fn r8_2_longest_wait_includes_calls_still_waiting() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(0, "c1", "g");
    h.arrive(30, "c2", "g");
    h.tick(50);
    assert_eq!(h.stats("g").longest_wait_ms, 50_000);
}

/// occupancy = busy / logged-on time. Logged on at 0, ringing 10..12,
/// talking 12..32, clerical 32..40, read at 80: busy 30 s of 80 s.
#[test]
fn r8_2_agent_occupancy_is_busy_over_logged_on_time() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 8;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(10, "c1", "g");
    answer_offer(&mut h, 12, "c1");
    h.hangup(32, "c1");
    h.tick(80);
    let st = h.engine.agent_stats(&h.tenant, &"a1".into()).unwrap();
    assert_eq!(
        (st.answered, st.busy_ms, st.logged_on_ms),
        (1, 30_000, 80_000)
    );
    assert!((st.occupancy - 0.375).abs() < 1e-9);
}

/// intervals: per-interval figures are the difference of two
/// readings at the interval's edges; a call that arrives in one interval
/// and is answered in the next is offered in the first, answered in the
/// second.
#[test]
fn r8_2_a_call_spanning_two_intervals() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(890, "c1", "g");
    h.tick(900);
    let edge = h.stats("g");
    h.ready(910, "a1");
    answer_offer(&mut h, 910, "c1");
    let end = h.stats("g");
    assert_eq!((edge.offered, edge.answered, edge.queued), (1, 0, 1));
    assert_eq!(
        (end.offered - edge.offered, end.answered - edge.answered),
        (0, 1)
    );
    assert_eq!(end.answered_wait_ms - edge.answered_wait_ms, 20_000);
}

/// with: clerical cut short by Not Ready counts the
/// time spent (3 s); an agent whose logoff was deferred to the end of the
/// call logs off instead of clerical, and no clerical time is counted.
#[test]
fn r8_2_r2_3_clerical_cut_by_not_ready_or_skipped_by_logoff() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 10;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(0, "c1", "g");
    answer_offer(&mut h, 0, "c1");
    h.hangup(10, "c1");
    h.at(
        13,
        Command::NotReady {
            agent: "a1".into(),
            reason: "BREAK".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    assert_eq!(h.stats("g").clerical_ms, 3_000);
    h.ready(20, "a1");
    h.arrive(20, "c2", "g");
    answer_offer(&mut h, 20, "c2");
    h.logoff(25, "a1");
    h.hangup(30, "c2");
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
    h.tick(60);
    let s = h.stats("g");
    assert_eq!((s.handled, s.talk_ms, s.clerical_ms), (2, 20_000, 3_000));
    assert!((s.aht_ms() - 11_500.0).abs() < 1e-9);
}

/// with: a personal call that waited 30 s for its busy agent
/// and was then deflected waited 30 s in the group: the longest wait.
#[test]
fn r8_2_r4_7_longest_wait_includes_a_deflected_call() {
    let mut h = common::personal_harness(vec![]);
    h.login_ready(0, "a2");
    common::dial(&mut h, 1, "c1", "5501");
    answer_offer(&mut h, 2, "c1");
    common::dial(&mut h, 10, "c2", "5501"); // a2 busy: waits 30 s
    h.tick(40);
    let divert = h.effects.iter().find_map(|e| match e {
        Effect::Divert {
            call,
            epoch: Some(epoch),
            ..
        } if call.as_str() == "c2" => Some(*epoch),
        _ => None,
    });
    let epoch = divert.expect("c2 deflected to a2's destination");
    h.at(
        41,
        Command::DivertResult {
            call: "c2".into(),
            epoch,
            ok: true,
        },
    )
    .unwrap();
    let s = h.stats("personal");
    assert_eq!(s.deflected, 1);
    assert_eq!(s.longest_wait_ms, 31_000);
}

/// the agent events of one shift — logon, ready, clerical, not
/// ready with its reason, logoff — each an event of the tenant, naming the
/// agent, at the time of the change.
#[test]
fn r8_1_agent_events_of_a_shift_carry_tenant_agent_time_and_status() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 5;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    let mut seen = Vec::new();
    let mut keep = |h: &Harness| {
        for e in &h.events {
            if let EventKind::AgentState { agent, status, .. } = &e.kind {
                assert_eq!((e.tenant.as_str(), agent.as_str()), (common::TENANT, "a1"));
                seen.push((e.at.as_millis() / 1000, status.clone()));
            }
        }
    };
    h.logon(0, "a1");
    keep(&h);
    h.ready(1, "a1");
    keep(&h);
    h.arrive(2, "c1", "g");
    keep(&h);
    answer_offer(&mut h, 3, "c1");
    keep(&h);
    h.hangup(10, "c1");
    keep(&h);
    h.at(
        12,
        Command::NotReady {
            agent: "a1".into(),
            reason: "BREAK".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    keep(&h);
    h.logoff(20, "a1");
    keep(&h);
    let at = |s: u64| {
        seen.iter()
            .filter(|(t, _)| *t == s)
            .map(|(_, st)| st.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        matches!(at(0)[..], [AgentStatus::NotReady { .. }]),
        "{seen:?}"
    );
    assert_eq!(at(1), vec![AgentStatus::Ready]);
    assert!(
        matches!(at(10)[..], [AgentStatus::Clerical { until }] if until == Instant::from_secs(15)),
        "{seen:?}"
    );
    assert_eq!(
        at(12),
        vec![AgentStatus::NotReady {
            reason: "BREAK".into()
        }]
    );
    assert_eq!(at(20), vec![AgentStatus::LoggedOut]);
}

/// Saves the harness's engine and continues with the reloaded copy.
fn restart(h: &mut Harness) {
    let json = serde_json::to_string(&h.engine).unwrap();
    h.engine = serde_json::from_str(&json).unwrap();
    h.engine.check_invariants().unwrap();
}

/// with: across a save and reload the group's figures are
/// kept, queued calls keep their order and their max-wait timer, and a
/// clerical period running at the save still counts only the time spent.
#[test]
fn r7_2_r8_2_figures_queue_order_and_timers_survive_a_restart() {
    let mut g = group("g", &["s"]);
    g.max_wait_s = Some(60);
    g.overflow = Some(Destination::Number("+1555".into()));
    g.clerical_s = 10;
    let mut h = Harness::new(
        vec![g],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    );
    h.login_ready(0, "a1");
    h.logon(0, "a2");
    h.arrive(0, "c0", "g");
    answer_offer(&mut h, 2, "c0");
    h.arrive(10, "c1", "g");
    h.arrive(20, "c2", "g");
    h.hangup(25, "c0"); // clerical 25..35
    let before = h.stats("g");
    restart(&mut h);
    assert_eq!(h.stats("g"), before);
    assert_eq!(h.engine.poll_timeout(), Some(Instant::from_secs(35)));
    h.ready(30, "a1"); // clerical ended after 5 s
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a1".into()));
    assert_eq!(h.stats("g").clerical_ms, 5_000);
    answer_offer(&mut h, 31, "c1");
    restart(&mut h);
    h.tick(79); // c2 still waiting: 59 s
    assert_eq!(h.stats("g").queued, 1);
    h.tick(80);
    let s = h.stats("g");
    assert_eq!(
        (s.offered, s.answered, s.overflowed, s.queued),
        (3, 2, 1, 0)
    );
    assert_eq!((s.answered_wait_ms, s.longest_wait_ms), (23_000, 60_000));
}

/// Agent `a1`, logged on and Ready for chat, with room for two chats at
/// once, serving group `chat`.
fn chat_agent_of_two_contacts() -> Harness {
    let mut g = group("chat", &["c"]);
    g.media = Media::Chat;
    let mut a = agent("a1", &[("c", 1)]);
    a.capacity = Some(CapacityConfig {
        per_media: [(Media::Chat, 2)].into_iter().collect(),
        ..CapacityConfig::default()
    });
    let mut h = Harness::new(vec![g], vec![a]);
    h.at(
        0,
        Command::Logon {
            agent: "a1".into(),
            extension: "x".into(),
            media: vec![Media::Chat],
        },
    )
    .unwrap();
    h.at(
        0,
        Command::Ready {
            agent: "a1".into(),
            media: Media::Chat,
        },
    )
    .unwrap();
    h
}

/// Chat `c` arrives in group `chat` at `secs` and its offer is answered.
fn chat_answered(h: &mut Harness, secs: u64, c: &str) {
    h.at(
        secs,
        Command::call_arrived(CallSpec {
            media: Some(Media::Chat),
            ..CallSpec::new(c, "chat")
        }),
    )
    .unwrap();
    answer_offer(h, secs, c);
}

/// with: occupancy = busy time / logged-on time, busy being
/// the time the agent handles at least one contact. Two chats at once
/// from 0 to 10 s, read at 40 s: busy 10 s, occupancy 0.25.
#[test]
fn r8_2_r10_3_occupancy_of_concurrent_contacts_counts_busy_time_once() {
    let mut h = chat_agent_of_two_contacts();
    for c in ["k1", "k2"] {
        chat_answered(&mut h, 0, c);
    }
    h.hangup(10, "k1");
    h.hangup(10, "k2");
    h.tick(40);
    let st = h.engine.agent_stats(&h.tenant, &"a1".into()).unwrap();
    assert_eq!(
        (st.answered, st.busy_ms, st.logged_on_ms),
        (2, 10_000, 40_000)
    );
    assert!((st.occupancy - 0.25).abs() < 1e-9);
}

/// with: overlapping, staggered contacts count their union.
/// Chat k1 from 0 to 10 s, k2 from 5 to 15 s: busy 12 s when read at 12 s
/// (k2 still open), 15 s when read at 40 s, not 20 s.
#[test]
fn r8_2_r10_3_staggered_concurrent_contacts_count_their_union() {
    let mut h = chat_agent_of_two_contacts();
    for (at, c) in [(0, "k1"), (5, "k2")] {
        chat_answered(&mut h, at, c);
    }
    h.hangup(10, "k1");
    h.tick(12);
    let busy = |h: &Harness| h.engine.agent_stats(&h.tenant, &"a1".into()).unwrap();
    assert_eq!(busy(&h).busy_ms, 12_000);
    h.hangup(15, "k2");
    h.tick(40);
    let st = busy(&h);
    assert_eq!((st.busy_ms, st.logged_on_ms), (15_000, 40_000));
    assert!((st.occupancy - 0.375).abs() < 1e-9);
}

/// the cap of 100 codes is what a *phone* agent is shown, and a
/// phone agent chooses only from what it is shown; an Agent-application
/// agent of the same team sees and may use all 120 codes that apply.
#[test]
fn r1_5_only_a_phone_agent_is_limited_to_100_codes() {
    let code = |name: String| ReasonCodeConfig {
        code: name.into(),
        label: String::new(),
        team: None,
    };
    let mut phone = agent("phone", &[("s", 1)]);
    phone.kind = AgentKind::Phone;
    let desk = agent("desk", &[("s", 1)]);
    let mut t = TenantConfig::new(common::TENANT);
    t.reason_codes.not_ready = (0..120).map(|i| code(format!("R{i}"))).collect();
    t.groups = vec![group("g", &["s"])];
    t.agents = vec![phone, desk];
    let mut h = Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    });
    let shown = |h: &Harness, a: &str| {
        h.engine
            .reason_codes(&h.tenant, &a.into(), ReasonKind::NotReady)
            .unwrap()
    };
    assert_eq!(shown(&h, "phone").len(), 100);
    assert_eq!(shown(&h, "phone")[99].code.as_str(), "R99");
    assert_eq!(shown(&h, "desk").len(), 120);
    h.logon(0, "phone");
    h.logon(0, "desk");
    let not_ready = |h: &mut Harness, a: &str, r: &str| {
        h.at(
            1,
            Command::NotReady {
                agent: a.into(),
                reason: r.into(),
                media: Media::Voice,
            },
        )
    };
    assert_eq!(
        not_ready(&mut h, "phone", "R110"),
        Err(Error::UnknownReason("R110".into()))
    );
    not_ready(&mut h, "phone", "R99").unwrap();
    not_ready(&mut h, "desk", "R110").unwrap();
    assert_eq!(
        h.status("desk"),
        AgentStatus::NotReady {
            reason: "R110".into()
        }
    );
}

/// commands of one tenant naming another tenant's agent or call —
/// transfer target, pick, answer, hangup, preferred agent — get the typed
/// "unknown" error of an id that exists nowhere, and change nothing: the
/// other tenant's call keeps ringing at its agent, no figure moves.
#[test]
fn r1_1_another_tenants_ids_in_call_commands_are_unknown_and_change_nothing() {
    let tenant = |id: &str, agent_id: &str| {
        let mut t = TenantConfig::new(id);
        let mut g = group("g", &["s"]);
        g.display_in_dispatch = true;
        t.groups.push(g);
        let mut a = agent(agent_id, &[("s", 5)]);
        a.dispatch_access = true;
        a.can_pick = true;
        t.agents.push(a);
        t
    };
    let mut h = Harness::with_config(EngineConfig {
        tenants: vec![tenant("acme", "alice"), tenant("globex", "gus")],
        ..EngineConfig::default()
    });
    let (acme, globex) = (TenantId::new("acme"), TenantId::new("globex"));
    h.tenant = globex.clone();
    h.login_ready(0, "gus");
    h.arrive(1, "gc", "g"); // rings at gus
    let (_, gepoch) = h.offered_to("gc").unwrap();
    h.tenant = acme.clone();
    h.login_ready(2, "alice");
    h.arrive(3, "ac", "g");
    let (_, aepoch) = h.offered_to("ac").unwrap();
    h.answer(4, "ac", "alice", aepoch);
    let before = (
        h.engine.group_stats(&globex, &"g".into()).unwrap(),
        h.engine.call_status(&globex, &"gc".into()).unwrap(),
        h.engine
            .agent_status(&globex, &"gus".into(), Media::Voice)
            .unwrap(),
    );
    let refused = [
        (
            Command::Transfer {
                call: "ac".into(),
                to_agent: "gus".into(),
            },
            Error::UnknownAgent("gus".into()),
        ),
        (
            Command::Pick {
                agent: "alice".into(),
                call: "gc".into(),
            },
            Error::UnknownCall("gc".into()),
        ),
        (
            Command::Answered {
                call: "gc".into(),
                agent: "gus".into(),
                epoch: gepoch,
            },
            Error::UnknownCall("gc".into()),
        ),
        (
            Command::Hangup { call: "gc".into() },
            Error::UnknownCall("gc".into()),
        ),
        (
            Command::call_arrived(CallSpec {
                preferred_agents: vec![PreferredAgent {
                    agent: "gus".into(),
                    score: Some(1),
                }],
                ..CallSpec::new("ac2", "g")
            }),
            Error::UnknownAgent("gus".into()),
        ),
    ];
    for (i, (cmd, want)) in refused.into_iter().enumerate() {
        let err = h.at(5 + i as u64, cmd).unwrap_err();
        assert_eq!(err, want);
    }
    let after = (
        h.engine.group_stats(&globex, &"g".into()).unwrap(),
        h.engine.call_status(&globex, &"gc".into()).unwrap(),
        h.engine
            .agent_status(&globex, &"gus".into(), Media::Voice)
            .unwrap(),
    );
    // Only the clock moved: the globex call's wait grew, nothing else.
    assert_eq!(
        (&after.0.offered, &after.0.answered, &after.1, &after.2),
        (&before.0.offered, &before.0.answered, &before.1, &before.2)
    );
    assert!(h.engine.call_status(&acme, &"ac2".into()).is_err());
    assert!(matches!(
        h.engine.call_status(&acme, &"ac".into()).unwrap(),
        CallStatus::Connected { .. }
    ));
}

/// a caller who hangs up while on hold: the hold time up to the
/// hang-up is hold, not talk (talk 8 s, hold 12 s), and the call is
/// handled once.
#[test]
fn r8_2_hangup_on_hold_counts_the_hold_until_the_hangup() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(0, "c1", "g");
    answer_offer(&mut h, 2, "c1");
    h.at(10, Command::Hold { call: "c1".into() }).unwrap();
    h.hangup(22, "c1");
    assert_eq!(h.status("a1"), AgentStatus::Ready);
    let s = h.stats("g");
    assert_eq!((s.handled, s.talk_ms, s.hold_ms), (1, 8_000, 12_000));
    assert!((s.aht_ms() - 20_000.0).abs() < 1e-9);
}

/// with: the loser of a pick gets "already taken" while the
/// winner's offer rings; when the winner does not answer, the call is back
/// in the dispatch queue and the other agent's pick then succeeds. The
/// group counts the call offered once and its no-answer once.
#[test]
fn r5_2_r4_6_a_call_the_winner_did_not_answer_can_be_picked_again() {
    let mut h = common::personal_harness(vec![]);
    h.login_ready(0, "a1");
    h.login_ready(0, "a3");
    common::dial(&mut h, 1, "c1", "9999");
    let pick = |h: &mut Harness, secs: u64, a: &str| {
        h.at(
            secs,
            Command::Pick {
                agent: a.into(),
                call: "c1".into(),
            },
        )
    };
    pick(&mut h, 2, "a3").unwrap();
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a3".into()));
    assert_eq!(pick(&mut h, 3, "a1"), Err(Error::AlreadyTaken("c1".into())));
    h.tick(22); // a3 rang 20 s: no answer
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()).unwrap(),
        CallStatus::Parked { .. }
    ));
    pick(&mut h, 23, "a1").unwrap();
    answer_offer(&mut h, 24, "c1");
    let s = h.stats("personal");
    assert_eq!((s.offered, s.no_answer, s.answered), (1, 1, 1));
    assert_eq!(s.answered_wait_ms, 23_000);
}

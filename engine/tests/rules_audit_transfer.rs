//! Audit of reporting after transfers, the states and events
//! around hold and customer authentication, and the
//! phone agent's and the tenant's authentication settings:
//! hand-computed figures for the cases `rules_fidelity.rs`,
//! `rules_personal.rs` and `rules_authentication.rs` leave out (transfer
//! back and forth, transfer while on hold, before answer, after a
//! callback).
//!
//! Transfers go to an agent only: the engine has no transfer to a group
//! (`Command::Transfer` names a target agent).

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

const AUTH: &str = "+18005550199";

/// Group "g" (skill s, ring time 30 s, clerical `clerical_s`, service level
/// 5 s, reserve 60 s); Agent-application agents "a" and "b", phone agent
/// "p". The tenant authenticates at `AUTH`, sending the agent's DN when
/// `send_dn`.
fn harness(clerical_s: u32, send_dn: bool) -> Harness {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 30;
    g.clerical_s = clerical_s;
    g.service_level_s = 5;
    g.max_reserve_s = 60;
    let mut p = agent("p", &[("s", 1)]);
    p.kind = AgentKind::Phone;
    let mut t = TenantConfig::new(common::TENANT);
    t.auth_number = Some(AUTH.into());
    t.send_dn_from_agent = send_dn;
    t.groups = vec![g];
    t.agents = vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)]), p];
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

fn transfer(h: &mut Harness, secs: u64, call: &str, to: &str) {
    h.at(
        secs,
        Command::Transfer {
            call: call.into(),
            to_agent: to.into(),
        },
    )
    .expect("transfer");
}

fn hold(h: &mut Harness, secs: u64, call: &str, on: bool) {
    let cmd = if on {
        Command::Hold { call: call.into() }
    } else {
        Command::Retrieve { call: call.into() }
    };
    h.at(secs, cmd).expect("hold/retrieve");
}

/// `to` answers the offer of `call` made in the last step.
fn answer_offer(h: &mut Harness, secs: u64, call: &str, to: &str) {
    let (who, epoch) = h.offered_to(call).expect("offered");
    assert_eq!(who, to);
    h.answer(secs, call, to, epoch);
}

fn agent_answered(h: &Harness, a: &str) -> u64 {
    h.engine.agent_stats(&h.tenant, &a.into()).unwrap().answered
}

fn auth(h: &mut Harness, secs: u64, call: &str) {
    h.at(
        secs,
        Command::AuthDivert {
            call: call.into(),
            destination: None,
        },
    )
    .expect("auth divert");
}

fn returned(h: &mut Harness, secs: u64, call: &str) {
    h.at(
        secs,
        Command::CallReturned {
            call: call.into(),
            data: Default::default(),
        },
    )
    .expect("call returned");
}

/// The agent-state events of the last step for `a`, as (status, cause).
fn agent_events(h: &Harness, a: &str) -> Vec<(AgentStatus, Cause)> {
    h.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::AgentState {
                agent,
                status,
                cause,
                ..
            } if agent.as_str() == a => Some((status.clone(), *cause)),
            _ => None,
        })
        .collect()
}

/// a → b (a transfers while holding) → back to a. Only the
/// last agent (a) counts it answered; alerting is a's first ringing; talk
/// and hold add up over both agents; the second answer changes neither
/// ASA, nor service level, nor longest wait; AHT = talk + hold + a's
/// clerical.
#[test]
fn r6_2_r8_2_transfer_back_and_forth_with_hold_before_transfer() {
    let mut h = harness(7, false);
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 4, "c", "a"); // rang 3 s at a; waited 3 s
    assert_eq!(agent_answered(&h, "a"), 1);
    hold(&mut h, 10, "c", true); // a talked 4..10 = 6 s
    transfer(&mut h, 14, "c", "b"); // a held 10..14 = 4 s
    assert_eq!(agent_answered(&h, "a"), 0, "a transferred it on");
    assert_eq!(h.status("a"), AgentStatus::Ready, "no clerical for a");
    answer_offer(&mut h, 16, "c", "b"); // b rang 2 s: not alerting time
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallAnswered { after_transfer: true, agent, .. } if agent.as_str() == "b")));
    assert_eq!(agent_answered(&h, "b"), 1);
    hold(&mut h, 20, "c", true); // b talked 16..20 = 4 s
    hold(&mut h, 23, "c", false); // b held 3 s
    transfer(&mut h, 25, "c", "a"); // b talked 23..25 = 2 s
    assert_eq!(agent_answered(&h, "b"), 0);
    assert!(
        !matches!(h.status("b"), AgentStatus::Clerical { .. }),
        "no clerical for b"
    );
    answer_offer(&mut h, 27, "c", "a"); // a rang 2 s again
    h.hangup(37, "c"); // a talked 27..37 = 10 s
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallEnded { agent: Some(a), talk_ms: 22_000, hold_ms: 7_000, .. }
            if a.as_str() == "a")));
    assert_eq!((agent_answered(&h, "a"), agent_answered(&h, "b")), (1, 0));
    let s = h.stats("g");
    assert_eq!((s.offered, s.answered, s.handled), (1, 1, 1));
    assert_eq!(s.alerting_ms, 3_000, "ringing at the first agent only");
    assert_eq!(s.talk_ms, 6_000 + 4_000 + 2_000 + 10_000);
    assert_eq!(s.hold_ms, 4_000 + 3_000);
    assert_eq!(s.clerical_ms, 7_000, "a's clerical only");
    assert_eq!(s.answered_wait_ms, 3_000);
    assert_eq!(s.asa_ms(), 3_000.0, "ASA from the first answer");
    assert_eq!(s.answered_within_sl, 1);
    assert_eq!(s.service_level(), 1.0);
    assert_eq!(s.longest_wait_ms, 3_000);
    assert_eq!(s.aht_ms(), 36_000.0, "22 s talk + 7 s hold + 7 s clerical");
    assert_eq!(s.no_answer, 0);
    assert!(s.balanced());
    assert!(matches!(h.status("a"), AgentStatus::Clerical { .. }));
}

/// transferred while still ringing at the first agent. The
/// alerting time is the ringing at that first agent (1..6 = 5 s), not at
/// the target; the call is answered once, by the target, and its wait
/// runs from its entry to that answer (14 s: outside a 5 s service level).
#[test]
fn r6_2_transfer_before_answer_alerting_is_the_first_agents_ringing() {
    let mut h = harness(0, false);
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.arrive(1, "c", "g");
    let (_, e1) = h.offered_to("c").unwrap();
    h.at(
        2,
        Command::Alerting {
            call: "c".into(),
            agent: "a".into(),
            epoch: e1,
        },
    )
    .unwrap();
    transfer(&mut h, 6, "c", "b");
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallTransferred { from: None, to, .. } if to.as_str() == "b")));
    answer_offer(&mut h, 15, "c", "b");
    assert!(h.has_event(|e| matches!(
        e,
        EventKind::CallAnswered {
            after_transfer: false,
            wait_ms: 14_000,
            ..
        }
    )));
    h.hangup(25, "c");
    let s = h.stats("g");
    assert_eq!((s.answered, s.handled), (1, 1));
    assert_eq!(s.alerting_ms, 5_000);
    assert_eq!(s.talk_ms, 10_000);
    assert_eq!(s.asa_ms(), 14_000.0);
    assert_eq!(s.answered_within_sl, 0);
    assert_eq!(s.aht_ms(), 10_000.0);
    assert!(s.balanced());
    assert_eq!((agent_answered(&h, "a"), agent_answered(&h, "b")), (0, 1));
}

/// a call back from authentication (Callback) transferred
/// on. Talk time is a's talk before the divert and after the return plus
/// b's; the time the caller was away is neither talk nor hold; only b
/// counts it answered and only b has clerical.
#[test]
fn r6_2_r6_3_transfer_of_a_returned_call() {
    let mut h = harness(7, false);
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 2, "c", "a");
    auth(&mut h, 5, "c"); // a talked 3 s
    returned(&mut h, 20, "c"); // away 15 s
    assert_eq!(h.status("a"), AgentStatus::Callback { call: "c".into() });
    transfer(&mut h, 26, "c", "b"); // a talked 20..26 = 6 s
    assert_eq!(h.status("a"), AgentStatus::Ready);
    answer_offer(&mut h, 28, "c", "b");
    h.hangup(38, "c"); // b talked 10 s
    let s = h.stats("g");
    assert_eq!((s.answered, s.handled), (1, 1));
    assert_eq!(s.talk_ms, 3_000 + 6_000 + 10_000);
    assert_eq!(s.hold_ms, 0);
    assert_eq!(s.clerical_ms, 7_000);
    assert_eq!(s.deflected, 0, "authentication is no deflection out");
    assert!(s.balanced());
    assert_eq!((agent_answered(&h, "a"), agent_answered(&h, "b")), (0, 1));
    assert!(matches!(h.status("b"), AgentStatus::Clerical { .. }));
}

/// Talking ⇄ Hold, then CallWaiting during authentication
/// and Callback when the call comes back, each an agent-state event with
/// its cause.
#[test]
fn r2_1_r8_1_hold_callwaiting_callback_each_an_event_with_cause() {
    let mut h = harness(0, false);
    h.login_ready(0, "a");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 2, "c", "a");
    let talking = h.status("a");
    assert!(matches!(talking, AgentStatus::Talking { .. }));
    hold(&mut h, 3, "c", true);
    let held = h.status("a");
    assert!(matches!(held, AgentStatus::Hold { .. }));
    assert_eq!(agent_events(&h, "a"), vec![(held, Cause::Command)]);
    hold(&mut h, 4, "c", false);
    assert_eq!(agent_events(&h, "a"), vec![(talking, Cause::Command)]);
    auth(&mut h, 5, "c");
    let waiting = AgentStatus::CallWaiting {
        call: "c".into(),
        until: Instant::from_secs(65),
    };
    assert_eq!(h.status("a"), waiting);
    assert_eq!(
        agent_events(&h, "a"),
        vec![(waiting, Cause::Authentication)]
    );
    returned(&mut h, 9, "c");
    let back = AgentStatus::Callback { call: "c".into() };
    assert_eq!(h.status("a"), back);
    assert_eq!(agent_events(&h, "a"), vec![(back, Cause::Authentication)]);
}

/// with: the caller hangs up while away in authentication.
/// The call ends as handled; its talk time stops at the divert (the time
/// away is not servicing time) and the agent goes from CallWaiting to the
/// group's clerical.
#[test]
fn r6_3_r6_2_caller_hangs_up_while_away() {
    let mut h = harness(7, false);
    h.login_ready(0, "a");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 2, "c", "a");
    auth(&mut h, 5, "c"); // a talked 3 s
    h.hangup(30, "c");
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallEnded { agent: Some(a), talk_ms: 3_000, hold_ms: 0, .. }
            if a.as_str() == "a")));
    assert_eq!(
        h.status("a"),
        AgentStatus::Clerical {
            until: Instant::from_secs(37)
        }
    );
    let s = h.stats("g");
    assert_eq!((s.answered, s.handled, s.abandoned), (1, 1, 0));
    assert_eq!((s.talk_ms, s.clerical_ms), (3_000, 7_000));
    assert_eq!(s.aht_ms(), 10_000.0);
    assert!(s.balanced());
}

/// with: a phone agent's caller that never comes back
/// is a disconnected call: handled, with talk time to the clearing (the
/// agent stayed Talking) and no clerical although the group has some.
#[test]
fn r9_3_phone_agent_disconnected_return_call_has_no_clerical_in_stats() {
    let mut h = harness(20, true);
    h.login_ready(0, "p");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 2, "c", "p");
    auth(&mut h, 5, "c");
    assert!(agent_events(&h, "p").is_empty(), "p stays Talking");
    h.tick(65);
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::ClearCall {
            cause: Cause::ReserveExpired,
            ..
        }
    )));
    assert_eq!(h.status("p"), AgentStatus::Ready);
    let s = h.stats("g");
    assert_eq!((s.answered, s.handled), (1, 1));
    assert_eq!(s.clerical_ms, 0, "a disconnected call: no clerical");
    assert_eq!(
        s.talk_ms, 63_000,
        "Talking from 2 s to the clearing at 65 s"
    );
    assert_eq!(agent_answered(&h, "p"), 1);
}

/// a phone agent's call sent to authentication also records Parked
/// and Call Deflected to other Destination; the divert goes to exactly the
/// tenant's number; without "send DN from agent" no extension travels.
#[test]
fn r9_5_phone_agent_divert_events_and_no_dn_when_not_set() {
    let mut h = harness(0, false);
    h.login_ready(0, "p");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 2, "c", "p");
    h.at(
        5,
        Command::AuthDivert {
            call: "c".into(),
            destination: Some(AUTH.into()),
        },
    )
    .unwrap();
    let diverts: Vec<_> = h
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Divert {
                destination,
                private_data,
                ..
            } => Some((destination.clone(), private_data.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(diverts.len(), 1);
    assert_eq!(diverts[0].0, AUTH);
    assert!(diverts[0].1.is_empty(), "no agent_dn: {:?}", diverts[0].1);
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallParked { cause: Cause::Authentication, reserved_for: Some(a), .. }
            if a.as_str() == "p")));
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallDeflected { cause: Cause::Authentication, destination, .. }
            if destination == AUTH)));
    let s = h.stats("g");
    assert_eq!((s.parked, s.deflected), (0, 0), "still the agent's call");
    assert!(s.balanced());
}

/// with "send DN from agent" the phone agent's extension travels
/// in the divert's private data too.
#[test]
fn r9_5_phone_agent_dn_travels_when_set() {
    let mut h = harness(0, true);
    h.login_ready(0, "p");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 2, "c", "p");
    auth(&mut h, 5, "c");
    assert!(h.effects.iter().any(|e| matches!(e,
        Effect::Divert { destination, private_data, .. }
            if destination == AUTH
                && private_data.get("agent_dn").map(String::as_str) == Some("ext-p"))));
}

/// answered by a, transferred to b who does not answer
/// in ring time: back to the queue, then answered by a again. Still one
/// answer for the group (ASA from the first answer), alerting a's first
/// ringing, b's ringing a no-answer and b no answered call.
#[test]
fn r6_2_transfer_not_answered_then_answered_again_counts_once() {
    let mut h = harness(0, false);
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 3, "c", "a"); // 2 s alerting and wait
    transfer(&mut h, 10, "c", "b"); // a talked 7 s
    h.logon(11, "p"); // not Ready: takes nothing
    h.tick(40); // b's 30 s ring time runs out; a is Ready and takes it
    assert_eq!(
        h.status("b"),
        AgentStatus::NotReady {
            reason: "NO_ANSWER".into()
        }
    );
    answer_offer(&mut h, 41, "c", "a");
    h.hangup(51, "c"); // a talked 10 s more
    let s = h.stats("g");
    assert_eq!(
        (s.offered, s.answered, s.handled, s.no_answer),
        (1, 1, 1, 1)
    );
    assert_eq!(s.alerting_ms, 2_000);
    assert_eq!(s.talk_ms, 17_000);
    assert_eq!(s.asa_ms(), 2_000.0);
    assert_eq!(s.longest_wait_ms, 2_000);
    assert!(s.balanced());
    assert_eq!((agent_answered(&h, "a"), agent_answered(&h, "b")), (1, 0));
}

/// R-6.3 with R-2.1: the agent whose call came back "sees it as Callback
/// and continues" — carrying on the call includes putting it on hold, as
/// the same agent may transfer it or send it to authentication again from
/// Callback. Retrieved, the call is talking again.
#[test]
fn r6_3_r2_1_a_returned_call_can_be_held() {
    let mut h = harness(0, false);
    h.login_ready(0, "a");
    h.arrive(1, "c", "g");
    answer_offer(&mut h, 2, "c", "a");
    auth(&mut h, 5, "c");
    returned(&mut h, 9, "c");
    h.at(10, Command::Hold { call: "c".into() })
        .expect("hold a returned call");
    assert!(matches!(h.status("a"), AgentStatus::Hold { .. }));
    hold(&mut h, 12, "c", false);
    h.hangup(20, "c");
    let s = h.stats("g");
    assert_eq!((s.talk_ms, s.hold_ms), (3_000 + 1_000 + 8_000, 2_000));
}

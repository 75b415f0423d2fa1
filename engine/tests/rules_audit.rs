//! Audit of edge interactions between rules (R-2, R-3, R-4, R-6, R-9,
//! R-10) that the per-rule files do not exercise: scenarios as a vendor
//! manual or a queueing model would check them.

mod common;

use acd_engine::*;
use common::{agent, dial, group, Harness};

fn arrive_prio(h: &mut Harness, secs: u64, call: &str, g: &str, priority: i32) {
    h.at(
        secs,
        Command::call_arrived(CallSpec {
            priority: Some(priority),
            ..CallSpec::new(call, g)
        }),
    )
    .unwrap();
}

fn position(h: &Harness, call: &str) -> usize {
    match h.engine.call_status(&h.tenant, &call.into()).unwrap() {
        CallStatus::Queued { position, .. } => position,
        other => panic!("{call} not queued: {other:?}"),
    }
}

fn not_ready(h: &mut Harness, secs: u64, agent: &str, reason: &str) {
    h.at(
        secs,
        Command::NotReady {
            agent: agent.into(),
            reason: reason.into(),
            media: Media::Voice,
        },
    )
    .unwrap();
}

/// Group `g` (skill `s`, ring time 10 s) and agents `a1`, `a2` with the
/// skill, neither logged on yet.
fn two_agents_ringing_10_s() -> Harness {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 10;
    Harness::new(
        vec![g],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    )
}

fn no_answer_status() -> AgentStatus {
    AgentStatus::NotReady {
        reason: "NO_ANSWER".into(),
    }
}

/// with: a call not answered goes back to its original place:
/// behind a higher-priority call that arrived while it rang, ahead of the
/// equal-priority calls that arrived after it; the next Ready agent takes
/// the higher-priority call, the one after it the returned call.
#[test]
fn r3_6_r3_1_no_answer_returns_behind_higher_priority_ahead_of_later_arrivals() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 20;
    let mut h = Harness::new(
        vec![g],
        vec![
            agent("a1", &[("s", 1)]),
            agent("a2", &[("s", 1)]),
            agent("a3", &[("s", 1)]),
        ],
    );
    h.login_ready(0, "a1");
    arrive_prio(&mut h, 1, "first", "g", 1);
    assert_eq!(h.offered_to("first").map(|o| o.0), Some("a1".into()));
    arrive_prio(&mut h, 2, "later", "g", 1);
    arrive_prio(&mut h, 3, "urgent", "g", 5);
    h.tick(21);
    assert_eq!(h.status("a1"), no_answer_status());
    assert_eq!(
        ["urgent", "first", "later"].map(|c| position(&h, c)),
        [1, 2, 3]
    );
    h.login_ready(22, "a2");
    assert_eq!(h.offers()[0].0, "urgent");
    h.login_ready(23, "a3");
    assert_eq!(h.offers()[0].0, "first");
}

/// the returned call goes at once to another agent already Ready
/// in the same step as the ring timeout.
#[test]
fn r3_6_r3_2_returned_call_goes_at_once_to_an_idle_ready_agent() {
    let mut h = two_agents_ringing_10_s();
    h.login_ready(0, "a1");
    h.login_ready(1, "a2");
    h.arrive(2, "c1", "g");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a1".into()));
    h.tick(12);
    assert_eq!(h.status("a1"), no_answer_status());
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a2".into()));
    // And the stale offer's answer is refused.
    let err = h
        .at(
            13,
            Command::Answered {
                call: "c1".into(),
                agent: "a1".into(),
                epoch: 1,
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::StaleEpoch { .. }), "{err:?}");
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()).unwrap(),
        CallStatus::Offered { .. }
    ));
}

/// with ring-all: nobody answers, every ringing agent is
/// forced Not Ready with the no-answer reason and the call waits first.
#[test]
fn r3_6_ring_all_unanswered_forces_every_ringing_agent_not_ready() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 10;
    g.strategy = Strategy::RingAll;
    let mut h = Harness::new(
        vec![g],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    );
    h.login_ready(0, "a1");
    h.login_ready(0, "a2");
    h.arrive(1, "c1", "g");
    assert_eq!(h.offers().len(), 2);
    h.arrive(2, "c2", "g");
    h.tick(11);
    assert_eq!(h.status("a1"), no_answer_status());
    assert_eq!(h.status("a2"), no_answer_status());
    assert_eq!(position(&h, "c1"), 1);
    assert_eq!(h.stats("g").no_answer, 2);
}

/// clerical 0 and Not Ready requested during the call: Not Ready
/// at once when the call ends, without taking the waiting call; with no
/// request, Ready at once and the waiting call is offered in the same step.
#[test]
fn r3_7_clerical_zero_goes_straight_to_requested_state() {
    let mut h = Harness::new(vec![group("g", &["s"])], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.arrive(3, "c2", "g");
    not_ready(&mut h, 4, "a1", "BREAK");
    h.hangup(5, "c1");
    assert_eq!(
        h.status("a1"),
        AgentStatus::NotReady {
            reason: "BREAK".into()
        }
    );
    assert!(h.offers().is_empty());
    h.ready(6, "a1");
    let (_, e) = h.offered_to("c2").unwrap();
    h.answer(7, "c2", "a1", e);
    h.arrive(8, "c3", "g");
    h.hangup(9, "c2");
    assert_eq!(h.offered_to("c3").map(|o| o.0), Some("a1".into()));
}

/// Not Ready asked while the call still rings applies after the call.
#[test]
fn r3_7_not_ready_requested_while_ringing_applies_after_the_call() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 5;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    not_ready(&mut h, 2, "a1", "BREAK");
    h.answer(3, "c1", "a1", e);
    h.arrive(4, "c2", "g");
    h.hangup(5, "c1");
    assert!(matches!(h.status("a1"), AgentStatus::Clerical { .. }));
    h.tick(10);
    assert_eq!(
        h.status("a1"),
        AgentStatus::NotReady {
            reason: "BREAK".into()
        }
    );
    assert!(h.offers().is_empty());
}

/// with: the maximum wait counts from the call's entry, not
/// from its return after an unanswered offer.
#[test]
fn r3_8_max_wait_counts_from_entry_through_a_no_answer() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 20;
    g.max_wait_s = Some(30);
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(0, "c1", "g");
    h.tick(20);
    assert_eq!(position(&h, "c1"), 1);
    h.tick(30);
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::Divert {
            cause: Cause::MaxWait,
            ..
        }
    )));
}

/// the maximum wait falling due while the call rings does not pull
/// the call away from the ringing agent; answered, it is not overflowed.
#[test]
fn r3_8_max_wait_while_ringing_then_answered_is_not_overflowed() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 20;
    g.max_wait_s = Some(30);
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.logon(0, "a1");
    h.arrive(0, "c1", "g");
    h.ready(25, "a1");
    let (_, e) = h.offered_to("c1").unwrap();
    h.tick(30);
    assert!(h.effects.is_empty(), "{:?}", h.effects);
    h.answer(31, "c1", "a1", e);
    h.hangup(40, "c1");
    let s = h.stats("g");
    assert_eq!((s.answered, s.overflowed), (1, 0));
}

/// with: under the logged-on rule the group stays open while
/// its only agent is Not Ready or talking; queued calls wait.
#[test]
fn r3_8_logged_on_rule_agent_talking_or_not_ready_keeps_queue() {
    let mut g = group("g", &["s"]);
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.arrive(3, "c2", "g");
    not_ready(&mut h, 4, "a1", "BREAK");
    h.hangup(5, "c1");
    assert_eq!(position(&h, "c2"), 1);
    h.arrive(6, "c3", "g");
    assert_eq!(position(&h, "c3"), 2);
    assert_eq!(h.stats("g").overflowed, 0);
}

/// with: the last agent's logoff, deferred while talking,
/// happens when the call ends (no clerical) and closes the group: the
/// waiting call overflows then, not before.
#[test]
fn r2_3_r3_8_deferred_logoff_of_last_agent_overflows_at_call_end() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 30;
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.arrive(3, "c2", "g");
    h.logoff(4, "a1");
    assert!(matches!(h.status("a1"), AgentStatus::Talking { .. }));
    assert_eq!(position(&h, "c2"), 1);
    h.hangup(10, "c1");
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::Divert {
            cause: Cause::GroupClosed,
            call,
            ..
        } if call.as_str() == "c2"
    )));
}

/// an agent serving two groups of equal weight takes the
/// higher priority first, then the earliest arrival, whichever group it is in.
#[test]
fn r3_1_r3_5_two_groups_priority_then_arrival() {
    let mut h = Harness::new(
        vec![group("a", &["s"]), group("b", &["s"])],
        vec![agent("x", &[("s", 1)])],
    );
    h.logon(0, "x");
    arrive_prio(&mut h, 1, "a-low-early", "a", 1);
    arrive_prio(&mut h, 2, "b-low-later", "b", 1);
    arrive_prio(&mut h, 3, "b-high", "b", 3);
    arrive_prio(&mut h, 4, "a-high", "a", 3);
    let mut order = Vec::new();
    h.ready(10, "x");
    for i in 0..4 {
        let (c, a, e) = h.offers()[0].clone();
        assert_eq!(a, "x");
        h.answer(11 + i, &c, "x", e);
        h.hangup(11 + i, &c);
        order.push(c);
    }
    assert_eq!(order, ["b-high", "a-high", "a-low-early", "b-low-later"]);
}

/// with: a no-answer keeps the original arrival, also for
/// cross-group choice: the returned call still beats a later call of
/// another group.
#[test]
fn r10_4_r3_5_returned_call_keeps_arrival_across_groups() {
    let mut a = group("a", &["s"]);
    a.ring_time_s = 10;
    let mut h = Harness::new(
        vec![a, group("b", &["s"])],
        vec![agent("x", &[("s", 1)]), agent("y", &[("s", 1)])],
    );
    h.login_ready(0, "x");
    h.logon(0, "y");
    h.arrive(1, "a1", "a");
    h.arrive(5, "b1", "b");
    h.tick(11);
    assert_eq!(h.status("x"), no_answer_status());
    h.ready(12, "y");
    assert_eq!(h.offers()[0].0, "a1");
}

/// a call transferred before it was answered, then not
/// answered by the target, goes back to the queue ahead of later calls and
/// the target is forced Not Ready.
#[test]
fn r6_1_transfer_before_answer_unanswered_returns_to_original_place() {
    let mut h = two_agents_ringing_10_s();
    h.logon(0, "a1");
    h.logon(0, "a2");
    h.arrive(1, "c1", "g");
    h.arrive(2, "c2", "g");
    h.at(
        3,
        Command::Transfer {
            call: "c1".into(),
            to_agent: "a2".into(),
        },
    )
    .unwrap();
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a2".into()));
    h.tick(13);
    assert_eq!(h.status("a2"), no_answer_status());
    assert_eq!(position(&h, "c1"), 1);
    assert_eq!(position(&h, "c2"), 2);
    h.ready(14, "a1");
    assert_eq!(h.offers()[0].0, "c1");
}

fn personal_without_default() -> Harness {
    let mut g = group("personal", &["p"]);
    g.routing = RoutingType::Manual;
    g.personal_calls = true;
    g.ring_time_s = 20;
    g.personal_max_wait_s = 30;
    let mut a2 = agent("a2", &[("p", 5)]);
    a2.pdn = Some("5501".into());
    let mut a3 = agent("a3", &[("p", 3)]);
    a3.dispatch_access = true;
    a3.can_pick = true;
    let mut t = TenantConfig::new(common::TENANT);
    t.default_destination = Some("+18005550000".into());
    t.groups = vec![g];
    t.agents = vec![a2, a3];
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

fn diverts(h: &Harness) -> Vec<(String, Option<Epoch>)> {
    h.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Divert {
                destination, epoch, ..
            } => Some((destination.clone(), *epoch)),
            _ => None,
        })
        .collect()
}

/// an agent without dispatch access, busy: the call waits the
/// personal max wait; with no personal default destination it goes to the
/// system default; that failing, to the dispatch queue, from where the
/// agent becoming free is never offered it directly.
#[test]
fn r4_7_busy_without_personal_default_goes_to_system_default_then_dispatch() {
    let mut h = personal_without_default();
    h.login_ready(0, "a2");
    dial(&mut h, 1, "c1", "5501");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a2", e);
    dial(&mut h, 3, "c2", "5501");
    h.tick(32);
    assert!(diverts(&h).is_empty());
    h.tick(33);
    let d = diverts(&h);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, "+18005550000");
    h.at(
        34,
        Command::DivertResult {
            call: "c2".into(),
            epoch: d[0].1.unwrap(),
            ok: false,
        },
    )
    .unwrap();
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c2".into()).unwrap(),
        CallStatus::Parked { .. }
    ));
    h.hangup(35, "c1");
    assert!(h.offers().is_empty(), "never again directly to a2");
    assert_eq!(h.status("a2"), AgentStatus::Ready);
}

/// the ladder also runs when the agent, idle, does not answer in
/// the personal max wait: forced Not Ready, the call deflected.
#[test]
fn r4_7_idle_agent_not_answering_then_ladder_and_never_direct_again() {
    let mut h = personal_without_default();
    h.login_ready(0, "a2");
    dial(&mut h, 1, "c1", "5501");
    assert!(h.offered_to("c1").is_some());
    h.tick(30);
    assert!(diverts(&h).is_empty(), "rings the full personal max wait");
    h.tick(31);
    let d = diverts(&h);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, "+18005550000");
    h.at(
        32,
        Command::DivertResult {
            call: "c1".into(),
            epoch: d[0].1.unwrap(),
            ok: false,
        },
    )
    .unwrap();
    h.ready(33, "a2");
    assert!(h.offers().is_empty(), "never again directly to a2");
    // A new call to a2's number does reach it (the bar is per call).
    dial(&mut h, 34, "c2", "5501");
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some("a2".into()));
}

/// with: a maximum queue length of 0 means "never wait", not
/// "never answer": a call finding a Ready agent is offered at once; only
/// a call that would have to wait overflows.
#[test]
fn r3_8_r3_2_max_queue_len_zero_still_offers_to_a_ready_agent() {
    let mut g = group("g", &["s"]);
    g.max_queue_len = Some(0);
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a1".into()));
    h.arrive(2, "c2", "g");
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::Divert {
            cause: Cause::QueueFull,
            call,
            ..
        } if call.as_str() == "c2"
    )));
    assert_eq!(h.stats("g").overflowed, 1);
}

/// with: the queue is full of a call that waits
/// for its (busy) preferred agent; a new call finding another Ready agent
/// is offered to it at once, not overflowed as "queue full".
#[test]
fn r3_8_r3_2_full_queue_does_not_overflow_a_call_a_ready_agent_takes() {
    let mut g = group("g", &["s"]);
    g.max_queue_len = Some(1);
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(
        vec![g],
        vec![agent("busy", &[("s", 1)]), agent("free", &[("s", 1)])],
    );
    h.logon(0, "busy");
    let mut spec = CallSpec::new("waits", "g");
    spec.preferred_agents = vec![PreferredAgent {
        agent: "busy".into(),
        score: None,
    }];
    spec.preferred_timeout_s = Some(60);
    h.at(1, Command::call_arrived(spec)).unwrap();
    assert_eq!(position(&h, "waits"), 1);
    h.login_ready(2, "free");
    assert!(h.offers().is_empty(), "only the preferred agent until 61 s");
    h.arrive(3, "c2", "g");
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some("free".into()));
    assert_eq!(h.stats("g").overflowed, 0);
}

/// R-6.3 / R-2.4: each trip to authentication has its own "max time to
/// reserve agent": the timer of a first trip (caller back in time) does
/// not clear the call during a second trip.
#[test]
fn r6_3_second_authentication_gets_its_own_reserve_time() {
    let mut g = group("g", &["s"]);
    g.max_reserve_s = 60;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    let auth = |h: &mut Harness, secs| {
        h.at(
            secs,
            Command::AuthDivert {
                call: "c1".into(),
                destination: Some("+1999".into()),
            },
        )
        .unwrap()
    };
    let back = |h: &mut Harness, secs| {
        h.at(
            secs,
            Command::CallReturned {
                call: "c1".into(),
                data: Default::default(),
            },
        )
        .unwrap()
    };
    auth(&mut h, 5); // reserve until 65
    back(&mut h, 10);
    assert!(matches!(h.status("a1"), AgentStatus::Callback { .. }));
    auth(&mut h, 50); // reserve until 110
    h.tick(65);
    assert!(
        h.engine.call_status(&h.tenant, &"c1".into()).is_ok(),
        "cleared by the first trip's timer: {:?}",
        h.effects
    );
    assert!(matches!(h.status("a1"), AgentStatus::CallWaiting { .. }));
    h.tick(110);
    assert!(h.engine.call_status(&h.tenant, &"c1".into()).is_err());
    assert_eq!(h.status("a1"), AgentStatus::Ready);
}

/// with: the reserve timer runs out in a group without
/// clerical: the agent is available at once and takes the waiting call.
#[test]
fn r6_3_r3_2_reserve_expiry_without_clerical_takes_the_waiting_call() {
    let mut g = group("g", &["s"]);
    g.max_reserve_s = 60;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.at(
        5,
        Command::AuthDivert {
            call: "c1".into(),
            destination: Some("+1999".into()),
        },
    )
    .unwrap();
    h.arrive(6, "c2", "g");
    assert!(h.offers().is_empty(), "CallWaiting: no new voice calls");
    assert_eq!(position(&h, "c2"), 1);
    h.tick(65);
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some("a1".into()));
}

/// under the "logged on and Ready" open rule, a group
/// whose last agent with Ready status goes Not Ready is closed to new
/// calls, which overflow at once; the calls already waiting keep their
/// places (R-3.8 names "no agents logged on", not "none Ready", as what
/// sends a queue on) and the next agent to become Ready takes the first.
#[test]
fn r1_3_r3_8_ready_rule_closing_refuses_new_calls_and_keeps_the_queue() {
    let mut g = group("g", &["s"]);
    g.open_rule = OpenRule::Ready;
    g.overflow = Some(Destination::Number("+1555".into()));
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    h.arrive(3, "c2", "g");
    assert_eq!(position(&h, "c2"), 1);
    not_ready(&mut h, 4, "a1", "BREAK");
    assert!(
        !h.effects.iter().any(|e| matches!(e, Effect::Divert { .. })),
        "the waiting call was sent on: {:?}",
        h.effects
    );
    assert_eq!(position(&h, "c2"), 1);
    h.arrive(5, "c3", "g");
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::Divert {
            cause: Cause::GroupClosed,
            call,
            ..
        } if call.as_str() == "c3"
    )));
    h.hangup(6, "c1");
    h.ready(7, "a1");
    assert!(h.offered_to("c2").is_some());
}

/// a call overflowed (here by a stage) into a group with
/// its own maximum wait waits that group's maximum from its entry there;
/// the first group's max-wait timer does not send it on early.
#[test]
fn r3_8_max_wait_of_the_first_group_does_not_apply_in_the_overflow_group() {
    let mut g1 = group("g1", &["s"]);
    g1.max_wait_s = Some(100);
    g1.overflow = Some(Destination::Number("+1111".into()));
    g1.stages = vec![StageConfig {
        after_s: 10,
        overflow: Some(Destination::Group("g2".into())),
        ..Default::default()
    }];
    let mut g2 = group("g2", &["t"]);
    g2.max_wait_s = Some(120);
    g2.overflow = Some(Destination::Number("+2222".into()));
    let mut h = Harness::new(
        vec![g1, g2],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("t", 1)])],
    );
    h.logon(0, "a1");
    h.logon(0, "a2");
    h.arrive(0, "c1", "g1");
    h.tick(10);
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()).unwrap(),
        CallStatus::Queued { group, .. } if group.as_str() == "g2"
    ));
    h.tick(100);
    assert!(
        h.effects.is_empty(),
        "g1's max wait fired in g2: {:?}",
        h.effects
    );
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()).unwrap(),
        CallStatus::Queued { group, .. } if group.as_str() == "g2"
    ));
    h.tick(130);
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::Divert { destination, cause: Cause::MaxWait, .. } if destination == "+2222"
    )));
}

/// stages are copied on entry and timed from the entry into the
/// group: a call overflowed by max wait into a staged group reaches that
/// group's first stage after its `after_s` there, not at the first
/// group's stage time.
#[test]
fn r3_4_stage_timer_of_the_first_group_does_not_apply_in_the_overflow_group() {
    let mut g1 = group("g1", &["s"]);
    g1.max_wait_s = Some(10);
    g1.overflow = Some(Destination::Group("g2".into()));
    g1.stages = vec![StageConfig {
        after_s: 30,
        min_level: Some(1),
        ..Default::default()
    }];
    let mut g2 = group("g2", &["t"]);
    g2.skills[0].min_level = 5;
    g2.stages = vec![StageConfig {
        after_s: 60,
        min_level: Some(1),
        ..Default::default()
    }];
    let mut h = Harness::new(
        vec![g1, g2],
        vec![agent("a1", &[("s", 1)]), agent("low", &[("t", 1)])],
    );
    h.logon(0, "a1");
    h.login_ready(0, "low");
    h.arrive(0, "c1", "g1");
    h.tick(10);
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()).unwrap(),
        CallStatus::Queued { group, stage: 0, .. } if group.as_str() == "g2"
    ));
    h.tick(30);
    assert!(
        h.offers().is_empty(),
        "g2's stage 1 is due at 70 s, not 30 s"
    );
    h.tick(70);
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("low".into()));
}

/// with: a personal call waits reserved for its busy
/// agent; the agent logs off (deferred until its call ends). Once it is
/// logged off the call is one for an agent not logged on: diverted to the
/// agent's personal default destination at once, not kept reserved for a
/// logged-off agent until the personal max wait runs out.
#[test]
fn r4_3_r4_4_reserved_call_of_an_agent_logging_off_is_diverted() {
    let mut h = common::personal_harness(vec![]);
    h.login_ready(0, "a1");
    dial(&mut h, 1, "c1", "5500");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    dial(&mut h, 3, "c2", "5500");
    h.logoff(4, "a1");
    h.hangup(5, "c1");
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
    assert_eq!(
        diverts(&h).into_iter().map(|d| d.0).collect::<Vec<_>>(),
        ["vm-a1"],
        "{:?}",
        h.engine.call_status(&h.tenant, &"c2".into())
    );
}

/// with: when the preferred-agent wait ends, an eligible
/// agent already Ready is offered the call at that instant.
#[test]
fn r10_5_r3_2_at_the_preferred_timeout_a_ready_agent_takes_the_call_at_once() {
    let mut h = Harness::new(
        vec![group("g", &["s"])],
        vec![agent("pref", &[("s", 1)]), agent("other", &[("s", 1)])],
    );
    h.logon(0, "pref");
    h.login_ready(0, "other");
    let mut spec = CallSpec::new("c1", "g");
    spec.preferred_agents = vec![PreferredAgent {
        agent: "pref".into(),
        score: None,
    }];
    spec.preferred_timeout_s = Some(20);
    h.at(1, Command::call_arrived(spec)).unwrap();
    assert!(h.offers().is_empty());
    h.tick(20);
    assert!(h.offers().is_empty());
    h.tick(21);
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("other".into()));
}

/// with: a stage reached while the call rings widens its
/// eligibility for when it comes back unanswered.
#[test]
fn r3_4_r3_6_stage_reached_while_ringing_applies_on_return() {
    let mut g = group("g", &["s"]);
    g.skills[0].min_level = 5;
    g.ring_time_s = 20;
    g.stages = vec![StageConfig {
        after_s: 10,
        min_level: Some(1),
        ..Default::default()
    }];
    let mut h = Harness::new(
        vec![g],
        vec![agent("senior", &[("s", 5)]), agent("junior", &[("s", 1)])],
    );
    h.login_ready(0, "senior");
    h.login_ready(0, "junior");
    h.arrive(1, "c1", "g");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("senior".into()));
    h.tick(11);
    assert!(h.offers().is_empty(), "still ringing at senior");
    h.tick(21);
    assert_eq!(h.status("senior"), no_answer_status());
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("junior".into()));
}

/// with: a logoff asked during the call wins over a Not Ready
/// asked during the same call: the agent is logged off when it ends.
#[test]
fn r2_3_r3_7_logoff_after_not_ready_request_logs_off_at_call_end() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 10;
    let mut h = Harness::new(vec![g], vec![agent("a1", &[("s", 1)])]);
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    not_ready(&mut h, 3, "a1", "BREAK");
    h.logoff(4, "a1");
    h.hangup(5, "c1");
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
    h.tick(15);
    assert_eq!(h.status("a1"), AgentStatus::LoggedOut);
}

/// two personal calls wait for the same busy agent: the first to
/// arrive rings when the agent is free, the second keeps waiting reserved
/// for it and rings after the agent's next call.
#[test]
fn r4_3_two_calls_waiting_for_one_agent_ring_in_arrival_order() {
    let mut h = common::personal_harness(vec![]);
    h.login_ready(0, "a1");
    dial(&mut h, 1, "c1", "5500");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a1", e);
    dial(&mut h, 3, "c2", "5500");
    dial(&mut h, 4, "c3", "5500");
    h.hangup(10, "c1");
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some("a1".into()));
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c3".into()).unwrap(),
        CallStatus::Parked { reserved_for: Some(a), .. } if a.as_str() == "a1"
    ));
    let (_, e) = h.offered_to("c2").unwrap();
    h.answer(11, "c2", "a1", e);
    h.hangup(12, "c2");
    assert_eq!(h.offered_to("c3").map(|o| o.0), Some("a1".into()));
}

/// with: within one group, a call widened by a stage and a
/// later call still at the group's own requirement are taken in arrival
/// order by an agent eligible for both.
#[test]
fn r3_1_r3_4_arrival_order_holds_across_stage_tiers() {
    let mut g = group("g", &["s"]);
    g.skills[0].min_level = 5;
    g.stages = vec![StageConfig {
        after_s: 30,
        min_level: Some(3),
        ..Default::default()
    }];
    let mut h = Harness::new(vec![g], vec![agent("senior", &[("s", 5)])]);
    h.logon(0, "senior");
    h.arrive(0, "early", "g");
    h.tick(30); // early now at stage 1
    h.arrive(35, "late", "g");
    h.ready(40, "senior");
    assert_eq!(h.offers()[0].0, "early");
}

/// with: a call transferred by a phone agent is
/// completed on transfer and is a private call of the target; the
/// service-group rule "target forced Not Ready" does not apply to it: a
/// target that lets it ring out keeps its own state, and the group does
/// not count a no-answer for a call that is no longer its own.
#[test]
fn r9_2_r6_1_target_of_a_phone_agent_transfer_is_not_forced_not_ready() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 10;
    let mut p = agent("p", &[("s", 1)]);
    p.kind = AgentKind::Phone;
    let mut h = Harness::new(vec![g], vec![p, agent("b", &[("s", 1)])]);
    h.login_ready(0, "p");
    h.arrive(1, "c", "g");
    let (_, e) = h.offered_to("c").unwrap();
    h.answer(2, "c", "p", e);
    h.login_ready(3, "b");
    h.at(
        4,
        Command::Transfer {
            call: "c".into(),
            to_agent: "b".into(),
        },
    )
    .unwrap();
    assert_eq!(h.offered_to("c").map(|o| o.0), Some("b".into()));
    h.tick(14);
    assert!(h.engine.call_status(&h.tenant, &"c".into()).is_err());
    assert_eq!(h.status("b"), AgentStatus::Ready);
    assert_eq!(h.stats("g").no_answer, 0);
    // b is available for the next group call at once.
    h.arrive(15, "c2", "g");
    assert!(h.offered_to("c2").is_some());
}

/// with: an answered call transferred, whose
/// group's maximum wait passes while the target rings, comes back to its
/// queue when the target does not answer: not overflowed (it stays a call
/// of its group), and recorded as queued again. What the engine does must
/// not depend on whether `poll_timeout` was asked while the call was
/// connected (its max-wait timer was out of its state then): the fuzzer's
/// save/reload twin, never polled, once disagreed with the polled engine.
#[test]
fn r6_1_r3_8_returned_transfer_past_max_wait_requeues_whether_polled_or_not() {
    let run = |poll: bool| {
        let mut g = group("g", &["s"]);
        g.ring_time_s = 10;
        g.max_wait_s = Some(5);
        g.overflow = Some(Destination::Number("+1999".into()));
        let mut h = Harness::new(
            vec![g],
            vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
        );
        let mut seen: Vec<String> = Vec::new();
        let mut keep = |h: &mut Harness| {
            if poll {
                h.engine.poll_timeout();
            }
            seen.extend(h.effects.iter().map(|e| format!("{e:?}")));
            seen.extend(h.events.iter().map(|e| format!("{e:?}")));
        };
        h.login_ready(0, "a1");
        h.arrive(1, "c1", "g");
        keep(&mut h);
        let (_, e) = h.offered_to("c1").unwrap();
        h.answer(2, "c1", "a1", e);
        keep(&mut h);
        h.login_ready(2, "a2");
        keep(&mut h);
        h.at(
            3,
            Command::Transfer {
                call: "c1".into(),
                to_agent: "a2".into(),
            },
        )
        .unwrap();
        keep(&mut h);
        not_ready(&mut h, 4, "a1", "BREAK");
        keep(&mut h);
        h.tick(6);
        keep(&mut h);
        h.tick(13);
        keep(&mut h);
        assert!(
            h.events.iter().any(|e| matches!(
                &e.kind,
                EventKind::CallQueued { call, cause: Cause::NoAnswer, .. } if call.as_str() == "c1"
            )),
            "poll {poll}: {:?}",
            h.events
        );
        assert_eq!(position(&h, "c1"), 1, "poll {poll}");
        seen
    };
    assert_eq!(run(true), run(false));
}

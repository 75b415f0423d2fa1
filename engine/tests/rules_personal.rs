//! Personal call routing ..R-4.7, dispatch queues ..R-5.2,
//! transfers ..R-6.2 and customer authentication, each as a
//! timeline asserting the exact effects.

mod common;

use acd_engine::*;
use common::{agent, dial, group, personal_harness, Harness};

/// The personal-call tenant of `common` (a1..a4, group `personal`).
fn personal() -> Harness {
    personal_harness(vec![])
}

fn offer(call: &str, agent: &str, epoch: Epoch, deadline_s: u64) -> Effect {
    Effect::Offer {
        tenant: common::TENANT.into(),
        call: call.into(),
        agent: agent.into(),
        extension: format!("ext-{agent}").into(),
        group: "personal".into(),
        epoch,
        deadline: Instant::from_secs(deadline_s),
        ani: None,
        data: Default::default(),
    }
}

fn divert(call: &str, to: &str, epoch: Epoch) -> Effect {
    Effect::Divert {
        tenant: common::TENANT.into(),
        call: call.into(),
        destination: to.into(),
        epoch: Some(epoch),
        cause: Cause::Personal,
        private_data: Default::default(),
    }
}

fn parked(h: &Harness, call: &str) -> Option<Option<String>> {
    match h.engine.call_status(&h.tenant, &call.into()) {
        Ok(CallStatus::Parked { reserved_for, .. }) => Some(reserved_for.map(|a| a.to_string())),
        _ => None,
    }
}

#[test]
fn r4_1_called_number_matches_pdn_and_script_may_name_the_agent() {
    let mut h = personal();
    h.login_ready(0, "a1");
    h.login_ready(0, "a3");
    dial(&mut h, 1, "c1", "5500"); // t=1 call to PDN 5500
    assert_eq!(h.effects, vec![offer("c1", "a1", 1, 21)]);
    let spec = CallSpec {
        dnis: Some("5500".into()),
        preferred_agent: Some("a3".into()),
        ..CallSpec::new("c2", "personal")
    };
    h.at(2, Command::call_arrived(spec)).unwrap(); // t=2 the script names a3
    assert_eq!(h.effects, vec![offer("c2", "a3", 2, 22)]);
}

#[test]
fn r4_2_idle_agent_gets_the_call_even_when_not_ready() {
    let mut h = personal();
    h.logon(0, "a1"); // Not Ready after logon
    dial(&mut h, 1, "c1", "5500");
    assert_eq!(h.effects, vec![offer("c1", "a1", 1, 21)]);
    h.answer(3, "c1", "a1", 1);
    h.hangup(9, "c1");
    assert_eq!(
        h.status("a1"),
        AgentStatus::NotReady {
            reason: "LOGON".into()
        },
        "back to Not Ready"
    );
}

#[test]
fn r4_3_busy_agent_call_waits_reserved_then_opens_to_all() {
    let mut h = personal();
    h.login_ready(0, "a1");
    dial(&mut h, 1, "c1", "5500");
    h.answer(2, "c1", "a1", 1); // t=2 a1 talking
    dial(&mut h, 3, "c2", "5500"); // t=3 a1 busy: c2 waits for a1
    assert_eq!(parked(&h, "c2"), Some(Some("a1".into())));
    assert!(h.effects.is_empty());
    h.hangup(10, "c1"); // t=10 a1 free: c2 rings a1 at once
    assert_eq!(h.effects, vec![offer("c2", "a1", 2, 30)]);

    // Second timeline: the wait expires first.
    let mut h = personal();
    h.login_ready(0, "a1");
    dial(&mut h, 1, "c1", "5500");
    h.answer(2, "c1", "a1", 1);
    dial(&mut h, 3, "c2", "5500");
    h.tick(33); // t=33 personal max wait (30 s) over
    assert_eq!(parked(&h, "c2"), Some(None), "open to every skilled agent");
    assert!(h.has_event(|e| matches!(
        e,
        EventKind::CallParked {
            cause: Cause::PersonalWaitExpired,
            reserved_for: None,
            ..
        }
    )));
    h.login_ready(34, "a3");
    h.at(
        35,
        Command::Pick {
            agent: "a3".into(),
            call: "c2".into(),
        },
    )
    .unwrap();
    assert_eq!(h.effects, vec![offer("c2", "a3", 2, 55)]);
}

#[test]
fn r4_4_agent_logged_out_diverts_to_personal_default_destination() {
    let mut h = personal();
    dial(&mut h, 1, "c1", "5500"); // a1 logged out
    assert_eq!(h.effects, vec![divert("c1", "vm-a1", 1)]);
    h.at(
        2,
        Command::DivertResult {
            call: "c1".into(),
            epoch: 1,
            ok: true,
        },
    )
    .unwrap();
    assert!(h.has_event(
        |e| matches!(e, EventKind::CallDeflected { destination, .. } if destination == "vm-a1")
    ));
    assert!(
        h.engine.call_status(&h.tenant, &"c1".into()).is_err(),
        "the call left the engine"
    );
    assert_eq!(h.stats("personal").deflected, 1);

    dial(&mut h, 3, "c2", "5500");
    h.at(
        4,
        Command::DivertResult {
            call: "c2".into(),
            epoch: 2,
            ok: false,
        },
    )
    .unwrap();
    assert_eq!(
        parked(&h, "c2"),
        Some(None),
        "divert failed: stays in the dispatch queue"
    );
    let err = h
        .at(
            5,
            Command::DivertResult {
                call: "c2".into(),
                epoch: 2,
                ok: true,
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::StaleEpoch { .. }));
}

#[test]
fn r4_5_no_agent_identified_goes_to_dispatch_queue() {
    let mut h = personal();
    h.login_ready(0, "a3");
    dial(&mut h, 1, "c1", "9999");
    assert!(h.effects.is_empty());
    assert_eq!(parked(&h, "c1"), Some(None));
}

#[test]
fn r4_6_unanswered_personal_call_goes_to_dispatch_queue() {
    let mut h = personal();
    h.login_ready(0, "a1");
    dial(&mut h, 1, "c1", "5500");
    h.tick(21); // ring time supervision 20 s
    assert!(h.effects.iter().any(|e| matches!(
        e,
        Effect::StopRinging {
            cause: Cause::NoAnswer,
            ..
        }
    )));
    assert_eq!(parked(&h, "c1"), Some(None));
}

#[test]
fn r4_7_without_dispatch_access_ring_timeout_is_personal_wait_then_divert_ladder() {
    let mut h = personal();
    h.login_ready(0, "a2");
    dial(&mut h, 1, "c1", "5501");
    assert_eq!(
        h.effects,
        vec![offer("c1", "a2", 1, 31)],
        "ring timeout = personal max wait"
    );
    h.tick(31);
    assert_eq!(
        h.effects
            .iter()
            .filter(|e| matches!(e, Effect::Divert { .. }))
            .cloned()
            .collect::<Vec<_>>(),
        vec![divert("c1", "vm-a2", 2)]
    );
    h.at(
        32,
        Command::DivertResult {
            call: "c1".into(),
            epoch: 2,
            ok: false,
        },
    )
    .unwrap();
    assert_eq!(
        h.effects,
        vec![divert("c1", "+18005550000", 3)],
        "then the system default"
    );
    h.at(
        33,
        Command::DivertResult {
            call: "c1".into(),
            epoch: 3,
            ok: false,
        },
    )
    .unwrap();
    assert_eq!(parked(&h, "c1"), Some(None), "then the dispatch queue");
    h.ready(34, "a2");
    assert!(h.effects.is_empty(), "never sent directly to a2 again");
    h.login_ready(35, "a3");
    h.at(
        36,
        Command::Pick {
            agent: "a3".into(),
            call: "c1".into(),
        },
    )
    .unwrap();
    assert_eq!(
        h.offers(),
        vec![("c1".into(), "a3".into(), 4)],
        "only picked"
    );
}

#[test]
fn r4_7_busy_agent_without_dispatch_access_waits_then_is_deflected() {
    let mut h = personal();
    h.login_ready(0, "a2");
    dial(&mut h, 1, "c1", "5501");
    h.answer(2, "c1", "a2", 1);
    dial(&mut h, 3, "c2", "5501");
    assert_eq!(parked(&h, "c2"), Some(Some("a2".into())));
    h.tick(33);
    assert_eq!(h.effects, vec![divert("c2", "vm-a2", 2)]);
    h.at(
        34,
        Command::DivertResult {
            call: "c2".into(),
            epoch: 2,
            ok: true,
        },
    )
    .unwrap();
    assert_eq!(h.stats("personal").deflected, 1);
}

#[test]
fn r5_1_dispatch_view_pickable_read_only_or_refused() {
    let mut h = personal();
    dial(&mut h, 1, "c1", "9999");
    let view = |h: &Harness, a: &str| h.engine.dispatch_view(&h.tenant, &a.into());
    let v = view(&h, "a3").unwrap();
    assert_eq!(v.len(), 1);
    assert!(v[0].can_pick && v[0].call.as_str() == "c1");
    assert!(
        !view(&h, "a4").unwrap()[0].can_pick,
        "not skilled: read-only"
    );
    assert!(
        matches!(view(&h, "a2"), Err(Error::NotPermitted { .. })),
        "no dispatch access"
    );
    h.login_ready(2, "a4");
    let err = h
        .at(
            3,
            Command::Pick {
                agent: "a4".into(),
                call: "c1".into(),
            },
        )
        .unwrap_err();
    assert!(matches!(
        err,
        Error::PickRefused {
            why: PickRefusal::NotSkilled,
            ..
        }
    ));
}

#[test]
fn r5_2_two_picks_of_one_call_exactly_one_wins() {
    let mut h = personal();
    h.login_ready(0, "a1");
    h.login_ready(0, "a3");
    dial(&mut h, 1, "c1", "9999");
    h.at(
        2,
        Command::Pick {
            agent: "a3".into(),
            call: "c1".into(),
        },
    )
    .unwrap();
    let err = h
        .at(
            2,
            Command::Pick {
                agent: "a1".into(),
                call: "c1".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err, Error::AlreadyTaken("c1".into()));
    assert!(err.to_string().contains("already taken"));
    assert_eq!(h.offers().len(), 0, "the loser's pick changed nothing");
}

fn automatic() -> Harness {
    let mut g = group("sales", &["s"]);
    g.ring_time_s = 15;
    g.clerical_s = 10;
    Harness::new(
        vec![g],
        vec![
            agent("a1", &[("s", 1)]),
            agent("a2", &[("s", 1)]),
            agent("a3", &[("s", 1)]),
        ],
    )
}

#[test]
fn r6_1_transfer_unanswered_returns_to_queue_and_target_not_ready() {
    let mut h = automatic();
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    h.answer(2, "c1", "a1", 1);
    h.arrive(3, "c2", "sales"); // waits behind c1's original position
    h.logon(4, "a2");
    h.at(
        5,
        Command::Transfer {
            call: "c1".into(),
            to_agent: "a2".into(),
        },
    )
    .unwrap();
    assert!(h.has_event(
        |e| matches!(e, EventKind::CallTransferred { from: Some(a), .. } if a.as_str() == "a1")
    ));
    // a1 is free at once (no clerical for a transferring agent) and takes c2.
    assert_eq!(
        h.offers(),
        vec![("c1".into(), "a2".into(), 2), ("c2".into(), "a1".into(), 3)]
    );
    h.tick(20); // a2 does not answer within ring time
    assert_eq!(
        h.status("a2"),
        AgentStatus::NotReady {
            reason: "NO_ANSWER".into()
        }
    );
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()).unwrap(),
        CallStatus::Queued { position: 1, .. }
    ));
    assert_eq!(
        h.stats("sales").answered,
        1,
        "still a service-group call, answered once"
    );
}

#[test]
fn r6_2_reporting_after_transfer() {
    let mut h = automatic();
    h.login_ready(0, "a1");
    h.login_ready(0, "a2");
    h.arrive(10, "c1", "sales"); // rings a1 (longest idle) at t=10
    h.answer(12, "c1", "a1", 1); // 2 s alerting at the first agent
    h.at(20, Command::Hold { call: "c1".into() }).unwrap();
    h.at(25, Command::Retrieve { call: "c1".into() }).unwrap();
    h.at(
        30,
        Command::Transfer {
            call: "c1".into(),
            to_agent: "a2".into(),
        },
    )
    .unwrap(); // a1 talked 13 s, held 5 s
    h.answer(33, "c1", "a2", 2);
    h.hangup(43, "c1"); // a2 talked 10 s
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallEnded { agent: Some(a), talk_ms: 23_000, hold_ms: 5_000, .. } if a.as_str() == "a2")));
    let s = h.stats("sales");
    assert_eq!(
        (s.answered, s.handled, s.clerical_ms),
        (1, 1, 10_000),
        "clerical of the last agent only"
    );
    assert_eq!(h.status("a1"), AgentStatus::Ready, "no clerical for a1");
    assert!(matches!(h.status("a2"), AgentStatus::Clerical { .. }));
}

#[test]
fn r6_3_authentication_reserve_and_callback() {
    let mut h = automatic();
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    h.answer(2, "c1", "a1", 1);
    h.at(
        5,
        Command::AuthDivert {
            call: "c1".into(),
            destination: None,
        },
    )
    .unwrap();
    assert_eq!(
        h.status("a1"),
        AgentStatus::CallWaiting {
            call: "c1".into(),
            until: Instant::from_secs(125)
        }
    );
    h.arrive(6, "c2", "sales");
    assert!(
        h.offers().is_empty(),
        "busy while waiting: no new voice calls"
    );
    h.at(
        60,
        Command::CallReturned {
            call: "c1".into(),
            data: Default::default(),
        },
    )
    .unwrap();
    assert_eq!(h.status("a1"), AgentStatus::Callback { call: "c1".into() });
    h.tick(130); // the reserve timer is moot now
    assert_eq!(h.status("a1"), AgentStatus::Callback { call: "c1".into() });
    h.hangup(140, "c1");
    assert!(matches!(h.status("a1"), AgentStatus::Clerical { .. }));
}

#[test]
fn r6_3_reserve_timer_expiry_clears_the_call() {
    let mut h = automatic();
    h.login_ready(0, "a1");
    h.arrive(1, "c1", "sales");
    h.answer(2, "c1", "a1", 1);
    h.at(
        5,
        Command::AuthDivert {
            call: "c1".into(),
            destination: None,
        },
    )
    .unwrap();
    h.tick(125);
    assert_eq!(
        h.effects,
        vec![Effect::ClearCall {
            tenant: common::TENANT.into(),
            call: "c1".into(),
            cause: Cause::ReserveExpired
        }]
    );
    assert_eq!(
        h.status("a1"),
        AgentStatus::Clerical {
            until: Instant::from_secs(135)
        }
    );
    let err = h
        .at(
            126,
            Command::CallReturned {
                call: "c1".into(),
                data: Default::default(),
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::UnknownCall(_)));
}

#[test]
fn r6_1_an_answered_call_back_in_the_queue_never_overflows() {
    let mut g = group("sales", &["s"]);
    g.ring_time_s = 15;
    g.max_wait_s = Some(30);
    g.overflow = Some(Destination::Number("+15550100".into()));
    let mut h = Harness::new(
        vec![g],
        vec![agent("a1", &[("s", 1)]), agent("a2", &[("s", 1)])],
    );
    h.login_ready(0, "a1");
    h.logon(0, "a2");
    h.arrive(1, "c1", "sales");
    h.answer(2, "c1", "a1", 1);
    h.at(
        3,
        Command::NotReady {
            agent: "a1".into(),
            reason: "BREAK".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    h.at(
        4,
        Command::Transfer {
            call: "c1".into(),
            to_agent: "a2".into(),
        },
    )
    .unwrap();
    h.tick(19); // a2 does not answer: c1 back in the queue, answered already
    h.tick(60); // past max wait: stays, is not overflowed
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()).unwrap(),
        CallStatus::Queued { .. }
    ));
    let s = h.stats("sales");
    assert_eq!(
        (s.offered, s.answered, s.overflowed, s.connected),
        (1, 1, 0, 1)
    );
    assert!(s.balanced());
}

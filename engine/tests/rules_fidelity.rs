//! Manual fidelity (issue #16): rules as the vendor manual states them,
//! each test citing its rule — pick refusals (R-5.1, R-4.3, R-4.7), the
//! record of answers after a transfer (R-6.1, R-6.2, R-8.1), divert
//! records and the divert deadline (R-4.4, R-4.7, R-2.4).

mod common;

use acd_engine::*;
use common::{agent, dial, group, personal_harness, Harness};

/// The personal-call tenant of `common` plus an automatic group `auto`
/// not shown in dispatch. a1 PDN 5500 with dispatch access; a2 PDN 5501
/// without; a3 a skilled picker; a4 with dispatch access but not skilled.
fn personal() -> Harness {
    personal_harness(vec![group("auto", &["p"])])
}

fn pick(h: &mut Harness, secs: u64, agent: &str, call: &str) -> Result<(), Error> {
    h.at(
        secs,
        Command::Pick {
            agent: agent.into(),
            call: call.into(),
        },
    )
}

fn refusal(result: Result<(), Error>) -> PickRefusal {
    match result {
        Err(Error::PickRefused { why, .. }) => why,
        other => panic!("expected a pick refusal, got {other:?}"),
    }
}

/// Makes `agent` busy on a fresh call `busy-<agent>` to its PDN.
fn busy(h: &mut Harness, secs: u64, agent: &str, pdn: &str) {
    h.logon(secs, agent);
    let call = format!("busy-{agent}");
    dial(h, secs, &call, pdn);
    let (_, epoch) = h.offered_to(&call).expect("rings the idle agent (R-4.2)");
    h.answer(secs, &call, agent, epoch);
}

#[test]
fn r5_1_r4_3_r4_7_each_pick_refusal_says_why() {
    let mut h = personal();
    h.logon(0, "a3");
    h.logon(0, "a4");
    dial(&mut h, 1, "open", "9999"); // nobody identified: open to all (R-4.5)
    assert_eq!(
        refusal(pick(&mut h, 2, "a2", "open")),
        PickRefusal::NoDispatchLicence
    );
    assert_eq!(
        refusal(pick(&mut h, 2, "a4", "open")),
        PickRefusal::NotSkilled
    );

    busy(&mut h, 3, "a1", "5500");
    dial(&mut h, 4, "for-a1", "5500"); // waits reserved for busy a1 (R-4.3)
    assert_eq!(
        refusal(pick(&mut h, 5, "a3", "for-a1")),
        PickRefusal::ReservedForAnother
    );
    busy(&mut h, 6, "a2", "5501");
    dial(&mut h, 7, "for-a2", "5501"); // waits for a2, no dispatch access (R-4.7)
    assert_eq!(
        refusal(pick(&mut h, 8, "a3", "for-a2")),
        PickRefusal::WaitingForAgentWithoutDispatch
    );

    h.arrive(9, "queued", "auto"); // automatic, not shown in dispatch
    assert_eq!(
        refusal(pick(&mut h, 10, "a3", "queued")),
        PickRefusal::NotShownInDispatch
    );

    pick(&mut h, 11, "a3", "open").unwrap();
    // R-5.2: the call is gone from the queue for everyone else.
    let err = pick(&mut h, 11, "a1", "open").unwrap_err();
    assert_eq!(err, Error::AlreadyTaken("open".into()));
    // Each refusal reads as a sentence naming agent, call and reason.
    let msg = pick(&mut h, 12, "a4", "for-a1").unwrap_err().to_string();
    assert!(
        msg.contains("a4") && msg.contains("for-a1") && msg.contains("not skilled"),
        "{msg}"
    );
}

#[test]
fn r6_1_r8_1_the_transfer_target_answering_is_recorded() {
    let mut h = Harness::new(
        vec![group("sales", &["s"])],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])],
    );
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.arrive(1, "c", "sales");
    let (_, e1) = h.offered_to("c").unwrap();
    h.answer(3, "c", "a", e1);
    h.at(
        10,
        Command::Transfer {
            call: "c".into(),
            to_agent: "b".into(),
        },
    )
    .unwrap();
    let (_, e2) = h.offered_to("c").unwrap();
    h.answer(12, "c", "b", e2);
    let answered: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CallAnswered {
                agent,
                after_transfer,
                ..
            } => Some((agent.to_string(), *after_transfer)),
            _ => None,
        })
        .collect();
    assert_eq!(answered, vec![("b".to_string(), true)]);
    // R-6.2: the group counts the call answered once.
    assert_eq!(h.stats("sales").answered, 1);
}

fn diverting(h: &Harness) -> Vec<(String, Epoch)> {
    h.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CallDiverting {
                destination, epoch, ..
            } => Some((destination.clone(), *epoch)),
            _ => None,
        })
        .collect()
}

fn divert_failed(h: &Harness) -> Vec<(String, Cause)> {
    h.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CallDivertFailed {
                destination, cause, ..
            } => Some((destination.clone(), *cause)),
            _ => None,
        })
        .collect()
}

#[test]
fn r4_4_r8_1_a_divert_and_a_failed_divert_are_each_recorded() {
    let mut h = personal();
    // a1 logged out: divert to its personal default destination (R-4.4).
    dial(&mut h, 1, "c1", "5500");
    let d = diverting(&h);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, "vm-a1");
    h.at(
        2,
        Command::DivertResult {
            call: "c1".into(),
            epoch: d[0].1,
            ok: false,
        },
    )
    .unwrap();
    assert_eq!(
        divert_failed(&h),
        vec![("vm-a1".to_string(), Cause::DivertFailed)]
    );
    // R-4.4: then the dispatch queue.
    assert!(matches!(
        h.engine.call_status(&h.tenant, &"c1".into()),
        Ok(CallStatus::Parked { .. })
    ));
}

#[test]
fn r2_4_a_divert_without_outcome_times_out_like_a_failure() {
    let mut h = personal();
    h.logon(0, "a2");
    // a2 has no dispatch access and does not answer: after the personal max
    // wait (its ring timeout, R-4.7) the divert ladder starts.
    dial(&mut h, 1, "c2", "5501");
    h.tick(31);
    let first = diverting(&h);
    assert_eq!(first.len(), 1, "{:?}", h.events);
    assert_eq!(first[0].0, "vm-a2");
    // The outcome never comes: 30 s later (the tenant default) it counts as
    // failed and the ladder goes on to the system default destination.
    h.tick(60);
    assert!(divert_failed(&h).is_empty(), "not before the deadline");
    h.tick(61);
    assert_eq!(
        divert_failed(&h),
        vec![("vm-a2".to_string(), Cause::DivertTimeout)]
    );
    assert_eq!(diverting(&h)[0].0, "+18005550000");
    // A late outcome for the first divert is stale (R-2.2), and changes nothing.
    let late = h.at(
        62,
        Command::DivertResult {
            call: "c2".into(),
            epoch: first[0].1,
            ok: true,
        },
    );
    assert!(matches!(late, Err(Error::StaleEpoch { .. })), "{late:?}");
    assert_eq!(h.stats("personal").deflected, 0);
}

#[test]
fn r2_4_the_divert_timeout_is_configurable_and_above_zero() {
    let mut t = TenantConfig::new("t");
    t.divert_timeout_s = 0;
    let err = Engine::new(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("divert_timeout_s"), "{err}");
    let t: TenantConfig = serde_json::from_str(r#"{"id": "t"}"#).unwrap();
    assert_eq!(t.divert_timeout_s, 30);
}

/// Group "g" with open rule `rule`, overflowing to a number when closed;
/// agents a and b.
fn open_rule(rule: OpenRule) -> Harness {
    let mut g = group("g", &["s"]);
    g.open_rule = rule;
    g.clerical_s = 5;
    g.overflow = Some(Destination::Number("+1800OVERFLOW".into()));
    Harness::new(
        vec![g],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])],
    )
}

fn overflowed(h: &Harness, call: &str) -> bool {
    h.has_event(|e| matches!(e, EventKind::CallOverflowed { call: c, .. } if c.as_str() == call))
}

fn queued(h: &Harness, call: &str) -> bool {
    matches!(
        h.engine.call_status(&h.tenant, &call.into()),
        Ok(CallStatus::Queued { .. })
    )
}

#[test]
fn r1_3_ready_rule_a_group_whose_ready_agents_all_talk_is_open_and_queues() {
    let mut h = open_rule(OpenRule::Ready);
    h.login_ready(0, "a");
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a", e);
    // a is busy but keeps its Ready status: the group is open.
    h.arrive(3, "c2", "g");
    assert!(queued(&h, "c2") && !overflowed(&h, "c2"), "{:?}", h.events);
    // Through the whole busy period: clerical too.
    h.hangup(10, "c1");
    assert!(matches!(h.status("a"), AgentStatus::Clerical { .. }));
    h.arrive(11, "c3", "g");
    assert!(queued(&h, "c3"));
    // After clerical a takes the first waiting call (R-3.2).
    h.tick(15);
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some("a".to_string()));
}

#[test]
fn r1_3_ready_rule_not_ready_status_closes_the_group_even_while_talking() {
    let mut h = open_rule(OpenRule::Ready);
    h.login_ready(0, "a");
    h.logon(0, "b"); // logged on, Not Ready: does not open a Ready-rule group
    h.arrive(1, "c1", "g");
    let (_, e) = h.offered_to("c1").unwrap();
    h.answer(2, "c1", "a", e);
    // a asks for Not Ready during the call: its status is Not Ready now.
    h.at(
        3,
        Command::NotReady {
            agent: "a".into(),
            reason: "BREAK".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    h.arrive(4, "c2", "g");
    assert!(overflowed(&h, "c2"), "no agent with Ready status: closed");
    // b becomes Ready: open again.
    h.ready(5, "b");
    h.arrive(6, "c3", "g");
    assert_eq!(h.offered_to("c3").map(|o| o.0), Some("b".to_string()));
}

#[test]
fn r1_3_logged_on_rule_queues_with_only_not_ready_agents() {
    let mut h = open_rule(OpenRule::LoggedOn);
    h.logon(0, "a");
    h.arrive(1, "c1", "g");
    assert!(queued(&h, "c1"));
    let mut h = open_rule(OpenRule::Ready);
    h.logon(0, "a");
    h.arrive(1, "c1", "g");
    assert!(overflowed(&h, "c1"));
}

/// Agents a (application), b (application) and p (phone) for group `g`
/// of `media`, ring time 10 s.
fn transfers(media: Media) -> Harness {
    let mut g = group("g", &["s"]);
    g.media = media;
    g.ring_time_s = 10;
    let mut p = agent("p", &[("s", 1)]);
    p.kind = AgentKind::Phone;
    Harness::new(
        vec![g],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)]), p],
    )
}

fn logon_ready_on(h: &mut Harness, secs: u64, agent: &str, media: Media) {
    h.at(
        secs,
        Command::Logon {
            agent: agent.into(),
            extension: format!("ext-{agent}").into(),
            media: vec![media],
        },
    )
    .unwrap();
    h.at(
        secs,
        Command::Ready {
            agent: agent.into(),
            media,
        },
    )
    .unwrap();
}

/// `from` answers call c, then transfers it to `to` (logged on, Not Ready).
fn answer_and_transfer(h: &mut Harness, media: Media, from: &str, to: &str) {
    logon_ready_on(h, 0, from, media);
    h.arrive(1, "c", "g");
    let (_, e) = h.offered_to("c").unwrap();
    h.answer(2, "c", from, e);
    h.at(
        3,
        Command::Logon {
            agent: to.into(),
            extension: format!("ext-{to}").into(),
            media: vec![media],
        },
    )
    .unwrap();
    h.at(
        10,
        Command::Transfer {
            call: "c".into(),
            to_agent: to.into(),
        },
    )
    .unwrap();
}

#[test]
fn r9_4_a_transferred_callback_is_completed_and_private_on_the_target() {
    let mut h = transfers(Media::Callback);
    answer_and_transfer(&mut h, Media::Callback, "a", "b");
    // Completed for the group at the transfer.
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallEnded { call, agent: Some(a), .. } if call.as_str() == "c" && a.as_str() == "a")));
    let s = h.stats("g");
    assert_eq!(
        (s.answered, s.handled, s.connected, s.ringing),
        (1, 1, 0, 0)
    );
    // The target does not answer: the call is cleared, never queued again.
    assert!(h.offered_to("c").is_some());
    h.tick(20);
    assert!(
        h.has_event(|e| matches!(e, EventKind::CallCleared { call, .. } if call.as_str() == "c"))
    );
    assert!(!h.has_event(|e| matches!(e, EventKind::CallQueued { .. })));
    assert!(h.engine.call_status(&h.tenant, &"c".into()).is_err());
    assert_eq!(h.stats("g").handled, 1, "the private leg is not counted");
}

#[test]
fn r9_4_a_private_callback_answered_by_the_target_ends_without_group_figures() {
    let mut h = transfers(Media::Callback);
    answer_and_transfer(&mut h, Media::Callback, "a", "b");
    let (_, e) = h.offered_to("c").unwrap();
    h.answer(12, "c", "b", e);
    h.hangup(40, "c");
    let s = h.stats("g");
    assert_eq!((s.answered, s.handled), (1, 1));
    assert!(s.balanced());
}

#[test]
fn r9_2_r6_1_an_application_agent_transfer_stays_a_service_group_call() {
    let mut h = transfers(Media::Voice);
    answer_and_transfer(&mut h, Media::Voice, "a", "b");
    h.tick(20); // b does not answer
                // R-6.1: back to the group queue (and at once to a, Ready again).
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallQueued { call, cause: Cause::NoAnswer, .. } if call.as_str() == "c")));
    assert_eq!(h.offered_to("c").map(|o| o.0), Some("a".to_string()));
}

#[test]
fn r9_2_a_phone_agent_transfer_is_completed_on_transfer() {
    let mut h = transfers(Media::Voice);
    answer_and_transfer(&mut h, Media::Voice, "p", "b");
    assert_eq!(h.stats("g").handled, 1);
    h.tick(20); // b does not answer: not back to the queue
    assert!(h.engine.call_status(&h.tenant, &"c".into()).is_err());
}

#[test]
fn r6_2_r8_2_reporting_after_a_transfer() {
    let mut g = group("g", &["s"]);
    g.clerical_s = 7;
    g.ring_time_s = 30;
    let mut h = Harness::new(
        vec![g],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])],
    );
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.arrive(1, "c", "g");
    let (_, e1) = h.offered_to("c").unwrap();
    h.answer(4, "c", "a", e1); // alerting at the first agent: 3 s
    h.at(10, Command::Hold { call: "c".into() }).unwrap();
    h.at(12, Command::Retrieve { call: "c".into() }).unwrap();
    h.at(
        20,
        Command::Transfer {
            call: "c".into(),
            to_agent: "b".into(),
        },
    )
    .unwrap();
    let (_, e2) = h.offered_to("c").unwrap();
    h.answer(25, "c", "b", e2); // b rang 5 s: not the alerting time
    h.at(30, Command::Hold { call: "c".into() }).unwrap();
    h.at(33, Command::Retrieve { call: "c".into() }).unwrap();
    h.hangup(40, "c");
    let s = h.stats("g");
    assert_eq!(s.answered, 1, "only the last agent counts it answered");
    assert_eq!(s.alerting_ms, 3_000, "alerting at the first agent");
    // Servicing: a talked 6 + 8 s, b 5 + 7 s; hold: a 2 s, b 3 s.
    assert_eq!(s.talk_ms, 26_000);
    assert_eq!(s.hold_ms, 5_000);
    assert_eq!(s.clerical_ms, 7_000, "the last agent's clerical only");
    // The transferring agent: 0 answered, busy from the offer to the transfer.
    let a = h.engine.agent_stats(&h.tenant, &"a".into()).unwrap();
    assert_eq!((a.answered, a.busy_ms), (0, 19_000));
    let b = h.engine.agent_stats(&h.tenant, &"b".into()).unwrap();
    assert_eq!(b.answered, 1);
    assert_eq!(
        b.busy_ms, 20_000,
        "ringing 20..25, talking to 40, clerical to 40 (now)"
    );
    assert!((b.occupancy - 0.5).abs() < 1e-9, "{}", b.occupancy);
}

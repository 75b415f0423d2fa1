//! Manual fidelity (issue #16): rules as the vendor manual states them,
//! each test citing its rule — pick refusals (R-5.1, R-4.3, R-4.7), the
//! record of answers after a transfer (R-6.1, R-6.2, R-8.1), divert
//! records and the divert deadline (R-4.4, R-4.7, R-2.4).

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

/// A personal group (manual, PDN routing) and an automatic group not shown
/// in dispatch. a1 PDN 5500 with dispatch access; a2 PDN 5501 without;
/// a3 a skilled picker; a4 with dispatch access but not skilled.
fn personal() -> Harness {
    let mut g = group("personal", &["p"]);
    g.routing = RoutingType::Manual;
    g.personal_calls = true;
    g.ring_time_s = 20;
    g.personal_max_wait_s = 30;
    let auto = group("auto", &["p"]);
    let mut a1 = agent("a1", &[("p", 5)]);
    a1.pdn = Some("5500".into());
    a1.dispatch_access = true;
    a1.can_pick = true;
    a1.default_destination = Some("vm-a1".into());
    let mut a2 = agent("a2", &[("p", 5)]);
    a2.pdn = Some("5501".into());
    a2.default_destination = Some("vm-a2".into());
    let mut a3 = agent("a3", &[("p", 3)]);
    a3.dispatch_access = true;
    a3.can_pick = true;
    let mut a4 = agent("a4", &[("other", 3)]);
    a4.dispatch_access = true;
    a4.can_pick = true;
    let mut t = TenantConfig::new(common::TENANT);
    t.default_destination = Some("+18005550000".into());
    t.groups = vec![g, auto];
    t.agents = vec![a1, a2, a3, a4];
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

fn dial(h: &mut Harness, secs: u64, call: &str, pdn: &str) {
    let spec = CallSpec {
        dnis: Some(pdn.into()),
        ..CallSpec::new(call, "personal")
    };
    h.at(secs, Command::CallArrived(spec))
        .expect("call arrives");
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

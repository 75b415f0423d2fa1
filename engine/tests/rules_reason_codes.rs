//! Reason codes as a phone agent sees them: more than 100 codes may
//! be configured, an agent is shown the first 100 that apply to it (global
//! and its team's, in configuration order); wrap-up reasons can be set at
//! the end of a call and in Clerical, and are recorded.

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

fn code(name: String, team: Option<&str>) -> ReasonCodeConfig {
    ReasonCodeConfig {
        code: name.into(),
        label: String::new(),
        team: team.map(TeamId::new),
    }
}

/// 60 global Not Ready codes, 50 for team "day" (a phone agent), 50 for
/// team "night";
/// wrap-up codes WU1 (global) and WU-N (night only).
fn harness() -> Harness {
    let mut g = group("g", &["s"]);
    g.clerical_s = 30;
    let mut day = agent("day", &[("s", 1)]);
    day.team = Some(TeamId::new("day"));
    day.kind = AgentKind::Phone; // the cap is a phone agent's
    let mut night = agent("night", &[("s", 1)]);
    night.team = Some(TeamId::new("night"));
    let mut t = TenantConfig::new(common::TENANT);
    let nr = &mut t.reason_codes.not_ready;
    nr.extend((0..30).map(|i| code(format!("G{i}"), None)));
    nr.extend((0..50).map(|i| code(format!("D{i}"), Some("day"))));
    nr.extend((30..60).map(|i| code(format!("G{i}"), None)));
    nr.extend((0..50).map(|i| code(format!("N{i}"), Some("night"))));
    t.reason_codes.wrap_up = vec![code("WU1".into(), None), code("WU-N".into(), Some("night"))];
    t.groups = vec![g];
    t.agents = vec![day, night];
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

fn names(codes: &[ReasonCodeConfig]) -> Vec<String> {
    codes.iter().map(|c| c.code.to_string()).collect()
}

#[test]
fn r1_5_more_than_100_codes_are_accepted_and_the_first_100_applicable_shown() {
    let h = harness();
    let shown = h
        .engine
        .reason_codes(&h.tenant, &"day".into(), ReasonKind::NotReady)
        .unwrap();
    assert_eq!(shown.len(), 100, "capped at 100 of the 110 that apply");
    let shown = names(&shown);
    // Configuration order: G0..G29, D0..D49, G30..G49 — no night codes.
    assert_eq!(shown[0], "G0");
    assert_eq!(shown[30], "D0");
    assert_eq!(shown[80], "G30");
    assert_eq!(shown[99], "G49");
    assert!(!shown.iter().any(|n| n.starts_with('N')));
    let wrap = h
        .engine
        .reason_codes(&h.tenant, &"night".into(), ReasonKind::WrapUp)
        .unwrap();
    assert_eq!(names(&wrap), ["WU1", "WU-N"]);
    let none = h
        .engine
        .reason_codes(&h.tenant, &"day".into(), ReasonKind::SignOut)
        .unwrap();
    assert!(none.is_empty());
}

fn talking(h: &mut Harness, agent: &str, call: &str) {
    h.login_ready(0, agent);
    h.arrive(1, call, "g");
    let (_, epoch) = h.offered_to(call).expect("offered");
    h.answer(2, call, agent, epoch);
}

fn wrap_up(h: &mut Harness, secs: u64, agent: &str, reason: &str) -> Result<(), Error> {
    h.at(
        secs,
        Command::WrapUp {
            agent: agent.into(),
            reason: reason.into(),
            media: Media::Voice,
        },
    )
}

#[test]
fn r1_5_a_wrap_up_reason_set_during_the_call_is_on_its_record() {
    let mut h = harness();
    talking(&mut h, "night", "c1");
    wrap_up(&mut h, 5, "night", "WU-N").unwrap();
    assert!(h.has_event(|e| matches!(e,
        EventKind::AgentWrapUp { agent, call: Some(c), reason, .. }
            if agent.as_str() == "night" && c.as_str() == "c1" && reason.as_str() == "WU-N")));
    h.hangup(10, "c1");
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallEnded { call, wrap_up: Some(r), .. }
            if call.as_str() == "c1" && r.as_str() == "WU-N")));
}

#[test]
fn r1_5_a_wrap_up_reason_set_in_clerical_names_the_call() {
    let mut h = harness();
    talking(&mut h, "day", "c1");
    h.hangup(10, "c1");
    assert!(matches!(h.status("day"), AgentStatus::Clerical { .. }));
    wrap_up(&mut h, 12, "day", "WU1").unwrap();
    assert!(h.has_event(|e| matches!(e,
        EventKind::AgentWrapUp { call: Some(c), reason, .. }
            if c.as_str() == "c1" && reason.as_str() == "WU1")));
    assert!(
        matches!(h.status("day"), AgentStatus::Clerical { .. }),
        "state unchanged"
    );
}

#[test]
fn r1_5_wrap_up_reasons_are_checked_against_their_catalogue() {
    let mut h = harness();
    talking(&mut h, "day", "c1");
    // Another team's code, a Not Ready code, an unknown code: refused.
    for bad in ["WU-N", "G0", "nope"] {
        assert_eq!(
            wrap_up(&mut h, 5, "day", bad),
            Err(Error::UnknownReason(bad.into())),
            "{bad}"
        );
    }
    assert!(h.events.is_empty(), "a refused wrap-up records nothing");
    // Not finishing a call: refused.
    h.login_ready(6, "night");
    assert!(matches!(
        wrap_up(&mut h, 7, "night", "WU1"),
        Err(Error::AgentState {
            command: "wrap_up",
            ..
        })
    ));
}

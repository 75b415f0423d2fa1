//! Customer authentication as the manual describes it: the authentication
//! number and "send DN from agent", its call-detail records
//! the phone agent's version, and the call data it
//! updates.

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

const AUTH: &str = "+18005550199";

/// Group "g" (clerical 20 s, reserve 60 s); "app" an Agent-application
/// agent, "phone" a phone agent. The tenant authenticates at `AUTH` and
/// sends the agent's DN.
fn harness() -> Harness {
    let mut g = group("g", &["s"]);
    g.clerical_s = 20;
    g.max_reserve_s = 60;
    let mut phone = agent("phone", &[("s", 1)]);
    phone.kind = AgentKind::Phone;
    let mut t = TenantConfig::new(common::TENANT);
    t.auth_number = Some(AUTH.into());
    t.send_dn_from_agent = true;
    t.groups = vec![g];
    t.agents = vec![agent("app", &[("s", 1)]), phone];
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

/// `agent` answers call `c` carrying ANI and attached data.
fn talking(h: &mut Harness, agent: &str, c: &str) {
    h.login_ready(0, agent);
    let mut spec = CallSpec::new(c, "g");
    spec.ani = Some("+15551234".into());
    spec.data.insert("account".into(), "42".into());
    h.at(1, Command::call_arrived(spec)).unwrap();
    let (_, epoch) = h.offered_to(c).unwrap();
    h.answer(2, c, agent, epoch);
}

fn auth(h: &mut Harness, secs: u64, c: &str, to: Option<&str>) -> Result<(), Error> {
    h.at(
        secs,
        Command::AuthDivert {
            call: c.into(),
            destination: to.map(String::from),
        },
    )
}

fn returned(h: &mut Harness, secs: u64, c: &str, data: &[(&str, &str)]) {
    let data = data
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    h.at(
        secs,
        Command::CallReturned {
            call: c.into(),
            data,
        },
    )
    .unwrap();
}

#[test]
fn r1_4_ani_and_attached_data_travel_with_the_call() {
    let mut h = harness();
    h.login_ready(0, "app");
    let mut spec = CallSpec::new("c1", "g");
    spec.ani = Some("+15551234".into());
    spec.data.insert("account".into(), "42".into());
    h.at(1, Command::call_arrived(spec)).unwrap();
    let Some(Effect::Offer { ani, data, .. }) = h.effects.first() else {
        panic!("{:?}", h.effects);
    };
    assert_eq!(ani.as_deref(), Some("+15551234"));
    assert_eq!(data.get("account").map(String::as_str), Some("42"));
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallQueued { ani: Some(a), data, .. } if a == "+15551234" && data.len() == 1)));
    let details = h.engine.call_details(&h.tenant, &"c1".into()).unwrap();
    assert_eq!(details.ani.as_deref(), Some("+15551234"));
    assert_eq!(details.data.get("account").map(String::as_str), Some("42"));
    assert!(matches!(details.status, CallStatus::Offered { .. }));
}

#[test]
fn r9_5_authentication_goes_to_the_tenant_number_with_the_agent_dn() {
    let mut h = harness();
    talking(&mut h, "app", "c1");
    // Another number is refused and changes nothing.
    let err = auth(&mut h, 5, "c1", Some("+1999")).unwrap_err();
    assert!(matches!(err, Error::AuthNumber { .. }), "{err}");
    assert!(matches!(h.status("app"), AgentStatus::Talking { .. }));
    auth(&mut h, 6, "c1", Some(AUTH)).unwrap();
    let divert = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Divert {
                destination,
                private_data,
                cause: Cause::Authentication,
                epoch: None,
                ..
            } => Some((destination.clone(), private_data.clone())),
            _ => None,
        })
        .expect("divert to the authentication number");
    assert_eq!(divert.0, AUTH);
    assert_eq!(
        divert.1.get("agent_dn").map(String::as_str),
        Some("ext-app")
    );
    // Parked and Call Deflected to other Destination are recorded.
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallParked { cause: Cause::Authentication, reserved_for: Some(a), .. } if a.as_str() == "app")));
    assert!(h.has_event(|e| matches!(e,
        EventKind::CallDeflected { cause: Cause::Authentication, destination, .. } if destination == AUTH)));
    // an application agent waits in CallWaiting.
    assert!(matches!(h.status("app"), AgentStatus::CallWaiting { .. }));
}

#[test]
fn r9_5_no_number_named_means_the_tenant_number() {
    let mut h = harness();
    talking(&mut h, "app", "c1");
    auth(&mut h, 6, "c1", None).unwrap();
    assert!(h
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Divert { destination, .. } if destination == AUTH)));
}

#[test]
fn r6_3_r1_4_authentication_results_update_the_call_data() {
    let mut h = harness();
    talking(&mut h, "app", "c1");
    auth(&mut h, 5, "c1", None).unwrap();
    returned(
        &mut h,
        20,
        "c1",
        &[("authenticated", "yes"), ("account", "43")],
    );
    assert!(matches!(h.status("app"), AgentStatus::Callback { .. }));
    let data = h.engine.call_details(&h.tenant, &"c1".into()).unwrap().data;
    assert_eq!(data.get("authenticated").map(String::as_str), Some("yes"));
    assert_eq!(data.get("account").map(String::as_str), Some("43"));
}

#[test]
fn r9_3_a_phone_agent_stays_talking_while_the_caller_is_away() {
    let mut h = harness();
    talking(&mut h, "phone", "c1");
    auth(&mut h, 5, "c1", None).unwrap();
    assert!(
        matches!(h.status("phone"), AgentStatus::Talking { .. }),
        "no CallWaiting for a phone agent"
    );
    // Back in time: the agent carries on talking.
    returned(&mut h, 30, "c1", &[]);
    assert!(matches!(h.status("phone"), AgentStatus::Talking { .. }));
    h.hangup(40, "c1");
    assert!(matches!(h.status("phone"), AgentStatus::Clerical { .. }));
}

#[test]
fn r9_3_a_phone_agent_return_call_not_back_in_time_is_a_disconnected_call() {
    let mut h = harness();
    talking(&mut h, "phone", "c1");
    auth(&mut h, 5, "c1", None).unwrap();
    h.tick(64);
    assert!(
        h.engine.call_status(&h.tenant, &"c1".into()).is_ok(),
        "before 60 s"
    );
    h.tick(65);
    assert!(
        h.engine.call_status(&h.tenant, &"c1".into()).is_err(),
        "call gone"
    );
    assert!(
        h.has_event(|e| matches!(e, EventKind::CallEnded { call, .. } if call.as_str() == "c1"))
    );
    // Available for the next call at once: no clerical.
    assert_eq!(h.status("phone"), AgentStatus::Ready);
    h.arrive(66, "c2", "g");
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some("phone".to_string()));
}

#[test]
fn r6_3_an_application_agent_whose_caller_does_not_return_goes_to_clerical() {
    let mut h = harness();
    talking(&mut h, "app", "c1");
    auth(&mut h, 5, "c1", None).unwrap();
    h.tick(65);
    assert!(h
        .effects
        .iter()
        .any(|e| matches!(e, Effect::ClearCall { .. })));
    assert!(matches!(h.status("app"), AgentStatus::Clerical { .. }));
}

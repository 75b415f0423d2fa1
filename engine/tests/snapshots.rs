//! Engine state snapshots (serde): a restored engine behaves exactly like
//! the original (R-7.2 relies on this), and a corrupt snapshot is refused
//! with an error, never a panic.

mod common;

use acd_engine::*;
use common::{agent, group, Harness};
use proptest::prelude::*;

/// A busy little contact centre: calls queued, ringing, connected, parked,
/// in clerical, and a personal call waiting for a busy agent.
fn busy() -> Harness {
    let mut sales = group("sales", &["s"]);
    sales.clerical_s = 30;
    sales.ring_time_s = 20;
    let mut personal = group("personal", &["s"]);
    personal.routing = RoutingType::Manual;
    personal.personal_calls = true;
    let mut a1 = agent("a1", &[("s", 5)]);
    a1.pdn = Some("5500".into());
    a1.dispatch_access = true;
    let mut h = Harness::new(
        vec![sales, personal],
        vec![a1, agent("a2", &[("s", 2)]), agent("a3", &[("s", 2)])],
    );
    h.login_ready(0, "a1");
    h.login_ready(0, "a2");
    h.login_ready(0, "a3");
    h.arrive(1, "c1", "sales");
    h.answer(2, "c1", "a1", 1);
    h.arrive(3, "c2", "sales");
    h.answer(4, "c2", "a2", 2);
    h.hangup(5, "c2"); // a2 in clerical
    h.arrive(6, "c3", "sales"); // rings a3
    h.arrive(7, "c4", "sales"); // queued
    let spec = CallSpec {
        dnis: Some("5500".into()),
        ..CallSpec::new("p1", "personal")
    };
    h.at(8, Command::call_arrived(spec)).unwrap(); // waits for busy a1
    h
}

/// Drives an engine through the same tail of commands; returns all output.
fn tail(engine: &mut Engine) -> Vec<String> {
    let t = TenantId::new(common::TENANT);
    let mut out = Vec::new();
    let steps: Vec<(u64, Command)> = vec![
        (10, Command::Hangup { call: "c1".into() }),
        (
            11,
            Command::Answered {
                call: "c3".into(),
                agent: "a3".into(),
                epoch: 3,
            },
        ),
        (12, Command::Hangup { call: "c4".into() }),
        (
            50,
            Command::Ready {
                agent: "a2".into(),
                media: Media::Voice,
            },
        ),
    ];
    for (s, cmd) in steps {
        out.push(format!(
            "{:?}",
            engine.handle(Instant::from_secs(s), &t, cmd)
        ));
        engine.handle_timeout(Instant::from_secs(s + 40));
        out.extend(
            engine
                .drain_effects()
                .map(|e| serde_json::to_string(&e).unwrap()),
        );
        out.extend(
            engine
                .drain_events()
                .map(|e| serde_json::to_string(&e).unwrap()),
        );
    }
    out
}

#[test]
fn r7_2_restored_snapshot_behaves_like_the_original() {
    let h = busy();
    let json = serde_json::to_string(&h.engine).unwrap();
    let mut restored: Engine = serde_json::from_str(&json).unwrap();
    assert_eq!(
        serde_json::to_string(&restored).unwrap(),
        json,
        "serialization is canonical"
    );
    let mut original = h.engine.clone();
    assert_eq!(tail(&mut original), tail(&mut restored));
}

fn numbers(json: &str) -> Vec<(usize, usize)> {
    let bytes = json.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'"')
        {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            spans.push((start, i));
        }
        i += 1;
    }
    spans
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Changing any one number of a snapshot either still loads into a
    /// state that passes every invariant, or is refused with an error.
    #[test]
    fn corrupt_snapshots_are_refused_not_panicking(pick in any::<prop::sample::Index>(), value in prop_oneof![Just(0u64), 1..4u64, 4..40u64, Just(u32::MAX as u64)]) {
        let json = serde_json::to_string(&busy().engine).unwrap();
        let spans = numbers(&json);
        let (start, end) = spans[pick.index(spans.len())];
        let corrupted = format!("{}{}{}", &json[..start], value, &json[end..]);
        if let Ok(mut engine) = serde_json::from_str::<Engine>(&corrupted) {
            prop_assert!(engine.check_invariants().is_ok());
            tail(&mut engine);
        }
    }
}

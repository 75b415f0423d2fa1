//! Time arithmetic at the end of time (issue 17 item 5). `now` is bounded by
//! `Instant::MAX` (refused beyond with a typed error, the engine unchanged),
//! deadlines and statistics saturate: no input time can panic the engine
//! (which through the C ABI would poison the handle) or wrap a counter.

mod common;

use acd_engine::*;
use common::{agent, Harness};
use proptest::prelude::*;
use proptest::strategy::Strategy;

fn harness() -> Harness {
    let mut g = GroupConfig::new("g", &["s"]);
    g.clerical_s = 0;
    g.ring_time_s = 10;
    Harness::new(
        vec![g],
        vec![agent("a0", &[("s", 5)]), agent("a1", &[("s", 5)])],
    )
}

fn state(h: &Harness) -> String {
    serde_json::to_string(&h.engine).unwrap()
}

#[test]
fn a_now_past_the_maximum_is_refused_and_changes_nothing() {
    let mut h = harness();
    h.login_ready(0, "a0");
    let before = state(&h);
    for now in [Instant::MAX.as_millis() + 1, u64::MAX - 1, u64::MAX] {
        let err = h
            .engine
            .handle(
                Instant::from_millis(now),
                &h.tenant.clone(),
                Command::SetMaintenance { on: true },
            )
            .unwrap_err();
        assert_eq!(
            err,
            Error::TimeOutOfRange {
                now: Instant::from_millis(now),
                max: Instant::MAX
            }
        );
        h.engine.handle_timeout(Instant::from_millis(now));
        assert_eq!(state(&h), before);
    }
    // The maximum itself is a time like any other.
    h.at_ms(
        Instant::MAX.as_millis(),
        Command::call_arrived(CallSpec::new("c1", "g")),
    )
    .unwrap();
    assert_eq!(h.offers().len(), 1);
}

/// 2,050 calls each waiting 2^53 ms: the wait sum passes `u64::MAX` (it
/// overflowed in debug builds, wrapped in release) and now saturates.
/// Driven without the harness: its per-step invariant check would be
/// quadratic in the 2,050 queued calls; the check runs at the end.
#[test]
fn statistics_saturate_instead_of_overflowing() {
    let mut h = harness();
    let t = h.tenant.clone();
    let e = &mut h.engine;
    let at = Instant::from_millis;
    let logon = Command::Logon {
        agent: "a0".into(),
        extension: "x".into(),
        media: vec![],
    };
    e.handle(at(0), &t, logon).unwrap();
    let calls = 2_050;
    for i in 0..calls {
        let spec = CallSpec::new(format!("c{i}").as_str(), "g");
        e.handle(at(0), &t, Command::call_arrived(spec)).unwrap();
    }
    let end = Instant::MAX;
    e.handle(
        end,
        &t,
        Command::Ready {
            agent: "a0".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    for _ in 0..calls {
        let offer = e.drain_effects().find_map(|fx| match fx {
            Effect::Offer {
                call, agent, epoch, ..
            } => Some((call, agent, epoch)),
            _ => None,
        });
        let (call, agent, epoch) = offer.expect("the next call is offered");
        e.handle(
            end,
            &t,
            Command::Answered {
                call: call.clone(),
                agent,
                epoch,
            },
        )
        .unwrap();
        e.handle(end, &t, Command::Hangup { call }).unwrap();
        e.drain_events().for_each(drop);
    }
    e.check_invariants().unwrap();
    let stats = e.group_stats(&t, &"g".into()).unwrap();
    assert_eq!(stats.answered, calls);
    assert_eq!(stats.answered_wait_ms, u64::MAX);
    assert_eq!(stats.longest_wait_ms, end.as_millis());
}

#[derive(Clone, Debug)]
enum Op {
    Logon(u8),
    Ready(u8),
    Arrive(u8),
    AnswerFirstOffer,
    Hangup(u8),
    Tick,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..2).prop_map(Op::Logon),
        (0u8..2).prop_map(Op::Ready),
        (0u8..6).prop_map(Op::Arrive),
        Just(Op::AnswerFirstOffer),
        (0u8..6).prop_map(Op::Hangup),
        Just(Op::Tick),
    ]
}

fn start() -> impl Strategy<Value = u64> {
    let max = Instant::MAX.as_millis();
    prop_oneof![
        Just(max - 100_000_000),
        Just(max - 1_000),
        Just(max),
        Just(u64::MAX - 1_000_000),
        (max - 10_000_000_000)..=u64::MAX,
    ]
}

proptest! {
    // Each step serializes the engine twice: 64 cases keep the debug run
    // of this file near ten seconds.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// From any start near or past the maximum, with steps of up to 30 days:
    /// every step is `Ok` or a typed error; a `now` past the maximum is
    /// `TimeOutOfRange` and changes nothing; invariants hold throughout
    /// (the harness checks them after every step).
    #[test]
    fn huge_times_never_panic(
        base in start(),
        steps in prop::collection::vec((0u64..2_592_000_000, op()), 1..40),
    ) {
        let mut h = harness();
        let mut now = base;
        for (dt, op) in steps {
            now = now.saturating_add(dt);
            let before = state(&h);
            let command = match op {
                Op::Logon(a) => Command::Logon {
                    agent: format!("a{a}").as_str().into(), extension: "x".into(), media: vec![] },
                Op::Ready(a) => Command::Ready {
                    agent: format!("a{a}").as_str().into(), media: Media::Voice },
                Op::Arrive(c) => Command::call_arrived(CallSpec::new(format!("c{c}").as_str(), "g")),
                Op::AnswerFirstOffer => match h.offers().first() {
                    Some((c, a, e)) => Command::Answered {
                        call: c.as_str().into(), agent: a.as_str().into(), epoch: *e },
                    None => continue,
                },
                Op::Hangup(c) => Command::Hangup { call: format!("c{c}").as_str().into() },
                Op::Tick => {
                    h.engine.handle_timeout(Instant::from_millis(now));
                    continue;
                }
            };
            let result = h.at_ms(now, command);
            if now > Instant::MAX.as_millis() {
                prop_assert!(matches!(result, Err(Error::TimeOutOfRange { .. })), "{:?}", result);
                prop_assert_eq!(state(&h), before);
            }
            let stats = h.stats("g");
            prop_assert!(stats.longest_wait_ms <= Instant::MAX.as_millis());
        }
    }
}

//! Threshold reservation on the arrival path, R-10.6 (`src/reserve.rs`):
//! a call arriving in a reserving group takes the best agent its reserve
//! does not hold back, found by one lookup in the pool's split instead of a
//! scan past the held-back agents. The decisions are the scan's: the
//! engine's invariant check, run after every step of these tests, holds
//! the split to a scan of the whole pool in strategy order.
//!
//! Agents of the reserving group `sec` fall into three classes: *spared*
//! (no skill for the protected group `pri`), *counted* (serve `pri` from its
//! first tier, so they count among its Ready agents) and *uncounted* (serve
//! `pri` only from its second tier).

mod common;

use acd_engine::*;
use common::{agent, Harness};
use proptest::prelude::*;
use proptest::strategy::Strategy;
use std::collections::HashMap;

/// `pri` needs skill `p` at level 5, from 5 s at level 1; `sec` needs `s`
/// and keeps `keep_idle` agents idle for `pri`.
fn groups(keep_idle: u32, max_wait_s: Option<u32>) -> Vec<GroupConfig> {
    let mut pri = GroupConfig::new("pri", &[]);
    pri.skills = vec![SkillRequirement {
        skill: "p".into(),
        min_level: 5,
    }];
    pri.stages = vec![StageConfig {
        after_s: 5,
        min_level: Some(1),
        ..StageConfig::default()
    }];
    let mut sec = GroupConfig::new("sec", &["s"]);
    sec.reserve = Some(Box::new(Reserve {
        for_group: "pri".into(),
        keep_idle,
        max_wait_s,
    }));
    vec![pri, sec]
}

/// Agent `i` of the given class: 0 spared, 1 counted, 2 uncounted.
fn member(i: usize, class: usize) -> AgentConfig {
    let skills: &[(&str, u8)] = match class {
        0 => &[("s", 1)],
        1 => &[("s", 1), ("p", 5)],
        _ => &[("s", 1), ("p", 2)],
    };
    agent(&format!("a{i}"), skills)
}

/// A harness with one agent per entry of `classes`, logged on and Ready
/// in order (a0 idle longest).
fn ready_floor(keep_idle: u32, classes: &[usize]) -> Harness {
    let agents = classes
        .iter()
        .enumerate()
        .map(|(i, &c)| member(i, c))
        .collect();
    let mut h = Harness::new(groups(keep_idle, None), agents);
    for i in 0..classes.len() {
        h.login_ready(i as u64, &format!("a{i}"));
    }
    h
}

#[test]
fn r10_6_an_arrival_passes_over_many_held_back_agents_in_one_lookup() {
    // 300 counted agents idle longest, then one uncounted, then one spared.
    const COUNTED: usize = 300;
    let mut classes = vec![1; COUNTED];
    classes.extend([2, 0]);
    // keep_idle = 300: with 300 of `pri`'s agents Ready, a counted agent
    // taking the call would leave 299 (held back); an uncounted one leaves
    // 300 (free).
    let mut h = ready_floor(COUNTED as u32, &classes);
    let (uncounted, spared) = (format!("a{COUNTED}"), format!("a{}", COUNTED + 1));
    h.arrive(400, "c1", "sec");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some(uncounted));
    h.arrive(401, "c2", "sec");
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some(spared));
    // Nobody left whom the reserve lets go: the call waits.
    h.arrive(402, "c3", "sec");
    assert!(h.offers().is_empty());
    assert_eq!(h.engine.queue_len(&h.tenant, &"sec".into()).unwrap(), 1);
}

#[test]
fn r10_6_with_the_cushion_kept_the_longest_idle_shared_agent_takes_the_call() {
    let mut h = ready_floor(1, &[1, 1, 0]);
    // Two of `pri`'s agents Ready, keep 1: a0 (longest idle) may go.
    h.arrive(5, "c1", "sec");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a0".into()));
    // One left, it must stay: the spared agent a2 takes the next call.
    h.arrive(6, "c2", "sec");
    assert_eq!(h.offered_to("c2").map(|o| o.0), Some("a2".into()));
}

#[test]
fn r10_6_the_splits_survive_a_snapshot() {
    let mut h = ready_floor(1, &[1, 2, 0]);
    let saved = serde_json::to_string(&h.engine).unwrap();
    h.engine = serde_json::from_str(&saved).unwrap();
    // One of `pri`'s agents Ready (a0), keep 1: a0 is held back, the
    // uncounted a1 is not.
    h.arrive(5, "c1", "sec");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a1".into()));
}

/// The proptest's centre: agents of `classes`, in regions `eu` / `us` by
/// turns; with `filtered`, `sec` takes a call only to an agent of the
/// call's region (a call condition, R-10.1), so its calls walk the agents
/// the reserve lets go.
fn mixed_floor(
    keep_idle: u32,
    max_wait_s: Option<u32>,
    classes: &[usize],
    filtered: bool,
) -> Harness {
    let mut groups = groups(keep_idle, max_wait_s);
    if filtered {
        groups[1].expression = Some("region == call.region".into());
    }
    let mut t = TenantConfig::new(common::TENANT);
    t.attributes = [("region".to_string(), AttributeType::String)]
        .into_iter()
        .collect();
    t.groups = groups;
    t.agents = classes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let mut a = member(i, c);
            let region = AttributeValue::String(["eu", "us"][i % 2].into());
            a.attributes = [("region".to_string(), region)].into_iter().collect();
            a
        })
        .collect();
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

#[derive(Clone, Debug)]
enum Op {
    LoginReady(usize),
    NotReady(usize),
    Logoff(usize),
    /// Call, into `sec` (else `pri`), from region `us` (else `eu`).
    Arrive(usize, bool, bool),
    Answer(usize),
    Hangup(usize),
    Advance(u64),
    Reload,
    /// `sec` reconfigured: a new `keep_idle`, most-skilled order or not.
    Reconfigure(u32, bool),
    /// Agent `i` gets the skills of a class (0..3).
    Skills(usize, usize),
}

const AGENTS: usize = 7;
const CALLS: usize = 10;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..AGENTS).prop_map(Op::LoginReady),
        1 => (0..AGENTS).prop_map(Op::NotReady),
        1 => (0..AGENTS).prop_map(Op::Logoff),
        5 => (0..CALLS, any::<bool>(), any::<bool>())
            .prop_map(|(c, sec, us)| Op::Arrive(c, sec, us)),
        4 => (0..CALLS).prop_map(Op::Answer),
        3 => (0..CALLS).prop_map(Op::Hangup),
        2 => (0..20_000u64).prop_map(Op::Advance),
        1 => Just(Op::Reload),
        1 => (0..4u32, any::<bool>()).prop_map(|(k, m)| Op::Reconfigure(k, m)),
        1 => (0..AGENTS, 0..3usize).prop_map(|(a, c)| Op::Skills(a, c)),
    ]
}

fn command(op: &Op, offers: &HashMap<String, (String, Epoch)>) -> Option<Command> {
    let agent = |i: &usize| AgentId::new(format!("a{i}"));
    Some(match op {
        Op::NotReady(a) => Command::NotReady {
            agent: agent(a),
            media: Media::Voice,
            reason: "BREAK".into(),
        },
        Op::Logoff(a) => Command::Logoff {
            agent: agent(a),
            reason: None,
        },
        Op::Arrive(c, sec, us) => {
            let mut spec = CallSpec::new(format!("c{c}"), if *sec { "sec" } else { "pri" });
            let region = if *us { "us" } else { "eu" };
            spec.data = [("region".to_string(), region.to_string())]
                .into_iter()
                .collect();
            Command::call_arrived(spec)
        }
        Op::Answer(c) => {
            let (a, epoch) = offers.get(&format!("c{c}"))?;
            Command::Answered {
                call: format!("c{c}").into(),
                agent: a.as_str().into(),
                epoch: *epoch,
            }
        }
        Op::Hangup(c) => Command::Hangup {
            call: format!("c{c}").into(),
        },
        Op::Skills(a, class) => Command::SetSkills {
            agent: agent(a),
            skills: member(*a, *class).skills,
        },
        Op::LoginReady(_) | Op::Advance(_) | Op::Reload | Op::Reconfigure(..) => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Over random traffic, logons, breaks, snapshot reloads, changes of
    /// skills and of the reserving group, with any mix of agent classes,
    /// any reserve, with or without call conditions,
    /// the agents the split lets go are the scan's, in the same order (the
    /// harness runs the invariant check, which compares them, after every
    /// step), and no call waits while an agent that may take it is Ready.
    #[test]
    fn r10_6_the_split_lists_the_agents_a_scan_lets_go(
        classes in prop::collection::vec(0..3usize, AGENTS),
        keep_idle in 0..4u32,
        max_wait_s in prop::option::of(1..40u32),
        filtered in any::<bool>(),
        ops in prop::collection::vec(op(), 1..150),
    ) {
        let mut h = mixed_floor(keep_idle, max_wait_s, &classes, filtered);
        let mut offers: HashMap<String, (String, Epoch)> = HashMap::new();
        let mut ms = 0;
        for op in &ops {
            ms += 250;
            match op {
                Op::Advance(d) => {
                    ms = (ms + d).div_ceil(1000) * 1000;
                    h.tick(ms / 1000);
                }
                Op::Reload => {
                    let saved = serde_json::to_string(&h.engine).unwrap();
                    h.engine = serde_json::from_str(&saved).unwrap();
                }
                Op::Reconfigure(keep_idle, most_skilled) => {
                    let mut sec = groups(*keep_idle, max_wait_s).remove(1);
                    if *most_skilled {
                        sec.strategy = acd_engine::Strategy::MostSkilled;
                    }
                    if filtered {
                        sec.expression = Some("region == call.region".into());
                    }
                    _ = h.at_ms(ms, Command::UpsertGroup { group: Box::new(sec) });
                }
                Op::LoginReady(a) => {
                    let agent = format!("a{a}");
                    let logon = Command::Logon {
                        agent: agent.as_str().into(),
                        extension: format!("x{a}").into(),
                        media: vec![],
                    };
                    let ready = Command::Ready { agent: agent.as_str().into(), media: Media::Voice };
                    _ = h.at_ms(ms, logon);
                    _ = h.at_ms(ms, ready);
                }
                _ => {
                    if let Some(cmd) = command(op, &offers) {
                        _ = h.at_ms(ms, cmd);
                    }
                }
            }
            for (call, agent, epoch) in h.offers() {
                offers.insert(call, (agent, epoch));
            }
        }
    }
}

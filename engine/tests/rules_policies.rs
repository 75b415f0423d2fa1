//! Routing policies from queueing theory, R-10.6: weighted head-of-line
//! wait (generalized cμ), fixed-queue-ratio (Gurvich & Whitt) and threshold
//! reservation. Formulas and sources: `src/policy.rs`.

mod common;

use acd_engine::*;
use common::{agent, group, Harness};

fn tenant(policy: RoutingPolicy, groups: Vec<GroupConfig>, agents: Vec<AgentConfig>) -> Harness {
    let mut t = TenantConfig::new(common::TENANT);
    t.policy = policy;
    t.groups = groups;
    t.agents = agents;
    Harness::with_config(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
}

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

/// Groups `a` (skill x) and `b` (skill y, `b_weight` %, queue ratio
/// `b_ratio`), one agent `ag` serving both, logged on (Not Ready) at 0 s.
fn shared_agent(policy: RoutingPolicy, b_weight: u32, b_ratio: u32) -> Harness {
    let a = group("a", &["x"]);
    let mut b = group("b", &["y"]);
    b.wait_weight = b_weight;
    b.queue_ratio = b_ratio;
    let mut h = tenant(policy, vec![a, b], vec![agent("ag", &[("x", 1), ("y", 1)])]);
    h.logon(0, "ag");
    h
}

/// Two groups `a` (priority 5, weight 1) and `b` (priority 0, weight 3), an
/// agent serving both; `a1` waits from 0 s, `b1` from 6 s; the agent frees
/// at 10 s: weighted waits are 1 × 10 = 10 for `a1`, 3 × 4 = 12 for `b1`.
fn first_pick(policy: RoutingPolicy) -> String {
    let mut h = shared_agent(policy, 300, 1);
    arrive_prio(&mut h, 0, "a1", "a", 5);
    arrive_prio(&mut h, 6, "b1", "b", 0);
    h.ready(10, "ag");
    h.offers()[0].0.clone()
}

#[test]
fn r10_6_weighted_hol_takes_the_largest_weight_times_wait() {
    // default: priority first.
    assert_eq!(first_pick(RoutingPolicy::Priority), "a1");
    // generalized cμ: w_i × W_i, priorities across groups ignored.
    assert_eq!(first_pick(RoutingPolicy::WeightedHol), "b1");
}

#[test]
fn r10_6_weighted_hol_never_starves_a_low_weight_group() {
    // Weight 1 against weight 3: the low-weight head is taken once it has
    // waited three times as long as the other head.
    let mut h = shared_agent(RoutingPolicy::WeightedHol, 300, 1);
    h.arrive(0, "a1", "a");
    h.arrive(8, "b1", "b");
    // At 12 s: a1 1 × 12 = 12 = b1 3 × 4: ties go to the earlier arrival.
    h.ready(12, "ag");
    assert_eq!(h.offers()[0].0, "a1");
}

/// `a` with queue ratio 1 and `b` with 3 (p = 1/4, 3/4), an agent serving
/// both, `qa` calls in `a` then `qb` in `b` (all older than any of `b`'s).
fn fqr_pick(qa: usize, qb: usize) -> String {
    let mut h = shared_agent(RoutingPolicy::FixedQueueRatio, 100, 3);
    for i in 0..qa {
        h.arrive(i as u64, &format!("a{i}"), "a");
    }
    for i in 0..qb {
        h.arrive(100 + i as u64, &format!("b{i}"), "b");
    }
    h.ready(200, "ag");
    h.offers()[0].0.clone()
}

#[test]
fn r10_6_fixed_queue_ratio_serves_the_queue_furthest_above_its_share() {
    // ΣQ = 5: a 2 − 5/4 = +0.75, b 3 − 15/4 = −0.75 -> a, though b is longer.
    assert_eq!(fqr_pick(2, 3), "a0");
    // ΣQ = 5: a 1 − 5/4 = −0.25, b 4 − 15/4 = +0.25 -> b, though a waited longer.
    assert_eq!(fqr_pick(1, 4), "b0");
    // Equal excess (ΣQ = 4: a 1 − 1 = 0, b 3 − 3 = 0): the longest wait, a.
    assert_eq!(fqr_pick(1, 3), "a0");
}

#[test]
fn r10_6_fixed_queue_ratio_keeps_the_queues_in_ratio() {
    // One agent serving both groups takes 8 of 8 + 8 waiting calls: the
    // excess rule (R = 4) drains `a` until the queues stand in ratio 1 : 3.
    let mut h = shared_agent(RoutingPolicy::FixedQueueRatio, 100, 3);
    for i in 0..8 {
        h.arrive(i, &format!("a{i}"), "a");
        h.arrive(i, &format!("b{i}"), "b");
    }
    let mut picks = String::new();
    let mut now = 10;
    h.ready(now, "ag");
    for _ in 0..8 {
        let (call, _, epoch) = h.offers()[0].clone();
        picks.push_str(&call[..1]);
        h.answer(now, &call, "ag", epoch);
        now += 1;
        h.hangup(now, &call);
    }
    // (Q_a, Q_b) -> excess a = 4 Q_a − ΣQ, b = 4 Q_b − 3 ΣQ:
    // (8,8) 16/−16 a; (7,8) 13/−13 a; (6,8) 10/−10 a; (5,8) 7/−7 a;
    // (4,8) 4/−4 a; (3,8) 1/−1 a; (2,8) −2/+2 b; (2,7) −1/+1 b.
    assert_eq!(picks, "aaaaaabb");
    // At (2,6) — the ratio p = (1/4, 3/4) — both excesses are 0: the tie
    // goes to the longer head-of-line wait, b2 (arrived 2 s) before a6 (6 s).
    assert_eq!(h.offers()[0].0, "b2");
    let q = |g: &str| h.engine.queue_len(&h.tenant, &g.into()).unwrap();
    assert_eq!((q("a"), q("b")), (2, 5));
}

/// `sec` reserves the agents it shares with `pri`: `shared` serves both,
/// `own` serves `pri` only.
fn reserved(keep_idle: u32, max_wait_s: Option<u32>) -> Harness {
    let pri = group("pri", &["p"]);
    let mut sec = group("sec", &["s"]);
    sec.reserve = Some(Box::new(Reserve {
        for_group: "pri".into(),
        keep_idle,
        max_wait_s,
    }));
    tenant(
        RoutingPolicy::Priority,
        vec![pri, sec],
        vec![
            agent("shared", &[("p", 1), ("s", 1)]),
            agent("own", &[("p", 1)]),
        ],
    )
}

#[test]
fn r10_6_threshold_reservation_keeps_idle_agents_for_the_protected_group() {
    let mut h = reserved(1, None);
    h.login_ready(0, "shared");
    h.logon(0, "own");
    // Only `shared` is idle: taking the secondary call would leave no idle
    // agent for `pri` (keep 1): the call waits.
    h.arrive(1, "s1", "sec");
    assert!(h.offers().is_empty());
    assert_eq!(h.engine.queue_len(&h.tenant, &"sec".into()).unwrap(), 1);
    // `own` becomes Ready: the reserve lifts and the call goes to `shared`
    // at once, in the same step.
    h.ready(5, "own");
    assert_eq!(h.offers(), vec![("s1".into(), "shared".into(), 1)]);
    // A primary call still finds `own`.
    h.arrive(6, "p1", "pri");
    assert_eq!(h.offered_to("p1").map(|o| o.0), Some("own".into()));
}

#[test]
fn r10_6_threshold_reservation_spares_agents_who_do_not_serve_the_protected_group() {
    let pri = group("pri", &["p"]);
    let mut sec = group("sec", &["s"]);
    sec.reserve = Some(Box::new(Reserve {
        for_group: "pri".into(),
        keep_idle: 5,
        max_wait_s: None,
    }));
    let mut h = tenant(
        RoutingPolicy::Priority,
        vec![pri, sec],
        vec![
            agent("shared", &[("p", 1), ("s", 1)]),
            agent("sec-only", &[("s", 1)]),
        ],
    );
    h.login_ready(0, "shared");
    h.login_ready(1, "sec-only");
    // `shared` has idled longer but is held back; the scan passes over it.
    h.arrive(2, "s1", "sec");
    assert_eq!(h.offered_to("s1").map(|o| o.0), Some("sec-only".into()));
}

#[test]
fn r10_6_threshold_reservation_on_the_protected_groups_wait() {
    // No idle cushion needed, but once `pri`'s head has waited 30 s its
    // shared agents serve only it, though `sec`'s call waited longer.
    let mut h = reserved(0, Some(30));
    h.logon(0, "shared");
    h.arrive(0, "s1", "sec");
    h.arrive(10, "p1", "pri");
    h.ready(40, "shared");
    assert_eq!(h.offers()[0].0, "p1");
    // Under the threshold the usual rule (longest wait) applies.
    let mut h = reserved(0, Some(30));
    h.logon(0, "shared");
    h.arrive(0, "s1", "sec");
    h.arrive(20, "p1", "pri");
    h.ready(40, "shared");
    assert_eq!(h.offers()[0].0, "s1");
}

#[test]
fn r10_6_a_reserve_for_an_unknown_group_is_refused() {
    let mut sec = group("sec", &["s"]);
    sec.reserve = Some(Box::new(Reserve {
        for_group: "nope".into(),
        keep_idle: 1,
        max_wait_s: None,
    }));
    let mut t = TenantConfig::new("t");
    t.groups = vec![sec];
    let e = Engine::new(EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
}

/// Three specialists of `a` and one generalist of `a` and `b`; only `s1`
/// (Ready at 1 s) and the generalist (Ready at 2 s) are idle when a call
/// arrives in `a` at 3 s.
fn qir_pick(policy: RoutingPolicy) -> String {
    let mut h = tenant(
        policy,
        vec![group("a", &["x"]), group("b", &["y"])],
        vec![
            agent("s1", &[("x", 1)]),
            agent("s2", &[("x", 1)]),
            agent("s3", &[("x", 1)]),
            agent("gen", &[("x", 1), ("y", 1)]),
        ],
    );
    for a in ["s1", "s2", "s3", "gen"] {
        h.logon(0, a);
    }
    h.ready(1, "s1");
    h.ready(2, "gen");
    h.arrive(3, "c1", "a");
    h.offered_to("c1").expect("offered").0
}

#[test]
fn r10_6_qir_sends_a_call_to_the_pool_furthest_above_its_idleness_share() {
    // Longest idle: s1.
    assert_eq!(qir_pick(RoutingPolicy::Priority), "s1");
    // QIR: pools {s1,s2,s3} (q = 3/4) and {gen} (q = 1/4), ΣI = 2:
    // specialists 1 × 4 − 3 × 2 = −2, generalist 1 × 4 − 1 × 2 = +2 -> gen.
    assert_eq!(qir_pick(RoutingPolicy::QueueIdleRatio), "gen");
}

#[test]
fn r10_6_qir_pools_survive_a_snapshot() {
    // The pools are derived state, rebuilt when a snapshot is loaded.
    let mut h = tenant(
        RoutingPolicy::QueueIdleRatio,
        vec![group("a", &["x"]), group("b", &["y"])],
        vec![
            agent("s1", &[("x", 1)]),
            agent("gen", &[("x", 1), ("y", 1)]),
        ],
    );
    h.login_ready(0, "s1");
    h.login_ready(1, "gen");
    let saved = serde_json::to_string(&h.engine).unwrap();
    h.engine = serde_json::from_str(&saved).unwrap();
    // Pools of size 1 each, both idle: 1 × 2 − 1 × 2 = 0 each; the tie
    // goes to the longer idle head, s1.
    h.arrive(2, "c1", "a");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("s1".into()));
}

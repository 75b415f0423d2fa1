//! Capacity per agent in the simulator (R-10.3) against queueing theory:
//! `k` agents handling up to `m` chats each, with every agent eligible and
//! longest idle among those with room, serve chats first come first served
//! whenever any of the `k × m` places is free — the chat queue is an
//! M/M/(k·m) queue, and its service level, P(wait) and ASA are Erlang C's.
//!
//! Method and tolerances as in `policy_validation.rs`: 16 replications
//! (seeds 1..=16) of 6 measured hours after a 30-minute warm-up; the exact
//! value must lie in the 99.9 % Student-t interval of the replication
//! means, widened by 0.005 on fractions and 2 % on ASA for the initial-state
//! bias. Were the engine to give an agent fewer contacts than its capacity
//! (or more), the centre would be an M/M/4 (or larger) queue and the
//! estimates would miss by many half-widths.

use acd_sim::confidence::Estimate;
use acd_sim::erlang::Queue;
use acd_sim::scenario::Scenario;
use acd_sim::simulation::{run_once, RunOutcome};

const LEVEL: f64 = 0.999;

fn replicate(s: &Scenario) -> Vec<RunOutcome> {
    let runs: Vec<RunOutcome> = (1..=16)
        .map(|seed| run_once(s, seed, &mut |_| {}).expect("run starts"))
        .collect();
    for r in &runs {
        assert_eq!((r.engine_errors, r.unresolved), (0, 0));
        assert_eq!(r.invariant_violation, None);
    }
    runs
}

fn estimate(runs: &[RunOutcome], f: impl Fn(&RunOutcome) -> f64) -> Estimate {
    let v: Vec<f64> = runs.iter().map(f).collect();
    Estimate::of(&v, LEVEL)
}

#[test]
fn four_agents_with_three_chats_each_are_one_m_m_12_queue() {
    // 600 chats/h of exponential 60 s: A = 10 Erlang on 12 places.
    let text = r#"
duration_s = 21600
warmup_s = 1800
[[groups]]
id = "chat"
media = "chat"
skills = ["chat"]
[[arrivals]]
group = "chat"
per_hour = 600
handle = { dist = "exponential", mean_s = 60 }
[[agents]]
count = 4
skills = { chat = 1 }
capacity = { per_media = { chat = 3 } }
"#;
    let runs = replicate(&Scenario::parse(text).unwrap());
    let m = Queue::per_hour(600.0, 60.0, 12).metrics(20.0).unwrap();
    let ratio = |a: u64, b: u64| a as f64 / b as f64;
    let checks = [
        (
            "service level",
            estimate(&runs, |r| {
                let t = &r.recorder.totals[0];
                ratio(t.within_sl, t.offered)
            }),
            m.service_level,
            0.005,
        ),
        (
            "P(wait)",
            estimate(&runs, |r| {
                let t = &r.recorder.totals[0];
                ratio(t.waited, t.answered)
            }),
            m.prob_wait_answered,
            0.005,
        ),
        (
            "ASA",
            estimate(&runs, |r| {
                let t = &r.recorder.totals[0];
                ratio(t.answered_wait_ms, t.answered) / 1000.0
            }),
            m.asa_s,
            0.02 * m.asa_s,
        ),
    ];
    for (name, e, exact, slack) in checks {
        assert!(
            e.covers(exact, slack),
            "{name}: simulated {:.4} ± {:.4} (99.9 %), Erlang C M/M/12 {exact:.4}",
            e.mean,
            e.half_width
        );
    }
    // Not an M/M/4: its P(wait) at this load would be 1 (A = 10 > 4).
    assert!(m.prob_wait_answered < 0.6, "{m:?}");
}

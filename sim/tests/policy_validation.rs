//! Validation of routing across groups against queueing theory (R-3.5,
//! R-10.6) and of capacity per agent (R-10.3): limit cases whose exact
//! answer is a single Erlang C queue.
//!
//! Method and tolerances as in `erlang_agreement.rs`: 16 independent
//! replications (seeds 1..=16) of 6 measured hours after a 30-minute
//! warm-up; the exact value must lie in the 99.9 % Student-t interval of the
//! replication means, widened by 0.005 on fractions and 2 % on ASA for the
//! sub-per-mille initial-state bias (relaxation time ≈ 1/(μ(√c−√A)²), about
//! 9 minutes here, so the 30-minute warm-up leaves e^(−30/9) ≈ 4 % of it
//! which then decays within the window). With fixed seeds the outcome is
//! deterministic; a routing bug (a group starved, calls served out of order
//! across groups) moves the estimates by many half-widths. Each test takes
//! about a second in a debug build, the way `cargo test` runs it.

use acd_sim::confidence::Estimate;
use acd_sim::erlang::{Queue, QueueMetrics};
use acd_sim::measure::Tally;
use acd_sim::scenario::Scenario;
use acd_sim::simulation::{run_once, RunOutcome};

const REPS: u64 = 16;
const LEVEL: f64 = 0.999;
const WINDOW: &str = "duration_s = 21600\nwarmup_s = 1800";

fn replicate(s: &Scenario) -> Vec<RunOutcome> {
    let runs: Vec<RunOutcome> = (1..=REPS)
        .map(|seed| run_once(s, seed, &mut |_| {}).expect("run starts"))
        .collect();
    for r in &runs {
        assert_eq!((r.engine_errors, r.unresolved), (0, 0));
        assert_eq!(r.invariant_violation, None);
    }
    runs
}

fn ratio(a: u64, b: u64) -> f64 {
    a as f64 / b as f64
}

fn estimate(runs: &[RunOutcome], g: usize, f: impl Fn(&Tally) -> f64) -> Estimate {
    let v: Vec<f64> = runs.iter().map(|r| f(&r.recorder.totals[g])).collect();
    Estimate::of(&v, LEVEL)
}

/// Group `g`'s service level, P(wait) and ASA agree with `m`.
fn check_group(runs: &[RunOutcome], g: usize, m: &QueueMetrics) {
    let checks = [
        (
            "service level",
            estimate(runs, g, |t| ratio(t.within_sl, t.offered)),
            m.service_level,
            0.005,
        ),
        (
            "P(wait)",
            estimate(runs, g, |t| ratio(t.waited, t.answered)),
            m.prob_wait_answered,
            0.005,
        ),
        (
            "ASA",
            estimate(runs, g, |t| ratio(t.answered_wait_ms, t.answered) / 1000.0),
            m.asa_s,
            0.02 * m.asa_s,
        ),
    ];
    for (name, e, exact, slack) in checks {
        assert!(
            e.covers(exact, slack),
            "group {g} {name}: simulated {:.4} ± {:.4} (99.9 %), theory {exact:.4}",
            e.mean,
            e.half_width
        );
    }
}

#[test]
fn fully_cross_trained_agents_under_fcfs_are_one_erlang_c_queue() {
    // Three groups, 160 + 200 + 120 calls/h, the same exponential handle
    // time (60 s), ten agents holding every skill; equal wait weights make
    // a freed agent take the longest-waiting head of line across groups
    // (R-3.5), i.e. first come first served over all calls. The centre is
    // then one M/M/10 with λ = 480/h, A = 8 Erlang, and by PASTA every
    // group sees that queue's waiting-time distribution.
    let text = format!(
        r#"
{WINDOW}
[[groups]]
id = "a"
skills = ["a"]
[[groups]]
id = "b"
skills = ["b"]
[[groups]]
id = "c"
skills = ["c"]
[[arrivals]]
group = "a"
per_hour = 160
handle = {{ dist = "exponential", mean_s = 60 }}
[[arrivals]]
group = "b"
per_hour = 200
handle = {{ dist = "exponential", mean_s = 60 }}
[[arrivals]]
group = "c"
per_hour = 120
handle = {{ dist = "exponential", mean_s = 60 }}
[[agents]]
count = 10
skills = {{ a = 1, b = 1, c = 1 }}
"#
    );
    let runs = replicate(&Scenario::parse(&text).unwrap());
    let m = Queue::per_hour(480.0, 60.0, 10).metrics(20.0).unwrap();
    for g in 0..3 {
        check_group(&runs, g, &m);
    }
}

#[test]
fn disjoint_pools_are_independent_erlang_c_queues() {
    // Two groups with dedicated pools (no agent serves both): two separate
    // M/M/c queues, each agreeing with its own Erlang C, whatever the other
    // one does. Different sizes and loads make a mix-up visible.
    let text = format!(
        r#"
{WINDOW}
[[groups]]
id = "a"
skills = ["a"]
[[groups]]
id = "b"
skills = ["b"]
service_level_s = 30
[[arrivals]]
group = "a"
per_hour = 480
handle = {{ dist = "exponential", mean_s = 60 }}
[[arrivals]]
group = "b"
per_hour = 100
handle = {{ dist = "exponential", mean_s = 120 }}
[[agents]]
count = 10
skills = {{ a = 1 }}
[[agents]]
count = 5
skills = {{ b = 1 }}
"#
    );
    let runs = replicate(&Scenario::parse(&text).unwrap());
    let a = Queue::per_hour(480.0, 60.0, 10).metrics(20.0).unwrap();
    let b = Queue::per_hour(100.0, 120.0, 5).metrics(30.0).unwrap();
    check_group(&runs, 0, &a);
    check_group(&runs, 1, &b);
}

#[test]
fn one_pool_one_class_fqr_and_weighted_hol_are_fcfs() {
    // With one group served by one pool, every agent-side policy of R-10.6
    // has a single queue to choose from: fixed-queue-ratio and weighted
    // head-of-line wait reduce to first come first served, and with the
    // same seeds (common random numbers) the runs are identical call for
    // call — the Erlang C agreement of FCFS carries over exactly.
    let text = format!(
        r#"
{WINDOW}
[[groups]]
id = "a"
skills = ["a"]
[[arrivals]]
group = "a"
per_hour = 480
handle = {{ dist = "exponential", mean_s = 60 }}
patience = {{ dist = "exponential", mean_s = 120 }}
[[agents]]
count = 10
skills = {{ a = 1 }}
"#
    );
    let base = Scenario::parse(&text).unwrap();
    let fcfs = run_once(&base, 3, &mut |_| {}).unwrap();
    for policy in ["fqr:a=0.5", "weighted_hol:a=3"] {
        let p: acd_sim::policy::Policy = policy.parse().unwrap();
        let run = run_once(&p.apply(&base).unwrap(), 3, &mut |_| {}).unwrap();
        assert_eq!(run.recorder.totals, fcfs.recorder.totals, "{policy}");
        assert_eq!(run.recorder.agent_busy_ms, fcfs.recorder.agent_busy_ms);
    }
    assert!(fcfs.recorder.totals[0].waited > 100 && fcfs.recorder.totals[0].abandoned > 0);
}

#[test]
fn four_agents_with_three_chats_each_are_one_m_m_12_queue() {
    // R-10.3: every agent eligible, longest idle among those with room, so
    // a chat waits only while all 4 × 3 places are taken: one M/M/12 queue.
    // 600 chats/h of exponential 60 s, A = 10 Erlang. Were an agent given
    // fewer or more chats than its capacity the estimates would miss by
    // many half-widths (capacity 4: SL 0.99 against 0.77).
    let text = format!(
        r#"
{WINDOW}
[[groups]]
id = "chat"
media = "chat"
skills = ["chat"]
[[arrivals]]
group = "chat"
per_hour = 600
handle = {{ dist = "exponential", mean_s = 60 }}
[[agents]]
count = 4
skills = {{ chat = 1 }}
capacity = {{ per_media = {{ chat = 3 }} }}
"#
    );
    let runs = replicate(&Scenario::parse(&text).unwrap());
    let m = Queue::per_hour(600.0, 60.0, 12).metrics(20.0).unwrap();
    check_group(&runs, 0, &m);
}

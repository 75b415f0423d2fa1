//! Properties of any run, over randomly generated small scenarios: every
//! measured call ends in exactly one outcome, the engine never refuses the
//! driver, its invariants and counters hold, and occupancy is a fraction.

use acd_sim::scenario::Scenario;
use acd_sim::simulation::Simulation;
use proptest::prelude::*;

const STRATEGIES: [&str; 8] = [
    "longest_idle",
    "least_occupied",
    "most_skilled",
    "round_robin",
    "top_down",
    "fewest_calls",
    "random",
    "ring_all",
];

#[derive(Debug, Clone)]
struct Shape {
    strategy: usize,
    agents: u32,
    per_hour: u32,
    aht: u32,
    patience: Option<u32>,
    clerical: u32,
    delay: u32,
    shared: bool,
    /// Max wait before overflowing to the shared group.
    max_wait: Option<u32>,
    /// Ring-time supervision above the answer delay.
    ring_time: Option<u32>,
    /// Shift of the main pool: start and length, seconds.
    shift: Option<(u32, u32)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    let traffic = (
        0..8usize,
        1..8u32,
        10..400u32,
        5..300u32,
        prop::option::of((0..1800u32, 60..3600u32)),
    );
    let callers = (
        prop::option::of(5..200u32),
        0..30u32,
        0..4u32,
        any::<bool>(),
        prop::option::of(1..120u32),
        prop::option::of(1..20u32),
    );
    (traffic, callers).prop_map(
        |(
            (strategy, agents, per_hour, aht, shift),
            (patience, clerical, delay, shared, max_wait, ring),
        )| {
            Shape {
                strategy,
                agents,
                per_hour,
                aht,
                patience,
                clerical,
                delay,
                shared,
                max_wait,
                ring_time: ring.map(|r| r + delay),
                shift,
            }
        },
    )
}

fn scenario(s: &Shape) -> Scenario {
    let patience = s
        .patience
        .map(|p| format!("patience = {{ dist = \"exponential\", mean_s = {p} }}"))
        .unwrap_or_default();
    // Optionally a second group sharing a pool of blended agents.
    let second = if s.shared {
        "[[groups]]\nid = \"b\"\nskills = [\"y\"]\nclerical_s = 3\n\
         [[arrivals]]\ngroup = \"b\"\nper_hour = 60\n\
         handle = { dist = \"lognormal\", mean_s = 90, sd_s = 60 }\n\
         [[agents]]\ncount = 2\nskills = { x = 2, y = 9 }\n"
    } else {
        ""
    };
    let mut options = String::new();
    if let (true, Some(w)) = (s.shared, s.max_wait) {
        options += &format!("max_wait_s = {w}\noverflow_to = \"b\"\n");
    }
    if let Some(r) = s.ring_time {
        options += &format!("ring_time_s = {r}\n");
    }
    let shift = s
        .shift
        .map(|(start, len)| format!("start_s = {start}\nend_s = {}\n", start + len))
        .unwrap_or_default();
    let text = format!(
        "duration_s = 3600\nwarmup_s = 300\ninterval_s = 600\nanswer_delay_s = {delay}\n\
         [[groups]]\nid = \"a\"\nstrategy = \"{strategy}\"\nclerical_s = {clerical}\nskills = [\"x\"]\n{options}\
         [[arrivals]]\ngroup = \"a\"\nper_hour = {per_hour}\n\
         handle = {{ dist = \"exponential\", mean_s = {aht} }}\n{patience}\n\
         [[agents]]\ncount = {agents}\nskills = {{ x = 5 }}\n{shift}{second}",
        delay = s.delay,
        strategy = STRATEGIES[s.strategy],
        clerical = s.clerical,
        per_hour = s.per_hour,
        aht = s.aht,
        agents = s.agents,
    );
    Scenario::parse(&text).expect("generated scenario parses")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_run_is_consistent(s in shape()) {
        let sc = scenario(&s);
        let run = Simulation::new(&sc, 1).unwrap().run(&mut |_| {}).unwrap();
        prop_assert_eq!(run.engine_errors, 0);
        prop_assert_eq!(run.invariant_violation, None);
        for (t, stats) in run.recorder.totals.iter().zip(&run.engine_stats) {
            // Each call offered to a group ends there in exactly one
            // outcome, or is still there.
            prop_assert!(t.answered + t.abandoned + t.overflowed + t.overflow_out <= t.offered);
            prop_assert_eq!(t.offered, t.arrived + t.overflow_in);
            prop_assert!(t.within_sl <= t.answered && t.waited <= t.answered);
            prop_assert!(stats.balanced(), "{:?}", stats);
            if s.patience.is_none() {
                prop_assert_eq!(t.abandoned, 0);
            }
        }
        let resolved: u64 = run.recorder.totals.iter()
            .map(|t| t.answered + t.abandoned + t.overflowed).sum();
        let arrived: u64 = run.recorder.totals.iter().map(|t| t.arrived).sum();
        prop_assert_eq!(resolved + run.unresolved, arrived);
        let out: u64 = run.recorder.totals.iter().map(|t| t.overflow_out).sum();
        let into: u64 = run.recorder.totals.iter().map(|t| t.overflow_in).sum();
        prop_assert_eq!(out, into);
        let rec = &run.recorder;
        for (&busy, &on) in rec.agent_busy_ms.iter().zip(&rec.agent_on_ms) {
            prop_assert!(busy <= on && on <= 3_600_000, "busy {} on {}", busy, on);
        }
    }
}

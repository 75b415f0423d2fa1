//! The driver's bookkeeping matches the engine's own counters, runs are
//! reproducible, every strategy of R-3.3 runs cleanly, and the report
//! carries what the issue asks for.

use acd_sim::report::Report;
use acd_sim::scenario::Scenario;
use acd_sim::simulation::run_once;

fn text(strategy: &str, warmup_s: u64, patience: bool, extra_group: &str) -> String {
    let patience = if patience {
        "patience = { dist = \"exponential\", mean_s = 60 }"
    } else {
        ""
    };
    format!(
        r#"
duration_s = 7200
warmup_s = {warmup_s}
[[groups]]
id = "g"
strategy = "{strategy}"
skills = ["s"]
{extra_group}
[[arrivals]]
group = "g"
per_hour = 500
handle = {{ dist = "exponential", mean_s = 60 }}
{patience}
[[agents]]
count = 9
skills = {{ s = 3 }}
"#
    )
}

fn parse(t: &str) -> Scenario {
    Scenario::parse(t).expect("scenario parses")
}

#[test]
fn bookkeeping_matches_the_engine_counters() {
    // No warm-up: every call is measured, and the run continues until each
    // is answered or abandoned, so the driver's tallies must equal the
    // engine's GroupStats (R-8.2) exactly.
    let s = parse(&text("longest_idle", 0, true, "service_level_s = 15"));
    let run = run_once(&s, 3, &mut |_| {}).unwrap();
    let mine = &run.recorder.totals[0];
    let engine = &run.engine_stats[0];
    assert!(mine.abandoned > 20 && mine.answered > 500, "{mine:?}");
    assert_eq!(run.calls, engine.offered);
    assert_eq!(mine.offered, engine.offered);
    assert_eq!(mine.answered, engine.answered);
    assert_eq!(mine.abandoned, engine.abandoned);
    assert_eq!(mine.within_sl, engine.answered_within_sl);
    assert_eq!(mine.answered_wait_ms, engine.answered_wait_ms);
    assert_eq!(mine.abandoned_wait_ms, engine.abandoned_wait_ms);
    assert!(engine.balanced(), "{engine:?}");
    assert_eq!(run.engine_errors, 0);
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    let s = parse(&text("random", 600, true, ""));
    let a = run_once(&s, 11, &mut |_| {}).unwrap();
    let b = run_once(&s, 11, &mut |_| {}).unwrap();
    let c = run_once(&s, 12, &mut |_| {}).unwrap();
    assert_eq!(a.recorder.totals, b.recorder.totals);
    assert_eq!(a.recorder.agent_busy_ms, b.recorder.agent_busy_ms);
    assert_eq!(a.sim_events, b.sim_events);
    assert_ne!(a.recorder.totals, c.recorder.totals);
}

#[test]
fn every_strategy_runs_and_work_conserving_ones_wait_alike() {
    // With one group, identical agents and first-come-first-served queues,
    // the waits do not depend on *which* free agent is chosen: with the same
    // seed (same calls, same handle times) every strategy must produce the
    // same waiting-time tallies, while the load spreads differently.
    let base = run_once(
        &parse(&text("longest_idle", 600, false, "")),
        5,
        &mut |_| {},
    )
    .unwrap();
    let mut spreads = Vec::new();
    for strategy in [
        "longest_idle",
        "least_occupied",
        "most_skilled",
        "round_robin",
        "top_down",
        "fewest_calls",
        "random",
        "ring_all",
    ] {
        let run = run_once(&parse(&text(strategy, 600, false, "")), 5, &mut |_| {}).unwrap();
        assert_eq!(run.engine_errors, 0, "{strategy}");
        assert_eq!(run.invariant_violation, None, "{strategy}");
        assert_eq!(run.unresolved, 0, "{strategy}");
        let (t, b) = (&run.recorder.totals[0], &base.recorder.totals[0]);
        assert_eq!(
            (t.offered, t.answered, t.within_sl, t.answered_wait_ms),
            (b.offered, b.answered, b.within_sl, b.answered_wait_ms),
            "{strategy}"
        );
        let busy = &run.recorder.agent_busy_ms;
        let spread = busy.iter().max().unwrap() - busy.iter().min().unwrap();
        spreads.push((strategy, spread));
    }
    // Top-down loads the first agents most: the widest spread of busy time.
    let top_down = spreads.iter().find(|(s, _)| *s == "top_down").unwrap().1;
    let longest_idle = spreads[0].1;
    assert!(top_down > 2 * longest_idle, "{spreads:?}");
}

#[test]
fn answer_delay_counts_in_the_wait() {
    let delayed = text("longest_idle", 0, false, "")
        .replace("duration_s = 7200", "duration_s = 7200\nanswer_delay_s = 4");
    let run = run_once(&parse(&delayed), 9, &mut |_| {}).unwrap();
    let t = &run.recorder.totals[0];
    // Every answered call waited at least the 4 s of ringing.
    assert_eq!(t.waited, t.answered);
    assert!(t.answered_wait_ms >= 4000 * t.answered);
    assert_eq!(t.answered_wait_ms, run.engine_stats[0].answered_wait_ms);
    assert_eq!(run.engine_errors, 0);
}

#[test]
fn report_has_the_required_fields() {
    let s = parse(&text("longest_idle", 600, true, ""));
    let runs: Vec<_> = (0..3)
        .map(|k| run_once(&s, k, &mut |_| {}).unwrap())
        .collect();
    let report = Report::build("t", &s, &runs);
    let json = serde_json::to_value(&report).unwrap();
    for key in ["groups", "sim_events", "wall_s", "events_per_s"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    let g = &json["groups"][0];
    for key in [
        "id",
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "asa_s",
        "prob_wait",
        "mean_occupancy",
    ] {
        assert!(g.get(key).is_some(), "groups[0].{key}");
    }
    assert_eq!(report.groups[0].intervals.len(), 8); // 2 h in 15-minute intervals
    assert!(report.groups[0].ci95.is_some());
    assert_eq!(report.groups[0].erlang.as_ref().unwrap().model, "A");
    let offered: u64 = report.groups[0].intervals.iter().map(|i| i.offered).sum();
    assert_eq!(offered, report.groups[0].offered);
    let html = acd_sim::html::render(&report);
    assert!(
        html.matches("<svg").count() >= 4,
        "queue, SL, occupancy, histogram"
    );
}

#[test]
fn shifts_log_agents_on_and_off() {
    // Early pool works the first hour, late pool the second; the early
    // agents on a call at 1 h log off when it ends (R-2.3).
    let text = r#"
duration_s = 7200
warmup_s = 0
[[groups]]
id = "g"
skills = ["s"]
clerical_s = 5
[[arrivals]]
group = "g"
per_hour = 250
handle = { dist = "exponential", mean_s = 60 }
patience = { dist = "exponential", mean_s = 90 }
[[agents]]
count = 4
skills = { s = 1 }
end_s = 3600
[[agents]]
count = 4
skills = { s = 1 }
start_s = 3600
"#;
    let s = parse(text);
    let run = run_once(&s, 21, &mut |_| {}).unwrap();
    let rec = &run.recorder;
    assert_eq!(run.engine_errors, 0);
    assert_eq!(run.invariant_violation, None);
    assert_eq!(run.unresolved, 0);
    let hour = 3_600_000;
    for a in 0..4 {
        // Logged on from 0 to the end of the shift, or of the call then.
        assert!(rec.agent_on_ms[a] >= hour && rec.agent_on_ms[a] < hour + 900_000);
        assert!(rec.agent_busy_ms[a] <= rec.agent_on_ms[a]);
    }
    for a in 4..8 {
        assert_eq!(rec.agent_on_ms[a], hour);
        assert!(rec.agent_busy_ms[a] > 0 && rec.agent_busy_ms[a] <= hour);
    }
    // The driver's tallies still match the engine's counters exactly.
    let (mine, engine) = (&rec.totals[0], &run.engine_stats[0]);
    assert_eq!(
        (mine.answered, mine.abandoned),
        (engine.answered, engine.abandoned)
    );
    assert_eq!(mine.answered_wait_ms, engine.answered_wait_ms);
    // Four agents per interval on average, the report sees it.
    let report = Report::build("shifts", &s, &[run]);
    for on in &report.agents.interval_logged_on {
        assert!((3.9..4.6).contains(on), "{on}");
    }
    assert!(
        report.groups[0].erlang.is_none(),
        "shifts are not a textbook queue"
    );
}

#[test]
fn a_journaled_run_gives_the_same_figures_and_a_recoverable_journal() {
    use acd_engine::journal::{read_journal, DurableEngine, JournalOptions};
    use acd_sim::simulation::run_once_journaled;
    let s = parse(&text("longest_idle", 600, true, ""));
    let plain = run_once(&s, 5, &mut |_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journaled = run_once_journaled(&s, 5, dir.path(), &mut |_| {}).unwrap();
    assert_eq!(journaled.engine_errors, 0);
    assert_eq!(
        (
            journaled.calls,
            journaled.sim_events,
            journaled.engine_stats.clone()
        ),
        (plain.calls, plain.sim_events, plain.engine_stats.clone()),
        "the journal changes nothing the engine decides"
    );
    // R-7.2: the journal alone rebuilds the engine the run ended with.
    assert!(read_journal(dir.path()).unwrap().records.len() as u64 > journaled.calls);
    let config = s.engine_config(5).unwrap();
    let (recovered, _) =
        DurableEngine::open(dir.path(), config, JournalOptions::default()).unwrap();
    let stats: Vec<_> = s
        .groups
        .iter()
        .map(|g| {
            recovered
                .engine()
                .group_stats(&s.tenant.as_str().into(), &g.id.get_ref().as_str().into())
                .unwrap()
        })
        .collect();
    assert_eq!(stats, journaled.engine_stats);
}

#[test]
fn overflow_is_reported_where_it_happens() {
    // The issue's case: a group with `max_queue_len = 1` overflowing to a
    // backup group (R-3.8). Its queue never holds more than one call, the
    // backup is offered what it answers, and every per-group figure equals
    // the engine's own counter for that group (R-8.2).
    let text = r#"
duration_s = 3600
warmup_s = 0
[[groups]]
id = "front"
skills = ["f"]
max_queue_len = 1
overflow_to = "backup"
[[groups]]
id = "backup"
skills = ["b"]
[[arrivals]]
group = "front"
per_hour = 600
handle = { dist = "exponential", mean_s = 60 }
[[agents]]
count = 8
skills = { f = 1 }
[[agents]]
count = 4
skills = { b = 1 }
"#;
    let s = parse(text);
    let run = run_once(&s, 4, &mut |_| {}).unwrap();
    assert_eq!((run.engine_errors, run.unresolved), (0, 0));
    let (front, backup) = (run.recorder.totals[0], run.recorder.totals[1]);
    assert!(front.max_queue <= 1, "{front:?}");
    assert!(backup.overflow_in > 20, "{backup:?}");
    assert_eq!(front.overflow_out, backup.overflow_in);
    assert_eq!(backup.offered, backup.overflow_in);
    assert_eq!(backup.arrived, 0);
    for (mine, engine) in run.recorder.totals.iter().zip(&run.engine_stats) {
        assert_eq!(mine.offered, engine.offered);
        assert_eq!(mine.answered, engine.answered);
        assert_eq!(mine.within_sl, engine.answered_within_sl);
        assert_eq!(mine.answered_wait_ms, engine.answered_wait_ms);
    }
    assert_eq!(
        front.answered + backup.answered,
        front.arrived,
        "every call answered once"
    );
    let report = Report::build("overflow", &s, &[run]);
    let g = &report.groups[1];
    assert_eq!(
        (g.offered, g.overflow_in),
        (backup.offered, backup.overflow_in)
    );
    assert!(report.summary_table().contains("ovf in"));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[test]
fn a_group_nobody_can_serve_is_named_plainly() {
    let text = r#"
duration_s = 600
warmup_s = 0
[[groups]]
id = "g"
skills = ["s"]
[[groups]]
id = "french"
skills = ["fr"]
min_level = 3
[[arrivals]]
group = "french"
per_hour = 60
handle = { dist = "exponential", mean_s = 60 }
patience = { dist = "exponential", mean_s = 30 }
[[agents]]
count = 2
skills = { s = 1, fr = 2 }
"#;
    let s = parse(text);
    let run = run_once(&s, 1, &mut |_| {}).unwrap();
    let report = Report::build("nobody", &s, &[run]);
    let french = &report.groups[1];
    assert_eq!(french.agents, 0);
    assert_eq!(french.answered, 0);
    assert!(french.abandoned > 0);
    let note = report
        .notes
        .iter()
        .find(|n| n.contains("\"french\""))
        .expect("a note about the group");
    assert!(
        note.contains("no agent able to serve it") && note.contains("fr") && note.contains('3'),
        "{note}"
    );
    assert!(report.summary_table().contains(note.as_str()));
    assert!(acd_sim::html::render(&report).contains("no agent able to serve it"));
}

/// Issue 17 item 7: with `--journal` on a full disk the run used to retry
/// the failing timer tick forever at 100 % CPU. It now stops with an error
/// saying why and when.
#[test]
fn a_journaled_run_on_a_full_disk_stops_with_an_error() {
    use acd_engine::journal::FaultyIo;
    use acd_sim::simulation::{SimError, Simulation};
    use std::sync::{mpsc, Arc};
    let s = parse(&text("longest_idle", 600, true, ""));
    let dir = tempfile::tempdir().unwrap();
    let io = FaultyIo::new();
    let sim = Simulation::with_journal_io(&s, 5, dir.path(), Arc::new(io.clone())).unwrap();
    io.fail_writes_after(500); // the disk fills up mid-run
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(sim.run(&mut |_| {}).map(|r| r.calls));
    });
    let result = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the run must stop, not spin");
    match result {
        Err(SimError::Journal(why)) => {
            assert!(why.contains("stopped at simulated time"), "{why}");
            assert!(why.contains("No space left"), "{why}");
        }
        other => panic!("expected a journal error, got {other:?}"),
    }
}

//! The report of a simulation: per-group service figures, agent
//! occupancy, interval series, throughput of the simulator itself, and, where
//! a group is a textbook queue, the Erlang C/A prediction beside it.
//!
//! With several replications, counts are summed over replications, rates
//! are the mean of the replications' rates with a 95 % Student-t
//! half-width, and interval series pool all replications.

use crate::confidence::Estimate;
use crate::erlang::Queue;
use crate::measure::Tally;
use crate::scenario::Scenario;
use crate::simulation::RunOutcome;
use serde::Serialize;

/// The whole report, written as `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario name (file name or `example`).
    pub scenario: String,
    /// Seed of the first replication; replication `k` uses `seed + k`.
    pub seed: u64,
    /// Independent replications run.
    pub replications: usize,
    /// Measured seconds per replication.
    pub duration_s: u64,
    /// Warm-up seconds per replication.
    pub warmup_s: u64,
    /// Reporting interval, seconds.
    pub interval_s: u64,
    /// Per service group.
    pub groups: Vec<GroupReport>,
    /// Agent occupancy.
    pub agents: AgentReport,
    /// Discrete events processed, all replications.
    pub sim_events: u64,
    /// Wall-clock seconds spent simulating, summed over replications (so
    /// `events_per_s` is per thread even with `--jobs`).
    pub wall_s: f64,
    /// `sim_events / wall_s`.
    pub events_per_s: f64,
    /// Calls simulated (warm-up included), all replications.
    pub calls: u64,
    /// Commands the engine refused (0 in a healthy run).
    pub engine_errors: u64,
    /// Measured calls still unresolved when a run had to stop.
    pub unresolved: u64,
    /// Plain statements about what the figures cannot show by themselves:
    /// groups no agent can serve, calls left unresolved and where.
    pub notes: Vec<String>,
    /// Per-replication key figures.
    pub per_replication: Vec<ReplicationReport>,
}

/// Figures of one service group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// Group id.
    pub id: String,
    /// Measured calls that entered the group: `arrived + overflow_in`.
    pub offered: u64,
    /// Of those, arrived in this group directly.
    pub arrived: u64,
    /// Of those, overflowed in from another group.
    pub overflow_in: u64,
    /// Answered in this group (by its agents).
    pub answered: u64,
    /// Abandoned while in this group.
    pub abandoned: u64,
    /// Sent out of the engine unanswered from this group.
    pub overflowed: u64,
    /// Left this group for another group.
    pub overflow_out: u64,
    /// Still in this group when a run had to stop.
    pub unresolved: u64,
    /// Answered within `service_level_s` of entering the group / offered.
    pub service_level: f64,
    /// Threshold of the service level, seconds.
    pub service_level_s: u32,
    /// Mean wait of answered calls, seconds.
    pub asa_s: f64,
    /// Fraction of answered calls that waited more than zero.
    pub prob_wait: f64,
    /// Abandoned / offered.
    pub abandon_rate: f64,
    /// Mean wait in this group of all offered calls (answered, abandoned
    /// or sent on), seconds: with `mean_queue`, Little's law
    /// `mean_queue = offered per second × mean_wait_s`.
    pub mean_wait_s: f64,
    /// Time-average number of calls waiting.
    pub mean_queue: f64,
    /// Most calls waiting at once in this group's own queue.
    pub max_queue: u32,
    /// Mean occupancy of the agents able to serve the group.
    pub mean_occupancy: f64,
    /// Agents able to serve the group.
    pub agents: usize,
    /// 95 % half-widths across replications (present with 2 or more).
    pub ci95: Option<GroupCi>,
    /// Erlang C/A prediction, when the group is a textbook queue.
    pub erlang: Option<ErlangReference>,
    /// Series per reporting interval.
    pub intervals: Vec<IntervalReport>,
}

/// 95 % confidence half-widths of a group's rates.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCi {
    /// Service level.
    pub service_level: f64,
    /// ASA, seconds.
    pub asa_s: f64,
    /// Probability of wait.
    pub prob_wait: f64,
    /// Abandon rate.
    pub abandon_rate: f64,
    /// Occupancy.
    pub mean_occupancy: f64,
}

/// What queueing theory predicts for a group that is an M/M/c (Erlang C)
/// or M/M/c+M (Erlang A) queue: one Poisson stream at a constant rate,
/// exponential handle times of a constant mean, no or exponential patience,
/// no clerical time, no answer delay, no calls coming in otherwise
/// (overflow, transfers, callbacks), no finite queue, and agents serving
/// this group only, chosen by skills alone (no attribute expression), one
/// contact at a time (no capacity above 1, R-10.3).
#[derive(Debug, Clone, Serialize)]
pub struct ErlangReference {
    /// `"C"` or `"A"`.
    pub model: String,
    /// Predicted service level.
    pub service_level: f64,
    /// Predicted ASA, seconds.
    pub asa_s: f64,
    /// Predicted fraction of answered calls that waited.
    pub prob_wait: f64,
    /// Predicted abandon rate.
    pub abandon_rate: f64,
    /// Predicted occupancy.
    pub mean_occupancy: f64,
}

/// A group in one reporting interval (calls by arrival interval).
#[derive(Debug, Clone, Serialize)]
pub struct IntervalReport {
    /// Seconds from the start of measuring.
    pub start_s: u64,
    /// Calls that arrived (summed over replications).
    pub offered: u64,
    /// Of those, answered.
    pub answered: u64,
    /// Of those, abandoned.
    pub abandoned: u64,
    /// Answered within threshold / offered (`null` when none offered).
    pub service_level: Option<f64>,
    /// Mean wait of the answered, seconds.
    pub asa_s: Option<f64>,
    /// Time-average calls waiting.
    pub mean_queue: f64,
    /// Most calls waiting at once.
    pub max_queue: u32,
}

/// Agent occupancy: busy (reserved, talking, clerical) / logged-on time,
/// both inside the measured window.
#[derive(Debug, Clone, Serialize)]
pub struct AgentReport {
    /// Agents.
    pub count: usize,
    /// Mean over agents (that logged on) and replications.
    pub mean_occupancy: f64,
    /// Agents per occupancy decile (0-10 %, ..., 90-100 %), all replications.
    pub occupancy_histogram: Vec<u64>,
    /// Occupancy of all logged-on agents per reporting interval.
    pub interval_occupancy: Vec<f64>,
    /// Mean number of agents logged on per reporting interval.
    pub interval_logged_on: Vec<f64>,
}

/// Key figures of one replication.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicationReport {
    /// Its seed.
    pub seed: u64,
    /// Events processed.
    pub sim_events: u64,
    /// Wall seconds.
    pub wall_s: f64,
    /// Calls simulated.
    pub calls: u64,
    /// Per group: id, service level, ASA, P(wait), abandon rate.
    pub groups: Vec<(String, f64, f64, f64, f64)>,
}

/// Rates of one group in one run.
#[derive(Debug, Clone, Copy)]
struct Rates {
    service_level: f64,
    asa_s: f64,
    prob_wait: f64,
    abandon_rate: f64,
    mean_wait_s: f64,
}

pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Rates {
    fn of(t: &Tally) -> Rates {
        Rates {
            service_level: ratio(t.within_sl, t.offered),
            asa_s: ratio(t.answered_wait_ms, t.answered) / 1000.0,
            prob_wait: ratio(t.waited, t.answered),
            abandon_rate: ratio(t.abandoned, t.offered),
            mean_wait_s: ratio(
                t.answered_wait_ms + t.abandoned_wait_ms + t.overflowed_wait_ms,
                t.offered,
            ) / 1000.0,
        }
    }
}

fn add(a: &mut Tally, b: &Tally) {
    a.offered += b.offered;
    a.arrived += b.arrived;
    a.overflow_in += b.overflow_in;
    a.answered += b.answered;
    a.abandoned += b.abandoned;
    a.overflowed += b.overflowed;
    a.overflow_out += b.overflow_out;
    a.within_sl += b.within_sl;
    a.waited += b.waited;
    a.answered_wait_ms += b.answered_wait_ms;
    a.abandoned_wait_ms += b.abandoned_wait_ms;
    a.overflowed_wait_ms += b.overflowed_wait_ms;
    a.queue_area += b.queue_area;
    a.max_queue = a.max_queue.max(b.max_queue);
}

/// Which agents (global index) can serve each group.
pub(crate) fn eligibility(s: &Scenario) -> Vec<Vec<usize>> {
    let mut pools = Vec::new();
    let mut base = 0;
    for p in &s.agents {
        pools.push((base, p));
        base += p.count as usize;
    }
    s.groups
        .iter()
        .map(|g| {
            pools
                .iter()
                .filter(|(_, p)| s.serves(&p.skills, g))
                .flat_map(|(b, p)| *b..*b + p.count as usize)
                .collect()
        })
        .collect()
}

/// The Erlang model of group `g`, if it is a textbook queue.
pub fn erlang_reference(s: &Scenario, g: usize) -> Option<ErlangReference> {
    let group = &s.groups[g];
    let id = group.id.get_ref();
    let streams: Vec<_> = s
        .arrivals
        .iter()
        .filter(|a| a.group.get_ref() == id)
        .collect();
    let [stream] = streams.as_slice() else {
        return None;
    };
    // Every agent able to serve the group serves it alone, all day.
    let exclusive = s.agents.iter().all(|p| {
        let serves_g = s.serves(&p.skills, group);
        let others = s
            .groups
            .iter()
            .enumerate()
            .any(|(h, o)| h != g && s.serves(&p.skills, o));
        !serves_g || (!others && p.full_day())
    });
    // Calls that enter the group other than from its own stream: calls
    // overflowing in, transfers and callbacks sent to it.
    let fed = s
        .groups
        .iter()
        .any(|o| o.overflow_to.as_ref().is_some_and(|t| t.get_ref() == id))
        || s.arrivals.iter().any(|a| {
            [&a.transfer, &a.callback]
                .into_iter()
                .flatten()
                .any(|f| f.to.get_ref() == id)
        });
    // An agent holding several contacts at once is several
    // servers, and its busy time (any contact on) is not a server's
    // utilisation: no textbook figure for the report's occupancy.
    let one_at_a_time = s
        .agents
        .iter()
        .filter(|p| s.serves(&p.skills, group))
        .all(|p| {
            p.capacity
                .as_ref()
                .is_none_or(|c| c.budget.is_none() && c.limit(group.media) == 1)
        });
    let simple = stream.per_hour.is_constant()
        && stream.handle.is_exponential()
        && stream
            .handle_profile
            .as_ref()
            .is_none_or(|v| v.iter().all(|&m| m == 1.0))
        && !fed
        && one_at_a_time
        && group.expression.is_none()
        && stream.patience.as_ref().is_none_or(|p| p.is_exponential())
        && group.clerical_s == 0
        && *s.answer_delay_s.get_ref() == 0.0
        && group.max_queue_len.is_none()
        && group.max_wait_s.is_none()
        && exclusive;
    if !simple {
        return None;
    }
    let agents = eligibility(s)[g].len() as u32;
    let mut q = Queue::per_hour(stream.per_hour.at_step(0), stream.handle.mean_s(), agents);
    q.patience_s = stream.patience.as_ref().map(|p| p.mean_s());
    let m = q.metrics(f64::from(group.service_level_s)).ok()?;
    Some(ErlangReference {
        model: if q.patience_s.is_some() { "A" } else { "C" }.into(),
        service_level: m.service_level,
        asa_s: m.asa_s,
        prob_wait: m.prob_wait_answered,
        abandon_rate: m.prob_abandon,
        mean_occupancy: m.occupancy,
    })
}

impl Report {
    /// Builds the report of `runs` (one per replication) of `scenario`.
    pub fn build(name: &str, scenario: &Scenario, runs: &[RunOutcome]) -> Report {
        let eligible = eligibility(scenario);
        let window_ms = scenario.duration_s.get_ref() * 1000;
        let occupancy = |r: &RunOutcome, agents: &[usize]| {
            let busy: u64 = agents.iter().map(|&a| r.recorder.agent_busy_ms[a]).sum();
            let on: u64 = agents.iter().map(|&a| r.recorder.agent_on_ms[a]).sum();
            ratio(busy, on)
        };
        let groups = scenario
            .groups
            .iter()
            .enumerate()
            .map(|(g, spec)| {
                let mut total = Tally::default();
                runs.iter()
                    .for_each(|r| add(&mut total, &r.recorder.totals[g]));
                let rates: Vec<Rates> = runs
                    .iter()
                    .map(|r| Rates::of(&r.recorder.totals[g]))
                    .collect();
                let occ: Vec<f64> = runs.iter().map(|r| occupancy(r, &eligible[g])).collect();
                let est = |f: fn(&Rates) -> f64| {
                    Estimate::of(&rates.iter().map(f).collect::<Vec<_>>(), 0.95)
                };
                let (sl, asa, pw, ab, mw) = (
                    est(|r| r.service_level),
                    est(|r| r.asa_s),
                    est(|r| r.prob_wait),
                    est(|r| r.abandon_rate),
                    est(|r| r.mean_wait_s),
                );
                let occ_e = Estimate::of(&occ, 0.95);
                GroupReport {
                    id: spec.id.get_ref().clone(),
                    offered: total.offered,
                    arrived: total.arrived,
                    overflow_in: total.overflow_in,
                    answered: total.answered,
                    abandoned: total.abandoned,
                    overflowed: total.overflowed,
                    overflow_out: total.overflow_out,
                    unresolved: total.offered.saturating_sub(
                        total.answered + total.abandoned + total.overflowed + total.overflow_out,
                    ),
                    service_level: sl.mean,
                    service_level_s: spec.service_level_s,
                    asa_s: asa.mean,
                    prob_wait: pw.mean,
                    abandon_rate: ab.mean,
                    mean_wait_s: mw.mean,
                    mean_queue: total.queue_area / (window_ms as f64 * runs.len() as f64),
                    max_queue: total.max_queue,
                    mean_occupancy: occ_e.mean,
                    agents: eligible[g].len(),
                    ci95: (runs.len() > 1).then_some(GroupCi {
                        service_level: sl.half_width,
                        asa_s: asa.half_width,
                        prob_wait: pw.half_width,
                        abandon_rate: ab.half_width,
                        mean_occupancy: occ_e.half_width,
                    }),
                    erlang: erlang_reference(scenario, g),
                    intervals: group_intervals(runs, g),
                }
            })
            .collect::<Vec<GroupReport>>();
        let notes = notes(scenario, &groups);
        let sim_events = runs.iter().map(|r| r.sim_events).sum();
        let wall_s = runs.iter().map(|r| r.wall_s).sum::<f64>();
        Report {
            scenario: name.to_string(),
            seed: runs.first().map_or(scenario.seed, |r| r.seed),
            replications: runs.len(),
            duration_s: *scenario.duration_s.get_ref(),
            warmup_s: scenario.warmup_s,
            interval_s: *scenario.interval_s.get_ref(),
            groups,
            agents: agent_report(scenario.agent_count(), runs),
            sim_events,
            wall_s,
            events_per_s: if wall_s > 0.0 {
                sim_events as f64 / wall_s
            } else {
                0.0
            },
            calls: runs.iter().map(|r| r.calls).sum(),
            engine_errors: runs.iter().map(|r| r.engine_errors).sum(),
            unresolved: runs.iter().map(|r| r.unresolved).sum(),
            notes,
            per_replication: runs.iter().map(|r| replication(scenario, r)).collect(),
        }
    }
}

/// Plain statements for the reader: a group no agent can serve, and where
/// unresolved calls were left.
fn notes(scenario: &Scenario, groups: &[GroupReport]) -> Vec<String> {
    let mut notes = Vec::new();
    for (spec, g) in scenario.groups.iter().zip(groups) {
        if g.agents == 0 {
            let needs = if spec.skills.is_empty() {
                String::from("any agent")
            } else {
                format!(
                    "skills [{}] at level {} or above",
                    spec.skills.join(", "),
                    spec.min_level
                )
            };
            notes.push(format!(
                "group {:?} has no agent able to serve it (it needs {needs}): \
                 its calls can only abandon, overflow or wait",
                g.id
            ));
        }
        if g.unresolved > 0 {
            notes.push(format!(
                "group {:?}: {} measured call(s) still waiting in it when the run stopped",
                g.id, g.unresolved
            ));
        }
    }
    notes
}

fn group_intervals(runs: &[RunOutcome], g: usize) -> Vec<IntervalReport> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let rec = &first.recorder;
    (0..rec.intervals.len())
        .map(|i| {
            let mut t = Tally::default();
            runs.iter()
                .for_each(|r| add(&mut t, &r.recorder.intervals[i][g]));
            let len = rec.interval_len_ms(i) as f64 * runs.len() as f64;
            IntervalReport {
                start_s: i as u64 * rec.window.interval_ms / 1000,
                offered: t.offered,
                answered: t.answered,
                abandoned: t.abandoned,
                service_level: (t.offered > 0).then(|| ratio(t.within_sl, t.offered)),
                asa_s: (t.answered > 0).then(|| ratio(t.answered_wait_ms, t.answered) / 1000.0),
                mean_queue: t.queue_area / len,
                max_queue: t.max_queue,
            }
        })
        .collect()
}

fn agent_report(count: usize, runs: &[RunOutcome]) -> AgentReport {
    let mut histogram = vec![0u64; 10];
    let (mut sum, mut n) = (0.0, 0usize);
    for r in runs {
        let rec = &r.recorder;
        for (&busy, &on) in rec.agent_busy_ms.iter().zip(&rec.agent_on_ms) {
            if on == 0 {
                continue; // never logged on while measuring
            }
            let occ = ratio(busy, on);
            sum += occ;
            n += 1;
            histogram[((occ * 10.0) as usize).min(9)] += 1;
        }
    }
    let intervals = runs
        .first()
        .map_or(0, |r| r.recorder.interval_busy_ms.len());
    let total =
        |i: usize, f: fn(&RunOutcome) -> &Vec<u64>| -> u64 { runs.iter().map(|r| f(r)[i]).sum() };
    let interval_occupancy = (0..intervals)
        .map(|i| {
            ratio(
                total(i, |r| &r.recorder.interval_busy_ms),
                total(i, |r| &r.recorder.interval_on_ms),
            )
        })
        .collect();
    let interval_logged_on = (0..intervals)
        .map(|i| {
            let len = runs[0].recorder.interval_len_ms(i) * runs.len() as u64;
            ratio(total(i, |r| &r.recorder.interval_on_ms), len)
        })
        .collect();
    AgentReport {
        count,
        mean_occupancy: if n == 0 { 0.0 } else { sum / n as f64 },
        occupancy_histogram: histogram,
        interval_occupancy,
        interval_logged_on,
    }
}

fn replication(s: &Scenario, r: &RunOutcome) -> ReplicationReport {
    ReplicationReport {
        seed: r.seed,
        sim_events: r.sim_events,
        wall_s: r.wall_s,
        calls: r.calls,
        groups: s
            .groups
            .iter()
            .zip(&r.recorder.totals)
            .map(|(g, t)| {
                let x = Rates::of(t);
                (
                    g.id.get_ref().clone(),
                    x.service_level,
                    x.asa_s,
                    x.prob_wait,
                    x.abandon_rate,
                )
            })
            .collect(),
    }
}

impl Report {
    /// A short plain-text summary table for the terminal.
    pub fn summary_table(&self) -> String {
        let mut out = format!(
            "{:<16} {:>9} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7}\n",
            "group",
            "offered",
            "ovf in",
            "ovf out",
            "answered",
            "abandon",
            "SL",
            "ASA s",
            "P(wait)",
            "max q",
            "occ",
            "agents"
        );
        for g in &self.groups {
            out += &format!(
                "{:<16} {:>9} {:>7} {:>7} {:>9} {:>9} {:>7.1}% {:>8.1} {:>7.3} {:>7} {:>6.1}% {:>7}\n",
                g.id,
                g.offered,
                g.overflow_in,
                g.overflow_out + g.overflowed,
                g.answered,
                g.abandoned,
                g.service_level * 100.0,
                g.asa_s,
                g.prob_wait,
                g.max_queue,
                g.mean_occupancy * 100.0,
                g.agents
            );
            if let Some(e) = &g.erlang {
                out += &format!(
                    "{:<16} {:>9} {:>7} {:>7} {:>9} {:>9} {:>7.1}% {:>8.1} {:>7.3} {:>7} {:>6.1}%\n",
                    format!("  Erlang {}", e.model),
                    "",
                    "",
                    "",
                    "",
                    "",
                    e.service_level * 100.0,
                    e.asa_s,
                    e.prob_wait,
                    "",
                    e.mean_occupancy * 100.0
                );
            }
        }
        out += &format!(
            "{} replication(s), {} calls, {} events in {:.2} s ({:.0} events/s)\n",
            self.replications, self.calls, self.sim_events, self.wall_s, self.events_per_s
        );
        for note in &self.notes {
            out += &format!("note: {note}\n");
        }
        if self.engine_errors > 0 {
            out += &format!(
                "warning: the engine refused {} command(s) of the driver\n",
                self.engine_errors
            );
        }
        out
    }
}

//! The staffing optimizer behind `sim staff --scenario`: the smallest agent
//! count per pool that meets every group's service-level target, found by
//! simulating the real engine — for multi-skill centres where no Erlang
//! formula applies.
//!
//! 1. **Start** from Erlang C per group: group `i` with offered load
//!    `A_i = λ_i · AHT_i` (mean rate over the measured day) needs `n_i`
//!    agents, the fewest whose Erlang C service level meets its target —
//!    square-root staffing `n_i ≈ A_i + β √A_i` made exact. Each group's
//!    `n_i` is shared among the pools that serve it in proportion to their
//!    counts in the scenario, and a pool serving several groups gets the
//!    mean of its shares (blended agents are counted once).
//! 2. **Up**: while a group misses its target, add one agent to the pool
//!    (among those serving the worst group) whose addition most reduces the
//!    total shortfall.
//! 3. **Down**: try one agent less in each pool, largest first; keep every
//!    removal after which all targets are still met; stop when none is.
//!
//! Every candidate is simulated with the same `replications` seeds (common
//! random numbers), so two staffings are compared on the same callers. A
//! target is met when the mean service level over the replications reaches
//! it; the report gives, for the result, the one-sided confidence that each
//! group's true service level is at least its target (Student t over the
//! replications) and the whole search path.

use crate::confidence::Estimate;
use crate::erlang::staff_for;
use crate::replications::run_replications;
use crate::report::ratio;
use crate::scenario::{Rate, Scenario};
use crate::simulation::SimError;
use serde::Serialize;
use std::fmt::Write;

/// A group's service-level target: `fraction` answered within `seconds`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTarget {
    /// Group id.
    pub group: String,
    /// Fraction, 0..1.
    pub fraction: f64,
    /// Threshold, seconds.
    pub seconds: u32,
}

impl std::str::FromStr for GroupTarget {
    type Err = String;
    /// Parses `sales: sl 0.8 in 20s`, `sales: sl 80% in 20 s` or `sales: 0.8/20`.
    fn from_str(s: &str) -> Result<GroupTarget, String> {
        let bad = || {
            format!("target {s:?}: expected \"GROUP: sl FRACTION in SECONDSs\", e.g. \"sales: sl 0.8 in 20s\"")
        };
        let (group, rest) = s.split_once(':').ok_or_else(bad)?;
        let rest = rest.trim();
        let rest = rest.strip_prefix("sl").unwrap_or(rest).trim();
        let (f, t) = rest
            .split_once(" in ")
            .or_else(|| rest.split_once('/'))
            .ok_or_else(bad)?;
        let fraction = match f.trim().strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
            None => f.trim().parse::<f64>().map_err(|_| bad())?,
        };
        let t = t.trim();
        let t = t.strip_suffix('s').unwrap_or(t).trim();
        let seconds: u32 = t.parse().map_err(|_| bad())?;
        if !(fraction > 0.0 && fraction < 1.0) || group.trim().is_empty() {
            return Err(bad());
        }
        Ok(GroupTarget {
            group: group.trim().to_string(),
            fraction,
            seconds,
        })
    }
}

/// The optimizer's question.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    /// The centre (its agent counts are only the starting shape).
    pub scenario: &'a Scenario,
    /// One target per group to meet.
    pub targets: &'a [GroupTarget],
    /// Replications per candidate staffing.
    pub replications: u32,
    /// Seed of replication 0.
    pub seed: u64,
    /// Threads.
    pub jobs: u32,
    /// Most simulated candidates before giving up.
    pub max_steps: u32,
}

/// One simulated candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// What the step tried: `start`, `+1 pool 2`, `-1 pool 0`.
    pub action: String,
    /// Agents per pool.
    pub counts: Vec<u32>,
    /// Mean service level per target.
    pub service_level: Vec<f64>,
    /// Whether every target was met.
    pub meets: bool,
    /// Whether the search kept this candidate.
    pub kept: bool,
}

/// The optimizer's answer.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    /// The Erlang C start per target group: (group, agents).
    pub erlang_start: Vec<(String, u32)>,
    /// Agents per pool found (the scenario's `[[agents]]` order).
    pub counts: Vec<u32>,
    /// Whether they meet every target.
    pub meets: bool,
    /// Per target: mean service level, 95 % half-width, and the one-sided
    /// confidence that the true service level reaches the target.
    pub confidence: Vec<(String, f64, f64, f64)>,
    /// Every simulated candidate, in order.
    pub path: Vec<Step>,
}

/// Why the search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A target names no group of the scenario.
    #[error("target names unknown group {0:?}")]
    UnknownGroup(String),
    /// No pool serves a target's group.
    #[error("no agent pool can serve group {0:?}")]
    NoPool(String),
    /// A run failed.
    #[error("{0}")]
    Sim(#[from] SimError),
}

/// The search state: the scenario and target group indexes.
struct Search<'a> {
    req: &'a SearchRequest<'a>,
    /// Target group index per target.
    groups: Vec<usize>,
    /// Pools serving each target.
    serving: Vec<Vec<usize>>,
    path: Vec<Step>,
}

/// Runs the search.
pub fn search(req: &SearchRequest) -> Result<SearchResult, SearchError> {
    let s = req.scenario;
    let mut groups = Vec::new();
    let mut serving = Vec::new();
    for t in req.targets {
        let g = s
            .groups
            .iter()
            .position(|x| *x.id.get_ref() == t.group)
            .ok_or_else(|| SearchError::UnknownGroup(t.group.clone()))?;
        let pools: Vec<usize> = (0..s.agents.len())
            .filter(|&p| s.serves(&s.agents[p].skills, &s.groups[g]))
            .collect();
        if pools.is_empty() {
            return Err(SearchError::NoPool(t.group.clone()));
        }
        groups.push(g);
        serving.push(pools);
    }
    let mut search = Search {
        req,
        groups,
        serving,
        path: Vec::new(),
    };
    let (start, erlang_start) = search.erlang_start();
    search.run(start, erlang_start)
}

impl Search<'_> {
    /// Erlang C staffing per target group, spread over its pools.
    fn erlang_start(&self) -> (Vec<u32>, Vec<(String, u32)>) {
        let s = self.req.scenario;
        let mut shares: Vec<Vec<f64>> = vec![Vec::new(); s.agents.len()];
        let mut start = Vec::new();
        for (k, t) in self.req.targets.iter().enumerate() {
            let (per_hour, aht) = offered(s, &t.group);
            let n = staff_for(
                per_hour,
                aht,
                None,
                t.fraction,
                f64::from(t.seconds),
                100_000,
            )
            .ok()
            .flatten()
            .map_or(1, |(n, _)| n);
            start.push((t.group.clone(), n));
            let pools = &self.serving[k];
            let weight: u32 = pools.iter().map(|&p| s.agents[p].count.max(1)).sum();
            for &p in pools {
                let w = f64::from(s.agents[p].count.max(1)) / f64::from(weight);
                shares[p].push(f64::from(n) * w);
            }
        }
        let counts = shares
            .iter()
            .enumerate()
            .map(|(p, sh)| match sh.len() {
                0 => s.agents[p].count,
                n => (sh.iter().sum::<f64>() / n as f64).ceil().max(1.0) as u32,
            })
            .collect();
        (counts, start)
    }

    fn run(
        &mut self,
        start: Vec<u32>,
        erlang_start: Vec<(String, u32)>,
    ) -> Result<SearchResult, SearchError> {
        let mut counts = start;
        let mut current = self.evaluate(&counts)?;
        self.record("start", &counts, &current, true);
        // Up: add agents while a target is missed.
        while !self.meets(&current) && self.budget_left() {
            let worst = self.worst(&current);
            let mut best: Option<(f64, Vec<u32>, Vec<Estimate>, usize)> = None;
            for &p in &self.serving[worst].clone() {
                let mut c = counts.clone();
                c[p] += 1;
                let e = self.evaluate(&c)?;
                let short = self.shortfall(&e);
                self.record(&format!("+1 pool {p}"), &c, &e, false);
                if best.as_ref().is_none_or(|b| short < b.0) {
                    best = Some((short, c, e, p));
                }
            }
            let Some((_, c, e, _)) = best else { break };
            self.keep_last_matching(&c);
            (counts, current) = (c, e);
        }
        // Down: remove agents while every target holds.
        let mut improved = self.meets(&current);
        while improved && self.budget_left() {
            improved = false;
            let mut order: Vec<usize> = (0..counts.len()).filter(|&p| counts[p] > 0).collect();
            order.sort_by_key(|&p| std::cmp::Reverse(counts[p]));
            for p in order {
                let mut c = counts.clone();
                c[p] -= 1;
                let e = self.evaluate(&c)?;
                let ok = self.meets(&e);
                self.record(&format!("-1 pool {p}"), &c, &e, ok);
                if ok {
                    (counts, current, improved) = (c, e, true);
                    break;
                }
                if !self.budget_left() {
                    break;
                }
            }
        }
        let confidence = self.confidence(&counts)?;
        Ok(SearchResult {
            erlang_start,
            meets: self.meets(&current),
            counts,
            confidence,
            path: std::mem::take(&mut self.path),
        })
    }

    fn budget_left(&self) -> bool {
        (self.path.len() as u32) < self.req.max_steps
    }

    /// The scenario with `counts` agents per pool and the targets' thresholds.
    fn staffed(&self, counts: &[u32]) -> Scenario {
        let mut s = self.req.scenario.clone();
        for (pool, &n) in s.agents.iter_mut().zip(counts) {
            pool.count = n;
        }
        for (t, &g) in self.req.targets.iter().zip(&self.groups) {
            s.groups[g].service_level_s = t.seconds;
        }
        s
    }

    /// Per-replication service levels of every target group.
    fn samples(&self, counts: &[u32]) -> Result<Vec<Vec<f64>>, SearchError> {
        let s = self.staffed(counts);
        let r = self.req;
        let runs = run_replications(&s, r.seed, r.replications, r.jobs, None, &|_| {})?;
        Ok(self
            .groups
            .iter()
            .map(|&g| {
                runs.iter()
                    .map(|run| {
                        let t = &run.recorder.totals[g];
                        ratio(t.within_sl, t.offered)
                    })
                    .collect()
            })
            .collect())
    }

    fn evaluate(&self, counts: &[u32]) -> Result<Vec<Estimate>, SearchError> {
        Ok(self
            .samples(counts)?
            .iter()
            .map(|v| Estimate::of(v, 0.95))
            .collect())
    }

    fn meets(&self, e: &[Estimate]) -> bool {
        e.iter()
            .zip(self.req.targets)
            .all(|(e, t)| e.mean >= t.fraction)
    }

    fn shortfall(&self, e: &[Estimate]) -> f64 {
        e.iter()
            .zip(self.req.targets)
            .map(|(e, t)| (t.fraction - e.mean).max(0.0))
            .sum()
    }

    fn worst(&self, e: &[Estimate]) -> usize {
        let gap = |k: usize| self.req.targets[k].fraction - e[k].mean;
        (0..e.len())
            .max_by(|&a, &b| gap(a).total_cmp(&gap(b)))
            .unwrap_or(0)
    }

    fn record(&mut self, action: &str, counts: &[u32], e: &[Estimate], kept: bool) {
        let meets = self.meets(e);
        self.path.push(Step {
            action: action.to_string(),
            counts: counts.to_vec(),
            service_level: e.iter().map(|e| e.mean).collect(),
            meets,
            kept,
        });
    }

    fn keep_last_matching(&mut self, counts: &[u32]) {
        if let Some(step) = self.path.iter_mut().rev().find(|s| s.counts == counts) {
            step.kept = true;
        }
    }

    /// Per target: mean, half-width, and P(true SL >= target) from the
    /// Student t distribution of the replication mean.
    fn confidence(&self, counts: &[u32]) -> Result<Vec<(String, f64, f64, f64)>, SearchError> {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        let samples = self.samples(counts)?;
        Ok(samples
            .iter()
            .zip(self.req.targets)
            .map(|(v, t)| {
                let e = Estimate::of(v, 0.95);
                let n = v.len() as f64;
                let sd = (v.iter().map(|x| (x - e.mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                let z = (e.mean - t.fraction) / (sd / n.sqrt());
                let p = match StudentsT::new(0.0, 1.0, n - 1.0) {
                    Ok(d) if z.is_finite() => d.cdf(z),
                    _ if e.mean >= t.fraction => 1.0,
                    _ => 0.0,
                };
                (t.group.clone(), e.mean, e.half_width, p)
            })
            .collect())
    }
}

/// Mean calls per hour over the measured day and rate-weighted mean handle
/// time of the calls arriving in `group`.
fn offered(s: &Scenario, group: &str) -> (f64, f64) {
    let steps = |r: &Rate, step_s: u64| -> f64 {
        let n = s.duration_s.get_ref().div_ceil(step_s.max(1)) as usize;
        (0..n.max(1)).map(|i| r.at_step(i)).sum::<f64>() / n.max(1) as f64
    };
    let (mut rate, mut work) = (0.0, 0.0);
    for a in s.arrivals.iter().filter(|a| a.group.get_ref() == group) {
        let r = steps(&a.per_hour, *a.profile_interval_s.get_ref());
        rate += r;
        work += r * a.handle.mean_s();
    }
    (rate, if rate > 0.0 { work / rate } else { 0.0 })
}

impl SearchResult {
    /// A printable account: the Erlang start, the path, the result and its
    /// confidence.
    pub fn table(&self, targets: &[GroupTarget]) -> String {
        let mut out = String::from("Erlang C start per group:");
        for (g, n) in &self.erlang_start {
            let _ = write!(out, " {g} {n}");
        }
        out += "\nsearch path (agents per pool; mean service level per target):\n";
        for s in &self.path {
            let sl: Vec<String> = s
                .service_level
                .iter()
                .map(|v| format!("{:.1}%", v * 100.0))
                .collect();
            let _ = writeln!(
                out,
                "  {:<12} {:?}  SL {}  {}{}",
                s.action,
                s.counts,
                sl.join(" "),
                if s.meets { "meets" } else { "misses" },
                if s.kept { "  <- kept" } else { "" }
            );
        }
        let _ = writeln!(
            out,
            "result: {:?} agents per pool ({} in all), {}",
            self.counts,
            self.counts.iter().sum::<u32>(),
            if self.meets {
                "every target met"
            } else {
                "targets NOT met within the step budget"
            }
        );
        for ((g, mean, hw, p), t) in self.confidence.iter().zip(targets) {
            let _ = writeln!(
                out,
                "  {g}: SL {:.1}% ± {:.1} (target {:.0}% in {} s), confidence it is met {:.1}%",
                mean * 100.0,
                hw * 100.0,
                t.fraction * 100.0,
                t.seconds,
                p * 100.0
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_in_plain_words() {
        let t: GroupTarget = "sales: sl 0.8 in 20s".parse().unwrap();
        assert_eq!(
            (t.group.as_str(), t.fraction, t.seconds),
            ("sales", 0.8, 20)
        );
        let t: GroupTarget = "support: sl 90% in 15 s".parse().unwrap();
        assert!((t.fraction - 0.9).abs() < 1e-12 && t.seconds == 15);
        let t: GroupTarget = "x: 0.7/30".parse().unwrap();
        assert_eq!((t.fraction, t.seconds), (0.7, 30));
        for bad in [
            "sales sl 0.8 in 20s",
            "sales: sl 1.2 in 20s",
            ": sl 0.8 in 20",
            "a: sl x in 2",
        ] {
            assert!(bad.parse::<GroupTarget>().is_err(), "{bad}");
        }
    }
}

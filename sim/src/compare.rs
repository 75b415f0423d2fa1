//! The policy lab behind `sim compare`: one scenario under several routing
//! policies, with common random numbers and paired confidence intervals.
//!
//! Replication `k` of every policy uses seed `seed + k`, and every arrival
//! stream draws arrivals, handle times and patience from separate
//! generators ([`crate::arrivals`]): policy A and policy B in replication
//! `k` face the very same callers. The difference `d_k = X_k(B) − X_k(A)`
//! of a figure is then far less noisy than either figure, and its 95 %
//! paired Student-t interval `mean(d) ± t(0.975, n−1) · sd(d)/√n` says
//! whether B is really better than A (a difference is *significant* when
//! the interval excludes zero). Differences are always to the first policy.
//!
//! Figures per group: service level, ASA, abandonment, occupancy of the
//! agents able to serve the group; for the whole centre: the spread of
//! occupancy over agents (standard deviation, a fairness measure) and the
//! spread of service level over groups (max − min, a balance measure).

use crate::confidence::Estimate;
use crate::policy::{Policy, PolicyError};
use crate::replications::run_replications;
use crate::report::{eligibility, ratio};
use crate::scenario::Scenario;
use crate::simulation::{RunOutcome, SimError};
use serde::Serialize;

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareRequest<'a> {
    /// Scenario name for the report.
    pub name: &'a str,
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Policies; the first is the baseline of every difference.
    pub policies: &'a [Policy],
    /// Seed of replication 0.
    pub seed: u64,
    /// Replications per policy (at least 2 for intervals).
    pub replications: u32,
    /// Threads.
    pub jobs: u32,
}

/// Why a comparison could not run.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A policy does not fit the scenario.
    #[error("{0}")]
    Policy(#[from] PolicyError),
    /// A run could not start.
    #[error("{0}")]
    Sim(#[from] SimError),
    /// Nothing to compare.
    #[error("at least one --policy is needed")]
    NoPolicy,
}

/// The comparison, written as `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Scenario name.
    pub scenario: String,
    /// Seed of replication 0.
    pub seed: u64,
    /// Replications per policy.
    pub replications: u32,
    /// Policy labels, baseline first.
    pub policies: Vec<String>,
    /// Per group.
    pub groups: Vec<GroupComparison>,
    /// Standard deviation of occupancy over agents (fairness), per policy.
    pub occupancy_spread: Vec<Figure>,
    /// Service level of the best group minus that of the worst, per policy.
    pub service_level_spread: Vec<Figure>,
    /// Simulation runs done (policies × replications).
    pub runs: u64,
    /// Wall-clock seconds of all runs (summed over threads).
    pub wall_s: f64,
}

/// One group's figures under each policy.
#[derive(Debug, Clone, Serialize)]
pub struct GroupComparison {
    /// Group id.
    pub id: String,
    /// Service level (answered within threshold / offered).
    pub service_level: Vec<Figure>,
    /// Mean wait of answered calls, seconds.
    pub asa_s: Vec<Figure>,
    /// Abandoned / offered.
    pub abandon_rate: Vec<Figure>,
    /// Occupancy of the agents able to serve the group.
    pub occupancy: Vec<Figure>,
}

/// A figure under one policy.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Policy label.
    pub policy: String,
    /// Mean over replications.
    pub mean: f64,
    /// 95 % half-width over replications.
    pub half_width: f64,
    /// Paired difference to the first policy (absent for the first).
    pub vs_first: Option<Difference>,
}

/// A paired difference `this − first` over common-random-number replications.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Difference {
    /// Mean difference.
    pub mean: f64,
    /// 95 % paired Student-t half-width.
    pub half_width: f64,
    /// Whether the interval excludes zero.
    pub significant: bool,
}

impl Difference {
    /// The paired difference of `this` and `first` (same replications).
    pub fn paired(this: &[f64], first: &[f64]) -> Difference {
        let d: Vec<f64> = this.iter().zip(first).map(|(a, b)| a - b).collect();
        let e = Estimate::of(&d, 0.95);
        Difference {
            mean: e.mean,
            half_width: e.half_width,
            significant: e.half_width.is_finite() && e.mean.abs() > e.half_width,
        }
    }
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct RunFigures {
    /// Per group: service level, ASA s, abandon rate, occupancy.
    pub groups: Vec<[f64; 4]>,
    /// Standard deviation of per-agent occupancy.
    pub occupancy_spread: f64,
    /// Max − min service level over groups that were offered calls.
    pub service_level_spread: f64,
}

impl RunFigures {
    /// Extracts the figures of `run` of `scenario`.
    pub fn of(scenario: &Scenario, run: &RunOutcome) -> RunFigures {
        let rec = &run.recorder;
        let eligible = eligibility(scenario);
        let groups: Vec<[f64; 4]> = rec
            .totals
            .iter()
            .zip(&eligible)
            .map(|(t, agents)| {
                let busy: u64 = agents.iter().map(|&a| rec.agent_busy_ms[a]).sum();
                let on: u64 = agents.iter().map(|&a| rec.agent_on_ms[a]).sum();
                [
                    ratio(t.within_sl, t.offered),
                    ratio(t.answered_wait_ms, t.answered) / 1000.0,
                    ratio(t.abandoned, t.offered),
                    ratio(busy, on),
                ]
            })
            .collect();
        let occ: Vec<f64> = rec
            .agent_busy_ms
            .iter()
            .zip(&rec.agent_on_ms)
            .filter(|(_, &on)| on > 0)
            .map(|(&b, &on)| ratio(b, on))
            .collect();
        let sls = groups
            .iter()
            .zip(&rec.totals)
            .filter(|(_, t)| t.offered > 0)
            .map(|(g, _)| g[0]);
        let (lo, hi) = sls.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        RunFigures {
            groups,
            occupancy_spread: std_dev(&occ),
            service_level_spread: if hi >= lo { hi - lo } else { 0.0 },
        }
    }
}

fn std_dev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Runs every policy's replications and compares them.
pub fn compare(
    req: &CompareRequest,
    progress: &(dyn Fn(f64) + Sync),
) -> Result<Comparison, CompareError> {
    if req.policies.is_empty() {
        return Err(CompareError::NoPolicy);
    }
    let n = req.policies.len() as f64;
    let mut figures: Vec<Vec<RunFigures>> = Vec::new();
    let mut wall_s = 0.0;
    for (i, p) in req.policies.iter().enumerate() {
        let s = p.apply(req.scenario)?;
        let part = |f: f64| progress((i as f64 + f) / n);
        let runs = run_replications(&s, req.seed, req.replications, req.jobs, None, &part)?;
        wall_s += runs.iter().map(|r| r.wall_s).sum::<f64>();
        figures.push(runs.iter().map(|r| RunFigures::of(&s, r)).collect());
    }
    let labels: Vec<String> = req.policies.iter().map(|p| p.label.clone()).collect();
    let per = |f: &dyn Fn(&RunFigures) -> f64| -> Vec<Figure> { figures_of(&labels, &figures, f) };
    let groups = req
        .scenario
        .groups
        .iter()
        .enumerate()
        .map(|(g, spec)| GroupComparison {
            id: spec.id.get_ref().clone(),
            service_level: per(&|r| r.groups[g][0]),
            asa_s: per(&|r| r.groups[g][1]),
            abandon_rate: per(&|r| r.groups[g][2]),
            occupancy: per(&|r| r.groups[g][3]),
        })
        .collect();
    Ok(Comparison {
        scenario: req.name.to_string(),
        seed: req.seed,
        replications: req.replications,
        policies: labels.clone(),
        groups,
        occupancy_spread: per(&|r| r.occupancy_spread),
        service_level_spread: per(&|r| r.service_level_spread),
        runs: figures.iter().map(|f| f.len() as u64).sum(),
        wall_s,
    })
}

/// One figure per policy, each with its paired difference to the first.
fn figures_of(
    labels: &[String],
    runs: &[Vec<RunFigures>],
    f: &dyn Fn(&RunFigures) -> f64,
) -> Vec<Figure> {
    let values: Vec<Vec<f64>> = runs.iter().map(|r| r.iter().map(f).collect()).collect();
    values
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (v, label))| {
            let e = Estimate::of(v, 0.95);
            Figure {
                policy: label.clone(),
                mean: e.mean,
                half_width: e.half_width,
                vs_first: (i > 0).then(|| Difference::paired(v, &values[0])),
            }
        })
        .collect()
}

impl Comparison {
    /// A plain-text table: each figure per policy with its difference to
    /// the first policy; `*` marks a significant difference.
    pub fn summary_table(&self) -> String {
        let mut out = format!(
            "{} policies x {} replications (common random numbers); differences to {} with 95 % paired intervals, * = significant\n",
            self.policies.len(),
            self.replications,
            self.policies.first().map_or("-", String::as_str)
        );
        for g in &self.groups {
            out += &format!("group {}\n", g.id);
            table_rows(&mut out, "  SL", &g.service_level, 100.0, "%");
            table_rows(&mut out, "  ASA", &g.asa_s, 1.0, " s");
            table_rows(&mut out, "  abandon", &g.abandon_rate, 100.0, "%");
            table_rows(&mut out, "  occupancy", &g.occupancy, 100.0, "%");
        }
        out += "centre\n";
        table_rows(
            &mut out,
            "  occ spread",
            &self.occupancy_spread,
            100.0,
            " pt",
        );
        table_rows(
            &mut out,
            "  SL spread",
            &self.service_level_spread,
            100.0,
            " pt",
        );
        out
    }
}

fn table_rows(out: &mut String, name: &str, figures: &[Figure], scale: f64, unit: &str) {
    for f in figures {
        let diff = f.vs_first.map_or(String::new(), |d| {
            format!(
                "  diff {:+.2}{unit} ± {:.2}{}",
                d.mean * scale,
                d.half_width * scale,
                if d.significant { " *" } else { "" }
            )
        });
        *out += &format!(
            "{name:<14} {:<28} {:>8.2}{unit} ± {:.2}{diff}\n",
            f.policy,
            f.mean * scale,
            f.half_width * scale
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_differences_see_through_common_noise() {
        // Two policies whose figures share a large replication-to-replication
        // noise and differ by a small constant: the paired interval finds the
        // difference, the unpaired estimates overlap.
        let noise = [0.1, -0.2, 0.3, 0.0, -0.1, 0.25, -0.3, 0.05];
        let a: Vec<f64> = noise.iter().map(|n| 0.70 + n).collect();
        let b: Vec<f64> = noise
            .iter()
            .enumerate()
            .map(|(i, n)| 0.72 + n + 0.001 * (i % 2) as f64)
            .collect();
        let d = Difference::paired(&b, &a);
        assert!(d.significant && (d.mean - 0.0205).abs() < 1e-9, "{d:?}");
        let (ea, eb) = (Estimate::of(&a, 0.95), Estimate::of(&b, 0.95));
        assert!((eb.mean - ea.mean).abs() < ea.half_width + eb.half_width);
        let same = Difference::paired(&a, &a);
        assert!(!same.significant && same.mean == 0.0);
    }

    #[test]
    fn std_dev_of_a_sample() {
        assert_eq!(std_dev(&[1.0]), 0.0);
        assert!((std_dev(&[1.0, 3.0]) - 2f64.sqrt()).abs() < 1e-12);
    }
}

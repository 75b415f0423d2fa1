//! Independent replications of a scenario, optionally on several threads.
//!
//! Replication `k` uses seed `seed + k`, whatever thread runs it, and the
//! outcomes come back in replication order, so `--jobs` never changes a
//! report's figures (only its wall-clock times).

use crate::scenario::Scenario;
use crate::simulation::{run_once, run_once_journaled, RunOutcome, SimError};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Runs `count` replications on up to `jobs` threads. `progress` receives
/// the overall fraction done (0..=1) now and then, from any thread. With
/// `journal`, replication `k` journals its engine in `journal/rep-<k>`.
pub fn run_replications(
    scenario: &Scenario,
    seed: u64,
    count: u32,
    jobs: u32,
    journal: Option<&Path>,
    progress: &(dyn Fn(f64) + Sync),
) -> Result<Vec<RunOutcome>, SimError> {
    let count = count as usize;
    let jobs = (jobs.max(1) as usize).min(count.max(1));
    // Per-replication progress in millionths, summed for the overall figure.
    let done: Vec<AtomicU64> = (0..count).map(|_| AtomicU64::new(0)).collect();
    let report = |k: usize, f: f64| {
        done[k].store((f.clamp(0.0, 1.0) * 1e6) as u64, Ordering::Relaxed);
        let total: u64 = done.iter().map(|d| d.load(Ordering::Relaxed)).sum();
        progress(total as f64 / (1e6 * count as f64));
    };
    let mut slots: Vec<Option<Result<RunOutcome, SimError>>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|j| {
                let report = &report;
                scope.spawn(move || {
                    (j..count)
                        .step_by(jobs)
                        .map(|k| {
                            let seed = seed.wrapping_add(k as u64);
                            let mut progress = |f| report(k, f);
                            let out = match journal {
                                None => run_once(scenario, seed, &mut progress),
                                Some(dir) => run_once_journaled(
                                    scenario,
                                    seed,
                                    &dir.join(format!("rep-{k}")),
                                    &mut progress,
                                ),
                            };
                            report(k, 1.0);
                            (k, out)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            // A panicking worker would be a bug; surface it as a panic here.
            for (k, out) in h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)) {
                slots[k] = Some(out);
            }
        }
    });
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_do_not_change_the_outcomes() {
        let s = Scenario::parse(
            "duration_s = 1800\n[[groups]]\nid = \"g\"\n[[arrivals]]\ngroup = \"g\"\n\
             per_hour = 300\nhandle = { dist = \"exponential\", mean_s = 50 }\n\
             [[agents]]\ncount = 5\n",
        )
        .unwrap();
        let one = run_replications(&s, 40, 3, 1, None, &|_| {}).unwrap();
        let last = std::sync::Mutex::new(0.0);
        let two = run_replications(&s, 40, 3, 2, None, &|f| *last.lock().unwrap() = f).unwrap();
        assert_eq!(*last.lock().unwrap(), 1.0);
        assert_eq!(one.len(), 3);
        for (a, b) in one.iter().zip(&two) {
            assert_eq!(a.seed, b.seed);
            assert_eq!(a.recorder.totals, b.recorder.totals);
        }
        assert_eq!(one[1].seed, 41);
    }
}

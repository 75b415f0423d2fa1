//! Queueing formulas for staffing: Erlang B (M/M/c/c), Erlang C (M/M/c) and
//! Erlang A (Palm's M/M/c+M, callers with exponential patience).
//!
//! They serve two purposes: the `sim staff` calculator, and the reference
//! values the simulator is tested against (a simulated M/M/c group must agree
//! with Erlang C, one with exponential patience with Erlang A).
//!
//! Erlang B and C use the classic numerically stable recursion. Erlang A is
//! computed exactly from the birth-death chain of the number of calls in the
//! system, truncated where the remaining probability mass is below 1e-17;
//! the fate of a caller who arrives to find `j` calls already queued (served
//! or abandoned, and when) is a pure-death chain whose absorption time is
//! computed by uniformization. With patience switched off the same chain
//! gives Erlang C, which the tests use as a cross-check.

use thiserror::Error;

/// Why a queueing model cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ErlangError {
    /// A rate, mean or agent count was zero, negative or not finite.
    #[error("{0} must be a positive finite number")]
    NotPositive(&'static str),
    /// Without abandonment the queue grows without bound.
    #[error("offered load {load:.2} Erlang needs more than {agents} agents (queue is unstable)")]
    Unstable {
        /// Offered load in Erlang.
        load: f64,
        /// Agents given.
        agents: u32,
    },
}

/// Erlang B: the probability that a call finds all `agents` busy in a loss
/// system offered `load` Erlang (M/M/c/c).
///
/// Uses the recursion `B(k) = A·B(k-1) / (k + A·B(k-1))`, stable for any size.
pub fn erlang_b(agents: u32, load: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=agents {
        b = load * b / (f64::from(k) + load * b);
    }
    b
}

/// Erlang C: the probability that a call has to wait in an M/M/c queue
/// offered `load` Erlang with `agents` agents; `None` when `load >= agents`.
pub fn erlang_c(agents: u32, load: f64) -> Option<f64> {
    let c = f64::from(agents);
    if load >= c || load < 0.0 || !load.is_finite() {
        return None;
    }
    let b = erlang_b(agents, load);
    Some(c * b / (c - load * (1.0 - b)))
}

/// Performance measures of a queue, as a capacity planner reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueMetrics {
    /// Offered load in Erlang (arrival rate × mean handle time).
    pub load: f64,
    /// Fraction of arriving calls that find every agent busy (PASTA).
    pub prob_wait: f64,
    /// Fraction of answered calls that waited more than zero.
    pub prob_wait_answered: f64,
    /// Fraction of arriving calls that abandon.
    pub prob_abandon: f64,
    /// Mean wait of answered calls (average speed of answer), seconds.
    pub asa_s: f64,
    /// Mean wait of all calls, answered or abandoned, seconds.
    pub mean_wait_s: f64,
    /// Fraction of offered calls answered within the threshold.
    pub service_level: f64,
    /// Mean fraction of time an agent is busy.
    pub occupancy: f64,
}

/// A staffing question: Poisson arrivals, exponential handle times,
/// `agents` agents, and optionally exponential caller patience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Queue {
    /// Arrivals per second.
    pub arrival_rate: f64,
    /// Mean handle time, seconds.
    pub handle_s: f64,
    /// Agents.
    pub agents: u32,
    /// Mean patience in seconds; `None` = callers never abandon (Erlang C).
    pub patience_s: Option<f64>,
}

impl Queue {
    /// An M/M/c queue with `per_hour` arrivals per hour.
    pub fn per_hour(per_hour: f64, handle_s: f64, agents: u32) -> Queue {
        Queue {
            arrival_rate: per_hour / 3600.0,
            handle_s,
            agents,
            patience_s: None,
        }
    }

    /// The same queue with exponential patience of mean `patience_s`.
    pub fn with_patience(self, patience_s: f64) -> Queue {
        Queue {
            patience_s: Some(patience_s),
            ..self
        }
    }

    /// Offered load in Erlang.
    pub fn load(&self) -> f64 {
        self.arrival_rate * self.handle_s
    }

    /// Every measure, with `sl_threshold_s` as service-level threshold.
    ///
    /// Without patience the closed Erlang C formulas are used; with patience
    /// the exact (truncated) Erlang A chain.
    pub fn metrics(&self, sl_threshold_s: f64) -> Result<QueueMetrics, ErlangError> {
        self.check()?;
        match self.patience_s {
            None => self.erlang_c_metrics(sl_threshold_s),
            Some(p) => Ok(Chain::new(self, 1.0 / p)?.metrics(sl_threshold_s)),
        }
    }

    /// Erlang A measures computed from the birth-death chain even without
    /// patience (θ = 0). Slower than [`Queue::metrics`]; used to cross-check
    /// the two formulations.
    pub fn chain_metrics(&self, sl_threshold_s: f64) -> Result<QueueMetrics, ErlangError> {
        self.check()?;
        let theta = self.patience_s.map_or(0.0, |p| 1.0 / p);
        Ok(Chain::new(self, theta)?.metrics(sl_threshold_s))
    }

    fn check(&self) -> Result<(), ErlangError> {
        positive("arrival rate", self.arrival_rate)?;
        positive("handle time", self.handle_s)?;
        if self.agents == 0 {
            return Err(ErlangError::NotPositive("agents"));
        }
        if let Some(p) = self.patience_s {
            positive("patience", p)?;
        }
        Ok(())
    }

    fn erlang_c_metrics(&self, t: f64) -> Result<QueueMetrics, ErlangError> {
        let load = self.load();
        let c = f64::from(self.agents);
        let unstable = ErlangError::Unstable {
            load,
            agents: self.agents,
        };
        let pw = erlang_c(self.agents, load).ok_or(unstable)?;
        // Conditional on waiting, the wait is exponential with rate cμ - λ.
        let drain = (c - load) / self.handle_s;
        let asa = pw / drain;
        Ok(QueueMetrics {
            load,
            prob_wait: pw,
            prob_wait_answered: pw,
            prob_abandon: 0.0,
            asa_s: asa,
            mean_wait_s: asa,
            service_level: 1.0 - pw * (-drain * t).exp(),
            occupancy: load / c,
        })
    }
}

fn positive(what: &'static str, v: f64) -> Result<(), ErlangError> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(ErlangError::NotPositive(what))
    }
}

/// Stationary distribution of the number of calls in an M/M/c+M system.
struct Chain {
    lambda: f64,
    mu: f64,
    theta: f64,
    c: usize,
    /// `pi[n]` = P(n calls in the system), truncated.
    pi: Vec<f64>,
}

/// Relative mass below which the tail of the chain is cut (e^-40 ≈ 4e-18).
const TAIL_LOG: f64 = -40.0;
/// Hard cap on the truncated chain's length beyond the agents.
const MAX_QUEUE_STATES: usize = 5_000_000;

impl Chain {
    fn new(q: &Queue, theta: f64) -> Result<Chain, ErlangError> {
        let lambda = q.arrival_rate;
        let mu = 1.0 / q.handle_s;
        let c = q.agents as usize;
        if theta == 0.0 && lambda >= mu * c as f64 {
            return Err(ErlangError::Unstable {
                load: q.load(),
                agents: q.agents,
            });
        }
        // log of unnormalised probabilities, p_n = p_{n-1} λ / death_rate(n).
        let mut logp = vec![0.0_f64];
        let mut max = 0.0_f64;
        let mut n = 0usize;
        loop {
            n += 1;
            let death = mu * n.min(c) as f64 + theta * n.saturating_sub(c) as f64;
            let next = logp[n - 1] + (lambda / death).ln();
            logp.push(next);
            max = max.max(next);
            let falling = lambda < death;
            if n > c && falling && next < max + TAIL_LOG {
                break;
            }
            if n > c + MAX_QUEUE_STATES {
                break;
            }
        }
        let mut pi: Vec<f64> = logp.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|p| *p /= total);
        Ok(Chain {
            lambda,
            mu,
            theta,
            c,
            pi,
        })
    }

    /// Rate at which a caller with `j` calls ahead moves one place forward
    /// (an agent frees up or a caller ahead abandons).
    fn advance_rate(&self, j: usize) -> f64 {
        self.c as f64 * self.mu + j as f64 * self.theta
    }

    fn metrics(&self, t: f64) -> QueueMetrics {
        let c = self.c;
        let no_wait: f64 = self.pi[..c].iter().sum();
        let queued = &self.pi[c..];
        // A caller arriving to `j` queued calls: served with probability
        // Π_{i<=j} a_i/(a_i+θ); the time to each step is Exp(a_i+θ)
        // whatever the outcome, so E[wait; served] = P(served) Σ 1/(a_i+θ).
        let (mut served, mut served_wait) = (0.0, 0.0);
        let (mut p_serve, mut mean_steps) = (1.0, 0.0);
        for (j, &p) in queued.iter().enumerate() {
            let a = self.advance_rate(j);
            p_serve *= a / (a + self.theta);
            mean_steps += 1.0 / (a + self.theta);
            served += p * p_serve;
            served_wait += p * p_serve * mean_steps;
        }
        let mean_queue: f64 = queued.iter().enumerate().map(|(j, p)| j as f64 * p).sum();
        let busy: f64 = self
            .pi
            .iter()
            .enumerate()
            .map(|(n, p)| n.min(c) as f64 * p)
            .sum();
        let answered = no_wait + served;
        QueueMetrics {
            load: self.lambda / self.mu,
            prob_wait: 1.0 - no_wait,
            prob_wait_answered: served / answered,
            prob_abandon: 1.0 - answered,
            asa_s: served_wait / answered,
            // Little's law on the queue.
            mean_wait_s: mean_queue / self.lambda,
            service_level: no_wait + self.served_within(t),
            occupancy: busy / c as f64,
        }
    }

    /// P(arrive to a queue, then be answered within `t` seconds), by
    /// uniformization of the caller's pure-death chain over positions.
    fn served_within(&self, t: f64) -> f64 {
        let queued = &self.pi[self.c..];
        let k = queued.len();
        if k == 0 || t <= 0.0 {
            return 0.0;
        }
        let rate = self.advance_rate(k - 1) + self.theta;
        let lt = rate * t;
        // Poisson(lt) weights in log space; stop far beyond the mean.
        let steps = (lt + 12.0 * lt.sqrt() + 30.0).ceil() as usize;
        let mut v = queued.to_vec();
        let mut absorbed = 0.0;
        let mut result = 0.0;
        let mut log_w = -lt;
        for n in 0..=steps {
            if n > 0 {
                log_w += lt.ln() - (n as f64).ln();
                absorbed += v[0] * self.advance_rate(0) / rate;
                for j in 0..k {
                    let stay = 1.0 - (self.advance_rate(j) + self.theta) / rate;
                    let from_behind = v
                        .get(j + 1)
                        .map_or(0.0, |&b| b * self.advance_rate(j + 1) / rate);
                    v[j] = v[j] * stay + from_behind;
                }
            }
            result += log_w.exp() * absorbed;
        }
        // Mass of weights beyond `steps` is negligible; absorbed is monotone.
        result
    }
}

/// Smallest number of agents meeting a service-level target, with the
/// metrics at that staffing. Searches up to `max_agents`.
///
/// The service level grows with the agents (more servers: stochastically
/// shorter waits, with or without abandonment), so the search gallops up
/// from the smallest sensible team and then bisects: a few dozen
/// evaluations even for thousands of agents, where a linear scan from one
/// agent took tens of seconds under Erlang A.
pub fn staff_for(
    per_hour: f64,
    handle_s: f64,
    patience_s: Option<f64>,
    target_sl: f64,
    threshold_s: f64,
    max_agents: u32,
) -> Result<Option<(u32, QueueMetrics)>, ErlangError> {
    let base = Queue::per_hour(per_hour, handle_s, 1);
    base.check()?;
    let start = match patience_s {
        // Without abandonment at least ⌊A⌋+1 agents are needed for stability.
        None => (base.load().floor() as u32).saturating_add(1),
        Some(_) => 1,
    }
    .max(1);
    let at = |agents: u32| -> Result<QueueMetrics, ErlangError> {
        let mut q = Queue { agents, ..base };
        q.patience_s = patience_s;
        q.metrics(threshold_s)
    };
    if start > max_agents {
        return Ok(None);
    }
    // Gallop: `lo` misses the target (or is below `start`), `hi` meets it.
    let (mut lo, mut hi, mut step) = (start - 1, start, 1u32);
    let mut best = loop {
        let m = at(hi)?;
        if m.service_level >= target_sl {
            break m;
        }
        if hi == max_agents {
            return Ok(None);
        }
        lo = hi;
        hi = hi.saturating_add(step).min(max_agents);
        step = step.saturating_mul(2);
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let m = at(mid)?;
        if m.service_level >= target_sl {
            (hi, best) = (mid, m);
        } else {
            lo = mid;
        }
    }
    Ok(Some((hi, best)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn erlang_b_matches_textbook_tables() {
        // Standard Erlang B table values.
        assert!(close(erlang_b(10, 10.0), 0.214_582, 1e-6));
        assert!(close(erlang_b(10, 5.0), 0.018_385, 1e-6));
        assert!(close(erlang_b(1, 1.0), 0.5, 1e-12));
        assert!(close(erlang_b(2, 1.0), 0.2, 1e-12));
    }

    #[test]
    fn erlang_c_matches_textbook_values() {
        // M/M/2 with A = 1: C = 1/3 exactly.
        assert!(close(erlang_c(2, 1.0).unwrap(), 1.0 / 3.0, 1e-12));
        // The classic call-centre example: 600 calls/h, AHT 180 s (A = 30),
        // 33 agents: P(wait) ≈ 0.4905, ASA ≈ 29.43 s, SL(20 s) ≈ 0.6485
        // (values of published Erlang C tables / calculators).
        let m = Queue::per_hour(600.0, 180.0, 33).metrics(20.0).unwrap();
        assert!(close(m.prob_wait, 0.4905, 5e-4), "{m:?}");
        assert!(close(m.asa_s, 29.43, 0.01), "{m:?}");
        assert!(close(m.service_level, 0.6485, 5e-4), "{m:?}");
        assert!(close(m.occupancy, 30.0 / 33.0, 1e-12));
        assert_eq!(erlang_c(30, 30.0), None);
    }

    #[test]
    fn chain_without_patience_reproduces_erlang_c() {
        for (ph, aht, c) in [(600.0, 180.0, 33), (120.0, 60.0, 3), (50.0, 300.0, 6)] {
            let q = Queue::per_hour(ph, aht, c);
            let closed = q.metrics(20.0).unwrap();
            let chain = q.chain_metrics(20.0).unwrap();
            assert!(close(closed.prob_wait, chain.prob_wait, 1e-9));
            assert!(close(closed.asa_s, chain.asa_s, 1e-7));
            assert!(close(closed.service_level, chain.service_level, 1e-7));
            assert!(close(closed.occupancy, chain.occupancy, 1e-9));
        }
    }

    #[test]
    fn erlang_a_with_patience_equal_to_handle_is_a_poisson_system() {
        // θ = μ makes the number in system Poisson(A) (an M/M/∞ in disguise).
        let q = Queue::per_hour(600.0, 180.0, 28).with_patience(180.0);
        let m = q.metrics(20.0).unwrap();
        let a: f64 = 30.0;
        let mut term = (-a).exp();
        let mut below = 0.0;
        for n in 0..28 {
            below += term;
            term *= a / f64::from(n + 1);
        }
        assert!(close(m.prob_wait, 1.0 - below, 1e-12), "{m:?}");
    }

    #[test]
    fn erlang_a_is_consistent() {
        let q = Queue::per_hour(600.0, 180.0, 30).with_patience(120.0);
        let m = q.metrics(20.0).unwrap();
        // Abandon rate = θ E[Q] = λ P(ab), i.e. P(ab) = mean_wait / patience.
        assert!(close(m.prob_abandon, m.mean_wait_s / 120.0, 1e-9), "{m:?}");
        // Carried load = agents busy: λ (1 - P(ab)) / μ = c · occupancy.
        let carried = 600.0 / 3600.0 * (1.0 - m.prob_abandon) * 180.0;
        assert!(close(carried, 30.0 * m.occupancy, 1e-9), "{m:?}");
        // Patience only helps those who stay: SL and ASA beat Erlang C's.
        let c = Queue::per_hour(600.0, 180.0, 31).metrics(20.0).unwrap();
        let a31 = Queue::per_hour(600.0, 180.0, 31)
            .with_patience(120.0)
            .metrics(20.0)
            .unwrap();
        assert!(a31.asa_s < c.asa_s && a31.service_level < 1.0);
        assert!(a31.prob_wait_answered <= a31.prob_wait);
    }

    #[test]
    fn service_level_grows_with_threshold_and_agents() {
        let q = Queue::per_hour(600.0, 180.0, 32).with_patience(90.0);
        let a = q.metrics(10.0).unwrap().service_level;
        let b = q.metrics(30.0).unwrap().service_level;
        let more = Queue { agents: 34, ..q }
            .metrics(10.0)
            .unwrap()
            .service_level;
        assert!(a < b && a < more, "{a} {b} {more}");
    }

    #[test]
    fn staffing_finds_the_smallest_team() {
        let (agents, m) = staff_for(600.0, 180.0, None, 0.8, 20.0, 1000)
            .unwrap()
            .unwrap();
        assert!(m.service_level >= 0.8);
        let fewer = Queue::per_hour(600.0, 180.0, agents - 1)
            .metrics(20.0)
            .unwrap();
        assert!(fewer.service_level < 0.8);
        assert_eq!(agents, 35);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(Queue::per_hour(-1.0, 180.0, 3).metrics(20.0).is_err());
        assert!(Queue::per_hour(600.0, 0.0, 3).metrics(20.0).is_err());
        assert!(matches!(
            Queue::per_hour(600.0, 180.0, 30).metrics(20.0),
            Err(ErlangError::Unstable { .. })
        ));
        assert!(Queue::per_hour(600.0, 180.0, 0).metrics(20.0).is_err());
    }
}

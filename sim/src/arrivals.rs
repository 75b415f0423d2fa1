//! Call arrivals: one Poisson stream per `[[arrivals]]` entry, with a
//! constant rate or a piecewise-constant profile, each drawing its handle
//! times and patience from its own seeded generator.
//!
//! Every stream owns three PCG generators — inter-arrival gaps, handle
//! times, patience — seeded from the run seed, the stream's index and the
//! purpose. The same seed reproduces a run exactly; adding a stream does not
//! change the calls of the others; and the n-th caller of a stream gets the
//! same arrival time, handle time and patience whatever else the scenario
//! draws (a patience distribution added, a handle time drawn differently).
//! That is what *common random numbers* need: two runs that differ only in
//! routing policy or staffing face the very same callers, so the difference
//! of their figures has far less noise than either figure.

use crate::dist::{round_to_u64, Dist};
use crate::scenario::{ArrivalSpec, Rate};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;
use std::collections::BTreeMap;

/// A caller drawn from a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// Talk time once answered, ms.
    pub handle_ms: u64,
    /// How long the caller waits before hanging up, ms; `None` = forever.
    pub patience_ms: Option<u64>,
}

/// One Poisson arrival stream.
#[derive(Debug, Clone)]
pub struct ArrivalStream {
    /// Index of the group the calls enter.
    pub group: usize,
    /// Priority given to the calls; `None` = the group's.
    pub priority: Option<i32>,
    rate: Rate,
    /// The rate never changes (a constant, or a flat profile; so also a
    /// profile that is zero at every step, which never brings a call).
    constant: bool,
    step_ms: f64,
    /// Where the profile starts (the end of warm-up), ms.
    origin_ms: f64,
    handle: Dist,
    patience: Option<Dist>,
    /// Inter-arrival gaps.
    rng: Pcg64Mcg,
    /// Handle times.
    handle_rng: Pcg64Mcg,
    /// Patience.
    patience_rng: Pcg64Mcg,
    /// Follow-up decisions (transfer, callback) and their handle times.
    follow_rng: Pcg64Mcg,
    /// Handle-time multipliers per profile step.
    handle_profile: Option<Vec<f64>>,
    /// Profiles wrap around instead of holding their last value.
    repeat: bool,
    /// Attached data per key: values and their weights.
    data: Vec<(String, Vec<(String, f64)>)>,
    /// Attached data draws.
    data_rng: Pcg64Mcg,
    /// Exact (unrounded) time of the last arrival, ms.
    last_ms: f64,
}

/// A well-mixed 64-bit seed from a base seed and a stream number
/// (SplitMix64 finaliser).
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream number of generator `purpose` (1 = handle, 2 = patience,
/// 3 = follow-ups, 4 = attached data) of
/// arrival stream `index`: far from the arrival streams' own numbers.
fn purpose(index: usize, purpose: u64) -> u64 {
    (purpose << 32) | index as u64
}

impl ArrivalStream {
    /// The stream of `spec` into group index `group`, seeded from `seed`
    /// and `index`; the profile starts at `origin_ms`.
    pub fn new(spec: &ArrivalSpec, group: usize, seed: u64, index: usize, origin_ms: u64) -> Self {
        ArrivalStream {
            group,
            priority: spec.priority,
            rate: spec.per_hour.clone(),
            constant: spec.per_hour.is_constant(),
            step_ms: *spec.profile_interval_s.get_ref() as f64 * 1000.0,
            origin_ms: origin_ms as f64,
            handle: spec.handle.clone(),
            patience: spec.patience.clone(),
            rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, index as u64)),
            handle_rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, purpose(index, 1))),
            patience_rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, purpose(index, 2))),
            follow_rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, purpose(index, 3))),
            handle_profile: spec.handle_profile.clone(),
            repeat: spec.repeat_profile,
            data: spec
                .data
                .iter()
                .map(|(k, values)| {
                    (
                        k.clone(),
                        values.iter().map(|(v, w)| (v.clone(), *w)).collect(),
                    )
                })
                .collect(),
            data_rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, purpose(index, 4))),
            last_ms: 0.0,
        }
    }

    /// Profile steps of the rate (1 for a constant rate).
    fn steps(&self) -> usize {
        match &self.rate {
            Rate::Constant(_) => 1,
            Rate::Profile(v) => v.len(),
        }
    }

    /// The profile step at time `t` (warm-up: step 0), wrapped when the
    /// profile repeats.
    fn step_at(&self, t: f64, steps: usize) -> usize {
        if t < self.origin_ms {
            return 0;
        }
        let step = ((t - self.origin_ms) / self.step_ms).floor() as usize;
        if self.repeat {
            step % steps.max(1)
        } else {
            step
        }
    }

    /// Rate in calls per ms at time `t`, and when that rate ends.
    fn rate_at(&self, t: f64) -> (f64, f64) {
        if self.constant {
            // Every step has the rate of the first, for ever.
            return (self.rate.at_step(0) / 3.6e6, f64::INFINITY);
        }
        if t < self.origin_ms {
            return (self.rate.at_step(0) / 3.6e6, self.origin_ms);
        }
        let steps = self.steps();
        let raw = ((t - self.origin_ms) / self.step_ms).floor();
        let last = !self.repeat && raw + 1.0 >= steps as f64;
        let end = if last {
            f64::INFINITY
        } else {
            self.origin_ms + (raw + 1.0) * self.step_ms
        };
        (self.rate.at_step(self.step_at(t, steps)) / 3.6e6, end)
    }

    /// The time of the next arrival in ms, or `None` if the rate is zero
    /// from now on. Memorylessness makes restarting at each rate change exact.
    pub fn next_arrival(&mut self) -> Option<u64> {
        // An all-zero profile is flat: its rate is 0 until `end`, which
        // is infinite, so it returns `None` at once, repeating or not.
        let mut t = self.last_ms;
        loop {
            let (rate, end) = self.rate_at(t);
            if rate > 0.0 {
                let gap: f64 = Exp1.sample(&mut self.rng);
                let at = t + gap / rate;
                if at < end {
                    self.last_ms = at;
                    return Some(round_to_u64(at));
                }
            }
            if end.is_infinite() {
                return None;
            }
            t = end;
        }
    }

    /// Draws the next call's attached data: one value per key, by weight,
    /// from the stream's own generator (so streams without data draw
    /// nothing and existing runs are unchanged).
    pub fn call_data(&mut self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (key, values) in &self.data {
            let total: f64 = values.iter().map(|v| v.1).sum();
            let mut x = self.data_rng.gen::<f64>() * total;
            let pick = values
                .iter()
                .find(|v| {
                    x -= v.1;
                    x < 0.0
                })
                .or(values.last());
            if let Some((v, _)) = pick {
                out.insert(key.clone(), v.clone());
            }
        }
        out
    }

    /// `base_ms` scaled by the handle-time multiplier at `t_ms`. Without
    /// a profile it is `base_ms` itself: a drawn duration is a whole number
    /// of ms that an `f64` holds exactly, so multiplying by 1 and rounding
    /// would give it back.
    fn scale_handle(&self, base_ms: u64, t_ms: u64) -> u64 {
        let Some(p) = &self.handle_profile else {
            return base_ms;
        };
        let step = self.step_at(t_ms as f64, p.len());
        let factor = p.get(step).or(p.last()).copied().unwrap_or(1.0);
        round_to_u64(base_ms as f64 * factor)
    }

    /// Draws the next caller's handle time and patience; the caller
    /// arrives at `t_ms` (for a time-varying handle time).
    pub fn caller(&mut self, t_ms: u64) -> Caller {
        let base = self.handle.sample_ms(&mut self.handle_rng);
        let handle_ms = self.scale_handle(base, t_ms);
        let patience_ms = self
            .patience
            .as_ref()
            .map(|p| p.sample_ms(&mut self.patience_rng));
        Caller {
            handle_ms,
            patience_ms,
        }
    }
}

impl ArrivalStream {
    /// Whether a call leads to a follow-up with probability `share`.
    pub fn follows(&mut self, share: f64) -> bool {
        share > 0.0 && rand::Rng::gen_bool(&mut self.follow_rng, share.clamp(0.0, 1.0))
    }

    /// A follow-up's handle time at `t_ms`: from `dist`, or the stream's.
    pub fn follow_up_handle(&mut self, dist: Option<&Dist>, t_ms: u64) -> u64 {
        let d = dist.unwrap_or(&self.handle);
        let base = d.sample_ms(&mut self.follow_rng);
        self.scale_handle(base, t_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn stream(per_hour: &str) -> ArrivalStream {
        let text = format!(
            "duration_s = 3600\n[[groups]]\nid = \"g\"\n[[arrivals]]\ngroup = \"g\"\n\
             per_hour = {per_hour}\nhandle = {{ dist = \"constant\", value_s = 1 }}\n\
             [[agents]]\ncount = 1\n"
        );
        let s = Scenario::parse(&text).unwrap();
        ArrivalStream::new(&s.arrivals[0], 0, 99, 0, 1_000_000)
    }

    fn count_until(s: &mut ArrivalStream, end_ms: u64) -> Vec<u64> {
        let mut v = Vec::new();
        while let Some(t) = s.next_arrival() {
            if t >= end_ms {
                break;
            }
            v.push(t);
        }
        v
    }

    #[test]
    fn constant_rate_gives_poisson_counts() {
        // 3600/h = 1 per s; 10 000 s -> 10 000 ± 4σ (σ = 100).
        let v = count_until(&mut stream("3600"), 10_000_000);
        assert!((v.len() as f64 - 10_000.0).abs() < 400.0, "{}", v.len());
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn profile_steps_change_the_rate() {
        // Warm-up (first 1000 s) uses the first value, 3600/h; the profile
        // starts at 1000 s: 900 s at 3600/h, 900 s at 0, then 7200/h.
        let v = count_until(&mut stream("[3600, 0, 7200]"), 3_700_000);
        let between = |a: u64, b: u64| v.iter().filter(|&&t| (a..b).contains(&t)).count() as f64;
        let (warm, first) = (between(0, 1_000_000), between(1_000_000, 1_900_000));
        let (quiet, busy) = (between(1_900_000, 2_800_000), between(2_800_000, 3_700_000));
        // Poisson counts within 4 standard deviations.
        assert!((warm - 1000.0).abs() < 4.0 * 1000f64.sqrt(), "{warm}");
        assert!((first - 900.0).abs() < 4.0 * 900f64.sqrt(), "{first}");
        assert_eq!(quiet, 0.0);
        assert!((busy - 1800.0).abs() < 4.0 * 1800f64.sqrt(), "{busy}");
    }

    #[test]
    fn repeating_profiles_wrap_and_scale_handle_times() {
        // Profile [3600, 0] per 900 s, repeated: busy, quiet, busy, quiet.
        let mut s = stream("[3600, 0]");
        s.repeat = true;
        s.handle_profile = Some(vec![1.0, 2.0]);
        let v = count_until(&mut s, 1_000_000 + 3_600_000);
        let between = |a: u64, b: u64| v.iter().filter(|&&t| (a..b).contains(&t)).count();
        assert_eq!(between(1_900_000, 2_800_000), 0);
        assert_eq!(between(3_700_000, 4_600_000), 0);
        assert!(between(2_800_000, 3_700_000) > 800, "the profile came back");
        // Constant 1 s handle: doubled in the second step of each cycle.
        assert_eq!(s.caller(1_000_000).handle_ms, 1000);
        assert_eq!(s.caller(2_000_000).handle_ms, 2000);
        assert_eq!(s.caller(2_900_000).handle_ms, 1000);
        let mut silent = stream("[0, 0]");
        silent.repeat = true;
        assert_eq!(silent.next_arrival(), None);
    }

    #[test]
    fn zero_rate_ends_the_stream() {
        assert_eq!(stream("0").next_arrival(), None);
    }

    #[test]
    fn same_seed_same_calls() {
        let (mut a, mut b) = (stream("600"), stream("600"));
        for _ in 0..100 {
            assert_eq!(a.next_arrival(), b.next_arrival());
            assert_eq!(a.caller(0), b.caller(0));
        }
        assert_ne!(derive_seed(1, 0), derive_seed(1, 1));
    }

    #[test]
    fn patience_draws_do_not_shift_arrivals_or_handle_times() {
        // Common random numbers: with or without patience, the n-th caller
        // arrives at the same time with the same handle time.
        let mut plain = stream("600");
        let mut patient = stream("600");
        patient.patience = Some(Dist::exponential(30.0).unwrap());
        for _ in 0..100 {
            assert_eq!(plain.next_arrival(), patient.next_arrival());
            let (a, b) = (plain.caller(0), patient.caller(0));
            assert_eq!(a.handle_ms, b.handle_ms);
            assert!(a.patience_ms.is_none() && b.patience_ms.is_some());
        }
    }
}

//! Random durations of a scenario: handle times and caller patience.
//!
//! Written in TOML as `{ dist = "exponential", mean_s = 180 }`,
//! `{ dist = "lognormal", mean_s = 180, sd_s = 120 }` or
//! `{ dist = "constant", value_s = 180 }`. Parameters are checked while the
//! file is decoded, so a bad one is reported with its line.

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};
use serde::Deserialize;

/// A distribution of durations in seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "DistSpec")]
pub struct Dist {
    spec: DistSpec,
    sampler: Sampler,
}

/// The distribution as written in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    /// Exponential with the given mean.
    Exponential {
        /// Mean, seconds.
        mean_s: f64,
    },
    /// Log-normal with the given mean and standard deviation of the
    /// duration itself (not of its logarithm).
    Lognormal {
        /// Mean, seconds.
        mean_s: f64,
        /// Standard deviation, seconds.
        sd_s: f64,
    },
    /// Always the same duration.
    Constant {
        /// The duration, seconds.
        #[serde(alias = "mean_s")]
        value_s: f64,
    },
}

#[derive(Debug, Clone, Copy)]
enum Sampler {
    Exponential(Exp<f64>),
    LogNormal(LogNormal<f64>),
    Constant(f64),
}

impl TryFrom<DistSpec> for Dist {
    type Error = String;
    fn try_from(spec: DistSpec) -> Result<Dist, String> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(format!(
                    "{name} must be a positive number of seconds, got {v}"
                ))
            }
        };
        let sampler = match spec {
            DistSpec::Exponential { mean_s } => {
                let m = positive("mean_s", mean_s)?;
                Sampler::Exponential(Exp::new(1.0 / m).map_err(|e| e.to_string())?)
            }
            DistSpec::Lognormal { mean_s, sd_s } => {
                let m = positive("mean_s", mean_s)?;
                let s = positive("sd_s", sd_s)?;
                // Moments of the duration -> parameters of its logarithm.
                let sigma2 = (1.0 + (s / m).powi(2)).ln();
                let mu = m.ln() - sigma2 / 2.0;
                Sampler::LogNormal(LogNormal::new(mu, sigma2.sqrt()).map_err(|e| e.to_string())?)
            }
            DistSpec::Constant { value_s } => {
                if !(value_s.is_finite() && value_s >= 0.0) {
                    return Err(format!("value_s must be >= 0 seconds, got {value_s}"));
                }
                Sampler::Constant(value_s)
            }
        };
        Ok(Dist { spec, sampler })
    }
}

impl Dist {
    /// An exponential distribution with mean `mean_s` (must be positive).
    pub fn exponential(mean_s: f64) -> Result<Dist, String> {
        Dist::try_from(DistSpec::Exponential { mean_s })
    }

    /// The distribution as written.
    pub fn spec(&self) -> DistSpec {
        self.spec
    }

    /// The mean, seconds.
    pub fn mean_s(&self) -> f64 {
        match self.spec {
            DistSpec::Exponential { mean_s } | DistSpec::Lognormal { mean_s, .. } => mean_s,
            DistSpec::Constant { value_s } => value_s,
        }
    }

    /// Whether it is exponential (the Erlang formulas assume so).
    pub fn is_exponential(&self) -> bool {
        matches!(self.spec, DistSpec::Exponential { .. })
    }

    /// One duration, in whole milliseconds (the engine's resolution).
    pub fn sample_ms<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let s = match self.sampler {
            Sampler::Exponential(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Constant(v) => v,
        };
        // Saturating float-to-int cast; durations beyond ~584 My are moot.
        round_to_u64(s * 1000.0)
    }
}

/// `x.round() as u64`, without the call to the C library's `round` that
/// the standard one compiles to on baseline x86-64, nor its costly
/// unsigned conversions (it is on the path of every simulated call). Same
/// result for every `x`: halves round away from zero, negatives and NaN
/// give 0, the cast saturates.
pub fn round_to_u64(x: f64) -> u64 {
    // 2^63: below it the signed conversions, single instructions, are exact.
    const SIGNED_RANGE: f64 = 9_223_372_036_854_775_808.0;
    if !(0.0..SIGNED_RANGE).contains(&x) {
        return x.round() as u64;
    }
    let whole = x as i64;
    // Exact: `whole` is `x` truncated, and the fraction of a double is one.
    let up = x - whole as f64 >= 0.5;
    (whole + i64::from(up)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        (0..n).map(|_| d.sample_ms(&mut rng) as f64).sum::<f64>() / n as f64 / 1000.0
    }

    #[test]
    fn sample_means_match_the_spec() {
        let exp = Dist::exponential(180.0).unwrap();
        let logn = Dist::try_from(DistSpec::Lognormal {
            mean_s: 180.0,
            sd_s: 90.0,
        })
        .unwrap();
        // 4 standard errors: 180/sqrt(20000) ≈ 1.27 s for the exponential.
        assert!((mean_of(&exp, 20_000) - 180.0).abs() < 5.1);
        assert!((mean_of(&logn, 20_000) - 180.0).abs() < 2.6);
        let c = Dist::try_from(DistSpec::Constant { value_s: 2.5 }).unwrap();
        assert_eq!(mean_of(&c, 10), 2.5);
    }

    #[test]
    fn round_to_u64_matches_the_standard_round() {
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let edges = [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -0.7,
            0.49999999999999994,
            4503599627370495.5,
            9007199254740993.0,
            18446744073709551615.0,
            9223372036854775808.0,
            9223372036854774784.0,
            1e30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        let random = (0..100_000).map(|i| {
            let x: f64 = rng.gen::<f64>() * 10f64.powi(i % 20);
            if i % 7 == 0 {
                x.floor() + 0.5
            } else {
                x
            }
        });
        for x in edges.into_iter().chain(random) {
            assert_eq!(round_to_u64(x), x.round() as u64, "{x}");
        }
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::exponential(f64::NAN).is_err());
        assert!(Dist::try_from(DistSpec::Lognormal {
            mean_s: 1.0,
            sd_s: -1.0
        })
        .is_err());
        assert!(Dist::try_from(DistSpec::Constant { value_s: -1.0 }).is_err());
    }
}

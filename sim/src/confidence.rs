//! Confidence intervals across independent replications.
//!
//! A single simulation run gives one correlated sample path; its per-call
//! figures are not independent, so their spread says little. Independent
//! replications (different seeds) give independent estimates, and the
//! Student-t interval over them is the honest error bar. The report shows a
//! 95 % interval; the statistical tests use 99.9 %.

/// Mean and Student-t confidence half-width of independent estimates.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the two-sided interval (0 with fewer than two samples).
    pub half_width: f64,
}

impl Estimate {
    /// The mean of `samples` and the half-width of its two-sided
    /// `confidence` interval (e.g. 0.95).
    pub fn of(samples: &[f64], confidence: f64) -> Estimate {
        let n = samples.len();
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                half_width: f64::NAN,
            };
        }
        let mean = samples.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                mean,
                half_width: 0.0,
            };
        }
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = student_t_quantile(0.5 + confidence / 2.0, (n - 1) as f64);
        Estimate {
            mean,
            half_width: t * (var / n as f64).sqrt(),
        }
    }

    /// Whether `value` lies within the interval widened by `slack`.
    pub fn covers(&self, value: f64, slack: f64) -> bool {
        (value - self.mean).abs() <= self.half_width + slack
    }
}

/// Quantile `p` of Student's t with `df` degrees of freedom (statrs'
/// inverse CDF: exact to floating-point accuracy for every level and every
/// `df`, unlike a series expansion or a table of common levels).
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // (p, df, table value)
        for (p, df, t) in [
            (0.975, 9.0, 2.262),
            (0.975, 29.0, 2.045),
            (0.9995, 19.0, 3.883),
            (0.9995, 29.0, 3.659),
            (0.9995, 9.0, 4.781),
            (0.9995, 3.0, 12.924),
            (0.99, 7.0, 2.998),
            (0.95, 2.0, 2.920),
        ] {
            let got = student_t_quantile(p, df);
            assert!(
                (got - t).abs() / t < 0.0005,
                "t({p}, {df}) = {got}, table {t}"
            );
        }
    }

    #[test]
    fn estimate_of_constant_samples_has_zero_width() {
        let e = Estimate::of(&[2.0, 2.0, 2.0], 0.95);
        assert_eq!((e.mean, e.half_width), (2.0, 0.0));
        let e = Estimate::of(&[1.0, 3.0], 0.95);
        assert!((e.mean - 2.0).abs() < 1e-12 && (e.half_width - 12.706).abs() < 1e-3);
        assert!(e.covers(14.0, 0.0) && !e.covers(15.0, 0.0));
    }
}

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

/// Quantile `p` of the standard normal distribution (Acklam's rational
/// approximation, relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Quantile `p` of Student's t with `df` degrees of freedom, by the
/// Cornish-Fisher expansion around the normal quantile (Hill 1970). Within
/// 0.5 % of table values for `df >= 5` at the 99.9 % level; the
/// 1-4 degree cases use exact table values.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, df);
    }
    let z = normal_quantile(p);
    let (z2, v) = (z * z, df);
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    let approx = z + g1 / v + g2 / (v * v) + g3 / v.powi(3) + g4 / v.powi(4);
    // Small samples: the expansion degrades; use tabulated values of the
    // common two-sided levels.
    if df < 5.0 {
        if let Some(t) = small_df_table(p, df as usize) {
            return t;
        }
    }
    approx
}

fn small_df_table(p: f64, df: usize) -> Option<f64> {
    // Upper quantiles 0.975, 0.995, 0.9995 for df = 1..4.
    const T975: [f64; 4] = [12.706, 4.303, 3.182, 2.776];
    const T995: [f64; 4] = [63.657, 9.925, 5.841, 4.604];
    const T9995: [f64; 4] = [636.62, 31.599, 12.924, 8.610];
    let row = if (p - 0.975).abs() < 1e-9 {
        T975
    } else if (p - 0.995).abs() < 1e-9 {
        T995
    } else if (p - 0.9995).abs() < 1e-9 {
        T9995
    } else {
        return None;
    };
    row.get(df.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
        assert!((normal_quantile(0.9995) - 3.290_527).abs() < 1e-5);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.01) + 2.326_348).abs() < 1e-5);
    }

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
        ] {
            let got = student_t_quantile(p, df);
            assert!(
                (got - t).abs() / t < 0.005,
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

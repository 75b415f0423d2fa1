//! The staffing calculator behind `sim staff`: the fewest agents meeting a
//! service-level target, by Erlang C (or Erlang A with `--patience`), with a
//! table of the staffing levels around it.

use crate::erlang::{staff_for, ErlangError, Queue};
use std::fmt::Write;

/// A service-level target: `fraction` of calls answered within `seconds`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Fraction, 0..=1.
    pub fraction: f64,
    /// Threshold, seconds.
    pub seconds: f64,
}

impl std::str::FromStr for Target {
    type Err = String;
    /// Parses `0.8/20` or `80%/20`.
    fn from_str(s: &str) -> Result<Target, String> {
        let bad = || format!("target {s:?}: expected FRACTION/SECONDS such as 0.8/20 or 80%/20");
        let (f, t) = s.split_once('/').ok_or_else(bad)?;
        let fraction = match f.trim().strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
            None => f.trim().parse::<f64>().map_err(|_| bad())?,
        };
        let seconds: f64 = t.trim().parse().map_err(|_| bad())?;
        let valid = fraction > 0.0 && fraction < 1.0 && seconds >= 0.0 && seconds.is_finite();
        if !valid {
            return Err(bad());
        }
        Ok(Target { fraction, seconds })
    }
}

/// The staffing question.
#[derive(Debug, Clone, Copy)]
pub struct StaffRequest {
    /// Calls per hour.
    pub per_hour: f64,
    /// Mean handle time, seconds.
    pub aht_s: f64,
    /// Mean patience, seconds (Erlang A); `None` = Erlang C.
    pub patience_s: Option<f64>,
    /// Target.
    pub target: Target,
}

/// Answers the request as a printable table.
pub fn staffing_table(req: &StaffRequest) -> Result<String, ErlangError> {
    let found = staff_for(
        req.per_hour,
        req.aht_s,
        req.patience_s,
        req.target.fraction,
        req.target.seconds,
        1_000_000,
    )?;
    let load = req.per_hour * req.aht_s / 3600.0;
    let model = if req.patience_s.is_some() {
        "Erlang A"
    } else {
        "Erlang C"
    };
    let mut out = format!(
        "{model}: {} calls/h, AHT {} s, load {load:.2} Erlang, target {:.0}% in {} s\n",
        req.per_hour,
        req.aht_s,
        req.target.fraction * 100.0,
        req.target.seconds
    );
    let Some((agents, _)) = found else {
        out += "no staffing up to 1,000,000 agents meets the target\n";
        return Ok(out);
    };
    let _ = writeln!(
        out,
        "{:>7} {:>8} {:>9} {:>8} {:>9} {:>9}",
        "agents", "SL", "ASA s", "P(wait)", "abandon", "occupancy"
    );
    for n in agents.saturating_sub(2).max(1)..=agents + 2 {
        let mut q = Queue::per_hour(req.per_hour, req.aht_s, n);
        q.patience_s = req.patience_s;
        let Ok(m) = q.metrics(req.target.seconds) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{:>7} {:>7.1}% {:>9.1} {:>8.3} {:>8.1}% {:>8.1}%{}",
            n,
            m.service_level * 100.0,
            m.asa_s,
            m.prob_wait,
            m.prob_abandon * 100.0,
            m.occupancy * 100.0,
            if n == agents {
                "  <- fewest meeting the target"
            } else {
                ""
            }
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_in_both_notations() {
        let t: Target = "0.8/20".parse().unwrap();
        assert_eq!(
            t,
            Target {
                fraction: 0.8,
                seconds: 20.0
            }
        );
        let t: Target = "90%/15".parse().unwrap();
        assert!((t.fraction - 0.9).abs() < 1e-12 && t.seconds == 15.0);
        for bad in ["0.8", "1.5/20", "x/20", "0.8/-1", "0/20"] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }

    #[test]
    fn table_marks_the_recommended_staffing() {
        let req = StaffRequest {
            per_hour: 600.0,
            aht_s: 180.0,
            patience_s: None,
            target: "0.8/20".parse().unwrap(),
        };
        let table = staffing_table(&req).unwrap();
        let marked = table.lines().find(|l| l.contains("<-")).unwrap();
        assert!(marked.trim_start().starts_with("35 "), "{table}");
        // Erlang A needs no more agents than Erlang C for the same target.
        let a = staffing_table(&StaffRequest {
            patience_s: Some(120.0),
            ..req
        })
        .unwrap();
        let marked_a = a.lines().find(|l| l.contains("<-")).unwrap();
        let n: u32 = marked_a.split_whitespace().next().unwrap().parse().unwrap();
        assert!(n <= 35, "{a}");
    }
}

//! Routing policies the policy lab compares (R-3.3, R-3.5, R-10.6): how a
//! policy named on the command line changes a scenario.
//!
//! ```text
//! longest_idle | least_occupied | ... | ring_all   every group's strategy (R-3.3)
//! weighted_hol:sales=2,support=1                  head-of-line wait weights (R-10.6)
//! ```
//!
//! A policy only rewrites the scenario's routing settings; traffic and
//! staffing stay as they are, so runs under two policies with the same seed
//! face the same callers (common random numbers, see [`crate::arrivals`]).

use crate::scenario::Scenario;
use acd_engine::Strategy;
use std::fmt;

/// A routing policy to apply to a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The policy as written, used as its label in reports.
    pub label: String,
    kind: PolicyKind,
}

#[derive(Debug, Clone, PartialEq)]
enum PolicyKind {
    /// Every group selects agents by this strategy (R-3.3).
    Strategy(Strategy),
    /// An agent serving several groups takes the call with the largest
    /// `weight × head-of-line wait` (R-3.5, R-10.6); weights per group,
    /// groups not named keep theirs.
    WeightedHol(Vec<(String, f64)>),
}

/// A policy that cannot be parsed or applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

impl std::str::FromStr for Policy {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Policy, PolicyError> {
        let (name, args) = match s.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a)),
            None => (s.trim(), None),
        };
        let kind = match (name, args) {
            ("weighted_hol", Some(a)) => PolicyKind::WeightedHol(group_values(name, a)?),
            (n, None) => PolicyKind::Strategy(strategy(n).ok_or_else(|| unknown(s))?),
            _ => return Err(unknown(s)),
        };
        Ok(Policy {
            label: s.trim().to_string(),
            kind,
        })
    }
}

fn unknown(s: &str) -> PolicyError {
    PolicyError(format!(
        "policy {s:?}: expected a strategy (longest_idle, least_occupied, most_skilled, \
         round_robin, top_down, fewest_calls, random, ring_all) or \
         weighted_hol:GROUP=WEIGHT,..."
    ))
}

fn strategy(name: &str) -> Option<Strategy> {
    Strategy::ALL.into_iter().find(|s| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(|n| n == name))
            == Some(true)
    })
}

/// Parses `a=1,b=2.5` into positive finite values per group.
fn group_values(policy: &str, args: &str) -> Result<Vec<(String, f64)>, PolicyError> {
    args.split(',')
        .map(|kv| {
            let bad = || PolicyError(format!("policy {policy}: {kv:?} is not GROUP=VALUE"));
            let (k, v) = kv.split_once('=').ok_or_else(bad)?;
            let v: f64 = v.trim().parse().map_err(|_| bad())?;
            if !(v.is_finite() && v > 0.0) {
                return Err(PolicyError(format!(
                    "policy {policy}: the value of {k:?} must be positive"
                )));
            }
            Ok((k.trim().to_string(), v))
        })
        .collect()
}

impl Policy {
    /// The scenario with this policy's routing settings.
    pub fn apply(&self, scenario: &Scenario) -> Result<Scenario, PolicyError> {
        let mut s = scenario.clone();
        match &self.kind {
            PolicyKind::Strategy(st) => s.groups.iter_mut().for_each(|g| g.strategy = *st),
            PolicyKind::WeightedHol(weights) => {
                for (id, w) in weights {
                    let g = group_mut(&mut s, &self.label, id)?;
                    // The engine takes whole percent, 1..=10000.
                    g.wait_weight = (w * 100.0).round().clamp(1.0, 10_000.0) as u32;
                }
            }
        }
        Ok(s)
    }
}

fn group_mut<'a>(
    s: &'a mut Scenario,
    policy: &str,
    id: &str,
) -> Result<&'a mut crate::scenario::GroupSpec, PolicyError> {
    s.groups
        .iter_mut()
        .find(|g| g.id.get_ref() == id)
        .ok_or_else(|| PolicyError(format!("policy {policy}: unknown group {id:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        Scenario::parse(Scenario::example_text()).unwrap()
    }

    #[test]
    fn strategies_set_every_group() {
        let p: Policy = "top_down".parse().unwrap();
        let s = p.apply(&scenario()).unwrap();
        assert!(s.groups.iter().all(|g| g.strategy == Strategy::TopDown));
        assert_eq!(p.label, "top_down");
    }

    #[test]
    fn weighted_hol_sets_named_weights() {
        let p: Policy = "weighted_hol:sales=2.5".parse().unwrap();
        let s = p.apply(&scenario()).unwrap();
        let sales = s.groups.iter().find(|g| g.id.get_ref() == "sales").unwrap();
        assert_eq!(sales.wait_weight, 250);
        let bad: Policy = "weighted_hol:nope=1".parse().unwrap();
        assert!(bad.apply(&scenario()).unwrap_err().0.contains("nope"));
    }

    #[test]
    fn bad_policies_are_errors() {
        for bad in [
            "fastest",
            "weighted_hol",
            "weighted_hol:a",
            "weighted_hol:a=-1",
            "top_down:x",
        ] {
            assert!(bad.parse::<Policy>().is_err(), "{bad}");
        }
    }
}

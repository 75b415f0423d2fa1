//! Routing policies the policy lab compares (R-3.3, R-3.5, R-10.6): how a
//! policy named on the command line changes a scenario.
//!
//! ```text
//! longest_idle | least_occupied | ... | ring_all   every group's strategy (R-3.3)
//! weighted_hol:sales=2,support=1                  w_i × head-of-line wait (R-10.6)
//! fqr:sales=0.6,support=0.4                       fixed-queue-ratio, p_i (R-10.6)
//! qir:sales=0.6,support=0.4                       queue-and-idleness ratio (R-10.6)
//! threshold:support:for=sales,keep=2[,wait=30]    threshold reservation (R-10.6)
//! ```
//!
//! A policy only rewrites the scenario's routing settings; traffic and
//! staffing stay as they are, so runs under two policies with the same seed
//! face the same callers (common random numbers, see [`crate::arrivals`]).

use crate::scenario::Scenario;
use acd_engine::{Reserve, RoutingPolicy, Strategy};
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
    /// `weight × head-of-line wait` (R-10.6); weights per group, groups not
    /// named keep theirs.
    WeightedHol(Vec<(String, f64)>),
    /// Fixed-queue-ratio with target queue shares per group (R-10.6);
    /// groups not named keep theirs.
    FixedQueueRatio(Vec<(String, f64)>),
    /// Queue-and-idleness ratio: FQR on the agent side with these shares,
    /// idleness shared among pools in proportion to their sizes.
    QueueIdleRatio(Vec<(String, f64)>),
    /// `group` keeps agents back for `reserve.for_group` (R-10.6).
    Threshold { group: String, reserve: Reserve },
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
            ("fqr", Some(a)) => PolicyKind::FixedQueueRatio(group_values(name, a)?),
            ("qir", Some(a)) => PolicyKind::QueueIdleRatio(group_values(name, a)?),
            ("qir", None) => PolicyKind::QueueIdleRatio(Vec::new()),
            ("threshold", Some(a)) => threshold(s, a)?,
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
         round_robin, top_down, fewest_calls, random, ring_all), \
         weighted_hol:GROUP=WEIGHT,..., fqr:GROUP=SHARE,..., qir[:GROUP=SHARE,...] or \
         threshold:GROUP:for=PROTECTED,keep=N[,wait=SECONDS]"
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

/// Parses `GROUP:for=PROTECTED,keep=N[,wait=S]`.
fn threshold(s: &str, args: &str) -> Result<PolicyKind, PolicyError> {
    let (group, rest) = args.split_once(':').ok_or_else(|| unknown(s))?;
    let (mut for_group, mut keep, mut wait) = (None, 0u32, None);
    for kv in rest.split(',') {
        let (k, v) = kv.split_once('=').ok_or_else(|| unknown(s))?;
        let num = || v.trim().parse::<u32>().map_err(|_| unknown(s));
        match k.trim() {
            "for" => for_group = Some(v.trim().to_string()),
            "keep" => keep = num()?,
            "wait" => wait = Some(num()?),
            _ => return Err(unknown(s)),
        }
    }
    let for_group = for_group.ok_or_else(|| unknown(s))?;
    Ok(PolicyKind::Threshold {
        group: group.trim().to_string(),
        reserve: Reserve {
            for_group: for_group.as_str().into(),
            keep_idle: keep,
            max_wait_s: wait,
        },
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
                s.policy = RoutingPolicy::WeightedHol;
                for (id, w) in weights {
                    let g = group_mut(&mut s, &self.label, id)?;
                    // The engine takes whole percent, 1..=10000.
                    g.wait_weight = (w * 100.0).round().clamp(1.0, 10_000.0) as u32;
                }
            }
            PolicyKind::FixedQueueRatio(shares) | PolicyKind::QueueIdleRatio(shares) => {
                s.policy = match self.kind {
                    PolicyKind::QueueIdleRatio(_) => RoutingPolicy::QueueIdleRatio,
                    _ => RoutingPolicy::FixedQueueRatio,
                };
                for (id, p) in shares {
                    let g = group_mut(&mut s, &self.label, id)?;
                    // Integer ratios, per mille of the written share.
                    g.queue_ratio = (p * 1000.0).round().clamp(1.0, 1_000_000.0) as u32;
                }
            }
            PolicyKind::Threshold { group, reserve } => {
                let known = s
                    .groups
                    .iter()
                    .any(|g| g.id.get_ref() == reserve.for_group.as_str());
                if !known || group == reserve.for_group.as_str() {
                    return Err(PolicyError(format!(
                        "policy {}: {:?} is not another group of the scenario",
                        self.label,
                        reserve.for_group.as_str()
                    )));
                }
                group_mut(&mut s, &self.label, group)?.reserve = Some(reserve.clone());
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
    fn fqr_and_threshold_set_the_engine_policy() {
        let s = "fqr:sales=0.75,support=0.25"
            .parse::<Policy>()
            .unwrap()
            .apply(&scenario())
            .unwrap();
        assert_eq!(s.policy, RoutingPolicy::FixedQueueRatio);
        let ratio = |id: &str| {
            s.groups
                .iter()
                .find(|g| g.id.get_ref() == id)
                .unwrap()
                .queue_ratio
        };
        assert_eq!((ratio("sales"), ratio("support")), (750, 250));
        let q = "qir".parse::<Policy>().unwrap().apply(&scenario()).unwrap();
        assert_eq!(q.policy, RoutingPolicy::QueueIdleRatio);
        let p: Policy = "threshold:support:for=sales,keep=2,wait=30"
            .parse()
            .unwrap();
        let s = p.apply(&scenario()).unwrap();
        let support = s
            .groups
            .iter()
            .find(|g| g.id.get_ref() == "support")
            .unwrap();
        let r = support.reserve.as_ref().unwrap();
        assert_eq!(
            (r.for_group.as_str(), r.keep_idle, r.max_wait_s),
            ("sales", 2, Some(30))
        );
        assert!(s.engine_config(1).is_ok());
        let to_self: Policy = "threshold:sales:for=sales".parse().unwrap();
        assert!(to_self.apply(&scenario()).is_err());
    }

    #[test]
    fn bad_policies_are_errors() {
        for bad in [
            "fastest",
            "weighted_hol",
            "weighted_hol:a",
            "weighted_hol:a=-1",
            "top_down:x",
            "threshold:a",
            "threshold:a:keep=1",
            "threshold:a:for=b,colour=2",
        ] {
            assert!(bad.parse::<Policy>().is_err(), "{bad}");
        }
    }
}

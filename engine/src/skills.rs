//! Skills and eligibility requirements.
//!
//! Skill ids are interned to small integers when configuration is loaded, so
//! an eligibility check is a walk over two short sorted lists rather than
//! string comparisons.
//!
//! A requirement may carry a group or stage expression, split in
//! two: the part that reads only the agent is checked together with the
//! skills whenever the agent's eligibility is computed (so it is part of
//! the ready index), the part that reads the call is checked when a call
//! and an indexed candidate meet ([`Requirement::accepts`]).

use crate::expr::{CallField, CallValue, Env, Split, Value};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::sync::Arc;

/// Interned skill number.
pub(crate) type SkillNo = u32;

/// An agent's skills: sorted (skill, level) pairs, saved as such.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SkillSet(pub(crate) SmallVec<[SkillLevel; 3]>);

/// A skill and its level, in five unpadded bytes (the skill number is kept
/// as bytes): an agent holds one per skill for its lifetime. Saved as the
/// pair `[skill, level]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(SkillNo, u8)", into = "(SkillNo, u8)")]
pub(crate) struct SkillLevel {
    skill: [u8; 4],
    level: u8,
}

impl SkillLevel {
    /// The skill number.
    pub(crate) fn skill(self) -> SkillNo {
        SkillNo::from_ne_bytes(self.skill)
    }
}

impl From<(SkillNo, u8)> for SkillLevel {
    fn from((skill, level): (SkillNo, u8)) -> Self {
        SkillLevel {
            skill: skill.to_ne_bytes(),
            level,
        }
    }
}

impl From<SkillLevel> for (SkillNo, u8) {
    fn from(s: SkillLevel) -> Self {
        (s.skill(), s.level)
    }
}

impl SkillSet {
    /// The set of `pairs`, sorted, without spare capacity (it is kept for
    /// the agent's lifetime).
    pub(crate) fn from_pairs(mut pairs: SmallVec<[(SkillNo, u8); 2]>) -> Self {
        pairs.sort_unstable();
        let mut set: SmallVec<[SkillLevel; 3]> = pairs.into_iter().map(SkillLevel::from).collect();
        set.shrink_to_fit();
        Self(set)
    }

    pub(crate) fn level(&self, skill: SkillNo) -> u8 {
        match self.0.binary_search_by_key(&skill, |p| p.skill()) {
            Ok(i) => self.0[i].level,
            Err(_) => 0,
        }
    }
}

/// What an eligibility check reads of an agent (and, for the call part of
/// an expression, of a call).
#[derive(Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub(crate) skills: &'a SkillSet,
    /// Attribute values by slot of the tenant's declared attributes.
    pub(crate) attrs: &'a [Option<Value>],
    pub(crate) call: Option<&'a crate::call::Call>,
}

impl Env for Facts<'_> {
    fn attribute(&self, slot: u32) -> Option<&Value> {
        self.attrs.get(slot as usize).and_then(Option::as_ref)
    }

    fn skill_level(&self, skill: u32) -> u8 {
        self.skills.level(skill)
    }

    fn call_field(&self, field: &CallField) -> CallValue<'_> {
        let Some(call) = self.call else {
            return CallValue::Str("");
        };
        match field {
            CallField::Ani => CallValue::Str(call.ani.as_deref().unwrap_or("")),
            CallField::Dnis => CallValue::Str(call.dnis.as_deref().unwrap_or("")),
            CallField::Priority => CallValue::Num(f64::from(call.priority)),
            CallField::Data(k) => CallValue::Str(call.data.get(k).map_or("", String::as_str)),
        }
    }
}

/// All of these skills at or above these levels, and the expression when
/// there is one. Empty = anyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RequirementRepr", into = "RequirementRepr")]
pub(crate) struct Requirement(
    pub(crate) SmallVec<[(SkillNo, u8); 2]>,
    pub(crate) Option<Arc<Split>>,
);

/// Snapshot form of a [`Requirement`]: the skill list alone when there is
/// no expression, as in snapshots written before expressions existed.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum RequirementRepr {
    Skills(SmallVec<[(SkillNo, u8); 2]>),
    WithExpression {
        skills: SmallVec<[(SkillNo, u8); 2]>,
        expression: Arc<Split>,
    },
}

impl From<RequirementRepr> for Requirement {
    fn from(r: RequirementRepr) -> Self {
        match r {
            RequirementRepr::Skills(s) => Requirement(s, None),
            RequirementRepr::WithExpression { skills, expression } => {
                Requirement(skills, Some(expression))
            }
        }
    }
}

impl From<Requirement> for RequirementRepr {
    fn from(r: Requirement) -> Self {
        match r.1 {
            None => RequirementRepr::Skills(r.0),
            Some(expression) => RequirementRepr::WithExpression {
                skills: r.0,
                expression,
            },
        }
    }
}

impl Requirement {
    /// The agent meets the skills and the agent-only part of the expression.
    pub(crate) fn is_met_by(&self, facts: &Facts<'_>) -> bool {
        self.0.iter().all(|&(s, min)| facts.skills.level(s) >= min)
            && self
                .1
                .as_ref()
                .and_then(|x| x.indexed.as_ref())
                .is_none_or(|p| p.eval(facts))
    }

    /// The call part of the expression holds for this agent and call.
    pub(crate) fn accepts(&self, facts: &Facts<'_>) -> bool {
        self.1
            .as_ref()
            .and_then(|x| x.filter.as_ref())
            .is_none_or(|p| p.eval(facts))
    }

    /// Whether a call part exists.
    pub(crate) fn has_filter(&self) -> bool {
        self.1.as_ref().is_some_and(|x| x.filter.is_some())
    }
}

/// The agents eligible at one tier: anyone meeting any of the requirements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tier(pub(crate) SmallVec<[Requirement; 1]>);

impl Tier {
    /// Eligible by the index: skills and agent-only expressions.
    pub(crate) fn admits(&self, facts: &Facts<'_>) -> bool {
        self.0.iter().any(|r| r.is_met_by(facts))
    }

    /// Eligible for the call in `facts`: some requirement holds in full.
    pub(crate) fn admits_call(&self, facts: &Facts<'_>) -> bool {
        self.0
            .iter()
            .any(|r| r.is_met_by(facts) && r.accepts(facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skill_set_keeps_five_bytes_a_skill_and_saves_pairs() {
        assert_eq!(std::mem::size_of::<SkillLevel>(), 5);
        let set = SkillSet::from_pairs([(70_000, 3), (2, 9)].into_iter().collect());
        assert_eq!((set.level(2), set.level(70_000), set.level(5)), (9, 3, 0));
        let json = serde_json::to_value(&set).unwrap();
        assert_eq!(json, serde_json::json!([[2, 9], [70_000, 3]]));
        assert_eq!(serde_json::from_value::<SkillSet>(json).unwrap(), set);
    }
}

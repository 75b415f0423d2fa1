//! Skills and eligibility requirements.
//!
//! Skill ids are interned to small integers when configuration is loaded, so
//! an eligibility check is a walk over two short sorted lists rather than
//! string comparisons.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// Interned skill number.
pub(crate) type SkillNo = u32;

/// An agent's skills: sorted (skill, level) pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SkillSet(pub(crate) SmallVec<[(SkillNo, u8); 4]>);

impl SkillSet {
    pub(crate) fn from_pairs(mut pairs: SmallVec<[(SkillNo, u8); 4]>) -> Self {
        pairs.sort_unstable();
        Self(pairs)
    }

    pub(crate) fn level(&self, skill: SkillNo) -> u8 {
        match self.0.binary_search_by_key(&skill, |p| p.0) {
            Ok(i) => self.0[i].1,
            Err(_) => 0,
        }
    }
}

/// All of these skills at or above these levels. Empty = anyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Requirement(pub(crate) SmallVec<[(SkillNo, u8); 2]>);

impl Requirement {
    pub(crate) fn is_met_by(&self, skills: &SkillSet) -> bool {
        self.0.iter().all(|&(s, min)| skills.level(s) >= min)
    }
}

/// The agents eligible at one tier: anyone meeting any of the requirements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tier(pub(crate) SmallVec<[Requirement; 1]>);

impl Tier {
    pub(crate) fn admits(&self, skills: &SkillSet) -> bool {
        self.0.iter().any(|r| r.is_met_by(skills))
    }
}

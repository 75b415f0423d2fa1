//! The service-group record: its settings, its queues, and the index of
//! Ready agents that can take its calls.
//!
//! Eligibility comes in *tiers*: tier 0 is the group's own skill requirement;
//! tier `k` (k >= 1) adds what routing stage `k` accepts. Tiers only
//! widen, so an agent is eligible from some lowest tier upward. For each tier
//! the group keeps `queues[k]`: calls that have reached stage k, ordered by
//! priority and entry time. Its Ready agents live in a [`ReadyPool`]: per
//! tier, the Ready agents eligible at that tier, ordered by the strategy key
//! (best first). Groups with the same tenant, media, routing, strategy and
//! tiers share one pool (round-robin groups keep their own: their turns are
//! per group), so an agent changing state updates one index per distinct
//! eligibility rather than one per group.
//!
//! Matching therefore never scans agents: a call at stage k takes the first
//! of its group's pool at tier k; an agent eligible from tier t looks at the
//! heads of `queues[t..]` of each group it serves.

use crate::agent::{CallIx, GroupIx, PoolIx, TenantIx};
use crate::arena::SlabIndex;
use crate::call::QueueKey;
use crate::config::Strategy;
use crate::config::{GroupConfig, StageConfig};
use crate::expr::{self, OrderKey, OrderSource, Schema, Split};
use crate::ids::GroupId;
use crate::ready_index::PoolKind;
use crate::skills::{Facts, Requirement, Tier};
use crate::stats::GroupStats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An ordered map serialized as a list of (key, value) pairs, because its
/// keys are tuples, which formats such as JSON cannot use as map keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OrderedMap<K, V>(pub(crate) BTreeMap<K, V>);

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<K, V> std::ops::Deref for OrderedMap<K, V> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<K, V> std::ops::DerefMut for OrderedMap<K, V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<K: Serialize, V: Serialize> Serialize for OrderedMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(K, V)>::deserialize(d)?;
        Ok(OrderedMap(pairs.into_iter().collect()))
    }
}

/// Calls waiting in one queue, best first.
pub(crate) type CallQueue = OrderedMap<QueueKey, CallIx>;

/// The one authoritative group record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) id: GroupId,
    pub(crate) tenant: TenantIx,
    pub(crate) config: GroupConfig,
    /// Stages shared with every call that enters (copied by reference,
    /// ); `config.stages` is kept empty.
    pub(crate) stages: Arc<[StageConfig]>,
    pub(crate) tiers: Vec<Tier>,
    /// The pool of Ready agents this group draws from.
    pub(crate) pool: PoolIx,
    pub(crate) queues: Vec<CallQueue>,
    /// Dispatch queue of a manual group, same ordering.
    pub(crate) dispatch: CallQueue,
    /// Eligible agents whose channel for the group's media is logged on.
    pub(crate) logged_on: u32,
    /// Of those, the ones with Ready status — idle or busy.
    /// Derived; rebuilt when a snapshot is loaded.
    #[serde(skip)]
    pub(crate) ready_status: u32,
    /// Round-robin counter: bumped at every offer of a round-robin group
    ///
    pub(crate) rr_counter: u64,
    /// Round-robin turns of the agents it offered calls to.
    #[serde(default)]
    pub(crate) turns: Turns,
    pub(crate) stats: GroupStats,
    /// `order_by` keys read from the agent, ahead of the strategy.
    #[serde(default)]
    pub(crate) order: Vec<OrderKey>,
}

impl Group {
    pub(crate) fn new(
        id: GroupId,
        tenant: TenantIx,
        mut config: GroupConfig,
        tiers: Vec<Tier>,
    ) -> Self {
        let n = tiers.len();
        Self {
            id,
            tenant,
            stages: std::mem::take(&mut config.stages).into(),
            config,
            tiers,
            pool: PoolIx::from_slot(0),
            queues: vec![CallQueue::default(); n],
            dispatch: CallQueue::default(),
            logged_on: 0,
            ready_status: 0,
            rr_counter: 0,
            turns: Turns::default(),
            stats: GroupStats::default(),
            order: Vec::new(),
        }
    }

    /// Installs new settings; the stages move to [`Group::stages`], their
    /// one copy.
    pub(crate) fn set_config(&mut self, mut config: GroupConfig) {
        self.stages = std::mem::take(&mut config.stages).into();
        if config.strategy != Strategy::RoundRobin {
            // Turns are only kept while the group routes round robin.
            self.turns = Turns::default();
        }
        self.config = config;
    }

    /// The group offers agent `a` a call: under round robin, that is the
    /// agent's turn.
    pub(crate) fn take_turn(&mut self, a: crate::agent::AgentIx) {
        if self.config.strategy == Strategy::RoundRobin {
            self.rr_counter += 1;
            self.turns.set(a, self.rr_counter);
        }
    }

    /// Whether some requirement has a part that reads the call:
    /// then candidates from the index are filtered per call.
    pub(crate) fn has_filter(&self) -> bool {
        self.tiers
            .iter()
            .any(|t| t.0.iter().any(Requirement::has_filter))
    }

    /// The lowest tier at which the agent is eligible by the index, if any.
    pub(crate) fn min_tier(&self, facts: &Facts<'_>) -> Option<u8> {
        self.tiers
            .iter()
            .position(|t| t.admits(facts))
            .map(|p| p as u8)
    }

    pub(crate) fn top_tier(&self) -> u8 {
        (self.tiers.len() - 1) as u8
    }

    /// The kind of pool this group's Ready agents belong in.
    pub(crate) fn pool_kind(&self, g: GroupIx) -> PoolKind {
        let c = &self.config;
        PoolKind {
            tenant: self.tenant,
            media: c.media,
            routing: c.routing,
            strategy: c.strategy,
            tiers: self.tiers.clone(),
            own: (c.strategy == Strategy::RoundRobin).then_some(g),
            order: self.order.clone(),
        }
    }

    pub(crate) fn queued_count(&self) -> usize {
        self.queues.iter().map(|q| q.len()).sum()
    }
}

/// Builds the eligibility tiers of a group from its skills, stages and
/// expressions. `schema` interns skills and resolves
/// attributes. Configuration is validated before; an expression that
/// still fails to compile admits nobody rather than everybody.
pub(crate) fn build_tiers(config: &GroupConfig, schema: &mut dyn Schema) -> Vec<Tier> {
    let condition = |text: Option<&String>, schema: &mut dyn Schema| {
        text.map(|e| {
            Arc::new(
                expr::split(e, schema)
                    .or_else(|_| expr::split("false", schema))
                    .unwrap_or_default(),
            )
        })
    };
    let req = |reqs: &[crate::config::SkillRequirement],
               min: Option<u8>,
               cond: Option<Arc<Split>>,
               schema: &mut dyn Schema| {
        Requirement(
            reqs.iter()
                .map(|r| (schema.skill(r.skill.as_str()), min.unwrap_or(r.min_level)))
                .collect(),
            cond,
        )
    };
    let base_cond = condition(config.expression.as_ref(), schema);
    let base = req(&config.skills, None, base_cond.clone(), schema);
    let mut tiers = vec![Tier(std::iter::once(base).collect())];
    for stage in &config.stages {
        let mut tier = tiers.last().cloned().unwrap_or_default();
        let widens =
            stage.min_level.is_some() || stage.skills.is_some() || stage.expression.is_some();
        if stage.overflow.is_none() && widens {
            let reqs = stage.skills.as_deref().unwrap_or(&config.skills);
            let cond = match &stage.expression {
                Some(e) => condition(Some(e), schema),
                None => base_cond.clone(),
            };
            tier.0.push(req(reqs, stage.min_level, cond, schema));
        }
        tiers.push(tier);
    }
    tiers
}

/// Compiles a group's `order_by` keys; `idle` is the longest-idle
/// strategy itself and adds no key. Invalid keys (refused by validation)
/// are skipped.
pub(crate) fn build_order(config: &GroupConfig, schema: &mut dyn Schema) -> Vec<OrderKey> {
    config
        .order_by
        .iter()
        .filter_map(|k| expr::order_key(k, schema).ok())
        .filter(|k| k.source != OrderSource::Idle)
        .take(crate::routing_model::MAX_ORDER_KEYS)
        .collect()
}

/// The round-robin turns of one group: for each agent it offered a
/// call to, the group's offer counter at that offer (0 = never). Kept only
/// while the group routes round robin (an offer of any other group would
/// pay a map insert, and the map would grow to every agent it ever
/// offered); a group changed to round robin starts a fresh rotation in
/// agent order. An agent's turn restarts at 0 when it starts serving the
/// group. Kept beside the group rather than in every agent's served list,
/// whose entries then stay small and need no search at an offer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Turns(hashbrown::HashMap<crate::agent::AgentIx, u64>);

impl Turns {
    /// Agent `a`'s turn.
    pub(crate) fn get(&self, a: crate::agent::AgentIx) -> u64 {
        self.0.get(&a).copied().unwrap_or(0)
    }

    /// The group offered agent `a` a call at counter `turn`.
    pub(crate) fn set(&mut self, a: crate::agent::AgentIx, turn: u64) {
        self.0.insert(a, turn);
    }

    /// Agent `a` starts (or stops) serving the group: back to no turn.
    pub(crate) fn forget(&mut self, a: crate::agent::AgentIx) {
        self.0.remove(&a);
    }
}

/// Saved as `[agent, turn]` pairs in agent order, so that a snapshot is
/// the same bytes whatever the map's layout.
impl Serialize for Turns {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut pairs: Vec<_> = self.0.iter().map(|(&a, &t)| (a, t)).collect();
        pairs.sort_unstable();
        pairs.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Turns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(crate::agent::AgentIx, u64)>::deserialize(d)?;
        Ok(Turns(pairs.into_iter().collect()))
    }
}

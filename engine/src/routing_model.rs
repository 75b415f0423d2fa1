//! Configuration of the routing model beyond skills: typed
//! agent attributes and group expressions, `order_by`, per-agent capacity
//! across media, priority aging and preferred agents; and their checks.
//!
//! The fields live on [`crate::TenantConfig`], [`crate::AgentConfig`],
//! [`crate::GroupConfig`], [`crate::StageConfig`] and [`crate::CallSpec`];
//! this module holds their types and the validation that names the object
//! and field of every problem.

use crate::config::{check_range as range, ConfigError, ConfigProblem, Media, Strategy};
use crate::expr::{self, ExprError, Type, Value};
use crate::ids::AgentId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Declared attribute types of a tenant: name -> type.
pub type AttributeTypes = BTreeMap<String, Type>;

/// Most contacts of one media an agent may be given at once.
pub const MAX_PER_MEDIA: u16 = 50;

/// Most `order_by` keys read from the agent (besides `idle`).
pub const MAX_ORDER_KEYS: usize = 2;

/// How many contacts an agent handles at once.
///
/// A contact of media `m` is offered only when the agent has fewer than
/// `per_media[m]` contacts of `m` (1 when not listed), when adding
/// `cost[m]` keeps the sum of the costs of its contacts within `budget`
/// (when set), and when no media it is handling is `exclusive` with `m`.
/// The default — one contact per media, no budget, nothing exclusive —
/// lets every channel work independently.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityConfig {
    /// Most contacts per media at once (1..=50); media not listed: 1.
    #[serde(default)]
    pub per_media: BTreeMap<Media, u16>,
    /// Capacity shared by all media (Azure-style, e.g. 100); `None` = none.
    #[serde(default)]
    pub budget: Option<u32>,
    /// Cost of one contact against `budget` per media (e.g. voice 100, chat 20); not listed: 0.
    #[serde(default)]
    pub cost: BTreeMap<Media, u32>,
    /// Pairs of media never handled at once ("no voice while handling chat").
    #[serde(default)]
    pub exclusive: Vec<[Media; 2]>,
}

impl CapacityConfig {
    /// Most contacts of `media` at once.
    pub fn limit(&self, media: Media) -> u16 {
        self.per_media.get(&media).copied().unwrap_or(1)
    }

    /// Cost of one contact of `media` against the budget.
    pub fn cost_of(&self, media: Media) -> u32 {
        self.cost.get(&media).copied().unwrap_or(0)
    }

    /// Whether an agent holding `load[m]` contacts per media has room for
    /// one more of `media`.
    pub fn has_room(&self, load: &[u16; 5], media: Media) -> bool {
        if load[media.index()] >= self.limit(media) {
            return false;
        }
        let exclusive = self.exclusive.iter().any(|&[x, y]| {
            (x == media && load[y.index()] > 0) || (y == media && load[x.index()] > 0)
        });
        if exclusive {
            return false;
        }
        self.budget
            .is_none_or(|b| self.budget_used(load) + u64::from(self.cost_of(media)) <= u64::from(b))
    }

    /// Budget taken by an agent holding `load[m]` contacts per media.
    pub fn budget_used(&self, load: &[u16; 5]) -> u64 {
        Media::ALL
            .iter()
            .map(|&m| u64::from(load[m.index()]) * u64::from(self.cost_of(m)))
            .sum()
    }

    /// Whether this is the default behaviour: one contact per media, no
    /// budget, nothing exclusive — every media channel on its own.
    pub fn is_single(&self) -> bool {
        self.per_media.values().all(|&n| n == 1)
            && self.budget.is_none()
            && self.exclusive.is_empty()
    }

    pub(crate) fn validate(&self, object: &str, field: &str) -> Result<(), ConfigError> {
        for (m, n) in &self.per_media {
            range(
                object,
                &format!("{field}.per_media.{}", media_name(*m)),
                i64::from(*n),
                1,
                i64::from(MAX_PER_MEDIA),
            )?;
        }
        if let Some(b) = self.budget {
            range(
                object,
                &format!("{field}.budget"),
                i64::from(b),
                1,
                1_000_000,
            )?;
            for m in Media::ALL {
                let c = self.cost_of(m);
                range(
                    object,
                    &format!("{field}.cost.{}", media_name(m)),
                    i64::from(c),
                    0,
                    i64::from(b),
                )?;
            }
        } else if !self.cost.is_empty() {
            return Err(invalid(
                object,
                &format!("{field}.cost"),
                "costs need a `budget`",
            ));
        }
        for (i, [x, y]) in self.exclusive.iter().enumerate() {
            if x == y {
                return Err(invalid(
                    object,
                    &format!("{field}.exclusive[{i}]"),
                    "a media cannot exclude itself; use per_media",
                ));
            }
        }
        Ok(())
    }
}

fn media_name(m: Media) -> &'static str {
    match m {
        Media::Voice => "voice",
        Media::Email => "email",
        Media::Chat => "chat",
        Media::Sms => "sms",
        Media::Callback => "callback",
    }
}

/// Priority aging of a group: a waiting call's priority is
/// `initial + rate_per_min × minutes waited`, at most `cap`.
///
/// Within one group every call ages at the same rate, so the order of its
/// queue never changes with time: a call never overtakes one ahead of it,
/// and at the cap the call that reached it first stays ahead. Across
/// groups an agent compares the aged, capped priorities of the
/// heads of its groups' queues at the moment it becomes free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgingConfig {
    /// Priority points gained per minute of waiting (0..=1000).
    pub rate_per_min: u32,
    /// Highest aged priority; `None` = no cap.
    #[serde(default)]
    pub cap: Option<i32>,
}

impl AgingConfig {
    /// Aged priority in 1/60000 points (exact integer arithmetic):
    /// `initial × 60000 + rate × waited_ms`, capped (a call whose own
    /// priority is above the cap keeps it and does not age).
    pub fn aged_fine(&self, initial: i32, waited_ms: u64) -> i64 {
        let base = i64::from(initial) * 60_000;
        let gained =
            i64::from(self.rate_per_min).saturating_mul(waited_ms.min(i64::MAX as u64) as i64);
        let aged = base.saturating_add(gained);
        // The cap limits aging; it never lowers a call's own priority.
        match self.cap {
            Some(cap) => aged.min(i64::from(cap) * 60_000).max(base),
            None => aged,
        }
    }

    pub(crate) fn validate(&self, object: &str) -> Result<(), ConfigError> {
        range(
            object,
            "aging.rate_per_min",
            i64::from(self.rate_per_min),
            0,
            1000,
        )
    }
}

/// When a call with preferred agents may go to others before its
/// preferred-agent timeout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferredRelease {
    /// As soon as none of its preferred agents is logged on (default).
    #[default]
    WhenLoggedOut,
    /// Only at the timeout.
    AtTimeout,
}

/// A preferred agent named on a call, with an optional score:
/// higher scores are offered first, then list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferredAgent {
    /// The agent.
    pub agent: AgentId,
    /// Score; `None` = 0.
    #[serde(default)]
    pub score: Option<i32>,
}

/// Checks the declared attribute names of a tenant.
pub(crate) fn validate_attribute_types(
    object: &str,
    types: &AttributeTypes,
) -> Result<(), ConfigError> {
    for name in types.keys() {
        let ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let reserved = [
            "skill", "call", "idle", "true", "false", "and", "or", "not", "in", "contains", "has",
        ]
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r));
        if !ok || reserved {
            return Err(invalid(
                object,
                &format!("attributes.{name}"),
                "an attribute name is a word (letters, digits, `_`, `-`) other than a keyword, `skill`, `call` or `idle`",
            ));
        }
    }
    Ok(())
}

/// Checks an agent's attribute values against the declared types.
pub(crate) fn validate_attributes(
    object: &str,
    values: &BTreeMap<String, Value>,
    types: &AttributeTypes,
) -> Result<(), ConfigError> {
    for (name, value) in values {
        let field = format!("attributes.{name}");
        match types.get(name) {
            None => {
                return Err(ConfigError::new(
                    object.into(),
                    &field,
                    ConfigProblem::UnknownReference(name.clone()),
                ))
            }
            Some(&t) if t != value.type_of() => {
                return Err(invalid(
                    object,
                    &field,
                    &format!("declared {t}, given {}", value.type_of()),
                ))
            }
            Some(_) => {}
        }
        if matches!(value, Value::Number(n) if !n.is_finite()) {
            return Err(invalid(object, &field, "not a finite number"));
        }
    }
    Ok(())
}

/// Checks an expression field.
pub(crate) fn validate_expression(
    object: &str,
    field: &str,
    text: &str,
    types: &AttributeTypes,
) -> Result<(), ConfigError> {
    expr::check(text, types).map_err(|e| expression_error(object, field, e))
}

/// Checks a group's `order_by` against its strategy.
pub(crate) fn validate_order_by(
    object: &str,
    keys: &[String],
    strategy: Strategy,
    types: &AttributeTypes,
) -> Result<(), ConfigError> {
    if keys.is_empty() {
        return Ok(());
    }
    if matches!(strategy, Strategy::Random | Strategy::RingAll) {
        return Err(invalid(
            object,
            "order_by",
            "order_by needs an ordering strategy (not random or ring_all)",
        ));
    }
    let mut statics = 0;
    for (i, key) in keys.iter().enumerate() {
        let field = format!("order_by[{i}]");
        expr::check_order_key(key, types).map_err(|e| expression_error(object, &field, e))?;
        let idle = key.split_whitespace().next() == Some("idle");
        if idle {
            if i + 1 != keys.len() || strategy != Strategy::LongestIdle || key.contains("asc") {
                return Err(invalid(
                    object,
                    &field,
                    "`idle desc` may only be the last key, with the longest_idle strategy",
                ));
            }
        } else {
            statics += 1;
        }
    }
    range(object, "order_by", statics as i64, 0, MAX_ORDER_KEYS as i64)
}

fn expression_error(object: &str, field: &str, e: ExprError) -> ConfigError {
    ConfigError::new(
        object.into(),
        field,
        ConfigProblem::Expression {
            column: e.column,
            message: e.message,
        },
    )
}

fn invalid(object: &str, field: &str, why: &str) -> ConfigError {
    ConfigError::new(object.into(), field, ConfigProblem::Invalid(why.into()))
}

//! Configuration model: tenants, agents, service groups and reason codes (R-1.x).
//!
//! Configuration is plain serde data, loadable from JSON or TOML. It is
//! validated as a whole by [`EngineConfig::validate`] before an engine is built
//! from it; the first problem found is reported as one [`ConfigError`] naming
//! the offending object and field. The same checks guard runtime changes
//! (add an agent, change a group) made through [`crate::Command`].

use crate::expr::Value;
use crate::ids::{AgentId, GroupId, ReasonCode, SkillId, TeamId, TenantId};
use crate::routing_model::{
    self as model, AgingConfig, AttributeTypes, CapacityConfig, PreferredRelease,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most object tags a tenant may define.
pub const MAX_TENANT_TAGS: usize = 50;
/// Most reason codes of one kind a phone agent is shown.
pub const MAX_REASON_CODES: usize = 100;
/// Lowest and highest skill level.
pub const SKILL_LEVELS: std::ops::RangeInclusive<u8> = 1..=10;

/// The whole engine configuration: global settings and the tenants it hosts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// Seed for the `random` strategy; the same seed gives the same choices.
    #[serde(default)]
    pub seed: u64,
    /// Deadline of a reservation whose group has no ring-time supervision
    /// nothing may stay Reserved/Alerting forever). Milliseconds.
    #[serde(default = "default_reservation_ms")]
    pub max_reservation_ms: u64,
    /// The tenants hosted by this engine.
    #[serde(default)]
    pub tenants: Vec<TenantConfig>,
}

fn default_reservation_ms() -> u64 {
    60_000
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            max_reservation_ms: default_reservation_ms(),
            tenants: Vec::new(),
        }
    }
}

/// One isolated tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Tenant id.
    pub id: TenantId,
    /// Maintenance mode: logons are refused.
    #[serde(default)]
    pub maintenance: bool,
    /// System default destination, the last divert target before the
    /// dispatch queue for personal calls.
    #[serde(default)]
    pub default_destination: Option<String>,
    /// Reason an agent is forced Not Ready with after a ring timeout.
    #[serde(default = "default_no_answer_reason")]
    pub no_answer_reason: ReasonCode,
    /// Reason an agent is Not Ready with right after logon.
    #[serde(default = "default_logon_reason")]
    pub logon_reason: ReasonCode,
    /// Reason code catalogues.
    #[serde(default)]
    pub reason_codes: ReasonCatalogue,
    /// Object tags (at most [`MAX_TENANT_TAGS`]).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Default logon-restore policy after restart for this tenant's agents.
    #[serde(default)]
    pub restore: RestorePolicy,
    /// "Number to call for authentication": where customer authentication
    /// sends the caller; an `auth_divert` naming another number is refused
    ///
    #[serde(default)]
    pub auth_number: Option<String>,
    /// "Send DN from agent": the agent's extension travels in the private
    /// data of the authentication divert, as `agent_dn`.
    #[serde(default)]
    pub send_dn_from_agent: bool,
    /// How an agent that becomes free chooses among the groups it serves
    ///
    #[serde(default)]
    pub policy: RoutingPolicy,
    /// Declared agent attribute types: name -> type.
    #[serde(default)]
    pub attributes: AttributeTypes,
    /// Capacity of agents that do not set their own.
    #[serde(default)]
    pub capacity: CapacityConfig,
    /// Seconds the engine waits for the outcome of a divert it asked for
    /// ([`crate::Command::DivertResult`]); then the divert counts as failed
    /// and the call goes on as after a failure.
    /// At least 1.
    #[serde(default = "default_divert_timeout_s")]
    pub divert_timeout_s: u32,
    /// Agents of this tenant.
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
    /// Service groups of this tenant.
    #[serde(default)]
    pub groups: Vec<GroupConfig>,
}

fn default_no_answer_reason() -> ReasonCode {
    ReasonCode::new("NO_ANSWER")
}

/// Default of [`TenantConfig::divert_timeout_s`].
pub const DEFAULT_DIVERT_TIMEOUT_S: u32 = 30;

fn default_divert_timeout_s() -> u32 {
    DEFAULT_DIVERT_TIMEOUT_S
}

fn default_logon_reason() -> ReasonCode {
    ReasonCode::new("LOGON")
}

impl TenantConfig {
    /// A tenant with the given id and every other field at its default.
    pub fn new(id: impl Into<TenantId>) -> Self {
        Self {
            id: id.into(),
            maintenance: false,
            default_destination: None,
            no_answer_reason: default_no_answer_reason(),
            logon_reason: default_logon_reason(),
            reason_codes: ReasonCatalogue::default(),
            tags: Vec::new(),
            restore: RestorePolicy::default(),
            auth_number: None,
            send_dn_from_agent: false,
            policy: RoutingPolicy::Priority,
            attributes: AttributeTypes::new(),
            capacity: CapacityConfig::default(),
            divert_timeout_s: DEFAULT_DIVERT_TIMEOUT_S,
            agents: Vec::new(),
            groups: Vec::new(),
        }
    }
}

/// Reason code catalogues of a tenant.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonCatalogue {
    /// Not Ready reasons. When empty, any reason code is accepted.
    #[serde(default)]
    pub not_ready: Vec<ReasonCodeConfig>,
    /// Wrap-Up reasons.
    #[serde(default)]
    pub wrap_up: Vec<ReasonCodeConfig>,
    /// Sign-Out reasons. When empty, any reason code is accepted.
    #[serde(default)]
    pub sign_out: Vec<ReasonCodeConfig>,
}

/// One reason code, global to the tenant or scoped to a team.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonCodeConfig {
    /// The code agents send.
    pub code: ReasonCode,
    /// Label shown on the phone.
    #[serde(default)]
    pub label: String,
    /// Team the code is limited to; `None` = every team.
    #[serde(default)]
    pub team: Option<TeamId>,
}

/// Whether an agent's logon state is restored after a restart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestorePolicy {
    /// Restore extension and ready status.
    Restore,
    /// Leave the agent logged out.
    #[default]
    DontRestore,
    /// Restore, ahead of agents without priority.
    RestoreWithPriority,
}

/// How an agent works. The kinds differ in transfer rules,
/// customer authentication and logon restore.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentKind {
    /// Runs the Agent application (the default).
    #[default]
    #[serde(alias = "agent_application")]
    Application,
    /// Runs the Web Agent.
    #[serde(alias = "web_agent")]
    Web,
    /// Logged on from a phone, no desktop.
    #[serde(alias = "phone_agent")]
    Phone,
}

/// An agent. One record serves every group the agent is skilled for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Agent id, unique in the engine.
    pub id: AgentId,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Skills and their levels (1..=10).
    #[serde(default)]
    pub skills: BTreeMap<SkillId, u8>,
    /// Personal directory number.
    #[serde(default)]
    pub pdn: Option<String>,
    /// Personal-call default destination.
    #[serde(default)]
    pub default_destination: Option<String>,
    /// Dispatch access: may see dispatch queues.
    #[serde(default)]
    pub dispatch_access: bool,
    /// May pick calls from dispatch queues.
    #[serde(default)]
    pub can_pick: bool,
    /// Team, for team-scoped reason codes.
    #[serde(default)]
    pub team: Option<TeamId>,
    /// Restore policy; `None` = the tenant's.
    #[serde(default)]
    pub restore: Option<RestorePolicy>,
    /// Agent application, Web Agent or Phone Agent.
    #[serde(default)]
    pub kind: AgentKind,
    /// Typed attributes, as declared by the tenant.
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
    /// Capacity across media; `None` = the tenant's.
    #[serde(default)]
    pub capacity: Option<CapacityConfig>,
}

impl AgentConfig {
    /// An agent with the given id and skills, every other field at its default.
    pub fn new(id: impl Into<AgentId>, skills: &[(&str, u8)]) -> Self {
        Self {
            id: id.into(),
            name: String::new(),
            skills: skills.iter().map(|(s, l)| (SkillId::new(s), *l)).collect(),
            pdn: None,
            default_destination: None,
            dispatch_access: false,
            can_pick: false,
            team: None,
            restore: None,
            kind: AgentKind::Application,
            attributes: BTreeMap::new(),
            capacity: None,
        }
    }
}

/// Media of a group, call, or agent channel.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    /// Telephone call; the main media.
    #[default]
    Voice,
    /// E-mail.
    Email,
    /// Web chat.
    Chat,
    /// SMS.
    Sms,
    /// Scheduled callback.
    Callback,
}

impl Media {
    /// Every media, in index order.
    pub const ALL: [Media; 5] = [
        Media::Voice,
        Media::Email,
        Media::Chat,
        Media::Sms,
        Media::Callback,
    ];

    /// Dense index of the media, 0..5.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// How calls of a group reach agents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingType {
    /// The engine offers calls to agents by strategy.
    #[default]
    Automatic,
    /// Calls wait in a dispatch queue to be picked.
    Manual,
}

/// How an agent that becomes free picks the next call among the groups it
/// serves — the agent side of routing across groups. Each
/// rule looks only at the heads of the queues of the agent's groups, so a
/// decision costs O(groups of the agent). Sources and formulas: the module
/// documentation of `policy.rs` and `engine/README`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingPolicy {
    /// Highest priority, then longest `wait_weight × wait`, then earliest
    /// arrival (R-3.5; the default).
    #[default]
    Priority,
    /// Weighted head-of-line wait, the generalized cμ rule (van Mieghem
    /// 1995) for costs growing with the wait: the call maximising
    /// `w_i × wait` where `w_i` is the group's `wait_weight`, priorities
    /// across groups ignored (within a group the queue order of holds).
    WeightedHol,
    /// Fixed-queue-ratio (Gurvich & Whitt 2007): the head of the group
    /// `i* = argmax_i (Q_i − p_i · ΣQ)` among the agent's groups with a
    /// waiting call, `Q_i` the calls waiting in group `i`, `ΣQ` in all the
    /// tenant's groups of the media, `p_i` from `queue_ratio`; ties by the
    /// longest head-of-line wait.
    FixedQueueRatio,
    /// Queue-and-idleness-ratio (Gurvich & Whitt 2009): agent side as
    /// [`RoutingPolicy::FixedQueueRatio`]; call side, an arriving call goes
    /// to the pool of agents of the same eligibility `j* = argmax_j (I_j −
    /// q_j · ΣI)` with `I_j` its Ready agents and `q_j` its share of the
    /// tenant's agents, and there to the longest-idle agent.
    QueueIdleRatio,
}

/// Threshold reservation of a group: an agent who also serves
/// `for_group` takes this group's calls only while at least `keep_idle`
/// *other* agents of `for_group`'s ready pool are Ready, and, with
/// `max_wait_s`, only while the head of `for_group`'s queue has waited less
/// than that. Agents who do not serve `for_group` are never held back.
/// Avaya-style reserve levels: the protected group keeps a cushion of idle
/// agents, and its shared agents come back to it when it is in trouble.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reserve {
    /// The protected group (same tenant and media).
    pub for_group: GroupId,
    /// Ready agents of the protected group that must remain Ready after a
    /// shared agent takes a call of this group.
    #[serde(default)]
    pub keep_idle: u32,
    /// Longest head-of-line wait of the protected group, seconds, above
    /// which its shared agents serve only it.
    #[serde(default)]
    pub max_wait_s: Option<u32>,
}

/// Agent selection strategy of a group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The agent Ready the longest (default).
    #[default]
    #[serde(alias = "longest_idle_agent")]
    LongestIdle,
    /// The agent with the lowest occupancy (busy time / logged-on time),
    /// measured when the agent became Ready.
    LeastOccupied,
    /// The agent with the highest level in the group's first required skill.
    MostSkilled,
    /// Agents take turns: the one this group offered a call to least recently.
    RoundRobin,
    /// Fixed order: the agent listed first in the tenant's configuration.
    TopDown,
    /// The agent that has answered the fewest calls since logon.
    FewestCalls,
    /// A uniformly random Ready agent, from the engine's seeded generator.
    Random,
    /// Every eligible Ready agent rings; the first to answer wins.
    RingAll,
    /// The agent handling the fewest contacts of the group's media, then
    /// the longest idle. Not in [`Strategy::ALL`], which keeps the
    /// strategies of in their fixed order.
    LeastLoaded,
}

impl Strategy {
    /// Every strategy of R-3.3 ([`Strategy::LeastLoaded`] aside).
    pub const ALL: [Strategy; 8] = [
        Strategy::LongestIdle,
        Strategy::LeastOccupied,
        Strategy::MostSkilled,
        Strategy::RoundRobin,
        Strategy::TopDown,
        Strategy::FewestCalls,
        Strategy::Random,
        Strategy::RingAll,
    ];
}

/// When a group counts as open; a closed group overflows arrivals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenRule {
    /// Open when at least one eligible agent is logged on.
    #[default]
    LoggedOn,
    /// Open when at least one eligible agent is logged on and Ready.
    Ready,
}

/// A skill an agent must hold, at `min_level` or above.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRequirement {
    /// The skill.
    pub skill: SkillId,
    /// Lowest accepted level (1..=10).
    #[serde(default = "one")]
    pub min_level: u8,
}

fn one() -> u8 {
    1
}

/// Where an overflowing or diverted call goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Destination {
    /// Another service group of the same tenant; the call is queued there.
    Group(GroupId),
    /// An external number; the embedder diverts the call.
    Number(String),
}

/// A routing stage: after `after_s` seconds of waiting, eligibility widens.
///
/// The agents eligible at a stage are those of the previous stage plus those
/// meeting this stage's requirement: `skills` (or the group's skills when
/// absent) with every minimum level replaced by `min_level` when given, and
/// `expression` (or the group's expression when absent). A stage
/// with `overflow` moves the call to that destination instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    /// Seconds after the call entered the group.
    pub after_s: u32,
    /// Minimum level accepted from this stage on.
    #[serde(default)]
    pub min_level: Option<u8>,
    /// Skills accepted from this stage on.
    #[serde(default)]
    pub skills: Option<Vec<SkillRequirement>>,
    /// Overflow the call here at this stage.
    #[serde(default)]
    pub overflow: Option<Destination>,
    /// Attribute expression accepted from this stage on.
    #[serde(default)]
    pub expression: Option<String>,
}

/// A service group (queue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// Group id, unique in the engine.
    pub id: GroupId,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Media served.
    #[serde(default)]
    pub media: Media,
    /// Automatic or manual (dispatch) routing.
    #[serde(default)]
    pub routing: RoutingType,
    /// Personal call routing on PDNs.
    #[serde(default)]
    pub personal_calls: bool,
    /// Calls show in the dispatch queue.
    #[serde(default)]
    pub display_in_dispatch: bool,
    /// Skills an agent needs to serve the group; empty = any agent of the tenant.
    #[serde(default)]
    pub skills: Vec<SkillRequirement>,
    /// Stages copied onto each call when it enters.
    #[serde(default)]
    pub stages: Vec<StageConfig>,
    /// Agent selection strategy.
    #[serde(default)]
    pub strategy: Strategy,
    /// Priority given to calls that arrive without one.
    #[serde(default)]
    pub priority: i32,
    /// Weight of waiting time in cross-group fairness, in percent;
    /// the weight `w_i` of [`RoutingPolicy::WeightedHol`].
    #[serde(default = "hundred")]
    pub wait_weight: u32,
    /// Share of the total queue this group should hold under
    /// [`RoutingPolicy::FixedQueueRatio`]: `p_i = queue_ratio_i / Σ queue_ratio`
    /// over the tenant's groups of the same media.
    #[serde(default = "one_u32")]
    pub queue_ratio: u32,
    /// Threshold reservation: agents who also serve another group are kept
    /// back for it. Boxed: rarely set, and it keeps the group
    /// configuration (and the command that carries it) small.
    #[serde(default)]
    pub reserve: Option<Box<Reserve>>,
    /// Clerical (wrap-up) seconds after each call; 0 = none.
    #[serde(default)]
    pub clerical_s: u32,
    /// Ring-time supervision in seconds; 0 = the engine's reservation deadline.
    #[serde(default)]
    pub ring_time_s: u32,
    /// Maximum wait for a personal call, seconds.
    #[serde(default = "thirty")]
    pub personal_max_wait_s: u32,
    /// Maximum time an agent stays reserved while the caller authenticates.
    #[serde(default = "hundred_twenty")]
    pub max_reserve_s: u32,
    /// Maximum calls waiting; more overflow.
    #[serde(default)]
    pub max_queue_len: Option<u32>,
    /// Maximum seconds a call waits before it overflows.
    #[serde(default)]
    pub max_wait_s: Option<u32>,
    /// Where overflowing calls go.
    #[serde(default)]
    pub overflow: Option<Destination>,
    /// When the group is open.
    #[serde(default)]
    pub open_rule: OpenRule,
    /// Service-level threshold for statistics, seconds.
    #[serde(default = "twenty")]
    pub service_level_s: u32,
    /// Attribute expression eligible agents must meet, besides `skills`.
    #[serde(default)]
    pub expression: Option<String>,
    /// Agent ordering keys ahead of the strategy, e.g. `"skill.billing desc"`.
    #[serde(default)]
    pub order_by: Vec<String>,
    /// Priority aging; `None` = priorities do not age.
    #[serde(default)]
    pub aging: Option<AgingConfig>,
    /// Seconds a call waits for its preferred agents by default.
    #[serde(default = "thirty")]
    pub preferred_timeout_s: u32,
    /// When a call may leave its preferred agents early.
    #[serde(default)]
    pub preferred_release: PreferredRelease,
}

fn hundred() -> u32 {
    100
}
fn one_u32() -> u32 {
    1
}
fn thirty() -> u32 {
    30
}
fn twenty() -> u32 {
    20
}
fn hundred_twenty() -> u32 {
    120
}

impl GroupConfig {
    /// An automatic voice group requiring `skills` at level 1, other fields default.
    pub fn new(id: impl Into<GroupId>, skills: &[&str]) -> Self {
        Self {
            id: id.into(),
            name: String::new(),
            media: Media::Voice,
            routing: RoutingType::Automatic,
            personal_calls: false,
            display_in_dispatch: false,
            skills: skills
                .iter()
                .map(|s| SkillRequirement {
                    skill: SkillId::new(s),
                    min_level: 1,
                })
                .collect(),
            stages: Vec::new(),
            strategy: Strategy::LongestIdle,
            priority: 0,
            wait_weight: 100,
            queue_ratio: 1,
            reserve: None,
            clerical_s: 0,
            ring_time_s: 0,
            personal_max_wait_s: 30,
            max_reserve_s: 120,
            max_queue_len: None,
            max_wait_s: None,
            overflow: None,
            open_rule: OpenRule::LoggedOn,
            service_level_s: 20,
            expression: None,
            order_by: Vec::new(),
            aging: None,
            preferred_timeout_s: 30,
            preferred_release: PreferredRelease::WhenLoggedOut,
        }
    }
}

/// A configuration problem: which object, which field, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{object}: field `{field}`: {problem}")]
pub struct ConfigError {
    /// The offending object, e.g. `tenant "t1" / group "sales"`.
    pub object: String,
    /// The offending field.
    pub field: String,
    /// What is wrong with it.
    pub problem: ConfigProblem,
}

/// The kind of configuration problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// The id is used twice.
    #[error("duplicate id {0:?}")]
    Duplicate(String),
    /// A reference names nothing.
    #[error("unknown reference {0:?}")]
    UnknownReference(String),
    /// A number outside its range.
    #[error("value {value} out of range {min}..={max}")]
    OutOfRange {
        /// The value given.
        value: i64,
        /// Lowest allowed.
        min: i64,
        /// Highest allowed.
        max: i64,
    },
    /// An expression or `order_by` key that does not parse or type-check.
    #[error("column {column}: {message}")]
    Expression {
        /// 1-based column in the field's text.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Anything else, described.
    #[error("{0}")]
    Invalid(String),
}

impl ConfigError {
    pub(crate) fn new(object: String, field: &str, problem: ConfigProblem) -> Self {
        Self {
            object,
            field: field.to_string(),
            problem,
        }
    }
}

fn tenant_path(t: &TenantId) -> String {
    format!("tenant {:?}", t.as_str())
}

fn agent_path(t: &TenantId, a: &AgentId) -> String {
    format!("tenant {:?} / agent {:?}", t.as_str(), a.as_str())
}

fn group_path(t: &TenantId, g: &GroupId) -> String {
    format!("tenant {:?} / group {:?}", t.as_str(), g.as_str())
}

pub(crate) fn check_range(
    object: &str,
    field: &str,
    value: i64,
    min: i64,
    max: i64,
) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::new(
            object.to_string(),
            field,
            ConfigProblem::OutOfRange { value, min, max },
        ))
    }
}

fn check_level(object: &str, field: &str, level: u8) -> Result<(), ConfigError> {
    check_range(
        object,
        field,
        i64::from(level),
        i64::from(*SKILL_LEVELS.start()),
        i64::from(*SKILL_LEVELS.end()),
    )
}

/// The groups of one tenant and their media, for reference checks. Ids are
/// scoped to their tenant: another tenant's groups are not listed,
/// so naming one is an unknown reference.
#[derive(Default)]
pub(crate) struct IdDirectory {
    pub(crate) group_media: BTreeMap<GroupId, Media>,
    /// Declared attribute types of the tenant.
    pub(crate) attributes: AttributeTypes,
}

impl EngineConfig {
    /// Checks the whole configuration; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_reservation_ms == 0 {
            return Err(ConfigError::new(
                "engine".into(),
                "max_reservation_ms",
                ConfigProblem::Invalid("must be above zero (R-2.4)".into()),
            ));
        }
        let mut tenants = BTreeSet::new();
        for t in &self.tenants {
            if !tenants.insert(t.id.clone()) {
                return Err(ConfigError::new(
                    tenant_path(&t.id),
                    "id",
                    ConfigProblem::Duplicate(t.id.to_string()),
                ));
            }
            t.validate_own()?;
            t.validate_objects()?;
        }
        Ok(())
    }
}

impl TenantConfig {
    /// Checks the tenant's agents and groups: ids unique within the tenant
    /// every reference to a group of this tenant.
    fn validate_objects(&self) -> Result<(), ConfigError> {
        let mut agents = BTreeSet::new();
        for a in &self.agents {
            if !agents.insert(&a.id) {
                return Err(ConfigError::new(
                    agent_path(&self.id, &a.id),
                    "id",
                    ConfigProblem::Duplicate(a.id.to_string()),
                ));
            }
        }
        let mut dir = IdDirectory {
            attributes: self.attributes.clone(),
            ..IdDirectory::default()
        };
        for g in &self.groups {
            if dir.group_media.insert(g.id.clone(), g.media).is_some() {
                return Err(ConfigError::new(
                    group_path(&self.id, &g.id),
                    "id",
                    ConfigProblem::Duplicate(g.id.to_string()),
                ));
            }
        }
        for a in &self.agents {
            a.validate(&self.id, &self.attributes)?;
        }
        for g in &self.groups {
            g.validate(&self.id, &dir)?;
        }
        Ok(())
    }

    fn validate_own(&self) -> Result<(), ConfigError> {
        let path = tenant_path(&self.id);
        if self.id.as_str().is_empty() {
            return Err(ConfigError::new(
                path,
                "id",
                ConfigProblem::Invalid("empty id".into()),
            ));
        }
        check_range(
            &path,
            "tags",
            self.tags.len() as i64,
            0,
            MAX_TENANT_TAGS as i64,
        )?;
        check_range(
            &path,
            "divert_timeout_s",
            i64::from(self.divert_timeout_s),
            1,
            i64::from(u32::MAX),
        )?;
        let cats = [
            ("reason_codes.not_ready", &self.reason_codes.not_ready),
            ("reason_codes.wrap_up", &self.reason_codes.wrap_up),
            ("reason_codes.sign_out", &self.reason_codes.sign_out),
        ];
        for (field, codes) in cats {
            let mut seen = BTreeSet::new();
            for c in codes {
                if !seen.insert((c.code.clone(), c.team.clone())) {
                    return Err(ConfigError::new(
                        path.clone(),
                        field,
                        ConfigProblem::Duplicate(c.code.to_string()),
                    ));
                }
            }
        }
        model::validate_attribute_types(&path, &self.attributes)?;
        self.capacity.validate(&path, "capacity")
    }
}

impl AgentConfig {
    /// Checks this agent's own fields (ids, skill levels, attributes
    /// against the tenant's declared `types`, capacity).
    pub(crate) fn validate(
        &self,
        tenant: &TenantId,
        types: &AttributeTypes,
    ) -> Result<(), ConfigError> {
        let path = agent_path(tenant, &self.id);
        if self.id.as_str().is_empty() {
            return Err(ConfigError::new(
                path,
                "id",
                ConfigProblem::Invalid("empty id".into()),
            ));
        }
        for (skill, level) in &self.skills {
            check_level(&path, &format!("skills.{skill}"), *level)?;
        }
        if self.pdn.as_deref() == Some("") {
            return Err(ConfigError::new(
                path,
                "pdn",
                ConfigProblem::Invalid("empty personal directory number".into()),
            ));
        }
        model::validate_attributes(&path, &self.attributes, types)?;
        if let Some(c) = &self.capacity {
            c.validate(&path, "capacity")?;
        }
        Ok(())
    }
}

impl GroupConfig {
    /// Checks this group's fields and its references against `dir`.
    pub(crate) fn validate(&self, tenant: &TenantId, dir: &IdDirectory) -> Result<(), ConfigError> {
        let path = group_path(tenant, &self.id);
        if self.id.as_str().is_empty() {
            return Err(ConfigError::new(
                path,
                "id",
                ConfigProblem::Invalid("empty id".into()),
            ));
        }
        for r in &self.skills {
            check_level(&path, &format!("skills.{}.min_level", r.skill), r.min_level)?;
        }
        check_range(&path, "wait_weight", i64::from(self.wait_weight), 1, 10_000)?;
        check_range(
            &path,
            "queue_ratio",
            i64::from(self.queue_ratio),
            1,
            1_000_000,
        )?;
        if let Some(r) = &self.reserve {
            let d = Destination::Group(r.for_group.clone());
            self.check_destination(dir, &path, "reserve.for_group", &d)?;
            check_range(
                &path,
                "reserve.keep_idle",
                i64::from(r.keep_idle),
                0,
                1_000_000,
            )?;
        }
        check_range(&path, "clerical_s", i64::from(self.clerical_s), 0, 86_400)?;
        check_range(&path, "ring_time_s", i64::from(self.ring_time_s), 0, 3_600)?;
        check_range(
            &path,
            "personal_max_wait_s",
            i64::from(self.personal_max_wait_s),
            1,
            86_400,
        )?;
        check_range(
            &path,
            "max_reserve_s",
            i64::from(self.max_reserve_s),
            1,
            86_400,
        )?;
        check_range(
            &path,
            "service_level_s",
            i64::from(self.service_level_s),
            0,
            86_400,
        )?;
        if let Some(w) = self.max_wait_s {
            check_range(&path, "max_wait_s", i64::from(w), 1, 7 * 86_400)?;
        }
        if let Some(n) = self.max_queue_len {
            check_range(&path, "max_queue_len", i64::from(n), 0, 10_000_000)?;
        }
        if let Some(d) = &self.overflow {
            self.check_destination(dir, &path, "overflow", d)?;
        } else if self.max_queue_len.is_some() || self.max_wait_s.is_some() {
            return Err(ConfigError::new(
                path,
                "overflow",
                ConfigProblem::Invalid(
                    "max_queue_len/max_wait_s need an overflow destination: a call is never silently dropped (R-3.8)"
                        .into(),
                ),
            ));
        }
        self.validate_routing_model(dir, &path)?;
        self.validate_stages(dir, &path)
    }

    /// Expression, order_by, aging and preferred-agent settings (R-10.x).
    fn validate_routing_model(&self, dir: &IdDirectory, path: &str) -> Result<(), ConfigError> {
        let types = &dir.attributes;
        if let Some(e) = &self.expression {
            model::validate_expression(path, "expression", e, types)?;
        }
        for (i, s) in self.stages.iter().enumerate() {
            if let Some(e) = &s.expression {
                model::validate_expression(path, &format!("stages[{i}].expression"), e, types)?;
            }
        }
        model::validate_order_by(path, &self.order_by, self.strategy, types)?;
        if let Some(a) = &self.aging {
            a.validate(path)?;
        }
        check_range(
            path,
            "preferred_timeout_s",
            i64::from(self.preferred_timeout_s),
            0,
            86_400,
        )
    }

    fn validate_stages(&self, dir: &IdDirectory, path: &str) -> Result<(), ConfigError> {
        check_range(path, "stages", self.stages.len() as i64, 0, 15)?;
        let mut last = None;
        for (i, s) in self.stages.iter().enumerate() {
            let field = format!("stages[{i}]");
            if last.is_some_and(|l| s.after_s <= l) {
                return Err(ConfigError::new(
                    path.to_string(),
                    &format!("{field}.after_s"),
                    ConfigProblem::Invalid(
                        "stages must be in strictly increasing after_s order".into(),
                    ),
                ));
            }
            last = Some(s.after_s);
            if let Some(l) = s.min_level {
                check_level(path, &format!("{field}.min_level"), l)?;
            }
            for r in s.skills.iter().flatten() {
                check_level(
                    path,
                    &format!("{field}.skills.{}.min_level", r.skill),
                    r.min_level,
                )?;
            }
            if let Some(d) = &s.overflow {
                self.check_destination(dir, path, &format!("{field}.overflow"), d)?;
            }
        }
        Ok(())
    }

    fn check_destination(
        &self,
        dir: &IdDirectory,
        path: &str,
        field: &str,
        d: &Destination,
    ) -> Result<(), ConfigError> {
        match d {
            Destination::Number(n) if n.is_empty() => Err(ConfigError::new(
                path.to_string(),
                field,
                ConfigProblem::Invalid("empty number".into()),
            )),
            Destination::Number(_) => Ok(()),
            Destination::Group(g) if *g == self.id => Err(ConfigError::new(
                path.to_string(),
                field,
                ConfigProblem::Invalid("a group cannot overflow to itself".into()),
            )),
            // Only the tenant's own groups are listed.
            Destination::Group(g) => match dir.group_media.get(g) {
                None => Err(ConfigError::new(
                    path.to_string(),
                    field,
                    ConfigProblem::UnknownReference(g.to_string()),
                )),
                // The call keeps its media: a group of another media has no
                // channel logged on for it.
                Some(&m) if m != self.media => Err(ConfigError::new(
                    path.to_string(),
                    field,
                    ConfigProblem::Invalid(format!("group {g:?} serves another media")),
                )),
                Some(_) => Ok(()),
            },
        }
    }
}

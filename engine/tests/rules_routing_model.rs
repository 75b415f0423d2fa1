//! Rule tests for the routing model beyond skills (SPEC R-10.1–R-10.5):
//! attribute expressions, order_by, capacity across media, priority aging,
//! preferred agents.

mod common;

use acd_engine::*;
use common::*;
use std::collections::BTreeMap;

fn attrs(pairs: &[(&str, AttributeType)]) -> AttributeTypes {
    pairs.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}

fn tenant_with(groups: Vec<GroupConfig>, agents: Vec<AgentConfig>) -> TenantConfig {
    let mut t = TenantConfig::new(TENANT);
    t.attributes = attrs(&[
        ("languages", AttributeType::StringList),
        ("region", AttributeType::String),
        ("tier", AttributeType::String),
        ("trainee", AttributeType::Bool),
        ("rating", AttributeType::Number),
    ]);
    t.groups = groups;
    t.agents = agents;
    t
}

fn config(t: TenantConfig) -> EngineConfig {
    EngineConfig {
        tenants: vec![t],
        ..EngineConfig::default()
    }
}

fn with_attrs(mut a: AgentConfig, values: &[(&str, AttributeValue)]) -> AgentConfig {
    a.attributes = values
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect::<BTreeMap<_, _>>();
    a
}

fn expression_group(id: &str, skills: &[&str], e: &str) -> GroupConfig {
    let mut g = group(id, skills);
    g.expression = Some(e.into());
    g
}

// ---- R-10.1: expressions checked when configured ----

#[test]
fn r10_1_a_bad_expression_is_refused_naming_group_field_and_column() {
    let g = expression_group("g", &["billing"], "skill.billing >= 5 && rating == 'x'");
    let err = config(tenant_with(vec![g], vec![])).validate().unwrap_err();
    assert_eq!(err.object, r#"tenant "t" / group "g""#);
    assert_eq!(err.field, "expression");
    assert!(
        matches!(&err.problem, ConfigProblem::Expression { column: 30, message } if message.contains("number and string")),
        "{err}"
    );
}

#[test]
fn r10_1_a_stage_expression_is_checked_too() {
    let mut g = group("g", &["billing"]);
    g.stages = vec![StageConfig {
        after_s: 10,
        expression: Some("unknown_attr".into()),
        ..Default::default()
    }];
    let err = config(tenant_with(vec![g], vec![])).validate().unwrap_err();
    assert_eq!(err.field, "stages[0].expression");
    assert!(matches!(
        err.problem,
        ConfigProblem::Expression { column: 1, .. }
    ));
}

#[test]
fn r10_1_agent_attributes_must_match_their_declared_type() {
    let a = with_attrs(
        agent("a", &[]),
        &[("rating", AttributeValue::String("high".into()))],
    );
    let err = config(tenant_with(vec![], vec![a])).validate().unwrap_err();
    assert_eq!(
        (err.object.as_str(), err.field.as_str()),
        (r#"tenant "t" / agent "a""#, "attributes.rating")
    );
    let a = with_attrs(agent("a", &[]), &[("height", AttributeValue::Number(1.0))]);
    let err = config(tenant_with(vec![], vec![a])).validate().unwrap_err();
    assert!(matches!(err.problem, ConfigProblem::UnknownReference(_)));
}

#[test]
fn r10_1_attribute_names_may_not_be_keywords() {
    let mut t = tenant_with(vec![], vec![]);
    t.attributes.insert("skill".into(), AttributeType::Number);
    let err = config(t).validate().unwrap_err();
    assert_eq!(err.field, "attributes.skill");
}

#[test]
fn r10_1_the_json_configuration_carries_attributes_and_expressions() {
    let json = r#"{"tenants":[{"id":"t",
        "attributes":{"languages":"string_list","trainee":"bool","rating":"number"},
        "agents":[{"id":"a","skills":{"billing":6},
                   "attributes":{"languages":["fr","en"],"trainee":false,"rating":4.5}}],
        "groups":[{"id":"g","skills":[{"skill":"billing"}],
                   "expression":"skill.billing >= 5 && \"fr\" in languages",
                   "order_by":["rating desc","idle desc"],
                   "aging":{"rate_per_min":2,"cap":10}}]}]}"#;
    let config: EngineConfig = serde_json::from_str(json).unwrap();
    config.validate().unwrap();
    let a = &config.tenants[0].agents[0];
    assert_eq!(
        a.attributes["languages"],
        AttributeValue::StringList(vec!["fr".into(), "en".into()])
    );
    assert_eq!(a.attributes["rating"], AttributeValue::Number(4.5));
}

#[test]
fn r10_1_runtime_changes_are_checked_the_same_way() {
    let mut h = Harness::with_config(config(tenant_with(vec![], vec![])));
    let err = h
        .at(
            0,
            Command::UpsertGroup {
                group: expression_group("g", &[], "tier == "),
            },
        )
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Config(ConfigError {
            problem: ConfigProblem::Expression { column: 9, .. },
            ..
        })
    ));
    let bad = with_attrs(agent("x", &[]), &[("trainee", AttributeValue::Number(1.0))]);
    assert!(h.at(0, Command::AddAgent { agent: bad }).is_err());
}

// ---- R-10.2: order_by checked when configured ----

#[test]
fn r10_2_order_by_keys_are_checked() {
    let mut g = group("g", &["billing"]);
    g.order_by = vec!["region desc".into()];
    let err = config(tenant_with(vec![g.clone()], vec![]))
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "order_by[0]");
    g.order_by = vec!["idle desc".into(), "rating".into()];
    let err = config(tenant_with(vec![g.clone()], vec![]))
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "order_by[0]");
    g.order_by = vec!["skill.billing desc".into()];
    g.strategy = Strategy::Random;
    let err = config(tenant_with(vec![g], vec![])).validate().unwrap_err();
    assert_eq!(err.field, "order_by");
}

// ---- R-10.3: capacity checked when configured ----

#[test]
fn r10_3_capacity_is_checked() {
    let mut a = agent("a", &[]);
    a.capacity = Some(CapacityConfig {
        per_media: [(Media::Chat, 51)].into(),
        ..Default::default()
    });
    let err = config(tenant_with(vec![], vec![a.clone()]))
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "capacity.per_media.chat");
    a.capacity = Some(CapacityConfig {
        budget: Some(100),
        cost: [(Media::Voice, 120)].into(),
        ..Default::default()
    });
    let err = config(tenant_with(vec![], vec![a.clone()]))
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "capacity.cost.voice");
    a.capacity = Some(CapacityConfig {
        exclusive: vec![[Media::Chat, Media::Chat]],
        ..Default::default()
    });
    let err = config(tenant_with(vec![], vec![a])).validate().unwrap_err();
    assert_eq!(err.field, "capacity.exclusive[0]");
}

#[test]
fn r10_3_room_follows_per_media_limits_budget_and_exclusions() {
    let c = CapacityConfig {
        per_media: [(Media::Chat, 3)].into(),
        budget: Some(100),
        cost: [(Media::Voice, 100), (Media::Chat, 30)].into(),
        exclusive: vec![[Media::Voice, Media::Email]],
    };
    let load = |v: u16, e: u16, ch: u16| [v, e, ch, 0, 0];
    assert!(c.has_room(&load(0, 0, 2), Media::Chat));
    assert!(!c.has_room(&load(0, 0, 3), Media::Chat), "per-media limit");
    assert!(
        !c.has_room(&load(0, 0, 1), Media::Voice),
        "budget 30 + 100 > 100"
    );
    assert!(c.has_room(&load(0, 0, 0), Media::Voice));
    assert!(
        !c.has_room(&load(0, 1, 0), Media::Voice),
        "voice excludes email"
    );
    assert!(
        !c.has_room(&load(1, 0, 0), Media::Email),
        "email excludes voice"
    );
    assert!(CapacityConfig::default().has_room(&load(1, 1, 0), Media::Chat));
}

// ---- R-10.4: aging arithmetic ----

#[test]
fn r10_4_aged_priority_is_initial_plus_rate_times_wait_capped() {
    let a = AgingConfig {
        rate_per_min: 2,
        cap: Some(10),
    };
    assert_eq!(a.aged_fine(1, 0), 60_000);
    assert_eq!(a.aged_fine(1, 60_000), 3 * 60_000);
    assert_eq!(a.aged_fine(1, 30_000), 2 * 60_000);
    assert_eq!(a.aged_fine(1, 3_600_000), 10 * 60_000, "capped");
    assert_eq!(
        a.aged_fine(12, 3_600_000),
        12 * 60_000,
        "above the cap: kept"
    );
}

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
fn r10_1_attribute_numbers_must_be_finite() {
    let toml = "id = \"a\"\n[attributes]\nrating = nan\n";
    assert!(toml::from_str::<AgentConfig>(toml).is_err());
    let toml = "id = \"a\"\n[attributes]\nrating = 2.5\n";
    let a: AgentConfig = toml::from_str(toml).unwrap();
    assert_eq!(a.attributes["rating"], AttributeValue::Number(2.5));
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
                group: Box::new(expression_group("g", &[], "tier == ")),
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
    assert!(h
        .at(
            0,
            Command::AddAgent {
                agent: Box::new(bad)
            }
        )
        .is_err());
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

// ---- engine semantics ----

fn harness(groups: Vec<GroupConfig>, agents: Vec<AgentConfig>) -> Harness {
    Harness::with_config(config(tenant_with(groups, agents)))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::String(v.into())
}

fn call_with(id: &str, group: &str, data: &[(&str, &str)]) -> Command {
    let mut spec = CallSpec::new(id, group);
    spec.data = data
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Command::call_arrived(spec)
}

fn offered(h: &Harness, call: &str) -> String {
    h.offered_to(call).map(|o| o.0).unwrap_or_default()
}

#[test]
fn r10_1_an_agent_expression_narrows_the_skilled_agents() {
    let langs = |l: &[&str]| AttributeValue::StringList(l.iter().map(|s| s.to_string()).collect());
    let mut h = harness(
        vec![expression_group(
            "g",
            &["billing"],
            r#"skill.billing >= 5 && "fr" in languages && !trainee"#,
        )],
        vec![
            with_attrs(
                agent("en", &[("billing", 9)]),
                &[("languages", langs(&["en"]))],
            ),
            with_attrs(
                agent("trainee", &[("billing", 9)]),
                &[
                    ("languages", langs(&["fr"])),
                    ("trainee", AttributeValue::Bool(true)),
                ],
            ),
            with_attrs(
                agent("low", &[("billing", 4)]),
                &[("languages", langs(&["fr"]))],
            ),
            with_attrs(
                agent("fr", &[("billing", 5)]),
                &[("languages", langs(&["fr", "en"]))],
            ),
        ],
    );
    for a in ["en", "trainee", "low", "fr"] {
        h.login_ready(0, a);
    }
    h.arrive(1, "c1", "g");
    assert_eq!(
        offered(&h, "c1"),
        "fr",
        "the only agent meeting the expression"
    );
    h.arrive(2, "c2", "g");
    assert_eq!(
        h.offered_to("c2"),
        None,
        "nobody else qualifies: the call waits"
    );
    assert_eq!(h.engine.queue_len(&h.tenant, &"g".into()).unwrap(), 1);
}

#[test]
fn r10_1_an_expression_over_call_data_filters_candidates_per_call() {
    let g = expression_group("g", &["s"], "region == call.region || tier == \"gold\"");
    let mut h = harness(
        vec![g],
        vec![
            with_attrs(agent("eu", &[("s", 1)]), &[("region", s("eu"))]),
            with_attrs(agent("us", &[("s", 1)]), &[("region", s("us"))]),
        ],
    );
    h.login_ready(0, "eu");
    h.login_ready(1, "us");
    h.at(2, call_with("c1", "g", &[("region", "us")])).unwrap();
    assert_eq!(
        offered(&h, "c1"),
        "us",
        "eu is longer idle but refused by the call part"
    );
    h.at(3, call_with("c2", "g", &[("region", "us")])).unwrap();
    assert_eq!(
        h.offered_to("c2"),
        None,
        "eu may not take a us call: it waits"
    );
    // A gold agent may take any call; an eu agent becoming Ready may not.
    h.at(
        4,
        Command::AddAgent {
            agent: Box::new(with_attrs(
                agent("gold", &[("s", 1)]),
                &[("tier", s("gold"))],
            )),
        },
    )
    .unwrap();
    h.login_ready(5, "gold");
    assert_eq!(offered(&h, "c2"), "gold");
}

#[test]
fn r10_1_an_agent_becoming_ready_skips_calls_whose_data_refuse_it() {
    let g = expression_group("g", &["s"], "region == call.region");
    let mut h = harness(
        vec![g],
        vec![with_attrs(agent("eu", &[("s", 1)]), &[("region", s("eu"))])],
    );
    h.logon(0, "eu");
    h.at(1, call_with("us-call", "g", &[("region", "us")]))
        .unwrap();
    h.at(2, call_with("eu-call", "g", &[("region", "eu")]))
        .unwrap();
    h.ready(3, "eu");
    assert_eq!(
        offered(&h, "eu-call"),
        "eu",
        "the head of the queue refuses eu"
    );
    assert_eq!(h.offered_to("us-call"), None);
}

#[test]
fn r10_1_a_stage_expression_widens_eligibility_over_time() {
    let mut g = expression_group("g", &["s"], "tier == \"gold\"");
    g.stages = vec![StageConfig {
        after_s: 10,
        expression: Some("true".into()),
        ..Default::default()
    }];
    let mut h = harness(
        vec![g],
        vec![with_attrs(
            agent("silver", &[("s", 1)]),
            &[("tier", s("silver"))],
        )],
    );
    h.login_ready(0, "silver");
    h.arrive(1, "c1", "g");
    assert_eq!(h.offered_to("c1"), None);
    h.tick(11);
    assert_eq!(offered(&h, "c1"), "silver", "after 10 s any skilled agent");
}

// ---- R-10.2 ----

#[test]
fn r10_2_order_by_ranks_agents_before_the_strategy() {
    let num = AttributeValue::Number;
    let mut g = group("g", &["billing"]);
    g.order_by = vec![
        "skill.billing desc".into(),
        "rating desc".into(),
        "idle desc".into(),
    ];
    let mut h = harness(
        vec![g],
        vec![
            with_attrs(agent("a", &[("billing", 5)]), &[("rating", num(9.0))]),
            with_attrs(agent("b", &[("billing", 7)]), &[("rating", num(1.0))]),
            with_attrs(agent("c", &[("billing", 7)]), &[("rating", num(3.5))]),
            with_attrs(agent("d", &[("billing", 7)]), &[("rating", num(3.5))]),
        ],
    );
    for (t, a) in [(0, "a"), (1, "b"), (2, "d"), (3, "c")] {
        h.login_ready(t, a);
    }
    let mut order = Vec::new();
    for (i, t) in (10..14).enumerate() {
        let id = format!("c{i}");
        h.arrive(t, &id, "g");
        order.push(offered(&h, &id));
    }
    // Highest billing, then highest rating, then longest idle (d before c).
    assert_eq!(order, ["d", "c", "b", "a"]);
}

// ---- R-10.4 ----

fn aging_group(id: &str, rate: u32, cap: Option<i32>) -> GroupConfig {
    let mut g = group(id, &["s"]);
    g.aging = Some(AgingConfig {
        rate_per_min: rate,
        cap,
    });
    g
}

fn prio(id: &str, group: &str, p: i32) -> Command {
    let mut spec = CallSpec::new(id, group);
    spec.priority = Some(p);
    Command::call_arrived(spec)
}

#[test]
fn r10_4_cross_group_selection_uses_the_aged_priority() {
    let mut h = harness(
        vec![aging_group("aging", 10, None), group("plain", &["s"])],
        vec![agent("a", &[("s", 1)])],
    );
    h.logon(0, "a");
    h.at(0, prio("old", "aging", 0)).unwrap();
    h.at(20, prio("vip", "plain", 4)).unwrap();
    h.ready(30, "a");
    // At 30 s the aging call is at 0 + 10 x 0.5 = 5 > 4.
    assert_eq!(h.offered_to("old").map(|o| o.0).as_deref(), Some("a"));
}

#[test]
fn r10_4_the_cap_limits_aging() {
    let mut h = harness(
        vec![aging_group("aging", 10, Some(3)), group("plain", &["s"])],
        vec![agent("a", &[("s", 1)])],
    );
    h.logon(0, "a");
    h.at(0, prio("old", "aging", 0)).unwrap();
    h.at(20, prio("vip", "plain", 4)).unwrap();
    h.ready(600, "a");
    assert_eq!(offered(&h, "vip"), "a", "aged priority capped at 3 < 4");
}

#[test]
fn r10_4_within_a_group_aging_orders_by_aged_priority() {
    let mut h = harness(
        vec![aging_group("g", 60, None)],
        vec![agent("a", &[("s", 1)])],
    );
    h.logon(0, "a");
    h.at(0, prio("x", "g", 0)).unwrap();
    h.at(1, prio("y", "g", 5)).unwrap();
    h.at(2, prio("z", "g", 0)).unwrap();
    // At 180 s: x = 180, y = 184, z = 178.
    h.ready(180, "a");
    assert_eq!(offered(&h, "y"), "a");
}

#[test]
fn r10_4_a_callback_keeps_its_original_arrival() {
    let mut h = harness(vec![group("g", &["s"])], vec![agent("a", &[("s", 1)])]);
    h.logon(0, "a");
    h.arrive(10, "first", "g");
    let mut back = CallSpec::new("callback", "g");
    back.arrived_at = Some(Instant::from_secs(5));
    h.at(20, Command::call_arrived(back)).unwrap();
    h.ready(30, "a");
    assert_eq!(
        offered(&h, "callback"),
        "a",
        "arrived at 5 s, ahead of 10 s"
    );
    let mut future = CallSpec::new("late", "g");
    future.arrived_at = Some(Instant::from_secs(99));
    assert!(h.at(31, Command::call_arrived(future)).is_err());
}

#[test]
fn r10_4_a_call_not_answered_keeps_its_place_in_line() {
    let mut g = group("g", &["s"]);
    g.ring_time_s = 5;
    let mut h = harness(
        vec![g],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])],
    );
    h.login_ready(0, "a");
    h.arrive(1, "first", "g");
    assert_eq!(offered(&h, "first"), "a");
    h.arrive(2, "second", "g");
    h.tick(6); // RONA: back to the queue, a forced Not Ready
    h.login_ready(7, "b");
    assert_eq!(
        offered(&h, "first"),
        "b",
        "first keeps its place ahead of second"
    );
}

#[test]
fn r10_4_a_returned_transfer_keeps_its_original_arrival() {
    let mut g = aging_group("g", 60, None);
    g.ring_time_s = 5;
    let mut h = harness(
        vec![g],
        vec![
            agent("a1", &[("s", 1)]),
            agent("a2", &[("s", 1)]),
            agent("b", &[("s", 1)]),
        ],
    );
    h.login_ready(0, "a1");
    h.arrive(1, "first", "g");
    h.answer(2, "first", "a1", 1);
    h.arrive(3, "second", "g");
    h.arrive(4, "third", "g");
    h.logon(5, "a2");
    h.at(
        6,
        Command::Transfer {
            call: "first".into(),
            to_agent: "a2".into(),
        },
    )
    .unwrap();
    // a1 is free and takes "second"; a2 does not answer "first" (R-6.1).
    let (to, epoch) = h.offered_to("second").unwrap();
    assert_eq!(to, "a1");
    h.answer(7, "second", "a1", epoch);
    h.tick(12);
    // "first" is back in line by its arrival at 1 s, ahead of "third"
    // (4 s), and ages from 1 s, not from its return (R-10.4).
    let position = |h: &Harness, call: &str| match h.engine.call_status(&h.tenant, &call.into()) {
        Ok(CallStatus::Queued { position, .. }) => position,
        other => panic!("{call}: {other:?}"),
    };
    assert_eq!((position(&h, "first"), position(&h, "third")), (1, 2));
    h.login_ready(13, "b");
    assert_eq!(offered(&h, "first"), "b");
}

// ---- R-10.5 ----

fn preferring(
    id: &str,
    group: &str,
    agents: &[(&str, Option<i32>)],
    timeout: Option<u32>,
) -> Command {
    let mut spec = CallSpec::new(id, group);
    spec.preferred_agents = agents
        .iter()
        .map(|(a, score)| PreferredAgent {
            agent: (*a).into(),
            score: *score,
        })
        .collect();
    spec.preferred_timeout_s = timeout;
    Command::call_arrived(spec)
}

#[test]
fn r10_5_a_ready_preferred_agent_gets_the_call_over_a_longer_idle_one() {
    let mut h = harness(
        vec![group("g", &["s"])],
        vec![
            agent("a", &[("s", 1)]),
            agent("b", &[("s", 1)]),
            agent("c", &[("s", 1)]),
        ],
    );
    h.login_ready(0, "a");
    h.login_ready(1, "b");
    h.login_ready(2, "c");
    h.at(3, preferring("c1", "g", &[("b", None), ("c", None)], None))
        .unwrap();
    assert_eq!(offered(&h, "c1"), "b", "list order");
    h.at(
        4,
        preferring("c2", "g", &[("a", Some(1)), ("c", Some(5))], None),
    )
    .unwrap();
    assert_eq!(offered(&h, "c2"), "c", "higher score first");
}

#[test]
fn r10_5_until_the_timeout_only_preferred_agents_are_offered_the_call() {
    let mut h = harness(
        vec![group("g", &["s"])],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])],
    );
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.at(1, preferring("c1", "g", &[("b", None)], Some(20)))
        .unwrap();
    assert_eq!(h.offered_to("c1"), None, "a is Ready but not preferred");
    h.arrive(2, "c2", "g");
    assert_eq!(
        offered(&h, "c2"),
        "a",
        "a later call is not blocked behind it"
    );
    h.tick(21);
    assert!(h.offers().is_empty(), "a is busy");
    h.hangup(22, "c2");
    assert_eq!(offered(&h, "c1"), "a", "after the timeout anyone eligible");
}

#[test]
fn r10_5_a_preferred_agent_becoming_ready_takes_the_call() {
    let mut h = harness(
        vec![group("g", &["s"])],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])],
    );
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.at(1, preferring("c1", "g", &[("b", None)], Some(60)))
        .unwrap();
    h.ready(5, "b");
    assert_eq!(offered(&h, "c1"), "b");
}

#[test]
fn r10_5_early_release_when_the_preferred_agents_are_logged_out_is_configurable() {
    let mut g = group("g", &["s"]);
    let agents = vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])];
    let mut h = harness(vec![g.clone()], agents.clone());
    h.login_ready(0, "a");
    h.at(1, preferring("c1", "g", &[("b", None)], Some(60)))
        .unwrap();
    assert_eq!(offered(&h, "c1"), "a", "b is logged out: released at once");

    g.preferred_release = PreferredRelease::AtTimeout;
    let mut h = harness(vec![g], agents);
    h.login_ready(0, "a");
    h.logon(0, "b");
    h.at(1, preferring("c1", "g", &[("b", None)], Some(60)))
        .unwrap();
    assert_eq!(h.offered_to("c1"), None);
    h.at(
        2,
        Command::Logoff {
            agent: "b".into(),
            reason: None,
        },
    )
    .unwrap();
    assert_eq!(h.offered_to("c1"), None, "at_timeout: still waiting");
    h.tick(61);
    assert_eq!(offered(&h, "c1"), "a");
}

#[test]
fn r10_5_logging_off_the_last_preferred_agent_releases_a_waiting_call() {
    let mut h = harness(
        vec![group("g", &["s"])],
        vec![agent("a", &[("s", 1)]), agent("b", &[("s", 1)])],
    );
    h.logon(0, "a");
    h.logon(0, "b");
    h.at(1, preferring("c1", "g", &[("b", None)], Some(60)))
        .unwrap();
    h.ready(2, "a");
    assert_eq!(h.offered_to("c1"), None);
    h.at(
        3,
        Command::Logoff {
            agent: "b".into(),
            reason: None,
        },
    )
    .unwrap();
    assert_eq!(offered(&h, "c1"), "a");
}

#[test]
fn r10_5_an_unknown_preferred_agent_is_refused() {
    let mut h = harness(vec![group("g", &["s"])], vec![agent("a", &[("s", 1)])]);
    let err = h
        .at(1, preferring("c1", "g", &[("zed", None)], None))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownAgent(_)));
    assert_eq!(h.engine.live_calls(), 0);
}

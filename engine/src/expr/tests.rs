//! Tests of the expression language (R-10.1, R-10.2): parsing, type errors
//! with columns, evaluation, and two properties: printing then parsing gives
//! the same tree, and compiled evaluation agrees with a naive interpreter of
//! the syntax tree.

use super::parse::{parse, Ast, AstKind};
use super::*;
use proptest::prelude::*;

fn attrs() -> BTreeMap<String, Type> {
    [
        ("lang", Type::String),
        ("langs", Type::StringList),
        ("tier", Type::String),
        ("trainee", Type::Bool),
        ("years", Type::Number),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_string(), t))
    .collect()
}

/// A schema interning skills in order of appearance.
struct TestSchema {
    attrs: BTreeMap<String, Type>,
    skills: Vec<String>,
}

impl Schema for TestSchema {
    fn attribute(&self, name: &str) -> Option<(u32, Type)> {
        attribute_slot(&self.attrs, name)
    }
    fn skill(&mut self, id: &str) -> u32 {
        match self.skills.iter().position(|s| s == id) {
            Some(i) => i as u32,
            None => {
                self.skills.push(id.to_string());
                (self.skills.len() - 1) as u32
            }
        }
    }
}

/// An agent and a call, by name.
#[derive(Clone, Debug, Default)]
struct World {
    attrs: BTreeMap<String, Value>,
    skills: BTreeMap<String, u8>,
    ani: String,
    dnis: String,
    priority: i32,
    data: BTreeMap<String, String>,
}

/// The compiled view of a [`World`]: attribute slots and interned skills.
struct Compiled<'a> {
    world: &'a World,
    slots: Vec<Option<Value>>,
    skills: Vec<u8>,
}

impl<'a> Compiled<'a> {
    fn new(world: &'a World, schema: &TestSchema) -> Self {
        Self {
            world,
            slots: schema
                .attrs
                .keys()
                .map(|k| world.attrs.get(k).cloned())
                .collect(),
            skills: schema
                .skills
                .iter()
                .map(|s| world.skills.get(s).copied().unwrap_or(0))
                .collect(),
        }
    }
}

impl Env for Compiled<'_> {
    fn attribute(&self, slot: u32) -> Option<&Value> {
        self.slots[slot as usize].as_ref()
    }
    fn skill_level(&self, skill: u32) -> u8 {
        self.skills[skill as usize]
    }
    fn call_field(&self, field: &CallField) -> CallValue<'_> {
        match field {
            CallField::Ani => CallValue::Str(&self.world.ani),
            CallField::Dnis => CallValue::Str(&self.world.dnis),
            CallField::Priority => CallValue::Num(f64::from(self.world.priority)),
            CallField::Data(k) => CallValue::Str(self.world.data.get(k).map_or("", |s| s)),
        }
    }
}

fn eval(text: &str, world: &World) -> bool {
    let mut schema = TestSchema {
        attrs: attrs(),
        skills: Vec::new(),
    };
    let program = compile::compile(&parse(text).unwrap(), &mut schema).unwrap();
    program.eval(&Compiled::new(world, &schema))
}

fn alice() -> World {
    let mut w = World::default();
    w.attrs.insert("lang".into(), Value::String("fr".into()));
    w.attrs.insert(
        "langs".into(),
        Value::StringList(vec!["fr".into(), "en".into()]),
    );
    w.attrs.insert("years".into(), Value::Number(3.5));
    w.attrs.insert("trainee".into(), Value::Bool(false));
    w.skills.insert("billing".into(), 6);
    w.ani = "+4420".into();
    w.priority = 2;
    w.data.insert("region".into(), "eu".into());
    w
}

#[test]
fn evaluates_the_examples_of_the_issue() {
    let a = alice();
    assert!(eval(r#"skill.billing >= 5 && "fr" in langs"#, &a));
    assert!(!eval(r#"skill.billing >= 7 && "fr" in langs"#, &a));
    assert!(eval(
        r#"lang == call.region || tier == "gold""#,
        &World {
            data: [("region".to_string(), "fr".to_string())].into(),
            ..a.clone()
        }
    ));
    assert!(!eval(r#"lang == call.region || tier == "gold""#, &a));
    assert!(eval("!trainee", &a));
    assert!(eval("langs has 'en' and not (years < 3)", &a));
    assert!(eval("call.ani contains '+44' && call.priority == 2", &a));
    assert!(eval("years in [1, 3.5]", &a));
    assert!(eval("skill.sales == 0 && call.missing == ''", &a));
}

#[test]
fn unset_attributes_take_their_type_default() {
    let w = World::default();
    assert!(eval(
        "tier == '' && years == 0 && !trainee && !('x' in langs)",
        &w
    ));
}

#[test]
fn type_errors_point_at_the_column() {
    let e = |s: &str| check(s, &attrs()).unwrap_err();
    assert_eq!(e("years == 'x'").column, 7);
    assert!(e("years == 'x'").message.contains("number and string"));
    assert_eq!(e("lang").column, 1);
    assert_eq!(e("trainee && nope").column, 12);
    assert!(e("trainee && nope")
        .message
        .contains("unknown attribute `nope`"));
    assert_eq!(e("!years").column, 2);
    assert_eq!(e("'fr' in lang").column, 6);
    assert_eq!(e("lang in ['a', 1]").column, 15);
    assert_eq!(e("skill.a.b > 1").column, 1);
    assert_eq!(e("trainee || call.x > 1").column, 19);
    assert!(check("call.x > 'm' && skill.any >= 1", &attrs()).is_ok());
}

#[test]
fn split_separates_call_conjuncts() {
    let mut schema = TestSchema {
        attrs: attrs(),
        skills: Vec::new(),
    };
    let s = split(
        "skill.billing >= 5 && lang == call.region && !trainee",
        &mut schema,
    )
    .unwrap();
    assert_eq!(
        s.indexed.unwrap().text,
        "((skill.billing >= 5) && !trainee)"
    );
    assert_eq!(s.filter.unwrap().text, "(lang == call.region)");
    let s = split("trainee || call.ani == ''", &mut schema).unwrap();
    assert!(s.indexed.is_none());
    assert!(s.filter.is_some());
}

#[test]
fn order_keys() {
    let mut schema = TestSchema {
        attrs: attrs(),
        skills: Vec::new(),
    };
    let k = order_key("skill.billing desc", &mut schema).unwrap();
    assert_eq!((k.source, k.desc), (OrderSource::Skill(0), true));
    let k = order_key("years", &mut schema).unwrap();
    assert_eq!(k.source, OrderSource::Attr(4, Type::Number));
    assert!(!k.desc);
    assert_eq!(
        order_key("idle desc", &mut schema).unwrap().source,
        OrderSource::Idle
    );
    assert_eq!(order_key("years up", &mut schema).unwrap_err().column, 7);
    assert_eq!(order_key("lang desc", &mut schema).unwrap_err().column, 1);
    assert_eq!(order_key("nope", &mut schema).unwrap_err().column, 1);
    assert!(order_key("a.b", &mut schema).is_err());
}

// ---- properties ----

fn str_operand() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["\"fr\"", "\"en\"", "'gold'", "\"\"", "\"a\\\"b\""])
            .prop_map(String::from),
        prop::sample::select(vec!["lang", "tier", "call.ani", "call.region", "call.dnis"])
            .prop_map(String::from),
    ]
}

fn num_operand() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["0", "3", "3.5", "-1", "10"]).prop_map(String::from),
        prop::sample::select(vec![
            "years",
            "skill.billing",
            "skill.sales",
            "call.priority"
        ])
        .prop_map(String::from),
    ]
}

fn str_list() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["langs", "[]", "[\"fr\"]", "['en', \"de\"]"]).prop_map(String::from)
}

fn leaf() -> impl Strategy<Value = String> {
    let ops = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
    prop_oneof![
        prop::sample::select(vec!["true", "false", "trainee"]).prop_map(String::from),
        (
            str_operand(),
            prop::sample::select(vec!["==", "!=", "<", ">="]),
            str_operand()
        )
            .prop_map(|(a, o, b)| format!("{a} {o} {b}")),
        (num_operand(), ops, num_operand()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
        (str_operand(), str_list()).prop_map(|(a, l)| format!("{a} in {l}")),
        (str_list(), str_operand()).prop_map(|(l, a)| format!("{l} has {a}")),
        (str_operand(), str_operand()).prop_map(|(a, b)| format!("{a} contains {b}")),
        num_operand().prop_map(|a| format!("{a} in [1, 3.5, -1]")),
    ]
}

fn boolean() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| format!("!({a})")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) && ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
        ]
    })
}

fn world() -> impl Strategy<Value = World> {
    let lang = prop::option::of(prop::sample::select(vec!["fr", "en", "gold", ""]));
    let langs = prop::sample::subsequence(vec!["fr", "en", "de"], 0..=3);
    let years = prop::option::of(prop::sample::select(vec![0.0, 3.0, 3.5, -1.0, 7.25]));
    (
        (
            lang.clone(),
            lang,
            langs,
            years,
            prop::option::of(any::<bool>()),
        ),
        (0u8..=10, 0u8..=10, -2i32..12),
        (
            prop::sample::select(vec!["", "fr", "+44"]),
            prop::option::of(prop::sample::select(vec!["fr", "eu"])),
        ),
    )
        .prop_map(
            |((lang, tier, langs, years, trainee), (b, s, prio), (ani, region))| {
                let mut w = World::default();
                if let Some(l) = lang {
                    w.attrs.insert("lang".into(), Value::String(l.into()));
                }
                if let Some(t) = tier {
                    w.attrs.insert("tier".into(), Value::String(t.into()));
                }
                w.attrs.insert(
                    "langs".into(),
                    Value::StringList(langs.into_iter().map(String::from).collect()),
                );
                if let Some(y) = years {
                    w.attrs.insert("years".into(), Value::Number(y));
                }
                if let Some(t) = trainee {
                    w.attrs.insert("trainee".into(), Value::Bool(t));
                }
                w.skills.insert("billing".into(), b);
                w.skills.insert("sales".into(), s);
                w.ani = ani.into();
                w.priority = prio;
                if let Some(r) = region {
                    w.data.insert("region".into(), r.into());
                }
                w
            },
        )
}

/// An owned value of the naive interpreter.
#[derive(Clone, Debug, PartialEq)]
enum Naive {
    B(bool),
    N(f64),
    S(String),
    L(Vec<Naive>),
}

/// Interprets the syntax tree directly, names looked up by string.
fn naive(ast: &Ast, w: &World) -> Naive {
    use Naive::*;
    match &ast.kind {
        AstKind::Bool(b) => B(*b),
        AstKind::Num(n) => N(*n),
        AstKind::Str(s) => S(s.clone()),
        AstKind::List(items) => L(items.iter().map(|i| naive(i, w)).collect()),
        AstKind::Path(p) => match p.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["skill", s] => N(f64::from(w.skills.get(*s).copied().unwrap_or(0))),
            ["call", "ani"] => S(w.ani.clone()),
            ["call", "dnis"] => S(w.dnis.clone()),
            ["call", "priority"] => N(f64::from(w.priority)),
            ["call", k] => S(w.data.get(*k).cloned().unwrap_or_default()),
            [name] => match (w.attrs.get(*name), attrs()[*name]) {
                (Some(Value::Bool(b)), _) => B(*b),
                (Some(Value::Number(n)), _) => N(*n),
                (Some(Value::String(s)), _) => S(s.clone()),
                (Some(Value::StringList(l)), _) => L(l.iter().cloned().map(S).collect()),
                (None, Type::Bool) => B(false),
                (None, Type::Number) => N(0.0),
                (None, Type::String) => S(String::new()),
                (None, Type::StringList) => L(vec![]),
            },
            other => panic!("unexpected path {other:?}"),
        },
        AstKind::Not(a) => B(naive(a, w) != B(true)),
        AstKind::And(a, b) => B(naive(a, w) == B(true) && naive(b, w) == B(true)),
        AstKind::Or(a, b) => B(naive(a, w) == B(true) || naive(b, w) == B(true)),
        AstKind::Cmp(op, a, b) => {
            let (x, y) = (naive(a, w), naive(b, w));
            let ord = match (&x, &y) {
                (N(p), N(q)) => p.partial_cmp(q),
                (S(p), S(q)) => Some(p.cmp(q)),
                (B(p), B(q)) => Some(p.cmp(q)),
                _ => None,
            };
            use std::cmp::Ordering::*;
            B(match op {
                CmpOp::Eq => ord == Some(Equal),
                CmpOp::Ne => matches!(ord, Some(Less | Greater)),
                CmpOp::Lt => ord == Some(Less),
                CmpOp::Le => matches!(ord, Some(Less | Equal)),
                CmpOp::Gt => ord == Some(Greater),
                CmpOp::Ge => matches!(ord, Some(Greater | Equal)),
                CmpOp::In => matches!(&y, L(l) if l.contains(&x)),
                CmpOp::Contains => match (&x, &y) {
                    (L(l), _) => l.contains(&y),
                    (S(h), S(n)) => h.contains(n.as_str()),
                    _ => false,
                },
            })
        }
    }
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_tree(text in boolean()) {
        let ast = parse(&text).unwrap();
        let printed = ast.to_string();
        let again = parse(&printed).unwrap();
        prop_assert_eq!(&again, &ast);
        prop_assert_eq!(again.to_string(), printed);
    }

    #[test]
    fn compiled_evaluation_matches_a_naive_interpreter(text in boolean(), w in world()) {
        prop_assert!(check(&text, &attrs()).is_ok(), "{} does not check", text);
        let ast = parse(&text).unwrap();
        prop_assert_eq!(eval(&text, &w), naive(&ast, &w) == Naive::B(true), "{}", text);
    }

    #[test]
    fn split_halves_together_decide_like_the_whole(text in boolean(), w in world()) {
        let mut schema = TestSchema { attrs: attrs(), skills: Vec::new() };
        let s = split(&text, &mut schema).unwrap();
        let env = Compiled::new(&w, &schema);
        let halves = s.indexed.as_ref().is_none_or(|p| p.eval(&env))
            && s.filter.as_ref().is_none_or(|p| p.eval(&env));
        prop_assert_eq!(halves, eval(&text, &w));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
        let _ = check(&text, &attrs());
        let _ = check_order_key(&text, &attrs());
    }
}

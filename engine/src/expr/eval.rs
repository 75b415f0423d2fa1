//! Evaluation of a compiled [`Program`] against an agent and, optionally, a
//! call. Evaluation borrows everything it reads and allocates nothing.

use super::compile::{CallField, Node, NodeIx, Program};
use super::parse::CmpOp;
use super::{Type, Value};
use std::cmp::Ordering;

/// What an expression reads: one agent, and the call when there is one.
pub(crate) trait Env {
    /// The agent's attribute in `slot`; `None` = not set (the type's default).
    fn attribute(&self, slot: u32) -> Option<&Value>;
    /// The agent's level in an interned skill; 0 = none.
    fn skill_level(&self, skill: u32) -> u8;
    /// A field of the call; empty string / 0 when there is no call.
    fn call_field(&self, field: &CallField) -> CallValue<'_>;
}

/// A call field's value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CallValue<'a> {
    Str(&'a str),
    Num(f64),
}

/// A value during evaluation.
#[derive(Clone, Copy, Debug)]
enum V<'a> {
    Bool(bool),
    Num(f64),
    Str(&'a str),
    StrList(&'a [String]),
    NumList(&'a [f64]),
}

impl Program {
    /// Evaluates the expression; deterministic, allocation-free.
    pub(crate) fn eval(&self, env: &impl Env) -> bool {
        matches!(self.value(self.root, env), V::Bool(true))
    }

    fn value<'a>(&'a self, i: NodeIx, env: &'a impl Env) -> V<'a> {
        match &self.nodes[i as usize] {
            Node::Bool(b) => V::Bool(*b),
            Node::Num(n) => V::Num(*n),
            Node::Str(s) => V::Str(s),
            Node::StrList(l) => V::StrList(l),
            Node::NumList(l) => V::NumList(l),
            Node::Attr(slot, ty) => attribute(env.attribute(*slot), *ty),
            Node::Skill(s) => V::Num(f64::from(env.skill_level(*s))),
            Node::Call(f) => match env.call_field(f) {
                CallValue::Str(s) => V::Str(s),
                CallValue::Num(n) => V::Num(n),
            },
            Node::Not(a) => V::Bool(!self.truth(*a, env)),
            Node::And(a, b) => V::Bool(self.truth(*a, env) && self.truth(*b, env)),
            Node::Or(a, b) => V::Bool(self.truth(*a, env) || self.truth(*b, env)),
            Node::Cmp(op, a, b) => V::Bool(compare(*op, self.value(*a, env), self.value(*b, env))),
        }
    }

    fn truth(&self, i: NodeIx, env: &impl Env) -> bool {
        matches!(self.value(i, env), V::Bool(true))
    }
}

/// An attribute's value, or its type's default when unset.
fn attribute(v: Option<&Value>, ty: Type) -> V<'_> {
    match (v, ty) {
        (Some(Value::Bool(b)), Type::Bool) => V::Bool(*b),
        (Some(Value::Number(n)), Type::Number) => V::Num(*n),
        (Some(Value::String(s)), Type::String) => V::Str(s),
        (Some(Value::StringList(l)), Type::StringList) => V::StrList(l),
        (_, Type::Bool) => V::Bool(false),
        (_, Type::Number) => V::Num(0.0),
        (_, Type::String) => V::Str(""),
        (_, Type::StringList) => V::StrList(&[]),
    }
}

fn order(a: V<'_>, b: V<'_>) -> Option<Ordering> {
    match (a, b) {
        (V::Num(x), V::Num(y)) => x.partial_cmp(&y),
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(&y)),
        _ => None,
    }
}

fn member(list: V<'_>, x: V<'_>) -> bool {
    match (list, x) {
        (V::StrList(l), V::Str(s)) => l.iter().any(|e| e == s),
        (V::NumList(l), V::Num(n)) => l.contains(&n),
        (V::Str(hay), V::Str(needle)) => hay.contains(needle),
        _ => false,
    }
}

fn compare(op: CmpOp, a: V<'_>, b: V<'_>) -> bool {
    let ord = order(a, b);
    match op {
        CmpOp::Eq => ord == Some(Ordering::Equal),
        CmpOp::Ne => ord.is_some_and(|o| o != Ordering::Equal),
        CmpOp::Lt => ord == Some(Ordering::Less),
        CmpOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => ord == Some(Ordering::Greater),
        CmpOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        CmpOp::In => member(b, a),
        CmpOp::Contains => member(a, b),
    }
}

//! The attribute expression language of groups and stages (R-10.1) and the
//! `order_by` keys of groups (R-10.2).
//!
//! An expression is a boolean over an agent's typed attributes, its skill
//! levels and the call's data:
//!
//! ```text
//! skill.billing >= 5 && "fr" in languages
//! region == call.region || tier == "gold"
//! !trainee && certifications has "pci"
//! ```
//!
//! The pipeline is [`lex`] (tokens with columns) → [`parse`] (syntax tree,
//! printable back to canonical text) → [`compile`] (type check against the
//! tenant's declared attributes, names resolved to slots and interned
//! skills) → [`eval`] (allocation-free, deterministic evaluation). Every
//! error carries the 1-based column it was found at. The grammar is in the
//! README ("Routing model").
//!
//! The engine splits a group's expression at its top-level `&&`: the
//! conjuncts that read only the agent are evaluated once per agent when its
//! skills or attributes change and folded into the ready index; those that
//! read `call.*` filter the indexed candidates when a call and an agent
//! meet ([`split`]).

mod compile;
mod eval;
mod lex;
mod parse;

pub use parse::CmpOp;

pub(crate) use compile::{CallField, Program, Schema};
pub(crate) use eval::{CallValue, Env};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The type of an agent attribute, declared per tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    /// `true` / `false`.
    Bool,
    /// A finite number.
    Number,
    /// A string.
    String,
    /// A list of strings (`languages`, `certifications`).
    StringList,
}

/// The value of an agent attribute. In JSON: `true`, `3`, `"gold"`, `["fr", "en"]`.
/// A number must be finite (TOML's `nan` and `inf` are refused when parsed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "RawValue")]
pub enum Value {
    /// A bool.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// A list of strings.
    StringList(Vec<String>),
}

/// The parsed form of a [`Value`], before numbers are checked.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawValue {
    Bool(bool),
    Number(f64),
    String(String),
    StringList(Vec<String>),
}

impl TryFrom<RawValue> for Value {
    type Error = String;
    fn try_from(raw: RawValue) -> Result<Value, String> {
        Ok(match raw {
            RawValue::Bool(b) => Value::Bool(b),
            RawValue::Number(n) if n.is_finite() => Value::Number(n),
            RawValue::Number(_) => return Err("an attribute number must be finite".into()),
            RawValue::String(s) => Value::String(s),
            RawValue::StringList(l) => Value::StringList(l),
        })
    }
}

impl Value {
    /// The value's type.
    pub fn type_of(&self) -> Type {
        match self {
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::StringList(_) => Type::StringList,
        }
    }
}

/// An expression that does not parse or type-check, with the column
/// (1-based, in characters) the problem was found at.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ExprError {
    /// 1-based column in the expression text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl ExprError {
    pub(crate) fn new(column: usize, message: impl Into<String>) -> Self {
        Self {
            column,
            message: message.into(),
        }
    }
}

/// A schema from declared attribute types; skills are not interned.
struct Declared<'a>(&'a BTreeMap<String, Type>);

impl Schema for Declared<'_> {
    fn attribute(&self, name: &str) -> Option<(u32, Type)> {
        attribute_slot(self.0, name)
    }
    fn skill(&mut self, _id: &str) -> u32 {
        0
    }
}

/// Slot (position in name order) and type of a declared attribute.
pub(crate) fn attribute_slot(attrs: &BTreeMap<String, Type>, name: &str) -> Option<(u32, Type)> {
    let ty = *attrs.get(name)?;
    let slot = attrs.keys().take_while(|k| k.as_str() < name).count() as u32;
    Some((slot, ty))
}

/// Parses and type-checks `text` against the declared attribute types
/// (R-10.1). This is the check configuration validation runs.
pub fn check(text: &str, attributes: &BTreeMap<String, Type>) -> Result<(), ExprError> {
    let ast = parse::parse(text)?;
    compile::compile(&ast, &mut Declared(attributes)).map(|_| ())
}

/// Canonical (fully parenthesised) text of an expression.
pub fn canonical(text: &str) -> Result<String, ExprError> {
    Ok(parse::parse(text)?.to_string())
}

/// A group expression split for the ready index: `indexed` reads only the
/// agent, `filter` the conjuncts that read the call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Split {
    pub(crate) indexed: Option<Program>,
    pub(crate) filter: Option<Program>,
}

/// Compiles `text` and splits it at its top-level `&&` into the part that
/// reads only the agent and the part that reads the call.
pub(crate) fn split(text: &str, schema: &mut dyn Schema) -> Result<Split, ExprError> {
    let ast = parse::parse(text)?;
    // Type-check the whole first, so errors point into the text as written.
    compile::compile(&ast, schema)?;
    let (call, agent): (Vec<_>, Vec<_>) = ast.conjuncts().into_iter().partition(|c| c.uses_call());
    let build = |parts, schema: &mut dyn Schema| {
        parse::Ast::all(parts)
            .map(|a| compile::compile(&a, schema))
            .transpose()
    };
    Ok(Split {
        indexed: build(agent, schema)?,
        filter: build(call, schema)?,
    })
}

/// What an `order_by` key sorts on (R-10.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum OrderSource {
    /// An interned skill's level.
    Skill(u32),
    /// A number or bool attribute's slot.
    Attr(u32, Type),
    /// Idle time: the longest-idle strategy as a tie-break.
    Idle,
}

/// One `order_by` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderKey {
    pub(crate) source: OrderSource,
    /// Highest first.
    pub(crate) desc: bool,
}

/// Parses an `order_by` entry: `skill.<id>`, a number or bool attribute, or
/// `idle`, then optionally `asc` (default) or `desc`.
pub(crate) fn order_key(text: &str, schema: &mut dyn Schema) -> Result<OrderKey, ExprError> {
    use lex::Tok;
    let tokens = lex::tokenize(text)?;
    let toks = &tokens[..tokens.len() - 1];
    let word = |t: &lex::Token| match &t.tok {
        Tok::Word(w) => Some(w.clone()),
        _ => None,
    };
    let (path, dir) = match toks {
        [s, d, id, rest @ ..]
            if word(s).as_deref() == Some("skill") && d.tok == Tok::Dot && word(id).is_some() =>
        {
            (OrderPath::Skill(word(id).unwrap_or_default()), rest)
        }
        [name, rest @ ..]
            if word(name).is_some() && rest.first().is_none_or(|t| t.tok != Tok::Dot) =>
        {
            (
                OrderPath::Name(word(name).unwrap_or_default(), name.col),
                rest,
            )
        }
        _ => {
            return Err(ExprError::new(
                toks.first().map_or(1, |t| t.col),
                "expected `skill.<id>`, an attribute or `idle`, then `asc` or `desc`",
            ))
        }
    };
    let dir: Vec<(Option<String>, usize)> = dir.iter().map(|t| (word(t), t.col)).collect();
    let desc = match dir.as_slice() {
        [] => false,
        [(Some(d), _)] if d.eq_ignore_ascii_case("asc") => false,
        [(Some(d), _)] if d.eq_ignore_ascii_case("desc") => true,
        [(_, col), ..] => return Err(ExprError::new(*col, "expected `asc` or `desc`")),
    };
    let source = match path {
        OrderPath::Skill(id) => OrderSource::Skill(schema.skill(&id)),
        OrderPath::Name(name, _) if name == "idle" => OrderSource::Idle,
        OrderPath::Name(name, col) => match schema.attribute(&name) {
            Some((slot, t @ (Type::Number | Type::Bool))) => OrderSource::Attr(slot, t),
            Some(_) => {
                return Err(ExprError::new(
                    col,
                    format!("`{name}` is not a number or bool attribute"),
                ))
            }
            None => return Err(ExprError::new(col, format!("unknown attribute `{name}`"))),
        },
    };
    Ok(OrderKey { source, desc })
}

enum OrderPath {
    Skill(String),
    Name(String, usize),
}

/// Checks an `order_by` entry against the declared attribute types (R-10.2).
pub fn check_order_key(text: &str, attributes: &BTreeMap<String, Type>) -> Result<(), ExprError> {
    order_key(text, &mut Declared(attributes)).map(|_| ())
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Bool => "bool",
            Type::Number => "number",
            Type::String => "string",
            Type::StringList => "string list",
        })
    }
}

#[cfg(test)]
mod tests;

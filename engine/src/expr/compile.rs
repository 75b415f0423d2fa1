//! Type checking and compilation of a syntax tree into a [`Program`]: a flat
//! node array whose names are resolved to attribute slots, interned skills
//! and call fields, evaluated without allocating (see [`super::eval`]).

use super::parse::{Ast, AstKind, CmpOp};
use super::{ExprError, Type};
use serde::{Deserialize, Serialize};

/// Index of a node in [`Program::nodes`].
pub(crate) type NodeIx = u32;

/// What names mean when an expression is compiled.
pub(crate) trait Schema {
    /// Slot and type of an agent attribute.
    fn attribute(&self, name: &str) -> Option<(u32, Type)>;
    /// Interned number of a skill (any skill id is valid; absent = level 0).
    fn skill(&mut self, id: &str) -> u32;
}

/// A field of the call an expression may read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum CallField {
    /// Calling number (`call.ani`).
    Ani,
    /// Called number (`call.dnis`).
    Dnis,
    /// Priority (`call.priority`).
    Priority,
    /// Attached data (`call.<key>`).
    Data(String),
}

/// One compiled node. Children are node indices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Node {
    Bool(bool),
    Num(f64),
    Str(String),
    StrList(Vec<String>),
    NumList(Vec<f64>),
    Attr(u32, Type),
    Skill(u32),
    Call(CallField),
    Not(NodeIx),
    And(NodeIx, NodeIx),
    Or(NodeIx, NodeIx),
    Cmp(CmpOp, NodeIx, NodeIx),
}

/// A checked, compiled boolean expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Program {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeIx,
    /// Canonical source text (fully parenthesised).
    pub(crate) text: String,
}

// Number literals are finite (the lexer refuses others), so equality is an
// equivalence: ready pools may be shared by groups with equal programs.
impl Eq for Program {}

/// Static types, including the two list-literal types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Bool,
    Num,
    Str,
    StrList,
    NumList,
}

impl Ty {
    fn of(t: Type) -> Ty {
        match t {
            Type::Bool => Ty::Bool,
            Type::Number => Ty::Num,
            Type::String => Ty::Str,
            Type::StringList => Ty::StrList,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "bool",
            Ty::Num => "number",
            Ty::Str => "string",
            Ty::StrList => "string list",
            Ty::NumList => "number list",
        }
    }

    fn element(self) -> Option<Ty> {
        match self {
            Ty::StrList => Some(Ty::Str),
            Ty::NumList => Some(Ty::Num),
            _ => None,
        }
    }
}

/// Checks that `ast` is a well-typed boolean expression and compiles it.
pub(crate) fn compile(ast: &Ast, schema: &mut dyn Schema) -> Result<Program, ExprError> {
    let mut c = Compiler {
        nodes: Vec::new(),
        schema,
    };
    let (root, ty) = c.node(ast)?;
    if ty != Ty::Bool {
        return Err(ExprError::new(
            ast.col,
            format!("the expression must be a bool, found {}", ty.name()),
        ));
    }
    Ok(Program {
        nodes: c.nodes,
        root,
        text: ast.to_string(),
    })
}

struct Compiler<'s> {
    nodes: Vec<Node>,
    schema: &'s mut dyn Schema,
}

impl Compiler<'_> {
    fn push(&mut self, node: Node, ty: Ty) -> (NodeIx, Ty) {
        self.nodes.push(node);
        ((self.nodes.len() - 1) as NodeIx, ty)
    }

    fn node(&mut self, ast: &Ast) -> Result<(NodeIx, Ty), ExprError> {
        Ok(match &ast.kind {
            AstKind::Bool(b) => self.push(Node::Bool(*b), Ty::Bool),
            AstKind::Num(n) => self.push(Node::Num(*n), Ty::Num),
            AstKind::Str(s) => self.push(Node::Str(s.clone()), Ty::Str),
            AstKind::List(items) => self.list(items)?,
            AstKind::Path(p) => self.path(p, ast.col)?,
            AstKind::Not(a) => {
                let a = self.boolean(a, "`!`")?;
                self.push(Node::Not(a), Ty::Bool)
            }
            AstKind::And(a, b) => {
                let (a, b) = (self.boolean(a, "`&&`")?, self.boolean(b, "`&&`")?);
                self.push(Node::And(a, b), Ty::Bool)
            }
            AstKind::Or(a, b) => {
                let (a, b) = (self.boolean(a, "`||`")?, self.boolean(b, "`||`")?);
                self.push(Node::Or(a, b), Ty::Bool)
            }
            AstKind::Cmp(op, a, b) => {
                let (ia, ta) = self.node(a)?;
                let (ib, tb) = self.node(b)?;
                check_cmp(*op, ta, tb, ast.col)?;
                self.push(Node::Cmp(*op, ia, ib), Ty::Bool)
            }
        })
    }

    fn boolean(&mut self, ast: &Ast, op: &str) -> Result<NodeIx, ExprError> {
        let (i, ty) = self.node(ast)?;
        if ty != Ty::Bool {
            return Err(ExprError::new(
                ast.col,
                format!("{op} needs a bool, found {}", ty.name()),
            ));
        }
        Ok(i)
    }

    fn list(&mut self, items: &[Ast]) -> Result<(NodeIx, Ty), ExprError> {
        let strings: Vec<String> = items
            .iter()
            .filter_map(|i| match &i.kind {
                AstKind::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let numbers: Vec<f64> = items
            .iter()
            .filter_map(|i| match i.kind {
                AstKind::Num(n) => Some(n),
                _ => None,
            })
            .collect();
        match (strings.len(), numbers.len()) {
            (_, 0) => Ok(self.push(Node::StrList(strings), Ty::StrList)),
            (0, _) => Ok(self.push(Node::NumList(numbers), Ty::NumList)),
            _ => {
                let first_num = items.iter().position(|i| matches!(i.kind, AstKind::Num(_)));
                let first_str = items.iter().position(|i| matches!(i.kind, AstKind::Str(_)));
                let odd = first_num.max(first_str).unwrap_or(0);
                Err(ExprError::new(
                    items[odd].col,
                    "a list holds only strings or only numbers",
                ))
            }
        }
    }

    fn path(&mut self, p: &[String], col: usize) -> Result<(NodeIx, Ty), ExprError> {
        match p {
            [skill, id] if skill == "skill" => {
                let no = self.schema.skill(id);
                Ok(self.push(Node::Skill(no), Ty::Num))
            }
            [skill, ..] if skill == "skill" => Err(ExprError::new(
                col,
                "a skill is written `skill.<id>`".to_string(),
            )),
            [call, field @ ..] if call == "call" && !field.is_empty() => {
                let (f, ty) = match field {
                    [f] if f == "ani" => (CallField::Ani, Ty::Str),
                    [f] if f == "dnis" => (CallField::Dnis, Ty::Str),
                    [f] if f == "priority" => (CallField::Priority, Ty::Num),
                    _ => (CallField::Data(field.join(".")), Ty::Str),
                };
                Ok(self.push(Node::Call(f), ty))
            }
            [name] => match self.schema.attribute(name) {
                Some((slot, t)) => Ok(self.push(Node::Attr(slot, t), Ty::of(t))),
                None => Err(ExprError::new(
                    col,
                    format!("unknown attribute `{name}` (declare it in the tenant's `attributes`)"),
                )),
            },
            _ => Err(ExprError::new(
                col,
                format!(
                    "unknown name `{}`: use an attribute, `skill.<id>` or `call.<field>`",
                    p.join(".")
                ),
            )),
        }
    }
}

fn check_cmp(op: CmpOp, a: Ty, b: Ty, col: usize) -> Result<(), ExprError> {
    let ok = match op {
        CmpOp::Eq | CmpOp::Ne => a == b && matches!(a, Ty::Bool | Ty::Num | Ty::Str),
        CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => a == b && matches!(a, Ty::Num | Ty::Str),
        CmpOp::In => b.element() == Some(a),
        CmpOp::Contains => a.element() == Some(b) || (a == Ty::Str && b == Ty::Str),
    };
    if ok {
        return Ok(());
    }
    let wanted = match op {
        CmpOp::Eq | CmpOp::Ne => "two values of the same type (bool, number or string)",
        CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => "two numbers or two strings",
        CmpOp::In => "a value on the left and a list of its type on the right",
        CmpOp::Contains => "a list and a value of its type, or two strings",
    };
    Err(ExprError::new(
        col,
        format!(
            "`{}` needs {wanted}, found {} and {}",
            op.symbol(),
            a.name(),
            b.name()
        ),
    ))
}

//! The syntax tree and its recursive-descent parser and printer.
//!
//! Precedence, loosest first: `||`/`or`, `&&`/`and`, `!`/`not`, one
//! comparison (comparisons do not chain), operands.

use super::lex::{tokenize, Tok, Token};
use super::ExprError;
use std::fmt;

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `x in list`
    In,
    /// `list contains x` (also `has`); for two strings, substring.
    Contains,
}

impl CmpOp {
    /// The operator as written in canonical text.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
            CmpOp::Contains => "contains",
        }
    }
}

/// A node of the syntax tree with the column it starts at.
#[derive(Clone, Debug)]
pub(crate) struct Ast {
    pub(crate) kind: AstKind,
    pub(crate) col: usize,
}

/// What a syntax node is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AstKind {
    Bool(bool),
    Num(f64),
    Str(String),
    /// `[a, b]`: string or number literals.
    List(Vec<Ast>),
    /// `name`, `skill.x`, `call.y`.
    Path(Vec<String>),
    Not(Box<Ast>),
    And(Box<Ast>, Box<Ast>),
    Or(Box<Ast>, Box<Ast>),
    Cmp(CmpOp, Box<Ast>, Box<Ast>),
}

/// Two trees are equal when they have the same shape, whatever the columns.
impl PartialEq for Ast {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Ast {
    pub(crate) fn new(kind: AstKind, col: usize) -> Self {
        Self { kind, col }
    }

    /// Whether the tree reads call data (`call.*`).
    pub(crate) fn uses_call(&self) -> bool {
        match &self.kind {
            AstKind::Path(p) => p.first().is_some_and(|s| s == "call"),
            AstKind::List(items) => items.iter().any(Ast::uses_call),
            AstKind::Not(a) => a.uses_call(),
            AstKind::And(a, b) | AstKind::Or(a, b) | AstKind::Cmp(_, a, b) => {
                a.uses_call() || b.uses_call()
            }
            AstKind::Bool(_) | AstKind::Num(_) | AstKind::Str(_) => false,
        }
    }

    /// The operands of the top-level `&&` chain, in order.
    pub(crate) fn conjuncts(self) -> Vec<Ast> {
        match self.kind {
            AstKind::And(a, b) => {
                let mut v = a.conjuncts();
                v.extend(b.conjuncts());
                v
            }
            _ => vec![self],
        }
    }

    /// Joins conjuncts back with `&&`; `None` when there are none.
    pub(crate) fn all(parts: Vec<Ast>) -> Option<Ast> {
        parts.into_iter().reduce(|a, b| {
            let col = a.col;
            Ast::new(AstKind::And(Box::new(a), Box::new(b)), col)
        })
    }
}

/// Parses an expression.
pub(crate) fn parse(text: &str) -> Result<Ast, ExprError> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0 };
    let ast = p.or()?;
    match &p.peek().tok {
        Tok::End => Ok(ast),
        _ => Err(p.unexpected("an operator or the end")),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if t.tok != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self, wanted: &str) -> ExprError {
        let t = self.peek();
        let found = match &t.tok {
            Tok::End => "the end".to_string(),
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Num(n) => format!("number {n}"),
            other => format!("{other:?}"),
        };
        ExprError::new(t.col, format!("expected {wanted}, found {found}"))
    }

    fn is_word(&self, words: &[&str]) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if words.iter().any(|k| w.eq_ignore_ascii_case(k)))
    }

    fn or(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.and()?;
        while self.peek().tok == Tok::OrOr || self.is_word(&["or"]) {
            self.bump();
            let right = self.and()?;
            let col = left.col;
            left = Ast::new(AstKind::Or(Box::new(left), Box::new(right)), col);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.not()?;
        while self.peek().tok == Tok::AndAnd || self.is_word(&["and"]) {
            self.bump();
            let right = self.not()?;
            let col = left.col;
            left = Ast::new(AstKind::And(Box::new(left), Box::new(right)), col);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Ast, ExprError> {
        if self.peek().tok == Tok::Bang || self.is_word(&["not"]) {
            let col = self.bump().col;
            let inner = self.not()?;
            return Ok(Ast::new(AstKind::Not(Box::new(inner)), col));
        }
        self.comparison()
    }

    fn cmp_op(&self) -> Option<CmpOp> {
        Some(match &self.peek().tok {
            Tok::Eq => CmpOp::Eq,
            Tok::Ne => CmpOp::Ne,
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            _ if self.is_word(&["in"]) => CmpOp::In,
            _ if self.is_word(&["contains", "has"]) => CmpOp::Contains,
            _ => return None,
        })
    }

    fn comparison(&mut self) -> Result<Ast, ExprError> {
        let left = self.operand()?;
        let Some(op) = self.cmp_op() else {
            return Ok(left);
        };
        let col = self.bump().col;
        let right = self.operand()?;
        if self.cmp_op().is_some() {
            return Err(self.unexpected("`&&`, `||` or `)` (comparisons do not chain)"));
        }
        Ok(Ast::new(
            AstKind::Cmp(op, Box::new(left), Box::new(right)),
            col,
        ))
    }

    fn operand(&mut self) -> Result<Ast, ExprError> {
        let Token { tok, col } = self.peek().clone();
        let kind = match tok {
            Tok::Str(s) => AstKind::Str(s),
            Tok::Num(n) => AstKind::Num(n),
            Tok::LParen => {
                self.bump();
                let inner = self.or()?;
                if self.peek().tok != Tok::RParen {
                    return Err(self.unexpected("`)`"));
                }
                self.bump();
                return Ok(inner);
            }
            Tok::LBracket => return self.list(),
            Tok::Word(w) if w == "true" => AstKind::Bool(true),
            Tok::Word(w) if w == "false" => AstKind::Bool(false),
            Tok::Word(_) if self.is_keyword() => return Err(self.unexpected("an operand")),
            Tok::Word(_) => return self.path(),
            _ => return Err(self.unexpected("an operand")),
        };
        self.bump();
        Ok(Ast::new(kind, col))
    }

    fn is_keyword(&self) -> bool {
        self.is_word(&["and", "or", "not", "in", "contains", "has"])
    }

    fn path(&mut self) -> Result<Ast, ExprError> {
        let col = self.peek().col;
        let mut segments = Vec::new();
        loop {
            let Tok::Word(w) = &self.peek().tok else {
                return Err(self.unexpected("a name"));
            };
            segments.push(w.clone());
            self.bump();
            if self.peek().tok != Tok::Dot {
                return Ok(Ast::new(AstKind::Path(segments), col));
            }
            self.bump();
        }
    }

    fn list(&mut self) -> Result<Ast, ExprError> {
        let col = self.bump().col;
        let mut items = Vec::new();
        if self.peek().tok == Tok::RBracket {
            self.bump();
            return Ok(Ast::new(AstKind::List(items), col));
        }
        loop {
            let Token { tok, col } = self.peek().clone();
            let kind = match tok {
                Tok::Str(s) => AstKind::Str(s),
                Tok::Num(n) => AstKind::Num(n),
                _ => return Err(self.unexpected("a string or number in the list")),
            };
            self.bump();
            items.push(Ast::new(kind, col));
            match self.peek().tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RBracket => {
                    self.bump();
                    return Ok(Ast::new(AstKind::List(items), col));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }
}

/// Prints the tree back as source text; binary operations are parenthesised,
/// so `parse(print(t)) == t`.
impl fmt::Display for Ast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            AstKind::Bool(b) => write!(f, "{b}"),
            AstKind::Num(n) => write!(f, "{n}"),
            AstKind::Str(s) => write_str(f, s),
            AstKind::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            AstKind::Path(p) => f.write_str(&p.join(".")),
            AstKind::Not(a) => write!(f, "!{a}"),
            AstKind::And(a, b) => write!(f, "({a} && {b})"),
            AstKind::Or(a, b) => write!(f, "({a} || {b})"),
            AstKind::Cmp(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
        }
    }
}

fn write_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse(s).unwrap().to_string()
    }

    #[test]
    fn precedence_or_and_not() {
        assert_eq!(p("a || b && !c"), "(a || (b && !c))");
        assert_eq!(p("a and b or not c"), "((a && b) || !c)");
        assert_eq!(p("(a || b) && c"), "((a || b) && c)");
        assert_eq!(
            p(r#"skill.billing >= 5 && "fr" in languages"#),
            r#"((skill.billing >= 5) && ("fr" in languages))"#
        );
        assert_eq!(p("certs has 'x'"), r#"(certs contains "x")"#);
        assert_eq!(p("region in ['eu', 'us']"), r#"(region in ["eu", "us"])"#);
        assert_eq!(p("x AND y OR z"), "((x && y) || z)");
    }

    #[test]
    fn parse_errors_point_at_the_column() {
        let e = |s: &str| parse(s).unwrap_err();
        assert_eq!(e("a == ").column, 6);
        assert_eq!(e("(a || b").column, 8);
        assert_eq!(e("a == b == c").column, 8);
        assert_eq!(e("a b").column, 3);
        assert_eq!(e("x in [1, y]").column, 10);
        assert_eq!(e("skill.").column, 7);
        assert_eq!(e("&& a").column, 1);
        assert!(e("a b").message.contains("`b`"));
    }
}

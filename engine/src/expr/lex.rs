//! Tokens of the expression language, each with its 1-based column.

use super::ExprError;

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A word: identifier or keyword (`and`, `in`, `true`, ...).
    Word(String),
    /// A quoted string, escapes resolved.
    Str(String),
    /// A number literal.
    Num(f64),
    Dot,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    Bang,
    End,
}

/// A token and the column (1-based, in characters) it starts at.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) col: usize,
}

/// Splits `text` into tokens, ending with [`Tok::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (tok, len) = match c {
            '"' | '\'' => string(&chars, i)?,
            '0'..='9' | '-' => number(&chars, i)?,
            c if c.is_ascii_alphabetic() || c == '_' => {
                let n = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '-')
                    .count();
                (Tok::Word(chars[i..i + n].iter().collect()), n)
            }
            _ => symbol(&chars, i)?,
        };
        out.push(Token { tok, col });
        i += len;
    }
    out.push(Token {
        tok: Tok::End,
        col: chars.len() + 1,
    });
    Ok(out)
}

fn symbol(chars: &[char], i: usize) -> Result<(Tok, usize), ExprError> {
    let next = chars.get(i + 1).copied();
    Ok(match (chars[i], next) {
        ('=', Some('=')) => (Tok::Eq, 2),
        ('!', Some('=')) => (Tok::Ne, 2),
        ('<', Some('=')) => (Tok::Le, 2),
        ('>', Some('=')) => (Tok::Ge, 2),
        ('&', Some('&')) => (Tok::AndAnd, 2),
        ('|', Some('|')) => (Tok::OrOr, 2),
        ('<', _) => (Tok::Lt, 1),
        ('>', _) => (Tok::Gt, 1),
        ('!', _) => (Tok::Bang, 1),
        ('.', _) => (Tok::Dot, 1),
        (',', _) => (Tok::Comma, 1),
        ('(', _) => (Tok::LParen, 1),
        (')', _) => (Tok::RParen, 1),
        ('[', _) => (Tok::LBracket, 1),
        (']', _) => (Tok::RBracket, 1),
        ('=', _) => return Err(ExprError::new(i + 1, "`=` is not an operator; use `==`")),
        (c, _) => return Err(ExprError::new(i + 1, format!("unexpected character {c:?}"))),
    })
}

fn string(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
    let quote = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return Ok((Tok::Str(s), i + 1 - start)),
            '\\' => {
                let Some(&e) = chars.get(i + 1) else { break };
                if !matches!(e, '"' | '\'' | '\\') {
                    return Err(ExprError::new(i + 1, format!("unknown escape \\{e}")));
                }
                s.push(e);
                i += 2;
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    Err(ExprError::new(start + 1, "unterminated string"))
}

fn number(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
    let mut i = start;
    if chars[i] == '-' {
        i += 1;
    }
    let digits = |i: usize| chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let whole = digits(i);
    if whole == 0 {
        return Err(ExprError::new(start + 1, "expected a digit"));
    }
    i += whole;
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        i += 1 + digits(i + 1);
    }
    let text: String = chars[start..i].iter().collect();
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((Tok::Num(n), i - start)),
        _ => Err(ExprError::new(start + 1, "number out of range")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn operators_and_words() {
        assert_eq!(
            toks("skill.billing >= 5 && !x"),
            vec![
                Tok::Word("skill".into()),
                Tok::Dot,
                Tok::Word("billing".into()),
                Tok::Ge,
                Tok::Num(5.0),
                Tok::AndAnd,
                Tok::Bang,
                Tok::Word("x".into()),
                Tok::End
            ]
        );
    }

    #[test]
    fn strings_with_escapes_and_negative_numbers() {
        assert_eq!(
            toks(r#"'a\'b' "c\\" -2.5"#),
            vec![
                Tok::Str("a'b".into()),
                Tok::Str("c\\".into()),
                Tok::Num(-2.5),
                Tok::End
            ]
        );
    }

    #[test]
    fn errors_point_at_the_column() {
        assert_eq!(tokenize("a = 1").unwrap_err().column, 3);
        assert_eq!(tokenize("x == \"open").unwrap_err().column, 6);
        assert_eq!(tokenize("x # y").unwrap_err().column, 3);
        assert_eq!(tokenize("x == -").unwrap_err().column, 6);
    }
}

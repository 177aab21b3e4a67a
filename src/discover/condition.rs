//! The `--where` condition of `escalate discover`: which trials (design
//! points, particles) are the cases of interest.
//!
//! A condition is the text form of a scenario's outcome rules
//! (`outcomes.classes[].when`, docs/scenario-format.md): the same metric
//! names, the same combinators, plus the outcome class itself:
//!
//! ```text
//! condition  = term { "or" term }
//! term       = factor { "and" factor }
//! factor     = "not" factor | "(" condition ")" | comparison
//! comparison = "class" ("=" | "!=") CLASS
//!            | NAME ("<" | "<=" | ">" | ">=" | "=" | "!=") NUMBER
//! ```
//!
//! `MetricAtLeast("x", v)` is `x >= v`, `MetricAtMost("x", v)` is `x <= v`,
//! `All([..])` is `and`, `Any([..])` is `or`, `Not(..)` is `not`. `and` binds
//! tighter than `or`; `==` may be written for `=`. NAME is a metric (a run's
//! CSV), a column of `points.csv` (a sweep) or `distance` (a posterior); names
//! and classes are letters, digits and `_ . @ - [ ] :`, starting with a letter
//! or `_`. A metric a trial has no value for (`first_strike_day` without a
//! strike) makes every comparison on it false: `not first_strike_day < 30`
//! holds for a trial without a strike.
//!
//! Errors name the column (1-based, in characters) and say how to fix it.

use std::fmt;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl Op {
    /// Whether `a op b`.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        })
    }
}

/// A byte range of the condition's text.
pub type Span = (usize, usize);

/// A parsed condition, with the byte span of every name for later errors.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `class = NAME` (`equal`) or `class != NAME`.
    Class {
        /// `=` rather than `!=`.
        equal: bool,
        /// The class.
        name: String,
        /// Where the class name is.
        span: Span,
    },
    /// `NAME op NUMBER`; `slot` is filled by [`Condition::resolve`].
    Compare {
        /// The column.
        name: String,
        /// Where it is.
        span: Span,
        /// The operator.
        op: Op,
        /// The number.
        value: f64,
        /// Index of the column's value in what [`Condition::holds`] is given.
        slot: usize,
    },
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Either.
    Or(Box<Expr>, Box<Expr>),
    /// Not.
    Not(Box<Expr>),
}

/// A condition: its text and its tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// As written.
    pub text: String,
    /// Parsed.
    pub expr: Expr,
}

/// What is wrong with a condition, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// Where (bytes of the text).
    pub span: Span,
}

/// The grammar in one line, for help messages.
pub const SYNTAX: &str = "write `class = NAME` or `METRIC > NUMBER` (operators < <= > >= = !=), \
combined with and, or, not and parentheses, e.g. 'class = border_war' or 'deaths.civilian > 800 and strikes >= 1'";

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Number(f64),
    Op(Op),
    Open,
    Close,
    And,
    Or,
    Not,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.@-[]:".contains(c)
}

fn tokens(text: &str) -> Result<Vec<(Tok, Span)>, ConditionError> {
    let bad = |message: String, span: Span| ConditionError {
        message,
        help: SYNTAX.into(),
        span,
    };
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        if c.is_whitespace() {
            it.next();
            continue;
        }
        let mut take = |pred: &dyn Fn(char) -> bool| {
            let mut end = i;
            while let Some(&(j, d)) = it.peek() {
                if !pred(d) {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
            end
        };
        if is_name_start(c) {
            let end = take(&is_name_char);
            let w = &text[i..end];
            let tok = match w {
                "and" => Tok::And,
                "or" => Tok::Or,
                "not" => Tok::Not,
                _ => Tok::Word(w.to_string()),
            };
            out.push((tok, (i, end)));
        } else if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' {
            let end = take(&|d: char| d.is_ascii_alphanumeric() || "._+-".contains(d));
            let raw = &text[i..end];
            let v: f64 = raw
                .replace('_', "")
                .parse()
                .map_err(|_| bad(format!("`{raw}` is not a number"), (i, end)))?;
            if !v.is_finite() {
                return Err(bad(format!("`{raw}` is not a finite number"), (i, end)));
            }
            out.push((Tok::Number(v), (i, end)));
        } else {
            it.next();
            let two = |second: char, it: &mut std::iter::Peekable<std::str::CharIndices>| {
                if it.peek().map(|&(_, d)| d) == Some(second) {
                    it.next();
                    true
                } else {
                    false
                }
            };
            let (tok, len) = match c {
                '(' => (Tok::Open, 1),
                ')' => (Tok::Close, 1),
                '=' => {
                    let double = two('=', &mut it);
                    (Tok::Op(Op::Eq), if double { 2 } else { 1 })
                }
                '!' if two('=', &mut it) => (Tok::Op(Op::Ne), 2),
                '<' if two('=', &mut it) => (Tok::Op(Op::Le), 2),
                '>' if two('=', &mut it) => (Tok::Op(Op::Ge), 2),
                '<' => (Tok::Op(Op::Lt), 1),
                '>' => (Tok::Op(Op::Gt), 1),
                _ => {
                    let help = if c == '&' || c == '|' || c == '!' {
                        format!("write `and`, `or` and `not` as words; {SYNTAX}")
                    } else {
                        SYNTAX.into()
                    };
                    return Err(ConditionError {
                        message: format!("unexpected `{c}`"),
                        help,
                        span: (i, i + c.len_utf8()),
                    });
                }
            };
            out.push((tok, (i, i + len)));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(Tok, Span)>,
    at: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn span(&self) -> Span {
        self.toks
            .get(self.at)
            .map_or((self.text.len(), self.text.len()), |(_, s)| *s)
    }

    fn error(&self, message: String) -> ConditionError {
        ConditionError {
            message,
            help: SYNTAX.into(),
            span: self.span(),
        }
    }

    fn what(&self) -> String {
        match self.toks.get(self.at) {
            None => "the end".into(),
            Some((_, (a, b))) => format!("`{}`", &self.text[*a..*b]),
        }
    }

    fn or(&mut self) -> Result<Expr, ConditionError> {
        let mut e = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ConditionError> {
        let mut e = self.factor()?;
        while self.peek() == Some(&Tok::And) {
            self.at += 1;
            e = Expr::And(Box::new(e), Box::new(self.factor()?));
        }
        Ok(e)
    }

    fn factor(&mut self) -> Result<Expr, ConditionError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.factor()?)))
            }
            Some(Tok::Open) => {
                let open = self.span();
                self.at += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    let mut err = self.error(format!("expected `)` but found {}", self.what()));
                    err.help = format!(
                        "close the parenthesis opened at column {}",
                        column(self.text, open.0)
                    );
                    return Err(err);
                }
                self.at += 1;
                Ok(e)
            }
            Some(Tok::Word(_)) => self.comparison(),
            _ => Err(self.error(format!(
                "expected a comparison (`class = NAME`, `METRIC > NUMBER`) but found {}",
                self.what()
            ))),
        }
    }

    fn comparison(&mut self) -> Result<Expr, ConditionError> {
        let (Tok::Word(name), span) = self.toks[self.at].clone() else {
            unreachable!("called on a word")
        };
        self.at += 1;
        let op = match self.peek() {
            Some(Tok::Op(op)) => *op,
            _ => {
                return Err(self.error(format!(
                    "expected an operator (< <= > >= = !=) after `{name}` but found {}",
                    self.what()
                )));
            }
        };
        let op_span = self.span();
        self.at += 1;
        if name == "class" {
            let equal = match op {
                Op::Eq => true,
                Op::Ne => false,
                _ => {
                    return Err(ConditionError {
                        message: format!("`class {op}`: a class is compared with = or != only"),
                        help: "write `class = NAME` or `class != NAME`".into(),
                        span: op_span,
                    });
                }
            };
            return match self.toks.get(self.at).cloned() {
                Some((Tok::Word(c), s)) => {
                    self.at += 1;
                    Ok(Expr::Class {
                        equal,
                        name: c,
                        span: s,
                    })
                }
                _ => Err(self.error(format!(
                    "expected a class name after `class {op}` but found {}",
                    self.what()
                ))),
            };
        }
        match self.toks.get(self.at).cloned() {
            Some((Tok::Number(value), _)) => {
                self.at += 1;
                Ok(Expr::Compare {
                    name,
                    span,
                    op,
                    value,
                    slot: usize::MAX,
                })
            }
            _ => Err(self.error(format!(
                "expected a number after `{name} {op}` but found {}",
                self.what()
            ))),
        }
    }
}

/// The 1-based column, in characters, of byte `at` of `text`.
pub fn column(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].chars().count() + 1
}

impl Condition {
    /// Parses a condition.
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let toks = tokens(text)?;
        if toks.is_empty() {
            return Err(ConditionError {
                message: "the condition is empty".into(),
                help: SYNTAX.into(),
                span: (0, 0),
            });
        }
        let mut p = Parser { toks, at: 0, text };
        let expr = p.or()?;
        if p.at < p.toks.len() {
            return Err(p.error(format!(
                "expected `and`, `or` or the end but found {}",
                p.what()
            )));
        }
        Ok(Condition {
            text: text.to_string(),
            expr,
        })
    }

    /// Every `class` test: (equal, name, span), in order.
    pub fn classes(&self) -> Vec<(bool, &str, Span)> {
        let mut out = Vec::new();
        walk(&self.expr, &mut |e| {
            if let Expr::Class { equal, name, span } = e {
                out.push((*equal, name.as_str(), *span));
            }
        });
        out
    }

    /// Every compared column: (name, span), in order (a name may repeat).
    pub fn columns(&self) -> Vec<(&str, Span)> {
        let mut out = Vec::new();
        walk(&self.expr, &mut |e| {
            if let Expr::Compare { name, span, .. } = e {
                out.push((name.as_str(), *span));
            }
        });
        out
    }

    /// Gives every comparison its slot: `slot(name, span)` says where its
    /// column's value will be, or why the name is wrong.
    pub fn resolve(
        &mut self,
        slot: &mut dyn FnMut(&str, Span) -> Result<usize, ConditionError>,
    ) -> Result<(), ConditionError> {
        fn go(
            e: &mut Expr,
            slot: &mut dyn FnMut(&str, Span) -> Result<usize, ConditionError>,
        ) -> Result<(), ConditionError> {
            match e {
                Expr::Compare {
                    name,
                    span,
                    slot: s,
                    ..
                } => {
                    *s = slot(name, *span)?;
                    Ok(())
                }
                Expr::Class { .. } => Ok(()),
                Expr::And(a, b) | Expr::Or(a, b) => {
                    go(a, slot)?;
                    go(b, slot)
                }
                Expr::Not(a) => go(a, slot),
            }
        }
        go(&mut self.expr, slot)
    }

    /// Whether the condition holds for a row of class `class` (`None`: the
    /// source has no classes) whose compared columns have `values` (by slot;
    /// `None`: no value). Call after [`Condition::resolve`].
    pub fn holds(&self, class: Option<&str>, values: &[Option<f64>]) -> bool {
        fn go(e: &Expr, class: Option<&str>, values: &[Option<f64>]) -> bool {
            match e {
                Expr::Class { equal, name, .. } => class.is_some_and(|c| (c == name) == *equal),
                Expr::Compare {
                    op, value, slot, ..
                } => values[*slot].is_some_and(|v| op.holds(v, *value)),
                Expr::And(a, b) => go(a, class, values) && go(b, class, values),
                Expr::Or(a, b) => go(a, class, values) || go(b, class, values),
                Expr::Not(a) => !go(a, class, values),
            }
        }
        go(&self.expr, class, values)
    }
}

fn walk<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            walk(a, f);
            walk(b, f);
        }
        Expr::Not(a) => walk(a, f),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(text: &str, names: &[&str]) -> Condition {
        let mut c = Condition::parse(text).unwrap();
        c.resolve(&mut |n, _| Ok(names.iter().position(|m| *m == n).unwrap()))
            .unwrap();
        c
    }

    #[test]
    fn classes_thresholds_and_combinators() {
        let c = resolved("class = border_war", &[]);
        assert!(c.holds(Some("border_war"), &[]));
        assert!(!c.holds(Some("open_war"), &[]));
        assert!(!c.holds(None, &[]));
        let c = resolved("deaths.civilian > 800", &["deaths.civilian"]);
        assert!(c.holds(None, &[Some(801.0)]));
        assert!(!c.holds(None, &[Some(800.0)]));
        assert!(!c.holds(None, &[None]));
        // `and` binds tighter than `or`; `not` and parentheses.
        let names = ["a", "b", "c"];
        let c = resolved("a >= 1 or b <= 2 and c = 3", &names);
        assert!(c.holds(None, &[Some(1.0), Some(9.0), Some(9.0)]));
        assert!(!c.holds(None, &[Some(0.0), Some(2.0), Some(4.0)]));
        assert!(c.holds(None, &[Some(0.0), Some(2.0), Some(3.0)]));
        let c = resolved("not (a < 1 or class != x) and b != -2.5e0", &names);
        assert!(c.holds(Some("x"), &[Some(1.0), Some(0.0), None]));
        assert!(!c.holds(Some("x"), &[Some(1.0), Some(-2.5), None]));
        assert!(!c.holds(Some("y"), &[Some(1.0), Some(0.0), None]));
        // An absent value fails every comparison, so `not` of one holds.
        let c = resolved("not first_strike_day < 30", &["first_strike_day"]);
        assert!(c.holds(None, &[None]));
        let c = resolved(
            "peak_rung.Pakistan-Taliban >= 5 and attacks@2023 == 1_000",
            &["peak_rung.Pakistan-Taliban", "attacks@2023"],
        );
        assert!(c.holds(None, &[Some(5.0), Some(1000.0)]));
        assert_eq!(
            Condition::parse("class = a or x > 1").unwrap().classes(),
            [(true, "a", (8, 9))]
        );
    }

    #[test]
    fn errors_point_at_the_column_and_say_how_to_fix_it() {
        let err = |text: &str| Condition::parse(text).unwrap_err();
        let e = err("deaths.civilian > ");
        assert!(
            e.message
                .contains("expected a number after `deaths.civilian >`"),
            "{e:?}"
        );
        assert_eq!(column("deaths.civilian > ", e.span.0), 19);
        let e = err("class > open_war");
        assert!(e.message.contains("= or != only"), "{e:?}");
        assert_eq!(e.span, (6, 7));
        let e = err("class = open_war && strikes > 1");
        assert_eq!(e.span, (17, 18));
        assert!(e.help.contains("as words"));
        let e = err("(class = a or class = b");
        assert!(e.message.contains("expected `)`"));
        assert!(e.help.contains("column 1"));
        let e = err("strikes > 1 2");
        assert!(e.message.contains("found `2`"));
        let e = err("x > 1e999");
        assert!(e.message.contains("not a finite number"));
        let e = err("x > 12abc");
        assert!(e.message.contains("`12abc` is not a number"));
        assert_eq!(err("  ").message, "the condition is empty");
        let e = err("deaths > 1 and");
        assert!(e.message.contains("found the end"));
        assert_eq!(e.span, (14, 14));
        let e = err("é > 1");
        assert_eq!(column("é > 1", e.span.0), 1);
    }
}

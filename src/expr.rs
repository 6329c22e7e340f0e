//! Derived indicators: small expressions over codebook items, written once
//! in configuration ("pos(citizens)", "novelty in (2, 3)",
//! "any external collab_PARTNER = 1") and evaluated on any wave.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

use crate::data::Wave;

/// Partners that are internal collaboration; every other partner is external
/// (wave-data.md: "Every PARTNER but own_org is external").
pub const INTERNAL_PARTNERS: [&str; 1] = ["own_org"];

/// A value written in an expression: a code or a text label.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Num(f64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Every row ("all").
    True,
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Cmp { column: String, op: Op, value: Literal },
    In { column: String, values: Vec<Literal> },
    /// any/all of a family of items (`collab_PARTNER`), optionally only external partners.
    Family { every: bool, prefix: String, external: bool, op: Op, value: Literal },
    /// The actor played a positive role: cause = 1, promote in {3, 4} or collab = 1.
    Pos(String),
    /// A named indicator from configuration, or a bare 0/1 item (= 1).
    Ref(String),
}

/// Named indicators, as configured; references between them are resolved at evaluation.
pub type Indicators = BTreeMap<String, Expr>;

/// Evaluated indicators of one wave, shared by the figures computed side by
/// side, so "innovators" or pos(citizens) is evaluated once per wave.
#[derive(Default)]
pub struct Memo(Mutex<HashMap<String, Arc<Vec<bool>>>>);

impl Memo {
    /// A named domain's rows, evaluated once per wave.
    pub fn get_domain(&self, name: &str, f: impl FnOnce() -> Result<Vec<bool>>) -> Result<Vec<bool>> {
        Ok(self.get_or(format!("domain:{name}"), f)?.as_ref().clone())
    }

    fn get_or(&self, key: String, f: impl FnOnce() -> Result<Vec<bool>>) -> Result<Arc<Vec<bool>>> {
        if let Some(v) = self.0.lock().expect("memo lock").get(&key) {
            return Ok(v.clone());
        }
        let v = Arc::new(f()?);
        self.0.lock().expect("memo lock").insert(key, v.clone());
        Ok(v)
    }
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr> {
        let tokens = tokenize(text)?;
        let mut p = Parser { tokens, at: 0, text };
        let e = p.or()?;
        if p.at < p.tokens.len() {
            return Err(Error::Config(format!("in \"{text}\": unexpected \"{}\"", p.tokens[p.at])));
        }
        Ok(e)
    }

    /// Items and indicators the expression needs, checked against a wave and
    /// the configured indicators (unknown names, circular definitions).
    pub fn check(&self, wave_columns: &dyn Fn(&str) -> bool, families: &dyn Fn(&str) -> Vec<String>, env: &Indicators) -> Result<()> {
        self.check_inner(wave_columns, families, env, &mut Vec::new())
    }

    fn check_inner(
        &self,
        has: &dyn Fn(&str) -> bool,
        families: &dyn Fn(&str) -> Vec<String>,
        env: &Indicators,
        stack: &mut Vec<String>,
    ) -> Result<()> {
        match self {
            Expr::True => Ok(()),
            Expr::Or(v) | Expr::And(v) => v.iter().try_for_each(|e| e.check_inner(has, families, env, stack)),
            Expr::Not(e) => e.check_inner(has, families, env, stack),
            Expr::Cmp { column, .. } | Expr::In { column, .. } => {
                if has(column) { Ok(()) } else { return Err(Error::Config(format!("the item \"{column}\" is not in the wave"))) }
            }
            Expr::Family { prefix, .. } => {
                if families(prefix).is_empty() {
                    return Err(Error::Config(format!("no item of the family \"{prefix}…\" is in the wave")))
                }
                Ok(())
            }
            Expr::Pos(actor) => {
                if pos_items(actor, has).is_empty() {
                    return Err(Error::Config(format!("pos({actor}): the wave has none of cause_{actor}, promote_{actor}, collab_{actor}")))
                }
                Ok(())
            }
            Expr::Ref(name) => {
                if stack.contains(name) {
                    stack.push(name.clone());
                    return Err(Error::Config(format!("the indicator definitions are circular: {}", stack.join(" -> "))));
                }
                let Some(e) = env.get(name) else {
                    // A bare 0/1 item means "item = 1".
                    if has(name) {
                        return Ok(());
                    }
                    return Err(Error::Config(format!("\"{name}\" is neither an item nor a configured indicator")));
                };
                stack.push(name.clone());
                e.check_inner(has, families, env, stack)?;
                stack.pop();
                Ok(())
            }
        }
    }

    /// Evaluates to one bool per row of the wave.
    pub fn eval(&self, wave: &Wave, env: &Indicators) -> Result<Vec<bool>> {
        self.eval_depth(wave, env, 0, None)
    }

    /// As `eval`, reusing indicators already evaluated on this wave.
    pub fn eval_memo(&self, wave: &Wave, env: &Indicators, memo: &Memo) -> Result<Vec<bool>> {
        self.eval_depth(wave, env, 0, Some(memo))
    }

    fn eval_depth(&self, wave: &Wave, env: &Indicators, depth: usize, memo: Option<&Memo>) -> Result<Vec<bool>> {
        if depth > 64 {
            return Err(Error::Config(format!("indicator definitions nest too deeply (circular?)")));
        }
        let n = wave.rows();
        Ok(match self {
            Expr::True => vec![true; n],
            Expr::Or(v) => {
                let mut acc = vec![false; n];
                for e in v {
                    for (a, b) in acc.iter_mut().zip(e.eval_depth(wave, env, depth + 1, memo)?) {
                        *a |= b;
                    }
                }
                acc
            }
            Expr::And(v) => {
                let mut acc = vec![true; n];
                for e in v {
                    for (a, b) in acc.iter_mut().zip(e.eval_depth(wave, env, depth + 1, memo)?) {
                        *a &= b;
                    }
                }
                acc
            }
            Expr::Not(e) => e.eval_depth(wave, env, depth + 1, memo)?.into_iter().map(|b| !b).collect(),
            Expr::Cmp { column, op, value } => compare(wave, column, |x| apply(*op, x, value))?,
            Expr::In { column, values } => compare(wave, column, |x| values.iter().any(|v| apply(Op::Eq, x, v)))?,
            Expr::Family { every, prefix, external, op, value } => {
                let members = family_members(wave, prefix, *external);
                if members.is_empty() {
                    return Err(Error::Config(format!("wave {}: no item of the family \"{prefix}…\"", wave.period)));
                }
                let mut acc = vec![*every; n];
                for m in members {
                    let hit = compare(wave, &m, |x| apply(*op, x, value))?;
                    for (a, b) in acc.iter_mut().zip(hit) {
                        if *every { *a &= b } else { *a |= b }
                    }
                }
                acc
            }
            Expr::Pos(actor) => {
                let parts = pos_items(actor, &|c| wave.has(c));
                if parts.is_empty() {
                    return Err(Error::Config(format!("wave {}: pos({actor}) needs cause_{actor}, promote_{actor} or collab_{actor}", wave.period)));
                }
                let mut acc = vec![false; n];
                for (name, codes) in parts {
                    let hit = compare(wave, &name, |x| codes.iter().any(|c| matches!(x, Cell::Num(v) if v == *c)))?;
                    for (a, b) in acc.iter_mut().zip(hit) {
                        *a |= b;
                    }
                }
                acc
            }
            Expr::Ref(name) => match env.get(name) {
                Some(e) => match memo {
                    Some(m) => m.get_or(name.clone(), || e.eval_depth(wave, env, depth + 1, memo))?.as_ref().clone(),
                    None => e.eval_depth(wave, env, depth + 1, memo)?,
                },
                // A bare 0/1 item means "item = 1".
                None if wave.has(name) => compare(wave, name, |x| matches!(x, Cell::Num(v) if v == 1.0))?,
                None => return Err(Error::Config(format!("\"{name}\" is neither an item nor a configured indicator"))),
            },
        })
    }
}

/// The items that make up pos(actor) in a wave, with their positive codes.
fn pos_items(actor: &str, has: &dyn Fn(&str) -> bool) -> Vec<(String, Vec<f64>)> {
    [(format!("cause_{actor}"), vec![1.0]), (format!("promote_{actor}"), vec![3.0, 4.0]), (format!("collab_{actor}"), vec![1.0])]
        .into_iter()
        .filter(|(n, _)| has(n))
        .collect()
}

/// Items of a family (`collab_` -> collab_own_org, collab_citizens, …) in a wave.
pub fn family_members(wave: &Wave, prefix: &str, external: bool) -> Vec<String> {
    wave.frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| c.starts_with(prefix) && c.len() > prefix.len())
        .filter(|c| !external || !INTERNAL_PARTNERS.contains(&&c[prefix.len()..]))
        .collect()
}

#[derive(Clone, Copy)]
enum Cell<'a> {
    Num(f64),
    Text(&'a str),
    Missing,
}

fn compare(wave: &Wave, column: &str, f: impl Fn(Cell) -> bool) -> Result<Vec<bool>> {
    let col = wave
        .frame
        .column(column)
        .map_err(|_| Error::Config(format!("wave {}: the item \"{column}\" is not in the wave", wave.period)))?;
    if let Ok(ca) = col.u8() {
        // Codes as bytes: the comparison is a table of 256 answers, looked up
        // per row from the values and validity directly.
        let mut table = [false; 256];
        for (v, t) in table.iter_mut().enumerate() {
            *t = f(Cell::Num(v as f64));
        }
        let missing = f(Cell::Missing);
        // Most indicators ask for one or two codes ("= 1", "in (3, 4)"):
        // plain comparisons, which the compiler turns into vector code.
        let yes: Vec<u8> = (0..=255u8).filter(|&v| table[v as usize]).collect();
        let mut out = vec![false; ca.len()];
        let mut start = 0;
        for arr in ca.downcast_iter() {
            let values = arr.values().as_slice();
            let part = &mut out[start..start + values.len()];
            match yes.as_slice() {
                [] => {}
                &[c] => part.iter_mut().zip(values).for_each(|(o, &v)| *o = v == c),
                &[a, b] => part.iter_mut().zip(values).for_each(|(o, &v)| *o = (v == a) | (v == b)),
                _ => part.iter_mut().zip(values).for_each(|(o, &v)| *o = table[v as usize]),
            }
            if let Some(b) = arr.validity().filter(|b| b.unset_bits() > 0) {
                // Empty cells answer `missing`: read the validity bits byte by byte.
                let (bytes, offset, _) = b.as_slice();
                for (k, o) in part.iter_mut().enumerate() {
                    let j = offset + k;
                    if bytes[j >> 3] & (1 << (j & 7)) == 0 {
                        *o = missing;
                    }
                }
            }
            start += values.len();
        }
        Ok(out)
    } else if col.dtype().is_primitive_numeric() {
        let col = col.cast(&polars::prelude::DataType::Float64)?;
        Ok(col.f64()?.iter().map(|v| f(v.map_or(Cell::Missing, Cell::Num))).collect())
    } else {
        let ca = col.str()?;
        Ok(ca.iter().map(|v| f(v.map_or(Cell::Missing, Cell::Text))).collect())
    }
}

fn apply(op: Op, x: Cell, v: &Literal) -> bool {
    match (x, v) {
        (Cell::Missing, _) => false,
        (Cell::Num(x), Literal::Num(v)) => match op {
            Op::Eq => x == *v,
            Op::Ne => x != *v,
            Op::Lt => x < *v,
            Op::Le => x <= *v,
            Op::Gt => x > *v,
            Op::Ge => x >= *v,
        },
        (Cell::Text(x), Literal::Text(v)) => match op {
            Op::Eq => x == v,
            Op::Ne => x != v,
            _ => false,
        },
        (Cell::Text(x), Literal::Num(v)) => match op {
            Op::Eq => x == v.to_string(),
            Op::Ne => x != v.to_string(),
            _ => false,
        },
        (Cell::Num(_), Literal::Text(_)) => false,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Num(f64),
    Text(String),
    Sym(&'static str),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => f.write_str(w),
            Tok::Num(n) => write!(f, "{n}"),
            Tok::Text(t) => write!(f, "\"{t}\""),
            Tok::Sym(s) => f.write_str(s),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Tok>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '-' | '+')) {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            out.push(Tok::Num(s.parse().map_err(|_| Error::Config(format!("in \"{text}\": \"{s}\" is not a number")))?));
        } else if c == '"' || c == '\'' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            if i == chars.len() {
                return Err(Error::Config(format!("in \"{text}\": a quoted value is not closed")));
            }
            out.push(Tok::Text(chars[start..i].iter().collect()));
            i += 1;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match two.as_str() {
                "<=" => Some("<="),
                ">=" => Some(">="),
                "!=" => Some("!="),
                "==" => Some("=="),
                _ => None,
            };
            if let Some(s) = sym {
                out.push(Tok::Sym(s));
                i += 2;
                continue;
            }
            let s = match c {
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '=' => "=",
                '<' => "<",
                '>' => ">",
                _ => return Err(Error::Config(format!("in \"{text}\": unexpected character '{c}'"))),
            };
            out.push(Tok::Sym(s));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Tok>,
    at: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }
    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }
    fn sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }
    fn expect_sym(&mut self, s: &str) -> Result<()> {
        if self.sym(s) {
            self.at += 1;
            Ok(())
        } else {
            return Err(Error::Config(format!("in \"{}\": expected \"{s}\"{}", self.text, self.found())))
        }
    }
    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!(", found \"{t}\""),
            None => " at the end".to_string(),
        }
    }
    fn or(&mut self) -> Result<Expr> {
        let mut v = vec![self.and()?];
        while self.word("or") {
            self.at += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 { v.pop().unwrap() } else { Expr::Or(v) })
    }
    fn and(&mut self) -> Result<Expr> {
        let mut v = vec![self.not()?];
        while self.word("and") {
            self.at += 1;
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 { v.pop().unwrap() } else { Expr::And(v) })
    }
    fn not(&mut self) -> Result<Expr> {
        if self.word("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }
    fn op(&mut self) -> Option<Op> {
        let op = match self.peek()? {
            Tok::Sym("=") | Tok::Sym("==") => Op::Eq,
            Tok::Sym("!=") => Op::Ne,
            Tok::Sym("<") => Op::Lt,
            Tok::Sym("<=") => Op::Le,
            Tok::Sym(">") => Op::Gt,
            Tok::Sym(">=") => Op::Ge,
            _ => return None,
        };
        self.at += 1;
        Some(op)
    }
    fn value(&mut self) -> Result<Literal> {
        match self.peek().cloned() {
            Some(Tok::Num(n)) => {
                self.at += 1;
                Ok(Literal::Num(n))
            }
            Some(Tok::Text(t)) | Some(Tok::Word(t)) => {
                self.at += 1;
                Ok(Literal::Text(t))
            }
            _ => return Err(Error::Config(format!("in \"{}\": expected a value{}", self.text, self.found()))),
        }
    }
    fn ident(&mut self) -> Result<String> {
        match self.peek().cloned() {
            Some(Tok::Word(w)) => {
                self.at += 1;
                Ok(w)
            }
            _ => return Err(Error::Config(format!("in \"{}\": expected a name{}", self.text, self.found()))),
        }
    }
    fn atom(&mut self) -> Result<Expr> {
        if self.sym("(") {
            self.at += 1;
            let e = self.or()?;
            self.expect_sym(")")?;
            return Ok(e);
        }
        let name = self.ident()?;
        match name.as_str() {
            "all" if !self.sym("=") => return Ok(Expr::True),
            "pos" if self.sym("(") => {
                self.at += 1;
                let actor = self.ident()?;
                self.expect_sym(")")?;
                return Ok(Expr::Pos(actor));
            }
            "any" | "every" => {
                let external = self.word("external");
                if external {
                    self.at += 1;
                }
                let family = self.ident()?;
                let prefix = family_prefix(&family).ok_or_else(|| {
                    Error::Config(format!("in \"{}\": \"{family}\" is not a family such as collab_PARTNER", self.text))
                })?;
                let op = self.op().ok_or_else(|| Error::Config(format!("in \"{}\": expected a comparison{}", self.text, self.found())))?;
                let value = self.value()?;
                return Ok(Expr::Family { every: name == "every", prefix, external, op, value });
            }
            _ => {}
        }
        if self.word("in") {
            self.at += 1;
            self.expect_sym("(")?;
            let mut values = vec![self.value()?];
            while self.sym(",") {
                self.at += 1;
                values.push(self.value()?);
            }
            self.expect_sym(")")?;
            return Ok(Expr::In { column: name, values });
        }
        if let Some(op) = self.op() {
            let value = self.value()?;
            return Ok(Expr::Cmp { column: name, op, value });
        }
        Ok(Expr::Ref(name))
    }
}

/// "collab_PARTNER" -> "collab_": the part before the upper-case placeholder.
fn family_prefix(word: &str) -> Option<String> {
    let pos = word.rfind('_')?;
    let tail = &word[pos + 1..];
    (!tail.is_empty() && tail.chars().all(|c| c.is_ascii_uppercase())).then(|| word[..=pos].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_catalogue_forms() {
        assert_eq!(
            Expr::parse("novelty in (2, 3)").unwrap(),
            Expr::In { column: "novelty".into(), values: vec![Literal::Num(2.0), Literal::Num(3.0)] }
        );
        assert_eq!(
            Expr::parse("any external collab_PARTNER = 1").unwrap(),
            Expr::Family { every: false, prefix: "collab_".into(), external: true, op: Op::Eq, value: Literal::Num(1.0) }
        );
        assert_eq!(
            Expr::parse("innovators and sector = kommune").unwrap(),
            Expr::And(vec![
                Expr::Ref("innovators".into()),
                Expr::Cmp { column: "sector".into(), op: Op::Eq, value: Literal::Text("kommune".into()) }
            ])
        );
        assert_eq!(
            Expr::parse("pos(citizens) or not pos(volunteers)").unwrap(),
            Expr::Or(vec![Expr::Pos("citizens".into()), Expr::Not(Box::new(Expr::Pos("volunteers".into())))])
        );
    }

    #[test]
    fn byte_codes_compare_with_empty_cells() {
        use polars::prelude::{Column, DataFrame};
        // two chunks, the second with empty cells
        let mut x = Column::new("x".into(), vec![Some(1u8), Some(3), Some(4), Some(9)]);
        x.append(&Column::new("x".into(), vec![None, Some(1u8), None, Some(2)])).unwrap();
        let frame = DataFrame::new(8, vec![x]).unwrap();
        let wave = Wave { period: "2018-2019".into(), file: "w.csv".into(), frame, read_as: String::new(), strata: Default::default(), warnings: vec![] };
        let eval = |text: &str| Expr::parse(text).unwrap().eval(&wave, &Indicators::new()).unwrap();
        let (t, f) = (true, false);
        assert_eq!(eval("x = 1"), [t, f, f, f, f, t, f, f]);
        assert_eq!(eval("x in (3, 4)"), [f, t, t, f, f, f, f, f]);
        assert_eq!(eval("x in (1, 2, 3)"), [t, t, f, f, f, t, f, t]);
        assert_eq!(eval("x != 1"), [f, t, t, t, f, f, f, t]);
        assert_eq!(eval("x = 7"), [f; 8]);
        assert_eq!(eval("not x = 1"), [f, t, t, t, t, f, t, t]);
    }

    #[test]
    fn errors_name_the_place() {
        let e = Expr::parse("novelty in (2, 3").unwrap_err().to_string();
        assert_eq!(e, "in \"novelty in (2, 3\": expected \")\" at the end");
        let e = Expr::parse("any collab_partner = 1").unwrap_err().to_string();
        assert_eq!(e, "in \"any collab_partner = 1\": \"collab_partner\" is not a family such as collab_PARTNER");
    }

    #[test]
    fn circular_definitions_are_caught() {
        let mut env = Indicators::new();
        env.insert("a".into(), Expr::parse("b or innovated = 1").unwrap());
        env.insert("b".into(), Expr::parse("a").unwrap());
        let err = Expr::parse("a").unwrap().check(&|_| true, &|_| vec!["x".into()], &env).unwrap_err();
        assert_eq!(err.to_string(), "the indicator definitions are circular: a -> b -> a");
    }
}

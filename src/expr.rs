//! Derived indicators: small expressions over codebook items, written once
//! in configuration ("pos(citizens)", "novelty in (2, 3)",
//! "any external collab_PARTNER = 1") and evaluated on any wave.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::data::Codebook;
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

/// Rows where an expression holds, and rows where it is known at all. A
/// comparison with an empty cell (an item not asked of that row) is
/// unknown, and stays unknown through `not`, `and` and `or` unless the
/// other side decides (Kleene's three-valued logic): so `not x = 1` and
/// `x != 1` agree, both unknown where x is empty. An unknown row is never
/// counted as "yes"; `compute` refuses a figure whose domain holds unknown
/// rows, since an empty answer is not a "no".
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    pub yes: Vec<bool>,
    pub known: Vec<bool>,
}

impl Mask {
    /// Rows of `domain` where the expression is unknown.
    pub fn unknown_in(&self, domain: &[bool]) -> usize {
        domain.iter().zip(&self.known).filter(|(d, k)| **d && !**k).count()
    }
}

/// Evaluated indicators of one wave, shared by the figures computed side by
/// side, so "innovators" or pos(citizens) is evaluated once per wave. Kept
/// as bits (a 10-million-row wave's mask is 2,5 MB instead of 20 MB), so a
/// wave's every indicator can stay until the wave is done.
#[derive(Default)]
pub struct Memo(Mutex<HashMap<String, Arc<Packed>>>);

/// A mask as bits, 64 rows a word.
#[derive(Clone)]
pub struct Packed {
    rows: usize,
    yes: Vec<u64>,
    known: Vec<u64>,
}

impl Packed {
    /// Every row `value`, and known. Bits past the last row are zero in
    /// every mask, so the operations below keep them zero.
    fn constant(rows: usize, value: bool) -> Packed {
        let ones = || {
            let mut w = vec![u64::MAX; rows.div_ceil(64)];
            if let (Some(last), r @ 1..) = (w.last_mut(), rows % 64) {
                *last = (1u64 << r) - 1;
            }
            w
        };
        Packed { rows, yes: if value { ones() } else { vec![0; rows.div_ceil(64)] }, known: ones() }
    }

    fn not(mut self) -> Packed {
        for (y, k) in self.yes.iter_mut().zip(&self.known) {
            *y = !*y & k;
        }
        self
    }

    /// Kleene's and, 64 rows at a time: false where either side is known false.
    fn and(&mut self, other: &Packed) {
        for ((y, k), (&yb, &kb)) in self.yes.iter_mut().zip(self.known.iter_mut()).zip(other.yes.iter().zip(&other.known)) {
            let (ya, ka) = (*y, *k);
            *k = (ka & !ya) | (kb & !yb) | (ka & kb);
            *y = ya & yb;
        }
    }

    /// Kleene's or: true where either side is true.
    fn or(&mut self, other: &Packed) {
        for ((y, k), (&yb, &kb)) in self.yes.iter_mut().zip(self.known.iter_mut()).zip(other.yes.iter().zip(&other.known)) {
            let (ya, ka) = (*y, *k);
            *k = (ka & kb) | ya | yb;
            *y = ya | yb;
        }
    }

    fn of(m: &Mask) -> Packed {
        let pack = |v: &[bool]| v.chunks(64).map(|c| c.iter().enumerate().fold(0u64, |w, (i, &b)| w | (u64::from(b) << i))).collect();
        Packed { rows: m.yes.len(), yes: pack(&m.yes), known: pack(&m.known) }
    }

    /// The bits as bools, a word at a time.
    fn bools(words: &[u64], rows: usize) -> Vec<bool> {
        let mut out = vec![false; rows];
        for (part, &w) in out.chunks_mut(64).zip(words) {
            for (j, b) in part.iter_mut().enumerate() {
                *b = (w >> j) & 1 == 1;
            }
        }
        out
    }

    /// Rows where the expression holds and where it is known, as bools.
    pub fn mask(&self) -> Mask {
        Mask { yes: Packed::bools(&self.yes, self.rows), known: Packed::bools(&self.known, self.rows) }
    }

    /// Rows where the expression holds.
    pub fn yes(&self) -> Vec<bool> {
        Packed::bools(&self.yes, self.rows)
    }

    /// Rows of `domain` where the expression is unknown ([`Mask::unknown_in`]),
    /// read from the bits: a word whose rows are all known is skipped whole.
    pub fn unknown_in(&self, domain: &[bool]) -> usize {
        let mut unknown = 0;
        for (part, &k) in domain.chunks(64).zip(&self.known) {
            if k == u64::MAX {
                continue;
            }
            unknown += part.iter().enumerate().filter(|&(j, &d)| d && (k >> j) & 1 == 0).count();
        }
        unknown
    }
}

impl Memo {
    /// A named domain's rows (unknown rows are outside it), evaluated once per wave.
    pub fn get_domain(&self, name: &str, f: impl FnOnce() -> Result<Packed>) -> Result<Vec<bool>> {
        let p = self.get_or(format!("domain:{name}"), f)?;
        Ok(Packed::bools(&p.yes, p.rows))
    }

    /// An expression as written in the configuration, evaluated once per
    /// wave; kept as bits, read with [`Packed::yes`] and [`Packed::unknown_in`].
    pub fn get_expr(&self, text: &str, f: impl FnOnce() -> Result<Packed>) -> Result<Arc<Packed>> {
        self.get_or(format!("expr:{text}"), f)
    }

    /// A configured indicator, kept under its name as [`Expr::Ref`] keeps it.
    pub fn get_indicator(&self, name: &str, f: impl FnOnce() -> Result<Packed>) -> Result<Arc<Packed>> {
        self.get_or(name.to_string(), f)
    }

    fn get_or(&self, key: String, f: impl FnOnce() -> Result<Packed>) -> Result<Arc<Packed>> {
        if let Some(v) = self.0.lock().expect("memo lock").get(&key) {
            return Ok(v.clone());
        }
        let v = Arc::new(f()?);
        self.0.lock().expect("memo lock").insert(key, v.clone());
        Ok(v)
    }
}

/// How deeply an expression may nest, written or through its indicators.
pub const MAX_DEPTH: usize = 64;

impl Expr {
    pub fn parse(text: &str) -> Result<Expr> {
        let tokens = tokenize(text)?;
        let mut p = Parser { tokens, at: 0, text, depth: 0 };
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
                if has(column) { Ok(()) } else { Err(Error::Config(format!("the item \"{column}\" is not in the wave"))) }
            }
            Expr::Family { prefix, .. } => {
                if families(prefix).is_empty() {
                    return Err(Error::Config(format!("no item of the family \"{prefix}…\" is in the wave")));
                }
                Ok(())
            }
            Expr::Pos(actor) => {
                if pos_items(actor, has).is_empty() {
                    return Err(Error::Config(format!("pos({actor}): the wave has none of cause_{actor}, promote_{actor}, collab_{actor}")));
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

    /// The expression with every value checked against the codebook: a
    /// code of the item it is compared with (or one of the item's Danish
    /// labels, taken as a spelling of its code), or a value of a design
    /// column (or its label). `sector = Kommunal` or `cause_citizens = 2`
    /// would otherwise select no row and print 0 % or "for få svar".
    pub fn resolve(&self, codebook: &Codebook) -> Result<Expr> {
        Ok(match self {
            Expr::Or(v) => Expr::Or(v.iter().map(|e| e.resolve(codebook)).collect::<Result<_>>()?),
            Expr::And(v) => Expr::And(v.iter().map(|e| e.resolve(codebook)).collect::<Result<_>>()?),
            Expr::Not(e) => Expr::Not(Box::new(e.resolve(codebook)?)),
            Expr::Cmp { column, op, value } => Expr::Cmp { column: column.clone(), op: *op, value: resolve_literal(codebook, column, *op, value)? },
            Expr::In { column, values } => {
                Expr::In { column: column.clone(), values: values.iter().map(|v| resolve_literal(codebook, column, Op::Eq, v)).collect::<Result<_>>()? }
            }
            Expr::Family { every, prefix, external, op, value } => {
                let mut resolved = value.clone();
                for item in codebook.items.iter().filter(|i| i.name.starts_with(prefix.as_str()) && i.name.len() > prefix.len()) {
                    resolved = resolve_literal(codebook, &item.name, *op, value)?;
                }
                Expr::Family { every: *every, prefix: prefix.clone(), external: *external, op: *op, value: resolved }
            }
            e => e.clone(),
        })
    }

    /// The items the expression reads, through its indicators, in a wave.
    pub fn items(&self, wave: &Wave, env: &Indicators) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_items(wave, env, &mut out, 0);
        out
    }

    fn collect_items(&self, wave: &Wave, env: &Indicators, out: &mut Vec<String>, depth: usize) {
        let mut add = |name: String| {
            if !out.contains(&name) {
                out.push(name);
            }
        };
        match self {
            Expr::True => {}
            Expr::Or(v) | Expr::And(v) => v.iter().for_each(|e| e.collect_items(wave, env, out, depth + 1)),
            Expr::Not(e) => e.collect_items(wave, env, out, depth + 1),
            Expr::Cmp { column, .. } | Expr::In { column, .. } => add(column.clone()),
            Expr::Family { prefix, external, .. } => family_members(wave, prefix, *external).into_iter().for_each(add),
            Expr::Pos(actor) => pos_items(actor, &|c| wave.has(c)).into_iter().for_each(|(n, _)| add(n)),
            Expr::Ref(name) => match env.get(name) {
                Some(e) if depth < MAX_DEPTH => e.collect_items(wave, env, out, depth + 1),
                Some(_) => {}
                None => add(name.clone()),
            },
        }
    }

    /// Evaluates to one bool per row of the wave: where it holds (unknown rows are not "yes").
    pub fn eval(&self, wave: &Wave, env: &Indicators) -> Result<Vec<bool>> {
        Ok(self.eval_depth(wave, env, 0, None)?.yes())
    }

    /// Where the expression holds and where it is known, reusing indicators
    /// already evaluated on this wave.
    pub fn eval_memo(&self, wave: &Wave, env: &Indicators, memo: &Memo) -> Result<Mask> {
        Ok(self.eval_packed(wave, env, memo)?.mask())
    }

    /// [`Expr::eval_memo`] as bits, the form the memo keeps.
    pub fn eval_packed(&self, wave: &Wave, env: &Indicators, memo: &Memo) -> Result<Packed> {
        self.eval_depth(wave, env, 0, Some(memo))
    }

    /// Evaluated on bits, 64 rows a word: a 10-million-row wave's mask is
    /// 2,5 MB, and `and`, `or` and `not` a pass over 156.250 words.
    fn eval_depth(&self, wave: &Wave, env: &Indicators, depth: usize, memo: Option<&Memo>) -> Result<Packed> {
        if depth > MAX_DEPTH {
            return Err(Error::Config(format!("the expression nests more than {MAX_DEPTH} levels deep through its indicators")));
        }
        let n = wave.rows();
        let fold = |v: &[Expr], and: bool| -> Result<Packed> {
            let mut acc = Packed::constant(n, and);
            for e in v {
                let m = e.eval_depth(wave, env, depth + 1, memo)?;
                if and { acc.and(&m) } else { acc.or(&m) }
            }
            Ok(acc)
        };
        Ok(match self {
            Expr::True => Packed::constant(n, true),
            Expr::Or(v) => fold(v, false)?,
            Expr::And(v) => fold(v, true)?,
            Expr::Not(e) => e.eval_depth(wave, env, depth + 1, memo)?.not(),
            Expr::Cmp { column, op, value } => compare(wave, column, |x| apply(*op, x, value))?,
            Expr::In { column, values } => compare(wave, column, |x| values.iter().any(|v| apply(Op::Eq, x, v)))?,
            Expr::Family { every, prefix, external, op, value } => {
                let members = family_members(wave, prefix, *external);
                if members.is_empty() {
                    return Err(Error::Config(format!("wave {}: no item of the family \"{prefix}…\"", wave.period)));
                }
                let mut acc = Packed::constant(n, *every);
                for m in members {
                    let hit = compare(wave, &m, |x| apply(*op, x, value))?;
                    if *every { acc.and(&hit) } else { acc.or(&hit) }
                }
                acc
            }
            Expr::Pos(actor) => {
                let parts = pos_items(actor, &|c| wave.has(c));
                if parts.is_empty() {
                    return Err(Error::Config(format!("wave {}: pos({actor}) needs cause_{actor}, promote_{actor} or collab_{actor}", wave.period)));
                }
                let mut acc = Packed::constant(n, false);
                for (name, codes) in parts {
                    acc.or(&compare(wave, &name, |x| codes.iter().any(|c| matches!(x, Cell::Num(v) if v == *c)))?);
                }
                acc
            }
            Expr::Ref(name) => match env.get(name) {
                Some(e) => match memo {
                    Some(m) => Arc::unwrap_or_clone(m.get_or(name.clone(), || e.eval_depth(wave, env, depth + 1, memo))?),
                    None => e.eval_depth(wave, env, depth + 1, memo)?,
                },
                // A bare 0/1 item means "item = 1".
                None if wave.has(name) => compare(wave, name, |x| matches!(x, Cell::Num(v) if v == 1.0))?,
                None => return Err(Error::Config(format!("\"{name}\" is neither an item nor a configured indicator"))),
            },
        })
    }
}

/// The design columns whose values the codebook lists (with labels).
fn design_values<'a>(codebook: &'a Codebook, column: &str) -> Option<&'a BTreeMap<String, String>> {
    match column {
        "sector" => Some(&codebook.design.sector),
        "area" => Some(&codebook.design.area),
        "size" => Some(&codebook.design.size),
        _ => None,
    }
}

/// A value compared with `column`, checked against the codebook and written
/// as the data hold it (a label becomes its code or key).
fn resolve_literal(codebook: &Codebook, column: &str, op: Op, value: &Literal) -> Result<Literal> {
    let shown = match value {
        Literal::Num(n) => n.to_string(),
        Literal::Text(t) => t.clone(),
    };
    if let Some(values) = design_values(codebook, column) {
        let found = values.iter().find(|(k, l)| k.eq_ignore_ascii_case(&shown) || l.to_lowercase() == shown.to_lowercase());
        return match found {
            Some((key, _)) => Ok(Literal::Text(key.clone())),
            None => {
                let list: Vec<String> = values.iter().map(|(k, l)| format!("{k} ({l})")).collect();
                Err(Error::Config(format!("\"{shown}\" is not a value of {column}; its values are {}", list_and(&list))))
            }
        };
    }
    let Some(item) = codebook.item(column) else { return Ok(value.clone()) };
    let codes: Vec<String> = item.codes.iter().map(|(c, l)| format!("{c} ({l})")).collect();
    match value {
        // An order comparison ("novelty >= 2") may name a number between codes.
        Literal::Num(_) if !matches!(op, Op::Eq | Op::Ne) => Ok(value.clone()),
        Literal::Num(n) if n.fract() == 0.0 && item.has_code(*n as i32) => Ok(value.clone()),
        Literal::Num(_) => Err(Error::Config(format!("{shown} is not a code of {column}; its codes are {}", list_and(&codes)))),
        Literal::Text(t) => match item.codes.iter().find(|(_, l)| l.to_lowercase() == t.to_lowercase()) {
            Some((c, _)) => Ok(Literal::Num(f64::from(*c))),
            None => Err(Error::Config(format!("\"{t}\" is neither a code nor a label of {column}; its codes are {}", list_and(&codes)))),
        },
    }
}

/// "a, b and c" for messages (English, as every message is; `text::list_and` is the Danish one for readers).
fn list_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Rows of `domain` where `column` is empty (not asked of them).
pub fn empty_in(wave: &Wave, column: &str, domain: &[bool]) -> Result<usize> {
    Ok(compare(wave, column, |_| true)?.unknown_in(domain))
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
    wave.column_names()
        .into_iter()
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

/// Where `f` holds for a column's cells, and where the cells are filled (an
/// empty cell is unknown, never a match).
fn compare(wave: &Wave, column: &str, f: impl Fn(Cell) -> bool) -> Result<Packed> {
    if let Some(text) = wave.text(column) {
        return Ok(compare_text(text, f));
    }
    let col = wave
        .frame
        .column(column)
        .map_err(|_| match wave.left_out.contains(column) {
            true => Error::internal(format!("wave {}: the item \"{column}\" was left out of the computation, but an expression reads it", wave.period)),
            false => Error::Config(format!("wave {}: the item \"{column}\" is not in the wave", wave.period)),
        })?;
    if let Ok(ca) = col.u8() {
        // Codes as bytes: the comparison is a table of 256 answers, looked up
        // per row from the values and validity directly, into bits.
        let mut table = [0u64; 256];
        for (v, t) in table.iter_mut().enumerate() {
            *t = u64::from(f(Cell::Num(v as f64)));
        }
        // Most indicators ask for one or two codes ("= 1", "in (3, 4)"):
        // plain comparisons, which the compiler turns into vector code.
        let codes: Vec<u8> = (0..=255u8).filter(|&v| table[v as usize] == 1).collect();
        let n = ca.len();
        let Packed { mut yes, mut known, .. } = Packed::constant(n, false);
        let mut start = 0;
        for arr in ca.downcast_iter() {
            let values = arr.values().as_slice();
            // Whole words where the array's rows fill them, bit by bit at its edges.
            let mut i = 0;
            while i < values.len() {
                let row = start + i;
                if row % 64 == 0 && values.len() - i >= 64 {
                    let part = &values[i..i + 64];
                    let mut hit = [0u8; 64];
                    match codes.as_slice() {
                        [] => {}
                        &[c] => hit.iter_mut().zip(part).for_each(|(h, &v)| *h = u8::from(v == c)),
                        &[a, b] => hit.iter_mut().zip(part).for_each(|(h, &v)| *h = u8::from((v == a) | (v == b))),
                        _ => hit.iter_mut().zip(part).for_each(|(h, &v)| *h = table[v as usize] as u8),
                    }
                    yes[row >> 6] = pack_bytes(&hit);
                    i += 64;
                } else {
                    yes[row >> 6] |= table[values[i] as usize] << (row & 63);
                    i += 1;
                }
            }
            if let Some(b) = arr.validity().filter(|b| b.unset_bits() > 0 && start % 64 == 0) {
                // Empty cells are unknown. The array starts at a word: its
                // validity bits mask whole words, the last one only up to its end.
                let chunks = b.chunks::<u64>();
                let (rest, rest_len) = (chunks.remainder(), chunks.remainder_len());
                let mut w = start >> 6;
                for bits in chunks {
                    yes[w] &= bits;
                    known[w] &= bits;
                    w += 1;
                }
                if rest_len > 0 {
                    let keep = rest | (u64::MAX << rest_len);
                    yes[w] &= keep;
                    known[w] &= keep;
                }
            } else if let Some(b) = arr.validity().filter(|b| b.unset_bits() > 0) {
                // Empty cells are unknown: read the validity bits byte by byte.
                let (bytes, offset, _) = b.as_slice();
                for k in 0..values.len() {
                    let j = offset + k;
                    if bytes[j >> 3] & (1 << (j & 7)) == 0 {
                        let row = start + k;
                        yes[row >> 6] &= !(1u64 << (row & 63));
                        known[row >> 6] &= !(1u64 << (row & 63));
                    }
                }
            }
            start += values.len();
        }
        Ok(Packed { rows: n, yes, known })
    } else if col.dtype().is_primitive_numeric() {
        let col = col.cast(&polars::prelude::DataType::Float64)?;
        let cells: Vec<Cell> = col.f64()?.iter().map(|v| v.map_or(Cell::Missing, Cell::Num)).collect();
        Ok(Packed::of(&mask_of(&cells, f)))
    } else {
        let cells: Vec<Cell> = col.str()?.iter().map(|v| v.map_or(Cell::Missing, Cell::Text)).collect();
        Ok(Packed::of(&mask_of(&cells, f)))
    }
}

/// A text design column compared label by label: `f` is asked once per
/// label, and each row's answer looked up by its code, 64 rows a word.
/// Every row is known (the validator leaves no design cell empty).
fn compare_text(text: crate::data::Text, f: impl Fn(Cell) -> bool) -> Packed {
    let answers: Vec<u64> = text.levels.iter().map(|l| u64::from(f(Cell::Text(l)))).collect();
    let n = text.len();
    let mut p = Packed::constant(n, false);
    let row_bit = |i: usize| answers.get(text.code(i)).copied().unwrap_or(0);
    for (w, word) in p.yes.iter_mut().enumerate() {
        let from = w * 64;
        *word = (from..(from + 64).min(n)).fold(0u64, |acc, i| acc | (row_bit(i) << (i - from)));
    }
    p
}

/// 64 bytes of 0 or 1 as the bits of a word (byte j is bit j): eight
/// bytes at a time, gathered by one multiplication.
fn pack_bytes(bytes: &[u8; 64]) -> u64 {
    let mut w = 0u64;
    for (k, eight) in bytes.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
        w |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    w
}

fn mask_of(cells: &[Cell], f: impl Fn(Cell) -> bool) -> Mask {
    let known: Vec<bool> = cells.iter().map(|c| !matches!(c, Cell::Missing)).collect();
    let yes = cells.iter().map(|&c| !matches!(c, Cell::Missing) && f(c)).collect();
    Mask { yes, known }
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
    /// Open parentheses and `not`s: bounded, so a hostile expression cannot
    /// exhaust the stack.
    depth: usize,
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
            Err(Error::Config(format!("in \"{}\": expected \"{s}\"{}", self.text, self.found())))
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
    fn deeper(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::Config(format!("in \"{}\": the expression nests more than {MAX_DEPTH} levels deep", abbreviated(self.text))));
        }
        Ok(())
    }
    fn not(&mut self) -> Result<Expr> {
        if self.word("not") {
            self.at += 1;
            self.deeper()?;
            let e = Expr::Not(Box::new(self.not()?));
            self.depth -= 1;
            return Ok(e);
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
            _ => Err(Error::Config(format!("in \"{}\": expected a value{}", self.text, self.found()))),
        }
    }
    fn ident(&mut self) -> Result<String> {
        match self.peek().cloned() {
            Some(Tok::Word(w)) => {
                self.at += 1;
                Ok(w)
            }
            _ => Err(Error::Config(format!("in \"{}\": expected a name{}", self.text, self.found()))),
        }
    }
    fn atom(&mut self) -> Result<Expr> {
        if self.sym("(") {
            self.at += 1;
            self.deeper()?;
            let e = self.or()?;
            self.expect_sym(")")?;
            self.depth -= 1;
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

/// An expression shortened for a message.
fn abbreviated(text: &str) -> String {
    if text.chars().count() <= 60 { text.to_string() } else { text.chars().take(57).collect::<String>() + "…" }
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
    fn a_family_member_left_out_of_the_computation_fails_loudly() {
        use polars::prelude::{Column, DataFrame};
        let cols = ["cause_citizens", "promote_citizens", "collab_citizens"].map(|n| Column::new(n.into(), vec![Some(0u8), Some(1)]));
        let frame = DataFrame::new(2, cols.to_vec()).unwrap();
        let mut wave = Wave { period: "2013-2014".into(), file: "w.csv".into(), frame, read_as: String::new(), strata: Default::default(), coded: vec![], warnings: vec![], left_out: Default::default() };
        let pos = Expr::parse("pos(citizens)").unwrap();
        assert_eq!(pos.eval(&wave, &Indicators::new()).unwrap(), [false, true]);
        wave.keep_columns(vec!["cause_citizens".into()]).unwrap();
        assert!(wave.has("collab_citizens"));
        let err = pos.eval(&wave, &Indicators::new()).unwrap_err().to_string();
        assert!(err.contains("was left out of the computation, but an expression reads it"), "{err}");
    }

    #[test]
    fn byte_codes_compare_with_empty_cells() {
        use polars::prelude::{Column, DataFrame};
        // two chunks, the second with empty cells
        let mut x = Column::new("x".into(), vec![Some(1u8), Some(3), Some(4), Some(9)]);
        x.append(&Column::new("x".into(), vec![None, Some(1u8), None, Some(2)])).unwrap();
        let frame = DataFrame::new(8, vec![x]).unwrap();
        let wave = Wave { period: "2018-2019".into(), file: "w.csv".into(), frame, read_as: String::new(), strata: Default::default(), coded: vec![], warnings: vec![], left_out: Default::default() };
        let eval = |text: &str| Expr::parse(text).unwrap().eval(&wave, &Indicators::new()).unwrap();
        let (t, f) = (true, false);
        assert_eq!(eval("x = 1"), [t, f, f, f, f, t, f, f]);
        assert_eq!(eval("x in (3, 4)"), [f, t, t, f, f, f, f, f]);
        assert_eq!(eval("x in (1, 2, 3)"), [t, t, f, f, f, t, f, t]);
        assert_eq!(eval("x != 1"), [f, t, t, t, f, f, f, t]);
        assert_eq!(eval("x = 7"), [f; 8]);
        // An empty cell is unknown: neither x = 1 nor its negation holds there.
        assert_eq!(eval("not x = 1"), [f, t, t, t, f, f, f, t]);
        assert_eq!(eval("not x = 1"), eval("x != 1"));
        // Unknown stays unknown unless the other side decides.
        let m = Expr::parse("x = 1 or x = 9").unwrap().eval_memo(&wave, &Indicators::new(), &Memo::default()).unwrap();
        assert_eq!(m.known, [t, t, t, t, f, t, f, t]);
        let m = Expr::parse("all and not x = 9").unwrap().eval_memo(&wave, &Indicators::new(), &Memo::default()).unwrap();
        assert_eq!((m.yes.clone(), m.known.clone()), (vec![t, t, t, f, f, t, f, t], vec![t, t, t, t, f, t, f, t]));
        assert_eq!(m.unknown_in(&[t, t, t, t, t, f, f, f]), 1);
        let m = Expr::parse("x = 1 and x = 9").unwrap().eval_memo(&wave, &Indicators::new(), &Memo::default()).unwrap();
        assert_eq!(m.known, [t, t, t, t, f, t, f, t], "false and unknown is known false");
    }

    #[test]
    fn bits_agree_with_row_by_row_logic_across_words_and_chunks() {
        use polars::prelude::{Column, DataFrame};
        // Chunks of odd lengths, so arrays start and end inside words, with
        // empty cells; every expression is checked against the bools.
        let code = |i: usize, salt: usize| (!(i * 7 + salt * 3).is_multiple_of(11)).then_some(((i * 13 + salt) % 5) as u8);
        // Arrays that start inside a word, and one that starts at a word and fills two.
        for pieces in [&[(0, 37), (37, 190), (190, 200), (200, 331)][..], &[(0, 130), (130, 331)][..]] {
            let column = |name: &str, salt: usize| {
                let mut c = Column::new(name.into(), (0..pieces[0].1).map(|i| code(i, salt)).collect::<Vec<_>>());
                for &(from, to) in &pieces[1..] {
                    c.append(&Column::new(name.into(), (from..to).map(|i| code(i, salt)).collect::<Vec<_>>())).unwrap();
                }
                c
            };
            let frame = DataFrame::new(331, vec![column("x", 0), column("y", 1)]).unwrap();
            let wave = Wave { period: "2018-2019".into(), file: "w.csv".into(), frame, read_as: String::new(), strata: Default::default(), coded: vec![], warnings: vec![], left_out: Default::default() };
            let x = |i: usize| code(i, 0);
            let y = |i: usize| code(i, 1);
            // Kleene's logic on (yes, known) pairs, row by row.
            let and = |a: (bool, bool), b: (bool, bool)| (a.0 && b.0, (a.1 && !a.0) || (b.1 && !b.0) || (a.1 && b.1));
            let or = |a: (bool, bool), b: (bool, bool)| (a.0 || b.0, (a.1 && b.1) || a.0 || b.0);
            let cmp = |v: Option<u8>, f: &dyn Fn(u8) -> bool| (v.is_some_and(f), v.is_some());
            type Rows<'a> = Box<dyn Fn(usize) -> (bool, bool) + 'a>;
            let cases: Vec<(&str, Rows<'_>)> = vec![
                ("x = 1", Box::new(move |i| cmp(x(i), &|v| v == 1))),
                ("x in (0, 3, 4)", Box::new(move |i| cmp(x(i), &|v| [0, 3, 4].contains(&v)))),
                ("y in (1, 4)", Box::new(move |i| cmp(y(i), &|v| [1, 4].contains(&v)))),
                ("not y >= 2", Box::new(move |i| {
                    let (yes, known) = cmp(y(i), &|v| v >= 2);
                    (!yes && known, known)
                })),
                ("x = 2 and y = 2", Box::new(move |i| and(cmp(x(i), &|v| v == 2), cmp(y(i), &|v| v == 2)))),
                ("x = 2 or y != 3", Box::new(move |i| or(cmp(x(i), &|v| v == 2), cmp(y(i), &|v| v != 3)))),
                ("all and not x = 4", Box::new(move |i| {
                    let (yes, known) = cmp(x(i), &|v| v == 4);
                    (!yes && known, known)
                })),
            ];
            for (text, rows) in cases {
                let m = Expr::parse(text).unwrap().eval_memo(&wave, &Indicators::new(), &Memo::default()).unwrap();
                let (yes, known): (Vec<bool>, Vec<bool>) = (0..331).map(&rows).unzip();
                assert_eq!(m.yes, yes, "{text}: yes");
                assert_eq!(m.known, known, "{text}: known");
                let domain: Vec<bool> = (0..331).map(|i| i % 3 != 1).collect();
                let packed = Expr::parse(text).unwrap().eval_packed(&wave, &Indicators::new(), &Memo::default()).unwrap();
                assert_eq!(packed.unknown_in(&domain), m.unknown_in(&domain), "{text}: unknown");
                assert!(packed.unknown_in(&domain) > 0, "{text}: the case has unknown rows");
            }
        }
    }

    #[test]
    fn text_columns_compare_on_codes_as_on_labels() {
        use crate::data::{Coded, validate::Strata};
        use polars::prelude::{Column, DataFrame};
        // 150 rows (whole words and a partial last word) of three sectors and two strata.
        let n = 150;
        let sectors = ["kommune", "region", "stat"];
        let sector = |i: usize| sectors[(i / 7 + i % 3) % 3];
        let stratum = |i: usize| if i % 5 < 2 { "a:x" } else { "b y" };
        let coded = Coded { levels: sectors.iter().map(|s| s.to_string()).collect(), codes: (0..n).map(|i| sectors.iter().position(|s| *s == sector(i)).unwrap() as u8).collect() };
        let strata = Strata {
            stratum: (0..n).map(|i| u32::from(stratum(i) != "a:x")).collect(),
            labels: vec!["a:x".into(), "b y".into()],
            population: vec![100.0, 100.0],
        };
        let frame = DataFrame::new(n, vec![Column::new("x".into(), (0..n).map(|i| (i % 4) as u8).collect::<Vec<u8>>())]).unwrap();
        let wave = Wave { period: "2018-2019".into(), file: "w.csv".into(), frame, read_as: String::new(), strata, coded: vec![("sector".into(), coded)], warnings: vec![], left_out: Default::default() };
        let eval = |text: &str| Expr::parse(text).unwrap().eval_memo(&wave, &Indicators::new(), &Memo::default()).unwrap();
        let rows = |f: &dyn Fn(usize) -> bool| (0..n).map(f).collect::<Vec<bool>>();
        let cases: Vec<(&str, Vec<bool>)> = vec![
            ("sector = kommune", rows(&|i| sector(i) == "kommune")),
            ("sector != region", rows(&|i| sector(i) != "region")),
            ("sector in (kommune, stat)", rows(&|i| sector(i) != "region")),
            ("not sector = stat", rows(&|i| sector(i) != "stat")),
            ("sector = 1", rows(&|_| false)),
            ("stratum = \"b y\"", rows(&|i| stratum(i) == "b y")),
            ("stratum = \"a:x\" and x = 2", rows(&|i| stratum(i) == "a:x" && i % 4 == 2)),
            ("sector = region or x = 0", rows(&|i| sector(i) == "region" || i % 4 == 0)),
        ];
        for (text, want) in cases {
            let m = eval(text);
            assert_eq!(m.yes, want, "{text}");
            assert_eq!(m.known, vec![true; n], "{text}: every design cell is known");
        }
        assert_eq!(wave.labels("sector").unwrap(), (0..n).map(sector).collect::<Vec<_>>());
        assert_eq!(wave.labels("stratum").unwrap()[..6], ["a:x", "a:x", "b y", "b y", "b y", "a:x"]);
        assert!(wave.has("sector") && wave.has("stratum") && !wave.has("area"));
    }

    fn codebook() -> Codebook {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/codebook.toml");
        Codebook::load(std::path::Path::new(path)).unwrap()
    }

    #[test]
    fn values_are_checked_against_the_codebook() {
        let cb = codebook();
        let resolve = |text: &str| Expr::parse(text).unwrap().resolve(&cb).map_err(|e| e.to_string());
        // Labels are a spelling of their code or key.
        assert_eq!(resolve("cause_citizens = ja").unwrap(), Expr::parse("cause_citizens = 1").unwrap());
        assert_eq!(resolve("sector = Kommuner").unwrap(), Expr::parse("sector = kommune").unwrap());
        assert_eq!(resolve("novelty >= 2").unwrap(), Expr::parse("novelty >= 2").unwrap());
        assert_eq!(resolve("sector = Kommunal").unwrap_err(), "\"Kommunal\" is not a value of sector; its values are kommune (Kommuner), region (Regioner) and stat (Staten)");
        assert_eq!(resolve("cause_citizens = 2").unwrap_err(), "2 is not a code of cause_citizens; its codes are 0 (Nej) and 1 (Ja)");
        assert!(resolve("promote_citizens in (3, 5)").unwrap_err().starts_with("5 is not a code of promote_citizens; its codes are "));
        assert!(resolve("any collab_PARTNER = 2").unwrap_err().starts_with("2 is not a code of collab_"));
    }

    #[test]
    fn deep_nesting_is_refused_without_exhausting_the_stack() {
        let deep = format!("{}innovated = 1{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = Expr::parse(&deep).unwrap_err().to_string();
        assert!(e.ends_with(&format!("the expression nests more than {MAX_DEPTH} levels deep")), "{e}");
        let nots = format!("{}innovated = 1", "not ".repeat(100_000));
        assert!(Expr::parse(&nots).is_err());
        assert!(Expr::parse(&format!("{}innovated = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH))).is_ok());
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

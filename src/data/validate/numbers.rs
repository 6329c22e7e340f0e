//! Cells read as numbers (Danish Excel's decimal comma included), and
//! numbers and places written back the way messages show them.

use polars::prelude::*;

use super::super::read::RawTable;
use super::super::findings::Findings;
use crate::error::Place;

/// A cell read as a number.
pub(super) enum Num<'a> {
    Empty,
    /// The number, and the cell as written when it was text.
    Value(f64, Option<&'a str>),
    Bad(&'a str),
    /// "1.234" in a semicolon file: a thousands separator or a decimal point?
    Ambiguous(&'a str),
    /// "1,5" (quoted) in a comma file: Danish Excel's number in the wrong file.
    DecimalComma(&'a str),
}

impl Num<'_> {
    /// The cell as a message quotes it: as written, or as the number reads.
    pub fn shown(&self) -> String {
        match self {
            Num::Empty => String::new(),
            Num::Value(_, Some(t)) | Num::Bad(t) | Num::Ambiguous(t) | Num::DecimalComma(t) => t.to_string(),
            Num::Value(x, None) => fmt_num_raw(*x),
        }
    }
}

/// The rule broken by "1.234" in a semicolon file.
pub(super) const AMBIGUOUS: &str = "in a ';' file a point followed by three digits may be a thousands separator or a decimal point; \
     write the number without thousands separators and with a decimal comma (as \"1234,5\")";

/// The rule broken by "1,5" in a comma file.
pub(super) const DECIMAL_COMMA: &str = "the number has a decimal comma, but the file separates fields with ','; \
     write numbers with a decimal point, or save the file with ';' between fields";

/// Visits a column's cells as numbers: numeric columns directly, text
/// parsed (with a decimal comma in semicolon files), any other type as its
/// text (a column check refuses those types first).
pub(super) fn each_number(col: &Column, decimal_comma: bool, mut f: impl FnMut(usize, Num)) {
    if let Ok(ca) = col.str() {
        each_text_number(ca, decimal_comma, f);
    } else if col.dtype().is_primitive_numeric() || col.dtype() == &DataType::Null {
        // Empty cells as NaN, then a plain pass over the values.
        let c = col.cast(&DataType::Float64).expect("numbers cast to Float64");
        let ca = c.f64().expect("cast to Float64").fill_null_with_values(f64::NAN).expect("fill nulls");
        for (row, v) in ca.into_no_null_iter().enumerate() {
            f(row, if v.is_nan() { Num::Empty } else { Num::Value(v, None) });
        }
    } else {
        match col.cast(&DataType::String) {
            Ok(text) => each_text_number(text.str().expect("cast to String"), decimal_comma, f),
            Err(_) => (0..col.len()).for_each(|row| f(row, Num::Bad(""))),
        }
    }
}

fn each_text_number(ca: &StringChunked, decimal_comma: bool, mut f: impl FnMut(usize, Num)) {
    for (row, v) in ca.iter().enumerate() {
        let v = v.map(str::trim).unwrap_or("");
        f(row, if v.is_empty() { Num::Empty } else { read_number(v, decimal_comma) });
    }
}

/// A column of numbers checked by `rule`; NaN where a cell broke it.
pub(super) fn numbers(
    col: &Column,
    column: &str,
    decimal_comma: bool,
    raw: &RawTable,
    problems: &mut Findings,
    rule: impl Fn(f64) -> Result<f64, &'static str>,
) -> Vec<f64> {
    let why_empty = rule(f64::NAN).unwrap_err();
    let mut out = Vec::with_capacity(col.len());
    each_number(col, decimal_comma, |row, cell| {
        let v = match cell {
            Num::Value(x, _) => match rule(x) {
                Ok(x) => x,
                Err(why) => {
                    problems.push(raw.place(row), Some(column), Some(&cell.shown()), why);
                    f64::NAN
                }
            },
            Num::Empty | Num::Bad(_) => {
                problems.push(raw.place(row), Some(column), Some(&cell.shown()), why_empty);
                f64::NAN
            }
            Num::Ambiguous(v) => {
                problems.push(raw.place(row), Some(column), Some(v), AMBIGUOUS);
                f64::NAN
            }
            Num::DecimalComma(v) => {
                problems.push(raw.place(row), Some(column), Some(v), DECIMAL_COMMA);
                f64::NAN
            }
        };
        out.push(v);
    });
    out
}

/// A number as it was written, for messages ("inf", "-5", "40.5").
pub(super) fn fmt_num_raw(x: f64) -> String {
    if x.is_infinite() { if x > 0.0 { "inf".into() } else { "-inf".into() } } else { fmt_num(x) }
}

/// A number as Danish Excel or a program writes it: "40.5", or "40,5" (and
/// "1.500,5") in a semicolon file; `None` for anything else, and for a
/// form that reads two ways ("1.500" in a semicolon file).
pub fn parse_number(s: &str, decimal_comma: bool) -> Option<f64> {
    match read_number(s.trim(), decimal_comma) {
        Num::Value(x, _) => Some(x),
        _ => None,
    }
}

/// A trimmed, non-empty cell as a number. In a semicolon file (Danish
/// Excel) the comma is the decimal mark and a point may group thousands
/// ("1.234,5", "1.234.567"); a lone point before exactly three digits
/// ("1.234") reads two ways and is refused. Elsewhere the point is the
/// decimal mark.
fn read_number(s: &str, decimal_comma: bool) -> Num<'_> {
    let plain = |t: &str| t.parse::<f64>().ok();
    let value = |x: Option<f64>| x.map_or(Num::Bad(s), |x| Num::Value(x, Some(s)));
    if !decimal_comma {
        return match plain(s) {
            Some(x) => Num::Value(x, Some(s)),
            None if s.contains(',') && matches!(read_number(s, true), Num::Value(..)) => Num::DecimalComma(s),
            None => Num::Bad(s),
        };
    }
    let (int, frac) = match s.split_once(',') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit())) {
        return Num::Bad(s);
    }
    let digits = int.strip_prefix(['-', '+']).unwrap_or(int);
    let joined = if digits.contains('.') {
        let groups: Vec<&str> = digits.split('.').collect();
        let grouped = groups[0].len() <= 3
            && !groups[0].is_empty()
            && !groups[0].starts_with('0')
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
            && groups[1..].iter().all(|g| g.len() == 3);
        match (grouped, frac, groups.len()) {
            // "1.234": grouped thousands or a decimal point?
            (true, None, 2) => return Num::Ambiguous(s),
            (true, _, _) => format!("{}{}", &int[..int.len() - digits.len()], groups.concat()),
            // "12.5", "0.125": a decimal point (no comma may follow it).
            (false, None, 2) => return value(plain(s)),
            (false, _, _) => return Num::Bad(s),
        }
    } else {
        int.to_string()
    };
    match frac {
        Some(frac) => value(plain(&format!("{joined}.{frac}"))),
        None => value(plain(&joined)),
    }
}

/// A whole number without decimals ("40"), any other as Rust writes it.
pub(super) fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

/// A place as words inside a message ("line 4"), to point at another row.
pub(super) fn place_words(p: Place) -> String {
    match p {
        Place::Line(n) => format!("line {n}"),
        Place::Row(n) => format!("row {n}"),
        Place::File => "the file".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(parse_number("40,5", true), Some(40.5));
        assert_eq!(parse_number("1.500,25", true), Some(1500.25));
        assert_eq!(parse_number("40.5", false), Some(40.5));
        assert_eq!(parse_number("40,5", false), None);
        assert_eq!(parse_number(" 7 ", false), Some(7.0));
        // Grouped thousands only where they cannot be a decimal point.
        assert_eq!(parse_number("1.234.567", true), Some(1234567.0));
        assert_eq!(parse_number("-1.234,5", true), Some(-1234.5));
        assert_eq!(parse_number("12.5", true), Some(12.5));
        assert_eq!(parse_number("0.125", true), Some(0.125));
        assert_eq!(parse_number("11.666666666666666", true), Some(11.666666666666666));
        assert!(matches!(read_number("1.234", true), Num::Ambiguous(_)));
        assert!(matches!(read_number("12.500", true), Num::Ambiguous(_)));
        for bad in ["1.23,5", "1,234,5", "1,234.5", "1.2.3", ",5e3", "1.234,5x"] {
            assert!(matches!(read_number(bad, true), Num::Bad(_)), "{bad}");
        }
        assert_eq!(parse_number("1.234,5", false), None);
        assert!(matches!(read_number("1.234,5", false), Num::DecimalComma(_)));
        assert_eq!(parse_number("1e308", false), Some(1e308));
    }
}

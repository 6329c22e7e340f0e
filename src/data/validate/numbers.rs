//! Cells read as numbers (Danish Excel's decimal comma included), and
//! numbers and places written back the way messages show them.

use polars::prelude::*;

use super::super::read::RawTable;
use crate::error::{Place, Problems};

/// A cell read as a number.
pub(super) enum Num<'a> {
    Empty,
    Value(f64),
    Bad(&'a str),
}

/// Visits a column's cells as numbers: numeric columns directly, text
/// parsed (with a decimal comma in semicolon files).
pub(super) fn each_number(col: &Column, decimal_comma: bool, mut f: impl FnMut(usize, Num)) {
    if let Ok(ca) = col.str() {
        for (row, v) in ca.iter().enumerate() {
            let v = v.map(str::trim).unwrap_or("");
            if v.is_empty() {
                f(row, Num::Empty);
            } else {
                match parse_number(v, decimal_comma) {
                    Some(x) => f(row, Num::Value(x)),
                    None => f(row, Num::Bad(v)),
                }
            }
        }
    } else if let Ok(c) = col.cast(&DataType::Float64) {
        // Empty cells as NaN, then a plain pass over the values.
        let ca = c.f64().expect("cast to Float64").fill_null_with_values(f64::NAN).expect("fill nulls");
        for (row, v) in ca.into_no_null_iter().enumerate() {
            f(row, if v.is_nan() { Num::Empty } else { Num::Value(v) });
        }
    }
}

/// A column of numbers checked by `rule`; NaN where a cell broke it.
pub(super) fn numbers(
    col: &Column,
    column: &str,
    decimal_comma: bool,
    raw: &RawTable,
    problems: &mut Problems,
    rule: impl Fn(f64) -> Result<f64, &'static str>,
) -> Vec<f64> {
    let why_empty = rule(f64::NAN).unwrap_err();
    let mut out = Vec::with_capacity(col.len());
    each_number(col, decimal_comma, |row, cell| {
        let v = match cell {
            Num::Value(x) => match rule(x) {
                Ok(x) => x,
                Err(why) => {
                    problems.push(raw.place(row), Some(column), Some(&fmt_num_raw(x)), why);
                    f64::NAN
                }
            },
            Num::Empty => {
                problems.push(raw.place(row), Some(column), Some(""), why_empty);
                f64::NAN
            }
            Num::Bad(v) => {
                problems.push(raw.place(row), Some(column), Some(v), why_empty);
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
/// "1.500,5") in a semicolon file.
pub fn parse_number(s: &str, decimal_comma: bool) -> Option<f64> {
    let s = s.trim();
    let x: f64 = if decimal_comma && s.contains(',') {
        s.replace('.', "").replace(',', ".").parse().ok()?
    } else {
        s.parse().ok()?
    };
    Some(x)
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
    }
}

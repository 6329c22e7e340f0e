//! The file's columns as a whole: each once, none of the contract's
//! missing, each stored as a type its rule can read, and the unknown ones
//! named in one warning.

use polars::prelude::*;

use super::super::codebook::{Codebook, DESIGN_COLUMNS, Item};
use super::super::findings::{Findings, shorten};
use super::design::TEXT_COLUMNS;
use super::{Input, Warnings};

/// How many unknown columns the warning names before it only counts.
const NAMED_UNKNOWN: usize = 12;

/// Repeated, missing and wrongly typed columns are problems that stop the
/// check; unknown ones a warning.
pub(super) fn check_columns(input: &Input, items: &[&Item], period: &str, codebook: &Codebook, problems: &mut Findings, warnings: &mut Warnings) {
    let raw = input.raw;
    let header = raw.header_place();
    for (name, first, again) in &raw.duplicates {
        problems.push(
            header,
            Some(name),
            None,
            format!("the column appears twice (fields {first} and {again}); keep one"),
        );
    }
    let names: Vec<String> = input.frame.get_column_names().iter().map(|n| n.to_string()).collect();
    check_missing(input, &names, items, period, problems);
    check_types(input, &names, items, problems);
    let repeat = |n: &str| raw.duplicates.iter().any(|(d, _, at)| n == format!("{d} (field {at})"));
    let known = |n: &str| DESIGN_COLUMNS.contains(&n) || items.iter().any(|i| i.name == n);
    let (not_asked, unknown): (Vec<&String>, Vec<&String>) =
        names.iter().filter(|n| !repeat(n) && !known(n)).partition(|n| codebook.item(n).is_some());
    let file = problems.file();
    if let Some(w) = ignored_warning(file, &unknown, period, "it is not in the codebook", "they are not in the codebook") {
        warnings.push(w);
    }
    let why = format!("the codebook says wave {period} did not ask it");
    let why_many = format!("the codebook says wave {period} did not ask them");
    if let Some(w) = ignored_warning(file, &not_asked, period, &why, &why_many) {
        warnings.push(w);
    }
}

/// One warning naming every column of a kind that is ignored, with how to
/// silence it.
fn ignored_warning(file: &str, names: &[&String], period: &str, why_one: &str, why_many: &str) -> Option<String> {
    let silence = format!("to silence this, list {} in ignore = [...] of a [[delivery]] for {period} in the codebook", if names.len() == 1 { "it" } else { "them" });
    match names {
        [] => None,
        [one] => Some(format!("{file}: column \"{}\" is ignored: {why_one}; {silence}", shorten(one))),
        many => {
            let mut list: Vec<String> = many.iter().take(NAMED_UNKNOWN).map(|n| format!("\"{}\"", shorten(n))).collect();
            if many.len() > NAMED_UNKNOWN {
                list.push(format!("and {} more", many.len() - NAMED_UNKNOWN));
            }
            Some(format!("{file}: {} columns are ignored ({}): {why_many}; {silence}", many.len(), list.join(", ")))
        }
    }
}

/// Every design column, and every item the codebook says the wave asked.
fn check_missing(input: &Input, names: &[String], items: &[&Item], period: &str, problems: &mut Findings) {
    let header = input.raw.header_place();
    let required = DESIGN_COLUMNS.iter().copied().chain(items.iter().map(|i| i.name.as_str()));
    for name in required {
        if !names.iter().any(|n| n == name) {
            let why = if DESIGN_COLUMNS.contains(&name) {
                "every wave must have it".to_string()
            } else {
                format!("the codebook says wave {period} asked it")
            };
            problems.push(header, Some(name), None, format!("the column is missing; {why}"));
        }
    }
}

/// Each column of the contract is stored as a type its rule reads without
/// guessing: text or whole numbers for the labels and ids, text or numbers
/// for fpc, weight and the codes (a Parquet boolean is not read as 1).
fn check_types(input: &Input, names: &[String], items: &[&Item], problems: &mut Findings) {
    let header = input.raw.header_place();
    for name in names {
        let dtype = input.frame.column(name).expect("listed").dtype();
        let plain = dtype == &DataType::String || dtype == &DataType::Null || dtype.is_integer();
        let rule = if TEXT_COLUMNS.contains(&name.as_str()) {
            (!plain).then_some("store it as text (or whole numbers)")
        } else if name == "fpc" || name == "weight" || items.iter().any(|i| &i.name == name) {
            (!plain && !dtype.is_float()).then_some("store it as numbers (integer or floating point) or as text")
        } else {
            None
        };
        if let Some(rule) = rule {
            problems.push(header, Some(name), None, format!("the column holds values of type {dtype}, which are not read; {rule}"));
        }
    }
}

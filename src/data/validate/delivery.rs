//! A real delivery's own column names and codes, mapped onto the contract's
//! through its `[[delivery]]` in the codebook. The codebook has checked
//! the mapping's names against itself; here they meet the file.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::super::codebook::{Codebook, Delivery};
use super::super::findings::Findings;
use super::super::read::RawTable;
use super::numbers::fmt_num;
use crate::error::{Place, Problems};

/// The file's table under the canonical names.
pub struct Mapped {
    /// Renamed and recoded; the ignored columns left out.
    pub frame: DataFrame,
    /// Canonical name -> the file's own, for messages.
    pub renamed: BTreeMap<String, String>,
}

/// Renames a delivery's columns, recodes its values and leaves out its
/// ignored columns. A name of the mapping the file lacks, or a rename onto
/// a name the file has already, is a mistake of the mapping: reported at
/// its line of the codebook.
pub fn apply_delivery(raw: &RawTable, period: &str, codebook: &Codebook, file: &str) -> Result<Mapped, Problems> {
    let Some(delivery) = codebook.delivery(period) else {
        return Ok(Mapped { frame: raw.frame.clone(), renamed: BTreeMap::new() });
    };
    check_names(raw, delivery, codebook, file)?;
    let mut cols: Vec<Column> = Vec::with_capacity(raw.frame.width());
    let mut renamed = BTreeMap::new();
    for c in raw.frame.columns() {
        let name = c.name().to_string();
        if delivery.ignore.contains(&name) {
            continue;
        }
        let canonical = delivery.columns.get(&name).cloned().unwrap_or_else(|| name.clone());
        if canonical != name {
            renamed.insert(canonical.clone(), name.clone());
        }
        let col = match delivery.recode.get(&canonical).and_then(|map| Some((map, as_text(c)?))) {
            Some((map, text)) => {
                let v: Vec<Option<String>> =
                    text.iter().map(|v| v.map(|s| map.get(s.trim()).cloned().unwrap_or_else(|| s.to_string()))).collect();
                Column::new(canonical.as_str().into(), v)
            }
            // A type that has no text is refused by the column check.
            _ => c.clone().with_name(canonical.as_str().into()),
        };
        cols.push(col);
    }
    match DataFrame::new(raw.frame.height(), cols) {
        Ok(frame) => Ok(Mapped { frame, renamed }),
        Err(e) => {
            let mut problems = Problems::new(file);
            problems.file_level(format!("cannot apply the [[delivery]] mapping for {period}: {e}"));
            Err(problems)
        }
    }
}

/// Every name the mapping reads is in the file, and no rename lands on a
/// column the file keeps under that name.
fn check_names(raw: &RawTable, delivery: &Delivery, codebook: &Codebook, file: &str) -> Result<(), Problems> {
    let names: Vec<String> = raw.frame.get_column_names().iter().map(|n| n.to_string()).collect();
    let has = |n: &str| names.iter().any(|m| m == n);
    let period = &delivery.period;
    let mut problems = Findings::new(codebook.source.as_str());
    let at = |line: Option<&usize>| Place::Line(line.copied().unwrap_or(delivery.lines.period));
    for (own, canonical) in &delivery.columns {
        let place = at(delivery.lines.columns.get(own));
        if !has(own) {
            problems.push(
                place,
                None,
                None,
                format!("[[delivery]] for {period} maps column \"{own}\" to \"{canonical}\", but {file} has no column \"{own}\"; write the name as the file's header does"),
            );
        } else if own != canonical && has(canonical) && !delivery.columns.contains_key(canonical) && !delivery.ignore.contains(canonical) {
            problems.push(
                place,
                None,
                None,
                format!("[[delivery]] for {period} maps column \"{own}\" to \"{canonical}\", but {file} has a column \"{canonical}\" too; map or ignore one of them"),
            );
        }
    }
    for name in &delivery.ignore {
        if !has(name) {
            problems.push(
                at(delivery.lines.ignore.get(name)),
                None,
                None,
                format!("[[delivery]] for {period} ignores column \"{name}\", but {file} has no such column; remove it from ignore"),
            );
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.into_problems()) }
}

/// A column's cells as text, the way a recode table writes them ("4",
/// "1.5", "true"); `None` for a type without a plain text form.
fn as_text(col: &Column) -> Option<StringChunked> {
    let dtype = col.dtype();
    if dtype.is_float() {
        let ca = col.cast(&DataType::Float64).ok()?;
        let v: Vec<Option<String>> = ca.f64().ok()?.iter().map(|v| v.map(fmt_num)).collect();
        return Some(StringChunked::from_iter_options("".into(), v.into_iter()));
    }
    if dtype == &DataType::String || dtype.is_integer() || dtype == &DataType::Boolean || dtype == &DataType::Null {
        return col.cast(&DataType::String).ok()?.str().ok().cloned();
    }
    None
}

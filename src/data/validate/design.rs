//! The design columns: id, stratum, sector, area and size as trimmed text,
//! fpc and weight as numbers, each checked on its own.

use std::collections::BTreeMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::super::Coded;
use super::super::codebook::Codebook;
use super::super::read::RawTable;
use super::super::read::read_later;
use super::ids::check_ids;
use super::numbers::{Num, each_number, numbers};
use super::super::findings::Findings;
use super::strata::{Index, Strata, check_strata, index_strata};

/// The design columns held as text.
pub(super) const TEXT_COLUMNS: [&str; 5] = ["id", "stratum", "sector", "area", "size"];

/// The design columns once checked: the rows' strata, sector, area and
/// size as codes, fpc and weight with NaN where a cell broke its rule.
pub(super) struct Design {
    pub strata: Strata,
    pub coded: Vec<(String, Coded)>,
    pub fpc: Vec<f64>,
    pub weight: Vec<f64>,
}

/// Checks and types the design columns, the problems in column order, and
/// takes them out of `frame`. One text column at a time is read (a
/// Parquet file read by parts reads it only now), checked, and dropped or
/// coded: ten million rows of one is about 200 MB, of all five a gigabyte.
/// `None` where a column does not read (`problems` then says why).
pub(super) fn check_design(raw: &RawTable, frame: &mut DataFrame, decimal_comma: bool, codebook: &Codebook, problems: &mut Findings) -> Option<Design> {
    let text = |name: &str, frame: &mut DataFrame, problems: &mut Findings| -> Option<Column> {
        if !read_later(raw, frame, Some(&[name]), problems) {
            return None;
        }
        let col = frame.drop_in_place(name).ok()?;
        Some(trimmed_text(&col, name))
    };
    // Each column's problems on their own list, joined in column order.
    let mut mine = Findings::new(problems.file());
    let ids = text("id", frame, problems)?;
    if let Ok(values) = ids.str() {
        check_ids(values, raw, &mut mine);
    }
    drop(ids);
    problems.extend(std::mem::replace(&mut mine, Findings::new(problems.file())));
    let stratum = text("stratum", frame, problems)?;
    let index = match stratum.str() {
        Ok(values) => {
            check_stratum_given(values, raw, &mut mine);
            index_strata(values)
        }
        Err(_) => index_strata(&StringChunked::full_null("stratum".into(), stratum.len())),
    };
    drop(stratum);
    problems.extend(std::mem::replace(&mut mine, Findings::new(problems.file())));
    let mut coded = Vec::new();
    for (name, allowed) in [("sector", &codebook.design.sector), ("area", &codebook.design.area), ("size", &codebook.design.size)] {
        let col = text(name, frame, problems)?;
        if let Ok(values) = col.str() {
            check_allowed(values, name, allowed, raw, &mut mine);
            if name == "sector" {
                check_sector_of_stratum(values, &index, allowed, raw, &mut mine);
            }
        }
        coded.push((name.to_string(), code(&col, allowed)));
        problems.extend(std::mem::replace(&mut mine, Findings::new(problems.file())));
    }
    if !read_later(raw, frame, Some(&["fpc", "weight"]), problems) {
        return None;
    }
    let fpc_col = frame.drop_in_place("fpc").ok()?;
    let fpc = numbers(&fpc_col, "fpc", decimal_comma, raw, problems, |x| {
        (x.is_finite() && x >= 1.0 && x.fract() == 0.0).then_some(x).ok_or("fpc must be a whole number of workplaces, at least 1")
    });
    drop(fpc_col);
    let weight_col = frame.drop_in_place("weight").ok()?;
    let mut weight = numbers(&weight_col, "weight", decimal_comma, raw, problems, |x| {
        (x.is_finite() && x > 0.0).then_some(x).ok_or("weights must be positive, finite numbers")
    });
    let strata = check_strata(index, &fpc, raw, problems);
    check_weight_bound(&weight_col, decimal_comma, raw, &strata, &mut weight, problems);
    Some(Design { strata, coded, fpc, weight })
}

/// A text column as codes: each row's index among the codebook's values
/// (in the codebook's order); a value that is not one (reported already)
/// is `u8::MAX`.
fn code(col: &Column, allowed: &BTreeMap<String, String>) -> Coded {
    let levels: Vec<String> = allowed.keys().cloned().collect();
    let mut codes = Vec::with_capacity(col.len());
    if let Ok(values) = col.str() {
        // Rows come in runs of one stratum: a value like the row before's needs no lookup.
        let mut last: Option<(&str, u8)> = None;
        for v in values.iter() {
            let v = v.unwrap_or("");
            let code = match last {
                Some((l, c)) if l == v => c,
                _ => levels.iter().position(|l| l == v).map_or(u8::MAX, |c| c as u8),
            };
            last = Some((v, code));
            codes.push(code);
        }
    }
    Coded { levels, codes }
}

/// A weight counts the workplaces a respondent stands for: no more than
/// its stratum has (fpc). Past that bound a weight (1e308, a misplaced
/// thousands separator) would outweigh every other answer. Checked against
/// the fpc of strata whose fpc broke no rule; NaN where broken.
pub(super) fn check_weight_bound(weight_col: &Column, decimal_comma: bool, raw: &RawTable, strata: &Strata, weight: &mut [f64], problems: &mut Findings) {
    let mut rows = vec![0usize; strata.labels.len()];
    for &k in &strata.stratum {
        rows[k as usize] += 1;
    }
    // NaN (never exceeded) where the stratum's fpc is broken or below its respondents.
    let bound: Vec<f64> = strata.population.iter().zip(&rows).map(|(&n, &r)| if n >= r as f64 { n } else { f64::NAN }).collect();
    let over = |row: usize, w: f64| w > bound[strata.stratum[row] as usize];
    if !weight.iter().enumerate().any(|(row, &w)| over(row, w)) {
        return;
    }
    each_number(weight_col, decimal_comma, |row, cell| {
        if let Num::Value(w, _) = cell
            && over(row, w)
            && !weight[row].is_nan()
        {
            problems.push(
                raw.place(row),
                Some("weight"),
                Some(&cell.shown()),
                "the weight is larger than the row's fpc, its stratum's population count; a respondent cannot stand for more workplaces than its stratum has",
            );
            weight[row] = f64::NAN;
        }
    });
}

/// Every row needs a stratum.
fn check_stratum_given(values: &StringChunked, raw: &RawTable, problems: &mut Findings) {
    for (row, s) in values.iter().enumerate() {
        if s.is_none_or(str::is_empty) {
            problems.push(raw.place(row), Some("stratum"), Some(""), "the stratum is empty; every row needs one");
        }
    }
}

/// A categorical design column takes only the codebook's values.
fn check_allowed(values: &StringChunked, name: &str, allowed: &BTreeMap<String, String>, raw: &RawTable, problems: &mut Findings) {
    // Rows come in runs of one stratum: a value like the row before is known good.
    let mut last_good: Option<&str> = None;
    for (row, v) in values.iter().enumerate() {
        let v = v.unwrap_or("");
        if last_good == Some(v) {
            continue;
        }
        if allowed.contains_key(v) {
            last_good = Some(v);
        } else {
            let list = allowed.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
            problems.push(raw.place(row), Some(name), Some(v), format!("not a {name} of the codebook ({list})"));
        }
    }
}

/// A stratum labelled with a sector ("kommune:administration:1-19") holds
/// rows of that sector only: a `stat` row there is a coding mistake that
/// would put it in the wrong domain. Other labels say nothing of the sector.
fn check_sector_of_stratum(sectors: &StringChunked, strata: &Index, allowed: &BTreeMap<String, String>, raw: &RawTable, problems: &mut Findings) {
    // Rows come in runs of one stratum and sector: a pair like the row before's is known.
    let mut last: Option<(&str, &str)> = None;
    for (row, sector) in sectors.iter().enumerate() {
        let (sector, stratum) = (sector.unwrap_or(""), strata.name(row));
        if last == Some((sector, stratum)) {
            continue;
        }
        last = Some((sector, stratum));
        let Some((prefix, _)) = stratum.split_once(':') else { continue };
        if allowed.contains_key(prefix) && allowed.contains_key(sector) && sector != prefix {
            last = None;
            problems.push(
                raw.place(row),
                Some("sector"),
                Some(sector),
                format!("the row's stratum \"{stratum}\" is in sector {prefix}; a row's sector must be its stratum's"),
            );
        }
    }
}

/// A text column with its cells trimmed (a copy only where one needs it).
pub(super) fn trimmed_text(col: &Column, name: &str) -> Column {
    let as_text = col.cast(&DataType::String).unwrap_or_else(|_| col.clone());
    let Ok(ca) = as_text.str() else { return as_text };
    // Most cells start and end with a visible ASCII character: only the
    // others are trimmed to see. The file's arrays are looked at side by side.
    let padded = |s: &str| {
        let edge = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_whitespace() || b >= 0x80);
        (edge(s.as_bytes().first()) || edge(s.as_bytes().last())) && s.len() != s.trim().len()
    };
    let arrays: Vec<_> = ca.downcast_iter().collect();
    let needs = arrays.par_iter().any(|arr| arr.values_iter().any(padded));
    if !needs {
        return as_text.with_name(name.into());
    }
    let v: Vec<Option<&str>> = ca.iter().map(|v| v.map(str::trim)).collect();
    Column::new(name.into(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_are_trimmed_only_where_padded() {
        let col = |v: &[&str]| Column::new("x".into(), v.to_vec());
        let cells = |c: &Column| c.str().unwrap().iter().map(|v| v.unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(cells(&trimmed_text(&col(&["a", "b c", "æø"]), "stratum")), ["a", "b c", "æø"]);
        assert_eq!(cells(&trimmed_text(&col(&["a", " b", "c\t"]), "stratum")), ["a", "b", "c"]);
        // a no-break space (Excel's favourite) is whitespace too
        assert_eq!(cells(&trimmed_text(&col(&["a", "\u{a0}b"]), "stratum")), ["a", "b"]);
        assert_eq!(trimmed_text(&col(&["a"]), "stratum").name().as_str(), "stratum");
    }
}

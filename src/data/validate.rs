//! Checks a wave's text cells against the contract (codebook + wave-data.md)
//! and turns them into a typed frame. Every violation is reported, each
//! naming the file, line, column, value and rule.

use std::collections::HashMap;

use polars::prelude::*;

use super::codebook::{Asked, Codebook, DESIGN_COLUMNS, Item};
use super::problem::{Place, Problems};
use super::read::RawTable;

/// Problems that do not stop a wave from being used.
pub type Warnings = Vec<String>;

/// Validates `raw` as wave `period`; returns the typed frame (design columns,
/// then the wave's items in codebook order as Float64 with nulls).
pub fn validate(
    raw: RawTable,
    period: &str,
    codebook: &Codebook,
    problems: &mut Problems,
    warnings: &mut Warnings,
) -> Option<DataFrame> {
    let decimal_comma = raw.separator == Some(b';');
    let frame = apply_delivery(&raw.frame, period, codebook, problems)?;
    let items: Vec<&Item> = codebook.items_in(period).collect();
    let header = raw.header_place();

    // Columns: duplicates, missing, unknown.
    for (name, first, again) in &raw.duplicates {
        problems.push(
            header,
            Some(name),
            None,
            format!("the column appears twice (fields {first} and {again}); keep one"),
        );
    }
    let names: Vec<String> = frame.get_column_names().iter().map(|n| n.to_string()).collect();
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
    for n in &names {
        if raw.duplicates.iter().any(|(d, _, at)| *n == format!("{d} (field {at})")) {
            continue;
        }
        let known = DESIGN_COLUMNS.contains(&n.as_str()) || items.iter().any(|i| &i.name == n);
        if !known {
            let why = match codebook.item(n) {
                Some(_) => format!("the codebook says wave {period} did not ask it"),
                None => "it is not in the codebook".to_string(),
            };
            warnings.push(format!("{}: column \"{n}\" is ignored: {why}", problems.file()));
        }
    }
    if !problems.is_empty() {
        return None;
    }

    let height = frame.height();
    let text = |name: &str| -> Vec<Option<String>> {
        let col = frame.column(name).expect("column checked above");
        let ca = col.str().expect("raw columns are text");
        ca.iter().map(|v| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)).collect()
    };

    // Design columns.
    let ids = text("id");
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(height);
    for (row, id) in ids.iter().enumerate() {
        match id {
            None => problems.push(raw.place(row), Some("id"), Some(""), "the id is empty; every row needs a unique id"),
            Some(id) => {
                if let Some(&first) = seen.get(id.as_str()) {
                    problems.push(
                        raw.place(row),
                        Some("id"),
                        Some(id),
                        format!("the id is already used by {}; ids must be unique", place_words(raw.place(first))),
                    );
                } else {
                    seen.insert(id, row);
                }
            }
        }
    }
    let stratum = text("stratum");
    for (row, s) in stratum.iter().enumerate() {
        if s.is_none() {
            problems.push(raw.place(row), Some("stratum"), Some(""), "the stratum is empty; every row needs one");
        }
    }
    let design_values = [
        ("sector", &codebook.design.sector),
        ("area", &codebook.design.area),
        ("size", &codebook.design.size),
    ];
    let mut design_text = Vec::new();
    for (name, allowed) in design_values {
        let values = text(name);
        for (row, v) in values.iter().enumerate() {
            let v_str = v.as_deref().unwrap_or("");
            if !allowed.contains_key(v_str) {
                let list = allowed.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
                problems.push(raw.place(row), Some(name), Some(v_str), format!("not a {name} of the codebook ({list})"));
            }
        }
        design_text.push((name, values));
    }
    let fpc = numbers(&text("fpc"), "fpc", decimal_comma, &raw, problems, |x| {
        (x.is_finite() && x >= 1.0 && x.fract() == 0.0).then_some(x)
            .ok_or("fpc must be a whole number of workplaces, at least 1")
    });
    let weight = numbers(&text("weight"), "weight", decimal_comma, &raw, problems, |x| {
        (x.is_finite() && x > 0.0).then_some(x).ok_or("weights must be positive, finite numbers")
    });

    // Strata: at least two respondents, one fpc each, fpc >= respondents.
    let mut strata: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (row, s) in stratum.iter().enumerate() {
        if let Some(s) = s {
            let k = *index.entry(s.as_str()).or_insert_with(|| {
                strata.push((s.as_str(), Vec::new()));
                strata.len() - 1
            });
            strata[k].1.push(row);
        }
    }
    for (name, rows) in &strata {
        let first = rows[0];
        if rows.len() < 2 {
            problems.push(
                raw.place(first),
                Some("stratum"),
                Some(name),
                "the stratum has only 1 respondent; every stratum needs at least 2 (merge it with a similar stratum)",
            );
        }
        let Some(n_h) = fpc[first] else { continue };
        for &row in &rows[1..] {
            if let Some(other) = fpc[row] {
                if other != n_h {
                    problems.push(
                        raw.place(row),
                        Some("fpc"),
                        Some(&fmt_num(other)),
                        format!(
                            "fpc differs from {} on {} in stratum \"{name}\"; fpc must be the same on every row of a stratum",
                            fmt_num(n_h),
                            place_words(raw.place(first))
                        ),
                    );
                }
            }
        }
        if n_h < rows.len() as f64 {
            problems.push(
                raw.place(first),
                Some("fpc"),
                Some(&fmt_num(n_h)),
                format!(
                    "fpc is smaller than the {} respondents of stratum \"{name}\"; fpc is the stratum's population count",
                    rows.len()
                ),
            );
        }
    }

    // Items: codes, who answered.
    let mut codes: Vec<Vec<Option<i32>>> = Vec::with_capacity(items.len());
    for item in &items {
        let cells = text(&item.name);
        let parsed = cells
            .iter()
            .enumerate()
            .map(|(row, v)| {
                let v = v.as_deref()?;
                match parse_number(v, decimal_comma).filter(|x| x.fract() == 0.0).map(|x| x as i32) {
                    Some(c) if item.has_code(c) => Some(c),
                    _ => {
                        problems.push(
                            raw.place(row),
                            Some(&item.name),
                            Some(v),
                            format!("not a code of {} ({})", item.name, item.code_list()),
                        );
                        None
                    }
                }
            })
            .collect();
        codes.push(parsed);
        if problems.is_full() {
            break;
        }
    }
    if codes.len() == items.len() {
        check_answers(&items, &codes, &raw, period, problems);
    }
    if !problems.is_empty() {
        return None;
    }

    let mut columns: Vec<Column> = Vec::with_capacity(DESIGN_COLUMNS.len() + items.len());
    columns.push(Column::new("id".into(), ids));
    columns.push(Column::new("stratum".into(), stratum));
    for (name, values) in design_text {
        columns.push(Column::new(name.into(), values));
    }
    columns.push(Column::new("fpc".into(), fpc));
    columns.push(Column::new("weight".into(), weight));
    for (item, values) in items.iter().zip(codes) {
        let v: Vec<Option<f64>> = values.into_iter().map(|c| c.map(f64::from)).collect();
        columns.push(Column::new(item.name.as_str().into(), v));
    }
    match DataFrame::new(height, columns) {
        Ok(df) => Some(df),
        Err(e) => {
            problems.file_level(format!("internal error while building the wave frame: {e}"));
            None
        }
    }
}

/// innovated agrees with the intro items; who answered what.
fn check_answers(items: &[&Item], codes: &[Vec<Option<i32>>], raw: &RawTable, period: &str, problems: &mut Problems) {
    let col = |name: &str| items.iter().position(|i| i.name == name).map(|k| &codes[k]);
    let Some(innovated) = col("innovated") else { return };
    let intros: Vec<(&str, &Vec<Option<i32>>)> = items
        .iter()
        .zip(codes)
        .filter(|(i, _)| i.name.starts_with("intro_"))
        .map(|(i, c)| (i.name.as_str(), c))
        .collect();
    for (row, inn) in innovated.iter().enumerate() {
        let Some(inn) = *inn else { continue };
        if intros.is_empty() || intros.iter().any(|(_, c)| c[row].is_none()) {
            continue;
        }
        let yes: Vec<&str> = intros.iter().filter(|(_, c)| c[row] == Some(1)).map(|(n, _)| *n).collect();
        let expected = i32::from(!yes.is_empty());
        if inn != expected {
            let rule = if expected == 1 {
                format!("innovated must be 1 when an intro item is 1 (here {} = 1)", yes.join(" = 1, "))
            } else {
                "innovated must be 0 when no intro item is 1".to_string()
            };
            problems.push(raw.place(row), Some("innovated"), Some(&inn.to_string()), rule);
        }
    }
    for (item, values) in items.iter().zip(codes) {
        for (row, v) in values.iter().enumerate() {
            match item.asked {
                Asked::All => {
                    if v.is_none() && raw_is_empty(raw, &item.name, row) {
                        problems.push(
                            raw.place(row),
                            Some(&item.name),
                            Some(""),
                            "the cell is empty; the item is asked of every workplace",
                        );
                    }
                }
                Asked::Innovators => match innovated[row] {
                    Some(0) if v.is_some() => problems.push(
                        raw.place(row),
                        Some(&item.name),
                        Some(&v.unwrap().to_string()),
                        "an answer from a workplace that did not innovate (innovated = 0); the item is asked only where innovated = 1",
                    ),
                    Some(1) if v.is_none() && raw_is_empty(raw, &item.name, row) => problems.push(
                        raw.place(row),
                        Some(&item.name),
                        Some(""),
                        format!("the cell is empty for a workplace that innovated; wave {period} asked the item of every innovator"),
                    ),
                    _ => {}
                },
            }
        }
        if problems.is_full() {
            return;
        }
    }
}

/// True if the raw cell was empty (not a bad code, which is reported already).
fn raw_is_empty(raw: &RawTable, name: &str, row: usize) -> bool {
    let col = raw.frame.column(name).ok().and_then(|c| c.str().ok().and_then(|s| s.get(row).map(str::to_string)));
    col.map(|s| s.trim().is_empty()).unwrap_or(true)
}

fn numbers(
    cells: &[Option<String>],
    column: &str,
    decimal_comma: bool,
    raw: &RawTable,
    problems: &mut Problems,
    rule: impl Fn(f64) -> Result<f64, &'static str>,
) -> Vec<Option<f64>> {
    cells
        .iter()
        .enumerate()
        .map(|(row, v)| {
            let v_str = v.as_deref().unwrap_or("");
            let parsed = parse_number(v_str, decimal_comma).ok_or("").and_then(|x| rule(x));
            match parsed {
                Ok(x) => Some(x),
                Err(why) => {
                    let why = if why.is_empty() { rule(f64::NAN).unwrap_err() } else { why };
                    problems.push(raw.place(row), Some(column), Some(v_str), why);
                    None
                }
            }
        })
        .collect()
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

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

fn place_words(p: Place) -> String {
    match p {
        Place::Line(n) => format!("line {n}"),
        Place::Row(n) => format!("row {n}"),
        Place::File => "the file".to_string(),
    }
}

/// Renames a delivery's columns and recodes its values onto the canonical ones.
fn apply_delivery(frame: &DataFrame, period: &str, codebook: &Codebook, problems: &mut Problems) -> Option<DataFrame> {
    let Some(delivery) = codebook.delivery(period) else { return Some(frame.clone()) };
    let mut cols: Vec<Column> = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let name = c.name().to_string();
        let canonical = delivery.columns.get(&name).cloned().unwrap_or(name.clone());
        if cols.iter().any(|o| o.name().as_str() == canonical) {
            problems.file_level(format!(
                "the [[delivery]] mapping for {period} leaves two columns named \"{canonical}\" (one of them \"{name}\" in the file)"
            ));
            return None;
        }
        let col = match delivery.recode.get(&canonical) {
            Some(map) => {
                let ca = c.str().expect("raw columns are text");
                let v: Vec<Option<String>> = ca
                    .iter()
                    .map(|v| v.map(|s| map.get(s.trim()).cloned().unwrap_or_else(|| s.to_string())))
                    .collect();
                Column::new(canonical.as_str().into(), v)
            }
            None => c.clone().with_name(canonical.as_str().into()),
        };
        cols.push(col);
    }
    match DataFrame::new(frame.height(), cols) {
        Ok(df) => Some(df),
        Err(e) => {
            problems.file_level(format!("cannot apply the [[delivery]] mapping for {period}: {e}"));
            None
        }
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

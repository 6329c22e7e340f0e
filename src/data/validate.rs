//! Checks a wave's text cells against the contract (codebook + wave-data.md)
//! and turns them into a typed frame. Every violation is reported, each
//! naming the file, line, column, value and rule.


use polars::prelude::*;
use rayon::prelude::*;

use super::codebook::{Asked, Codebook, DESIGN_COLUMNS, Item};
use crate::error::{Place, Problems};
use super::read::RawTable;

/// Problems that do not stop a wave from being used.
pub type Warnings = Vec<String>;

/// Each row's stratum as the validator found them: strata in order of
/// first appearance, with their population counts (fpc).
#[derive(Debug, Clone, Default)]
pub struct Strata {
    pub stratum: Vec<u32>,
    pub labels: Vec<String>,
    pub population: Vec<f64>,
}

/// Validates `raw` as wave `period`; returns the typed frame (design columns,
/// then the wave's items in codebook order as UInt8 with nulls) and the
/// rows' strata.
pub fn validate(
    raw: RawTable,
    period: &str,
    codebook: &Codebook,
    problems: &mut Problems,
    warnings: &mut Warnings,
) -> Option<(DataFrame, Strata)> {
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
    let col = |name: &str| frame.column(name).expect("column checked above");

    // Design columns: trimmed side by side, then each checked on its own,
    // the problems reported in column order.
    let text_columns: Vec<Column> = TEXT_COLUMNS.par_iter().map(|&name| trimmed_text(col(name), name)).collect();
    let design_values = [
        ("sector", &codebook.design.sector),
        ("area", &codebook.design.area),
        ("size", &codebook.design.size),
    ];
    let checked: Vec<Problems> = (0..5)
        .into_par_iter()
        .map(|k| {
            let mut mine = Problems::new(problems.file());
            let Ok(values) = text_columns[k].str() else { return mine };
            match k {
                0 => check_ids(values, &raw, &mut mine),
                1 => {
                    for (row, s) in values.iter().enumerate() {
                        if s.is_none_or(str::is_empty) {
                            mine.push(raw.place(row), Some("stratum"), Some(""), "the stratum is empty; every row needs one");
                        }
                    }
                }
                _ => {
                    let (name, allowed) = design_values[k - 2];
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
                            mine.push(raw.place(row), Some(name), Some(v), format!("not a {name} of the codebook ({list})"));
                        }
                    }
                }
            }
            mine
        })
        .collect();
    for mine in checked {
        problems.extend(mine);
    }
    let strata_col = text_columns[1].str().expect("text").clone();
    let fpc = numbers(col("fpc"), "fpc", decimal_comma, &raw, problems, |x| {
        (x.is_finite() && x >= 1.0 && x.fract() == 0.0).then_some(x).ok_or("fpc must be a whole number of workplaces, at least 1")
    });
    let weight = numbers(col("weight"), "weight", decimal_comma, &raw, problems, |x| {
        (x.is_finite() && x > 0.0).then_some(x).ok_or("weights must be positive, finite numbers")
    });

    // Strata: at least two respondents, one fpc each, fpc >= respondents.
    let mut index: PlHashMap<&str, usize> = PlHashMap::new();
    let mut strata: Vec<(&str, usize, usize)> = Vec::new(); // name, first row, rows
    let mut stratum_of: Vec<u32> = Vec::with_capacity(height);
    let mut last: Option<(&str, usize)> = None;
    for (row, s) in strata_col.iter().enumerate() {
        let s = s.unwrap_or("");
        let k = match last {
            Some((name, k)) if name == s => k,
            _ => *index.entry(s).or_insert_with(|| {
                strata.push((s, row, 0));
                strata.len() - 1
            }),
        };
        last = Some((s, k));
        strata[k].2 += 1;
        stratum_of.push(k as u32);
    }
    for (row, &k) in stratum_of.iter().enumerate() {
        let (name, first, _) = strata[k as usize];
        if row == first || name.is_empty() {
            continue;
        }
        let (n_h, other) = (fpc[first], fpc[row]);
        if !n_h.is_nan() && !other.is_nan() {
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
    for &(name, first, rows) in &strata {
        if name.is_empty() {
            continue;
        }
        if rows < 2 {
            problems.push(
                raw.place(first),
                Some("stratum"),
                Some(name),
                "the stratum has only 1 respondent; every stratum needs at least 2 (merge it with a similar stratum)",
            );
        }
        let n_h = fpc[first];
        if !n_h.is_nan() {
            if n_h < rows as f64 {
                problems.push(
                    raw.place(first),
                    Some("fpc"),
                    Some(&fmt_num(n_h)),
                    format!("fpc is smaller than the {rows} respondents of stratum \"{name}\"; fpc is the stratum's population count"),
                );
            }
        }
    }
    drop(index);
    let strata = Strata {
        labels: strata.iter().map(|(name, _, _)| name.to_string()).collect(),
        population: strata.iter().map(|&(_, first, _)| fpc[first]).collect(),
        stratum: stratum_of,
    };

    // Items: codes first for innovated and the intro items, which the others are checked against.
    // An item's cells, checked against its codes, as a UInt8 column (null = empty).
    let parse_item = |item: &Item, problems: &mut Problems| -> Column {
        let allowed = allowed_codes(item);
        let source = col(&item.name);
        let name = item.name.as_str();
        if let Ok(ca) = source.u8() {
            // Codes stored as bytes (our Parquet): one plain pass, the column kept as is.
            let mut ok = true;
            let mut row = 0;
            for arr in ca.downcast_iter() {
                let values = arr.values().as_slice();
                let validity = arr.validity();
                for (i, &v) in values.iter().enumerate() {
                    if !allowed[v as usize] && validity.is_none_or(|b| b.get_bit(i)) {
                        ok = false;
                        problems.push(raw.place(row + i), Some(name), Some(&v.to_string()), format!("not a code of {} ({})", item.name, item.code_list()));
                    }
                }
                row += values.len();
            }
            if ok {
                return source.clone().with_name(name.into());
            }
        }
        let before = problems.len();
        let bad = |row: usize, v: &str, problems: &mut Problems| {
            problems.push(raw.place(row), Some(&item.name), Some(v), format!("not a code of {} ({})", item.name, item.code_list()));
        };
        let mut codes: Vec<Option<u8>> = Vec::new();
        let text = source.dtype() == &DataType::String;
        each_number(source, decimal_comma, |row, cell| {
            let code = match cell {
                Num::Empty => None,
                Num::Value(x) if x.fract() == 0.0 && (0.0..=255.0).contains(&x) && allowed[x as usize] => Some(x as u8),
                Num::Value(x) => {
                    bad(row, &fmt_num_raw(x), problems);
                    None
                }
                Num::Bad(v) => {
                    bad(row, v, problems);
                    None
                }
            };
            if text {
                codes.push(code);
            }
        });
        if text {
            Column::new(name.into(), codes)
        } else if problems.len() == before {
            // Every value is an allowed code: the typed column is cast as is.
            source.cast(&DataType::UInt8).unwrap_or_else(|_| Column::full_null(name.into(), height, &DataType::UInt8)).with_name(name.into())
        } else {
            // Some values broke the codes: keep the good ones so later rules see them.
            let mut codes = Vec::with_capacity(height);
            each_number(source, decimal_comma, |_, cell| {
                codes.push(match cell {
                    Num::Value(x) if x.fract() == 0.0 && (0.0..=255.0).contains(&x) && allowed[x as usize] => Some(x as u8),
                    _ => None,
                })
            });
            Column::new(name.into(), codes)
        }
    };
    let innovated_item = items.iter().find(|i| i.name == "innovated").copied();
    let innovated_col = innovated_item.map(|item| parse_item(item, problems));
    let innovated: Vec<u8> = match &innovated_col {
        Some(c) => code_slice(c),
        None => vec![MISSING; height],
    };
    let intros: Vec<(&str, Column)> =
        items.iter().filter(|i| i.name.starts_with("intro_")).map(|i| (i.name.as_str(), parse_item(i, problems))).collect();
    let intro_codes: Vec<(&str, Vec<u8>)> = intros.iter().map(|(n, c)| (*n, code_slice(c))).collect();
    check_innovated(&innovated, &intro_codes, &raw, problems);
    let innovators: Option<BooleanChunked> =
        innovated_col.as_ref().and_then(|c| c.u8().ok()).filter(|c| c.null_count() == 0).map(|c| c.equal(1));
    drop(intro_codes);

    let mut columns: Vec<Column> = text_columns;
    columns.push(Column::new("fpc".into(), fpc));
    columns.push(Column::new("weight".into(), weight));
    // The items are independent of each other now: checked side by side,
    // their problems reported in codebook order.
    let checked: Vec<(Column, Problems)> = items
        .par_iter()
        .map(|item| {
            let mut mine = Problems::new(problems.file());
            let source = col(&item.name);
            if clean_codes(item, source, &innovated, innovators.as_ref()) {
                return (source.clone().with_name(item.name.as_str().into()), mine);
            }
            let column = if item.name == "innovated" {
                innovated_col.clone().expect("parsed above")
            } else if let Some((_, c)) = intros.iter().find(|(n, _)| *n == item.name) {
                c.clone()
            } else {
                parse_item(item, &mut mine)
            };
            check_asked(item, &code_slice(&column), &innovated, &raw, period, &mut mine);
            (column, mine)
        })
        .collect();
    for (column, mine) in checked {
        problems.extend(mine);
        columns.push(column);
    }
    if !problems.is_empty() {
        return None;
    }
    match DataFrame::new(height, columns) {
        Ok(df) => Some((df, strata)),
        Err(e) => {
            problems.file_level(format!("internal error while building the wave frame: {e}"));
            None
        }
    }
}

/// The design columns held as text.
const TEXT_COLUMNS: [&str; 5] = ["id", "stratum", "sector", "area", "size"];

/// Ids must be non-empty and unique. A delivery sorted by id (the usual
/// case) is settled by one pass comparing neighbours; any other order goes
/// through a hash table that names the first use of a repeated id.
fn check_ids(ids: &StringChunked, raw: &RawTable, problems: &mut Problems) {
    if ids.null_count() == 0 {
        // Pieces of at most CHUNK rows of the file's arrays, each checked on
        // its own, then the seams between neighbours.
        const CHUNK: usize = 1 << 16;
        let arrays: Vec<_> = ids.downcast_iter().collect();
        let pieces: Vec<(usize, usize, usize)> = arrays
            .iter()
            .enumerate()
            .flat_map(|(a, arr)| (0..arr.len().div_ceil(CHUNK)).map(move |c| (a, c * CHUNK, ((c + 1) * CHUNK).min(arr.len()))))
            .collect();
        let increasing = pieces.par_iter().all(|&(a, from, to)| {
            let arr = arrays[a];
            (from..to).all(|i| !arr.value(i).is_empty() && (i + 1 == to || arr.value(i) < arr.value(i + 1)))
        }) && pieces.windows(2).all(|w| {
            let ((a, _, to), (b, from, _)) = (w[0], w[1]);
            arrays[a].value(to - 1) < arrays[b].value(from)
        });
        if increasing {
            return;
        }
    }
    let mut seen: PlHashMap<&str, usize> = PlHashMap::with_capacity(ids.len());
    for (row, id) in ids.iter().enumerate() {
        match id.filter(|s| !s.is_empty()) {
            None => problems.push(raw.place(row), Some("id"), Some(""), "the id is empty; every row needs a unique id"),
            Some(id) => {
                if let Some(&first) = seen.get(id) {
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
}

/// Which byte values are codes of the item.
fn allowed_codes(item: &Item) -> [bool; 256] {
    let mut allowed = [false; 256];
    for (c, _) in &item.codes {
        if let Ok(c) = u8::try_from(*c) {
            allowed[c as usize] = true;
        }
    }
    allowed
}

/// Whether a byte-coded column (our Parquet) breaks no rule: every value
/// one of the item's codes, answered exactly where the item was asked.
/// Whole-column passes without copies (`innovators`: innovated = 1, when
/// innovated has no empty cell); a column that is not clean is checked
/// again cell by cell for the messages.
fn clean_codes(item: &Item, column: &Column, innovated: &[u8], innovators: Option<&BooleanChunked>) -> bool {
    let Ok(ca) = column.u8() else { return false };
    if ca.len() != innovated.len() {
        return false;
    }
    let allowed = allowed_codes(item);
    // Every answer one of the codes (the values under empty cells are not answers).
    let codes_ok = ca.downcast_iter().all(|arr| {
        let values = arr.values().as_slice();
        values.iter().all(|&v| allowed[v as usize])
            || arr.validity().is_some_and(|b| values.iter().zip(b.iter()).all(|(&v, valid)| !valid || allowed[v as usize]))
    });
    if !codes_ok {
        return false;
    }
    match item.asked {
        Asked::All => ca.null_count() == 0,
        Asked::Innovators => match innovators {
            // Answered exactly where innovated = 1: one comparison of bitmaps.
            Some(inn) => ca.is_not_null().equal(inn).all(),
            // An unknown innovated is reported on its own and asks nothing here.
            None => {
                let mut row = 0;
                ca.downcast_iter().all(|arr| {
                    let inn = &innovated[row..row + arr.len()];
                    row += arr.len();
                    match arr.validity() {
                        None => inn.iter().all(|&i| i != 0),
                        Some(b) => b.iter().zip(inn).all(|(valid, &i)| if valid { i != 0 } else { i != 1 }),
                    }
                })
            }
        },
    }
}

/// A text column with its cells trimmed (a copy only where one needs it).
fn trimmed_text(col: &Column, name: &str) -> Column {
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

/// A cell read as a number.
enum Num<'a> {
    Empty,
    Value(f64),
    Bad(&'a str),
}

/// Visits a column's cells as numbers: numeric columns directly, text
/// parsed (with a decimal comma in semicolon files).
fn each_number(col: &Column, decimal_comma: bool, mut f: impl FnMut(usize, Num)) {
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

/// The code used for an empty cell in code slices.
const MISSING: u8 = u8::MAX;

/// A UInt8 code column as a plain slice, `MISSING` for an empty cell.
fn code_slice(col: &Column) -> Vec<u8> {
    let Ok(ca) = col.u8() else { return vec![MISSING; col.len()] };
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        let values = arr.values().as_slice();
        match arr.validity() {
            None => out.extend_from_slice(values),
            Some(b) => out.extend(values.iter().zip(b.iter()).map(|(&v, valid)| if valid { v } else { MISSING })),
        }
    }
    out
}

/// innovated must be 1 exactly when an intro item is 1.
fn check_innovated(innovated: &[u8], intros: &[(&str, Vec<u8>)], raw: &RawTable, problems: &mut Problems) {
    if intros.is_empty() {
        return;
    }
    for (row, &inn) in innovated.iter().enumerate() {
        if inn == MISSING || intros.iter().any(|(_, c)| c[row] == MISSING) {
            continue;
        }
        let any = intros.iter().any(|(_, c)| c[row] == 1);
        let expected = u8::from(any);
        if inn != expected {
            let rule = if any {
                let yes: Vec<&str> = intros.iter().filter(|(_, c)| c[row] == 1).map(|(n, _)| *n).collect();
                format!("innovated must be 1 when an intro item is 1 (here {} = 1)", yes.join(" = 1, "))
            } else {
                "innovated must be 0 when no intro item is 1".to_string()
            };
            problems.push(raw.place(row), Some("innovated"), Some(&inn.to_string()), rule);
        }
    }
}

/// Who answered: every workplace, or exactly the innovators.
fn check_asked(item: &Item, codes: &[u8], innovated: &[u8], raw: &RawTable, period: &str, problems: &mut Problems) {
    // A cell that held text which was not a code is reported already; only truly empty cells count here.
    let text = raw.frame.column(&item.name).ok().and_then(|c| c.str().ok());
    let raw_is_empty = |row: usize| text.is_none_or(|t| t.get(row).is_none_or(|v| v.trim().is_empty()));
    match item.asked {
        Asked::All => {
            for (row, &v) in codes.iter().enumerate() {
                if v == MISSING && raw_is_empty(row) {
                    problems.push(raw.place(row), Some(&item.name), Some(""), "the cell is empty; the item is asked of every workplace");
                    if problems.is_full() {
                        return;
                    }
                }
            }
        }
        Asked::Innovators => {
            for (row, (&v, &inn)) in codes.iter().zip(innovated).enumerate() {
                if inn == 0 && v != MISSING {
                    problems.push(
                        raw.place(row),
                        Some(&item.name),
                        Some(&v.to_string()),
                        "an answer from a workplace that did not innovate (innovated = 0); the item is asked only where innovated = 1",
                    );
                } else if inn == 1 && v == MISSING && raw_is_empty(row) {
                    problems.push(
                        raw.place(row),
                        Some(&item.name),
                        Some(""),
                        format!("the cell is empty for a workplace that innovated; wave {period} asked the item of every innovator"),
                    );
                } else {
                    continue;
                }
                if problems.is_full() {
                    return;
                }
            }
        }
    }
}

/// A column of numbers checked by `rule`; NaN where a cell broke it.
fn numbers(
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
fn fmt_num_raw(x: f64) -> String {
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

    /// The shipped 2018-2019 wave as a Parquet file with byte-coded items
    /// (as `synth --parquet` writes them), after `edit`; the problems found.
    fn parquet_problems(edit: impl FnOnce(&mut DataFrame)) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let codebook = Codebook::load(&root.join("config/codebook.toml")).unwrap();
        let wave = crate::data::load_wave(&root.join("inputs/waves/2018-2019.csv"), &codebook).unwrap();
        let mut df = wave.frame.clone();
        edit(&mut df);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2018-2019.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut df).unwrap();
        match crate::data::load_wave(&path, &codebook) {
            Ok(_) => Vec::new(),
            Err(p) => p.list().iter().map(|x| x.to_string().replace(&path.display().to_string(), "F")).collect(),
        }
    }

    /// Replaces row `row` of a byte-coded column.
    fn set_code(df: &mut DataFrame, column: &str, row: usize, value: Option<u8>) {
        let mut v: Vec<Option<u8>> = df.column(column).unwrap().u8().unwrap().iter().collect();
        v[row] = value;
        df.with_column(Column::new(column.into(), v)).unwrap();
    }

    #[test]
    fn byte_coded_items_are_checked_whole_and_reported_cell_by_cell() {
        assert_eq!(parquet_problems(|_| {}), Vec::<String>::new());
        let innovated = |df: &DataFrame, want: u8| df.column("innovated").unwrap().u8().unwrap().iter().position(|v| v == Some(want)).unwrap();
        // An answer from a workplace that did not innovate.
        let found = parquet_problems(|df| {
            let row = innovated(df, 0);
            set_code(df, "collab_citizens", row, Some(1));
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("column \"collab_citizens\", value \"1\": an answer from a workplace that did not innovate"), "{found:?}");
        // An empty cell where the workplace innovated.
        let found = parquet_problems(|df| {
            let row = innovated(df, 1);
            set_code(df, "novelty", row, None);
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("column \"novelty\", value \"\": the cell is empty for a workplace that innovated"), "{found:?}");
        // A value that is not a code.
        let found = parquet_problems(|df| {
            let row = innovated(df, 1);
            set_code(df, "promote_citizens", row, Some(7));
        });
        assert!(found[0].contains("column \"promote_citizens\", value \"7\": not a code of promote_citizens"), "{found:?}");
    }

    #[test]
    fn sorted_and_unsorted_ids_find_the_same_repeats() {
        let header = "id,stratum,sector,area,size,fpc,weight\n";
        let rows = |ids: &[&str]| -> String {
            ids.iter().map(|id| format!("{id},s,kommune,administration,1-19,10,5\n")).collect::<Vec<_>>().concat()
        };
        for ids in [["A1", "A2", "A2", "A3"], ["A3", "A2", "A1", "A2"]] {
            let text = format!("{header}{}", rows(&ids));
            let mut problems = Problems::new("f.csv".to_string());
            let raw = super::super::read::read_csv_bytes(text.as_bytes(), &mut problems).unwrap();
            let ids = raw.frame.column("id").unwrap().str().unwrap().clone();
            check_ids(&ids, &raw, &mut problems);
            let found: Vec<String> = problems.list().iter().map(|p| p.to_string()).collect();
            let first = 2 + ids.iter().position(|v| v == Some("A2")).unwrap();
            assert_eq!(found, vec![format!("f.csv:{}: column \"id\", value \"A2\": the id is already used by line {first}; ids must be unique", if ids.get(2) == Some("A2") { 4 } else { 5 })]);
        }
    }

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

    #[test]
    fn danish_numbers() {
        assert_eq!(parse_number("40,5", true), Some(40.5));
        assert_eq!(parse_number("1.500,25", true), Some(1500.25));
        assert_eq!(parse_number("40.5", false), Some(40.5));
        assert_eq!(parse_number("40,5", false), None);
        assert_eq!(parse_number(" 7 ", false), Some(7.0));
    }
}

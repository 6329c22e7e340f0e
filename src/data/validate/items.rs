//! The items: each cell one of the item's codes, innovated consistent with
//! the intro items, and answers exactly where the item was asked.

use polars::prelude::*;
use rayon::prelude::*;

use super::super::codebook::{Asked, Item};
use super::super::read::RawTable;
use super::Input;
use super::numbers::{Num, each_number, fmt_num_raw};
use crate::error::Problems;

/// The code used for an empty cell in code slices.
const MISSING: u8 = u8::MAX;

/// Checks the wave's items and returns them as UInt8 columns (null =
/// empty), in codebook order. Codes come first for innovated and the
/// intro items, which the others are checked against.
pub(super) fn check_items(input: &Input, items: &[&Item], period: &str, problems: &mut Problems) -> Vec<Column> {
    let innovation = Innovation::check(input, items, problems);
    // The items are independent of each other now: checked side by side,
    // their problems reported in codebook order.
    let checked: Vec<(Column, Problems)> = items
        .par_iter()
        .map(|item| {
            let mut mine = Problems::new(problems.file());
            let column = innovation.check_item(input, item, period, &mut mine);
            (column, mine)
        })
        .collect();
    let mut columns = Vec::with_capacity(checked.len());
    for (column, mine) in checked {
        problems.extend(mine);
        columns.push(column);
    }
    columns
}

/// Who innovated, which every "asked of innovators" item is checked against.
struct Innovation<'a> {
    /// The parsed innovated column, when the wave has the item.
    column: Option<Column>,
    /// Its codes, `MISSING` for an empty cell (all `MISSING` without the item).
    codes: Vec<u8>,
    /// innovated = 1 as a mask, when innovated has no empty cell.
    innovators: Option<BooleanChunked>,
    /// The parsed intro items.
    intros: Vec<(&'a str, Column)>,
}

impl<'a> Innovation<'a> {
    /// Parses innovated and the intro items, and checks innovated against the intros.
    fn check(input: &Input, items: &[&'a Item], problems: &mut Problems) -> Innovation<'a> {
        let innovated_item = items.iter().find(|i| i.name == "innovated").copied();
        let column = innovated_item.map(|item| parse_item(input, item, problems));
        let codes: Vec<u8> = match &column {
            Some(c) => code_slice(c),
            None => vec![MISSING; input.frame.height()],
        };
        let intros: Vec<(&str, Column)> =
            items.iter().filter(|i| i.name.starts_with("intro_")).map(|i| (i.name.as_str(), parse_item(input, i, problems))).collect();
        let intro_codes: Vec<(&str, Vec<u8>)> = intros.iter().map(|(n, c)| (*n, code_slice(c))).collect();
        check_innovated(&codes, &intro_codes, input.raw, problems);
        let innovators: Option<BooleanChunked> =
            column.as_ref().and_then(|c| c.u8().ok()).filter(|c| c.null_count() == 0).map(|c| c.equal(1));
        Innovation { column, codes, innovators, intros }
    }

    /// One item's typed column, its problems in `mine`: a byte-coded column
    /// that breaks no rule is kept as is, any other parsed (innovated and
    /// the intros already are) and checked cell by cell.
    fn check_item(&self, input: &Input, item: &Item, period: &str, mine: &mut Problems) -> Column {
        let source = input.col(&item.name);
        if clean_codes(item, source, &self.codes, self.innovators.as_ref()) {
            return source.clone().with_name(item.name.as_str().into());
        }
        let column = if item.name == "innovated" {
            self.column.clone().expect("parsed above")
        } else if let Some((_, c)) = self.intros.iter().find(|(n, _)| *n == item.name) {
            c.clone()
        } else {
            parse_item(input, item, mine)
        };
        check_asked(item, &code_slice(&column), &self.codes, input.raw, period, mine);
        column
    }
}

/// An item's cells, checked against its codes, as a UInt8 column (null = empty).
fn parse_item(input: &Input, item: &Item, problems: &mut Problems) -> Column {
    let allowed = allowed_codes(item);
    let source = input.col(&item.name);
    let name = item.name.as_str();
    if let Some(column) = byte_codes(source, item, &allowed, input.raw, problems) {
        return column;
    }
    let before = problems.len();
    let bad = |row: usize, v: &str, problems: &mut Problems| {
        problems.push(input.raw.place(row), Some(&item.name), Some(v), format!("not a code of {} ({})", item.name, item.code_list()));
    };
    let mut codes: Vec<Option<u8>> = Vec::new();
    let text = source.dtype() == &DataType::String;
    each_number(source, input.decimal_comma, |row, cell| {
        let code = match cell {
            Num::Empty => None,
            Num::Value(x) if is_code(x, &allowed) => Some(x as u8),
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
    let height = input.frame.height();
    if text {
        Column::new(name.into(), codes)
    } else if problems.len() == before {
        // Every value is an allowed code: the typed column is cast as is.
        source.cast(&DataType::UInt8).unwrap_or_else(|_| Column::full_null(name.into(), height, &DataType::UInt8)).with_name(name.into())
    } else {
        // Some values broke the codes: keep the good ones so later rules see them.
        let mut codes = Vec::with_capacity(height);
        each_number(source, input.decimal_comma, |_, cell| {
            codes.push(match cell {
                Num::Value(x) if is_code(x, &allowed) => Some(x as u8),
                _ => None,
            })
        });
        Column::new(name.into(), codes)
    }
}

/// Whether a number is one of the item's byte codes.
fn is_code(x: f64, allowed: &[bool; 256]) -> bool {
    x.fract() == 0.0 && (0.0..=255.0).contains(&x) && allowed[x as usize]
}

/// Codes stored as bytes (our Parquet): one plain pass, the column kept as
/// is when every value is a code; each other value reported. `None` for
/// any other column, or one with a value that is not a code.
fn byte_codes(source: &Column, item: &Item, allowed: &[bool; 256], raw: &RawTable, problems: &mut Problems) -> Option<Column> {
    let ca = source.u8().ok()?;
    let name = item.name.as_str();
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
    ok.then(|| source.clone().with_name(name.into()))
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
            None => answered_where_innovated(ca, innovated),
        },
    }
}

/// Whether a byte-coded column is answered where innovated = 1 and empty
/// where it is 0 (an empty innovated asks nothing).
fn answered_where_innovated(ca: &UInt8Chunked, innovated: &[u8]) -> bool {
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
        Asked::Innovators => check_asked_innovators(item, codes, innovated, raw, period, problems, raw_is_empty),
    }
}

/// Answers only where innovated = 1, and there an answer unless the cell
/// held text that was reported already (`raw_is_empty` tells).
fn check_asked_innovators(
    item: &Item,
    codes: &[u8],
    innovated: &[u8],
    raw: &RawTable,
    period: &str,
    problems: &mut Problems,
    raw_is_empty: impl Fn(usize) -> bool,
) {
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

#[cfg(test)]
mod tests {
    use super::super::super::codebook::Codebook;
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
}

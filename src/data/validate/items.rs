//! The items: each cell one of the item's codes, innovated consistent with
//! the intro items, and answers exactly where the item was asked. Each cell
//! breaks at most one rule: a cell that is not a code is not also "empty".

use polars::prelude::*;
use rayon::prelude::*;

use std::sync::Arc;

use super::super::codebook::{Asked, Condition, DONT_KNOW_BLOCKS, Item, OTHER_PUBLIC_SPLIT};
use super::super::findings::Findings;
use super::super::read::RawTable;
use super::Input;
use super::numbers::{Num, each_number};

/// The code used for an empty cell in code slices.
const MISSING: u8 = u8::MAX;

/// Checks the wave's items and returns them as UInt8 columns (null =
/// empty), in codebook order. Codes come first for innovated and the
/// intro items, which the others are checked against.
pub(super) fn check_items(input: &Input, items: &[&Item], period: &str, problems: &mut Findings) -> Vec<Column> {
    let innovation = Innovation::check(input, items, problems);
    // The items are independent of each other now: checked side by side,
    // their problems reported in codebook order. An item routed by a
    // condition on other items is parsed here and checked against them below.
    let checked: Vec<(Column, Findings, Option<Parsed>)> = items
        .par_iter()
        .map(|item| {
            let mut mine = Findings::new(problems.file());
            if let Asked::When(_) = item.asked {
                let parsed = parse_item(input, item, &mut mine);
                return (parsed.column.clone(), mine, Some(parsed));
            }
            let column = innovation.check_item(input, item, period, &mut mine);
            (column, mine, None)
        })
        .collect();
    let mut columns: Vec<Column> = checked.iter().map(|(c, _, _)| c.clone()).collect();
    let mut found: Vec<Findings> = Vec::with_capacity(checked.len());
    // Where each routed item was asked, so a condition reads an item only
    // where that item was asked (an answer given where it was not is
    // reported once, at that item, not again as routing). Items routed by
    // the same condition (thirty on dev_underway = 1) share one mask.
    let mut routes: Vec<Option<Arc<Vec<bool>>>> = vec![None; items.len()];
    let mut by_condition: Vec<(&Condition, Arc<Vec<bool>>)> = Vec::new();
    for (k, (_, mut mine, parsed)) in checked.into_iter().enumerate() {
        if let (Asked::When(cond), Some(parsed)) = (&items[k].asked, parsed) {
            let routed = match by_condition.iter().find(|(c, _)| *c == cond) {
                Some((_, r)) => r.clone(),
                None => {
                    let r = Arc::new(routing(cond, items, &columns, &routes, &innovation.codes));
                    by_condition.push((cond, r.clone()));
                    r
                }
            };
            check_routed(items[k], &parsed, input.col(&items[k].name), &routed, input.raw, period, &mut mine);
            columns[k] = parsed.column;
            routes[k] = Some(routed);
        }
        found.push(mine);
    }
    for mine in found {
        problems.extend(mine);
    }
    check_blocks(items, &columns, input.raw, problems);
    check_other_public(items, &columns, input.raw, problems);
    columns
}

/// Rows per piece of a pass over rows side by side.
const ROWS: usize = 1 << 16;

/// Where `cond` holds: some item it reads has one of its codes, where that
/// item was asked (`routes` of the routed items before). The condition is
/// "any of the items it reads", so it is settled item by item, each a
/// table of 256 answers, without gathering a row's codes.
fn routing(cond: &Condition, items: &[&Item], columns: &[Column], routes: &[Option<Arc<Vec<bool>>>], innovated: &[u8]) -> Vec<bool> {
    let mut routed = vec![false; innovated.len()];
    let names = items.iter().map(|i| i.name.as_str());
    for j in cond.reads(names).iter().filter_map(|n| items.iter().position(|i| i.name == *n)) {
        let codes = code_slice(&columns[j]);
        let mut meets = [false; 256];
        for (v, m) in meets.iter_mut().enumerate() {
            *m = v as u8 != MISSING && cond.holds(&[Some(v as u8)]);
        }
        let route = routes[j].as_deref();
        let asked = &items[j].asked;
        routed.par_chunks_mut(ROWS).enumerate().for_each(|(c, part)| {
            let from = c * ROWS;
            for (i, r) in part.iter_mut().enumerate() {
                let row = from + i;
                if *r || !meets[codes[row] as usize] {
                    continue;
                }
                *r = match asked {
                    Asked::All => true,
                    Asked::Innovators => innovated[row] == 1,
                    Asked::NonInnovators => innovated[row] == 0,
                    Asked::When(_) => route.is_some_and(|r| r[row]),
                };
            }
        });
    }
    routed
}

/// A "Ved ikke" (9) in a block with a "Ved ikke" box is on every item of
/// the block; each row that breaks it is reported once, at its first item
/// that is not 9.
fn check_blocks(items: &[&Item], columns: &[Column], raw: &RawTable, problems: &mut Findings) {
    for block in DONT_KNOW_BLOCKS {
        let members: Vec<usize> = (0..items.len()).filter(|&k| items[k].name.starts_with(block)).collect();
        if members.len() < 2 {
            continue;
        }
        let codes: Vec<Vec<u8>> = members.iter().map(|&k| code_slice(&columns[k])).collect();
        let rule = format!("a \"Ved ikke\" (9) in the {block} block must be on every item of the block (a workplace that ticked only \"Ved ikke\")");
        for row in 0..codes[0].len() {
            let nine = codes.iter().any(|c| c[row] == 9);
            if let Some(j) = codes.iter().position(|c| nine && c[row] != 9 && c[row] != MISSING) {
                problems.push(raw.place(row), Some(&items[members[j]].name), Some(&codes[j][row].to_string()), rule.as_str());
            }
        }
    }
}

/// The public partners by sector agree with the partner item: 1 only where
/// collab_other_public = 1, and at least one of them there.
fn check_other_public(items: &[&Item], columns: &[Column], raw: &RawTable, problems: &mut Findings) {
    let (partner, split) = OTHER_PUBLIC_SPLIT;
    let find = |name: &str| items.iter().position(|i| i.name == name);
    let (Some(p), Some(a), Some(b)) = (find(partner), find(split[0]), find(split[1])) else { return };
    let (p, a, b) = (code_slice(&columns[p]), code_slice(&columns[a]), code_slice(&columns[b]));
    for row in 0..p.len() {
        if p[row] == MISSING || a[row] == MISSING || b[row] == MISSING {
            continue;
        }
        let any = a[row] == 1 || b[row] == 1;
        if p[row] == 1 && !any {
            let rule = format!("{partner} = 1 needs {} or {} = 1 (the partner's sector)", split[0], split[1]);
            problems.push(raw.place(row), Some(split[0]), Some("0"), rule.as_str());
        } else if p[row] != 1 && any {
            let (name, value) = if a[row] == 1 { (split[0], a[row]) } else { (split[1], b[row]) };
            let rule = format!("{name} = 1 only where {partner} = 1 (here {partner} = {})", p[row]);
            problems.push(raw.place(row), Some(name), Some(&value.to_string()), rule.as_str());
        }
    }
}

/// An item routed by a condition: answered exactly where it holds.
fn check_routed(item: &Item, parsed: &Parsed, source: &Column, routed: &[bool], raw: &RawTable, period: &str, problems: &mut Findings) {
    if parsed.reported.is_empty() && parsed.column.u8().is_ok_and(|ca| answered_exactly(ca, routed)) {
        return;
    }
    let codes = code_slice(&parsed.column);
    let name = item.name.as_str();
    let outside = format!("an answer where the item was not asked; it is asked only where {}", item.asked);
    let empty = format!("the cell is empty where {} holds; wave {period} asked the item there", item.asked);
    for (row, (&v, &asked)) in codes.iter().zip(routed).enumerate() {
        if !asked && v != MISSING {
            problems.push(raw.place(row), Some(name), Some(&written(source, row, v)), outside.as_str());
        } else if asked && v == MISSING && !parsed.was_reported(row) {
            problems.push(raw.place(row), Some(name), Some(""), empty.as_str());
        }
    }
}

/// Whether a byte-coded column has an answer exactly where `asked`.
fn answered_exactly(ca: &UInt8Chunked, asked: &[bool]) -> bool {
    let mut row = 0;
    ca.len() == asked.len()
        && ca.downcast_iter().all(|arr| {
            let a = &asked[row..row + arr.len()];
            row += arr.len();
            match arr.validity() {
                None => a.iter().all(|&x| x),
                Some(b) => b.iter().zip(a).all(|(valid, &x)| valid == x),
            }
        })
}

/// An item's cells as codes, and the rows whose cell was reported as not
/// a code (empty in the column, but not empty in the file).
struct Parsed {
    column: Column,
    /// Ascending.
    reported: Vec<usize>,
}

impl Parsed {
    fn was_reported(&self, row: usize) -> bool {
        self.reported.binary_search(&row).is_ok()
    }
}

/// Who innovated, which every "asked of innovators" item is checked against.
struct Innovation<'a> {
    /// The parsed innovated column, when the wave has the item.
    innovated: Option<Parsed>,
    /// Its codes, `MISSING` for an empty cell (all `MISSING` without the item).
    codes: Vec<u8>,
    /// innovated = 1 as a mask, when innovated has no empty cell.
    innovators: Option<BooleanChunked>,
    /// The parsed intro items.
    intros: Vec<(&'a str, Parsed)>,
}

impl<'a> Innovation<'a> {
    /// Parses innovated and the intro items, and checks innovated against the intros.
    fn check(input: &Input, items: &[&'a Item], problems: &mut Findings) -> Innovation<'a> {
        let innovated_item = items.iter().find(|i| i.name == "innovated").copied();
        let innovated = innovated_item.map(|item| parse_item(input, item, problems));
        let codes: Vec<u8> = match &innovated {
            Some(p) => code_slice(&p.column),
            None => vec![MISSING; input.frame.height()],
        };
        let intros: Vec<(&str, Parsed)> =
            items.iter().filter(|i| i.name.starts_with("intro_")).map(|i| (i.name.as_str(), parse_item(input, i, problems))).collect();
        let intro_codes: Vec<(&str, Vec<u8>)> = intros.iter().map(|(n, p)| (*n, code_slice(&p.column))).collect();
        let source = innovated_item.map(|item| input.col(&item.name));
        check_innovated(&codes, &intro_codes, source, input.raw, problems);
        let innovators: Option<BooleanChunked> =
            innovated.as_ref().and_then(|p| p.column.u8().ok()).filter(|c| c.null_count() == 0).map(|c| c.equal(1));
        Innovation { innovated, codes, innovators, intros }
    }

    /// One item's typed column, its problems in `mine`: a byte-coded column
    /// that breaks no rule is kept as is, any other parsed (innovated and
    /// the intros already are) and checked cell by cell.
    fn check_item(&self, input: &Input, item: &Item, period: &str, mine: &mut Findings) -> Column {
        let source = input.col(&item.name);
        if clean_codes(item, source, &self.codes, self.innovators.as_ref()) {
            return source.clone().with_name(item.name.as_str().into());
        }
        let own;
        let parsed = if item.name == "innovated" {
            self.innovated.as_ref().expect("parsed above")
        } else if let Some((_, p)) = self.intros.iter().find(|(n, _)| *n == item.name) {
            p
        } else {
            own = parse_item(input, item, mine);
            &own
        };
        check_asked(item, parsed, source, &self.codes, input.raw, period, mine);
        parsed.column.clone()
    }
}

/// An item's cells, checked against its codes, as a UInt8 column (null =
/// empty); each cell that is not a code reported once, as written.
fn parse_item(input: &Input, item: &Item, problems: &mut Findings) -> Parsed {
    let allowed = allowed_codes(item);
    let source = input.col(&item.name);
    let name = item.name.as_str();
    let rule = format!("not a code of {} ({})", item.name, item.code_list());
    if let Some(parsed) = byte_codes(source, item, &allowed, &rule, input.raw, problems) {
        return parsed;
    }
    let mut reported = Vec::new();
    let mut codes: Vec<Option<u8>> = Vec::with_capacity(source.len());
    each_number(source, input.decimal_comma, |row, cell| {
        let code = match cell {
            Num::Empty => None,
            Num::Value(x, _) if is_code(x, &allowed) => Some(x as u8),
            _ => {
                problems.push(input.raw.place(row), Some(name), Some(&cell.shown()), rule.as_str());
                reported.push(row);
                None
            }
        };
        codes.push(code);
    });
    Parsed { column: Column::new(name.into(), codes), reported }
}

/// Whether a number is one of the item's byte codes.
fn is_code(x: f64, allowed: &[bool; 256]) -> bool {
    x.fract() == 0.0 && (0.0..=255.0).contains(&x) && allowed[x as usize]
}

/// Codes stored as bytes (our Parquet): one plain pass, the column kept as
/// is when every value is a code; otherwise each other value reported and
/// left empty. `None` for a column not stored as bytes.
fn byte_codes(source: &Column, item: &Item, allowed: &[bool; 256], rule: &str, raw: &RawTable, problems: &mut Findings) -> Option<Parsed> {
    let ca = source.u8().ok()?;
    let name = item.name.as_str();
    let mut reported = Vec::new();
    let mut row = 0;
    for arr in ca.downcast_iter() {
        let values = arr.values().as_slice();
        let validity = arr.validity();
        for (i, &v) in values.iter().enumerate() {
            if !allowed[v as usize] && validity.is_none_or(|b| b.get_bit(i)) {
                problems.push(raw.place(row + i), Some(name), Some(&v.to_string()), rule);
                reported.push(row + i);
            }
        }
        row += values.len();
    }
    if reported.is_empty() {
        return Some(Parsed { column: source.clone().with_name(name.into()), reported });
    }
    let codes: Vec<Option<u8>> = ca.iter().map(|v| v.filter(|&v| allowed[v as usize])).collect();
    Some(Parsed { column: Column::new(name.into(), codes), reported })
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
        Asked::NonInnovators | Asked::When(_) => false,
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
fn check_innovated(innovated: &[u8], intros: &[(&str, Vec<u8>)], source: Option<&Column>, raw: &RawTable, problems: &mut Findings) {
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
            let shown = source.map_or(inn.to_string(), |c| written(c, row, inn));
            problems.push(raw.place(row), Some("innovated"), Some(&shown), rule);
        }
    }
}

/// A code's cell as the file writes it ("1", or " 1,0" trimmed in a text column).
fn written(source: &Column, row: usize, code: u8) -> String {
    match source.str() {
        Ok(ca) => ca.get(row).map_or(String::new(), |v| v.trim().to_string()),
        Err(_) => code.to_string(),
    }
}

/// Who answered: every workplace, or exactly the innovators. A cell that
/// was reported as not a code is not reported again as empty.
fn check_asked(item: &Item, parsed: &Parsed, source: &Column, innovated: &[u8], raw: &RawTable, period: &str, problems: &mut Findings) {
    let codes = code_slice(&parsed.column);
    let name = item.name.as_str();
    // Asked exactly where innovated = `asked`: an answer elsewhere is wrong,
    // an empty cell there is missing.
    let mut by_innovation = |asked: u8, answered_elsewhere: &str, empty: &str| {
        for (row, (&v, &inn)) in codes.iter().zip(innovated).enumerate() {
            if inn != asked && v != MISSING {
                problems.push(raw.place(row), Some(name), Some(&written(source, row, v)), answered_elsewhere);
            } else if inn == asked && v == MISSING && !parsed.was_reported(row) {
                problems.push(raw.place(row), Some(name), Some(""), empty);
            }
        }
    };
    match item.asked {
        Asked::All => {
            for (row, &v) in codes.iter().enumerate() {
                if v == MISSING && !parsed.was_reported(row) {
                    problems.push(raw.place(row), Some(name), Some(""), "the cell is empty; the item is asked of every workplace");
                }
            }
        }
        Asked::NonInnovators => by_innovation(
            0,
            "an answer from a workplace that innovated (innovated = 1); the item is asked only where innovated = 0",
            &format!("the cell is empty for a workplace that did not innovate; wave {period} asked the item of every workplace that did not"),
        ),
        // Checked against the items it reads, in `check_routed`.
        Asked::When(_) => {}
        Asked::Innovators => by_innovation(
            1,
            "an answer from a workplace that did not innovate (innovated = 0); the item is asked only where innovated = 1",
            &format!("the cell is empty for a workplace that innovated; wave {period} asked the item of every innovator"),
        ),
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
        let csv = root.join("inputs/waves/2018-2019.csv");
        let wave = crate::data::load_wave(&csv, &codebook).unwrap();
        // The wave keeps its text design columns as codes: the file's own, then the typed rest.
        let raw = crate::data::read::read_table(&csv, &mut Findings::new("")).unwrap();
        let mut columns: Vec<Column> = ["id", "stratum", "sector", "area", "size"].iter().map(|n| raw.frame.column(n).unwrap().clone()).collect();
        columns.extend(wave.frame.columns().iter().cloned());
        let mut df = DataFrame::new(wave.rows(), columns).unwrap();
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
        // Once: not also as an empty cell, nor again by a second pass.
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("column \"promote_citizens\", value \"7\": not a code of promote_citizens"), "{found:?}");
    }

    /// The first row where `f` holds.
    fn row_where(df: &DataFrame, f: impl Fn(&dyn Fn(&str) -> Option<u8>) -> bool) -> usize {
        let get = |row: usize| move |c: &str| df.column(c).unwrap().u8().unwrap().get(row);
        (0..df.height()).find(|&r| f(&get(r))).unwrap()
    }

    #[test]
    fn v2_rules_across_items_are_checked() {
        // A routed item answered where its condition does not hold.
        let found = parquet_problems(|df| {
            let row = row_where(df, |v| v("tech_degree") == Some(4));
            set_code(df, "tech_new", row, Some(1));
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("column \"tech_new\", value \"1\": an answer where the item was not asked; it is asked only where tech_degree in (1, 2)"), "{found:?}");
        // … and left empty where it holds.
        let found = parquet_problems(|df| {
            let row = row_where(df, |v| v("dev_underway") == Some(1));
            set_code(df, "dev_type_service", row, None);
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("the cell is empty where dev_underway = 1 holds"), "{found:?}");
        // A "Ved ikke" on one item of a block only.
        let found = parquet_problems(|df| {
            let row = row_where(df, |v| v("finance_own_budget") == Some(1));
            set_code(df, "finance_central", row, Some(9));
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("column \"finance_own_budget\", value \"1\": a \"Ved ikke\" (9) in the finance_ block must be on every item"), "{found:?}");
        // A public partner's sector without the partner.
        let found = parquet_problems(|df| {
            let row = row_where(df, |v| v("collab_other_public") == Some(0));
            set_code(df, "other_public_cross_sector", row, Some(1));
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("other_public_cross_sector = 1 only where collab_other_public = 1 (here collab_other_public = 0)"), "{found:?}");
    }
}

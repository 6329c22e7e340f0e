//! Checks a wave's text cells against the contract (codebook + wave-data.md)
//! and turns them into a typed frame. Every violation is reported, each
//! naming the file, line, column, value and rule.
//!
//! By concern: the mapping of a real delivery (`delivery`), the columns as
//! a whole (`columns`), the design columns (`design`, with `ids` and
//! `strata`), the items (`items`), and cells read as numbers (`numbers`).

mod columns;
mod delivery;
mod design;
mod ids;
mod items;
mod numbers;
mod strata;

use polars::prelude::*;

use super::Coded;
use super::codebook::{Codebook, Item};
use super::findings::Findings;
use super::read::RawTable;

pub use delivery::{Mapped, apply_delivery};
pub use numbers::parse_number;
pub use strata::{Strata, WEIGHT_SUM_TOLERANCE};

/// Problems that do not stop a wave from being used.
pub type Warnings = Vec<String>;

/// What the checks read: the raw table (for the places of rows), the frame
/// under the canonical column names, and how the file writes numbers.
struct Input<'a> {
    raw: &'a RawTable,
    frame: &'a DataFrame,
    /// A semicolon file (Danish Excel) writes "40,5".
    decimal_comma: bool,
}

impl Input<'_> {
    /// A column the column check has found.
    fn col(&self, name: &str) -> &Column {
        self.frame.column(name).expect("column checked above")
    }
}

/// A validated wave's columns: fpc, weight and the items in `frame`, the
/// rows' strata, and sector, area and size as codes.
pub struct Valid {
    pub frame: DataFrame,
    pub strata: Strata,
    pub coded: Vec<(String, Coded)>,
}

/// Validates `raw` as wave `period`, its columns under the canonical names
/// in `mapped` (see [`apply_delivery`]); returns the typed frame (fpc,
/// weight, then the wave's items in codebook order as UInt8 with nulls),
/// the rows' strata and the coded text design columns. The design columns
/// are checked first and dropped as text before the items are read (a
/// Parquet file read by parts reads its items only then).
pub fn validate(
    raw: &RawTable,
    mapped: Mapped,
    period: &str,
    codebook: &Codebook,
    problems: &mut Findings,
    warnings: &mut Warnings,
) -> Option<Valid> {
    let mut frame = mapped.frame;
    let height = frame.height();
    let decimal_comma = raw.separator == Some(b';');
    let items: Vec<&Item> = codebook.items_in(period).collect();
    let input = Input { raw, frame: &frame, decimal_comma };
    columns::check_columns(&input, &items, period, codebook, problems, warnings);
    if !problems.is_empty() {
        return None;
    }
    let design = design::check_design(raw, &mut frame, decimal_comma, codebook, problems)?;
    if !super::read::read_later(raw, &mut frame, None, problems) {
        return None;
    }
    let input = Input { raw, frame: &frame, decimal_comma };
    let item_columns = items::check_items(&input, &items, period, problems);
    if !problems.is_empty() {
        return None;
    }
    strata::check_weight_sums(&design.strata, &design.weight, raw, problems.file(), warnings);
    drop(frame);
    let mut columns: Vec<Column> = vec![Column::new("fpc".into(), design.fpc), Column::new("weight".into(), design.weight)];
    columns.extend(item_columns);
    match DataFrame::new(height, columns) {
        Ok(frame) => Some(Valid { frame, strata: design.strata, coded: design.coded }),
        Err(e) => {
            problems.file_level(format!("internal error while building the wave frame: {e}"));
            None
        }
    }
}

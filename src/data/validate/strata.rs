//! The strata of the design: each row's stratum, and the rules a stratified
//! design with fpc needs (two respondents, one fpc, fpc >= respondents).

use polars::prelude::*;

use super::super::read::RawTable;
use super::super::findings::Findings;
use super::numbers::{fmt_num, place_words};
use crate::error::Problem;

/// How far a stratum's weights may sum from its population count (fpc),
/// as a share of fpc, before a warning: rounding in a delivery's weights
/// stays well inside 1 %, a missing or repeated row of a small stratum does not.
pub const WEIGHT_SUM_TOLERANCE: f64 = 0.01;

/// Each row's stratum as the validator found them: strata in order of
/// first appearance, with their population counts (fpc).
#[derive(Debug, Clone, Default)]
pub struct Strata {
    pub stratum: Vec<u32>,
    pub labels: Vec<String>,
    pub population: Vec<f64>,
}

/// A stratum as the rows show it.
struct Found {
    name: String,
    /// The row that names it first.
    first: usize,
    rows: usize,
}

/// The strata in order of first appearance and each row's stratum number,
/// kept once the stratum column's text is gone.
pub(super) struct Index {
    strata: Vec<Found>,
    stratum_of: Vec<u32>,
}

impl Index {
    /// The stratum label of a row.
    pub fn name(&self, row: usize) -> &str {
        &self.strata[self.stratum_of[row] as usize].name
    }
}

/// Checks the rows' strata against `fpc` (NaN where the cell was broken,
/// reported already).
pub(super) fn check_strata(index: Index, fpc: &[f64], raw: &RawTable, problems: &mut Findings) -> Strata {
    let Index { strata, stratum_of } = index;
    check_same_fpc(&strata, &stratum_of, fpc, raw, problems);
    check_sizes(&strata, fpc, raw, problems);
    Strata {
        population: strata.iter().map(|s| fpc[s.first]).collect(),
        labels: strata.into_iter().map(|s| s.name).collect(),
        stratum: stratum_of,
    }
}

/// The strata in order of first appearance and each row's stratum number.
pub(super) fn index_strata(strata_col: &StringChunked) -> Index {
    let mut index: PlHashMap<&str, usize> = PlHashMap::new();
    let mut strata: Vec<Found> = Vec::new();
    let mut stratum_of: Vec<u32> = Vec::with_capacity(strata_col.len());
    // Rows come in runs of one stratum: the row before's stratum needs no lookup.
    let mut last: Option<(&str, usize)> = None;
    for (row, s) in strata_col.iter().enumerate() {
        let s = s.unwrap_or("");
        let k = match last {
            Some((name, k)) if name == s => k,
            _ => *index.entry(s).or_insert_with(|| {
                strata.push(Found { name: s.to_string(), first: row, rows: 0 });
                strata.len() - 1
            }),
        };
        last = Some((s, k));
        strata[k].rows += 1;
        stratum_of.push(k as u32);
    }
    Index { strata, stratum_of }
}

/// fpc is the same on every row of a stratum (an empty stratum is
/// reported on its own).
fn check_same_fpc(strata: &[Found], stratum_of: &[u32], fpc: &[f64], raw: &RawTable, problems: &mut Findings) {
    for (row, &k) in stratum_of.iter().enumerate() {
        let Found { ref name, first, .. } = strata[k as usize];
        if row == first || name.is_empty() {
            continue;
        }
        let (n_h, other) = (fpc[first], fpc[row]);
        if !n_h.is_nan() && !other.is_nan() && other != n_h {
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

/// A stratum needs two respondents and an fpc no smaller than its respondents.
fn check_sizes(strata: &[Found], fpc: &[f64], raw: &RawTable, problems: &mut Findings) {
    for &Found { ref name, first, rows } in strata {
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
        if !n_h.is_nan() && n_h < rows as f64 {
            problems.push(
                raw.place(first),
                Some("fpc"),
                Some(&fmt_num(n_h)),
                format!("fpc is smaller than the {rows} respondents of stratum \"{name}\"; fpc is the stratum's population count"),
            );
        }
    }
}

/// Each stratum's weights sum to its population count (fpc) within
/// `WEIGHT_SUM_TOLERANCE`; a stratum that does not is a warning naming it,
/// its sum and its fpc. For a wave whose rows broke no rule.
pub(super) fn check_weight_sums(strata: &Strata, weight: &[f64], raw: &RawTable, file: &str, warnings: &mut Vec<String>) {
    let mut sums = vec![0.0; strata.labels.len()];
    let mut first = vec![usize::MAX; strata.labels.len()];
    for (row, (&k, &w)) in strata.stratum.iter().zip(weight).enumerate() {
        sums[k as usize] += w;
        first[k as usize] = first[k as usize].min(row);
    }
    for (k, (&sum, &n_h)) in sums.iter().zip(&strata.population).enumerate() {
        let off = sum / n_h - 1.0;
        if off.abs() <= WEIGHT_SUM_TOLERANCE {
            continue;
        }
        let rule = format!(
            "the weights of stratum \"{}\" sum to {}, but its fpc is {} ({:.1} % {}); a stratum's weights should sum to its population count (within {} %)",
            strata.labels[k],
            short_num(sum),
            fmt_num(n_h),
            100.0 * off.abs(),
            if off > 0.0 { "more" } else { "less" },
            fmt_num(100.0 * WEIGHT_SUM_TOLERANCE),
        );
        let p = Problem { file: file.to_string(), place: raw.place(first[k]), column: Some("weight".into()), canonical: None, value: None, rule };
        warnings.push(p.to_string());
    }
}

/// A sum as a message shows it: at most two decimals ("12.5", "210").
fn short_num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

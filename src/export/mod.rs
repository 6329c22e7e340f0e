//! A renderer of the model as data: the numbers behind every figure as CSV
//! and JSON, the tests, the hero numbers and the whole model, so a reader
//! can "download the illustration" and an analyst can check every bar.
//!
//! Rows are typed structs; numbers are written as they are, in full
//! precision (Rust's shortest round-trip form), and an estimate that is not
//! shown (suppressed) is left empty. The same rows also go into Excel
//! workbooks (`workbook`), which Danish Excel opens with numbers as numbers.

mod trend;
mod workbook;

use serde::Serialize;

pub use trend::{TREND_EXTRA_COLUMNS, TrendRow, trend_columns};
pub use workbook::{chapter_xlsx, figure_xlsx};

use crate::error::{Error, Result};
use crate::model::{Chapter, Figure, Report};

/// Text that a spreadsheet must not read as a formula: a cell starting with
/// =, +, - or @ (or a tab or carriage return) gets a leading apostrophe,
/// unless it is a number.
pub fn safe_cell(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.parse::<f64>().is_err() { format!("'{s}") } else { s.to_string() }
}

/// A finite number, or nothing.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// A number in a CSV cell: full precision, never an exponent; empty for none.
fn cell(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// One bar of a figure: `data/<figure>.csv` and `.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataRow {
    pub figure: String,
    pub period: String,
    pub series: String,
    pub group: String,
    /// Share 0..1 (a ratio for ratio tiles); none where suppressed.
    pub estimate: Option<f64>,
    /// None where suppressed or published (no uncertainty).
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Unweighted respondents; none for a published aggregate.
    pub n: Option<u64>,
    pub suppressed: bool,
    /// The wave was drawn by `barometer synth`, not answered.
    pub synthetic: bool,
}

pub const DATA_COLUMNS: [&str; 11] = ["figure", "period", "series", "group", "estimate", "se", "ci_low", "ci_high", "n", "suppressed", "synthetic"];

impl DataRow {
    fn of(fig: &Figure) -> Vec<DataRow> {
        fig.bars
            .iter()
            .map(|b| {
                let v = &b.value;
                let shown = !v.suppressed;
                DataRow {
                    figure: fig.id.clone(),
                    // A trend figure's bars are editions: each row is its edition's.
                    period: if fig.trend.is_some() { b.group.clone() } else { fig.period.clone() },
                    series: b.series.clone(),
                    group: b.group.clone(),
                    estimate: shown.then_some(v.estimate).and_then(finite),
                    se: (shown && !b.is_published()).then_some(v.se).and_then(finite),
                    ci_low: if shown { v.ci_low.and_then(finite) } else { None },
                    ci_high: if shown { v.ci_high.and_then(finite) } else { None },
                    n: (!b.is_published()).then_some(v.n as u64),
                    suppressed: v.suppressed,
                    synthetic: fig.synthetic,
                }
            })
            .collect()
    }

    fn record(&self) -> Vec<String> {
        vec![
            safe_cell(&self.figure),
            safe_cell(&self.period),
            safe_cell(&self.series),
            safe_cell(&self.group),
            cell(self.estimate),
            cell(self.se),
            cell(self.ci_low),
            cell(self.ci_high),
            self.n.map(|n| n.to_string()).unwrap_or_default(),
            self.suppressed.to_string(),
            self.synthetic.to_string(),
        ]
    }
}

/// A Rao-Scott test of a figure: `data/<figure>.tests.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestRow {
    pub figure: String,
    pub period: String,
    pub series: String,
    pub by: String,
    pub statistic: f64,
    pub ndf: f64,
    pub ddf: f64,
    pub p_value: f64,
    pub significant: bool,
}

pub const TEST_COLUMNS: [&str; 9] = ["figure", "period", "series", "by", "statistic", "ndf", "ddf", "p_value", "significant"];

impl TestRow {
    fn record(&self) -> Vec<String> {
        vec![
            safe_cell(&self.figure),
            safe_cell(&self.period),
            safe_cell(&self.series),
            safe_cell(&self.by),
            cell(finite(self.statistic)),
            cell(finite(self.ndf)),
            cell(finite(self.ddf)),
            cell(finite(self.p_value)),
            self.significant.to_string(),
        ]
    }
}

/// A chapter's hero number: a row of `data/headlines.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadlineRow {
    pub chapter: String,
    pub period: String,
    pub indicator: String,
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: u64,
    /// The hero as a reader sees it: "57 % af …".
    pub text: String,
    /// The wave was drawn by `barometer synth`, not answered.
    pub synthetic: bool,
}

pub const HEADLINE_COLUMNS: [&str; 10] = ["chapter", "period", "indicator", "estimate", "se", "ci_low", "ci_high", "n", "text", "synthetic"];

impl HeadlineRow {
    fn of(ch: &Chapter) -> HeadlineRow {
        let v = &ch.hero.value;
        let shown = !v.suppressed;
        HeadlineRow {
            chapter: ch.id.clone(),
            period: ch.period.clone(),
            indicator: ch.hero.indicator.clone(),
            estimate: shown.then_some(v.estimate).and_then(finite),
            se: shown.then_some(v.se).and_then(finite),
            ci_low: if shown { v.ci_low.and_then(finite) } else { None },
            ci_high: if shown { v.ci_high.and_then(finite) } else { None },
            n: v.n as u64,
            text: format!("{} {}", ch.hero.text, ch.hero.sentence),
            synthetic: ch.synthetic,
        }
    }

    fn record(&self) -> Vec<String> {
        vec![
            safe_cell(&self.chapter),
            safe_cell(&self.period),
            safe_cell(&self.indicator),
            cell(self.estimate),
            cell(self.se),
            cell(self.ci_low),
            cell(self.ci_high),
            self.n.to_string(),
            safe_cell(&self.text),
            self.synthetic.to_string(),
        ]
    }
}

/// CSV with a header, quoted only where needed, "\n" line ends.
fn csv(columns: &[&str], records: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let fail = |e: csv::Error| Error::internal(format!("CSV export: {e}"));
    w.write_record(columns).map_err(fail)?;
    for r in records {
        w.write_record(&r).map_err(fail)?;
    }
    w.into_inner().map_err(|e| Error::internal(format!("CSV export: {e}")))
}

/// Pretty JSON with the keys of each row in alphabetical order.
fn json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let tree = serde_json::to_value(value)?;
    Ok((serde_json::to_string_pretty(&tree)? + "\n").into_bytes())
}

/// `data/<figure>.csv`: one row per bar (a trend figure: per series and
/// edition, with its definition and test).
pub fn figure_csv(fig: &Figure) -> Result<Vec<u8>> {
    if fig.trend.is_some() {
        return csv(&trend_columns(), TrendRow::of(fig).iter().map(TrendRow::record));
    }
    csv(&DATA_COLUMNS, DataRow::of(fig).iter().map(DataRow::record))
}

/// `data/<figure>.json`: the rows of [`figure_csv`] as JSON objects.
pub fn figure_json(fig: &Figure) -> Result<Vec<u8>> {
    if fig.trend.is_some() {
        return json(&TrendRow::of(fig));
    }
    json(&DataRow::of(fig))
}

/// `data/<figure>.tests.csv`, where the figure has tests.
pub fn tests_csv(fig: &Figure) -> Result<Option<Vec<u8>>> {
    if fig.tests.is_empty() {
        return Ok(None);
    }
    let rows = fig.tests.iter().map(|t| TestRow {
        figure: fig.id.clone(),
        period: fig.period.clone(),
        series: t.series.clone(),
        by: t.by.clone(),
        statistic: t.statistic,
        ndf: t.ndf,
        ddf: t.ddf,
        p_value: t.p_value,
        significant: t.significant,
    });
    csv(&TEST_COLUMNS, rows.map(|r| r.record())).map(Some)
}

/// `data/headlines.csv`: every chapter's hero number.
pub fn headlines_csv(report: &Report) -> Result<Vec<u8>> {
    csv(&HEADLINE_COLUMNS, report.chapters.iter().map(|c| HeadlineRow::of(c).record()))
}

/// `model.json`: the whole computed model.
pub fn model_json(report: &Report) -> Result<Vec<u8>> {
    Ok((serde_json::to_string_pretty(report)? + "\n").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::sample;

    #[test]
    fn formula_like_cells_are_defused() {
        assert_eq!(safe_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(safe_cell("-0.5"), "-0.5");
        assert_eq!(safe_cell("@x"), "'@x");
        assert_eq!(safe_cell("Bedre kvalitet"), "Bedre kvalitet");
    }

    #[test]
    fn sample_figure_exports_the_agreed_columns() {
        let report = sample();
        let fig = &report.chapters[1].figures[4];
        let text = String::from_utf8(figure_csv(fig).unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), "figure,period,series,group,estimate,se,ci_low,ci_high,n,suppressed,synthetic");
        assert_eq!(lines.next().unwrap(), "lille-gruppe,2018-2019,\"Stat, retsvæsen med 100 ansatte eller flere\",,,,,,12,true,true");
    }

    #[test]
    fn numbers_are_written_in_full_without_exponents_and_json_keeps_them() {
        assert_eq!(cell(Some(3.0)), "3");
        assert_eq!(cell(Some(1.2e-10)), "0.00000000012");
        assert_eq!(cell(Some(0.5712345678901234)), "0.5712345678901234");
        assert_eq!(cell(None), "");
        let report = sample();
        let fig = &report.chapters[0].figures[0];
        let rows: serde_json::Value = serde_json::from_slice(&figure_json(fig).unwrap()).unwrap();
        assert_eq!(rows[0]["estimate"].as_f64().unwrap(), fig.bars[0].value.estimate);
        let first = rows[0].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(first, ["ci_high", "ci_low", "estimate", "figure", "group", "n", "period", "se", "series", "suppressed", "synthetic"]);
    }
}

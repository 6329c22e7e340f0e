//! Data exports: the numbers behind every figure as CSV and JSON, the tests,
//! and the hero numbers, so a reader can "download the illustration".

use anyhow::Result;
use polars::prelude::*;
use serde_json::json;

use crate::figures::{Chapter, Figure, Report};

/// One output file: a path under outputs/ and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A number with full precision; empty where there is none.
fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

/// Text that a spreadsheet must not read as a formula: a cell starting with
/// =, +, - or @ (or a tab or carriage return) gets a leading apostrophe,
/// unless it is a number.
pub fn safe_cell(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.parse::<f64>().is_err() { format!("'{s}") } else { s.to_string() }
}

/// Writes text columns as CSV with Polars (quoting where needed).
fn csv(columns: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let cols: Vec<Column> = columns
        .iter()
        .enumerate()
        .map(|(k, name)| {
            // An empty cell is written empty (null), not as "".
            let v: Vec<Option<String>> = rows.iter().map(|r| (!r[k].is_empty()).then(|| safe_cell(&r[k]))).collect();
            Column::new((*name).into(), v)
        })
        .collect();
    let mut df = DataFrame::new(rows.len(), cols)?;
    let mut out = Vec::new();
    CsvWriter::new(&mut out).include_header(true).with_line_terminator("\n".into()).finish(&mut df)?;
    Ok(out)
}

pub const DATA_COLUMNS: [&str; 10] = ["figure", "period", "series", "group", "estimate", "se", "ci_low", "ci_high", "n", "suppressed"];
pub const TEST_COLUMNS: [&str; 9] = ["figure", "period", "series", "by", "statistic", "ndf", "ddf", "p_value", "significant"];
pub const HEADLINE_COLUMNS: [&str; 9] = ["chapter", "period", "indicator", "estimate", "se", "ci_low", "ci_high", "n", "text"];

/// Rows of a figure's data: one per bar; a suppressed estimate is not written.
fn data_rows(fig: &Figure) -> Vec<Vec<String>> {
    fig.bars
        .iter()
        .map(|b| {
            let v = &b.value;
            let shown = !v.suppressed;
            vec![
                fig.id.clone(),
                fig.period.clone(),
                b.series.clone(),
                b.group.clone(),
                num(shown.then_some(v.estimate)),
                num((shown && !b.published).then_some(v.se)),
                num(if shown { v.ci_low } else { None }),
                num(if shown { v.ci_high } else { None }),
                if b.published { String::new() } else { v.n.to_string() },
                v.suppressed.to_string(),
            ]
        })
        .collect()
}

fn rows_json(columns: &[&str], rows: &[Vec<String>]) -> serde_json::Value {
    let objects: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (c, v) in columns.iter().zip(r) {
                let value = match *c {
                    "estimate" | "se" | "ci_low" | "ci_high" | "statistic" | "ndf" | "ddf" | "p_value" => {
                        v.parse::<f64>().map(|x| json!(x)).unwrap_or(serde_json::Value::Null)
                    }
                    "n" => v.parse::<u64>().map(|x| json!(x)).unwrap_or(serde_json::Value::Null),
                    "suppressed" | "significant" => json!(v == "true"),
                    _ => json!(v),
                };
                m.insert((*c).to_string(), value);
            }
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::Value::Array(objects)
}

/// The data files of one figure: `data/<id>.csv`, `.json` and, where tests
/// ran, `data/<id>.tests.csv`.
pub fn figure_data(fig: &Figure) -> Result<Vec<Artifact>> {
    let rows = data_rows(fig);
    let mut out = vec![
        Artifact { path: format!("data/{}.csv", fig.id), bytes: csv(&DATA_COLUMNS, &rows)? },
        Artifact {
            path: format!("data/{}.json", fig.id),
            bytes: (serde_json::to_string_pretty(&rows_json(&DATA_COLUMNS, &rows))? + "\n").into_bytes(),
        },
    ];
    if !fig.tests.is_empty() {
        let rows: Vec<Vec<String>> = fig
            .tests
            .iter()
            .map(|t| {
                vec![
                    fig.id.clone(),
                    fig.period.clone(),
                    t.series.clone(),
                    t.by.clone(),
                    num(Some(t.statistic)),
                    num(Some(t.ndf)),
                    num(Some(t.ddf)),
                    num(Some(t.p_value)),
                    t.significant.to_string(),
                ]
            })
            .collect();
        out.push(Artifact { path: format!("data/{}.tests.csv", fig.id), bytes: csv(&TEST_COLUMNS, &rows)? });
    }
    Ok(out)
}

fn headline_row(ch: &Chapter) -> Vec<String> {
    let v = &ch.hero.value;
    let shown = !v.suppressed;
    vec![
        ch.id.clone(),
        ch.period.clone(),
        ch.hero.indicator.clone(),
        num(shown.then_some(v.estimate)),
        num(shown.then_some(v.se)),
        num(if shown { v.ci_low } else { None }),
        num(if shown { v.ci_high } else { None }),
        v.n.to_string(),
        format!("{} {}", ch.hero.text, ch.hero.sentence),
    ]
}

/// `data/headlines.csv`: every chapter's hero number.
pub fn headlines(report: &Report) -> Result<Artifact> {
    let rows: Vec<Vec<String>> = report.chapters.iter().map(headline_row).collect();
    Ok(Artifact { path: "data/headlines.csv".into(), bytes: csv(&HEADLINE_COLUMNS, &rows)? })
}

/// Every data export of the report, in a fixed order.
pub fn all(report: &Report) -> Result<Vec<Artifact>> {
    let mut out = vec![headlines(report)?];
    for ch in &report.chapters {
        for fig in &ch.figures {
            out.extend(figure_data(fig)?);
        }
    }
    out.push(Artifact { path: "model.json".into(), bytes: (serde_json::to_string_pretty(report)? + "\n").into_bytes() });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_defused() {
        assert_eq!(safe_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(safe_cell("-0.5"), "-0.5");
        assert_eq!(safe_cell("@x"), "'@x");
        assert_eq!(safe_cell("Bedre kvalitet"), "Bedre kvalitet");
    }

    #[test]
    fn sample_figure_exports_the_agreed_columns() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model-sample.json");
        let report: Report = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let fig = &report.chapters[1].figures[4];
        let files = figure_data(fig).unwrap();
        let text = String::from_utf8(files[0].bytes.clone()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), "figure,period,series,group,estimate,se,ci_low,ci_high,n,suppressed");
        assert_eq!(lines.next().unwrap(), "lille-gruppe,2018-2019,\"Stat, retsvæsen med 100 ansatte eller flere\",,,,,,12,true");
    }
}

//! The data of a trend figure: one row per series and edition, with the
//! edition's definition and, on the later edition of a compared pair, the
//! test of the difference (two independent design-based estimates, z test).

use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use serde::Serialize;

use super::{cell, finite, safe_cell};
use crate::model::Figure;
use crate::text;

/// One point of a trend figure: a row of `data/<figure>.csv` and `.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendRow {
    pub figure: String,
    /// The edition the point is estimated on.
    pub period: String,
    pub series: String,
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: u64,
    /// The definition the edition used.
    pub definition: String,
    /// "=" same definition as the series' previous edition, "≠" changed, empty for the first.
    pub same_definition: String,
    /// The previous edition this one is tested against (empty where untested).
    pub compared_with: String,
    pub difference: Option<f64>,
    pub difference_se: Option<f64>,
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    pub significant: Option<bool>,
    pub suppressed: bool,
    pub synthetic: bool,
}

pub const TREND_COLUMNS: [&str; 18] = [
    "figure",
    "period",
    "series",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "definition",
    "same_definition",
    "compared_with",
    "difference",
    "difference_se",
    "z",
    "p_value",
    "significant",
    "suppressed",
    "synthetic",
];

impl TrendRow {
    pub fn of(fig: &Figure) -> Vec<TrendRow> {
        let Some(trend) = &fig.trend else { return Vec::new() };
        fig.bars
            .iter()
            .zip(&trend.points)
            .enumerate()
            .map(|(i, (b, p))| {
                let v = &b.value;
                let shown = !v.suppressed;
                let test = trend.tests.iter().find(|t| t.series == b.series && t.to == b.group);
                let first = i == 0 || fig.bars[i - 1].series != b.series;
                TrendRow {
                    figure: fig.id.clone(),
                    period: b.group.clone(),
                    series: b.series.clone(),
                    estimate: shown.then_some(v.estimate).and_then(finite),
                    se: shown.then_some(v.se).and_then(finite),
                    ci_low: if shown { v.ci_low.and_then(finite) } else { None },
                    ci_high: if shown { v.ci_high.and_then(finite) } else { None },
                    n: v.n as u64,
                    definition: p.definition.clone(),
                    same_definition: if first { String::new() } else if p.joined { "=".into() } else { "≠".into() },
                    compared_with: test.map(|t| t.from.clone()).unwrap_or_default(),
                    difference: test.and_then(|t| finite(t.difference)),
                    difference_se: test.and_then(|t| finite(t.se)),
                    z: test.and_then(|t| finite(t.z)),
                    p_value: test.and_then(|t| finite(t.p_value)),
                    significant: test.map(|t| t.significant),
                    suppressed: v.suppressed,
                    synthetic: fig.synthetic,
                }
            })
            .collect()
    }

    pub fn record(&self) -> Vec<String> {
        vec![
            safe_cell(&self.figure),
            safe_cell(&self.period),
            safe_cell(&self.series),
            cell(self.estimate),
            cell(self.se),
            cell(self.ci_low),
            cell(self.ci_high),
            self.n.to_string(),
            safe_cell(&self.definition),
            self.same_definition.clone(),
            safe_cell(&self.compared_with),
            cell(self.difference),
            cell(self.difference_se),
            cell(self.z),
            cell(self.p_value),
            self.significant.map(|s| s.to_string()).unwrap_or_default(),
            self.suppressed.to_string(),
            self.synthetic.to_string(),
        ]
    }
}

/// The table of a trend figure on a sheet from `row` (header first), in
/// Danish; returns the row below it.
pub fn sheet_table(sheet: &mut Worksheet, fig: &Figure, mut row: u32, share: &Format, count: &Format, bold: &Format) -> Result<u32, XlsxError> {
    for (k, header) in text::TREND_WORKBOOK_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(row, k as u16, *header, bold)?;
    }
    row += 1;
    let number = Format::new().set_num_format("0.00");
    let p_format = Format::new().set_num_format("0.0000");
    for r in TrendRow::of(fig) {
        sheet.write_string(row, 0, &r.series)?;
        sheet.write_string(row, 1, &r.period)?;
        for (k, value) in [r.estimate, r.se, r.ci_low, r.ci_high].into_iter().enumerate() {
            if let Some(v) = value {
                sheet.write_number_with_format(row, 2 + k as u16, v, share)?;
            }
        }
        sheet.write_number_with_format(row, 6, r.n as f64, count)?;
        sheet.write_string(row, 7, &r.definition)?;
        sheet.write_string(row, 8, &r.same_definition)?;
        sheet.write_string(row, 9, &r.compared_with)?;
        if let Some(d) = r.difference {
            sheet.write_number_with_format(row, 10, d, share)?;
        }
        if let Some(z) = r.z {
            sheet.write_number_with_format(row, 11, z, &number)?;
        }
        if let Some(p) = r.p_value {
            sheet.write_number_with_format(row, 12, p, &p_format)?;
        }
        if let Some(s) = r.significant {
            sheet.write_string(row, 13, text::yes_no(s))?;
        }
        row += 1;
    }
    Ok(row)
}

/// Column widths of a trend sheet.
pub fn sheet_widths(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 12)?;
    for k in 2..7u16 {
        sheet.set_column_width(k, 12)?;
    }
    sheet.set_column_width(7, 60)?;
    for k in 8..14u16 {
        sheet.set_column_width(k, 12)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EditionTest;

    #[test]
    fn rows_carry_the_edition_its_definition_and_the_test_on_the_later_edition() {
        let mut fig = crate::model::sample().chapters[0].figures[0].clone();
        let mut trend = crate::model::Trend { points: Vec::new(), tests: Vec::new(), method: String::new(), period_labels: Vec::new() };
        let mut bars = Vec::new();
        for (k, (period, joined)) in [("2015-2016", false), ("2018-2019", true)].into_iter().enumerate() {
            let mut b = fig.bars[0].clone();
            b.series = "Evalueret".into();
            b.group = period.into();
            b.value.estimate = [0.45, 0.39][k];
            bars.push(b);
            trend.points.push(crate::model::TrendPoint { definition: "Evalueret internt eller udefra".into(), footnote: 1, n_label: String::new(), joined, changed: None });
        }
        trend.tests.push(EditionTest {
            series: "Evalueret".into(),
            from: "2015-2016".into(),
            to: "2018-2019".into(),
            difference: -0.06,
            se: 0.0162,
            z: -3.7,
            p_value: 0.0002,
            significant: true,
            sentence: String::new(),
        });
        fig.bars = bars;
        fig.trend = Some(trend);
        let rows = TrendRow::of(&fig);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].period.as_str(), rows[0].same_definition.as_str(), rows[0].z), ("2015-2016", "", None));
        assert_eq!((rows[1].period.as_str(), rows[1].same_definition.as_str(), rows[1].compared_with.as_str()), ("2018-2019", "=", "2015-2016"));
        assert_eq!((rows[1].z, rows[1].significant), (Some(-3.7), Some(true)));
        let csv = String::from_utf8(crate::export::figure_csv(&fig).unwrap()).unwrap();
        assert_eq!(csv.lines().next().unwrap(), TREND_COLUMNS.join(","));
        assert!(csv.lines().nth(2).unwrap().contains(",Evalueret internt eller udefra,=,2015-2016,-0.06,0.0162,-3.7,0.0002,true,"));
    }
}

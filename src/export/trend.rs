//! The data of a trend figure: one row per series and edition, with the
//! edition's definition and, on the later edition of a compared pair, the
//! test of the difference (two independent design-based estimates, z test).

use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use serde::Serialize;

use super::{DataRow, cell, finite, safe_cell};
use crate::model::Figure;
use crate::text;

/// One point of a trend figure: a row of `data/<figure>.csv` and `.json`:
/// the columns of every figure (period and group being the edition), then
/// the definition and the test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendRow {
    #[serde(flatten)]
    pub data: DataRow,
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
}

/// The trend columns after those of every figure ([`super::DATA_COLUMNS`]).
pub const TREND_EXTRA_COLUMNS: [&str; 8] = ["definition", "same_definition", "compared_with", "difference", "difference_se", "z", "p_value", "significant"];

/// Every column of a trend figure's CSV.
pub fn trend_columns() -> Vec<&'static str> {
    super::DATA_COLUMNS.iter().chain(&TREND_EXTRA_COLUMNS).copied().collect()
}

impl TrendRow {
    pub fn of(fig: &Figure) -> Vec<TrendRow> {
        let Some(trend) = &fig.trend else { return Vec::new() };
        DataRow::of(fig)
            .into_iter()
            .zip(fig.bars.iter().zip(&trend.points))
            .enumerate()
            .map(|(i, (data, (b, p)))| {
                let test = trend.tests.iter().find(|t| t.series == b.series && t.to == b.group);
                let first = i == 0 || fig.bars[i - 1].series != b.series;
                TrendRow {
                    data,
                    definition: p.definition.clone(),
                    same_definition: if first { String::new() } else if p.joined { "=".into() } else { "≠".into() },
                    compared_with: test.map(|t| t.from.clone()).unwrap_or_default(),
                    difference: test.and_then(|t| finite(t.difference)),
                    difference_se: test.and_then(|t| finite(t.se)),
                    z: test.and_then(|t| finite(t.z)),
                    p_value: test.and_then(|t| finite(t.p_value)),
                    significant: test.map(|t| t.significant),
                }
            })
            .collect()
    }

    pub fn record(&self) -> Vec<String> {
        let mut r = self.data.record();
        r.extend([
            safe_cell(&self.definition),
            self.same_definition.clone(),
            safe_cell(&self.compared_with),
            cell(self.difference),
            cell(self.difference_se),
            cell(self.z),
            cell(self.p_value),
            self.significant.map(|s| s.to_string()).unwrap_or_default(),
        ]);
        r
    }
}

/// The trend columns of a figure's sheet, right of the table of every
/// figure (header on `header_row`, the rows below it in bar order).
pub fn sheet_columns(sheet: &mut Worksheet, fig: &Figure, header_row: u32, share: &Format, bold: &Format) -> Result<(), XlsxError> {
    let first = text::WORKBOOK_HEADERS.len() as u16;
    for (k, header) in text::TREND_WORKBOOK_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(header_row, first + k as u16, *header, bold)?;
    }
    let number = Format::new().set_num_format("0.00");
    let p_format = Format::new().set_num_format("0.0000");
    for (i, r) in TrendRow::of(fig).iter().enumerate() {
        let row = header_row + 1 + i as u32;
        sheet.write_string(row, first, &r.definition)?;
        sheet.write_string(row, first + 1, &r.same_definition)?;
        sheet.write_string(row, first + 2, &r.compared_with)?;
        if let Some(d) = r.difference {
            sheet.write_number_with_format(row, first + 3, d, share)?;
        }
        if let Some(z) = r.z {
            sheet.write_number_with_format(row, first + 4, z, &number)?;
        }
        if let Some(p) = r.p_value {
            sheet.write_number_with_format(row, first + 5, p, &p_format)?;
        }
        if let Some(s) = r.significant {
            sheet.write_string(row, first + 6, text::yes_no(s))?;
        }
    }
    sheet.set_column_width(first, 60)?;
    for k in 1..7u16 {
        sheet.set_column_width(first + k, 14)?;
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
        assert_eq!((rows[0].data.period.as_str(), rows[0].same_definition.as_str(), rows[0].z), ("2015-2016", "", None));
        assert_eq!((rows[1].data.period.as_str(), rows[1].same_definition.as_str(), rows[1].compared_with.as_str()), ("2018-2019", "=", "2015-2016"));
        assert_eq!((rows[1].z, rows[1].significant), (Some(-3.7), Some(true)));
        let csv = String::from_utf8(crate::export::figure_csv(&fig).unwrap()).unwrap();
        assert_eq!(csv.lines().next().unwrap(), trend_columns().join(","));
        assert!(csv.lines().next().unwrap().starts_with("figure,period,series,group,estimate,se,ci_low,ci_high,n,suppressed,synthetic,definition,"));
        assert!(csv.lines().nth(2).unwrap().ends_with(",Evalueret internt eller udefra,=,2015-2016,-0.06,0.0162,-3.7,0.0002,true"));
    }
}

//! The numbers of each figure as an Excel workbook: numbers as numbers
//! with number formats Danish Excel shows as "57,1 %" and "1.877", the
//! headers in Danish, the title, caption, notes and source on the sheet. A
//! comma-separated file with full stops does not open as numbers there.
//!
//! The bytes are reproducible: the workbook's creation date is the build's
//! date (SOURCE_DATE_EPOCH), and nothing else in it depends on the clock.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::{DataRow, finite};
use crate::error::{Error, Result};
use crate::model::{BarKind, Chapter, Figure, Report};
use crate::text;

/// A share as Danish Excel shows it: "57,1 %" (the format code is stored
/// in Excel's neutral notation and shown in the reader's locale).
const SHARE_FORMAT: &str = "0.0 %";
/// A ratio ("how many times as often"): "2,35".
const RATIO_FORMAT: &str = "0.00";
/// A count with thousands separators: "1.877".
const COUNT_FORMAT: &str = "#,##0";

/// `data/<figure>.xlsx`: one sheet with the figure's table.
pub fn figure_xlsx(report: &Report, fig: &Figure, epoch: i64) -> Result<Vec<u8>> {
    let mut book = workbook(epoch)?;
    figure_sheet(book.add_worksheet(), report, fig).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// `data/chapters/<chapter>.xlsx`: one sheet per figure of the chapter, in order.
pub fn chapter_xlsx(report: &Report, chapter: &Chapter, epoch: i64) -> Result<Vec<u8>> {
    let mut book = workbook(epoch)?;
    for fig in &chapter.figures {
        figure_sheet(book.add_worksheet(), report, fig).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

fn fail(e: XlsxError) -> Error {
    Error::internal(format!("Excel export: {e}"))
}

/// A workbook dated `epoch` (seconds since 1970, UTC).
fn workbook(epoch: i64) -> Result<Workbook> {
    let date = ExcelDateTime::from_timestamp(epoch).map_err(fail)?;
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_creation_datetime(&date));
    Ok(book)
}

/// The sheet name of a figure: its label ("Figur 1.2"), which is unique in
/// the report and within Excel's 31 characters.
fn sheet_name(fig: &Figure) -> String {
    let name: String = fig.label.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).take(31).collect();
    if name.trim().is_empty() { fig.number.clone() } else { name }
}

/// Title and subtitle, the table (header on row 4), then the caption, the
/// notes, the source line and, for a synthetic wave, the marker.
fn figure_sheet(sheet: &mut Worksheet, report: &Report, fig: &Figure) -> std::result::Result<(), XlsxError> {
    sheet.set_name(sheet_name(fig))?;
    let bold = Format::new().set_bold();
    let share = Format::new().set_num_format(SHARE_FORMAT);
    let ratio = Format::new().set_num_format(RATIO_FORMAT);
    let count = Format::new().set_num_format(COUNT_FORMAT);
    sheet.write_string_with_format(0, 0, format!("{} {}", fig.label, fig.title), &bold)?;
    sheet.write_string(1, 0, &fig.subtitle)?;
    let all_ratios = !fig.bars.is_empty() && fig.bars.iter().all(|b| b.kind == BarKind::Ratio);
    for (k, header) in text::WORKBOOK_HEADERS.iter().enumerate() {
        let header = if k == 3 && all_ratios { text::WORKBOOK_RATIO_HEADER } else { header };
        sheet.write_string_with_format(3, k as u16, header, &bold)?;
    }
    let mut row = 4u32;
    for (bar, data) in fig.bars.iter().zip(DataRow::of(fig)) {
        let format = if bar.kind == BarKind::Ratio { &ratio } else { &share };
        sheet.write_string(row, 0, &data.series)?;
        sheet.write_string(row, 1, &data.group)?;
        sheet.write_string(row, 2, &data.period)?;
        for (k, value) in [data.estimate, data.se, data.ci_low, data.ci_high].into_iter().enumerate() {
            if let Some(v) = value.and_then(finite) {
                sheet.write_number_with_format(row, 3 + k as u16, v, format)?;
            }
        }
        if let Some(n) = data.n {
            sheet.write_number_with_format(row, 7, n as f64, &count)?;
        }
        sheet.write_string(row, 8, text::workbook_shown(data.suppressed))?;
        row += 1;
    }
    row += 1;
    notes(sheet, report, fig, row)?;
    sheet.set_column_width(0, 48)?;
    sheet.set_column_width(1, 28)?;
    for k in 2..9u16 {
        sheet.set_column_width(k, 14)?;
    }
    if fig.trend.is_some() {
        super::trend::sheet_columns(sheet, fig, 3, &share, &bold)?;
    }
    Ok(())
}

/// The caption, the notes, the source line and, for a synthetic wave, the marker, from `row`.
fn notes(sheet: &mut Worksheet, report: &Report, fig: &Figure, mut row: u32) -> std::result::Result<(), XlsxError> {
    let mut lines = vec![fig.caption.as_str()];
    lines.extend(fig.notes.iter().map(String::as_str));
    lines.push(&fig.source_line);
    if fig.synthetic {
        lines.push(&report.words.synthetic_marker);
    }
    for line in lines.into_iter().filter(|l| !l.is_empty()) {
        sheet.write_string(row, 0, line)?;
        row += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    use crate::model::sample;

    #[test]
    fn a_workbook_repeats_its_bytes_at_one_date_and_holds_the_numbers() {
        let report = sample();
        let fig = &report.chapters[0].figures[0];
        let a = figure_xlsx(&report, fig, 1_700_000_000).unwrap();
        assert_eq!(a, figure_xlsx(&report, fig, 1_700_000_000).unwrap());
        assert_ne!(a, figure_xlsx(&report, fig, 1_600_000_000).unwrap());
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(a)).unwrap();
        let range = book.worksheet_range(&fig.label).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows[3][3], Data::String("Andel".into()));
        assert_eq!(rows[4][3], Data::Float(fig.bars[0].value.estimate));
        assert_eq!(rows[4][7], Data::Float(fig.bars[0].value.n as f64));
        // Shown in Danish Excel as "57,1 %" and "1.877".
        let styles = book.worksheet_style(&fig.label).unwrap();
        let format = styles.get((4, 3)).and_then(|s| s.number_format.as_ref()).map(|f| f.format_code.clone());
        assert_eq!(format.as_deref(), Some(SHARE_FORMAT));
    }
}

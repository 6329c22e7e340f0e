//! Excel workbooks (`.xlsx`) read with `calamine` into the same table as
//! the other formats: the first sheet, its first used row the header, and
//! rows numbered as Excel shows them.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use polars::prelude::*;

use super::spss::numbers;
use super::{RawTable, decoding};
use crate::data::findings::Findings;
use super::number_text as fmt_num;
use crate::error::Place;

const DAMAGED: &str = "the file is cut off or damaged: save it again from Excel as \"Excel-projektmappe (.xlsx)\"";

/// Reads the first sheet of a workbook; a workbook that does not open is
/// one problem, each empty header cell or error cell one more.
pub fn read_xlsx(path: &Path, problems: &mut Findings) -> Option<RawTable> {
    if !super::starts_with_any(path, &[b"PK\x03\x04"]) {
        problems.file_level(
            "the file is not an Excel workbook (an .xlsx file is a zip archive, and this is not one); save it from Excel as \"Excel-projektmappe (.xlsx)\", or name the file by what it is (.csv)",
        );
        return None;
    }
    let opened = decoding(|| -> Result<(String, calamine::Range<Data>), String> {
        let mut book: Xlsx<_> = open_workbook(path).map_err(|e: calamine::XlsxError| e.to_string())?;
        let sheet = book.sheet_names().into_iter().next().ok_or("the workbook has no sheet")?;
        let range = book.worksheet_range(&sheet).map_err(|e| e.to_string())?;
        Ok((sheet, range))
    });
    let (sheet, range) = match opened {
        Some(Ok(x)) => x,
        Some(Err(e)) => {
            problems.file_level(format!("cannot read the file as an Excel workbook: {e}; {DAMAGED}"));
            return None;
        }
        None => {
            problems.file_level(format!("cannot read the file as an Excel workbook: its data do not decode; {DAMAGED}"));
            return None;
        }
    };
    let in_sheet = format!("sheet \"{sheet}\"");
    let Some((top, left)) = range.start() else {
        problems.file_level(format!("{in_sheet} is empty; the wave must be on the workbook's first sheet"));
        return None;
    };
    let mut rows: Vec<&[Data]> = range.rows().collect();
    // Formatted but empty rows at the end hold no data (as blank lines at the end of a CSV).
    let blank = |r: &[Data]| r.iter().all(|c| matches!(c, Data::Empty) || matches!(c, Data::String(s) if s.trim().is_empty()));
    while rows.last().is_some_and(|r| blank(r)) {
        rows.pop();
    }
    if rows.len() < 2 {
        problems.file_level(format!("{in_sheet} has a header but no data rows"));
        return None;
    }
    // Excel's row of the header (1-based); data rows follow it.
    let header_row = top as usize + 1;
    let mut names = Vec::with_capacity(rows[0].len());
    for (k, cell) in rows[0].iter().enumerate() {
        let name = text(cell).unwrap_or_default();
        if name.is_empty() {
            let letter = column_letter(left as usize + k);
            problems.push(Place::Row(header_row), None, None, format!("{in_sheet}: the header cell {letter}{header_row} is empty; give every column a name"));
        }
        names.push(name);
    }
    for (i, row) in rows.iter().enumerate().skip(1) {
        if blank(row) {
            problems.push(Place::Row(header_row + i), None, None, format!("{in_sheet}: the row is empty; remove it"));
        }
        for (k, cell) in row.iter().enumerate() {
            if let Data::Error(e) = cell {
                problems.push(
                    Place::Row(header_row + i),
                    Some(&names[k]),
                    Some(&e.to_string()),
                    format!("{in_sheet}: the cell holds an Excel error; enter the value, or leave the cell empty where there is none"),
                );
            }
        }
    }
    if !problems.is_empty() {
        return None;
    }
    let (columns, duplicates) = columns(&rows[1..], &names);
    match DataFrame::new(rows.len() - 1, columns) {
        Ok(frame) => {
            let mut raw = RawTable::numbered(frame, "Excel", header_row + 1);
            raw.sheet = Some(sheet);
            raw.duplicates = duplicates;
            Some(raw)
        }
        Err(e) => {
            problems.file_level(format!("cannot read {in_sheet}: {e}"));
            None
        }
    }
}

/// The sheet's columns: numbers where every cell is a number (Int64 when
/// all are whole), else text (numbers written as the validator shows them).
/// A repeated name gets a suffix, as in CSV.
fn columns(rows: &[&[Data]], names: &[String]) -> (Vec<Column>, Vec<(String, usize, usize)>) {
    let mut duplicates = Vec::new();
    let mut out = Vec::with_capacity(names.len());
    for (k, name) in names.iter().enumerate() {
        let unique = match names[..k].iter().position(|m| m == name) {
            Some(first) => {
                duplicates.push((name.clone(), first + 1, k + 1));
                format!("{name} (field {})", k + 1)
            }
            None => name.clone(),
        };
        let cells: Vec<&Data> = rows.iter().map(|r| r.get(k).unwrap_or(&Data::Empty)).collect();
        let numeric = cells.iter().all(|c| matches!(c, Data::Int(_) | Data::Float(_) | Data::Empty));
        let column = if numeric {
            let values = cells
                .iter()
                .map(|c| match c {
                    Data::Int(i) => Some(*i as f64),
                    Data::Float(x) => Some(*x),
                    _ => None,
                })
                .collect();
            numbers(&unique, values)
        } else {
            Column::new(unique.as_str().into(), cells.iter().map(|c| text(c)).collect::<Vec<_>>())
        };
        out.push(column);
    }
    (out, duplicates)
}

/// A cell as text, trimmed; `None` when empty.
fn text(cell: &Data) -> Option<String> {
    let s = match cell {
        Data::Empty => return None,
        Data::Int(i) => i.to_string(),
        Data::Float(x) => fmt_num(*x),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => e.to_string(),
    };
    (!s.is_empty()).then_some(s)
}

/// Excel's letter of a 0-based column: 0 -> A, 26 -> AA.
fn column_letter(mut k: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (k % 26) as u8);
        if k < 26 {
            break;
        }
        k = k / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_are_excels() {
        assert_eq!([0, 25, 26, 51, 52, 701, 702].map(column_letter), ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]);
    }
}

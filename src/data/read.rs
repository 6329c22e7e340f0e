//! Reading a wave file into a table of text cells with Polars: detects the
//! encoding and separator of CSV from Danish Excel, checks the file's shape
//! line by line, and remembers each row's line for later messages.

use std::borrow::Cow;
use std::fs::File;
use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Place, Problems};

/// A wave file as text cells, before the contract is checked.
pub struct RawTable {
    /// CSV: every column as String, empty cells null; Parquet: as typed in
    /// the file. Names trimmed, as in the file.
    pub frame: DataFrame,
    /// File line of each data row (CSV), or none (Parquet: rows are numbered).
    lines: Option<Vec<u32>>,
    /// What was detected, for the summary ("UTF-8, ';'").
    pub encoding: &'static str,
    pub separator: Option<u8>,
    /// Repeated header names (name, first field, repeated field; 1-based);
    /// the repeats are kept under a suffixed name so nothing is lost.
    pub duplicates: Vec<(String, usize, usize)>,
}

impl RawTable {
    /// Where data row `row` (0-based) sits in the file.
    pub fn place(&self, row: usize) -> Place {
        match &self.lines {
            Some(lines) => Place::Line(lines[row] as usize),
            None => Place::Row(row + 1),
        }
    }

    /// Where the header sits (for problems with columns as a whole).
    pub fn header_place(&self) -> Place {
        match self.lines {
            Some(_) => Place::Line(1),
            None => Place::File,
        }
    }
}

/// Reads a `.csv` or `.parquet` wave file; a file-level problem ends the read.
pub fn read_table(path: &Path, problems: &mut Problems) -> Option<RawTable> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => match std::fs::read(path) {
            Ok(bytes) => read_csv_bytes(&bytes, problems),
            Err(e) => {
                problems.file_level(format!("cannot read the file: {e}"));
                None
            }
        },
        "parquet" => read_parquet(path, problems),
        _ => {
            problems.file_level("a wave file must end in .csv or .parquet");
            None
        }
    }
}

fn read_parquet(path: &Path, problems: &mut Problems) -> Option<RawTable> {
    let result = File::open(path).map_err(PolarsError::from).and_then(|f| ParquetReader::new(f).finish());
    let df = match result {
        Ok(df) => df,
        Err(e) => {
            problems.file_level(format!("cannot read the file as Parquet: {e}"));
            return None;
        }
    };
    if df.height() == 0 {
        problems.file_level("the file has columns but no data rows");
        return None;
    }
    // Typed columns stay typed (the validator reads numbers directly); only names are trimmed.
    let height = df.height();
    let columns: PolarsResult<Vec<Column>> = df
        .into_columns()
        .into_iter()
        .map(|c| {
            let name = c.name().trim().to_string();
            Ok(c.with_name(name.into()))
        })
        .collect();
    match columns.and_then(|cols| DataFrame::new(height, cols)) {
        Ok(frame) => Some(RawTable { frame, lines: None, encoding: "Parquet", separator: None, duplicates: Vec::new() }),
        Err(e) => {
            problems.file_level(format!("cannot read the Parquet columns as text: {e}"));
            None
        }
    }
}

const SAVE_AS: &str = "open it in Excel and save it as \"CSV UTF-8 (kommasepareret)\", then run again";

/// Decodes UTF-8 (with or without BOM) or Windows-1252; refuses the rest.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.contains(&0) {
        return Err(format!("the file is UTF-16 (Excel's \"Unicode-tekst\"), which is not read; {SAVE_AS}"));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        let enc = if body.len() < bytes.len() { "UTF-8 with BOM" } else { "UTF-8" };
        return Ok((Cow::Borrowed(text), enc));
    }
    // Bytes Windows-1252 leaves undefined mean the file is in some other encoding.
    if let Some(pos) = body.iter().position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)) {
        return Err(format!(
            "the file is neither UTF-8 nor Windows-1252 (byte 0x{:02X} at offset {pos}); {SAVE_AS}",
            body[pos]
        ));
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
    Ok((text, "Windows-1252"))
}

/// One record of the file as the structure scan saw it.
struct Record {
    line: u32,
    fields: usize,
    empty: bool,
}

/// Parses CSV bytes; problems with the file's shape stop the read.
pub fn read_csv_bytes(bytes: &[u8], problems: &mut Problems) -> Option<RawTable> {
    let (text, encoding) = decode_text(bytes, problems)?;
    let header_line = text.lines().next().unwrap_or("");
    let separator = detect_separator(header_line, problems)?;
    let header_names = split_header(header_line, separator);
    let lines = check_shape(&text, separator, problems)?;
    let df = parse_csv(text.into_owned().into_bytes(), separator, lines.len(), problems)?;
    let (cols, duplicates) = name_columns(df, &header_names);
    match DataFrame::new(lines.len(), cols) {
        Ok(frame) => Some(RawTable { frame, lines: Some(lines), encoding, separator: Some(separator), duplicates }),
        Err(e) => {
            problems.file_level(format!("cannot read the header: {e}"));
            None
        }
    }
}

/// The file as text, or a file-level problem: an encoding we do not read,
/// or nothing but whitespace.
fn decode_text<'a>(bytes: &'a [u8], problems: &mut Problems) -> Option<(Cow<'a, str>, &'static str)> {
    let (text, encoding) = match decode(bytes) {
        Ok(x) => x,
        Err(msg) => {
            problems.file_level(msg);
            return None;
        }
    };
    if text.trim().is_empty() {
        problems.file_level("the file is empty");
        return None;
    }
    Some((text, encoding))
}

/// The separator Danish Excel chose, told by the header: ';' unless ','
/// is more frequent outside quotes.
fn detect_separator(header_line: &str, problems: &mut Problems) -> Option<u8> {
    match (count_outside_quotes(header_line, b';'), count_outside_quotes(header_line, b',')) {
        (0, 0) => {
            problems.push(
                Place::Line(1),
                None,
                None,
                "cannot tell the separator: the header has neither ';' nor ','; save the file as CSV from Excel",
            );
            None
        }
        (semi, comma) if semi >= comma => Some(b';'),
        _ => Some(b','),
    }
}

/// Checks the file's shape line by line (data rows, closed quotes, empty,
/// truncated or ragged lines, every one reported); the file line of each
/// data row when the shape is sound.
fn check_shape(text: &str, separator: u8, problems: &mut Problems) -> Option<Vec<u32>> {
    let (records, unclosed_quote, ends_with_newline) = scan(text.as_bytes(), separator);
    let header = &records[0];
    let last_data = records.iter().rposition(|r| !r.empty).unwrap_or(0);
    if last_data == 0 {
        problems.file_level("the file has a header but no data rows");
        return None;
    }
    if let Some(line) = unclosed_quote {
        problems.push(Place::Line(line as usize), None, None, "a quoted field opens here and never closes");
        return None;
    }
    let mut lines = Vec::with_capacity(last_data);
    for (i, r) in records.iter().enumerate().take(last_data + 1).skip(1) {
        let at = Place::Line(r.line as usize);
        if r.empty {
            problems.push(at, None, None, "the line is empty; remove it");
        } else if i == last_data && !ends_with_newline && r.fields < header.fields {
            problems.push(
                at,
                None,
                None,
                format!(
                    "the last line is truncated: it has {} of the header's {} fields and no line end (was the file cut off?)",
                    r.fields, header.fields
                ),
            );
        } else if r.fields != header.fields {
            problems.push(at, None, None, format!("the line has {} fields, the header has {}", r.fields, header.fields));
        }
        lines.push(r.line);
    }
    if !problems.is_empty() {
        return None;
    }
    Some(lines)
}

/// Polars' parse of the checked text, every column as text; it must find
/// exactly the `rows` data lines the shape check counted.
fn parse_csv(owned: Vec<u8>, separator: u8, rows: usize, problems: &mut Problems) -> Option<DataFrame> {
    let parsed = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_separator(separator).with_quote_char(Some(b'"')).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(owned))
        .finish();
    let df = match parsed {
        Ok(df) => df,
        Err(e) => {
            problems.file_level(format!("cannot parse the file as CSV: {e}"));
            return None;
        }
    };
    if df.height() != rows {
        problems.file_level(format!(
            "the CSV parser read {} rows where the file has {} data lines; check quotes in the file",
            df.height(),
            rows
        ));
        return None;
    }
    Some(df)
}

/// Uses the header as written (trimmed); a repeated name gets a suffix and
/// is listed as (name, first field, repeated field).
fn name_columns(df: DataFrame, header_names: &[String]) -> (Vec<Column>, Vec<(String, usize, usize)>) {
    let mut duplicates = Vec::new();
    let mut cols: Vec<Column> = Vec::with_capacity(header_names.len());
    for (i, (c, name)) in df.into_columns().into_iter().zip(header_names.iter()).enumerate() {
        let unique = match header_names[..i].iter().position(|m| m == name) {
            Some(first) => {
                duplicates.push((name.clone(), first + 1, i + 1));
                format!("{name} (field {})", i + 1)
            }
            None => name.clone(),
        };
        cols.push(c.with_name(unique.into()));
    }
    (cols, duplicates)
}

fn count_outside_quotes(line: &str, sep: u8) -> usize {
    let mut in_q = false;
    line.bytes()
        .filter(|&b| {
            if b == b'"' {
                in_q = !in_q;
            }
            !in_q && b == sep
        })
        .count()
}

/// The header's names, unquoted and trimmed.
fn split_header(line: &str, sep: u8) -> Vec<String> {
    let mut names = Vec::new();
    let mut cur = String::new();
    let mut in_q = false;
    for ch in line.trim_end_matches('\r').chars() {
        match ch {
            '"' => in_q = !in_q,
            c if !in_q && c as u32 == sep as u32 => names.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    names.push(cur);
    names.into_iter().map(|n| n.trim().to_string()).collect()
}

/// Records with their first line and field count; quote-aware so a quoted
/// line break does not start a record.
fn scan(bytes: &[u8], sep: u8) -> (Vec<Record>, Option<u32>, bool) {
    let mut records = Vec::new();
    let (mut line, mut start_line, mut fields, mut len) = (1u32, 1u32, 1usize, 0usize);
    let mut in_q = false;
    let mut quote_line = 0u32;
    for &b in bytes {
        if in_q {
            if b == b'"' {
                in_q = false;
            } else if b == b'\n' {
                line += 1;
            }
            len += 1;
            continue;
        }
        match b {
            b'"' => {
                in_q = true;
                quote_line = line;
                len += 1;
            }
            b'\n' => {
                records.push(Record { line: start_line, fields, empty: len == 0 });
                line += 1;
                start_line = line;
                fields = 1;
                len = 0;
            }
            b'\r' => {}
            _ => {
                if b == sep {
                    fields += 1;
                }
                len += 1;
            }
        }
    }
    let ends_with_newline = len == 0;
    if len > 0 {
        records.push(Record { line: start_line, fields, empty: false });
    }
    (records, in_q.then_some(quote_line), ends_with_newline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_is_decoded() {
        let (text, enc) = decode(b"id;omr\xe5de\n").unwrap();
        assert_eq!(enc, "Windows-1252");
        assert_eq!(text, "id;område\n");
        let (text, enc) = decode("\u{feff}id,æ\n".as_bytes()).unwrap();
        assert_eq!((text.as_ref(), enc), ("id,æ\n", "UTF-8 with BOM"));
    }

    #[test]
    fn quoted_line_breaks_do_not_start_records() {
        let (recs, open, nl) = scan(b"a,b\n\"x\ny\",2\n3,4\n", b',');
        let lines: Vec<u32> = recs.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
        assert!(open.is_none() && nl);
    }
}

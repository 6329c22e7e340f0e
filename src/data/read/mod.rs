//! Reading a wave file into a table of text cells with Polars: detects the
//! encoding and separator of CSV from Danish Excel, checks the file's shape
//! line by line, and remembers each row's line for later messages. SPSS
//! files (`spss`) and Excel workbooks (`excel`) are read into the same table.

mod excel;
mod spss;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Cursor, Read};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::*;

use super::codebook::DESIGN_COLUMNS;
use super::findings::Findings;
use crate::error::Place;

/// The largest wave file read, 4 GiB: a wave of ten million rows is about
/// 2 GiB as CSV (far less as Parquet); a larger file is not a survey wave,
/// and reading it would only exhaust the memory.
pub const MAX_WAVE_BYTES: u64 = 4 << 30;

/// Whether `path` can be read as a wave, told before it is opened: a
/// regular file (a named pipe would block, a device such as /dev/zero
/// never ends) of at most `MAX_WAVE_BYTES`. Its size, or what is wrong.
pub fn check_readable(path: &Path) -> Result<u64, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(format!("{} is not read as a wave; a wave must be a regular file (copy the data into one)", file_kind(&kind)));
    }
    if meta.len() > MAX_WAVE_BYTES {
        return Err(format!(
            "the file is {:.1} GiB, more than the {} GiB a wave file may have; check that it is the wave (ten million rows are about 2 GiB as CSV)",
            meta.len() as f64 / (1u64 << 30) as f64,
            MAX_WAVE_BYTES >> 30
        ));
    }
    Ok(meta.len())
}

/// What a path that is not a regular file is, in words.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_char_device() {
            return "a character device (such as /dev/zero)";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() { "a folder" } else { "a special file" }
}

/// A wave file as text cells, before the contract is checked.
pub struct RawTable {
    /// CSV: every column as String, empty cells null; Parquet, SPSS, Excel:
    /// as typed in the file (SPSS and Excel numbers as Int64 where every
    /// one is whole, else Float64). Names trimmed, as in the file.
    pub frame: DataFrame,
    /// File line of each data row (CSV), or none (rows are numbered).
    lines: Option<Vec<u32>>,
    /// The number the file shows for the first data row, when rows are
    /// numbered: 1 for Parquet and SPSS cases, the sheet's row for Excel.
    first_row: usize,
    /// The Excel sheet read, named in messages.
    pub sheet: Option<String>,
    /// SPSS variable labels and value labels, by the file's column name.
    pub labels: Labels,
    /// What was detected, for the summary ("UTF-8, ';'").
    pub encoding: &'static str,
    pub separator: Option<u8>,
    /// Repeated header names (name, first field, repeated field; 1-based);
    /// the repeats are kept under a suffixed name so nothing is lost.
    pub duplicates: Vec<(String, usize, usize)>,
    /// A Parquet file read in parts: the columns `frame` holds as empty
    /// stand-ins of their type until [`read_rest`] reads them.
    rest: Option<Rest>,
}

/// The columns of a Parquet file left for later, by the file's names.
struct Rest {
    path: std::path::PathBuf,
    names: Vec<String>,
}

impl RawTable {
    /// Where data row `row` (0-based) sits in the file.
    pub fn place(&self, row: usize) -> Place {
        match &self.lines {
            Some(lines) => Place::Line(lines[row] as usize),
            None => Place::Row(row + self.first_row),
        }
    }

    /// A table of typed columns whose rows are numbered from `first_row`.
    fn numbered(frame: DataFrame, encoding: &'static str, first_row: usize) -> RawTable {
        RawTable { frame, lines: None, first_row, sheet: None, labels: Labels::default(), encoding, separator: None, duplicates: Vec::new(), rest: None }
    }

    /// Where the header sits (for problems with columns as a whole).
    pub fn header_place(&self) -> Place {
        match self.lines {
            Some(_) => Place::Line(1),
            None => Place::File,
        }
    }
}

/// What an SPSS file says of its columns: kept for messages and for
/// proposing a `[[delivery]]` mapping.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Column -> its variable label.
    pub variables: BTreeMap<String, String>,
    /// Column -> (value as the validator shows it, "4" or "Kommunal") -> label.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// A number as a cell shows it ("40", "1.5"), as the validator writes
/// numbers in messages and recode tables match them.
pub fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

/// Whether the file begins with one of `magics` (false when it cannot be read).
fn starts_with_any(path: &Path, magics: &[&[u8]]) -> bool {
    let mut head = Vec::with_capacity(4);
    let read = File::open(path).and_then(|f| f.take(4).read_to_end(&mut head));
    read.is_ok() && magics.iter().any(|m| head.starts_with(m))
}

/// The extensions of the wave files read, as `read_table` dispatches them.
pub const WAVE_EXTENSIONS: [&str; 5] = ["csv", "parquet", "sav", "zsav", "xlsx"];

/// Reads a `.csv`, `.parquet`, `.sav`, `.zsav` or `.xlsx` wave file; a
/// file-level problem ends the read.
pub fn read_table(path: &Path, problems: &mut Findings) -> Option<RawTable> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if let Err(why) = check_readable(path) {
        problems.file_level(why);
        return None;
    }
    match ext {
        "csv" => match read_limited(path) {
            Ok(bytes) => read_csv_bytes(&bytes, problems),
            Err(e) => {
                problems.file_level(format!("cannot read the file: {e}"));
                None
            }
        },
        "parquet" => read_parquet(path, problems),
        "sav" | "zsav" => spss::read_spss(path, problems),
        "xlsx" => excel::read_xlsx(path, problems),
        _ => {
            problems.file_level("a wave file must end in .csv, .parquet, .sav, .zsav or .xlsx");
            None
        }
    }
}

/// Reads a wave file as [`read_table`] does; with `by_parts`, a Parquet
/// file is read design columns first: the other columns are stand-ins of
/// their type (no cells) until [`read_rest`] reads them, once the design
/// columns are checked and dropped. The text design columns of ten million
/// rows are about a gigabyte, the items as much again. Any file the parts
/// cannot be read from (a design column missing or repeated, a type the
/// stand-ins do not cover, a damaged page) is read whole, as ever, so
/// its problems are told exactly as before.
pub fn read_wave_table(path: &Path, by_parts: bool, problems: &mut Findings) -> Option<RawTable> {
    let parquet = path.extension().and_then(|e| e.to_str()) == Some("parquet");
    if !(by_parts && parquet) {
        return read_table(path, problems);
    }
    match parquet_design_first(path) {
        Some(raw) => Some(raw),
        None => read_table(path, problems),
    }
}

/// A Parquet file as stand-ins of its columns, each read when the
/// validator asks for it ([`read_later`]); `None` where the file must be
/// read whole.
fn parquet_design_first(path: &Path) -> Option<RawTable> {
    let opened = decoding(|| -> PolarsResult<_> {
        let mut r = ParquetReader::new(File::open(path)?);
        Ok((r.schema()?, r.num_rows()?))
    });
    let (schema, height) = opened?.ok()?;
    let fields: Vec<(String, DataType)> = schema.iter_values().map(|f| (f.name.to_string(), DataType::from_arrow_field(f))).collect();
    let trimmed: Vec<&str> = fields.iter().map(|(n, _)| n.trim()).collect();
    let unique = trimmed.iter().enumerate().all(|(i, n)| !trimmed[..i].contains(n));
    let plain = |t: &DataType| t.is_primitive_numeric() || matches!(t, DataType::String | DataType::Binary | DataType::BinaryOffset | DataType::Null);
    let design = trimmed.iter().filter(|n| DESIGN_COLUMNS.contains(n)).count();
    if height == 0 || !unique || design != DESIGN_COLUMNS.len() || !fields.iter().all(|(_, t)| plain(t)) {
        return None;
    }
    // Bytes are read as text (or the file is read whole).
    let stand_in = |dtype: &DataType| if matches!(dtype, DataType::Binary | DataType::BinaryOffset) { DataType::String } else { dtype.clone() };
    let columns: Vec<Column> = fields.iter().zip(&trimmed).map(|((_, dtype), trim)| Column::full_null((*trim).into(), height, &stand_in(dtype))).collect();
    let frame = DataFrame::new(height, columns).ok()?;
    let mut raw = RawTable::numbered(frame, "Parquet", 1);
    raw.rest = Some(Rest { path: path.to_path_buf(), names: fields.into_iter().map(|(n, _)| n).collect() });
    Some(raw)
}

/// Columns of a Parquet file by the file's names, names trimmed and bytes
/// as text; `None` where they do not read or a cell is not UTF-8 text.
fn parquet_columns(path: &Path, names: Vec<String>) -> Option<Vec<Column>> {
    let df = decoding(|| ParquetReader::new(File::open(path)?).with_columns(Some(names)).finish())?.ok()?;
    let mut problems = Findings::new("");
    let columns: Vec<Column> = df
        .into_columns()
        .into_iter()
        .map(|c| {
            let name = c.name().trim().to_string();
            binary_as_text(c, &name, &mut problems).with_name(name.into())
        })
        .collect();
    problems.is_empty().then_some(columns)
}

/// Columns read together by [`read_rest`]: each read's columns are joined
/// into one buffer apiece before the next read.
const REST_BATCH: usize = 16;

/// [`parquet_columns`] a few at a time, each column made one contiguous
/// buffer. Read whole, a column is one piece per row group, and the pieces
/// of all columns lie side by side in the allocator's pages: a column the
/// build then leaves out frees no page, and its memory stays taken.
fn parquet_columns_joined(path: &Path, names: Vec<String>) -> Option<Vec<Column>> {
    let mut out = Vec::with_capacity(names.len());
    for batch in names.chunks(REST_BATCH) {
        out.extend(parquet_columns(path, batch.to_vec())?.into_iter().map(|c| c.rechunk()));
    }
    Some(out)
}

/// Reads the columns of `frame` (all, or those named) that a Parquet file
/// read by parts left for later, in place of their stand-ins. Where they
/// do not read, the file is read whole to tell what is wrong, as a file
/// read whole tells it: `problems` then holds that alone, and the answer
/// is false.
pub fn read_later(raw: &RawTable, frame: &mut DataFrame, only: Option<&[&str]>, problems: &mut Findings) -> bool {
    let Some(rest) = &raw.rest else { return true };
    let wanted = |c: &Column| matches!(c, Column::Scalar(_)) && only.is_none_or(|o| o.contains(&c.name().as_str()));
    let names: Vec<String> = frame
        .columns()
        .iter()
        .filter(|c| wanted(c))
        .filter_map(|c| rest.names.iter().find(|n| n.trim() == c.name().as_str()).cloned())
        .collect();
    if names.is_empty() {
        return true;
    }
    match parquet_columns_joined(&rest.path, names) {
        Some(columns) => {
            let height = frame.height();
            let mut all: Vec<Column> = std::mem::take(frame).into_columns();
            for c in columns {
                if let Some(slot) = all.iter_mut().find(|s| s.name() == c.name()) {
                    *slot = c;
                }
            }
            match DataFrame::new(height, all) {
                Ok(df) => {
                    *frame = df;
                    true
                }
                Err(e) => {
                    *problems = Findings::new(problems.file());
                    problems.file_level(format!("cannot read the Parquet columns as text: {e}"));
                    false
                }
            }
        }
        None => {
            *problems = Findings::new(problems.file());
            if read_parquet(&rest.path, problems).is_some() || problems.is_empty() {
                problems.file_level("cannot read the file as Parquet: its data do not decode (the file is damaged); write it again");
            }
            false
        }
    }
}

/// The file's bytes, never more than `MAX_WAVE_BYTES` (the file may have
/// grown since it was looked at).
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?.take(MAX_WAVE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_WAVE_BYTES {
        return Err(std::io::Error::other(format!("the file grew past the {} GiB a wave file may have", MAX_WAVE_BYTES >> 30)));
    }
    Ok(bytes)
}

fn read_parquet(path: &Path, problems: &mut Findings) -> Option<RawTable> {
    let df = match parquet_frame(path) {
        Ok(df) => df,
        Err(why) => {
            problems.file_level(why);
            return None;
        }
    };
    if df.height() == 0 {
        problems.file_level("the file has columns but no data rows");
        return None;
    }
    // Typed columns stay typed (the validator reads numbers directly); names
    // are trimmed, and bytes become text where they are UTF-8.
    let height = df.height();
    let before = problems.len();
    let columns: Vec<Column> = df
        .into_columns()
        .into_iter()
        .map(|c| {
            let name = c.name().trim().to_string();
            binary_as_text(c, &name, problems).with_name(name.into())
        })
        .collect();
    if problems.len() > before {
        return None;
    }
    match DataFrame::new(height, columns) {
        Ok(frame) => Some(RawTable::numbered(frame, "Parquet", 1)),
        Err(e) => {
            problems.file_level(format!("cannot read the Parquet columns as text: {e}"));
            None
        }
    }
}

/// Decoder reads in progress, for the panic hook of `quiet_decoder_panics`.
static DECODER_READS: AtomicUsize = AtomicUsize::new(0);

/// The crates whose panics on a damaged file are reported as a damaged file.
const DECODERS: [&str; 5] = ["polars-parquet", "polars-arrow", "ambers", "calamine", "arrow-"];

/// Runs a decoder of damaged-file-prone input: a panic becomes `None`,
/// its message kept off the terminal.
fn decoding<T>(read: impl FnOnce() -> T) -> Option<T> {
    quiet_decoder_panics();
    DECODER_READS.fetch_add(1, Ordering::SeqCst);
    let result = std::panic::catch_unwind(AssertUnwindSafe(read));
    DECODER_READS.fetch_sub(1, Ordering::SeqCst);
    result.ok()
}

/// The Parquet file as Polars reads it. A damaged file can make Polars'
/// Parquet decoder panic rather than fail (0.55, on corrupt bit-packed
/// pages): the panic is caught and reported as a damaged file.
fn parquet_frame(path: &Path) -> Result<DataFrame, String> {
    let result = decoding(|| File::open(path).map_err(PolarsError::from).and_then(|f| ParquetReader::new(f).finish()));
    match result {
        Some(Ok(df)) => Ok(df),
        Some(Err(e)) => Err(format!("cannot read the file as Parquet: {e}")),
        None => Err("cannot read the file as Parquet: its data do not decode (the file is damaged); write it again".to_string()),
    }
}

/// Keeps the message of a panic in a decoder (Polars' Parquet decoder and
/// the Arrow arrays it fills, the SPSS and Excel readers) off the terminal
/// while a wave is read: the reader
/// reports it in its own words. Every other panic is shown as before.
fn quiet_decoder_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_decoder = info.location().is_some_and(|l| DECODERS.iter().any(|c| l.file().contains(c)));
            if !(in_decoder && DECODER_READS.load(Ordering::SeqCst) > 0) {
                previous(info);
            }
        }));
    });
}

/// A column of bytes (Parquet without the UTF-8 annotation) as text; each
/// cell that is not UTF-8 is a problem. Other columns as they are.
fn binary_as_text(c: Column, name: &str, problems: &mut Findings) -> Column {
    if !matches!(c.dtype(), DataType::Binary | DataType::BinaryOffset) {
        return c;
    }
    let Ok(bytes) = c.cast(&DataType::Binary) else { return c };
    let ca = bytes.binary().expect("cast to Binary");
    let mut text: Vec<Option<&str>> = Vec::with_capacity(ca.len());
    for (row, v) in ca.iter().enumerate() {
        text.push(match v.map(std::str::from_utf8) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(_)) => {
                let shown = String::from_utf8_lossy(v.unwrap_or_default());
                problems.push(
                    Place::Row(row + 1),
                    Some(name),
                    Some(&shown),
                    "the cell's bytes are not UTF-8 text; write the column as UTF-8 text (a Parquet string column)",
                );
                None
            }
        });
    }
    Column::new(name.into(), text)
}

const SAVE_AS: &str = "open it in Excel and save it as \"CSV UTF-8 (kommasepareret)\", then run again";

/// Decodes UTF-8 (with or without BOM) or Windows-1252; refuses the rest,
/// saying what the bytes are (UTF-16, a workbook, Parquet, a NUL byte) and where.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), (Place, String)> {
    let whole = |msg: String| Err((Place::File, msg));
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || looks_utf16(bytes) {
        return whole(format!("the file is UTF-16 (Excel's \"Unicode-tekst\"), which is not read; {SAVE_AS}"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return whole("the file is a zip archive, such as an Excel workbook, not CSV text; if it is a workbook, name it .xlsx".to_string());
    }
    if bytes.starts_with(b"$FL2") || bytes.starts_with(b"$FL3") {
        return whole("the file is an SPSS data file, not CSV text; name it .sav (or .zsav if SPSS compressed it)".to_string());
    }
    if bytes.starts_with(b"PAR1") {
        return whole("the file is Parquet, not CSV text; name it .parquet".to_string());
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err((
            Place::Line(line),
            format!("the line has a NUL byte (a zero byte, which is not text) at byte {pos} of the file; the file is damaged or not CSV text: export it again, or {SAVE_AS}"),
        ));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        let enc = if body.len() < bytes.len() { "UTF-8 with BOM" } else { "UTF-8" };
        return Ok((Cow::Borrowed(text), enc));
    }
    // Bytes Windows-1252 leaves undefined mean the file is in some other encoding.
    if let Some(pos) = body.iter().position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)) {
        return whole(format!("the file is neither UTF-8 nor Windows-1252 (byte 0x{:02X} at offset {pos}); {SAVE_AS}", body[pos]));
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
    Ok((text, "Windows-1252"))
}

/// UTF-16 without a byte-order mark: text of mostly ASCII letters has a
/// zero in every other byte.
fn looks_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024) & !1];
    let pairs = head.len() / 2;
    let zeros_at = |k: usize| head.iter().skip(k).step_by(2).filter(|&&b| b == 0).count();
    pairs >= 2 && (zeros_at(0) * 10 >= pairs * 8 || zeros_at(1) * 10 >= pairs * 8)
}

/// One record of the file as the structure scan saw it.
struct Record {
    line: u32,
    fields: usize,
    empty: bool,
}

/// Parses CSV bytes; problems with the file's shape stop the read.
pub fn read_csv_bytes(bytes: &[u8], problems: &mut Findings) -> Option<RawTable> {
    let (text, encoding) = decode_text(bytes, problems)?;
    let header_line = text.lines().next().unwrap_or("");
    let separator = detect_separator(header_line, problems)?;
    let header_names = split_header(header_line, separator);
    let text = without_trailing_blank_lines(&text, separator);
    let lines = check_shape(text, separator, problems)?;
    let df = parse_csv(text.as_bytes().to_vec(), separator, lines.len(), problems)?;
    let (cols, duplicates) = name_columns(df, &header_names);
    match DataFrame::new(lines.len(), cols) {
        Ok(frame) => Some(RawTable {
            frame,
            lines: Some(lines),
            first_row: 1,
            sheet: None,
            labels: Labels::default(),
            encoding,
            separator: Some(separator),
            duplicates,
            rest: None,
        }),
        Err(e) => {
            problems.file_level(format!("cannot read the header: {e}"));
            None
        }
    }
}

/// The file as text, or a file-level problem: an encoding we do not read,
/// or nothing but whitespace.
fn decode_text<'a>(bytes: &'a [u8], problems: &mut Findings) -> Option<(Cow<'a, str>, &'static str)> {
    let (text, encoding) = match decode(bytes) {
        Ok(x) => x,
        Err((place, msg)) => {
            problems.push(place, None, None, msg);
            return None;
        }
    };
    if text.trim().is_empty() {
        problems.file_level("the file is empty");
        return None;
    }
    Some((text, encoding))
}

/// The text without the blank lines at its end (editors and Excel leave
/// them, Excel as lines of bare separators): they hold no row.
fn without_trailing_blank_lines(text: &str, separator: u8) -> &str {
    let blank = |line: &str| line.chars().all(|c| c.is_whitespace() || c as u32 == separator as u32);
    let mut end = text.len();
    loop {
        let body = &text[..end];
        let content = body.strip_suffix('\n').unwrap_or(body);
        let Some(start) = content.rfind('\n').map(|i| i + 1) else { break };
        if !blank(&content[start..]) {
            break;
        }
        end = start;
    }
    &text[..end]
}

/// The separator Danish Excel chose, told by the header: ';' unless ','
/// is more frequent outside quotes.
fn detect_separator(header_line: &str, problems: &mut Findings) -> Option<u8> {
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
fn check_shape(text: &str, separator: u8, problems: &mut Findings) -> Option<Vec<u32>> {
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
fn parse_csv(owned: Vec<u8>, separator: u8, rows: usize, problems: &mut Findings) -> Option<DataFrame> {
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

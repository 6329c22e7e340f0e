//! SPSS files (`.sav`, and `.zsav` compressed) read with `ambers` into the
//! same table as the other formats. User-missing and system-missing values
//! become empty cells; variable and value labels are kept for messages and
//! for proposing a mapping.

use std::path::Path;

use ambers::{MissingSpec, SpssMetadata, Value};
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType as ArrowType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use polars::prelude::*;

use super::{Labels, RawTable, decoding};
use crate::data::findings::Findings;
use super::number_text as fmt_num;

const DAMAGED: &str = "the file is damaged: save it again from SPSS (File > Save As, SPSS Statistics .sav)";

/// Reads an SPSS file; a file that does not decode is one problem.
pub fn read_spss(path: &Path, problems: &mut Findings) -> Option<RawTable> {
    if !super::starts_with_any(path, &[b"$FL2", b"$FL3"]) {
        problems.file_level("the file is not an SPSS data file (it does not begin with \"$FL2\"); save the wave from SPSS as .sav, or name the file by what it is (.csv, .xlsx)");
        return None;
    }
    let read = match decoding(|| ambers::read_sav(path)) {
        Some(Ok(read)) => read,
        Some(Err(e)) => {
            problems.file_level(format!("cannot read the file as SPSS: {e}; {DAMAGED}"));
            return None;
        }
        None => {
            problems.file_level(format!("cannot read the file as SPSS: its data do not decode; {DAMAGED}"));
            return None;
        }
    };
    let (batch, meta) = read;
    // A file cut off after its dictionary reads fewer cases than its header declares.
    if let Some(declared) = meta.number_rows.filter(|&n| n >= 0 && n as usize != batch.num_rows()) {
        problems.file_level(format!(
            "the file is truncated: its header declares {declared} cases but {} were read (was the file cut off?); copy or save it again from SPSS",
            batch.num_rows()
        ));
        return None;
    }
    if batch.num_rows() == 0 {
        problems.file_level("the file has variables but no cases");
        return None;
    }
    let height = batch.num_rows();
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let name = field.name().trim().to_string();
        let missing = meta.variable_missing_values.get(field.name()).map(Vec::as_slice).unwrap_or(&[]);
        match column(&name, array, missing) {
            Ok(c) => columns.push(c),
            Err(why) => {
                problems.file_level(format!("cannot read variable \"{name}\": {why}; {DAMAGED}"));
                return None;
            }
        }
    }
    match DataFrame::new(height, columns) {
        Ok(frame) => {
            let mut raw = RawTable::numbered(frame, "SPSS", 1);
            raw.labels = labels(&meta);
            Some(raw)
        }
        Err(e) => {
            problems.file_level(format!("cannot read the SPSS variables: {e}"));
            None
        }
    }
}

/// The variable and value labels, by trimmed column name.
fn labels(meta: &SpssMetadata) -> Labels {
    let mut labels = Labels::default();
    for (name, label) in &meta.variable_labels {
        if !label.trim().is_empty() {
            labels.variables.insert(name.trim().to_string(), label.trim().to_string());
        }
    }
    for (name, values) in &meta.variable_value_labels {
        let values = values.iter().map(|(v, l)| (value_text(v), l.trim().to_string())).collect();
        labels.values.insert(name.trim().to_string(), values);
    }
    labels
}

/// A labelled value as the validator shows the cell: "4", "1.5", "Kommunal".
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Numeric(x) => fmt_num(*x),
        Value::String(s) => s.trim_end().to_string(),
    }
}

/// Whether `x` is one of the variable's user-missing values.
fn user_missing(x: f64, specs: &[MissingSpec]) -> bool {
    specs.iter().any(|s| match s {
        MissingSpec::Value(v) => *v == x,
        MissingSpec::Range { lo, hi } => *lo <= x && x <= *hi,
        MissingSpec::StringValue(_) => false,
    })
}

/// One SPSS variable as a Polars column: numbers as Int64 when every one
/// is whole (so ids and labels read as text columns may be numbers), else
/// Float64; text trimmed of SPSS's padding; dates and times as text.
fn column(name: &str, array: &ArrayRef, missing: &[MissingSpec]) -> Result<Column, String> {
    match array.data_type() {
        ArrowType::Float64 => {
            let values = array.as_primitive::<arrow::datatypes::Float64Type>();
            let cells: Vec<Option<f64>> =
                (0..values.len()).map(|i| (values.is_valid(i) && !user_missing(values.value(i), missing)).then(|| values.value(i))).collect();
            Ok(numbers(name, cells))
        }
        _ => {
            let format = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).map_err(|e| e.to_string())?;
            let cells: Vec<Option<String>> = (0..array.len())
                .map(|i| {
                    if array.is_null(i) {
                        return None;
                    }
                    let text = format.value(i).to_string().trim_end().to_string();
                    let is_missing = missing.iter().any(|s| matches!(s, MissingSpec::StringValue(m) if m.trim_end() == text));
                    (!text.is_empty() && !is_missing).then_some(text)
                })
                .collect();
            Ok(Column::new(name.into(), cells))
        }
    }
}

/// Numbers as Int64 when every one is whole and within range, else Float64.
pub(super) fn numbers(name: &str, cells: Vec<Option<f64>>) -> Column {
    let whole = cells.iter().flatten().all(|x| x.fract() == 0.0 && x.abs() < 9.0e15);
    if whole {
        Column::new(name.into(), cells.iter().map(|c| c.map(|x| x as i64)).collect::<Vec<_>>())
    } else {
        Column::new(name.into(), cells)
    }
}

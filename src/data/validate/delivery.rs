//! A real delivery's own column names and codes, mapped onto the contract's
//! through its `[[delivery]]` in the codebook.

use polars::prelude::*;

use super::super::codebook::Codebook;
use crate::error::Problems;

/// Renames a delivery's columns and recodes its values onto the canonical ones.
pub(super) fn apply_delivery(frame: &DataFrame, period: &str, codebook: &Codebook, problems: &mut Problems) -> Option<DataFrame> {
    let Some(delivery) = codebook.delivery(period) else { return Some(frame.clone()) };
    let mut cols: Vec<Column> = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let name = c.name().to_string();
        let canonical = delivery.columns.get(&name).cloned().unwrap_or(name.clone());
        if cols.iter().any(|o| o.name().as_str() == canonical) {
            problems.file_level(format!(
                "the [[delivery]] mapping for {period} leaves two columns named \"{canonical}\" (one of them \"{name}\" in the file)"
            ));
            return None;
        }
        let col = match delivery.recode.get(&canonical) {
            Some(map) => {
                let ca = c.str().expect("raw columns are text");
                let v: Vec<Option<String>> = ca
                    .iter()
                    .map(|v| v.map(|s| map.get(s.trim()).cloned().unwrap_or_else(|| s.to_string())))
                    .collect();
                Column::new(canonical.as_str().into(), v)
            }
            None => c.clone().with_name(canonical.as_str().into()),
        };
        cols.push(col);
    }
    match DataFrame::new(frame.height(), cols) {
        Ok(df) => Some(df),
        Err(e) => {
            problems.file_level(format!("cannot apply the [[delivery]] mapping for {period}: {e}"));
            None
        }
    }
}

//! The file's columns as a whole: each once, none of the contract's
//! missing, and the unknown ones named in a warning.

use super::super::codebook::{Codebook, DESIGN_COLUMNS, Item};
use super::{Input, Warnings};
use crate::error::Problems;

/// Repeated, missing and unknown columns: the first two are problems that
/// stop the check, the last a warning.
pub(super) fn check_columns(input: &Input, items: &[&Item], period: &str, codebook: &Codebook, problems: &mut Problems, warnings: &mut Warnings) {
    let raw = input.raw;
    let header = raw.header_place();
    for (name, first, again) in &raw.duplicates {
        problems.push(
            header,
            Some(name),
            None,
            format!("the column appears twice (fields {first} and {again}); keep one"),
        );
    }
    let names: Vec<String> = input.frame.get_column_names().iter().map(|n| n.to_string()).collect();
    check_missing(input, &names, items, period, problems);
    for n in &names {
        if raw.duplicates.iter().any(|(d, _, at)| *n == format!("{d} (field {at})")) {
            continue;
        }
        let known = DESIGN_COLUMNS.contains(&n.as_str()) || items.iter().any(|i| &i.name == n);
        if !known {
            let why = match codebook.item(n) {
                Some(_) => format!("the codebook says wave {period} did not ask it"),
                None => "it is not in the codebook".to_string(),
            };
            warnings.push(format!("{}: column \"{n}\" is ignored: {why}", problems.file()));
        }
    }
}

/// Every design column, and every item the codebook says the wave asked.
fn check_missing(input: &Input, names: &[String], items: &[&Item], period: &str, problems: &mut Problems) {
    let header = input.raw.header_place();
    let required = DESIGN_COLUMNS.iter().copied().chain(items.iter().map(|i| i.name.as_str()));
    for name in required {
        if !names.iter().any(|n| n == name) {
            let why = if DESIGN_COLUMNS.contains(&name) {
                "every wave must have it".to_string()
            } else {
                format!("the codebook says wave {period} asked it")
            };
            problems.push(header, Some(name), None, format!("the column is missing; {why}"));
        }
    }
}

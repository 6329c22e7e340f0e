//! A proposed `[[delivery]]` mapping for a file whose columns and codes are
//! not the codebook's: each column is matched to a design column or an item
//! by its name, by its variable label against the item's question (or
//! label), by its value labels against the item's code labels (or the
//! design's labels), and for the design columns without labels by the
//! shape of their values. The analyst checks it and pastes it into the
//! codebook, where it is validated like any mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;

use super::codebook::{Codebook, DESIGN_COLUMNS};
use super::findings::Findings;
use super::read::{self, RawTable, number_text as fmt_num};
use crate::error::{Error, Result};

/// One file column matched to a codebook column, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub own: String,
    pub canonical: String,
    /// The evidence, for the confidence note ("by name", "by its variable label …").
    pub how: String,
}

/// What `barometer delivery propose` found.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    pub file: String,
    /// The wave the file is named for, where it is.
    pub period: Option<String>,
    /// In the file's column order.
    pub matched: Vec<Match>,
    /// Canonical column -> (the file's value, the codebook's value).
    pub recode: BTreeMap<String, Vec<(String, String)>>,
    /// The file's columns nothing matched, with why.
    pub unmatched: Vec<(String, String)>,
    /// Values of matched columns that could not be mapped.
    pub notes: Vec<String>,
    /// Columns the wave must have that no file column matched.
    pub missing: Vec<String>,
}

/// Reads `path` (any wave format) and proposes its mapping.
pub fn propose_file(path: &Path, codebook: &Codebook) -> Result<Proposal> {
    let shown = path.display().to_string();
    let mut problems = Findings::new(shown.as_str());
    let Some(raw) = read::read_table(path, &mut problems) else { return Err(Error::Data(vec![problems.into_problems()])) };
    Ok(propose(&raw, super::period_of(path), codebook, &shown))
}

/// Text as compared: lower case, letters and digits, one space between words.
fn norm(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words shared over words in either, 0..1.
fn overlap(a: &str, b: &str) -> f64 {
    let a: BTreeSet<&str> = a.split(' ').collect();
    let b: BTreeSet<&str> = b.split(' ').collect();
    let union = a.union(&b).count();
    if union == 0 { 0.0 } else { a.intersection(&b).count() as f64 / union as f64 }
}

/// The least word overlap for a label to be proposed as a question it is not equal to.
const CLOSE: f64 = 0.75;

/// A column's cells as the validator shows them ("4", "1.5", "Kommunal").
fn cells(col: &Column) -> Vec<Option<String>> {
    if col.dtype().is_float() {
        let Ok(c) = col.cast(&DataType::Float64) else { return vec![None; col.len()] };
        return c.f64().map(|ca| ca.iter().map(|v| v.map(fmt_num)).collect()).unwrap_or_default();
    }
    match col.cast(&DataType::String) {
        Ok(c) => c.str().map(|ca| ca.iter().map(|v| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())).collect()).unwrap_or_default(),
        Err(_) => vec![None; col.len()],
    }
}

/// The design columns with labelled values, and their labels by value.
fn design_values<'a>(codebook: &'a Codebook, name: &str) -> Option<&'a BTreeMap<String, String>> {
    match name {
        "sector" => Some(&codebook.design.sector),
        "area" => Some(&codebook.design.area),
        "size" => Some(&codebook.design.size),
        _ => None,
    }
}

/// Proposes the mapping of a table read from `file`.
pub fn propose(raw: &RawTable, period: Option<String>, codebook: &Codebook, file: &str) -> Proposal {
    let columns: Vec<(String, Vec<Option<String>>)> = raw.frame.columns().iter().map(|c| (c.name().to_string(), cells(c))).collect();
    let mut found: BTreeMap<String, Match> = BTreeMap::new();
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    let mut claim = |found: &mut BTreeMap<String, Match>, own: &str, canonical: &str, how: String| {
        if found.contains_key(own) || !claimed.insert(canonical.to_string()) {
            return false;
        }
        found.insert(own.to_string(), Match { own: own.to_string(), canonical: canonical.to_string(), how });
        true
    };
    let known: Vec<&str> = DESIGN_COLUMNS.iter().copied().chain(codebook.items.iter().map(|i| i.name.as_str())).collect();
    // 1. By name.
    for (own, _) in &columns {
        if let Some(canonical) = known.iter().find(|k| norm(k) == norm(own)) {
            claim(&mut found, own, canonical, "by name".to_string());
        }
    }
    // 2. By variable label against an item's question or label: equal, then close.
    for (own, _) in &columns {
        let Some(label) = raw.labels.variables.get(own).map(|l| norm(l)) else { continue };
        let equal = codebook.items.iter().find(|i| norm(&i.question) == label || norm(&i.label) == label);
        if let Some(item) = equal {
            let what = if norm(&item.question) == label { "question" } else { "label" };
            claim(&mut found, own, &item.name, format!("by its variable label, which is the {what} of {}", item.name));
            continue;
        }
        let mut scored: Vec<(f64, &str)> = codebook.items.iter().map(|i| (overlap(&label, &norm(&i.question)), i.name.as_str())).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        if let [(best, name), rest @ ..] = scored.as_slice()
            && *best >= CLOSE
            && rest.first().is_none_or(|(next, _)| next < best)
        {
            claim(&mut found, own, name, format!("by its variable label, {:.0} % of whose words are the question of {name}: check it", best * 100.0));
        }
    }
    // 3. The labelled design columns by their value labels (or values).
    for (own, values) in &columns {
        for name in ["sector", "area", "size"] {
            let allowed = design_values(codebook, name).expect("labelled design column");
            let labels: Vec<String> = raw.labels.values.get(own).map(|m| m.values().map(|l| norm(l)).collect()).unwrap_or_default();
            let by_labels = labels.len() >= 2 && labels.iter().all(|l| allowed.values().any(|a| norm(a) == *l));
            let distinct: BTreeSet<&String> = values.iter().flatten().collect();
            let by_values = !distinct.is_empty() && distinct.iter().all(|v| allowed.contains_key(*v));
            if by_labels {
                claim(&mut found, own, name, format!("by its value labels, which are the codebook's labels of {name}"));
            } else if by_values {
                claim(&mut found, own, name, format!("by its values, which are the codebook's values of {name}"));
            }
        }
    }
    // 4. An item by its value labels alone, where one unclaimed item of the wave has exactly those code labels.
    for (own, _) in &columns {
        let Some(labels) = raw.labels.values.get(own) else { continue };
        if found.contains_key(own) || labels.is_empty() {
            continue;
        }
        let wanted: BTreeSet<String> = labels.values().map(|l| norm(l)).collect();
        let fits: Vec<&str> = codebook
            .items
            .iter()
            .filter(|i| period.as_deref().is_none_or(|p| i.in_wave(p)))
            .filter(|i| i.codes.iter().map(|(_, l)| norm(l)).collect::<BTreeSet<_>>() == wanted)
            .map(|i| i.name.as_str())
            .collect();
        if let [one] = fits.as_slice() {
            claim(&mut found, own, one, format!("by its value labels alone, which only {one} has: check it"));
        }
    }
    // 5. The unlabelled design columns by the shape of their values.
    let open = |found: &BTreeMap<String, Match>| columns.iter().filter(|(own, _)| !found.contains_key(own)).cloned().collect::<Vec<_>>();
    if let Some((own, _)) = open(&found).iter().find(|(_, v)| unique_everywhere(v)) {
        claim(&mut found, own, "id", "by its values: one of its own on every row".to_string());
    }
    if let Some((own, _)) = open(&found).iter().find(|(_, v)| weights(v)) {
        claim(&mut found, own, "weight", "by its values: positive numbers with decimals, as weights are".to_string());
    }
    let left = open(&found);
    let whole_positive = |v: &[Option<String>]| v.iter().all(|c| c.as_deref().and_then(|s| s.parse::<u64>().ok()).is_some_and(|n| n > 0));
    // A stratum matched by name or label: the fpc is constant within it.
    if let Some(s) = found.values().find(|m| m.canonical == "stratum").map(|m| m.own.clone()) {
        let strata = &columns.iter().find(|(own, _)| *own == s).expect("a column of the file").1;
        if let Some((f_own, _)) = left.iter().find(|(_, fpc)| whole_positive(fpc) && constant_within(strata, fpc)) {
            claim(&mut found, f_own, "fpc", format!("by its values: one whole number per stratum (\"{s}\")"));
        }
    }
    let left = open(&found);
    'strata: for (s_own, strata) in left.iter().filter(|(_, v)| v.iter().all(Option::is_some)) {
        let groups = strata.iter().flatten().collect::<BTreeSet<_>>().len();
        if groups < 2 || groups * 2 > strata.len() {
            continue;
        }
        for (f_own, fpc) in left.iter().filter(|(o, _)| o != s_own) {
            if whole_positive(fpc) && constant_within(strata, fpc) {
                claim(&mut found, s_own, "stratum", format!("by its values: {groups} groups of rows, within each of which \"{f_own}\" is constant"));
                claim(&mut found, f_own, "fpc", format!("by its values: one whole number per stratum (\"{s_own}\")"));
                break 'strata;
            }
        }
    }
    let mut proposal = Proposal { file: file.to_string(), period: period.clone(), ..Proposal::default() };
    for (own, values) in &columns {
        match found.get(own) {
            Some(m) => {
                recode_of(m, values, raw, codebook, &mut proposal);
                proposal.matched.push(m.clone());
            }
            None => {
                let why = match raw.labels.variables.get(own) {
                    Some(label) => format!("its variable label \"{label}\" is no question or label of the codebook"),
                    None => "its name is no column of the codebook, and it has no variable label".to_string(),
                };
                proposal.unmatched.push((own.clone(), why));
            }
        }
    }
    if let Some(p) = &period {
        let needed = DESIGN_COLUMNS.iter().map(|s| s.to_string()).chain(codebook.items_in(p).map(|i| i.name.clone()));
        proposal.missing = needed.filter(|n| !proposal.matched.iter().any(|m| &m.canonical == n)).collect();
    }
    proposal
}

/// Positive numbers on every row, some with decimals.
fn weights(values: &[Option<String>]) -> bool {
    let numbers: Option<Vec<f64>> = values.iter().map(|c| c.as_deref().and_then(|s| s.parse::<f64>().ok()).filter(|x| *x > 0.0 && x.is_finite())).collect();
    numbers.is_some_and(|n| n.iter().any(|x| x.fract() != 0.0))
}

/// Every row has a value, and no two rows the same.
fn unique_everywhere(values: &[Option<String>]) -> bool {
    let mut seen = BTreeSet::new();
    values.len() >= 2 && values.iter().all(|v| v.as_ref().is_some_and(|s| seen.insert(s)))
}

/// Whether `value` is the same on every row of each group of `groups`.
fn constant_within(groups: &[Option<String>], value: &[Option<String>]) -> bool {
    let mut first: BTreeMap<&String, &Option<String>> = BTreeMap::new();
    groups.iter().zip(value).all(|(g, v)| g.as_ref().is_none_or(|g| *first.entry(g).or_insert(v) == v))
}

/// The recode a matched column needs: each value label that names a code
/// (or a design value) under another value maps onto it; a value that
/// fits nothing is a note.
fn recode_of(m: &Match, values: &[Option<String>], raw: &RawTable, codebook: &Codebook, proposal: &mut Proposal) {
    // The codebook's values of the column, with their labels.
    let allowed: Vec<(String, String)> = match (design_values(codebook, &m.canonical), codebook.item(&m.canonical)) {
        (Some(d), _) => d.iter().map(|(k, l)| (k.clone(), l.clone())).collect(),
        (None, Some(item)) => item.codes.iter().map(|(c, l)| (c.to_string(), l.clone())).collect(),
        _ => return,
    };
    let labels = raw.labels.values.get(&m.own);
    let mut pairs = Vec::new();
    let mut mapped: BTreeSet<String> = BTreeSet::new();
    for (value, label) in labels.into_iter().flatten() {
        match allowed.iter().find(|(_, l)| norm(l) == norm(label)) {
            Some((code, _)) => {
                if code != value {
                    pairs.push((value.clone(), code.clone()));
                }
                mapped.insert(value.clone());
            }
            None => proposal.notes.push(format!(
                "\"{}\" ({}): value {value} (\"{label}\") matches no label of {}; add it to recode.{} by hand, or leave it to be refused",
                m.own, m.canonical, m.canonical, m.canonical
            )),
        }
    }
    let distinct: BTreeSet<&String> = values.iter().flatten().collect();
    for v in distinct {
        if !mapped.contains(v) && !allowed.iter().any(|(code, _)| code == v) {
            proposal.notes.push(format!(
                "\"{}\" ({}): value {v} has no label and is no value of {} ({}); add it to recode.{} by hand",
                m.own,
                m.canonical,
                m.canonical,
                allowed.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", "),
                m.canonical
            ));
        }
    }
    if !pairs.is_empty() {
        proposal.recode.insert(m.canonical.clone(), pairs);
    }
}

/// A TOML string, quoted and escaped.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl Proposal {
    /// The `[[delivery]]` table to paste into the codebook: a line per
    /// renamed column with its confidence note, the recodes, the columns
    /// nothing matched as `ignore` (commented, to be decided), and what the
    /// wave lacks.
    pub fn to_toml(&self) -> String {
        let mut out = format!("# Proposed by `barometer delivery propose {}`: check every line before you paste it into the codebook.\n", self.file);
        out += "[[delivery]]\n";
        out += &format!("period = {}\n", quoted(self.period.as_deref().unwrap_or("<period>")));
        for m in &self.matched {
            if m.own == m.canonical {
                out += &format!("# {} is {}: {}\n", quoted(&m.own), m.canonical, m.how);
            } else {
                out += &format!("columns.{} = {}  # {}\n", quoted(&m.own), quoted(&m.canonical), m.how);
            }
        }
        for (canonical, pairs) in &self.recode {
            let body: Vec<String> = pairs.iter().map(|(a, b)| format!("{} = {}", quoted(a), quoted(b))).collect();
            out += &format!("recode.{} = {{ {} }}\n", quoted(canonical), body.join(", "));
        }
        if !self.unmatched.is_empty() {
            let names: Vec<String> = self.unmatched.iter().map(|(n, _)| quoted(n)).collect();
            out += "# Not matched (map them by hand, or keep this line to read past them):\n";
            for (name, why) in &self.unmatched {
                out += &format!("#   {}: {why}\n", quoted(name));
            }
            out += &format!("ignore = [{}]\n", names.join(", "));
        }
        for note in &self.notes {
            out += &format!("# Value not mapped: {note}\n");
        }
        if !self.missing.is_empty() {
            out += &format!("# The wave needs these columns, which no column of the file matched: {}\n", self.missing.join(", "));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compared_without_case_and_punctuation() {
        assert_eq!(norm("Har arbejdspladsen  indført nye produkter?"), "har arbejdspladsen indført nye produkter");
        assert_eq!(overlap("a b c d", "a b c e"), 3.0 / 5.0);
        assert!(unique_everywhere(&[Some("a".into()), Some("b".into())]));
        assert!(!unique_everywhere(&[Some("a".into()), None]));
        let g = [Some("x".to_string()), Some("x".into()), Some("y".into())];
        assert!(constant_within(&g, &[Some("1".into()), Some("1".into()), Some("2".into())]));
        assert!(!constant_within(&g, &[Some("1".into()), Some("3".into()), Some("2".into())]));
    }
}

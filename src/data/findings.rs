//! The problems of one wave file as the checks find them, grouped: a rule
//! broken on many rows of one column is one line with a count and the last
//! row, not a line per row (a thousands separator in every weight is one
//! mistake). Turned into the crate's `Problems` once the checks are done.

use std::collections::BTreeMap;

use polars::prelude::PlHashMap;

use crate::error::{PROBLEM_LIMIT, Place, Problems};

/// How many characters of a value or a column name a message quotes.
pub const SHOWN_CHARS: usize = 60;

/// One rule broken in one column: the first row that broke it, and how
/// many more did.
#[derive(Debug, Clone)]
struct Group {
    place: Place,
    column: Option<String>,
    value: Option<String>,
    rule: String,
    more: usize,
    last: Place,
}

/// Problems of one file, grouped by column and rule, in order of first finding.
#[derive(Debug, Clone)]
pub struct Findings {
    file: String,
    groups: Vec<Group>,
    /// column ("" for none) -> rule -> group: looked up by `&str`, without copies.
    index: PlHashMap<String, PlHashMap<String, usize>>,
    /// Problems past the limit of groups, counted but not kept.
    more: usize,
    /// Every problem found, grouped or not.
    total: usize,
    /// Canonical column -> the delivery's own name, for messages.
    renamed: BTreeMap<String, String>,
    /// The file's own column -> value -> its SPSS value label, for messages.
    value_labels: BTreeMap<String, BTreeMap<String, String>>,
}

impl Findings {
    pub fn new(file: impl Into<String>) -> Findings {
        Findings {
            file: file.into(),
            groups: Vec::new(),
            index: PlHashMap::default(),
            more: 0,
            total: 0,
            renamed: BTreeMap::new(),
            value_labels: BTreeMap::new(),
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Messages name a renamed column by the delivery's name and the
    /// canonical one: `column "Q12_4" (cause_citizens)`.
    pub fn set_renamed(&mut self, renamed: BTreeMap<String, String>) {
        self.renamed = renamed;
    }

    /// A cell's message says what an SPSS file labels its value:
    /// `not a code of novelty (1, 2, 3, 9) (the file labels 4 "Ved ikke")`.
    pub fn set_value_labels(&mut self, labels: BTreeMap<String, BTreeMap<String, String>>) {
        self.value_labels = labels;
    }

    pub fn push(&mut self, place: Place, column: Option<&str>, value: Option<&str>, rule: impl AsRef<str> + Into<String>) {
        self.total += 1;
        if let Some(g) = self.group_of(column, rule.as_ref()) {
            let group = &mut self.groups[g];
            group.more += 1;
            group.last = later(group.last, place);
        } else if self.groups.len() >= PROBLEM_LIMIT {
            self.more += 1;
        } else {
            let group = Group { place, column: column.map(str::to_string), value: value.map(str::to_string), rule: rule.into(), more: 0, last: place };
            self.insert(group);
        }
    }

    pub fn file_level(&mut self, rule: impl AsRef<str> + Into<String>) {
        self.push(Place::File, None, None, rule);
    }

    /// Adds another list's problems (of the same file) after these, merging
    /// groups of the same column and rule.
    pub fn extend(&mut self, other: Findings) {
        self.total += other.total;
        self.more += other.more;
        for g in other.groups {
            if let Some(i) = self.group_of(g.column.as_deref(), &g.rule) {
                let group = &mut self.groups[i];
                group.more += 1 + g.more;
                group.last = later(group.last, g.last);
            } else if self.groups.len() >= PROBLEM_LIMIT {
                self.more += 1 + g.more;
            } else {
                self.insert(g);
            }
        }
    }

    fn group_of(&self, column: Option<&str>, rule: &str) -> Option<usize> {
        self.index.get(column.unwrap_or("")).and_then(|rules| rules.get(rule)).copied()
    }

    fn insert(&mut self, group: Group) {
        let key = group.column.clone().unwrap_or_default();
        self.index.entry(key).or_default().insert(group.rule.clone(), self.groups.len());
        self.groups.push(group);
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Every problem found (each row counts).
    pub fn len(&self) -> usize {
        self.total
    }

    /// The crate's list of problems: one per group, values and names
    /// shortened, renamed columns named both ways.
    pub fn into_problems(self) -> Problems {
        let mut out = Problems::new(self.file);
        for g in self.groups {
            let mut rule = g.rule;
            let own = g.column.as_deref().map(|c| self.renamed.get(c).map_or(c, String::as_str));
            if let Some((v, label)) = g.value.as_deref().and_then(|v| Some((v, self.value_labels.get(own?)?.get(v)?))) {
                rule = format!("{rule} (the file labels {v} \"{label}\")");
            }
            if g.more > 0 {
                let rows = if g.more == 1 { "row" } else { "rows" };
                let last = match g.last {
                    Place::Line(n) => format!("line {n}"),
                    Place::Row(n) => format!("row {n}"),
                    Place::File => "the file".to_string(),
                };
                let which = if g.more == 1 { "at" } else { "the last at" };
                rule = format!("{rule} (and {} more {rows} like it, {which} {last})", g.more);
            }
            let value = g.value.as_deref().map(shorten);
            match g.column.as_deref().and_then(|c| self.renamed.get(c).map(|own| (own, c))) {
                Some((own, canonical)) => out.push_renamed(g.place, &shorten(own), canonical, value.as_deref(), rule),
                None => out.push(g.place, g.column.as_deref().map(shorten).as_deref(), value.as_deref(), rule),
            }
        }
        if self.more > 0 && !out.is_full() {
            // A part checked on its own ran past the limit; this list did not.
            out.file_level(format!("… and {} more problems not listed", self.more));
        } else {
            // Past the limit the crate's list counts without keeping.
            for _ in 0..self.more {
                out.push(Place::File, None, None, String::new());
            }
        }
        out
    }
}

/// The later of two places (by line or row number).
fn later(a: Place, b: Place) -> Place {
    let n = |p: Place| match p {
        Place::File => 0,
        Place::Line(n) | Place::Row(n) => n,
    };
    if n(b) >= n(a) { b } else { a }
}

/// A value or name as a message quotes it: control characters escaped, at
/// most `SHOWN_CHARS` characters, then "…".
pub fn shorten(s: &str) -> String {
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_column_and_rule_are_one_line() {
        let mut f = Findings::new("w.csv");
        for line in 3..=208 {
            f.push(Place::Line(line), Some("weight"), Some(if line == 3 { "1.234,5" } else { "2.000,5" }), "a rule");
        }
        f.push(Place::Line(9), Some("fpc"), Some("x"), "a rule");
        assert_eq!(f.len(), 207);
        let text = f.into_problems().to_string();
        assert_eq!(
            text,
            "w.csv:3: column \"weight\", value \"1.234,5\": a rule (and 205 more rows like it, the last at line 208)\n\
             w.csv:9: column \"fpc\", value \"x\": a rule\nw.csv: 2 problems found"
        );
    }

    #[test]
    fn parallel_lists_merge_their_groups() {
        let mut a = Findings::new("w.csv");
        a.push(Place::Row(1), Some("x"), Some("7"), "not a code");
        let mut b = Findings::new("w.csv");
        b.push(Place::Row(5), Some("x"), Some("8"), "not a code");
        b.push(Place::Row(6), Some("x"), Some("8"), "not a code");
        a.extend(b);
        assert_eq!(a.len(), 3);
        assert_eq!(a.into_problems().list()[0].rule, "not a code (and 2 more rows like it, the last at row 6)");
    }

    #[test]
    fn long_values_and_control_characters_are_shortened() {
        assert_eq!(shorten("a\nb"), "a\\nb");
        let long = "x".repeat(2 << 20);
        assert_eq!(shorten(&long), format!("{}…", "x".repeat(SHOWN_CHARS)));
    }
}

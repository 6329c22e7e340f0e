//! Validation problems: each names the file, the place, the column, the
//! value and the rule, so an analyst can find and fix it.

use std::fmt;

/// Where in a file a problem sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole.
    File,
    /// A line of a CSV file (1 = the header).
    Line(usize),
    /// A data row of a Parquet file (1 = the first row).
    Row(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub place: Place,
    /// The column as the file names it.
    pub column: Option<String>,
    /// The codebook's name of the column, where a `[[delivery]]` renames it.
    pub canonical: Option<String>,
    pub value: Option<String>,
    pub rule: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::File => write!(f, "{}: ", self.file)?,
            Place::Line(n) => write!(f, "{}:{}: ", self.file, n)?,
            Place::Row(n) => write!(f, "{}: row {}: ", self.file, n)?,
        }
        if let Some(c) = &self.column {
            write!(f, "column \"{c}\"")?;
            if let Some(canonical) = &self.canonical {
                write!(f, " ({canonical})")?;
            }
            match &self.value {
                Some(v) => write!(f, ", value \"{v}\": ")?,
                None => f.write_str(": ")?,
            }
        }
        f.write_str(&self.rule)
    }
}

/// Problems of one file, collected up to a limit so one run reports many.
#[derive(Debug, Clone)]
pub struct Problems {
    file: String,
    list: Vec<Problem>,
    /// Problems seen beyond the limit, counted but not kept.
    more: usize,
    limit: usize,
}

/// How many problems a file lists before it only counts the rest.
pub const PROBLEM_LIMIT: usize = 100;

impl Problems {
    pub fn new(file: impl Into<String>) -> Problems {
        Problems { file: file.into(), list: Vec::new(), more: 0, limit: PROBLEM_LIMIT }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn push(&mut self, place: Place, column: Option<&str>, value: Option<&str>, rule: impl Into<String>) {
        self.add(Problem { file: self.file.clone(), place, column: column.map(str::to_string), canonical: None, value: value.map(str::to_string), rule: rule.into() });
    }

    /// A problem in a column a `[[delivery]]` renames: named both ways.
    pub fn push_renamed(&mut self, place: Place, own: &str, canonical: &str, value: Option<&str>, rule: impl Into<String>) {
        let problem = Problem {
            file: self.file.clone(),
            place,
            column: Some(own.to_string()),
            canonical: Some(canonical.to_string()),
            value: value.map(str::to_string),
            rule: rule.into(),
        };
        self.add(problem);
    }

    fn add(&mut self, problem: Problem) {
        if self.list.len() >= self.limit {
            self.more += 1;
            return;
        }
        self.list.push(problem);
    }

    pub fn file_level(&mut self, rule: impl Into<String>) {
        self.push(Place::File, None, None, rule);
    }

    /// Adds another list's problems (of the same file) after these, within the limit.
    pub fn extend(&mut self, other: Problems) {
        for p in other.list {
            self.add(Problem { file: self.file.clone(), ..p });
        }
        self.more += other.more;
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len() + self.more
    }

    pub fn list(&self) -> &[Problem] {
        &self.list
    }

    pub fn is_full(&self) -> bool {
        self.list.len() >= self.limit
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.list {
            writeln!(f, "{p}")?;
        }
        if self.more > 0 {
            writeln!(f, "{}: … and {} more problems not listed", self.file, self.more)?;
        }
        let n = self.len();
        write!(f, "{}: {} {} found", self.file, n, if n == 1 { "problem" } else { "problems" })
    }
}

impl std::error::Error for Problems {}

//! Published aggregates (`key,label,percent,source`) that comparison
//! figures set beside the computed shares, e.g. KS' Norwegian numbers.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// A row of a published-aggregates table.
#[derive(Debug, Clone)]
pub struct PublishedRow {
    pub key: String,
    /// 0..100
    pub percent: f64,
    pub source: String,
}

/// A row as written; `percent` is checked after reading, to name the line.
#[derive(Deserialize)]
struct Written {
    key: String,
    percent: String,
    source: String,
}

/// Reads and checks a published table; errors name the file, line and column.
pub fn read_published(path: &Path) -> Result<Vec<PublishedRow>> {
    let shown = path.display();
    let cannot = |e: csv::Error| Error::config(format!("{shown}: cannot read the published table: {e}"));
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).map_err(cannot)?;
    let headers = reader.headers().map_err(cannot)?.clone();
    for name in ["key", "percent", "source"] {
        if !headers.iter().any(|h| h == name) {
            return Err(Error::config(format!("{shown}: the column \"{name}\" is missing")));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(cannot)?;
        let line = record.position().map_or(0, |p| p.line());
        let row: Written = record.deserialize(Some(&headers)).map_err(cannot)?;
        let percent: f64 = row
            .percent
            .replace(',', ".")
            .parse()
            .ok()
            .filter(|x: &f64| (0.0..=100.0).contains(x))
            .ok_or_else(|| Error::config(format!("{shown}:{line}: column \"percent\", value \"{}\": must be a number from 0 to 100", row.percent)))?;
        rows.push(PublishedRow { key: row.key, percent, source: row.source });
    }
    if rows.is_empty() {
        return Err(Error::config(format!("{shown}: the table has no rows")));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn a_published_table_reads_with_danish_decimals() {
        let (_d, p) = table("key,label,percent,source\nborgere, I samspil med borgere ,66,KS 2017\nprivate,Private,\"21,5\",KS 2017\n");
        let rows = read_published(&p).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].key.as_str(), rows[0].percent, rows[0].source.as_str()), ("borgere", 66.0, "KS 2017"));
        assert_eq!(rows[1].percent, 21.5);
    }

    #[test]
    fn bad_tables_are_named_with_line_and_column() {
        let (_d, p) = table("key,label,percent,source\na,A,66,KS\nb,B,120,KS\n");
        assert_eq!(read_published(&p).unwrap_err().to_string(), format!("{}:3: column \"percent\", value \"120\": must be a number from 0 to 100", p.display()));
        let (_d, p) = table("key,label,share,source\na,A,66,KS\n");
        assert_eq!(read_published(&p).unwrap_err().to_string(), format!("{}: the column \"percent\" is missing", p.display()));
        let (_d, p) = table("key,label,percent,source\n");
        assert_eq!(read_published(&p).unwrap_err().to_string(), format!("{}: the table has no rows", p.display()));
    }
}

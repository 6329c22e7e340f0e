//! `--format json` when a command fails: the error as one JSON object on
//! standard output, so a script learns what went wrong (and, for invalid
//! waves, every problem with its place) without parsing standard error.

use serde::Serialize;

use barometer::error::{Error, Place, Problem};

use super::json_line;

/// `{"error": {...}}` (keys in alphabetical order).
#[derive(Serialize)]
struct Envelope<'a> {
    error: View<'a>,
}

#[derive(Serialize)]
struct View<'a> {
    /// The kind of the error under its contexts: "config", "usage", "data",
    /// "warnings", "stats", "render", "io" or "internal".
    kind: &'static str,
    /// The whole message, as standard error shows it.
    message: String,
    /// The file or folder of an "io" error.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// Each problem of a "data" error; empty for other kinds.
    problems: Vec<ProblemView<'a>>,
    /// Problems of a "data" error counted beyond the listing limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    unlisted: Option<usize>,
    /// The warnings of a "warnings" error (`--strict`).
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<&'a [String]>,
}

/// One problem of a wave file: `line` for CSV, `row` for Parquet, neither
/// for the file as a whole.
#[derive(Serialize)]
struct ProblemView<'a> {
    /// The codebook's name of the column, where a `[[delivery]]` renames it.
    #[serde(skip_serializing_if = "Option::is_none")]
    canonical: Option<&'a str>,
    column: Option<&'a str>,
    file: &'a str,
    line: Option<usize>,
    row: Option<usize>,
    rule: &'a str,
    value: Option<&'a str>,
}

impl<'a> From<&'a Problem> for ProblemView<'a> {
    fn from(p: &'a Problem) -> Self {
        let (line, row) = match p.place {
            Place::File => (None, None),
            Place::Line(n) => (Some(n), None),
            Place::Row(n) => (None, Some(n)),
        };
        ProblemView { canonical: p.canonical.as_deref(), column: p.column.as_deref(), file: &p.file, line, row, rule: &p.rule, value: p.value.as_deref() }
    }
}

fn view(err: &Error) -> View<'_> {
    let mut v = View { kind: "internal", message: err.to_string(), path: None, problems: Vec::new(), unlisted: None, warnings: None };
    v.kind = match err.root() {
        Error::Config(_) => "config",
        Error::Usage(_) => "usage",
        Error::Busy(_) => "busy",
        Error::Data(files) => {
            v.problems = files.iter().flat_map(|f| f.list()).map(ProblemView::from).collect();
            v.unlisted = Some(files.iter().map(|f| f.len() - f.list().len()).sum());
            "data"
        }
        Error::Warnings(list) => {
            v.warnings = Some(list);
            "warnings"
        }
        Error::Stats(_) => "stats",
        Error::Render(_) => "render",
        Error::Io { path, .. } => {
            v.path = Some(path.display().to_string());
            "io"
        }
        Error::Internal(_) | Error::Context { .. } => "internal",
    };
    v
}

/// The error as `--format json` prints it.
pub fn json(err: &Error) -> String {
    json_line(&Envelope { error: view(err) }).unwrap_or_else(|_| "{\"error\": {\"kind\": \"internal\"}}\n".into())
}

/// A command line clap refused, as `--format json` prints it.
pub fn usage_json(message: &str) -> String {
    let v = View { kind: "usage", message: message.to_string(), path: None, problems: Vec::new(), unlisted: None, warnings: None };
    json_line(&Envelope { error: v }).unwrap_or_else(|_| "{\"error\": {\"kind\": \"usage\"}}\n".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use barometer::error::{Context, Problems};

    #[test]
    fn data_problems_keep_their_places() {
        let mut a = Problems::new("w.csv");
        a.push(Place::Line(3), Some("weight"), Some("-1"), "weights must be positive, finite numbers");
        a.file_level("empty");
        let mut b = Problems::new("w.parquet");
        b.push(Place::Row(7), Some("id"), None, "missing");
        let err: Result<(), Error> = Err(Error::Data(vec![a, b]));
        let err = err.context("loading the waves").unwrap_err();
        let v: serde_json::Value = serde_json::from_str(&json(&err)).unwrap();
        assert_eq!(v["error"]["kind"], "data");
        assert_eq!(v["error"]["message"], err.to_string());
        assert_eq!(v["error"]["unlisted"], 0);
        assert_eq!(
            v["error"]["problems"],
            serde_json::json!([
                {"column": "weight", "file": "w.csv", "line": 3, "row": null, "rule": "weights must be positive, finite numbers", "value": "-1"},
                {"column": null, "file": "w.csv", "line": null, "row": null, "rule": "empty", "value": null},
                {"column": "id", "file": "w.parquet", "line": null, "row": 7, "rule": "missing", "value": null},
            ])
        );
    }

    #[test]
    fn other_kinds_name_their_kind_and_parts() {
        let io = Error::write(std::path::Path::new("out/x.pdf"), std::io::Error::other("disk full"));
        let v: serde_json::Value = serde_json::from_str(&json(&io)).unwrap();
        assert_eq!(v, serde_json::json!({"error": {"kind": "io", "message": "cannot write out/x.pdf: disk full", "path": "out/x.pdf", "problems": []}}));
        let w = Error::Warnings(vec!["a title misfits".into()]);
        let v: serde_json::Value = serde_json::from_str(&json(&w)).unwrap();
        assert_eq!(v["error"]["kind"], "warnings");
        assert_eq!(v["error"]["warnings"], serde_json::json!(["a title misfits"]));
        let u: serde_json::Value = serde_json::from_str(&usage_json("unexpected argument '--x' found")).unwrap();
        assert_eq!(u, serde_json::json!({"error": {"kind": "usage", "message": "unexpected argument '--x' found", "problems": []}}));
    }
}

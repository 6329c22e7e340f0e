//! The one error type of every stage, at the bottom of the crate: each
//! variant says whose mistake it is and keeps what a reader needs to fix it
//! (the file, the list of problems, the failed estimate). Stages return it
//! unchanged; only `main` turns it into an exit status (see [`Error::exit_code`]
//! for the mapping `main` applies).

mod problem;
mod stats;

use std::path::{Path, PathBuf};

pub use problem::{PROBLEM_LIMIT, Place, Problem, Problems};
pub use stats::StatsError;

/// What went wrong, typed by whose doing it is.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration or content the analyst wrote is wrong (`config/`,
    /// content files, published tables, command-line ids). The message
    /// names the file and the key or line.
    #[error("{0}")]
    Config(String),
    /// The command line asks for something that does not exist (`--only`
    /// with an unknown id); the message may suggest what was meant.
    #[error("{0}")]
    Usage(String),
    /// Wave files break the contract: every problem of every file.
    #[error("{}", list_problems(.0))]
    Data(Vec<Problems>),
    /// `--strict` and the build has warnings (a title that misfits its number).
    #[error("--strict: {} warning(s):\n{}", .0.len(), .0.join("\n"))]
    Warnings(Vec<String>),
    /// An estimate could not be computed.
    #[error(transparent)]
    Stats(#[from] StatsError),
    /// A chart or a page could not be drawn.
    #[error("{0}")]
    Render(String),
    /// A file or folder could not be read or written.
    #[error("cannot {} {}: {source}", .op.verb(), .path.display())]
    Io { op: IoOp, path: PathBuf, source: std::io::Error },
    /// A library failed or an invariant broke: not the user's doing.
    #[error("{0}")]
    Internal(String),
    /// Another build holds the output folder's lock: run again when it is done.
    #[error("{0}")]
    Busy(String),
    /// What was being done when `source` happened ("config/chapters/x.toml: hero").
    #[error("{context}: {source}")]
    Context { context: String, source: Box<Error> },
}

/// Whether an I/O error happened reading an input or writing an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoOp {
    Read,
    Write,
}

impl IoOp {
    fn verb(self) -> &'static str {
        match self {
            IoOp::Read => "read",
            IoOp::Write => "write",
        }
    }
}

/// Whose doing an error is, which decides the exit status in `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The inputs or the configuration: fix them and run again.
    Input,
    /// The command line: run it again with other arguments.
    Usage,
    /// The tool or its environment.
    Tool,
    /// Another build holds the output folder: nobody's fault, run again later.
    Busy,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn list_problems(list: &[Problems]) -> String {
    list.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
}

impl Error {
    pub fn config(message: impl Into<String>) -> Error {
        Error::Config(message.into())
    }
    pub fn render(message: impl Into<String>) -> Error {
        Error::Render(message.into())
    }
    pub fn internal(message: impl Into<String>) -> Error {
        Error::Internal(message.into())
    }
    pub fn read(path: &Path, source: std::io::Error) -> Error {
        Error::Io { op: IoOp::Read, path: path.to_path_buf(), source }
    }
    pub fn write(path: &Path, source: std::io::Error) -> Error {
        Error::Io { op: IoOp::Write, path: path.to_path_buf(), source }
    }

    /// Whose doing the error is: wrong inputs or configuration (including
    /// an input file that cannot be read), or the tool and its environment.
    pub fn blame(&self) -> Blame {
        match self {
            Error::Config(_) | Error::Data(_) | Error::Warnings(_) => Blame::Input,
            Error::Usage(_) => Blame::Usage,
            Error::Busy(_) => Blame::Busy,
            Error::Io { op: IoOp::Read, .. } => Blame::Input,
            Error::Context { source, .. } => source.blame(),
            Error::Stats(_) | Error::Render(_) | Error::Io { op: IoOp::Write, .. } | Error::Internal(_) => Blame::Tool,
        }
    }

    /// The error under its contexts.
    pub fn root(&self) -> &Error {
        match self {
            Error::Context { source, .. } => source.root(),
            e => e,
        }
    }
}

/// Adds what was being done to an error, keeping its kind (as anyhow's
/// `context`, but typed).
pub trait Context<T> {
    fn context(self, context: impl Into<String>) -> Result<T>;
    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Context { context: context.into(), source: Box::new(e.into()) })
    }
    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::Context { context: context().into(), source: Box::new(e.into()) })
    }
}

/// A library's error (or a missing value) as one of ours, with what was
/// being done: `what: the library's words`.
pub trait Fail<T> {
    /// A chart or page could not be drawn.
    fn or_render(self, what: impl Into<String>) -> Result<T>;
    /// A library failed where it should not.
    fn or_internal(self, what: impl Into<String>) -> Result<T>;
    /// The user's configuration is wrong.
    fn or_config(self, what: impl Into<String>) -> Result<T>;
}

impl<T, E: std::fmt::Display> Fail<T> for std::result::Result<T, E> {
    fn or_render(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Render(format!("{}: {e}", what.into())))
    }
    fn or_internal(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Internal(format!("{}: {e}", what.into())))
    }
    fn or_config(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Config(format!("{}: {e}", what.into())))
    }
}

impl<T> Fail<T> for Option<T> {
    fn or_render(self, what: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| Error::Render(what.into()))
    }
    fn or_internal(self, what: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| Error::Internal(what.into()))
    }
    fn or_config(self, what: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| Error::Config(what.into()))
    }
}

/// Reads a text file the user gave; an error names it.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::read(path, e))
}

/// Reads a file the user gave; an error names it.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::read(path, e))
}

/// TOML is what the analyst writes: its errors are configuration errors
/// (the caller adds the file).
impl From<toml::de::Error> for Error {
    fn from(e: toml::de::Error) -> Error {
        Error::Config(e.to_string().trim_end().to_string())
    }
}

impl From<Problems> for Error {
    fn from(p: Problems) -> Error {
        Error::Data(vec![p])
    }
}

/// Polars fails only on frames this crate built: an internal error.
impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Error {
        Error::Internal(e.to_string())
    }
}

/// The model and the cache are serialised by this crate: an internal error.
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Internal(e.to_string())
    }
}

impl From<std::fmt::Error> for Error {
    fn from(e: std::fmt::Error) -> Error {
        Error::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_kind_and_reads_outside_in() {
        let e: Result<()> = Err(Error::config("report.toml: min_n must be a number"));
        let e = e.context("loading the configuration").unwrap_err();
        assert_eq!(e.to_string(), "loading the configuration: report.toml: min_n must be a number");
        assert_eq!(e.blame(), Blame::Input);
        let w = Error::write(Path::new("out/x.pdf"), std::io::Error::other("disk full"));
        assert_eq!(w.to_string(), "cannot write out/x.pdf: disk full");
        assert_eq!(w.blame(), Blame::Tool);
        assert_eq!(Error::read(Path::new("config/style.toml"), std::io::Error::other("gone")).blame(), Blame::Input);
    }

    #[test]
    fn problems_of_several_files_are_listed_in_order() {
        let mut a = Problems::new("a.csv");
        a.file_level("empty");
        let mut b = Problems::new("b.csv");
        b.push(Place::Line(3), Some("weight"), Some("x"), "must be a number");
        let e = Error::Data(vec![a, b]);
        assert_eq!(
            e.to_string(),
            "a.csv: empty\na.csv: 1 problem found\nb.csv:3: column \"weight\", value \"x\": must be a number\nb.csv: 1 problem found"
        );
        assert_eq!(e.blame(), Blame::Input);
    }
}

//! One file per subcommand, as mdBook's `src/cmd/`: each turns a job's
//! result into what the user reads on standard output (text or JSON).

pub mod build;
pub mod delivery;
pub mod error;
pub mod list;
pub mod serve;
pub mod status;
pub mod synth;
pub mod validate;
pub mod verify;

use barometer::pipeline::Paths;

/// The options every subcommand shares.
pub struct Global {
    pub paths: Paths,
    pub quiet: bool,
    /// `--format json`: machine-readable summaries on standard output.
    pub json: bool,
}

/// Pretty JSON and a line end, for `--format json`.
pub fn json_line<T: serde::Serialize>(value: &T) -> barometer::error::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

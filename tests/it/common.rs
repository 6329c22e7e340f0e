//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project's reference data: R's values, the published targets.
pub fn reference() -> PathBuf {
    root().join("tests/reference")
}

/// Runs the real binary with `args` from the project root.
pub fn barometer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(args)
        .current_dir(root())
        .env("CI", "true")
        .output()
        .expect("the barometer binary runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A published number of tests/reference/targets.toml.
#[derive(serde::Deserialize)]
pub struct Target {
    pub period: String,
    pub domain: String,
    pub indicator: String,
    pub published: Option<f64>,
    pub tolerance_pp: Option<f64>,
    pub published_ratio: Option<f64>,
    pub tolerance_ratio: Option<f64>,
    pub source: String,
}

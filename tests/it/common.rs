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

/// A published number, as `barometer verify` reads it.
pub use barometer::compute::verify::Target;

/// The four chapters the build, output and pipeline tests were written
/// against, in their order. Those tests run on a copy of the configuration
/// that lists only these, so adding a theme chapter does not change what
/// they check; tests/it/chapters.rs checks the whole report.
pub const CORE_CHAPTERS: [&str; 4] = ["borgere-2018", "borgere-2015", "services-2018", "processen-2013"];

/// Lists only [`CORE_CHAPTERS`] in the copied `report.toml` under `config`.
pub fn list_core_chapters(config: &Path) {
    let path = config.join("report.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("chapters = [").expect("report.toml lists its chapters");
    let end = start + text[start..].find(']').unwrap() + 1;
    let list = CORE_CHAPTERS.map(|c| format!("\"{c}\"")).join(", ");
    std::fs::write(&path, format!("{}chapters = [{list}]{}", &text[..start], &text[end..])).unwrap();
}

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
    list_chapters(config, &CORE_CHAPTERS);
}

/// Lists only `chapters` in the copied `report.toml` under `config`.
pub fn list_chapters(config: &Path, chapters: &[&str]) {
    let path = config.join("report.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("chapters = [").expect("report.toml lists its chapters");
    let end = start + text[start..].find(']').unwrap() + 1;
    let list = chapters.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    std::fs::write(&path, format!("{}chapters = [{list}]{}", &text[..start], &text[end..])).unwrap();
}

/// A copy of config/ to edit in a test, listing only `chapters`.
pub fn config_copy(chapters: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("config");
    std::fs::create_dir_all(dir.path().join("chapters")).unwrap();
    for entry in std::fs::read_dir(&src).unwrap().chain(std::fs::read_dir(src.join("chapters")).unwrap()) {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.strip_prefix(&src).unwrap())).unwrap();
        }
    }
    list_chapters(dir.path(), chapters);
    dir
}

/// Replaces the first `from` in `file` under `dir` by `to`; `from` must be there.
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

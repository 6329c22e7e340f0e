//! The batch job as CI and analysts run it: a full build, a rebuild that
//! touches nothing, one test per kind of edit in which `status` names
//! exactly the nodes the next `build` rebuilds, a failing build that leaves
//! the previous outputs intact, hostile ids refused, identical artifacts
//! from identical inputs. `Project` is shared with the tests of the output
//! folder and of publishing.

use std::collections::BTreeMap;
use std::path::Path;

use std::process::Command;

use crate::common::{barometer, path_str, root, stderr, stdout};

/// The tool as built for the tests.
pub fn tool() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_barometer"));
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

/// Every node of the shipped report: 4 waves, 4 heroes, 12 figures, their
/// 16 charts, 4 chapter PDFs, the books of the three editions with chapters
/// and the book of every edition, the site's front pages, 4 theme
/// pages and 12 figure pages, in graph order.
pub const ALL: [&str; 61] = [
    "wave:2013-2014",
    "wave:2015-2016",
    "wave:2018-2019",
    "wave:2021-2023",
    "hero:borgere-2015",
    "hero:borgere-2018",
    "hero:processen-2013",
    "hero:services-2018",
    "figure:borgernes-roller",
    "figure:borgernes-roller-2015",
    "figure:borgernes-vaerdi",
    "figure:danmark-norge",
    "figure:eksterne-partnere",
    "figure:eksternt-samarbejde",
    "figure:formaal",
    "figure:hovedtal-2015",
    "figure:kvalitet-og-inddragelse",
    "figure:processen",
    "figure:service-borgere",
    "figure:serviceinnovation",
    "chart:borgere-2015:hero",
    "chart:borgere-2018:hero",
    "chart:processen-2013:hero",
    "chart:services-2018:hero",
    "chart:borgernes-roller",
    "chart:borgernes-roller-2015",
    "chart:borgernes-vaerdi",
    "chart:danmark-norge",
    "chart:eksterne-partnere",
    "chart:eksternt-samarbejde",
    "chart:formaal",
    "chart:hovedtal-2015",
    "chart:kvalitet-og-inddragelse",
    "chart:processen",
    "chart:service-borgere",
    "chart:serviceinnovation",
    "pdf:borgere-2015",
    "pdf:borgere-2018",
    "pdf:processen-2013",
    "pdf:services-2018",
    "book:2013-2014",
    "book:2015-2016",
    "book:2018-2019",
    "book:handbook",
    "site:home",
    "site:theme:borgere-2015",
    "site:theme:borgere-2018",
    "site:theme:processen-2013",
    "site:theme:services-2018",
    "site:figure:borgernes-roller",
    "site:figure:borgernes-roller-2015",
    "site:figure:borgernes-vaerdi",
    "site:figure:danmark-norge",
    "site:figure:eksterne-partnere",
    "site:figure:eksternt-samarbejde",
    "site:figure:formaal",
    "site:figure:hovedtal-2015",
    "site:figure:kvalitet-og-inddragelse",
    "site:figure:processen",
    "site:figure:service-borgere",
    "site:figure:serviceinnovation",
];

fn rendered() -> Vec<&'static str> {
    ALL.iter().copied().filter(|n| n.starts_with("chart:") || n.starts_with("pdf:") || n.starts_with("book:") || n.starts_with("site:")).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A private copy of config/ and inputs/ and an output folder.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("config"), &dir.path().join("config"));
        copy_dir(&root().join("inputs"), &dir.path().join("inputs"));
        crate::common::list_core_chapters(&dir.path().join("config"));
        Project { dir }
    }
    pub fn p(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.run_with(tool(), args)
    }
    /// Runs `cmd` (the tool, perhaps a copy, perhaps with an environment) on this project.
    pub fn run_with(&self, mut cmd: Command, args: &[&str]) -> std::process::Output {
        let (c, i, o) = (self.p("config"), self.p("inputs"), self.p("outputs"));
        cmd.args(args).args(["--config", path_str(&c), "--inputs", path_str(&i), "--out", path_str(&o)]);
        cmd.current_dir(root()).env("CI", "true").output().expect("the barometer binary runs")
    }
    pub fn build(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["build", "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    }
    /// The nodes `status` calls out of date, as `status --format json` lists them.
    pub fn stale(&self, tool: impl Fn() -> Command) -> Vec<String> {
        let out = self.run_with(tool(), &["status", "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let lines: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        lines.as_array().unwrap().iter().filter(|l| l["up_to_date"] == false).map(|l| l["node"].as_str().unwrap().to_string()).collect()
    }
    /// Builds, makes `edit`, and checks that `status` names exactly the
    /// nodes the next build rebuilds, and that those are `expected`.
    fn status_predicts(&self, tool: impl Fn() -> Command, edit: impl FnOnce(&Project), expected: &[&str]) {
        self.status_predicts_after(&tool, edit, &tool, expected);
    }
    /// The same, with `first` making the first build and `tool` the rest.
    fn status_predicts_after(&self, first: impl Fn() -> Command, edit: impl FnOnce(&Project), tool: impl Fn() -> Command, expected: &[&str]) {
        let first = self.run_with(first(), &["build", "--format", "json"]);
        assert!(first.status.success(), "{}", stderr(&first));
        edit(self);
        let predicted = self.stale(&tool);
        let out = self.run_with(tool(), &["build", "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let built: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(predicted, names(&built["rebuilt"]), "status and build disagree");
        assert_eq!(predicted, expected);
        assert!(self.stale(&tool).is_empty(), "a build leaves nothing out of date");
    }
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.p(rel)).unwrap();
        assert!(text.contains(from), "{from}");
        std::fs::write(self.p(rel), text.replacen(from, to, 1)).unwrap();
    }
    /// Every file under outputs/ (but the timings) with its bytes.
    pub fn outputs(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = published(&self.p("outputs"));
        out.remove("timings.json");
        out
    }
}

/// Every file a reader finds under the output folder `base`, at the paths
/// users read (through the links), with its bytes; barometer's own
/// `.barometer/` left out.
pub fn published(base: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![base.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p == base.join(".barometer") || !p.exists() {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(base).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

pub fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

#[test]
fn full_build_then_a_rebuild_that_touches_nothing() {
    let p = Project::new();
    let first = p.build(&[]);
    assert_eq!(names(&first["rebuilt"]), ALL);
    let before = p.outputs();
    assert!(before.contains_key("manifest.json") && before.contains_key("data/headlines.csv"));
    let second = p.build(&[]);
    assert!(names(&second["rebuilt"]).is_empty());
    assert_eq!(names(&second["reused"]), ALL);
    assert!(p.outputs() == before, "a rebuild with nothing changed must give the same bytes");
    let status = p.run(&["status"]);
    assert_eq!(stdout(&status), "everything is up to date (61 nodes)\n");
}

#[test]
fn status_names_what_a_figure_edit_rebuilds() {
    let p = Project::new();
    let edit = |p: &Project| p.edit("config/chapters/borgere-2018.toml", "Der samarbejdes med mange forskellige eksterne aktører", "Der samarbejdes med mange eksterne aktører");
    // The figure's own page and its theme's page, and no other page.
    p.status_predicts(
        tool,
        edit,
        &[
            "figure:eksterne-partnere",
            "chart:eksterne-partnere",
            "pdf:borgere-2018",
            "book:2018-2019",
            "book:handbook",
            "site:theme:borgere-2018",
            "site:figure:eksterne-partnere",
        ],
    );
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(p.p("outputs/model.json")).unwrap()).unwrap();
    assert_eq!(model["chapters"][0]["figures"][3]["title"], "Der samarbejdes med mange eksterne aktører");
    // In words, naming what changed.
    p.edit("config/chapters/borgere-2018.toml", "Der samarbejdes med mange eksterne aktører", "Mange eksterne aktører");
    assert_eq!(
        stdout(&p.run(&["status"])),
        "figure:eksterne-partnere: changed: figure config\n\
chart:eksterne-partnere: changed: figure:eksterne-partnere\n\
pdf:borgere-2018: changed: chart:eksterne-partnere, figure:eksterne-partnere\n\
book:2018-2019: changed: pdf:borgere-2018\n\
book:handbook: changed: pdf:borgere-2018\n\
site:theme:borgere-2018: changed: chart:eksterne-partnere, figure:eksterne-partnere, pdf:borgere-2018\n\
site:figure:eksterne-partnere: changed: chart:eksterne-partnere, figure:eksterne-partnere\n"
    );
}

#[test]
fn status_names_what_a_content_edit_rebuilds() {
    let p = Project::new();
    let edit = |p: &Project| {
        let path = p.p("inputs/content/borgere-2018.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("title = \"", "title = \"Ny: ", 1)).unwrap();
    };
    p.status_predicts(tool, edit, &["pdf:borgere-2018", "book:2018-2019", "book:handbook", "site:theme:borgere-2018"]);
}

#[test]
fn status_names_what_a_wave_edit_rebuilds() {
    let p = Project::new();
    // Drop the last respondent of 2013-2014 (a valid wave still).
    let edit = |p: &Project| {
        let path = p.p("inputs/waves/2013-2014.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end().rsplit_once('\n').unwrap().0.to_string() + "\n").unwrap();
    };
    p.status_predicts(
        tool,
        edit,
        &[
            "wave:2013-2014",
            "hero:processen-2013",
            "figure:formaal",
            "figure:processen",
            "chart:processen-2013:hero",
            "chart:formaal",
            "chart:processen",
            "pdf:processen-2013",
            "book:2013-2014",
            "book:2015-2016",
            "book:2018-2019",
            "book:handbook",
            "site:home",
            "site:theme:processen-2013",
            "site:figure:formaal",
            "site:figure:processen",
        ],
    );
}

#[test]
fn status_names_what_a_style_edit_rebuilds() {
    let p = Project::new();
    p.status_predicts(tool, |p| p.edit("config/style.toml", "whiskers = false", "whiskers = true"), &rendered());
}

#[test]
fn status_names_what_codebook_and_report_edits_rebuild() {
    let p = Project::new();
    p.status_predicts(tool, |p| p.edit("config/codebook.toml", "response_rate = 0.35", "response_rate = 0.36"), &ALL);
    let p = Project::new();
    p.status_predicts(tool, |p| p.edit("config/report.toml", "min_n = 30", "min_n = 31"), &ALL);
}

#[test]
fn status_names_what_source_date_epoch_rebuilds() {
    let p = Project::new();
    let epoch = || {
        let mut c = tool();
        c.env("SOURCE_DATE_EPOCH", "1700000000");
        c
    };
    // Built without the variable, then with it: only the PDFs and the
    // workbooks carry dates (the theme pages offer the chapters' PDFs, the
    // figure pages the figures' workbooks).
    p.status_predicts_after(
        tool,
        |_| {},
        epoch,
        &[
            "pdf:borgere-2015",
            "pdf:borgere-2018",
            "pdf:processen-2013",
            "pdf:services-2018",
            "book:2013-2014",
            "book:2015-2016",
            "book:2018-2019",
            "book:handbook",
            "site:theme:borgere-2015",
            "site:theme:borgere-2018",
            "site:theme:processen-2013",
            "site:theme:services-2018",
            "site:figure:borgernes-roller",
            "site:figure:borgernes-roller-2015",
            "site:figure:borgernes-vaerdi",
            "site:figure:danmark-norge",
            "site:figure:eksterne-partnere",
            "site:figure:eksternt-samarbejde",
            "site:figure:formaal",
            "site:figure:hovedtal-2015",
            "site:figure:kvalitet-og-inddragelse",
            "site:figure:processen",
            "site:figure:service-borgere",
            "site:figure:serviceinnovation",
        ],
    );
}

#[test]
fn status_names_what_a_new_tool_rebuilds() {
    let p = Project::new();
    let copy = p.p("barometer-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_barometer"), &copy).unwrap();
    let copied = || {
        let mut c = Command::new(&copy);
        c.env_remove("SOURCE_DATE_EPOCH");
        c
    };
    // A rebuilt tool (same version, new code) has another size or time.
    let touch = |_: &Project| {
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&copy).unwrap().set_modified(later).unwrap();
    };
    p.status_predicts(copied, touch, &ALL);
}

#[test]
fn only_builds_the_named_figure() {
    let p = Project::new();
    p.build(&[]);
    p.edit("config/chapters/borgere-2018.toml", "Der samarbejdes med mange forskellige eksterne aktører", "Mange eksterne aktører");
    p.edit("config/chapters/services-2018.toml", "Samarbejde med borgere forekommer oftere", "Samarbejde med borgere sker oftere");
    let only = p.build(&["--only", "service-borgere"]);
    assert_eq!(names(&only["rebuilt"]), vec!["figure:service-borgere", "chart:service-borgere", "site:figure:service-borgere"]);
    // What --only left alone is still out of date.
    let status = p.run(&["status"]);
    let text = stdout(&status);
    assert!(text.starts_with("figure:eksterne-partnere: left out of date by build --only (changed: figure config)\n"), "{text}");
    assert!(
        text.contains("pdf:services-2018: left out of date by build --only (changed: chart:service-borgere, figure:service-borgere)\n"),
        "{text}"
    );
    // The next full build brings everything up to date, as status said.
    let stale: Vec<String> = text.lines().map(|l| l.split(": ").next().unwrap().to_string()).collect();
    let all = p.build(&[]);
    assert_eq!(names(&all["rebuilt"]), stale);
    // An id that does not exist is a usage error, with the closest id.
    let unknown = p.run(&["build", "--only", "service-borger"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        stderr(&unknown),
        "error: --only service-borger: no chapter or figure has that id; did you mean \"service-borgere\"? (`barometer list` shows every id)\n"
    );
    let chapter = p.run(&["build", "--only", "borger-2018"]);
    assert_eq!(chapter.status.code(), Some(2));
    assert!(stderr(&chapter).contains("did you mean \"borgere-2018\"?"), "{}", stderr(&chapter));
}

#[test]
fn a_failing_build_leaves_the_previous_outputs_intact() {
    let p = Project::new();
    p.build(&[]);
    let before = p.outputs();
    let path = p.p("inputs/waves/2018-2019.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // The weight of the first respondent (field 7 of line 2) made negative.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    fields[6] = format!("-{}", fields[6]);
    lines[1] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = p.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("weights must be positive, finite numbers"), "{}", stderr(&out));
    assert!(p.outputs() == before);
    assert_eq!(barometer_entries(&p.p("outputs")), ["current", "gen-1", "gen-1.files", "lock", "output-folder"], "nothing left behind");
}

/// What `.barometer/` of an output folder holds, sorted.
pub fn barometer_entries(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.join(".barometer")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn hostile_ids_are_refused() {
    let p = Project::new();
    p.edit("config/chapters/borgere-2018.toml", "id = \"borgernes-roller\"", "id = \"../../x\"");
    let out = p.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let file = p.p("config/chapters/borgere-2018.toml").display().to_string();
    assert_eq!(
        stderr(&out),
        format!("error: {file}: figure \"../../x\": the id must be lower-case letters, digits and '-' (it names files under outputs/)\n")
    );
    assert!(!p.p("outputs").exists() || !p.p("outputs/model.json").exists());
    assert!(!p.dir.path().parent().unwrap().join("x").exists());

    let p = Project::new();
    p.edit("config/report.toml", "\"processen-2013\"]", "\"processen-2013\", \"../etc\"]");
    let out = p.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("chapter id \"../etc\" must be lower-case letters, digits and '-'"), "{}", stderr(&out));
}

#[test]
fn two_clean_builds_give_identical_artifacts() {
    let a = Project::new();
    let b = Project::new();
    a.build(&[]);
    b.build(&["--jobs", "1"]);
    let (x, y) = (a.outputs(), b.outputs());
    assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
    for (k, v) in &x {
        if k == "manifest.json" || k.starts_with(".cache") {
            continue; // they name the (different) input folders
        }
        assert!(v == &y[k], "{k} differs");
    }
    let manifest: serde_json::Value = serde_json::from_slice(&x["manifest.json"]).unwrap();
    let arts = manifest["artifacts"].as_array().unwrap();
    assert_eq!(arts.len(), x.keys().filter(|k| *k != "manifest.json" && !k.starts_with(".cache")).count());
    assert_eq!(manifest["tool"], format!("barometer {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2() {
    let out = barometer(&["build", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_missing_inputs_folder_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-inputs");
    let out = barometer(&["build", "--inputs", path_str(&missing), "--out", path_str(&dir.path().join("out"))]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("error: cannot read the wave folder {}: No such file or directory (os error 2)\n", missing.join("waves").display())
    );
}

#[test]
fn a_wave_renamed_to_another_format_is_read_again_not_reused() {
    let p = Project::new();
    p.build(&[]);
    std::fs::rename(p.p("inputs/waves/2018-2019.csv"), p.p("inputs/waves/2018-2019.parquet")).unwrap();
    let status = stdout(&p.run(&["status"]));
    assert!(status.starts_with("wave:2018-2019: changed: wave\n"), "{status}");
    let out = p.run(&["build"]);
    assert_eq!(out.status.code(), Some(1), "a CSV read as Parquet is refused, as a clean build would: {}", stderr(&out));
}

#[test]
fn every_file_the_configuration_names_is_in_the_manifest() {
    let p = Project::new();
    std::fs::create_dir_all(p.p("inputs/tables")).unwrap();
    std::fs::rename(p.p("inputs/published/ks-norge-2017.csv"), p.p("inputs/tables/ks-norge-2017.csv")).unwrap();
    p.edit("config/chapters/borgere-2015.toml", "published = \"published/ks-norge-2017.csv\"", "published = \"tables/ks-norge-2017.csv\"");
    p.build(&[]);
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(p.p("outputs/manifest.json")).unwrap()).unwrap();
    let inputs: Vec<&str> = manifest["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    let table = p.p("inputs/tables/ks-norge-2017.csv").display().to_string();
    assert!(inputs.contains(&table.as_str()), "{inputs:?}");
}

#[test]
fn a_waves_warnings_survive_an_incremental_build() {
    let p = Project::new();
    // A column the codebook does not know: a warning, not an error.
    let path = p.p("inputs/waves/2013-2014.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let widened: String = text.lines().enumerate().map(|(i, l)| if i == 0 { format!("{l},bemaerkning\n") } else { format!("{l},\n") }).collect();
    std::fs::write(&path, widened).unwrap();
    let first = p.build(&[]);
    let warned = first["warnings"].as_array().unwrap().len();
    assert!(warned >= 1, "{first}");
    // Nothing changed: everything is reused, and --strict still sees the warning.
    let strict = p.run(&["build", "--strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    assert!(stderr(&strict).contains("bemaerkning"), "{}", stderr(&strict));
}

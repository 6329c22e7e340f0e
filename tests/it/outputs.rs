//! The output folder as a new user meets it: a folder holding other files,
//! the inputs, the configuration or `/` are refused and left byte for byte
//! as they were; files the build did not write are never deleted or
//! changed; a second build stops while another holds the folder; chart
//! files keep their names when chapters move.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{path_str, stderr};
use crate::pipeline::{Project, barometer_entries, tool};

/// One entry of a folder tree, links not followed.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    File(Vec<u8>),
    Link(PathBuf),
    Folder,
}

/// Every entry under `dir` (links not followed), by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(rel, Entry::Link(std::fs::read_link(&p).unwrap()));
            } else if meta.is_dir() {
                out.insert(rel, Entry::Folder);
                stack.push(p);
            } else {
                out.insert(rel, Entry::File(std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// Runs `build` on the project's configuration and inputs into `out`.
fn build_into(p: &Project, out: &Path) -> std::process::Output {
    let (c, i) = (p.p("config"), p.p("inputs"));
    let mut cmd = tool();
    cmd.args(["build", "--quiet", "--config", path_str(&c), "--inputs", path_str(&i), "--out", path_str(out)]);
    cmd.current_dir(p.dir.path()).env("CI", "true").output().unwrap()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_folder_holding_other_files_is_refused_and_left_as_it_was() {
    let p = Project::new();
    let out = p.p("outputs");
    write(&out.join("report.docx"), b"the analyst's own report");
    write(&out.join("data/survey.csv"), b"id,answer\n1,2\n");
    write(&out.join("charts/logo.svg"), b"<svg/>");
    let before = tree(p.dir.path());
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --out {}: the folder holds other files and is not a barometer output folder (it has no .barometer/output-folder); \
             choose a new or empty folder, or move those files elsewhere\n",
            out.display()
        )
    );
    assert!(tree(p.dir.path()) == before, "nothing under the project changed");
}

#[test]
fn the_inputs_the_configuration_and_what_holds_them_are_refused() {
    let p = Project::new();
    let before = tree(p.dir.path());
    let (inputs, config) = (p.p("inputs"), p.p("config"));
    let cases = [
        (inputs.clone(), format!("is the inputs folder {}", inputs.display())),
        (p.p("outputs/../inputs"), format!("is the inputs folder {}", inputs.display())),
        (p.p("inputs/waves"), format!("lies inside the inputs folder {}", inputs.display())),
        (p.p("inputs/new/folder"), format!("lies inside the inputs folder {}", inputs.display())),
        (config.clone(), format!("is the configuration folder {}", config.display())),
        (p.p("config/chapters"), format!("lies inside the configuration folder {}", config.display())),
        (p.dir.path().to_path_buf(), format!("contains the inputs folder {}", inputs.display())),
        (PathBuf::from("/"), format!("contains the inputs folder {}", inputs.display())),
    ];
    for (out, relation) in cases {
        let o = build_into(&p, &out);
        assert_eq!(o.status.code(), Some(1), "--out {}", out.display());
        assert_eq!(
            stderr(&o),
            format!(
                "error: --out {}: the output folder {relation}; choose an output folder apart from the inputs and the configuration\n",
                out.display()
            )
        );
    }
    // Through a link to the inputs, too.
    std::os::unix::fs::symlink(&inputs, p.p("linked")).unwrap();
    let o = build_into(&p, &p.p("linked"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("the output folder is the inputs folder"), "{}", stderr(&o));
    std::fs::remove_file(p.p("linked")).unwrap();
    assert!(tree(p.dir.path()) == before, "nothing under the project changed");
}

#[test]
fn a_file_or_an_earlier_barometers_folder_is_refused_with_what_to_do() {
    let p = Project::new();
    write(&p.p("outputs"), b"not a folder");
    let before = tree(p.dir.path());
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("error: --out {}: is a file, not a folder; choose a new or empty folder for the outputs\n", p.p("outputs").display())
    );
    assert!(tree(p.dir.path()) == before);

    // The layout of barometer before output folders were marked.
    let p = Project::new();
    write(&p.p("outputs/.cache/state.json"), b"{\"nodes\": {}}\n");
    write(&p.p("outputs/manifest.json"), b"{\"tool\": \"barometer 0.1.0\"}\n");
    write(&p.p("outputs/charts/borgere-2018/1.1-borgernes-roller.svg"), b"<svg/>");
    let before = tree(p.dir.path());
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --out {}: the folder holds the outputs of an earlier barometer, which did not mark its output folders; \
             if it holds nothing else of yours, delete what is in it and build again, or choose a new folder\n",
            p.p("outputs").display()
        )
    );
    assert!(tree(p.dir.path()) == before);
}

#[test]
fn an_empty_folder_or_one_holding_only_the_git_placeholder_is_built_into() {
    let p = Project::new();
    write(&p.p("outputs/.gitkeep"), b"");
    p.build(&[]);
    assert_eq!(std::fs::read(p.p("outputs/.gitkeep")).unwrap(), b"");
    assert!(p.p("outputs/handbook.pdf").is_file() && p.p("outputs/charts/borgere-2018/hero.svg").is_file());
    let marker = std::fs::read_to_string(p.p("outputs/.barometer/output-folder")).unwrap();
    assert!(marker.starts_with("This is a barometer output folder"), "{marker}");

    let p = Project::new();
    std::fs::create_dir(p.p("outputs")).unwrap();
    p.build(&[]);
    assert!(p.p("outputs/manifest.json").is_file());
}

#[test]
fn files_the_build_did_not_write_are_never_deleted_or_changed() {
    let p = Project::new();
    p.build(&[]);
    // Beside what barometer publishes: kept through every build.
    write(&p.p("outputs/notes.md"), b"# what we changed\n");
    write(&p.p("outputs/extra/figure.ai"), b"designer's file");
    p.edit("config/chapters/borgere-2018.toml", "Der samarbejdes med mange forskellige eksterne aktører", "Der samarbejdes med mange eksterne aktører");
    p.build(&[]);
    assert_eq!(std::fs::read(p.p("outputs/notes.md")).unwrap(), b"# what we changed\n");
    assert_eq!(std::fs::read(p.p("outputs/extra/figure.ai")).unwrap(), b"designer's file");

    // Inside a folder a build replaces whole: the build stops first.
    let mine = p.p("outputs/charts/borgere-2018/mine.svg");
    write(&mine, b"<svg>mine</svg>");
    p.edit("config/chapters/borgere-2018.toml", "Der samarbejdes med mange eksterne aktører", "Mange eksterne aktører");
    let before = tree(p.dir.path());
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --out {}: {} was not written by barometer, and a build replaces charts whole; move it out of the folder and build again\n",
            p.p("outputs").display(),
            mine.display()
        )
    );
    assert!(tree(p.dir.path()) == before, "nothing changed");
    std::fs::remove_file(&mine).unwrap();

    // A real folder where barometer keeps its link.
    std::fs::remove_file(p.p("outputs/data")).unwrap();
    write(&p.p("outputs/data/survey.csv"), b"id\n1\n");
    let before = tree(p.dir.path());
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --out {}: {} is not the link barometer made there (builds publish data through it); move it out of the folder and build again\n",
            p.p("outputs").display(),
            p.p("outputs/data").display()
        )
    );
    assert!(tree(p.dir.path()) == before, "nothing changed");
    std::fs::remove_dir_all(p.p("outputs/data")).unwrap();
    p.build(&[]);
    assert!(p.p("outputs/data/headlines.csv").is_file());
    assert_eq!(std::fs::read(p.p("outputs/notes.md")).unwrap(), b"# what we changed\n");
}

#[test]
fn a_second_build_stops_while_another_holds_the_folder() {
    let p = Project::new();
    p.build(&[]);
    let before = tree(&p.p("outputs"));
    let lock = std::fs::File::options().write(true).open(p.p("outputs/.barometer/lock")).unwrap();
    lock.lock().unwrap();
    p.edit("config/chapters/borgere-2018.toml", "Der samarbejdes med mange forskellige eksterne aktører", "Mange eksterne aktører");
    let o = p.run(&["build"]);
    // Its own status (EX_TEMPFAIL), so scripts can tell "run again later" from bad input.
    assert_eq!(o.status.code(), Some(75));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --out {}: another barometer build is writing to this folder (it holds {}); wait for it to finish and build again\n",
            p.p("outputs").display(),
            p.p("outputs/.barometer/lock").display()
        )
    );
    assert!(tree(&p.p("outputs")) == before, "the held folder is untouched");
    lock.unlock().unwrap();
    p.build(&[]);
    assert_eq!(barometer_entries(&p.p("outputs")), ["current", "gen-2", "gen-2.files", "lock", "output-folder"]);
}

/// The chart files of the build in `out`, from its manifest.
fn chart_paths(out: &Path) -> Vec<String> {
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut paths: Vec<String> =
        manifest["artifacts"].as_array().unwrap().iter().map(|a| a["path"].as_str().unwrap().to_string()).filter(|p| p.starts_with("charts/")).collect();
    paths.sort();
    paths
}

#[test]
fn chart_files_are_named_by_chapter_and_figure_id_and_stay_when_chapters_move() {
    let p = Project::new();
    p.build(&[]);
    let config = barometer::config::Config::load(&p.p("config")).unwrap();
    let mut expected = Vec::new();
    for ch in &config.chapters {
        for end in [".svg", ".png", "-screen.png"] {
            expected.push(format!("charts/{}/hero{end}", ch.id));
        }
        for f in &ch.figures {
            for end in [".svg", ".png", "-screen.png", ".csv", "-handbook.png"] {
                expected.push(format!("charts/{}/{}{end}", ch.id, f.id));
            }
        }
    }
    expected.sort();
    assert_eq!(chart_paths(&p.p("outputs")), expected);
    let svg = "charts/borgere-2018/eksterne-partnere.svg";
    assert!(std::fs::read_to_string(p.p("outputs").join(svg)).unwrap().contains("Figur 1.4"));

    // A chapter moved to the front renumbers the others' figures, not their files.
    p.edit("config/report.toml", "chapters = [\"borgere-2018\", \"borgere-2015\", \"services-2018\", \"processen-2013\"]", "chapters = [\"processen-2013\", \"borgere-2018\", \"borgere-2015\", \"services-2018\"]");
    p.build(&[]);
    assert_eq!(chart_paths(&p.p("outputs")), expected);
    assert!(std::fs::read_to_string(p.p("outputs").join(svg)).unwrap().contains("Figur 2.4"));
    let on_disk: Vec<String> = crate::pipeline::published(&p.p("outputs")).into_keys().filter(|k| k.starts_with("charts/")).collect();
    assert_eq!(on_disk, expected, "no chart file of the earlier build is left");
}

#[test]
fn figure_ids_whose_chart_files_would_collide_are_refused() {
    let p = Project::new();
    p.edit("config/chapters/borgere-2018.toml", "id = \"borgernes-vaerdi\"", "id = \"hero\"");
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: figure \"hero\" would write charts/borgere-2018/hero.svg, as the hero tile does; give the figure another id\n",
            p.p("config/chapters/borgere-2018.toml").display()
        )
    );
    let p = Project::new();
    p.edit("config/chapters/borgere-2018.toml", "id = \"borgernes-vaerdi\"", "id = \"borgernes-roller-screen\"");
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: figure \"borgernes-roller-screen\" would write charts/borgere-2018/borgernes-roller-screen.png, as figure \"borgernes-roller\" does; give the figure another id\n",
            p.p("config/chapters/borgere-2018.toml").display()
        )
    );
    assert!(!p.p("outputs").exists(), "refused before the output folder is touched");
}

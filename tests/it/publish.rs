//! Publishing stopped at each of its steps, through the test hook of
//! `src/pipeline/publish.rs` (the process exits there, as if killed): each
//! time the folder shows the old build whole (up to the switch) or the new
//! one whole (after it), `status` finds every file its state lists, and
//! the next build succeeds and leaves nothing of the stopped one behind.

use std::path::Path;

use barometer::pipeline::folder::TOPS;
use barometer::pipeline::publish::{STEPS, TEST_EXIT_STATUS, TEST_EXIT_VAR};

use crate::common::stderr;
use crate::pipeline::{Project, barometer_entries, names, tool};

const CHAPTER: &str = "config/chapters/borgere-2018.toml";
const TITLES: [&str; 2] = ["Der samarbejdes med mange forskellige eksterne aktører", "Der samarbejdes med mange eksterne aktører"];
/// What the title edit rebuilds.
const EDITED: [&str; 7] = [
    "figure:eksterne-partnere",
    "chart:eksterne-partnere",
    "pdf:borgere-2018",
    "book:2018-2019",
    "book:handbook",
    "site:theme:borgere-2018",
    "site:figure:eksterne-partnere",
];

/// The output folder holds the live generation and nothing else of
/// barometer's: its links, the marker, the lock.
fn assert_clean(out: &Path, step: u32) {
    let live = std::fs::read_link(out.join(".barometer/current")).unwrap().display().to_string();
    assert_eq!(barometer_entries(out), ["current".to_string(), live.clone(), format!("{live}.files"), "lock".into(), "output-folder".into()], "step {step}");
    let mut tops: Vec<String> = std::fs::read_dir(out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n != ".barometer").collect();
    tops.sort();
    let mut expected: Vec<String> = TOPS.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(tops, expected, "step {step}");
    for t in TOPS {
        assert_eq!(std::fs::read_link(out.join(t)).unwrap(), Path::new(".barometer/current").join(t), "step {step}");
    }
}

#[test]
fn a_publish_stopped_at_any_step_leaves_one_whole_build_and_the_next_cleans_up() {
    let p = Project::new();
    let out = p.p("outputs");
    p.build(&[]);
    assert_clean(&out, 0);
    for step in 1..=STEPS {
        let old = p.outputs();
        let (from, to) = if step % 2 == 1 { (TITLES[0], TITLES[1]) } else { (TITLES[1], TITLES[0]) };
        p.edit(CHAPTER, from, to);
        let mut stopped = tool();
        stopped.env(TEST_EXIT_VAR, step.to_string());
        let o = p.run_with(stopped, &["build", "--quiet"]);
        assert_eq!(o.status.code(), Some(TEST_EXIT_STATUS), "step {step}: {}", stderr(&o));

        let seen = p.outputs();
        // The state read through the folder matches the files beside it:
        // only the edit is out of date, or nothing is.
        let stale = p.stale(tool);
        let switched = step >= 6;
        if switched {
            assert!(stale.is_empty(), "step {step}: {stale:?}");
        } else {
            assert!(seen == old, "step {step}: the old build, whole");
            assert_eq!(stale, EDITED, "step {step}");
        }
        assert!(barometer_entries(&out).len() > 5, "step {step}: the stopped build left something to clean up");

        let next = p.build(&[]);
        let new = p.outputs();
        assert!(new != old, "step {step}: the edit shows");
        if switched {
            assert!(seen == new, "step {step}: the new build, whole");
            assert!(names(&next["rebuilt"]).is_empty(), "step {step}");
        } else {
            assert_eq!(names(&next["rebuilt"]), EDITED, "step {step}");
        }
        assert_clean(&out, step);
        assert!(p.stale(tool).is_empty(), "step {step}");
    }
}

/// A rebuild links the files whose bytes it would write again to the live
/// generation's (same inode), and writes only what changed.
#[test]
fn a_rebuild_links_unchanged_files_and_writes_changed_ones() {
    use std::os::unix::fs::MetadataExt;
    let p = Project::new();
    let out = p.p("outputs");
    p.build(&[]);
    let inode = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
    let (kept, changed) = ("charts/borgere-2018/borgernes-roller.png", "charts/borgere-2018/eksterne-partnere.svg");
    let before = (inode(kept), inode(changed));
    p.edit(CHAPTER, TITLES[0], TITLES[1]);
    p.build(&[]);
    assert_eq!(inode(kept), before.0, "an unchanged chart is the same file");
    assert_ne!(inode(changed), before.1, "the edited chart is written anew");
    assert!(std::fs::read_to_string(out.join(changed)).unwrap().contains(TITLES[1]));
    assert_clean(&out, 0);
}

/// Files go into the new generation as they are made. A build that fails
/// after writing most of them (here a site template fails as the pages are
/// made, after the data, charts and PDFs) deletes what it wrote: the
/// outputs stay the last build's, whole, and nothing of the failed build
/// is left beside them. Fixing the template, the next build publishes.
#[test]
fn a_build_failing_after_it_wrote_files_leaves_the_last_build_and_nothing_else() {
    let p = Project::new();
    let out = p.p("outputs");
    p.build(&[]);
    let old = p.outputs();
    p.edit(CHAPTER, TITLES[0], TITLES[1]);
    p.edit("config/site/base.html", "<body>", "{% for x in 5 %}{% endfor %}<body>");
    let o = p.run(&["build", "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("base.html:12: invalid operation: number is not iterable"), "{}", stderr(&o));
    assert!(p.outputs() == old, "the last build, whole");
    assert_clean(&out, 0);
    p.edit("config/site/base.html", "{% for x in 5 %}{% endfor %}<body>", "<body>");
    p.build(&[]);
    assert!(std::fs::read_to_string(out.join("charts/borgere-2018/eksterne-partnere.svg")).unwrap().contains(TITLES[1]));
    assert_clean(&out, 0);
}

//! The edit loop: a figure's title edited, rebuilt incrementally, gives
//! exactly the bytes of a full build of the same inputs, file for file,
//! while the build redoes only what the figure is in.

use crate::common::{path_str, stderr};
use crate::pipeline::{Project, names, published, tool};

const FROM: &str = "Der samarbejdes med mange forskellige eksterne aktører";
const TO: &str = "Der samarbejdes med mange eksterne aktører";

#[test]
fn an_edited_figure_rebuilt_equals_a_full_build() {
    let p = Project::new();
    p.build(&[]);
    p.edit("config/chapters/borgere-2018.toml", FROM, TO);
    // A data file of a figure the edit does not touch, changed by hand in
    // the live outputs: the rebuild must not take it over from the last build.
    let tampered = p.p("outputs/data/service-borgere.xlsx");
    let original = std::fs::read(&tampered).unwrap();
    std::fs::write(&tampered, b"not a workbook").unwrap();

    let built = p.build(&[]);
    let rebuilt = names(&built["rebuilt"]);
    for node in ["figure:eksterne-partnere", "chart:eksterne-partnere", "pdf:borgere-2018"] {
        assert!(rebuilt.iter().any(|n| n == node), "{node} not rebuilt: {rebuilt:?}");
    }
    assert!(rebuilt.iter().any(|n| n.starts_with("book:")), "no book rebuilt: {rebuilt:?}");
    for node in ["pdf:borgere-2015", "pdf:services-2018", "figure:service-borgere"] {
        assert!(!rebuilt.iter().any(|n| n == node), "{node} rebuilt by a title edit elsewhere");
    }
    assert_eq!(std::fs::read(&tampered).unwrap(), original, "the changed data file was not made again");

    // The same inputs built from nothing, into another folder.
    let fresh = p.p("fresh");
    let (c, i) = (p.p("config"), p.p("inputs"));
    let out = tool()
        .args(["build", "--force", "--quiet", "--config", path_str(&c), "--inputs", path_str(&i), "--out", path_str(&fresh)])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // Every file a reader finds, byte for byte (the state and timings are the build's own).
    let own = |k: &String| k.starts_with(".cache") || k == "timings.json";
    let mut a = published(&p.p("outputs"));
    let mut b = published(&fresh);
    a.retain(|k, _| !own(k));
    b.retain(|k, _| !own(k));
    assert!(a.len() > 200, "only {} files", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let differ: Vec<&String> = a.iter().filter(|(k, v)| b[*k] != **v).map(|(k, _)| k).collect();
    assert!(differ.is_empty(), "the rebuild differs from a full build in {differ:?}");
    let model = String::from_utf8_lossy(&a["model.json"]).into_owned();
    assert!(model.contains(TO) && !model.contains(FROM), "the edited title is not in the model");
}

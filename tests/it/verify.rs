//! `barometer verify`: every published number beside the computed one;
//! exit status 1 naming a number outside its tolerance.

use crate::common::{barometer, path_str, root, stderr, stdout};

#[test]
fn the_shipped_waves_pass() {
    let out = barometer(&["verify"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("124 of 124 numbers, 64 of 64 findings and 9 of 9 findings under controls as published"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("2018-2019") && l.contains(" 57.0 ") && l.contains("pos(citizens) [innovators]")), "{text}");
    assert!(text.contains("worst deviation per edition\n2013-2014: "), "{text}");
    let json = barometer(&["verify", "--format", "json"]);
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["passed"], true);
    assert_eq!(v["failures"].as_array().unwrap().len(), 0);
    assert_eq!(v["targets"].as_array().unwrap().len(), 124);
    assert_eq!(v["counts"][0]["what"], "responses");
}

/// A copy of the inputs with the 2021-2023 wave's hindering by employees
/// pushed far above its published 7 %: 300 innovators' answers set to
/// "i høj grad".
fn pushed_inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["waves", "published"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::copy(root().join("inputs/published/published.toml"), dir.path().join("published/published.toml")).unwrap();
    let text = std::fs::read_to_string(root().join("inputs/waves/2021-2023.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (inn, hinder) = (col("innovated"), col("hinder_employees"));
    let mut changed = 0;
    let mut out = header.join(",") + "\n";
    for line in lines {
        let mut cells: Vec<&str> = line.split(',').collect();
        if changed < 300 && cells[inn] == "1" && (cells[hinder] == "1" || cells[hinder] == "2") {
            cells[hinder] = "4";
            changed += 1;
        }
        out += &(cells.join(",") + "\n");
    }
    assert_eq!(changed, 300);
    std::fs::write(dir.path().join("waves/2021-2023.csv"), out).unwrap();
    dir
}

#[test]
fn a_share_outside_its_tolerance_fails_and_is_named() {
    let inputs = pushed_inputs();
    let out = barometer(&["verify", "--inputs", path_str(inputs.path())]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with("error: 1 published number(s) not met by the waves:\n  2021-2023 [innovators] hinder_employees in (3, 4): "), "{err}");
    assert!(err.contains("%, published 7 ± 1.5"), "{err}");
    // The table is printed too, the number marked, and the other editions
    // named as not checked.
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("2021-2023") && l.contains("OUTSIDE") && l.contains("hinder_employees in (3, 4)")), "{text}");
    assert!(text.contains("no wave for 2013-2014, 2015-2016, 2018-2019: their published numbers were not checked"), "{text}");
    // As JSON: one document, not passed, the failure named; exit 1 all the same.
    let json = barometer(&["verify", "--format", "json", "--inputs", path_str(inputs.path())]);
    assert_eq!(json.status.code(), Some(1), "{}", stderr(&json));
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("exactly one JSON document");
    assert_eq!(v["passed"], false);
    let failures = v["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].as_str().unwrap().starts_with("2021-2023 [innovators] hinder_employees in (3, 4): "), "{failures:?}");
}

#[test]
fn a_missing_published_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("waves")).unwrap();
    let out = barometer(&["verify", "--inputs", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("published/published.toml"), "{}", stderr(&out));
}

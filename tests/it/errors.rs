//! Exit statuses and `--format json` on failure, as a script sees them:
//! the error as JSON on standard output (every problem of invalid waves
//! with its place), the status kept; ids that do not exist and command
//! lines clap refuses exit 2; a SOURCE_DATE_EPOCH out of range exits 1.

use crate::common::{barometer, stderr, stdout};
use crate::pipeline::{Project, tool};

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn invalid_waves_come_as_json_with_every_problem_and_exit_1() {
    let p = Project::new();
    let path = p.p("inputs/waves/2018-2019.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // The weight of the first respondent (field 7 of line 2) made negative.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    let weight = fields[6].clone();
    fields[6] = format!("-{weight}");
    lines[1] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let o = p.run(&["build", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let file = path.display().to_string();
    let message = format!("{file}:2: column \"weight\", value \"-{weight}\": weights must be positive, finite numbers\n{file}: 1 problem found");
    assert_eq!(stderr(&o), format!("error: {message}\n"));
    assert_eq!(
        json(&o),
        serde_json::json!({"error": {
            "kind": "data",
            "message": message,
            "problems": [{"column": "weight", "file": file, "line": 2, "row": null, "rule": "weights must be positive, finite numbers", "value": format!("-{weight}")}],
            "unlisted": 0,
        }})
    );
    // Without --format json, nothing on standard output.
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
}

#[test]
fn an_unknown_only_id_is_a_usage_error_with_a_suggestion() {
    let p = Project::new();
    let o = p.run(&["build", "--format", "json", "--only", "nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["error"]["kind"], "usage");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("--only nonexistent: no chapter or figure has that id; did you mean \""), "{message}");
    assert!(message.ends_with("\"? (`barometer list` shows every id)"), "{message}");
    assert_eq!(stderr(&o), format!("error: {message}\n"));
    let o = p.run(&["build", "--only", "formal"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: --only formal: no chapter or figure has that id; did you mean \"formaal\"? (`barometer list` shows every id)\n");
    assert!(!p.p("outputs").exists(), "refused before the output folder is touched");
}

#[test]
fn a_command_line_clap_refuses_is_json_too() {
    for args in [&["build", "--format", "json", "--no-such-flag"][..], &["build", "--no-such-flag", "--format=json"]] {
        let o = barometer(args);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(json(&o), serde_json::json!({"error": {"kind": "usage", "message": "unexpected argument '--no-such-flag' found", "problems": []}}));
        assert!(stderr(&o).starts_with("error: unexpected argument '--no-such-flag' found"), "{}", stderr(&o));
    }
    let o = barometer(&["build", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
}

#[test]
fn a_source_date_epoch_out_of_range_exits_1_naming_the_range() {
    let p = Project::new();
    for value in ["99999999999999", "253402300800", "-1", "99999999999999999999"] {
        let mut cmd = tool();
        cmd.env("SOURCE_DATE_EPOCH", value);
        let o = p.run_with(cmd, &["build", "--format", "json"]);
        assert_eq!(o.status.code(), Some(1), "{value}");
        let message = format!(
            "SOURCE_DATE_EPOCH=\"{value}\" is out of range: it must be whole seconds from 0 to 253402300799 (1970-01-01 to 9999-12-31, UTC)"
        );
        assert_eq!(stderr(&o), format!("error: {message}\n"));
        assert_eq!(json(&o), serde_json::json!({"error": {"kind": "config", "message": message, "problems": []}}));
    }
    let mut cmd = tool();
    cmd.env("SOURCE_DATE_EPOCH", "soon");
    let o = p.run_with(cmd, &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: SOURCE_DATE_EPOCH=\"soon\" is not a whole number of seconds\n");
    assert!(!p.p("outputs").exists(), "refused before the output folder is touched");
}

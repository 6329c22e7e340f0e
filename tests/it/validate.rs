//! One test per rule of the wave contract: a bad file made in the test, the
//! exact message (file, line, column, value, rule) and the exit status.

use std::path::PathBuf;

use crate::common::{barometer, path_str, stderr, stdout};

const CODEBOOK: &str = r#"
[[wave]]
period = "2018-2019"

[design.sector]
kommune = "Kommuner"
region = "Regioner"
stat = "Staten"

[design.area]
dagtilbud = "Dagtilbud"
sundhed = "Sundhed"

[design.size]
"1-19" = "1-19 ansatte"
"20-49" = "20-49 ansatte"

[codes.yes_no]
0 = "Nej"
1 = "Ja"

[codes.yes_no_dk]
0 = "Nej"
1 = "Ja"
9 = "Ved ikke"

[[item]]
name = "intro_service"
label = "Nye services"
question = "Nye services?"
codes = "yes_no_dk"
asked = "all"

[[item]]
name = "intro_process"
label = "Nye processer"
question = "Nye processer?"
codes = "yes_no_dk"
asked = "all"

[[item]]
name = "innovated"
label = "Har innoveret"
question = "Mindst én innovation?"
codes = "yes_no"
asked = "all"

[[item]]
name = "value_quality"
label = "Bedre kvalitet"
question = "Bedre kvalitet?"
codes = "yes_no"
asked = "innovators"
"#;

const GOOD: &str = "\
id,stratum,sector,area,size,fpc,weight,intro_service,intro_process,innovated,value_quality
A1,s1,kommune,dagtilbud,1-19,10,5,1,0,1,1
A2,s1,kommune,dagtilbud,1-19,10,5,0,0,0,
A3,s2,region,sundhed,20-49,8,4,0,1,1,0
A4,s2,region,sundhed,20-49,8,4,9,1,1,1
";

struct Case {
    _dir: tempfile::TempDir,
    config: PathBuf,
    inputs: PathBuf,
    file: String,
}

fn case_bytes(name: &str, bytes: &[u8]) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(inputs.join("waves")).unwrap();
    std::fs::write(config.join("codebook.toml"), CODEBOOK).unwrap();
    let path = inputs.join("waves").join(name);
    std::fs::write(&path, bytes).unwrap();
    Case { file: path.display().to_string(), _dir: dir, config, inputs }
}

fn case(csv: &str) -> Case {
    case_bytes("2018-2019.csv", csv.as_bytes())
}

/// Runs `validate`; returns exit code, stdout and stderr.
fn run(c: &Case) -> (i32, String, String) {
    let out = barometer(&["validate", "--config", path_str(&c.config), "--inputs", path_str(&c.inputs)]);
    (out.status.code().unwrap(), stdout(&out), stderr(&out))
}

/// Asserts exit status 1 and exactly these problems (in `{f}` form).
fn expect(c: &Case, problems: &[&str]) {
    let (code, _, err) = run(c);
    let mut want = String::from("error: ");
    for p in problems {
        want.push_str(&p.replace("{f}", &c.file));
        want.push('\n');
    }
    let n = problems.len();
    want.push_str(&format!("{}: {n} {} found\n", c.file, if n == 1 { "problem" } else { "problems" }));
    assert_eq!(err, want);
    assert_eq!(code, 1);
}

fn replace_line(line: usize, with: &str) -> String {
    GOOD.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == line { with.to_string() } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn good_file_passes_with_a_summary() {
    let c = case(GOOD);
    let (code, out, err) = run(&c);
    assert_eq!(err, "");
    assert_eq!(code, 0);
    assert!(out.starts_with("2018-2019: 4 rows, 2 strata, 3 innovators"), "{out}");
    assert!(out.ends_with("1 waves valid\n"), "{out}");
}

#[test]
fn semicolon_windows_1252_with_decimal_comma_is_read() {
    let text = GOOD.replace(',', ";").replace(";5;", ";5,0;");
    let mut bytes = Vec::new();
    for ch in text.chars() {
        bytes.push(ch as u8);
    }
    // A Windows-1252 'å' in an unknown column's header: not valid UTF-8.
    let bytes = [b"\xe5rgang;".as_slice(), &bytes.iter().copied().take_while(|&b| b != b'\n').collect::<Vec<_>>()].concat();
    let rest: Vec<String> = text.lines().skip(1).map(|l| format!("2018;{l}")).collect();
    let mut all = bytes;
    all.push(b'\n');
    all.extend(rest.join("\n").into_bytes());
    all.push(b'\n');
    let c = case_bytes("2018-2019.csv", &all);
    let (code, out, err) = run(&c);
    assert_eq!(err, format!("warning: {}: column \"årgang\" is ignored: it is not in the codebook\n", c.file));
    assert_eq!(code, 0);
    assert!(out.contains("(Windows-1252, ';')"), "{out}");
}

#[test]
fn utf16_is_refused_with_what_to_do() {
    let mut bytes = vec![0xFF, 0xFE];
    for u in GOOD.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let c = case_bytes("2018-2019.csv", &bytes);
    expect(&c, &["{f}: the file is UTF-16 (Excel's \"Unicode-tekst\"), which is not read; open it in Excel and save it as \"CSV UTF-8 (kommasepareret)\", then run again"]);
}

#[test]
fn empty_file() {
    expect(&case(""), &["{f}: the file is empty"]);
}

#[test]
fn header_only_file() {
    expect(&case(GOOD.lines().next().unwrap()), &["{f}: the file has a header but no data rows"]);
}

#[test]
fn truncated_last_line() {
    let cut = &GOOD[..GOOD.len() - 6];
    expect(&case(cut), &["{f}:5: the last line is truncated: it has 9 of the header's 11 fields and no line end (was the file cut off?)"]);
}

#[test]
fn ragged_line() {
    expect(
        &case(&replace_line(3, "A2,s1,kommune,dagtilbud,1-19,10,5,0,0,0,,")),
        &["{f}:3: the line has 12 fields, the header has 11"],
    );
}

#[test]
fn missing_column() {
    let text: String = GOOD.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n").collect();
    expect(&case(&text), &["{f}:1: column \"value_quality\": the column is missing; the codebook says wave 2018-2019 asked it"]);
}

#[test]
fn duplicate_column() {
    let text: String = GOOD.lines().enumerate().map(|(i, l)| format!("{l},{}\n", if i == 0 { "fpc" } else { "10" })).collect();
    expect(&case(&text), &["{f}:1: column \"fpc\": the column appears twice (fields 6 and 12); keep one"]);
}

#[test]
fn duplicate_id() {
    expect(
        &case(&replace_line(3, "A1,s1,kommune,dagtilbud,1-19,10,5,0,0,0,")),
        &["{f}:3: column \"id\", value \"A1\": the id is already used by line 2; ids must be unique"],
    );
}

#[test]
fn empty_id() {
    expect(
        &case(&replace_line(3, ",s1,kommune,dagtilbud,1-19,10,5,0,0,0,")),
        &["{f}:3: column \"id\", value \"\": the id is empty; every row needs a unique id"],
    );
}

#[test]
fn unknown_code() {
    expect(
        &case(&replace_line(2, "A1,s1,kommune,dagtilbud,1-19,10,5,1,0,1,7")),
        &["{f}:2: column \"value_quality\", value \"7\": not a code of value_quality (0, 1)"],
    );
}

#[test]
fn unknown_design_value() {
    expect(
        &case(&replace_line(2, "A1,s1,kommunal,dagtilbud,1-19,10,5,1,0,1,1")),
        &["{f}:2: column \"sector\", value \"kommunal\": not a sector of the codebook (kommune, region, stat)"],
    );
}

#[test]
fn non_positive_and_non_finite_weights() {
    let text = replace_line(2, "A1,s1,kommune,dagtilbud,1-19,10,0,1,0,1,1");
    let text = text.replace("A3,s2,region,sundhed,20-49,8,4,", "A3,s2,region,sundhed,20-49,8,inf,");
    let text = text.replace("A4,s2,region,sundhed,20-49,8,4,", "A4,s2,region,sundhed,20-49,8,fire,");
    expect(
        &case(&text),
        &[
            "{f}:2: column \"weight\", value \"0\": weights must be positive, finite numbers",
            "{f}:4: column \"weight\", value \"inf\": weights must be positive, finite numbers",
            "{f}:5: column \"weight\", value \"fire\": weights must be positive, finite numbers",
        ],
    );
}

#[test]
fn fpc_smaller_than_the_stratum() {
    let text = GOOD.replace(",s2,region,sundhed,20-49,8,", ",s2,region,sundhed,20-49,1,");
    expect(&case(&text), &["{f}:4: column \"fpc\", value \"1\": fpc is smaller than the 2 respondents of stratum \"s2\"; fpc is the stratum's population count"]);
}

#[test]
fn fpc_differs_inside_a_stratum() {
    expect(
        &case(&replace_line(3, "A2,s1,kommune,dagtilbud,1-19,12,5,0,0,0,")),
        &["{f}:3: column \"fpc\", value \"12\": fpc differs from 10 on line 2 in stratum \"s1\"; fpc must be the same on every row of a stratum"],
    );
}

#[test]
fn stratum_with_one_respondent() {
    expect(
        &case(&replace_line(3, "A2,s3,kommune,dagtilbud,1-19,10,5,0,0,0,")),
        &[
            "{f}:2: column \"stratum\", value \"s1\": the stratum has only 1 respondent; every stratum needs at least 2 (merge it with a similar stratum)",
            "{f}:3: column \"stratum\", value \"s3\": the stratum has only 1 respondent; every stratum needs at least 2 (merge it with a similar stratum)",
        ],
    );
}

#[test]
fn innovated_disagrees_with_the_intro_items() {
    expect(
        &case(&replace_line(3, "A2,s1,kommune,dagtilbud,1-19,10,5,1,0,0,")),
        &["{f}:3: column \"innovated\", value \"0\": innovated must be 1 when an intro item is 1 (here intro_service = 1)"],
    );
}

#[test]
fn answer_from_a_non_innovator() {
    expect(
        &case(&replace_line(3, "A2,s1,kommune,dagtilbud,1-19,10,5,0,0,0,1")),
        &["{f}:3: column \"value_quality\", value \"1\": an answer from a workplace that did not innovate (innovated = 0); the item is asked only where innovated = 1"],
    );
}

#[test]
fn missing_answer_from_an_innovator() {
    expect(
        &case(&replace_line(4, "A3,s2,region,sundhed,20-49,8,4,0,1,1,")),
        &["{f}:4: column \"value_quality\", value \"\": the cell is empty for a workplace that innovated; wave 2018-2019 asked the item of every innovator"],
    );
}

#[test]
fn many_problems_are_reported_in_one_run() {
    let text = GOOD.replace(",kommune,", ",x,").replace(",5,", ",-5,");
    let (code, _, err) = run(&case(&text));
    assert_eq!(code, 1);
    assert!(err.ends_with(": 4 problems found\n"), "{err}");
}

#[test]
fn wave_not_in_the_codebook() {
    let c = case_bytes("2021-2023.csv", GOOD.as_bytes());
    expect(&c, &["{f}: wave 2021-2023 is not listed in the codebook; add a [[wave]] with period = \"2021-2023\" to config/codebook.toml"]);
}

#[test]
fn shipped_waves_pass() {
    let out = barometer(&["validate", "--quiet"]);
    assert_eq!(stderr(&out), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unknown_codebook_key_is_named() {
    let c = case(GOOD);
    std::fs::write(c.config.join("codebook.toml"), CODEBOOK.replace("asked = \"all\"\n", "asked = \"all\"\ncolour = \"red\"\n")).unwrap();
    let (code, _, err) = run(&c);
    assert_eq!(code, 1);
    assert!(err.contains("codebook.toml") && err.contains("unknown field `colour`"), "{err}");
}

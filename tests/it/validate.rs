//! One test per rule of the wave contract: a bad file made in the test, the
//! exact message (file, line, column, value, rule) and the exit status.
//! The helpers serve `deliveries` too.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::common::{barometer, path_str, root, stderr, stdout};

pub(crate) const CODEBOOK: &str = r#"
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

pub(crate) const GOOD: &str = "\
id,stratum,sector,area,size,fpc,weight,intro_service,intro_process,innovated,value_quality
A1,s1,kommune,dagtilbud,1-19,10,5,1,0,1,1
A2,s1,kommune,dagtilbud,1-19,10,5,0,0,0,
A3,s2,region,sundhed,20-49,8,4,0,1,1,0
A4,s2,region,sundhed,20-49,8,4,9,1,1,1
";

pub(crate) struct Case {
    _dir: tempfile::TempDir,
    pub config: PathBuf,
    pub inputs: PathBuf,
    /// The wave file as messages name it.
    pub file: String,
}

impl Case {
    pub fn waves(&self) -> PathBuf {
        self.inputs.join("waves")
    }
    pub fn codebook(&self) -> String {
        self.config.join("codebook.toml").display().to_string()
    }
}

/// A folder with `codebook` and the wave file `name` holding `bytes`.
pub(crate) fn case_in(codebook: &str, name: &str, bytes: &[u8]) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(inputs.join("waves")).unwrap();
    std::fs::write(config.join("codebook.toml"), codebook).unwrap();
    let path = inputs.join("waves").join(name);
    std::fs::write(&path, bytes).unwrap();
    Case { file: path.display().to_string(), _dir: dir, config, inputs }
}

fn case_bytes(name: &str, bytes: &[u8]) -> Case {
    case_in(CODEBOOK, name, bytes)
}

fn case(csv: &str) -> Case {
    case_bytes("2018-2019.csv", csv.as_bytes())
}

/// Runs `validate`; returns exit code, stdout and stderr.
pub(crate) fn run(c: &Case) -> (i32, String, String) {
    let out = barometer(&["validate", "--config", path_str(&c.config), "--inputs", path_str(&c.inputs)]);
    (out.status.code().unwrap(), stdout(&out), stderr(&out))
}

/// Asserts exit status 1 and exactly these problems (in `{f}` form) of one file.
pub(crate) fn expect(c: &Case, problems: &[&str]) {
    expect_of(c, &c.file, problems);
}

/// Asserts exit status 1 and exactly these problems of `file` (`{f}` is
/// the wave, `{cb}` the codebook, `{w}` the wave folder).
pub(crate) fn expect_of(c: &Case, file: &str, problems: &[&str]) {
    let (code, _, err) = run(c);
    let fill = |s: &str| s.replace("{f}", &c.file).replace("{cb}", &c.codebook()).replace("{w}", &c.waves().display().to_string());
    let mut want = String::from("error: ");
    for p in problems {
        want.push_str(&fill(p));
        want.push('\n');
    }
    let n = problems.len();
    want.push_str(&format!("{}: {n} {} found\n", fill(file), if n == 1 { "problem" } else { "problems" }));
    assert_eq!(err, want);
    assert_eq!(code, 1);
}

/// GOOD read by Polars with its types (text, whole numbers, empty cells as null).
pub(crate) fn good_frame() -> DataFrame {
    CsvReadOptions::default().into_reader_with_file_handle(std::io::Cursor::new(GOOD.as_bytes().to_vec())).finish().unwrap()
}

/// Writes `df` as a Parquet wave file.
pub(crate) fn write_parquet(path: &Path, df: &mut DataFrame) {
    ParquetWriter::new(std::fs::File::create(path).unwrap()).finish(df).unwrap();
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
    assert_eq!(
        err,
        format!("warning: {}: column \"årgang\" is ignored: it is not in the codebook; to silence this, list it in ignore = [...] of a [[delivery]] for 2018-2019 in the codebook\n", c.file)
    );
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
        // One rule broken in one column is one line, with the rows counted.
        &["{f}:2: column \"weight\", value \"0\": weights must be positive, finite numbers (and 2 more rows like it, the last at line 5)"],
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
        &["{f}:2: column \"stratum\", value \"s1\": the stratum has only 1 respondent; every stratum needs at least 2 (merge it with a similar stratum) (and 1 more row like it, at line 3)"],
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
    let text = GOOD.replace(",kommune,", ",x,").replace(",5,", ",-5,").replace("A4,", "A3,");
    expect(
        &case(&text),
        &[
            "{f}:5: column \"id\", value \"A3\": the id is already used by line 4; ids must be unique",
            "{f}:2: column \"sector\", value \"x\": not a sector of the codebook (kommune, region, stat) (and 1 more row like it, at line 3)",
            "{f}:2: column \"weight\", value \"-5\": weights must be positive, finite numbers (and 1 more row like it, at line 3)",
        ],
    );
}

#[test]
fn wave_not_in_the_codebook() {
    let c = case_bytes("2021-2023.csv", GOOD.as_bytes());
    expect(&c, &["{f}: wave 2021-2023 is not listed in the codebook; add a [[wave]] with period = \"2021-2023\" to {cb}"]);
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

// --- Weights ------------------------------------------------------------

#[test]
fn a_weight_beyond_its_strata_population_is_refused() {
    expect(
        &case(&replace_line(2, "A1,s1,kommune,dagtilbud,1-19,10,1e308,1,0,1,1")),
        &["{f}:2: column \"weight\", value \"1e308\": the weight is larger than the row's fpc, its stratum's population count; a respondent cannot stand for more workplaces than its stratum has"],
    );
}

#[test]
fn danish_thousands_separator_with_decimal_comma_is_read() {
    let text = GOOD.replace(',', ";").replace(";10;5;", ";2469;1.234,5;");
    let c = case(&text);
    let (code, out, err) = run(&c);
    assert_eq!(err, "");
    assert_eq!(code, 0);
    assert!(out.contains("(UTF-8, ';')"), "{out}");
}

#[test]
fn a_point_that_may_be_a_thousands_separator_is_refused() {
    let text = GOOD.replace(',', ";").replace(";10;5;", ";2468;1.234;");
    expect(
        &case(&text),
        &["{f}:2: column \"weight\", value \"1.234\": in a ';' file a point followed by three digits may be a thousands separator or a decimal point; write the number without thousands separators and with a decimal comma (as \"1234,5\") (and 1 more row like it, at line 3)"],
    );
}

#[test]
fn a_boolean_weight_column_in_parquet_is_refused() {
    let c = case_bytes("2018-2019.parquet", b"");
    let mut df = good_frame();
    df.with_column(Column::new("weight".into(), [true, true, false, true])).unwrap();
    write_parquet(Path::new(&c.file), &mut df);
    expect(&c, &["{f}: column \"weight\": the column holds values of type bool, which are not read; store it as numbers (integer or floating point) or as text"]);
}

#[test]
fn weights_that_miss_their_strata_population_are_a_warning() {
    let c = case(&replace_line(3, "A2,s1,kommune,dagtilbud,1-19,10,6,0,0,0,"));
    let (code, _, err) = run(&c);
    assert_eq!(
        err,
        format!("warning: {}:2: column \"weight\": the weights of stratum \"s1\" sum to 11, but its fpc is 10 (10.0 % more); a stratum's weights should sum to its population count (within 1 %)\n", c.file)
    );
    assert_eq!(code, 0);
}

/// A copy of the shipped inputs to edit, and a folder for outputs.
fn shipped_inputs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    for sub in ["waves", "content", "published"] {
        std::fs::create_dir_all(inputs.join(sub)).unwrap();
        for e in std::fs::read_dir(root().join("inputs").join(sub)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, inputs.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    let out = dir.path().join("out");
    (dir, inputs, out)
}

#[test]
fn strict_build_fails_on_weights_that_miss_their_strata_population() {
    let (_dir, inputs, out) = shipped_inputs();
    let wave = inputs.join("waves/2018-2019.csv");
    let text = std::fs::read_to_string(&wave).unwrap();
    std::fs::write(&wave, text.replacen(",210,11.666666666666666,", ",210,30,", 1)).unwrap();
    let run = barometer(&["build", "--strict", "--quiet", "--inputs", path_str(&inputs), "--out", path_str(&out)]);
    let err = stderr(&run);
    let warning = format!(
        "{}:2: column \"weight\": the weights of stratum \"kommune:administration:1-19\" sum to 228.33, but its fpc is 210 (8.7 % more); a stratum's weights should sum to its population count (within 1 %)",
        wave.display()
    );
    assert!(err.starts_with("error: --strict: ") && err.contains(&warning), "{err}");
    assert_eq!(run.status.code(), Some(1));
}

// --- Design consistency ---------------------------------------------------

#[test]
fn a_sector_that_contradicts_its_stratum_is_refused() {
    let text = GOOD.replace(",s1,", ",kommune:dagtilbud:1-19,");
    let text = text.replace("A2,kommune:dagtilbud:1-19,kommune,", "A2,kommune:dagtilbud:1-19,stat,");
    expect(
        &case(&text),
        &["{f}:3: column \"sector\", value \"stat\": the row's stratum \"kommune:dagtilbud:1-19\" is in sector kommune; a row's sector must be its stratum's"],
    );
}

// --- Which file -----------------------------------------------------------

#[test]
fn two_files_for_one_period_are_refused_by_validate_and_build() {
    let c = case(GOOD);
    let parquet = c.waves().join("2018-2019.parquet");
    write_parquet(&parquet, &mut good_frame());
    let message = "{w}/2018-2019.parquet: wave 2018-2019 is also given by {w}/2018-2019.csv; keep one file per wave";
    expect_of(&c, "{w}/2018-2019.parquet", &[message]);

    let (_dir, inputs, out) = shipped_inputs();
    std::fs::copy(&parquet, inputs.join("waves/2018-2019.parquet")).unwrap();
    let run = barometer(&["build", "--inputs", path_str(&inputs), "--out", path_str(&out)]);
    let w = inputs.join("waves").display().to_string();
    let message = message.replace("{w}", &w);
    assert_eq!(stderr(&run), format!("error: {message}\n{w}/2018-2019.parquet: 1 problem found\n"));
    assert_eq!(run.status.code(), Some(1));
    assert!(!out.exists(), "a refused build writes nothing");
}

#[test]
fn files_with_other_extensions_are_reported_with_what_to_do() {
    let c = case(GOOD);
    for name in ["2021-2023.CSV", "2022-2023.xls", "2023-2024.txt", "noter.md", ".gitkeep"] {
        std::fs::write(c.waves().join(name), GOOD).unwrap();
    }
    let (code, _, err) = run(&c);
    let w = c.waves().display().to_string();
    assert_eq!(
        err,
        format!(
            "error: {w}/2021-2023.CSV: the extension must be written in lower case; rename the file to 2021-2023.csv\n{w}/2021-2023.CSV: 1 problem found\n\
             {w}/2022-2023.xls: this kind of workbook is not read; open it in Excel and save it as \"Excel-projektmappe (.xlsx)\" named 2022-2023.xlsx\n{w}/2022-2023.xls: 1 problem found\n\
             {w}/2023-2024.txt: a wave file must end in .csv, .parquet, .sav, .zsav or .xlsx; if it is CSV text (';' or ',' between fields), rename it to 2023-2024.csv\n{w}/2023-2024.txt: 1 problem found\n\
             {w}/noter.md: only wave files (<period>.csv, .parquet, .sav, .zsav or .xlsx, such as 2018-2019.csv) belong in the wave folder; move this one out\n{w}/noter.md: 1 problem found\n"
        )
    );
    assert_eq!(code, 1);
}

// --- Read safely ----------------------------------------------------------

/// Runs `validate` on `c`, failing the test if it has not ended in 60 s.
fn run_within_a_minute(c: &Case) -> (i32, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(["validate", "--config", path_str(&c.config), "--inputs", path_str(&c.inputs)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() > 60 {
            child.kill().unwrap();
            panic!("validate hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_named_pipe_is_refused_without_hanging() {
    let c = case(GOOD);
    std::fs::remove_file(&c.file).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(&c.file).status().unwrap().success());
    let (code, err) = run_within_a_minute(&c);
    assert_eq!(
        err,
        format!("error: {f}: a named pipe is not read as a wave; a wave must be a regular file (copy the data into one)\n{f}: 1 problem found\n", f = c.file)
    );
    assert_eq!(code, 1);
}

#[test]
fn a_device_is_refused_without_reading_it() {
    let c = case(GOOD);
    std::fs::remove_file(&c.file).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &c.file).unwrap();
    let (code, err) = run_within_a_minute(&c);
    assert_eq!(
        err,
        format!("error: {f}: a character device (such as /dev/zero) is not read as a wave; a wave must be a regular file (copy the data into one)\n{f}: 1 problem found\n", f = c.file)
    );
    assert_eq!(code, 1);
}

#[test]
fn a_file_beyond_the_size_limit_is_refused() {
    let c = case(GOOD);
    // Sparse: no disk is used.
    std::fs::OpenOptions::new().write(true).open(&c.file).unwrap().set_len(5 << 30).unwrap();
    expect(&c, &["{f}: the file is 5.0 GiB, more than the 4 GiB a wave file may have; check that it is the wave (ten million rows are about 2 GiB as CSV)"]);
}

#[test]
fn parquet_text_as_bytes_is_read_and_bytes_that_are_not_text_are_refused() {
    let c = case_bytes("2018-2019.parquet", b"");
    let sectors = |second: &'static [u8]| Column::new("sector".into(), [b"kommune".as_slice(), second, b"region", b"region"]);
    let mut df = good_frame();
    df.with_column(sectors(b"kommune")).unwrap();
    assert_eq!(df.column("sector").unwrap().dtype(), &DataType::Binary);
    write_parquet(Path::new(&c.file), &mut df);
    let (code, _, err) = run(&c);
    assert_eq!((code, err.as_str()), (0, ""));

    df.with_column(sectors(b"komm\xfcne")).unwrap();
    write_parquet(Path::new(&c.file), &mut df);
    expect(&c, &["{f}: row 2: column \"sector\", value \"komm\u{fffd}ne\": the cell's bytes are not UTF-8 text; write the column as UTF-8 text (a Parquet string column)"]);
}

#[test]
fn a_damaged_parquet_file_is_reported_not_a_panic() {
    let shipped = std::fs::read_to_string(root().join("config/codebook.toml")).unwrap();
    let c = case_in(&shipped, "2018-2019.parquet", b"");
    let out = barometer(&["synth", "--parquet", "--period", "2018-2019", "--quiet", "--to", path_str(&c.waves())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut bytes = std::fs::read(&c.file).unwrap();
    // Garbage in a data page that made Polars' bit-unpacking panic (the
    // offset lands in such a page of the shipped wave's layout; it moves
    // when the synthetic wave is drawn anew).
    for b in &mut bytes[77_000..77_064] {
        *b ^= 0x5A;
    }
    std::fs::write(&c.file, bytes).unwrap();
    expect(&c, &["{f}: cannot read the file as Parquet: its data do not decode (the file is damaged); write it again"]);
}

// --- Messages -------------------------------------------------------------

#[test]
fn blank_lines_at_the_end_are_accepted() {
    for tail in ["\n", "\r\n\r\n", " \n\n", ",,,,,,,,,,\n\n"] {
        let c = case(&format!("{GOOD}{tail}"));
        let (code, _, err) = run(&c);
        assert_eq!((code, err.as_str()), (0, ""), "{tail:?}");
    }
}

#[test]
fn a_nul_byte_is_named_for_what_it_is() {
    let at = GOOD.find("A2,").unwrap() + 2;
    let text = GOOD.replacen("A2,", "A2\0,", 1);
    let rule = format!(
        "{{f}}:3: the line has a NUL byte (a zero byte, which is not text) at byte {at} of the file; the file is damaged or not CSV text: export it again, or open it in Excel and save it as \"CSV UTF-8 (kommasepareret)\", then run again"
    );
    expect(&case(&text), &[&rule]);
}

#[test]
fn a_huge_cell_is_shortened_in_the_message() {
    let huge = "x".repeat(2 << 20);
    let text = replace_line(2, &format!("A1,s1,kommune,dagtilbud,1-19,10,5,1,0,1,{huge}"));
    let rule = format!("{{f}}:2: column \"value_quality\", value \"{}…\": not a code of value_quality (0, 1)", "x".repeat(60));
    expect(&case(&text), &[&rule]);
}

#[test]
fn the_same_mistake_on_many_rows_is_one_line() {
    let mut text = String::from(GOOD.lines().next().unwrap());
    for i in 0..206 {
        text.push_str(&format!("\nA{i:03},s{},kommune,dagtilbud,1-19,2469,\"1.234,5\",0,0,0,", i / 2));
    }
    text.push('\n');
    expect(
        &case(&text),
        &["{f}:2: column \"weight\", value \"1.234,5\": the number has a decimal comma, but the file separates fields with ','; write numbers with a decimal point, or save the file with ';' between fields (and 205 more rows like it, the last at line 207)"],
    );
}

// --- Each problem once ----------------------------------------------------

#[test]
fn a_parquet_value_that_is_not_a_code_is_reported_once() {
    let c = case_bytes("2018-2019.parquet", b"");
    let mut df = good_frame();
    for name in ["intro_service", "intro_process", "innovated", "value_quality"] {
        let codes = df.column(name).unwrap().cast(&DataType::UInt8).unwrap();
        df.with_column(codes).unwrap();
    }
    df.with_column(Column::new("value_quality".into(), [Some(7u8), None, Some(0), Some(1)])).unwrap();
    write_parquet(Path::new(&c.file), &mut df);
    expect(&c, &["{f}: row 1: column \"value_quality\", value \"7\": not a code of value_quality (0, 1)"]);
}

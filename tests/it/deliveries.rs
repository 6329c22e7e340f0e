//! Real deliveries read through a `[[delivery]]` of the codebook: mistakes
//! of the mapping are named at their line of the codebook, cells of a
//! renamed column by both names, unknown columns in one warning that
//! `ignore` silences. Each test runs the real binary on files made here.

use std::path::Path;

use polars::prelude::*;

use crate::validate::{CODEBOOK, GOOD, Case, case_in, expect, expect_of, good_frame, run, write_parquet};

/// GOOD with value_quality under the delivery's own name, Q5.
fn renamed_good() -> String {
    GOOD.replacen("value_quality", "Q5", 1)
}

/// A case whose codebook ends in `delivery`, with a CSV wave.
fn delivery_case(delivery: &str, csv: &str) -> Case {
    case_in(&format!("{CODEBOOK}\n{delivery}"), "2018-2019.csv", csv.as_bytes())
}

/// The line of the codebook that holds `needle`.
fn line_of(c: &Case, needle: &str) -> usize {
    let text = std::fs::read_to_string(c.codebook()).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// Asserts a configuration error (exit status 1) of exactly these lines.
fn expect_config(c: &Case, lines: &[String]) {
    let (code, _, err) = run(c);
    assert_eq!(err, format!("error: {}\n", lines.join("\n")));
    assert_eq!(code, 1);
}

#[test]
fn a_mapping_to_a_name_the_codebook_lacks_is_named_at_its_line() {
    let c = delivery_case("[[delivery]]\nperiod = \"2018-2019\"\ncolumns = { \"Q5\" = \"value_qualty\" }\n", &renamed_good());
    let at = line_of(&c, "value_qualty");
    expect_config(
        &c,
        &[format!(
            "{}:{at}: [[delivery]] for 2018-2019: column \"Q5\" is mapped to \"value_qualty\", but it is neither a design column nor an item of the codebook; write a column the wave has",
            c.codebook()
        )],
    );
}

#[test]
fn a_mapping_from_a_column_the_file_lacks_is_named_at_its_line() {
    let c = delivery_case("[[delivery]]\nperiod = \"2018-2019\"\ncolumns = { \"Q5\" = \"value_quality\" }\n", GOOD);
    let at = line_of(&c, "\"Q5\"");
    let rule = format!(
        "{{cb}}:{at}: [[delivery]] for 2018-2019 maps column \"Q5\" to \"value_quality\", but {{f}} has no column \"Q5\"; write the name as the file's header does"
    );
    expect_of(&c, "{cb}", &[&rule]);
}

#[test]
fn a_recode_of_an_unknown_column_is_named_at_its_line() {
    let c = delivery_case(
        "[[delivery]]\nperiod = \"2018-2019\"\nrecode.sectr = { \"Kommunal\" = \"kommune\" }\nrecode.sector = { \"Statslig\" = \"staten\" }\n",
        GOOD,
    );
    let (sectr, sector) = (line_of(&c, "recode.sectr"), line_of(&c, "\"staten\""));
    let cb = c.codebook();
    expect_config(
        &c,
        &[
            format!("{cb}:{sector}: [[delivery]] for 2018-2019: recode.sector maps \"Statslig\" to \"staten\", which is not a sector of the codebook (kommune, region, stat)"),
            format!("{cb}:{sectr}: [[delivery]] for 2018-2019: recode.sectr recodes a column the wave does not have: it is neither a design column nor an item of the codebook"),
        ],
    );
}

#[test]
fn a_cell_of_a_renamed_column_is_named_by_both_names_and_quoted_as_written() {
    let c = delivery_case("[[delivery]]\nperiod = \"2018-2019\"\ncolumns = { \"Q5\" = \"value_quality\" }\n", &renamed_good().replacen(",1,0,1,1\n", ",1,0,1,1.980\n", 1));
    expect(&c, &["{f}:2: column \"Q5\" (value_quality), value \"1.980\": not a code of value_quality (0, 1)"]);
    // As JSON, both names are fields of their own.
    let out = crate::common::barometer(&["validate", "--format", "json", "--config", crate::common::path_str(&c.config), "--inputs", crate::common::path_str(&c.inputs)]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&crate::common::stdout(&out)).unwrap();
    let problem = &json["error"]["problems"][0];
    assert_eq!((problem["column"].as_str(), problem["canonical"].as_str(), problem["value"].as_str()), (Some("Q5"), Some("value_quality"), Some("1.980")));
    assert_eq!(problem["rule"], "not a code of value_quality (0, 1)");
}

#[test]
fn text_that_is_not_a_code_in_a_renamed_column_is_not_also_empty() {
    let c = delivery_case("[[delivery]]\nperiod = \"2018-2019\"\ncolumns = { \"Q5\" = \"value_quality\" }\n", &renamed_good().replacen(",1,0,1,1\n", ",1,0,1,ja\n", 1));
    expect(&c, &["{f}:2: column \"Q5\" (value_quality), value \"ja\": not a code of value_quality (0, 1)"]);
}

#[test]
fn unknown_columns_are_one_warning_and_ignore_silences_them() {
    let extra: String = GOOD.lines().enumerate().map(|(i, l)| format!("{l},{}\n", if i == 0 { "Postnr,Svartid" } else { "8000,12" })).collect();
    let c = delivery_case("", &extra);
    let (code, _, err) = run(&c);
    assert_eq!(
        err,
        format!("warning: {}: 2 columns are ignored (\"Postnr\", \"Svartid\"): they are not in the codebook; to silence this, list them in ignore = [...] of a [[delivery]] for 2018-2019 in the codebook\n", c.file)
    );
    assert_eq!(code, 0);

    let c = delivery_case("[[delivery]]\nperiod = \"2018-2019\"\nignore = [\"Postnr\", \"Svartid\"]\n", &extra);
    let (code, _, err) = run(&c);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn the_readme_delivery_reads_a_typed_parquet_wave() {
    let delivery = "[[delivery]]\nperiod = \"2018-2019\"\n\
        columns = { \"ArbejdspladsID\" = \"id\", \"Vaegt\" = \"weight\", \"Q12_4\" = \"value_quality\" }\n\
        recode.sector = { \"Kommunal\" = \"kommune\", \"Regional\" = \"region\", \"Statslig\" = \"stat\" }\n\
        recode.value_quality = { \"4\" = \"0\" }\n";
    let c = case_in(&format!("{CODEBOOK}\n{delivery}"), "2018-2019.parquet", b"");
    let mut df = good_frame();
    df.rename("id", "ArbejdspladsID".into()).unwrap();
    df.rename("weight", "Vaegt".into()).unwrap();
    df.with_column(Column::new("sector".into(), ["Kommunal", "Kommunal", "Regional", "Regional"])).unwrap();
    // Codes as bytes, as `synth --parquet` writes them, one in the delivery's own code.
    df.with_column(Column::new("value_quality".into(), [Some(1u8), None, Some(4), Some(1)])).unwrap();
    df.rename("value_quality", "Q12_4".into()).unwrap();
    write_parquet(Path::new(&c.file), &mut df);
    let (code, out, err) = run(&c);
    assert_eq!(err, "");
    assert_eq!(code, 0);
    assert!(out.starts_with("2018-2019: 4 rows, 2 strata, 3 innovators"), "{out}");
}

//! Real deliveries read through a `[[delivery]]` of the codebook: mistakes
//! of the mapping are named at their line of the codebook, cells of a
//! renamed column by both names, unknown columns in one warning that
//! `ignore` silences. Each test runs the real binary on files made here.

use std::collections::BTreeMap;
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

// --- SPSS and Excel deliveries --------------------------------------------
//
// The shipped 2018-2019 wave is written here as SPSS (with `ambers`, the
// reader's own crate, as SPSS would: numbers as doubles, labels) and as an
// Excel workbook (with `rust_xlsxwriter`); no fixture file is needed.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use ambers::{Compression, MissingSpec, SpssMetadata, Value};
use arrow::array::{ArrayRef, Float64Array, StringArray};
use arrow::datatypes::{DataType as ArrowType, Field, Schema};
use arrow::record_batch::RecordBatch;
use barometer::data::Codebook;
use indexmap::IndexMap;

use crate::common::{path_str, root, stderr, stdout};

/// The shipped 2018-2019 wave as Polars reads the CSV (text, whole numbers, decimals).
fn shipped() -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(None)
        .try_into_reader_with_file_path(Some(root().join("inputs/waves/2018-2019.csv")))
        .unwrap()
        .finish()
        .unwrap()
}

fn codebook() -> Codebook {
    Codebook::load(&root().join("config/codebook.toml")).unwrap()
}

/// A column as SPSS stores it: text, or numbers as doubles (empty = system-missing).
fn arrow_column(c: &Column) -> (ArrowType, ArrayRef) {
    if c.dtype() == &DataType::String {
        let v: Vec<Option<&str>> = c.str().unwrap().iter().collect();
        return (ArrowType::Utf8, Arc::new(StringArray::from(v)));
    }
    let f = c.cast(&DataType::Float64).unwrap();
    let v: Vec<Option<f64>> = f.f64().unwrap().iter().collect();
    (ArrowType::Float64, Arc::new(Float64Array::from(v)))
}

/// Writes `df` as an SPSS file (`.zsav` compressed) with `meta`'s labels.
fn write_spss(path: &Path, df: &DataFrame, meta: &SpssMetadata) {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = df
        .columns()
        .iter()
        .map(|c| {
            let (t, a) = arrow_column(c);
            (Field::new(c.name().as_str(), t, true), a)
        })
        .unzip();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
    let zipped = path.extension().is_some_and(|e| e == "zsav");
    ambers::write_sav(path, &batch, meta, if zipped { Compression::Zlib } else { Compression::Bytecode }, None).unwrap();
}

/// Writes `df` as an Excel workbook: one sheet "Data", a header row, numbers as numbers.
fn write_workbook(path: &Path, df: &DataFrame) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Data").unwrap();
    for (k, c) in df.columns().iter().enumerate() {
        let col = k as u16;
        sheet.write_string(0, col, c.name().as_str()).unwrap();
        if c.dtype() == &DataType::String {
            for (r, v) in c.str().unwrap().iter().enumerate() {
                if let Some(v) = v {
                    sheet.write_string(r as u32 + 1, col, v).unwrap();
                }
            }
        } else {
            let f = c.cast(&DataType::Float64).unwrap();
            for (r, v) in f.f64().unwrap().iter().enumerate() {
                if let Some(v) = v {
                    sheet.write_number(r as u32 + 1, col, v).unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

/// The shipped inputs with the 2018-2019 wave given as `name`, written by `write`.
fn inputs_with(name: &str, write: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["content", "published", "waves"] {
        let to = dir.path().join(sub);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(root().join("inputs").join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() && p.file_name().unwrap() != "2018-2019.csv" {
                std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    write(&dir.path().join("waves").join(name));
    dir
}

/// `barometer build` of the shipped configuration from `inputs` into `out`, at a fixed date.
fn build(inputs: &Path, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(["build", "--quiet", "--inputs", path_str(inputs), "--out", path_str(out)])
        .current_dir(root())
        .env("CI", "true")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The data files of a build (the numbers of every figure and hero), by name.
fn data_files(out: &Path, ext: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(out.join("data")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == ext)).collect();
    files.sort();
    files.into_iter().map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())).collect()
}

#[test]
fn the_shipped_wave_as_spss_and_as_excel_gives_the_csvs_numbers_and_workbooks() {
    let df = shipped();
    let csv_out = tempfile::tempdir().unwrap();
    build(&root().join("inputs"), csv_out.path());
    let csv = data_files(csv_out.path(), "csv");
    let json = data_files(csv_out.path(), "json");
    assert!(csv.len() > 10, "{}", csv.len());

    let spss = inputs_with("2018-2019.zsav", |p| write_spss(p, &df, &SpssMetadata::default()));
    let excel = inputs_with("2018-2019.xlsx", |p| write_workbook(p, &df));
    for inputs in [&spss, &excel] {
        let out = tempfile::tempdir().unwrap();
        build(inputs.path(), out.path());
        // Every figure's and hero's numbers, byte for byte, as from the CSV.
        assert!(data_files(out.path(), "csv") == csv, "{}", inputs.path().display());
        assert!(data_files(out.path(), "json") == json);
    }

    // The workbooks: the numbers of each figure's CSV, as numbers, under Danish headers.
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let xlsx = data_files(csv_out.path(), "xlsx");
    assert_eq!(xlsx.len(), csv.iter().filter(|(n, _)| n != "headlines.csv" && !n.ends_with(".tests.csv")).count());
    let model: barometer::model::Report = serde_json::from_slice(&std::fs::read(csv_out.path().join("model.json")).unwrap()).unwrap();
    for fig in model.chapters.iter().flat_map(|c| &c.figures) {
        let mut book: Xlsx<_> = open_workbook(csv_out.path().join(format!("data/{}.xlsx", fig.id))).unwrap();
        assert_eq!(book.sheet_names(), std::slice::from_ref(&fig.label));
        let range = book.worksheet_range(&fig.label).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows[0][0], Data::String(format!("{} {}", fig.label, fig.title)));
        let header: Vec<String> = rows[3].iter().take(9).map(|c| c.to_string()).collect();
        assert_eq!(header[..3], ["Serie", "Gruppe", "Periode"]);
        assert_eq!(header[7..], ["Antal svar (n)", "Vist"]);
        let text = String::from_utf8(std::fs::read(csv_out.path().join(format!("data/{}.csv", fig.id))).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut n = 0;
        for (k, record) in reader.records().enumerate() {
            let record = record.unwrap();
            let row = rows[4 + k];
            assert_eq!((row[0].to_string(), row[1].to_string(), row[2].to_string()), (record[2].to_string(), record[3].to_string(), record[1].to_string()));
            // estimate, se, ci_low, ci_high, n: the same numbers, as numbers.
            for (cell, field) in row[3..8].iter().zip(4..9) {
                match (&record[field], cell) {
                    ("", Data::Empty) => {}
                    (v, Data::Float(x)) => assert_eq!(v.parse::<f64>().unwrap(), *x, "{} row {k}", fig.id),
                    (v, other) => panic!("{}: {v} became {other:?}", fig.id),
                }
            }
            assert_eq!(row[8], Data::String(if &record[9] == "true" { "for få svar".into() } else { "Ja".into() }));
            n += 1;
        }
        assert_eq!(n, fig.bars.len());
        // Below the table: the caption, the notes and the source line.
        let below: Vec<String> = rows[5 + n..].iter().map(|r| r[0].to_string()).collect();
        assert_eq!(below[0], fig.caption);
        assert!(below.contains(&fig.source_line), "{below:?}");
    }
    // A chapter's workbook has a sheet per figure.
    let chapter = &model.chapters[0];
    let book: Xlsx<_> = open_workbook(csv_out.path().join(format!("data/chapters/{}.xlsx", chapter.id))).unwrap();
    assert_eq!(book.sheet_names(), chapter.figures.iter().map(|f| f.label.clone()).collect::<Vec<_>>());

    // Two builds at the same date write the same workbook bytes; the manifest lists them.
    let again = tempfile::tempdir().unwrap();
    build(&root().join("inputs"), again.path());
    assert!(data_files(again.path(), "xlsx") == xlsx);
    let manifest = std::fs::read_to_string(csv_out.path().join("manifest.json")).unwrap();
    assert!(manifest.contains(&format!("data/chapters/{}.xlsx", chapter.id)), "the manifest lists the chapter workbook");
}

/// Canonical column -> (the file's value -> the codebook's).
type Recodes = BTreeMap<String, BTreeMap<String, String>>;

/// The shipped wave as a bureau delivers it: every column renamed, the
/// sector as words, area and size as numbered codes, yes/no items as 1 = Ja,
/// 2 = Nej, empty answers as the user-missing code 99 or system-missing; the
/// variable and value labels the codebook's. Also a column the codebook
/// lacks. Returns the frame, its labels and the mapping it needs.
fn renamed_delivery() -> (DataFrame, SpssMetadata, BTreeMap<String, String>, Recodes) {
    let cb = codebook();
    let mut df = shipped();
    let mut meta = SpssMetadata::default();
    let mut columns = BTreeMap::new();
    let mut recode: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut rename = |df: &mut DataFrame, from: &str, to: &str| {
        df.rename(from, to.into()).unwrap();
        columns.insert(to.to_string(), from.to_string());
    };
    let codes = |labels: &std::collections::BTreeMap<String, String>| labels.iter().enumerate().map(|(k, (key, label))| (key.clone(), ((k + 1) as f64, label.clone()))).collect::<Vec<_>>();
    // Design columns.
    rename(&mut df, "id", "ArbejdspladsID");
    rename(&mut df, "stratum", "Lag");
    rename(&mut df, "fpc", "N_lag");
    rename(&mut df, "weight", "Vaegt");
    let words = [("kommune", "Kommunal"), ("region", "Regional"), ("stat", "Statslig")];
    let sector: Vec<String> = df.column("sector").unwrap().str().unwrap().iter().map(|s| words.iter().find(|w| Some(w.0) == s).unwrap().1.to_string()).collect();
    df.with_column(Column::new("sector".into(), sector)).unwrap();
    rename(&mut df, "sector", "Sektor");
    let sector_labels = cb.design.sector.iter().map(|(k, l)| (Value::String(words.iter().find(|w| w.0 == k).unwrap().1.to_string()), l.clone())).collect();
    meta.variable_value_labels.insert("Sektor".into(), sector_labels);
    recode.insert("sector".into(), words.iter().map(|(k, w)| (w.to_string(), k.to_string())).collect());
    for (name, own, labels) in [("area", "Omraade", &cb.design.area), ("size", "Stoerrelse", &cb.design.size)] {
        let coded = codes(labels);
        let values: Vec<Option<f64>> = df.column(name).unwrap().str().unwrap().iter().map(|s| coded.iter().find(|c| Some(c.0.as_str()) == s).map(|c| c.1.0)).collect();
        df.with_column(Column::new(name.into(), values)).unwrap();
        rename(&mut df, name, own);
        meta.variable_value_labels.insert(own.into(), coded.iter().map(|(_, (v, l))| (Value::Numeric(*v), l.clone())).collect());
        recode.insert(name.into(), coded.iter().map(|(key, (v, _))| (format!("{v}"), key.clone())).collect());
    }
    // Items: Q1, Q2, … with the codebook's question and code labels.
    let items: Vec<_> = cb.items_in("2018-2019").cloned().collect();
    for (k, item) in items.iter().enumerate() {
        let own = format!("Q{}", k + 1);
        let yes_no = item.codes.iter().map(|(c, _)| *c).collect::<Vec<_>>() == [0, 1];
        let missing = if k % 2 == 0 { Some(99.0) } else { None };
        let values: Vec<Option<f64>> = df
            .column(&item.name)
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .map(|v| match v {
                Some(0.0) if yes_no => Some(2.0),
                Some(v) => Some(v),
                None => missing,
            })
            .collect();
        df.with_column(Column::new(item.name.as_str().into(), values)).unwrap();
        rename(&mut df, &item.name, &own);
        meta.variable_labels.insert(own.clone(), item.question.clone());
        let labels: IndexMap<Value, String> =
            item.codes.iter().map(|(c, l)| (Value::Numeric(if yes_no && *c == 0 { 2.0 } else { *c as f64 }), l.clone())).collect();
        meta.variable_value_labels.insert(own.clone(), labels);
        if let Some(m) = missing {
            meta.variable_missing_values.insert(own.clone(), vec![MissingSpec::Value(m)]);
        }
        if yes_no {
            recode.insert(item.name.clone(), BTreeMap::from([("2".to_string(), "0".to_string())]));
        }
    }
    let postcodes: Vec<f64> = (0..df.height()).map(|r| [8000.0, 2100.0, 5000.0][r % 3]).collect();
    df.with_column(Column::new("Postnummer".into(), postcodes)).unwrap();
    meta.variable_labels.insert("ArbejdspladsID".into(), "Arbejdspladsens nummer".into());
    (df, meta, columns, recode)
}

/// Runs the real binary with `args` (configuration `config`), returning status, stdout, stderr.
fn run_with(config: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--config", path_str(config)];
    all.extend_from_slice(args);
    let o = crate::common::barometer(&all);
    (o.status.code().unwrap(), stdout(&o), stderr(&o))
}

#[test]
fn a_renamed_recoded_spss_delivery_gets_a_complete_mapping_that_validates() {
    let (df, meta, columns, recode) = renamed_delivery();
    let dir = tempfile::tempdir().unwrap();
    let waves = dir.path().join("inputs/waves");
    std::fs::create_dir_all(&waves).unwrap();
    let sav = waves.join("2018-2019.sav");
    write_spss(&sav, &df, &meta);
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let shipped_codebook = std::fs::read_to_string(root().join("config/codebook.toml")).unwrap();
    std::fs::write(config.join("codebook.toml"), &shipped_codebook).unwrap();

    let (code, proposal, err) = run_with(&config, &["delivery", "propose", path_str(&sav)]);
    assert_eq!((code, err.as_str()), (0, ""), "{proposal}");
    // Every column and every recode, exactly; the unknown column ignored.
    let parsed: toml::Value = toml::from_str(&proposal).unwrap();
    let d = &parsed["delivery"][0];
    assert_eq!(d["period"].as_str(), Some("2018-2019"));
    let got: BTreeMap<String, String> = d["columns"].as_table().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
    assert_eq!(got, columns);
    let got: BTreeMap<String, BTreeMap<String, String>> = d["recode"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, t)| (k.clone(), t.as_table().unwrap().iter().map(|(a, b)| (a.clone(), b.as_str().unwrap().to_string())).collect()))
        .collect();
    assert_eq!(got, recode);
    assert_eq!(d["ignore"].as_array().unwrap(), &[toml::Value::from("Postnummer")]);
    assert!(proposal.contains("columns.\"Q12\" = \"value_quality\"  # by its variable label, which is the question of value_quality\n") || proposal.contains("# by its variable label, which is the question of"), "{proposal}");
    assert!(proposal.contains("columns.\"Sektor\" = \"sector\"  # by its value labels, which are the codebook's labels of sector\n"), "{proposal}");
    assert!(proposal.contains("columns.\"Vaegt\" = \"weight\"  # by its values: positive numbers with decimals, as weights are\n"), "{proposal}");
    assert!(proposal.contains("#   \"Postnummer\": its name is no column of the codebook, and it has no variable label\n"), "{proposal}");

    // Pasted into the codebook, it validates, with the CSV's numbers.
    std::fs::write(config.join("codebook.toml"), format!("{shipped_codebook}\n{proposal}")).unwrap();
    let (code, out, err) = run_with(&config, &["validate", "--inputs", path_str(&dir.path().join("inputs"))]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let (_, shipped_out, _) = run_with(&root().join("config"), &["validate"]);
    // "2018-2019: 2.271 rows, … (81.0 % weighted, se 1.0)", without the file.
    let summary = |s: &str| {
        let line = s.lines().find(|l| l.starts_with("2018-2019:")).unwrap().to_string();
        line[..=line.find(')').unwrap()].to_string()
    };
    assert_eq!(summary(&out), summary(&shipped_out));
    assert!(out.ends_with(&format!("{} (SPSS)\n1 waves valid\n", path_str(&sav))), "{out}");
}

#[test]
fn a_truncated_or_damaged_spss_or_excel_file_is_refused_with_what_to_do() {
    let df = shipped().head(Some(40));
    let dir = tempfile::tempdir().unwrap();
    let good_sav = dir.path().join("good.sav");
    write_spss(&good_sav, &df, &SpssMetadata::default());
    let good_xlsx = dir.path().join("good.xlsx");
    write_workbook(&good_xlsx, &df);
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("2018-2019.sav", { let b = std::fs::read(&good_sav).unwrap(); b[..b.len() * 2 / 3].to_vec() }, "the file is truncated: its header declares 40 cases but 9 were read (was the file cut off?); copy or save it again from SPSS"),
        ("2018-2019.sav", b"id,stratum\nA1,s1\n".to_vec(), "the file is not an SPSS data file (it does not begin with \"$FL2\"); save the wave from SPSS as .sav, or name the file by what it is (.csv, .xlsx)"),
        ("2018-2019.xlsx", { let b = std::fs::read(&good_xlsx).unwrap(); b[..b.len() / 2].to_vec() }, "cannot read the file as an Excel workbook: Zip error: invalid Zip archive: Could not find EOCD; the file is cut off or damaged: save it again from Excel as \"Excel-projektmappe (.xlsx)\""),
        ("2018-2019.xlsx", b"id,stratum\nA1,s1\n".to_vec(), "the file is not an Excel workbook (an .xlsx file is a zip archive, and this is not one); save it from Excel as \"Excel-projektmappe (.xlsx)\", or name the file by what it is (.csv)"),
    ];
    let mut got = Vec::new();
    let mut wanted = Vec::new();
    for (name, bytes, want) in cases {
        let c = case_in(CODEBOOK, name, &bytes);
        let (code, _, err) = run(&c);
        got.push((code, err.replace(&c.file, "{f}")));
        wanted.push((1, format!("error: {{f}}: {want}\n{{f}}: 1 problem found\n")));
    }
    assert_eq!(got, wanted);
}

/// GOOD with value_quality 1, user-missing 99, 0, and 4 on its four rows.
fn good_with_a_bad_code(missing: f64) -> DataFrame {
    let mut df = good_frame();
    df.with_column(Column::new("value_quality".into(), [Some(1.0), Some(missing), Some(0.0), Some(4.0)])).unwrap();
    df
}

#[test]
fn spss_user_missing_is_empty_and_a_cells_message_gives_its_value_label() {
    let c = case_in(CODEBOOK, "2018-2019.sav", b"");
    let mut meta = SpssMetadata::default();
    meta.variable_missing_values.insert("value_quality".into(), vec![MissingSpec::Range { lo: 98.0, hi: 99.0 }]);
    meta.variable_value_labels.insert("value_quality".into(), IndexMap::from([(Value::Numeric(4.0), "Ved ikke".to_string())]));
    write_spss(Path::new(&c.file), &good_with_a_bad_code(99.0), &meta);
    // Row 2's 99 is empty, as a non-innovator's must be; row 4's 4 is no code.
    expect(&c, &["{f}: row 4: column \"value_quality\", value \"4\": not a code of value_quality (0, 1) (the file labels 4 \"Ved ikke\")"]);
}

#[test]
fn an_excel_wave_names_its_sheet_and_rows_as_excel_shows_them() {
    let c = case_in(CODEBOOK, "2018-2019.xlsx", b"");
    let mut df = good_with_a_bad_code(0.0);
    df.with_column(Column::new("value_quality".into(), [Some(1.0), None, Some(0.0), Some(4.0)])).unwrap();
    write_workbook(Path::new(&c.file), &df);
    expect_of(&c, "{f}, sheet \"Data\"", &["{f}, sheet \"Data\": row 5: column \"value_quality\", value \"4\": not a code of value_quality (0, 1)"]);
    let (code, out, err) = {
        df.with_column(Column::new("value_quality".into(), [Some(1.0), None, Some(0.0), Some(1.0)])).unwrap();
        write_workbook(Path::new(&c.file), &df);
        run(&c)
    };
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.starts_with("2018-2019: 4 rows, 2 strata, 3 innovators"), "{out}");
    assert!(out.contains("(Excel)"), "{out}");
}

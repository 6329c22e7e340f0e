//! Stage 1: wave files in, validated frames out.

pub mod codebook;
pub mod findings;
pub mod propose;
pub mod read;
pub mod synth;
pub mod validate;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use findings::Findings;

pub use codebook::Codebook;
pub use crate::error::{Place, Problem, Problems};

/// One validated wave: the contract's columns, typed and compact.
#[derive(Debug, Clone)]
pub struct Wave {
    pub period: String,
    pub file: PathBuf,
    /// fpc, weight (Float64), then the wave's items as codes (UInt8, null
    /// where not asked). The text design columns are in `sector_area_size`
    /// and `strata`; the ids were checked and are not kept.
    pub frame: DataFrame,
    /// How the file was read ("UTF-8, ','"), for summaries.
    pub read_as: String,
    /// The validator's stratum index of the rows, for the design (and the
    /// stratum labels, for expressions).
    pub strata: validate::Strata,
    /// sector, area and size as codes of the codebook's values: a byte a
    /// row instead of a text cell (10 million rows: 30 MB, not 500 MB).
    pub coded: Vec<(String, Coded)>,
    pub warnings: Vec<String>,
    /// Items the wave has but the computation left out of `frame`
    /// ([`Wave::keep_columns`]): still the wave's, so a family or pos() that
    /// names one fails loudly instead of counting fewer members. The id
    /// column is here too: checked, not kept.
    pub left_out: std::collections::BTreeSet<String>,
}

/// A design column of labels as codes: row i's label is `levels[codes[i]]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coded {
    pub levels: Vec<String>,
    pub codes: Vec<u8>,
}

/// A text design column of a wave: its labels and each row's index into them.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    pub levels: &'a [String],
    pub codes: TextCodes<'a>,
}

/// Row indexes into a text column's labels: bytes (sector, area, size)
/// or the strata's numbers.
#[derive(Clone, Copy)]
pub enum TextCodes<'a> {
    Bytes(&'a [u8]),
    Wide(&'a [u32]),
}

impl Text<'_> {
    pub fn len(&self) -> usize {
        match self.codes {
            TextCodes::Bytes(c) => c.len(),
            TextCodes::Wide(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row i's index into `levels`.
    #[inline]
    pub fn code(&self, i: usize) -> usize {
        match self.codes {
            TextCodes::Bytes(c) => c[i] as usize,
            TextCodes::Wide(c) => c[i] as usize,
        }
    }
}

impl Wave {
    pub fn rows(&self) -> usize {
        self.frame.height()
    }

    /// A numeric column as f64 with NaN for empty cells (the stats layer's form).
    pub fn values(&self, name: &str) -> Result<Vec<f64>> {
        let col = self
            .frame
            .column(name)
            .map_err(|_| Error::Internal(format!("wave {} has no column \"{name}\"", self.period)))?;
        let col = col.cast(&DataType::Float64)?;
        Ok(col.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }

    /// A text design column (stratum, sector, area, size) as codes.
    pub fn text(&self, name: &str) -> Option<Text<'_>> {
        if name == "stratum" {
            return Some(Text { levels: &self.strata.labels, codes: TextCodes::Wide(&self.strata.stratum) });
        }
        self.coded.iter().find(|(n, _)| n == name).map(|(_, c)| Text { levels: &c.levels, codes: TextCodes::Bytes(&c.codes) })
    }

    /// A text column (design labels), row by row.
    pub fn labels(&self, name: &str) -> Result<Vec<&str>> {
        let t = self.text(name).ok_or_else(|| Error::Internal(format!("wave {} has no column \"{name}\"", self.period)))?;
        Ok((0..t.len()).map(|i| t.levels[t.code(i)].as_str()).collect())
    }

    /// Whether the wave has the column (loaded, or left out of the computation).
    pub fn has(&self, name: &str) -> bool {
        self.frame.column(name).is_ok() || self.text(name).is_some() || self.left_out.contains(name)
    }

    /// Every column name of the wave, left-out ones included.
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = ["stratum".to_string()].into_iter().chain(self.coded.iter().map(|(n, _)| n.clone())).collect();
        names.extend(self.frame.get_column_names().iter().map(|c| c.to_string()));
        names.extend(self.left_out.iter().cloned());
        names
    }

    /// Keeps only `keep` in the frame (the columns the stale jobs read) and
    /// remembers the rest as the wave's, left out.
    pub fn keep_columns(&mut self, keep: Vec<String>) -> Result<()> {
        let kept: std::collections::BTreeSet<&str> = keep.iter().map(String::as_str).collect();
        let dropped: Vec<String> = self.frame.get_column_names().iter().map(|c| c.to_string()).filter(|c| !kept.contains(c.as_str())).collect();
        self.frame = self.frame.select(keep)?;
        self.left_out.extend(dropped);
        Ok(())
    }
}

/// The period a wave file stands for: `inputs/waves/2018-2019.csv` -> "2018-2019".
pub fn period_of(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    codebook::is_period(stem).then(|| stem.to_string())
}

/// Reads and validates one wave file. A `[[delivery]]` mapping that does
/// not fit the file is reported at its line of the codebook (the problems
/// then name the codebook, not the wave).
pub fn load_wave(path: &Path, codebook: &Codebook) -> Result<Wave, Problems> {
    let shown = path.display().to_string();
    let mut problems = Findings::new(shown.as_str());
    let Some(period) = period_of(path) else {
        problems.file_level("the file name must be the wave's period, such as 2018-2019.csv");
        return Err(problems.into_problems());
    };
    if !codebook.has_wave(&period) {
        problems.file_level(format!(
            "wave {period} is not listed in the codebook; add a [[wave]] with period = \"{period}\" to {}",
            codebook.source
        ));
        return Err(problems.into_problems());
    }
    // Our own Parquet (no [[delivery]] to apply) is read design columns
    // first, items after, so the two are never in memory together.
    let by_parts = codebook.delivery(&period).is_none();
    let Some(mut raw) = read::read_wave_table(path, by_parts, &mut problems) else { return Err(problems.into_problems()) };
    // A workbook's problems name the sheet read.
    let shown = match &raw.sheet {
        Some(sheet) => format!("{shown}, sheet \"{sheet}\""),
        None => shown,
    };
    let mut problems = Findings::new(shown.as_str());
    let mapped = validate::apply_delivery(&raw, &period, codebook, &shown)?;
    // The validator owns the columns from here, and drops each kind once checked.
    raw.frame = DataFrame::empty();
    problems.set_renamed(mapped.renamed.clone());
    problems.set_value_labels(raw.labels.values.clone());
    let read_as = match raw.separator {
        Some(sep) => format!("{}, '{}'", raw.encoding, sep as char),
        None => raw.encoding.to_string(),
    };
    let mut warnings = Vec::new();
    match validate::validate(&raw, mapped, &period, codebook, &mut problems, &mut warnings) {
        Some(v) if problems.is_empty() => Ok(Wave {
            period,
            file: path.to_path_buf(),
            frame: v.frame,
            read_as,
            strata: v.strata,
            coded: v.coded,
            warnings,
            left_out: ["id".to_string()].into(),
        }),
        _ => Err(problems.into_problems()),
    }
}

/// The wave files of a folder (`<period>.csv`, `.parquet`, `.sav`, `.zsav`,
/// `.xlsx`), sorted by name. Anything else in the folder is refused with
/// what to do, rather than skipped (hidden files such as `.gitkeep` aside):
/// a wave saved as `.xls` or `.CSV`, two files for one period, a named pipe or a device,
/// a file larger than `read::MAX_WAVE_BYTES`. Nothing is opened here.
pub fn wave_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::Config(format!("cannot read the wave folder {}: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut failed: Vec<Problems> = Vec::new();
    let mut refuse = |path: &Path, why: String| {
        let mut p = Problems::new(path.display().to_string());
        p.file_level(why);
        failed.push(p);
    };
    for path in paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if let Some(why) = misnamed(&path) {
            refuse(&path, why);
            continue;
        }
        if let Err(why) = read::check_readable(&path) {
            refuse(&path, why);
            continue;
        }
        match files.iter().find(|f| period_of(f) == period_of(&path) && period_of(f).is_some()) {
            Some(other) => {
                let period = period_of(&path).unwrap_or_default();
                refuse(&path, format!("wave {period} is also given by {}; keep one file per wave", other.display()));
            }
            None => files.push(path),
        }
    }
    if failed.is_empty() { Ok(files) } else { Err(Error::Data(failed)) }
}

/// What is wrong with the name of a file in the wave folder, and what to do.
fn misnamed(path: &Path) -> Option<String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if read::WAVE_EXTENSIONS.contains(&ext) {
        // A wave file not named by its period is refused by load_wave, which says so.
        return None;
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let wave_name = if codebook::is_period(&stem) { stem.clone() } else { "<period>".to_string() };
    let lower = ext.to_ascii_lowercase();
    Some(match lower.as_str() {
        e if read::WAVE_EXTENSIONS.contains(&e) => format!("the extension must be written in lower case; rename the file to {wave_name}.{lower}"),
        "xls" | "xlsm" | "ods" => format!(
            "this kind of workbook is not read; open it in Excel and save it as \"Excel-projektmappe (.xlsx)\" named {wave_name}.xlsx"
        ),
        "por" => format!("an SPSS portable file is not read; open it in SPSS and save it as {wave_name}.sav"),
        "txt" => format!(
            "a wave file must end in .csv, .parquet, .sav, .zsav or .xlsx; if it is CSV text (';' or ',' between fields), rename it to {wave_name}.csv"
        ),
        "tsv" | "tab" => format!(
            "tab-separated text is not read; open it in Excel and save it as \"CSV UTF-8 (kommasepareret)\" named {wave_name}.csv"
        ),
        _ => "only wave files (<period>.csv, .parquet, .sav, .zsav or .xlsx, such as 2018-2019.csv) belong in the wave folder; move this one out".to_string(),
    })
}

/// Loads every wave of a folder in parallel; all problems of all files are
/// returned together, in file order.
pub fn load_waves(dir: &Path, codebook: &Codebook) -> Result<Vec<Wave>> {
    let files = wave_files(dir)?;
    if files.is_empty() {
        return Err(Error::Config(format!("no wave files (*.csv, *.parquet, *.sav, *.zsav, *.xlsx) in {}", dir.display())));
    }
    let results: Vec<Result<Wave, Problems>> = files.par_iter().map(|f| load_wave(f, codebook)).collect();
    let mut waves = Vec::new();
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(w) => waves.push(w),
            Err(p) => failed.push(p),
        }
    }
    if failed.is_empty() { Ok(waves) } else { Err(Error::Data(failed)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Parquet wave read by parts (design columns, then items) gives the
    /// wave its CSV gives: the same typed columns, strata and codes, and
    /// the codes name the file's labels row by row.
    #[test]
    fn parquet_read_by_parts_is_the_csv_wave() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let codebook = Codebook::load(&root.join("config/codebook.toml")).unwrap();
        let csv = root.join("inputs/waves/2018-2019.csv");
        let from_csv = load_wave(&csv, &codebook).unwrap();
        let raw = read::read_table(&csv, &mut Findings::new("")).unwrap();
        let text = ["id", "stratum", "sector", "area", "size"];
        let mut columns: Vec<Column> = text.iter().map(|n| raw.frame.column(n).unwrap().clone()).collect();
        columns.extend(from_csv.frame.columns().iter().cloned());
        let mut df = DataFrame::new(from_csv.rows(), columns).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2018-2019.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut df).unwrap();
        let from_parquet = load_wave(&path, &codebook).unwrap();
        assert!(from_parquet.frame.equals_missing(&from_csv.frame));
        assert_eq!(from_parquet.coded, from_csv.coded);
        assert_eq!(from_parquet.strata.stratum, from_csv.strata.stratum);
        assert_eq!(from_parquet.strata.labels, from_csv.strata.labels);
        assert_eq!(from_parquet.coded.iter().map(|(n, c)| (n.as_str(), c.levels.len())).collect::<Vec<_>>(), [("sector", 3), ("area", 8), ("size", 4)]);
        for name in ["stratum", "sector", "area", "size"] {
            let cells: Vec<&str> = raw.frame.column(name).unwrap().str().unwrap().iter().map(|v| v.unwrap_or("")).collect();
            assert_eq!(from_parquet.labels(name).unwrap(), cells, "{name}");
        }
        assert_eq!(from_parquet.rows(), 2271);
        assert!(from_parquet.has("id") && from_parquet.frame.column("id").is_err());
    }
}

//! Stage 1: wave files in, validated frames out.

pub mod codebook;
pub mod read;
pub mod synth;
pub mod validate;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};

pub use codebook::Codebook;
pub use crate::error::{Place, Problem, Problems};

/// One validated wave: the contract's columns as a typed Polars frame.
#[derive(Debug, Clone)]
pub struct Wave {
    pub period: String,
    pub file: PathBuf,
    /// id, stratum, sector, area, size (String), fpc, weight (Float64), then
    /// the wave's items as codes (UInt8, null where not asked).
    pub frame: DataFrame,
    /// How the file was read ("UTF-8, ','"), for summaries.
    pub read_as: String,
    /// The validator's stratum index of the rows, for the design.
    pub strata: validate::Strata,
    pub warnings: Vec<String>,
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

    /// A text column (design labels).
    pub fn labels(&self, name: &str) -> Result<Vec<&str>> {
        let col = self
            .frame
            .column(name)
            .map_err(|_| Error::Internal(format!("wave {} has no column \"{name}\"", self.period)))?;
        Ok(col.str()?.iter().map(|v| v.unwrap_or("")).collect())
    }

    pub fn has(&self, name: &str) -> bool {
        self.frame.column(name).is_ok()
    }
}

/// The period a wave file stands for: `inputs/waves/2018-2019.csv` -> "2018-2019".
pub fn period_of(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    codebook::is_period(stem).then(|| stem.to_string())
}

/// Reads and validates one wave file.
pub fn load_wave(path: &Path, codebook: &Codebook) -> Result<Wave, Problems> {
    let shown = path.display().to_string();
    let mut problems = Problems::new(shown);
    let Some(period) = period_of(path) else {
        problems.file_level("the file name must be the wave's period, such as 2018-2019.csv");
        return Err(problems);
    };
    if !codebook.has_wave(&period) {
        problems.file_level(format!(
            "wave {period} is not listed in the codebook; add a [[wave]] with period = \"{period}\" to config/codebook.toml"
        ));
        return Err(problems);
    }
    let Some(raw) = read::read_table(path, &mut problems) else { return Err(problems) };
    let read_as = match raw.separator {
        Some(sep) => format!("{}, '{}'", raw.encoding, sep as char),
        None => raw.encoding.to_string(),
    };
    let mut warnings = Vec::new();
    match validate::validate(raw, &period, codebook, &mut problems, &mut warnings) {
        Some((frame, strata)) if problems.is_empty() => {
            Ok(Wave { period, file: path.to_path_buf(), frame, read_as, strata, warnings })
        }
        _ => Err(problems),
    }
}

/// The wave files of a folder (`*.csv`, `*.parquet`), sorted by name.
pub fn wave_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::Config(format!("cannot read the wave folder {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "parquet")))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads every wave of a folder in parallel; all problems of all files are
/// returned together, in file order.
pub fn load_waves(dir: &Path, codebook: &Codebook) -> Result<Vec<Wave>> {
    let files = wave_files(dir)?;
    if files.is_empty() {
        return Err(Error::Config(format!("no wave files (*.csv, *.parquet) in {}", dir.display())));
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
    for (i, w) in waves.iter().enumerate() {
        if let Some(other) = waves[..i].iter().find(|o| o.period == w.period) {
            let mut p = Problems::new(w.file.display().to_string());
            p.file_level(format!("wave {} is also given by {}; keep one file per wave", w.period, other.file.display()));
            failed.push(p);
        }
    }
    if failed.is_empty() { Ok(waves) } else { Err(Error::Data(failed)) }
}

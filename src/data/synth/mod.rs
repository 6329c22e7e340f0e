//! Synthetic waves: the real microdata are not public, so the project ships
//! waves drawn from a model of the public sector that reproduces the
//! published numbers (spec/targets.toml).
//!
//! How a wave is drawn:
//! - a frame of 14.500 workplaces in 56 strata (sector × delsektor × size);
//! - respondents allocated to strata with response propensities that differ
//!   by size, sector and stratum, summing exactly to the published count;
//! - weights N_h / n_h;
//! - the published number of innovators, larger workplaces more often;
//! - every item a logistic draw whose intercept is calibrated (bisection) so
//!   that the weighted share in its domain meets its target; correlations
//!   come from shared predictors (a latent openness, the type of the latest
//!   innovation) and from calibrating inside cells (value by pos(citizens)).
//!
//! Each row draws its uniforms from its own ChaCha stream, so a wave is the
//! same for a given seed whatever the thread count, and `--rows N` scales a
//! wave to millions of rows with the calibrated intercepts, chunk by chunk.
//!
//! By concern: the frame and the allocation (`frame`), the machinery of
//! calibrated steps (`model`), the item model of each wave (`items`), the
//! drawing of respondents and innovators (`draw`), and the files (`write`).

mod draw;
mod frame;
mod items;
mod model;
mod write;

use std::path::PathBuf;

use super::codebook::Codebook;
use crate::error::{Error, Result};

pub use frame::{Stratum, allocate, frame};
pub use model::Row;

use draw::draw_base;
use write::{Out, OutColumn, write_base, write_scaled};

/// The documented seed of the shipped waves.
pub const DEFAULT_SEED: u64 = 20_190_601;

/// A wave to draw: the published counts and the shares to reproduce.
#[derive(Debug, Clone, Copy)]
pub struct WaveSpec {
    pub period: &'static str,
    pub responses: usize,
    pub innovators: usize,
    /// Weighted share of innovators among all workplaces, where published.
    pub innovated_share: Option<f64>,
}

/// The three shipped waves (published counts: spec/targets.toml).
pub const WAVES: [WaveSpec; 3] = [
    WaveSpec { period: "2013-2014", responses: 1255, innovators: 1093, innovated_share: None },
    WaveSpec { period: "2015-2016", responses: 2363, innovators: 1942, innovated_share: Some(0.80) },
    WaveSpec { period: "2018-2019", responses: 2271, innovators: 1877, innovated_share: Some(0.81) },
];

/// Options of `barometer synth`.
pub struct SynthOptions {
    pub seed: u64,
    /// Rows per wave (scaled from the frame); None = the published counts.
    pub rows: Option<usize>,
    pub out_dir: PathBuf,
    /// Only these periods (None = every shipped wave).
    pub periods: Option<Vec<String>>,
    pub parquet: bool,
}

/// What `synth` wrote.
pub struct Written {
    pub path: PathBuf,
    pub rows: usize,
    pub innovators: usize,
}

/// Writes the synthetic waves; each file appears only when complete.
pub fn synth(codebook: &Codebook, opts: &SynthOptions) -> Result<Vec<Written>> {
    check_rows(opts.rows)?;
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::write(&opts.out_dir, e))?;
    let mut out = Vec::new();
    for (w, spec) in WAVES.iter().enumerate() {
        if let Some(p) = &opts.periods {
            if !p.iter().any(|x| x == spec.period) {
                continue;
            }
        }
        if !codebook.has_wave(spec.period) {
            return Err(Error::Internal(format!("wave {} is not in the codebook", spec.period)));
        }
        out.push(write_wave(codebook, spec, w, opts)?);
    }
    Ok(out)
}

/// A scaled wave needs two respondents in each stratum of the frame.
fn check_rows(rows: Option<usize>) -> Result<()> {
    let strata = frame().len();
    if let Some(rows) = rows {
        if rows < 2 * strata {
            let why = format!("--rows {rows} is too few: a wave needs at least {} rows (two respondents in each of the {strata} strata)", 2 * strata);
            return Err(Error::Config(why));
        }
    }
    Ok(())
}

/// Draws wave number `w` and writes it under a temporary name, renamed
/// when complete.
fn write_wave(codebook: &Codebook, spec: &WaveSpec, w: usize, opts: &SynthOptions) -> Result<Written> {
    let columns: Vec<OutColumn> = codebook
        .items_in(spec.period)
        .map(|i| OutColumn { name: i.name.clone(), asked: i.asked })
        .collect();
    let ext = if opts.parquet { "parquet" } else { "csv" };
    let path = opts.out_dir.join(format!("{}.{ext}", spec.period));
    let (drawn, rows, stratum_of) = draw_base(spec, w, opts.seed)?;
    let tmp = path.with_extension(format!("{ext}.partial"));
    let out = Out { columns: &columns, tmp: &tmp, parquet: opts.parquet };
    let (rows, innovators) = match opts.rows {
        None => write_base(&drawn, &rows, &stratum_of, &out)?,
        Some(total) => write_scaled(&drawn, spec.responses, w, opts.seed, total, &out)?,
    };
    std::fs::rename(&tmp, &path).map_err(|e| Error::write(&path, e))?;
    Ok(Written { path, rows, innovators })
}

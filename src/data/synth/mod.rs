//! Synthetic waves: the real microdata are not public, so the project ships
//! waves drawn from a model of the public sector that reproduces the
//! published numbers (tests/reference/targets.toml).
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

use super::codebook::{Codebook, WaveSpec};
use crate::error::{Error, Result};

pub use frame::{Stratum, allocate, frame};
pub use model::Row;

use draw::draw_base;
use write::{Out, OutColumn, write_base, write_scaled};

/// The documented seed of the shipped waves.
pub const DEFAULT_SEED: u64 = 20_190_601;

/// Options of `barometer synth`.
pub struct SynthOptions {
    pub seed: u64,
    /// Rows per wave (scaled from the frame); None = the published counts.
    pub rows: Option<usize>,
    pub out_dir: PathBuf,
    /// Only these periods (None = every wave the codebook marks synthetic).
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
    let waves = selected(codebook, opts.periods.as_deref());
    for (_, spec) in &waves {
        counts(spec)?;
    }
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::write(&opts.out_dir, e))?;
    waves.into_iter().map(|(w, spec)| write_wave(codebook, spec, w, opts)).collect()
}

/// The codebook's waves to draw, each with its place in the codebook (which
/// seeds its random streams): those named, or else those marked synthetic.
fn selected<'a>(codebook: &'a Codebook, periods: Option<&[String]>) -> Vec<(usize, &'a WaveSpec)> {
    codebook
        .waves
        .iter()
        .enumerate()
        .filter(|(_, spec)| match periods {
            Some(p) => p.contains(&spec.period),
            None => spec.synthetic,
        })
        .collect()
}

/// The published respondents and innovators a wave is drawn to, from its
/// `[[wave]]`: both given, two respondents in each stratum of the frame at
/// least, no more than the frame's workplaces, and innovators and
/// non-innovators among them.
fn counts(spec: &WaveSpec) -> Result<(usize, usize)> {
    let period = &spec.period;
    let (responses, innovators) = match (spec.responses, spec.innovators) {
        (Some(r), Some(i)) => (r, i),
        (r, i) => {
            let lacks: Vec<&str> = [("responses", r.is_none()), ("innovators", i.is_none())]
                .into_iter()
                .filter_map(|(key, missing)| missing.then_some(key))
                .collect();
            return Err(Error::Config(format!(
                "wave {period} cannot be synthesised: its [[wave]] in the codebook has no {}; give the published counts of the edition",
                lacks.join(" and ")
            )));
        }
    };
    let strata = frame();
    let (least, most) = (2 * strata.len(), strata.iter().map(|s| s.population as usize).sum::<usize>());
    if !(least..=most).contains(&responses) {
        return Err(Error::Config(format!(
            "wave {period}: responses = {responses} cannot be drawn; the frame takes {least} to {most} respondents"
        )));
    }
    if innovators == 0 || innovators >= responses {
        return Err(Error::Config(format!(
            "wave {period}: innovators = {innovators} must be at least 1 and fewer than responses = {responses}"
        )));
    }
    Ok((responses, innovators))
}

/// A scaled wave needs two respondents in each stratum of the frame.
fn check_rows(rows: Option<usize>) -> Result<()> {
    let strata = frame().len();
    if let Some(rows) = rows
        && rows < 2 * strata
    {
        let why = format!("--rows {rows} is too few: a wave needs at least {} rows (two respondents in each of the {strata} strata)", 2 * strata);
        return Err(Error::Config(why));
    }
    Ok(())
}

/// Draws wave number `w` and writes it under a temporary name, renamed
/// when complete.
fn write_wave(codebook: &Codebook, spec: &WaveSpec, w: usize, opts: &SynthOptions) -> Result<Written> {
    let items: Vec<&super::codebook::Item> = codebook.items_in(&spec.period).collect();
    let columns: Vec<OutColumn> = items
        .iter()
        .map(|i| {
            let reads = match &i.asked {
                super::codebook::Asked::When(cond) => {
                    let names = cond.reads(items.iter().map(|x| x.name.as_str()));
                    names.iter().filter_map(|n| items.iter().position(|x| x.name == *n)).collect()
                }
                _ => Vec::new(),
            };
            OutColumn { name: i.name.clone(), asked: i.asked.clone(), codes: i.codes.iter().map(|(c, _)| *c).collect(), reads }
        })
        .collect();
    let ext = if opts.parquet { "parquet" } else { "csv" };
    let path = opts.out_dir.join(format!("{}.{ext}", spec.period));
    let (responses, innovators) = counts(spec)?;
    let (drawn, rows, stratum_of) = draw_base(spec, responses, innovators, w, opts.seed)?;
    let tmp = path.with_extension(format!("{ext}.partial"));
    let out = Out { columns: &columns, tmp: &tmp, parquet: opts.parquet };
    let (rows, innovators) = match opts.rows {
        None => write_base(&drawn, &rows, &stratum_of, &out)?,
        Some(total) => write_scaled(&drawn, responses, w, opts.seed, total, &out)?,
    };
    std::fs::rename(&tmp, &path).map_err(|e| Error::write(&path, e))?;
    Ok(Written { path, rows, innovators })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Codebook {
        Codebook::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/codebook.toml")).unwrap()
    }

    fn options(dir: &std::path::Path, period: &str) -> SynthOptions {
        SynthOptions { seed: DEFAULT_SEED, rows: None, out_dir: dir.to_path_buf(), periods: Some(vec![period.to_string()]), parquet: false }
    }

    #[test]
    fn the_shipped_waves_are_drawn_to_the_codebooks_counts() {
        let cb = shipped();
        let picked: Vec<(usize, &str)> = selected(&cb, None).into_iter().map(|(w, s)| (w, s.period.as_str())).collect();
        assert_eq!(picked, [(0, "2013-2014"), (1, "2015-2016"), (2, "2018-2019"), (3, "2021-2023")]);
        let published: Vec<_> = cb.waves.iter().map(|w| (counts(w).unwrap(), w.innovated_share)).collect();
        assert_eq!(
            published,
            [((1255, 1093), None), ((2363, 1942), Some(0.80)), ((2271, 1877), Some(0.81)), ((1611, 1352), Some(0.83))]
        );
    }

    #[test]
    fn a_wave_without_counts_is_a_clear_error() {
        let mut cb = shipped();
        cb.waves[2].innovators = None;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("waves");
        let err = synth(&cb, &options(&out, "2018-2019")).err().unwrap();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "wave 2018-2019 cannot be synthesised: its [[wave]] in the codebook has no innovators; give the published counts of the edition"
        );
        assert!(!out.exists(), "nothing written");
        cb.waves[2].responses = None;
        let err = synth(&cb, &options(&out, "2018-2019")).err().unwrap();
        assert!(err.to_string().contains("has no responses and innovators;"), "{err}");
        // Counts the frame cannot meet are refused too.
        cb.waves[0].innovators = Some(1255);
        let err = counts(&cb.waves[0]).unwrap_err();
        assert_eq!(err.to_string(), "wave 2013-2014: innovators = 1255 must be at least 1 and fewer than responses = 1255");
    }
}

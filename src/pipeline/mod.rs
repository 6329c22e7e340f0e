//! Stage 7: the commands users run, tying the stages together.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::data::{self, Codebook, Problems, Wave};
use crate::stats;

/// Input that breaks the contract (data or configuration): exit status 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

/// Exit status for an error: 1 for invalid data or configuration, 3 for the rest.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|e| e.is::<Invalid>() || e.is::<Problems>()) { 1 } else { 3 }
}

/// Where things are, as the command line gives them.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config: PathBuf,
    pub inputs: PathBuf,
    pub out: PathBuf,
}

impl Paths {
    pub fn codebook(&self) -> PathBuf {
        self.config.join("codebook.toml")
    }
    pub fn waves(&self) -> PathBuf {
        self.inputs.join("waves")
    }
}

pub fn load_codebook(paths: &Paths) -> Result<Codebook> {
    Codebook::load(&paths.codebook()).map_err(|e| Invalid(format!("{e:#}")).into())
}

/// A wave's headline for summaries.
#[derive(Debug, Serialize)]
pub struct WaveSummary {
    pub period: String,
    pub file: String,
    pub read_as: String,
    pub rows: usize,
    pub strata: usize,
    pub innovators: usize,
    pub population: f64,
    pub innovated_share: f64,
    pub innovated_se: f64,
    pub warnings: Vec<String>,
}

pub fn summarize(wave: &Wave) -> Result<WaveSummary> {
    let design = design_of(wave)?;
    let innovated = wave.values("innovated")?;
    let all = vec![true; wave.rows()];
    let est = stats::share(&design, &all, &innovated)?;
    let weights = wave.values("weight")?;
    Ok(WaveSummary {
        period: wave.period.clone(),
        file: wave.file.display().to_string(),
        read_as: wave.read_as.clone(),
        rows: wave.rows(),
        strata: design.n_strata(),
        innovators: innovated.iter().filter(|&&x| x == 1.0).count(),
        population: weights.iter().sum(),
        innovated_share: est.estimate,
        innovated_se: est.se,
        warnings: wave.warnings.clone(),
    })
}

/// The stratified design of a validated wave.
pub fn design_of(wave: &Wave) -> Result<stats::Design> {
    let s = &wave.strata;
    let weights = wave.values("weight")?;
    Ok(stats::Design::from_strata(s.stratum.clone(), s.labels.clone(), s.population.clone(), weights)?)
}

/// Loads and validates every wave; problems of all files are reported together.
pub fn load_all(paths: &Paths, codebook: &Codebook) -> Result<Vec<Wave>> {
    match data::load_waves(&paths.waves(), codebook).map_err(|e| Invalid(format!("{e:#}")))? {
        Ok(waves) => Ok(waves),
        Err(problems) => {
            let text = problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n");
            Err(Invalid(text).into())
        }
    }
}

/// `barometer validate`: every wave checked, a summary of each.
pub fn validate(paths: &Paths) -> Result<Vec<WaveSummary>> {
    let codebook = load_codebook(paths)?;
    let waves = load_all(paths, &codebook)?;
    waves.iter().map(summarize).collect()
}

/// `barometer synth`: the synthetic waves.
pub fn synth(paths: &Paths, opts: &data::synth::SynthOptions) -> Result<Vec<data::synth::Written>> {
    let codebook = load_codebook(paths)?;
    data::synth::synth(&codebook, opts)
}

pub mod build;
pub mod export;
pub mod progress;
pub mod render;

pub use build::{BuildOptions, Built, Staleness, build, status};
use export::Artifact;

/// Writes artifacts into a staging folder beside the outputs, then moves
/// each top-level entry into place: a failed build leaves the previous
/// outputs untouched.
pub fn publish(out: &Path, artifacts: &[Artifact]) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let stage = out.join(format!(".staging-{}", std::process::id()));
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    let result = (|| -> Result<()> {
        for a in artifacts {
            let rel = Path::new(&a.path);
            if rel.is_absolute() || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
                anyhow::bail!("refusing to write {}: outside the output folder", a.path);
            }
            let dest = stage.join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&dest, &a.bytes)?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&stage);
        return Err(e);
    }
    let mut tops: Vec<String> = artifacts.iter().map(|a| a.path.split('/').next().unwrap_or("").to_string()).collect();
    tops.sort();
    tops.dedup();
    for top in tops {
        let dest = out.join(&top);
        let old = out.join(format!(".old-{top}-{}", std::process::id()));
        if dest.exists() {
            std::fs::rename(&dest, &old)?;
        }
        std::fs::rename(stage.join(&top), &dest)?;
        if old.is_dir() {
            std::fs::remove_dir_all(&old)?;
        } else if old.exists() {
            std::fs::remove_file(&old)?;
        }
    }
    std::fs::remove_dir_all(&stage)?;
    Ok(())
}

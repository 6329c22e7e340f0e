//! The jobs on waves alone: `validate` (every wave checked and summarised)
//! and `synth` (the synthetic waves), and the design of a validated wave
//! that the build estimates with.

use serde::Serialize;

use super::paths::Paths;
use crate::compute;
use crate::data::{self, Codebook, Wave};
use crate::error::Result;
use crate::model::WaveFacts;
use crate::stats;

pub fn load_codebook(paths: &Paths) -> Result<Codebook> {
    Codebook::load(&paths.codebook())
}

/// The stratified design of a validated wave.
pub fn design_of(wave: &Wave) -> Result<stats::Design> {
    let s = &wave.strata;
    let weights = wave.values("weight")?;
    Ok(stats::Design::from_strata(s.stratum.clone(), s.labels.clone(), s.population.clone(), weights)?)
}

/// A validated wave as `barometer validate` reports it: the facts the
/// method page shows, and how the file was read.
#[derive(Debug, Serialize)]
pub struct WaveSummary {
    #[serde(flatten)]
    pub facts: WaveFacts,
    pub file: String,
    pub read_as: String,
    /// The weighted share of innovators and its standard error.
    pub innovated_share: f64,
    pub innovated_se: f64,
}

fn summarize(codebook: &Codebook, wave: Wave) -> Result<WaveSummary> {
    let design = design_of(&wave)?;
    let innovated = wave.values("innovated")?;
    let all = vec![true; wave.rows()];
    let est = stats::share(&design, &all, &innovated)?;
    let (file, read_as) = (wave.file.display().to_string(), wave.read_as.clone());
    let facts = compute::wave_facts(codebook, &compute::WaveData { wave, design })?;
    Ok(WaveSummary { facts, file, read_as, innovated_share: est.estimate, innovated_se: est.se })
}

/// `barometer validate`: every wave checked (problems of all files are
/// reported together), a summary of each.
pub fn validate(paths: &Paths) -> Result<Vec<WaveSummary>> {
    let codebook = load_codebook(paths)?;
    let waves = data::load_waves(&paths.waves(), &codebook)?;
    waves.into_iter().map(|w| summarize(&codebook, w)).collect()
}

/// `barometer synth`: the synthetic waves.
pub fn synth(paths: &Paths, opts: &data::synth::SynthOptions) -> Result<Vec<data::synth::Written>> {
    let codebook = load_codebook(paths)?;
    data::synth::synth(&codebook, opts)
}

//! `barometer synth`: write the synthetic waves (the shipped default input).

use std::path::PathBuf;

use barometer::data::synth::SynthOptions;
use barometer::error::Result;
use barometer::pipeline;
use barometer::text::thousands;

use super::Global;

pub fn run(g: &Global, seed: u64, rows: Option<usize>, to: Option<PathBuf>, periods: Vec<String>, parquet: bool) -> Result<String> {
    let opts = SynthOptions {
        seed,
        rows,
        out_dir: to.unwrap_or_else(|| g.paths.waves()),
        periods: (!periods.is_empty()).then_some(periods),
        parquet,
    };
    let written = pipeline::synth(&g.paths, &opts)?;
    if g.quiet {
        return Ok(String::new());
    }
    Ok(written
        .iter()
        .map(|w| format!("wrote {}: {} rows, {} innovators\n", w.path.display(), thousands(w.rows), thousands(w.innovators)))
        .collect())
}

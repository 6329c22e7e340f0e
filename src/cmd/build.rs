//! `barometer build`: validate, compute, render and publish; incremental.

use serde::Serialize;

use barometer::error::Result;
use barometer::pipeline::{self, BuildOptions};

use super::{Global, json_line};

/// `--format json` (keys in alphabetical order).
#[derive(Serialize)]
struct Summary<'a> {
    artifacts: Vec<&'a str>,
    rebuilt: &'a [String],
    reused: &'a [String],
    timings: Vec<Lap<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Lap<'a> {
    seconds: f64,
    stage: &'a str,
}

pub fn run(g: &Global, strict: bool, only: Option<String>, force: bool) -> Result<String> {
    let opts = BuildOptions { strict, only, force, quiet: g.quiet || g.json };
    let built = pipeline::build(&g.paths, &opts)?;
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    if g.json {
        return json_line(&Summary {
            artifacts: built.artifacts.iter().map(|a| a.path.as_str()).collect(),
            rebuilt: &built.rebuilt,
            reused: &built.reused,
            timings: built.timings.iter().map(|(stage, seconds)| Lap { seconds: *seconds, stage }).collect(),
            warnings: &built.warnings,
        });
    }
    if g.quiet {
        return Ok(String::new());
    }
    let figures: usize = built.report.chapters.iter().map(|c| c.figures.len()).sum();
    Ok(format!(
        "built {} chapters, {} figures, {} files in {} ({} recomputed, {} reused)\n",
        built.report.chapters.len(),
        figures,
        built.artifacts.len(),
        g.paths.out.display(),
        built.rebuilt.len(),
        built.reused.len()
    ))
}

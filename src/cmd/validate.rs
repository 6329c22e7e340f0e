//! `barometer validate`: every wave checked against the codebook, a summary of each.

use barometer::error::Result;
use barometer::pipeline;
use barometer::text::thousands;

use super::{Global, json_line};

pub fn run(g: &Global) -> Result<String> {
    let summaries = pipeline::validate(&g.paths)?;
    if g.json {
        return json_line(&summaries);
    }
    let mut out = String::new();
    if g.quiet {
        return Ok(out);
    }
    for s in &summaries {
        for w in &s.facts.warnings {
            eprintln!("warning: {w}");
        }
        out += &format!(
            "{}: {} rows, {} strata, {} innovators ({:.1} % weighted, se {:.1}), {} ({})\n",
            s.facts.period,
            thousands(s.facts.responses),
            s.facts.strata,
            thousands(s.facts.innovators),
            100.0 * s.innovated_share,
            100.0 * s.innovated_se,
            s.file,
            s.read_as
        );
    }
    out += &format!("{} waves valid\n", summaries.len());
    Ok(out)
}

//! `barometer status`: what a build would redo, and why.

use barometer::error::Result;
use barometer::pipeline;

use super::{Global, json_line};

pub fn run(g: &Global) -> Result<String> {
    let lines = pipeline::status(&g.paths)?;
    if g.json {
        return json_line(&lines);
    }
    let stale: Vec<_> = lines.iter().filter(|l| !l.up_to_date).collect();
    if stale.is_empty() {
        return Ok(format!("everything is up to date ({} nodes)\n", lines.len()));
    }
    Ok(stale.iter().map(|l| format!("{}: {}\n", l.node, l.why)).collect())
}

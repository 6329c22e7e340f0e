//! `barometer status`: what the next build would redo, and why, read from
//! the same graph and the same staleness rule the build uses.

use serde::Serialize;

use super::paths::Paths;
use super::plan::Plan;
use super::cache::State;
use super::folder::last_build;
use super::graph::why_stale;
use crate::error::Result;

/// One node of the build as `status` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Staleness {
    pub node: String,
    pub up_to_date: bool,
    pub why: String,
}

/// Every node of the graph, in graph order, then the nodes of the last
/// build that are no longer configured.
pub fn status(paths: &Paths) -> Result<Vec<Staleness>> {
    let plan = Plan::read(paths)?;
    // One generation, resolved once, even if a build switches meanwhile.
    let last = last_build(&paths.out);
    let old = State::load(&last);
    let mut out: Vec<Staleness> = plan
        .graph
        .nodes
        .iter()
        .map(|(node, planned)| {
            let why = why_stale(node, planned, &old, &last);
            Staleness { node: node.to_string(), up_to_date: why.is_none(), why: why.map_or_else(|| "up to date".into(), |w| w.to_string()) }
        })
        .collect();
    for node in old.nodes.keys().filter(|n| !plan.graph.nodes.contains_key(*n)) {
        out.push(Staleness { node: node.to_string(), up_to_date: false, why: "no longer configured; its files go at the next build".into() });
    }
    Ok(out)
}

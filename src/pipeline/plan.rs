//! The inputs of a build, read once and planned: the codebook, the
//! configuration, every input file's hash and the build graph. `build` and
//! `status` start from the same plan.

use super::graph::{self, Graph, Node, Sources};
use super::paths::Paths;
use super::render;
use super::waves::load_codebook;
use crate::compute::Job;
use crate::config::{ChapterConfig, Config};
use crate::data::Codebook;
use crate::error::Result;

/// The configuration, checked against the codebook and the waves present.
pub struct Plan {
    pub codebook: Codebook,
    pub config: Config,
    pub sources: Sources,
    pub graph: Graph,
}

impl Plan {
    /// Reads and checks every input that shapes the build, and plans its graph.
    pub fn read(paths: &Paths) -> Result<Plan> {
        let codebook = load_codebook(paths)?;
        let config = Config::load(&paths.config)?;
        render::check_chart_names(&config)?;
        // The site's templates are checked before anything is computed.
        crate::site::Templates::load(&paths.site())?;
        let sources = Sources::read(paths, &config)?;
        let graph = graph::plan(paths, &config, &sources);
        Ok(Plan { codebook, config, sources, graph })
    }

    pub fn chapter_of(&self, job: Job) -> &ChapterConfig {
        match job {
            Job::Hero(c) | Job::Figure(c, _) => &self.config.chapters[c],
        }
    }

    /// The computing job of a hero or figure node.
    pub fn job(&self, node: &Node) -> Option<Job> {
        for (c, ch) in self.config.chapters.iter().enumerate() {
            match node {
                Node::Hero(id) if *id == ch.id => return Some(Job::Hero(c)),
                Node::Figure(id) => {
                    if let Some(f) = ch.figures.iter().position(|f| f.id == *id) {
                        return Some(Job::Figure(c, f));
                    }
                }
                _ => {}
            }
        }
        None
    }
}


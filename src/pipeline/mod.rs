//! The jobs users run, tying the stages together: `build` (through the
//! build graph), `status`, `validate` and `synth`. Everything here returns
//! the crate's one error type; `main` decides the exit status.
//!
//! Inside, data flows one way: paths -> waves -> plan (graph, sources) ->
//! build (compute, render, folder, publish, cache) and status.

pub mod build;
pub mod cache;
pub mod folder;
pub mod graph;
pub mod node;
pub mod paths;
pub mod plan;
pub mod progress;
pub mod publish;
pub mod render;
pub mod site;
pub mod status;
pub mod waves;

pub use build::{BuildOptions, Built, build};
pub use paths::Paths;
pub use publish::Artifact;
pub use status::{Staleness, status};
pub use waves::{WaveSummary, design_of, load_codebook, synth, validate};

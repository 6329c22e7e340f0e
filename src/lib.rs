//! barometer: regenerates the Danish public sector's Innovation Barometer.
//!
//! The data flows one way, in stages, each a module (docs/ARCHITECTURE.md):
//! `data` (load and validate waves) and `stats` (design-based estimators);
//! `config` (the analyst's language) and `expr` (its expressions); `compute`
//! builds the `model` (every number and every sentence a reader sees, the
//! sentences from `text`); the renderers `export`, `charts`, `handbook` and `site`
//! lay the model out, in the house `style`; `pipeline` runs the build graph.
//! `error` is the one error type at the bottom.

pub mod charts;
pub mod compute;
pub mod config;
pub mod data;
pub mod error;
pub mod export;
pub mod expr;
pub mod handbook;
pub mod model;
pub mod pipeline;
pub mod site;
pub mod stats;
pub mod style;
pub mod text;

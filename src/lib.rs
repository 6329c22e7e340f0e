//! barometer: regenerates the Danish public sector's Innovation Barometer.
//!
//! The data flows one way, in stages, each a module: `data` (load and
//! validate waves, synthetic waves), `stats` (design-based estimators),
//! and the later stages that render the computed figure model.

pub mod charts;
pub mod export;
pub mod data;
pub mod error;
pub mod figures;
pub mod handbook;
pub mod pipeline;
pub mod stats;
pub mod style;
pub mod text;

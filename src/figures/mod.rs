//! Stage 3: the computed figure model (numbers and text) from configuration.

pub mod compute;
pub mod content;
pub mod config;
pub mod expr;
pub mod model;

pub use model::*;

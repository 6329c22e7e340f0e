//! Integration tests: one crate, one module per concern. They run the real
//! binary where a user would, and read ../shared/ for published targets.

mod build;
mod common;
mod pipeline;
mod synth;
mod targets;
mod validate;

//! Integration tests: one crate, one module per concern. They run the real
//! binary where a user would, and read tests/reference/ for published targets.

mod accessibility;
mod architecture;
mod books;
mod build;
mod chapters;
mod common;
mod deliveries;
mod edit;
mod errors;
mod outputs;
mod pipeline;
mod publish;
mod serve;
mod site;
mod synth;
mod targets;
mod trend;
mod validate;
mod verify;

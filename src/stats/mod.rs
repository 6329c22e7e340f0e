//! Design-based survey statistics (stratified designs with fpc).
//!
//! Every estimator mirrors what R's survey package computes for
//! `svydesign(ids = ~1, strata = ~stratum, fpc = ~fpc, weights = ~weight)`,
//! so the barometer's numbers can be checked against an independent
//! implementation (see `tests/reference/`).
//!
//! Inputs are plain slices over all rows of the design: items are `f64`
//! columns with `NaN` for a missing answer, or `bool` masks for 0/1
//! indicators (anything that implements [`Values`]); domains are `bool`
//! masks. A
//! domain's variance always comes from the whole design, rows outside the
//! domain scoring zero; that is why the estimators take masks rather than
//! filtered tables.
//!
//! Speed: every estimator streams over the rows in fixed-size chunks
//! (rayon-parallel), keeping per-stratum sums only. Chunk boundaries and the
//! order in which chunk sums are combined do not depend on the thread count,
//! so results are bit-identical whatever the pool size.

mod design;
mod difference;
mod logistic;
mod rao_scott;
mod shares;

pub use design::{Design, Values};
pub use difference::{Difference, independent_difference};
pub use crate::error::StatsError;
pub use logistic::{Coefficient, Logistic, logistic, logistic_each};
pub use rao_scott::{RaoScott, rao_scott};
pub use shares::{Estimate, Ratio, by_group, distribution, ratio, share, shares};

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod reference_tests;

//! Stage 5: house-style charts in PNG and SVG, drawn from the figure model.

pub mod style;

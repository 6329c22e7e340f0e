//! The chart renderer's part of the house style: the `[chart]` section of
//! `config/style.toml` (canvas, type and bar sizes), beside the palette and
//! fonts that every renderer shares (`crate::style`).

use serde::Deserialize;

use crate::error::{Error, Result};
pub use crate::style::{FONT_BOLD, FONT_FAMILY, FONT_REGULAR, Palette, Rgb, Style};

/// The `[chart]` section: canvas, type and bar sizes of the charts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartConfig {
    /// Print width; the print PNG is `print_dpi` at this width.
    pub width_mm: f64,
    pub hero_width_mm: f64,
    pub print_dpi: f64,
    pub screen_width_px: u32,
    pub margin_mm: f64,
    /// Draw 95 % confidence intervals on bars (off in the print style).
    pub whiskers: bool,
    #[serde(rename = "type")]
    pub sizes: TypeSizes,
    pub bars: BarSizes,
}

/// Type sizes in points: one scale for every chart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeSizes {
    pub title: f64,
    pub subtitle: f64,
    pub label: f64,
    pub value: f64,
    pub note: f64,
    /// The big numbers of a facts figure.
    pub fact: f64,
    /// The hero number of a chapter tile.
    pub hero: f64,
    /// Line distance as a multiple of the type size.
    pub line_height: f64,
}

/// Bar geometry in millimetres.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarSizes {
    pub thickness_mm: f64,
    pub group_thickness_mm: f64,
    pub row_gap_mm: f64,
    /// Share of the inner width given to the category labels.
    pub label_share: f64,
    /// Height of a 100 % column in a distribution.
    pub column_height_mm: f64,
}

/// What the chart renderer reads: the palette and the `[chart]` section.
#[derive(Debug, Clone)]
pub struct ChartStyle {
    pub palette: Palette,
    pub chart: ChartConfig,
}

impl ChartStyle {
    pub fn from_style(style: &Style) -> Result<ChartStyle> {
        let section = style.rest.get("chart").ok_or_else(|| Error::config("the style has no [chart] section"))?;
        let chart: ChartConfig =
            section.clone().try_into().map_err(|e: toml::de::Error| Error::config(format!("in [chart]: {}", e.to_string().trim_end())))?;
        if !(chart.width_mm > 0.0 && chart.hero_width_mm > 0.0 && chart.print_dpi > 0.0 && chart.screen_width_px > 0) {
            return Err(Error::config("in [chart]: widths and print_dpi must be positive"));
        }
        if !(0.1..=0.7).contains(&chart.bars.label_share) {
            return Err(Error::config("in [chart.bars]: label_share must be between 0.1 and 0.7"));
        }
        Ok(ChartStyle { palette: style.palette.clone(), chart })
    }
}

//! The chart renderer's part of the house style: the `[chart]` section of
//! `config/style.toml` (canvas, type and bar sizes), beside the palette and
//! fonts that every renderer shares (`crate::style`).

use serde::Deserialize;

use crate::error::{Error, Result};
pub use crate::style::{FONT_BOLD, FONT_FAMILY, FONT_REGULAR, Palette, Rgb, Style, line_of};

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
    /// The chart renderer's part of the style, read from the style file so
    /// that an unknown key names its line, and checked for sane values (a
    /// dpi of ten million would allocate terabytes).
    pub fn from_style(style: &Style) -> Result<ChartStyle> {
        #[derive(Deserialize)]
        struct ChartFile {
            chart: ChartConfig,
        }
        let file: ChartFile = toml::from_str(&style.text).map_err(|e| Error::config(format!("{}: {}", style.path.display(), e.to_string().trim_end())))?;
        let chart = file.chart;
        let (c, z, b) = (&chart, &chart.sizes, &chart.bars);
        let ranges: [(&str, f64, f64, f64); 17] = [
            ("width_mm", c.width_mm, 20.0, 1000.0),
            ("hero_width_mm", c.hero_width_mm, 20.0, 1000.0),
            ("print_dpi", c.print_dpi, 72.0, 1200.0),
            ("screen_width_px", f64::from(c.screen_width_px), 200.0, 4000.0),
            ("margin_mm", c.margin_mm, 0.0, 50.0),
            ("title", z.title, 4.0, 72.0),
            ("subtitle", z.subtitle, 4.0, 72.0),
            ("label", z.label, 4.0, 72.0),
            ("value", z.value, 4.0, 72.0),
            ("note", z.note, 4.0, 72.0),
            ("fact", z.fact, 4.0, 200.0),
            ("hero", z.hero, 4.0, 200.0),
            ("line_height", z.line_height, 0.8, 3.0),
            ("thickness_mm", b.thickness_mm, 0.5, 50.0),
            ("group_thickness_mm", b.group_thickness_mm, 0.5, 50.0),
            ("row_gap_mm", b.row_gap_mm, 0.0, 50.0),
            ("column_height_mm", b.column_height_mm, 5.0, 300.0),
        ];
        for (key, value, lo, hi) in ranges {
            if !(value.is_finite() && value >= lo && value <= hi) {
                return Err(Error::config(format!(
                    "{}:{}: {key} = {value} is out of range; use a number from {lo} to {hi}",
                    style.path.display(),
                    line_of(&style.text, key)
                )));
            }
        }
        if !(0.1..=0.7).contains(&b.label_share) {
            return Err(Error::config(format!(
                "{}:{}: label_share = {} is out of range; use a number from 0.1 to 0.7",
                style.path.display(),
                line_of(&style.text, "label_share"),
                b.label_share
            )));
        }
        Ok(ChartStyle { palette: style.palette.clone(), chart })
    }
}

//! The house style as data (`config/style.toml`): one red accent for the
//! highlighted series and the hero number, greys for the rest, two weights
//! of one sans-serif shipped with the project.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

/// The shipped fonts, compiled into the binary so no system font is used.
pub const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/OpenSans-Regular.ttf");
pub const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/OpenSans-Bold.ttf");
/// The family name written into SVG and PDF.
pub const FONT_FAMILY: &str = "Open Sans";

/// An sRGB colour written "#rrggbb" in the style file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rgb, D::Error> {
        let s = String::deserialize(d)?;
        Rgb::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("\"{s}\" is not a colour like \"#c8102e\"")))
    }
}

impl Rgb {
    pub fn parse(s: &str) -> Option<Rgb> {
        let h = s.strip_prefix('#')?;
        if h.len() != 6 {
            return None;
        }
        let v = u32::from_str_radix(h, 16).ok()?;
        Some(Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
    }
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Colours of the house style.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Palette {
    /// The red thread: highlighted series, hero number, rules.
    pub accent: Rgb,
    /// Series that are not highlighted, darkest first.
    pub greys: Vec<Rgb>,
    pub text: Rgb,
    /// Subtitles, source lines, notes.
    pub muted: Rgb,
    pub gridline: Rgb,
    pub background: Rgb,
}

/// The house style; charts and the handbook read the same one. Sections
/// other than `[palette]` stay in `rest` for their readers, who check them
/// strictly (serde cannot deny unknown fields next to a flattened table).
#[derive(Debug, Clone, Deserialize)]
pub struct Style {
    pub palette: Palette,
    /// Every other section belongs to the chart renderer (see charts/).
    #[serde(flatten)]
    pub rest: toml::Table,
}

impl Style {
    pub fn load(path: &Path) -> Result<Style> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the style {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in {}", path.display()))
    }
}

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
    /// Printed on every chart when the report's data are synthetic.
    pub synthetic_marker: String,
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
    pub fn load(path: &Path) -> Result<ChartStyle> {
        let style = Style::load(path)?;
        ChartStyle::from_style(&style).with_context(|| format!("in {}", path.display()))
    }

    pub fn from_style(style: &Style) -> Result<ChartStyle> {
        let section = style.rest.get("chart").context("the style has no [chart] section")?;
        let chart: ChartConfig = section.clone().try_into().context("in [chart]")?;
        anyhow::ensure!(
            chart.width_mm > 0.0 && chart.hero_width_mm > 0.0 && chart.print_dpi > 0.0 && chart.screen_width_px > 0,
            "in [chart]: widths and print_dpi must be positive"
        );
        anyhow::ensure!(
            (0.1..=0.7).contains(&chart.bars.label_share),
            "in [chart.bars]: label_share must be between 0.1 and 0.7"
        );
        Ok(ChartStyle { palette: style.palette.clone(), chart })
    }
}

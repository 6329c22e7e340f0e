//! The house style both renderers read (`config/style.toml`): one red
//! accent for the highlighted series and the hero number, greys for the
//! rest, and two weights of one sans-serif shipped with the project. The
//! `[chart]` section belongs to the chart renderer, which checks it itself.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Context, Result};

/// The shipped fonts, compiled into the binary so no system font is used.
pub const FONT_REGULAR: &[u8] = include_bytes!("../assets/fonts/OpenSans-Regular.ttf");
pub const FONT_BOLD: &[u8] = include_bytes!("../assets/fonts/OpenSans-Bold.ttf");
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

impl Palette {
    /// The pale background of boxes: the gridline grey mixed into the page.
    pub fn tint(&self) -> Rgb {
        let t = 0.55;
        let m = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
        let (a, b) = (self.background, self.gridline);
        Rgb(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
    }
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
        let text = crate::error::read_text(path)?;
        toml::from_str(&text).with_context(|| format!("in {}", path.display()))
    }
}

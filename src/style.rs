//! The house style both renderers read (`config/style.toml`): one red
//! accent for the highlighted series and the hero number, greys for the
//! rest, and two weights of one sans-serif shipped with the project. The
//! `[chart]` section belongs to the chart renderer, which checks it itself.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

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

/// The house style; charts and the handbook read the same one. The
/// `[palette]` is read here; the other sections belong to their renderers,
/// which read them from `text` themselves (so their errors name the line).
#[derive(Debug, Clone)]
pub struct Style {
    pub palette: Palette,
    /// The style file as written, and where it is.
    pub text: String,
    pub path: PathBuf,
}

/// The palette section of the style file; other sections are their renderers'.
#[derive(Deserialize)]
struct PaletteFile {
    palette: Palette,
}

impl Style {
    pub fn load(path: &Path) -> Result<Style> {
        let text = crate::error::read_text(path)?;
        Style::parse(text, path)
    }

    /// The style from its text; `path` names it in messages.
    pub fn parse(text: String, path: &Path) -> Result<Style> {
        let file: PaletteFile = toml::from_str(&text).map_err(|e| Error::config(format!("{}: {}", path.display(), e.to_string().trim_end())))?;
        let palette = file.palette;
        // Plain bars use the second grey, published aggregates the last.
        if palette.greys.len() < 2 {
            return Err(Error::config(format!(
                "{}:{}: [palette] greys has {} colour(s); give at least two, darkest first",
                path.display(),
                line_of(&text, "greys"),
                palette.greys.len()
            )));
        }
        Ok(Style { palette, text, path: path.to_path_buf() })
    }
}

/// The 1-based line where `key = …` is first written in a TOML text (1 if nowhere).
pub fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .map_or(1, |i| i + 1)
}

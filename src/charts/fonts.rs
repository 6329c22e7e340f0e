//! Text measured with the shipped fonts, so labels wrap where they really
//! end, and plotters told about the same fonts (no system font lookup).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;

use super::style::{FONT_BOLD, FONT_REGULAR};

/// The family written into the SVG; the fallbacks only matter on a machine
/// without Open Sans. Plotters' font table is keyed by this same string.
pub const SVG_FAMILY: &str = "Open Sans, Arial, sans-serif";

/// Parsed shipped fonts.
pub struct Fonts {
    pub regular: FontRef<'static>,
    pub bold: FontRef<'static>,
}

/// The fonts, parsed and registered with plotters once per process.
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        // The bytes are compiled in and known to parse; a failure is a build error.
        plotters::style::register_font(SVG_FAMILY, FontStyle::Normal, FONT_REGULAR)
            .unwrap_or_else(|_| panic!("shipped Open Sans Regular does not parse"));
        plotters::style::register_font(SVG_FAMILY, FontStyle::Bold, FONT_BOLD)
            .unwrap_or_else(|_| panic!("shipped Open Sans Bold does not parse"));
        Fonts {
            regular: FontRef::try_from_slice(FONT_REGULAR).expect("shipped Open Sans Regular parses"),
            bold: FontRef::try_from_slice(FONT_BOLD).expect("shipped Open Sans Bold parses"),
        }
    })
}

/// Top of capitals and tall letters above the baseline, in em (Open Sans'
/// typographic ascender); used to place and to check text boxes.
pub const ASCENT: f64 = 0.765;
/// Below the baseline, in em (typographic descender).
pub const DESCENT: f64 = 0.24;
/// Height of a capital letter, in em: centres a line of figures on a bar.
pub const CAP_HEIGHT: f64 = 0.714;

impl Fonts {
    pub fn font(&self, bold: bool) -> &FontRef<'static> {
        if bold { &self.bold } else { &self.regular }
    }

    /// Advance width of `text` at `size` (em, any unit), with kerning.
    pub fn width(&self, text: &str, size: f64, bold: bool) -> f64 {
        let font = self.font(bold);
        let em = font.units_per_em().unwrap_or(2048.0) as f64;
        let mut units = 0.0f64;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                units += font.kern_unscaled(p, id) as f64;
            }
            units += font.h_advance_unscaled(id) as f64;
            prev = Some(id);
        }
        units * size / em
    }

    /// Breaks `text` into lines no wider than `max` at the spaces (never at
    /// a no-break space); a single word wider than `max` keeps its own line.
    pub fn wrap(&self, text: &str, size: f64, bold: bool, max: f64) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if line.is_empty() || self.width(&candidate, size, bold) <= max {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Like [`Fonts::wrap`], on the narrowest width that needs no more
    /// lines: lines of even length, no lone word on the last line.
    pub fn wrap_balanced(&self, text: &str, size: f64, bold: bool, max: f64) -> Vec<String> {
        let lines = self.wrap(text, size, bold, max);
        if lines.len() < 2 {
            return lines;
        }
        let (mut lo, mut hi) = (0.0, max);
        for _ in 0..24 {
            let mid = (lo + hi) / 2.0;
            if self.wrap(text, size, bold, mid).len() <= lines.len() { hi = mid } else { lo = mid }
        }
        self.wrap(text, size, bold, hi)
    }

    /// Plotters' ab_glyph size for an em size: plotters scales by the
    /// font's height (ascent - descent), not its em.
    pub fn px_scale(&self, em_size: f64, bold: bool) -> f64 {
        let font = self.font(bold);
        let em = font.units_per_em().unwrap_or(2048.0) as f64;
        em_size * font.height_unscaled() as f64 / em
    }

    /// Unscaled advance and kerning for laying out single glyphs.
    pub fn advance(&self, prev: Option<char>, c: char, size: f64, bold: bool) -> f64 {
        let font = self.font(bold);
        let em = font.units_per_em().unwrap_or(2048.0) as f64;
        let id = font.glyph_id(c);
        let kern = prev.map(|p| font.kern_unscaled(font.glyph_id(p), id) as f64).unwrap_or(0.0);
        (kern + font.h_advance_unscaled(id) as f64) * size / em
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_and_wraps_danish_text() {
        let f = fonts();
        let w = f.width("Øget medarbejdertilfredshed", 12.0, false);
        // Open Sans is about half an em a letter; 27 letters at 12 px.
        assert!((130.0..190.0).contains(&w), "{w}");
        assert!(f.width("57\u{a0}%", 12.0, true) > f.width("57\u{a0}%", 12.0, false));
        let lines = f.wrap("Borgerne har i nogen eller høj grad fremmet innovationen", 12.0, false, 150.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines.iter().all(|l| f.width(l, 12.0, false) <= 150.0));
        assert_eq!(lines.join(" "), "Borgerne har i nogen eller høj grad fremmet innovationen");
        let title = "Der skabes mange typer værdi, når borgerne spiller en positiv rolle";
        let greedy = f.wrap(title, 17.0, true, 560.0);
        let even = f.wrap_balanced(title, 17.0, true, 560.0);
        assert_eq!(greedy.len(), even.len());
        assert_eq!(greedy.last().unwrap(), "rolle");
        assert!(even.last().unwrap().len() > 15, "{even:?}");
        // A no-break space keeps "57 %" together.
        assert_eq!(f.wrap("ca. 57\u{a0}%", 12.0, false, 1.0), vec!["ca.", "57\u{a0}%"]);
    }
}

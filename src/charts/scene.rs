//! A chart as a list of rectangles and text runs in layout pixels (CSS px,
//! 96 per inch). Layout happens once, here; SVG and PNG only scale it, so
//! every output of a figure shows the same thing.

use super::fonts::{ASCENT, CAP_HEIGHT, DESCENT, Fonts, fonts};
use super::style::{ChartStyle, Rgb};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Debug, Clone)]
pub struct TextRun {
    pub x: f64,
    /// The baseline.
    pub y: f64,
    pub text: String,
    /// Em size in layout pixels.
    pub size: f64,
    pub bold: bool,
    pub color: Rgb,
    pub anchor: Anchor,
}

#[derive(Debug, Clone)]
pub enum Item {
    Rect { x: f64, y: f64, w: f64, h: f64, fill: Rgb },
    Text(TextRun),
    /// A straight line of `width` (trend charts join editions).
    Line { x0: f64, y0: f64, x1: f64, y1: f64, width: f64, color: Rgb },
    /// A filled circle (a trend chart's point).
    Dot { x: f64, y: f64, r: f64, fill: Rgb },
}

/// Everything one chart draws, plus what a screen reader is told.
#[derive(Debug, Clone)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub items: Vec<Item>,
    /// The finding, for the SVG's <title>.
    pub title: String,
    /// What is measured and every number, for the SVG's <desc>.
    pub desc: String,
}

impl Scene {
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
        if w > 0.0 && h > 0.0 {
            self.items.push(Item::Rect { x, y, w, h, fill });
        }
    }

    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), width: f64, color: Rgb) {
        self.items.push(Item::Line { x0: from.0, y0: from.1, x1: to.0, y1: to.1, width, color });
    }

    pub fn dot(&mut self, x: f64, y: f64, r: f64, fill: Rgb) {
        self.items.push(Item::Dot { x, y, r, fill });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, x: f64, y: f64, text: &str, size: f64, bold: bool, color: Rgb, anchor: Anchor) {
        self.items.push(Item::Text(TextRun { x, y, text: text.to_string(), size, bold, color, anchor }));
    }
}

/// A text style: size in layout pixels, weight, colour.
#[derive(Debug, Clone, Copy)]
pub struct Font {
    pub size: f64,
    pub bold: bool,
    pub color: Rgb,
}

/// Layout helpers bound to one style and canvas width.
pub struct Ctx<'a> {
    pub style: &'a ChartStyle,
    pub fonts: &'static Fonts,
    pub width: f64,
    pub margin: f64,
}

/// Millimetres to layout pixels.
pub fn mm(v: f64) -> f64 {
    v * 96.0 / 25.4
}

/// Points to layout pixels.
pub fn pt(v: f64) -> f64 {
    v * 96.0 / 72.0
}

impl<'a> Ctx<'a> {
    pub fn new(style: &'a ChartStyle, width_mm: f64) -> Ctx<'a> {
        Ctx { style, fonts: fonts(), width: mm(width_mm).round(), margin: mm(style.chart.margin_mm) }
    }

    pub fn left(&self) -> f64 {
        self.margin
    }

    /// Width between the margins.
    pub fn inner(&self) -> f64 {
        self.width - 2.0 * self.margin
    }

    pub fn font(&self, size_pt: f64, bold: bool, color: Rgb) -> Font {
        // Whole hundredths of a pixel keep the SVG's font sizes readable.
        Font { size: (pt(size_pt) * 100.0).round() / 100.0, bold, color }
    }

    pub fn line(&self, f: Font) -> f64 {
        f.size * self.style.chart.sizes.line_height
    }

    pub fn measure(&self, text: &str, f: Font) -> f64 {
        self.fonts.width(text, f.size, f.bold)
    }

    pub fn wrap(&self, text: &str, f: Font, max: f64) -> Vec<String> {
        self.fonts.wrap_balanced(text, f.size, f.bold, max)
    }

    /// Height from the top of the first line's capitals to the last baseline.
    pub fn block_height(&self, lines: usize, f: Font) -> f64 {
        (lines.max(1) - 1) as f64 * self.line(f) + CAP_HEIGHT * f.size
    }

    /// Writes `lines` with the first line's ascender at `top`; returns the
    /// y below the last line's descender.
    pub fn lines_from_top(&self, s: &mut Scene, x: f64, top: f64, lines: &[String], f: Font, anchor: Anchor) -> f64 {
        let mut base = top + ASCENT * f.size;
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                base += self.line(f);
            }
            s.text(x, base, l, f.size, f.bold, f.color, anchor);
        }
        base + DESCENT * f.size
    }

    /// Writes `lines` as a block whose capitals are centred on `centre`.
    pub fn lines_centred(&self, s: &mut Scene, x: f64, centre: f64, lines: &[String], f: Font, anchor: Anchor) {
        let mut base = centre - self.block_height(lines.len(), f) / 2.0 + CAP_HEIGHT * f.size;
        for l in lines {
            s.text(x, base, l, f.size, f.bold, f.color, anchor);
            base += self.line(f);
        }
    }

    /// Wraps and writes a paragraph from `top`; returns the y below it.
    pub fn paragraph(&self, s: &mut Scene, x: f64, top: f64, text: &str, f: Font, max: f64) -> f64 {
        let lines = self.wrap(text, f, max);
        self.lines_from_top(s, x, top, &lines, f, Anchor::Start)
    }
}

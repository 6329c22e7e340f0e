//! What goes on a chapter's pages: openers, figure blocks and editorial
//! boxes (the book's own pages are in `front`). Everything here reads the
//! figure model; nothing is computed but the layout.

use std::collections::BTreeMap;
use std::rc::Rc;

use genpdf::elements::{Image, LinearLayout, Paragraph};
use genpdf::style::Style as TextStyle;
use genpdf::Element;

use super::frame::{Display, Dress, LinkLine, Rule, Space, TEXT_W, Target, Trail, Unit, color};
use crate::style::{Palette, Rgb};
use crate::model::{BoxKind, Chapter, ContentBox, Figure, Report};

/// Charts may be at most this tall on the page (mm), so a figure with its
/// title and caption fits one page.
const MAX_CHART_H: f64 = 140.0;

/// Everything one PDF is made from, owned so that the page blocks can
/// rebuild themselves on each layout pass.
#[derive(Clone)]
pub struct Book {
    pub report: Rc<Report>,
    /// Indices into `report.chapters`, in print order.
    pub chapters: Vec<usize>,
    /// Title page, contents and method page (the combined handbook).
    pub whole: bool,
    /// Where each figure's print chart goes, by figure id.
    pub charts: Rc<BTreeMap<String, Slot>>,
    pub ink: Rc<Palette>,
}

/// A print chart as layout sees it: its size in pixels and the number of
/// its stand-in image, which the finished file replaces with the chart.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub width: u32,
    pub height: u32,
    pub index: u32,
}

/// Width and height in pixels of a chart's stand-in image.
pub const STAND_IN: (u32, u32) = (2, 1);

impl Book {
    pub fn chapter(&self, i: usize) -> &Chapter {
        &self.report.chapters[self.chapters[i]]
    }
}

/// A paragraph in one style.
pub(super) fn para(text: impl Into<String>, style: TextStyle) -> impl Element {
    Paragraph::new(text.into()).styled(style)
}

pub(super) fn ts(size: u8, c: Rgb) -> TextStyle {
    TextStyle::new().with_font_size(size).with_color(color(c))
}

/// The opener page: the theme in capitals and the hero number with its sentence.
pub(super) fn opener(book: &Book, i: usize, trail: &Trail) -> Unit {
    let chapter = book.chapter(i).clone();
    let word = book.report.words.chapter.to_uppercase();
    let ink = book.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(Space(14.0));
        l.push(para(format!("{word} {}  ·  {}", chapter.number, chapter.period), ts(10, ink.accent).bold()));
        l.push(Space(3.0));
        l.push(para(chapter.title.clone(), ts(30, ink.text).bold().with_line_spacing(1.05)));
        l.push(Space(16.0));
        l.push(Display { text: chapter.hero.text.clone(), max: 120, style: ts(120, ink.accent).bold().with_line_spacing(0.95) });
        l.push(para(chapter.hero.sentence.clone(), ts(20, ink.text).with_line_spacing(1.25)));
        // Where the number is not the publisher's hero, the model says so.
        if let Some(note) = &chapter.hero.note {
            l.push(Space(4.0));
            l.push(para(note.clone(), ts(9, ink.muted).with_line_spacing(1.3)));
        }
        l
    })
    .marked(trail, Target::Chapter(i))
}

/// The chapter's introduction, set at the foot of the opener page.
pub(super) fn intro(book: &Book, i: usize) -> Unit {
    let text = book.chapter(i).intro.clone();
    let ink = book.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(Rule { width: Some(20.0), height: 1.0, color: ink.accent });
        l.push(Space(7.0));
        for (k, p) in paragraphs(&text).enumerate() {
            if k > 0 {
                l.push(Space(3.0));
            }
            l.push(para(p, ts(12, ink.text).with_line_spacing(1.5)));
        }
        l
    })
    .dressed(Dress { at_bottom: true, ..Dress::default() })
}

/// Paragraphs of running text are separated by a blank line.
fn paragraphs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split("\n\n").map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|p| !p.is_empty())
}

pub(super) fn figure(book: &Book, i: usize, j: usize, trail: &Trail) -> Unit {
    let f: Figure = book.chapter(i).figures[j].clone();
    let chart = book.charts.get(&f.id).cloned();
    let ink = book.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(Rule { width: Some(12.0), height: 1.2, color: ink.accent });
        l.push(Space(2.5));
        l.push(para(f.label.to_uppercase(), ts(9, ink.accent).bold()));
        l.push(Space(1.0));
        l.push(para(f.title.clone(), ts(13, ink.text).bold().with_line_spacing(1.2)));
        if !f.subtitle.is_empty() {
            l.push(Space(1.0));
            l.push(para(f.subtitle.clone(), ts(9, ink.muted)));
        }
        l.push(Space(3.0));
        if let Some(chart) = chart {
            l.push(chart_element(chart));
        }
        l.push(Space(3.0));
        l.push(para(f.caption.clone(), ts(8, ink.muted).with_line_spacing(1.35)));
        if !f.source.is_empty() {
            l.push(Space(1.5));
            l.push(para(f.source.clone(), ts(8, ink.text).bold()));
        }
        l
    })
    .marked(trail, Target::Figure(i, j))
}

/// The print chart at the text width, or smaller where it would be too tall.
/// Layout gets a stand-in of two pixels, scaled to the chart's size, whose
/// first pixel's colour is the chart's number (the page frame's colour
/// blocks are one pixel); the finished file puts the chart's pixels in its
/// place (see `finish`), so no pass copies or compresses them.
fn chart_element(chart: Slot) -> Image {
    const { assert!(STAND_IN.0 == 2 && STAND_IN.1 == 1) };
    let (w, h) = (chart.width as f64, chart.height as f64);
    let dpi = (w * 25.4 / TEXT_W).max(h * 25.4 / MAX_CHART_H);
    let [_, r, g, b] = chart.index.to_be_bytes();
    let stand_in = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(STAND_IN.0, STAND_IN.1, image::Rgb([r, g, b])));
    // Halving is exact, so the size is the chart's to the last bit.
    Image::from_dynamic_image(stand_in).expect("an RGB image").with_dpi(dpi).with_scale(genpdf::Scale::new(w / 2.0, h))
}

pub(super) fn content_box(book: &Book, i: usize, k: usize, trail: &Trail) -> Unit {
    let b: ContentBox = book.chapter(i).boxes[k].clone();
    let ink = book.ink.clone();
    let trail = trail.clone();
    let dress = match b.kind {
        BoxKind::Case => Dress { fill: Some(ink.tint()), top_rule: Some(ink.accent), pad: 6.0, ..Dress::default() },
        BoxKind::Advice => Dress { left_rule: Some(ink.accent), pad: 1.0, ..Dress::default() },
        BoxKind::Tool => Dress { fill: Some(ink.tint()), left_rule: Some(ink.accent), pad: 6.0, ..Dress::default() },
        BoxKind::SeeAlso => Dress { top_rule: Some(ink.accent), pad: 0.0, ..Dress::default() },
    };
    Unit::new(move || {
        let heading = b.kind.heading();
        let mut l = LinearLayout::vertical();
        if b.kind == BoxKind::SeeAlso {
            l.push(Space(3.5));
        }
        l.push(para(heading.to_uppercase(), ts(9, ink.accent).bold()));
        let title = b.title.strip_prefix(&format!("{heading}:")).unwrap_or(&b.title).trim();
        if !title.is_empty() && title != heading {
            l.push(Space(1.0));
            l.push(para(title.to_string(), ts(13, ink.text).bold().with_line_spacing(1.2)));
        }
        for p in &b.body {
            l.push(Space(2.0));
            l.push(para(p.clone(), ts(10, ink.text).with_line_spacing(1.45)));
        }
        if let Some(who) = &b.attribution {
            l.push(Space(2.0));
            l.push(para(who.clone(), ts(9, ink.muted).italic()));
        }
        if !b.links.is_empty() {
            l.push(Space(1.5));
        }
        for (label, url) in &b.links {
            let line = Paragraph::default()
                .styled_string(format!("{label}  "), ts(10, ink.text).bold())
                .styled_string(url.clone(), ts(10, ink.muted))
                .styled(ts(10, ink.text).with_line_spacing(1.45));
            l.push(LinkLine { line, url: url.clone(), trail: trail.clone() });
        }
        l
    })
    .dressed(dress)
}

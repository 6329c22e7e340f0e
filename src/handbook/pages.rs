//! What goes on the pages: the title page, the contents, chapter openers,
//! figure blocks, editorial boxes and the method page. Everything here reads
//! the figure model; nothing is computed but the layout.

use std::collections::BTreeMap;
use std::rc::Rc;

use genpdf::elements::{Image, LinearLayout, Paragraph, TableLayout};
use genpdf::style::Style as TextStyle;
use genpdf::{Element, Margins};

use super::hyphen::Hyphenated;
use super::tags::{Block, Role, key, tag};
use super::frame::{CAPTION_W, Display, Dress, Flow, Gap, LEAD_BODY, LEAD_HEAD, Leading, LinkLine, NewPage, Rule, Space, TEXT_W, Target, Trail, Unit, color, type_style};
use crate::style::{Palette, Rgb};
use crate::text::tie_last_words;
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
    /// How the chapters' boxes are placed.
    pub arrangement: Arrangement,
}

/// Where a chapter's short boxes (Gode råd, Værktøj) go. A chapter is laid
/// out in the first of its [`arrangements`] that leaves no page mostly
/// empty (see [`full_enough`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrangement {
    pub advice: Place,
    pub tool: Place,
    /// The boxes in the flow come before the last figure, not after it
    /// (so the chapter does not end on a page of boxes alone).
    pub early: bool,
    /// Besøg også beside the last figure's caption, or (false) below it,
    /// across the column.
    pub links_beside: bool,
}

/// Where one short box goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In the chapter's flow, filling the foot of a page where the next
    /// figure does not fit; Gode råd and Værktøj side by side when both are.
    Flow,
    /// In the side column beside this figure's caption (the last figure's
    /// if there are fewer), above Besøg også.
    Beside(usize),
}

const LAST: usize = usize::MAX;

/// The arrangements a chapter is tried in, in order: both boxes in the
/// flow (before the last figure, so Besøg også beside it ends the chapter;
/// then after the figures they do not fill a gap beside); one beside each figure from the first; both beside the
/// first; one beside the first, the other in the flow; both beside the
/// last; last, both in the flow and Besøg også below the last figure.
const ARRANGEMENTS: [(Place, Place, bool, bool); 9] = [
    (Place::Flow, Place::Flow, true, true),
    (Place::Flow, Place::Flow, false, true),
    (Place::Beside(0), Place::Beside(1), false, true),
    (Place::Beside(0), Place::Beside(0), false, true),
    (Place::Beside(0), Place::Flow, false, true),
    (Place::Beside(0), Place::Flow, true, true),
    (Place::Flow, Place::Beside(0), false, true),
    (Place::Beside(LAST), Place::Beside(LAST), false, true),
    (Place::Flow, Place::Flow, false, false),
];

/// The arrangements of `chapter`'s boxes that give different pages.
pub fn arrangements(chapter: &Chapter) -> Vec<Arrangement> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (advice, tool, early, links_beside) in ARRANGEMENTS {
        let a = Arrangement { advice, tool, early, links_beside };
        // Boxes before the last figure differ only where there is one in the flow and a figure.
        let in_flow = chapter.boxes.len() > placed(chapter, a).iter().flatten().count();
        let places = (placed(chapter, a), early && in_flow && !chapter.figures.is_empty());
        if !seen.contains(&places) {
            seen.push(places);
            out.push(a);
        }
    }
    out
}

/// Whether Besøg også ends the chapter in `a`: below everything, or beside
/// the last figure's caption with no other box in the flow after it.
pub fn links_last(chapter: &Chapter, a: Arrangement) -> bool {
    let aside: Vec<usize> = placed(chapter, a).concat();
    let in_flow = chapter.boxes.iter().enumerate().any(|(k, b)| b.kind != BoxKind::SeeAlso && !aside.contains(&k));
    !a.links_beside || a.early || !in_flow || chapter.figures.is_empty()
}

/// The boxes beside each figure's caption, by index into the chapter's
/// boxes: the first "Besøg også" beside the last figure's (at the
/// chapter's end), Gode råd and Værktøj where `a` puts them.
fn placed(chapter: &Chapter, a: Arrangement) -> Vec<Vec<usize>> {
    let n = chapter.figures.len();
    let mut sides = vec![Vec::new(); n];
    if n == 0 {
        return sides;
    }
    let of = |kind| chapter.boxes.iter().position(|b: &ContentBox| b.kind == kind);
    for (kind, place) in [(BoxKind::Advice, a.advice), (BoxKind::Tool, a.tool)] {
        if let (Some(k), Place::Beside(j)) = (of(kind), place) {
            sides[j.min(n - 1)].push(k);
        }
    }
    if let (Some(k), true) = (of(BoxKind::SeeAlso), a.links_beside) {
        sides[n - 1].push(k);
    }
    sides
}

/// The least a chapter's page is filled (the share of the body's height
/// down to its lowest block), and the least its last page is.
pub const MIN_FILL: f64 = 0.6;
pub const MIN_LAST_FILL: f64 = 0.4;

/// No page of a chapter is mostly empty: every page is at least
/// [`MIN_FILL`] full, the last at least [`MIN_LAST_FILL`].
pub fn full_enough(fill: &[f64]) -> bool {
    let Some((last, rest)) = fill.split_last() else { return true };
    *last >= MIN_LAST_FILL && rest.iter().all(|&f| f >= MIN_FILL)
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

/// The report as the pages set it: no line of a figure title, a hero
/// sentence or a box title holds one word alone (their last two words are
/// tied). Done before any layout pass, so drafts see the same words.
pub fn typeset(report: &Report) -> Report {
    let mut r = report.clone();
    for c in &mut r.chapters {
        c.hero.sentence = tie_last_words(&c.hero.sentence);
        for f in &mut c.figures {
            f.title = tie_last_words(&f.title);
        }
        for b in &mut c.boxes {
            b.title = tie_last_words(&b.title);
        }
    }
    r
}

/// A paragraph in one style.
pub(super) fn para(text: impl Into<String>, style: TextStyle) -> impl Element {
    Leading(Paragraph::new(text.into()).styled(style), style.line_spacing())
}

pub(super) fn ts(size: u8, c: Rgb) -> TextStyle {
    TextStyle::new().with_font_size(size).with_color(color(c))
}

/// A chapter: the opener (theme, hero, introduction) on its own page, then
/// the figures with the boxes flowing into the room they leave, and the
/// chapter's "Besøg også" at its end.
pub fn chapter(doc: &mut genpdf::Document, book: &Book, i: usize, trail: &Trail) {
    doc.push(NewPage::default());
    doc.push(opener(book, i, trail));
    doc.push(NewPage::default());
    let chapter = book.chapter(i);
    let kinds: Vec<BoxKind> = chapter.boxes.iter().map(|b| b.kind).collect();
    let of = |kind| kinds.iter().position(|&k| k == kind);
    let (advice, tool) = (of(BoxKind::Advice), of(BoxKind::Tool));
    let sides = placed(chapter, book.arrangement);
    let aside: Vec<usize> = sides.iter().flatten().copied().collect();
    let mut figures: Vec<Unit> = sides.into_iter().enumerate().map(|(j, side)| figure(book, i, j, side, trail)).collect();
    let mut boxes = Vec::new();
    let mut after = Vec::new();
    for (k, &kind) in kinds.iter().enumerate() {
        if aside.contains(&k) {
            continue;
        }
        match (kind, advice, tool) {
            // Any other "Besøg også" follows the chapter's last block.
            (BoxKind::SeeAlso, ..) => after.push(k),
            // Advice and tool are short: side by side, they fill a page's foot together.
            (BoxKind::Advice, Some(_), Some(t)) if !aside.contains(&t) => boxes.push(box_pair(book, i, [k, t], trail)),
            (BoxKind::Tool, Some(a), Some(_)) if !aside.contains(&a) => {}
            _ => boxes.push(content_box(book, i, k, trail)),
        }
    }
    if book.arrangement.early && !figures.is_empty() {
        // The boxes keep their place before the last figure.
        let last = figures.pop().expect("a figure");
        figures.append(&mut boxes);
        figures.push(last);
    }
    doc.push(Flow::new(figures, boxes, 9.0));
    for k in after {
        doc.push(Gap(9.0));
        doc.push(content_box(book, i, k, trail));
    }
}

/// The opener page: "Følg den røde tråd" where the book begins, the theme in
/// capitals, the hero number in red with its completing sentence, and the
/// introduction right below.
fn opener(book: &Book, i: usize, trail: &Trail) -> Unit {
    let chapter = book.chapter(i).clone();
    let word = book.report.words.chapter.to_uppercase();
    let thread = if i == 0 { book.report.words.thread.clone() } else { String::new() };
    let ink = book.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        if thread.is_empty() {
            l.push(Space(12.0));
        } else {
            l.push(Space(2.0));
            l.push(tag(key(Block::Opener, Role::P, 0), para(thread.to_uppercase(), type_style(8, ink.muted, LEAD_HEAD).bold())));
            l.push(Space(6.0));
        }
        l.push(tag(key(Block::Opener, Role::P, 1), para(format!("{word} {}  ·  {}", chapter.number, chapter.period), type_style(10, ink.muted, LEAD_HEAD).bold())));
        l.push(Space(3.0));
        l.push(tag(key(Block::Opener, Role::H1, 0), para(chapter.title.clone(), type_style(30, ink.text, LEAD_HEAD).bold())));
        l.push(Space(14.0));
        // genpdf sets a line's baseline one font height down: display type keeps that height.
        l.push(tag(key(Block::Opener, Role::P, 2), Display { text: chapter.hero.text.clone(), max: 120, style: type_style(120, ink.accent, super::fonts::natural_leading()).bold() }));
        l.push(Space(2.0));
        l.push(tag(key(Block::Opener, Role::P, 2), para(chapter.hero.sentence.clone(), type_style(20, ink.text, 1.25))));
        // Where the number is not the publisher's hero, the model says so.
        if let Some(note) = &chapter.hero.note {
            l.push(Space(4.0));
            l.push(tag(key(Block::Opener, Role::P, 3), para(note.clone(), type_style(9, ink.muted, LEAD_BODY))));
        }
        l.push(Space(12.0));
        l.push(Rule { width: Some(20.0), height: 0.6, color: ink.greys[0] });
        l.push(Space(6.0));
        for (k, p) in paragraphs(&chapter.intro).enumerate() {
            if k > 0 {
                l.push(Space(2.5));
            }
            l.push(tag(key(Block::Opener, Role::P, 4 + k as u16), para(p, type_style(11, ink.text, LEAD_BODY))));
        }
        l
    })
    .marked(trail, Target::Chapter(i))
}

/// Paragraphs of running text are separated by a blank line.
fn paragraphs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split("\n\n").map(|p| p.split_ascii_whitespace().collect::<Vec<_>>().join(" ")).filter(|p| !p.is_empty())
}

fn figure(book: &Book, i: usize, j: usize, side: Vec<usize>, trail: &Trail) -> Unit {
    let f: Figure = book.chapter(i).figures[j].clone();
    let side: Vec<(usize, ContentBox)> = side.into_iter().map(|k| (k, book.chapter(i).boxes[k].clone())).collect();
    let link_trail = trail.clone();
    let chart = book.charts.get(&f.id).cloned();
    let ink = book.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(Rule { width: None, height: 0.3, color: ink.greys[2] });
        l.push(Space(2.5));
        l.push(tag(key(Block::Figure(j), Role::H2, 0), para(f.label.to_uppercase(), type_style(8, ink.muted, LEAD_HEAD).bold())));
        l.push(Space(1.0));
        l.push(tag(key(Block::Figure(j), Role::H2, 0), para(f.title.clone(), type_style(13, ink.text, LEAD_HEAD).bold())));
        if !f.subtitle.is_empty() {
            // A tight heading's descenders reach below its last line.
            l.push(Space(2.0));
            l.push(tag(key(Block::Figure(j), Role::P, 1), para(f.subtitle.clone(), type_style(9, ink.muted, LEAD_BODY))));
        }
        l.push(Space(3.0));
        if let Some(chart) = chart {
            l.push(tag(key(Block::Figure(j), Role::Figure, 0), chart_element(chart)));
        }
        l.push(Space(3.0));
        // The caption keeps to its column, the source line right under it
        // (across the column where nothing stands beside the caption).
        let caption = tag(key(Block::Figure(j), Role::Caption, 0), para(f.caption.clone(), type_style(8, ink.muted, LEAD_BODY)));
        let source = (!f.source.is_empty()).then(|| tag(key(Block::Figure(j), Role::P, 2), para(f.source.clone(), type_style(8, ink.text, LEAD_BODY).bold())));
        if side.is_empty() {
            l.push(caption.padded(Margins::trbl(0.0, TEXT_W - CAPTION_W, 0.0, 0.0)));
            if let Some(source) = source {
                l.push(Space(1.5));
                l.push(source);
            }
        } else {
            let mut caption = LinearLayout::vertical().element(caption);
            if let Some(source) = source {
                caption.push(Space(1.5));
                caption.push(source);
            }
            // Beside it, the side column the caption column leaves free.
            let side_w = TEXT_W - CAPTION_W - SIDE_GUTTER;
            let mut table = TableLayout::new(vec![CAPTION_W as usize, SIDE_GUTTER as usize, side_w as usize]);
            let side_x = TEXT_W - side_w;
            table
                .row()
                .element(caption)
                .element(Space(0.0))
                .element(side_column(&side, &ink, &link_trail, side_x))
                .push()
                .expect("three columns");
            l.push(table);
        }
        l
    })
    .marked(trail, Target::Figure(i, j))
}

/// Between the caption column and the side column (mm).
const SIDE_GUTTER: f64 = 8.0;

/// The side column beside a caption: its boxes one under the other.
fn side_column(boxes: &[(usize, ContentBox)], ink: &Palette, trail: &Trail, x: f64) -> LinearLayout {
    let mut l = LinearLayout::vertical();
    for (n, (k, b)) in boxes.iter().enumerate() {
        if n > 0 {
            l.push(Space(6.0));
        }
        side_box(&mut l, *k, b, ink, trail, x);
    }
    l
}

/// A box in the side column: a rule, the heading, the title, the text
/// (hyphenated: the column is narrow), and each link as its name over its
/// address.
fn side_box(l: &mut LinearLayout, k: usize, b: &ContentBox, ink: &Palette, trail: &Trail, x: f64) {
    let at = |role, n: usize| key(Block::Box(k), role, n as u16);
    l.push(Rule { width: None, height: 0.6, color: ink.greys[0] });
    l.push(Space(2.0));
    box_text(l, k, b, ink, BoxText { title: 10, body: 8, note: 8, gap: 1.5, hyphenate: true });
    for (n, (label, url)) in b.links.iter().enumerate() {
        l.push(Space(1.5));
        l.push(tag(at(Role::P, 101 + n), para(label.clone(), type_style(8, ink.text, LEAD_HEAD).bold())));
        let style = type_style(8, ink.muted, LEAD_HEAD);
        let line = tag(at(Role::Link, 101 + n), Hyphenated::address(url.clone(), style));
        l.push(LinkLine { line, x, url: url.clone(), trail: trail.clone() });
    }
}

/// How a box's text is set: point sizes of its title, text and
/// attribution, the space before each paragraph (mm), and whether the text
/// is hyphenated (narrow columns only).
struct BoxText {
    title: u8,
    body: u8,
    note: u8,
    gap: f64,
    hyphenate: bool,
}

/// A box's heading, title, text and attribution, tagged as its block;
/// boxes in the flow and in the side column differ only in `t`.
fn box_text(l: &mut LinearLayout, k: usize, b: &ContentBox, ink: &Palette, t: BoxText) {
    let at = |role, n: usize| key(Block::Box(k), role, n as u16);
    let heading = b.kind.heading();
    l.push(tag(at(Role::H2, 0), para(heading.to_uppercase(), type_style(8, ink.muted, LEAD_HEAD).bold())));
    let title = b.title.strip_prefix(&format!("{heading}:")).unwrap_or(&b.title).trim();
    if !title.is_empty() && title != heading {
        l.push(Space(1.0));
        l.push(tag(at(Role::H2, 0), para(title.to_string(), type_style(t.title, ink.text, LEAD_HEAD).bold())));
    }
    for (n, p) in b.body.iter().enumerate() {
        l.push(Space(t.gap));
        let style = type_style(t.body, ink.text, LEAD_BODY);
        if t.hyphenate {
            l.push(tag(at(Role::P, 1 + n), Hyphenated::new(p.clone(), style)));
        } else {
            l.push(tag(at(Role::P, 1 + n), para(p.clone(), style)));
        }
    }
    if let Some(who) = &b.attribution {
        l.push(Space(t.gap));
        l.push(tag(at(Role::P, 100), para(who.clone(), type_style(t.note, ink.muted, LEAD_BODY).italic())));
    }
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

fn box_dress(kind: BoxKind, ink: &Palette) -> Dress {
    let rule = ink.greys[0];
    match kind {
        BoxKind::Case => Dress { fill: Some(ink.tint()), top_rule: Some(rule), pad: 6.0, ..Dress::default() },
        BoxKind::Advice => Dress { left_rule: Some(rule), pad: 1.0, ..Dress::default() },
        BoxKind::Tool => Dress { fill: Some(ink.tint()), left_rule: Some(rule), pad: 6.0, ..Dress::default() },
        BoxKind::SeeAlso => Dress { top_rule: Some(rule), pad: 0.0, ..Dress::default() },
    }
}

fn content_box(book: &Book, i: usize, k: usize, trail: &Trail) -> Unit {
    let b: ContentBox = book.chapter(i).boxes[k].clone();
    let ink = book.ink.clone();
    let trail = trail.clone();
    let dress = box_dress(b.kind, &ink);
    let reach = trail.clone();
    Unit::new(move || box_layout(k, &b, &ink, &trail, false)).dressed(dress).measured(&reach)
}

/// Two boxes side by side in one block, each in its own dress.
fn box_pair(book: &Book, i: usize, ks: [usize; 2], trail: &Trail) -> Unit {
    let bs: Vec<ContentBox> = ks.iter().map(|&k| book.chapter(i).boxes[k].clone()).collect();
    let ink = book.ink.clone();
    let reach = trail.clone();
    let trail = trail.clone();
    Unit::new(move || {
        let mut table = TableLayout::new(vec![1, 1]);
        let mut row = table.row();
        for (n, b) in bs.iter().enumerate() {
            let (b, ink2, trail, k) = (b.clone(), ink.clone(), trail.clone(), ks[n]);
            // Half the column each: narrow enough to hyphenate.
            let unit = Unit::new(move || box_layout(k, &b, &ink2, &trail, true)).dressed(box_dress(bs[n].kind, &ink));
            let pad = Margins::trbl(0.0, if n == 0 { 4.0 } else { 0.0 }, 0.0, if n == 0 { 0.0 } else { 4.0 });
            row.push_element(unit.padded(pad));
        }
        row.push().expect("two columns");
        LinearLayout::vertical().element(table)
    })
    .measured(&reach)
}

/// A box's heading, title, text, attribution and links; `narrow` boxes
/// (half the column) hyphenate their text.
fn box_layout(k: usize, b: &ContentBox, ink: &Palette, trail: &Trail, narrow: bool) -> LinearLayout {
    let at = |role, n: usize| key(Block::Box(k), role, n as u16);
    let mut l = LinearLayout::vertical();
    if b.kind == BoxKind::SeeAlso {
        l.push(Space(3.5));
    }
    box_text(&mut l, k, b, ink, BoxText { title: 13, body: 10, note: 9, gap: 2.0, hyphenate: narrow });
    if !b.links.is_empty() {
        l.push(Space(1.5));
    }
    for (n, (label, url)) in b.links.iter().enumerate() {
        let line = Paragraph::default()
            .styled_string(format!("{label}  "), ts(10, ink.text).bold())
            .styled_string(url.clone(), ts(10, ink.muted))
            .styled(type_style(10, ink.text, LEAD_BODY));
        let line = tag(at(Role::Link, 101 + n), Leading(line, LEAD_BODY / super::fonts::natural_leading()));
        l.push(LinkLine { line, x: 0.0, url: url.clone(), trail: trail.clone() });
    }
    l
}


#[cfg(test)]
mod paragraph_tests {
    #[test]
    fn running_text_keeps_its_no_break_spaces() {
        let text = "dem har 78\u{a0}% af  arbejdspladserne\nfornyet\n\nmens 32\u{a0}% har";
        let got: Vec<String> = super::paragraphs(text).collect();
        assert_eq!(got, ["dem har 78\u{a0}% af arbejdspladserne fornyet", "mens 32\u{a0}% har"]);
    }
}

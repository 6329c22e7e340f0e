//! Layout pieces genpdf lacks: blocks kept together on a page, filled
//! rectangles, the page frame (running header, the red thread, page
//! numbers) and the trail of where each chapter and figure landed, which
//! the second layout pass uses for the contents page, headers and bookmarks.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use genpdf::elements::LinearLayout;
use genpdf::error::Error;
use genpdf::render::{Area, Renderer};
use genpdf::style::{Color, Style as TextStyle};
use genpdf::{Context, Element, Margins, Mm, PageDecorator, Position, RenderResult, Scale, Size};

use crate::style::{Palette, Rgb};

/// A4, in millimetres.
pub const PAGE_W: f64 = 210.0;
pub const PAGE_H: f64 = 297.0;
pub const MARGIN_TOP: f64 = 30.0;
pub const MARGIN_BOTTOM: f64 = 26.0;
/// The text column is 160 mm, the width the chart stage draws print charts at.
pub const MARGIN_LEFT: f64 = 25.0;
pub const MARGIN_RIGHT: f64 = 25.0;
pub const TEXT_W: f64 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
pub const BODY_H: f64 = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM;
/// The red thread runs across every page at this height.
const THREAD_Y: f64 = 17.0;
pub const THREAD_H: f64 = 0.7;
/// The top of the footer line (the page number's and the note's), from the top of the page.
pub const FOLIO_Y: f64 = PAGE_H - 17.0;

/// The type grid: leading as a multiple of the type size. Running text
/// and captions are set at [`LEAD_BODY`], titles and headings at
/// [`LEAD_HEAD`], so a two-line title holds together.
pub const LEAD_BODY: f64 = 1.35;
pub const LEAD_HEAD: f64 = 1.15;
/// The caption column (mm): about 85 characters of 8 pt a line, not the
/// 125 a caption runs to across the full text column.
pub const CAPTION_W: f64 = 104.0;

/// A text style of `size` points in colour `c` with a leading of `lead`
/// times the size (the shared type scale: chapter pages and front matter).
pub fn type_style(size: u8, c: Rgb, lead: f64) -> TextStyle {
    TextStyle::new().with_font_size(size).with_color(color(c)).with_line_spacing(lead / super::fonts::natural_leading())
}

/// Sets its element's leading. genpdf merges a styled element's size,
/// colour and weight into the style it is given, but not its line spacing,
/// so every paragraph would run at the document's; this passes the
/// element's own on.
pub struct Leading<E: Element>(pub E, pub f64);

impl<E: Element> Element for Leading<E> {
    fn render(&mut self, context: &Context, area: Area<'_>, mut style: TextStyle) -> Result<RenderResult, Error> {
        style.set_line_spacing(self.1);
        self.0.render(context, area, style)
    }
}

/// What a page or a block is, for the contents page, headers and bookmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Title,
    Contents,
    /// Index into the rendered chapters.
    Chapter(usize),
    Figure(usize, usize),
    Method,
    /// A book's title verso.
    Colophon,
    /// A part's divider page, by the part's index.
    Part(usize),
}

/// Where a target landed (1-based page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub target: Target,
    pub page: usize,
}

/// Shared between the page frame (which counts pages) and the blocks
/// (which note where they land) during one layout pass.
#[derive(Clone, Default)]
pub struct Trail(Rc<RefCell<TrailState>>);

#[derive(Default)]
struct TrailState {
    page: usize,
    marks: Vec<Mark>,
    links: Vec<Link>,
    /// How far down each page (mm into the body) its lowest block reaches.
    depth: Vec<f64>,
}

/// A web address printed on a page, to be made clickable: its page and its
/// rectangle in mm from the top left (x, y, width, height).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub page: usize,
    pub rect: (f64, f64, f64, f64),
    pub url: String,
}

impl Trail {
    fn next_page(&self) -> usize {
        let mut s = self.0.borrow_mut();
        s.page += 1;
        s.page
    }
    fn mark(&self, target: Target) {
        let mut s = self.0.borrow_mut();
        let page = s.page;
        s.marks.push(Mark { target, page });
    }
    /// The pages laid out so far.
    pub fn pages(&self) -> usize {
        self.0.borrow().page
    }
    pub fn marks(&self) -> Vec<Mark> {
        self.0.borrow().marks.clone()
    }
    pub fn links(&self) -> Vec<Link> {
        self.0.borrow().links.clone()
    }
    /// Notes that a block on the current page reaches `bottom` mm into the body.
    fn reach(&self, bottom: f64) {
        let mut s = self.0.borrow_mut();
        let page = s.page;
        if page == 0 {
            return;
        }
        if s.depth.len() < page {
            s.depth.resize(page, 0.0);
        }
        s.depth[page - 1] = s.depth[page - 1].max(bottom);
    }
    /// How full each page is: the share of the body's height down to its
    /// lowest block (0 for a page no block reached).
    pub fn fill(&self) -> Vec<f64> {
        let s = self.0.borrow();
        (0..s.page).map(|p| s.depth.get(p).map_or(0.0, |d| (d / BODY_H).min(1.0))).collect()
    }
}

/// The marks of the previous pass: where things will land in this one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub marks: Vec<Mark>,
}

impl Plan {
    pub fn page_of(&self, target: Target) -> Option<usize> {
        self.marks.iter().find(|m| m.target == target).map(|m| m.page)
    }

    /// The section a page belongs to: the last section opened on or before it.
    fn section_of(&self, page: usize) -> Option<Mark> {
        self.marks
            .iter()
            .rfind(|m| !matches!(m.target, Target::Figure(..)) && m.page <= page)
            .copied()
    }
}

/// Nothing above this block on the page yet.
fn at_page_top(area: &Area<'_>) -> bool {
    f64::from(area.size().height) >= BODY_H - 0.01
}


pub fn color(c: Rgb) -> Color {
    Color::Rgb(c.0, c.1, c.2)
}

/// A filled rectangle. genpdf strokes only hairlines, so a one-pixel image
/// stretched to size is the filled shape (a 1×1 image at 25.4 dpi is 1 mm).
pub fn fill_rect(area: &Area<'_>, context: &Context, at: (f64, f64), size: (f64, f64), c: Rgb) -> Result<(), Error> {
    let pixel = image::RgbImage::from_pixel(1, 1, image::Rgb([c.0, c.1, c.2]));
    let mut block = genpdf::elements::Image::from_dynamic_image(image::DynamicImage::ImageRgb8(pixel))?
        .with_dpi(25.4)
        .with_scale(Scale::new(size.0, size.1))
        .with_position(Position::new(at.0, at.1));
    block.render(context, area.clone(), TextStyle::new())?;
    Ok(())
}

/// A rule as an element of a layout: `width` mm (the full width if None) by `height` mm.
pub struct Rule {
    pub width: Option<f64>,
    pub height: f64,
    pub color: Rgb,
}

impl Element for Rule {
    fn render(&mut self, context: &Context, area: Area<'_>, _style: TextStyle) -> Result<RenderResult, Error> {
        let w = self.width.unwrap_or(f64::from(area.size().width));
        fill_rect(&area, context, (0.0, 0.0), (w, self.height), self.color)?;
        Ok(RenderResult { size: Size::new(w, self.height), has_more: false })
    }
}

/// One line of display type, as large as `max` points but never wider than
/// the column (a hero like "3,0 gange" must not wrap).
pub struct Display {
    pub text: String,
    pub max: u8,
    pub style: TextStyle,
}

impl Element for Display {
    fn render(&mut self, context: &Context, area: Area<'_>, style: TextStyle) -> Result<RenderResult, Error> {
        let style = style.and(self.style);
        let mut size = self.max;
        while size > 12 && style.with_font_size(size).str_width(&context.font_cache, &self.text) > area.size().width {
            size -= 2;
        }
        let style = style.with_font_size(size).with_line_spacing(self.style.line_spacing());
        genpdf::elements::Paragraph::new(self.text.clone()).styled(style).render(context, area, style)
    }
}

/// A line that links to `url`. It starts `x` mm into the text column; every area on a page ends at the bottom margin, which gives its
/// height on the page.
pub struct LinkLine<E: Element> {
    pub line: E,
    /// Where its column starts, in mm from the text column's left edge.
    pub x: f64,
    pub url: String,
    pub trail: Trail,
}

impl<E: Element> Element for LinkLine<E> {
    fn render(&mut self, context: &Context, area: Area<'_>, style: TextStyle) -> Result<RenderResult, Error> {
        let room = f64::from(area.size().height);
        let result = self.line.render(context, area, style)?;
        // Taller than a page body: the scratch page a unit is measured on.
        if room <= BODY_H + 0.01 {
            let mut s = self.trail.0.borrow_mut();
            let page = s.page;
            let rect = (MARGIN_LEFT + self.x, PAGE_H - MARGIN_BOTTOM - room, f64::from(result.size.width), f64::from(result.size.height));
            s.links.push(Link { page, rect, url: self.url.clone() });
        }
        Ok(result)
    }
}

/// Vertical space that, unlike genpdf's `Break`, never carries over to the
/// top of the next page.
pub struct Gap(pub f64);

impl Element for Gap {
    fn render(&mut self, _context: &Context, area: Area<'_>, _style: TextStyle) -> Result<RenderResult, Error> {
        let room = f64::from(area.size().height);
        let h = if at_page_top(&area) { 0.0 } else { self.0.min(room) };
        Ok(RenderResult { size: Size::new(0, h), has_more: false })
    }
}

/// Vertical space inside a unit: always taken, so a unit measures the same
/// on the scratch page as on the real one.
pub struct Space(pub f64);

impl Element for Space {
    fn render(&mut self, _context: &Context, area: Area<'_>, _style: TextStyle) -> Result<RenderResult, Error> {
        let h = self.0.min(f64::from(area.size().height));
        Ok(RenderResult { size: Size::new(0, h), has_more: false })
    }
}

/// Starts a new page unless the page is still empty.
#[derive(Default)]
pub struct NewPage {
    done: bool,
}

impl Element for NewPage {
    fn render(&mut self, _context: &Context, area: Area<'_>, _style: TextStyle) -> Result<RenderResult, Error> {
        if self.done || at_page_top(&area) {
            return Ok(RenderResult::default());
        }
        self.done = true;
        // A width with no height tells genpdf that something happened on this page.
        Ok(RenderResult { size: Size::new(1, 0), has_more: true })
    }
}

/// How a unit is dressed: a tinted background, a rule down its left side
/// or across its top, and inner padding.
#[derive(Debug, Clone, Default)]
pub struct Dress {
    pub fill: Option<Rgb>,
    pub left_rule: Option<Rgb>,
    pub top_rule: Option<Rgb>,
    pub pad: f64,
    /// Set at the foot of the page (the title page's note, a chapter's introduction).
    pub at_bottom: bool,
}

const LEFT_RULE_W: f64 = 1.2;
const TOP_RULE_H: f64 = 1.2;

/// A block that is never split from itself: a figure with its caption, a
/// box, a chapter opener. It measures itself by laying out a copy on a
/// scratch page, and moves to the next page when it does not fit.
pub struct Unit {
    build: Box<dyn Fn() -> LinearLayout>,
    dress: Dress,
    mark: Option<(Trail, Target)>,
    /// Where the page's fill is noted (see [`Trail::fill`]).
    reach: Option<Trail>,
    /// Measured height (mm) at the width it was measured for.
    height: Option<(Mm, f64)>,
    placed: Option<LinearLayout>,
    /// Space left above a unit set at the foot of the page.
    placed_drop: f64,
}

impl Unit {
    pub fn new(build: impl Fn() -> LinearLayout + 'static) -> Unit {
        Unit { build: Box::new(build), dress: Dress::default(), mark: None, reach: None, height: None, placed: None, placed_drop: 0.0 }
    }
    pub fn dressed(mut self, dress: Dress) -> Unit {
        self.dress = dress;
        self
    }
    /// Note the page this unit lands on.
    pub fn marked(mut self, trail: &Trail, target: Target) -> Unit {
        self.mark = Some((trail.clone(), target));
        self.reach = Some(trail.clone());
        self
    }
    /// Note how far down the page this unit reaches.
    pub fn measured(mut self, trail: &Trail) -> Unit {
        self.reach = Some(trail.clone());
        self
    }

    /// Inner padding as (top, right, bottom, left) in mm.
    fn inset(&self) -> (f64, f64, f64, f64) {
        let d = &self.dress;
        let top = d.pad + if d.top_rule.is_some() { TOP_RULE_H } else { 0.0 };
        let left = d.pad + if d.left_rule.is_some() { LEFT_RULE_W + if d.fill.is_some() { 0.0 } else { 4.0 } } else { 0.0 };
        (top, d.pad, d.pad, left)
    }

    /// The full height (mm) of this unit at `width`, laid out on a scratch page.
    pub fn height(&mut self, context: &Context, width: Mm, style: TextStyle) -> Result<f64, Error> {
        if let Some((w, h)) = self.height
            && w == width
        {
            return Ok(h);
        }
        let (top, right, bottom, left) = self.inset();
        let mut probe = (self.build)();
        let h = measure(context, width - Mm::from(left + right), style, &mut probe)? + top + bottom;
        self.height = Some((width, h));
        Ok(h)
    }
}

/// The height of an element laid out at `width`, on a page nobody sees.
fn measure(context: &Context, width: Mm, style: TextStyle, element: &mut dyn Element) -> Result<f64, Error> {
    let scratch = Renderer::new(Size::new(width, Mm::from(5000)), "")?;
    let area = scratch.first_page().first_layer().area();
    let result = element.render(context, area, style)?;
    Ok(f64::from(result.size.height))
}

impl Element for Unit {
    fn render(&mut self, context: &Context, area: Area<'_>, style: TextStyle) -> Result<RenderResult, Error> {
        let (top, right, bottom, left) = self.inset();
        if self.placed.is_none() {
            let height = self.height(context, area.size().width, style)?;
            if height > f64::from(area.size().height) + 0.01 && !at_page_top(&area) {
                return Ok(RenderResult { size: Size::new(1, 0), has_more: true });
            }
            let mut area = area.clone();
            // Half a millimetre of slack: genpdf's line-by-line fitting rounds
            // differently from the measuring pass, and a last line that
            // misses by a hair would fall onto the next page.
            let drop = f64::from(area.size().height) - height - 0.5;
            if self.dress.at_bottom && drop > 0.0 {
                area.add_offset(Position::new(0, drop));
                self.placed_drop = drop;
            }
            let w = f64::from(area.size().width);
            if let Some(c) = self.dress.fill {
                fill_rect(&area, context, (0.0, 0.0), (w, height), c)?;
            }
            if let Some(c) = self.dress.left_rule {
                fill_rect(&area, context, (0.0, 0.0), (LEFT_RULE_W, height), c)?;
            }
            if let Some(c) = self.dress.top_rule {
                fill_rect(&area, context, (0.0, 0.0), (w, TOP_RULE_H), c)?;
            }
            if let Some((trail, target)) = &self.mark {
                trail.mark(*target);
            }
            self.placed = Some((self.build)());
        }
        let drop = std::mem::take(&mut self.placed_drop);
        let layout = self.placed.as_mut().expect("placed above");
        let mut inner = area.clone();
        inner.add_margins(Margins::trbl(top + drop, right, 0.0, left));
        let result = layout.render(context, inner, style)?;
        let height = drop + f64::from(result.size.height) + top + if result.has_more { 0.0 } else { bottom };
        let room = f64::from(area.size().height);
        if let Some(trail) = &self.reach
            && room <= BODY_H + 0.01
        {
            trail.reach(BODY_H - room + height);
        }
        Ok(RenderResult { size: Size::new(area.size().width, height), has_more: result.has_more })
    }
}

/// The least space between two blocks of a chapter.
const MIN_GAP: f64 = 4.0;

/// A chapter's body: figures in order, and boxes that move up to fill the
/// foot of a page where the next figure does not fit (the first box, in
/// order, that fits), so a page does not end in a gap a box could fill.
pub struct Flow {
    main: VecDeque<Unit>,
    fillers: VecDeque<Unit>,
    gap: f64,
    /// A unit taller than a page, continued on the next one.
    running: Option<Unit>,
}

impl Flow {
    /// `main` keeps its place; `fillers` may move up to fill gaps.
    pub fn new(main: Vec<Unit>, fillers: Vec<Unit>, gap: f64) -> Flow {
        Flow { main: main.into(), fillers: fillers.into(), gap, running: None }
    }
}

impl Element for Flow {
    fn render(&mut self, context: &Context, mut area: Area<'_>, style: TextStyle) -> Result<RenderResult, Error> {
        let width = area.size().width;
        let mut used = 0.0;
        loop {
            if let Some(mut unit) = self.running.take() {
                let result = unit.render(context, area.clone(), style)?;
                if result.has_more {
                    self.running = Some(unit);
                    return Ok(RenderResult { size: Size::new(width, used + f64::from(result.size.height)), has_more: true });
                }
                used += f64::from(result.size.height);
                area.add_offset(Position::new(0, result.size.height));
                continue;
            }
            let top = at_page_top(&area);
            let room = f64::from(area.size().height);
            // The gap above a unit may shrink to MIN_GAP rather than leave it for the next page.
            let gap_for = |unit: Option<&mut Unit>| -> Result<Option<f64>, Error> {
                let Some(u) = unit else { return Ok(None) };
                if top {
                    return Ok(Some(0.0));
                }
                let h = u.height(context, width, style)?;
                Ok([self.gap, MIN_GAP].into_iter().find(|g| h + g <= room + 0.01))
            };
            let mut next = match gap_for(self.main.front_mut())? {
                Some(g) => self.main.pop_front().map(|u| (u, g)),
                None => None,
            };
            // The first box, in order, that fits here.
            for k in 0..self.fillers.len() {
                if next.is_some() {
                    break;
                }
                if let Some(g) = gap_for(self.fillers.get_mut(k))? {
                    next = self.fillers.remove(k).map(|u| (u, g));
                }
            }
            let Some((unit, gap)) = next else {
                let done = self.main.is_empty() && self.fillers.is_empty();
                // Some width tells genpdf the page was used even when nothing fitted.
                return Ok(RenderResult { size: Size::new(width, used), has_more: !done });
            };
            area.add_offset(Position::new(0, gap));
            used += gap;
            self.running = Some(unit);
        }
    }
}

/// Running header text of a section: (left, right).
pub type Header = (String, String);

/// The page frame: margins, the running header, the red thread across every
/// page (the one red that is not a number: it runs edge to edge, so it
/// continues from page to page), and the page number with a note on the
/// data in the footer, all in the dark and grey inks.
pub struct Frame {
    pub trail: Trail,
    pub plan: Plan,
    pub ink: Palette,
    /// Header of each rendered chapter, by its index in the book.
    pub chapters: Vec<Header>,
    pub contents: Header,
    pub method: Header,
    pub footer_note: String,
}

impl PageDecorator for Frame {
    fn decorate_page<'a>(&mut self, context: &Context, mut area: Area<'a>, style: TextStyle) -> Result<Area<'a>, Error> {
        let page = self.trail.next_page();
        let section = self.plan.section_of(page);
        let opener = self.plan.marks.iter().any(|m| m.page == page && matches!(m.target, Target::Chapter(_)));
        fill_rect(&area, context, (0.0, THREAD_Y), (PAGE_W, THREAD_H), self.ink.accent)?;
        // The title page, its verso and part dividers are quiet.
        if !matches!(section.map(|m| m.target), Some(Target::Title | Target::Colophon | Target::Part(_))) {
            let header = match section.map(|m| m.target) {
                Some(Target::Chapter(i)) => self.chapters.get(i),
                Some(Target::Contents) => Some(&self.contents),
                Some(Target::Method) => Some(&self.method),
                _ => None,
            };
            let small = style.with_font_size(8);
            if let (Some((left, right)), false) = (header, opener) {
                let y = THREAD_Y - 5.2;
                area.print_str(&context.font_cache, Position::new(MARGIN_LEFT, y), small.bold().with_color(color(self.ink.text)), left)?;
                let w = f64::from(small.str_width(&context.font_cache, right));
                area.print_str(&context.font_cache, Position::new(PAGE_W - MARGIN_RIGHT - w, y), small.with_color(color(self.ink.muted)), right)?;
            }
            // The page number is stamped on the finished file (`folio`),
            // where the page's place in its book is known.
            let note = style.with_font_size(7).with_color(color(self.ink.muted));
            area.print_str(&context.font_cache, Position::new(MARGIN_LEFT, FOLIO_Y + 0.8), note, &self.footer_note)?;
        }
        area.add_margins(Margins::trbl(MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT));
        Ok(area)
    }
}

//! Stage 6: the handbook, PDF chapters in the style of NYT SAMMEN BEDRE.
//!
//! genpdf lays each chapter out once, from the figure model, the print
//! charts and the editorial boxes, into the chapter's own PDF; lopdf
//! finishes the file (metadata, bookmarks, page numbers, one copy of each
//! font, reproducible bytes). A book (an edition's, or every edition's) is
//! its own pages (cover, title verso, contents, part dividers, method
//! pages), laid out by genpdf, and its chapters' finished PDFs, put
//! together by lopdf (`assemble`): an edited figure lays out its chapter
//! again, never a whole book. Layout runs until the pages stop moving: a
//! pass notes where things land, the next uses that for the contents, the
//! running headers and the bookmarks.

mod assemble;
mod finish;
mod folio;
pub mod fonts;
mod frame;
mod front;
mod hyphen;
mod pages;
mod tags;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::error::{Context, Error, Fail, Result};

use finish::{Entry, Meta};
use fonts::Pass;
use frame::{Frame, Plan, Target, Trail};
use front::Matter;
use pages::Book;

use crate::style::{Rgb, Style};
use crate::model::{self, Chapter, Report};

/// The print chart of each figure, ready to embed, keyed by figure id;
/// every PDF of a build is made from the same map.
pub type ChartImages = BTreeMap<String, Chart>;

/// A print chart as a PDF image stream: its size in pixels and its rows,
/// deflated. Layout only needs the size; the pixels join the file at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    /// zlib data of the RGB rows.
    data: Vec<u8>,
    /// The rows carry PNG filter bytes (the PNG's own IDAT stream), so the
    /// PDF reads them with PNG predictors.
    predicted: bool,
}

/// Readies the print PNGs of the charts stage for the PDFs, once per build.
/// An 8-bit RGB PNG (what the chart stage writes) is embedded as it is
/// compressed: nothing is decoded or deflated again.
pub fn decode_charts(pngs: &BTreeMap<String, Vec<u8>>, style: &Style) -> Result<ChartImages> {
    pngs.iter()
        .map(|(id, png)| Ok((id.clone(), chart(png, style.palette.background).with_context(|| format!("the chart of figure {id}"))?)))
        .collect()
}

fn chart(png: &[u8], paper: Rgb) -> Result<Chart> {
    let reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().or_render("not a readable PNG")?;
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    if info.color_type == png::ColorType::Rgb && info.bit_depth == png::BitDepth::Eight && !info.interlaced {
        return Ok(Chart { width, height, data: idat(png)?, predicted: true });
    }
    // Anything else (alpha, palette, 16 bits) is decoded and flattened.
    let rgb = flatten(png, paper)?.to_rgb8();
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, rgb.as_raw()).or_render("compressing an image")?;
    Ok(Chart { width, height, data: enc.finish().or_render("compressing an image")?, predicted: false })
}

/// The concatenated IDAT chunks of a PNG: one zlib stream of filtered rows.
fn idat(png: &[u8]) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut rest = png.get(8..).or_render("a PNG without its signature")?;
    while rest.len() >= 12 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let body = rest.get(8..8 + len).or_render("a PNG chunk runs past the end of the file")?;
        if &rest[4..8] == b"IDAT" {
            data.extend_from_slice(body);
        }
        rest = rest.get(12 + len..).unwrap_or_default();
    }
    if data.is_empty() {
        return Err(Error::Render("a PNG without image data".into()));
    }
    Ok(data)
}

/// Used for the dates in the PDF when SOURCE_DATE_EPOCH is not set, so an
/// unset clock still gives the same bytes: 2020-01-01T00:00:00Z.
pub const DEFAULT_DATE_EPOCH: i64 = 1_577_836_800;

/// The SOURCE_DATE_EPOCH values a PDF date can show: 1970-01-01T00:00:00Z
/// to 9999-12-31T23:59:59Z.
pub const EPOCH_RANGE: std::ops::RangeInclusive<i64> = 0..=253_402_300_799;
const EPOCH_RANGE_TEXT: &str = "it must be whole seconds from 0 to 253402300799 (1970-01-01 to 9999-12-31, UTC)";

/// How a PDF is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PdfOptions {
    /// Seconds since 1970 for the document's dates; [`DEFAULT_DATE_EPOCH`] when None.
    pub source_date_epoch: Option<i64>,
}

impl PdfOptions {
    /// Options from the environment: SOURCE_DATE_EPOCH, if set. A PDF date
    /// has a four-digit year, so the value must fall in [`EPOCH_RANGE`].
    pub fn from_env() -> Result<PdfOptions> {
        let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(s) => {
                let out_of_range = || Error::config(format!("SOURCE_DATE_EPOCH=\"{s}\" is out of range: {EPOCH_RANGE_TEXT}"));
                let n: i64 = s.trim().parse().map_err(|e: std::num::ParseIntError| match e.kind() {
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => out_of_range(),
                    _ => Error::config(format!("SOURCE_DATE_EPOCH=\"{s}\" is not a whole number of seconds")),
                })?;
                if !EPOCH_RANGE.contains(&n) {
                    return Err(out_of_range());
                }
                Some(n)
            }
            Err(_) => None,
        };
        Ok(PdfOptions { source_date_epoch })
    }

    fn epoch(&self) -> i64 {
        self.source_date_epoch.unwrap_or(DEFAULT_DATE_EPOCH)
    }
}

/// One chapter as its own PDF (`outputs/handbook/<chapter-id>.pdf`), its
/// pages numbered from 1. Books are made from these files.
pub fn render_chapter(report: &Report, chapter: &Chapter, charts: &ChartImages, style: &Style, opts: &PdfOptions) -> Result<Vec<u8>> {
    if !report.chapters.iter().any(|c| c.id == chapter.id) {
        return Err(Error::Internal(format!("chapter {} is not in the report", chapter.id)));
    }
    let meta = Meta {
        title: format!("{} {}", chapter.name, chapter.period),
        subject: format!("{}: {} {}", report.title, chapter.hero.text, chapter.hero.sentence),
        keywords: report.words.keywords.clone(),
        epoch: opts.epoch(),
        alts: chapter.figures.iter().map(|f| f.description.clone()).collect(),
    };
    // The chapter alone, typeset once; its drafts print it the same, with a
    // stand-in for each no-break space (see [`fonts::draft_report`]).
    let mut alone = report.clone();
    alone.chapters = vec![chapter.clone()];
    let typeset = Rc::new(pages::typeset(&alone));
    let draft = fonts::draft_report(&typeset)?.map(Rc::new);
    let fail = || format!("cannot render the chapter {}", chapter.id);
    // The first arrangement of the boxes that leaves no page mostly empty
    // and ends the chapter with Besøg også; else the first that leaves no
    // page mostly empty; if none does, the one whose emptiest page is
    // fullest. Those ending with Besøg også are judged first: the first of
    // them full enough is the one the rule picks, whatever comes before it.
    // Arrangements are laid out as drafts (built-in fonts, the same
    // metrics, nothing embedded), each starting from where the last
    // settled, and the chosen one's settled draft is finished; where the
    // drafts cannot print the text, each is laid out with its fonts
    // embedded and finished.
    let arrangements = pages::arrangements(chapter);
    let last = |k: &usize| pages::links_last(chapter, arrangements[*k]);
    let order: Vec<usize> = (0..arrangements.len()).filter(last).chain((0..arrangements.len()).filter(|k| !last(k))).collect();
    let mut judged: Vec<Option<Judged>> = vec![None; arrangements.len()];
    let mut seed = (Plan::default(), 0);
    for k in order {
        let (book, charts) = book(typeset.clone(), charts, style, arrangements[k])?;
        let settled = draft.as_ref().and_then(|draft| {
            let draft = Book { report: draft.clone(), ..book.clone() };
            settled_draft(seed.clone(), |plan, _, trail| layout(&draft, plan, trail, Pass::Draft))
        });
        let j = match settled {
            Some(s) => {
                seed = (s.plan.clone(), s.pages);
                Judged { fill: s.trail.fill(), layout: s }
            }
            None => {
                let s = settle(None, |plan, _, trail, pass| layout(&book, plan, trail, pass)).with_context(fail)?;
                Judged { fill: s.trail.fill(), layout: s }
            }
        };
        if pages::full_enough(&j.fill) && last(&k) {
            return finish_chapter(&book, &charts, &meta, j.layout).with_context(fail);
        }
        judged[k] = Some(j);
    }
    let full = judged.iter().position(|j| j.as_ref().is_some_and(|j| pages::full_enough(&j.fill)));
    let worst = |k: usize| judged[k].as_ref().map_or(f64::NEG_INFINITY, |j| j.fill.iter().copied().fold(f64::INFINITY, f64::min));
    // The earliest of the fullest emptiest pages.
    let best = (0..judged.len()).fold(None, |b: Option<usize>, k| if b.is_none_or(|b| worst(k) > worst(b)) { Some(k) } else { b });
    let k = full.or(best).or_internal("no arrangement to lay the chapter out in")?;
    let (book, charts) = book(typeset.clone(), charts, style, arrangements[k])?;
    let j = judged[k].take().or_internal("an arrangement not judged")?;
    finish_chapter(&book, &charts, &meta, j.layout).with_context(fail)
}

/// An arrangement as laid out: its page fill and its settled layout.
#[derive(Clone)]
struct Judged {
    fill: Vec<f64>,
    layout: Settled,
}

/// A layout whose pages stopped moving: genpdf's file, the plan and page
/// count it was laid out from, and its trail.
#[derive(Clone)]
struct Settled {
    raw: Vec<u8>,
    plan: Plan,
    pages: usize,
    trail: Trail,
}

/// A chapter's own PDF from its settled layout.
fn finish_chapter(book: &Book, charts: &[&Chart], meta: &Meta, s: Settled) -> Result<Vec<u8>> {
    finish::finish(&s.raw, meta, &outline(book, &s.plan), &s.trail.links(), charts, &book.ink)
}

/// The file a book is published as: the combined book keeps the handbook's
/// name, `handbook.pdf`; an edition's is `books/handbook-<period>.pdf`.
pub fn book_path(id: &str) -> String {
    if id == crate::text::COMBINED_BOOK { "handbook.pdf".into() } else { format!("books/handbook-{id}.pdf") }
}

/// A book of the report (`report.books`, by id) from its chapters' own
/// PDFs (`chapters`, by chapter id): cover, title verso, contents, each
/// part (divider, chapters, method page), every chapter on a right-hand page.
pub fn render_book(report: &Report, id: &str, chapters: &BTreeMap<String, Vec<u8>>, style: &Style, opts: &PdfOptions) -> Result<Vec<u8>> {
    Ok(render_book_seeded(report, id, chapters, style, opts, None)?.0)
}

/// [`render_book`], laying the book's own pages out first from `seed`,
/// where they settled when this book was last made (see
/// [`assemble::encode_seed`]): an edit that moves none of them lays them
/// out once instead of drafting them again. Returns the book and its seed.
pub fn render_book_seeded(
    report: &Report,
    id: &str,
    chapters: &BTreeMap<String, Vec<u8>>,
    style: &Style,
    opts: &PdfOptions,
    seed: Option<&str>,
) -> Result<(Vec<u8>, Option<String>)> {
    let book = report.books.iter().find(|b| b.id == id).or_internal(format!("no book {id} in the report"))?;
    assemble_book(report, book, chapters, style, opts, seed).with_context(|| format!("cannot put the book {} together", book_path(id)))
}

fn assemble_book(
    report: &Report,
    book: &model::Book,
    pdfs: &BTreeMap<String, Vec<u8>>,
    style: &Style,
    opts: &PdfOptions,
    seed: Option<&str>,
) -> Result<(Vec<u8>, Option<String>)> {
    use rayon::prelude::*;
    let mut order = Vec::new();
    for id in book.parts.iter().flat_map(|p| &p.chapters) {
        order.push(report.chapters.iter().position(|c| c.id == *id).or_internal(format!("the book names chapter {id}, which is not in the report"))?);
    }
    let chapters: Vec<assemble::Chapter> = order
        .par_iter()
        .map(|&ci| {
            let id = &report.chapters[ci].id;
            let pdf = pdfs.get(id).or_internal(format!("no PDF of chapter {id} for the book"))?;
            assemble::Chapter::read(pdf).with_context(|| format!("the PDF of chapter {id}"))
        })
        .collect::<Result<_>>()?;
    let lengths: Vec<usize> = chapters.iter().map(|c| c.len()).collect();
    // Each figure's page in its chapter, from the chapter's bookmarks.
    let figures: Vec<Vec<Option<usize>>> = order
        .iter()
        .zip(&chapters)
        .map(|(&ci, c)| {
            // The pages tie a title's last two words with a no-break space; the model does not.
            let plain = |t: &str| t.replace('\u{a0}', " ");
            let names: BTreeMap<String, usize> = c.marks.iter().map(|(t, p)| (plain(t), *p)).collect();
            report.chapters[ci].figures.iter().map(|f| names.get(&plain(&format!("{} {}", f.label, f.title))).map(|p| p - 1)).collect()
        })
        .collect();
    let draft_report = fonts::draft_report(report)?.map(Rc::new);
    let report = Rc::new(report.clone());
    let matter = |r: &Rc<Report>, pages: assemble::BookPages| Matter {
        report: r.clone(),
        // The draft's own book, whose text drafts can print.
        book: Rc::new(r.books.iter().find(|b| b.id == book.id).unwrap_or(book).clone()),
        chapters: Rc::new(order.clone()),
        pages: Rc::new(pages),
        ink: Rc::new(style.palette.clone()),
        date: crate::text::book_date(opts.epoch()),
    };
    let words = &report.words;
    let frame = |trail: &Trail, plan: &Plan| Frame {
        trail: trail.clone(),
        plan: plan.clone(),
        ink: style.palette.clone(),
        chapters: Vec::new(),
        contents: (words.contents.to_uppercase(), words.running_title.clone()),
        method: (words.method.to_uppercase(), words.running_title.clone()),
        footer_note: book.footer.clone(),
    };
    let lay = |plan: &Plan, pages, trail: &Trail, pass| {
        let at = assemble::sequence(book, &plan.marks, pages, &lengths, &figures).at;
        let m = matter(if pass == Pass::Draft { draft_report.as_ref().or_internal("a draft of a report drafts cannot print")? } else { &report }, at);
        let mut doc = document(pass)?;
        doc.set_page_decorator(frame(trail, plan));
        front::compose_matter(&mut doc, &m, trail);
        render_doc(doc)
    };
    // From where these pages settled when the book was last made, if
    // known: an edit that moves none of them lays them out once.
    let seed = seed.and_then(assemble::decode_seed).unwrap_or_default();
    let drafted = draft_report.as_ref().and_then(|_| settled_draft(seed.clone(), |plan, pages, trail| lay(plan, pages, trail, Pass::Draft)));
    let Settled { raw, plan, pages, trail } = match drafted {
        Some(s) => s,
        None => settle(Some(seed), lay)?,
    };
    let sequence = assemble::sequence(book, &plan.marks, pages, &lengths, &figures);
    let outline = book_outline(&report, book, &order, &sequence.at);
    let meta = Meta { title: book.document_title.clone(), subject: report.subtitle.clone(), keywords: words.keywords.clone(), epoch: opts.epoch(), alts: Vec::new() };
    let seed = Some(assemble::encode_seed(&plan, pages));
    Ok((assemble::merge(&raw, chapters, &sequence, &outline, &trail.links(), &meta, &style.palette)?, seed))
}

/// A book's bookmarks: the contents; each part with its chapters (each with
/// its figures) and its method page. A chapter's bookmark names its period,
/// so a theme of two editions is told apart.
fn book_outline(report: &Report, book: &model::Book, order: &[usize], at: &assemble::BookPages) -> Vec<Entry> {
    let mut top = Vec::new();
    if let Some(p) = at.contents {
        top.push(Entry { title: report.words.contents.clone(), page: p, children: vec![] });
    }
    let mut b = 0;
    for (k, part) in book.parts.iter().enumerate() {
        let mut entries = Vec::new();
        for _ in &part.chapters {
            let (Some(&ci), Some(Some(p))) = (order.get(b), at.chapters.get(b)) else { break };
            let c = &report.chapters[ci];
            let children = c
                .figures
                .iter()
                .enumerate()
                .filter_map(|(j, f)| at.figures.get(&(b, j)).map(|&p| Entry { title: format!("{} {}", f.label, f.title), page: p, children: vec![] }))
                .collect();
            entries.push(Entry { title: format!("{} {} ({})", c.number, c.name, c.period), page: *p, children });
            b += 1;
        }
        if let Some(Some(p)) = at.methods.get(k) {
            entries.push(Entry { title: report.words.method.clone(), page: *p, children: vec![] });
        }
        match at.parts.get(k).copied().flatten() {
            Some(p) if part.divider => top.push(Entry { title: format!("{}: {}", part.label, part.title), page: p, children: entries }),
            _ => top.extend(entries),
        }
    }
    top
}

/// A chapter's pages (the only chapter of `report`, typeset) and, in the
/// order their stand-ins are numbered, the charts they show.
fn book<'c>(report: Rc<Report>, charts: &'c ChartImages, style: &Style, arrangement: pages::Arrangement) -> Result<(Book, Vec<&'c Chart>)> {
    let mut slots = BTreeMap::new();
    let mut order = Vec::new();
    for chapter in &report.chapters {
        for f in &chapter.figures {
            let chart = charts
                .get(&f.id)
                .or_internal(format!("no chart image for figure {} ({}) in chapter {}", f.number, f.id, chapter.id))?;
            slots.insert(f.id.clone(), pages::Slot { width: chart.width, height: chart.height, index: order.len() as u32 });
            order.push(chart);
        }
    }
    let chapters = (0..report.chapters.len()).collect();
    let book = Book { report, chapters, whole: false, charts: Rc::new(slots), ink: Rc::new(style.palette.clone()), arrangement };
    Ok((book, order))
}

/// A print chart as RGB on the page colour (genpdf embeds no alpha).
fn flatten(png: &[u8], paper: Rgb) -> Result<image::DynamicImage> {
    let img = image::load_from_memory(png).or_render("not a readable PNG")?;
    if !img.color().has_alpha() {
        return Ok(image::DynamicImage::ImageRgb8(img.to_rgb8()));
    }
    let rgba = img.to_rgba8();
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8, p: u8| ((c as u32 * a as u32 + p as u32 * (255 - a as u32) + 127) / 255) as u8;
        image::Rgb([over(r, paper.0), over(g, paper.1), over(b, paper.2)])
    });
    Ok(image::DynamicImage::ImageRgb8(rgb))
}

/// Lays drafts out (at most four), from a plan and page count, until the
/// pages stop moving: the draft that settled, or None if none did or the
/// text holds a character a built-in font cannot print. Drafts measure
/// exactly as the embedded fonts do (see [`fonts`]), so a settled draft is
/// the layout.
fn settled_draft((mut plan, mut pages): (Plan, usize), lay: impl Fn(&Plan, usize, &Trail) -> Result<Vec<u8>>) -> Option<Settled> {
    for _ in 0..4 {
        let trail = Trail::default();
        let raw = lay(&plan, pages, &trail).ok()?;
        let marks = trail.marks();
        if marks == plan.marks && trail.pages() == pages {
            return Some(Settled { raw, plan, pages, trail });
        }
        plan = Plan { marks };
        pages = trail.pages();
    }
    None
}

/// Lays a document out with its fonts embedded until the pages stop
/// moving, for text drafts cannot print: `lay` lays it out once from the
/// previous pass's marks and page count; `start` is where to begin.
fn settle(start: Option<(Plan, usize)>, lay: impl Fn(&Plan, usize, &Trail, Pass) -> Result<Vec<u8>>) -> Result<Settled> {
    let (mut plan, mut pages) = start.unwrap_or_default();
    let mut pass = Pass::Final;
    for _ in 0..5 {
        let trail = Trail::default();
        let raw = match lay(&plan, pages, &trail, pass) {
            Ok(raw) => raw,
            // Italic text a built-in oblique cannot encode: embed all four.
            Err(_) if pass == Pass::Final => {
                pass = Pass::Full;
                continue;
            }
            Err(e) => return Err(e),
        };
        let marks = trail.marks();
        if marks == plan.marks && trail.pages() == pages {
            return Ok(Settled { raw, plan, pages, trail });
        }
        plan = Plan { marks };
        pages = trail.pages();
    }
    Err(Error::Render("the page layout did not settle after four passes".into()))
}

/// A genpdf document in the house's page setup, writing the fonts `pass` says.
fn document(pass: Pass) -> Result<genpdf::Document> {
    let family = fonts::family(pass)?;
    let mut doc = genpdf::Document::new(family);
    doc.set_minimal_conformance();
    doc.set_paper_size(genpdf::PaperSize::A4);
    doc.set_font_size(10);
    doc.set_line_spacing(1.3);
    Ok(doc)
}

fn render_doc(doc: genpdf::Document) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    doc.render(&mut raw).or_render("genpdf cannot lay the pages out")?;
    Ok(raw)
}

/// One layout pass, writing the fonts `pass` says.
fn layout(book: &Book, plan: &Plan, trail: &Trail, pass: Pass) -> Result<Vec<u8>> {
    let mut doc = document(pass)?;
    let words = &book.report.words;
    let header = |c: &Chapter| (c.title.clone(), c.edition.clone());
    doc.set_page_decorator(Frame {
        trail: trail.clone(),
        plan: plan.clone(),
        ink: (*book.ink).clone(),
        chapters: (0..book.chapters.len()).map(|i| header(book.chapter(i))).collect(),
        contents: (words.contents.to_uppercase(), words.running_title.clone()),
        method: (words.method.to_uppercase(), words.running_title.clone()),
        footer_note: if book.whole { words.footer.clone() } else { book.chapter(0).footer.clone() },
    });
    front::compose(&mut doc, book, trail);
    render_doc(doc)
}

/// Bookmarks: the contents, each chapter with its figures, the method page.
fn outline(book: &Book, plan: &Plan) -> Vec<Entry> {
    let mut entries = Vec::new();
    let page = |t: Target| plan.page_of(t);
    if let Some(p) = page(Target::Contents) {
        entries.push(Entry { title: book.report.words.contents.clone(), page: p, children: vec![] });
    }
    for i in 0..book.chapters.len() {
        let c = book.chapter(i);
        let Some(p) = page(Target::Chapter(i)) else { continue };
        let children = c
            .figures
            .iter()
            .enumerate()
            .filter_map(|(j, f)| page(Target::Figure(i, j)).map(|p| Entry { title: format!("{} {}", f.label, f.title), page: p, children: vec![] }))
            .collect();
        entries.push(Entry { title: format!("{} {} ({})", c.number, c.name, c.period), page: p, children });
    }
    if let Some(p) = page(Target::Method) {
        entries.push(Entry { title: book.report.words.method.clone(), page: p, children: vec![] });
    }
    entries
}

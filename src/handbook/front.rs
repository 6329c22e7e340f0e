//! The book's own pages: the cover, the title verso (colophon), the
//! contents, the part dividers and the method pages, laid out as one
//! genpdf document per book and set around the chapters by `assemble`;
//! and how a chapter's own PDF is composed. The chapter pages themselves
//! are in `pages`.

use std::rc::Rc;

use genpdf::elements::{LinearLayout, Paragraph, TableLayout};
use genpdf::style::{Style as TextStyle, StyledString};
use genpdf::{Alignment, Element, Margins};

use super::assemble::BookPages;
use super::frame::{Dress, Gap, LEAD_BODY, LEAD_HEAD, type_style, LinkLine, NewPage, Rule, Space, Target, Trail, Unit};
use super::pages::{Book, para, ts};
use super::tags::{Block, Role, key, tag};
use crate::model::{self, Report, Section};
use crate::style::Palette;

/// Lays a chapter's own PDF out into `doc`, noting in `trail` where things land.
pub fn compose(doc: &mut genpdf::Document, book: &Book, trail: &Trail) {
    for i in 0..book.chapters.len() {
        super::pages::chapter(doc, book, i, trail);
    }
}

/// Everything a book's own pages are made from.
#[derive(Clone)]
pub struct Matter {
    pub report: Rc<Report>,
    pub book: Rc<model::Book>,
    /// Index into `report.chapters` of each of the book's chapters, in order.
    pub chapters: Rc<Vec<usize>>,
    /// Where things are in the book, from the previous pass.
    pub pages: Rc<BookPages>,
    pub ink: Rc<Palette>,
    /// The title verso's date line.
    pub date: String,
}

/// Lays a book's own pages out into `doc`: cover, title verso, contents,
/// then each part's divider and method page.
pub fn compose_matter(doc: &mut genpdf::Document, m: &Matter, trail: &Trail) {
    doc.push(cover(m, trail));
    doc.push(cover_note(m));
    doc.push(NewPage::default());
    doc.push(colophon(m, trail));
    doc.push(NewPage::default());
    contents(doc, m, trail);
    for (k, part) in m.book.parts.iter().enumerate() {
        if part.divider {
            doc.push(NewPage::default());
            doc.push(divider(m, k, trail));
        }
        if !part.method.is_empty() {
            doc.push(NewPage::default());
            method_page(doc, k, &part.method, &m.ink, trail);
        }
    }
}

/// The method page: its first section large, the second (the note on the
/// data) on a tint, the rest side by side.
fn method_page(doc: &mut genpdf::Document, part: usize, method: &[Section], ink: &Rc<Palette>, trail: &Trail) {
    let block = move |s: usize| Block::Front((100 + 10 * part + s) as u16);
    let mut sections = method.iter().cloned();
    let Some(head) = sections.next() else { return };
    let i = ink.clone();
    doc.push(Unit::new(move || section_layout(block(0), &head, &i, 11)).marked(trail, Target::Method));
    if let Some(data) = sections.next() {
        doc.push(Gap(6.0));
        let i = ink.clone();
        let dress = Dress { fill: Some(ink.tint()), pad: 5.0, ..Dress::default() };
        doc.push(Unit::new(move || section_layout(block(1), &data, &i, 10)).dressed(dress));
    }
    let columns: Vec<Section> = sections.collect();
    if columns.is_empty() {
        return;
    }
    doc.push(Gap(6.0));
    let ink = ink.clone();
    doc.push(Unit::new(move || {
        let mut table = TableLayout::new(vec![1; columns.len()]);
        let mut row = table.row();
        for (k, c) in columns.iter().enumerate() {
            let pad = Margins::trbl(0.0, if k + 1 < columns.len() { 5.0 } else { 0.0 }, 0.0, 0.0);
            row.push_element(section_layout(block(2 + k), c, &ink, 9).padded(pad));
        }
        row.push().expect("one cell per column");
        LinearLayout::vertical().element(table)
    }));
}

/// The cover: the kicker, the title stacked large, the edition, the subtitle.
fn cover(m: &Matter, trail: &Trail) -> Unit {
    let report = m.report.clone();
    let book = m.book.clone();
    let ink = m.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(Space(12.0));
        l.push(Rule { width: Some(36.0), height: 2.2, color: ink.text });
        l.push(Space(9.0));
        let at = |role, n| key(Block::Front(0), role, n);
        l.push(tag(at(Role::P, 0), para(report.kicker.to_uppercase(), ts(13, ink.text).bold())));
        l.push(Space(4.0));
        for line in &book.title_lines {
            l.push(tag(at(Role::H1, 0), para(line.clone(), type_style(50, ink.text, LEAD_HEAD).bold())));
        }
        l.push(Space(8.0));
        l.push(tag(at(Role::P, 1), para(book.edition_line.clone(), ts(16, ink.text).bold())));
        l.push(Space(5.0));
        l.push(tag(at(Role::P, 2), para(report.subtitle.clone(), type_style(16, ink.muted, LEAD_BODY))));
        l
    })
    .marked(trail, Target::Title)
}

/// The cover says plainly where the numbers come from.
fn cover_note(m: &Matter) -> Unit {
    let heading = m.report.words.data_heading.to_uppercase();
    let note = m.book.colophon.first().and_then(|s| s.paragraphs.get(1)).cloned().unwrap_or_else(|| m.report.words.title_note.clone());
    let ink = m.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(tag(key(Block::Front(1), Role::H2, 0), para(heading.clone(), ts(9, ink.text).bold())));
        l.push(Space(2.0));
        l.push(tag(key(Block::Front(1), Role::P, 1), para(note.clone(), type_style(10, ink.text, LEAD_BODY))));
        l
    })
    .dressed(Dress { fill: Some(m.ink.tint()), pad: 6.0, at_bottom: true, ..Dress::default() })
}

/// The title verso: the book's title and edition, then data, method and
/// software, and the date, set quietly at the foot of the page.
fn colophon(m: &Matter, trail: &Trail) -> Unit {
    let book = m.book.clone();
    let ink = m.ink.clone();
    let date = m.date.clone();
    let kicker = m.report.kicker.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        let at = |role, n: usize| key(Block::Front(2), role, n as u16);
        l.push(tag(at(Role::P, 0), para(format!("{} · {}", kicker.to_uppercase(), book.title_lines.join(" ")), ts(9, ink.text).bold())));
        l.push(tag(at(Role::P, 1), para(book.edition_line.clone(), ts(9, ink.muted))));
        for (n, s) in book.colophon.iter().enumerate() {
            l.push(Space(4.0));
            l.push(tag(at(Role::H2, n), para(s.heading.to_uppercase(), ts(8, ink.text).bold())));
            for (q, p) in s.paragraphs.iter().enumerate() {
                l.push(Space(1.0));
                l.push(tag(at(Role::P, 10 + 20 * n + q), para(p.clone(), type_style(8, ink.text, LEAD_BODY))));
            }
        }
        l.push(Space(4.0));
        l.push(tag(at(Role::P, 2), para(date.clone(), ts(8, ink.text))));
        l
    })
    .dressed(Dress { at_bottom: true, ..Dress::default() })
    .marked(trail, Target::Colophon)
}

/// A part's divider: its label, its title, a line on it and its themes.
fn divider(m: &Matter, k: usize, trail: &Trail) -> Unit {
    let part = m.book.parts[k].clone();
    let titles: Vec<String> = part.chapters.iter().filter_map(|id| m.report.chapters.iter().find(|c| c.id == *id)).map(|c| c.title.clone()).collect();
    let ink = m.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(Space(60.0));
        let at = |role, n: usize| key(Block::Front(10 + k as u16), role, n as u16);
        l.push(tag(at(Role::P, 0), para(part.label.to_uppercase(), ts(13, ink.text).bold())));
        l.push(Space(3.0));
        l.push(tag(at(Role::H1, 0), para(part.title.clone(), type_style(30, ink.text, LEAD_HEAD).bold())));
        l.push(Space(5.0));
        l.push(Rule { width: Some(36.0), height: 2.2, color: ink.text });
        l.push(Space(5.0));
        l.push(tag(at(Role::P, 1), para(part.lead.clone(), ts(13, ink.muted))));
        l.push(Space(10.0));
        for (n, t) in titles.iter().enumerate() {
            l.push(tag(at(Role::P, 2 + n), para(t.clone(), type_style(11, ink.text, LEAD_BODY).bold())));
        }
        l
    })
    .marked(trail, Target::Part(k))
}

/// One row of the contents: number, title, page; a link to `to` (see `assemble`).
fn row(trail: &Trail, n: u16, to: String, cells: [LinearLayout; 3]) -> LinkLine<super::tags::Tagged<TableLayout>> {
    let mut table = TableLayout::new(vec![12, 128, 14]);
    let mut r = table.row();
    for c in cells {
        r.push_element(c);
    }
    r.push().expect("three columns");
    LinkLine { line: tag(key(Block::Front(3), Role::Link, n), table), x: 0.0, url: format!("#{to}"), trail: trail.clone() }
}

/// The contents: its heading, then a line per part, chapter, figure and
/// method page, each linking to its page. The lines go into the document
/// one by one (not as one block measured first): the contents of every
/// edition runs over several pages and is laid out on each pass.
fn contents(doc: &mut genpdf::Document, m: &Matter, trail: &Trail) {
    let (report, book, chapters, at, ink) = (&m.report, &m.book, &m.chapters, &m.pages, &m.ink);
    let shown = |p: Option<usize>| p.map_or_else(|| "00".to_string(), |p| p.to_string());
    let heading = report.words.contents.to_uppercase();
    let i = ink.clone();
    doc.push(
        Unit::new(move || {
            let mut l = LinearLayout::vertical();
            l.push(Space(4.0));
            l.push(tag(key(Block::Front(3), Role::H1, 0), para(heading.clone(), ts(30, i.text).bold())));
            l.push(Space(4.0));
            l.push(Rule { width: Some(20.0), height: 1.0, color: i.text });
            l.push(Space(6.0));
            l
        })
        .marked(trail, Target::Contents),
    );
    let mut b = 0;
    // Each line of the contents is a link of its own.
    let mut n = 0u16;
    let mut next = || {
        n += 1;
        n
    };
    for (k, part) in book.parts.iter().enumerate() {
        if part.divider {
            let style = ts(11, ink.text).bold();
            let pad = Margins::trbl(6.0, 0.0, 1.0, 0.0);
            doc.push(row(
                trail,
                next(),
                format!("part:{k}"),
                [
                    cell(Space(0.0)),
                    cell(para(format!("{}  ·  {}", part.label.to_uppercase(), part.title.to_uppercase()), style).padded(pad)),
                    cell(para_right(shown(at.parts.get(k).copied().flatten()), style).padded(pad)),
                ],
            ));
        }
        for _ in &part.chapters {
            let Some(&ci) = chapters.get(b) else { break };
            let chapter = &report.chapters[ci];
            let pad = Margins::trbl(5.0, 0.0, 0.5, 0.0);
            let big = ts(14, ink.text).bold();
            doc.push(row(
                trail,
                next(),
                format!("chapter:{b}"),
                [
                    cell(para(chapter.number.to_string(), ts(14, ink.text).bold()).padded(pad)),
                    cell(para(chapter.title.clone(), big).padded(pad)),
                    cell(para_right(shown(at.chapters.get(b).copied().flatten()), big).padded(pad)),
                ],
            ));
            let mut under = TableLayout::new(vec![12, 128, 14]);
            under
                .row()
                .element(Space(0.0))
                .element(tag(key(Block::Front(3), Role::P, next()), para(chapter.period.clone(), ts(9, ink.muted))).padded(Margins::trbl(0.0, 0.0, 1.5, 0.0)))
                .element(Space(0.0))
                .push()
                .expect("three columns");
            doc.push(under);
            for (j, f) in chapter.figures.iter().enumerate() {
                let small = type_style(9, ink.text, LEAD_BODY);
                let line = Paragraph::default()
                    .styled_string(format!("{}  ", f.label), ts(9, ink.text).bold())
                    .string(StyledString::new(f.title.clone(), small))
                    .styled(small);
                doc.push(row(
                    trail,
                    next(),
                    format!("figure:{b}:{j}"),
                    [
                        cell(Space(0.0)),
                        cell(line.padded(Margins::trbl(0.5, 6.0, 0.5, 0.0))),
                        cell(para_right(shown(at.figures.get(&(b, j)).copied()), small).padded(Margins::trbl(0.5, 0.0, 0.5, 0.0))),
                    ],
                ));
            }
            b += 1;
        }
        if !part.method.is_empty() {
            let style = ts(11, ink.text).bold();
            let pad = Margins::trbl(5.0, 0.0, 0.5, 0.0);
            let name = if part.divider { format!("{} {}", report.words.method, part.title.rsplit(' ').next().unwrap_or_default()) } else { report.words.method.clone() };
            doc.push(row(
                trail,
                next(),
                format!("method:{k}"),
                [
                    cell(Space(0.0)),
                    cell(para(name.to_uppercase(), style).padded(pad)),
                    cell(para_right(shown(at.methods.get(k).copied().flatten()), style).padded(pad)),
                ],
            ));
        }
    }
}

/// An element as a table cell.
fn cell(e: impl Element + 'static) -> LinearLayout {
    LinearLayout::vertical().element(e)
}

fn para_right(text: String, style: TextStyle) -> impl Element {
    Paragraph::new(text).aligned(Alignment::Right).styled(style)
}

fn section_layout(block: Block, s: &Section, ink: &Palette, size: u8) -> LinearLayout {
    let at = |role, n: usize| key(block, role, n as u16);
    let mut l = LinearLayout::vertical();
    if s.lead.is_some() {
        l.push(Space(4.0));
        l.push(tag(at(Role::H1, 0), para(s.heading.clone(), ts(30, ink.text).bold())));
        l.push(Space(4.0));
        l.push(Rule { width: Some(20.0), height: 1.0, color: ink.text });
        l.push(Space(7.0));
    } else {
        l.push(tag(at(Role::H2, 0), para(s.heading.to_uppercase(), ts(9, ink.text).bold())));
        l.push(Space(1.5));
    }
    if let Some(lead) = &s.lead {
        l.push(tag(at(Role::P, 1), para(lead.clone(), type_style(size, ink.text, LEAD_BODY))));
    }
    for (k, p) in s.paragraphs.iter().enumerate() {
        if k > 0 {
            l.push(Space(2.0));
        }
        l.push(tag(at(Role::P, 2 + k), para(p.clone(), type_style(size, ink.text, LEAD_BODY))));
    }
    if let Some(rows) = &s.table {
        l.push(Space(5.0));
        l.push(Rule { width: None, height: 0.35, color: ink.text });
        let mut table = TableLayout::new(vec![20, 20, 24, 22, 20, 20]);
        for (r, row) in rows.iter().enumerate() {
            let style = if r == 0 { ts(8, ink.muted).bold() } else { ts(9, ink.text) };
            let mut cells = table.row();
            for (c, cell) in row.iter().enumerate() {
                let p = Paragraph::new(cell.clone()).aligned(if c == 0 { Alignment::Left } else { Alignment::Right });
                let role = if r == 0 { Role::TH } else { Role::TD };
                cells.push_element(tag(at(role, r * 8 + c), p.styled(style)).padded(Margins::trbl(1.2, 2.0, 1.2, 0.0)));
            }
            cells.push().expect("six columns");
        }
        l.push(table);
        l.push(Rule { width: None, height: 0.35, color: ink.text });
    }
    l
}

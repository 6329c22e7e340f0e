//! The book's own pages: title page, the note on the data, the contents
//! and the method page, and how a book is composed around its chapters.
//! The chapter pages themselves are in `pages`.

use genpdf::elements::{LinearLayout, Paragraph, TableLayout};
use genpdf::style::{Style as TextStyle, StyledString};
use genpdf::{Alignment, Element, Margins};

use super::frame::{Dress, Flow, Gap, NewPage, Plan, Rule, Space, Target, Trail, Unit};
use super::pages::{Book, content_box, figure, intro, opener, para, ts};
use crate::model::Section;
use crate::style::Palette;

/// Lays the book out into `doc`, noting in `trail` where things land; `plan`
/// (the previous pass) gives the page numbers for the contents.
pub fn compose(doc: &mut genpdf::Document, book: &Book, plan: &Plan, trail: &Trail) {
    if book.whole {
        doc.push(title_page(book, trail));
        doc.push(title_note(book));
        doc.push(NewPage::default());
        doc.push(contents(book, plan, trail));
    }
    for i in 0..book.chapters.len() {
        doc.push(NewPage::default());
        doc.push(opener(book, i, trail));
        doc.push(intro(book, i));
        doc.push(NewPage::default());
        let chapter = book.chapter(i);
        let figures = (0..chapter.figures.len()).map(|j| figure(book, i, j, trail)).collect();
        let boxes = (0..chapter.boxes.len()).map(|k| content_box(book, i, k, trail)).collect();
        doc.push(Flow::new(figures, boxes, 9.0));
    }
    if book.whole {
        doc.push(NewPage::default());
        // The method page: its first section large, the second (the note on
        // the data) on a tint, the rest side by side.
        let mut sections = book.report.method_page.clone().into_iter();
        let head = sections.next().unwrap_or_else(|| Section { heading: book.report.words.method.to_uppercase(), lead: None, paragraphs: vec![], table: None });
        let ink = book.ink.clone();
        doc.push(Unit::new(move || section_layout(&head, &ink, 11)).marked(trail, Target::Method));
        if let Some(data) = sections.next() {
            doc.push(Gap(6.0));
            let ink = book.ink.clone();
            let dress = Dress { fill: Some(ink.tint()), pad: 5.0, ..Dress::default() };
            doc.push(Unit::new(move || section_layout(&data, &ink, 10)).dressed(dress));
        }
        let columns: Vec<Section> = sections.collect();
        if columns.is_empty() {
            return;
        }
        doc.push(Gap(6.0));
        let ink = book.ink.clone();
        doc.push(Unit::new(move || {
            let mut table = TableLayout::new(vec![1; columns.len()]);
            let mut row = table.row();
            for (k, c) in columns.iter().enumerate() {
                let pad = Margins::trbl(0.0, if k + 1 < columns.len() { 5.0 } else { 0.0 }, 0.0, 0.0);
                row.push_element(section_layout(c, &ink, 9).padded(pad));
            }
            row.push().expect("one cell per column");
            LinearLayout::vertical().element(table)
        }));
    }
}

fn title_page(book: &Book, trail: &Trail) -> Unit {
    let report = book.report.clone();
    let ink = book.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(Space(38.0));
        l.push(Rule { width: Some(36.0), height: 2.2, color: ink.accent });
        l.push(Space(9.0));
        l.push(para(report.kicker.to_uppercase(), ts(13, ink.accent).bold()));
        l.push(Space(5.0));
        l.push(para(report.title.to_uppercase(), ts(42, ink.text).bold().with_line_spacing(1.0)));
        l.push(Space(7.0));
        l.push(para(report.subtitle.clone(), ts(17, ink.muted).with_line_spacing(1.25)));
        if !report.words.editions.is_empty() {
            l.push(Space(14.0));
            l.push(para(report.words.editions.clone(), ts(11, ink.text)));
        }
        l
    })
    .marked(trail, Target::Title)
}

/// The title page says plainly where the numbers come from.
fn title_note(book: &Book) -> Unit {
    let report = book.report.clone();
    let ink = book.ink.clone();
    Unit::new(move || {
        let mut l = LinearLayout::vertical();
        l.push(para(report.words.data_heading.to_uppercase(), ts(9, ink.accent).bold()));
        l.push(Space(2.0));
        l.push(para(report.words.title_note.clone(), ts(10, ink.text).with_line_spacing(1.4)));
        l
    })
    .dressed(Dress { fill: Some(book.ink.tint()), pad: 6.0, at_bottom: true, ..Dress::default() })
}

fn contents(book: &Book, plan: &Plan, trail: &Trail) -> Unit {
    let report = book.report.clone();
    let ink = book.ink.clone();
    let chapters = book.chapters.clone();
    let plan = plan.clone();
    Unit::new(move || {
        let page = |t: Target| plan.page_of(t).map_or_else(|| "00".to_string(), |p| p.to_string());
        let mut l = LinearLayout::vertical();
        l.push(Space(4.0));
        l.push(para(report.words.contents.to_uppercase(), ts(30, ink.text).bold()));
        l.push(Space(4.0));
        l.push(Rule { width: Some(20.0), height: 1.0, color: ink.accent });
        l.push(Space(10.0));
        let mut table = TableLayout::new(vec![12, 128, 14]);
        for (i, &ci) in chapters.iter().enumerate() {
            let chapter = &report.chapters[ci];
            let row_pad = Margins::trbl(if i == 0 { 0.0 } else { 6.0 }, 0.0, 0.5, 0.0);
            let big = ts(14, ink.text).bold();
            table
                .row()
                .element(para(chapter.number.to_string(), ts(14, ink.accent).bold()).padded(row_pad))
                .element(para(chapter.title.clone(), big).padded(row_pad))
                .element(para_right(page(Target::Chapter(i)), big).padded(row_pad))
                .push()
                .expect("three columns");
            table
                .row()
                .element(Space(0.0))
                .element(para(chapter.period.clone(), ts(9, ink.muted)).padded(Margins::trbl(0.0, 0.0, 1.5, 0.0)))
                .element(Space(0.0))
                .push()
                .expect("three columns");
            for (j, f) in chapter.figures.iter().enumerate() {
                let small = ts(9, ink.text).with_line_spacing(1.3);
                let line = Paragraph::default()
                    .styled_string(format!("{}  ", f.label), ts(9, ink.accent).bold())
                    .string(StyledString::new(f.title.clone(), small))
                    .styled(small);
                table
                    .row()
                    .element(Space(0.0))
                    .element(line.padded(Margins::trbl(0.5, 6.0, 0.5, 0.0)))
                    .element(para_right(page(Target::Figure(i, j)), small).padded(Margins::trbl(0.5, 0.0, 0.5, 0.0)))
                    .push()
                    .expect("three columns");
            }
        }
        if report.method.is_empty() {
            l.push(table);
            return l;
        }
        let big = ts(14, ink.text).bold();
        let pad = Margins::trbl(6.0, 0.0, 0.5, 0.0);
        table
            .row()
            .element(Space(0.0))
            .element(para(report.words.method.to_uppercase(), big).padded(pad))
            .element(para_right(page(Target::Method), big).padded(pad))
            .push()
            .expect("three columns");
        l.push(table);
        l
    })
    .marked(trail, Target::Contents)
}

fn para_right(text: String, style: TextStyle) -> impl Element {
    Paragraph::new(text).aligned(Alignment::Right).styled(style)
}

fn section_layout(s: &Section, ink: &Palette, size: u8) -> LinearLayout {
    let mut l = LinearLayout::vertical();
    if s.lead.is_some() {
        l.push(Space(4.0));
        l.push(para(s.heading.clone(), ts(30, ink.text).bold()));
        l.push(Space(4.0));
        l.push(Rule { width: Some(20.0), height: 1.0, color: ink.accent });
        l.push(Space(7.0));
    } else {
        l.push(para(s.heading.to_uppercase(), ts(9, ink.accent).bold()));
        l.push(Space(1.5));
    }
    if let Some(lead) = &s.lead {
        l.push(para(lead.clone(), ts(size, ink.text).with_line_spacing(1.5)));
    }
    for (k, p) in s.paragraphs.iter().enumerate() {
        if k > 0 {
            l.push(Space(2.0));
        }
        l.push(para(p.clone(), ts(size, ink.text).with_line_spacing(if size < 10 { 1.4 } else { 1.45 })));
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
                cells.push_element(p.styled(style).padded(Margins::trbl(1.2, 2.0, 1.2, 0.0)));
            }
            cells.push().expect("six columns");
        }
        l.push(table);
        l.push(Rule { width: None, height: 0.35, color: ink.text });
    }
    l
}

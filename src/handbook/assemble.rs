//! A book from its chapters' finished PDFs and its own pages (cover, title
//! verso, contents, part dividers, method pages), put together with lopdf:
//! no chapter is laid out again for a book. Every chapter opens on a
//! right-hand (odd) page, after a blank verso where needed; the pages are
//! numbered where they land (`folio`); the contents, bookmarks and links
//! point at the book's pages.

use std::collections::{BTreeMap, HashMap};

use lopdf::{Document, Object, ObjectId, dictionary};

use super::finish::{self, BOLD_NAME, Entry, Meta, REGULAR_NAME};
use super::folio;
use super::frame::{Link, Mark, PAGE_H, PAGE_W, Plan, Target};
use crate::error::{Error, Fail, Result};
use crate::model::Book;
use crate::style::Palette;

/// A chapter's finished PDF, read for a book.
pub struct Chapter {
    doc: Document,
    /// Its pages, in order.
    pages: Vec<ObjectId>,
    /// Its bookmarks below the chapter's own (the figures): title and 1-based page.
    pub marks: Vec<(String, usize)>,
}

impl Chapter {
    pub fn read(pdf: &[u8]) -> Result<Chapter> {
        let doc = Document::load_mem(pdf).or_render("a chapter's PDF that lopdf cannot read")?;
        let pages = doc.get_pages().into_values().collect();
        let marks = match doc.get_toc() {
            Ok(toc) => toc.toc.into_iter().filter(|t| t.level > 1).map(|t| (t.title, t.page)).collect(),
            Err(_) => Vec::new(),
        };
        Ok(Chapter { doc, pages, marks })
    }
    pub fn len(&self) -> usize {
        self.pages.len()
    }
}

/// Where a book's own pages settled (the marks and the page count), as a
/// line of text the build keeps for the next layout of the same book:
/// "pages;target,page;...", a target as a letter and its numbers.
pub fn encode_seed(plan: &Plan, pages: usize) -> String {
    let mut out = pages.to_string();
    for m in &plan.marks {
        let target = match m.target {
            Target::Title => "t".to_string(),
            Target::Contents => "c".to_string(),
            Target::Chapter(i) => format!("h{i}"),
            Target::Figure(i, j) => format!("f{i}.{j}"),
            Target::Method => "m".to_string(),
            Target::Colophon => "o".to_string(),
            Target::Part(k) => format!("p{k}"),
        };
        out.push_str(&format!(";{target},{}", m.page));
    }
    out
}

/// The plan and page count [`encode_seed`] wrote; None when it is not one.
pub fn decode_seed(text: &str) -> Option<(Plan, usize)> {
    let mut parts = text.split(';');
    let pages = parts.next()?.parse().ok()?;
    let mut marks = Vec::new();
    for part in parts {
        let (target, page) = part.split_once(',')?;
        let (kind, rest) = target.split_at_checked(1)?;
        let number = || rest.parse::<usize>().ok();
        let target = match kind {
            "t" if rest.is_empty() => Target::Title,
            "c" if rest.is_empty() => Target::Contents,
            "m" if rest.is_empty() => Target::Method,
            "o" if rest.is_empty() => Target::Colophon,
            "h" => Target::Chapter(number()?),
            "p" => Target::Part(number()?),
            "f" => {
                let (i, j) = rest.split_once('.')?;
                Target::Figure(i.parse().ok()?, j.parse().ok()?)
            }
            _ => return None,
        };
        marks.push(Mark { target, page: page.parse().ok()? });
    }
    Some((Plan { marks }, pages))
}

/// Where a page of the book comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A page (0-based) of the book's own pages.
    Matter(usize),
    /// A page (0-based) of the book's chapter (its index in the book).
    Chapter(usize, usize),
    /// A blank verso, so that what follows opens on a right-hand page.
    Blank,
}

/// Where things are in the book (1-based pages), for the contents and bookmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookPages {
    pub contents: Option<usize>,
    /// By the chapter's index in the book.
    pub chapters: Vec<Option<usize>>,
    /// By (chapter index in the book, figure index).
    pub figures: BTreeMap<(usize, usize), usize>,
    /// By part: its divider and its method page.
    pub parts: Vec<Option<usize>>,
    pub methods: Vec<Option<usize>>,
}

/// The book's pages in order, and where things landed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sequence {
    pub pages: Vec<Source>,
    /// Whether each page shows its number.
    pub folio: Vec<bool>,
    pub at: BookPages,
}

/// The book's own pages as laid out: each mark opens a run of pages that
/// ends where the next one starts. Returns (target, first 0-based page, count).
fn runs(marks: &[Mark], total: usize) -> Vec<(Target, usize, usize)> {
    let opening: Vec<&Mark> = marks.iter().filter(|m| !matches!(m.target, Target::Figure(..))).collect();
    opening
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let end = opening.get(k + 1).map_or(total + 1, |n| n.page);
            (m.target, m.page.saturating_sub(1), end.saturating_sub(m.page).max(1))
        })
        .collect()
}

/// Puts the book together: its own pages (laid out with `marks` over
/// `total` pages), its chapters (`lengths` pages each, their figures on
/// `figures` pages counted from the chapter's first) in the parts' order.
pub fn sequence(book: &Book, marks: &[Mark], total: usize, lengths: &[usize], figures: &[Vec<Option<usize>>]) -> Sequence {
    let runs = runs(marks, total);
    let mut s = Sequence::default();
    let push_run = |s: &mut Sequence, run: Option<&(Target, usize, usize)>, folio: bool| -> Option<usize> {
        let &(_, first, count) = run?;
        let at = s.pages.len() + 1;
        for p in first..first + count {
            s.pages.push(Source::Matter(p));
            s.folio.push(folio);
        }
        Some(at)
    };
    let find = |t: Target| runs.iter().find(|r| r.0 == t);
    // The next page opens on the right.
    let to_odd = |s: &mut Sequence| {
        if s.pages.len() % 2 == 1 {
            s.pages.push(Source::Blank);
            s.folio.push(false);
        }
    };
    push_run(&mut s, find(Target::Title), false);
    push_run(&mut s, find(Target::Colophon), false);
    to_odd(&mut s);
    s.at.contents = push_run(&mut s, find(Target::Contents), true);
    let mut methods = runs.iter().filter(|r| r.0 == Target::Method);
    let mut b = 0;
    for (k, part) in book.parts.iter().enumerate() {
        let mut divider = None;
        if part.divider {
            to_odd(&mut s);
            divider = push_run(&mut s, find(Target::Part(k)), false);
        }
        s.at.parts.push(divider);
        for _ in &part.chapters {
            let Some(&n) = lengths.get(b) else { break };
            to_odd(&mut s);
            let first = s.pages.len() + 1;
            s.at.chapters.push(Some(first));
            for (j, f) in figures.get(b).into_iter().flatten().enumerate() {
                if let Some(p) = f {
                    s.at.figures.insert((b, j), first + p);
                }
            }
            for p in 0..n {
                s.pages.push(Source::Chapter(b, p));
                s.folio.push(true);
            }
            b += 1;
        }
        let method = if part.method.is_empty() { None } else { push_run(&mut s, methods.next(), true) };
        s.at.methods.push(method);
    }
    s
}

/// The book's file: its own pages (genpdf's file `matter`, laid out with
/// `links` on its pages), its chapters, put in `sequence`'s order.
pub fn merge(matter: &[u8], chapters: Vec<Chapter>, sequence: &Sequence, outline: &[Entry], links: &[Link], meta: &Meta, ink: &Palette) -> Result<Vec<u8>> {
    let mut doc = Document::load_mem(matter).or_render("genpdf wrote a PDF that lopdf cannot read")?;
    doc.version = "1.7".into();
    finish::embed_shipped_fonts(&mut doc)?;
    finish::one_copy_per_font(&mut doc)?;
    super::fonts::adopt_builtins(&mut doc, [REGULAR_NAME, BOLD_NAME])?;
    // Compressed as in the chapters' files, so the same font is the same bytes.
    finish::compress_fonts(&mut doc)?;
    let own: Vec<ObjectId> = doc.get_pages().into_values().collect();
    let root = doc.catalog()?.get(b"Pages")?.as_reference()?;

    // Each chapter's objects move in under new numbers, but for its copies
    // of fonts the book already holds: those are dropped as it moves in (its
    // pages point at the book's copy), so the book never holds a copy per chapter.
    let mut fonts = Fonts::default();
    let own_fonts = type0_fonts(&doc);
    for id in own_fonts {
        fonts.add(&doc, id, None)?;
    }
    let mut chapter_pages: Vec<Vec<ObjectId>> = Vec::new();
    for mut ch in chapters {
        let offset = doc.max_id;
        for &page in &ch.pages {
            inherit(&mut ch.doc, page)?;
            folio::drop_folio(&mut ch.doc, page)?;
        }
        let map: HashMap<ObjectId, ObjectId> = ch.doc.objects.keys().map(|&(n, g)| ((n, g), (n + offset, 0))).collect();
        // The chapter's fonts the book has (by their ids here, and where they would land).
        let mut twins = std::collections::HashSet::new();
        let mut same: HashMap<ObjectId, ObjectId> = HashMap::new();
        for id in type0_fonts(&ch.doc) {
            if let Some(kept) = fonts.add(&doc, map[&id], Some((&ch.doc, id)))? {
                twins.insert(id);
                same.insert(map[&id], kept);
            }
        }
        // What its pages reach, and its structure tree (which reaches its
        // pages, not they it).
        let mut starts = ch.pages.clone();
        starts.extend(ch.doc.catalog().and_then(|c| c.get(b"StructTreeRoot")).and_then(Object::as_reference).ok());
        let reached = reachable(&ch.doc, &starts, &twins);
        for (id, mut object) in std::mem::take(&mut ch.doc.objects) {
            if !reached.contains(&id) {
                continue;
            }
            super::fonts::replace_refs(&mut object, &map);
            super::fonts::replace_refs(&mut object, &same);
            doc.objects.insert(map[&id], object);
        }
        doc.max_id = offset + ch.doc.max_id;
        chapter_pages.push(ch.pages.iter().map(|id| map[id]).collect());
    }

    let mut kids = Vec::new();
    for source in &sequence.pages {
        let id = match *source {
            Source::Matter(p) => *own.get(p).or_render(format!("the book's own page {} is not there", p + 1))?,
            Source::Chapter(b, p) => *chapter_pages.get(b).and_then(|c| c.get(p)).or_render(format!("page {} of the book's chapter {} is not there", p + 1, b + 1))?,
            Source::Blank => doc.add_object(dictionary! {
                "Type" => "Page",
                "MediaBox" => vec![0.into(), 0.into(), Object::Real((PAGE_W * 72.0 / 25.4) as f32), Object::Real((PAGE_H * 72.0 / 25.4) as f32)],
                "Resources" => dictionary! {},
                "Contents" => Vec::<Object>::new(),
            }),
        };
        doc.get_dictionary_mut(id)?.set("Parent", root);
        kids.push(Object::Reference(id));
    }
    let count = kids.len() as i64;
    let pages = doc.get_dictionary_mut(root)?;
    pages.set("Kids", kids);
    pages.set("Count", count);

    super::tags::book(&mut doc, &own, &chapter_pages)?;
    // What no page reaches goes before the page numbers pick their font.
    doc.prune_objects();
    let pages = doc.get_pages();
    let numbered: Vec<(ObjectId, usize)> =
        sequence.folio.iter().enumerate().filter(|(_, f)| **f).map(|(k, _)| (pages[&(k as u32 + 1)], k + 1)).collect();
    folio::stamp(&mut doc, &numbered, ink, BOLD_NAME)?;
    finish::set_info(&mut doc, meta)?;
    // Links were noted on the book's own pages; they land where those pages do.
    let book_page: HashMap<usize, usize> = sequence.pages.iter().enumerate().filter_map(|(k, s)| match s {
        Source::Matter(p) => Some((p + 1, k + 1)),
        _ => None,
    }).collect();
    for link in links {
        let Some(&page) = book_page.get(&link.page) else { continue };
        let moved = Link { page, ..link.clone() };
        match link.url.strip_prefix('#') {
            Some(to) => {
                let Some(target) = internal(to, &sequence.at) else { continue };
                let dest = *pages.get(&(target as u32)).or_render(format!("a link to page {target}, which does not exist"))?;
                finish::add_link(&mut doc, &pages, &moved, Some(dest))?;
            }
            None => finish::add_link(&mut doc, &pages, &moved, None)?,
        }
    }
    for entry in outline {
        finish::add_bookmark(&mut doc, &pages, entry, None)?;
    }
    finish::set_catalog(&mut doc)?;
    finish::no_smoothing(&mut doc);
    doc.prune_objects();
    finish::canonical_order(&mut doc);
    doc.compress();
    finish::save_with_id(&mut doc)
}

/// The page an internal link ("chapter:3", "figure:3:1", "part:1",
/// "method:0") points at.
fn internal(to: &str, at: &BookPages) -> Option<usize> {
    let mut parts = to.split(':');
    let kind = parts.next()?;
    let a: usize = parts.next()?.parse().ok()?;
    match kind {
        "chapter" => *at.chapters.get(a)?,
        "figure" => at.figures.get(&(a, parts.next()?.parse().ok()?)).copied(),
        "part" => *at.parts.get(a)?,
        "method" => *at.methods.get(a)?,
        _ => None,
    }
}

/// Gives a page what it inherits from its page tree (resources, size), so
/// it can move to another tree.
fn inherit(doc: &mut Document, page: ObjectId) -> Result<()> {
    for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
        if doc.get_dictionary(page)?.has(key) {
            continue;
        }
        let mut at = doc.get_dictionary(page)?.get(b"Parent").and_then(Object::as_reference).ok();
        while let Some(parent) = at {
            let d = doc.get_dictionary(parent)?;
            if let Ok(value) = d.get(key) {
                let value = value.clone();
                doc.get_dictionary_mut(page)?.set(key.to_vec(), value);
                break;
            }
            at = d.get(b"Parent").and_then(Object::as_reference).ok();
        }
    }
    Ok(())
}

/// The book's embedded fonts, one copy of each: every chapter brings its
/// own, with the same (compressed) bytes, so the font files are compared
/// as they are, without inflating them. The first copy (in the book's
/// object order: its own pages', then the chapters' in order) is kept.
#[derive(Default)]
struct Fonts {
    /// (font file, Type0 font) in the book.
    kept: Vec<(ObjectId, ObjectId)>,
}

impl Fonts {
    /// Takes note of the Type0 font `id` of the book, or of a chapter's
    /// (`from`: the chapter and the font's id there; `id` is where it would
    /// land). Returns the book's copy when it has one already.
    fn add(&mut self, book: &Document, id: ObjectId, from: Option<(&Document, ObjectId)>) -> Result<Option<ObjectId>> {
        let (doc, local) = from.unwrap_or((book, id));
        let file = font_file_id(doc, local)?;
        let bytes = &doc.get_object(file)?.as_stream()?.content;
        let twin = self.kept.iter().find(|(f, _)| book.get_object(*f).and_then(Object::as_stream).is_ok_and(|s| s.content == *bytes)).map(|k| k.1);
        if twin.is_none() {
            // Where the chapter's font file lands in the book.
            let landed = match from {
                Some(_) => (file.0 + id.0 - local.0, 0),
                None => file,
            };
            self.kept.push((landed, id));
        }
        Ok(twin)
    }
}

/// The Type0 fonts of a document, in object order.
fn type0_fonts(doc: &Document) -> Vec<ObjectId> {
    doc.objects.iter().filter(|(_, o)| o.as_dict().is_ok_and(|d| d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type0"))).map(|(&id, _)| id).collect()
}

/// The objects `pages` reach, not through the fonts `away` (the book's copies stand in for them).
fn reachable(doc: &Document, pages: &[ObjectId], away: &std::collections::HashSet<ObjectId>) -> std::collections::HashSet<ObjectId> {
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<ObjectId> = pages.to_vec();
    while let Some(id) = stack.pop() {
        if away.contains(&id) || !seen.insert(id) {
            continue;
        }
        if let Some(object) = doc.objects.get(&id) {
            finish::collect_refs(object, &mut stack);
        }
    }
    seen
}

fn font_file_id(doc: &Document, font: ObjectId) -> Result<ObjectId> {
    finish::font_file_entry(doc, doc.get_dictionary(font)?)?.as_reference().map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Part;

    fn part(divider: bool, chapters: usize, method: bool) -> Part {
        let method = if method { vec![crate::model::Section { heading: "M".into(), lead: None, paragraphs: vec![], table: None }] } else { vec![] };
        Part { label: String::new(), title: String::new(), lead: String::new(), divider, chapters: vec![String::new(); chapters], method }
    }

    #[test]
    fn chapters_open_on_right_hand_pages() {
        let book = Book {
            id: "handbook".into(),
            title_lines: vec![],
            edition_line: String::new(),
            document_title: String::new(),
            colophon: vec![],
            parts: vec![part(true, 2, true), part(true, 1, false)],
            footer: String::new(),
        };
        let m = |target, page| Mark { target, page };
        // Own pages: title 1, colophon 2, contents 3-4, part 0 on 5, its method 6-7, part 1 on 8.
        let marks = [m(Target::Title, 1), m(Target::Colophon, 2), m(Target::Contents, 3), m(Target::Part(0), 5), m(Target::Method, 6), m(Target::Part(1), 8)];
        let s = sequence(&book, &marks, 8, &[3, 2, 4], &[vec![Some(1)], vec![], vec![]]);
        use Source::*;
        assert_eq!(
            s.pages,
            [
                Matter(0), Matter(1), Matter(2), Matter(3), // title, verso, contents
                Matter(4), Blank,                             // part 1, blank verso
                Chapter(0, 0), Chapter(0, 1), Chapter(0, 2), Blank,
                Chapter(1, 0), Chapter(1, 1),
                Matter(5), Matter(6),                         // method page of part 1
                Matter(7), Blank,                             // part 2
                Chapter(2, 0), Chapter(2, 1), Chapter(2, 2), Chapter(2, 3),
            ]
        );
        assert_eq!(s.at.chapters, [Some(7), Some(11), Some(17)]);
        assert!(s.at.chapters.iter().all(|p| p.unwrap() % 2 == 1));
        assert_eq!(s.at.figures[&(0, 0)], 8);
        assert_eq!(s.at.parts, [Some(5), Some(15)]);
        assert_eq!(s.at.methods, [Some(13), None]);
        assert_eq!(s.at.contents, Some(3));
        assert_eq!(s.folio[..3], [false, false, true]);
        assert!(!s.folio[5], "a blank verso has no number");
    }

    #[test]
    fn a_seed_reads_back_as_it_was_written() {
        let marks = [Target::Title, Target::Colophon, Target::Contents, Target::Part(1), Target::Chapter(2), Target::Figure(3, 14), Target::Method]
            .into_iter()
            .enumerate()
            .map(|(k, target)| Mark { target, page: k * 3 + 1 })
            .collect();
        let plan = Plan { marks };
        let text = encode_seed(&plan, 42);
        assert_eq!(text, "42;t,1;o,4;c,7;p1,10;h2,13;f3.14,16;m,19");
        assert_eq!(decode_seed(&text), Some((plan, 42)));
        assert_eq!(decode_seed("7"), Some((Plan::default(), 7)));
        for bad in ["", "x", "3;q,1", "3;t1,2", "3;f1,2", "3;h,2", "3;t"] {
            assert_eq!(decode_seed(bad), None, "{bad}");
        }
    }
}

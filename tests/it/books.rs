//! The printed books of the complete report, as the real binary writes
//! them: a handbook per edition and the book of every edition, each chapter
//! on a right-hand page, themes of two editions told apart, a title verso
//! that dates the book and says the data are synthetic, the same bytes twice.

use std::collections::BTreeSet;
use std::path::Path;

use lopdf::Document;

use crate::common::{path_str, root, stderr};

const EPOCH: &str = "1700000000";
const BOOKS: [&str; 5] = [
    "books/handbook-2013-2014.pdf",
    "books/handbook-2015-2016.pdf",
    "books/handbook-2018-2019.pdf",
    "books/handbook-2021-2023.pdf",
    "handbook.pdf",
];

fn build(out: &Path) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(["--out", path_str(out), "--quiet", "build"])
        .current_dir(root())
        .env("CI", "true")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

/// (level, title, page) of each bookmark.
fn bookmarks(doc: &Document) -> Vec<(usize, String, usize)> {
    doc.get_toc().unwrap().toc.into_iter().map(|t| (t.level, t.title, t.page)).collect()
}

fn page_text(doc: &Document, page: u32) -> String {
    doc.extract_text(&[page]).unwrap().replace('\u{a0}', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn each_edition_and_every_edition_in_one_book() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    build(&a);
    build(&b);
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("model.json")).unwrap()).unwrap();
    let note = model["data_note"].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    for name in BOOKS {
        let bytes = std::fs::read(a.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(bytes == std::fs::read(b.join(name)).unwrap(), "{name} differs between two builds");
        let doc = Document::load_mem(&bytes).unwrap();
        let marks = bookmarks(&doc);
        // A chapter's bookmark ends in its period: it opens on a right-hand page.
        let chapters: Vec<&(usize, String, usize)> = marks.iter().filter(|m| m.1.ends_with(')') && m.1.contains(" (20")).collect();
        assert!(!chapters.is_empty(), "{name}: no chapter bookmarks in {marks:?}");
        for (_, title, page) in &chapters {
            assert!(page % 2 == 1, "{name}: {title} opens on page {page}");
        }
        let titles: BTreeSet<&str> = chapters.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(titles.len(), chapters.len(), "{name}: two chapters under one title");
        // The title verso: the date and the note on the synthetic data.
        let verso = page_text(&doc, 2);
        assert!(verso.contains("Dato: 14. november 2023."), "{name}: {verso}");
        assert!(verso.contains(&note), "{name}: the synthetic note is not on the title verso: {verso}");
        assert!(page_text(&doc, 1).contains("NYT SAMMEN BEDRE"), "{name}");
    }
    let all = Document::load_mem(&std::fs::read(a.join("handbook.pdf")).unwrap()).unwrap();
    let marks = bookmarks(&all);
    let parts: Vec<&str> = marks.iter().filter(|m| m.0 == 1 && m.1.starts_with("Del ")).map(|m| m.1.as_str()).collect();
    assert_eq!(
        parts,
        [
            "Del 1: Innovationsbarometeret 2013-2014",
            "Del 2: Innovationsbarometeret 2015-2016",
            "Del 3: Innovationsbarometeret 2018-2019",
            "Del 4: Innovationsbarometeret 2021-2023",
            "Del 5: På tværs af udgaverne"
        ]
    );
    let chapters: Vec<&str> = marks.iter().filter(|m| m.0 == 2 && m.1.contains(" (20")).map(|m| m.1.as_str()).collect();
    assert_eq!(chapters.len(), 44);
    // The same theme in two editions, told apart by its period.
    let volunteers: Vec<&str> = chapters.iter().copied().filter(|t| t.to_lowercase().contains("frivillige")).collect();
    assert!(volunteers.len() >= 2, "{volunteers:?}");
    // The edition's book holds only its chapters, and its own wave's method page.
    let one = Document::load_mem(&std::fs::read(a.join("books/handbook-2015-2016.pdf")).unwrap()).unwrap();
    let marks = bookmarks(&one);
    assert!(marks.iter().filter(|m| m.1.contains(" (20")).all(|m| m.1.ends_with("(2015-2016)")), "{marks:?}");
    let last = one.get_pages().len() as u32;
    let method = page_text(&one, last);
    assert!(method.contains("2015-2016") && !method.contains("2018-2019"), "{method}");
}

/// A4 in points, and the page body the chapters are set in (mm from the top).
const PAGE_H_PT: f64 = 841.89;
const BODY: (f64, f64) = (30.0, 271.0);
/// The least share of the body a chapter's page fills, and its last page.
const MIN_FILL: f64 = 0.6;
const MIN_LAST_FILL: f64 = 0.4;
/// Chapter pages allowed to be emptier, by chapter PDF and page: none.
const EMPTIER: &[(&str, usize)] = &[];

/// How full each page is: the share of the body's height down to the
/// lowest thing drawn in it (a line of text, from its baseline less a
/// descender; an image, the tinted boxes and rules included). Read from the
/// page's content operators: the current transformation (q, Q, cm), the
/// text position (BT, Td, TL, T*, Tf) and what is shown (Tj, TJ, Do).
/// Anything above or below the body (the running head, the red thread,
/// the footer and page number) is left out.
fn fill(doc: &Document) -> Vec<f64> {
    type M = [f64; 6];
    let mul = |a: M, b: M| -> M {
        [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]
    };
    let id: M = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mm = |y_pt: f64| (PAGE_H_PT - y_pt) * 25.4 / 72.0;
    doc.get_pages()
        .values()
        .map(|&page| {
            let content = lopdf::content::Content::decode(&doc.get_page_content(page)).unwrap();
            let (mut ctm, mut stack, mut line, mut lead, mut size) = (id, Vec::new(), id, 0.0, 0.0);
            let mut lowest: f64 = BODY.0;
            let mut reach = |top: f64, bottom: f64| {
                if top >= BODY.0 - 1.0 && bottom <= BODY.1 + 1.0 {
                    lowest = lowest.max(bottom);
                }
            };
            for op in &content.operations {
                let n: Vec<f64> = op.operands.iter().filter_map(|o| o.as_float().ok()).map(f64::from).collect();
                match op.operator.as_str() {
                    "q" => stack.push(ctm),
                    "Q" => ctm = stack.pop().unwrap_or(id),
                    "cm" => ctm = mul([n[0], n[1], n[2], n[3], n[4], n[5]], ctm),
                    "BT" => line = id,
                    "TL" => lead = n[0],
                    "Tf" => size = n[0],
                    "Td" => line = mul([1.0, 0.0, 0.0, 1.0, n[0], n[1]], line),
                    "T*" => line = mul([1.0, 0.0, 0.0, 1.0, 0.0, -lead], line),
                    "Tj" | "TJ" => {
                        let y = mul(line, ctm)[5];
                        reach(mm(y + 0.75 * size), mm(y - 0.25 * size));
                    }
                    "Do" => {
                        let ys = [ctm[5], ctm[5] + ctm[3], ctm[5] + ctm[1], ctm[5] + ctm[1] + ctm[3]];
                        let (lo, hi) = ys.iter().fold((f64::MAX, f64::MIN), |(a, b), &y| (a.min(y), b.max(y)));
                        reach(mm(hi), mm(lo));
                    }
                    _ => {}
                }
            }
            (lowest - BODY.0) / (BODY.1 - BODY.0)
        })
        .collect()
}

/// The pages a book's chapters span, as (title, first page, last page):
/// from the chapter's bookmark to the page before the next bookmark (or
/// the book's end), less the blank versos that end it.
fn chapter_spans(doc: &Document, fills: &[f64]) -> Vec<(String, usize, usize)> {
    let marks = bookmarks(doc);
    let mut starts: Vec<usize> = marks.iter().filter(|m| !m.1.starts_with("Figur")).map(|m| m.2).collect();
    starts.sort();
    marks
        .iter()
        .filter(|m| m.1.ends_with(')') && m.1.contains(" (20"))
        .map(|(_, title, first)| {
            let mut last = starts.iter().copied().find(|&p| p > *first).map_or(fills.len(), |p| p - 1);
            while last > *first && fills[last - 1] == 0.0 {
                assert!(last % 2 == 0, "{title}: the blank page {last} is not a verso");
                last -= 1;
            }
            (title.clone(), *first, last)
        })
        .collect()
}

/// Which pages of `fills` (a chapter's, numbered from 1) are emptier than
/// allowed, with their fill.
fn too_empty(fills: &[f64]) -> Vec<(usize, f64)> {
    let last = fills.len();
    fills
        .iter()
        .enumerate()
        .map(|(p, &f)| (p + 1, f))
        .filter(|&(p, f)| f < if p == last { MIN_LAST_FILL } else { MIN_FILL })
        .collect()
}

#[test]
fn no_chapter_page_is_mostly_empty() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let mut chapters = 0;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir.path().join("handbook")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let fills = fill(&Document::load(&path).unwrap());
        chapters += 1;
        for (p, f) in too_empty(&fills) {
            if !EMPTIER.contains(&(name.as_str(), p)) {
                found.push(format!("{name} page {p}: {:.0} % of {}", f * 100.0, fills.len()));
            }
        }
    }
    assert_eq!(chapters, 44);
    assert!(found.is_empty(), "chapter pages mostly empty:\n{}", found.join("\n"));
    // The books hold the same pages, each chapter with its blank verso at most.
    for name in BOOKS {
        let doc = Document::load(dir.path().join(name)).unwrap();
        let fills = fill(&doc);
        let spans = chapter_spans(&doc, &fills);
        assert!(!spans.is_empty(), "{name}");
        for (title, first, last) in spans {
            let empty = too_empty(&fills[first - 1..last]);
            assert!(empty.is_empty(), "{name}: {title} (pages {first}-{last}) has pages mostly empty: {empty:?}");
        }
    }
}

/// The measure itself: a page of text to the foot of the body is full, a
/// blank page empty, and a page with one short block near its top nearly so.
#[test]
fn fill_is_measured_from_what_is_drawn() {
    use lopdf::dictionary;
    let pdf = |body: &str| -> Document {
        let mut doc = Document::with_version("1.5");
        let content = doc.add_object(lopdf::Stream::new(dictionary! {}, body.as_bytes().to_vec()));
        let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => content,
            "MediaBox" => vec![0.into(), 0.into(), 595.28.into(), PAGE_H_PT.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F0" => font } },
        });
        doc.objects.insert(pages, lopdf::Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }));
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        doc
    };
    // A line whose baseline sits 100 mm from the top, another at the body's foot.
    let at = |mm_from_top: f64| PAGE_H_PT - mm_from_top * 72.0 / 25.4;
    let line = |y: f64| format!("BT /F0 10 Tf 70 {y:.2} Td (x) Tj ET\n");
    let half = fill(&pdf(&line(at(150.5))));
    assert!((half[0] - 0.5).abs() < 0.01, "{half:?}");
    // Text in the footer does not count; T* moves down by the leading.
    let footer = fill(&pdf(&format!("{}BT /F0 10 Tf 12 TL 70 {:.2} Td (x) Tj T* (y) Tj ET\n", line(at(280.0)), at(60.0))));
    let expected = (60.0 + 12.0 * 25.4 / 72.0 + 2.5 * 25.4 / 72.0 - BODY.0) / (BODY.1 - BODY.0);
    assert!((footer[0] - expected).abs() < 0.001, "{footer:?} {expected}");
    // An image (a chart, a tinted box) counts down to its lower edge, through nested transformations.
    let image = fill(&pdf(&format!("q 1 0 0 1 0 {:.2} cm q 100 0 0 50 70 0 cm /X0 Do Q Q\n", at(200.0))));
    assert!((image[0] - 170.0 / 241.0).abs() < 0.001, "{image:?}");
    assert_eq!(fill(&pdf("")), [0.0]);
}

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

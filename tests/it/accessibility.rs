//! Tagged PDFs (PDF/UA-1), read back with lopdf from a real build: every
//! chapter and every book has one structure tree whose headings are the
//! model's, in its order; each chart is a Figure whose /Alt is the
//! figure's description; every marked-content id on a page is in the
//! parent tree and back; no content is outside marked content, and what is
//! an artifact is only the frame (running head, footer, page number); the
//! links sit in Link elements; the catalog and XMP say tagged, Danish, titled.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use lopdf::content::Content;
use lopdf::{Document, Object, ObjectId};
use serde_json::Value;

use crate::common::{path_str, root, stderr};

fn build(out: &Path) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(["--out", path_str(out), "--quiet", "build"])
        .current_dir(root())
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

fn plain(s: &str) -> String {
    s.replace('\u{a0}', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a page's content says: the text of each MCID, the text shown in
/// artifacts (one string per text operator), and anything drawn outside
/// marked content.
#[derive(Default, Debug)]
struct Page {
    mcids: BTreeMap<i64, String>,
    artifacts: Vec<String>,
    untagged: Vec<String>,
}

fn read_page(doc: &Document, page: ObjectId) -> Page {
    let fonts = doc.get_page_fonts(page).unwrap();
    let encodings: BTreeMap<Vec<u8>, lopdf::Encoding> = fonts.iter().map(|(name, f)| (name.clone(), f.get_font_encoding(doc).unwrap())).collect();
    let ops = Content::decode(&doc.get_page_content(page)).unwrap().operations;
    let mut out = Page::default();
    // The open marked-content sequences.
    #[derive(PartialEq)]
    enum Mark {
        Mcid(i64),
        Artifact,
        Other,
    }
    let mut stack: Vec<Mark> = Vec::new();
    let mut font: Vec<u8> = Vec::new();
    for op in ops {
        let text = match op.operator.as_str() {
            "BDC" | "BMC" => {
                let artifact = op.operands[0].as_name().unwrap() == b"Artifact";
                let mcid = op.operands.get(1).and_then(|o| o.as_dict().ok()).and_then(|d| d.get(b"MCID").ok()).and_then(|o| o.as_i64().ok());
                stack.push(match (artifact, mcid) {
                    (true, None) => Mark::Artifact,
                    (false, Some(m)) => {
                        assert!(!stack.iter().any(|k| matches!(k, Mark::Mcid(_))), "MCID {m} nested in another");
                        assert!(out.mcids.insert(m, String::new()).is_none(), "MCID {m} twice on a page");
                        Mark::Mcid(m)
                    }
                    (true, Some(_)) => panic!("an artifact with an MCID"),
                    (false, None) => Mark::Other,
                });
                continue;
            }
            "EMC" => {
                stack.pop().expect("EMC without BDC");
                continue;
            }
            "Tf" => {
                font = op.operands[0].as_name().unwrap().to_vec();
                continue;
            }
            // Lines are text objects of their own.
            "ET" => " ".to_string(),
            "Do" | "f" | "F" | "f*" | "S" | "s" | "B" | "B*" | "b" | "b*" | "sh" => format!("<{}>", op.operator),
            "Tj" | "TJ" | "'" | "\"" => {
                let enc = &encodings[&font];
                let mut t = String::new();
                for o in &op.operands {
                    let parts: Vec<&Object> = match o {
                        Object::Array(a) => a.iter().collect(),
                        other => vec![other],
                    };
                    for p in parts {
                        if let Object::String(bytes, _) = p {
                            t.push_str(&Document::decode_text(enc, bytes).unwrap());
                        }
                    }
                }
                t
            }
            _ => continue,
        };
        let mcid = stack.iter().rev().find_map(|m| if let Mark::Mcid(m) = m { Some(*m) } else { None });
        let artifact = stack.contains(&Mark::Artifact);
        match (mcid, artifact) {
            (Some(m), _) => out.mcids.get_mut(&m).unwrap().push_str(&text),
            (None, true) => {
                if !text.starts_with('<') && !text.trim().is_empty() {
                    out.artifacts.push(plain(&text));
                }
            }
            (None, false) => {
                if !text.trim().is_empty() {
                    out.untagged.push(text)
                }
            }
        }
    }
    assert!(stack.is_empty(), "unbalanced marked content");
    out
}

/// A structure element as read: its type, its text (from its pages), its
/// /Alt, and its children.
#[derive(Debug)]
struct Elem {
    role: String,
    text: String,
    alt: Option<String>,
    kids: Vec<Elem>,
    /// (page, mcid) of its own marked content.
    marks: Vec<(ObjectId, i64)>,
    objr: Vec<ObjectId>,
}

impl Elem {
    fn walk<'a>(&'a self, out: &mut Vec<&'a Elem>) {
        out.push(self);
        for k in &self.kids {
            k.walk(out);
        }
    }
    fn all(&self) -> Vec<&Elem> {
        let mut v = Vec::new();
        self.walk(&mut v);
        v
    }
}

fn read_elem(doc: &Document, id: ObjectId, pages: &BTreeMap<ObjectId, Page>, parent: ObjectId) -> Elem {
    let d = doc.get_dictionary(id).unwrap();
    assert_eq!(d.get(b"P").unwrap().as_reference().unwrap(), parent, "an element's /P is not its parent");
    let role = String::from_utf8(d.get(b"S").unwrap().as_name().unwrap().to_vec()).unwrap();
    let pg = d.get(b"Pg").ok().and_then(|o| o.as_reference().ok());
    let alt = d.get(b"Alt").ok().map(|o| lopdf::decode_text_string(o).unwrap());
    let kids_obj = match d.get(b"K").unwrap() {
        Object::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut e = Elem { role, text: String::new(), alt, kids: vec![], marks: vec![], objr: vec![] };
    for k in kids_obj {
        match k {
            Object::Integer(m) => e.marks.push((pg.expect("an MCID kid needs the element's /Pg"), m)),
            Object::Reference(r) => e.kids.push(read_elem(doc, r, pages, id)),
            Object::Dictionary(k) if k.get(b"Type").unwrap().as_name().unwrap() == b"MCR" => {
                e.marks.push((k.get(b"Pg").unwrap().as_reference().unwrap(), k.get(b"MCID").unwrap().as_i64().unwrap()))
            }
            Object::Dictionary(k) => e.objr.push(k.get(b"Obj").unwrap().as_reference().unwrap()),
            other => panic!("a kid {other:?}"),
        }
    }
    for (page, m) in &e.marks {
        let t = pages.get(page).and_then(|p| p.mcids.get(m)).unwrap_or_else(|| panic!("{} names MCID {m} that its page does not have", e.role));
        e.text.push_str(t);
        e.text.push(' ');
    }
    e.text = plain(&e.text);
    e
}

/// Checks everything a tagged file must hold and returns its `Document` element.
fn check_file(name: &str, bytes: &[u8], frame: &BTreeSet<String>) -> Elem {
    let doc = Document::load_mem(bytes).unwrap();
    let catalog = doc.catalog().unwrap();
    assert_eq!(catalog.get(b"MarkInfo").unwrap().as_dict().unwrap().get(b"Marked").unwrap(), &Object::Boolean(true), "{name}");
    assert_eq!(lopdf::decode_text_string(catalog.get(b"Lang").unwrap()).unwrap(), "da-DK", "{name}");
    let info = doc.get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
    let title = lopdf::decode_text_string(info.get(b"Title").unwrap()).unwrap();
    let xmp = doc.get_object(catalog.get(b"Metadata").unwrap().as_reference().unwrap()).unwrap().as_stream().unwrap();
    let xmp = String::from_utf8(xmp.content.clone()).unwrap();
    assert!(xmp.contains("<pdfuaid:part>1</pdfuaid:part>"), "{name}: {xmp}");
    let xml = roxmltree::Document::parse(&xmp).unwrap_or_else(|e| panic!("{name}: XMP is not XML: {e}"));
    let dc_title = xml.descendants().find(|n| n.has_tag_name("li") && n.ancestors().any(|a| a.tag_name().name() == "title")).unwrap().text().unwrap();
    assert_eq!(dc_title, title, "{name}");

    let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
    let pages: BTreeMap<ObjectId, Page> = page_ids.iter().map(|&p| (p, read_page(&doc, p))).collect();
    for (k, p) in page_ids.iter().enumerate() {
        let page = &pages[p];
        assert!(page.untagged.is_empty(), "{name} page {}: drawn outside marked content: {:?}", k + 1, page.untagged);
        for a in &page.artifacts {
            assert!(frame.contains(a) || a.chars().all(|c| c.is_ascii_digit()), "{name} page {}: artifact text {a:?} is not the frame's", k + 1);
        }
    }
    // The parent tree, both ways.
    let root_id = catalog.get(b"StructTreeRoot").unwrap().as_reference().unwrap();
    let root = doc.get_dictionary(root_id).unwrap();
    let nums = doc.dereference(root.get(b"ParentTree").unwrap()).unwrap().1.as_dict().unwrap().get(b"Nums").unwrap().as_array().unwrap();
    let parent_tree: BTreeMap<i64, Object> = nums.chunks(2).map(|p| (p[0].as_i64().unwrap(), p[1].clone())).collect();
    let next_key = root.get(b"ParentTreeNextKey").unwrap().as_i64().unwrap();
    assert!(parent_tree.keys().all(|&k| k < next_key), "{name}: a key past ParentTreeNextKey");
    let document_id = root.get(b"K").unwrap().as_reference().unwrap();
    let document = read_elem(&doc, document_id, &pages, root_id);
    assert_eq!(document.role, "Document");
    let mut owner: BTreeMap<(ObjectId, i64), String> = BTreeMap::new();
    let mut by_id: BTreeMap<ObjectId, &Elem> = BTreeMap::new();
    let elems = document.all();
    // Elements by object id, to follow the parent tree's references.
    fn ids(doc: &Document, id: ObjectId, out: &mut Vec<ObjectId>) {
        out.push(id);
        if let Ok(Object::Array(a)) = doc.get_dictionary(id).unwrap().get(b"K") {
            for k in a {
                if let Object::Reference(r) = k {
                    ids(doc, *r, out);
                }
            }
        } else if let Ok(Object::Reference(r)) = doc.get_dictionary(id).unwrap().get(b"K") {
            ids(doc, *r, out);
        }
    }
    let mut order = Vec::new();
    ids(&doc, document_id, &mut order);
    assert_eq!(order.len(), elems.len());
    for (id, e) in order.iter().zip(&elems) {
        by_id.insert(*id, e);
        for m in &e.marks {
            assert!(owner.insert(*m, e.role.clone()).is_none(), "{name}: {m:?} in two elements");
        }
    }
    for (k, p) in page_ids.iter().enumerate() {
        let page = &pages[p];
        for &m in page.mcids.keys() {
            assert!(owner.contains_key(&(*p, m)), "{name} page {}: MCID {m} is in no element", k + 1);
        }
        if page.mcids.is_empty() {
            continue;
        }
        let key = doc.get_dictionary(*p).unwrap().get(b"StructParents").unwrap().as_i64().unwrap();
        let list = parent_tree[&key].as_array().unwrap();
        assert_eq!(list.len(), page.mcids.len(), "{name} page {}", k + 1);
        for (m, e) in list.iter().enumerate() {
            let e = by_id[&e.as_reference().unwrap()];
            assert!(e.marks.contains(&(*p, m as i64)), "{name} page {}: the parent tree gives MCID {m} to a {} that does not hold it", k + 1, e.role);
        }
        // Every link annotation is in a Link element, and says where it goes.
        if let Ok(Object::Array(annots)) = doc.get_dictionary(*p).unwrap().get(b"Annots") {
            for a in annots {
                let a = a.as_reference().unwrap();
                let d = doc.get_dictionary(a).unwrap();
                assert!(!lopdf::decode_text_string(d.get(b"Contents").unwrap()).unwrap().is_empty(), "{name}: a link says nothing");
                let key = d.get(b"StructParent").unwrap_or_else(|_| panic!("{name} page {}: a link outside the tree", k + 1)).as_i64().unwrap();
                let e = by_id[&parent_tree[&key].as_reference().unwrap()];
                assert_eq!(e.role, "Link");
                assert!(e.objr.contains(&a), "{name} page {}: a link's element does not hold it", k + 1);
            }
        }
    }
    assert!(elems.iter().all(|e| e.role != "Link" || !e.objr.is_empty()), "{name}: a Link element without its annotation");
    document
}

#[test]
fn chapters_and_books_are_tagged_with_the_models_structure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    build(&out);
    let model: Value = serde_json::from_slice(&std::fs::read(out.join("model.json")).unwrap()).unwrap();
    let s = |v: &Value| plain(v.as_str().unwrap());
    let words = &model["words"];
    let mut frame: BTreeSet<String> =
        [s(&words["running_title"]), s(&words["contents"]).to_uppercase(), s(&words["method"]).to_uppercase(), s(&words["footer"])].into();
    for b in model["books"].as_array().unwrap() {
        frame.insert(s(&b["footer"]));
    }
    let mut chapter_titles = BTreeMap::new();
    for c in model["chapters"].as_array().unwrap() {
        frame.extend([s(&c["title"]), s(&c["edition"]), s(&c["footer"])]);
        chapter_titles.insert(c["id"].as_str().unwrap().to_string(), s(&c["title"]));
    }
    for c in model["chapters"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let bytes = std::fs::read(out.join(format!("handbook/{id}.pdf"))).unwrap();
        let document = check_file(id, &bytes, &frame);
        let all = document.all();
        let h1: Vec<String> = all.iter().filter(|e| e.role == "H1").map(|e| e.text.clone()).collect();
        assert_eq!(h1, [s(&c["title"])], "{id}");
        let figures = c["figures"].as_array().unwrap();
        // Every figure's heading ("FIGUR 1.2" and its title), in the model's order.
        let h2: Vec<String> = all.iter().filter(|e| e.role == "H2").map(|e| e.text.clone()).collect();
        let expected: Vec<String> = figures.iter().map(|f| format!("{} {}", s(&f["label"]).to_uppercase(), s(&f["title"]))).collect();
        let got: Vec<String> = h2.iter().filter(|t| t.starts_with(&s(&figures[0]["label"]).to_uppercase()[..5])).cloned().collect();
        assert_eq!(got, expected, "{id}");
        assert_eq!(h2.len(), figures.len() + c["boxes"].as_array().unwrap().len(), "{id}: a heading per figure and box: {h2:?}");
        // Each chart is a Figure with the model's description, in order.
        let alts: Vec<String> = all.iter().filter(|e| e.role == "Figure").map(|e| e.alt.clone().unwrap()).collect();
        let descriptions: Vec<String> = figures.iter().map(|f| f["description"].as_str().unwrap().to_string()).collect();
        assert_eq!(alts, descriptions, "{id}");
        let captions: Vec<String> = all.iter().filter(|e| e.role == "Caption").map(|e| e.text.clone()).collect();
        assert_eq!(captions, figures.iter().map(|f| s(&f["caption"])).collect::<Vec<_>>(), "{id}");
        // The opener reads in order: kicker, title, hero number and sentence.
        let opener = &document.kids[0];
        assert_eq!(opener.kids.iter().find(|e| e.role == "H1").unwrap().text, s(&c["title"]));
        let hero = format!("{} {}", s(&c["hero"]["text"]), s(&c["hero"]["sentence"]));
        assert!(opener.kids.iter().any(|e| e.role == "P" && e.text == hero), "{id}: no P {hero:?} in {:?}", opener.kids.iter().map(|e| &e.text).collect::<Vec<_>>());
    }
    for b in model["books"].as_array().unwrap() {
        let id = b["id"].as_str().unwrap();
        let name = if id == "handbook" { "handbook.pdf".to_string() } else { format!("books/handbook-{id}.pdf") };
        let bytes = std::fs::read(out.join(&name)).unwrap();
        let document = check_file(&name, &bytes, &frame);
        // A Part per chapter, in the book's order, each opening with its title.
        let parts: Vec<String> = document.kids.iter().filter(|e| e.role == "Part").map(|p| p.all().into_iter().find(|e| e.role == "H1").unwrap().text.clone()).collect();
        let expected: Vec<String> =
            b["parts"].as_array().unwrap().iter().flat_map(|p| p["chapters"].as_array().unwrap()).map(|c| chapter_titles[c.as_str().unwrap()].clone()).collect();
        assert_eq!(parts, expected, "{name}");
        // The cover's title comes first, then the contents with a link per line.
        let first = &document.kids[0];
        assert_eq!(first.kids.iter().find(|e| e.role == "H1").unwrap().text, plain(&b["title_lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>().join(" ")), "{name}");
        let links = document.all().into_iter().filter(|e| e.role == "Link").count();
        assert!(links >= expected.len(), "{name}: {links} links for {} chapters", expected.len());
        let tables = document.all().into_iter().filter(|e| e.role == "Table").count();
        assert!(tables >= 1, "{name}: the method page's table is not a Table");
    }
}

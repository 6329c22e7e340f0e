//! Tagged PDF (PDF/UA-1): the structure tree, reading order, alternative
//! text for the charts, and the frame as artifacts.
//!
//! genpdf cannot write marked content: an element only sees an `Area`,
//! whose printpdf layer is private. So a block says what it is with a
//! marker it can draw: [`Tagged`] draws a degenerate path before and after
//! its element, on every page it renders on, whose point offsets spell the
//! block's [`Key`] (offsets do not depend on where the area is). The
//! finishing step ([`mark_pages`]) turns each pair of markers into
//! `/Role <</MCID n>> BDC … EMC`, wraps everything between them (the frame:
//! running head, red thread, footer, fills and rules) in `/Artifact BMC …
//! EMC`, and [`write_tree`] builds the structure tree from what it found,
//! in the order it appears on the pages.

use std::collections::BTreeMap;

use genpdf::error::Error as LayoutError;
use genpdf::render::Area;
use genpdf::style::Style as TextStyle;
use genpdf::{Context, Element, Position, RenderResult};
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary, text_string};

use crate::error::{Error, Fail, Result};

/// The structure type of a leaf (a run of content on the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    H1,
    H2,
    P,
    Figure,
    Caption,
    Link,
    /// A table's header cell and data cell; the number is row * 8 + column.
    TH,
    TD,
}

const ROLES: [Role; 8] = [Role::H1, Role::H2, Role::P, Role::Figure, Role::Caption, Role::Link, Role::TH, Role::TD];

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::H1 => "H1",
            Role::H2 => "H2",
            Role::P => "P",
            Role::Figure => "Figure",
            Role::Caption => "Caption",
            Role::Link => "Link",
            Role::TH => "TH",
            Role::TD => "TD",
        }
    }
}

/// The block a leaf belongs to: each is a `Sect` of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Block {
    /// The chapter's opener page.
    Opener,
    /// A figure, by its index in the chapter.
    Figure(usize),
    /// An editorial box, by its index in the chapter.
    Box(usize),
    /// A part of a book's own pages (cover, contents, dividers, method pages).
    Front(u16),
}

/// What a leaf is: its block, its role, and its number in the block
/// (leaves with the same key are one structure element, e.g. a figure's
/// label and title are one heading, a paragraph split over two pages one P).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub block: Block,
    pub role: Role,
    pub n: u16,
}

/// Shorthand for a key.
pub fn key(block: Block, role: Role, n: u16) -> Key {
    Key { block, role, n }
}

/// Markers are 3-point paths: the first leg is straight up by BEGIN or
/// END mm, the second spells the key as (block, role and number) in mm.
const BEGIN: f64 = 300.0;
const END: f64 = 400.0;
const PT: f64 = 72.0 / 25.4;
/// Blocks of boxes, and of a book's own pages, are numbered from here.
const BOX_BASE: u32 = 512;
const FRONT_BASE: u32 = 1024;
/// Numbers in a block run below this (a book's contents has a link per line).
const N_MAX: u32 = 1024;

impl Key {
    fn encode(self) -> (u32, u32) {
        let block = match self.block {
            Block::Opener => 0,
            Block::Figure(j) => 1 + j as u32,
            Block::Box(k) => BOX_BASE + k as u32,
            Block::Front(n) => FRONT_BASE + u32::from(n),
        };
        let role = ROLES.iter().position(|&r| r == self.role).unwrap_or(0) as u32;
        (block, role * N_MAX + u32::from(self.n).min(N_MAX - 1))
    }

    fn decode(block: u32, code: u32) -> Option<Key> {
        let block = match block {
            0 => Block::Opener,
            b if b < BOX_BASE => Block::Figure(b as usize - 1),
            b if b < FRONT_BASE => Block::Box((b - BOX_BASE) as usize),
            b => Block::Front((b - FRONT_BASE) as u16),
        };
        let role = *ROLES.get((code / N_MAX) as usize)?;
        Some(Key { block, role, n: (code % N_MAX) as u16 })
    }
}

/// An element tagged with its key: its content on each page becomes one
/// marked-content sequence of its structure element.
pub struct Tagged<E: Element>(pub Key, pub E);

/// Tags `element` as `key`.
pub fn tag<E: Element>(key: Key, element: E) -> Tagged<E> {
    Tagged(key, element)
}

impl<E: Element> Element for Tagged<E> {
    fn render(&mut self, context: &Context, area: Area<'_>, style: TextStyle) -> std::result::Result<RenderResult, LayoutError> {
        let (block, code) = self.0.encode();
        marker(&area, BEGIN, block, code);
        let result = self.1.render(context, area.clone(), style);
        marker(&area, END, 0, 0);
        result
    }
}

fn marker(area: &Area<'_>, leg: f64, block: u32, code: u32) {
    let points = vec![Position::new(0, 0), Position::new(0, -leg), Position::new(f64::from(block), -leg + f64::from(code))];
    area.draw_line(points, TextStyle::new());
}

/// A marker read back from a page: Some(key) begins a leaf, None ends it.
fn read_marker(ops: &[Operation]) -> Option<Option<Key>> {
    let [m, l1, l2, s] = ops else { return None };
    if (m.operator.as_str(), l1.operator.as_str(), l2.operator.as_str(), s.operator.as_str()) != ("m", "l", "l", "S") {
        return None;
    }
    let xy = |op: &Operation| -> Option<(f64, f64)> {
        let [x, y] = op.operands.as_slice() else { return None };
        Some((f64::from(x.as_float().ok()?), f64::from(y.as_float().ok()?)))
    };
    let (p0, p1, p2) = (xy(m)?, xy(l1)?, xy(l2)?);
    // In millimetres, y pointing down as genpdf has it.
    let leg = |a: (f64, f64), b: (f64, f64)| ((b.0 - a.0) / PT, (a.1 - b.1) / PT);
    let (d1, d2) = (leg(p0, p1), leg(p1, p2));
    let near = |v: f64, to: f64| (v - to).abs() < 0.05;
    if !near(d1.0, 0.0) {
        return None;
    }
    if near(d1.1, -END) {
        return Some(None);
    }
    if !near(d1.1, -BEGIN) || d2.0 < -0.5 || d2.1 < -0.5 {
        return None;
    }
    Key::decode(d2.0.round() as u32, d2.1.round() as u32).map(Some)
}

/// A run of a leaf's content on a page.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub key: Key,
    pub page: ObjectId,
    /// The page's index in the document (its key in the parent tree).
    pub page_index: usize,
    pub mcid: i64,
}

/// Turns every page's markers into marked content: each tagged run gets
/// its MCID, everything else becomes an artifact. Returns the runs in
/// reading order (page by page, as drawn). printpdf's layer (an optional
/// content group around the page) is dropped, so nothing is nested.
pub fn mark_pages(doc: &mut Document) -> Result<Vec<Leaf>> {
    let pages: Vec<(ObjectId, usize)> = doc.get_pages().into_values().enumerate().map(|(k, id)| (id, k)).collect();
    mark_some(doc, &pages)
}

/// [`mark_pages`] for some pages, each with its key in the parent tree.
/// Only a page's first content stream (genpdf's) is read; any later one
/// (the page number) is kept as it is.
fn mark_some(doc: &mut Document, pages: &[(ObjectId, usize)]) -> Result<Vec<Leaf>> {
    let mut leaves = Vec::new();
    for &(page, index) in pages {
        let (first, rest) = match doc.get_dictionary(page)?.get(b"Contents") {
            Ok(Object::Reference(id)) => (*id, Vec::new()),
            Ok(Object::Array(a)) if !a.is_empty() => (a[0].as_reference()?, a[1..].to_vec()),
            _ => continue,
        };
        let stream = doc.get_object(first)?.as_stream()?;
        let content = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
        let ops = Content::decode(&content)?.operations;
        let (ops, runs) = mark(ops).with_context(|| format!("tagging page {}", index + 1))?;
        for (mcid, key) in runs.into_iter().enumerate() {
            leaves.push(Leaf { key, page, page_index: index, mcid: mcid as i64 });
        }
        let bytes = Content { operations: ops }.encode()?;
        let stream = doc.add_object(Stream::new(Dictionary::new(), bytes));
        let d = doc.get_dictionary_mut(page)?;
        if rest.is_empty() {
            d.set("Contents", stream);
        } else {
            d.set("Contents", [vec![Object::Reference(stream)], rest].concat());
        }
        d.set("StructParents", index as i64);
        d.set("Tabs", "S");
        if let Ok(Object::Dictionary(resources)) = d.get_mut(b"Resources") {
            resources.remove(b"Properties");
        }
    }
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.remove(b"OCProperties");
    }
    Ok(leaves)
}

use crate::error::Context as _;

/// One page's operations, marked; and the key of each MCID in order.
fn mark(ops: Vec<Operation>) -> Result<(Vec<Operation>, Vec<Key>)> {
    let mut ops = ops;
    // printpdf's layer: `/OC /MC0 BDC` first, its EMC last.
    if ops.first().is_some_and(|o| o.operator == "BDC" && o.operands.first().and_then(|n| n.as_name().ok()) == Some(b"OC")) {
        ops.remove(0);
        if let Some(k) = ops.iter().rposition(|o| o.operator == "EMC") {
            ops.remove(k);
        }
    }
    let mut out = Vec::with_capacity(ops.len() + 16);
    let mut runs = Vec::new();
    let mut current: Option<Key> = None;
    // Whether an artifact run is open, and the q depth it opened at.
    let mut artifact: Option<usize> = None;
    let mut depth = 0usize;
    let mut pending: Option<Key> = None;
    let mut i = 0;
    while i < ops.len() {
        if let Some(found) = ops.get(i..i + 4).and_then(read_marker) {
            i += 4;
            match (found, current) {
                (Some(key), None) => {
                    if artifact.take().is_some() {
                        out.push(Operation::new("EMC", vec![]));
                    }
                    current = Some(key);
                    // The BDC goes in when the run draws something: an empty run is dropped.
                    pending = Some(key);
                }
                (None, Some(_)) => {
                    match pending.take() {
                        None => out.push(Operation::new("EMC", vec![])),
                        // A link that printed nothing still got its annotation
                        // (`LinkLine`): it keeps its element, so the two pair up.
                        Some(key) if key.role == Role::Link => {
                            out.push(begin(key, runs.len()));
                            runs.push(key);
                            out.push(Operation::new("EMC", vec![]));
                        }
                        Some(_) => {}
                    }
                    current = None;
                }
                (Some(key), Some(open)) => return Err(Error::Render(format!("{key:?} begins inside {open:?}: tagged blocks do not nest"))),
                (None, None) => return Err(Error::Render("a tagged block ends that never began".into())),
            }
            continue;
        }
        let op = ops[i].clone();
        i += 1;
        let before = depth;
        match op.operator.as_str() {
            "q" => depth += 1,
            "Q" => depth = depth.saturating_sub(1),
            _ => {}
        }
        // An artifact opened inside the q this Q closes ends before it.
        if op.operator == "Q" && artifact.is_some_and(|d| d > depth) {
            artifact = None;
            out.push(Operation::new("EMC", vec![]));
        }
        // The page's own q … Q around everything stays outside.
        let page_level = (op.operator == "q" && before == 0) || (op.operator == "Q" && depth == 0);
        if let Some(key) = pending.take() {
            out.push(begin(key, runs.len()));
            runs.push(key);
        } else if current.is_none() && artifact.is_none() && !page_level {
            out.push(Operation::new("BMC", vec![Object::Name(b"Artifact".to_vec())]));
            artifact = Some(before);
        }
        out.push(op);
    }
    if current.is_some() {
        return Err(Error::Render("a tagged block does not end on its page".into()));
    }
    if artifact.is_some() {
        out.push(Operation::new("EMC", vec![]));
    }
    Ok((out, runs))
}

fn begin(key: Key, mcid: usize) -> Operation {
    Operation::new("BDC", vec![Object::Name(key.role.name().into()), Object::Dictionary(dictionary! { "MCID" => mcid as i64 })])
}

/// Writes the structure tree of a chapter: a `Document` of one `Sect` per
/// block, in the order the blocks first appear, each holding its structure
/// elements in the order they first appear; a figure's chart is a
/// `Figure` with the model's description as `/Alt`. Link annotations join
/// the `Link` elements on their page, in order.
pub fn write_tree(doc: &mut Document, leaves: &[Leaf], alts: &[String]) -> Result<()> {
    let document = doc.new_object_id();
    let mut tree = Tree { next_key: leaves.iter().map(|l| l.page_index as i64 + 1).max().unwrap_or(0), ..Tree::default() };
    let sects = tree.blocks(doc, leaves, alts, document)?;
    write_root(doc, document, sects.into_iter().map(|(_, s)| s).collect(), tree)
}

/// A table row as it is built: its number, its TR, its cells.
type Row = (u16, ObjectId, Vec<Object>);

/// The parent tree as it is built: each page's elements by MCID, and each
/// annotation's element.
#[derive(Default)]
struct Tree {
    pages: BTreeMap<i64, Vec<(i64, ObjectId)>>,
    annots: Vec<(i64, ObjectId)>,
    next_key: i64,
}

impl Tree {
    /// A `Sect` per block (with the page index it opens on), under `parent`.
    fn blocks(&mut self, doc: &mut Document, leaves: &[Leaf], alts: &[String], parent: ObjectId) -> Result<Vec<(usize, ObjectId)>> {
        let mut blocks: Vec<(Block, Vec<Key>)> = Vec::new();
        let mut runs: BTreeMap<Key, Vec<&Leaf>> = BTreeMap::new();
        for leaf in leaves {
            let b = match blocks.iter().position(|(b, _)| *b == leaf.key.block) {
                Some(b) => b,
                None => {
                    blocks.push((leaf.key.block, Vec::new()));
                    blocks.len() - 1
                }
            };
            if !blocks[b].1.contains(&leaf.key) {
                blocks[b].1.push(leaf.key);
            }
            runs.entry(leaf.key).or_default().push(leaf);
        }
        // Each page's link annotations, taken in order by its Link elements.
        let mut annots: BTreeMap<ObjectId, std::collections::VecDeque<ObjectId>> = BTreeMap::new();
        let mut sects = Vec::new();
        for (block, keys) in &blocks {
            let sect = doc.new_object_id();
            let mut kids = Vec::new();
            // A block's table and its rows.
            let mut table: Option<(ObjectId, Vec<Row>)> = None;
            for key in keys {
                let elem = doc.new_object_id();
                let cell = matches!(key.role, Role::TH | Role::TD);
                let parent = if cell {
                    if table.is_none() {
                        let t = doc.new_object_id();
                        kids.push(Object::Reference(t));
                        table = Some((t, Vec::new()));
                    }
                    let rows = &mut table.as_mut().expect("made above").1;
                    if rows.last().map(|r| r.0) != Some(key.n / 8) {
                        rows.push((key.n / 8, doc.new_object_id(), Vec::new()));
                    }
                    let row = rows.last_mut().expect("pushed above");
                    row.2.push(Object::Reference(elem));
                    row.1
                } else {
                    kids.push(Object::Reference(elem));
                    sect
                };
                let runs = &runs[key];
                let first = runs[0].page;
                let mut k: Vec<Object> = Vec::new();
                for r in runs {
                    self.pages.entry(r.page_index as i64).or_default().push((r.mcid, elem));
                    k.push(if r.page == first { r.mcid.into() } else { dictionary! { "Type" => "MCR", "Pg" => r.page, "MCID" => r.mcid }.into() });
                }
                let mut d = dictionary! { "Type" => "StructElem", "S" => key.role.name(), "P" => parent, "Pg" => first };
                // A link's annotation on each page it is on (a line the
                // page could not hold gets one there too, `LinkLine`).
                if key.role == Role::Link {
                    let mut on: Vec<ObjectId> = runs.iter().map(|r| r.page).collect();
                    on.dedup();
                    for page in on {
                        if let std::collections::btree_map::Entry::Vacant(e) = annots.entry(page) {
                            e.insert(match doc.get_dictionary(page)?.get(b"Annots") {
                                Ok(Object::Array(a)) => a.iter().filter_map(|o| o.as_reference().ok()).collect(),
                                _ => Default::default(),
                            });
                        }
                        if let Some(annot) = annots.get_mut(&page).and_then(|a| a.pop_front()) {
                            k.push(dictionary! { "Type" => "OBJR", "Obj" => annot, "Pg" => page }.into());
                            doc.get_dictionary_mut(annot)?.set("StructParent", self.next_key);
                            self.annots.push((self.next_key, elem));
                            self.next_key += 1;
                        }
                    }
                }
                if key.role == Role::TH {
                    d.set("A", dictionary! { "O" => "Table", "Scope" => "Column" });
                }
                if let (Block::Figure(j), Role::Figure) = (block, key.role) {
                    let alt = alts.get(*j).or_render(format!("no description of figure {}", j + 1))?;
                    d.set("Alt", text_string(alt));
                }
                d.set("K", k);
                doc.objects.insert(elem, d.into());
            }
            if let Some((t, rows)) = table {
                let mut trs = Vec::new();
                for (_, tr, cells) in rows {
                    doc.objects.insert(tr, dictionary! { "Type" => "StructElem", "S" => "TR", "P" => t, "K" => cells }.into());
                    trs.push(Object::Reference(tr));
                }
                doc.objects.insert(t, dictionary! { "Type" => "StructElem", "S" => "Table", "P" => sect, "K" => trs }.into());
            }
            doc.objects.insert(sect, dictionary! { "Type" => "StructElem", "S" => "Sect", "P" => parent, "K" => kids }.into());
            sects.push((runs[&keys[0]][0].page_index, sect));
        }
        Ok(sects)
    }
}

/// The structure tree root over `document` (whose kids are `kids`) and its parent tree.
fn write_root(doc: &mut Document, document: ObjectId, kids: Vec<ObjectId>, tree: Tree) -> Result<()> {
    let root = doc.new_object_id();
    let kids: Vec<Object> = kids.into_iter().map(Object::Reference).collect();
    doc.objects.insert(document, dictionary! { "Type" => "StructElem", "S" => "Document", "P" => root, "K" => kids }.into());
    let mut nums = Vec::new();
    for (page, mut list) in tree.pages {
        list.sort();
        nums.push(Object::Integer(page));
        nums.push(list.into_iter().map(|(_, e)| Object::Reference(e)).collect::<Vec<_>>().into());
    }
    for (key, elem) in tree.annots {
        nums.push(Object::Integer(key));
        nums.push(Object::Reference(elem));
    }
    let parent_tree = doc.add_object(dictionary! { "Nums" => nums });
    doc.objects.insert(root, dictionary! { "Type" => "StructTreeRoot", "K" => document, "ParentTree" => parent_tree, "ParentTreeNextKey" => tree.next_key }.into());
    doc.catalog_mut()?.set("StructTreeRoot", root);
    Ok(())
}

/// A book's one structure tree: its own pages (`own`, laid out by genpdf
/// with their markers) are marked here; each chapter (`chapters`: its
/// pages, moved in with their objects, in book order) brings its tree,
/// whose `Document` becomes a `Part`. The book's `Document` holds them in
/// page order, and every page's key in the parent tree becomes its place
/// in the book. Called before the book's links are made: [`attach_link`]
/// puts each in its Link element.
pub fn book(doc: &mut Document, own: &[ObjectId], chapters: &[Vec<ObjectId>]) -> Result<()> {
    let order: BTreeMap<ObjectId, usize> = doc.get_pages().into_values().enumerate().map(|(k, id)| (id, k)).collect();
    // The chapters' roots, in the order their objects moved in.
    let mut roots: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, o)| o.as_dict().is_ok_and(|d| d.get(b"Type").and_then(Object::as_name).is_ok_and(|t| t == b"StructTreeRoot")))
        .map(|(&id, _)| id)
        .collect();
    roots.sort();
    if roots.len() != chapters.len() {
        return Err(Error::Render(format!("{} chapters in the book, {} of them tagged", chapters.len(), roots.len())));
    }
    let own: Vec<(ObjectId, usize)> = own.iter().filter_map(|id| order.get(id).map(|&k| (*id, k))).collect();
    let leaves = mark_some(doc, &own)?;
    let document = doc.new_object_id();
    let mut tree = Tree { next_key: order.len() as i64, ..Tree::default() };
    let mut kids = tree.blocks(doc, &leaves, &[], document)?;
    for (root, pages) in roots.into_iter().zip(chapters) {
        let root = doc.get_dictionary(root)?.clone();
        let part = root.get(b"K")?.as_reference()?;
        let nums = doc.dereference(root.get(b"ParentTree")?)?.1.as_dict()?.get(b"Nums")?.as_array()?.clone();
        for pair in nums.chunks(2) {
            let [key, value] = pair else { continue };
            let key = key.as_i64()?;
            match value {
                Object::Array(elems) => {
                    let page = *pages.get(key as usize).or_render(format!("a chapter's parent tree names its page {}, which it lacks", key + 1))?;
                    let at = *order.get(&page).or_render("a chapter's page is not in the book")?;
                    doc.get_dictionary_mut(page)?.set("StructParents", at as i64);
                    let list = elems.iter().enumerate().map(|(mcid, e)| Ok((mcid as i64, e.as_reference()?))).collect::<Result<Vec<_>>>()?;
                    tree.pages.insert(at as i64, list);
                }
                Object::Reference(elem) => {
                    let objr = doc.get_dictionary(*elem)?.get(b"K")?.as_array()?.iter().find_map(|k| k.as_dict().ok().and_then(|d| d.get(b"Obj").ok()).and_then(|o| o.as_reference().ok()));
                    if let Some(annot) = objr {
                        doc.get_dictionary_mut(annot)?.set("StructParent", tree.next_key);
                    }
                    tree.annots.push((tree.next_key, *elem));
                    tree.next_key += 1;
                }
                _ => {}
            }
        }
        let d = doc.get_dictionary_mut(part)?;
        d.set("S", "Part");
        d.set("P", document);
        let first = pages.first().and_then(|p| order.get(p)).copied().unwrap_or(0);
        kids.push((first, part));
    }
    kids.sort_by_key(|&(page, _)| page);
    write_root(doc, document, kids.into_iter().map(|(_, s)| s).collect(), tree)
}

/// Puts a link annotation made after the tree into the first Link
/// element on its page that has none there (links are made in the order
/// they were laid out); nothing when the file is not tagged.
pub fn attach_link(doc: &mut Document, page: ObjectId, annot: ObjectId) -> Result<()> {
    let Ok(root) = doc.catalog()?.get(b"StructTreeRoot").and_then(Object::as_reference) else { return Ok(()) };
    let Ok(key) = doc.get_dictionary(page)?.get(b"StructParents").and_then(Object::as_i64) else { return Ok(()) };
    let root_dict = doc.get_dictionary(root)?;
    let tree = root_dict.get(b"ParentTree")?.as_reference()?;
    let next = root_dict.get(b"ParentTreeNextKey")?.as_i64()?;
    let nums = doc.get_dictionary(tree)?.get(b"Nums")?.as_array()?;
    let elems: Vec<ObjectId> = nums
        .chunks(2)
        .find(|p| p[0].as_i64().ok() == Some(key))
        .and_then(|p| p.get(1)?.as_array().ok())
        .map(|a| a.iter().filter_map(|o| o.as_reference().ok()).collect())
        .unwrap_or_default();
    let free = elems.into_iter().find(|&e| {
        doc.get_dictionary(e).is_ok_and(|d| {
            d.get(b"S").and_then(Object::as_name).is_ok_and(|s| s == b"Link")
                && !d.get(b"K").and_then(Object::as_array).is_ok_and(|k| {
                    k.iter().any(|o| o.as_dict().is_ok_and(|o| o.has(b"Obj") && o.get(b"Pg").and_then(Object::as_reference).ok() == Some(page)))
                })
        })
    });
    let Some(elem) = free else { return Ok(()) };
    if let Ok(Object::Array(k)) = doc.get_dictionary_mut(elem)?.get_mut(b"K") {
        k.push(dictionary! { "Type" => "OBJR", "Obj" => annot, "Pg" => page }.into());
    }
    doc.get_dictionary_mut(annot)?.set("StructParent", next);
    if let Ok(Object::Array(nums)) = doc.get_dictionary_mut(tree)?.get_mut(b"Nums") {
        nums.push(Object::Integer(next));
        nums.push(Object::Reference(elem));
    }
    doc.get_dictionary_mut(root)?.set("ParentTreeNextKey", next + 1);
    Ok(())
}

/// XMP metadata for a tagged file: its title, dates and producer as in
/// the document information, and that it claims PDF/UA-1.
pub fn xmp(title: &str, date: &str, producer: &str, tagged: bool) -> Stream {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let ua = if tagged { "\n   <pdfuaid:part>1</pdfuaid:part>" } else { "" };
    let xml = format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>da-DK</rdf:li></rdf:Bag></dc:language>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:CreatorTool>barometer</xmp:CreatorTool>
   <pdf:Producer>{}</pdf:Producer>{ua}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        esc(title),
        esc(producer),
    );
    let mut s = Stream::new(dictionary! { "Type" => "Metadata", "Subtype" => "XML" }, xml.into_bytes());
    // Kept readable, as PDF/A and most checkers expect.
    s.allows_compression = false;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(leg: f64, dx: f64, dy: f64) -> Vec<Operation> {
        // As printpdf writes it: points in pt, two decimals, y up, at some origin.
        let r = |v: f64| Object::Real(((v * 100.0).round() / 100.0) as f32);
        let (x0, y0) = (70.87, 512.33);
        let (x1, y1) = (x0, y0 + leg * PT);
        let (x2, y2) = (x1 + dx * PT, y1 - dy * PT);
        vec![
            Operation::new("m", vec![r(x0), r(y0)]),
            Operation::new("l", vec![r(x1), r(y1)]),
            Operation::new("l", vec![r(x2), r(y2)]),
            Operation::new("S", vec![]),
        ]
    }

    #[test]
    fn keys_survive_the_page() {
        for k in [key(Block::Opener, Role::H1, 0), key(Block::Figure(11), Role::Figure, 0), key(Block::Box(3), Role::Link, 201)] {
            let (b, c) = k.encode();
            assert_eq!(read_marker(&path(BEGIN, b as f64, c as f64)), Some(Some(k)));
        }
        assert_eq!(read_marker(&path(END, 0.0, 0.0)), Some(None));
        assert_eq!(read_marker(&path(12.0, 1.0, 1.0)), None);
    }

    #[test]
    fn runs_become_marked_content_and_the_rest_artifacts() {
        let k = key(Block::Figure(0), Role::H2, 0);
        let (b, c) = k.encode();
        let text = |s: &str| Operation::new(s, vec![]);
        let mut ops = vec![text("q"), text("BT"), text("ET")];
        ops.extend(path(BEGIN, b as f64, c as f64));
        ops.extend([text("BT"), text("ET")]);
        ops.extend(path(END, 0.0, 0.0));
        // An empty run (a block that moved to the next page) leaves nothing.
        ops.extend(path(BEGIN, b as f64, c as f64));
        ops.extend(path(END, 0.0, 0.0));
        ops.push(text("Q"));
        let (out, runs) = mark(ops).unwrap();
        let names: Vec<String> = out.iter().map(|o| o.operator.clone()).collect();
        assert_eq!(names, ["q", "BMC", "BT", "ET", "EMC", "BDC", "BT", "ET", "EMC", "Q"]);
        assert_eq!(runs, [k]);
        assert_eq!(out[5].operands[0], Object::Name(b"H2".to_vec()));
    }
}

//! Where genpdf stops: metadata, bookmarks, one embedded copy of each font,
//! and the same bytes for the same inputs (printpdf writes clock dates,
//! random ids and hash-map-ordered objects; all are replaced here).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Fail, Result};
use lopdf::{Bookmark, Dictionary, Document, Object, ObjectId, StringFormat, dictionary, text_string};
use sha2::{Digest, Sha256};

use super::Chart;
use super::fonts::replace_refs;
use super::frame::{Link, PAGE_H};
use super::pages::STAND_IN;
use crate::style::{FONT_BOLD, FONT_REGULAR, Palette};

/// The names the shipped fonts are embedded under.
pub(super) const REGULAR_NAME: &str = "OpenSans-Regular";
pub(super) const BOLD_NAME: &str = "OpenSans-Bold";

/// lopdf fails only on a PDF this crate wrote: a rendering error.
impl From<lopdf::Error> for Error {
    fn from(e: lopdf::Error) -> Error {
        Error::Render(format!("PDF: {e}"))
    }
}

/// Document information.
pub struct Meta {
    pub title: String,
    pub subject: String,
    pub keywords: String,
    /// Seconds since 1970 for CreationDate and ModDate.
    pub epoch: i64,
    /// Each figure's description, by its index in the chapter: the
    /// alternative text of its chart in the structure tree.
    pub alts: Vec<String>,
}

/// A bookmark with its 1-based page and children.
pub struct Entry {
    pub title: String,
    pub page: usize,
    pub children: Vec<Entry>,
}

/// A chapter's own PDF from genpdf's file: fonts, metadata, bookmarks,
/// links, its page numbers, its charts and reproducible bytes.
pub fn finish(raw: &[u8], meta: &Meta, outline: &[Entry], links: &[Link], charts: &[&Chart], ink: &Palette) -> Result<Vec<u8>> {
    let mut doc = Document::load_mem(raw).or_render("genpdf wrote a PDF that lopdf cannot read")?;
    doc.version = "1.7".into();
    embed_shipped_fonts(&mut doc)?;
    one_copy_per_font(&mut doc)?;
    super::fonts::adopt_builtins(&mut doc, [REGULAR_NAME, BOLD_NAME])?;
    // Before the page numbers, which are artifacts of their own.
    let leaves = super::tags::mark_pages(&mut doc)?;
    let numbered: Vec<(ObjectId, usize)> = doc.get_pages().into_iter().map(|(n, id)| (id, n as usize)).collect();
    super::folio::stamp(&mut doc, &numbered, ink, BOLD_NAME)?;
    let pages = doc.get_pages();
    for link in links {
        add_link(&mut doc, &pages, link, None)?;
    }
    super::tags::write_tree(&mut doc, &leaves, &meta.alts)?;
    set_info(&mut doc, meta)?;
    for entry in outline {
        add_bookmark(&mut doc, &pages, entry, None)?;
    }
    set_catalog(&mut doc)?;
    no_smoothing(&mut doc);
    doc.prune_objects();
    canonical_order(&mut doc);
    // Each stand-in image becomes its chart, compressed as it came; lopdf's
    // best-compression pass then covers only the (small) rest.
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object
            && stream.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Image")
        {
            let size = |k: &[u8]| stream.dict.get(k).and_then(Object::as_i64).ok();
            if (size(b"Width"), size(b"Height")) == (Some(STAND_IN.0 as i64), Some(STAND_IN.1 as i64)) {
                put_chart(stream, charts)?;
            }
        }
    }
    compress_fonts(&mut doc)?;
    doc.compress();
    save_with_id(&mut doc)
}

/// Document information, dated by SOURCE_DATE_EPOCH; any id is dropped (see [`save_with_id`]).
pub(super) fn set_info(doc: &mut Document, meta: &Meta) -> Result<()> {
    let date = chrono::DateTime::from_timestamp(meta.epoch, 0)
        .filter(|_| super::EPOCH_RANGE.contains(&meta.epoch))
        .or_config(format!("SOURCE_DATE_EPOCH={} is out of range: {}", meta.epoch, super::EPOCH_RANGE_TEXT))?;
    let info = dictionary! {
        "Title" => text_string(&meta.title),
        "Author" => text_string("barometer"),
        "Subject" => text_string(&meta.subject),
        "Keywords" => text_string(&meta.keywords),
        "Creator" => text_string("barometer"),
        "Producer" => text_string("barometer (genpdf, printpdf, lopdf)"),
        "CreationDate" => Object::from(date),
        "ModDate" => Object::from(date),
    };
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", info_id);

    doc.trailer.remove(b"ID");
    Ok(())
}

/// The catalog: the bookmarks built so far, the language, the title shown
/// as the window's title, and whether the file is tagged (it is once
/// `tags::write_tree` has written its structure tree; see
/// docs/ARCHITECTURE.md on PDF/UA).
pub(super) fn set_catalog(doc: &mut Document) -> Result<()> {
    let xmp = xmp(doc)?;
    let xmp = doc.add_object(xmp);
    link_contents(doc);
    let outlines = doc.build_outline();
    let catalog = doc.catalog_mut()?;
    for key in [&b"Outlines"[..], b"OutputIntents"] {
        catalog.remove(key);
    }
    catalog.set("Lang", text_string("da-DK"));
    catalog.set("ViewerPreferences", dictionary! { "DisplayDocTitle" => true });
    let marked = catalog.has(b"StructTreeRoot");
    catalog.set("MarkInfo", dictionary! { "Marked" => marked });
    catalog.set("Metadata", xmp);
    if let Some(id) = outlines {
        catalog.set("Outlines", id);
        catalog.set("PageMode", "UseOutlines");
    }
    Ok(())
}

/// A link within the file says where it goes: the title of the bookmark
/// (the first made) on the page it goes to.
fn link_contents(doc: &mut Document) {
    let mut titles: BTreeMap<ObjectId, (u32, String)> = BTreeMap::new();
    for (&id, mark) in &doc.bookmark_table {
        let e = titles.entry(mark.page).or_insert((id, mark.title.clone()));
        if id < e.0 {
            *e = (id, mark.title.clone());
        }
    }
    for object in doc.objects.values_mut() {
        let Ok(d) = object.as_dict_mut() else { continue };
        if !d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Link") || d.has(b"Contents") {
            continue;
        }
        let to = d.get(b"Dest").and_then(Object::as_array).ok().and_then(|a| a.first()).and_then(|o| o.as_reference().ok());
        if let Some((_, title)) = to.and_then(|p| titles.get(&p)) {
            d.set("Contents", text_string(title));
        }
    }
}

/// The document information (see [`set_info`]) as XMP metadata, which
/// claims PDF/UA-1 when the file is tagged.
fn xmp(doc: &Document) -> Result<lopdf::Stream> {
    let info = doc.trailer.get(b"Info").and_then(Object::as_reference).and_then(|id| doc.get_dictionary(id))?;
    let text = |k: &[u8]| info.get(k).ok().and_then(|o| lopdf::decode_text_string(o).ok()).unwrap_or_default();
    // "D:YYYYMMDDHHmmSS…" as ISO 8601.
    let d: String = text(b"CreationDate").chars().skip(2).take(14).collect();
    let iso = |r: std::ops::Range<usize>| d.get(r).unwrap_or("00").to_string();
    let date = format!("{}{}-{}-{}T{}:{}:{}Z", iso(0..2), iso(2..4), iso(4..6), iso(6..8), iso(8..10), iso(10..12), iso(12..14));
    let tagged = doc.catalog()?.has(b"StructTreeRoot");
    Ok(super::tags::xmp(&text(b"Title"), &date, &text(b"Producer"), tagged))
}

/// Print charts are embedded at print resolution and blocks are one
/// pixel: viewers should not smooth either (printpdf asks them to).
pub(super) fn no_smoothing(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object
            && stream.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Image")
        {
            stream.dict.remove(b"Interpolate");
        }
    }
}

/// Saves the document with its id: the digest of the document itself,
/// written with a blank id of the same length, which the digest then
/// replaces in place (one save, not two: books are large).
pub(super) fn save_with_id(doc: &mut Document) -> Result<Vec<u8>> {
    let blank = Object::String(vec![0; 16], StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![blank.clone(), blank]);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).or_render("writing the PDF")?;
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02X}")).collect();
    let pattern = format!("<{}>", "00".repeat(16));
    // The trailer comes last; its two ids are the last two blanks.
    let tail = bytes.len().saturating_sub(4096);
    let mut at = bytes.len();
    for _ in 0..2 {
        let found = bytes[tail..at].windows(pattern.len()).rposition(|w| w == pattern.as_bytes()).or_render("the PDF's id is not in its trailer")?;
        let start = tail + found;
        bytes[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        at = start;
    }
    let id = Object::String(digest[..16].to_vec(), StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![id.clone(), id]);
    Ok(bytes)
}

/// Replaces a chart's stand-in (its first pixel's colour is the chart's
/// number) with the chart's pixels.
fn put_chart(stream: &mut lopdf::Stream, charts: &[&Chart]) -> Result<()> {
    let pixel = if stream.dict.get(b"Filter").is_ok() { stream.decompressed_content()? } else { stream.content.clone() };
    let &[r, g, b, ..] = pixel.as_slice() else {
        return Err(Error::Render(format!("an image of {} bytes where a chart's stand-in should be", pixel.len())));
    };
    let index = u32::from_be_bytes([0, r, g, b]) as usize;
    let chart = charts.get(index).or_render(format!("a stand-in for chart {index}, of {}", charts.len()))?;
    let d = &mut stream.dict;
    d.set("Width", chart.width as i64);
    d.set("Height", chart.height as i64);
    d.set("ColorSpace", "DeviceRGB");
    d.set("BitsPerComponent", 8);
    d.set("Filter", "FlateDecode");
    if chart.predicted {
        d.set("DecodeParms", dictionary! { "Predictor" => 15, "Colors" => 3, "BitsPerComponent" => 8, "Columns" => chart.width as i64 });
    } else {
        d.remove(b"DecodeParms");
    }
    stream.set_content(chart.data.clone());
    Ok(())
}

/// Compresses the font files and their Unicode maps, the largest streams
/// of a PDF and the same in every PDF, once per process: later documents
/// reuse the bytes (the same lopdf compresses them, so the same bytes).
pub(super) fn compress_fonts(doc: &mut Document) -> Result<()> {
    static DONE: OnceLock<Mutex<HashMap<[u8; 32], Vec<u8>>>> = OnceLock::new();
    let mut ids = Vec::new();
    for object in doc.objects.values() {
        let Ok(d) = object.as_dict() else { continue };
        for key in [&b"ToUnicode"[..], b"FontFile2"] {
            if let Ok(Object::Reference(id)) = d.get(key) {
                ids.push(*id);
            }
        }
    }
    for id in ids {
        let Ok(stream) = doc.get_object_mut(id).and_then(Object::as_stream_mut) else { continue };
        if stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let key: [u8; 32] = Sha256::digest(&stream.content).into();
        let done = DONE.get_or_init(Default::default);
        let cached = done.lock().ok().and_then(|m| m.get(&key).cloned());
        let compressed = match cached {
            Some(c) => c,
            None => {
                let mut s = lopdf::Stream::new(Dictionary::new(), stream.content.clone());
                s.compress()?;
                if s.dict.get(b"Filter").is_err() {
                    continue;
                }
                if let Ok(mut m) = done.lock() {
                    m.insert(key, s.content.clone());
                }
                s.content
            }
        };
        stream.dict.set("Filter", "FlateDecode");
        stream.set_content(compressed);
    }
    Ok(())
}

/// A clickable rectangle: over a printed web address (`dest` None), or
/// going to a page of the same document.
pub(super) fn add_link(doc: &mut Document, pages: &BTreeMap<u32, ObjectId>, link: &Link, dest: Option<ObjectId>) -> Result<()> {
    let page = *pages.get(&(link.page as u32)).or_render(format!("link to {} on page {}, which does not exist", link.url, link.page))?;
    let pt = |mm: f64| Object::Real((mm * 72.0 / 25.4) as f32);
    let (x, y, w, h) = link.rect;
    let annot = doc.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Link",
        "Rect" => vec![pt(x), pt(PAGE_H - y - h), pt(x + w), pt(PAGE_H - y)],
        "Border" => vec![0.into(), 0.into(), 0.into()],
    });
    let action = match dest {
        Some(dest) => ("Dest", Object::from(vec![Object::Reference(dest), "Fit".into()])),
        None => ("A", Object::from(dictionary! { "S" => "URI", "URI" => Object::string_literal(link.url.as_str()) })),
    };
    let annot_dict = doc.get_dictionary_mut(annot)?;
    annot_dict.set(action.0, action.1);
    // What a screen reader says for the link (PDF/UA): its address; a
    // link within the book gets the title of its page's bookmark (`set_catalog`).
    if dest.is_none() {
        annot_dict.set("Contents", text_string(&link.url));
    }
    let page_dict = doc.get_dictionary_mut(page)?;
    match page_dict.get_mut(b"Annots") {
        Ok(Object::Array(annots)) => annots.push(annot.into()),
        _ => page_dict.set("Annots", vec![Object::from(annot)]),
    }
    super::tags::attach_link(doc, page, annot)
}

pub(super) fn add_bookmark(doc: &mut Document, pages: &BTreeMap<u32, ObjectId>, entry: &Entry, parent: Option<u32>) -> Result<()> {
    let page = *pages.get(&(entry.page as u32)).or_render(format!("bookmark \"{}\" points at page {}, which does not exist", entry.title, entry.page))?;
    let format = if parent.is_none() { 2 } else { 0 };
    let id = doc.add_bookmark(Bookmark::new(entry.title.clone(), [0.0, 0.0, 0.0], format, page), parent);
    for child in &entry.children {
        add_bookmark(doc, pages, child, Some(id))?;
    }
    Ok(())
}

/// genpdf loads a font per style, so the regular font (also used for
/// italic) and the bold one (also bold italic) arrive twice; point every use
/// at one copy and give each its real name.
pub(super) fn one_copy_per_font(doc: &mut Document) -> Result<()> {
    let mut first: HashMap<Vec<u8>, ObjectId> = HashMap::new();
    let mut same: HashMap<ObjectId, ObjectId> = HashMap::new();
    let mut names: Vec<(ObjectId, &str)> = Vec::new();
    for (&id, object) in &doc.objects {
        let Ok(font) = object.as_dict() else { continue };
        if !font.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type0") {
            continue;
        }
        let file = font_file(doc, font).or_render("an embedded font has no font file")?;
        match first.get(&file) {
            Some(&kept) => {
                same.insert(id, kept);
            }
            None => {
                first.insert(file.clone(), id);
                let name = if file == FONT_REGULAR {
                    REGULAR_NAME
                } else if file == FONT_BOLD {
                    BOLD_NAME
                } else {
                    "Font"
                };
                names.push((id, name));
            }
        }
    }
    for object in doc.objects.values_mut() {
        replace_refs(object, &same);
    }
    for (id, name) in names {
        let font = doc.get_dictionary_mut(id)?;
        font.set("BaseFont", Object::Name(name.into()));
        // printpdf writes the descendant CID font inline.
        let Object::Dictionary(cid) = &mut font.get_mut(b"DescendantFonts")?.as_array_mut()?[0] else {
            return Err(Error::Render("the descendant font is not inline".into()));
        };
        cid.set("BaseFont", Object::Name(name.into()));
        let descriptor = cid.get(b"FontDescriptor")?.as_reference()?;
        doc.get_dictionary_mut(descriptor)?.set("FontName", Object::Name(name.into()));
    }
    Ok(())
}

/// The shipped fonts as printpdf embeds them, named as [`one_copy_per_font`]
/// names them: each weight's Type0 font and the objects it reaches, made
/// once per process from a one-line document.
struct Embedded {
    objects: Vec<(ObjectId, Object)>,
}

fn embedded() -> Result<&'static Embedded> {
    static EMBEDDED: OnceLock<std::result::Result<Embedded, String>> = OnceLock::new();
    EMBEDDED
        .get_or_init(|| {
            let make = || -> Result<Embedded> {
                let mut doc = genpdf::Document::new(super::fonts::fonts_for(super::fonts::Pass::Final)?);
                let mut line = genpdf::elements::Paragraph::default();
                line.push("Aa");
                line.push_styled("Aa", genpdf::style::Style::new().bold());
                doc.push(line);
                let mut raw = Vec::new();
                doc.render(&mut raw).or_render("genpdf cannot lay the font sample out")?;
                let mut doc = Document::load_mem(&raw)?;
                one_copy_per_font(&mut doc)?;
                let mut fonts = [None, None];
                for (&id, object) in &doc.objects {
                    let Ok(d) = object.as_dict() else { continue };
                    if d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type0") {
                        let name = d.get(b"BaseFont").and_then(Object::as_name).unwrap_or_default();
                        if let Some(w) = [REGULAR_NAME, BOLD_NAME].iter().position(|n| n.as_bytes() == name) {
                            fonts[w] = Some(id);
                        }
                    }
                }
                let [regular, bold] = fonts;
                let fonts = [regular.or_render("the font sample lacks the regular weight")?, bold.or_render("the font sample lacks the bold weight")?];
                let mut reach: Vec<ObjectId> = fonts.to_vec();
                let mut k = 0;
                while k < reach.len() {
                    let mut next = Vec::new();
                    collect_refs(doc.get_object(reach[k])?, &mut next);
                    for id in next {
                        if !reach.contains(&id) {
                            reach.push(id);
                        }
                    }
                    k += 1;
                }
                let objects = reach.iter().map(|id| Ok((*id, doc.get_object(*id)?.clone()))).collect::<Result<_>>()?;
                Ok(Embedded { objects })
            };
            make().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::Render(format!("the shipped fonts cannot be embedded: {e}")))
}

/// Copies the embedded shipped fonts into a file whose layout pass embedded
/// none (a draft's: built-in fonts only), under new numbers, for
/// [`super::fonts::adopt_builtins`] to point the built-in fonts at.
pub(super) fn embed_shipped_fonts(doc: &mut Document) -> Result<()> {
    let embedded_any = doc.objects.values().any(|o| o.as_dict().is_ok_and(|d| d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type0")));
    let builtin_any = doc.objects.values().any(|o| o.as_dict().is_ok_and(|d| super::fonts::builtin_weight(d).is_some()));
    if embedded_any || !builtin_any {
        return Ok(());
    }
    let e = embedded()?;
    let mut map = HashMap::new();
    for (id, _) in &e.objects {
        doc.max_id += 1;
        map.insert(*id, (doc.max_id, 0));
    }
    for (id, object) in &e.objects {
        let mut object = object.clone();
        replace_refs(&mut object, &map);
        doc.objects.insert(map[id], object);
    }
    Ok(())
}

/// Where a Type0 font's embedded TrueType file is (its descriptor's entry).
pub(super) fn font_file_entry<'a>(doc: &'a Document, font: &'a Dictionary) -> Result<&'a Object> {
    let (_, descendant) = doc.dereference(&font.get(b"DescendantFonts")?.as_array()?[0])?;
    let (_, descriptor) = doc.dereference(descendant.as_dict()?.get(b"FontDescriptor")?)?;
    Ok(descriptor.as_dict()?.get(b"FontFile2")?)
}

/// The bytes of a Type0 font's embedded TrueType file.
fn font_file(doc: &Document, font: &Dictionary) -> Result<Vec<u8>> {
    let (_, stream) = doc.dereference(font_file_entry(doc, font)?)?;
    let stream = stream.as_stream()?;
    Ok(stream.decompressed_content().unwrap_or_else(|_| stream.content.clone()))
}


/// Dictionary keys sorted and objects numbered in the order they are reached
/// from the trailer, so hash-map order inside printpdf leaves no trace.
pub(super) fn canonical_order(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        sort_keys(object);
    }
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    let mut queue: VecDeque<ObjectId> = VecDeque::new();
    let mut trailer = Object::Dictionary(std::mem::take(&mut doc.trailer));
    sort_keys(&mut trailer);
    collect_refs(&trailer, &mut queue);
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        let Some(object) = doc.objects.get(&id) else { continue };
        order.push(id);
        collect_refs(object, &mut queue);
    }
    let map: HashMap<ObjectId, ObjectId> = order.iter().enumerate().map(|(i, &id)| (id, (i as u32 + 1, 0))).collect();
    let mut objects = BTreeMap::new();
    for id in order {
        let mut object = doc.objects.remove(&id).expect("reached above");
        replace_refs(&mut object, &map);
        objects.insert(map[&id], object);
    }
    replace_refs(&mut trailer, &map);
    doc.trailer = match trailer {
        Object::Dictionary(d) => d,
        _ => unreachable!("the trailer is a dictionary"),
    };
    doc.max_id = objects.len() as u32;
    doc.objects = objects;
}

fn sort_keys(object: &mut Object) {
    match object {
        Object::Array(items) => items.iter_mut().for_each(sort_keys),
        Object::Dictionary(d) => *d = sorted(std::mem::take(d)),
        Object::Stream(s) => s.dict = sorted(std::mem::take(&mut s.dict)),
        _ => {}
    }
}

fn sorted(d: Dictionary) -> Dictionary {
    let mut entries: Vec<(Vec<u8>, Object)> = d.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Dictionary::new();
    for (key, mut value) in entries {
        sort_keys(&mut value);
        out.set(key, value);
    }
    out
}

/// Every object `object` refers to directly, in the order written, added
/// to `out` (a queue or a stack).
pub(super) fn collect_refs(object: &Object, out: &mut impl Extend<ObjectId>) {
    match object {
        Object::Reference(id) => out.extend([*id]),
        Object::Array(items) => items.iter().for_each(|o| collect_refs(o, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, o)| collect_refs(o, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, o)| collect_refs(o, out)),
        _ => {}
    }
}

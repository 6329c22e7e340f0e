//! The fonts genpdf lays the pages out with.
//!
//! printpdf builds an embedded font's widths and Unicode map by looking up
//! every code point of the font, in every file it writes: a layout pass
//! that embeds the fonts costs far more than the layout. The passes that
//! only find where things land are therefore drafts: genpdf measures and
//! kerns with the shipped fonts all the same, but names built-in PDF fonts,
//! which embed nothing. Only the passes after the drafts embed.

use std::cell::Cell;

use std::collections::HashMap;

use ab_glyph::{Font, FontRef};
use genpdf::fonts::{FontData, FontFamily};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::error::{Error, Fail, Result};
use crate::model::Report;
use crate::style::{FONT_BOLD, FONT_REGULAR};

thread_local! {
    /// Layout passes on this thread that had printpdf embed the fonts.
    static EMBEDDING_PASSES: Cell<usize> = const { Cell::new(0) };
}

/// How many layout passes on this thread have embedded the fonts so far
/// (a PDF is laid out on the thread that asks for it).
pub fn embedding_passes() -> usize {
    EMBEDDING_PASSES.get()
}

/// Which fonts a layout pass writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Built-in fonts only: nothing embedded.
    Draft,
    /// The two shipped weights embedded; italic and bold italic (which are
    /// the same two fonts) written as built-in obliques, which the finished
    /// file points at the embedded weights ([`adopt_obliques`]), so printpdf
    /// embeds two fonts, not four.
    Final,
    /// All four styles embedded, for italic text a built-in font cannot encode.
    Full,
}

/// The family genpdf lays out with: always the shipped fonts' metrics.
pub fn family(pass: Pass) -> Result<FontFamily<FontData>> {
    use printpdf::BuiltinFont::*;
    if pass != Pass::Draft {
        EMBEDDING_PASSES.set(EMBEDDING_PASSES.get() + 1);
    }
    let font = |bytes: &[u8], builtin, what| FontData::new(bytes.to_vec(), builtin).or_render(what);
    let (upright, oblique) = match pass {
        Pass::Draft => (true, true),
        Pass::Final => (false, true),
        Pass::Full => (false, false),
    };
    let pick = |b, on: bool| if on { Some(b) } else { None };
    // Two weights only: italic falls back to regular, bold italic to bold.
    Ok(FontFamily {
        regular: font(FONT_REGULAR, pick(Helvetica, upright), "the shipped regular font")?,
        bold: font(FONT_BOLD, pick(HelveticaBold, upright), "the shipped bold font")?,
        italic: font(FONT_REGULAR, pick(HelveticaOblique, oblique), "the shipped regular font")?,
        bold_italic: font(FONT_BOLD, pick(HelveticaBoldOblique, oblique), "the shipped bold font")?,
    })
}

/// The shipped font's own line height in ems (ascent, descent and line
/// gap), which genpdf multiplies by a style's line spacing: a leading of
/// 1,35 is a line spacing of 1,35 / this.
pub fn natural_leading() -> f64 {
    static LEADING: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *LEADING.get_or_init(|| {
        let font = FontRef::try_from_slice(FONT_REGULAR).expect("the shipped regular font parses");
        let em = font.units_per_em().unwrap_or(1000.0);
        f64::from((font.height_unscaled() + font.line_gap_unscaled()) / em)
    })
}

/// The weight (0 regular, 1 bold) a built-in oblique of a final pass stands for.
fn oblique_weight(font: &Dictionary) -> Option<usize> {
    if !font.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type1") {
        return None;
    }
    match font.get(b"BaseFont").and_then(Object::as_name).ok()? {
        b"Helvetica-Oblique" => Some(0),
        b"Helvetica-BoldOblique" => Some(1),
        _ => None,
    }
}

/// Points the built-in obliques of a final pass at the embedded regular and
/// bold fonts (named `names`) and re-encodes their text from Windows-1252
/// codes to those fonts' glyph ids. The layout measured the shipped fonts,
/// so the text lands where it was laid out.
pub fn adopt_obliques(doc: &mut Document, names: [&str; 2]) -> Result<()> {
    let obliques: HashMap<ObjectId, usize> = doc.objects.iter().filter_map(|(&id, o)| Some((id, oblique_weight(o.as_dict().ok()?)?))).collect();
    if obliques.is_empty() {
        return Ok(());
    }
    let mut targets = [None, None];
    for (&id, object) in &doc.objects {
        let Ok(d) = object.as_dict() else { continue };
        if d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type0") {
            let name = d.get(b"BaseFont").and_then(Object::as_name).unwrap_or_default();
            if let Some(w) = names.iter().position(|n| n.as_bytes() == name) {
                targets[w] = Some(id);
            }
        }
    }
    let faces = [face(FONT_REGULAR)?, face(FONT_BOLD)?];
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    for page in pages {
        let fonts: HashMap<Vec<u8>, usize> = doc.get_page_fonts(page)?.into_iter().filter_map(|(n, f)| Some((n, oblique_weight(f)?))).collect();
        if fonts.is_empty() {
            continue;
        }
        let mut current = None;
        for id in doc.get_page_contents(page) {
            let stream = doc.get_object_mut(id)?.as_stream_mut()?;
            let bytes = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
            let mut content = Content::decode(&bytes)?;
            let mut changed = false;
            for op in &mut content.operations {
                match op.operator.as_str() {
                    "Tf" => current = op.operands.first().and_then(|n| n.as_name().ok()).and_then(|n| fonts.get(n).copied()),
                    "TJ" | "Tj" => {
                        if let Some(w) = current {
                            op.operands.iter_mut().try_for_each(|o| reencode(o, &faces[w]))?;
                            changed = true;
                        }
                    }
                    _ => {}
                }
            }
            if changed {
                stream.dict.remove(b"Filter");
                stream.dict.remove(b"DecodeParms");
                stream.set_content(content.encode()?);
            }
        }
    }
    let mut map = HashMap::new();
    for (&id, &w) in &obliques {
        map.insert(id, targets[w].or_render("an oblique whose weight is not embedded")?);
    }
    for object in doc.objects.values_mut() {
        replace_refs(object, &map);
    }
    for id in obliques.keys() {
        doc.objects.remove(id);
    }
    Ok(())
}

fn face(bytes: &'static [u8]) -> Result<FontRef<'static>> {
    FontRef::try_from_slice(bytes).or_render("a shipped font does not parse")
}

/// Windows-1252 codes (two bytes each, as genpdf writes them for a built-in
/// font) to the font's glyph ids.
fn reencode(o: &mut Object, face: &FontRef<'static>) -> Result<()> {
    match o {
        Object::Array(items) => items.iter_mut().try_for_each(|i| reencode(i, face)),
        Object::String(bytes, _) => {
            let codes: Vec<u8> = bytes.chunks(2).map(|c| c.last().copied().unwrap_or_default()).collect();
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&codes);
            let mut out = Vec::with_capacity(bytes.len());
            for c in text.chars() {
                let id = face.glyph_id(c).0;
                if id == 0 {
                    return Err(Error::Render(format!("the shipped font has no glyph for {c:?}")));
                }
                out.extend(id.to_be_bytes());
            }
            *bytes = out;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The report as drafts print it. A built-in font writes Windows-1252, and
/// genpdf's table for it has no no-break space, so each becomes a full stop,
/// the character nearest it in width that does not break a line either.
/// The drafts' page breaks are then a guess the embedding passes check.
pub fn draft_report(report: &Report) -> Result<Report> {
    let json = serde_json::to_string(report).or_render("the report as text")?;
    serde_json::from_str(&json.replace('\u{a0}', ".")).or_render("the report for a draft")
}

/// Points every reference in `object` that `map` names at its new object.
pub(super) fn replace_refs(object: &mut Object, map: &HashMap<ObjectId, ObjectId>) {
    match object {
        Object::Reference(id) => {
            if let Some(new) = map.get(id) {
                *id = *new;
            }
        }
        Object::Array(items) => items.iter_mut().for_each(|o| replace_refs(o, map)),
        Object::Dictionary(d) => d.iter_mut().for_each(|(_, o)| replace_refs(o, map)),
        Object::Stream(s) => s.dict.iter_mut().for_each(|(_, o)| replace_refs(o, map)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_print_no_no_break_space() {
        let report = crate::model::sample();
        let hero = report.chapters[0].hero.text.clone();
        assert!(hero.contains('\u{a0}'), "{hero:?}");
        let draft = draft_report(&report).unwrap();
        assert_eq!(draft.chapters[0].hero.text, hero.replace('\u{a0}', "."));
        assert!(!serde_json::to_string(&draft).unwrap().contains('\u{a0}'));
        assert_eq!(draft.chapters[0].figures.len(), report.chapters[0].figures.len());
    }
}

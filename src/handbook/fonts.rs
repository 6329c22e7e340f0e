//! The fonts genpdf lays the pages out with.
//!
//! printpdf builds an embedded font's widths and Unicode map by looking up
//! every code point of the font, in every file it writes: a layout pass
//! that embeds the fonts costs far more than the layout. Pages are
//! therefore laid out as drafts: genpdf measures and kerns with the shipped
//! fonts all the same, but names built-in PDF fonts, which embed nothing.
//! A built-in font prints Windows-1252 only, which has no no-break space,
//! so drafts print [`NBSP_STAND_IN`] in its place and measure it as the
//! no-break space ([`measuring`]): a settled draft lands exactly where the
//! real text would, and the finished file points its built-in fonts at the
//! shipped fonts, embedded once per process by printpdf ([`adopt_builtins`]).
//! Only text a built-in font cannot print at all is laid out again with the
//! fonts embedded.

use std::cell::Cell;

use std::collections::HashMap;

use std::sync::OnceLock;
use ab_glyph::{Font, FontRef};
use genpdf::fonts::{FontData, FontFamily};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::error::{Error, Fail, Result};
use crate::model::Report;
use crate::style::{FONT_BOLD, FONT_REGULAR};

/// What drafts print for a no-break space: a character of Windows-1252
/// (so a built-in font prints it) that the report's text never holds, and
/// that the drafts' fonts measure as the no-break space.
pub const NBSP_STAND_IN: char = '\u{a4}';

thread_local! {
    /// Layout passes on this thread that had printpdf embed the fonts.
    static EMBEDDING_PASSES: Cell<usize> = const { Cell::new(0) };
}

#[cfg(test)]
thread_local! {
    /// Lays every page out with the fonts embedded, as text drafts cannot print is.
    pub static NO_DRAFTS: Cell<bool> = const { Cell::new(false) };
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
    /// file points at the embedded weights ([`adopt_builtins`]), so printpdf
    /// embeds two fonts, not four.
    Final,
    /// All four styles embedded, for italic text a built-in font cannot encode.
    Full,
}

/// The family genpdf lays out with: always the shipped fonts' metrics
/// (for drafts, as [`measuring`] maps them).
pub fn family(pass: Pass) -> Result<FontFamily<FontData>> {
    if pass != Pass::Draft {
        EMBEDDING_PASSES.set(EMBEDDING_PASSES.get() + 1);
    }
    fonts_for(pass)
}

pub(super) fn fonts_for(pass: Pass) -> Result<FontFamily<FontData>> {
    use printpdf::BuiltinFont::*;
    let [regular, bold] = if pass == Pass::Draft { measuring()?.each_ref().map(|b| b.as_slice()) } else { [FONT_REGULAR, FONT_BOLD] };
    let font = |bytes: &[u8], builtin, what| FontData::new(bytes.to_vec(), builtin).or_render(what);
    let (upright, oblique) = match pass {
        Pass::Draft => (true, true),
        Pass::Final => (false, true),
        Pass::Full => (false, false),
    };
    let pick = |b, on: bool| if on { Some(b) } else { None };
    // Two weights only: italic falls back to regular, bold italic to bold.
    Ok(FontFamily {
        regular: font(regular, pick(Helvetica, upright), "the shipped regular font")?,
        bold: font(bold, pick(HelveticaBold, upright), "the shipped bold font")?,
        italic: font(regular, pick(HelveticaOblique, oblique), "the shipped regular font")?,
        bold_italic: font(bold, pick(HelveticaBoldOblique, oblique), "the shipped bold font")?,
    })
}

/// The shipped fonts (regular, bold) as drafts measure them: the same
/// fonts with [`NBSP_STAND_IN`] mapped to the no-break space's glyph, so
/// it has that glyph's width and kerning. Only genpdf's measuring reads
/// them; no PDF holds them.
pub fn measuring() -> Result<&'static [Vec<u8>; 2]> {
    static FONTS: OnceLock<std::result::Result<[Vec<u8>; 2], String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let remap = |bytes: &'static [u8]| -> std::result::Result<Vec<u8>, String> {
                use write_fonts::types::GlyphId;
                let face = FontRef::try_from_slice(bytes).map_err(|e| e.to_string())?;
                let nbsp = face.glyph_id('\u{a0}');
                let mappings = (0..=0xFFFF_u32)
                    .filter_map(char::from_u32)
                    .filter(|&c| c != NBSP_STAND_IN)
                    .map(|c| (c, face.glyph_id(c)))
                    .filter(|(_, g)| g.0 != 0)
                    .chain([(NBSP_STAND_IN, nbsp)])
                    .map(|(c, g)| (c, GlyphId::new(g.0.into())));
                let cmap = write_fonts::tables::cmap::Cmap::from_mappings(mappings).map_err(|e| format!("{e:?}"))?;
                let font = read_fonts::FontRef::new(bytes).map_err(|e| e.to_string())?;
                let mut builder = write_fonts::FontBuilder::new();
                builder.add_table(&cmap).map_err(|e| e.to_string())?;
                Ok(builder.copy_missing_tables(font).build())
            };
            Ok([remap(FONT_REGULAR)?, remap(FONT_BOLD)?])
        })
        .as_ref()
        .map_err(|e| Error::Render(format!("the shipped fonts cannot be remapped for drafts: {e}")))
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

/// The weight (0 regular, 1 bold) a built-in font of a layout pass stands for.
pub(super) fn builtin_weight(font: &Dictionary) -> Option<usize> {
    if !font.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type1") {
        return None;
    }
    match font.get(b"BaseFont").and_then(Object::as_name).ok()? {
        b"Helvetica" | b"Helvetica-Oblique" => Some(0),
        b"Helvetica-Bold" | b"Helvetica-BoldOblique" => Some(1),
        _ => None,
    }
}

/// Points the built-in fonts of a layout pass (all four styles of a draft,
/// the obliques of a final pass) at the embedded regular and bold fonts
/// (named `names`; see [`super::finish::embed_shipped_fonts`]) and
/// re-encodes their text from Windows-1252 codes to those fonts' glyph ids,
/// [`NBSP_STAND_IN`] as the no-break space. The layout measured the shipped
/// fonts, so the text lands where it was laid out.
pub fn adopt_builtins(doc: &mut Document, names: [&str; 2]) -> Result<()> {
    let builtins: HashMap<ObjectId, usize> = doc.objects.iter().filter_map(|(&id, o)| Some((id, builtin_weight(o.as_dict().ok()?)?))).collect();
    if builtins.is_empty() {
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
        let fonts: HashMap<Vec<u8>, usize> = doc.get_page_fonts(page)?.into_iter().filter_map(|(n, f)| Some((n, builtin_weight(f)?))).collect();
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
                    "Tf" => {
                        current = op.operands.first().and_then(|n| n.as_name().ok()).and_then(|n| fonts.get(n).copied());
                        if let Some(Object::Name(n)) = op.operands.first_mut()
                            && let Some(to) = embedded_name(n)
                        {
                            *n = to.into();
                            changed = true;
                        }
                    }
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
    // The page resources name the upright weights as an embedding pass does.
    for object in doc.objects.values_mut() {
        let Object::Dictionary(d) = object else { continue };
        rename_font_keys(d, &builtins);
    }
    let mut map = HashMap::new();
    for (&id, &w) in &builtins {
        map.insert(id, targets[w].or_render("a built-in font whose weight is not embedded")?);
    }
    for object in doc.objects.values_mut() {
        replace_refs(object, &map);
    }
    for id in builtins.keys() {
        doc.objects.remove(id);
    }
    Ok(())
}

/// The resource name printpdf gives an embedded weight, for the name it
/// gives the built-in upright standing for it.
fn embedded_name(builtin: &[u8]) -> Option<&'static [u8]> {
    match builtin {
        b"Helvetica" => Some(b"F0"),
        b"Helvetica-Bold" => Some(b"F1"),
        _ => None,
    }
}

/// Renames, in a font resource dictionary (one whose entries point at the
/// built-in fonts) or a resource dictionary holding one, the built-in
/// uprights to the names an embedding pass gives them.
fn rename_font_keys(d: &mut Dictionary, builtins: &HashMap<ObjectId, usize>) {
    let points_at_builtin = |d: &Dictionary| d.iter().any(|(_, v)| matches!(v, Object::Reference(id) if builtins.contains_key(id)));
    let rename = |d: &mut Dictionary| {
        let keys: Vec<Vec<u8>> = d.iter().map(|(k, _)| k.clone()).filter(|k| embedded_name(k).is_some()).collect();
        for k in keys {
            if let (Some(v), Some(to)) = (d.remove(&k), embedded_name(&k)) {
                d.set(to, v);
            }
        }
    };
    if points_at_builtin(d) {
        rename(d);
    }
    if let Ok(Object::Dictionary(fonts)) = d.get_mut(b"Font")
        && points_at_builtin(fonts)
    {
        rename(fonts);
    }
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
                let id = face.glyph_id(if c == NBSP_STAND_IN { '\u{a0}' } else { c }).0;
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

/// The report as drafts print it: each no-break space as [`NBSP_STAND_IN`]
/// (a built-in font writes Windows-1252, and genpdf's table for it has no
/// no-break space). None if the report's own text holds the stand-in,
/// which would then print as a no-break space: such a report is laid out
/// with its fonts embedded.
pub fn draft_report(report: &Report) -> Result<Option<Report>> {
    let json = serde_json::to_string(report).or_render("the report as text")?;
    #[cfg(test)]
    if NO_DRAFTS.get() {
        return Ok(None);
    }
    if json.contains(NBSP_STAND_IN) {
        return Ok(None);
    }
    serde_json::from_str(&json.replace('\u{a0}', &NBSP_STAND_IN.to_string())).or_render("the report for a draft").map(Some)
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
    fn drafts_measure_the_stand_in_as_the_no_break_space() {
        let [regular, bold] = measuring().unwrap();
        for (remapped, shipped) in [(regular, FONT_REGULAR), (bold, FONT_BOLD)] {
            let (a, b) = (FontRef::try_from_slice(remapped).unwrap(), FontRef::try_from_slice(shipped).unwrap());
            let nbsp = b.glyph_id('\u{a0}');
            assert_eq!(nbsp.0, 98);
            assert_eq!(a.glyph_id(NBSP_STAND_IN), nbsp);
            assert_ne!(b.glyph_id(NBSP_STAND_IN), nbsp);
            // Every other character of the Basic Multilingual Plane keeps its glyph.
            for c in (0..=0xFFFF_u32).filter_map(char::from_u32).filter(|&c| c != NBSP_STAND_IN) {
                assert_eq!(a.glyph_id(c), b.glyph_id(c), "{c:?}");
            }
            assert_eq!(a.h_advance_unscaled(a.glyph_id(NBSP_STAND_IN)), 532.0);
            let (ra, rb) = (rusttype::Font::from_bytes(&remapped[..]).unwrap(), rusttype::Font::from_bytes(shipped).unwrap());
            let s = rusttype::Scale::uniform(11.0);
            for (x, y) in [('7', NBSP_STAND_IN), (NBSP_STAND_IN, '%'), ('g', NBSP_STAND_IN)] {
                let nb = if y == NBSP_STAND_IN { (x, '\u{a0}') } else { ('\u{a0}', y) };
                assert_eq!(ra.pair_kerning(s, x, y), rb.pair_kerning(s, nb.0, nb.1));
            }
            assert_eq!(ra.glyph(NBSP_STAND_IN).scaled(s).h_metrics().advance_width, rb.glyph('\u{a0}').scaled(s).h_metrics().advance_width);
        }
    }

    #[test]
    fn a_report_holding_the_stand_in_is_not_drafted() {
        let mut report = crate::model::sample();
        assert!(draft_report(&report).unwrap().is_some());
        report.chapters[0].intro.push_str(" 5 \u{a4}");
        assert!(draft_report(&report).unwrap().is_none());
    }

    #[test]
    fn drafts_print_no_no_break_space() {
        let report = crate::model::sample();
        let hero = report.chapters[0].hero.text.clone();
        assert!(hero.contains('\u{a0}'), "{hero:?}");
        let draft = draft_report(&report).unwrap().unwrap();
        assert_eq!(draft.chapters[0].hero.text, hero.replace('\u{a0}', "\u{a4}"));
        assert!(!serde_json::to_string(&draft).unwrap().contains('\u{a0}'));
        assert_eq!(draft.chapters[0].figures.len(), report.chapters[0].figures.len());
    }
}

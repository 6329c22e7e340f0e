//! Page numbers (folios) stamped on a finished file. A chapter is laid out
//! once; its pages are numbered 1, 2, … in its own PDF and renumbered where
//! a book sets them, so the layout never depends on where the chapter
//! lands. The number is set as genpdf would set it (the embedded bold font,
//! right-aligned at the text column's edge, a short red rule before it), in
//! a content stream of its own that a book can drop and stamp again.

use ab_glyph::{Font, FontRef};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

use super::frame::{FOLIO_Y, MARGIN_RIGHT, PAGE_H, PAGE_W};
use crate::error::{Fail, Result};
use crate::style::{FONT_BOLD, Palette, Rgb};

/// The key that marks a folio's content stream, so a book can drop it.
const MARK: &str = "BarometerFolio";
/// The font resource name the folio is set in.
const FONT: &str = "BarometerFolioB";
const SIZE: f64 = 9.0;
const PT: f64 = 72.0 / 25.4;

/// The embedded bold font (after `finish::one_copy_per_font` named it).
fn bold_font(doc: &Document, name: &str) -> Result<ObjectId> {
    doc.objects
        .iter()
        .find(|(_, o)| {
            o.as_dict().is_ok_and(|d| {
                d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type0") && d.get(b"BaseFont").and_then(Object::as_name).is_ok_and(|n| n == name.as_bytes())
            })
        })
        .map(|(&id, _)| id)
        .or_render("no embedded bold font to set the page numbers in")
}

fn rg(c: Rgb) -> String {
    format!("{:.4} {:.4} {:.4} rg", c.0 as f64 / 255.0, c.1 as f64 / 255.0, c.2 as f64 / 255.0)
}

/// The content stream that sets `number` on a page.
fn folio_stream(number: usize, ink: &Palette) -> Result<Stream> {
    let face = FontRef::try_from_slice(FONT_BOLD).or_render("the shipped bold font does not parse")?;
    let upem = f64::from(face.units_per_em().or_render("the bold font has no units per em")?);
    let digits = number.to_string();
    let mut hex = String::new();
    let mut width = 0.0;
    for c in digits.chars() {
        let id = face.glyph_id(c);
        width += f64::from(face.h_advance_unscaled(id)) / upem * SIZE;
        hex.push_str(&format!("{:04X}", id.0));
    }
    // genpdf sets a line's top at y and its baseline a glyph height below.
    let glyph_h = f64::from(face.ascent_unscaled() - face.descent_unscaled()) / upem * SIZE;
    let right = (PAGE_W - MARGIN_RIGHT) * PT;
    let x = right - width;
    let baseline = (PAGE_H - FOLIO_Y) * PT - glyph_h;
    // The number alone, in the text colour: red is kept for the hero, the
    // highlighted series and the thread.
    let content = format!("/Artifact <</Type /Pagination /Subtype /Footer>> BDC\nq\n{} BT /{FONT} {SIZE} Tf {x:.3} {baseline:.3} Td <{hex}> Tj ET\nQ\nEMC\n", rg(ink.text));
    let mut s = Stream::new(dictionary! { MARK => true }, content.into_bytes());
    s.compress()?;
    Ok(s)
}

/// The page's Resources as its own dictionary (inherited or referenced ones copied in).
fn own_resources(doc: &Document, page: ObjectId) -> Result<Dictionary> {
    let mut at = page;
    loop {
        let d = doc.get_dictionary(at)?;
        match d.get(b"Resources") {
            Ok(Object::Reference(id)) => return Ok(doc.get_dictionary(*id)?.clone()),
            Ok(Object::Dictionary(r)) => return Ok(r.clone()),
            _ => match d.get(b"Parent").and_then(Object::as_reference) {
                Ok(parent) => at = parent,
                Err(_) => return Ok(Dictionary::new()),
            },
        }
    }
}

/// Drops the folio a page carries (from its chapter's own PDF).
pub fn drop_folio(doc: &mut Document, page: ObjectId) -> Result<()> {
    let contents = match doc.get_dictionary(page)?.get(b"Contents") {
        Ok(Object::Array(items)) => items.clone(),
        _ => return Ok(()),
    };
    let kept: Vec<Object> = contents
        .into_iter()
        .filter(|o| {
            let stream = o.as_reference().ok().and_then(|id| doc.get_object(id).ok()).and_then(|s| s.as_stream().ok());
            !stream.is_some_and(|s| s.dict.has(MARK.as_bytes()))
        })
        .collect();
    doc.get_dictionary_mut(page)?.set("Contents", kept);
    Ok(())
}

/// Stamps each (page, number) with its folio.
pub fn stamp(doc: &mut Document, pages: &[(ObjectId, usize)], ink: &Palette, bold_name: &str) -> Result<()> {
    if pages.is_empty() {
        return Ok(());
    }
    let font = bold_font(doc, bold_name)?;
    for &(page, number) in pages {
        let stream = doc.add_object(folio_stream(number, ink)?);
        let mut resources = own_resources(doc, page)?;
        let mut fonts = match resources.get(b"Font") {
            Ok(Object::Reference(id)) => doc.get_dictionary(*id)?.clone(),
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        fonts.set(FONT, font);
        resources.set("Font", fonts);
        let dict = doc.get_dictionary_mut(page)?;
        dict.set("Resources", resources);
        let mut contents = match dict.get(b"Contents") {
            Ok(Object::Array(items)) => items.clone(),
            Ok(o) => vec![o.clone()],
            Err(_) => vec![],
        };
        contents.push(stream.into());
        dict.set("Contents", contents);
    }
    Ok(())
}

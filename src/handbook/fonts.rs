//! The fonts genpdf lays the pages out with.
//!
//! printpdf builds an embedded font's widths and Unicode map by looking up
//! every code point of the font, in every file it writes: a layout pass
//! that embeds the fonts costs far more than the layout. The passes that
//! only find where things land are therefore drafts: genpdf measures and
//! kerns with the shipped fonts all the same, but names built-in PDF fonts,
//! which embed nothing. Only the passes after the drafts embed.

use std::sync::atomic::{AtomicUsize, Ordering};

use genpdf::fonts::{FontData, FontFamily};

use crate::error::{Fail, Result};
use crate::model::Report;
use crate::style::{FONT_BOLD, FONT_REGULAR};

/// Layout passes that embedded the fonts, in this process.
static EMBEDDING_PASSES: AtomicUsize = AtomicUsize::new(0);

/// How many layout passes have had printpdf embed the fonts so far.
pub fn embedding_passes() -> usize {
    EMBEDDING_PASSES.load(Ordering::Relaxed)
}

/// The family genpdf lays out with: the shipped fonts' metrics, written as
/// built-in fonts in a `draft`, embedded otherwise.
pub fn family(draft: bool) -> Result<FontFamily<FontData>> {
    if !draft {
        EMBEDDING_PASSES.fetch_add(1, Ordering::Relaxed);
    }
    let builtin = |b| if draft { Some(b) } else { None };
    let regular = FontData::new(FONT_REGULAR.to_vec(), builtin(printpdf::BuiltinFont::Helvetica)).or_render("the shipped regular font")?;
    let bold = FontData::new(FONT_BOLD.to_vec(), builtin(printpdf::BuiltinFont::HelveticaBold)).or_render("the shipped bold font")?;
    // Two weights only: italic falls back to regular, bold italic to bold.
    Ok(FontFamily { regular: regular.clone(), bold: bold.clone(), italic: regular, bold_italic: bold })
}

/// The report as drafts print it. A built-in font writes Windows-1252, and
/// genpdf's table for it has no no-break space, so each becomes a full stop,
/// the character nearest it in width that does not break a line either.
/// The drafts' page breaks are then a guess the embedding passes check.
pub fn draft_report(report: &Report) -> Result<Report> {
    let json = serde_json::to_string(report).or_render("the report as text")?;
    serde_json::from_str(&json.replace('\u{a0}', ".")).or_render("the report for a draft")
}

//! The fonts genpdf lays the pages out with.
//!
//! printpdf builds an embedded font's widths and Unicode map by looking up
//! every code point of the font, in every file it writes: a layout pass
//! that embeds the fonts costs far more than the layout. The passes that
//! only find where things land are therefore drafts: genpdf measures and
//! kerns with the shipped fonts all the same, but names built-in PDF fonts,
//! which embed nothing. Only the passes after the drafts embed.

use std::cell::Cell;

use genpdf::fonts::{FontData, FontFamily};

use crate::error::{Fail, Result};
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

/// The family genpdf lays out with: the shipped fonts' metrics, written as
/// built-in fonts in a `draft`, embedded otherwise.
pub fn family(draft: bool) -> Result<FontFamily<FontData>> {
    if !draft {
        EMBEDDING_PASSES.set(EMBEDDING_PASSES.get() + 1);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_print_no_no_break_space() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model-sample.json");
        let report: Report = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let hero = report.chapters[0].hero.text.clone();
        assert!(hero.contains('\u{a0}'), "{hero:?}");
        let draft = draft_report(&report).unwrap();
        assert_eq!(draft.chapters[0].hero.text, hero.replace('\u{a0}', "."));
        assert!(!serde_json::to_string(&draft).unwrap().contains('\u{a0}'));
        assert_eq!(draft.chapters[0].figures.len(), report.chapters[0].figures.len());
    }
}

//! Danish hyphenation for narrow columns only: a side column, boxes side
//! by side. genpdf's own hyphenation works on the whole document (it split
//! headings and tied words), so a narrow paragraph is broken into lines
//! here, with the layout's font metrics and the `hyphenation` crate's
//! Danish patterns, and each line is set as it is.

use std::sync::OnceLock;

use genpdf::elements::{LinearLayout, Paragraph};
use genpdf::error::Error;
use genpdf::render::Area;
use genpdf::style::Style as TextStyle;
use genpdf::{Context, Element, RenderResult};
use hyphenation::{Hyphenator, Language, Load, Standard};

use super::frame::Leading;

/// The Danish patterns, loaded once (None if the embedded data cannot be
/// read, and then nothing is hyphenated).
fn danish() -> Option<&'static Standard> {
    static DICT: OnceLock<Option<Standard>> = OnceLock::new();
    DICT.get_or_init(|| Standard::from_embedded(Language::Danish).ok()).as_ref()
}

/// The shortest word that is hyphenated, and the fewest letters left on
/// either side of a break.
const MIN_WORD: usize = 7;
const MIN_LEFT: usize = 3;
const MIN_RIGHT: usize = 3;

/// Where `word` may be broken with a hyphen (byte offsets), best last.
/// Only plain words: anything holding a digit, a no-break space (words
/// tied together), a hyphen or other non-letters is kept whole; trailing
/// punctuation is allowed and stays on the right part.
pub fn breaks(word: &str) -> Vec<usize> {
    let core = word.trim_end_matches([',', '.', ';', ':', '!', '?', ')', '”', '"']);
    let letters = core.chars().count();
    if letters < MIN_WORD || !core.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    let Some(dict) = danish() else { return Vec::new() };
    dict.hyphenate(core)
        .breaks
        .into_iter()
        .filter(|&b| core[..b].chars().count() >= MIN_LEFT && core[b..].chars().count() >= MIN_RIGHT)
        .collect()
}

/// Breaks `text` into lines no wider than `width` (as `measure` gives
/// widths), filling each line greedily and hyphenating a word that would
/// otherwise start the next line where the Danish patterns allow. Words are
/// separated by plain spaces only: a no-break space binds.
pub fn lines(text: &str, width: f64, measure: impl Fn(&str) -> f64) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    let fits = |s: &str| measure(s) <= width;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_string();
        loop {
            let joined = if line.is_empty() { word.clone() } else { format!("{line} {word}") };
            if fits(&joined) {
                line = joined;
                break;
            }
            // The longest first part of the word that fits with its hyphen.
            let head = breaks(&word).into_iter().rev().find(|&b| {
                let part = format!("{}-", &word[..b]);
                fits(&if line.is_empty() { part.clone() } else { format!("{line} {part}") })
            });
            match head {
                Some(b) => {
                    let part = format!("{}-", &word[..b]);
                    out.push(if line.is_empty() { part } else { format!("{line} {part}") });
                    line.clear();
                    word = word[b..].to_string();
                }
                // Nothing fits: the word starts the next line (or, alone
                // and too wide, stands on its own line).
                None if line.is_empty() => {
                    line = word;
                    break;
                }
                None => out.push(std::mem::take(&mut line)),
            }
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// Breaks a web address into lines no wider than `width`, after a '/', '.'
/// or '-' (never adding a hyphen, which would change the address), and
/// between any two characters only where one part alone is too wide.
/// genpdf does not break a word, and a too-wide one is not printed at all.
pub fn address_lines(address: &str, width: f64, measure: impl Fn(&str) -> f64) -> Vec<String> {
    // The address in pieces, each ending where a line may end.
    let mut pieces: Vec<String> = Vec::new();
    let mut piece = String::new();
    for c in address.chars() {
        piece.push(c);
        if matches!(c, '/' | '.' | '-') {
            pieces.push(std::mem::take(&mut piece));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    let mut out = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if measure(&format!("{line}{piece}")) <= width {
            line.push_str(&piece);
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        for c in piece.chars() {
            if !line.is_empty() && measure(&format!("{line}{c}")) > width {
                out.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// A paragraph broken into lines by [`lines`] at the width it is first
/// given, each line set as it is, at the style's leading. The lines are
/// kept, so a paragraph continued on the next page goes on where it stopped.
pub struct Hyphenated {
    text: String,
    style: TextStyle,
    set: Option<LinearLayout>,
    address: bool,
}

impl Hyphenated {
    pub fn new(text: impl Into<String>, style: TextStyle) -> Hyphenated {
        Hyphenated { text: text.into(), style, set: None, address: false }
    }

    /// A web address, broken by [`address_lines`] instead.
    pub fn address(text: impl Into<String>, style: TextStyle) -> Hyphenated {
        Hyphenated { text: text.into(), style, set: None, address: true }
    }
}

impl Element for Hyphenated {
    fn render(&mut self, context: &Context, area: Area<'_>, style: TextStyle) -> Result<RenderResult, Error> {
        let style = style.and(self.style);
        let own = self.style;
        let text = &self.text;
        let set = self.set.get_or_insert_with(|| {
            // A hair under the column, so genpdf's own fitting never wraps a line again.
            let width = f64::from(area.size().width) - 0.05;
            let measure = |s: &str| f64::from(style.str_width(&context.font_cache, s));
            let mut l = LinearLayout::vertical();
            let set = if self.address { address_lines(text, width, measure) } else { lines(text, width, measure) };
            for line in set {
                l.push(Leading(Paragraph::new(line).styled(own), own.line_spacing()));
            }
            l
        });
        set.render(context, area, style)
    }
}

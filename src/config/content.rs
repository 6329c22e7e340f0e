//! Editorial boxes (Case, Gode råd, Værktøj, Besøg også) are content, not
//! code: one TOML file per chapter, `inputs/content/<chapter-id>.toml`.
//!
//! ```toml
//! [[box]]
//! kind = "advice"                        # case | advice | tool | see_also
//! title = "Spørg tidligt"
//! body = ["Første afsnit.", "Andet afsnit."]
//! attribution = "Frit efter …"           # only where a named person's view is paraphrased
//!
//! [[box]]
//! kind = "see_also"
//! links = [{ label = "Innovationsbarometeret", url = "https://innovationsbarometer.dk" }]
//! ```

use std::path::Path;

use crate::error::{Context, Error, Result};
use serde::Deserialize;

use crate::model::{BoxKind, ContentBox};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentFile {
    #[serde(rename = "box", default)]
    boxes: Vec<BoxEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoxEntry {
    kind: BoxKind,
    /// Optional only for "Besøg også", whose heading is its title.
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: Vec<String>,
    #[serde(default)]
    attribution: Option<String>,
    #[serde(default)]
    links: Vec<Link>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Link {
    label: String,
    url: String,
}

/// A chapter's boxes from its content file, checked so that the handbook
/// never prints an empty box, a bare link or a quotation put in a named
/// person's mouth.
pub fn load_content(path: &Path) -> Result<Vec<ContentBox>> {
    let text = crate::error::read_text(path)?;
    parse_content(&text).with_context(|| format!("in {}", path.display()))
}

/// The parsing and checks of [`load_content`], on text.
pub fn parse_content(text: &str) -> Result<Vec<ContentBox>> {
    let file: ContentFile = toml::from_str(text)?;
    file.boxes.into_iter().enumerate().map(|(i, entry)| check(i + 1, entry)).collect()
}

fn check(number: usize, entry: BoxEntry) -> Result<ContentBox> {
    let at = format!("[[box]] number {number} (kind = \"{}\")", kind_name(entry.kind));
    let title = match (entry.title.trim(), entry.kind) {
        ("", BoxKind::SeeAlso) => entry.kind.heading().to_string(),
        ("", _) => return Err(Error::Config(format!("{at}: key `title` is missing or empty"))),
        (title, _) => title.to_string(),
    };
    if entry.body.iter().any(|p| p.trim().is_empty()) {
        return Err(Error::Config(format!("{at}: key `body` has an empty paragraph")));
    }
    match entry.kind {
        BoxKind::SeeAlso if entry.links.is_empty() => return Err(Error::Config(format!("{at}: key `links` needs at least one link"))),
        BoxKind::Case | BoxKind::Advice | BoxKind::Tool if entry.body.is_empty() => {
            return Err(Error::Config(format!("{at}: key `body` needs at least one paragraph")))
        }
        _ => {}
    }
    for (j, link) in entry.links.iter().enumerate() {
        if link.label.trim().is_empty() {
            return Err(Error::Config(format!("{at}: key `links[{j}].label` is empty")));
        }
        if !(link.url.starts_with("https://") || link.url.starts_with("http://")) {
            return Err(Error::Config(format!("{at}: key `links[{j}].url` must start with https:// (got \"{}\")", link.url)));
        }
    }
    if let Some(attribution) = &entry.attribution {
        // A named person's view is paraphrased, and says so.
        if !attribution.to_lowercase().starts_with("frit efter ") {
            return Err(Error::Config(format!("{at}: key `attribution` must start with \"Frit efter\" (got \"{attribution}\")")));
        }
        if entry.body.iter().any(|p| p.contains(['”', '“', '"', '»', '«'])) {
            return Err(Error::Config(format!("{at}: key `body` quotes someone in an attributed box; paraphrase the view instead")));
        }
    }
    Ok(ContentBox {
        kind: entry.kind,
        title,
        body: entry.body,
        attribution: entry.attribution,
        links: entry.links.into_iter().map(|l| (l.label, l.url)).collect(),
    })
}

fn kind_name(kind: BoxKind) -> &'static str {
    match kind {
        BoxKind::Case => "case",
        BoxKind::Advice => "advice",
        BoxKind::Tool => "tool",
        BoxKind::SeeAlso => "see_also",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn shipped_content_files_read() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs/content");
        for id in ["borgere-2018", "borgere-2015", "services-2018", "processen-2013"] {
            let boxes = load_content(&dir.join(format!("{id}.toml"))).unwrap();
            let kinds: Vec<BoxKind> = boxes.iter().map(|b| b.kind).collect();
            assert_eq!(kinds, [BoxKind::Case, BoxKind::Advice, BoxKind::Tool, BoxKind::SeeAlso], "{id}");
            for b in &boxes {
                if let Some(a) = &b.attribution {
                    assert!(a.starts_with("Frit efter "), "{id}: {a}");
                }
                for (_, url) in &b.links {
                    assert!(url.starts_with("https://"), "{id}: {url}");
                }
            }
        }
    }

    #[test]
    fn content_errors_name_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kapitel.toml");
        let cases = [
            ("[[box]]\nkind = \"case\"\ntitel = \"x\"\nbody = [\"a\"]\n", "titel"),
            ("[[box]]\nkind = \"case\"\nbody = [\"a\"]\n", "`title`"),
            ("[[box]]\nkind = \"advice\"\ntitle = \"t\"\nbody = [\"a\"]\nattribution = \"Efter en forsker\"\n", "`attribution`"),
            ("[[box]]\nkind = \"advice\"\ntitle = \"t\"\nbody = [\"Hun siger: ”gør det”\"]\nattribution = \"Frit efter en forsker\"\n", "paraphrase"),
            ("[[box]]\nkind = \"see_also\"\nlinks = [{ label = \"x\", url = \"coi.dk\" }]\n", "`links[0].url`"),
            ("[[box]]\nkind = \"quote\"\ntitle = \"t\"\n", "quote"),
        ];
        for (text, key) in cases {
            std::fs::write(&path, text).unwrap();
            let err = load_content(&path).unwrap_err().to_string();
            assert!(err.contains("kapitel.toml") && err.contains(key), "{key}: {err}");
        }
        let ok = "[[box]]\nkind = \"see_also\"\nlinks = [{ label = \"COI\", url = \"https://coi.dk\" }]\n";
        let boxes = parse_content(ok).unwrap();
        assert_eq!(boxes[0].title, "Besøg også");
        assert_eq!(boxes[0].links, [("COI".to_string(), "https://coi.dk".to_string())]);
    }
}

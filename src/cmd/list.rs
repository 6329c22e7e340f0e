//! `barometer list`: the chapters and figures with their numbers and periods.

use serde::Serialize;

use barometer::error::Result;
use barometer::config::Config;

use super::{Global, json_line};

/// A chapter or a figure (keys in alphabetical order for JSON).
#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    /// "chapter" or the figure's kind.
    kind: &'a str,
    /// "2" for a chapter, "2.3" for a figure.
    number: String,
    period: &'a str,
    title: &'a str,
}

pub fn run(g: &Global) -> Result<String> {
    let config = Config::load(&g.paths.config)?;
    let mut entries = Vec::new();
    for (c, ch) in config.chapters.iter().enumerate() {
        entries.push(Entry { id: &ch.id, kind: "chapter", number: format!("{}", c + 1), period: &ch.period, title: &ch.title });
        for (f, fig) in ch.figures.iter().enumerate() {
            entries.push(Entry { id: &fig.id, kind: fig.kind().name(), number: format!("{}.{}", c + 1, f + 1), period: &ch.period, title: &fig.title });
        }
    }
    if g.json {
        return json_line(&entries);
    }
    Ok(entries
        .iter()
        .map(|e| {
            let indent = if e.kind == "chapter" { "" } else { "  " };
            format!("{indent}{} {} [{}] {} ({})\n", e.number, e.id, e.kind, e.title, e.period)
        })
        .collect())
}

//! The analyst's templates (`config/site/`, each file falling back to the
//! shipped one), read and checked once per build. Escaping is always on: every template is escaped as HTML, the
//! `safe` filter is removed, and a template that tries to turn escaping off
//! is refused, so a title or a box from configuration or content is always
//! text, never markup.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::{Error, Result};

/// The files of `config/site/`: the page layouts and the style sheet, and
/// the shipped version of each, used where the folder lacks the file (as
/// mdBook's theme folder overrides its built-in theme file by file).
pub const TEMPLATES: [(&str, &str); 9] = [
    ("base.html", include_str!("../../config/site/base.html")),
    ("tiles.html", include_str!("../../config/site/tiles.html")),
    ("chart.html", include_str!("../../config/site/chart.html")),
    ("index.html", include_str!("../../config/site/index.html")),
    ("edition.html", include_str!("../../config/site/edition.html")),
    ("theme.html", include_str!("../../config/site/theme.html")),
    ("figure.html", include_str!("../../config/site/figure.html")),
    ("method.html", include_str!("../../config/site/method.html")),
    ("site.css", include_str!("../../config/site/site.css")),
];

/// What a template may not contain: each would let text through unescaped.
const REFUSED: [(&str, &str); 2] = [("autoescape", "turns escaping off"), ("safe", "marks text as markup")];

/// The templates, ready to render.
pub struct Templates {
    env: Environment<'static>,
    dir: PathBuf,
    /// The style sheet, shipped as it is.
    pub css: String,
}

impl Templates {
    /// Reads and checks every template of `dir`; errors name the file and line.
    pub fn load(dir: &Path) -> Result<Templates> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.remove_filter("safe");
        let mut css = String::new();
        for (name, shipped) in TEMPLATES {
            let path = dir.join(name);
            let text = if path.exists() { crate::error::read_text(&path)? } else { shipped.to_string() };
            if name == "site.css" {
                css = text;
                continue;
            }
            check_escaping(&path, &text)?;
            env.add_template_owned(name.to_string(), text).map_err(|e| template_error(&path, &e))?;
        }
        Ok(Templates { env, dir: dir.to_path_buf(), css })
    }

    /// Renders the template `name` with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String> {
        let template = self.env.get_template(name).map_err(|e| template_error(&self.dir.join(name), &e))?;
        template.render(context).map_err(|e| {
            let file = e.name().map_or_else(|| self.dir.join(name), |n| self.dir.join(n));
            template_error(&file, &e)
        })
    }
}

/// Refuses a template that names `autoescape` or `safe` inside a tag.
fn check_escaping(path: &Path, text: &str) -> Result<()> {
    let mut at = 0;
    while let Some(start) = ["{{", "{%"].iter().filter_map(|o| text[at..].find(o)).min().map(|i| at + i + 2) {
        let end = ["}}", "%}"].iter().filter_map(|c| text[start..].find(c)).min().map_or(text.len(), |i| start + i);
        let mut words = text[start..end].split(|c: char| !(c.is_alphanumeric() || c == '_'));
        if let Some((w, (word, why))) = words.find_map(|w| REFUSED.iter().find(|(r, _)| *r == w).map(|r| (w, r))) {
            // The line of the word itself: its offset in `text`.
            let at = w.as_ptr() as usize - text.as_ptr() as usize;
            let line = text[..at].matches('\n').count() + 1;
            return Err(Error::config(format!(
                "{}:{line}: \"{word}\" {why}; the site's templates always escape text, so remove it",
                path.display()
            )));
        }
        at = end;
    }
    Ok(())
}

fn template_error(path: &Path, e: &minijinja::Error) -> Error {
    let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    Error::config(format!("{}{line}: {}{detail}", path.display(), e.kind()))
}

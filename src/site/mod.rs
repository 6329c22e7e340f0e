//! Stage 5, the third renderer: the report as a static web site under
//! `outputs/site/`, the web twin of the handbook. A front page with the
//! editions and each theme's hero number, a page per edition, per theme and
//! per figure, and the method page; charts inline as SVG, the downloads
//! beside them, the fonts shipped with the site.
//!
//! Pages are laid out by minijinja templates the analyst edits
//! (`config/site/`), always HTML-escaped: a template may not turn escaping
//! off, so text from configuration or content files can never become
//! markup. Every word and number comes from the model; the templates only
//! place them. Links are relative, so the site works from disk and under
//! any path of any static host, and without JavaScript.

mod chart;
mod pages;
mod templates;
#[cfg(test)]
mod tests;

use crate::model::{Chapter, Figure, SiteWords};

pub use chart::inline_svg;
pub use pages::{ThemeFiles, figure_page, home_pages, theme_page};
pub use templates::{TEMPLATES, Templates};

/// The folder under `outputs/` that holds the site.
pub const ROOT: &str = "site";

/// A file of the site: its path under `outputs/` and its bytes.
pub type SiteFile = (String, Vec<u8>);

/// The kinds of file a reader can download beside a figure, in the order
/// the pages list them. The one list of download kinds: a new kind is a
/// variant here, its label in `SiteWords` and its bytes in the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Download {
    /// The print PNG.
    Png,
    /// The chart with real text.
    Svg,
    /// The data behind the chart.
    Csv,
    Json,
    /// The data as an Excel workbook, which opens in Danish Excel.
    Xlsx,
}

/// Every figure download, in the order the pages list them.
pub const FIGURE_DOWNLOADS: [Download; 5] = [Download::Png, Download::Svg, Download::Xlsx, Download::Csv, Download::Json];

impl Download {
    pub fn extension(self) -> &'static str {
        match self {
            Download::Png => "png",
            Download::Svg => "svg",
            Download::Csv => "csv",
            Download::Json => "json",
            Download::Xlsx => "xlsx",
        }
    }

    /// The media type, given on the link.
    fn media_type(self) -> &'static str {
        match self {
            Download::Png => "image/png",
            Download::Svg => "image/svg+xml",
            Download::Csv => "text/csv",
            Download::Json => "application/json",
            Download::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn label(self, words: &SiteWords) -> &str {
        match self {
            Download::Png => &words.png,
            Download::Svg => &words.svg,
            Download::Csv => &words.csv,
            Download::Json => &words.json,
            Download::Xlsx => &words.xlsx,
        }
    }
}

/// Where the site's pages and files are, under `outputs/`. Named by ids
/// and periods only, in folders of their own, so no id can meet another
/// page's name.
pub mod path {
    use super::ROOT;

    pub fn index() -> String {
        format!("{ROOT}/index.html")
    }
    pub fn method() -> String {
        format!("{ROOT}/metode.html")
    }
    pub fn edition(period: &str) -> String {
        format!("{ROOT}/udgave/{period}.html")
    }
    pub fn theme(chapter: &str) -> String {
        format!("{ROOT}/tema/{chapter}/index.html")
    }
    /// The hero tile's files: "svg" or "png".
    pub fn hero(chapter: &str, extension: &str) -> String {
        format!("{ROOT}/tema/{chapter}/hero.{extension}")
    }
    pub fn chapter_pdf(chapter: &str) -> String {
        format!("{ROOT}/tema/{chapter}/{chapter}.pdf")
    }
    pub fn figure(chapter: &str, figure: &str) -> String {
        format!("{ROOT}/tema/{chapter}/figur/{figure}.html")
    }
    pub fn download(chapter: &str, figure: &str, extension: &str) -> String {
        format!("{ROOT}/tema/{chapter}/figur/{figure}.{extension}")
    }
    pub fn asset(name: &str) -> String {
        format!("{ROOT}/assets/{name}")
    }

    /// The link from the page at `from` to the file at `to` (both under
    /// `outputs/`): relative, so the site can live anywhere.
    pub fn relative(from: &str, to: &str) -> String {
        let from: Vec<&str> = from.split('/').collect();
        let to: Vec<&str> = to.split('/').collect();
        let from_dir = &from[..from.len() - 1];
        let common = from_dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
        let mut parts: Vec<&str> = vec![".."; from_dir.len() - common];
        parts.extend(&to[common..]);
        parts.join("/")
    }
}

/// The files of a figure's page: the page, then each download.
pub fn figure_paths(chapter: &Chapter, figure: &Figure) -> Vec<String> {
    let mut out = vec![path::figure(&chapter.id, &figure.id)];
    out.extend(FIGURE_DOWNLOADS.iter().map(|d| path::download(&chapter.id, &figure.id, d.extension())));
    out
}

//! The render stages of the build: charts (SVG, print and screen PNG, the
//! data beside each chart) and the handbook PDFs. The graph decides which
//! nodes are built; the others' files are taken from the last build.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::paths::Paths;
use super::cache::State;
use super::publish::{Artifact, Staged, Staging};
use crate::export;
use super::graph::{Decision, Node};
use crate::charts::{self, ChartStyle};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Chapter, Figure, Report};
use crate::handbook::{self, PdfOptions};
use crate::style::Style;

/// Called with true before the books are put together and with false
/// after, when more than two are built: the binary uses it to return freed memory to the system at once
/// while the books' large buffers come and go (see main.rs).
pub static AROUND_BOOKS: std::sync::OnceLock<fn(bool)> = std::sync::OnceLock::new();

/// What the render stages produced (on disk, in the new generation).
pub struct Rendered {
    pub artifacts: Vec<Staged>,
    /// The files of each node built now, with their SHA-256.
    pub files: BTreeMap<Node, Vec<(String, String)>>,
    /// Where each book's own pages settled (made now or kept from the last build).
    pub seeds: BTreeMap<String, String>,
}

/// The last build's files of `node`, put into the new generation (linked:
/// their bytes are the same; read and checked against their hashes only
/// where their stamps do not show them unchanged).
pub(super) fn last_files(old: &State, node: &Node, stage: &Staging) -> Result<Vec<Staged>> {
    let prev = old.nodes.get(node).ok_or_else(|| Error::internal(format!("{node}: reused without a state")))?;
    stage.keep_all(&prev.files)
}

/// The paths of a chart node's files, in the order [`chart_files`] makes
/// them: SVG, print PNG, screen PNG and, for a figure, the data beside it
/// and the bare print chart the handbook sets. Named by ids alone, so they
/// stay put when chapters or figures are renumbered.
pub fn chart_paths(chapter_id: &str, figure_id: Option<&str>) -> Vec<String> {
    let stem = charts::chart_stem(chapter_id, figure_id);
    let mut paths = vec![format!("{stem}.svg"), format!("{stem}.png"), format!("{stem}-screen.png")];
    if figure_id.is_some() {
        paths.extend([format!("{stem}.csv"), handbook_png_path(chapter_id, figure_id)]);
    }
    paths
}

/// Where a figure's handbook PNG goes; the PDFs are set from it.
fn handbook_png_path(chapter_id: &str, figure_id: Option<&str>) -> String {
    format!("{}-handbook.png", charts::chart_stem(chapter_id, figure_id))
}

/// A chart node's files, at [`chart_paths`].
fn chart_files(report: &Report, chapter: &Chapter, figure: Option<&Figure>, style: &ChartStyle) -> Result<Vec<Artifact>> {
    let r = match figure {
        Some(f) => charts::render_figure(report, f, style)?,
        None => charts::render_hero(report, chapter, style)?,
    };
    let mut bytes = vec![r.svg.into_bytes(), r.png, r.png_screen];
    if let Some(f) = figure {
        bytes.push(export::figure_csv(f)?);
        bytes.push(charts::handbook_png(report, f, style)?);
    }
    let paths = chart_paths(&chapter.id, figure.map(|f| f.id.as_str()));
    Ok(paths.into_iter().zip(bytes).map(|(path, bytes)| Artifact { path, bytes }).collect())
}

/// Refuses a configuration whose chart files would overwrite each other:
/// ids are unique, but a figure "hero" meets the hero tile, and a figure
/// "x-screen" meets the screen PNG of a figure "x" in the same chapter.
pub fn check_chart_names(config: &Config) -> Result<()> {
    for (ch, file) in config.chapters.iter().zip(&config.chapter_files) {
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        let units = std::iter::once(None).chain(ch.figures.iter().map(|f| Some(f.id.as_str())));
        for figure in units {
            let who = figure.map_or_else(|| "the hero tile".to_string(), |f| format!("figure \"{f}\""));
            for path in chart_paths(&ch.id, figure) {
                if let Some(other) = owner.get(&path) {
                    return Err(Error::config(format!(
                        "{}: {who} would write {path}, as {other} does; give the figure another id",
                        file.display()
                    )));
                }
                owner.insert(path, who.clone());
            }
        }
    }
    Ok(())
}

/// A book's file in the new generation, and where its own pages settled.
type BookDone = (Vec<Staged>, Option<String>);

/// A chart node's files in the new generation, and its handbook PNG for the PDFs.
type ChartDone = (Vec<Staged>, Option<Vec<u8>>);

/// Renders the stale charts and PDFs into the new generation as each is
/// made; takes the rest from the last build (the live generation).
pub fn render(report: &Report, paths: &Paths, decisions: &BTreeMap<Node, Decision>, old: &State, stage: &Staging) -> Result<Rendered> {
    let style_path = paths.style();
    let style = Style::load(&style_path)?;
    let chart_style = ChartStyle::from_style(&style)?;
    let built = |node: &Node| matches!(decisions.get(node), Some(Decision::Build(_)));

    // Charts, side by side, each written as soon as it is drawn; only the
    // handbook PNGs stay in memory, for the PDFs.
    let mut units: Vec<(Node, &Chapter, Option<&Figure>)> = Vec::new();
    for ch in &report.chapters {
        units.push((Node::HeroChart(ch.id.clone()), ch, None));
        units.extend(ch.figures.iter().map(|f| (Node::Chart(f.id.clone()), ch, Some(f))));
    }
    // Only the chapters laid out again need their charts' handbook PNGs.
    let needs_png = |ch: &Chapter| built(&Node::ChapterPdf(ch.id.clone()));
    let done: Vec<Result<ChartDone>> = units
        .par_iter()
        .map(|(node, chapter, figure)| {
            if !built(node) {
                let files = last_files(old, node, stage)?;
                let png = match figure {
                    Some(f) if needs_png(chapter) => Some(stage.read(&handbook_png_path(&chapter.id, Some(&f.id)))?),
                    _ => None,
                };
                return Ok((files, png));
            }
            let files = chart_files(report, chapter, *figure, &chart_style)?;
            let png = figure.filter(|_| needs_png(chapter)).and_then(|f| {
                let name = handbook_png_path(&chapter.id, Some(&f.id));
                files.iter().find(|a| a.path == name).map(|a| a.bytes.clone())
            });
            let staged = files.iter().map(|a| stage.put(&a.path, &a.bytes)).collect::<Result<_>>()?;
            Ok((staged, png))
        })
        .collect();
    let mut rendered = Rendered { artifacts: Vec::new(), files: BTreeMap::new(), seeds: BTreeMap::new() };
    let mut images: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (files, (node, _, figure)) in done.into_iter().zip(&units) {
        let (files, png) = files?;
        if let (Some(f), Some(png)) = (figure, png) {
            images.insert(f.id.clone(), png);
        }
        rendered.add(node, built(node), files);
    }

    // Each chapter's PDF, side by side, from the charts decoded once; then
    // the books, put together from the chapters' PDFs.
    let opts = PdfOptions::from_env()?;
    let books: Vec<Node> = report.books.iter().map(|b| Node::Book(b.id.clone())).collect();
    let images = handbook::decode_charts(&std::mem::take(&mut images), &style)?;
    let done: Vec<Result<Vec<Staged>>> = report
        .chapters
        .par_iter()
        .map(|ch| {
            let node = Node::ChapterPdf(ch.id.clone());
            if !built(&node) {
                return last_files(old, &node, stage);
            }
            Ok(vec![stage.put(&format!("handbook/{}.pdf", ch.id), &handbook::render_chapter(report, ch, &images, &style, &opts)?)?])
        })
        .collect();
    drop(images);
    for (files, ch) in done.into_iter().zip(&report.chapters) {
        let node = Node::ChapterPdf(ch.id.clone());
        rendered.add(&node, built(&node), files?);
    }
    // The books read the chapters' PDFs back from the new generation, only when one is built.
    let mut chapter_pdfs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    if books.iter().any(&built) {
        for ch in &report.chapters {
            chapter_pdfs.insert(ch.id.clone(), stage.read(&format!("handbook/{}.pdf", ch.id))?);
        }
    }
    // Two books or fewer (an edit) are small beside the whole build: the
    // memory they free stays for reuse rather than being faulted in again.
    let alone = books.iter().filter(|n| built(n)).count() > 2;
    let around = |on: bool| {
        if let Some(hook) = AROUND_BOOKS.get().filter(|_| alone) {
            hook(on);
        }
    };
    around(true);
    let one = |b: &crate::model::Book| -> Result<BookDone> {
        let node = Node::Book(b.id.clone());
        let seed = old.seeds.get(&b.id);
        if !built(&node) {
            return Ok((last_files(old, &node, stage)?, seed.cloned()));
        }
        let (pdf, seed) = handbook::render_book_seeded(report, &b.id, &chapter_pdfs, &style, &opts, seed.map(String::as_str))?;
        Ok((vec![stage.put(&handbook::book_path(&b.id), &pdf)?], seed))
    };
    // The book of every edition, as large as the others together, is put
    // together alone: beside another book it made the build's peak memory.
    // Two books (an edit: its edition's and the combined one) go side by side.
    let (whole, editions): (Vec<_>, Vec<_>) = report.books.iter().enumerate().partition(|(_, b)| alone && b.id == crate::text::COMBINED_BOOK);
    let mut done: Vec<(usize, Result<BookDone>)> = whole.into_iter().map(|(k, b)| (k, one(b))).collect();
    done.extend(editions.into_par_iter().map(|(k, b)| (k, one(b))).collect::<Vec<_>>());
    done.sort_by_key(|(k, _)| *k);
    drop(chapter_pdfs);
    around(false);
    for (((_, files), node), b) in done.into_iter().zip(&books).zip(&report.books) {
        let (files, seed) = files?;
        rendered.add(node, built(node), files);
        if let Some(seed) = seed {
            rendered.seeds.insert(b.id.clone(), seed);
        }
    }

    // The site, from the model and the files above (read back from the new generation).
    let site = super::site::render_site(report, &style, paths, &built, &|n: &Node| last_files(old, n, stage), stage)?;
    for (node, files) in site {
        rendered.add(&node, built(&node), files);
    }
    Ok(rendered)
}

impl Rendered {
    fn add(&mut self, node: &Node, built: bool, files: Vec<Staged>) {
        if built {
            self.files.insert(node.clone(), files.iter().map(|a| (a.path.clone(), a.sha256.clone())).collect());
        }
        self.artifacts.extend(files);
    }
}

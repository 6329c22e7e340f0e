//! Stage 5: house-style charts in PNG and SVG, drawn from the figure model.
//!
//! Each figure is laid out once as a [`scene::Scene`] (rectangles and text
//! in layout pixels) and then drawn with plotters: an SVG with editable text,
//! a print PNG at the configured dpi and a screen PNG. Nothing here computes
//! a number; every printed value comes from the model.

mod fonts;
mod kinds;
mod paint;
mod scene;
pub mod style;
#[cfg(test)]
mod tests;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::figures::{Chapter, Figure, Report};
pub use style::ChartStyle;

/// One file for `outputs/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    /// Chapter id.
    pub chapter: String,
    /// Figure id, or "hero" for the chapter's hero tile.
    pub figure: String,
    /// Relative to outputs/: "charts/<chapter-id>/<figure.number>-<figure.id>.png"
    /// (also ".svg" and "-screen.png"); the hero tile is
    /// "charts/<chapter-id>/<chapter.number>.0-hero.png".
    pub path: String,
    pub bytes: Vec<u8>,
}

/// One chart in its three forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFigure {
    pub svg: String,
    /// Print PNG: `print_dpi` at `width_mm`, with pHYs.
    pub png: Vec<u8>,
    /// Screen PNG: `screen_width_px` wide.
    pub png_screen: Vec<u8>,
}

fn render_scene(scene: &scene::Scene, width_mm: f64, style: &ChartStyle) -> Result<RenderedFigure> {
    let c = &style.chart;
    let print_px = (width_mm / 25.4 * c.print_dpi).round() as u32;
    let screen_dpi = c.screen_width_px as f64 / (width_mm / 25.4);
    let bg = style.palette.background;
    Ok(RenderedFigure {
        svg: paint::svg(scene)?,
        png: paint::png(scene, print_px, c.print_dpi, bg)?,
        png_screen: paint::png(scene, c.screen_width_px, screen_dpi, bg)?,
    })
}

/// One figure's chart. `report` supplies the significance level and whether
/// the data are synthetic.
pub fn render_figure(report: &Report, figure: &Figure, style: &ChartStyle) -> Result<RenderedFigure> {
    let scene = kinds::figure_scene(report, figure, style);
    render_scene(&scene, style.chart.width_mm, style).with_context(|| format!("chart of figure {}", figure.number))
}

/// A chapter's hero number as a tile.
pub fn render_hero(report: &Report, chapter: &Chapter, style: &ChartStyle) -> Result<RenderedFigure> {
    let scene = kinds::hero_scene(report, chapter, style);
    render_scene(&scene, style.chart.hero_width_mm, style)
        .with_context(|| format!("hero tile of chapter {}", chapter.id))
}

/// The print PNG of a figure for the handbook: the chart's body and notes
/// only, since the page sets its number, title, caption and source as text.
pub fn handbook_png(report: &Report, figure: &Figure, style: &ChartStyle) -> Result<Vec<u8>> {
    let scene = kinds::figure_scene_framed(report, figure, style, kinds::Framing::Bare);
    let c = &style.chart;
    let print_px = (c.width_mm / 25.4 * c.print_dpi).round() as u32;
    paint::png(&scene, print_px, c.print_dpi, style.palette.background).with_context(|| format!("handbook chart of figure {}", figure.number))
}

/// The print PNG of the figure with id `figure_id`, for the handbook.
pub fn print_png(report: &Report, figure_id: &str, style: &ChartStyle) -> Result<Vec<u8>> {
    let figure = report
        .chapters
        .iter()
        .flat_map(|c| &c.figures)
        .find(|f| f.id == figure_id)
        .with_context(|| format!("no figure with id \"{figure_id}\" in the report"))?;
    Ok(render_figure(report, figure, style)?.png)
}

/// Path stem under outputs/ of a figure's chart, or of the hero tile.
pub fn chart_stem(chapter: &Chapter, figure: Option<&Figure>) -> String {
    match figure {
        Some(f) => format!("charts/{}/{}-{}", chapter.id, f.number, f.id),
        None => format!("charts/{}/{}.0-hero", chapter.id, chapter.number),
    }
}

/// Every figure's chart and every chapter's hero tile, as SVG, print PNG
/// and screen PNG; rendered in parallel, returned in report order.
pub fn render_report(report: &Report, style: &ChartStyle) -> Result<Vec<ChartFile>> {
    let jobs: Vec<(&Chapter, Option<&Figure>)> = report
        .chapters
        .iter()
        .flat_map(|c| std::iter::once((c, None)).chain(c.figures.iter().map(move |f| (c, Some(f)))))
        .collect();
    let done: Vec<Result<Vec<ChartFile>>> = jobs
        .par_iter()
        .map(|&(chapter, figure)| {
            let r = match figure {
                Some(f) => render_figure(report, f, style)?,
                None => render_hero(report, chapter, style)?,
            };
            let stem = chart_stem(chapter, figure);
            let file = |suffix: &str, bytes: Vec<u8>| ChartFile {
                chapter: chapter.id.clone(),
                figure: figure.map_or("hero".to_string(), |f| f.id.clone()),
                path: format!("{stem}{suffix}"),
                bytes,
            };
            Ok(vec![file(".svg", r.svg.into_bytes()), file(".png", r.png), file("-screen.png", r.png_screen)])
        })
        .collect();
    let mut files = Vec::new();
    for d in done {
        files.extend(d?);
    }
    Ok(files)
}

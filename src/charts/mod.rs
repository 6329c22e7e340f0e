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
mod trend;
#[cfg(test)]
mod tests;

use crate::error::{Context, Result};

use crate::model::{Chapter, Figure, Report};
pub use style::ChartStyle;

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
/// It has no side margins: its bars and labels align with the text column.
pub fn handbook_png(report: &Report, figure: &Figure, style: &ChartStyle) -> Result<Vec<u8>> {
    let mut flush = style.clone();
    flush.chart.margin_mm = 0.0;
    let scene = kinds::figure_scene_framed(report, figure, &flush, kinds::Framing::Bare);
    let c = &style.chart;
    let print_px = (c.width_mm / 25.4 * c.print_dpi).round() as u32;
    paint::png(&scene, print_px, c.print_dpi, style.palette.background).with_context(|| format!("handbook chart of figure {}", figure.number))
}

/// Path stem under outputs/ of a figure's chart (by chapter and figure id),
/// or of the chapter's hero tile. Ids only, not numbers: inserting or moving
/// a chapter renames no other chart, so designers' links keep working.
pub fn chart_stem(chapter_id: &str, figure_id: Option<&str>) -> String {
    match figure_id {
        Some(f) => format!("charts/{chapter_id}/{f}"),
        None => format!("charts/{chapter_id}/hero"),
    }
}

//! The site stage: the web pages of the stale site nodes, made from the
//! model and from the files the chart, data and PDF stages made (the
//! charts inline, the downloads copied beside the pages, so the site
//! stands alone); the other site nodes' files come from the last build.

use rayon::prelude::*;

use super::graph::Node;
use super::paths::Paths;
use super::publish::{Staged, Staging};
use crate::charts;
use crate::error::{Error, Result};
use crate::export;
use crate::model::{Chapter, Figure, Report};
use crate::site::{self, Download, SiteFile, Templates, ThemeFiles};
use crate::style::Style;

/// One site node and what it shows.
enum Unit<'a> {
    Home,
    Theme(&'a Chapter),
    Figure(&'a Chapter, &'a Figure),
}

/// The site's files, written into the new generation as each page is
/// made: built where `built` says so, else from `last`. The charts and
/// PDFs of this build (built or reused) are read back from `stage`.
pub fn render_site(
    report: &Report,
    style: &Style,
    paths: &Paths,
    built: &(dyn Fn(&Node) -> bool + Sync),
    last: &(dyn Fn(&Node) -> Result<Vec<Staged>> + Sync),
    stage: &Staging,
) -> Result<Vec<(Node, Vec<Staged>)>> {
    let mut units: Vec<(Node, Unit)> = vec![(Node::SiteHome, Unit::Home)];
    for ch in &report.chapters {
        units.push((Node::SiteTheme(ch.id.clone()), Unit::Theme(ch)));
        units.extend(ch.figures.iter().map(|f| (Node::SiteFigure(f.id.clone()), Unit::Figure(ch, f))));
    }
    let epoch = crate::handbook::PdfOptions::from_env()?.source_date_epoch.unwrap_or(crate::handbook::DEFAULT_DATE_EPOCH);
    let templates = if units.iter().any(|(n, _)| built(n)) { Some(Templates::load(&paths.site())?) } else { None };
    let file = |path: String| -> Result<Vec<u8>> { stage.read(&path).map_err(|e| Error::internal(format!("the site needs {path}, which this build did not make: {e}"))) };
    let text = |path: String| -> Result<String> { String::from_utf8(file(path.clone())?).map_err(|_| Error::internal(format!("{path} is not UTF-8"))) };
    let done: Vec<Result<Vec<Staged>>> = units
        .par_iter()
        .map(|(node, unit)| {
            let Some(templates) = templates.as_ref().filter(|_| built(node)) else { return last(node) };
            let pages: Vec<SiteFile> = match unit {
                Unit::Home => site::home_pages(report, style, templates)?,
                Unit::Theme(ch) => {
                    let hero = charts::chart_stem(&ch.id, None);
                    let svgs: Vec<String> = ch.figures.iter().map(|f| text(format!("{}.svg", charts::chart_stem(&ch.id, Some(&f.id))))).collect::<Result<_>>()?;
                    let (hero_svg, hero_png, pdf) = (file(format!("{hero}.svg"))?, file(format!("{hero}.png"))?, file(format!("handbook/{}.pdf", ch.id))?);
                    let theme = ThemeFiles { hero_svg: &hero_svg, hero_png: &hero_png, charts: svgs.iter().map(String::as_str).collect(), pdf: &pdf };
                    site::theme_page(report, ch, &theme, templates)?
                }
                Unit::Figure(ch, f) => {
                    let stem = charts::chart_stem(&ch.id, Some(&f.id));
                    let downloads = site::FIGURE_DOWNLOADS
                        .iter()
                        .map(|d| {
                            let bytes = match d {
                                Download::Png => file(format!("{stem}.png"))?,
                                Download::Svg => file(format!("{stem}.svg"))?,
                                Download::Csv => export::figure_csv(f)?,
                                Download::Json => export::figure_json(f)?,
                                Download::Xlsx => export::figure_xlsx(report, f, epoch)?,
                            };
                            Ok((*d, bytes))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    site::figure_page(report, ch, f, &text(format!("{stem}.svg"))?, &downloads, templates)?
                }
            };
            pages.into_iter().map(|(path, bytes)| stage.put(&path, &bytes)).collect()
        })
        .collect();
    units.into_iter().zip(done).map(|((node, _), files)| Ok((node, files?))).collect()
}

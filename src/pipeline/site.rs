//! The site stage: the web pages of the stale site nodes, made from the
//! model and from the files the chart, data and PDF stages made (the
//! charts inline, the downloads copied beside the pages, so the site
//! stands alone); the other site nodes' files come from the last build.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::graph::Node;
use super::paths::Paths;
use super::publish::Artifact;
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

/// The site's files: built where `built` says so, else from `last`.
/// `made` holds the charts and PDFs of this build (built or reused).
pub fn render_site(
    report: &Report,
    style: &Style,
    paths: &Paths,
    built: &(dyn Fn(&Node) -> bool + Sync),
    last: &(dyn Fn(&Node) -> Result<Vec<Artifact>> + Sync),
    made: &[Artifact],
) -> Result<Vec<(Node, Vec<Artifact>)>> {
    let mut units: Vec<(Node, Unit)> = vec![(Node::SiteHome, Unit::Home)];
    for ch in &report.chapters {
        units.push((Node::SiteTheme(ch.id.clone()), Unit::Theme(ch)));
        units.extend(ch.figures.iter().map(|f| (Node::SiteFigure(f.id.clone()), Unit::Figure(ch, f))));
    }
    let epoch = crate::handbook::PdfOptions::from_env()?.source_date_epoch.unwrap_or(crate::handbook::DEFAULT_DATE_EPOCH);
    let templates = if units.iter().any(|(n, _)| built(n)) { Some(Templates::load(&paths.site())?) } else { None };
    let files: BTreeMap<&str, &[u8]> = made.iter().map(|a| (a.path.as_str(), a.bytes.as_slice())).collect();
    let file = |path: String| -> Result<&[u8]> { files.get(path.as_str()).copied().ok_or_else(|| Error::internal(format!("the site needs {path}, which this build did not make"))) };
    let text = |path: String| -> Result<&str> { std::str::from_utf8(file(path.clone())?).map_err(|_| Error::internal(format!("{path} is not UTF-8"))) };
    let done: Vec<Result<Vec<Artifact>>> = units
        .par_iter()
        .map(|(node, unit)| {
            let Some(templates) = templates.as_ref().filter(|_| built(node)) else { return last(node) };
            let pages: Vec<SiteFile> = match unit {
                Unit::Home => site::home_pages(report, style, templates)?,
                Unit::Theme(ch) => {
                    let hero = charts::chart_stem(&ch.id, None);
                    let charts = ch.figures.iter().map(|f| text(format!("{}.svg", charts::chart_stem(&ch.id, Some(&f.id))))).collect::<Result<_>>()?;
                    let theme = ThemeFiles {
                        hero_svg: file(format!("{hero}.svg"))?,
                        hero_png: file(format!("{hero}.png"))?,
                        charts,
                        pdf: file(format!("handbook/{}.pdf", ch.id))?,
                    };
                    site::theme_page(report, ch, &theme, templates)?
                }
                Unit::Figure(ch, f) => {
                    let stem = charts::chart_stem(&ch.id, Some(&f.id));
                    let downloads = site::FIGURE_DOWNLOADS
                        .iter()
                        .map(|d| {
                            let bytes = match d {
                                Download::Png => file(format!("{stem}.png"))?.to_vec(),
                                Download::Svg => file(format!("{stem}.svg"))?.to_vec(),
                                Download::Csv => export::figure_csv(f)?,
                                Download::Json => export::figure_json(f)?,
                                Download::Xlsx => export::figure_xlsx(report, f, epoch)?,
                            };
                            Ok((*d, bytes))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    site::figure_page(report, ch, f, text(format!("{stem}.svg"))?, &downloads, templates)?
                }
            };
            Ok(pages.into_iter().map(|(path, bytes)| Artifact { path, bytes }).collect())
        })
        .collect();
    units.into_iter().zip(done).map(|((node, _), files)| Ok((node, files?))).collect()
}

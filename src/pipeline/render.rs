//! The render stages of the build: charts (SVG, print and screen PNG, the
//! data beside each chart) and the handbook PDFs, each unit re-rendered only
//! when what it shows changed.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use super::Invalid;
use super::build::{Fingerprint, NodeState, State, sha256_hex, tool_build};
use super::export::Artifact;
use crate::charts::{self, ChartStyle};
use crate::charts::style::Style;
use crate::figures::{Chapter, Figure, Report};
use crate::handbook::{self, ChartImages, PdfOptions};

/// What the render stages produced.
pub struct Rendered {
    pub artifacts: Vec<Artifact>,
    pub nodes: BTreeMap<String, NodeState>,
    pub rebuilt: Vec<String>,
    pub reused: Vec<String>,
}

/// The old files of `node`, if its fingerprint is unchanged (or `keep`) and
/// every file is still there with the same bytes.
fn reuse(old: &State, node: &str, fp: &Fingerprint, keep: bool, out: &Path) -> Option<(NodeState, Vec<Artifact>)> {
    let n = old.nodes.get(node)?;
    let changed = n.fingerprint != *fp;
    if changed && !keep {
        return None;
    }
    let files = n
        .files
        .iter()
        .map(|(p, h)| {
            let bytes = std::fs::read(out.join(p)).ok()?;
            (sha256_hex(&bytes) == *h).then(|| Artifact { path: p.clone(), bytes })
        })
        .collect::<Option<Vec<_>>>()?;
    let mut state = n.clone();
    state.outdated |= changed;
    Some((state, files))
}

fn node_state(fp: Fingerprint, files: &[Artifact]) -> NodeState {
    NodeState { fingerprint: fp, files: files.iter().map(|a| (a.path.clone(), sha256_hex(&a.bytes))).collect(), model: None, outdated: false }
}

/// What a chart or a chapter's pages take from the report besides their
/// own numbers (not the method facts, which only the whole book shows).
fn report_meta(report: &Report) -> String {
    serde_json::json!({
        "kicker": report.kicker, "title": report.title, "subtitle": report.subtitle,
        "data_note": report.data_note, "alpha": report.alpha, "min_n": report.min_n,
        "synthetic": report.method.iter().any(|w| w.synthetic),
    })
    .to_string()
}

/// A unit of the chart stage.
struct Unit<'a> {
    node: String,
    chapter: &'a Chapter,
    figure: Option<&'a Figure>,
    fp: Fingerprint,
    keep: bool,
}

pub fn render(report: &Report, style_path: &Path, out: &Path, old: &State, only: Option<&str>) -> Result<Rendered> {
    let style = Style::load(style_path).map_err(|e| Invalid(format!("{e:#}")))?;
    let chart_style = ChartStyle::from_style(&style).map_err(|e| Invalid(format!("{}: {e:#}", style_path.display())))?;
    let style_hash = sha256_hex(&std::fs::read(style_path)?);
    let meta = report_meta(report);
    let selected = |chapter: &Chapter, figure: Option<&Figure>| match only {
        None => true,
        Some(o) => chapter.id == o || figure.is_some_and(|f| f.id == o),
    };
    let base = || Fingerprint::default().with("tool", tool_build()).with("style", &style_hash).with("report", &meta);

    // Charts.
    let mut units = Vec::new();
    for ch in &report.chapters {
        let hero = serde_json::json!({"id": ch.id, "number": ch.number, "title": ch.title, "period": ch.period, "hero": ch.hero}).to_string();
        units.push(Unit { node: format!("chart:{}:hero", ch.id), chapter: ch, figure: None, fp: base().with("hero", hero), keep: !selected(ch, None) });
        for f in &ch.figures {
            let model = serde_json::to_string(f)?;
            units.push(Unit { node: format!("chart:{}", f.id), chapter: ch, figure: Some(f), fp: base().with("figure", model).with("chapter", &ch.id), keep: !selected(ch, Some(f)) });
        }
    }
    let done: Vec<Result<(String, NodeState, Vec<Artifact>, bool)>> = units
        .par_iter()
        .map(|u| {
            if let Some((state, files)) = reuse(old, &u.node, &u.fp, u.keep, out) {
                return Ok((u.node.clone(), state, files, false));
            }
            let r = match u.figure {
                Some(f) => charts::render_figure(report, f, &chart_style)?,
                None => charts::render_hero(report, u.chapter, &chart_style)?,
            };
            let stem = charts::chart_stem(u.chapter, u.figure);
            let mut files = vec![
                Artifact { path: format!("{stem}.svg"), bytes: r.svg.into_bytes() },
                Artifact { path: format!("{stem}.png"), bytes: r.png },
                Artifact { path: format!("{stem}-screen.png"), bytes: r.png_screen },
            ];
            // The data behind the chart, beside it, for designers; and the
            // bare print chart the handbook sets between its own text.
            if let Some(f) = u.figure {
                let data = super::export::figure_data(f)?;
                files.push(Artifact { path: format!("{stem}.csv"), bytes: data[0].bytes.clone() });
                files.push(Artifact { path: format!("{stem}-handbook.png"), bytes: charts::handbook_png(report, f, &chart_style)? });
            }
            Ok((u.node.clone(), node_state(u.fp.clone(), &files), files, true))
        })
        .collect();
    let mut out_files = Vec::new();
    let mut nodes = BTreeMap::new();
    let (mut rebuilt, mut reused) = (Vec::new(), Vec::new());
    let mut images = ChartImages::new();
    let mut png_hash: BTreeMap<String, String> = BTreeMap::new();
    for (d, u) in done.into_iter().zip(&units) {
        let (node, state, files, fresh) = d?;
        if let Some(f) = u.figure {
            if let Some(png) = files.iter().find(|a| a.path.ends_with(&format!("{}-{}-handbook.png", f.number, f.id))) {
                png_hash.insert(f.id.clone(), sha256_hex(&png.bytes));
                images.insert(f.id.clone(), png.bytes.clone());
            }
        }
        if fresh { rebuilt.push(node.clone()) } else { reused.push(node.clone()) }
        nodes.insert(node, state);
        out_files.extend(files);
    }

    // Handbook PDFs: each chapter and the whole book.
    let opts = PdfOptions::from_env().map_err(|e| Invalid(format!("{e:#}")))?;
    let epoch = opts.source_date_epoch.map(|e| e.to_string()).unwrap_or_default();
    let charts_of = |ch: &Chapter| ch.figures.iter().map(|f| png_hash.get(&f.id).cloned().unwrap_or_default()).collect::<Vec<_>>().join(",");
    let mut pdf_units: Vec<(String, Option<&Chapter>, Fingerprint, bool)> = Vec::new();
    for ch in &report.chapters {
        let fp = base().with("chapter", serde_json::to_string(ch)?).with("charts", charts_of(ch)).with("SOURCE_DATE_EPOCH", &epoch);
        pdf_units.push((format!("pdf:{}", ch.id), Some(ch), fp, !selected(ch, None)));
    }
    let all_charts: String = report.chapters.iter().map(charts_of).collect::<Vec<_>>().join(";");
    let whole = base().with("report", serde_json::to_string(report)?).with("charts", all_charts).with("SOURCE_DATE_EPOCH", &epoch);
    pdf_units.push(("pdf:handbook".into(), None, whole, only.is_some()));
    let done: Vec<Result<(String, NodeState, Vec<Artifact>, bool)>> = pdf_units
        .par_iter()
        .map(|(node, chapter, fp, keep)| {
            if let Some((state, files)) = reuse(old, node, fp, *keep, out) {
                return Ok((node.clone(), state, files, false));
            }
            let (path, bytes) = match chapter {
                Some(ch) => (format!("handbook/{}.pdf", ch.id), handbook::render_chapter(report, ch, &images, &style, &opts)?),
                None => ("handbook.pdf".to_string(), handbook::render_handbook(report, &images, &style, &opts)?),
            };
            let files = vec![Artifact { path, bytes }];
            Ok((node.clone(), node_state(fp.clone(), &files), files, true))
        })
        .collect();
    for d in done {
        let (node, state, files, fresh) = d?;
        if fresh { rebuilt.push(node.clone()) } else { reused.push(node.clone()) }
        nodes.insert(node, state);
        out_files.extend(files);
    }
    Ok(Rendered { artifacts: out_files, nodes, rebuilt, reused })
}

//! A trend figure: numbers published for more than one edition. Each point
//! is estimated on its own wave with that wave's design (the build reads one
//! wave at a time, so the points come in parts, one per wave), then the
//! points are put together with the tests between neighbouring editions
//! that use the same definition, and the sentences from `text`.

use std::collections::BTreeMap;

use super::figure::Ctx;
use crate::config::{FigureConfig, TrendSpec};
use crate::data::codebook::Codebook;
use crate::error::{Error, Result};
use crate::model::*;
use crate::stats;
use crate::text;

/// The estimates one wave gives a trend figure: (series, point) -> value.
pub type Part = Vec<((usize, usize), Value)>;

impl Ctx<'_> {
    /// The points of `spec` that this context's wave holds.
    pub(super) fn trend_part(&self, f: &FigureConfig, spec: &TrendSpec) -> Result<Part> {
        let mut out = Vec::new();
        for (s, series) in spec.series.iter().enumerate() {
            for (k, p) in series.points.iter().enumerate().filter(|(_, p)| p.period == self.period) {
                let (rows, _) = self.domain(p.domain.as_deref().unwrap_or(&f.domain))?;
                let y = self.eval_in(&p.expr, &rows, &format!("series {} point {}", s + 1, k + 1))?;
                out.push(((s, k), self.value(&rows, &y)?));
            }
        }
        Ok(out)
    }
}

/// A change of definition: the series, from and to which edition.
type Changed = (String, String, String);

/// What the trend figure is put together with.
pub(super) struct Whole<'a> {
    pub f: &'a FigureConfig,
    pub spec: &'a TrendSpec,
    /// "8.1"
    pub number: String,
    /// The chapter's period ("2013-2023").
    pub period: &'a str,
    pub alpha: f64,
    pub min_n: usize,
    pub codebook: &'a Codebook,
}

impl Whole<'_> {
    /// The figure from its points (every part of every wave it reads).
    pub fn figure(&self, parts: Vec<Part>) -> Result<Figure> {
        let values: BTreeMap<(usize, usize), Value> = parts.into_iter().flatten().collect();
        let (f, spec) = (self.f, self.spec);
        let mut periods: Vec<String> = spec.series.iter().flat_map(|s| s.points.iter().map(|p| p.period.clone())).collect();
        periods.sort();
        periods.dedup();
        let mut definitions: Vec<&str> = Vec::new();
        let mut bars = Vec::new();
        let mut points = Vec::new();
        let mut tests = Vec::new();
        let mut changes: Vec<(String, Vec<Changed>)> = Vec::new();
        for (s, series) in spec.series.iter().enumerate() {
            let mut previous: Option<(&str, Value)> = None;
            for (k, p) in series.points.iter().enumerate() {
                let value = *values.get(&(s, k)).ok_or_else(|| Error::internal(format!("{}: no estimate for series {} point {}", f.id, s + 1, k + 1)))?;
                let footnote = match definitions.iter().position(|d| *d == p.definition) {
                    Some(i) => i + 1,
                    None => {
                        definitions.push(&p.definition);
                        definitions.len()
                    }
                };
                let period = p.period.as_str();
                let joined = k > 0 && p.same_definition.unwrap_or(true);
                let changed = (k > 0 && !joined).then(|| p.change.clone().unwrap_or_default());
                if let (Some(what), Some((from, _))) = (&changed, previous) {
                    let change = (series.label.clone(), from.to_string(), period.to_string());
                    match changes.iter_mut().find(|(w, _)| w == what) {
                        Some((_, list)) => list.push(change),
                        None => changes.push((what.clone(), vec![change])),
                    }
                }
                if let (true, Some((from, before))) = (joined, previous)
                    && !before.suppressed
                    && !value.suppressed
                    && let Some(d) = stats::independent_difference(before.estimate, before.se, value.estimate, value.se)
                {
                    let significant = d.p < self.alpha;
                    tests.push(EditionTest {
                        series: series.label.clone(),
                        from: from.to_string(),
                        to: period.to_string(),
                        difference: d.difference,
                        se: d.se,
                        z: d.z,
                        p_value: d.p,
                        significant,
                        sentence: text::edition_test(&series.label, from, before.estimate, period, value.estimate, significant, self.alpha),
                    });
                }
                bars.push(Bar {
                    series: series.label.clone(),
                    group: period.to_string(),
                    label: text::share_label(value.estimate, value.suppressed),
                    value,
                    highlight: false,
                    kind: BarKind::Estimate,
                });
                points.push(TrendPoint { definition: p.definition.clone(), footnote, n_label: text::n_equals(value.n), joined, changed });
                previous = Some((period, value));
            }
        }
        let synthetic = periods.iter().any(|p| self.codebook.waves.iter().any(|w| &w.period == p && w.synthetic));
        let n = bars.iter().map(|b| b.value.n).max().unwrap_or(0);
        let source = f.source.clone().unwrap_or_else(|| text::trend_source(&periods));
        let method = text::trend_method(self.alpha);
        let ns: Vec<(String, usize)> = periods
            .iter()
            .map(|p| (p.clone(), bars.iter().filter(|b| &b.group == p).map(|b| b.value.n).max().unwrap_or(0)))
            .collect();
        // The caption names the differences the test supports; the rest are said once.
        let mut results: Vec<String> = tests.iter().filter(|t| t.significant).map(|t| t.sentence.clone()).collect();
        if tests.iter().any(|t| !t.significant) {
            results.push(text::trend_rest(!results.is_empty(), self.alpha));
        }
        let mut fig = Figure {
            id: f.id.clone(),
            label: text::figure_label(&self.number),
            number: self.number.clone(),
            kind: FigureKind::Trend,
            period: self.period.to_string(),
            title: f.title.clone(),
            subtitle: f.subtitle.clone(),
            series: spec.series.iter().map(|s| s.label.clone()).collect(),
            groups: periods,
            bars,
            tests: Vec::new(),
            caption: text::trend_caption(&f.shows, &f.question, f.note.as_deref(), &method, &results, &ns),
            source_line: text::trend_source_line(&source),
            source,
            n,
            warnings: Vec::new(),
            synthetic,
            claim: None,
            notes: Vec::new(),
            description: String::new(),
            trend: None,
        };
        fig.notes = text::chart_notes(&fig, self.alpha, self.min_n);
        fig.notes.extend(definitions.iter().enumerate().map(|(i, d)| text::trend_definition(i + 1, d)));
        fig.notes.extend(changes.iter().map(|(what, list)| text::trend_changed(list, what)));
        fig.warnings = text::trend_title_misfits(&f.title, &tests).into_iter().map(|w| format!("figure {}: {w}", f.id)).collect();
        let period_labels = fig.groups.iter().map(|p| text::short_period(p)).collect();
        fig.trend = Some(Trend { points, tests, method, period_labels });
        Ok(fig)
    }
}

//! One hero or figure computed on one wave: its numbers from the
//! estimators, its sentences from `text`. One function per figure kind.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::WaveData;
use super::check::{Env, expressions};
use super::published::read_published;
use crate::config::{BarsSpec, ChapterConfig, ComparisonSpec, DistributionSpec, FactsSpec, FigureConfig, FigureSpec, GroupedSpec, SeriesConfig, StackedSpec};
use crate::data::codebook::Codebook;
use crate::error::{Error, Result};
use crate::data::codebook::Asked;
use crate::expr::{self, Expr, Indicators, Memo, Packed};
use crate::model::*;
use crate::stats;
use crate::text::{self, Caption};

/// What one figure's computation needs.
pub(super) struct Ctx<'a> {
    pub env: &'a Env,
    pub memo: &'a Memo,
    pub wd: &'a WaveData,
    pub period: &'a str,
    pub min_n: usize,
    pub alpha: f64,
    pub codebook: &'a Codebook,
    /// `<inputs>/`, where published tables live.
    pub dir: &'a std::path::Path,
}

fn mask_and(a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter().zip(b).map(|(x, y)| *x && *y).collect()
}

impl Ctx<'_> {
    /// Where an expression holds and where it is known, its values read as the codebook writes them.
    /// Kept in the wave's memo where that saves work: an indicator under
    /// its name (as the expressions that name it keep it), a compound
    /// expression under its text. A comparison on one column is evaluated
    /// again instead: one pass over its codes costs less than keeping its
    /// mask (2,5 MB at ten million rows) for the rest of the wave.
    fn mask(&self, text: &str) -> Result<Arc<Packed>> {
        let e = Expr::parse(text)?.resolve(self.codebook)?;
        let (wave, env) = (&self.wd.wave, &self.env.indicators);
        match &e {
            Expr::Ref(name) if env.contains_key(name) => self.memo.get_indicator(name, || e.eval_packed(wave, env, self.memo)),
            Expr::Cmp { .. } | Expr::In { .. } | Expr::Ref(_) => Ok(Arc::new(e.eval_packed(wave, env, self.memo)?)),
            _ => self.memo.get_expr(text, || e.eval_packed(wave, env, self.memo)),
        }
    }

    /// Where an expression holds in a domain. Refused where it is unknown
    /// for rows of the domain (an item not asked of them): an empty answer
    /// is never counted as "no".
    pub(super) fn eval_in(&self, text: &str, domain: &[bool], what: &str) -> Result<Vec<bool>> {
        let m = self.mask(text)?;
        let unknown = m.unknown_in(domain);
        if unknown == 0 {
            return Ok(m.yes());
        }
        let wave = &self.wd.wave;
        let mut unasked = Vec::new();
        for item in Expr::parse(text)?.items(wave, &self.env.indicators) {
            if wave.has(&item) && expr::empty_in(wave, &item, domain)? > 0 {
                let who = match self.codebook.item(&item).map(|i| &i.asked) {
                    Some(Asked::Innovators) => " (asked only of innovators)".to_string(),
                    Some(Asked::NonInnovators) => " (asked only of workplaces that did not innovate)".to_string(),
                    Some(a @ Asked::When(_)) => format!(" (asked only where {a})"),
                    _ => String::new(),
                };
                unasked.push(format!("{item}{who}"));
            }
        }
        let n = domain.iter().filter(|&&d| d).count();
        Err(Error::config(format!(
            "{what} \"{text}\" is unknown for {} of the {} workplaces in the domain: {} was not asked of them, and an empty answer is not a \"no\"; use a domain of workplaces that were asked (such as innovators), or make the expression false for the others (innovated = 1 and …)",
            text::thousands(unknown),
            text::thousands(n),
            text::list_and(&unasked)
        )))
    }

    /// A named domain's rows, and who was asked (for the caption).
    pub(super) fn domain(&self, name: &str) -> Result<(Vec<bool>, String)> {
        let (e, asked) = self.env.domains.get(name).ok_or_else(|| Error::internal(format!("unknown domain {name}")))?;
        let rows = self.memo.get_domain(name, || e.eval_packed(&self.wd.wave, &self.env.indicators, self.memo))?;
        Ok((rows, asked.replace("{period}", self.period)))
    }

    /// A share as a model value, suppressed under the minimum n.
    pub(super) fn value(&self, domain: &[bool], y: &[bool]) -> Result<Value> {
        Ok(self.values(domain, &[y])?.remove(0))
    }

    /// Several shares over one domain (a figure's bars), from one pass;
    /// an empty domain gives suppressed values.
    fn values<Y: AsRef<[bool]>>(&self, domain: &[bool], ys: &[Y]) -> Result<Vec<Value>> {
        if !domain.iter().any(|&d| d) {
            return Ok(ys.iter().map(|_| Value { estimate: 0.0, se: 0.0, ci_low: None, ci_high: None, n: 0, suppressed: true }).collect());
        }
        let refs: Vec<&[bool]> = ys.iter().map(AsRef::as_ref).collect();
        let es = stats::shares(&self.wd.design, domain, &refs)?;
        Ok(es.into_iter().map(|e| self.model_value(e.estimate, e.se, e.ci, e.n)).collect())
    }

    /// Every series' indicator, evaluated over the domain.
    fn series(&self, series: &[SeriesConfig], domain: &[bool]) -> Result<Vec<Vec<bool>>> {
        series.iter().enumerate().map(|(i, s)| self.eval_in(&s.expr, domain, &format!("series {}", i + 1))).collect()
    }

    /// An estimate as the model holds it, suppressed under the minimum n.
    fn model_value(&self, estimate: f64, se: f64, ci: Option<(f64, f64)>, n: usize) -> Value {
        Value { estimate, se, ci_low: ci.map(|c| c.0), ci_high: ci.map(|c| c.1), n, suppressed: n < self.min_n }
    }

    pub fn hero(&self, ch: &ChapterConfig) -> Result<Hero> {
        let (domain, _) = self.domain(&ch.hero.domain)?;
        let y = self.eval_in(&ch.hero.indicator, &domain, "the hero indicator")?;
        let value = self.value(&domain, &y)?;
        Ok(Hero {
            indicator: ch.hero.indicator.clone(),
            domain: ch.hero.domain.clone(),
            value,
            text: text::share_label(value.estimate, value.suppressed),
            sentence: ch.hero.sentence.clone(),
            source: ch.hero.source,
            note: text::hero_note(ch.hero.source),
        })
    }

    fn bar(&self, series: &str, group: &str, value: Value, highlight: bool) -> Bar {
        Bar {
            series: series.to_string(),
            group: group.to_string(),
            label: text::share_label(value.estimate, value.suppressed),
            value,
            highlight,
            kind: BarKind::Estimate,
        }
    }

    /// Sentences that explain the composites a figure uses.
    fn composites(&self, f: &FigureConfig) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (_, text) in expressions(f) {
            if let Ok(e) = Expr::parse(&text) {
                collect_refs(&e, &self.env.indicators, &self.env.explain, &mut names);
            }
        }
        names.iter().filter_map(|n| self.env.explain.get(n).cloned()).collect()
    }

    /// A figure: its numbers, caption, chart notes and title check.
    pub fn figure(&self, f: &FigureConfig, number: String) -> Result<Figure> {
        let (domain, asked) = self.domain(&f.domain)?;
        let n = domain.iter().filter(|&&d| d).count();
        let mut caption = Caption {
            shows: f.shows.clone(),
            composites: self.composites(f),
            questions: f.question.clone(),
            asked,
            weighted: true,
            n,
            ..Caption::default()
        };
        let source = f.source.clone().unwrap_or_else(|| text::source(self.period));
        let mut fig = Figure {
            id: f.id.clone(),
            label: text::figure_label(&number),
            number,
            kind: f.kind(),
            period: self.period.to_string(),
            title: f.title.clone(),
            subtitle: f.subtitle.clone(),
            series: Vec::new(),
            groups: Vec::new(),
            bars: Vec::new(),
            tests: Vec::new(),
            caption: String::new(),
            source,
            n,
            warnings: Vec::new(),
            claim: None,
            synthetic: self.codebook.waves.iter().any(|w| w.period == self.period && w.synthetic),
            notes: Vec::new(),
            source_line: String::new(),
            description: String::new(),
            trend: None,
        };
        match &f.spec {
            FigureSpec::Bars(spec) => self.bars(spec, &domain, &mut fig, &mut caption)?,
            FigureSpec::Grouped(spec) => self.grouped(f, spec, &domain, &mut fig, &mut caption)?,
            FigureSpec::Stacked(spec) => self.stacked(spec, &domain, &mut fig)?,
            FigureSpec::Distribution(spec) => self.distribution(spec, &domain, &mut fig, &mut caption)?,
            FigureSpec::Comparison(spec) => self.comparison(f, spec, &domain, &mut fig, &mut caption)?,
            FigureSpec::Trend(_) => return Err(Error::internal(format!("figure {} is a trend, computed across waves", f.id))),
            FigureSpec::Facts(spec) => {
                // Tiles over several domains: each says what it is about.
                caption.asked.clear();
                self.facts(spec, &mut fig)?
            }
        }
        if let Some(note) = &f.note {
            caption.sums.insert(0, note.clone());
        }
        if let Some(l) = f.spec.left_out() {
            let v = self.value(&domain, &self.eval_in(&l.expr, &domain, "left_out")?)?;
            caption.sums.push(text::sums_to_less(v.estimate, &l.label));
        }
        caption.n = fig.n;
        fig.caption = caption.text();
        fig.notes = text::chart_notes(&fig, self.alpha, self.min_n);
        fig.source_line = text::source_line(&fig.source, fig.n);
        self.check_title(f, &domain, &mut fig)?;
        Ok(fig)
    }

    fn bars(&self, spec: &BarsSpec, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let values = self.values(domain, &self.series(&spec.series, domain)?)?;
        for (s, v) in spec.series.iter().zip(values) {
            fig.series.push(s.label.clone());
            fig.bars.push(self.bar(&s.label, "", v, s.highlight));
        }
        multi_select(spec.multi_select.as_deref(), &fig.bars, caption);
        Ok(())
    }

    fn group_masks(&self, groups: &[SeriesConfig], domain: &[bool]) -> Result<Vec<Vec<bool>>> {
        groups.iter().enumerate().map(|(i, g)| Ok(mask_and(domain, &self.eval_in(&g.expr, domain, &format!("groups {}", i + 1))?))).collect()
    }

    fn grouped(&self, f: &FigureConfig, spec: &GroupedSpec, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let masks = self.group_masks(&spec.groups, domain)?;
        // The tested domain: rows in any group; the group code is its position.
        let tested: Vec<bool> = (0..domain.len()).map(|i| masks.iter().any(|m| m[i])).collect();
        let code: Vec<f64> = (0..domain.len()).map(|i| masks.iter().position(|m| m[i]).map_or(f64::NAN, |g| g as f64)).collect();
        fig.groups = spec.groups.iter().map(|g| g.label.clone()).collect();
        fig.n = tested.iter().filter(|&&t| t).count();
        let by = spec.groups.iter().map(|g| g.expr.clone()).collect::<Vec<_>>().join(" / ");
        let mut outcomes = Vec::new();
        let ys = self.series(&spec.series, &tested)?;
        let by_group: Vec<Vec<Value>> = masks.iter().map(|m| self.values(m, &ys)).collect::<Result<_>>()?;
        for (k, (s, y)) in spec.series.iter().zip(&ys).enumerate() {
            fig.series.push(s.label.clone());
            for (g, values) in spec.groups.iter().zip(&by_group) {
                fig.bars.push(self.bar(&s.label, &g.label, values[k], g.highlight || s.highlight));
            }
            match stats::rao_scott(&self.wd.design, &tested, y, &code) {
                Ok(t) => {
                    let significant = t.p_f < self.alpha;
                    outcomes.push((s.label.clone(), significant));
                    fig.tests.push(Test { series: s.label.clone(), by: by.clone(), statistic: t.f, ndf: t.ndf, ddf: t.ddf, p_value: t.p_f, significant });
                }
                Err(e) => fig.warnings.push(format!("{}: no test for \u{201c}{}\u{201d}: {e}", f.id, s.label)),
            }
        }
        multi_select(spec.multi_select.as_deref(), &fig.bars, caption);
        if !outcomes.is_empty() {
            caption.significance.push(text::significance_sentence(&outcomes, self.alpha));
        }
        if !spec.controls.is_empty() {
            caption.significance.push(self.controlled(spec, &tested, &masks, &outcomes)?);
        }
        Ok(())
    }

    /// The design-based dummies of a text column (delsektor): one per
    /// level seen in the tested rows but the first, as R's treatment
    /// contrasts. Read from the column's codes.
    fn dummies(&self, name: &str, text: crate::data::Text, tested: &[bool]) -> Vec<(String, Vec<bool>)> {
        let mut used = vec![false; text.levels.len()];
        for (i, _) in tested.iter().enumerate().filter(|(_, t)| **t) {
            if let Some(u) = used.get_mut(text.code(i)) {
                *u = true;
            }
        }
        let mut order: Vec<usize> = (0..text.levels.len()).filter(|&k| used[k]).collect();
        order.sort_by_key(|&k| &text.levels[k]);
        order.iter().skip(1).map(|&k| (format!("{name}{}", text.levels[k]), (0..text.len()).map(|i| text.code(i) == k).collect())).collect()
    }

    /// Survey-weighted logistic regression of each significant series on the
    /// first group, controlling for the configured items: does it hold?
    fn controlled(&self, spec: &GroupedSpec, tested: &[bool], masks: &[Vec<bool>], outcomes: &[(String, bool)]) -> Result<String> {
        let mut columns: Vec<(String, Vec<bool>)> = vec![("group".into(), masks[0].clone())];
        for c in &spec.controls {
            match self.wd.wave.text(c) {
                Some(text) => columns.extend(self.dummies(c, text, tested)),
                None => columns.push((c.clone(), self.eval_in(c, tested, "control")?)),
            }
        }
        let terms: Vec<(&str, &[bool])> = columns.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
        let what = spec.controls_text.clone().unwrap_or_else(|| text::list_and(&spec.controls));
        // One model for every significant series: the terms are prepared once.
        let significant: Vec<(&SeriesConfig, &String)> =
            spec.series.iter().zip(outcomes).filter(|(_, (_, significant))| *significant).map(|(s, (label, _))| (s, label)).collect();
        let ys: Vec<Vec<bool>> = significant.iter().map(|(s, _)| self.eval_in(&s.expr, tested, "series")).collect::<Result<_>>()?;
        let refs: Vec<&[bool]> = ys.iter().map(Vec::as_slice).collect();
        let fits = if refs.is_empty() { Vec::new() } else { stats::logistic_each(&self.wd.design, tested, &refs, &terms)? };
        let mut holds: Vec<(String, bool)> = Vec::new();
        for ((_, label), fit) in significant.iter().zip(&fits) {
            let c = fit.coefficients.iter().find(|c| c.term == "group").ok_or_else(|| Error::internal("no group coefficient"))?;
            holds.push(((*label).clone(), c.p < self.alpha));
        }
        Ok(text::controlled_sentence(&holds, &what))
    }

    fn stacked(&self, spec: &StackedSpec, domain: &[bool], fig: &mut Figure) -> Result<()> {
        let (labels, masks): (Vec<String>, Vec<Vec<bool>>) = if spec.groups.is_empty() {
            (vec![String::new()], vec![domain.to_vec()])
        } else {
            (spec.groups.iter().map(|g| g.label.clone()).collect(), self.group_masks(&spec.groups, domain)?)
        };
        fig.groups = labels.iter().filter(|l| !l.is_empty()).cloned().collect();
        let ys = self.series(&spec.series, domain)?;
        fig.series = spec.series.iter().map(|s| s.label.clone()).collect();
        let by_group: Vec<Vec<Value>> = masks.iter().map(|m| self.values(m, &ys)).collect::<Result<_>>()?;
        for (k, s) in spec.series.iter().enumerate() {
            for (label, values) in labels.iter().zip(&by_group) {
                fig.bars.push(self.bar(&s.label, label, values[k], s.highlight));
            }
        }
        Ok(())
    }

    fn distribution(&self, spec: &DistributionSpec, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let name = spec.item.as_str();
        let item = self.codebook.item(name).ok_or_else(|| Error::internal(format!("item {name} is not in the codebook")))?;
        let codes = self.wd.wave.values(name)?;
        let levels: Vec<f64> = item.codes.iter().map(|(c, _)| f64::from(*c)).collect();
        let shares = stats::distribution(&self.wd.design, domain, &codes, &levels)?;
        if caption.questions.is_empty() {
            caption.questions.push(item.question.clone());
        }
        let mut left = Vec::new();
        for ((code, label), e) in item.codes.iter().zip(&shares) {
            let value = self.model_value(e.estimate, e.se, e.ci, e.n);
            if spec.leave_out.contains(code) {
                left.push((e.estimate, label.clone()));
                continue;
            }
            fig.series.push(label.clone());
            fig.bars.push(self.bar(label, "", value, spec.highlight.contains(code)));
        }
        if !left.is_empty() {
            caption.sums.push(text::codes_left_out(&left));
        }
        Ok(())
    }

    fn comparison(&self, f: &FigureConfig, spec: &ComparisonSpec, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let path = self.dir.join(&spec.published);
        let table = read_published(&path)?;
        let ours = spec.computed_label.clone().unwrap_or_else(|| text::computed_column(self.period));
        let theirs = spec.published_label.clone().unwrap_or_else(|| text::PUBLISHED_COLUMN.into());
        fig.groups = vec![ours.clone(), theirs.clone()];
        let mut sources = Vec::new();
        let values = self.values(domain, &self.series(&spec.series, domain)?)?;
        for (s, v) in spec.series.iter().zip(values) {
            fig.series.push(s.label.clone());
            fig.bars.push(self.bar(&s.label, &ours, v, true));
            let key = s.key.as_deref().unwrap_or(&s.label);
            let row = table
                .iter()
                .find(|r| r.key == key)
                .ok_or_else(|| Error::config(format!("{}: no row with key \"{key}\" (figure {})", path.display(), f.id)))?;
            let value = Value { estimate: row.percent / 100.0, se: 0.0, ci_low: None, ci_high: None, n: 0, suppressed: false };
            let mut bar = self.bar(&s.label, &theirs, value, false);
            bar.kind = BarKind::Published { source: row.source.clone() };
            fig.bars.push(bar);
            if !sources.contains(&row.source) {
                sources.push(row.source.clone());
            }
        }
        caption.notes.push(text::published_not_tested(&theirs, &sources));
        Ok(())
    }

    fn facts(&self, spec: &FactsSpec, fig: &mut Figure) -> Result<()> {
        let mut n = 0;
        for (i, fact) in spec.facts.iter().enumerate() {
            let (dom, _) = self.domain(&fact.domain)?;
            let y = self.eval_in(&fact.expr, &dom, &format!("facts {}", i + 1))?;
            let bar = match &fact.among {
                None => {
                    let v = self.value(&dom, &y)?;
                    self.bar(&fact.label, "", v, fact.highlight)
                }
                Some(among) => {
                    let a = self.eval_in(among, &dom, &format!("facts {} among", i + 1))?;
                    let da = mask_and(&dom, &a);
                    let db: Vec<bool> = dom.iter().zip(&a).map(|(d, a)| *d && !*a).collect();
                    let r = stats::ratio(&self.wd.design, &da, &db, &y)?;
                    let value = self.model_value(r.estimate, r.se, r.ci, r.n);
                    let mut b = self.bar(&fact.label, "", value, fact.highlight);
                    b.label = if value.suppressed { text::TOO_FEW.into() } else { text::times(r.estimate) };
                    b.kind = BarKind::Ratio;
                    b
                }
            };
            n = n.max(bar.value.n);
            fig.series.push(fact.label.clone());
            fig.bars.push(bar);
        }
        fig.n = n;
        Ok(())
    }

    /// Warnings where the title's words no longer fit the numbers.
    fn check_title(&self, f: &FigureConfig, domain: &[bool], fig: &mut Figure) -> Result<()> {
        let claim = match &f.claim {
            Some(c) => Some(self.value(domain, &self.eval_in(c, domain, "claim")?)?.estimate),
            None => fig.bars.iter().find(|b| b.highlight && b.kind != BarKind::Ratio).or(fig.bars.first()).map(|b| b.value.estimate),
        };
        fig.claim = claim;
        if let Some(p) = claim {
            for w in text::misfit_words(&f.title, p) {
                fig.warnings.push(format!("figure {}: {w}", f.id));
            }
        }
        let lower = f.title.to_lowercase();
        if let Some(word) = text::DIFFERENCE_WORDS.iter().find(|w| lower.contains(*w)) {
            for t in fig.tests.iter().filter(|t| !t.significant) {
                fig.warnings.push(format!(
                    "figure {}: the title says \u{201c}{word}\u{201d} but the difference for \u{201c}{}\u{201d} is not significant at {} (p = {:.3})",
                    f.id,
                    t.series,
                    text::decimal(self.alpha, 2),
                    t.p_value
                ));
            }
            if fig.tests.is_empty() {
                fig.warnings.push(format!("figure {}: the title says \u{201c}{word}\u{201d} but no test supports it", f.id));
            }
        }
        Ok(())
    }
}

/// "Figuren summerer til mere end 100 pct., da …" where the bars do.
fn multi_select(reason: Option<&str>, bars: &[Bar], caption: &mut Caption) {
    if let Some(reason) = reason {
        let mut groups: BTreeMap<&str, f64> = BTreeMap::new();
        for b in bars {
            *groups.entry(b.group.as_str()).or_default() += b.value.estimate;
        }
        if groups.values().any(|&s| s > 1.0) {
            caption.sums.push(text::sums_to_more(reason));
        }
    }
}

fn collect_refs(e: &Expr, env: &Indicators, explained: &BTreeMap<String, String>, out: &mut Vec<String>) {
    match e {
        Expr::Ref(n) => {
            if !out.contains(n) {
                out.push(n.clone());
            }
            // An explained indicator speaks for its parts; others are looked into.
            if let Some(inner) = env.get(n).filter(|_| !explained.contains_key(n)) {
                collect_refs(inner, env, explained, out);
            }
        }
        Expr::Or(v) | Expr::And(v) => v.iter().for_each(|x| collect_refs(x, env, explained, out)),
        Expr::Not(x) => collect_refs(x, env, explained, out),
        _ => {}
    }
}

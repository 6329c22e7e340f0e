//! Computes the figure model from configuration and validated waves: every
//! hero number and figure, in parallel, with Danish text from the numbers.
//! Configuration is checked whole before anything is computed.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Context, Error, Result};
use rayon::prelude::*;

use crate::config::{ChapterConfig, Config, FigureConfig, SeriesConfig};
use crate::expr::{Expr, Indicators, Memo};
use crate::model::*;
use crate::data::codebook::Codebook;
use crate::data::Wave;
use crate::stats::{self, Design};
use crate::text::{self, Caption};

/// A wave with its design, ready for estimation.
pub struct WaveData {
    pub wave: Wave,
    pub design: Design,
}

/// What computing needs besides the configuration.
pub struct Inputs<'a> {
    pub codebook: &'a Codebook,
    pub waves: BTreeMap<String, WaveData>,
    /// `<inputs>/`: published tables and content files live here.
    pub dir: &'a Path,
}

/// Indicators and domains from report.toml, parsed.
struct Env {
    indicators: Indicators,
    explain: BTreeMap<String, String>,
    domains: BTreeMap<String, (Expr, String)>,
}

fn env_of(config: &Config) -> Result<Env, Vec<String>> {
    let file = config.dir.join("report.toml").display().to_string();
    let mut errors = Vec::new();
    let mut indicators = Indicators::new();
    let mut explain = BTreeMap::new();
    for (name, ind) in &config.report.indicator {
        match Expr::parse(&ind.expr) {
            Ok(e) => {
                indicators.insert(name.clone(), e);
            }
            Err(e) => errors.push(format!("{file}: [indicator.{name}] expr: {e}")),
        }
        if let Some(x) = &ind.explain {
            explain.insert(name.clone(), x.clone());
        }
    }
    let mut domains = BTreeMap::new();
    for (name, d) in &config.report.domain {
        match Expr::parse(&d.expr) {
            Ok(e) => {
                domains.insert(name.clone(), (e, d.asked.clone()));
            }
            Err(e) => errors.push(format!("{file}: [domain.{name}] expr: {e}")),
        }
    }
    if errors.is_empty() { Ok(Env { indicators, explain, domains }) } else { Err(errors) }
}

/// Every expression a figure uses, with where it is written, for checking.
fn expressions(f: &FigureConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, s) in f.series.iter().enumerate() {
        out.push((format!("series {} expr", i + 1), s.expr.clone()));
    }
    for (i, s) in f.groups.iter().enumerate() {
        out.push((format!("groups {} expr", i + 1), s.expr.clone()));
    }
    if let Some(l) = &f.left_out {
        out.push(("left_out expr".into(), l.expr.clone()));
    }
    if let Some(c) = &f.claim {
        out.push(("claim".into(), c.clone()));
    }
    for (i, fact) in f.facts.iter().enumerate() {
        out.push((format!("facts {} expr", i + 1), fact.expr.clone()));
        if let Some(a) = &fact.among {
            out.push((format!("facts {} among", i + 1), a.clone()));
        }
    }
    out
}

/// Checks the whole configuration against the waves; every problem at once.
/// Checks the whole configuration against the codebook's description of
/// each wave (no data needed), so every problem is reported at once before
/// anything is read or computed. `periods` are the waves the inputs hold.
pub fn check(config: &Config, codebook: &Codebook, periods: &std::collections::BTreeSet<String>) -> Result<(), Vec<String>> {
    let env = env_of(config)?;
    let mut errors = Vec::new();
    for (ch, path) in config.chapters.iter().zip(&config.chapter_files) {
        let file = path.display().to_string();
        if !periods.contains(&ch.period) {
            errors.push(format!("{file}: period = \"{}\": there is no wave file for it in the inputs", ch.period));
            continue;
        }
        let columns: Vec<String> = crate::data::codebook::DESIGN_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .chain(codebook.items_in(&ch.period).map(|i| i.name.clone()))
            .collect();
        let has = |c: &str| columns.iter().any(|x| x == c);
        let families = |p: &str| -> Vec<String> { columns.iter().filter(|c| c.starts_with(p) && c.len() > p.len()).cloned().collect() };
        let check_expr = |place: String, text: &str, errors: &mut Vec<String>| match Expr::parse(text) {
            Ok(e) => {
                if let Err(err) = e.check(&has, &families, &env.indicators) {
                    errors.push(format!("{file}: {place}: {err} (wave {})", ch.period));
                }
            }
            Err(err) => errors.push(format!("{file}: {place}: {err}")),
        };
        check_expr("hero indicator".into(), &ch.hero.indicator, &mut errors);
        let mut used: Vec<&str> = vec![ch.hero.domain.as_str()];
        used.extend(ch.figures.iter().map(|f| f.domain.as_str()));
        used.extend(ch.figures.iter().flat_map(|f| f.facts.iter().map(|x| x.domain.as_str())));
        used.sort();
        used.dedup();
        for d in used {
            if let Some(dc) = config.report.domain.get(d) {
                check_expr(format!("[domain.{d}] of report.toml"), &dc.expr, &mut errors);
            }
        }
        if !env.domains.contains_key(&ch.hero.domain) {
            errors.push(format!("{file}: hero domain = \"{}\" is not a [domain] of report.toml", ch.hero.domain));
        }
        for f in &ch.figures {
            let at = format!("figure \"{}\"", f.id);
            if !env.domains.contains_key(&f.domain) {
                errors.push(format!("{file}: {at}: domain = \"{}\" is not a [domain] of report.toml", f.domain));
            }
            for (place, text) in expressions(f) {
                check_expr(format!("{at}: {place}"), &text, &mut errors);
            }
            for fact in &f.facts {
                if !env.domains.contains_key(&fact.domain) {
                    errors.push(format!("{file}: {at}: facts domain = \"{}\" is not a [domain] of report.toml", fact.domain));
                }
            }
            let need = |ok: bool, what: &str, errors: &mut Vec<String>| {
                if !ok {
                    errors.push(format!("{file}: {at}: kind = \"{}\" needs {what}", f.kind.name()));
                }
            };
            match f.kind {
                FigureKind::Bars | FigureKind::Stacked => need(!f.series.is_empty(), "series", &mut errors),
                FigureKind::Grouped => {
                    need(!f.series.is_empty(), "series", &mut errors);
                    need(f.groups.len() >= 2, "at least two groups", &mut errors);
                }
                FigureKind::Comparison => {
                    need(!f.series.is_empty(), "series", &mut errors);
                    need(f.published.is_some(), "published (a table in the inputs)", &mut errors);
                }
                FigureKind::Facts => need(!f.facts.is_empty(), "facts", &mut errors),
                FigureKind::Distribution => match &f.item {
                    None => need(false, "item", &mut errors),
                    Some(item) => {
                        if !has(item) {
                            errors.push(format!("{file}: {at}: item \"{item}\" is not in wave {}", ch.period));
                        } else if codebook.item(item).is_none() {
                            errors.push(format!("{file}: {at}: item \"{item}\" is not in the codebook"));
                        }
                    }
                },
            }
            for c in &f.controls {
                if !has(c) && !env.indicators.contains_key(c) {
                    errors.push(format!("{file}: {at}: control \"{c}\" is not in wave {}", ch.period));
                }
            }
        }
        if let Err(e) = placeholders(&ch.intro, ch) {
            errors.push(format!("{file}: intro: {e}"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Placeholders of an intro: `{hero}` and `{figure-id.k}`; unknown ones are errors.
fn placeholders(intro: &str, ch: &ChapterConfig) -> Result<Vec<(String, Option<(usize, usize)>)>> {
    let mut out = Vec::new();
    let mut rest = intro;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').ok_or_else(|| Error::Config(format!("a '{{' is not closed")))? + start;
        let key = &rest[start + 1..end];
        if key == "hero" {
            out.push((key.to_string(), None));
        } else {
            let (fig, k) = key.rsplit_once('.').ok_or_else(|| Error::Config(format!("unknown placeholder {{{key}}}; use {{hero}} or {{figure-id.bar}}")))?;
            let fi = ch.figures.iter().position(|f| f.id == fig).ok_or_else(|| Error::Config(format!("{{{key}}}: no figure \"{fig}\" in the chapter")))?;
            let k: usize = k.parse().map_err(|_| Error::Config(format!("{{{key}}}: \"{k}\" is not a bar number")))?;
            out.push((key.to_string(), Some((fi, k))));
        }
        rest = &rest[end + 1..];
    }
    Ok(out)
}

/// One unit of computation: a chapter's hero or one of its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Job {
    Hero(usize),
    Figure(usize, usize),
}

/// A computed unit.
#[derive(Debug, Clone)]
pub enum Done {
    Hero(Hero),
    Figure(Figure),
}

/// Computes `jobs` side by side (rayon); results come back in the given
/// order whatever finishes first. The configuration must have passed `check`.
pub fn compute_jobs(config: &Config, inputs: &Inputs, jobs: &[Job]) -> Result<Vec<Done>> {
    let env = env_of(config).map_err(|e| Error::Config(e.join("\n")))?;
    let rc = &config.report;
    let memos: BTreeMap<&String, Memo> = inputs.waves.keys().map(|p| (p, Memo::default())).collect();
    jobs.par_iter()
        .map(|&job| {
            let c = match job {
                Job::Hero(c) | Job::Figure(c, _) => c,
            };
            let ch = &config.chapters[c];
            let wd = inputs.waves.get(&ch.period).ok_or_else(|| Error::Internal(format!("wave {} is not loaded", ch.period)))?;
            let ctx = Ctx { env: &env, memo: &memos[&ch.period], wd, period: &ch.period, min_n: rc.min_n, alpha: rc.alpha, inputs };
            match job {
                Job::Hero(_) => ctx.hero(ch).map(Done::Hero).with_context(|| format!("chapter {}: hero", ch.id)),
                Job::Figure(_, f) => {
                    let fc = &ch.figures[f];
                    ctx.figure(fc, format!("{}.{}", c + 1, f + 1))
                        .map(Done::Figure)
                        .with_context(|| format!("chapter {}: figure {}", ch.id, fc.id))
                }
            }
        })
        .collect()
}

/// Facts of one wave for the method page.
pub fn wave_facts(codebook: &Codebook, wd: &WaveData) -> Result<WaveFacts> {
    let period = &wd.wave.period;
    let spec = codebook.waves.iter().find(|w| &w.period == period);
    // Counted on the byte codes, summed over the design's weights: no f64 copies.
    let innovated = wd.wave.frame.column("innovated").map_err(|_| Error::Internal(format!("wave {period} has no column \"innovated\"")))?;
    let innovators = polars::prelude::ChunkCompareEq::equal(innovated.u8()?, 1).sum().unwrap_or(0) as usize;
    Ok(WaveFacts {
        period: period.clone(),
        responses: wd.wave.rows(),
        innovators,
        strata: wd.design.n_strata(),
        population: wd.design.weight().iter().sum(),
        // A response rate that was not published is written as 0 rather than NaN.
        response_rate: spec.and_then(|w| w.response_rate).unwrap_or(0.0),
        synthetic: spec.is_some_and(|w| w.synthetic),
    })
}

/// Puts computed heroes and figures (in report order: each chapter's hero, then its figures) into the report,
/// with each chapter's introduction and editorial boxes.
pub fn assemble(config: &Config, content_dir: &Path, done: Vec<Done>, method: Vec<WaveFacts>) -> Result<Report> {
    let rc = &config.report;
    let mut done = done.into_iter();
    let mut chapters = Vec::new();
    for (c, ch) in config.chapters.iter().enumerate() {
        let Some(Done::Hero(hero)) = done.next() else { return Err(Error::Internal(format!("internal: chapter {} has no hero", ch.id))) };
        let mut figures = Vec::new();
        for _ in &ch.figures {
            let Some(Done::Figure(fig)) = done.next() else { return Err(Error::Internal(format!("internal: chapter {} lacks a figure", ch.id))) };
            figures.push(fig);
        }
        let intro = fill_intro(&ch.intro, ch, &hero, &figures)?;
        let file = content_dir.join(ch.content.clone().unwrap_or_else(|| format!("{}.toml", ch.id)));
        let boxes = if file.exists() || ch.content.is_some() {
            crate::config::content::load_content(&file)?
        } else {
            Vec::new()
        };
        chapters.push(Chapter { id: ch.id.clone(), number: c + 1, title: ch.title.clone(), period: ch.period.clone(), hero, intro, figures, boxes });
    }
    Ok(Report {
        kicker: rc.kicker.clone(),
        title: rc.title.clone(),
        subtitle: rc.subtitle.clone(),
        data_note: rc.data_note.clone(),
        chapters,
        method,
        alpha: rc.alpha,
        min_n: rc.min_n,
    })
}

fn fill_intro(intro: &str, ch: &ChapterConfig, hero: &Hero, figures: &[Figure]) -> Result<String> {
    let mut out = intro.to_string();
    for (key, at) in placeholders(intro, ch)? {
        let value = match at {
            None => hero.value,
            Some((f, k)) => {
                let bars = &figures[f].bars;
                bars.get(k.wrapping_sub(1)).ok_or_else(|| Error::Internal(format!("{{{key}}}: figure {} has {} bars", figures[f].id, bars.len())))?.value
            }
        };
        let words = if value.suppressed { "(for få svar)".to_string() } else { text::procent(value.estimate) };
        out = out.replace(&format!("{{{key}}}"), &words);
    }
    Ok(out)
}

/// What one figure's computation needs.
struct Ctx<'a> {
    env: &'a Env,
    memo: &'a Memo,
    wd: &'a WaveData,
    period: &'a str,
    min_n: usize,
    alpha: f64,
    inputs: &'a Inputs<'a>,
}

fn mask_and(a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter().zip(b).map(|(x, y)| *x && *y).collect()
}

impl Ctx<'_> {
    fn eval(&self, text: &str) -> Result<Vec<bool>> {
        Expr::parse(text)?.eval_memo(&self.wd.wave, &self.env.indicators, self.memo)
    }

    fn domain(&self, name: &str) -> Result<(Vec<bool>, String)> {
        let (e, asked) = self.env.domains.get(name).ok_or_else(|| Error::Internal(format!("unknown domain {name}")))?;
        let rows = self.memo.get_domain(name, || e.eval_memo(&self.wd.wave, &self.env.indicators, self.memo))?;
        Ok((rows, asked.replace("{period}", self.period)))
    }

    /// A share as a model value, suppressed under the minimum n.
    fn value(&self, domain: &[bool], y: &[bool]) -> Result<Value> {
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

    /// Every series' indicator, evaluated.
    fn series(&self, f: &FigureConfig) -> Result<Vec<Vec<bool>>> {
        f.series.iter().map(|s| self.eval(&s.expr)).collect()
    }

    /// An estimate as the model holds it, suppressed under the minimum n.
    fn model_value(&self, estimate: f64, se: f64, ci: Option<(f64, f64)>, n: usize) -> Value {
        Value { estimate, se, ci_low: ci.map(|c| c.0), ci_high: ci.map(|c| c.1), n, suppressed: n < self.min_n }
    }

    fn hero(&self, ch: &ChapterConfig) -> Result<Hero> {
        let (domain, _) = self.domain(&ch.hero.domain)?;
        let y = self.eval(&ch.hero.indicator)?;
        let value = self.value(&domain, &y)?;
        Ok(Hero {
            indicator: ch.hero.indicator.clone(),
            domain: ch.hero.domain.clone(),
            value,
            text: if value.suppressed { "for få svar".into() } else { text::pct(value.estimate) },
            sentence: ch.hero.sentence.clone(),
            n: value.n,
        })
    }

    fn bar(&self, series: &str, group: &str, value: Value, highlight: bool) -> Bar {
        Bar {
            series: series.to_string(),
            group: group.to_string(),
            label: if value.suppressed { "for få svar".into() } else { text::pct(value.estimate) },
            value,
            highlight,
            published: false,
            note: String::new(),
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

    fn figure(&self, f: &FigureConfig, number: String) -> Result<Figure> {
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
        let mut fig = Figure {
            id: f.id.clone(),
            number,
            kind: f.kind,
            period: self.period.to_string(),
            title: f.title.clone(),
            subtitle: f.subtitle.clone(),
            series: Vec::new(),
            groups: Vec::new(),
            bars: Vec::new(),
            tests: Vec::new(),
            caption: String::new(),
            source: f.source.clone().unwrap_or_else(|| format!("Kilde: Innovationsbarometeret {}", self.period)),
            n,
            warnings: Vec::new(),
        };
        match f.kind {
            FigureKind::Bars => self.bars(f, &domain, &mut fig, &mut caption)?,
            FigureKind::Grouped => self.grouped(f, &domain, &mut fig, &mut caption)?,
            FigureKind::Stacked => self.stacked(f, &domain, &mut fig, &mut caption)?,
            FigureKind::Distribution => self.distribution(f, &domain, &mut fig, &mut caption)?,
            FigureKind::Comparison => self.comparison(f, &domain, &mut fig, &mut caption)?,
            FigureKind::Facts => {
                // Tiles over several domains: each says what it is about.
                caption.asked.clear();
                self.facts(f, &mut fig, &mut caption)?
            }
        }
        if let Some(note) = &f.note {
            caption.sums.insert(0, note.clone());
        }
        self.left_out(f, &domain, &mut caption)?;
        caption.n = fig.n;
        fig.caption = caption.text();
        self.check_title(f, &domain, &mut fig)?;
        Ok(fig)
    }

    fn bars(&self, f: &FigureConfig, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let values = self.values(domain, &self.series(f)?)?;
        for (s, v) in f.series.iter().zip(values) {
            fig.series.push(s.label.clone());
            fig.bars.push(self.bar(&s.label, "", v, s.highlight));
        }
        self.multi_select(f, &fig.bars, caption);
        Ok(())
    }

    /// "Figuren summerer til mere end 100 pct., da …" where the bars do.
    fn multi_select(&self, f: &FigureConfig, bars: &[Bar], caption: &mut Caption) {
        if let Some(reason) = &f.multi_select {
            let mut groups: BTreeMap<&str, f64> = BTreeMap::new();
            for b in bars {
                *groups.entry(b.group.as_str()).or_default() += b.value.estimate;
            }
            if groups.values().any(|&s| s > 1.0) {
                caption.sums.push(format!("Figuren summerer til mere end 100 pct., da {reason}"));
            }
        }
    }

    fn left_out(&self, f: &FigureConfig, domain: &[bool], caption: &mut Caption) -> Result<()> {
        if let Some(l) = &f.left_out {
            let v = self.value(domain, &self.eval(&l.expr)?)?;
            caption.sums.push(format!("Figuren summerer ikke til 100 pct., da de {} {}, ikke er vist", text::pct(v.estimate), l.label));
        }
        Ok(())
    }

    fn group_masks(&self, groups: &[SeriesConfig], domain: &[bool]) -> Result<Vec<Vec<bool>>> {
        groups.iter().map(|g| Ok(mask_and(domain, &self.eval(&g.expr)?))).collect()
    }

    fn grouped(&self, f: &FigureConfig, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let masks = self.group_masks(&f.groups, domain)?;
        // The tested domain: rows in any group; the group code is its position.
        let tested: Vec<bool> = (0..domain.len()).map(|i| masks.iter().any(|m| m[i])).collect();
        let code: Vec<f64> = (0..domain.len()).map(|i| masks.iter().position(|m| m[i]).map_or(f64::NAN, |g| g as f64)).collect();
        fig.groups = f.groups.iter().map(|g| g.label.clone()).collect();
        fig.n = tested.iter().filter(|&&t| t).count();
        let by = f.groups.iter().map(|g| g.expr.clone()).collect::<Vec<_>>().join(" / ");
        let mut outcomes = Vec::new();
        let ys = self.series(f)?;
        let by_group: Vec<Vec<Value>> = masks.iter().map(|m| self.values(m, &ys)).collect::<Result<_>>()?;
        for (k, (s, y)) in f.series.iter().zip(&ys).enumerate() {
            fig.series.push(s.label.clone());
            for (g, values) in f.groups.iter().zip(&by_group) {
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
        self.multi_select(f, &fig.bars, caption);
        if !outcomes.is_empty() {
            caption.significance.push(text::significance_sentence(&outcomes, self.alpha));
        }
        if !f.controls.is_empty() {
            caption.significance.push(self.controlled(f, &tested, &masks, &outcomes)?);
        }
        Ok(())
    }

    /// Survey-weighted logistic regression of each significant series on the
    /// first group, controlling for the configured items: does it hold?
    fn controlled(&self, f: &FigureConfig, tested: &[bool], masks: &[Vec<bool>], outcomes: &[(String, bool)]) -> Result<String> {
        let mut columns: Vec<(String, Vec<bool>)> = vec![("group".into(), masks[0].clone())];
        for c in &f.controls {
            match self.wd.wave.frame.column(c).ok().and_then(|col| col.str().ok().cloned()) {
                Some(labels) => {
                    // A text column (delsektor): dummies for every level seen
                    // in the tested rows but the first, as R's treatment contrasts.
                    // Each row's label is looked up once among the few levels.
                    let mut levels: Vec<&str> = Vec::new();
                    let mut last = 0usize;
                    let index: Vec<u32> = labels
                        .iter()
                        .map(|l| match l {
                            None => u32::MAX,
                            // Rows come in runs of a stratum: try the last level first.
                            Some(l) if levels.get(last) == Some(&l) => last as u32,
                            Some(l) => {
                                last = levels.iter().position(|x| *x == l).unwrap_or_else(|| {
                                    levels.push(l);
                                    levels.len() - 1
                                });
                                last as u32
                            }
                        })
                        .collect();
                    let mut used = vec![false; levels.len()];
                    for (&k, _) in index.iter().zip(tested).filter(|(k, t)| **t && **k != u32::MAX) {
                        used[k as usize] = true;
                    }
                    let mut order: Vec<usize> = (0..levels.len()).filter(|&k| used[k]).collect();
                    order.sort_by_key(|&k| levels[k]);
                    for &k in order.iter().skip(1) {
                        let v: Vec<bool> = index.iter().map(|&x| x == k as u32).collect();
                        columns.push((format!("{c}{}", levels[k]), v));
                    }
                }
                None => columns.push((c.clone(), self.eval(c)?)),
            }
        }
        let terms: Vec<(&str, &[bool])> = columns.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
        let what = f.controls_text.clone().unwrap_or_else(|| text::list_and(&f.controls));
        // One model for every significant series: the terms are prepared once.
        let significant: Vec<(&SeriesConfig, &String)> =
            f.series.iter().zip(outcomes).filter(|(_, (_, significant))| *significant).map(|(s, (label, _))| (s, label)).collect();
        let ys: Vec<Vec<bool>> = significant.iter().map(|(s, _)| self.eval(&s.expr)).collect::<Result<_>>()?;
        let refs: Vec<&[bool]> = ys.iter().map(Vec::as_slice).collect();
        let fits = if refs.is_empty() { Vec::new() } else { stats::logistic_each(&self.wd.design, tested, &refs, &terms)? };
        let mut holds: Vec<(String, bool)> = Vec::new();
        for ((_, label), fit) in significant.iter().zip(&fits) {
            let c = fit.coefficients.iter().find(|c| c.term == "group").ok_or_else(|| Error::Internal(format!("no group coefficient")))?;
            holds.push(((*label).clone(), c.p < self.alpha));
        }
        let yes: Vec<String> = holds.iter().filter(|h| h.1).map(|h| text::lower_first(&h.0)).collect();
        let no: Vec<String> = holds.iter().filter(|h| !h.1).map(|h| text::lower_first(&h.0)).collect();
        Ok(match (yes.is_empty(), no.is_empty()) {
            (true, true) => format!("Der er ingen signifikante forskelle at kontrollere for {what}"),
            (false, true) => format!("Sammenhængen holder, når der kontrolleres for {what} (logistisk regression)"),
            (true, false) => format!("Sammenhængen holder ikke, når der kontrolleres for {what} (logistisk regression)"),
            (false, false) => format!(
                "Sammenhængen holder for {}, men ikke for {}, når der kontrolleres for {what} (logistisk regression)",
                text::list_and(&yes),
                text::list_and(&no)
            ),
        })
    }

    fn stacked(&self, f: &FigureConfig, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let (labels, masks): (Vec<String>, Vec<Vec<bool>>) = if f.groups.is_empty() {
            (vec![String::new()], vec![domain.to_vec()])
        } else {
            (f.groups.iter().map(|g| g.label.clone()).collect(), self.group_masks(&f.groups, domain)?)
        };
        fig.groups = labels.iter().filter(|l| !l.is_empty()).cloned().collect();
        let ys = self.series(f)?;
        fig.series = f.series.iter().map(|s| s.label.clone()).collect();
        let by_group: Vec<Vec<Value>> = masks.iter().map(|m| self.values(m, &ys)).collect::<Result<_>>()?;
        for (k, s) in f.series.iter().enumerate() {
            for (label, values) in labels.iter().zip(&by_group) {
                fig.bars.push(self.bar(&s.label, label, values[k], s.highlight));
            }
        }
        let _ = caption;
        Ok(())
    }

    fn distribution(&self, f: &FigureConfig, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let name = f.item.as_deref().ok_or_else(|| Error::Internal(format!("a distribution needs an item")))?;
        let item = self.inputs.codebook.item(name).ok_or_else(|| Error::Internal(format!("item {name} is not in the codebook")))?;
        let codes = self.wd.wave.values(name)?;
        let levels: Vec<f64> = item.codes.iter().map(|(c, _)| f64::from(*c)).collect();
        let shares = stats::distribution(&self.wd.design, domain, &codes, &levels)?;
        if caption.questions.is_empty() {
            caption.questions.push(item.question.clone());
        }
        let mut left = Vec::new();
        for ((code, label), e) in item.codes.iter().zip(&shares) {
            let value = self.model_value(e.estimate, e.se, e.ci, e.n);
            if f.leave_out.contains(code) {
                left.push(format!("de {}, der har svaret {}", text::pct(e.estimate), text::quote(label)));
                continue;
            }
            fig.series.push(label.clone());
            fig.bars.push(self.bar(label, "", value, f.highlight.contains(code)));
        }
        if !left.is_empty() {
            caption.sums.push(format!("Figuren summerer ikke til 100 pct., da {}, ikke er vist", text::list_and(&left)));
        }
        Ok(())
    }

    fn comparison(&self, f: &FigureConfig, domain: &[bool], fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let rel = f.published.as_deref().unwrap_or_default();
        let table = read_published(&self.inputs.dir.join(rel))?;
        let ours = f.computed_label.clone().unwrap_or_else(|| format!("Danmark {}", self.period));
        let theirs = f.published_label.clone().unwrap_or_else(|| "Offentliggjorte tal".into());
        fig.groups = vec![ours.clone(), theirs.clone()];
        let mut sources = Vec::new();
        let values = self.values(domain, &self.series(f)?)?;
        for (s, v) in f.series.iter().zip(values) {
            fig.series.push(s.label.clone());
            fig.bars.push(self.bar(&s.label, &ours, v, true));
            let key = s.key.as_deref().unwrap_or(&s.label);
            let row = table.iter().find(|r| r.key == key).ok_or_else(|| {
                Error::Config(format!("{}: no row with key \"{key}\" (figure {})", self.inputs.dir.join(rel).display(), f.id))
            })?;
            let value = Value { estimate: row.percent / 100.0, se: 0.0, ci_low: None, ci_high: None, n: 0, suppressed: false };
            let mut bar = self.bar(&s.label, &theirs, value, false);
            bar.published = true;
            bar.note = row.source.clone();
            fig.bars.push(bar);
            if !sources.contains(&row.source) {
                sources.push(row.source.clone());
            }
        }
        caption.notes.push(format!(
            "Tallene for {} er offentliggjorte aggregater ({}) og er ikke testet for signifikante forskelle",
            theirs,
            text::list_and(&sources)
        ));
        Ok(())
    }

    fn facts(&self, f: &FigureConfig, fig: &mut Figure, caption: &mut Caption) -> Result<()> {
        let mut n = 0;
        for fact in &f.facts {
            let (dom, _) = self.domain(&fact.domain)?;
            let y = self.eval(&fact.expr)?;
            let mut bar = match &fact.among {
                None => {
                    let v = self.value(&dom, &y)?;
                    self.bar(&fact.label, "", v, fact.highlight)
                }
                Some(among) => {
                    let a = self.eval(among)?;
                    let da = mask_and(&dom, &a);
                    let db: Vec<bool> = dom.iter().zip(&a).map(|(d, a)| *d && !*a).collect();
                    let r = stats::ratio(&self.wd.design, &da, &db, &y)?;
                    let value = self.model_value(r.estimate, r.se, r.ci, r.n);
                    let mut b = self.bar(&fact.label, "", value, fact.highlight);
                    b.label = if value.suppressed { "for få svar".into() } else { text::times(r.estimate) };
                    b.note = "ratio".into();
                    b
                }
            };
            bar.group = String::new();
            n = n.max(bar.value.n);
            fig.series.push(fact.label.clone());
            fig.bars.push(bar);
        }
        fig.n = n;
        let _ = caption;
        Ok(())
    }

    /// Warnings where the title's words no longer fit the numbers.
    fn check_title(&self, f: &FigureConfig, domain: &[bool], fig: &mut Figure) -> Result<()> {
        let claim = match &f.claim {
            Some(c) => Some(self.value(domain, &self.eval(c)?)?.estimate),
            None => fig.bars.iter().find(|b| b.highlight && b.note != "ratio").or(fig.bars.first()).map(|b| b.value.estimate),
        };
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

/// A row of a published-aggregates table (`key,label,percent,source`).
#[derive(Debug, Clone, serde::Deserialize)]
struct PublishedRow {
    key: String,
    percent: f64,
    source: String,
}

fn read_published(path: &Path) -> Result<Vec<PublishedRow>> {
    use polars::prelude::*;
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| Error::Config(format!("{}: cannot read the published table: {e}", path.display())))?;
    let col = |name: &str| -> Result<Vec<String>> {
        let c = df.column(name).map_err(|_| Error::Config(format!("{}: the column \"{name}\" is missing", path.display())))?;
        Ok(c.str()?.iter().map(|v| v.unwrap_or("").trim().to_string()).collect())
    };
    let (keys, pcts, sources) = (col("key")?, col("percent")?, col("source")?);
    let mut rows = Vec::new();
    for (i, ((key, p), source)) in keys.into_iter().zip(pcts).zip(sources).enumerate() {
        let percent: f64 = p.replace(',', ".").parse().ok().filter(|x: &f64| (0.0..=100.0).contains(x)).ok_or_else(|| {
            Error::Config(format!("{}:{}: column \"percent\", value \"{p}\": must be a number from 0 to 100", path.display(), i + 2))
        })?;
        rows.push(PublishedRow { key, percent, source });
    }
    if rows.is_empty() {
        return Err(Error::Config(format!("{}: the table has no rows", path.display())));
    }
    Ok(rows)
}


//! Computes the model from configuration and validated waves: every hero
//! number and figure, in parallel, with its sentences from `text`, then the
//! report around them. Configuration is checked whole (`check`) before
//! anything is computed.

mod check;
mod figure;
mod published;
mod trend;
pub mod verify;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

pub use check::check;
pub use published::{PublishedRow, read_published};
pub use trend::Part as TrendPart;

use crate::config::{ChapterConfig, Config, FigureSpec};
use crate::data::Wave;
use crate::data::codebook::Codebook;
use crate::error::{Context, Error, Result};
use crate::expr::Memo;
use crate::model::*;
use crate::stats::Design;
use crate::text;

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

/// A placeholder of an introduction: where prose prints a computed number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placeholder {
    /// As written, without the braces: "hero", "formaal.2|hver fjerde".
    pub key: String,
    pub at: Target,
    /// Words printed instead of the number, checked against it ("hver fjerde").
    pub words: Option<String>,
    /// Byte offsets of the whole placeholder in the introduction.
    pub span: (usize, usize),
}

/// What a placeholder prints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Target {
    /// `{hero}`: the hero number.
    Hero,
    /// `{figure-id}`: the share the figure's title speaks of.
    Claim(usize),
    /// `{figure-id.k}`: bar k (1-based) of the figure.
    Bar(usize, usize),
}

/// Placeholders of an introduction: `{hero}`, `{figure-id}`, `{figure-id.k}`,
/// each optionally with `|words` to print words checked against the number.
pub(crate) fn placeholders(intro: &str, ch: &ChapterConfig) -> Result<Vec<Placeholder>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = intro[from..].find('{').map(|i| i + from) {
        let end = intro[start..].find('}').ok_or_else(|| Error::config("a '{' is not closed"))? + start;
        let key = &intro[start + 1..end];
        let (name, words) = match key.split_once('|') {
            Some((name, words)) if !words.trim().is_empty() => (name.trim(), Some(words.trim().to_string())),
            Some(_) => return Err(Error::config(format!("{{{key}}}: no words after '|'"))),
            None => (key.trim(), None),
        };
        let figure = |id: &str| ch.figures.iter().position(|f| f.id == id).ok_or_else(|| Error::config(format!("{{{key}}}: no figure \"{id}\" in the chapter")));
        let at = match name.rsplit_once('.') {
            _ if name == "hero" => Target::Hero,
            Some((fig, k)) => Target::Bar(figure(fig)?, k.parse().map_err(|_| Error::config(format!("{{{key}}}: \"{k}\" is not a bar number")))?),
            None if ch.figures.iter().any(|f| f.id == name) => Target::Claim(figure(name)?),
            None => return Err(Error::config(format!("unknown placeholder {{{key}}}; use {{hero}}, {{figure-id}} or {{figure-id.bar}}, with |words to print words"))),
        };
        out.push(Placeholder { key: key.to_string(), at, words, span: (start, end + 1) });
        from = end + 1;
    }
    Ok(out)
}

/// One unit of computation: a chapter's hero or one of its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Job {
    Hero(usize),
    Figure(usize, usize),
}

/// A computed unit (a figure is boxed: it is many times a hero's size).
#[derive(Debug, Clone)]
pub enum Done {
    Hero(Hero),
    Figure(Box<Figure>),
}

/// The waves a job reads: a hero's wave, a figure's wave, or every edition
/// of a trend figure.
pub fn job_periods(config: &Config, job: Job) -> Vec<String> {
    match job {
        Job::Hero(c) => vec![config.chapters[c].hero_period().to_string()],
        Job::Figure(c, f) => config.chapters[c].figure_periods(f).into_iter().map(str::to_string).collect(),
    }
}

/// A figure put together from the waves of several editions (a trend).
pub fn is_trend(config: &Config, job: Job) -> bool {
    matches!(job, Job::Figure(c, f) if matches!(config.chapters[c].figures[f].spec, FigureSpec::Trend(_)))
}

/// What computing one job on one wave needs.
fn ctx_of<'a>(config: &'a Config, inputs: &'a Inputs, env: &'a check::Env, memo: &'a Memo, period: &'a str) -> Result<figure::Ctx<'a>> {
    let wd = inputs.waves.get(period).ok_or_else(|| Error::Internal(format!("wave {period} is not loaded")))?;
    Ok(figure::Ctx {
        env,
        memo,
        wd,
        period,
        min_n: config.report.min_n,
        alpha: config.report.alpha,
        codebook: inputs.codebook,
        dir: inputs.dir,
    })
}

/// A trend job's estimates from the waves `inputs` holds (a build reads one
/// wave at a time and calls this once per wave).
pub fn trend_part(config: &Config, inputs: &Inputs, job: Job) -> Result<TrendPart> {
    let Job::Figure(c, f) = job else { return Err(Error::internal("a hero is not a trend")) };
    let fc = &config.chapters[c].figures[f];
    let FigureSpec::Trend(spec) = &fc.spec else { return Err(Error::internal(format!("figure {} is not a trend", fc.id))) };
    let env = check::env_of(config, inputs.codebook).map_err(|e| Error::Config(e.join("\n")))?;
    let mut out = Vec::new();
    for period in inputs.waves.keys() {
        let memo = Memo::default();
        let ctx = ctx_of(config, inputs, &env, &memo, period)?;
        out.extend(ctx.trend_part(fc, spec).with_context(|| format!("{}: figure \"{}\" ({period})", config.chapter_files[c].display(), fc.id))?);
    }
    Ok(out)
}

/// A trend figure from the parts of every wave it reads.
pub fn trend_finish(config: &Config, codebook: &Codebook, job: Job, parts: Vec<TrendPart>) -> Result<Done> {
    let Job::Figure(c, f) = job else { return Err(Error::internal("a hero is not a trend")) };
    let ch = &config.chapters[c];
    let fc = &ch.figures[f];
    let FigureSpec::Trend(spec) = &fc.spec else { return Err(Error::internal(format!("figure {} is not a trend", fc.id))) };
    let whole = trend::Whole {
        f: fc,
        spec,
        number: format!("{}.{}", c + 1, f + 1),
        period: &ch.period,
        alpha: config.report.alpha,
        min_n: config.report.min_n,
        codebook,
    };
    let fig = whole.figure(parts).with_context(|| format!("{}: figure \"{}\"", config.chapter_files[c].display(), fc.id))?;
    Ok(Done::Figure(Box::new(fig)))
}

/// Computes `jobs` side by side (rayon); results come back in the given
/// order whatever finishes first. The configuration must have passed
/// `check`, and `inputs` must hold every wave the jobs read.
pub fn compute_jobs(config: &Config, inputs: &Inputs, jobs: &[Job]) -> Result<Vec<Done>> {
    let env = check::env_of(config, inputs.codebook).map_err(|e| Error::Config(e.join("\n")))?;
    let memos: BTreeMap<&String, Memo> = inputs.waves.keys().map(|p| (p, Memo::default())).collect();
    jobs.par_iter()
        .map(|&job| {
            if is_trend(config, job) {
                return trend_finish(config, inputs.codebook, job, vec![trend_part(config, inputs, job)?]);
            }
            let c = match job {
                Job::Hero(c) | Job::Figure(c, _) => c,
            };
            let ch = &config.chapters[c];
            let period = match job {
                Job::Hero(_) => ch.hero_period(),
                Job::Figure(..) => ch.period.as_str(),
            };
            let memo = memos.get(&period.to_string()).ok_or_else(|| Error::Internal(format!("wave {period} is not loaded")))?;
            let ctx = ctx_of(config, inputs, &env, memo, period)?;
            match job {
                Job::Hero(_) => ctx.hero(ch).map(Done::Hero).with_context(|| format!("{}: hero", config.chapter_files[c].display())),
                Job::Figure(_, f) => {
                    let fc = &ch.figures[f];
                    ctx.figure(fc, format!("{}.{}", c + 1, f + 1))
                        .map(|f| Done::Figure(Box::new(f)))
                        .with_context(|| format!("{}: figure \"{}\"", config.chapter_files[c].display(), fc.id))
                }
            }
        })
        .collect()
}

/// The columns computing `jobs` on `wave` reads, or None to keep them all:
/// every column that is not an item's codes (the design's, the text
/// columns controls use) and the items the jobs' expressions, domains,
/// controls and distributions name (a family's members as this wave has
/// them). A 10-million-row wave is a gigabyte and more of item codes, most
/// of which a build never reads once the wave is validated. Where an
/// expression does not parse, everything is kept, so the error comes from
/// computing it, as ever.
pub fn columns_used(config: &Config, codebook: &Codebook, wave: &Wave, jobs: &[Job]) -> Result<Option<Vec<String>>> {
    use crate::expr::Expr;
    let env = check::env_of(config, codebook).map_err(|e| Error::Config(e.join("\n")))?;
    let mut exprs: Vec<Expr> = env.domains.values().map(|(e, _)| e.clone()).collect();
    let mut texts: Vec<String> = Vec::new();
    let mut names: std::collections::BTreeSet<String> = ["innovated".to_string()].into();
    for &job in jobs {
        let c = match job {
            Job::Hero(c) | Job::Figure(c, _) => c,
        };
        let ch = &config.chapters[c];
        match job {
            Job::Hero(_) => texts.push(ch.hero.indicator.clone()),
            Job::Figure(_, f) => {
                let fc = &ch.figures[f];
                texts.extend(check::expressions(fc).into_iter().map(|(_, t)| t));
                match &fc.spec {
                    crate::config::FigureSpec::Grouped(g) => {
                        names.extend(g.controls.iter().cloned());
                        texts.extend(g.controls.iter().cloned());
                    }
                    crate::config::FigureSpec::Distribution(d) => {
                        names.insert(d.item.clone());
                    }
                    // A trend reads this wave through the points of its edition.
                    crate::config::FigureSpec::Trend(t) => {
                        texts.extend(t.series.iter().flat_map(|s| &s.points).filter(|p| p.period == wave.period).map(|p| p.expr.clone()));
                    }
                    _ => {}
                }
            }
        }
    }
    for t in &texts {
        match Expr::parse(t).and_then(|e| e.resolve(codebook)) {
            Ok(e) => exprs.push(e),
            Err(_) => return Ok(None),
        }
    }
    for e in &exprs {
        names.extend(e.items(wave, &env.indicators));
    }
    let keep = wave
        .frame
        .columns()
        .iter()
        .filter(|c| c.dtype() != &polars::prelude::DataType::UInt8 || names.contains(c.name().as_str()))
        .map(|c| c.name().to_string())
        .collect();
    Ok(Some(keep))
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
        response_rate: spec.and_then(|w| w.response_rate),
        published_population: spec.and_then(|w| w.population).map(|p| p as usize),
        sample: spec.and_then(|w| w.sample).map(|s| s as usize),
        synthetic: spec.is_some_and(|w| w.synthetic),
        warnings: wd.wave.warnings.clone(),
    })
}

/// Puts computed heroes and figures (in report order: each chapter's hero, then its figures) into the report,
/// with each chapter's introduction and editorial boxes.
pub fn assemble(config: &Config, content_dir: &Path, done: Vec<Done>, method: Vec<WaveFacts>) -> Result<Report> {
    let rc = &config.report;
    let words = text::words(&rc.kicker, &rc.title, rc.min_n, &method, &rc.data_note);
    let mut done = done.into_iter();
    let mut chapters = Vec::new();
    for (c, ch) in config.chapters.iter().enumerate() {
        let Some(Done::Hero(hero)) = done.next() else { return Err(Error::internal(format!("chapter {} has no hero", ch.id))) };
        let mut figures = Vec::new();
        for _ in &ch.figures {
            let Some(Done::Figure(mut fig)) = done.next() else { return Err(Error::internal(format!("chapter {} lacks a figure", ch.id))) };
            fig.description = text::description(&fig, &words.synthetic_marker);
            figures.push(*fig);
        }
        // A chapter across editions is synthetic where any wave it reads is.
        let synthetic = method.iter().any(|w| w.period == ch.hero_period() && w.synthetic) || figures.iter().any(|f| f.synthetic);
        let (intro, mut warnings) = fill_intro(&ch.intro, ch, &hero, &figures)?;
        if !hero.value.suppressed {
            warnings.extend(text::misfits(&hero.sentence, hero.value.estimate, &format!("chapter {}: the hero sentence", ch.id)));
        }
        let file = content_dir.join(ch.content_name());
        let mut boxes = if file.exists() || ch.content.is_some() {
            crate::config::content::load_content(&file)?
        } else {
            Vec::new()
        };
        // A number and its unit never part at a line's end.
        let (intro, mut hero) = (text::bind_units(&intro), hero);
        hero.sentence = text::bind_units(&hero.sentence);
        for b in &mut boxes {
            b.body = b.body.iter().map(|p| text::bind_units(p)).collect();
        }
        chapters.push(Chapter {
            id: ch.id.clone(),
            number: c + 1,
            title: ch.title.clone(),
            period: ch.period.clone(),
            edition: text::edition(&rc.kicker, &ch.period),
            source_line: text::source_line(&text::source(ch.hero_period()), hero.value.n),
            name: text::sentence_case(&ch.title),
            hero,
            intro,
            figures,
            boxes,
            synthetic,
            footer: text::chapter_footer(&words, synthetic),
            warnings,
        });
    }
    let ids: Vec<(String, String)> = chapters.iter().map(|c| (c.id.clone(), c.period.clone())).collect();
    let books = text::books(&rc.kicker, &rc.title, &ids, &method, &words, &rc.data_note, rc.alpha, rc.min_n);
    Ok(Report {
        books,
        kicker: rc.kicker.clone(),
        title: rc.title.clone(),
        subtitle: rc.subtitle.clone(),
        data_note: rc.data_note.clone(),
        chapters,
        method_page: text::method_page(&method, &rc.data_note, rc.alpha, rc.min_n),
        method,
        alpha: rc.alpha,
        min_n: rc.min_n,
        words,
    })
}

/// The introduction with its placeholders filled, and warnings where its
/// words do not fit the numbers they are about: words in a placeholder are
/// checked against its number; share words or typed numbers outside a
/// placeholder cannot be checked, and are named.
fn fill_intro(intro: &str, ch: &ChapterConfig, hero: &Hero, figures: &[Figure]) -> Result<(String, Vec<String>)> {
    let mut out = String::new();
    let mut warnings = Vec::new();
    let mut last = 0;
    for p in placeholders(intro, ch)? {
        let value = match p.at {
            Target::Hero => Some(hero.value),
            Target::Bar(f, k) => Some(
                figures[f].bars.get(k.wrapping_sub(1)).ok_or_else(|| Error::config(format!("{{{}}}: figure {} has {} bars", p.key, figures[f].id, figures[f].bars.len())))?.value,
            ),
            Target::Claim(f) => figures[f].claim.map(|estimate| Value { estimate, se: 0.0, ci_low: None, ci_high: None, n: figures[f].n, suppressed: false }),
        };
        let value = value.ok_or_else(|| Error::config(format!("{{{}}}: the figure's title speaks of no number; name a bar: {{figure-id.bar}}", p.key)))?;
        let prose = &intro[last..p.span.0];
        warnings.extend(unchecked(prose, ch));
        out.push_str(prose);
        match &p.words {
            Some(words) if value.suppressed => {
                warnings.push(format!("chapter {}: the introduction says \u{201c}{words}\u{201d} ({{{}}}) but the number rests on too few answers", ch.id, p.key));
                out.push_str(words);
            }
            Some(words) => {
                let what = format!("chapter {}: the introduction ({{{}}})", ch.id, p.key);
                warnings.extend(text::misfits(words, value.estimate, &what));
                out.push_str(words);
            }
            None => out.push_str(&text::share_in_text(value.estimate, value.suppressed)),
        }
        last = p.span.1;
    }
    warnings.extend(unchecked(&intro[last..], ch));
    out.push_str(&intro[last..]);
    Ok((out, warnings))
}

/// Share words and typed numbers in prose outside a placeholder: nothing to check them against.
fn unchecked(prose: &str, ch: &ChapterConfig) -> Vec<String> {
    text::claims(prose)
        .into_iter()
        .map(|c| {
            format!(
                "chapter {}: the introduction says \u{201c}{}\u{201d} without a number to check it against; write it as {{figure-id.bar|{}}} (or {{hero|…}})",
                ch.id, c.words, c.words
            )
        })
        .collect()
}


//! Computes the model from configuration and validated waves: every hero
//! number and figure, in parallel, with its sentences from `text`, then the
//! report around them. Configuration is checked whole (`check`) before
//! anything is computed.

mod check;
mod figure;
mod published;
pub mod verify;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

pub use check::check;
pub use published::{PublishedRow, read_published};

use crate::config::{ChapterConfig, Config};
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

/// Computes `jobs` side by side (rayon); results come back in the given
/// order whatever finishes first. The configuration must have passed `check`.
pub fn compute_jobs(config: &Config, inputs: &Inputs, jobs: &[Job]) -> Result<Vec<Done>> {
    let env = check::env_of(config, inputs.codebook).map_err(|e| Error::Config(e.join("\n")))?;
    let rc = &config.report;
    let memos: BTreeMap<&String, Memo> = inputs.waves.keys().map(|p| (p, Memo::default())).collect();
    jobs.par_iter()
        .map(|&job| {
            let c = match job {
                Job::Hero(c) | Job::Figure(c, _) => c,
            };
            let ch = &config.chapters[c];
            let wd = inputs.waves.get(&ch.period).ok_or_else(|| Error::Internal(format!("wave {} is not loaded", ch.period)))?;
            let ctx = figure::Ctx {
                env: &env,
                memo: &memos[&ch.period],
                wd,
                period: &ch.period,
                min_n: rc.min_n,
                alpha: rc.alpha,
                codebook: inputs.codebook,
                dir: inputs.dir,
            };
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
        let synthetic = method.iter().any(|w| w.period == ch.period && w.synthetic);
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
            source_line: text::source_line(&text::source(&ch.period), hero.value.n),
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
    Ok(Report {
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


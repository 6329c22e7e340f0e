//! The whole configuration checked against the codebook's description of
//! each wave (no data needed), so every problem is reported at once, before
//! anything is read or computed.

use std::collections::{BTreeMap, BTreeSet};

use super::placeholders;
use crate::config::{ChapterConfig, Config, FigureConfig, FigureSpec};
use crate::data::codebook::{Codebook, DESIGN_COLUMNS};
use crate::expr::{Expr, Indicators};

/// Indicators and domains from report.toml, parsed.
pub(super) struct Env {
    pub indicators: Indicators,
    pub explain: BTreeMap<String, String>,
    /// Each domain's expression and who was asked ("{period}" filled in later).
    pub domains: BTreeMap<String, (Expr, String)>,
}

/// Parses the indicators and domains of report.toml, their values checked
/// against the codebook; every problem at once.
pub(super) fn env_of(config: &Config, codebook: &Codebook) -> Result<Env, Vec<String>> {
    let file = config.dir.join("report.toml").display().to_string();
    let mut errors = Vec::new();
    let mut indicators = Indicators::new();
    let mut explain = BTreeMap::new();
    for (name, ind) in &config.report.indicator {
        match Expr::parse(&ind.expr).and_then(|e| e.resolve(codebook)) {
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
        match Expr::parse(&d.expr).and_then(|e| e.resolve(codebook)) {
            Ok(e) => {
                domains.insert(name.clone(), (e, d.asked.clone()));
            }
            Err(e) => errors.push(format!("{file}: [domain.{name}] expr: {e}")),
        }
    }
    if errors.is_empty() { Ok(Env { indicators, explain, domains }) } else { Err(errors) }
}

/// Every expression a figure uses, with where it is written, for checking.
pub(super) fn expressions(f: &FigureConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, s) in f.spec.series().iter().enumerate() {
        out.push((format!("series {} expr", i + 1), s.expr.clone()));
    }
    for (i, s) in f.spec.groups().iter().enumerate() {
        out.push((format!("groups {} expr", i + 1), s.expr.clone()));
    }
    if let Some(l) = f.spec.left_out() {
        out.push(("left_out expr".into(), l.expr.clone()));
    }
    if let Some(c) = &f.claim {
        out.push(("claim".into(), c.clone()));
    }
    for (i, fact) in f.spec.facts().iter().enumerate() {
        out.push((format!("facts {} expr", i + 1), fact.expr.clone()));
        if let Some(a) = &fact.among {
            out.push((format!("facts {} among", i + 1), a.clone()));
        }
    }
    out
}

/// Circular indicator definitions, used or not, each named once (those a
/// chapter uses are already among `found`).
fn unused_cycles(config: &Config, env: &Env, found: &[String]) -> Vec<String> {
    let file = config.dir.join("report.toml").display().to_string();
    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<BTreeSet<String>> = Vec::new();
    for name in env.indicators.keys() {
        let Err(e) = Expr::Ref(name.clone()).check(&|_| true, &|_| vec![String::new()], &env.indicators) else { continue };
        let message = e.to_string();
        let Some(chain) = message.strip_prefix("the indicator definitions are circular: ") else { continue };
        let members: BTreeSet<String> = chain.split(" -> ").map(str::to_string).collect();
        if seen.contains(&members) || found.iter().any(|f| f.contains(&message)) {
            seen.push(members);
            continue;
        }
        seen.push(members);
        out.push(format!("{file}: [indicator.{name}] expr: {message}"));
    }
    out
}

/// What a chapter's wave holds, by the codebook: the design columns and the
/// items asked in its period.
struct Columns {
    names: Vec<String>,
}

impl Columns {
    fn of(codebook: &Codebook, period: &str) -> Columns {
        let names = DESIGN_COLUMNS.iter().map(|c| c.to_string()).chain(codebook.items_in(period).map(|i| i.name.clone())).collect();
        Columns { names }
    }
    fn has(&self, c: &str) -> bool {
        self.names.iter().any(|x| x == c)
    }
    /// The items of a family: `collab_` -> collab_citizens, collab_private, …
    fn family(&self, p: &str) -> Vec<String> {
        self.names.iter().filter(|c| c.starts_with(p) && c.len() > p.len()).cloned().collect()
    }
}

/// Checks the whole configuration against the codebook's description of
/// each wave; `periods` are the waves the inputs hold.
pub fn check(config: &Config, codebook: &Codebook, periods: &BTreeSet<String>) -> Result<(), Vec<String>> {
    let env = env_of(config, codebook)?;
    let mut errors = Vec::new();
    for (ch, path) in config.chapters.iter().zip(&config.chapter_files) {
        let file = path.display().to_string();
        if !periods.contains(&ch.period) {
            errors.push(format!("{file}: period = \"{}\": there is no wave file for it in the inputs", ch.period));
            continue;
        }
        let columns = Columns::of(codebook, &ch.period);
        let checker = Checker { file: &file, period: &ch.period, columns: &columns, env: &env, codebook };
        checker.chapter(config, ch, &mut errors);
        for f in &ch.figures {
            checker.figure(codebook, f, &mut errors);
        }
        if let Err(e) = placeholders(&ch.intro, ch) {
            errors.push(format!("{file}: intro: {e}"));
        }
    }
    errors.extend(unused_cycles(config, &env, &errors));
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Checks one chapter file's parts.
struct Checker<'a> {
    file: &'a str,
    period: &'a str,
    columns: &'a Columns,
    env: &'a Env,
    codebook: &'a Codebook,
}

impl Checker<'_> {
    fn expr(&self, place: String, text: &str, errors: &mut Vec<String>) {
        let has = |c: &str| self.columns.has(c);
        let family = |p: &str| self.columns.family(p);
        match Expr::parse(text).and_then(|e| e.resolve(self.codebook)) {
            Ok(e) => {
                if let Err(err) = e.check(&has, &family, &self.env.indicators) {
                    errors.push(format!("{}: {place}: {err} (wave {})", self.file, self.period));
                }
            }
            Err(err) => errors.push(format!("{}: {place}: {err}", self.file)),
        }
    }

    /// The hero and the domains the chapter uses.
    fn chapter(&self, config: &Config, ch: &ChapterConfig, errors: &mut Vec<String>) {
        self.expr("hero indicator".into(), &ch.hero.indicator, errors);
        let mut used: Vec<&str> = vec![ch.hero.domain.as_str()];
        used.extend(ch.figures.iter().map(|f| f.domain.as_str()));
        used.extend(ch.figures.iter().flat_map(|f| f.spec.facts().iter().map(|x| x.domain.as_str())));
        used.sort();
        used.dedup();
        for d in used {
            if let Some(dc) = config.report.domain.get(d) {
                self.expr(format!("[domain.{d}] of report.toml"), &dc.expr, errors);
            }
        }
        if !self.env.domains.contains_key(&ch.hero.domain) {
            errors.push(format!("{}: hero domain = \"{}\" is not a [domain] of report.toml", self.file, ch.hero.domain));
        }
    }

    /// A figure: its domain, expressions, and what its kind needs.
    fn figure(&self, codebook: &Codebook, f: &FigureConfig, errors: &mut Vec<String>) {
        let file = self.file;
        let at = format!("figure \"{}\"", f.id);
        if !self.env.domains.contains_key(&f.domain) {
            errors.push(format!("{file}: {at}: domain = \"{}\" is not a [domain] of report.toml", f.domain));
        }
        for (place, text) in expressions(f) {
            self.expr(format!("{at}: {place}"), &text, errors);
        }
        for fact in f.spec.facts() {
            if !self.env.domains.contains_key(&fact.domain) {
                errors.push(format!("{file}: {at}: facts domain = \"{}\" is not a [domain] of report.toml", fact.domain));
            }
        }
        let needs = |ok: bool, what: &str| (!ok).then(|| format!("{file}: {at}: kind = \"{}\" needs {what}", f.kind().name()));
        match &f.spec {
            FigureSpec::Bars(b) => errors.extend(needs(!b.series.is_empty(), "series")),
            FigureSpec::Stacked(s) => errors.extend(needs(!s.series.is_empty(), "series")),
            FigureSpec::Comparison(c) => errors.extend(needs(!c.series.is_empty(), "series")),
            FigureSpec::Facts(x) => errors.extend(needs(!x.facts.is_empty(), "facts")),
            FigureSpec::Grouped(g) => {
                errors.extend(needs(!g.series.is_empty(), "series"));
                errors.extend(needs(g.groups.len() >= 2, "at least two groups"));
                for c in &g.controls {
                    if !self.columns.has(c) && !self.env.indicators.contains_key(c) {
                        errors.push(format!("{file}: {at}: control \"{c}\" is not in wave {}", self.period));
                    }
                }
            }
            FigureSpec::Distribution(d) => {
                if !self.columns.has(&d.item) {
                    errors.push(format!("{file}: {at}: item \"{}\" is not in wave {}", d.item, self.period));
                } else if codebook.item(&d.item).is_none() {
                    errors.push(format!("{file}: {at}: item \"{}\" is not in the codebook", d.item));
                }
            }
        }
    }
}

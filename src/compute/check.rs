//! The whole configuration checked against the codebook's description of
//! each wave (no data needed), so every problem is reported at once, before
//! anything is read or computed.

use std::collections::{BTreeMap, BTreeSet};

use super::placeholders;
use crate::config::{ChapterConfig, Config, FigureConfig, FigureSpec, TrendSpec};
use crate::data::codebook::{Codebook, DESIGN_COLUMNS};
use crate::expr::{Expr, Indicators};

/// Indicators and domains from report.toml, parsed.
pub(super) struct Env {
    pub indicators: Indicators,
    pub explain: BTreeMap<String, String>,
    /// Each domain's expression and who was asked ("{period}" filled in later).
    pub domains: BTreeMap<String, (Expr, String)>,
    /// Each domain's expression as written, to check it against another wave.
    pub domain_text: BTreeMap<String, String>,
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
    let domain_text = config.report.domain.iter().map(|(n, d)| (n.clone(), d.expr.clone())).collect();
    for (name, d) in &config.report.domain {
        match Expr::parse(&d.expr).and_then(|e| e.resolve(codebook)) {
            Ok(e) => {
                domains.insert(name.clone(), (e, d.asked.clone()));
            }
            Err(e) => errors.push(format!("{file}: [domain.{name}] expr: {e}")),
        }
    }
    if errors.is_empty() { Ok(Env { indicators, explain, domains, domain_text }) } else { Err(errors) }
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
        let across = ch.figures.iter().all(|f| matches!(f.spec, FigureSpec::Trend(_))) && !ch.figures.is_empty();
        if !periods.contains(&ch.period) {
            if !across || ch.hero.period.is_none() {
                let how = if across { "; a chapter across editions names the wave of its hero in [hero]: period = \"2021-2023\"" } else { "" };
                errors.push(format!("{file}: period = \"{}\": there is no wave file for it in the inputs{how}", ch.period));
                continue;
            }
        } else if ch.hero.period.as_ref().is_some_and(|p| p != &ch.period) {
            errors.push(format!("{file}: [hero] period: only a chapter across editions (trend figures only, a period that is no wave) computes its hero from another wave; leave it out"));
            continue;
        }
        let hero_period = ch.hero_period();
        if !periods.contains(hero_period) {
            errors.push(format!("{file}: [hero] period = \"{hero_period}\": there is no wave file for it in the inputs; use one of {}", list_periods(periods)));
            continue;
        }
        let columns = Columns::of(codebook, hero_period);
        let checker = Checker { file: &file, period: hero_period, columns: &columns, env: &env, codebook };
        checker.chapter(config, ch, &mut errors);
        for f in &ch.figures {
            match &f.spec {
                FigureSpec::Trend(t) => trend(path, f, t, periods, &env, codebook, &mut errors),
                _ => checker.figure(codebook, f, &mut errors),
            }
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
            FigureSpec::Trend(_) => {}
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

/// "2013-2014, 2015-2016 or 2018-2019": the waves the inputs hold.
fn list_periods(periods: &BTreeSet<String>) -> String {
    let all: Vec<&str> = periods.iter().map(String::as_str).collect();
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => "(no waves)".into(),
    }
}

/// Line and column (1-based) of the `index`-th `period` key after the
/// figure's id in a chapter file: where a trend point is written (the
/// points are read in file order). The figure's start where it is not found.
fn point_place(path: &std::path::Path, figure: &str, index: usize) -> (usize, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = [format!("id = \"{figure}\""), format!("id=\"{figure}\"")].iter().find_map(|k| text.find(k.as_str())).unwrap_or(0);
    let offset = text[start..]
        .match_indices("period")
        .map(|(i, _)| start + i)
        .filter(|&i| {
            let before = text[..i].chars().next_back();
            let after = text[i + "period".len()..].trim_start_matches([' ', '\t']);
            before.is_some_and(|c| c == ' ' || c == '{' || c == ',' || c == '\n') && after.starts_with('=')
        })
        .nth(index)
        .unwrap_or(start);
    crate::config::line_col(&text, offset)
}

/// A trend figure: every point checked against its own edition's wave,
/// each problem named with the file, line and column of the point.
fn trend(path: &std::path::Path, f: &FigureConfig, t: &TrendSpec, periods: &BTreeSet<String>, env: &Env, codebook: &Codebook, errors: &mut Vec<String>) {
    let file = path.display().to_string();
    if t.series.is_empty() {
        errors.push(format!("{file}: figure \"{}\": kind = \"trend\" needs at least one [[figure.series]] with points", f.id));
    }
    let mut index = 0;
    for (s, series) in t.series.iter().enumerate() {
        if series.points.is_empty() {
            errors.push(format!("{file}: figure \"{}\": series {} (\"{}\") has no points; give each edition as {{ period, expr, definition }}", f.id, s + 1, series.label));
        }
        let mut previous: Option<&str> = None;
        for (k, p) in series.points.iter().enumerate() {
            let (line, col) = point_place(path, &f.id, index);
            index += 1;
            let at = format!("{file}:{line}:{col}: figure \"{}\": series {} (\"{}\") point {}", f.id, s + 1, series.label, k + 1);
            let period = &p.period;
            if !periods.contains(period) {
                errors.push(format!("{at}: period = \"{period}\" is not a wave in the inputs; use one of {}", list_periods(periods)));
                continue;
            }
            if previous.is_some_and(|before| before >= period.as_str()) {
                errors.push(format!("{at}: period = \"{period}\" comes after {}; list the editions of a series in time order, each once", previous.unwrap_or_default()));
            }
            previous = Some(period);
            let domain = p.domain.as_deref().unwrap_or(&f.domain);
            let columns = Columns::of(codebook, period);
            let checker = Checker { file: &at, period, columns: &columns, env, codebook };
            match env.domains.get(domain) {
                Some(_) => {
                    if let Some(dc) = domain_expr(env, domain) {
                        checker.expr(format!("domain = \"{domain}\""), &dc, errors);
                    }
                }
                None => errors.push(format!("{at}: domain = \"{domain}\" is not a [domain] of report.toml")),
            }
            checker.expr("expr".into(), &p.expr, errors);
            if p.definition.trim().is_empty() {
                errors.push(format!("{at}: definition is empty; say what the edition measured, for the footnote"));
            }
            if k == 0 && (p.same_definition.is_some() || p.change.is_some()) {
                errors.push(format!("{at}: the first point has no edition before it; leave out same_definition and change"));
            }
            if k > 0 && p.same_definition == Some(false) && p.change.as_deref().is_none_or(|c| c.trim().is_empty()) {
                errors.push(format!("{at}: same_definition = false needs change = \"what changed\" for the note under the chart"));
            }
            if p.same_definition != Some(false) && p.change.is_some() {
                errors.push(format!("{at}: change is only for a point whose definition changed; add same_definition = false or leave change out"));
            }
        }
    }
}

/// A domain's expression as written in report.toml.
fn domain_expr(env: &Env, name: &str) -> Option<String> {
    env.domain_text.get(name).cloned()
}

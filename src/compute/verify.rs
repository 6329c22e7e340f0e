//! Published numbers as project data (`inputs/published/published.toml`):
//! every weighted share, ratio and significance finding the publisher
//! printed, computed again on the waves with the report's own expression
//! language and estimators, each set beside its published value.
//! `barometer verify` prints the result; the tests demand that the shipped
//! waves meet every number.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::WaveData;
use crate::data::codebook::Codebook;
use crate::error::{Context, Error, Result};
use crate::expr::{Expr, Indicators};
use crate::stats;

/// The file as written (the format is described in its header).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    domain: BTreeMap<String, Named>,
    #[serde(default)]
    indicator: BTreeMap<String, Named>,
    #[serde(default)]
    wave: Vec<PublishedWave>,
    #[serde(default)]
    target: Vec<Target>,
    #[serde(default)]
    finding: Vec<Finding>,
    #[serde(default)]
    controlled: Vec<Controlled>,
}

/// A named domain or indicator: its expression and what it means.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Named {
    expr: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// The unweighted counts an edition published.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedWave {
    pub period: String,
    pub responses: usize,
    pub innovators: usize,
}

/// A published weighted percentage, or a ratio of two shares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub period: String,
    pub domain: String,
    pub indicator: String,
    pub published: Option<f64>,
    pub tolerance_pp: Option<f64>,
    pub published_ratio: Option<f64>,
    pub tolerance_ratio: Option<f64>,
    pub source: String,
}

/// A published significance statement: `test = "ROWS by GROUP"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub period: String,
    pub domain: String,
    pub test: String,
    pub significant: Vec<String>,
    #[serde(default)]
    pub not_significant: Vec<String>,
}

/// A published finding that holds, or fades, when controlling for other
/// items: a survey-weighted logistic regression of each part (0/1) on the
/// group and the controls (an expression, or a design column such as
/// `area` as one dummy per level), the group's coefficient significant at
/// 0,05 or not.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controlled {
    pub period: String,
    pub domain: String,
    pub test: String,
    pub controls: Vec<String>,
    #[serde(default)]
    pub holds: Vec<String>,
    #[serde(default)]
    pub fades: Vec<String>,
}

/// The published numbers, their expressions parsed and checked against the
/// codebook.
#[derive(Debug)]
pub struct Published {
    /// Named domains and indicators, and the built-in "innovators".
    pub env: Indicators,
    pub waves: Vec<PublishedWave>,
    pub targets: Vec<Target>,
    pub findings: Vec<Finding>,
    pub controlled: Vec<Controlled>,
}

/// How a ratio target is written: "ratio: Y among G to among neither".
fn split_ratio(indicator: &str) -> Option<(&str, &str)> {
    let rest = indicator.strip_prefix("ratio: ")?;
    let (y, rest) = rest.split_once(" among ")?;
    let group = rest.strip_suffix(" to among neither")?;
    Some((y, group))
}

/// The rows a finding tests: each listed part with the column or indicator
/// it names ("value_KIND" + "quality" -> value_quality).
fn finding_rows(f: &Finding) -> Vec<(String, String)> {
    test_rows(&f.test, f.significant.iter().chain(&f.not_significant))
}

/// The parts of "ROWS by GROUP" with the column or indicator each names.
fn test_rows<'a>(test: &str, parts: impl Iterator<Item = &'a String>) -> Vec<(String, String)> {
    let (rows, _) = test.split_once(" by ").unwrap_or((test, ""));
    match rows.strip_suffix("KIND") {
        Some(prefix) => parts.map(|k| (k.clone(), format!("{prefix}{k}"))).collect(),
        None => parts.map(|k| (k.clone(), rows.to_string())).collect(),
    }
}

impl Published {
    /// Reads and checks the file: unknown keys, expressions that do not
    /// parse, values that are not codes, a target without its value or
    /// tolerance, a finding without " by " are refused, naming the entry.
    pub fn load(path: &Path, codebook: &Codebook) -> Result<Published> {
        let text = crate::error::read_text(path)?;
        Published::parse(&text, codebook).with_context(|| path.display().to_string())
    }

    pub fn parse(text: &str, codebook: &Codebook) -> Result<Published> {
        let raw: Raw = toml::from_str(text)?;
        let parse = |what: &str, e: &str| -> Result<Expr> { Expr::parse(e)?.resolve(codebook).with_context(|| what.to_string()) };
        let mut env = Indicators::new();
        env.insert("innovators".into(), parse("the domain innovators", "innovated = 1")?);
        for (name, d) in raw.domain.iter().chain(&raw.indicator) {
            if name != "all" {
                env.insert(name.clone(), parse(&format!("[domain/indicator.{name}]"), &d.expr)?);
            }
        }
        for (i, t) in raw.target.iter().enumerate() {
            let what = format!("[[target]] {} ({}, {})", i + 1, t.period, t.indicator);
            parse(&what, &t.domain)?;
            match split_ratio(&t.indicator) {
                Some((y, g)) => {
                    parse(&what, y)?;
                    parse(&what, g)?;
                    if t.published_ratio.is_none() || t.tolerance_ratio.is_none() {
                        return Err(Error::Config(format!("{what}: a ratio needs published_ratio and tolerance_ratio")));
                    }
                }
                None if t.indicator.starts_with("ratio:") => {
                    return Err(Error::Config(format!("{what}: write a ratio as \"ratio: Y among G to among neither\"")));
                }
                None => {
                    parse(&what, &t.indicator)?;
                    if t.published.is_none() || t.tolerance_pp.is_none() {
                        return Err(Error::Config(format!("{what}: a target needs published and tolerance_pp")));
                    }
                }
            }
        }
        for (i, f) in raw.finding.iter().enumerate() {
            let what = format!("[[finding]] {} ({}, {})", i + 1, f.period, f.test);
            parse(&what, &f.domain)?;
            let Some((_, by)) = f.test.split_once(" by ") else {
                return Err(Error::Config(format!("{what}: write the test as \"ROWS by GROUP\"")));
            };
            parse(&what, by)?;
            if f.significant.is_empty() && f.not_significant.is_empty() {
                return Err(Error::Config(format!("{what}: list the parts in significant or not_significant")));
            }
        }
        for (i, c) in raw.controlled.iter().enumerate() {
            let what = format!("[[controlled]] {} ({}, {})", i + 1, c.period, c.test);
            parse(&what, &c.domain)?;
            let Some((_, by)) = c.test.split_once(" by ") else {
                return Err(Error::Config(format!("{what}: write the test as \"ROWS by GROUP\"")));
            };
            parse(&what, by)?;
            for control in c.controls.iter().filter(|c| !is_design_factor(c)) {
                parse(&what, control)?;
            }
            if c.holds.is_empty() && c.fades.is_empty() {
                return Err(Error::Config(format!("{what}: list the parts in holds or fades")));
            }
        }
        Ok(Published { env, waves: raw.wave, targets: raw.target, findings: raw.finding, controlled: raw.controlled })
    }

    fn expr(&self, text: &str, codebook: &Codebook) -> Result<Expr> {
        Expr::parse(text)?.resolve(codebook)
    }
}

/// A published number beside the computed one.
#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub period: String,
    pub domain: String,
    pub indicator: String,
    /// Percent (0..100), or the ratio itself.
    pub published: f64,
    pub computed: f64,
    /// computed - published (percentage points, or the ratio's units).
    pub deviation: f64,
    pub tolerance: f64,
    pub ratio: bool,
    /// The unweighted base n of the domain.
    pub n: usize,
    pub ok: bool,
    pub source: String,
}

/// A published significance statement beside the computed test.
#[derive(Debug, Clone, Serialize)]
pub struct FindingCheck {
    pub period: String,
    pub domain: String,
    /// The column or indicator tested, and the group.
    pub rows: String,
    pub by: String,
    pub p_value: f64,
    pub published_significant: bool,
    pub significant: bool,
    pub ok: bool,
}

/// A finding under controls beside the computed logistic regression.
#[derive(Debug, Clone, Serialize)]
pub struct ControlledCheck {
    pub period: String,
    pub domain: String,
    pub rows: String,
    pub by: String,
    pub controls: String,
    /// p-value of the group's coefficient.
    pub p_value: f64,
    pub published_holds: bool,
    pub holds: bool,
    pub ok: bool,
}

/// Design columns a control may name, entered as one dummy per level.
fn is_design_factor(name: &str) -> bool {
    matches!(name, "sector" | "area" | "size")
}

/// A published unweighted count beside the wave's.
#[derive(Debug, Clone, Serialize)]
pub struct CountCheck {
    pub period: String,
    pub what: String,
    pub published: usize,
    pub computed: usize,
    pub ok: bool,
}

/// Every published number of the waves given, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub counts: Vec<CountCheck>,
    pub targets: Vec<TargetCheck>,
    pub findings: Vec<FindingCheck>,
    pub controlled: Vec<ControlledCheck>,
    /// Editions with published numbers but no wave here.
    pub periods_without_wave: Vec<String>,
    pub passed: bool,
}

impl Verification {
    /// The numbers outside their tolerance and the findings that differ, one line each.
    pub fn failures(&self) -> Vec<String> {
        let counts = self.counts.iter().filter(|c| !c.ok).map(|c| format!("{} {}: {}, published {}", c.period, c.what, c.computed, c.published));
        let targets = self.targets.iter().filter(|t| !t.ok).map(|t| {
            if t.ratio {
                format!("{} [{}] {}: {:.2}, published {} ± {}", t.period, t.domain, t.indicator, t.computed, t.published, t.tolerance)
            } else {
                format!("{} [{}] {}: {:.1} %, published {} ± {}", t.period, t.domain, t.indicator, t.computed, t.published, t.tolerance)
            }
        });
        let findings = self.findings.iter().filter(|f| !f.ok).map(|f| {
            let said = if f.published_significant { "significant" } else { "not significant" };
            format!("{} [{}] {} by {}: p = {:.4}, published {said}", f.period, f.domain, f.rows, f.by, f.p_value)
        });
        let controlled = self.controlled.iter().filter(|c| !c.ok).map(|c| {
            let said = if c.published_holds { "holds" } else { "fades" };
            format!("{} [{}] {} by {} controlling for {}: p = {:.4}, published {said}", c.period, c.domain, c.rows, c.by, c.controls, c.p_value)
        });
        counts.chain(targets).chain(findings).chain(controlled).collect()
    }

    /// The largest deviation of a percentage target per edition, as
    /// (period, target, deviation in points).
    pub fn worst_by_period(&self) -> Vec<(String, String, f64)> {
        let mut worst: BTreeMap<&str, &TargetCheck> = BTreeMap::new();
        for t in self.targets.iter().filter(|t| !t.ratio) {
            let slot = worst.entry(t.period.as_str()).or_insert(t);
            if t.deviation.abs() > slot.deviation.abs() {
                *slot = t;
            }
        }
        worst.into_iter().map(|(p, t)| (p.to_string(), format!("[{}] {}", t.domain, t.indicator), t.deviation)).collect()
    }
}

/// Computes every published number of the waves given.
pub fn verify(published: &Published, codebook: &Codebook, waves: &BTreeMap<String, WaveData>) -> Result<Verification> {
    let mut out =
        Verification { counts: Vec::new(), targets: Vec::new(), findings: Vec::new(), controlled: Vec::new(), periods_without_wave: Vec::new(), passed: true };
    let periods = published
        .waves
        .iter()
        .map(|w| &w.period)
        .chain(published.targets.iter().map(|t| &t.period))
        .chain(published.findings.iter().map(|f| &f.period))
        .chain(published.controlled.iter().map(|c| &c.period));
    for p in periods {
        if !waves.contains_key(p) && !out.periods_without_wave.contains(p) {
            out.periods_without_wave.push(p.clone());
        }
    }
    out.periods_without_wave.sort();
    for w in &published.waves {
        let Some(wd) = waves.get(&w.period) else { continue };
        let innovators = wd.wave.values("innovated")?.iter().filter(|&&x| x == 1.0).count();
        for (what, want, got) in [("responses", w.responses, wd.wave.rows()), ("innovators", w.innovators, innovators)] {
            out.counts.push(CountCheck { period: w.period.clone(), what: what.into(), published: want, computed: got, ok: want == got });
        }
    }
    for t in &published.targets {
        if let Some(wd) = waves.get(&t.period) {
            let check = check_target(published, codebook, t, wd).with_context(|| format!("published number {} [{}] {}", t.period, t.domain, t.indicator))?;
            out.targets.push(check);
        }
    }
    for f in &published.findings {
        if let Some(wd) = waves.get(&f.period) {
            let checks = check_finding(published, codebook, f, wd).with_context(|| format!("published finding {} [{}] {}", f.period, f.domain, f.test))?;
            out.findings.extend(checks);
        }
    }
    for c in &published.controlled {
        if let Some(wd) = waves.get(&c.period) {
            let checks = check_controlled(published, codebook, c, wd).with_context(|| format!("published finding {} [{}] {} under controls", c.period, c.domain, c.test))?;
            out.controlled.extend(checks);
        }
    }
    out.passed = out.counts.iter().all(|c| c.ok)
        && out.targets.iter().all(|t| t.ok)
        && out.findings.iter().all(|f| f.ok)
        && out.controlled.iter().all(|c| c.ok);
    Ok(out)
}

/// The rows of a domain ("all" is every row).
fn domain_rows(published: &Published, codebook: &Codebook, text: &str, wd: &WaveData) -> Result<Vec<bool>> {
    if text.trim() == "all" {
        return Ok(vec![true; wd.wave.rows()]);
    }
    published.expr(text, codebook)?.eval(&wd.wave, &published.env)
}

fn as_f64(b: &[bool]) -> Vec<f64> {
    b.iter().map(|&x| f64::from(u8::from(x))).collect()
}

fn check_target(published: &Published, codebook: &Codebook, t: &Target, wd: &WaveData) -> Result<TargetCheck> {
    let domain = domain_rows(published, codebook, &t.domain, wd)?;
    let n = domain.iter().filter(|d| **d).count();
    let eval = |text: &str| published.expr(text, codebook)?.eval(&wd.wave, &published.env);
    let (published_value, computed, tolerance, ratio) = match split_ratio(&t.indicator) {
        Some((y, group)) => {
            let y = as_f64(&eval(y)?);
            let g = eval(group)?;
            let a: Vec<bool> = domain.iter().zip(&g).map(|(d, g)| *d && *g).collect();
            let b: Vec<bool> = domain.iter().zip(&g).map(|(d, g)| *d && !*g).collect();
            let r = stats::ratio(&wd.design, &a, &b, &y)?;
            (t.published_ratio.unwrap_or_default(), r.estimate, t.tolerance_ratio.unwrap_or_default(), true)
        }
        None => {
            let y = as_f64(&eval(&t.indicator)?);
            let est = stats::share(&wd.design, &domain, &y)?;
            (t.published.unwrap_or_default(), 100.0 * est.estimate, t.tolerance_pp.unwrap_or_default(), false)
        }
    };
    let deviation = computed - published_value;
    Ok(TargetCheck {
        period: t.period.clone(),
        domain: t.domain.clone(),
        indicator: t.indicator.clone(),
        published: published_value,
        computed,
        deviation,
        tolerance,
        ratio,
        n,
        // A hair of slack so a share printed as the bound is not refused.
        ok: computed.is_finite() && deviation.abs() <= tolerance + 1e-9,
        source: t.source.clone(),
    })
}

fn check_finding(published: &Published, codebook: &Codebook, f: &Finding, wd: &WaveData) -> Result<Vec<FindingCheck>> {
    let domain = domain_rows(published, codebook, &f.domain, wd)?;
    let (_, by) = f.test.split_once(" by ").ok_or_else(|| Error::Config(format!("\"{}\" is not \"ROWS by GROUP\"", f.test)))?;
    let group = as_f64(&published.expr(by, codebook)?.eval(&wd.wave, &published.env)?);
    let mut out = Vec::new();
    for (part, rows) in finding_rows(f) {
        // A column is tested with its codes; a named indicator as 0/1.
        let y = if wd.wave.has(&rows) { wd.wave.values(&rows)? } else { as_f64(&published.expr(&rows, codebook)?.eval(&wd.wave, &published.env)?) };
        let test = stats::rao_scott(&wd.design, &domain, &y, &group)?;
        let significant = test.p_f < 0.05;
        let published_significant = f.significant.contains(&part);
        out.push(FindingCheck {
            period: f.period.clone(),
            domain: f.domain.clone(),
            rows,
            by: by.to_string(),
            p_value: test.p_f,
            published_significant,
            significant,
            ok: significant == published_significant,
        });
    }
    Ok(out)
}

fn check_controlled(published: &Published, codebook: &Codebook, c: &Controlled, wd: &WaveData) -> Result<Vec<ControlledCheck>> {
    let domain = domain_rows(published, codebook, &c.domain, wd)?;
    let (_, by) = c.test.split_once(" by ").ok_or_else(|| Error::Config(format!("\"{}\" is not \"ROWS by GROUP\"", c.test)))?;
    let eval = |text: &str| published.expr(text, codebook)?.eval(&wd.wave, &published.env);
    let mut columns: Vec<(String, Vec<bool>)> = vec![("group".into(), eval(by)?)];
    for control in &c.controls {
        if is_design_factor(control) {
            let labels = wd.wave.labels(control)?;
            let mut levels: Vec<&str> = labels.iter().zip(&domain).filter(|(_, d)| **d).map(|(l, _)| *l).collect();
            levels.sort_unstable();
            levels.dedup();
            // The first level is the reference.
            for level in levels.iter().skip(1) {
                columns.push((format!("{control}{level}"), labels.iter().map(|l| l == level).collect()));
            }
        } else {
            columns.push((control.clone(), eval(control)?));
        }
    }
    let terms: Vec<(&str, &[bool])> = columns.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
    let mut out = Vec::new();
    for (part, rows) in test_rows(&c.test, c.holds.iter().chain(&c.fades)) {
        let y: Vec<bool> = if wd.wave.has(&rows) { wd.wave.values(&rows)?.iter().map(|&v| v == 1.0).collect() } else { eval(&rows)? };
        let fit = stats::logistic(&wd.design, &domain, y.as_slice(), &terms)?;
        let group = fit.coefficients.iter().find(|k| k.term == "group").ok_or_else(|| Error::internal("no group coefficient"))?;
        let holds = group.p < 0.05;
        let published_holds = c.holds.contains(&part);
        out.push(ControlledCheck {
            period: c.period.clone(),
            domain: c.domain.clone(),
            rows,
            by: by.to_string(),
            controls: c.controls.join(", "),
            p_value: group.p,
            published_holds,
            holds,
            ok: holds == published_holds,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codebook() -> Codebook {
        Codebook::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/codebook.toml")).unwrap()
    }

    #[test]
    fn the_projects_published_numbers_parse() {
        let p = Published::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs/published/published.toml"), &codebook()).unwrap();
        assert_eq!(p.targets.len(), 124);
        assert_eq!(p.findings.len(), 34);
        assert_eq!(p.controlled.len(), 6);
        assert_eq!(p.waves.iter().map(|w| (w.responses, w.innovators)).collect::<Vec<_>>(), [(1255, 1093), (2363, 1942), (2271, 1877), (1611, 1352)]);
        assert!(p.env.contains_key("types_2") && p.env.contains_key("economy_positive_innovations"));
    }

    #[test]
    fn parts_of_a_finding_name_their_columns() {
        let f = Finding {
            period: "2013-2014".into(),
            domain: "innovators".into(),
            test: "types_KIND by cause_economy = 1".into(),
            significant: vec!["1".into(), "3".into()],
            not_significant: vec!["2".into()],
        };
        let rows: Vec<String> = finding_rows(&f).into_iter().map(|(_, r)| r).collect();
        assert_eq!(rows, ["types_1", "types_3", "types_2"]);
        assert_eq!(split_ratio("ratio: y among a or b to among neither"), Some(("y", "a or b")));
    }

    #[test]
    fn mistakes_are_named() {
        let cb = codebook();
        let base = "[[target]]\nperiod = \"2018-2019\"\ndomain = \"innovators\"\nsource = \"s\"\n";
        let err = Published::parse(&format!("{base}indicator = \"novelty = 7\"\npublished = 5\ntolerance_pp = 1.5\n"), &cb).unwrap_err();
        assert!(format!("{err}").starts_with("[[target]] 1 (2018-2019, novelty = 7): "), "{err}");
        let err = Published::parse(&format!("{base}indicator = \"novelty = 1\"\npublished = 5\n"), &cb).unwrap_err();
        assert_eq!(err.to_string(), "[[target]] 1 (2018-2019, novelty = 1): a target needs published and tolerance_pp");
        let err = Published::parse("[[finding]]\nperiod = \"2018-2019\"\ndomain = \"all\"\ntest = \"novelty\"\nsignificant = [\"novelty\"]\n", &cb).unwrap_err();
        assert_eq!(err.to_string(), "[[finding]] 1 (2018-2019, novelty): write the test as \"ROWS by GROUP\"");
    }
}

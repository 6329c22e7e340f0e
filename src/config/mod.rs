//! The report as configuration: the analyst's language. `config/report.toml`
//! (title, settings, domains, indicators, chapter order) and one
//! `config/chapters/<id>.toml` per chapter with its hero and figures.
//! Unknown keys are refused with the file and key named.

pub mod content;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use serde::Deserialize;

use crate::model::{FigureKind, HeroSource};

/// `config/report.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub kicker: String,
    pub title: String,
    pub subtitle: String,
    /// Said wherever a reader looks when the waves are synthetic.
    pub data_note: String,
    /// Estimates on fewer respondents are not shown (default 30).
    #[serde(default = "default_min_n")]
    pub min_n: usize,
    /// Significance level of every test (default 0,05).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Chapter ids in order; each is `chapters/<id>.toml` beside this file.
    pub chapters: Vec<String>,
    /// Named domains: who a figure is about, and who was asked.
    pub domain: BTreeMap<String, DomainConfig>,
    /// Named derived indicators.
    #[serde(default)]
    pub indicator: BTreeMap<String, IndicatorConfig>,
}

fn default_min_n() -> usize {
    30
}
fn default_alpha() -> f64 {
    0.05
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    pub expr: String,
    /// Completes "Spørgsmålet er …" in captions; `{period}` is replaced.
    pub asked: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorConfig {
    pub expr: String,
    /// How the composite is built, one sentence for captions.
    #[serde(default)]
    pub explain: Option<String>,
}

/// `config/chapters/<id>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterConfig {
    pub id: String,
    /// Imperative title in capitals.
    pub title: String,
    pub period: String,
    /// Introduction. Placeholders print computed numbers: `{hero}`,
    /// `{figure-id.bar}` (1-based) and `{figure-id}` (the share its title
    /// speaks of) become "57 procent"; with `|words` they print the words
    /// instead, checked against the number (`{formaal.2|hver fjerde}`).
    pub intro: String,
    pub hero: HeroConfig,
    /// Editorial boxes: a file in `<inputs>/content/` (default `<id>.toml`).
    #[serde(default)]
    pub content: Option<String>,
    #[serde(rename = "figure")]
    pub figures: Vec<FigureConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeroConfig {
    /// An indicator name or an expression.
    pub indicator: String,
    pub domain: String,
    /// Completing sentence, starting in lower case.
    pub sentence: String,
    /// Where the number comes from: "published" (the page's own hero, the
    /// default), "candidate" (the page shows none; another published number
    /// of the edition) or "ours" (nothing was published).
    #[serde(default)]
    pub source: HeroSource,
    /// The wave of a chapter that spans editions (`period = "2013-2023"`):
    /// its hero is computed from this one. Default: the chapter's period.
    #[serde(default)]
    pub period: Option<String>,
}

/// One `[[figure]]` of a chapter file: the keys every kind has, and the
/// keys of its kind (`kind = "bars"` and so on). A key that does not belong
/// to the figure's kind is refused, with the line of its `[[figure]]`.
#[derive(Debug, Clone, Deserialize)]
pub struct FigureConfig {
    pub id: String,
    /// The finding in words; checked against the numbers.
    pub title: String,
    /// What is measured ("Andel af de offentlige innovationer, pct.").
    pub subtitle: String,
    /// The caption's first sentence: what the figure shows.
    pub shows: String,
    /// A named domain (config/report.toml [domain.*]).
    pub domain: String,
    /// The question(s) quoted in the caption; default: the codebook's
    /// question of a distribution's item.
    #[serde(default)]
    pub question: Vec<String>,
    /// A sentence for the sum-notes slot, written by the analyst.
    #[serde(default)]
    pub note: Option<String>,
    /// What the title's words refer to (default: the first highlighted bar).
    #[serde(default)]
    pub claim: Option<String>,
    /// Overrides the source line ("Kilde: …").
    #[serde(default)]
    pub source: Option<String>,
    /// The kind and its own keys.
    #[serde(flatten)]
    pub spec: FigureSpec,
}

/// A figure's kind with the keys that only it has.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FigureSpec {
    /// Horizontal bars, one per series.
    Bars(BarsSpec),
    /// Series × groups, with a Rao-Scott test per series.
    Grouped(GroupedSpec),
    /// Exclusive parts stacked into one bar (per group).
    Stacked(StackedSpec),
    /// The codes of one single-choice item.
    Distribution(DistributionSpec),
    /// The computed shares beside a published-aggregates table.
    Comparison(ComparisonSpec),
    /// A few headline numbers as tiles (shares and ratios).
    Facts(FactsSpec),
    /// Numbers published for more than one edition, each from its own wave.
    Trend(TrendSpec),
}

/// `kind = "trend"`: one `[[figure.series]]` per small multiple.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendSpec {
    pub series: Vec<TrendSeriesConfig>,
}

/// One series of a trend figure: its editions in time order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendSeriesConfig {
    pub label: String,
    pub points: Vec<TrendPointConfig>,
}

/// One edition of a series: the share of `expr` in `domain` of that
/// edition's wave, and the definition the edition used.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendPointConfig {
    /// A wave period.
    pub period: String,
    pub expr: String,
    /// A named domain (default: the figure's).
    #[serde(default)]
    pub domain: Option<String>,
    /// The definition the edition used, as the footnote says it.
    pub definition: String,
    /// Same definition as the previous point: "=" (joined, tested) or "≠".
    #[serde(default)]
    pub same_definition: Option<bool>,
    /// Where `same_definition = false`: what changed, for the note.
    #[serde(default)]
    pub change: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarsSpec {
    pub series: Vec<SeriesConfig>,
    /// Why the bars sum to more than 100 % ("… da …").
    #[serde(default)]
    pub multi_select: Option<String>,
    /// Exclusive categories whose remainder is not shown: its label and expression.
    #[serde(default)]
    pub left_out: Option<SeriesConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupedSpec {
    pub series: Vec<SeriesConfig>,
    /// The groups compared, in order (at least two).
    pub groups: Vec<SeriesConfig>,
    #[serde(default)]
    pub multi_select: Option<String>,
    /// A logistic check controlling for these items ("area" and other
    /// design columns are dummy-coded), and how the caption names them.
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub controls_text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackedSpec {
    /// The parts, in order.
    pub series: Vec<SeriesConfig>,
    /// One stacked bar per group; none: one bar for the whole domain.
    #[serde(default)]
    pub groups: Vec<SeriesConfig>,
    #[serde(default)]
    pub left_out: Option<SeriesConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionSpec {
    /// The single-choice item.
    pub item: String,
    /// Codes not shown (their share is named in the caption).
    #[serde(default)]
    pub leave_out: Vec<i32>,
    /// Codes drawn in the accent colour.
    #[serde(default)]
    pub highlight: Vec<i32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSpec {
    /// Each series names its row of the published table with `key`.
    pub series: Vec<SeriesConfig>,
    /// The published-aggregates table, relative to `<inputs>/`.
    pub published: String,
    /// Column labels: the computed one and the published one.
    #[serde(default)]
    pub computed_label: Option<String>,
    #[serde(default)]
    pub published_label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactsSpec {
    pub facts: Vec<FactConfig>,
}

impl ChapterConfig {
    /// The chapter's content file, relative to the inputs' content/ folder.
    pub fn content_name(&self) -> String {
        self.content.clone().unwrap_or_else(|| format!("{}.toml", self.id))
    }

    /// The wave the hero is computed from.
    pub fn hero_period(&self) -> &str {
        self.hero.period.as_deref().unwrap_or(&self.period)
    }

    /// The waves a figure is computed from: a trend figure's editions, or
    /// the chapter's wave.
    pub fn figure_periods(&self, figure: usize) -> Vec<&str> {
        match &self.figures[figure].spec {
            FigureSpec::Trend(t) => {
                let mut p: Vec<&str> = t.series.iter().flat_map(|s| s.points.iter().map(|p| p.period.as_str())).collect();
                p.sort();
                p.dedup();
                p
            }
            _ => vec![self.period.as_str()],
        }
    }
}

impl FigureSpec {
    pub fn kind(&self) -> FigureKind {
        match self {
            FigureSpec::Bars(_) => FigureKind::Bars,
            FigureSpec::Grouped(_) => FigureKind::Grouped,
            FigureSpec::Stacked(_) => FigureKind::Stacked,
            FigureSpec::Distribution(_) => FigureKind::Distribution,
            FigureSpec::Comparison(_) => FigureKind::Comparison,
            FigureSpec::Facts(_) => FigureKind::Facts,
            FigureSpec::Trend(_) => FigureKind::Trend,
        }
    }

    /// The series of the kinds that have them.
    pub fn series(&self) -> &[SeriesConfig] {
        match self {
            FigureSpec::Bars(b) => &b.series,
            FigureSpec::Grouped(g) => &g.series,
            FigureSpec::Stacked(s) => &s.series,
            FigureSpec::Comparison(c) => &c.series,
            FigureSpec::Distribution(_) | FigureSpec::Facts(_) | FigureSpec::Trend(_) => &[],
        }
    }

    /// The groups of the kinds that have them.
    pub fn groups(&self) -> &[SeriesConfig] {
        match self {
            FigureSpec::Grouped(g) => &g.groups,
            FigureSpec::Stacked(s) => &s.groups,
            _ => &[],
        }
    }

    /// The left-out remainder of the kinds that have one.
    pub fn left_out(&self) -> Option<&SeriesConfig> {
        match self {
            FigureSpec::Bars(b) => b.left_out.as_ref(),
            FigureSpec::Stacked(s) => s.left_out.as_ref(),
            _ => None,
        }
    }

    /// The facts of a facts figure.
    pub fn facts(&self) -> &[FactConfig] {
        match self {
            FigureSpec::Facts(f) => &f.facts,
            _ => &[],
        }
    }
}

impl FigureConfig {
    pub fn kind(&self) -> FigureKind {
        self.spec.kind()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesConfig {
    pub label: String,
    pub expr: String,
    #[serde(default)]
    pub highlight: bool,
    /// Comparison: the row's key in the published table.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactConfig {
    pub label: String,
    /// A share of this indicator in `domain` …
    pub expr: String,
    pub domain: String,
    /// … or, with `among`, how many times as often `expr` holds among
    /// `among` as among the rest of the domain.
    #[serde(default)]
    pub among: Option<String>,
    #[serde(default)]
    pub highlight: bool,
}

/// Everything under `config/` that shapes the report.
#[derive(Debug, Clone)]
pub struct Config {
    pub dir: PathBuf,
    pub report: ReportConfig,
    pub chapters: Vec<ChapterConfig>,
    /// The file each chapter came from, for messages.
    pub chapter_files: Vec<PathBuf>,
    /// Each chapter's TOML as read, to fingerprint a figure or the hero alone.
    pub chapter_tables: Vec<toml::Table>,
}

impl Config {
    /// A figure's own configuration, as canonical text (for fingerprints).
    pub fn figure_text(&self, chapter: usize, figure: usize) -> String {
        let fig = self.chapter_tables[chapter].get("figure").and_then(|f| f.as_array()).and_then(|a| a.get(figure));
        fig.map(|v| v.to_string()).unwrap_or_default()
    }

    /// A chapter's configuration without its figures (title, intro, hero, content).
    pub fn chapter_text(&self, chapter: usize) -> String {
        let mut t = self.chapter_tables[chapter].clone();
        t.remove("figure");
        t.to_string()
    }
}

/// Where report.toml's settings stand, for messages with line and column.
#[derive(Deserialize)]
struct SettingSpans {
    alpha: Option<toml::Spanned<f64>>,
    #[serde(default)]
    chapters: Vec<toml::Spanned<String>>,
}

/// Line and column (1-based, in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1)
}

/// Settings that parse but would silently give wrong results: a significance
/// level that is not a small probability (5 or 0,95 make every test
/// meaningless) and a chapter listed twice.
fn check_settings(path: &Path, text: &str) -> Result<()> {
    let errors = settings_errors(&path.display().to_string(), text)?;
    if errors.is_empty() { Ok(()) } else { Err(Error::Config(errors.join("\n"))) }
}

fn settings_errors(shown: &str, text: &str) -> Result<Vec<String>> {
    let spans: SettingSpans = toml::from_str(text).map_err(|e| Error::Config(format!("{shown}: {}", e.to_string().trim_end())))?;
    let mut errors = Vec::new();
    if let Some(alpha) = &spans.alpha {
        let a = *alpha.get_ref();
        let (line, col) = line_col(text, alpha.span().start);
        let at = format!("{shown}:{line}:{col}: alpha = {a}");
        if (0.5..1.0).contains(&a) {
            errors.push(format!(
                "{at}: alpha is the significance level, not the confidence level; for {:.0} % confidence write alpha = {}",
                a * 100.0,
                ((1.0 - a) * 1e6).round() / 1e6
            ));
        } else if !(a > 0.0 && a < 0.5) {
            errors.push(format!("{at}: alpha is the significance level of every test, a probability above 0 and below 0.5 such as 0.05 (5 %)"));
        }
    }
    for (k, id) in spans.chapters.iter().enumerate() {
        if let Some(first) = spans.chapters[..k].iter().find(|c| c.get_ref() == id.get_ref()) {
            let (line, col) = line_col(text, id.span().start);
            let (first_line, _) = line_col(text, first.span().start);
            errors.push(format!(
                "{shown}:{line}:{col}: chapter \"{}\" is listed twice in chapters (first on line {first_line}); a chapter appears once, so remove one",
                id.get_ref()
            ));
        }
    }
    Ok(errors)
}

/// Reads a TOML file into `T`; errors name the file, line and key.
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    parse_toml(path, &crate::error::read_text(path)?)
}

/// Parses `text`, read from `path`, into `T`; errors name the file, line and key.
fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| Error::Config(format!("{}: {}", path.display(), e.to_string().trim_end())))
}

/// A relative path that stays inside the folder it is read from: no root,
/// no "..", nothing but names (so everything read is an input the manifest
/// lists).
pub fn is_inside(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty() && p.components().all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// An id that is safe as a file name under outputs/ ("borger-roller").
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

impl Config {
    pub fn load(dir: &Path) -> Result<Config> {
        let report_path = dir.join("report.toml");
        let report_text = crate::error::read_text(&report_path)?;
        let report: ReportConfig = parse_toml(&report_path, &report_text)?;
        check_settings(&report_path, &report_text)?;
        let mut chapters = Vec::new();
        let mut chapter_files = Vec::new();
        let mut chapter_tables = Vec::new();
        for id in &report.chapters {
            if !is_safe_id(id) {
                return Err(Error::Config(format!("{}: chapter id \"{id}\" must be lower-case letters, digits and '-'", report_path.display())));
            }
            let path = dir.join("chapters").join(format!("{id}.toml"));
            let text = crate::error::read_text(&path)?;
            let ch: ChapterConfig = parse_toml(&path, &text)?;
            if &ch.id != id {
                return Err(Error::Config(format!("{}: id = \"{}\" but report.toml lists it as \"{id}\"", path.display(), ch.id)));
            }
            chapter_tables.push(parse_toml::<toml::Table>(&path, &text)?);
            chapters.push(ch);
            chapter_files.push(path);
        }
        // Figure ids name files under outputs/: safe and unique, checked up front.
        let mut errors = Vec::new();
        let mut seen: Vec<(&str, &Path)> = Vec::new();
        for (ch, path) in chapters.iter().zip(&chapter_files) {
            if let Some(c) = ch.content.as_deref().filter(|c| !is_inside(c)) {
                errors.push(format!(
                    "{}: content = \"{c}\": a content file is named relative to the inputs' content/ folder and stays inside it (such as \"{}.toml\")",
                    path.display(),
                    ch.id
                ));
            }
            for f in &ch.figures {
                if let FigureSpec::Comparison(c) = &f.spec
                    && !is_inside(&c.published)
                {
                    errors.push(format!(
                        "{}: figure \"{}\": published = \"{}\": a published table is named relative to the inputs folder and stays inside it (such as \"published/ks-norge-2017.csv\")",
                        path.display(),
                        f.id,
                        c.published
                    ));
                }
                if !is_safe_id(&f.id) {
                    errors.push(format!(
                        "{}: figure \"{}\": the id must be lower-case letters, digits and '-' (it names files under outputs/)",
                        path.display(),
                        f.id
                    ));
                } else if let Some((_, other)) = seen.iter().find(|(id, _)| *id == f.id) {
                    errors.push(format!("{}: figure \"{}\": the id is also used in {}", path.display(), f.id, other.display()));
                }
                seen.push((&f.id, path));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Config(errors.join("\n")));
        }
        Ok(Config { dir: dir.to_path_buf(), report, chapters, chapter_files, chapter_tables })
    }
}

#[cfg(test)]
mod tests {
    use super::settings_errors;

    fn errors(text: &str) -> Vec<String> {
        settings_errors("config/report.toml", text).unwrap()
    }

    #[test]
    fn a_significance_level_that_is_not_a_small_probability_is_refused_where_it_stands() {
        assert_eq!(
            errors("min_n = 30\nalpha = 5\n"),
            ["config/report.toml:2:9: alpha = 5: alpha is the significance level of every test, a probability above 0 and below 0.5 such as 0.05 (5 %)"]
        );
        assert_eq!(
            errors("alpha = 0.95\n"),
            ["config/report.toml:1:9: alpha = 0.95: alpha is the significance level, not the confidence level; for 95 % confidence write alpha = 0.05"]
        );
        assert_eq!(errors("alpha = 0\n").len(), 1);
        assert_eq!(errors("alpha = nan\n").len(), 1);
        assert!(errors("alpha = 0.05\n").is_empty());
        assert!(errors("alpha = 0.1\n").is_empty());
        assert!(errors("min_n = 30\n").is_empty());
    }

    #[test]
    fn a_chapter_listed_twice_is_refused_with_both_places() {
        assert_eq!(
            errors("chapters = [\n  \"a-2013\",\n  \"b-2013\",\n  \"a-2013\",\n]\n"),
            ["config/report.toml:4:3: chapter \"a-2013\" is listed twice in chapters (first on line 2); a chapter appears once, so remove one"]
        );
    }
}

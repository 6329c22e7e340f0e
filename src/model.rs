//! The computed model, the contract between computing and rendering: every
//! number and every sentence a reader sees (captions, chart notes, source
//! lines, the method page, the words on the pages). The sentences come from
//! `text`; charts, data exports and the handbook only lay them out, so they
//! cannot disagree.

use serde::{Deserialize, Serialize};

/// The whole report: every chapter, computed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// "Innovationsbarometeret" kicker on the title page.
    pub kicker: String,
    pub title: String,
    pub subtitle: String,
    /// Said wherever a reader looks: the shipped waves are synthetic.
    pub data_note: String,
    pub chapters: Vec<Chapter>,
    /// Facts for the method page, one per wave used.
    pub method: Vec<WaveFacts>,
    /// Significance level of every test ("0,05").
    pub alpha: f64,
    /// Estimates on fewer respondents are suppressed.
    pub min_n: usize,
    /// The words the renderers set around the numbers.
    pub words: Words,
    /// The method page: its sections, in order.
    pub method_page: Vec<Section>,
    /// The printed books: one per edition, then the combined one.
    #[serde(default)]
    pub books: Vec<Book>,
}

/// A printed book: an edition's handbook, or every edition in one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Book {
    /// The edition's period, or "handbook" for the combined book.
    pub id: String,
    /// The title set stacked on the cover: "NYT", "SAMMEN", "BEDRE".
    pub title_lines: Vec<String>,
    /// "Udgaven 2018-2019" or "Udgaverne 2013-2014, … og 2021-2023".
    pub edition_line: String,
    /// The PDF's title: "Innovationsbarometeret: Nyt sammen bedre 2018-2019".
    pub document_title: String,
    /// The title verso: data (which waves, n, synthetic or real), method, software.
    pub colophon: Vec<Section>,
    /// The book's parts in order; an edition's book has one, without a divider.
    pub parts: Vec<Part>,
    /// The foot of the book's own pages.
    pub footer: String,
}

/// A part of a book: its chapters and the method page of its wave.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Part {
    /// "Del 2" on the divider page and in the contents; empty without a divider.
    pub label: String,
    /// "Innovationsbarometeret 2015-2016", or the chapters across editions.
    pub title: String,
    /// A line under the title on the divider: "6 temaer · n=1.234".
    pub lead: String,
    /// Whether the part opens on a divider page (the combined book).
    pub divider: bool,
    /// Chapter ids, in the configured order.
    pub chapters: Vec<String>,
    /// The method page of the part's wave (none for chapters across editions).
    pub method: Vec<Section>,
}

/// Words the renderers set around the numbers, in Danish, from `text`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Words {
    /// "Følg den røde tråd": the book's reading device, named once where it begins.
    #[serde(default)]
    pub thread: String,
    /// "for få svar": shown instead of a suppressed number.
    pub too_few: String,
    /// The note under a chart with a suppressed number.
    pub too_few_note: String,
    /// The note under a chart that draws confidence intervals.
    pub whiskers_note: String,
    /// "Syntetiske data": on every chart, tile and data row of a synthetic wave.
    pub synthetic_marker: String,
    /// "Indhold": the contents page.
    pub contents: String,
    /// "Kapitel", before a chapter's number.
    pub chapter: String,
    /// "Figur", before a figure's number.
    pub figure: String,
    /// "Metode og data": the method page.
    pub method: String,
    /// "Innovationsbarometeret · Nyt sammen bedre": the running head of the book's own pages.
    pub running_title: String,
    /// The foot of every page of the whole book; names the synthetic waves.
    pub footer: String,
    /// The note on the data on the title page: which waves are synthetic and which real.
    pub title_note: String,
    /// The editions on the title page: "Udgaverne 2013-2014, 2015-2016 og 2018-2019".
    pub editions: String,
    /// The heading of the note on the data: "Syntetiske data" or "Om tallene".
    pub data_heading: String,
    /// The PDF's title and keywords.
    pub document_title: String,
    pub keywords: String,
    /// The words of the web pages (`src/site`).
    #[serde(default)]
    pub site: SiteWords,
}

/// Words the web pages set around the model's sentences: links, headings
/// of the navigation and one label per kind of download.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SiteWords {
    /// "Forside": the link to the front page.
    pub home: String,
    /// "Udgaver": the editions on the front page.
    pub editions: String,
    /// "Gå til indholdet": the link that skips the navigation.
    pub skip: String,
    /// "Du er her": the name of the breadcrumb trail.
    pub breadcrumb: String,
    /// "Åben illustration": the link to a figure's own page (or the hero tile).
    pub open_illustration: String,
    /// "Download illustration": the print PNG.
    pub download_illustration: String,
    /// "Download data": the CSV behind a chart.
    pub download_data: String,
    /// "Download": the heading of a figure's downloads.
    pub downloads: String,
    /// "Tallene i figuren": the table of a chart's numbers.
    pub numbers: String,
    /// One label per download kind.
    pub png: String,
    pub svg: String,
    pub csv: String,
    pub json: String,
    pub xlsx: String,
    pub pdf: String,
}

/// A section of the method page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Section {
    pub heading: String,
    /// An introduction set large (the page's first section).
    pub lead: Option<String>,
    pub paragraphs: Vec<String>,
    /// A table: a header row, then a row per edition.
    pub table: Option<Vec<Vec<String>>>,
}

/// Facts about one wave for the method page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WaveFacts {
    pub period: String,
    pub responses: usize,
    pub innovators: usize,
    pub strata: usize,
    /// Sum of the weights: the public workplaces represented.
    pub population: f64,
    /// The published response rate of the edition (a share), from the
    /// codebook; none where it was not published.
    pub response_rate: Option<f64>,
    /// The published population of workplaces (the frame) and gross
    /// sample, from the codebook, where the edition published them.
    #[serde(default)]
    pub published_population: Option<usize>,
    #[serde(default)]
    pub sample: Option<usize>,
    pub synthetic: bool,
    /// What validating the wave warned of (kept with its facts, so an
    /// incremental build still reports them under `--strict`).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One theme: an imperative title, a hero number, figures, boxes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Chapter {
    pub id: String,
    /// 1-based position in the report; figures are numbered chapter.figure.
    pub number: usize,
    /// Imperative title in capitals: "HØST BORGERNES IDEER".
    pub title: String,
    pub period: String,
    pub hero: Hero,
    /// Introduction, numbers quoted in running text ("57 procent …").
    pub intro: String,
    pub figures: Vec<Figure>,
    /// Editorial boxes (Case, advice, Værktøj, Besøg også), in order.
    pub boxes: Vec<ContentBox>,
    /// "Innovationsbarometeret 2018-2019": the running head of its pages.
    pub edition: String,
    /// The hero tile's source line: "Kilde: Innovationsbarometeret 2018-2019 · n=1.877".
    pub source_line: String,
    /// The chapter in bookmarks and as a PDF's title: "Høst borgernes ideer".
    pub name: String,
    /// Its wave was drawn by `barometer synth`, not answered: its tile and
    /// pages say so.
    pub synthetic: bool,
    /// The foot of the chapter's own PDF.
    pub footer: String,
    /// Where the introduction's or hero sentence's words do not fit their numbers.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The chapter's hero number and its completing sentence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hero {
    pub indicator: String,
    pub domain: String,
    pub value: Value,
    /// "57 %" (with a no-break space).
    pub text: String,
    /// Completing sentence, lower case first: "af de offentlige innovationer …".
    pub sentence: String,
    /// Where the number comes from: the publisher's hero, another published
    /// number of the edition, or our own computation.
    #[serde(default)]
    pub source: HeroSource,
    /// Said beside the number where it is not the publisher's hero.
    #[serde(default)]
    pub note: Option<String>,
}

/// Where a chapter's hero number comes from. The publisher's page may show
/// none; then the chapter must not pass another number off as its hero.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HeroSource {
    /// The number the publisher's page shows as its hero.
    #[default]
    Published,
    /// The page shows none; another published number of the same edition
    /// that fits the theme (an editorial choice).
    Candidate,
    /// The page shows none and nothing fitting was published: computed for
    /// this report.
    Ours,
}

/// An estimated share with its uncertainty.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Value {
    /// Share 0..1 (or a ratio for `FigureKind::Facts` ratios).
    pub estimate: f64,
    pub se: f64,
    /// 95 % interval; None where there is none (share 0 or 1).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Unweighted respondents in the domain.
    pub n: usize,
    /// Fewer respondents than the minimum: not shown as a number.
    pub suppressed: bool,
}

/// How a figure is drawn.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// Horizontal bars, one per series.
    Bars,
    /// Series × groups, with a test per series.
    Grouped,
    /// Exclusive parts stacked into one bar per group.
    Stacked,
    /// The codes of one single-choice item.
    Distribution,
    /// Two columns: the computed one and a published-aggregates one.
    Comparison,
    /// A few headline numbers as tiles (shares and ratios).
    Facts,
    /// Numbers published for more than one edition: a small multiple per
    /// series, a point per edition (each from its own wave and design).
    Trend,
}

/// One computed figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Figure {
    pub id: String,
    /// "3.2": chapter.figure.
    pub number: String,
    pub kind: FigureKind,
    pub period: String,
    /// The finding in words (configured, checked against the numbers).
    pub title: String,
    /// What is measured: "Andel af innovationerne, pct."
    pub subtitle: String,
    /// Series labels in display order.
    pub series: Vec<String>,
    /// Group labels in display order (empty where ungrouped).
    pub groups: Vec<String>,
    /// One per bar: series × group (groups vary fastest).
    pub bars: Vec<Bar>,
    pub tests: Vec<Test>,
    /// The generated caption, ending "n=1.877."
    pub caption: String,
    /// "Kilde: Innovationsbarometeret 2018-2019"
    pub source: String,
    /// Unweighted base of the figure.
    pub n: usize,
    /// Warnings about the title that no longer fits its numbers.
    pub warnings: Vec<String>,
    /// Its wave was drawn by `barometer synth`: the chart and the data say so.
    #[serde(default)]
    pub synthetic: bool,
    /// The share the title's words speak of (the claim, or the first highlighted bar).
    #[serde(default)]
    pub claim: Option<f64>,
    /// "Figur 3.2"
    pub label: String,
    /// The notes under the chart: significance, published sources,
    /// untested differences, suppressed numbers.
    pub notes: Vec<String>,
    /// "Kilde: Innovationsbarometeret 2018-2019 · n=1.877"
    pub source_line: String,
    /// The chart in words for screen readers: the finding's numbers, the notes, the source.
    pub description: String,
    /// A trend figure's editions: definitions, joins and tests between
    /// editions (absent for every other kind, so their model is unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Trend>,
}

/// What a trend figure holds beside its bars (one bar per series and
/// edition, `Bar.group` being the edition's period).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Trend {
    /// One per bar, in the bars' order.
    pub points: Vec<TrendPoint>,
    /// Tests between neighbouring editions of a series with the same definition.
    pub tests: Vec<EditionTest>,
    /// The caption's note on the test: the method, and that it is ours.
    pub method: String,
    /// Each edition's short name under the points ("2013-14"), as `Figure.groups`.
    pub period_labels: Vec<String>,
}

/// One edition of one series.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrendPoint {
    /// The definition used in that edition.
    pub definition: String,
    /// Its footnote number among the figure's notes (1-based).
    pub footnote: usize,
    /// "n=1.611"
    pub n_label: String,
    /// Same definition as the series' previous point ("="): the two are joined.
    pub joined: bool,
    /// Where the definition changed ("≠") from the previous point: what changed.
    pub changed: Option<String>,
}

/// A difference between two editions of a series: two independent samples,
/// the variance the sum of the two design variances, a z test.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EditionTest {
    pub series: String,
    pub from: String,
    pub to: String,
    /// Later minus earlier (shares 0..1).
    pub difference: f64,
    pub se: f64,
    pub z: f64,
    pub p_value: f64,
    pub significant: bool,
    /// The result in words ("på samme niveau", "steget fra … til …").
    pub sentence: String,
}

/// One bar (or segment, or tile) of a figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bar {
    pub series: String,
    /// Empty where the figure is ungrouped.
    pub group: String,
    pub value: Value,
    /// "57 %" or "for få svar" when suppressed.
    pub label: String,
    /// Drawn in the accent colour.
    pub highlight: bool,
    /// What the number is: an estimate, a published aggregate or a ratio.
    pub kind: BarKind,
}

/// What a bar's number is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BarKind {
    /// A share estimated from a wave.
    Estimate,
    /// From a published-aggregates table, not estimated (no uncertainty).
    Published { source: String },
    /// How many times as often (a facts tile).
    Ratio,
}

impl Bar {
    pub fn is_published(&self) -> bool {
        matches!(self.kind, BarKind::Published { .. })
    }
}

/// A Rao-Scott test of a series across the groups.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Test {
    pub series: String,
    /// What the groups are ("pos(citizens)").
    pub by: String,
    pub statistic: f64,
    pub ndf: f64,
    pub ddf: f64,
    pub p_value: f64,
    pub significant: bool,
}

/// An editorial box.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContentBox {
    pub kind: BoxKind,
    pub title: String,
    /// Paragraphs of running text.
    pub body: Vec<String>,
    /// "Frit efter …" where a named person's view is paraphrased.
    #[serde(default)]
    pub attribution: Option<String>,
    /// Links for "Besøg også": (label, address).
    #[serde(default)]
    pub links: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BoxKind {
    Case,
    Advice,
    Tool,
    SeeAlso,
}

impl FigureKind {
    /// The kind as configuration writes it.
    pub fn name(self) -> &'static str {
        match self {
            FigureKind::Bars => "bars",
            FigureKind::Grouped => "grouped",
            FigureKind::Stacked => "stacked",
            FigureKind::Distribution => "distribution",
            FigureKind::Comparison => "comparison",
            FigureKind::Facts => "facts",
            FigureKind::Trend => "trend",
        }
    }
}

impl BoxKind {
    /// The box's heading word in the handbook.
    pub fn heading(self) -> &'static str {
        match self {
            BoxKind::Case => "Case",
            BoxKind::Advice => "Gode råd",
            BoxKind::Tool => "Værktøj",
            BoxKind::SeeAlso => "Besøg også",
        }
    }
}

/// The sample model every renderer's unit tests are written against
/// (tests/fixtures/model-sample.json).
#[cfg(test)]
pub fn sample() -> Report {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model-sample.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample model that renderers are developed against stays in step with the types.
    #[test]
    fn sample_model_reads() {
        let report = sample();
        assert_eq!(report.chapters.len(), 2);
        assert_eq!(report.chapters[0].figures[1].kind, FigureKind::Grouped);
        assert_eq!(report.chapters[0].hero.text, "57\u{a0}%");
    }
}

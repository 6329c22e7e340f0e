//! Every sentence and word a reader sees beside the numbers, in one place:
//! caption sentences, chart notes, source lines, the words on the pages and
//! the method page. `compute` calls these to fill the model; renderers only
//! lay the results out.

use super::{decimal, list_and, lower_first, n_equals, pct, quote, thousands};
use crate::model::{Bar, BarKind, Figure, FigureKind, HeroSource, Section, SiteWords, WaveFacts, Words};

/// Shown instead of a number that rests on too few answers.
pub const TOO_FEW: &str = "for få svar";

/// The chart marker when any wave is synthetic.
pub const SYNTHETIC_MARKER: &str = "Syntetiske data";

/// "HØST BORGERNES IDEER" -> "Høst borgernes ideer".
pub fn sentence_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// "A. B. C." from parts with or without their full stop; empty parts are left out.
pub fn sentences(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| if p.ends_with('.') { p.to_string() } else { format!("{p}.") })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A share's label on a bar or a hero: "57 %", or "for få svar".
pub fn share_label(estimate: f64, suppressed: bool) -> String {
    if suppressed { TOO_FEW.to_string() } else { pct(estimate) }
}

/// A share in an introduction: "57 %", or "(for få svar)".
pub fn share_in_text(estimate: f64, suppressed: bool) -> String {
    if suppressed { format!("({TOO_FEW})") } else { super::procent(estimate) }
}

/// The default source line of an edition: "Kilde: Innovationsbarometeret 2018-2019".
pub fn source(period: &str) -> String {
    format!("Kilde: Innovationsbarometeret {period}")
}

/// "Kilde: … · n=1.877"; just "n=1.877" without a source.
pub fn source_line(source: &str, n: usize) -> String {
    if source.is_empty() { n_equals(n) } else { format!("{source} · {}", n_equals(n)) }
}

/// The computed column of a comparison: "Danmark 2018-2019".
pub fn computed_column(period: &str) -> String {
    format!("Danmark {period}")
}

/// The published column of a comparison.
pub const PUBLISHED_COLUMN: &str = "Offentliggjorte tal";

/// The number a title's words speak of, under a chart whose bars do not
/// print it: ("tre ud af ti", 0.3) -> "Tre ud af ti: 30 %".
pub fn claim_sentence(words: &str, p: f64) -> String {
    let mut c = words.chars();
    let first: String = c.next().map(|f| f.to_uppercase().collect()).unwrap_or_default();
    format!("{first}{}: {}", c.as_str(), pct(p))
}

/// Sum note: multi-select bars add up to more than 100 %.
pub fn sums_to_more(reason: &str) -> String {
    format!("Figuren summerer til mere end 100\u{a0}%, da {reason}")
}

/// Sum note: exclusive parts without the remainder `label` (its share `p`).
pub fn sums_to_less(p: f64, label: &str) -> String {
    format!("Figuren summerer ikke til 100\u{a0}%, da de {} {label}, ikke er vist", pct(p))
}

/// Sum note: codes of a distribution that are not shown, each "de 5 %, der har svaret ”Ved ikke”".
pub fn codes_left_out(left: &[(f64, String)]) -> String {
    let parts: Vec<String> = left.iter().map(|(p, label)| format!("de {}, der har svaret {}", pct(*p), quote(label))).collect();
    format!("Figuren summerer ikke til 100\u{a0}%, da {}, ikke er vist", list_and(&parts))
}

/// Caption note of a comparison: the published numbers are not tested.
pub fn published_not_tested(column: &str, sources: &[String]) -> String {
    format!("Tallene for {column} er offentliggjorte aggregater ({}) og er ikke testet for signifikante forskelle", list_and(sources))
}

/// Caption sentence of the logistic check: does each significant
/// association hold when controlling for `what`?
pub fn controlled_sentence(holds: &[(String, bool)], what: &str) -> String {
    let yes: Vec<String> = holds.iter().filter(|h| h.1).map(|h| quote(&h.0)).collect();
    let no: Vec<String> = holds.iter().filter(|h| !h.1).map(|h| quote(&h.0)).collect();
    match (yes.is_empty(), no.is_empty()) {
        (true, true) => format!("Der er ingen signifikante forskelle at kontrollere for {what}"),
        (false, true) => format!("Sammenhængen holder, når der kontrolleres for {what} (logistisk regression)"),
        (true, false) => format!("Sammenhængen holder ikke, når der kontrolleres for {what} (logistisk regression)"),
        (false, false) => format!(
            "Sammenhængen holder for {}, men ikke for {}, når der kontrolleres for {what} (logistisk regression)",
            list_and(&yes),
            list_and(&no)
        ),
    }
}

/// "udgaven 2018-2019" or "udgaverne 2013-2014 og 2015-2016".
fn editions(periods: &[String]) -> String {
    if periods.len() == 1 { format!("udgaven {}", periods[0]) } else { format!("udgaverne {}", list_and(periods)) }
}

/// The note under a chart with a suppressed number.
fn too_few_note(min_n: usize) -> String {
    format!("For få svar: færre end {min_n} besvarelser; tallet vises ikke.")
}

/// The heading of the note on the data, on the title page and the method page.
fn data_heading(any_synthetic: bool) -> &'static str {
    if any_synthetic { SYNTHETIC_MARKER } else { "Om tallene" }
}

/// The note on the data when no wave is synthetic.
fn all_real(real: &[String]) -> String {
    format!("Alle tal er beregnet direkte fra besvarelserne i {}.", editions(real))
}

/// A running title, marked where the data are synthetic.
fn with_synthetic(running_title: &str, synthetic: bool) -> String {
    if synthetic { format!("{running_title} · beregnet på syntetiske data") } else { running_title.to_string() }
}

/// Which waves are synthetic and which real, for the notes that say so.
fn split_synthetic(waves: &[WaveFacts]) -> (Vec<String>, Vec<String>) {
    let (s, r): (Vec<&WaveFacts>, Vec<&WaveFacts>) = waves.iter().partition(|w| w.synthetic);
    (s.iter().map(|w| w.period.clone()).collect(), r.iter().map(|w| w.period.clone()).collect())
}

/// The words of a report: its settings and its waves (which are synthetic).
pub fn words(kicker: &str, title: &str, min_n: usize, waves: &[WaveFacts], data_note: &str) -> Words {
    let name = sentence_case(kicker);
    let running_title = format!("{name} · {title}");
    let periods: Vec<String> = waves.iter().map(|w| w.period.clone()).collect();
    let (synthetic, real) = split_synthetic(waves);
    let mut keywords = vec!["Innovationsbarometeret".to_string(), "offentlig innovation".to_string()];
    keywords.extend(periods.iter().cloned());
    if !synthetic.is_empty() {
        keywords.push("syntetiske data".into());
    }
    let footer = match (synthetic.is_empty(), real.is_empty()) {
        (none_synthetic, true) => with_synthetic(&running_title, !none_synthetic),
        (true, false) => running_title.clone(),
        (false, false) => format!("{running_title} · syntetiske data: {}", list_and(&synthetic)),
    };
    let title_note = match (synthetic.is_empty(), real.is_empty()) {
        (true, _) => all_real(&real),
        (false, true) => data_note.to_string(),
        (false, false) => format!("{data_note} Det gælder {}; {} bygger på rigtige besvarelser.", editions(&synthetic), editions(&real)),
    };
    Words {
        thread: "Følg den røde tråd".into(),
        too_few: TOO_FEW.into(),
        too_few_note: too_few_note(min_n),
        whiskers_note: "Streger viser 95\u{a0}% konfidensintervaller.".into(),
        synthetic_marker: SYNTHETIC_MARKER.into(),
        contents: "Indhold".into(),
        chapter: "Kapitel".into(),
        figure: "Figur".into(),
        method: "Metode og data".into(),
        footer,
        title_note,
        running_title,
        editions: if periods.is_empty() { String::new() } else { format!("Udgaverne {}", list_and(&periods)) },
        data_heading: data_heading(!synthetic.is_empty()).into(),
        document_title: format!("{name}: {title}"),
        keywords: keywords.join("; "),
        site: site_words(),
    }
}

/// The words of the web pages.
fn site_words() -> SiteWords {
    SiteWords {
        home: "Forside".into(),
        editions: "Udgaver".into(),
        skip: "Gå til indholdet".into(),
        breadcrumb: "Du er her".into(),
        open_illustration: "Åben illustration".into(),
        download_illustration: "Download illustration".into(),
        download_data: "Download data".into(),
        downloads: "Download".into(),
        numbers: "Tallene i figuren".into(),
        png: "Illustration til tryk (PNG)".into(),
        svg: "Illustration med redigerbar tekst (SVG)".into(),
        csv: "Data (CSV)".into(),
        json: "Data (JSON)".into(),
        xlsx: "Data (Excel)".into(),
        pdf: "Kapitlet som PDF".into(),
    }
}

/// The foot of a chapter's own PDF: the book's running title, and whether
/// the chapter's wave is synthetic.
pub fn chapter_footer(words: &Words, synthetic: bool) -> String {
    with_synthetic(&words.running_title, synthetic)
}

/// A chapter's running head: "Innovationsbarometeret 2018-2019".
pub fn edition(kicker: &str, period: &str) -> String {
    format!("{} {period}", sentence_case(kicker))
}

/// "Figur 3.2"
pub fn figure_label(number: &str) -> String {
    format!("Figur {number}")
}

/// The notes under a figure's chart, in order: the significance mark,
/// published sources, untested differences, suppressed numbers.
pub fn chart_notes(fig: &Figure, alpha: f64, min_n: usize) -> Vec<String> {
    let mut notes = Vec::new();
    if matches!(fig.kind, FigureKind::Grouped | FigureKind::Comparison) {
        if fig.tests.iter().any(|t| t.significant) {
            notes.push(format!("* Forskellen er signifikant ved et signifikansniveau på {}.", decimal(alpha, 2)));
        }
        let mut published: Vec<(&str, &str)> = fig
            .bars
            .iter()
            .filter_map(|b| match &b.kind {
                BarKind::Published { source } => Some((b.group.as_str(), source.as_str())),
                _ => None,
            })
            .collect();
        published.dedup();
        for (group, source) in published {
            let from = if source.is_empty() { String::new() } else { format!(" fra {source}") };
            notes.push(format!("{group}: offentliggjorte tal{from}."));
        }
        if fig.kind == FigureKind::Comparison && fig.tests.is_empty() {
            notes.push("Forskellene er ikke signifikanstestet.".to_string());
        }
    }
    if fig.bars.iter().any(|b| b.value.suppressed) {
        notes.push(too_few_note(min_n));
    }
    notes
}

/// The number a bar prints: its label, or "for få svar" when suppressed.
pub fn printed(bar: &Bar) -> &str {
    if bar.value.suppressed && bar.label.trim().is_empty() { TOO_FEW } else { &bar.label }
}

/// A chart in words for screen readers: "Figur 1.2. What is measured.
/// Serie, gruppe: 57 %; …. Notes. Kilde: … · n=1.877. Syntetiske data."
/// (the marker where the figure's wave is synthetic).
pub fn description(fig: &Figure, marker: &str) -> String {
    let numbers = fig
        .bars
        .iter()
        .map(|b| {
            let name = if b.group.is_empty() { b.series.clone() } else { format!("{}, {}", b.series, b.group) };
            format!("{name}: {}", printed(b))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut parts = vec![fig.label.clone(), fig.subtitle.clone(), numbers];
    parts.extend(fig.notes.iter().cloned());
    parts.push(fig.source_line.clone());
    if fig.synthetic {
        parts.push(marker.to_string());
    }
    sentences(&parts)
}

/// The method page: the editions, the note on the data, weighting, tests,
/// small groups.
pub fn method_page(waves: &[WaveFacts], data_note: &str, alpha: f64, min_n: usize) -> Vec<Section> {
    let periods: Vec<String> = waves.iter().map(|w| w.period.clone()).collect();
    let mut table = vec![["Udgave", "Besvarelser", "Heraf med innovation", "Arbejdspladser", "Svarprocent", "Data"].map(String::from).to_vec()];
    for w in waves {
        table.push(vec![
            w.period.clone(),
            thousands(w.responses),
            thousands(w.innovators),
            thousands(w.population.round() as usize),
            w.response_rate.map_or_else(|| "ikke oplyst".to_string(), pct),
            if w.synthetic { "syntetiske" } else { "besvarelser" }.to_string(),
        ]);
    }
    let strata: Vec<String> = waves.iter().map(|w| w.strata.to_string()).collect();
    let strata = if strata.windows(2).all(|p| p[0] == p[1]) { strata.first().cloned().unwrap_or_default() } else { list_and(&strata) };
    let alpha = decimal(alpha, 2);
    let (synthetic, real) = split_synthetic(waves);
    let data = if synthetic.is_empty() {
        vec![all_real(&real)]
    } else {
        let mut data = vec![
            data_note.to_string(),
            format!(
                "Det gælder udgaverne {}. Tallene viser, hvordan håndbogen beregnes og sættes op, og er ikke Innovationsbarometerets officielle resultater.",
                list_and(&synthetic)
            ),
        ];
        if !real.is_empty() {
            data.push(format!("{} bygger på rigtige besvarelser.", sentence_case(&editions(&real))));
        }
        data
    };
    let plain = |heading: &str, text: String| Section { heading: heading.into(), lead: None, paragraphs: vec![text], table: None };
    vec![
        Section {
            heading: "METODE OG DATA".into(),
            lead: Some(format!(
                "Innovationsbarometeret er en spørgeskemaundersøgelse blandt offentlige arbejdspladser. Håndbogen bygger på udgaverne {}, og alle tal i figurerne er beregnet direkte fra besvarelserne som beskrevet her.",
                list_and(&periods)
            )),
            paragraphs: waves.iter().filter_map(sample_sentence).collect(),
            table: Some(table),
        },
        Section {
            heading: data_heading(!synthetic.is_empty()).into(),
            lead: None,
            paragraphs: data,
            table: None,
        },
        plain(
            "Vægtning",
            format!(
                "Besvarelserne er vægtet, så de tilsammen repræsenterer alle offentlige arbejdspladser. Vægtene er fastlagt inden for {strata} strata, og usikkerheden er beregnet med de vægte og strata, stikprøven bygger på. Data er vægtet til at repræsentere den offentlige sektor samlet set."
            ),
        ),
        plain(
            "Test af forskelle",
            format!(
                "Forskelle mellem grupper er testet med en Rao-Scott-korrigeret chi²-test, der tager højde for vægtning og strata. En forskel er signifikant, når p-værdien er under {alpha}. En titel siger kun ”oftere”, når testen støtter det."
            ),
        ),
        plain(
            "Små grupper",
            format!(
                "En andel, der bygger på færre end {min_n} besvarelser, vises ikke som tal; i figuren står der i stedet ”{TOO_FEW}”. Sidst i hver figurtekst står antallet af besvarelser bag figuren, fx n=1.877."
            ),
        ),
    ]
}

// --- The data workbooks (export::workbook) --------------------------------

/// The header of a figure's table in its Excel workbook, in the order of
/// the columns: series, group, period, estimate, standard error, the
/// interval's ends, respondents, whether the number is shown.
pub const WORKBOOK_HEADERS: [&str; 9] =
    ["Serie", "Gruppe", "Periode", "Andel", "Standardfejl", "Nedre grænse (95 %)", "Øvre grænse (95 %)", "Antal svar (n)", "Vist"];

/// The estimate column's header where the figure's numbers are ratios ("how many times as often").
pub const WORKBOOK_RATIO_HEADER: &str = "Forhold";

/// The "Vist" cell of a suppressed number and of a shown one.
pub fn workbook_shown(suppressed: bool) -> &'static str {
    if suppressed { TOO_FEW } else { "Ja" }
}

/// The method page's sentence on an edition's frame and gross sample,
/// where the edition published them: "Udgaven 2021-2023 bygger på en
/// stikprøve på 4.494 af de 14.297 offentlige arbejdspladser …".
pub fn sample_sentence(w: &WaveFacts) -> Option<String> {
    let (population, sample) = (w.published_population?, w.sample?);
    let rate = w.response_rate.map(|r| format!(", en svarprocent på {}", pct(r))).unwrap_or_default();
    Some(format!(
        "Udgaven {} bygger på en stikprøve på {} af de {} offentlige arbejdspladser i populationen; {} af dem svarede{rate}.",
        w.period,
        thousands(sample),
        thousands(population),
        thousands(w.responses)
    ))
}

// --- The hero's origin ----------------------------------------------------

/// Said beside a hero number that is not the publisher's own: where the
/// publisher's page shows no hero, the chapter must not pass another number
/// off as one. None for the publisher's hero.
pub fn hero_note(source: HeroSource) -> Option<String> {
    match source {
        HeroSource::Published => None,
        HeroSource::Candidate => Some(
            "Innovationsbarometerets egen side om temaet viser intet hovedtal. Tallet her er et andet tal, som samme udgave har offentliggjort, valgt til denne håndbog."
                .to_string(),
        ),
        HeroSource::Ours => Some(
            "Innovationsbarometerets egen side om temaet viser intet hovedtal, og tallet er ikke offentliggjort. Det er beregnet til denne håndbog."
                .to_string(),
        ),
    }
}

// --- The printed books (handbook::book) ----------------------------------

/// The id of the book of every edition; an edition's book is named by its period.
pub const COMBINED_BOOK: &str = "handbook";

/// The note on the data of some waves: the configured note where any is
/// synthetic, saying which are real where some are.
fn data_sentence(waves: &[WaveFacts], data_note: &str) -> String {
    let (synthetic, real) = split_synthetic(waves);
    match (synthetic.is_empty(), real.is_empty()) {
        (true, _) => all_real(&real),
        (false, true) => data_note.to_string(),
        (false, false) => format!("{data_note} Det gælder {}; {} bygger på rigtige besvarelser.", editions(&synthetic), editions(&real)),
    }
}

/// The title verso of a book on `waves`: the data, the method in one
/// paragraph, the software.
fn colophon(waves: &[WaveFacts], data_note: &str, alpha: f64, min_n: usize) -> Vec<Section> {
    let counts: Vec<String> =
        waves.iter().map(|w| format!("{} besvarelser fra offentlige arbejdspladser, heraf {} med mindst én innovation", thousands(w.responses), thousands(w.innovators))).collect();
    let basis = match waves {
        [w] => format!("Bogen bygger på Innovationsbarometeret {}: {}.", w.period, counts[0]),
        _ => {
            let each: Vec<String> = waves.iter().zip(&counts).map(|(w, c)| format!("{} ({c})", w.period)).collect();
            format!("Bogen bygger på Innovationsbarometerets udgaver {}.", list_and(&each))
        }
    };
    let data = vec![basis, data_sentence(waves, data_note)];
    let method = format!(
        "Innovationsbarometeret er en spørgeskemaundersøgelse blandt offentlige arbejdspladser. Besvarelserne er vægtet inden for strata, så de repræsenterer alle offentlige arbejdspladser, og usikkerheden er beregnet med stikprøvens vægte og strata. Forskelle mellem grupper er testet med en Rao-Scott-korrigeret chi²-test på signifikansniveauet {}, og en andel, der bygger på færre end {min_n} besvarelser, vises ikke.",
        decimal(alpha, 2)
    );
    let software = format!(
        "Udarbejdet med barometer {}: tallene er beregnet med polars, figurerne tegnet med plotters og siderne sat med genpdf og lopdf. Alle tal og figurer er dannet direkte fra besvarelserne; intet er tastet ind i hånden.",
        env!("CARGO_PKG_VERSION")
    );
    let plain = |heading: &str, paragraphs: Vec<String>| Section { heading: heading.into(), lead: None, paragraphs, table: None };
    vec![plain("Data", data), plain("Metode", vec![method]), plain("Software", vec![software])]
}

/// The date line of a book's title verso, from SOURCE_DATE_EPOCH: "Dato: 1. januar 2020."
pub fn book_date(epoch: i64) -> String {
    const MONTHS: [&str; 12] = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"];
    match chrono::DateTime::from_timestamp(epoch, 0) {
        Some(t) => {
            use chrono::Datelike;
            format!("Dato: {}. {} {}.", t.day(), MONTHS[t.month0() as usize], t.year())
        }
        None => String::new(),
    }
}

/// "7 temaer" / "1 tema".
fn themes(n: usize) -> String {
    if n == 1 { "1 tema".into() } else { format!("{n} temaer") }
}

/// The printed books: a book per edition with chapters (`chapters` as
/// (id, period) in the configured order), then the book of every edition,
/// a part per edition and, last, a part of the chapters whose period is no
/// wave's (a trend across editions).
#[allow(clippy::too_many_arguments)]
pub fn books(kicker: &str, title: &str, chapters: &[(String, String)], waves: &[WaveFacts], words: &Words, data_note: &str, alpha: f64, min_n: usize) -> Vec<crate::model::Book> {
    use crate::model::{Book, Part};
    let title_lines: Vec<String> = title.split_whitespace().map(str::to_uppercase).collect();
    let of = |period: &str| -> Vec<String> { chapters.iter().filter(|c| c.1 == period).map(|c| c.0.clone()).collect() };
    let editions_with: Vec<&WaveFacts> = waves.iter().filter(|w| !of(&w.period).is_empty()).collect();
    let name = sentence_case(kicker);
    let mut books = Vec::new();
    for w in &editions_with {
        let part = Part {
            label: String::new(),
            title: edition(kicker, &w.period),
            lead: String::new(),
            divider: false,
            chapters: of(&w.period),
            method: method_page(std::slice::from_ref(*w), data_note, alpha, min_n),
        };
        books.push(Book {
            id: w.period.clone(),
            title_lines: title_lines.clone(),
            edition_line: format!("Udgaven {}", w.period),
            document_title: format!("{name} {}: {title}", w.period),
            colophon: colophon(std::slice::from_ref(*w), data_note, alpha, min_n),
            parts: vec![part],
            footer: with_synthetic(&words.running_title, w.synthetic),
        });
    }
    let mut parts: Vec<Part> = editions_with
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let ids = of(&w.period);
            Part {
                label: format!("Del {}", k + 1),
                title: edition(kicker, &w.period),
                lead: format!("{} · {}", themes(ids.len()), n_equals(w.responses)),
                divider: true,
                chapters: ids,
                method: method_page(std::slice::from_ref(*w), data_note, alpha, min_n),
            }
        })
        .collect();
    let across: Vec<String> = chapters.iter().filter(|c| !waves.iter().any(|w| w.period == c.1)).map(|c| c.0.clone()).collect();
    if !across.is_empty() {
        parts.push(Part {
            label: format!("Del {}", parts.len() + 1),
            title: "På tværs af udgaverne".into(),
            lead: themes(across.len()),
            divider: true,
            chapters: across,
            method: Vec::new(),
        });
    }
    let periods: Vec<String> = waves.iter().map(|w| w.period.clone()).collect();
    books.push(Book {
        id: COMBINED_BOOK.into(),
        title_lines,
        edition_line: if periods.len() == 1 { format!("Udgaven {}", periods[0]) } else { format!("Udgaverne {}", list_and(&periods)) },
        document_title: words.document_title.clone(),
        colophon: colophon(waves, data_note, alpha, min_n),
        parts,
        footer: words.footer.clone(),
    });
    books
}

// --- Trend: numbers published for more than one edition ---------------------

/// A footnote number as superscript digits ("¹", "¹²").
pub fn superscript(n: usize) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string().chars().map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize]).collect()
}

/// An edition's short name under a trend chart's point: "2013-14".
pub fn short_period(period: &str) -> String {
    match period.split_once('-') {
        Some((a, b)) if b.len() == 4 && a.len() == 4 => format!("{a}-{}", &b[2..]),
        _ => period.to_string(),
    }
}

/// "Kilde: Innovationsbarometeret 2013-2014, 2015-2016 og 2018-2019".
pub fn trend_source(periods: &[String]) -> String {
    format!("Kilde: Innovationsbarometeret {}", list_and(periods))
}

/// The source line of a trend chart: each point carries its own n.
pub fn trend_source_line(source: &str) -> String {
    format!("{source} · n ved hvert punkt")
}

/// A definition footnote under a trend chart: "¹ Andel af …".
pub fn trend_definition(footnote: usize, definition: &str) -> String {
    let d = definition.trim().trim_end_matches('.');
    format!("{} {d}.", superscript(footnote))
}

/// The note where definitions changed between two editions, once per kind
/// of change: "≠ Borgerne spiller en rolle (2015-2016 til 2018-2019) og …: what changed."
pub fn trend_changed(changes: &[(String, String, String)], what: &str) -> String {
    let what = what.trim().trim_end_matches('.');
    let which: Vec<String> = changes.iter().enumerate().map(|(i, (series, from, to))| {
        let name = if i == 0 { series.clone() } else { lower_first(series) };
        format!("{name} ({from} til {to})")
    }).collect();
    let tail = if what.is_empty() { String::new() } else { format!(": {}", lower_first(what)) };
    format!("≠ {}: definitionen er ændret{tail}.", list_and(&which))
}

/// How editions are compared, said in every trend caption.
pub fn trend_method(alpha: f64) -> String {
    format!(
        "Hvert punkt er beregnet på sin egen udgaves data og stikprøvedesign. \
         To udgaver med samme definition (=) er sammenlignet som to uafhængige stikprøver: forskellen mellem de to designbaserede skøn \
         er testet med en z-test ved et signifikansniveau på {}, med summen af de to designvarianser som varians. \
         Testen er vores anbefaling; udgiveren har ikke testet forskellene mellem udgaverne. \
         Hvor definitionen er ændret (≠), er punkterne hverken forbundet eller testet",
        decimal(alpha, 2)
    )
}

/// The caption's sentence on the comparisons that the test does not support.
pub fn trend_rest(any_significant: bool, alpha: f64) -> String {
    let level = decimal(alpha, 2);
    if any_significant {
        format!("De øvrige forskelle mellem udgaver med samme definition er ikke signifikante ved {level}; de tal ligger på samme niveau")
    } else {
        format!("Ingen af forskellene mellem udgaver med samme definition er signifikante ved {level}; tallene ligger på samme niveau")
    }
}

/// One comparison of two editions in words: a change only where the test supports it.
pub fn edition_test(series: &str, from: &str, a: f64, to: &str, b: f64, significant: bool, alpha: f64) -> String {
    let level = decimal(alpha, 2);
    if !significant {
        return format!(
            "{series}: på samme niveau i {from} ({}) og {to} ({}); forskellen er ikke signifikant ved {level}",
            pct(a),
            pct(b)
        );
    }
    let word = if b > a { "steget" } else { "faldet" };
    format!("{series}: {word} fra {} i {from} til {} i {to}; forskellen er signifikant ved {level}", pct(a), pct(b))
}

/// A trend figure's caption: what it shows, the questions, the method of
/// comparison, each comparison's result, weighting and the n of each edition.
pub fn trend_caption(shows: &str, questions: &[String], note: Option<&str>, method: &str, results: &[String], ns: &[(String, usize)]) -> String {
    let full = |s: &str| {
        let s = s.trim();
        if s.is_empty() || s.ends_with(['.', '!', '?']) { s.to_string() } else { format!("{s}.") }
    };
    let mut parts = vec![full(shows)];
    match questions.len() {
        0 => {}
        1 => parts.push(format!("Spørgsmålet er: {}.", quote(&questions[0]))),
        _ => parts.push(format!("Spørgsmålene er: {}.", list_and(&questions.iter().map(|q| quote(q)).collect::<Vec<_>>()))),
    }
    parts.extend(note.map(full));
    parts.push(full(method));
    parts.extend(results.iter().map(|r| full(r)));
    parts.push("Data er i hver udgave vægtet til at repræsentere den offentlige sektor samlet set.".to_string());
    if !ns.is_empty() {
        let each: Vec<String> = ns.iter().map(|(p, n)| format!("{} ({p})", thousands(*n))).collect();
        parts.push(format!("Antallet af svar (n) står ved hvert punkt; det største grundlag i hver udgave er n={}.", list_and(&each)));
    }
    parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The headers of a trend figure's workbook columns after [`WORKBOOK_HEADERS`].
pub const TREND_WORKBOOK_HEADERS: [&str; 7] = ["Definition", "Samme definition", "Sammenlignet med", "Forskel", "z", "p-værdi", "Signifikant"];

/// "Ja" or "Nej" in a workbook cell.
pub fn yes_no(yes: bool) -> &'static str {
    if yes { "Ja" } else { "Nej" }
}

/// Words that call a change between editions an increase or a decrease.
pub const CHANGE_WORDS: [&str; 10] = ["steget", "stiger", "stigning", "faldet", "falder", "fald", "flere end", "færre end", "højere end", "lavere end"];

/// Words that call a level unchanged.
pub const SAME_WORDS: [&str; 3] = ["samme niveau", "uændret", "i alle udgaver"];

/// Where a trend title's words are not supported by the tests between editions.
pub fn trend_title_misfits(title: &str, tests: &[crate::model::EditionTest]) -> Vec<String> {
    let lower = title.to_lowercase();
    let has = |w: &str| lower.split(|c: char| !c.is_alphanumeric() && c != ' ').any(|part| format!(" {part} ").contains(&format!(" {w} ")));
    let mut out = Vec::new();
    if let Some(w) = CHANGE_WORDS.iter().find(|w| has(w))
        && !tests.iter().any(|t| t.significant)
    {
        out.push(format!("the title says \u{201c}{w}\u{201d} but no difference between two editions with the same definition is significant"));
    }
    // A title that names a change and calls the rest unchanged is judged by its change words.
    if let Some(w) = SAME_WORDS.iter().find(|w| has(w))
        && !CHANGE_WORDS.iter().any(|w| has(w))
    {
        for t in tests.iter().filter(|t| t.significant) {
            out.push(format!("the title says \u{201c}{w}\u{201d} but \u{201c}{}\u{201d} changed significantly from {} to {}", t.series, t.from, t.to));
        }
    }
    out
}

#[cfg(test)]
mod trend_tests {
    use super::*;
    use crate::model::EditionTest;

    fn test(series: &str, significant: bool) -> EditionTest {
        EditionTest {
            series: series.into(),
            from: "2015-2016".into(),
            to: "2018-2019".into(),
            difference: -0.06,
            se: 0.016,
            z: -3.7,
            p_value: 0.0002,
            significant,
            sentence: String::new(),
        }
    }

    #[test]
    fn a_change_is_called_one_only_when_the_test_supports_it() {
        assert_eq!(
            edition_test("Evalueret", "2015-2016", 0.45, "2018-2019", 0.39, true, 0.05),
            "Evalueret: faldet fra 45\u{a0}% i 2015-2016 til 39\u{a0}% i 2018-2019; forskellen er signifikant ved 0,05"
        );
        assert_eq!(
            edition_test("Innovative", "2015-2016", 0.80, "2018-2019", 0.81, false, 0.05),
            "Innovative: på samme niveau i 2015-2016 (80\u{a0}%) og 2018-2019 (81\u{a0}%); forskellen er ikke signifikant ved 0,05"
        );
        let none = [test("A", false)];
        assert_eq!(
            trend_title_misfits("Andelen er steget siden 2015-2016", &none),
            vec!["the title says \u{201c}steget\u{201d} but no difference between two editions with the same definition is significant".to_string()]
        );
        assert!(trend_title_misfits("Fire ud af fem i alle udgaver", &none).is_empty());
        let one = [test("Evalueret", true)];
        assert_eq!(
            trend_title_misfits("Tallene ligger på samme niveau", &one),
            vec!["the title says \u{201c}samme niveau\u{201d} but \u{201c}Evalueret\u{201d} changed significantly from 2015-2016 to 2018-2019".to_string()]
        );
        assert!(trend_title_misfits("Evalueringen er faldet; resten ligger på samme niveau", &one).is_empty());
        // "fald" is a word of its own, not part of "tilfældet".
        assert!(trend_title_misfits("Det er tilfældet i alle udgaver", &none).is_empty());
    }

    #[test]
    fn trend_words_and_notes() {
        assert_eq!(superscript(1), "¹");
        assert_eq!(superscript(12), "¹²");
        assert_eq!(short_period("2013-2014"), "2013-14");
        assert_eq!(short_period("2013-2023"), "2013-23");
        assert_eq!(trend_source(&["2013-2014".into(), "2018-2019".into()]), "Kilde: Innovationsbarometeret 2013-2014 og 2018-2019");
        assert_eq!(trend_definition(2, "Andel af innovationerne."), "² Andel af innovationerne.");
        let changes = [("Borgerne".to_string(), "2015-2016".to_string(), "2018-2019".to_string()), ("Frivillige".to_string(), "2013-2014".to_string(), "2018-2019".to_string())];
        assert_eq!(trend_changed(&changes, "Nye spørgsmål."), "≠ Borgerne (2015-2016 til 2018-2019) og frivillige (2013-2014 til 2018-2019): definitionen er ændret: nye spørgsmål.");
        assert!(trend_method(0.05).contains("z-test ved et signifikansniveau på 0,05"));
        assert!(trend_method(0.05).contains("vores anbefaling"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(period: &str, synthetic: bool) -> WaveFacts {
        WaveFacts {
            period: period.into(),
            responses: 100,
            innovators: 80,
            strata: 4,
            population: 1000.0,
            response_rate: None,
            published_population: None,
            sample: None,
            synthetic,
            warnings: vec![],
        }
    }

    #[test]
    fn page_words_say_which_waves_are_synthetic() {
        let note = "Tallene er syntetiske.";
        let both = [wave("2013-2014", true), wave("2018-2019", true)];
        let w = words("INNOVATIONSBAROMETERET", "Nyt sammen bedre", 30, &both, note);
        assert_eq!(w.footer, "Innovationsbarometeret · Nyt sammen bedre · beregnet på syntetiske data");
        assert_eq!(w.editions, "Udgaverne 2013-2014 og 2018-2019");
        assert_eq!(w.title_note, note);
        assert_eq!(w.keywords, "Innovationsbarometeret; offentlig innovation; 2013-2014; 2018-2019; syntetiske data");
        let mixed = [wave("2018-2019", true), wave("2021-2023", false)];
        let w = words("INNOVATIONSBAROMETERET", "Nyt sammen bedre", 30, &mixed, note);
        assert_eq!(w.footer, "Innovationsbarometeret · Nyt sammen bedre · syntetiske data: 2018-2019");
        assert_eq!(w.title_note, "Tallene er syntetiske. Det gælder udgaven 2018-2019; udgaven 2021-2023 bygger på rigtige besvarelser.");
        assert_eq!(w.data_heading, "Syntetiske data");
        let real = [wave("2021-2023", false)];
        let w = words("INNOVATIONSBAROMETERET", "Nyt sammen bedre", 30, &real, note);
        assert_eq!(w.footer, "Innovationsbarometeret · Nyt sammen bedre");
        assert_eq!(w.title_note, "Alle tal er beregnet direkte fra besvarelserne i udgaven 2021-2023.");
        assert_eq!(w.data_heading, "Om tallene");
        assert_eq!(chapter_footer(&w, true), "Innovationsbarometeret · Nyt sammen bedre · beregnet på syntetiske data");
        assert_eq!(sentence_case("HØST BORGERNES IDEER"), "Høst borgernes ideer");
        let page = method_page(&mixed, note, 0.05, 30);
        assert_eq!(page[0].table.as_ref().unwrap()[2][4], "ikke oplyst", "a response rate that was not published");
        assert_eq!(page[1].paragraphs.last().unwrap(), "Udgaven 2021-2023 bygger på rigtige besvarelser.");
    }

    #[test]
    fn sum_and_control_sentences() {
        assert_eq!(sums_to_less(0.2, "der ikke har svaret"), "Figuren summerer ikke til 100\u{a0}%, da de 20\u{a0}% der ikke har svaret, ikke er vist");
        assert_eq!(
            codes_left_out(&[(0.05, "Ved ikke".into())]),
            "Figuren summerer ikke til 100\u{a0}%, da de 5\u{a0}%, der har svaret \u{201d}Ved ikke\u{201d}, ikke er vist"
        );
        assert_eq!(
            controlled_sentence(&[("Bedre kvalitet".into(), true), ("Øget effektivitet".into(), false)], "innovationstype"),
            "Sammenhængen holder for \u{201d}Bedre kvalitet\u{201d}, men ikke for \u{201d}Øget effektivitet\u{201d}, når der kontrolleres for innovationstype (logistisk regression)"
        );
    }

    #[test]
    fn hero_notes_say_where_the_number_comes_from() {
        assert_eq!(hero_note(HeroSource::Published), None);
        assert!(hero_note(HeroSource::Candidate).unwrap().contains("et andet tal, som samme udgave har offentliggjort"));
        assert!(hero_note(HeroSource::Ours).unwrap().contains("tallet er ikke offentliggjort"));
    }

    #[test]
    fn the_method_page_names_a_published_frame_and_sample() {
        let mut w = wave("2021-2023", true);
        assert_eq!(sample_sentence(&w), None);
        (w.responses, w.response_rate, w.published_population, w.sample) = (1611, Some(0.36), Some(14297), Some(4494));
        let said = "Udgaven 2021-2023 bygger på en stikprøve på 4.494 af de 14.297 offentlige arbejdspladser i populationen; 1.611 af dem svarede, en svarprocent på 36\u{a0}%.";
        assert_eq!(sample_sentence(&w).as_deref(), Some(said));
        let page = method_page(&[wave("2018-2019", true), w], "Syntetisk.", 0.05, 30);
        assert_eq!(page[0].paragraphs, vec![said.to_string()]);
    }

    #[test]
    fn books_per_edition_and_one_of_every_edition() {
        let note = "Tallene er syntetiske.";
        let waves = [wave("2015-2016", true), wave("2018-2019", false), wave("2021-2023", true)];
        let w = words("INNOVATIONSBAROMETERET", "Nyt sammen bedre", 30, &waves, note);
        let chapters: Vec<(String, String)> =
            [("a", "2018-2019"), ("b", "2015-2016"), ("c", "trend"), ("d", "2018-2019")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let books = books("INNOVATIONSBAROMETERET", "Nyt sammen bedre", &chapters, &waves, &w, note, 0.05, 30);
        let ids: Vec<&str> = books.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["2015-2016", "2018-2019", "handbook"], "no book for a wave without chapters");
        assert_eq!(books[0].title_lines, ["NYT", "SAMMEN", "BEDRE"]);
        assert_eq!(books[1].parts[0].chapters, ["a", "d"]);
        assert_eq!(books[1].colophon[0].paragraphs[1], "Alle tal er beregnet direkte fra besvarelserne i udgaven 2018-2019.", "a real wave is called real");
        assert_eq!(books[0].colophon[0].paragraphs[1], note);
        assert_eq!(books[0].colophon[0].paragraphs[0], "Bogen bygger på Innovationsbarometeret 2015-2016: 100 besvarelser fra offentlige arbejdspladser, heraf 80 med mindst én innovation.");
        assert!(books[2].colophon[0].paragraphs[0].starts_with("Bogen bygger på Innovationsbarometerets udgaver 2015-2016 (100 besvarelser fra offentlige arbejdspladser, heraf 80 med mindst én innovation), 2018-2019 ("));
        let all = &books[2];
        let parts: Vec<(&str, &str, Vec<String>)> = all.parts.iter().map(|p| (p.label.as_str(), p.title.as_str(), p.chapters.clone())).collect();
        assert_eq!(parts[0], ("Del 1", "Innovationsbarometeret 2015-2016", vec!["b".to_string()]));
        assert_eq!(parts[1].2, ["a", "d"]);
        assert_eq!(parts[2], ("Del 3", "På tværs af udgaverne", vec!["c".to_string()]));
        assert!(all.parts[2].method.is_empty());
        assert_eq!(all.parts[0].lead, "1 tema · n=100");
        assert_eq!(all.edition_line, "Udgaverne 2015-2016, 2018-2019 og 2021-2023");
        assert_eq!(book_date(1_577_836_800), "Dato: 1. januar 2020.");
        assert_eq!(book_date(1_700_000_000), "Dato: 14. november 2023.");
    }
}

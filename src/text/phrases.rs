//! Every sentence and word a reader sees beside the numbers, in one place:
//! caption sentences, chart notes, source lines, the words on the pages and
//! the method page. `compute` calls these to fill the model; renderers only
//! lay the results out.

use super::{decimal, list_and, n_equals, pct, quote, thousands};
use crate::model::{Bar, BarKind, Figure, FigureKind, Section, SiteWords, WaveFacts, Words};

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
            paragraphs: vec![],
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(period: &str, synthetic: bool) -> WaveFacts {
        WaveFacts { period: period.into(), responses: 100, innovators: 80, strata: 4, population: 1000.0, response_rate: None, synthetic, warnings: vec![] }
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
}


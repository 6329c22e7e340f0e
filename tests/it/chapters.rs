//! The complete barometer: the theme pages of the four editions are
//! chapters, listed edition by edition in the publisher's order, and every
//! chapter's hero says where it comes from (themes.md): the page's own
//! published hero, another published number of the edition (a candidate),
//! or our own computation where nothing fitting was published. A published
//! or candidate hero equals its value in inputs/published/published.toml
//! within that value's tolerance; our own is no published number at all.

use std::collections::BTreeMap;

use barometer::config::Config;
use barometer::data::{Codebook, load_wave};
use barometer::expr::{Expr, Indicators};
use barometer::model::{HeroSource, Report};
use serde::Deserialize;

use crate::common::{Target, barometer, path_str, root, stderr, stdout};

/// The chapters of each edition, in the publisher's order: every theme page
/// of themes.md but SATS STRATEGISK (2013-2014 and 2015-2016), which rests on
/// a separate strategic questionnaire, not on the waves.
const EDITIONS: [(&str, &[&str]); 4] = [
    (
        "2013-2014",
        &[
            "virksomheder-2013",
            "processen-2013",
            "genbrug-2013",
            "dialog-2013",
            "medarbejdere-2013",
            "frivillige-2013",
            "politisk-2013",
            "forsker-2013",
            "samarbejd-2013",
            "oekonomi-2013",
        ],
    ),
    (
        "2015-2016",
        &["borgere-2015", "frivillige-2015", "udlandet-2015", "teknologi-2015", "medarbejdere-2015", "samarbejd-2015", "dialog-2015"],
    ),
    (
        "2018-2019",
        &[
            "sektoren-2018",
            "services-2018",
            "organiser-2018",
            "borgere-2018",
            "virksomheder-2018",
            "medarbejdere-2018",
            "politisk-2018",
            "frivillige-2018",
            "fonde-2018",
            "udlandet-2018",
            "teknologi-2018",
            "tjek-2018",
            "oekonomi-2018",
            "genbrug-2018",
            "helt-nyt-2018",
            "kerneopgaven-2018",
            "grundlag-2018",
            "barrierer-2018",
            "samarbejde-2018",
        ],
    ),
    (
        "2021-2023",
        &["teknologi-2021", "evaluering-2021", "oekonomi-2021", "indkoeb-2021", "offentlig-privat-2021", "samarbejde-2021", "haemmere-2021"],
    ),
];

/// The chapters whose page shows no hero number, and the published number
/// of the same edition that themes.md names as the candidate each uses
/// (percent). Every chapter not here nor in [`OURS`] shows the page's own
/// published hero.
const CANDIDATES: [(&str, f64); 16] = [
    ("genbrug-2013", 73.0),
    ("medarbejdere-2013", 86.0),
    ("frivillige-2013", 14.0),
    ("politisk-2013", 69.0),
    ("forsker-2013", 21.0),
    ("samarbejd-2013", 79.0),
    ("oekonomi-2013", 65.0),
    ("medarbejdere-2015", 92.0),
    ("dialog-2015", 48.0),
    ("fonde-2018", 10.0),
    ("helt-nyt-2018", 30.0),
    ("teknologi-2021", 37.0),
    ("evaluering-2021", 39.0),
    ("samarbejde-2021", 69.0),
    ("haemmere-2021", 90.0),
    // The chapter across editions: no publisher's page; the 2021-2023 share of innovative workplaces.
    ("udvikling", 83.0),
];

/// The chapters whose page shows no hero number and for which no fitting
/// number was published: the hero is our own computation.
const OURS: [&str; 4] = ["dialog-2013", "samarbejd-2015", "barrierer-2018", "samarbejde-2018"];

/// Chapters across editions (trend figures), listed after the editions;
/// the hero is computed from the wave their [hero] names.
const ACROSS: [(&str, &str); 1] = [("udvikling", "2013-2023")];

/// published.toml: its named domains and indicators and its targets.
#[derive(Deserialize)]
struct Published {
    #[serde(default)]
    domain: BTreeMap<String, Named>,
    #[serde(default)]
    indicator: BTreeMap<String, Named>,
    target: Vec<Target>,
}

#[derive(Deserialize)]
struct Named {
    expr: String,
}

#[test]
fn list_shows_every_chapter_of_every_edition_in_order() {
    let out = barometer(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let chapters: Vec<(String, String)> = text
        .lines()
        .filter(|l| l.contains(" [chapter] "))
        .map(|l| {
            let id = l.split(' ').nth(1).unwrap().to_string();
            let period = l.rsplit_once(" (").unwrap().1.trim_end_matches(')').to_string();
            (id, period)
        })
        .collect();
    let expected: Vec<(String, String)> = EDITIONS
        .iter()
        .flat_map(|(period, ids)| ids.iter().map(move |id| (id.to_string(), period.to_string())))
        .chain(ACROSS.iter().map(|(id, period)| (id.to_string(), period.to_string())))
        .collect();
    assert_eq!(chapters, expected);
    // Chapters are numbered 1.. in that order, and each has its figures under it.
    for (i, (id, _)) in expected.iter().enumerate() {
        assert!(text.contains(&format!("\n{} {id} [chapter] ", i + 1)) || text.starts_with(&format!("1 {id} [chapter] ")), "{id}");
        assert!(text.contains(&format!("\n  {}.1 ", i + 1)), "{id} lists no figure");
    }
}

#[test]
fn every_hero_says_where_it_comes_from_and_equals_its_published_value() {
    let dir = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--strict", "--out", path_str(dir.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Report = serde_json::from_slice(&std::fs::read(dir.path().join("model.json")).unwrap()).unwrap();

    let published: Published =
        toml::from_str(&std::fs::read_to_string(root().join("inputs/published/published.toml")).unwrap()).unwrap();
    let config = Config::load(&root().join("config")).unwrap();
    let codebook = Codebook::load(&root().join("config/codebook.toml")).unwrap();
    // The report's indicators, and published.toml's where the report has none by that name.
    let mut env = Indicators::new();
    env.insert("innovators".into(), Expr::parse("innovated = 1").unwrap());
    for (k, v) in &config.report.indicator {
        env.insert(k.clone(), Expr::parse(&v.expr).unwrap());
    }
    for (k, v) in &published.indicator {
        env.entry(k.clone()).or_insert_with(|| Expr::parse(&v.expr).unwrap());
    }
    // A domain as a name of either file, or written out.
    let domain_expr = |d: &str| {
        let text = config.report.domain.get(d).map(|x| x.expr.clone()).or_else(|| published.domain.get(d).map(|x| x.expr.clone()));
        Expr::parse(&text.unwrap_or_else(|| d.to_string())).unwrap()
    };

    let mut waves = BTreeMap::new();
    let mut per_edition: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen_candidates = 0;
    let mut seen_ours = 0;
    let mut across = 0;
    for ch in &report.chapters {
        // The wave of the hero: the chapter's, or the one a chapter across editions names.
        let period = config.chapters.iter().find(|c| c.id == ch.id).unwrap().hero_period().to_string();
        let wave = waves.entry(period.clone()).or_insert_with(|| {
            load_wave(&root().join(format!("inputs/waves/{period}.csv")), &codebook).unwrap_or_else(|p| panic!("{p}"))
        });
        let hero_rows = Expr::parse(&ch.hero.indicator).unwrap().eval(wave, &env).unwrap();
        let domain_rows = domain_expr(&ch.hero.domain).eval(wave, &env).unwrap();
        // The published numbers of the edition whose definition selects the same rows in the same domain.
        let same: Vec<&Target> = published
            .target
            .iter()
            .filter(|t| t.period == period && t.published.is_some())
            .filter(|t| domain_expr(&t.domain).eval(wave, &env).ok().is_some_and(|rows| rows == domain_rows))
            .filter(|t| Expr::parse(&t.indicator).ok().and_then(|e| e.eval(wave, &env).ok()).is_some_and(|rows| rows == hero_rows))
            .collect();
        let candidate = CANDIDATES.iter().find(|(id, _)| *id == ch.id).map(|(_, v)| *v);
        let want_source = match (candidate, OURS.contains(&ch.id.as_str())) {
            (Some(_), _) => HeroSource::Candidate,
            (None, true) => HeroSource::Ours,
            (None, false) => HeroSource::Published,
        };
        assert_eq!(ch.hero.source, want_source, "{}: the hero's source (themes.md)", ch.id);
        assert_eq!(ch.hero.note, barometer::text::hero_note(want_source), "{}: the note beside the hero", ch.id);
        let got = 100.0 * ch.hero.value.estimate;
        match want_source {
            HeroSource::Ours => {
                assert!(
                    same.is_empty(),
                    "{}: a hero of our own, but {} published {} for it ({})",
                    ch.id,
                    period,
                    same[0].published.unwrap(),
                    same[0].source
                );
                seen_ours += 1;
            }
            _ => {
                let t = same.first().unwrap_or_else(|| panic!("{}: no published value for the hero {} in {}", ch.id, ch.hero.indicator, ch.hero.domain));
                let (want, tolerance) = (t.published.unwrap(), t.tolerance_pp.unwrap());
                if let Some(c) = candidate {
                    assert_eq!(want, c, "{}: the candidate themes.md names is {c}, but the hero's definition is published as {want}", ch.id);
                    seen_candidates += 1;
                }
                assert!((got - want).abs() <= tolerance, "{}: hero {got:.2} but published {want} ± {tolerance} ({})", ch.id, t.source);
            }
        }
        match EDITIONS.iter().find(|(p, _)| *p == ch.period) {
            Some((p, _)) => *per_edition.entry(p).or_default() += 1,
            None => {
                assert!(ACROSS.iter().any(|(id, p)| *id == ch.id && *p == ch.period), "{}: period {}", ch.id, ch.period);
                across += 1;
            }
        }
    }
    assert_eq!(across, ACROSS.len());
    assert_eq!((seen_candidates, seen_ours), (CANDIDATES.len(), OURS.len()), "every candidate and every hero of our own is in the report");
    let want: BTreeMap<&str, usize> = EDITIONS.iter().map(|(p, ids)| (*p, ids.len())).collect();
    assert_eq!(per_edition, want, "every listed chapter of every edition has its hero checked");
}

/// Every string of a JSON value, with where it is.
fn strings<'a>(v: &'a serde_json::Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        serde_json::Value::String(s) => out.push((at, s)),
        serde_json::Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| strings(x, format!("{at}[{i}]"), out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| strings(x, format!("{at}.{k}"), out)),
        _ => {}
    }
}

/// The text a chart prints: its <text> elements, not its title or description.
fn svg_text(svg: &str) -> String {
    svg.split("<text").skip(1).filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")).map(|(x, _)| x.to_string())).collect::<Vec<_>>().join("\n")
}

/// The book's one percent style ("57 %" with a no-break space, never
/// "pct.", never a number parted from its unit) in every sentence of the
/// model and every chart, and every chart shows the number its title
/// claims ("tre ud af ti" over bars of 6 % and 24 % shows 30 %).
#[test]
fn one_percent_style_and_every_chart_shows_its_titles_number() {
    let dir = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--out", path_str(dir.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("model.json")).unwrap()).unwrap();
    let mut all = Vec::new();
    strings(&json, String::new(), &mut all);
    let parted = |s: &str| ["%", "procent"].iter().any(|u| s.char_indices().any(|(i, c)| c.is_ascii_digit() && s[i + 1..].starts_with(&format!(" {u}"))));
    for (at, s) in &all {
        assert!(!s.contains("pct."), "{at}: {s}");
        assert!(!parted(s), "{at}: a number parted from its unit by a plain space: {s}");
    }
    let report: Report = serde_json::from_value(json).unwrap();
    let mut checked = 0;
    for ch in &report.chapters {
        for f in &ch.figures {
            let svg = std::fs::read_to_string(dir.path().join(format!("charts/{}/{}.svg", ch.id, f.id))).unwrap();
            let text = svg_text(&svg);
            assert!(!text.contains("pct.") && !parted(&text), "figure {} ({}): {text}", f.number, ch.id);
            if barometer::text::claims(&f.title).is_empty() {
                continue;
            }
            let claimed = barometer::text::pct(f.claim.unwrap());
            assert!(text.contains(&claimed), "figure {} ({}) says \u{201c}{}\u{201d} but its chart never prints {claimed}", f.number, ch.id, f.title);
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked} titles with a claimed number checked");
}

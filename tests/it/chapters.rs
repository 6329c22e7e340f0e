//! The complete barometer: the theme pages of the four editions are
//! chapters, listed edition by edition in the publisher's order, and every
//! chapter's hero number is the published value it stands for
//! (inputs/published/published.toml), within that value's tolerance.

use std::collections::BTreeMap;

use barometer::config::Config;
use barometer::data::{Codebook, load_wave};
use barometer::expr::{Expr, Indicators};
use barometer::model::Report;
use serde::Deserialize;

use crate::common::{Target, barometer, path_str, root, stderr, stdout};

/// The chapters of each edition, in the publisher's order. A theme page
/// that is not here is not finished (see drafts/).
const EDITIONS: [(&str, &[&str]); 4] = [
    (
        "2013-2014",
        &[
            "virksomheder-2013",
            "processen-2013",
            "genbrug-2013",
            "medarbejdere-2013",
            "frivillige-2013",
            "politisk-2013",
            "forsker-2013",
            "samarbejd-2013",
            "oekonomi-2013",
        ],
    ),
    ("2015-2016", &["borgere-2015", "frivillige-2015", "udlandet-2015", "teknologi-2015", "medarbejdere-2015", "dialog-2015"]),
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
        ],
    ),
    (
        "2021-2023",
        &["teknologi-2021", "evaluering-2021", "oekonomi-2021", "indkoeb-2021", "offentlig-privat-2021", "samarbejde-2021", "haemmere-2021"],
    ),
];

/// published.toml: its named indicators and its targets.
#[derive(Deserialize)]
struct Published {
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
    let expected: Vec<(String, String)> =
        EDITIONS.iter().flat_map(|(period, ids)| ids.iter().map(move |id| (id.to_string(), period.to_string()))).collect();
    assert_eq!(chapters, expected);
    // Chapters are numbered 1.. in that order, and each has its figures under it.
    for (i, (id, _)) in expected.iter().enumerate() {
        assert!(text.contains(&format!("\n{} {id} [chapter] ", i + 1)) || text.starts_with(&format!("1 {id} [chapter] ")), "{id}");
        assert!(text.contains(&format!("\n  {}.1 ", i + 1)), "{id} lists no figure");
    }
}

#[test]
fn every_hero_equals_its_published_value() {
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

    let mut waves = BTreeMap::new();
    let mut per_edition: BTreeMap<&str, usize> = BTreeMap::new();
    for ch in &report.chapters {
        let wave = waves.entry(ch.period.clone()).or_insert_with(|| {
            load_wave(&root().join(format!("inputs/waves/{}.csv", ch.period)), &codebook).unwrap_or_else(|p| panic!("{p}"))
        });
        let hero_rows = Expr::parse(&ch.hero.indicator).unwrap().eval(wave, &env).unwrap();
        // The published number whose definition selects the same rows in the same domain.
        let t = published
            .target
            .iter()
            .filter(|t| t.period == ch.period && t.domain == ch.hero.domain && t.published.is_some())
            .find(|t| Expr::parse(&t.indicator).ok().and_then(|e| e.eval(wave, &env).ok()).is_some_and(|rows| rows == hero_rows))
            .unwrap_or_else(|| panic!("{}: no published value for the hero {} in {}", ch.id, ch.hero.indicator, ch.hero.domain));
        let got = 100.0 * ch.hero.value.estimate;
        let (want, tolerance) = (t.published.unwrap(), t.tolerance_pp.unwrap());
        assert!((got - want).abs() <= tolerance, "{}: hero {got:.2} but published {want} ± {tolerance} ({})", ch.id, t.source);
        *per_edition.entry(EDITIONS.iter().find(|(p, _)| *p == ch.period).unwrap().0).or_default() += 1;
    }
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

//! The chapter across editions (config/chapters/udvikling.toml): every
//! point of its trend figures is the number the edition published
//! (inputs/published/published.toml), estimated on its own wave; the test
//! between two editions is the z test of two independent design-based
//! estimates; a bad period is named with file, line and column; and a build
//! of the chapter alone gives its chart, data, chapter PDF and site page.

use std::collections::BTreeMap;
use std::path::Path;

use barometer::compute::{Done, Inputs, Job, WaveData, compute_jobs};
use barometer::config::{Config, FigureSpec};
use barometer::data::{Codebook, load_wave};
use barometer::model::Figure;
use barometer::pipeline::design_of;
use serde::Deserialize;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::common::{Target, barometer, path_str, root, stderr};

#[derive(Deserialize)]
struct Published {
    target: Vec<Target>,
}

/// The trend figures of the chapter, computed with all four waves loaded.
fn trend_figures() -> (Config, Vec<Figure>) {
    let config = Config::load(&root().join("config")).unwrap();
    let codebook = Codebook::load(&root().join("config/codebook.toml")).unwrap();
    let mut waves = BTreeMap::new();
    for period in ["2013-2014", "2015-2016", "2018-2019", "2021-2023"] {
        let wave = load_wave(&root().join(format!("inputs/waves/{period}.csv")), &codebook).unwrap_or_else(|p| panic!("{p}"));
        let design = design_of(&wave).unwrap();
        waves.insert(period.to_string(), WaveData { wave, design });
    }
    let c = config.chapters.iter().position(|c| c.id == "udvikling").expect("the chapter across editions is listed");
    let jobs: Vec<Job> = (0..config.chapters[c].figures.len()).map(|f| Job::Figure(c, f)).collect();
    let inputs = Inputs { codebook: &codebook, waves, dir: &root().join("inputs") };
    let figures = compute_jobs(&config, &inputs, &jobs)
        .unwrap()
        .into_iter()
        .map(|d| match d {
            Done::Figure(f) => *f,
            Done::Hero(_) => panic!("a figure job gave a hero"),
        })
        .collect();
    (config, figures)
}

#[test]
fn every_trend_point_is_the_published_number_of_its_edition() {
    let (config, figures) = trend_figures();
    let published: Published = toml::from_str(&std::fs::read_to_string(root().join("inputs/published/published.toml")).unwrap()).unwrap();
    let ch = config.chapters.iter().find(|c| c.id == "udvikling").unwrap();
    // The report's name for a composite that published.toml writes out.
    let written = |expr: &str| if expr == "external_collaboration" { "any external collab_PARTNER = 1".to_string() } else { expr.to_string() };
    let mut checked = 0;
    for (fc, fig) in ch.figures.iter().zip(&figures) {
        let FigureSpec::Trend(spec) = &fc.spec else { panic!("{} is not a trend", fc.id) };
        let points = spec.series.iter().flat_map(|s| s.points.iter().map(move |p| (s, p)));
        for ((series, p), bar) in points.zip(&fig.bars) {
            assert_eq!((&bar.series, &bar.group), (&series.label, &p.period));
            let domain = p.domain.as_deref().unwrap_or(&fc.domain);
            let t = published
                .target
                .iter()
                .find(|t| t.period == p.period && t.domain == domain && t.indicator == written(&p.expr))
                .unwrap_or_else(|| panic!("{} {}: no published value for {} in {domain}", series.label, p.period, p.expr));
            let (want, tolerance) = (t.published.unwrap(), t.tolerance_pp.unwrap());
            let got = 100.0 * bar.value.estimate;
            assert!((got - want).abs() <= tolerance, "{} {}: {got:.2} but published {want} ± {tolerance}", series.label, p.period);
            assert!(bar.value.ci_low.unwrap() < bar.value.estimate && bar.value.estimate < bar.value.ci_high.unwrap());
            checked += 1;
        }
    }
    assert_eq!(checked, 26, "every point of both figures");
    // The series the brief names, with the editions that published them.
    let samme = &figures[0];
    let editions = |series: &str| samme.bars.iter().filter(|b| b.series == series).map(|b| b.group.as_str()).collect::<Vec<_>>();
    assert_eq!(editions("Arbejdspladser med mindst én innovation"), ["2015-2016", "2018-2019", "2021-2023"], "no 2013-2014 point");
    let labels: Vec<&str> = samme.bars.iter().filter(|b| b.series == "Innovationer, der er evalueret").map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["44\u{a0}%", "45\u{a0}%", "39\u{a0}%", "39\u{a0}%"]);
}

#[test]
fn the_test_between_two_editions_is_the_z_test_of_two_independent_estimates() {
    let (_, figures) = trend_figures();
    let fig = &figures[0];
    let trend = fig.trend.as_ref().unwrap();
    let bar = |period: &str| fig.bars.iter().find(|b| b.series == "Innovationer, der er evalueret" && b.group == period).unwrap().value;
    let (a, b) = (bar("2015-2016"), bar("2018-2019"));
    // By hand from the two figures' estimates and standard errors.
    let se = (a.se * a.se + b.se * b.se).sqrt();
    let z = (b.estimate - a.estimate) / se;
    let p = 2.0 * (1.0 - Normal::standard().cdf(z.abs()));
    let t = trend.tests.iter().find(|t| t.series == "Innovationer, der er evalueret" && t.from == "2015-2016").unwrap();
    assert_eq!(t.to, "2018-2019");
    assert!((t.difference - (b.estimate - a.estimate)).abs() < 1e-12);
    assert!((t.se - se).abs() < 1e-12);
    assert!((t.z - z).abs() < 1e-9, "{} vs {z}", t.z);
    assert!((t.p_value - p).abs() < 1e-9, "{} vs {p}", t.p_value);
    assert!(z < -3.0 && t.significant);
    assert_eq!(t.sentence, "Innovationer, der er evalueret: faldet fra 45\u{a0}% i 2015-2016 til 39\u{a0}% i 2018-2019; forskellen er signifikant ved 0,05");
    // The other comparisons with the same definition are not significant, and are said to be at the same level.
    assert_eq!(trend.tests.iter().filter(|t| t.significant).count(), 1);
    assert_eq!(trend.tests.len(), 7);
    assert!(fig.caption.contains("De øvrige forskelle mellem udgaver med samme definition er ikke signifikante ved 0,05"), "{}", fig.caption);
    assert!(fig.caption.contains("Testen er vores anbefaling; udgiveren har ikke testet forskellene mellem udgaverne."));
    assert!(fig.warnings.is_empty(), "{:?}", fig.warnings);
    // Where the definition changed, the points are neither joined nor tested, and a note says what changed.
    let actors = &figures[1];
    let at = actors.bars.iter().position(|b| b.series == "Borgerne spiller en rolle" && b.group == "2018-2019").unwrap();
    let point = &actors.trend.as_ref().unwrap().points[at];
    assert!(!point.joined && point.changed.is_some());
    assert!(!actors.trend.as_ref().unwrap().tests.iter().any(|t| t.series == "Borgerne spiller en rolle" && t.to == "2018-2019"));
    assert!(actors.notes.iter().any(|n| n.starts_with("≠ Borgerne spiller en rolle (2015-2016 til 2018-2019), private virksomheder")), "{:?}", actors.notes);
}

/// A copy of config/ listing only the chapter across editions.
fn config_copy() -> tempfile::TempDir {
    crate::common::config_copy(&["udvikling"])
}

/// Edits the trend chapter's file in a config copy.
fn edit(dir: &Path, from: &str, to: &str) {
    crate::common::edit(dir, "chapters/udvikling.toml", from, to);
}

#[test]
fn an_unknown_period_is_named_with_file_line_and_column() {
    let cfg = config_copy();
    // The second point of the first series.
    edit(cfg.path(), "{ period = \"2018-2019\", domain = \"all\"", "{ period = \"2017-2018\", domain = \"all\"");
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("outputs");
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(&dest)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = cfg.path().join("chapters/udvikling.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = text.find("period = \"2017-2018\"").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').unwrap();
    let want = format!(
        "{}:{line}:{column}: figure \"udvikling-samme\": series 1 (\"Arbejdspladser med mindst én innovation\") point 2: period = \"2017-2018\" is not a wave in the inputs; use one of 2013-2014, 2015-2016, 2018-2019 or 2021-2023",
        file.display()
    );
    assert!(stderr(&o).contains(&want), "{}\nwanted: {want}", stderr(&o));
    assert!(!dest.join("model.json").exists(), "nothing is written");
}

#[test]
fn a_chapter_across_editions_names_its_heros_wave_and_a_changed_definition_says_what_changed() {
    let cfg = config_copy();
    edit(cfg.path(), "period = \"2021-2023\"\nsentence", "sentence");
    let out = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(&out.path().join("o"))]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let file = cfg.path().join("chapters/udvikling.toml");
    assert!(
        err.contains(&format!(
            "{}: period = \"2013-2023\": there is no wave file for it in the inputs; a chapter across editions names the wave of its hero in [hero]: period = \"2021-2023\"",
            file.display()
        )),
        "{err}"
    );
    // A chapter period that is no wave is refused for any other kind of figure.
    let cfg = config_copy();
    edit(cfg.path(), "kind = \"trend\"", "kind = \"bars\"");
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(&out.path().join("p"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("chapters/udvikling.toml"), "{}", stderr(&o));
    // same_definition = false without a change.
    let cfg = config_copy();
    edit(cfg.path(), ", same_definition = false, change = \"Målet tæller nu også udenlandsk medfinansiering med\"", ", same_definition = false");
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(&out.path().join("q"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("point 2: same_definition = false needs change = \"what changed\" for the note under the chart"), "{}", stderr(&o));
}

#[test]
fn the_chapter_alone_builds_its_chart_data_pdf_and_page() {
    let cfg = config_copy();
    let out = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--strict", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(out.path().join("charts/udvikling/udvikling-samme.svg")).unwrap();
    assert!(!svg.contains("NaN"));
    for text in ["83\u{a0}%¹", "n=1.611", "2013-14", "Syntetiske data"] {
        assert!(svg.contains(&format!(">{text}<")), "{text}");
    }
    let actors = std::fs::read_to_string(out.path().join("charts/udvikling/udvikling-aktoerer.svg")).unwrap();
    assert!(actors.contains(">≠<"));
    let csv = std::fs::read_to_string(out.path().join("data/udvikling-samme.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), barometer::export::trend_columns().join(","));
    assert_eq!(csv.lines().count(), 1 + 11);
    assert!(out.path().join("data/udvikling-samme.xlsx").exists());
    assert!(out.path().join("handbook/udvikling.pdf").exists());
    let page = std::fs::read_to_string(out.path().join("site/tema/udvikling/index.html")).unwrap();
    assert!(page.contains("FØLG TALLENE OVER TID"));
    // The table leaves an edition that did not publish the number empty.
    assert!(page.contains("<th scope=\"row\">Arbejdspladser med mindst én innovation</th><td></td><td>80\u{a0}%</td>"), "{page}");
    // Nothing is stale after the build: every node's fingerprint is what was built.
    let o = barometer(&["status", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(crate::common::stdout(&o).contains("everything is up to date"), "{}", crate::common::stdout(&o));
    let model: barometer::model::Report = serde_json::from_slice(&std::fs::read(out.path().join("model.json")).unwrap()).unwrap();
    let ch = &model.chapters[0];
    assert_eq!((ch.period.as_str(), ch.hero.text.as_str()), ("2013-2023", "83\u{a0}%"));
    assert_eq!(ch.source_line, "Kilde: Innovationsbarometeret 2021-2023 · n=1.611");
    assert!(ch.synthetic);
}

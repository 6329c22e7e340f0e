//! `barometer build`: hero numbers as published, findings as published,
//! captions in full, misfit titles caught, exports in the agreed shape,
//! configuration errors reported before anything is computed.

use std::path::Path;

use barometer::model::{Figure, Report};
use barometer::expr::{Expr, Indicators};
use barometer::config::Config;
use serde::Deserialize;

use crate::common::{Target, barometer, path_str, reference, root, stderr};

/// Builds into a fresh folder and reads the model back.
fn build_to(out: &Path, extra: &[&str]) -> Report {
    let cfg = config_copy();
    let mut args = vec!["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(out)];
    args.extend_from_slice(extra);
    let o = barometer(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&std::fs::read(out.join("model.json")).unwrap()).unwrap()
}

fn figure<'a>(r: &'a Report, id: &str) -> &'a Figure {
    r.chapters.iter().flat_map(|c| &c.figures).find(|f| f.id == id).unwrap()
}

#[derive(Deserialize)]
struct Targets {
    target: Vec<Target>,
}

#[test]
fn hero_numbers_match_their_published_values() {
    let dir = tempfile::tempdir().unwrap();
    let report = build_to(dir.path(), &[]);
    let targets: Targets = toml::from_str(&std::fs::read_to_string(reference().join("targets.toml")).unwrap()).unwrap();
    let config = Config::load(&root().join("config")).unwrap();
    let codebook = barometer::data::Codebook::load(&root().join("config/codebook.toml")).unwrap();
    let mut env = Indicators::new();
    for (k, v) in &config.report.indicator {
        env.insert(k.clone(), Expr::parse(&v.expr).unwrap());
    }
    env.insert("innovators".into(), Expr::parse("innovated = 1").unwrap());
    let mut matched = 0;
    for ch in &report.chapters {
        let wave = barometer::data::load_wave(&root().join(format!("inputs/waves/{}.csv", ch.period)), &codebook).unwrap();
        let hero_rows = Expr::parse(&ch.hero.indicator).unwrap().eval(&wave, &env).unwrap();
        // The published target whose indicator selects the same rows.
        let t = targets
            .target
            .iter()
            .filter(|t| t.period == ch.period && t.domain == ch.hero.domain && t.published.is_some())
            .find(|t| Expr::parse(&t.indicator).ok().and_then(|e| e.eval(&wave, &env).ok()).is_some_and(|rows| rows == hero_rows))
            .unwrap_or_else(|| panic!("no published target for the hero of {}", ch.id));
        let got = 100.0 * ch.hero.value.estimate;
        assert!((got - t.published.unwrap()).abs() <= t.tolerance_pp.unwrap(), "{}: {got} vs {}", ch.id, t.published.unwrap());
        assert_eq!(ch.hero.text, format!("{}\u{a0}%", t.published.unwrap()));
        matched += 1;
    }
    assert_eq!(matched, 4);
}

#[test]
fn findings_come_out_as_published_in_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let report = build_to(dir.path(), &[]);
    let values = figure(&report, "borgernes-vaerdi");
    let sig: Vec<(&str, bool)> = values.tests.iter().map(|t| (t.series.as_str(), t.significant)).collect();
    assert_eq!(
        sig,
        vec![
            ("Bedre kvalitet", true),
            ("Øget effektivitet", false),
            ("Øget medarbejdertilfredshed", true),
            ("Borgerne har fået indsigt eller indflydelse", true),
            ("Bedre opfyldelse af politiske mål", false),
        ]
    );
    let service = figure(&report, "service-borgere");
    assert!(service.tests[0].significant && service.tests[0].p_value < 0.05);
}

#[test]
fn captions_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let report = build_to(dir.path(), &[]);
    assert_eq!(
        figure(&report, "borgernes-vaerdi").caption,
        "Figuren viser, hvilke typer værdi de offentlige innovationer har skabt, når borgerne spiller en positiv rolle, og når de ikke gør. \
Borgerne spiller en positiv rolle, når de var blandt årsagerne til, at innovationen blev sat i gang, når de i nogen eller høj grad har fremmet den, eller når arbejdspladsen har samarbejdet med dem om den. \
Spørgsmålet er: \u{201d}Hvilken værdi har den seneste innovation skabt?\u{201d}. \
Spørgsmålet er kun stillet til de arbejdspladser, der har indført mindst én innovation i perioden 2018-2019. \
Figuren summerer til mere end 100\u{a0}%, da den enkelte innovation kan skabe flere typer værdi. \
Forskellen mellem grupperne er signifikant ved et signifikansniveau på 0,05 for \u{201d}Bedre kvalitet\u{201d}, \u{201d}Øget medarbejdertilfredshed\u{201d} og \u{201d}Borgerne har fået indsigt eller indflydelse\u{201d}, men ikke for \u{201d}Øget effektivitet\u{201d} og \u{201d}Bedre opfyldelse af politiske mål\u{201d}. \
Data er vægtet til at repræsentere den offentlige sektor samlet set. n=1.877."
    );
    assert_eq!(
        figure(&report, "formaal").caption,
        "Figuren viser, om formålet med den seneste innovation var fastlagt på forhånd, og om det blev ændret undervejs. \
Spørgsmålet er: \u{201d}Var formålet med innovationen fastlagt på forhånd?\u{201d}. \
Spørgsmålet er kun stillet til de arbejdspladser, der har indført mindst én innovation i perioden 2013-2014. \
Figuren summerer ikke til 100\u{a0}%, da de 6\u{a0}%, der har svaret \u{201d}Ved ikke\u{201d}, ikke er vist. \
Data er vægtet til at repræsentere den offentlige sektor samlet set. n=1.093."
    );
}

#[test]
fn data_exports_have_the_agreed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let report = build_to(dir.path(), &[]);
    let csv = std::fs::read_to_string(dir.path().join("data/borgernes-roller.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "figure,period,series,group,estimate,se,ci_low,ci_high,n,suppressed,synthetic");
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    let bar = &figure(&report, "borgernes-roller").bars[0];
    assert_eq!(first[..4], ["borgernes-roller", "2018-2019", "Borgerne var blandt årsagerne til innovationen", ""]);
    assert_eq!(first[4].parse::<f64>().unwrap(), bar.value.estimate);
    assert_eq!(first[8..], ["1877", "false", "true"], "the shipped waves are synthetic, and the data say so");
    let tests = std::fs::read_to_string(dir.path().join("data/borgernes-vaerdi.tests.csv")).unwrap();
    assert!(tests.starts_with("figure,period,series,by,statistic,ndf,ddf,p_value,significant\n"));
    assert_eq!(tests.lines().count(), 6);
    let heads = std::fs::read_to_string(dir.path().join("data/headlines.csv")).unwrap();
    assert!(heads.starts_with("chapter,period,indicator,estimate,se,ci_low,ci_high,n,text,synthetic\n"));
    assert!(heads.contains(",1877,57\u{a0}% af de offentlige innovationer sker i samspil med borgerne.,true\n"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("data/borgernes-roller.json")).unwrap()).unwrap();
    assert_eq!(json[3]["estimate"].as_f64().unwrap(), figure(&report, "borgernes-roller").bars[3].value.estimate);
    assert_eq!(json[3]["n"], 1877);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    build_to(a.path(), &["--jobs", "1"]);
    build_to(b.path(), &["--jobs", "2"]);
    for f in ["model.json", "data/borgernes-vaerdi.tests.csv", "data/headlines.csv"] {
        assert!(std::fs::read(a.path().join(f)).unwrap() == std::fs::read(b.path().join(f)).unwrap(), "{f}");
    }
}

/// A copy of config/ to edit in a test, listing the core chapters.
fn config_copy() -> tempfile::TempDir {
    crate::common::config_copy(&crate::common::CORE_CHAPTERS)
}

use crate::common::edit;

#[test]
fn misfit_titles_warn_and_fail_under_strict() {
    let cfg = config_copy();
    edit(cfg.path(), "chapters/services-2018.toml", "indgår i tre ud af ti offentlige", "indgår i over halvdelen af de offentlige");
    edit(cfg.path(), "chapters/borgere-2018.toml", "Der skabes mange typer værdi, når", "Effektiviteten øges oftere, når");
    let out = tempfile::tempdir().unwrap();
    let args = ["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(out.path())];
    let o = barometer(&args);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("warning: figure serviceinnovation: the title says \u{201c}over halvdelen\u{201d} but the number is 30 %\n"), "{err}");
    assert!(err.contains("warning: figure borgernes-vaerdi: the title says \u{201c}oftere\u{201d} but the difference for \u{201c}Øget effektivitet\u{201d} is not significant at 0,05"), "{err}");
    let strict = barometer(&[&args[..], &["--strict"]].concat());
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).starts_with("error: --strict: 3 warning(s):\n"), "{}", stderr(&strict));
}

#[test]
fn configuration_errors_are_reported_before_computing() {
    let cfg = config_copy();
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"value_efficiency = 1\"", "expr = \"value_speed = 1\"");
    edit(cfg.path(), "chapters/processen-2013.toml", "item = \"process_planned\"", "item = \"process_planned\"\ncolour = \"red\"");
    let out = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("processen-2013.toml: TOML parse error at line"), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");
    assert!(!out.path().join("model.json").exists());

    let cfg = config_copy();
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"value_efficiency = 1\"", "expr = \"value_speed = 1\"");
    edit(cfg.path(), "chapters/processen-2013.toml", "indicator = \"planned_and_used\"", "indicator = \"collab_foundations = 1\"");
    edit(cfg.path(), "report.toml", "expr = \"pos(volunteers)\"", "expr = \"citizens_or_volunteers\"");
    let o = barometer(&["build", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let file = |c: &str| cfg.path().join("chapters").join(c).display().to_string();
    assert!(err.contains(&format!("{}: figure \"borgernes-vaerdi\": series 2 expr: the item \"value_speed\" is not in the wave (wave 2018-2019)", file("borgere-2018.toml"))), "{err}");
    assert!(err.contains(&format!("{}: hero indicator: the item \"collab_foundations\" is not in the wave (wave 2013-2014)", file("processen-2013.toml"))), "{err}");
    assert!(err.contains("the indicator definitions are circular: citizens_or_volunteers -> volunteers_positive -> citizens_or_volunteers"), "{err}");
    assert!(!out.path().join("model.json").exists());
}

#[test]
fn values_in_expressions_are_checked_against_the_codebook() {
    let out = tempfile::tempdir().unwrap();
    let run = |cfg: &Path| barometer(&["build", "--quiet", "--config", path_str(cfg), "--out", path_str(out.path())]);
    let cfg = config_copy();
    edit(cfg.path(), "report.toml", "expr = \"innovated = 1 and sector = kommune\"", "expr = \"innovated = 1 and sector = Kommunal\"");
    let o = run(cfg.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: [domain.municipal_innovators] expr: \"Kommunal\" is not a value of sector; its values are kommune (Kommuner), region (Regioner) and stat (Staten)\n",
            cfg.path().join("report.toml").display()
        )
    );

    let cfg = config_copy();
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"cause_citizens = 1\"", "expr = \"cause_citizens = 2\"");
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"promote_citizens in (3, 4)\"", "expr = \"promote_citizens in (3, 5)\"");
    let o = run(cfg.path());
    assert_eq!(o.status.code(), Some(1));
    let file = cfg.path().join("chapters/borgere-2018.toml").display().to_string();
    let err = stderr(&o);
    assert!(err.contains(&format!("{file}: figure \"borgernes-roller\": series 1 expr: 2 is not a code of cause_citizens; its codes are 0 (Nej) and 1 (Ja)\n")), "{err}");
    assert!(err.contains(&format!("{file}: figure \"borgernes-roller\": series 2 expr: 5 is not a code of promote_citizens; its codes are 1 (Slet ikke)")), "{err}");
    assert!(!out.path().join("model.json").exists());

    // A label is a spelling of its code: the same numbers.
    let cfg = config_copy();
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"cause_citizens = 1\"", "expr = \"cause_citizens = ja\"");
    let o = run(cfg.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let labelled = std::fs::read(out.path().join("data/borgernes-roller.csv")).unwrap();
    let plain = tempfile::tempdir().unwrap();
    assert!(barometer(&["build", "--quiet", "--out", path_str(plain.path())]).status.success());
    assert!(labelled == std::fs::read(plain.path().join("data/borgernes-roller.csv")).unwrap());
}

#[test]
fn an_unasked_item_is_never_counted_as_no() {
    let cfg = config_copy();
    // The citizens' roles were asked only of innovators: over every workplace they are unknown, not "no".
    edit(
        cfg.path(),
        "chapters/borgere-2018.toml",
        "på hver af tre måder og samlet\"\ndomain = \"innovators\"",
        "på hver af tre måder og samlet\"\ndomain = \"all\"",
    );
    let out = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert_eq!(o.status.code(), Some(1));
    let file = cfg.path().join("chapters/borgere-2018.toml").display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "error: {file}: figure \"borgernes-roller\": series 1 \"cause_citizens = 1\" is unknown for 394 of the 2.271 workplaces in the domain: cause_citizens (asked only of innovators) was not asked of them, and an empty answer is not a \"no\"; use a domain of workplaces that were asked (such as innovators), or make the expression false for the others (innovated = 1 and …)\n"
        )
    );
    assert!(!out.path().join("model.json").exists());
    // Written so that it is false where unasked, the figure is computed.
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"cause_citizens = 1\"", "expr = \"innovated = 1 and cause_citizens = 1\"");
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"promote_citizens in (3, 4)\"", "expr = \"innovated = 1 and promote_citizens in (3, 4)\"");
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"collab_citizens = 1\"", "expr = \"innovated = 1 and collab_citizens = 1\"");
    edit(cfg.path(), "chapters/borgere-2018.toml", "expr = \"citizens_positive\", highlight", "expr = \"innovated = 1 and citizens_positive\", highlight");
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Report = serde_json::from_slice(&std::fs::read(out.path().join("model.json")).unwrap()).unwrap();
    let fig = figure(&report, "borgernes-roller");
    assert_eq!(fig.n, 2271);
    assert_eq!(fig.bars[3].label, "46\u{a0}%", "57 % of the 81 % that innovated");
}

#[test]
fn words_in_introductions_and_hero_sentences_are_checked() {
    let cfg = config_copy();
    edit(cfg.path(), "chapters/processen-2013.toml", "{formaal.2|hver fjerde}", "{formaal.2|hver tredje}");
    edit(cfg.path(), "chapters/processen-2013.toml", "Det er et vilkår", "I 75 procent af tilfældene er det et vilkår");
    edit(cfg.path(), "chapters/processen-2013.toml", "resten gør ikke.", "flertallet gør ikke.");
    let out = tempfile::tempdir().unwrap();
    let args = ["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(out.path())];
    let o = barometer(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("warning: chapter processen-2013: the introduction ({formaal.2|hver tredje}) says \u{201c}hver tredje\u{201d} but the number is 25 %\n"), "{err}");
    assert!(err.contains("warning: chapter processen-2013: the introduction says \u{201c}75 procent\u{201d} without a number to check it against; write it as {figure-id.bar|75 procent} (or {hero|…})\n"), "{err}");
    assert!(err.contains("warning: chapter processen-2013: the hero sentence says \u{201c}flertallet\u{201d} but the number is 30 %\n"), "{err}");
    let strict = barometer(&[&args[..], &["--strict"]].concat());
    assert_eq!(strict.status.code(), Some(1));
    // The words are printed where the placeholder stood.
    let report: Report = serde_json::from_slice(&std::fs::read(out.path().join("model.json")).unwrap()).unwrap();
    let intro = &report.chapters.iter().find(|c| c.id == "processen-2013").unwrap().intro;
    assert!(intro.contains("ændres undervejs i hver tredje innovation"), "{intro}");
}

#[test]
fn a_real_wave_beside_synthetic_ones_is_labelled_real() {
    let cfg = config_copy();
    edit(cfg.path(), "codebook.toml", "period = \"2013-2014\"\nresponse_rate = 0.35\nsynthetic = true\n", "period = \"2013-2014\"\n");
    let out = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--strict", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |rel: &str| std::fs::read_to_string(out.path().join(rel)).unwrap();
    // The chapter on the real wave carries no marker; the others do.
    let real = read("data/processen.csv");
    assert!(real.lines().skip(1).all(|l| l.ends_with(",false")), "{real}");
    assert!(read("data/borgernes-roller.csv").lines().skip(1).all(|l| l.ends_with(",true")));
    let report: Report = serde_json::from_slice(&std::fs::read(out.path().join("model.json")).unwrap()).unwrap();
    let processen = figure(&report, "processen");
    assert!(!processen.synthetic && !processen.description.contains("Syntetiske data"));
    assert!(figure(&report, "borgernes-roller").description.ends_with("Syntetiske data."));
    let svgs: Vec<(String, String)> = std::fs::read_dir(out.path().join("charts/processen-2013"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    assert!(!svgs.is_empty());
    for (path, svg) in &svgs {
        assert!(!svg.contains("Syntetiske data"), "{path}");
    }
    assert!(
        report.words.title_note.ends_with("Det gælder udgaverne 2015-2016, 2018-2019 og 2021-2023; udgaven 2013-2014 bygger på rigtige besvarelser."),
        "{}",
        report.words.title_note
    );
    assert_eq!(report.words.footer, "Innovationsbarometeret · Nyt sammen bedre · syntetiske data: 2015-2016, 2018-2019 og 2021-2023");
    let chapter = report.chapters.iter().find(|c| c.id == "processen-2013").unwrap();
    assert_eq!(chapter.footer, "Innovationsbarometeret · Nyt sammen bedre");
    // The response rate of 2013-2014 was removed with its flag: not "0 %".
    let table = report.method_page[0].table.as_ref().unwrap();
    assert_eq!(table[1], ["2013-2014", "1.255", "1.093", "14.501", "ikke oplyst", "besvarelser"]);
}

#[test]
fn paths_in_configuration_stay_inside_the_inputs() {
    let cfg = config_copy();
    edit(cfg.path(), "chapters/borgere-2018.toml", "period = \"2018-2019\"\n", "period = \"2018-2019\"\ncontent = \"/etc/passwd\"\n");
    edit(cfg.path(), "chapters/borgere-2015.toml", "published = \"published/ks-norge-2017.csv\"", "published = \"../../etc/passwd\"");
    let out = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert_eq!(o.status.code(), Some(1));
    let file = |c: &str| cfg.path().join("chapters").join(c).display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: content = \"/etc/passwd\": a content file is named relative to the inputs' content/ folder and stays inside it (such as \"borgere-2018.toml\")\n\
{}: figure \"danmark-norge\": published = \"../../etc/passwd\": a published table is named relative to the inputs folder and stays inside it (such as \"published/ks-norge-2017.csv\")\n",
            file("borgere-2018.toml"),
            file("borgere-2015.toml")
        )
    );
    assert!(!stderr(&o).contains("root:"), "nothing of the file is echoed");
}

#[test]
fn an_unused_circular_pair_of_indicators_is_refused() {
    let cfg = config_copy();
    let report = cfg.path().join("report.toml");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, text + "\n[indicator.ping]\nexpr = \"pong or innovated = 1\"\n\n[indicator.pong]\nexpr = \"ping\"\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = barometer(&["build", "--quiet", "--config", path_str(cfg.path()), "--out", path_str(out.path())]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), format!("error: {}: [indicator.ping] expr: the indicator definitions are circular: ping -> pong -> ping\n", report.display()));
}

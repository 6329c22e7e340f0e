//! The site renderer on the sample model: links, escaping, the checks on templates.

use std::path::Path;

use super::path::relative;
use super::*;
use crate::model::Report;

fn sample() -> Report {
    let mut report = crate::model::sample();
    report.words.site = crate::text::words("K", "T", 30, &report.method, "").site;
    report
}

fn templates() -> Templates {
    Templates::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/site")).unwrap()
}

#[test]
fn links_are_relative_from_page_to_file() {
    assert_eq!(relative("site/index.html", "site/assets/site.css"), "assets/site.css");
    assert_eq!(relative("site/tema/a/index.html", "site/assets/site.css"), "../../assets/site.css");
    assert_eq!(relative("site/tema/a/figur/x.html", "site/tema/a/figur/x.png"), "x.png");
    assert_eq!(relative("site/tema/a/figur/x.html", "site/tema/a/a.pdf"), "../a.pdf");
    assert_eq!(relative("site/udgave/2018-2019.html", "site/tema/b/index.html"), "../tema/b/index.html");
}

#[test]
fn a_theme_page_escapes_every_text_and_keeps_the_published_order() {
    let mut report = sample();
    let ch = &mut report.chapters[0];
    ch.title = "HØST <script>alert(1)</script>".into();
    ch.hero.sentence = "af \"alle\" & <em>nogle</em>".into();
    let ch = report.chapters[0].clone();
    let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" aria-labelledby=\"chart-title chart-desc\"><title id=\"chart-title\">x</title></svg>\n";
    let charts = vec![svg; ch.figures.len()];
    let files = ThemeFiles { hero_svg: b"<svg/>", hero_png: b"png", charts, pdf: b"%PDF" };
    let out = theme_page(&report, &ch, &files, &templates()).unwrap();
    let paths: Vec<&str> = out.iter().map(|f| f.0.as_str()).collect();
    let id = &ch.id;
    assert_eq!(paths, [format!("site/tema/{id}/index.html"), format!("site/tema/{id}/hero.svg"), format!("site/tema/{id}/hero.png"), format!("site/tema/{id}/{id}.pdf")]);
    let html = String::from_utf8(out[0].1.clone()).unwrap();
    assert!(html.contains("<h1>HØST &lt;script&gt;alert(1)&lt;&#x2f;script&gt;</h1>"), "{html}");
    assert!(html.contains("af &quot;alle&quot; &amp; &lt;em&gt;nogle&lt;&#x2f;em&gt;"));
    assert!(!html.contains("<script") && !html.contains("<em>"));
    // The theme, the hero, its illustration, the introduction, the figures, the boxes, the PDF.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} is not on the page"));
    let order = [
        at("<h1>"),
        at(&ch.hero.text),
        at(&report.words.site.open_illustration),
        at("class=\"intro\""),
        at(&format!("id=\"figur-{}\"", ch.figures[0].id)),
        at(&format!("aria-labelledby=\"figur-{0}-chart-title figur-{0}-chart-desc\"", ch.figures[0].id)),
        at("class=\"box\""),
        at(&report.words.site.pdf),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

#[test]
fn a_hero_that_is_not_the_publishers_says_so_under_the_number() {
    let mut report = sample();
    let svg = "<svg/>";
    let render = |report: &Report| {
        let ch = report.chapters[0].clone();
        let files = ThemeFiles { hero_svg: b"<svg/>", hero_png: b"png", charts: vec![svg; ch.figures.len()], pdf: b"%PDF" };
        String::from_utf8(theme_page(report, &ch, &files, &templates()).unwrap()[0].1.clone()).unwrap()
    };
    report.chapters[0].hero.note = None;
    assert!(!render(&report).contains("hero-note"));
    let note = crate::text::hero_note(crate::model::HeroSource::Ours).unwrap();
    report.chapters[0].hero.note = Some(note.clone());
    let html = render(&report);
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} is not on the page"));
    assert!(at("class=\"hero-sentence\"") < at(&format!("<p class=\"hero-note\">{note}</p>")));
    assert!(at("class=\"hero-note\"") < at("class=\"source\""));
    // The front page's tile says it too, under the tile's sentence.
    let home = home_pages(&report, &crate::style::Style::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/style.toml")).unwrap(), &templates()).unwrap();
    let index = String::from_utf8(home.iter().find(|f| f.0.ends_with("index.html")).unwrap().1.clone()).unwrap();
    assert!(index.contains(&format!("<span class=\"tile-note\">{note}</span>")), "{index}");
}

#[test]
fn a_template_that_turns_escaping_off_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, _) in TEMPLATES {
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/site").join(name), dir.path().join(name)).unwrap();
    }
    // The words outside a tag are text, not filters.
    let edition = dir.path().join("edition.html");
    let text = std::fs::read_to_string(&edition).unwrap();
    std::fs::write(&edition, format!("{text}<p>safe and autoescape are words</p>\n{{# a comment #}}\n")).unwrap();
    assert!(Templates::load(dir.path()).is_ok());
    std::fs::write(&edition, format!("{text}<p>{{{{ edition.name\n  | safe }}}}</p>\n")).unwrap();
    let lines = text.lines().count();
    let err = Templates::load(dir.path()).err().unwrap().to_string();
    assert_eq!(err, format!("{}:{}: \"safe\" marks text as markup; the site's templates always escape text, so remove it", edition.display(), lines + 2));
    std::fs::write(&edition, format!("{text}{{% autoescape false %}}{{% endautoescape %}}\n")).unwrap();
    let err = Templates::load(dir.path()).err().unwrap().to_string();
    assert!(err.contains(&format!("edition.html:{}: \"autoescape\" turns escaping off", lines + 1)), "{err}");
    // A template that names what the page does not have fails, naming it.
    std::fs::write(&edition, format!("{text}{{{{ no_such_thing }}}}\n")).unwrap();
    let t = Templates::load(dir.path()).unwrap();
    let err = t.render("edition.html", serde_json::json!({})).err().unwrap().to_string();
    assert!(err.starts_with(&format!("{}:", edition.display())), "{err}");
}

#[test]
fn editions_run_newest_first_with_a_chapter_across_editions_after_the_newest_it_reaches() {
    let mut report = sample();
    let one = report.chapters[0].clone();
    report.chapters = ["2013-2014", "2021-2023", "2013-2023", "2018-2019"]
        .iter()
        .map(|p| {
            let mut ch = one.clone();
            ch.period = p.to_string();
            ch
        })
        .collect();
    let order: Vec<&str> = super::pages::editions(&report).iter().map(|e| e.0).collect();
    assert_eq!(order, ["2021-2023", "2013-2023", "2018-2019", "2013-2014"]);
}

//! The web site (`outputs/site/`): every page is well-formed (the pages
//! are polyglot markup, so an XML parser reads them; tests/web parses them
//! as HTML5 too), has lang="da" and one h1, no script, only relative links that
//! resolve inside the site; every chart is named by the model's finding
//! and numbers; the downloads are the build's own files; markup written
//! into configuration or content comes out escaped; a template cannot
//! turn escaping off. (tests/web/ opens the same pages in a browser.)

use std::collections::BTreeMap;
use std::path::Path;

use roxmltree::{Document, Node, ParsingOptions};

use crate::common::stderr;
use crate::pipeline::Project;

/// A page, parsed; a page that is not well-formed fails here, naming it.
fn parse<'a>(page: &str, text: &'a str) -> Document<'a> {
    let opts = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    Document::parse_with_options(text, opts).unwrap_or_else(|e| panic!("{page}: {e}"))
}

/// The elements matching `want`: "tag", ".class", "tag.class" or "#id".
fn find<'a, 'i>(doc: &'a Document<'i>, want: &str) -> Vec<Node<'a, 'i>> {
    let (tag, rest) = want.split_once(['.', '#']).map_or((want, ""), |(t, r)| (t, r));
    doc.descendants()
        .filter(|n| n.is_element() && (tag.is_empty() || n.tag_name().name() == tag))
        .filter(|n| match want.chars().nth(tag.len()) {
            Some('.') => n.attribute("class").is_some_and(|c| c.split(' ').any(|c| c == rest)),
            Some('#') => n.attribute("id") == Some(rest),
            _ => true,
        })
        .collect()
}

fn text_of(n: Node) -> String {
    n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
}

fn select(doc: &Document, want: &str) -> Vec<String> {
    find(doc, want).into_iter().map(text_of).collect()
}

fn attrs(doc: &Document, want: &str, attr: &str) -> Vec<String> {
    find(doc, want).into_iter().filter_map(|n| n.attribute(attr).map(str::to_string)).collect()
}

/// The elements of `doc` that have `attr`.
fn with_attr(doc: &Document, attr: &str) -> Vec<String> {
    doc.descendants().filter_map(|n| n.attribute(attr).map(str::to_string)).collect()
}

/// The site's pages: path under outputs/ and text.
fn pages(files: &BTreeMap<String, Vec<u8>>) -> Vec<(&str, String)> {
    files
        .iter()
        .filter(|(k, _)| k.starts_with("site/") && k.ends_with(".html"))
        .map(|(k, v)| (k.as_str(), String::from_utf8(v.clone()).unwrap()))
        .collect()
}

/// The file a relative link from `page` names, under outputs/.
fn resolve(page: &str, link: &str) -> String {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for p in link.split('#').next().unwrap().split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[test]
fn every_page_parses_links_inside_the_site_and_names_its_charts() {
    let p = Project::new();
    p.build(&[]);
    let files = p.outputs();
    let model: serde_json::Value = serde_json::from_slice(&files["model.json"]).unwrap();
    let pages = pages(&files);
    // Front page, method page, 3 editions, 4 themes, 12 figures.
    assert_eq!(pages.len(), 1 + 1 + 3 + 4 + 12, "{:?}", pages.iter().map(|p| p.0).collect::<Vec<_>>());
    for (page, text) in &pages {
        let doc = parse(page, text);
        assert_eq!(attrs(&doc, "html", "lang"), ["da"], "{page}");
        assert_eq!(select(&doc, "h1").len(), 1, "{page}: one h1");
        assert!(find(&doc, "script").is_empty(), "{page}: works without JavaScript");
        let mut links = with_attr(&doc, "href");
        links.extend(with_attr(&doc, "src"));
        // Besøg også: addresses for the reader to follow, never fetched by the page.
        let see_also: Vec<String> = find(&doc, "ul.links").into_iter().flat_map(|ul| ul.descendants().filter_map(|a| a.attribute("href").map(str::to_string))).collect();
        for link in links {
            if see_also.contains(&link) {
                continue;
            }
            if let Some(id) = link.strip_prefix('#') {
                assert_eq!(find(&doc, &format!("#{id}")).len(), 1, "{page}: {link} names no element");
                continue;
            }
            assert!(!link.contains(':') && !link.starts_with('/'), "{page}: {link} is not relative");
            let target = resolve(page, &link);
            assert!(target.starts_with("site/") && files.contains_key(&target), "{page}: {link} -> {target} is not in the site");
        }
    }

    let texts: BTreeMap<&str, String> = pages.iter().map(|(p, t)| (*p, t.clone())).collect();
    let page = |path: &str| parse(path, &texts[path]);
    for ch in model["chapters"].as_array().unwrap() {
        let id = ch["id"].as_str().unwrap();
        let theme_path = format!("site/tema/{id}/index.html");
        let theme = page(&theme_path);
        assert_eq!(select(&theme, "h1"), [ch["title"].as_str().unwrap()]);
        assert_eq!(select(&theme, ".hero-number"), [ch["hero"]["text"].as_str().unwrap()]);
        // A hero that is not the publisher's says so under the number.
        let note: Vec<String> = ch["hero"]["note"].as_str().into_iter().map(String::from).collect();
        assert_eq!(select(&theme, ".hero-note"), note);
        assert_eq!(files[&format!("site/tema/{id}/{id}.pdf")], files[&format!("handbook/{id}.pdf")]);
        assert_eq!(files[&format!("site/tema/{id}/hero.svg")], files[&format!("charts/{id}/hero.svg")]);
        let captions = select(&theme, "figcaption");
        for (i, fig) in ch["figures"].as_array().unwrap().iter().enumerate() {
            let f = fig["id"].as_str().unwrap();
            assert_eq!(captions[i], fig["caption"].as_str().unwrap());
            // The chart's accessible name: the finding, then the numbers, from the model.
            let own_path = format!("site/tema/{id}/figur/{f}.html");
            let own = page(&own_path);
            let named_by: Vec<String> = attrs(&own, "svg.chart", "aria-labelledby");
            assert_eq!(named_by, [format!("figur-{f}-chart-title figur-{f}-chart-desc")]);
            assert_eq!(select(&own, &format!("#figur-{f}-chart-title")), [fig["title"].as_str().unwrap()]);
            assert_eq!(select(&own, &format!("#figur-{f}-chart-desc")), [fig["description"].as_str().unwrap()]);
            for (ext, original) in [("png", format!("charts/{id}/{f}.png")), ("svg", format!("charts/{id}/{f}.svg")), ("xlsx", format!("data/{f}.xlsx")), ("csv", format!("data/{f}.csv")), ("json", format!("data/{f}.json"))] {
                assert_eq!(files[&format!("site/tema/{id}/figur/{f}.{ext}")], files[&original], "{f}.{ext}");
            }
            let downloads: Vec<String> = find(&own, "a").into_iter().filter(|a| a.attribute("download").is_some()).filter_map(|a| a.attribute("href").map(str::to_string)).collect();
            assert_eq!(downloads, [format!("{f}.png"), format!("{f}.svg"), format!("{f}.xlsx"), format!("{f}.csv"), format!("{f}.json"), format!("../{id}.pdf")]);
        }
    }
    // The front page: each theme's hero number, and the site in the manifest.
    let index = page("site/index.html");
    let heroes: Vec<String> = model["chapters"].as_array().unwrap().iter().map(|c| c["hero"]["text"].as_str().unwrap().to_string()).collect();
    let mut shown = select(&index, ".tile-hero");
    shown.sort();
    let mut expected = heroes.clone();
    expected.sort();
    assert_eq!(shown, expected);
    let manifest = String::from_utf8(files["manifest.json"].clone()).unwrap();
    for path in ["site/index.html", "site/assets/site.css", "site/assets/OpenSans-Regular.ttf", "site/tema/borgere-2018/figur/borgernes-roller.html"] {
        assert!(manifest.contains(&format!("\"path\": \"{path}\"")), "{path} is not in the manifest");
    }
}

#[test]
fn markup_in_configuration_and_content_comes_out_escaped() {
    let p = Project::new();
    p.edit("config/chapters/borgere-2018.toml", "title = \"HØST BORGERNES IDEER\"", "title = \"HØST <script>alert(1)</script> IDEER\"");
    p.edit(
        "config/chapters/borgere-2018.toml",
        "title = \"Borgerne spiller en positiv rolle i over halvdelen af de offentlige innovationer\"",
        "title = \"Borgerne <img src=x onerror=alert(2)> spiller en positiv rolle i over halvdelen af de offentlige innovationer\"",
    );
    p.edit("inputs/content/borgere-2018.toml", "title = \"Borgerne melder fejl direkte fra gaden\"", "title = \"Borgerne <b onclick=alert(3)>melder</b> fejl\"");
    p.build(&[]);
    let files = p.outputs();
    for path in ["site/index.html", "site/udgave/2018-2019.html", "site/tema/borgere-2018/index.html", "site/tema/borgere-2018/figur/borgernes-roller.html"] {
        let text = String::from_utf8(files[path].clone()).unwrap();
        let doc = parse(path, &text);
        assert!(find(&doc, "script").is_empty() && find(&doc, "img").is_empty() && find(&doc, "b").is_empty(), "{path}: markup got through");
        assert!(!text.contains("<script") && !text.contains("<img") && !text.contains("<b "), "{path}");
    }
    let theme_text = String::from_utf8(files["site/tema/borgere-2018/index.html"].clone()).unwrap();
    let theme = parse("theme", &theme_text);
    assert_eq!(select(&theme, "h1"), ["HØST <script>alert(1)</script> IDEER"], "shown as the text it is");
    let box_titles: Vec<String> = find(&theme, ".box").into_iter().flat_map(|b| b.children().filter(|c| c.has_tag_name("h2")).map(text_of).collect::<Vec<_>>()).collect();
    assert!(box_titles.contains(&"Borgerne <b onclick=alert(3)>melder</b> fejl".to_string()), "{box_titles:?}");
    let raw = String::from_utf8(files["site/tema/borgere-2018/index.html"].clone()).unwrap();
    assert!(raw.contains("HØST &lt;script&gt;alert(1)&lt;&#x2f;script&gt; IDEER"), "escaped in the page's bytes");
}

#[test]
fn a_template_cannot_turn_escaping_off() {
    for (line, word, why) in [("<p>{{ intro | safe }}</p>", "safe", "marks text as markup"), ("{% autoescape false %}{{ intro }}{% endautoescape %}", "autoescape", "turns escaping off")] {
        let p = Project::new();
        let path = p.p("config/site/theme.html");
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text.lines().count() + 1;
        std::fs::write(&path, format!("{text}{line}\n")).unwrap();
        let out = p.run(&["build"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("error: {}:{at}: \"{word}\" {why}; the site's templates always escape text, so remove it\n", path.display())
        );
        assert!(!Path::new(&p.p("outputs/site")).exists(), "nothing published");
    }
}

#[test]
fn a_template_the_config_lacks_is_the_shipped_one() {
    let p = Project::new();
    p.build(&[]);
    let before = p.outputs();
    // The figure pages fall back to the shipped figure.html: the same pages.
    std::fs::remove_file(p.p("config/site/figure.html")).unwrap();
    let again = p.build(&[]);
    let rebuilt = crate::pipeline::names(&again["rebuilt"]);
    assert!(rebuilt.iter().all(|n| n.starts_with("site:")) && rebuilt.len() == 17, "{rebuilt:?}");
    let after = p.outputs();
    for (k, v) in &before {
        if k.starts_with("site/") {
            assert!(after[k] == *v, "{k} changed");
        }
    }
    // An edited template rewrites the pages that use it.
    p.edit("config/site/method.html", "<article class=\"wrap method\">", "<article class=\"wrap method edited\">");
    p.build(&[]);
    let method = String::from_utf8(p.outputs()["site/metode.html"].clone()).unwrap();
    assert!(method.contains("class=\"wrap method edited\""));
}

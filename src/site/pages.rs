//! What each page shows, as the context its template reads: model strings
//! and relative links, nothing computed. The templates only place them.

use minijinja::Value;
use serde::Serialize;

use super::path::{self, relative};
use super::{Download, FIGURE_DOWNLOADS, SiteFile, Templates, inline_svg};
use crate::error::Result;
use crate::model::{Chapter, ContentBox, Figure, Report, Words};
use crate::style::{FONT_BOLD, FONT_REGULAR, Style};

/// The fonts' licence, shipped beside them (Apache 2.0 allows it).
const FONT_LICENCE: &str = include_str!("../../assets/fonts/LICENSE.txt");

#[derive(Serialize)]
struct Link {
    href: String,
    text: String,
}

/// What every page shares: the header, the breadcrumb trail, the footer.
#[derive(Serialize)]
struct Frame<'a> {
    /// The `<title>`: the page's name and the report's.
    title: String,
    css: String,
    home: String,
    method: String,
    kicker: &'a str,
    report_title: &'a str,
    words: &'a Words,
    footer: &'a str,
    /// "Syntetiske data" where the page's numbers are synthetic.
    synthetic: Option<&'a str>,
    crumbs: Vec<Link>,
}

impl<'a> Frame<'a> {
    fn new(report: &'a Report, page: &str, name: &str, footer: &'a str, synthetic: bool) -> Frame<'a> {
        Frame {
            title: format!("{name} · {}", report.words.running_title),
            css: relative(page, &path::asset("site.css")),
            home: relative(page, &path::index()),
            method: relative(page, &path::method()),
            kicker: &report.kicker,
            report_title: &report.title,
            words: &report.words,
            footer,
            synthetic: synthetic.then_some(report.words.synthetic_marker.as_str()),
            crumbs: Vec::new(),
        }
    }

    /// The trail from the front page down to `chapter`'s edition (and the chapter).
    fn trail(mut self, page: &str, chapter: &Chapter, with_theme: bool) -> Frame<'a> {
        self.crumbs.push(Link { href: self.home.clone(), text: self.words.site.home.clone() });
        self.crumbs.push(Link { href: relative(page, &path::edition(&chapter.period)), text: chapter.edition.clone() });
        if with_theme {
            self.crumbs.push(Link { href: relative(page, &path::theme(&chapter.id)), text: chapter.name.clone() });
        }
        self
    }
}

/// A theme as a tile: its title and hero number.
#[derive(Serialize)]
struct Tile<'a> {
    href: String,
    title: &'a str,
    hero: &'a str,
    sentence: &'a str,
    /// Where the number is not the publisher's hero, the model's note: a
    /// tile must not pass it off as one either.
    note: Option<&'a str>,
}

fn tile<'a>(page: &str, ch: &'a Chapter) -> Tile<'a> {
    Tile { href: relative(page, &path::theme(&ch.id)), title: &ch.title, hero: &ch.hero.text, sentence: &ch.hero.sentence, note: ch.hero.note.as_deref() }
}

#[derive(Serialize)]
struct Edition<'a> {
    name: &'a str,
    href: String,
    tiles: Vec<Tile<'a>>,
}

/// The editions, newest first, each with its themes in report order. A
/// chapter whose period spans editions (a trend chapter) is an edition of
/// its own, after the newest edition it reaches ("2013-2023" after
/// "2021-2023", before "2018-2019").
pub(super) fn editions(report: &Report) -> Vec<(&str, Vec<&Chapter>)> {
    let mut periods: Vec<&str> = report.chapters.iter().map(|c| c.period.as_str()).collect();
    let newest_first = |p: &str| {
        let (start, end) = p.split_once('-').unwrap_or((p, p));
        (std::cmp::Reverse(end.to_string()), std::cmp::Reverse(start.to_string()))
    };
    periods.sort_unstable_by_key(|p| newest_first(p));
    periods.dedup();
    periods.into_iter().map(|p| (p, report.chapters.iter().filter(|c| c.period == p).collect())).collect()
}

/// The front page, a page per edition, the method page, the style sheet,
/// the fonts and their licence.
pub fn home_pages<'a>(report: &'a Report, style: &Style, templates: &Templates) -> Result<Vec<SiteFile>> {
    let mut out = Vec::new();
    let all_synthetic = report.method.iter().all(|w| w.synthetic) && !report.method.is_empty();
    let page = path::index();
    let list = editions(report);
    #[derive(Serialize)]
    struct Index<'a> {
        frame: Frame<'a>,
        subtitle: &'a str,
        data_heading: &'a str,
        data_note: &'a str,
        editions_line: &'a str,
        editions: Vec<Edition<'a>>,
    }
    let edition = |page: &str, (period, chapters): &(&'a str, Vec<&'a Chapter>)| Edition {
        name: chapters.first().map_or(*period, |c| c.edition.as_str()),
        href: relative(page, &path::edition(period)),
        tiles: chapters.iter().map(|c| tile(page, c)).collect(),
    };
    let index = Index {
        frame: Frame::new(report, &page, &report.title, &report.words.footer, all_synthetic),
        subtitle: &report.subtitle,
        data_heading: &report.words.data_heading,
        data_note: &report.words.title_note,
        editions_line: &report.words.editions,
        editions: list.iter().map(|e| edition(&page, e)).collect(),
    };
    out.push((page.clone(), templates.render("index.html", &index)?.into_bytes()));

    #[derive(Serialize)]
    struct EditionPage<'a> {
        frame: Frame<'a>,
        edition: Edition<'a>,
    }
    for e in &list {
        let page = path::edition(e.0);
        let synthetic = e.1.iter().any(|c| c.synthetic);
        let edition = edition(&page, e);
        let mut frame = Frame::new(report, &page, edition.name, &report.words.footer, synthetic);
        frame.crumbs.push(Link { href: frame.home.clone(), text: report.words.site.home.clone() });
        out.push((page.clone(), templates.render("edition.html", EditionPage { frame, edition })?.into_bytes()));
    }

    #[derive(Serialize)]
    struct Section<'a> {
        heading: &'a str,
        lead: Option<&'a str>,
        paragraphs: &'a [String],
        head: &'a [String],
        rows: &'a [Vec<String>],
    }
    #[derive(Serialize)]
    struct Method<'a> {
        frame: Frame<'a>,
        heading: &'a str,
        sections: Vec<Section<'a>>,
    }
    let page = path::method();
    let mut frame = Frame::new(report, &page, &report.words.method, &report.words.footer, all_synthetic);
    frame.crumbs.push(Link { href: frame.home.clone(), text: report.words.site.home.clone() });
    let sections = report
        .method_page
        .iter()
        .map(|s| {
            let table = s.table.as_deref().unwrap_or_default();
            Section {
                heading: &s.heading,
                lead: s.lead.as_deref(),
                paragraphs: &s.paragraphs,
                head: table.first().map_or(&[][..], |h| h.as_slice()),
                rows: table.get(1..).unwrap_or_default(),
            }
        })
        .collect();
    let method = Method { frame, heading: &report.words.method, sections };
    out.push((page, templates.render("method.html", method)?.into_bytes()));

    out.push((path::asset("site.css"), stylesheet(style, &templates.css).into_bytes()));
    out.push((path::asset("OpenSans-Regular.ttf"), FONT_REGULAR.to_vec()));
    out.push((path::asset("OpenSans-Bold.ttf"), FONT_BOLD.to_vec()));
    out.push((path::asset("LICENSE-OpenSans.txt"), FONT_LICENCE.as_bytes().to_vec()));
    Ok(out)
}

/// The style sheet: the house palette as CSS variables, then the analyst's rules.
fn stylesheet(style: &Style, css: &str) -> String {
    let p = &style.palette;
    let mut vars = vec![
        ("accent", p.accent),
        ("text", p.text),
        ("muted", p.muted),
        ("gridline", p.gridline),
        ("background", p.background),
        ("tint", p.tint()),
    ];
    vars.extend(p.greys.iter().enumerate().map(|(i, g)| (["grey-1", "grey-2", "grey-3", "grey-4"].get(i).copied().unwrap_or("grey-n"), *g)));
    let lines: Vec<String> = vars.iter().map(|(name, c)| format!("  --{name}: {};", c.hex())).collect();
    format!("/* The house palette, from config/style.toml. */\n:root {{\n{}\n}}\n\n{css}", lines.join("\n"))
}

/// A figure as a page or a theme page shows it.
#[derive(Serialize)]
struct FigureBlock<'a> {
    /// The anchor on the theme page, and the prefix of the chart's ids.
    id: String,
    label: &'a str,
    title: &'a str,
    /// The chart, inline (already XML-escaped by the chart renderer).
    svg: Value,
    caption: &'a str,
    /// The numbers as a table: a header row of groups, a row per series.
    table: Table<'a>,
    page: String,
    png: String,
    png_name: String,
    csv: String,
    csv_name: String,
}

#[derive(Serialize)]
struct Table<'a> {
    corner: &'a str,
    columns: Vec<&'a str>,
    rows: Vec<(&'a str, Vec<&'a str>)>,
}

/// A figure's numbers as a table: the bars' labels by series and group.
fn table(figure: &Figure) -> Table<'_> {
    let columns: Vec<&str> = if figure.groups.is_empty() { vec![figure.subtitle.as_str()] } else { figure.groups.iter().map(String::as_str).collect() };
    let rows = figure
        .series
        .iter()
        .map(|s| {
            let mine = || figure.bars.iter().filter(|b| b.series == *s);
            // A cell per group, empty where the series has no bar there (a trend
            // series that an edition did not publish).
            let cells = if figure.groups.is_empty() {
                mine().map(|b| b.label.as_str()).collect()
            } else {
                figure.groups.iter().map(|g| mine().find(|b| &b.group == g).map_or("", |b| b.label.as_str())).collect()
            };
            (s.as_str(), cells)
        })
        .collect();
    Table { corner: if figure.groups.is_empty() { "" } else { &figure.subtitle }, columns, rows }
}

fn figure_block<'a>(page: &str, chapter: &Chapter, figure: &'a Figure, svg: &str) -> Result<FigureBlock<'a>> {
    let file = |d: Download| path::download(&chapter.id, &figure.id, d.extension());
    let name = |d: Download| format!("{}.{}", figure.id, d.extension());
    let id = format!("figur-{}", figure.id);
    Ok(FigureBlock {
        svg: Value::from_safe_string(inline_svg(svg, &id)?),
        id,
        label: &figure.label,
        title: &figure.title,
        caption: &figure.caption,
        table: table(figure),
        page: relative(page, &path::figure(&chapter.id, &figure.id)),
        png: relative(page, &file(Download::Png)),
        png_name: name(Download::Png),
        csv: relative(page, &file(Download::Csv)),
        csv_name: name(Download::Csv),
    })
}

/// A download on a figure's page.
#[derive(Serialize)]
struct DownloadLink<'a> {
    href: String,
    /// The file name the browser saves it under.
    name: String,
    label: &'a str,
    media_type: &'a str,
}

/// A figure's own page and its downloads; `files` holds each download's bytes.
pub fn figure_page(report: &Report, chapter: &Chapter, figure: &Figure, svg: &str, files: &[(Download, Vec<u8>)], templates: &Templates) -> Result<Vec<SiteFile>> {
    let page = path::figure(&chapter.id, &figure.id);
    let words = &report.words.site;
    #[derive(Serialize)]
    struct FigurePage<'a> {
        frame: Frame<'a>,
        figure: FigureBlock<'a>,
        downloads: Vec<DownloadLink<'a>>,
    }
    let mut downloads: Vec<DownloadLink> = FIGURE_DOWNLOADS
        .iter()
        .map(|d| DownloadLink {
            href: relative(&page, &path::download(&chapter.id, &figure.id, d.extension())),
            name: format!("{}.{}", figure.id, d.extension()),
            label: d.label(words),
            media_type: d.media_type(),
        })
        .collect();
    downloads.push(pdf_link(&page, chapter, words));
    let name = format!("{} {}", figure.label, figure.title);
    let frame = Frame::new(report, &page, &name, &chapter.footer, figure.synthetic).trail(&page, chapter, true);
    let context = FigurePage { frame, figure: figure_block(&page, chapter, figure, svg)?, downloads };
    let mut out = vec![(page.clone(), templates.render("figure.html", context)?.into_bytes())];
    for d in FIGURE_DOWNLOADS {
        let bytes = files.iter().find(|(k, _)| *k == d).map(|(_, b)| b.clone()).ok_or_else(|| crate::error::Error::internal(format!("figure {}: no {} to download", figure.id, d.extension())))?;
        out.push((path::download(&chapter.id, &figure.id, d.extension()), bytes));
    }
    Ok(out)
}

fn pdf_link<'a>(page: &str, chapter: &Chapter, words: &'a crate::model::SiteWords) -> DownloadLink<'a> {
    DownloadLink { href: relative(page, &path::chapter_pdf(&chapter.id)), name: format!("{}.pdf", chapter.id), label: &words.pdf, media_type: "application/pdf" }
}

/// What a theme page is made from besides the model: the hero tile, each
/// figure's chart (in the chapter's order) and the chapter's PDF.
pub struct ThemeFiles<'a> {
    pub hero_svg: &'a [u8],
    pub hero_png: &'a [u8],
    pub charts: Vec<&'a str>,
    pub pdf: &'a [u8],
}

/// A theme's page, in the published order: the theme, the hero number and
/// its sentence, the links to its tile, the introduction, each figure, the
/// boxes (Case, advice, Værktøj, Besøg også) and the chapter's PDF; with
/// the tile and the PDF beside it.
pub fn theme_page<'a>(report: &'a Report, chapter: &'a Chapter, files: &ThemeFiles, templates: &Templates) -> Result<Vec<SiteFile>> {
    let page = path::theme(&chapter.id);
    let words = &report.words.site;
    #[derive(Serialize)]
    struct Box<'a> {
        heading: &'a str,
        title: &'a str,
        body: &'a [String],
        attribution: Option<&'a str>,
        links: Vec<Link>,
    }
    #[derive(Serialize)]
    struct Theme<'a> {
        frame: Frame<'a>,
        title: &'a str,
        label: String,
        hero: &'a str,
        sentence: &'a str,
        hero_note: Option<&'a str>,
        source_line: &'a str,
        hero_svg: String,
        hero_png: String,
        hero_png_name: String,
        intro: &'a str,
        figures: Vec<FigureBlock<'a>>,
        boxes: Vec<Box<'a>>,
        pdf: DownloadLink<'a>,
    }
    let boxed = |b: &'a ContentBox| Box {
        heading: b.kind.heading(),
        title: &b.title,
        body: &b.body,
        attribution: b.attribution.as_deref(),
        links: b.links.iter().map(|(text, href)| Link { href: href.clone(), text: text.clone() }).collect(),
    };
    let figures = chapter.figures.iter().zip(&files.charts).map(|(f, svg)| figure_block(&page, chapter, f, svg)).collect::<Result<_>>()?;
    let theme = Theme {
        frame: Frame::new(report, &page, &chapter.name, &chapter.footer, chapter.synthetic).trail(&page, chapter, false),
        title: &chapter.title,
        label: format!("{} {}", report.words.chapter, chapter.number),
        hero: &chapter.hero.text,
        sentence: &chapter.hero.sentence,
        hero_note: chapter.hero.note.as_deref(),
        source_line: &chapter.source_line,
        hero_svg: relative(&page, &path::hero(&chapter.id, "svg")),
        hero_png: relative(&page, &path::hero(&chapter.id, "png")),
        hero_png_name: format!("{}-hero.png", chapter.id),
        intro: &chapter.intro,
        figures,
        boxes: chapter.boxes.iter().map(boxed).collect(),
        pdf: pdf_link(&page, chapter, words),
    };
    Ok(vec![
        (page.clone(), templates.render("theme.html", theme)?.into_bytes()),
        (path::hero(&chapter.id, "svg"), files.hero_svg.to_vec()),
        (path::hero(&chapter.id, "png"), files.hero_png.to_vec()),
        (path::chapter_pdf(&chapter.id), files.pdf.to_vec()),
    ])
}

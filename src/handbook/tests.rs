//! The handbook against the sample model, with stand-in charts drawn here
//! (the chart stage renders the real ones).

use std::collections::BTreeMap;
use std::path::Path;

use lopdf::{Document, Object};
use plotters::prelude::*;

use super::*;
use crate::style::{FONT_BOLD, FONT_REGULAR};
use crate::model::Figure;

use crate::model::sample;

fn house_style() -> Style {
    Style::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/style.toml")).unwrap()
}

/// A print-size bar chart of the figure's bars: 300 dpi at the text width.
fn stand_in(f: &Figure, style: &Style) -> Vec<u8> {
    static FONT: std::sync::Once = std::sync::Once::new();
    FONT.call_once(|| plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_REGULAR).ok().expect("the shipped font reads"));
    let p = &style.palette;
    let rgb = |c: Rgb| RGBColor(c.0, c.1, c.2);
    let (w, row) = (1890u32, 92u32);
    let h = 60 + row * f.bars.len() as u32;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&rgb(p.background)).unwrap();
        let text = ("sans-serif", 34).into_font().color(&rgb(p.text));
        for (k, bar) in f.bars.iter().enumerate() {
            let y = 30 + row as i32 * k as i32;
            let label = if bar.group.is_empty() { bar.series.clone() } else { format!("{} – {}", bar.series, bar.group) };
            let label: String = label.chars().take(44).collect();
            root.draw(&Text::new(label, (0, y + 18), text.clone())).unwrap();
            let fill = if bar.highlight { rgb(p.accent) } else { rgb(p.greys[1]) };
            let len = (bar.value.estimate.clamp(0.0, 1.0) * 820.0) as i32;
            root.draw(&Rectangle::new([(900, y + 8), (900 + len, y + row as i32 - 16)], fill.filled())).unwrap();
            root.draw(&Text::new(bar.label.clone(), (912 + len, y + 18), text.clone())).unwrap();
        }
        root.present().unwrap();
    }
    let img = image::RgbImage::from_raw(w, h, buf).unwrap();
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut png, image::ImageOutputFormat::Png).unwrap();
    png
}

fn charts(report: &Report, style: &Style) -> BTreeMap<String, Vec<u8>> {
    report.chapters.iter().flat_map(|c| &c.figures).map(|f| (f.id.clone(), stand_in(f, style))).collect()
}

struct Rendered {
    report: Report,
    style: Style,
    charts: ChartImages,
    handbook: Vec<u8>,
    chapters: Vec<Vec<u8>>,
}

fn rendered() -> &'static Rendered {
    static ONCE: std::sync::OnceLock<Rendered> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let report = sample();
        let style = house_style();
        let charts = decode_charts(&charts(&report, &style), &style).unwrap();
        let opts = PdfOptions::default();
        let handbook = render_handbook(&report, &charts, &style, &opts).unwrap();
        let chapters = report.chapters.iter().map(|c| render_chapter(&report, c, &charts, &style, &opts).unwrap()).collect();
        Rendered { report, style, charts, handbook, chapters }
    })
}

/// Text of each page, with no-break spaces as spaces (the font's space and
/// no-break space share a glyph) and runs of whitespace as one space.
fn page_texts(pdf: &[u8]) -> Vec<String> {
    let doc = Document::load_mem(pdf).unwrap();
    let pages = doc.get_pages();
    pages
        .keys()
        .map(|&n| {
            let text = doc.extract_text(&[n]).unwrap().replace('\u{a0}', " ");
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

fn squash(s: &str) -> String {
    s.replace('\u{a0}', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "... n=1.877." -> "n=1.877"
fn caption_n(caption: &str) -> String {
    let n = caption.rsplit("n=").next().unwrap().trim_end_matches('.');
    format!("n={n}")
}

#[test]
fn handbook_text_has_every_hero_title_and_n() {
    let r = rendered();
    let all = page_texts(&r.handbook).join(" ");
    for c in &r.report.chapters {
        assert!(all.contains(&squash(&c.hero.text)), "hero {}", c.hero.text);
        assert!(all.contains(&squash(&c.hero.sentence)), "hero sentence {}", c.hero.sentence);
        assert!(all.contains(&c.title), "chapter title {}", c.title);
        for f in &c.figures {
            assert!(all.contains(&squash(&f.title)), "figure title {}", f.title);
            assert!(all.contains(&caption_n(&f.caption)), "{} of figure {}", caption_n(&f.caption), f.number);
            assert!(all.contains(&format!("FIGUR {}", f.number)));
        }
        for b in &c.boxes {
            assert!(all.contains(&squash(&b.body.first().cloned().unwrap_or_default())), "box {}", b.title);
        }
    }
    assert!(all.contains("INNOVATIONSBAROMETERET"));
    assert!(all.contains("NYT SAMMEN BEDRE"));
    assert!(all.contains("SYNTETISKE DATA"));
    assert!(all.contains("Rao-Scott"));
    assert!(all.contains("0,05"));
    assert!(all.contains("færre end 30 besvarelser"));
    assert!(all.contains("2.271"), "responses of 2018-2019 on the method page");
}

#[test]
fn each_chapter_pdf_has_its_own_hero_titles_and_n() {
    let r = rendered();
    for (c, pdf) in r.report.chapters.iter().zip(&r.chapters) {
        let all = page_texts(pdf).join(" ");
        assert!(all.contains(&squash(&c.hero.text)));
        for f in &c.figures {
            assert!(all.contains(&squash(&f.title)), "figure title {}", f.title);
            assert!(all.contains(&caption_n(&f.caption)));
        }
        for other in r.report.chapters.iter().filter(|o| o.id != c.id) {
            assert!(!all.contains(&squash(&other.figures[0].title)), "{} leaks into {}", other.id, c.id);
        }
    }
}

#[test]
fn page_counts() {
    let r = rendered();
    let count = |pdf: &[u8]| Document::load_mem(pdf).unwrap().get_pages().len();
    // Opener page, then figures with boxes filling the feet of their pages.
    // On the type grid, with advice and tool side by side, each sample
    // chapter's figures and boxes take two pages after the opener.
    assert_eq!(count(&r.chapters[0]), 3);
    assert_eq!(count(&r.chapters[1]), 3);
    // Title, contents, both chapters, method.
    assert_eq!(count(&r.handbook), 1 + 1 + 3 + 3 + 1);
}

#[test]
fn every_figure_sits_on_one_page_with_its_caption() {
    let r = rendered();
    for pdf in std::iter::once(&r.handbook).chain(&r.chapters) {
        let pages = page_texts(pdf);
        for f in r.report.chapters.iter().flat_map(|c| &c.figures) {
            // Only a figure block prints the label in capitals.
            let on: Vec<usize> = (0..pages.len()).filter(|&p| pages[p].contains(&format!("FIGUR {} ", f.number))).collect();
            if on.is_empty() {
                continue;
            }
            assert_eq!(on.len(), 1, "figure {} is labelled on several pages", f.number);
            let page = &pages[on[0]];
            assert!(page.contains(&squash(&f.title)), "figure {}: title not with its label", f.number);
            assert!(page.contains(&squash(&f.caption)), "figure {}: caption split from the figure", f.number);
            assert!(page.contains(&caption_n(&f.caption)));
        }
    }
}

#[test]
fn contents_and_bookmarks_point_at_the_pages_things_are_on() {
    let r = rendered();
    let pages = page_texts(&r.handbook);
    let doc = Document::load_mem(&r.handbook).unwrap();
    let page_numbers: std::collections::BTreeMap<_, _> = doc.get_pages().into_iter().map(|(n, id)| (id, n as usize)).collect();
    let mut titles = Vec::new();
    let outlines = doc.get_dictionary(doc.catalog().unwrap().get(b"Outlines").unwrap().as_reference().unwrap()).unwrap();
    let mut next = outlines.get(b"First").ok().map(|o| o.as_reference().unwrap());
    while let Some(id) = next {
        let item = doc.get_dictionary(id).unwrap();
        let title = lopdf::decode_text_string(item.get(b"Title").unwrap()).unwrap();
        let action = doc.get_dictionary(item.get(b"A").unwrap().as_reference().unwrap()).unwrap();
        let page = page_numbers[&action.get(b"D").unwrap().as_array().unwrap()[0].as_reference().unwrap()];
        titles.push((title, page));
        next = item.get(b"Next").ok().map(|o| o.as_reference().unwrap());
    }
    let names: Vec<&str> = titles.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(names, ["Indhold", "1 Høst borgernes ideer (2018-2019)", "2 Lav nye services (2018-2019)", "Metode og data"]);
    assert_eq!(titles[0].1, 2);
    assert_eq!(titles[1].1, 3);
    for (title, page) in &titles[1..3] {
        let chapter = r.report.chapters.iter().find(|c| title.contains(&crate::text::sentence_case(&c.title))).unwrap();
        assert!(pages[page - 1].contains(&squash(&chapter.hero.text)), "{title} bookmark on page {page}");
    }
    // The contents page names each chapter's page.
    let contents = &pages[1];
    for (title, page) in &titles[1..] {
        let upper = title.split(" (").next().unwrap().split_once(' ').unwrap().1.to_uppercase();
        assert!(contents.contains(&format!("{upper} {page}")), "contents: {upper} on page {page} in {contents}");
    }
    // Figures are bookmarked under their chapter, on the page they are on.
    let first = doc.get_dictionary(outlines.get(b"First").unwrap().as_reference().unwrap()).unwrap();
    let chapter = doc.get_dictionary(first.get(b"Next").unwrap().as_reference().unwrap()).unwrap();
    assert_eq!(chapter.get(b"Count").unwrap().as_i64().unwrap(), r.report.chapters[0].figures.len() as i64);
    let fig = doc.get_dictionary(chapter.get(b"First").unwrap().as_reference().unwrap()).unwrap();
    let title = lopdf::decode_text_string(fig.get(b"Title").unwrap()).unwrap();
    // The title as the page sets it (its last two words tied).
    assert_eq!(squash(&title), format!("Figur 1.1 {}", r.report.chapters[0].figures[0].title));
}

#[test]
fn see_also_links_are_clickable_where_they_are_printed() {
    let r = rendered();
    let doc = Document::load_mem(&r.handbook).unwrap();
    let pages = page_texts(&r.handbook);
    let mut found = Vec::new();
    for (n, page) in doc.get_pages() {
        let Ok(annots) = doc.get_dictionary(page).unwrap().get(b"Annots") else { continue };
        for a in annots.as_array().unwrap() {
            let annot = doc.dereference(a).unwrap().1.as_dict().unwrap();
            assert_eq!(annot.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
            let url = String::from_utf8(annot.get(b"A").unwrap().as_dict().unwrap().get(b"URI").unwrap().as_str().unwrap().to_vec()).unwrap();
            let rect: Vec<f32> = annot.get(b"Rect").unwrap().as_array().unwrap().iter().map(|v| v.as_float().unwrap()).collect();
            assert!(rect[0] >= 70.0 && rect[2] <= 526.0 && rect[1] >= 70.0 && rect[3] <= 800.0 && rect[1] < rect[3], "{url}: {rect:?}");
            assert!(pages[n as usize - 1].contains(&url), "{url} is not printed on page {n}");
            found.push(url);
        }
    }
    found.sort();
    let mut expected: Vec<String> = r.report.chapters.iter().flat_map(|c| &c.boxes).flat_map(|b| &b.links).map(|(_, u)| u.clone()).collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn fonts_are_embedded_once_each() {
    let r = rendered();
    for pdf in std::iter::once(&r.handbook).chain(&r.chapters) {
        let doc = Document::load_mem(pdf).unwrap();
        let mut files: Vec<Vec<u8>> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter_map(|d| d.get(b"FontFile2").ok())
            .map(|r| doc.get_object(r.as_reference().unwrap()).unwrap().as_stream().unwrap().decompressed_content().unwrap())
            .collect();
        files.sort();
        let mut shipped = vec![FONT_REGULAR.to_vec(), FONT_BOLD.to_vec()];
        shipped.sort();
        assert!(files == shipped, "expected the two shipped fonts once each, found {} font files", files.len());
        let names: Vec<Vec<u8>> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"Type0"))
            .map(|d| d.get(b"BaseFont").unwrap().as_name().unwrap().to_vec())
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&b"OpenSans-Regular".to_vec()) && names.contains(&b"OpenSans-Bold".to_vec()));
    }
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let r = rendered();
    let opts = PdfOptions::default();
    assert!(render_handbook(&r.report, &r.charts, &r.style, &opts).unwrap() == r.handbook);
    let c = &r.report.chapters[1];
    assert!(render_chapter(&r.report, c, &r.charts, &r.style, &opts).unwrap() == r.chapters[1]);
}

#[test]
fn metadata_language_and_dates() {
    let r = rendered();
    let doc = Document::load_mem(&r.handbook).unwrap();
    let info = doc.get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
    let text = |k: &[u8]| lopdf::decode_text_string(info.get(k).unwrap()).unwrap();
    assert_eq!(text(b"Title"), "Innovationsbarometeret: Nyt sammen bedre");
    assert_eq!(text(b"Author"), "barometer");
    assert_eq!(text(b"Subject"), r.report.subtitle);
    assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20200101000000Z");
    assert_eq!(lopdf::decode_text_string(doc.catalog().unwrap().get(b"Lang").unwrap()).unwrap(), "da-DK");
    let id = doc.trailer.get(b"ID").unwrap().as_array().unwrap();
    assert_eq!(id[0].as_str().unwrap().len(), 16);

    let chapter = Document::load_mem(&r.chapters[0]).unwrap();
    let info = chapter.get_dictionary(chapter.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
    assert_eq!(lopdf::decode_text_string(info.get(b"Title").unwrap()).unwrap(), "Høst borgernes ideer 2018-2019");

    let c = &r.report.chapters[0];
    let at_epoch = render_chapter(&r.report, c, &r.charts, &r.style, &PdfOptions { source_date_epoch: Some(1_700_000_000) }).unwrap();
    let doc = Document::load_mem(&at_epoch).unwrap();
    let info = doc.get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
    assert_eq!(info.get(b"ModDate").unwrap().as_str().unwrap(), b"D:20231114221320Z");
    assert!(at_epoch != r.chapters[0], "the date is part of the file and of its id");
}

#[test]
fn charts_are_embedded_as_their_png_streams() {
    let r = rendered();
    let pngs = charts(&r.report, &r.style);
    let doc = Document::load_mem(&r.chapters[0]).unwrap();
    let images: Vec<&lopdf::Stream> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| s.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image"))
        .filter(|s| s.dict.get(b"Width").and_then(Object::as_i64).unwrap() > 2)
        .collect();
    let figures = &r.report.chapters[0].figures;
    assert_eq!(images.len(), figures.len());
    for f in figures {
        let png = &pngs[&f.id];
        let chart = &r.charts[&f.id];
        assert!(chart.predicted);
        // The PNG's IDAT bytes, as they are, are one of the page's images.
        let image = images.iter().find(|s| s.content == chart.data).unwrap_or_else(|| panic!("chart {} is not in the PDF as its PNG stream", f.id));
        let info = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap().info().clone();
        let int = |k: &[u8]| image.dict.get(k).and_then(Object::as_i64).unwrap();
        assert_eq!((int(b"Width"), int(b"Height")), (info.width as i64, info.height as i64));
        let parms = image.dict.get(b"DecodeParms").unwrap().as_dict().unwrap();
        let parm = |k: &[u8]| parms.get(k).and_then(Object::as_i64).unwrap();
        assert_eq!((parm(b"Predictor"), parm(b"Colors"), parm(b"BitsPerComponent"), parm(b"Columns")), (15, 3, 8, info.width as i64));
        assert_eq!(image.dict.get(b"Filter").unwrap().as_name().unwrap(), b"FlateDecode");
        // And it decodes to the PNG's pixels.
        let decoded = image.decompressed_content().unwrap();
        let rgb = image::load_from_memory(png).unwrap().to_rgb8();
        assert_eq!(decoded, rgb.into_raw(), "chart {}", f.id);
    }
    // No stand-in is left.
    let stand_ins = doc.objects.values().filter_map(|o| o.as_stream().ok()).filter(|s| s.dict.get(b"Width").and_then(Object::as_i64).ok() == Some(2)).count();
    assert_eq!(stand_ins, 0);
}

#[test]
fn a_chart_with_alpha_is_flattened_on_the_page_colour() {
    let style = house_style();
    let paper = style.palette.background;
    let img = image::RgbaImage::from_fn(4, 2, |x, _| if x < 2 { image::Rgba([0, 0, 0, 0]) } else { image::Rgba([10, 20, 30, 255]) });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(img).write_to(&mut png, image::ImageOutputFormat::Png).unwrap();
    let charts = decode_charts(&BTreeMap::from([("x".to_string(), png)]), &style).unwrap();
    let chart = &charts["x"];
    assert_eq!((chart.width, chart.height, chart.predicted), (4, 2, false));
    let mut rows = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&chart.data[..]), &mut rows).unwrap();
    let p = [paper.0, paper.1, paper.2];
    assert_eq!(rows, [p, p, [10, 20, 30], [10, 20, 30], p, p, [10, 20, 30], [10, 20, 30]].concat());
}

#[test]
fn a_pdf_embeds_the_fonts_in_one_layout_pass() {
    let r = rendered();
    let opts = PdfOptions::default();
    let before = fonts::embedding_passes();
    let pdf = render_chapter(&r.report, &r.report.chapters[1], &r.charts, &r.style, &opts).unwrap();
    assert_eq!(fonts::embedding_passes() - before, 1, "drafts found where everything lands");
    assert!(pdf == r.chapters[1]);
    let before = fonts::embedding_passes();
    render_handbook(&r.report, &r.charts, &r.style, &opts).unwrap();
    assert_eq!(fonts::embedding_passes() - before, 1);
}

#[test]
fn italic_text_is_set_in_the_embedded_regular_font() {
    let r = rendered();
    let who = "Frit efter en forsker i samskabelse";
    assert!(page_texts(&r.handbook).iter().any(|t| t.contains(who)), "the attribution reads back through the font's Unicode map");
    let doc = Document::load_mem(&r.handbook).unwrap();
    let subtypes: Vec<Vec<u8>> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(Object::as_name).is_ok_and(|t| t == b"Font"))
        .map(|d| d.get(b"Subtype").unwrap().as_name().unwrap().to_vec())
        .collect();
    assert_eq!(subtypes, [b"Type0".to_vec(), b"Type0".to_vec()], "no built-in font is left");
}

#[test]
fn a_missing_chart_is_named() {
    let r = rendered();
    let mut charts = r.charts.clone();
    charts.remove("borger-vaerdi");
    let err = render_handbook(&r.report, &charts, &r.style, &PdfOptions::default()).unwrap_err();
    assert!(format!("{err:#}").contains("no chart image for figure 1.2 (borger-vaerdi)"), "{err:#}");
}

/// Writes the sample handbook to /tmp/handbook-preview/ for a look:
/// `cargo test --release --lib handbook::tests::preview -- --ignored`.
#[test]
#[ignore]
fn preview() {
    let r = rendered();
    let dir = Path::new("/tmp/handbook-preview");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("handbook.pdf"), &r.handbook).unwrap();
    for (c, pdf) in r.report.chapters.iter().zip(&r.chapters) {
        std::fs::write(dir.join(format!("{}.pdf", c.id)), pdf).unwrap();
    }
}

/// The shipped fonts as genpdf measures them.
fn font_cache() -> genpdf::fonts::FontCache {
    genpdf::fonts::FontCache::new(fonts::family(fonts::Pass::Draft).unwrap())
}

/// The type grid: running text and captions at a leading of about 1,35,
/// titles and headings at about 1,15 (not the 1,77 of genpdf's default).
#[test]
fn leading_follows_the_type_grid() {
    let cache = font_cache();
    let ink = house_style().palette;
    for (size, lead, what) in [(8, frame::LEAD_BODY, "caption"), (10, frame::LEAD_BODY, "box text"), (11, frame::LEAD_BODY, "introduction"), (13, frame::LEAD_HEAD, "figure title"), (30, frame::LEAD_HEAD, "chapter title")] {
        let line = f64::from(frame::type_style(size, ink.text, lead).line_height(&cache));
        let ratio = line / (f64::from(size) * 25.4 / 72.0);
        assert!((ratio - lead).abs() < 0.005, "{what}: {size} pt on a leading of {ratio:.3}, not {lead}");
    }
    assert!((1.3..=1.4).contains(&frame::LEAD_BODY) && (1.1..=1.2).contains(&frame::LEAD_HEAD));
}

/// The leading the pages are set with, read back from the text line
/// heights (the TL operator, in mm) of a chapter's PDF: captions 8 pt on 10,8 pt,
/// figure titles 13 pt on 15 pt, never genpdf's 1,77.
#[test]
fn pages_are_set_on_the_type_grid() {
    let r = rendered();
    let doc = Document::load_mem(&r.chapters[0]).unwrap();
    let mut leads = std::collections::BTreeSet::new();
    for (_, id) in doc.get_pages() {
        let content = lopdf::content::Content::decode(&doc.get_page_content(id)).unwrap();
        for op in content.operations.iter().filter(|o| o.operator == "TL") {
            leads.insert((op.operands[0].as_float().unwrap() * 10.0).round() as i64);
        }
    }
    for (size, lead) in [(8.0, frame::LEAD_BODY), (10.0, frame::LEAD_BODY), (13.0, frame::LEAD_HEAD)] {
        // genpdf writes TL in millimetres.
        let want = (size * lead * 25.4 / 72.0 * 10.0_f64).round() as i64;
        assert!(leads.iter().any(|&l| (l - want).abs() <= 1), "{size} pt on {}: line heights {leads:?}", size * lead);
    }
    // (The frame's one-line header and footer keep the document's.)
    for size in [10.0, 13.0] {
        let loose = (size * 1.3 * fonts::natural_leading() * 25.4 / 72.0 * 10.0_f64).round() as i64;
        assert!(!leads.contains(&loose), "{size} pt at genpdf's default leading: {leads:?}");
    }
}

/// Captions keep to their column: at most 90 characters a line, measured
/// with the metrics the layout breaks lines with.
#[test]
fn captions_run_at_most_90_characters_a_line() {
    let cache = font_cache();
    let style = frame::type_style(8, house_style().palette.muted, frame::LEAD_BODY);
    let column = genpdf::Mm::from(frame::CAPTION_W);
    let mut longest = 0;
    for f in sample().chapters.iter().flat_map(|c| &c.figures) {
        let mut line = String::new();
        let mut lines = Vec::new();
        for word in f.caption.split(' ') {
            let wider = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if !line.is_empty() && style.str_width(&cache, &wider) > column {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = wider;
            }
        }
        lines.push(line);
        for l in &lines {
            let n = l.chars().count();
            assert!(n <= 90, "figure {}: a caption line of {n} characters: {l}", f.number);
            longest = longest.max(n);
        }
    }
    assert!(longest > 70, "the captions fill their column ({longest} characters at most)");
}

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
    /// The book of every edition, and the edition's own book.
    handbook: Vec<u8>,
    edition: Vec<u8>,
    chapters: Vec<Vec<u8>>,
}

/// The sample model with its books, as `compute` makes them.
fn with_books(mut report: Report) -> Report {
    let ids: Vec<(String, String)> = report.chapters.iter().map(|c| (c.id.clone(), c.period.clone())).collect();
    let note = report.data_note.clone();
    report.books = crate::text::books(&report.kicker, &report.title, &ids, &report.method, &report.words, &note, report.alpha, report.min_n);
    report
}

/// The chapters' PDFs, then the book `id` from them.
fn render_books(report: &Report, id: &str, charts: &ChartImages, style: &Style, opts: &PdfOptions) -> Result<Vec<u8>> {
    let mut pdfs = BTreeMap::new();
    for c in &report.chapters {
        pdfs.insert(c.id.clone(), render_chapter(report, c, charts, style, opts)?);
    }
    render_book(report, id, &pdfs, style, opts)
}

fn render_handbook(report: &Report, charts: &ChartImages, style: &Style, opts: &PdfOptions) -> Result<Vec<u8>> {
    render_books(report, "handbook", charts, style, opts)
}

/// (level, title, 1-based page) of each bookmark, in order.
fn bookmarks(pdf: &[u8]) -> Vec<(usize, String, usize)> {
    let doc = Document::load_mem(pdf).unwrap();
    doc.get_toc().unwrap().toc.into_iter().map(|t| (t.level, t.title, t.page)).collect()
}

fn rendered() -> &'static Rendered {
    static ONCE: std::sync::OnceLock<Rendered> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let report = with_books(sample());
        let style = house_style();
        let charts = decode_charts(&charts(&report, &style), &style).unwrap();
        let opts = PdfOptions::default();
        let handbook = render_handbook(&report, &charts, &style, &opts).unwrap();
        let edition = render_books(&report, "2018-2019", &charts, &style, &opts).unwrap();
        let chapters = report.chapters.iter().map(|c| render_chapter(&report, c, &charts, &style, &opts).unwrap()).collect();
        Rendered { report, style, charts, handbook, edition, chapters }
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
    // Cover, title verso, contents, blank, part divider, blank, the first
    // chapter, a blank so the second opens on a right-hand page, the
    // second, method page.
    assert_eq!(count(&r.handbook), 1 + 1 + 1 + 1 + 1 + 1 + 3 + 1 + 3 + 1);
    // Cover, title verso, contents, blank, chapter, blank, chapter, method page.
    assert_eq!(count(&r.edition), 1 + 1 + 1 + 1 + 3 + 1 + 3 + 1);
    for pdf in [&r.handbook, &r.edition] {
        for (level, title, page) in bookmarks(pdf) {
            if title.contains("(2018-2019)") {
                assert!(page % 2 == 1, "{title} opens on page {page}, a left-hand page (level {level})");
            }
        }
    }
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
    let marks = bookmarks(&r.handbook);
    let f = |c: usize, j: usize| format!("{} {}", r.report.chapters[c].figures[j].label, r.report.chapters[c].figures[j].title);
    let titles: Vec<(usize, String)> = marks.iter().map(|(l, t, _)| (*l, t.clone())).collect();
    let mut expected = vec![(1, "Indhold".to_string()), (1, "Del 1: Innovationsbarometeret 2018-2019".to_string()), (2, "1 Høst borgernes ideer (2018-2019)".to_string())];
    expected.extend((0..r.report.chapters[0].figures.len()).map(|j| (3, f(0, j))));
    expected.push((2, "2 Lav nye services (2018-2019)".to_string()));
    expected.extend((0..r.report.chapters[1].figures.len()).map(|j| (3, f(1, j))));
    expected.push((2, "Metode og data".to_string()));
    assert_eq!(titles, expected);
    let page_of = |t: &str| marks.iter().find(|m| m.1 == t).unwrap().2;
    assert_eq!(page_of("Indhold"), 3);
    assert_eq!(page_of("Del 1: Innovationsbarometeret 2018-2019"), 5);
    assert_eq!(page_of("1 Høst borgernes ideer (2018-2019)"), 7);
    assert_eq!(page_of("2 Lav nye services (2018-2019)"), 11);
    assert!(pages[page_of("Metode og data") - 1].contains("METODE OG DATA"));
    for (c, chapter) in r.report.chapters.iter().enumerate() {
        let p = page_of(&format!("{} {} ({})", chapter.number, chapter.name, chapter.period));
        assert!(pages[p - 1].contains(&squash(&chapter.hero.text)), "chapter {c} on page {p}");
        // The contents names the page, and every page shows its number.
        assert!(pages[2].contains(&format!("{} {p}", chapter.title)), "contents: {} on page {p} in {}", chapter.title, pages[2]);
        for j in 0..chapter.figures.len() {
            let fp = page_of(&f(c, j));
            assert!(pages[fp - 1].contains(&format!("FIGUR {}", chapter.figures[j].number)), "figure {c}.{j} on page {fp}");
            assert!(pages[fp - 1].split_whitespace().any(|w| w == fp.to_string()), "page {fp} shows its number: {}", pages[fp - 1]);
        }
    }
    // The contents' lines go to the chapters' pages.
    let doc = Document::load_mem(&r.handbook).unwrap();
    let numbers: BTreeMap<_, _> = doc.get_pages().into_iter().map(|(n, id)| (id, n as usize)).collect();
    let contents = doc.get_pages()[&3];
    let annots = doc.get_dictionary(contents).unwrap().get(b"Annots").unwrap().as_array().unwrap();
    let mut to: Vec<usize> = annots
        .iter()
        .map(|a| doc.dereference(a).unwrap().1.as_dict().unwrap().get(b"Dest").unwrap().as_array().unwrap()[0].as_reference().unwrap())
        .map(|id| numbers[&id])
        .collect();
    to.dedup();
    assert!(to.contains(&7) && to.contains(&11) && to.contains(&5), "{to:?}");
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
            if annot.has(b"Dest") {
                continue;
            }
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
    for pdf in [&r.handbook, &r.edition].into_iter().chain(&r.chapters) {
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
fn the_title_verso_says_what_the_book_is_made_of() {
    let r = rendered();
    let pages = page_texts(&r.edition);
    assert!(pages[0].contains("NYT SAMMEN BEDRE") && pages[0].contains("Udgaven 2018-2019"), "{}", pages[0]);
    let verso = &pages[1];
    assert!(verso.contains("Dato: 1. januar 2020."), "{verso}");
    assert!(verso.contains(&squash(&r.report.data_note)), "the synthetic note: {verso}");
    assert!(verso.contains(&format!("barometer {}", env!("CARGO_PKG_VERSION"))) && verso.contains("lopdf"), "{verso}");
    assert!(pages[3].is_empty(), "a blank verso before the first chapter: {}", pages[3]);
    let doc = Document::load_mem(&r.handbook).unwrap();
    let catalog = doc.catalog().unwrap();
    assert!(catalog.get(b"ViewerPreferences").unwrap().as_dict().unwrap().get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
    assert!(catalog.get(b"MarkInfo").is_ok());
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
fn pdfs_are_laid_out_as_drafts_with_nothing_embedded_until_finished() {
    let r = rendered();
    let opts = PdfOptions::default();
    let before = fonts::embedding_passes();
    let pdf = render_chapter(&r.report, &r.report.chapters[1], &r.charts, &r.style, &opts).unwrap();
    assert_eq!(fonts::embedding_passes() - before, 0, "a settled draft is the chapter's layout");
    assert!(pdf == r.chapters[1]);
    let pdfs: BTreeMap<String, Vec<u8>> = r.report.chapters.iter().map(|c| c.id.clone()).zip(r.chapters.iter().cloned()).collect();
    let before = fonts::embedding_passes();
    let book = render_book(&r.report, "handbook", &pdfs, &r.style, &opts).unwrap();
    assert_eq!(fonts::embedding_passes() - before, 0, "a book lays its own pages out as drafts and no chapter again");
    assert!(book == r.handbook);
}

#[test]
fn a_finished_draft_is_the_file_the_embedded_fonts_lay_out() {
    // Laid out with the fonts embedded all along, the same bytes: the
    // stand-in measures as the no-break space and prints as one.
    let r = rendered();
    let opts = PdfOptions::default();
    fonts::NO_DRAFTS.set(true);
    let before = fonts::embedding_passes();
    let chapters: Vec<Vec<u8>> = r.report.chapters.iter().map(|c| render_chapter(&r.report, c, &r.charts, &r.style, &opts).unwrap()).collect();
    let pdfs: BTreeMap<String, Vec<u8>> = r.report.chapters.iter().map(|c| c.id.clone()).zip(chapters.iter().cloned()).collect();
    let book = render_book(&r.report, "handbook", &pdfs, &r.style, &opts).unwrap();
    fonts::NO_DRAFTS.set(false);
    assert!(fonts::embedding_passes() - before > r.report.chapters.len());
    assert!(r.report.chapters.iter().all(|c| c.hero.text.contains('\u{a0}')), "the sample ties numbers to their units");
    for (k, pdf) in chapters.iter().enumerate() {
        assert!(*pdf == r.chapters[k], "chapter {}", r.report.chapters[k].id);
    }
    assert!(book == r.handbook);
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
    std::fs::write(dir.join("handbook-2018-2019.pdf"), &r.edition).unwrap();
    for (c, pdf) in r.report.chapters.iter().zip(&r.chapters) {
        std::fs::write(dir.join(format!("{}.pdf", c.id)), pdf).unwrap();
    }
}

/// Times the books of a built report (`BOOKS_FROM=<outputs>`):
/// `cargo test --release --lib handbook::tests::time_books -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_books() {
    let Ok(out) = std::env::var("BOOKS_FROM") else { return };
    let out = Path::new(&out);
    let report: Report = serde_json::from_slice(&std::fs::read(out.join("model.json")).unwrap()).unwrap();
    let pdfs: BTreeMap<String, Vec<u8>> =
        report.chapters.iter().map(|c| (c.id.clone(), std::fs::read(out.join(format!("handbook/{}.pdf", c.id))).unwrap())).collect();
    let style = house_style();
    let opts = PdfOptions::default();
    for id in ["2018-2019", "handbook"] {
        let best = (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                render_book(&report, id, &pdfs, &style, &opts).unwrap();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min);
        eprintln!("book {id}: {:.0} ms", best * 1000.0);
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

/// Danish words from our text break where the Danish patterns allow;
/// numbers, tied words and short words never do.
#[test]
fn narrow_columns_hyphenate_danish_words() {
    use super::hyphen::{breaks, lines};
    let parts = |w: &str| {
        let mut out = Vec::new();
        let mut at = 0;
        for b in breaks(w) {
            out.push(&w[at..b]);
            at = b;
        }
        out.push(&w[at..]);
        out.join("-")
    };
    assert_eq!(parts("innovationsaktiviteter,"), "innova-tions-ak-ti-vi-te-ter,");
    assert_eq!(parts("Serviceinnovation"), "Ser-vi-ce-in-nova-tion");
    assert_eq!(parts("medarbejderinddragelse"), "med-ar-bej-de-rind-dra-gelse");
    // Numbers, tied words, words with a hyphen and short words stay whole.
    for whole in ["2018-2019", "n=1.877", "57\u{a0}%", "offentlige\u{a0}arbejdspladser", "forsøgs-", "ideer"] {
        assert_eq!(breaks(whole), Vec::<usize>::new(), "{whole}");
    }
    // Lines of a 48 mm side column at 8 pt, with the layout's font metrics.
    let cache = font_cache();
    let style = frame::type_style(8, house_style().palette.text, frame::LEAD_BODY);
    let measure = |s: &str| f64::from(style.str_width(&cache, s));
    let text = "Inddrag medarbejderne tidligt: medarbejderinddragelse giver flere innovationsaktiviteter, og 57\u{a0}% af arbejdspladserne gør det allerede.";
    let set = lines(text, 48.0, measure);
    assert_eq!(
        set,
        [
            "Inddrag medarbejderne tidligt: med-",
            "arbejderinddragelse giver flere",
            "innovationsaktiviteter, og 57\u{a0}% af",
            "arbejdspladserne gør det allerede.",
        ]
    );
    assert!(set.iter().all(|l| measure(l) <= 48.0));
    // Narrower, the long words break again, and never inside "57 %".
    let set = lines(text, 30.0, measure);
    assert_eq!(
        set,
        [
            "Inddrag medarbej-",
            "derne tidligt: medar-",
            "bejderinddragelse",
            "giver flere innova-",
            "tionsaktiviteter, og",
            "57\u{a0}% af arbejdsplad-",
            "serne gør det allerede.",
        ]
    );
    assert!(set.iter().all(|l| measure(l) <= 30.0));
}

/// A web address too wide for the side column is broken after its '/', '.'
/// or '-' with no hyphen added; before, genpdf printed nothing for it.
#[test]
fn a_long_address_breaks_at_its_slashes_in_the_side_column() {
    use super::hyphen::address_lines;
    let cache = font_cache();
    let style = frame::type_style(8, house_style().palette.muted, frame::LEAD_HEAD);
    let measure = |s: &str| f64::from(style.str_width(&cache, s));
    let url = "https://innovationsbarometer.coi.dk/vaerktoej/innovationspartnerskaber-en-procesmodel/";
    let set = address_lines(url, 48.0, measure);
    assert_eq!(set.concat(), url);
    assert!(set.iter().all(|l| measure(l) <= 48.0), "{set:?}");
    assert_eq!(set, ["https://innovationsbarometer.coi.", "dk/vaerktoej/", "innovationspartnerskaber-en-", "procesmodel/"]);
    // A short address is one line; a piece wider than the column is cut.
    assert_eq!(address_lines("https://www.aarhus.dk", 48.0, measure), ["https://www.aarhus.dk"]);
    let set = address_lines("https://example.dk/abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", 30.0, measure);
    assert!(set.len() >= 3 && set.iter().all(|l| measure(l) <= 30.0), "{set:?}");
    assert_eq!(set.concat(), "https://example.dk/abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
}

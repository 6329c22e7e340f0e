//! Charts drawn from the sample model (tests/fixtures/model-sample.json).

use super::*;
use crate::style::Style;
use crate::model::{Figure, FigureKind};

use crate::model::sample;

fn house() -> ChartStyle {
    let style = Style::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/style.toml"))).unwrap();
    ChartStyle::from_style(&style).unwrap()
}

/// Every chart of a report as (path, bytes), in report order, as the build names them.
fn chart_files(report: &Report, style: &ChartStyle) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for ch in &report.chapters {
        let units = std::iter::once(None).chain(ch.figures.iter().map(Some));
        for figure in units {
            let r = match figure {
                Some(f) => render_figure(report, f, style).unwrap(),
                None => render_hero(report, ch, style).unwrap(),
            };
            let stem = chart_stem(&ch.id, figure.map(|f| f.id.as_str()));
            out.push((format!("{stem}.svg"), r.svg.into_bytes()));
            out.push((format!("{stem}.png"), r.png));
            out.push((format!("{stem}-screen.png"), r.png_screen));
        }
    }
    out
}

/// Writes every sample chart to /tmp/charts-preview/ to look at; set
/// CHARTS_MODEL to a model.json to look at another model.
#[test]
#[ignore]
fn preview() {
    let report = match std::env::var("CHARTS_MODEL") {
        Ok(path) => serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap(),
        Err(_) => sample(),
    };
    let out = std::path::Path::new("/tmp/charts-preview");
    let mut style = house();
    for (dir, whiskers) in [("", false), ("whiskers", true)] {
        style.chart.whiskers = whiskers;
        for (path, bytes) in chart_files(&report, &style) {
            let p = out.join(dir).join(path.replace('/', "_"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    }
}

/// Decodes a PNG: (width, height, RGB pixels, pixels per metre).
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>, Option<png::PixelDimensions>) {
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let dims = reader.info().pixel_dims;
    (info.width, info.height, buf, dims)
}

/// Writes a 1:1 crop of the print PNG's top-left corner, to judge the type at 300 dpi.
#[test]
#[ignore]
fn preview_print_crop() {
    let r = render_figure(&sample(), &sample().chapters[0].figures[1], &house()).unwrap();
    let (w, _, px, _) = decode(&r.png);
    let (cw, ch) = (1000u32, 700u32);
    let mut crop = Vec::new();
    for y in 300..300 + ch {
        let start = (y * w * 3) as usize;
        crop.extend_from_slice(&px[start..start + (cw * 3) as usize]);
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, cw, ch);
    enc.set_color(png::ColorType::Rgb);
    enc.write_header().unwrap().write_image_data(&crop).unwrap();
    std::fs::create_dir_all("/tmp/charts-preview").unwrap();
    std::fs::write("/tmp/charts-preview/crop-1.2-print.png", out).unwrap();
}

/// A text element of an SVG with its box estimated from the font's metrics.
#[derive(Debug)]
struct Label {
    text: String,
    size: f64,
    bold: bool,
    /// left, top, right, bottom in SVG user units.
    bbox: (f64, f64, f64, f64),
}

/// An SVG parsed: canvas size, text boxes, filled rectangles (x, y, w, h, fill).
struct Parsed {
    width: f64,
    height: f64,
    title: String,
    desc: String,
    labels: Vec<Label>,
    rects: Vec<(f64, f64, f64, f64, String)>,
}

fn parse_svg(svg: &str) -> Parsed {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(root.attribute("width").unwrap().ends_with("mm"));
    let vb: Vec<f64> = root.attribute("viewBox").unwrap().split(' ').map(|v| v.parse().unwrap()).collect();
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    let child_text = |name: &str| {
        root.children().find(|n| n.tag_name().name() == name).and_then(|n| n.text()).unwrap_or("").to_string()
    };
    let (mut labels, mut rects) = (Vec::new(), Vec::new());
    let f = super::fonts::fonts();
    for n in root.descendants() {
        match n.tag_name().name() {
            "text" => {
                assert_eq!(n.attribute("dy"), Some("0.76em"));
                assert!(n.attribute("font-family").unwrap().starts_with("Open Sans"));
                let (size, bold) = (num(n, "font-size"), n.attribute("font-weight") == Some("bold"));
                let text = n.text().unwrap_or("").to_string();
                let w = f.width(&text, size, bold);
                let x = num(n, "x");
                let left = match n.attribute("text-anchor").unwrap() {
                    "start" => x,
                    "middle" => x - w / 2.0,
                    "end" => x - w,
                    other => panic!("anchor {other}"),
                };
                let base = num(n, "y") + 0.76 * size;
                let bbox = (left, base - super::fonts::ASCENT * size, left + w, base + super::fonts::DESCENT * size);
                labels.push(Label { text, size, bold, bbox });
            }
            "rect" => rects.push((
                num(n, "x"),
                num(n, "y"),
                num(n, "width"),
                num(n, "height"),
                n.attribute("fill").unwrap().to_lowercase(),
            )),
            _ => {}
        }
    }
    Parsed { width: vb[2], height: vb[3], title: child_text("title"), desc: child_text("desc"), labels, rects }
}

impl Parsed {
    /// All text, in drawing order, joined by spaces (wrapped lines rejoin).
    fn all_text(&self) -> String {
        self.labels.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ")
    }
    /// Inside the canvas and its side margins (the house margin is 4 mm = 15 px).
    fn within_margins(&self, b: (f64, f64, f64, f64)) -> bool {
        let m = super::scene::mm(house().chart.margin_mm).round();
        b.0 >= m - EPS && b.2 <= self.width - m + EPS && b.1 >= 0.0 && b.3 <= self.height
    }
    fn has_text(&self, t: &str) -> bool {
        self.labels.iter().any(|l| l.text == t)
    }
}

/// Every chart of the sample: (name, chart, the figure if not a hero).
fn every_chart(report: &Report, style: &ChartStyle) -> Vec<(String, RenderedFigure, Option<Figure>)> {
    let mut out = Vec::new();
    for c in &report.chapters {
        out.push((format!("{} hero", c.id), render_hero(report, c, style).unwrap(), None));
        for f in &c.figures {
            out.push((f.number.clone(), render_figure(report, f, style).unwrap(), Some(f.clone())));
        }
    }
    out
}

const EPS: f64 = 0.5;

fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 - EPS && b.0 < a.2 - EPS && a.1 < b.3 - EPS && b.1 < a.3 - EPS
}

#[test]
fn svgs_parse_and_carry_title_values_source_and_marker() {
    let report = sample();
    for style in [house(), {
        let mut s = house();
        s.chart.whiskers = true;
        s
    }] {
        for (name, chart, fig) in every_chart(&report, &style) {
            let svg = parse_svg(&chart.svg);
            let text = svg.all_text();
            assert!(text.contains("Syntetiske data"), "{name}: no synthetic-data marker");
            assert!(svg.desc.contains("Syntetiske data"), "{name}");
            let Some(fig) = fig else {
                let hero = &report.chapters.iter().find(|c| name.starts_with(&c.id)).unwrap().hero;
                assert!(svg.has_text(&hero.text), "{name}: hero number");
                assert!(text.contains(&hero.sentence), "{name}: {text}");
                assert!(text.contains(&format!("n={}", crate::text::thousands(hero.value.n))), "{name}");
                continue;
            };
            assert_eq!(svg.title, fig.title);
            assert!(text.contains(&fig.title), "{name}: title not drawn in {text}");
            assert!(text.contains(&fig.subtitle), "{name}: subtitle");
            assert!(text.contains(&format!("{} · n={}", fig.source, crate::text::thousands(fig.n))), "{name}: foot");
            for bar in &fig.bars {
                assert!(svg.has_text(&bar.label), "{name}: value {} not printed", bar.label);
                assert!(svg.desc.contains(&bar.label), "{name}: value {} not in <desc>", bar.label);
                // Tiles and columns wrap their words too.
                let label = if fig.kind == FigureKind::Stacked { &bar.group } else { &bar.series };
                assert!(text.contains(label.as_str()), "{name}: label {label}");
            }
        }
    }
}

#[test]
fn the_sample_prints_the_values_it_should() {
    let report = sample();
    let style = house();
    let chart = |id: &str| {
        let f = report.chapters.iter().flat_map(|c| &c.figures).find(|f| f.id == id).unwrap();
        parse_svg(&render_figure(&report, f, &style).unwrap().svg)
    };
    let roles = chart("borger-roller");
    for v in ["22\u{a0}%", "42\u{a0}%", "30\u{a0}%", "57\u{a0}%"] {
        assert!(roles.labels.iter().any(|l| l.text == v && l.bold), "{v}");
    }
    assert!(roles.has_text("Kilde: Innovationsbarometeret 2018-2019 · n=1.877"));
    // The highlighted union bar is red, the three ways grey.
    let fills: Vec<&str> = roles.rects.iter().filter(|r| (r.3 - 19.0).abs() < 1.0).map(|r| r.4.as_str()).collect();
    assert_eq!(fills, ["#b3b3b3", "#b3b3b3", "#b3b3b3", "#c8102e"]);

    let facts = chart("fakta-2015");
    for v in ["80\u{a0}%", "66\u{a0}%", "3 gange"] {
        let l = facts.labels.iter().find(|l| l.text == v).unwrap();
        assert_eq!(l.size, 40.0, "{v} in the facts size");
    }
}

#[test]
fn significant_differences_are_starred_and_explained() {
    let report = sample();
    let fig = &report.chapters[0].figures[1];
    let svg = parse_svg(&render_figure(&report, fig, &house()).unwrap().svg);
    let starred: Vec<&str> = svg.labels.iter().filter(|l| l.text.ends_with('*')).map(|l| l.text.as_str()).collect();
    assert_eq!(starred.len(), 3, "{starred:?}");
    assert!(starred.contains(&"Bedre kvalitet*"));
    assert!(starred.contains(&"Øget medarbejdertilfredshed*"));
    assert!(!svg.has_text("Øget effektivitet*") && svg.has_text("Øget effektivitet"));
    assert!(svg.has_text("* Forskellen er signifikant ved et signifikansniveau på 0,05."));
    // The legend names both groups.
    assert!(svg.has_text("Borgerne spiller en positiv rolle"));
    assert!(svg.has_text("Borgerne spiller ikke en positiv rolle"));
}

#[test]
fn published_bars_are_light_and_noted() {
    let report = sample();
    let fig = &report.chapters[1].figures[2];
    assert_eq!(fig.kind, FigureKind::Comparison);
    let svg = parse_svg(&render_figure(&report, fig, &house()).unwrap().svg);
    // Four Norwegian bars and the legend swatch: grey edge, light fill inside.
    let light = svg.rects.iter().filter(|r| r.4 == "#d9d9d9").count();
    assert_eq!(light, 5);
    let red = svg.rects.iter().filter(|r| r.4 == "#c8102e").count();
    assert_eq!(red, 4 + 1, "four Danish bars and their swatch: the tab is dark, red is for the highlighted series");
    assert!(svg.all_text().contains("Norge 2017 (KS): offentliggjorte tal fra KS Innovasjonsbarometer 2017."));
    assert!(svg.has_text("Forskellene er ikke signifikanstestet."));
}

#[test]
fn suppressed_estimates_say_for_faa_svar_and_draw_no_bar() {
    let report = sample();
    let fig = report.chapters[1].figures.iter().find(|f| f.id == "lille-gruppe").unwrap();
    let style = house();
    let svg = parse_svg(&render_figure(&report, fig, &style).unwrap().svg);
    let note = svg.labels.iter().find(|l| l.text == "for få svar").expect("for få svar is printed");
    assert!(!note.bold);
    assert!(svg.has_text("55\u{a0}%"));
    assert!(!svg.has_text("40\u{a0}%"), "a suppressed estimate is not shown as a number");
    // One bar only, and none on the suppressed row.
    let bars: Vec<_> = svg.rects.iter().filter(|r| (r.3 - 19.0).abs() < 1.0).collect();
    assert_eq!(bars.len(), 1);
    assert!(bars[0].1 > note.bbox.3, "the bar is below the suppressed row");
    assert!(svg.all_text().contains("færre end 30 besvarelser"));
}

#[test]
fn no_text_overlaps_text_or_shapes_or_leaves_the_canvas() {
    let report = sample();
    for style in [house(), {
        let mut s = house();
        s.chart.whiskers = true;
        s
    }] {
        for (name, chart, _) in every_chart(&report, &style) {
            let svg = parse_svg(&chart.svg);
            for (i, a) in svg.labels.iter().enumerate() {
                let b = a.bbox;
                assert!(svg.within_margins(b), "{name}: {a:?} runs into the margin or off the canvas");
                for c in &svg.labels[i + 1..] {
                    assert!(!overlap(a.bbox, c.bbox), "{name}: {:?} overlaps {:?}", a.text, c.text);
                }
                for r in &svg.rects {
                    let rb = (r.0, r.1, r.0 + r.2, r.1 + r.3);
                    let inside = b.0 >= rb.0 && b.2 <= rb.2 && b.1 >= rb.1 - EPS && b.3 <= rb.3 + EPS;
                    assert!(inside || !overlap(b, rb), "{name}: {:?} overlaps a shape at {r:?}", a.text);
                }
            }
        }
    }
}

#[test]
fn long_labels_wrap_within_their_column() {
    let report = sample();
    let style = house();
    let fig = &report.chapters[0].figures[0];
    let svg = parse_svg(&render_figure(&report, fig, &style).unwrap().svg);
    let long = "Borgerne har i nogen eller høj grad fremmet innovationen";
    let parts: Vec<&Label> = svg.labels.iter().filter(|l| long.contains(l.text.as_str()) && !l.bold).collect();
    assert!(parts.len() >= 2, "wrapped into lines: {parts:?}");
    assert_eq!(parts.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" "), long);
    let margin = super::scene::mm(style.chart.margin_mm);
    let column = (svg.width - 2.0 * margin) * style.chart.bars.label_share;
    assert!(parts.iter().all(|l| l.bbox.2 - l.bbox.0 <= column - super::scene::mm(3.0) + EPS));
}

#[test]
fn pngs_have_the_configured_size_resolution_and_content() {
    let report = sample();
    let style = house();
    for (name, chart, _) in every_chart(&report, &style) {
        let svg = parse_svg(&chart.svg);
        let (w, h, px, dims) = decode(&chart.png);
        assert_eq!(w, 1890, "{name}: 160 mm at 300 dpi");
        assert_eq!(h, (svg.height * 1890.0 / svg.width).round() as u32, "{name}: aspect as the SVG");
        let dims = dims.expect("pHYs");
        assert_eq!((dims.xppu, dims.yppu, dims.unit), (11811, 11811, png::Unit::Meter));
        let (sw, sh, spx, _) = decode(&chart.png_screen);
        assert_eq!(sw, 1200);
        assert_eq!(sh, (svg.height * 1200.0 / svg.width).round() as u32, "{name}");
        for (px, what) in [(&px, "print"), (&spx, "screen")] {
            let pixels: Vec<&[u8]> = px.chunks(3).collect();
            let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
            let red = pixels.iter().filter(|p| **p == [0xc8, 0x10, 0x2e]).count();
            let ink = pixels.len() - white;
            assert!(ink * 50 > pixels.len(), "{name} {what}: only {ink} inked pixels");
            assert!(white * 2 > pixels.len(), "{name} {what}: a white page with ink on it");
            // Red is the highlighted series and the hero only, where the SVG has it.
            assert_eq!(red > 0, chart.svg.to_lowercase().contains("#c8102e"), "{name} {what}: the accent is drawn where the chart has it");
        }
    }
}

#[test]
fn rendering_twice_gives_the_same_bytes_under_stable_names() {
    let report = sample();
    let style = house();
    let a = chart_files(&report, &style);
    let b = chart_files(&report, &style);
    assert!(a == b);
    assert_eq!(a.len(), 3 * (2 + 8));
    let paths: Vec<&str> = a.iter().take(6).map(|f| f.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "charts/borgere-2018/hero.svg",
            "charts/borgere-2018/hero.png",
            "charts/borgere-2018/hero-screen.png",
            "charts/borgere-2018/borger-roller.svg",
            "charts/borgere-2018/borger-roller.png",
            "charts/borgere-2018/borger-roller-screen.png",
        ]
    );
}

#[test]
fn whiskers_are_off_by_default_and_drawn_when_on() {
    let report = sample();
    let fig = &report.chapters[0].figures[0];
    let mut style = house();
    assert!(!style.chart.whiskers);
    let off = parse_svg(&render_figure(&report, fig, &style).unwrap().svg);
    style.chart.whiskers = true;
    let on = parse_svg(&render_figure(&report, fig, &style).unwrap().svg);
    assert_eq!(on.rects.len(), off.rects.len() + 3 * 4, "a line and two caps per bar");
    assert!(on.has_text("Streger viser 95\u{a0}% konfidensintervaller."));
    assert!(!off.all_text().contains("konfidensinterval"));
}

#[test]
fn real_data_carry_no_synthetic_marker() {
    let mut report = sample();
    report.data_note = "Tallene er beregnet på Innovationsbarometerets mikrodata.".into();
    report.method.iter_mut().for_each(|w| w.synthetic = false);
    for f in report.chapters.iter_mut().flat_map(|c| &mut c.figures) {
        f.synthetic = false;
        f.description = crate::text::description(f, &report.words.synthetic_marker);
    }
    let chart = render_figure(&report, &report.chapters[0].figures[0], &house()).unwrap();
    assert!(!chart.svg.contains("Syntetiske data"));
}

#[test]
fn the_style_is_checked_with_file_and_line() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/style.toml"));
    let text = std::fs::read_to_string(path).unwrap();
    let chart_err = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        let style = Style::parse(text.replace(from, to), path).unwrap();
        ChartStyle::from_style(&style).unwrap_err().to_string()
    };
    let err = chart_err("whiskers = false", "whisker = false");
    assert!(err.starts_with(&format!("{}: TOML parse error at line", path.display())) && err.contains("whisker"), "{err}");
    assert_eq!(
        chart_err("print_dpi = 300", "print_dpi = 10000000"),
        format!("{}:15: print_dpi = 10000000 is out of range; use a number from 72 to 1200", path.display())
    );
    assert!(chart_err("title = 13.0", "title = nan").contains("title = NaN is out of range"));
    let greys = Style::parse(text.replace("greys = [\"#4d4d4d\", \"#8c8c8c\", \"#b3b3b3\", \"#d9d9d9\"]", "greys = []"), path).unwrap_err();
    assert_eq!(greys.to_string(), format!("{}:5: [palette] greys has 0 colour(s); give at least two, darkest first", path.display()));
    let style = house();
    assert_eq!(style.chart.width_mm, 160.0);
    assert_eq!(style.palette.accent.hex(), "#c8102e");
}

/// The sample with the hard cases the real model brings: wide facts
/// ("3,0 gange", "100 %"), many long labels, long group names, a long source.
fn stress() -> Report {
    let mut r = sample();
    let facts = r.chapters[1].figures.iter_mut().find(|f| f.kind == FigureKind::Facts).unwrap();
    facts.bars[0].label = "100\u{a0}%".into();
    facts.bars[2].label = "3,0 gange".into();
    let bars = &mut r.chapters[0].figures[0];
    for i in 0..8 {
        let series = format!("Samarbejde med offentlige arbejdspladser uden for kommunen, variant {i}");
        let mut bar = bars.bars[0].clone();
        bar.series = series.clone();
        bar.value.estimate = 0.05 + 0.12 * i as f64;
        bar.label = format!("{}\u{a0}%", (bar.value.estimate * 100.0).round());
        bars.series.push(series);
        bars.bars.push(bar);
    }
    let grouped = &mut r.chapters[0].figures[1];
    let long = "Borgerne spiller ikke en positiv rolle i innovationen på arbejdspladsen";
    for b in grouped.bars.iter_mut().filter(|b| b.group == grouped.groups[1]) {
        b.group = long.into();
    }
    grouped.groups[1] = long.into();
    let comparison = r.chapters[1].figures.iter_mut().find(|f| f.kind == FigureKind::Comparison).unwrap();
    comparison.source =
        "Kilde: Innovationsbarometeret 2015-2016 og KS' innovationsbarometer for kommunesektoren 2017".into();
    r
}

#[test]
fn hard_cases_still_fit_without_overlaps() {
    let report = stress();
    for style in [house(), {
        let mut s = house();
        s.chart.whiskers = true;
        s
    }] {
        for (name, chart, fig) in every_chart(&report, &style) {
            let svg = parse_svg(&chart.svg);
            for (i, a) in svg.labels.iter().enumerate() {
                let b = a.bbox;
                assert!(svg.within_margins(b), "{name}: {a:?} runs into the margin or off the canvas");
                for c in &svg.labels[i + 1..] {
                    assert!(!overlap(a.bbox, c.bbox), "{name}: {:?} overlaps {:?}", a.text, c.text);
                }
            }
            for bar in fig.iter().flat_map(|f| &f.bars) {
                assert!(svg.has_text(&bar.label), "{name}: {}", bar.label);
            }
        }
    }
    // The facts shrink together to fit the widest number.
    let facts = report.chapters[1].figures.iter().find(|f| f.kind == FigureKind::Facts).unwrap();
    let svg = parse_svg(&render_figure(&report, facts, &house()).unwrap().svg);
    let sizes: Vec<f64> = ["100\u{a0}%", "66\u{a0}%", "3,0 gange"]
        .iter()
        .map(|v| svg.labels.iter().find(|l| l.text == *v).unwrap().size)
        .collect();
    assert!(sizes[0] < 40.0 && sizes.iter().all(|s| *s == sizes[0]), "{sizes:?}");
}

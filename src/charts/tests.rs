//! Charts drawn from the sample model (tests/fixtures/model-sample.json).

use super::*;

fn sample() -> Report {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model-sample.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn house() -> ChartStyle {
    ChartStyle::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/style.toml"))).unwrap()
}

/// Writes every sample chart to /tmp/charts-preview/ to look at.
#[test]
#[ignore]
fn preview() {
    let out = std::path::Path::new("/tmp/charts-preview");
    let mut style = house();
    for (dir, whiskers) in [("", false), ("whiskers", true)] {
        style.chart.whiskers = whiskers;
        for f in render_report(&sample(), &style).unwrap() {
            let p = out.join(dir).join(f.path.replace('/', "_"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, f.bytes).unwrap();
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

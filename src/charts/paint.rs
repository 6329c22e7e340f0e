//! Draws a scene with plotters: an SVG with real, editable text and PNGs
//! encoded deterministically with their physical resolution (pHYs).

use crate::error::{Error, Fail, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts::{SVG_FAMILY, fonts};
use super::scene::{Anchor, Item, Scene, TextRun};
use super::style::Rgb;

/// Plotters' SVG text sits its baseline this far below `y` (its `dy` for
/// top-anchored text).
const SVG_TOP_DY: f64 = 0.76;

fn colour(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Render(format!("plotters: {e:?}"))
}

/// Layout pixels to device pixels, rounded so that touching shapes stay touching.
fn px(v: f64, scale: f64) -> i32 {
    (v * scale).round() as i32
}

fn draw_rect<DB: DrawingBackend>(db: &mut DB, scale: f64, item: &Item) -> Result<()> {
    if let Item::Rect { x, y, w, h, fill } = *item {
        let (x0, y0) = (px(x, scale), px(y, scale));
        // At least one device pixel, so hairlines never vanish.
        let x1 = px(x + w, scale).max(x0 + 1);
        let y1 = px(y + h, scale).max(y0 + 1);
        db.draw_rect((x0, y0), (x1, y1), &colour(fill), true).map_err(err)?;
    }
    Ok(())
}

/// Lines and dots, scaled to device pixels (at least one pixel wide).
fn draw_shape<DB: DrawingBackend>(db: &mut DB, scale: f64, item: &Item) -> Result<()> {
    match *item {
        Item::Line { x0, y0, x1, y1, width, color } => {
            let style = ShapeStyle { color: colour(color).to_rgba(), filled: false, stroke_width: ((width * scale).round() as u32).max(1) };
            db.draw_line((px(x0, scale), px(y0, scale)), (px(x1, scale), px(y1, scale)), &style).map_err(err)
        }
        Item::Dot { x, y, r, fill } => {
            let radius = ((r * scale).round() as u32).max(1);
            db.draw_circle((px(x, scale), px(y, scale)), radius, &colour(fill).filled(), true).map_err(err)
        }
        _ => Ok(()),
    }
}

/// SVG text: one <text> element per run, em size exact in the file.
fn svg_text(db: &mut SVGBackend, t: &TextRun) -> Result<()> {
    let weight = if t.bold { FontStyle::Bold } else { FontStyle::Normal };
    // Plotters writes font-size as size / 1.24; find the size that prints
    // exactly as the em size we mean.
    let mut size = t.size * 1.24;
    for _ in 0..8 {
        let printed = size / 1.24;
        if printed == t.size {
            break;
        }
        size = if printed < t.size { size.next_up() } else { size.next_down() };
    }
    let h = match t.anchor {
        Anchor::Start => HPos::Left,
        Anchor::Middle => HPos::Center,
        Anchor::End => HPos::Right,
    };
    let fill = colour(t.color);
    let style = TextStyle::from((FontFamily::Name(SVG_FAMILY), size, weight).into_font())
        .color(&fill)
        .pos(Pos::new(h, VPos::Top));
    let pos: (i32, i32) = (t.x.round() as i32, (t.y - SVG_TOP_DY * t.size).round() as i32);
    db.draw_text(&t.text, &style, pos).map_err(err)
}

/// A glyph as plotters' ab_glyph backend rasterises it, kept per thread:
/// a chart's labels repeat the same few glyphs at the same sizes, and
/// outlining and filling each again was most of a PNG's text cost.
struct Raster {
    /// Top-left pixel offset of the glyph's outline (its side bearing and height).
    offset: (i32, i32),
    /// The row at which plotters puts the outline's top, relative to where it was asked to draw.
    shift: i32,
    /// Coverage of each pixel the outline covers at all, in plotters' order
    /// (a pixel of no coverage draws nothing).
    cover: Vec<(i16, i16, f32)>,
}

/// Glyphs kept per thread, and the pixels they hold; past [`RASTER_PIXELS`]
/// the cache starts again, so memory stays bounded whatever the sizes.
type Rasters = (std::collections::HashMap<(bool, u32, char), Option<std::rc::Rc<Raster>>>, usize);
const RASTER_PIXELS: usize = 1 << 18;

thread_local! {
    static RASTERS: std::cell::RefCell<Rasters> = Default::default();
}

/// The glyph `c` at plotters' size `px_scale` (None if it has no outline).
fn raster(c: char, px_scale: f32, bold: bool) -> Option<std::rc::Rc<Raster>> {
    RASTERS.with_borrow_mut(|(cache, pixels)| {
        let key = (bold, px_scale.to_bits(), c);
        if let Some(g) = cache.get(&key) {
            return g.clone();
        }
        let g = {
            use ab_glyph::Font as _;
            let font = fonts().font(bold);
            font.outline_glyph(font.glyph_id(c).with_scale(px_scale)).map(|outline| {
                let b = outline.px_bounds();
                let mut cover = Vec::new();
                outline.draw(|x, y, a| {
                    if a > 0.0 {
                        cover.push((x as i16, y as i16, a));
                    }
                });
                std::rc::Rc::new(Raster { offset: (b.min.x as i32, b.min.y as i32), shift: (px_scale / 2.0 + b.min.y) as i32, cover })
            })
        };
        *pixels += g.as_ref().map_or(0, |g| g.cover.len());
        if *pixels > RASTER_PIXELS {
            cache.clear();
            *pixels = 0;
        }
        cache.insert(key, g.clone());
        g
    })
}

/// Bitmap text: glyph by glyph at positions measured with the font, since
/// plotters' own run drops each glyph's side bearing. Each glyph's pixels
/// are blended as plotters' `draw_text` blends them (the same coverage,
/// the same colour mix), from [`raster`]'s cache.
fn bitmap_text(db: &mut BitMapBackend, t: &TextRun, scale: f64) -> Result<()> {
    let f = fonts();
    let size = t.size * scale;
    let width = f.width(&t.text, size, t.bold);
    let mut pen = t.x * scale
        - match t.anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => width / 2.0,
            Anchor::End => width,
        };
    let base = (t.y * scale).round() as i32;
    let px_scale = f.px_scale(size, t.bold) as f32;
    let fill = colour(t.color).to_backend_color();
    let mut prev = None;
    for c in t.text.chars() {
        let advance = f.advance(prev, c, size, t.bold);
        let kern = advance - f.advance(None, c, size, t.bold);
        pen += kern;
        if let Some(g) = raster(c, px_scale, t.bold) {
            let (dx, dy) = g.offset;
            // Plotters puts the glyph's top-left pixel at
            // pos + (0, trunc(px_scale / 2 + dy)); undo that offset.
            let plotters_dy = (px_scale / 2.0 + dy as f32) as i32;
            let (x0, y0) = (pen.round() as i32 + dx, base + dy - plotters_dy + g.shift);
            for &(x, y, a) in &g.cover {
                db.draw_pixel((x0 + i32::from(x), y0 + i32::from(y)), fill.mix(a as f64)).map_err(err)?;
            }
        }
        pen += advance - kern;
        prev = Some(c);
    }
    Ok(())
}

/// The scene as an SVG document: sized in millimetres, with <title> and
/// <desc>, text as editable <text> elements in the named font family.
pub fn svg(scene: &Scene) -> Result<String> {
    let (w, h) = (scene.width.round() as u32, scene.height.round() as u32);
    let mut body = String::new();
    {
        let mut db = SVGBackend::with_string(&mut body, (w, h));
        for item in &scene.items {
            match item {
                Item::Rect { .. } => draw_rect(&mut db, 1.0, item)?,
                Item::Text(t) => svg_text(&mut db, t)?,
                Item::Line { .. } | Item::Dot { .. } => draw_shape(&mut db, 1.0, item)?,
            }
        }
        db.present().map_err(err)?;
    }
    // Replace plotters' root element with one that carries the physical
    // size, the language and the accessible name.
    let rest = body.split_once(">\n").map(|(_, rest)| rest).or_render("plotters wrote no <svg> root")?;
    // Plotters puts a text's content on its own line; keep it on the tag's
    // line so no renderer sees a leading space.
    let mut lines = rest.lines().peekable();
    let mut joined = String::with_capacity(rest.len());
    while let Some(line) = lines.next() {
        joined.push_str(line);
        if !line.starts_with("<text") && lines.peek() != Some(&"</text>") {
            joined.push('\n');
        }
    }
    let mm = |v: u32| format!("{:.2}mm", v as f64 * 25.4 / 96.0);
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {w} {h}\" \
         xml:lang=\"da\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">\n\
         <title id=\"chart-title\">{}</title>\n<desc id=\"chart-desc\">{}</desc>\n{joined}",
        mm(w),
        mm(h),
        xml_escape(&scene.title),
        xml_escape(&scene.desc),
    ))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The scene as a PNG `width_px` wide, tagged with `dpi`.
pub fn png(scene: &Scene, width_px: u32, dpi: f64, background: Rgb) -> Result<Vec<u8>> {
    let scale = width_px as f64 / scene.width.round();
    let (w, h) = (width_px, (scene.height.round() * scale).round() as u32);
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let mut db = BitMapBackend::with_buffer(&mut pixels, (w, h));
        db.draw_rect((0, 0), (w as i32, h as i32), &colour(background), true).map_err(err)?;
        for item in &scene.items {
            match item {
                Item::Rect { .. } => draw_rect(&mut db, scale, item)?,
                Item::Text(t) => bitmap_text(&mut db, t, scale)?,
                Item::Line { .. } | Item::Dot { .. } => draw_shape(&mut db, scale, item)?,
            }
        }
        db.present().map_err(err)?;
    }
    encode_png(&pixels, w, h, dpi, scene)
}

fn encode_png(pixels: &[u8], w: u32, h: u32, dpi: f64, scene: &Scene) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Charts are flat colour: fast deflate is nearly as small and many times quicker.
    enc.set_compression(png::Compression::Fast);
    let per_metre = (dpi / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions { xppu: per_metre, yppu: per_metre, unit: png::Unit::Meter }));
    // The finding and the numbers travel with the picture (iTXt is UTF-8).
    enc.add_itxt_chunk("Title".into(), scene.title.clone()).or_render("PNG title")?;
    enc.add_itxt_chunk("Description".into(), scene.desc.clone()).or_render("PNG description")?;
    let mut writer = enc.write_header().or_render("PNG header")?;
    writer.write_image_data(pixels).or_render("PNG data")?;
    writer.finish().or_render("PNG end")?;
    Ok(out)
}

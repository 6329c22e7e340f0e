//! One layout per figure kind, all finished by the same frame: a dark tab,
//! left-aligned title (the finding), subtitle (what is measured), the body,
//! notes, and the source line with n at the foot.

use crate::model::{Bar, Chapter, Figure, FigureKind, Report};
use crate::text::{claim_sentence, claims, pct, printed, sentences};

use super::fonts::{ASCENT, CAP_HEIGHT, DESCENT};
use super::scene::{Anchor, Ctx, Font, Scene, mm};
use super::style::{ChartStyle, Rgb};


/// How a bar is filled: solid, or light with an edge (published aggregates).
#[derive(Debug, Clone, Copy)]
enum Look {
    Solid(Rgb),
    Open { fill: Rgb, edge: Rgb },
}

/// A legend entry.
struct Key {
    look: Look,
    label: String,
}


/// The axis end: 100 % for shares, so that a bar's length reads as a share
/// of the whole in every figure alike; a round number for ratios.
fn nice_max(v: f64) -> f64 {
    if v <= 1.0 {
        1.0
    } else {
        let step = 10f64.powf(v.log10().floor());
        (v / step - 1e-9).ceil() * step
    }
}

/// Text colour readable on `fill`.
fn on(fill: Rgb, p: &super::style::Palette) -> Rgb {
    let lum = 0.2126 * fill.0 as f64 + 0.7152 * fill.1 as f64 + 0.0722 * fill.2 as f64;
    if lum < 150.0 { p.background } else { p.text }
}

fn draw_look(s: &mut Scene, x: f64, y: f64, w: f64, h: f64, look: Look) {
    match look {
        Look::Solid(c) => s.rect(x, y, w, h, c),
        Look::Open { fill, edge } => {
            let e = mm(0.3);
            s.rect(x, y, w, h, edge);
            if w > 2.0 * e && h > 2.0 * e {
                s.rect(x + e, y + e, w - 2.0 * e, h - 2.0 * e, fill);
            }
        }
    }
}

impl Ctx<'_> {
    fn fonts_of(&self) -> (Font, Font, Font) {
        let (z, p) = (&self.style.chart.sizes, &self.style.palette);
        (self.font(z.label, false, p.text), self.font(z.value, true, p.text), self.font(z.note, false, p.muted))
    }

    /// Dark tab, title and subtitle; returns the y below them.
    fn header(&self, s: &mut Scene, title: &str, subtitle: &str) -> f64 {
        let (z, p) = (&self.style.chart.sizes, &self.style.palette);
        s.rect(self.left(), self.margin, mm(10.0), mm(1.2), p.text);
        let y = self.margin + mm(1.2) + mm(3.0);
        let y = self.paragraph(s, self.left(), y, title, self.font(z.title, true, p.text), self.inner());
        if subtitle.is_empty() {
            return y;
        }
        self.paragraph(s, self.left(), y + mm(1.4), subtitle, self.font(z.subtitle, false, p.muted), self.inner())
    }

    /// Swatches and labels in rows from `top`; returns the y below them.
    fn legend(&self, s: &mut Scene, top: f64, keys: &[Key]) -> f64 {
        if keys.is_empty() {
            return top;
        }
        let (label, _, _) = self.fonts_of();
        let (sw, gap, between) = (mm(3.0), mm(1.5), mm(5.0));
        let row_h = self.line(label).max(sw);
        let (mut x, mut y) = (self.left(), top);
        for k in keys {
            let w = sw + gap + self.measure(&k.label, label);
            if x > self.left() && x + w > self.left() + self.inner() {
                x = self.left();
                y += row_h + mm(1.0);
            }
            let centre = y + row_h / 2.0;
            draw_look(s, x, centre - sw / 2.0, sw, sw, k.look);
            s.text(
                x + sw + gap,
                centre + CAP_HEIGHT * label.size / 2.0,
                &k.label,
                label.size,
                false,
                label.color,
                Anchor::Start,
            );
            x += w + between;
        }
        y + row_h
    }

    /// Notes, then "Kilde: … · n=1.877" with the synthetic-data marker at
    /// the right; returns the canvas height.
    /// The notes under a bare chart; returns the chart's height.
    fn notes_only(&self, s: &mut Scene, top: f64, notes: &[String]) -> f64 {
        let (_, _, note) = self.fonts_of();
        let mut y = top;
        for text in notes {
            y = self.paragraph(s, self.left(), y, text, note, self.inner()) + mm(0.4);
        }
        y + mm(1.0)
    }

    fn foot(&self, s: &mut Scene, top: f64, notes: &[String], line: &str, marker: Option<&str>) -> f64 {
        let (_, _, note) = self.fonts_of();
        let p = &self.style.palette;
        let mut y = top;
        for text in notes {
            y = self.paragraph(s, self.left(), y, text, note, self.inner()) + mm(0.4);
        }
        y += mm(1.6);
        let mut base = y + ASCENT * note.size;
        s.text(self.left(), base, line, note.size, false, note.color, Anchor::Start);
        if let Some(m) = marker {
            let wide = self.measure(line, note) + mm(6.0) + self.fonts.width(m, note.size, true) <= self.inner();
            if !wide {
                base += self.line(note);
            }
            let (x, anchor) =
                if wide { (self.left() + self.inner(), Anchor::End) } else { (self.left(), Anchor::Start) };
            s.text(x, base, m, note.size, true, p.muted, anchor);
        }
        base + DESCENT * note.size + self.margin
    }
}

/// One row of a horizontal chart: a category and its bars (one, or one per group).
struct Row<'a> {
    label: String,
    bars: Vec<&'a Bar>,
}

fn find<'a>(fig: &'a Figure, series: &str, group: &str) -> Option<&'a Bar> {
    fig.bars.iter().find(|b| b.series == series && b.group == group)
}

/// Horizontal bars: wrapped labels at the left, the value printed after
/// each bar, a zero line, no grid.
fn hbars(ctx: &Ctx, s: &mut Scene, top: f64, rows: &[Row], thickness: f64, look: &dyn Fn(usize, &Bar) -> Look) -> f64 {
    let (label_f, value_f, _) = ctx.fonts_of();
    let p = &ctx.style.palette;
    let muted = Font { bold: false, color: p.muted, ..value_f };
    let whiskers = ctx.style.chart.whiskers;
    let label_w = ctx.inner() * ctx.style.chart.bars.label_share;
    let pad = mm(1.5);
    let all = || rows.iter().flat_map(|r| r.bars.iter().copied());
    let value_w = all()
        .map(|b| if b.value.suppressed { ctx.measure(printed(b), muted) } else { ctx.measure(printed(b), value_f) })
        .fold(0.0, f64::max);
    let bar_x = ctx.left() + label_w;
    let bar_w = ctx.inner() - label_w - value_w - pad;
    let top_value = |b: &Bar| if whiskers { b.value.ci_high.unwrap_or(b.value.estimate) } else { b.value.estimate };
    let dmax = nice_max(all().filter(|b| !b.value.suppressed).map(top_value).fold(0.0, f64::max));
    let x_of = |v: f64| bar_x + bar_w * (v / dmax).clamp(0.0, 1.0);
    let grouped = rows.iter().any(|r| r.bars.len() > 1);
    let row_gap = mm(ctx.style.chart.bars.row_gap_mm) * if grouped { 1.6 } else { 1.0 };
    let inner_gap = mm(0.5);
    let mut y = top;
    for row in rows {
        let lines = ctx.wrap(&row.label, label_f, label_w - mm(3.0));
        let nb = row.bars.len().max(1) as f64;
        let block = nb * thickness + (nb - 1.0) * inner_gap;
        let label_h = (lines.len() - 1) as f64 * ctx.line(label_f) + (ASCENT + DESCENT) * label_f.size;
        let row_h = block.max(label_h);
        let centre = y + row_h / 2.0;
        ctx.lines_centred(s, ctx.left(), centre, &lines, label_f, Anchor::Start);
        let mut by = centre - block / 2.0;
        for (j, bar) in row.bars.iter().enumerate() {
            let cy = by + thickness / 2.0;
            let base = cy + CAP_HEIGHT * value_f.size / 2.0;
            if bar.value.suppressed {
                s.text(bar_x + pad, base, printed(bar), muted.size, false, muted.color, Anchor::Start);
            } else {
                let end = x_of(bar.value.estimate);
                draw_look(s, bar_x, by, end - bar_x, thickness, look(j, bar));
                let mut text_x = end;
                if let (true, Some(lo), Some(hi)) = (whiskers, bar.value.ci_low, bar.value.ci_high) {
                    let (x0, x1, t) = (x_of(lo), x_of(hi), mm(0.3));
                    s.rect(x0, cy - t / 2.0, x1 - x0, t, p.text);
                    s.rect(x0 - t / 2.0, cy - thickness / 4.0, t, thickness / 2.0, p.text);
                    s.rect(x1 - t / 2.0, cy - thickness / 4.0, t, thickness / 2.0, p.text);
                    text_x = text_x.max(x1);
                }
                s.text(text_x + pad, base, printed(bar), value_f.size, true, value_f.color, Anchor::Start);
            }
            by += thickness + inner_gap;
        }
        y += row_h + row_gap;
    }
    y -= row_gap;
    // The zero line the bars grow from.
    s.rect(bar_x - mm(0.3), top - mm(1.0), mm(0.3), y - top + mm(2.0), p.text);
    y
}

/// Rows of a grouped figure: series, each with a bar per group.
fn series_rows<'a>(fig: &'a Figure, mark: &dyn Fn(&str) -> bool) -> Vec<Row<'a>> {
    fig.series
        .iter()
        .map(|series| Row {
            label: if mark(series) { format!("{series}*") } else { series.clone() },
            bars: fig.groups.iter().filter_map(|g| find(fig, series, g)).collect(),
        })
        .collect()
}

/// A colour per group: the highlighted group in the accent, the others in greys.
fn group_looks(ctx: &Ctx, fig: &Figure) -> Vec<Look> {
    let p = &ctx.style.palette;
    let mut greys = p.greys.iter().skip(1).chain(p.greys.iter()).copied();
    fig.groups
        .iter()
        .map(|g| {
            let bars: Vec<&Bar> = fig.bars.iter().filter(|b| &b.group == g).collect();
            if bars.iter().any(|b| b.is_published()) {
                Look::Open { fill: p.greys[p.greys.len() - 1], edge: p.greys[1] }
            } else if bars.iter().any(|b| b.highlight) {
                Look::Solid(p.accent)
            } else {
                Look::Solid(greys.next().unwrap_or(p.muted))
            }
        })
        .collect()
}

fn grey(ctx: &Ctx, i: usize) -> Rgb {
    let g = &ctx.style.palette.greys;
    g[i.min(g.len() - 1)]
}

/// Bars and distributions of shares: accent for the highlighted, grey for the rest.
fn single_look<'a>(ctx: &'a Ctx<'a>) -> impl Fn(usize, &Bar) -> Look + 'a {
    move |_, b| Look::Solid(if b.highlight { ctx.style.palette.accent } else { grey(ctx, 2) })
}

fn bars_body(ctx: &Ctx, s: &mut Scene, top: f64, fig: &Figure) -> f64 {
    let rows: Vec<Row> = fig
        .series
        .iter()
        .filter_map(|series| fig.bars.iter().find(|b| &b.series == series))
        .map(|b| Row { label: b.series.clone(), bars: vec![b] })
        .collect();
    let thickness = mm(ctx.style.chart.bars.thickness_mm);
    hbars(ctx, s, top, &rows, thickness, &single_look(ctx))
}

fn grouped_body(ctx: &Ctx, s: &mut Scene, top: f64, fig: &Figure, looks: &[Look]) -> f64 {
    let significant = |series: &str| fig.tests.iter().any(|t| t.series == series && t.significant);
    let rows = series_rows(fig, &significant);
    let p = &ctx.style.palette;
    let look = |j: usize, b: &Bar| match looks.get(j) {
        Some(Look::Solid(_)) if b.highlight => Look::Solid(p.accent),
        Some(l) => *l,
        None => Look::Solid(grey(ctx, 2)),
    };
    hbars(ctx, s, top, &rows, mm(ctx.style.chart.bars.group_thickness_mm), &look)
}

/// Stacked shares of a whole on a 0-100 % scale with light quarter lines;
/// a value sits inside its segment, or above it where the segment is too narrow.
fn stacked_body(ctx: &Ctx, s: &mut Scene, top: f64, fig: &Figure, looks: &[Look]) -> f64 {
    let (label_f, value_f, note_f) = ctx.fonts_of();
    let p = &ctx.style.palette;
    let first_item = s.items.len();
    // One ungrouped bar has no label: it takes the whole width.
    let label_w = if fig.groups.is_empty() { 0.0 } else { ctx.inner() * ctx.style.chart.bars.label_share };
    // Room for half of the "0 %" and "100 %" tick labels centred under the bar's ends.
    let label_w = label_w.max(ctx.measure("0\u{a0}%", note_f) / 2.0);
    let bar_x = ctx.left() + label_w;
    let bar_w = ctx.inner() - label_w - ctx.measure("100\u{a0}%", note_f) / 2.0;
    let thickness = mm(ctx.style.chart.bars.thickness_mm) * 1.6;
    let pad = mm(1.2);
    let groups: Vec<&str> =
        if fig.groups.is_empty() { vec![""] } else { fig.groups.iter().map(String::as_str).collect() };
    let above_h = ctx.line(value_f) + mm(0.5);
    let mut y = top;
    let mut gridded = Vec::new();
    for g in groups {
        // Which values fit inside their segment decides whether the row needs room above.
        let mut x = bar_x;
        let mut segs = Vec::new();
        for (i, series) in fig.series.iter().enumerate() {
            let Some(bar) = find(fig, series, g) else { continue };
            let w = if bar.value.suppressed { 0.0 } else { bar_w * bar.value.estimate.clamp(0.0, 1.0) };
            let inside = !bar.value.suppressed && ctx.measure(printed(bar), value_f) + 2.0 * pad <= w;
            segs.push((i, bar, x, w, inside));
            x += w;
        }
        let need_above = segs.iter().any(|s| !s.4);
        let lines = ctx.wrap(g, label_f, label_w - mm(3.0));
        let label_h = (lines.len() - 1) as f64 * ctx.line(label_f) + (ASCENT + DESCENT) * label_f.size;
        let bar_top = y + if need_above { above_h } else { 0.0 };
        let row_h = (bar_top - y + thickness).max(label_h);
        let centre = bar_top + thickness / 2.0;
        ctx.lines_centred(s, ctx.left(), centre, &lines, label_f, Anchor::Start);
        let mut free_x = bar_x;
        for (i, bar, x, w, inside) in segs {
            let look = looks.get(i).copied().unwrap_or(Look::Solid(grey(ctx, i)));
            draw_look(s, x, bar_top, w, thickness, look);
            let text = printed(bar);
            if inside {
                let fill = match look {
                    Look::Solid(c) => c,
                    Look::Open { fill, .. } => fill,
                };
                let base = centre + CAP_HEIGHT * value_f.size / 2.0;
                s.text(x + w / 2.0, base, text, value_f.size, true, on(fill, p), Anchor::Middle);
            } else {
                let tx = x.max(free_x);
                let f = if bar.value.suppressed { Font { bold: false, color: p.muted, ..value_f } } else { value_f };
                s.text(tx, bar_top - mm(1.0) - DESCENT * f.size, text, f.size, f.bold, f.color, Anchor::Start);
                free_x = tx + ctx.measure(text, f) + mm(2.0);
            }
        }
        gridded.push((bar_top, thickness));
        y += row_h + mm(ctx.style.chart.bars.row_gap_mm) * 1.6;
    }
    y -= mm(ctx.style.chart.bars.row_gap_mm) * 1.6;
    // Quarter lines behind the bars, labelled under the last bar.
    let (g0, g1) = (gridded.first().map(|g| g.0).unwrap_or(top) - mm(1.0), y + mm(1.0));
    let mut grid = Scene { width: 0.0, height: 0.0, items: Vec::new(), title: String::new(), desc: String::new() };
    for q in 0..=4 {
        let gx = bar_x + bar_w * q as f64 / 4.0;
        let (w, c) = if q == 0 { (mm(0.3), p.text) } else { (mm(0.25), p.gridline) };
        grid.rect(gx - w / 2.0, g0, w, g1 - g0, c);
        let label = format!("{}\u{a0}%", q * 25);
        grid.text(gx, g1 + mm(1.0) + ASCENT * note_f.size, &label, note_f.size, false, note_f.color, Anchor::Middle);
    }
    // Grid first so the bars cover it.
    let bars = s.items.split_off(first_item);
    s.items.extend(grid.items);
    s.items.extend(bars);
    g1 + mm(1.0) + (ASCENT + DESCENT) * note_f.size
}

/// Columns for the codes of one single-choice item, labels wrapped under them.
fn distribution_body(ctx: &Ctx, s: &mut Scene, top: f64, fig: &Figure) -> f64 {
    let (label_f, value_f, _) = ctx.fonts_of();
    let p = &ctx.style.palette;
    let bars: Vec<&Bar> = fig.series.iter().filter_map(|se| fig.bars.iter().find(|b| &b.series == se)).collect();
    let n = bars.len().max(1) as f64;
    let slot = ctx.inner() / n;
    let col_w = (slot * 0.55).min(mm(24.0));
    let whiskers = ctx.style.chart.whiskers;
    let top_value = |b: &Bar| if whiskers { b.value.ci_high.unwrap_or(b.value.estimate) } else { b.value.estimate };
    let highest = bars.iter().filter(|b| !b.value.suppressed).map(|b| top_value(b)).fold(0.0, f64::max);
    let dmax = nice_max(highest);
    // The scale is the same in every distribution; the canvas ends at the tallest column.
    let plot_h = mm(ctx.style.chart.bars.column_height_mm);
    let used_h = plot_h * (highest / dmax).clamp(0.1, 1.0);
    let base_y = top + ctx.line(value_f) + mm(1.0) + used_h;
    let y_of = |v: f64| base_y - plot_h * (v / dmax).clamp(0.0, 1.0);
    let look = single_look(ctx);
    let mut bottom = base_y;
    for (i, bar) in bars.iter().enumerate() {
        let cx = ctx.left() + slot * (i as f64 + 0.5);
        if bar.value.suppressed {
            s.text(cx, base_y - mm(2.0), printed(bar), value_f.size, false, p.muted, Anchor::Middle);
        } else {
            let yt = y_of(bar.value.estimate);
            draw_look(s, cx - col_w / 2.0, yt, col_w, base_y - yt, look(i, bar));
            let mut text_y = yt;
            if let (true, Some(lo), Some(hi)) = (whiskers, bar.value.ci_low, bar.value.ci_high) {
                let (y0, y1, t) = (y_of(hi), y_of(lo), mm(0.3));
                s.rect(cx - t / 2.0, y0, t, y1 - y0, p.text);
                s.rect(cx - col_w / 8.0, y0 - t / 2.0, col_w / 4.0, t, p.text);
                s.rect(cx - col_w / 8.0, y1 - t / 2.0, col_w / 4.0, t, p.text);
                text_y = text_y.min(y0);
            }
            s.text(
                cx,
                text_y - mm(1.2) - DESCENT * value_f.size,
                printed(bar),
                value_f.size,
                true,
                value_f.color,
                Anchor::Middle,
            );
        }
        let lines = ctx.wrap(&bar.series, label_f, slot - mm(4.0));
        bottom = bottom.max(ctx.lines_from_top(s, cx, base_y + mm(2.0), &lines, label_f, Anchor::Middle));
    }
    s.rect(ctx.left(), base_y, ctx.inner(), mm(0.3), p.text);
    bottom
}

/// Headline numbers as tiles: a short red rule, the big number, the words it completes.
fn facts_body(ctx: &Ctx, s: &mut Scene, top: f64, fig: &Figure) -> f64 {
    let (z, p) = (&ctx.style.chart.sizes, &ctx.style.palette);
    let bars: Vec<&Bar> = fig.series.iter().filter_map(|se| fig.bars.iter().find(|b| &b.series == se)).collect();
    let per_row = bars.len().clamp(1, 3);
    let gap = mm(6.0);
    let tile_w = (ctx.inner() - gap * (per_row - 1) as f64) / per_row as f64;
    let label = ctx.font(z.label + 1.0, false, p.text);
    // One size for every tile, small enough that the widest number fits its tile.
    let mut fact = ctx.font(z.fact, true, p.text);
    let widest = bars.iter().filter(|b| !b.value.suppressed).map(|b| ctx.measure(printed(b), fact)).fold(0.0, f64::max);
    if widest > tile_w - mm(1.0) {
        fact.size = (fact.size * (tile_w - mm(1.0)) / widest * 100.0).floor() / 100.0;
    }
    let mut y = top + mm(1.0);
    for chunk in bars.chunks(per_row) {
        let mut bottom = y;
        for (i, bar) in chunk.iter().enumerate() {
            let x = ctx.left() + i as f64 * (tile_w + gap);
            s.rect(x, y, tile_w, mm(0.3), p.gridline);
            s.rect(x, y - mm(0.3), mm(12.0), mm(0.9), if bar.highlight { p.accent } else { p.greys[0] });
            let number = if bar.value.suppressed {
                ctx.font(z.subtitle, false, p.muted)
            } else {
                Font { color: if bar.highlight { p.accent } else { p.text }, ..fact }
            };
            let below = ctx.lines_from_top(s, x, y + mm(3.0), &[printed(bar).to_string()], number, Anchor::Start);
            let end = ctx.paragraph(s, x, below + mm(0.5), &bar.series, label, tile_w - mm(2.0));
            bottom = bottom.max(end);
        }
        y = bottom + mm(5.0);
    }
    y - mm(5.0)
}

/// The number the title speaks of where no bar prints it ("tre ud af ti"
/// over segments of 6 % and 24 %): "Tre ud af ti: 30 %" under the body, so
/// every chart shows the number its title claims.
fn claim_note(fig: &Figure) -> Option<String> {
    let claim = fig.claim?;
    let words = claims(&fig.title).into_iter().next()?;
    let shown = pct(claim);
    if fig.bars.iter().any(|b| b.label == shown) {
        return None;
    }
    Some(claim_sentence(&words.words, claim))
}

/// How much of the finishing a chart carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Title, subtitle, notes, source line and n: a chart that stands alone.
    Full,
    /// The body and its notes only: the handbook sets title, subtitle,
    /// caption and source as text around it.
    Bare,
}

/// The whole chart of one figure.
pub fn figure_scene(report: &Report, fig: &Figure, style: &ChartStyle) -> Scene {
    figure_scene_framed(report, fig, style, Framing::Full)
}

/// The chart of one figure with the given framing.
pub fn figure_scene_framed(report: &Report, fig: &Figure, style: &ChartStyle, framing: Framing) -> Scene {
    let ctx = Ctx::new(style, style.chart.width_mm);
    let marker = fig.synthetic.then_some(report.words.synthetic_marker.as_str());
    let mut s =
        Scene { width: ctx.width, height: 0.0, items: Vec::new(), title: fig.title.clone(), desc: String::new() };
    let mut y = match framing {
        Framing::Full => ctx.header(&mut s, &fig.title, &fig.subtitle) + mm(4.0),
        Framing::Bare => ctx.margin.max(mm(2.0)),
    };
    let mut notes = fig.notes.clone();
    let looks = group_looks(&ctx, fig);
    let keys = |names: &[String], looks: &[Look]| -> Vec<Key> {
        names.iter().zip(looks).map(|(n, l)| Key { look: *l, label: n.clone() }).collect()
    };
    match fig.kind {
        FigureKind::Bars => y = bars_body(&ctx, &mut s, y + mm(1.0), fig),
        FigureKind::Distribution => y = distribution_body(&ctx, &mut s, y, fig),
        FigureKind::Facts => y = facts_body(&ctx, &mut s, y + mm(1.0), fig),
        FigureKind::Trend => y = super::trend::body(&ctx, &mut s, y + mm(1.0), fig),
        FigureKind::Grouped | FigureKind::Comparison => {
            y = ctx.legend(&mut s, y, &keys(&fig.groups, &looks)) + mm(4.0);
            y = grouped_body(&ctx, &mut s, y, fig, &looks);
        }
        FigureKind::Stacked => {
            let series_looks: Vec<Look> = fig
                .series
                .iter()
                .enumerate()
                .map(|(i, se)| {
                    let hl = fig.bars.iter().any(|b| &b.series == se && b.highlight);
                    Look::Solid(if hl { style.palette.accent } else { grey(&ctx, i) })
                })
                .collect();
            y = ctx.legend(&mut s, y, &keys(&fig.series, &series_looks)) + mm(4.0);
            y = stacked_body(&ctx, &mut s, y, fig, &series_looks);
        }
    }
    if let Some(note) = claim_note(fig) {
        let f = ctx.font(style.chart.sizes.value, true, style.palette.text);
        s.rect(ctx.left(), y + mm(3.0), mm(6.0), mm(0.3), style.palette.text);
        y = ctx.paragraph(&mut s, ctx.left(), y + mm(4.2), &note, f, ctx.inner());
    }
    // Whiskers are the style's choice: their note follows the model's notes.
    // A trend chart always draws its intervals.
    let whiskers = (style.chart.whiskers && fig.kind != FigureKind::Facts) || fig.kind == FigureKind::Trend;
    if whiskers {
        notes.push(report.words.whiskers_note.clone());
    }
    s.height = match framing {
        Framing::Full => ctx.foot(&mut s, y + mm(4.0), &notes, &fig.source_line, marker),
        Framing::Bare => ctx.notes_only(&mut s, y + mm(4.0), &notes),
    };
    s.desc = if whiskers { sentences(&[fig.description.clone(), report.words.whiskers_note.clone()]) } else { fig.description.clone() };
    s
}

/// The chapter's hero number as a tile: theme, big red number, its sentence.
pub fn hero_scene(report: &Report, chapter: &Chapter, style: &ChartStyle) -> Scene {
    let ctx = Ctx::new(style, style.chart.hero_width_mm);
    let marker = chapter.synthetic.then_some(report.words.synthetic_marker.as_str());
    let (z, p) = (&style.chart.sizes, &style.palette);
    let hero = &chapter.hero;
    let title = format!("{}: {} {}", chapter.title, hero.text, hero.sentence);
    let mut s = Scene { width: ctx.width, height: 0.0, items: Vec::new(), title: title.clone(), desc: String::new() };
    let y = ctx.header(&mut s, &chapter.title, &chapter.period) + mm(6.0);
    let (number, number_f) = if hero.value.suppressed {
        (report.words.too_few.clone(), ctx.font(z.title, false, p.muted))
    } else {
        (hero.text.clone(), ctx.font(z.hero, true, p.accent))
    };
    let sentence_f = ctx.font(z.title + 1.0, false, p.text);
    let number_base = y + CAP_HEIGHT * number_f.size;
    s.text(ctx.left(), number_base, &number, number_f.size, true, number_f.color, Anchor::Start);
    let number_w = ctx.measure(&number, number_f);
    let side = ctx.inner() - number_w - mm(5.0);
    let bottom = if side >= mm(55.0) {
        // The sentence completes the number, so it ends on the number's baseline.
        let lines = ctx.wrap(&hero.sentence, sentence_f, side);
        let first = number_base - (lines.len() - 1) as f64 * ctx.line(sentence_f);
        let x = ctx.left() + number_w + mm(5.0);
        for (i, l) in lines.iter().enumerate() {
            s.text(
                x,
                first + i as f64 * ctx.line(sentence_f),
                l,
                sentence_f.size,
                false,
                sentence_f.color,
                Anchor::Start,
            );
        }
        number_base + DESCENT * number_f.size
    } else {
        let below = number_base + DESCENT * number_f.size + mm(1.0);
        ctx.paragraph(&mut s, ctx.left(), below, &hero.sentence, sentence_f, ctx.inner())
    };
    s.height = ctx.foot(&mut s, bottom + mm(4.0), &[], &chapter.source_line, marker);
    let mut parts = vec![title, chapter.source_line.clone()];
    parts.extend(marker.map(str::to_string));
    s.desc = sentences(&parts);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_on_a_round_number() {
        assert_eq!(nice_max(0.57), 1.0);
        assert_eq!(nice_max(0.03), 1.0);
        assert_eq!(nice_max(3.0), 3.0);
        assert_eq!(nice_max(3.2), 4.0);
        assert_eq!(nice_max(0.0), 1.0);
    }
}

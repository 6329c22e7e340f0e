//! The trend chart: one small multiple per series, a dot per edition with
//! its confidence interval, the value above and the edition and n below.
//! Editions with the same definition are joined by a line; where the
//! definition changed, the points stand alone with "≠" between them. Every
//! panel shares the editions' positions and the 0-100 % scale, so panels
//! read against each other.

use crate::model::{Bar, Figure, TrendPoint};
use crate::text::{printed, superscript};

use super::fonts::{ASCENT, CAP_HEIGHT, DESCENT};
use super::scene::{Anchor, Ctx, Scene, mm};

/// Panels per row: three, or fewer where there are fewer series.
fn columns(series: usize) -> usize {
    series.clamp(1, 3)
}

/// Draws the panels from `top`; returns the y below them.
pub fn body(ctx: &Ctx, s: &mut Scene, top: f64, fig: &Figure) -> f64 {
    let Some(trend) = &fig.trend else { return top };
    let (z, p) = (&ctx.style.chart.sizes, &ctx.style.palette);
    let title_f = ctx.font(z.label, true, p.text);
    let value_f = ctx.font(z.label, true, p.text);
    let small = ctx.font(z.note, false, p.muted);
    let tick_f = ctx.font(z.note, false, p.muted);
    let cols = columns(fig.series.len());
    let axis_w = ctx.measure("100\u{a0}%", tick_f) + mm(1.5);
    let gap = mm(5.0);
    let panel_w = (ctx.inner() - axis_w - gap * (cols - 1) as f64) / cols as f64;
    let plot_h = mm(30.0);
    let editions = fig.groups.len().max(1);
    let slot = panel_w / editions as f64;
    let x_of = |panel_x: f64, period: &str| {
        let i = fig.groups.iter().position(|g| g == period).unwrap_or(0);
        panel_x + slot * (i as f64 + 0.5)
    };
    let radius = mm(0.75);
    let mut y = top;
    for chunk in fig.series.chunks(cols) {
        // The tallest title of the row sets where the row's plots begin.
        let titles: Vec<Vec<String>> = chunk.iter().map(|t| ctx.wrap(t, title_f, panel_w - mm(1.0))).collect();
        let title_h = titles.iter().map(|l| l.len()).max().unwrap_or(1) as f64 * ctx.line(title_f);
        let plot_top = y + title_h + mm(1.0) + ctx.line(value_f);
        let base = plot_top + plot_h;
        let y_of = |v: f64| base - plot_h * v.clamp(0.0, 1.0);
        // The scale at the left of the row: 0, 50 and 100 %, light lines across.
        for q in [0.0, 0.5, 1.0] {
            let gy = y_of(q);
            let (w, c) = if q == 0.0 { (mm(0.3), p.text) } else { (mm(0.2), p.gridline) };
            s.rect(ctx.left() + axis_w, gy - w / 2.0, ctx.inner() - axis_w, w, c);
            let label = format!("{}\u{a0}%", (q * 100.0) as i64);
            s.text(ctx.left() + axis_w - mm(1.5), gy + CAP_HEIGHT * tick_f.size / 2.0, &label, tick_f.size, false, tick_f.color, Anchor::End);
        }
        let mut bottom = base;
        for (col, (series, lines)) in chunk.iter().zip(&titles).enumerate() {
            let panel_x = ctx.left() + axis_w + col as f64 * (panel_w + gap);
            ctx.lines_from_top(s, panel_x + mm(1.0), y, lines, title_f, Anchor::Start);
            let points: Vec<(&Bar, &TrendPoint)> =
                fig.bars.iter().zip(&trend.points).filter(|(b, _)| &b.series == series).collect();
            // Lines first, so the dots sit on them; "≠" where the definition changed.
            for pair in points.windows(2) {
                let ((a, _), (b, pb)) = (pair[0], pair[1]);
                let (xa, xb) = (x_of(panel_x, &a.group), x_of(panel_x, &b.group));
                let shown = !a.value.suppressed && !b.value.suppressed;
                if pb.joined && shown {
                    s.line((xa, y_of(a.value.estimate)), (xb, y_of(b.value.estimate)), mm(0.5), p.accent);
                } else if pb.changed.is_some() {
                    let mid_y = if shown { y_of((a.value.estimate + b.value.estimate) / 2.0) } else { base - plot_h / 2.0 };
                    let f = ctx.font(z.value, true, p.muted);
                    s.text((xa + xb) / 2.0, mid_y + CAP_HEIGHT * f.size / 2.0, "≠", f.size, true, f.color, Anchor::Middle);
                }
            }
            for (bar, point) in &points {
                let cx = x_of(panel_x, &bar.group);
                if bar.value.suppressed {
                    s.text(cx, base - mm(2.0), printed(bar), small.size, false, small.color, Anchor::Middle);
                } else {
                    let cy = y_of(bar.value.estimate);
                    // A small dot, then the interval over it: its caps are wider than the
                    // dot, so even a narrow interval shows.
                    s.dot(cx, cy, radius, p.accent);
                    let mut label_y = cy - radius;
                    if let (Some(lo), Some(hi)) = (bar.value.ci_low, bar.value.ci_high) {
                        let (y0, y1, t) = (y_of(hi), y_of(lo), mm(0.3));
                        s.rect(cx - t / 2.0, y0, t, y1 - y0, p.text);
                        s.rect(cx - mm(1.3), y0 - t / 2.0, mm(2.6), t, p.text);
                        s.rect(cx - mm(1.3), y1 - t / 2.0, mm(2.6), t, p.text);
                        label_y = label_y.min(y0);
                    }
                    // The value carries its definition's footnote.
                    let value = format!("{}{}", printed(bar), superscript(point.footnote));
                    s.text(cx, label_y - mm(1.0) - DESCENT * value_f.size, &value, value_f.size, true, value_f.color, Anchor::Middle);
                }
                // Under the axis: the edition, then n.
                let k = fig.groups.iter().position(|g| g == &bar.group).unwrap_or(0);
                let edition = trend.period_labels.get(k).map_or(bar.group.as_str(), String::as_str);
                let first = base + mm(1.2) + ASCENT * tick_f.size;
                s.text(cx, first, edition, tick_f.size, false, p.text, Anchor::Middle);
                s.text(cx, first + ctx.line(tick_f), &point.n_label, tick_f.size, false, tick_f.color, Anchor::Middle);
                bottom = bottom.max(first + ctx.line(tick_f) + DESCENT * tick_f.size);
            }
        }
        y = bottom + mm(5.0);
    }
    y - mm(5.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_per_row() {
        assert_eq!(columns(1), 1);
        assert_eq!(columns(2), 2);
        assert_eq!(columns(9), 3);
    }
}

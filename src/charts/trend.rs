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

/// Panels per row: three, two for two or four series (a square), one for one.
fn columns(series: usize) -> usize {
    match series {
        0 | 1 => 1,
        2 | 4 => 2,
        _ => 3,
    }
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
pub(super) mod tests {
    use super::*;
    use crate::model::{BarKind, FigureKind, Trend, Value};

    #[test]
    fn panels_per_row() {
        assert_eq!(columns(1), 1);
        assert_eq!(columns(2), 2);
        assert_eq!(columns(4), 2);
        assert_eq!(columns(5), 3);
        assert_eq!(columns(9), 3);
    }

    /// A trend figure on the sample model: a series of three editions with a
    /// change of definition, a series with one point, and a suppressed point.
    pub fn trend_figure() -> Figure {
        let mut fig = crate::model::sample().chapters[0].figures[0].clone();
        let point = |series: &str, period: &str, estimate: f64, n: usize, joined: bool, changed: bool| {
            let value = Value { estimate, se: 0.01, ci_low: Some(estimate - 0.02), ci_high: Some(estimate + 0.02), n, suppressed: n < 30 };
            let bar = Bar {
                series: series.into(),
                group: period.into(),
                label: crate::text::share_label(estimate, n < 30),
                value,
                highlight: false,
                kind: BarKind::Estimate,
            };
            let p = TrendPoint {
                definition: "Andel".into(),
                footnote: 1,
                n_label: crate::text::n_equals(n),
                joined,
                changed: changed.then(|| "Nyt spørgsmål".to_string()),
            };
            (bar, p)
        };
        let points = vec![
            point("Borgerne", "2013-2014", 0.63, 1093, false, false),
            point("Borgerne", "2015-2016", 0.63, 1942, true, false),
            point("Borgerne", "2018-2019", 0.57, 1877, false, true),
            point("Eksternt samarbejde", "2021-2023", 0.48, 1352, false, false),
            point("Få svar", "2015-2016", 0.5, 12, false, false),
            point("Få svar", "2018-2019", 0.4, 40, true, false),
        ];
        fig.kind = FigureKind::Trend;
        fig.series = vec!["Borgerne".into(), "Eksternt samarbejde".into(), "Få svar".into()];
        fig.groups = vec!["2013-2014".into(), "2015-2016".into(), "2018-2019".into(), "2021-2023".into()];
        fig.bars = points.iter().map(|(b, _)| b.clone()).collect();
        fig.trend = Some(Trend {
            points: points.into_iter().map(|(_, p)| p).collect(),
            tests: Vec::new(),
            method: "Metode".into(),
            period_labels: vec!["2013-14".into(), "2015-16".into(), "2018-19".into(), "2021-23".into()],
        });
        fig
    }

    #[test]
    fn a_trend_chart_joins_equal_definitions_marks_changes_and_never_prints_nan() {
        let report = crate::model::sample();
        let style = crate::style::Style::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/style.toml"))).unwrap();
        let style = super::super::ChartStyle::from_style(&style).unwrap();
        let fig = trend_figure();
        let rendered = crate::charts::render_figure(&report, &fig, &style).unwrap();
        let svg = &rendered.svg;
        // One join (2013-14 to 2015-16); the changed definition and the suppressed neighbour are not joined.
        assert_eq!(svg.matches("<line").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 5, "every shown point, the single one too");
        for text in ["≠", "63\u{a0}%¹", "48\u{a0}%¹", "n=1.093", "for få svar", "2021-23"] {
            assert!(svg.contains(&format!(">{text}<")), "{text}");
        }
        assert!(!svg.contains("NaN"));
        assert!(rendered.png.starts_with(b"\x89PNG"));
    }
}

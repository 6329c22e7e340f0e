//! A chart's SVG file, made fit to stand inside a page: without its XML
//! declaration, with ids of its own (a page shows several charts), and a
//! class the style sheet scales to the column. Its `<title>` (the finding)
//! and `<desc>` (the numbers, notes and source, from the model) stay, and
//! name the chart for screen readers.

use crate::error::{Error, Result};

/// The chart file's own ids, which name its title and description.
const IDS: [&str; 2] = ["chart-title", "chart-desc"];

/// `svg` as an element of a page, its ids prefixed with `prefix`.
pub fn inline_svg(svg: &str, prefix: &str) -> Result<String> {
    let start = svg.find("<svg").ok_or_else(|| Error::render(format!("chart {prefix}: the SVG has no <svg> element")))?;
    let mut body = svg[start..].trim_end().to_string();
    for id in IDS {
        for (before, after) in [("\"", "\""), ("\"", " "), (" ", "\"")] {
            body = body.replace(&format!("{before}{id}{after}"), &format!("{before}{prefix}-{id}{after}"));
        }
    }
    Ok(body.replacen("<svg ", "<svg class=\"chart\" focusable=\"false\" ", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_gets_ids_of_its_own() {
        let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">\n<title id=\"chart-title\">T</title>\n<desc id=\"chart-desc\">D</desc>\n</svg>\n";
        assert_eq!(
            inline_svg(svg, "roller").unwrap(),
            "<svg class=\"chart\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"roller-chart-title roller-chart-desc\">\n<title id=\"roller-chart-title\">T</title>\n<desc id=\"roller-chart-desc\">D</desc>\n</svg>"
        );
        assert!(inline_svg("<p>", "x").is_err());
    }
}

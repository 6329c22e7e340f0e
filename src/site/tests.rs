//! The site renderer on the sample model: escaping, links, one h1.

use super::path::relative;
use super::*;
use crate::model::Report;

#[test]
fn links_are_relative_from_page_to_file() {
    assert_eq!(relative("site/index.html", "site/assets/site.css"), "assets/site.css");
    assert_eq!(relative("site/tema/a/index.html", "site/assets/site.css"), "../../assets/site.css");
    assert_eq!(relative("site/tema/a/figur/x.html", "site/tema/a/figur/x.png"), "x.png");
    assert_eq!(relative("site/tema/a/figur/x.html", "site/tema/a/a.pdf"), "../a.pdf");
    assert_eq!(relative("site/udgave/2018-2019.html", "site/tema/b/index.html"), "../tema/b/index.html");
}

//! The nodes of the build graph, named in `status` and in the cache as
//! "figure:<id>", "chart:<chapter>:hero", "book:2018-2019" and so on.

use std::fmt;
use std::str::FromStr;

/// A unit of the build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    /// A wave's facts for the method page.
    Wave(String),
    /// A chapter's hero number.
    Hero(String),
    /// A figure's numbers and text.
    Figure(String),
    /// A chapter's hero tile (SVG, PNG).
    HeroChart(String),
    /// A figure's chart files and the data beside them.
    Chart(String),
    /// A chapter's own PDF.
    ChapterPdf(String),
    /// A printed book, by its id: an edition's period, or "handbook" for every edition in one.
    Book(String),
    /// The site's front page, edition pages, method page, style sheet and fonts.
    SiteHome,
    /// A theme's page, with its hero tile and PDF to download.
    SiteTheme(String),
    /// A figure's page, with its downloads.
    SiteFigure(String),
}

impl Node {
    /// Whether the node is computed from a wave (its model is cached) rather than rendered.
    pub fn is_computed(&self) -> bool {
        matches!(self, Node::Wave(_) | Node::Hero(_) | Node::Figure(_))
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Wave(p) => write!(f, "wave:{p}"),
            Node::Hero(c) => write!(f, "hero:{c}"),
            Node::Figure(id) => write!(f, "figure:{id}"),
            Node::HeroChart(c) => write!(f, "chart:{c}:hero"),
            Node::Chart(id) => write!(f, "chart:{id}"),
            Node::ChapterPdf(c) => write!(f, "pdf:{c}"),
            Node::Book(id) => write!(f, "book:{id}"),
            Node::SiteHome => f.write_str("site:home"),
            Node::SiteTheme(c) => write!(f, "site:theme:{c}"),
            Node::SiteFigure(id) => write!(f, "site:figure:{id}"),
        }
    }
}

impl FromStr for Node {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Node, String> {
        let (kind, rest) = s.split_once(':').ok_or_else(|| format!("\"{s}\" is not a build node"))?;
        let own = || rest.to_string();
        Ok(match kind {
            "wave" => Node::Wave(own()),
            "hero" => Node::Hero(own()),
            "figure" => Node::Figure(own()),
            "chart" => match rest.strip_suffix(":hero") {
                Some(c) => Node::HeroChart(c.to_string()),
                None => Node::Chart(own()),
            },
            "book" => Node::Book(own()),
            "pdf" => Node::ChapterPdf(own()),
            "site" if rest == "home" => Node::SiteHome,
            "site" => match (rest.strip_prefix("theme:"), rest.strip_prefix("figure:")) {
                (Some(c), _) => Node::SiteTheme(c.to_string()),
                (_, Some(id)) => Node::SiteFigure(id.to_string()),
                _ => return Err(format!("\"{s}\" is not a build node")),
            },
            _ => return Err(format!("\"{s}\" is not a build node")),
        })
    }
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Node, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_read_back() {
        for n in [
            Node::Wave("2018-2019".into()),
            Node::Hero("borgere-2018".into()),
            Node::Figure("roller".into()),
            Node::HeroChart("borgere-2018".into()),
            Node::Chart("roller".into()),
            Node::ChapterPdf("borgere-2018".into()),
            Node::Book("handbook".into()),
            Node::Book("2018-2019".into()),
            Node::SiteHome,
            Node::SiteTheme("borgere-2018".into()),
            Node::SiteFigure("roller".into()),
        ] {
            assert_eq!(n.to_string().parse::<Node>().unwrap(), n);
        }
        assert_eq!(Node::HeroChart("x".into()).to_string(), "chart:x:hero");
        assert!("chapter:x".parse::<Node>().is_err());
        assert!("site:x".parse::<Node>().is_err());
    }
}

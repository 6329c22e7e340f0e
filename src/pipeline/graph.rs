//! The build graph, in the spirit of R's targets: every unit the build
//! computes or renders is a [`Node`] with a fingerprint of what it is made
//! from (input files, configuration, the nodes it depends on, the tool).
//! [`plan`] gives every node's fingerprint and dependencies, and
//! [`why_stale`] says whether the last build's result still holds. `build`
//! and `status` both use these two, so `status` names exactly the nodes the
//! next `build` redoes.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use super::node::Node;
use super::paths::Paths;
use super::cache::{Fingerprint, State, hex};
use crate::data;
use crate::error::{Error, Result};
use crate::config::{Config, FigureSpec};

/// The tool's name and version, written into the manifest.
pub const TOOL: &str = concat!("barometer ", env!("CARGO_PKG_VERSION"));

/// The running binary's identity, part of every fingerprint: a rebuilt tool
/// (same version, new code) redoes everything rather than trust old results.
/// The executable's size, modification time and inode: a binary linked or
/// copied anew gets a new inode or modification time even at the same size.
/// Not its change time: tools that hard-link the binary (perf's build-id
/// cache) change it, and everything would be rebuilt for nothing. Not its
/// SHA-256 either: hashing the 56 MB binary would cost every build, even one
/// with nothing to do, 30 to 40 ms (`sha256sum` takes 140 ms).
pub fn tool_build() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let exe = std::env::current_exe().ok();
        let stamp = exe.as_deref().and_then(super::cache::Stamp::of).unwrap_or_default();
        format!("{TOOL} {} {} {}", stamp.len, stamp.mtime, stamp.ino)
    })
}

/// Every input file, hashed once: for fingerprints and the manifest.
pub struct Sources {
    /// (shown path, sha256, size) of every input file, sorted.
    pub files: Vec<(String, String, u64)>,
    /// Wave files by period: (path, sha256).
    pub waves: BTreeMap<String, (PathBuf, String)>,
    /// SOURCE_DATE_EPOCH as set ("" when unset): the PDFs' dates.
    pub epoch: String,
}

/// The SHA-256 and size of an input, read as a stream; only a regular file
/// of a sane size is read (a named pipe would never end).
fn hash_file(path: &Path) -> Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    data::read::check_readable(path).map_err(|why| Error::config(format!("{}: {why}", path.display())))?;
    let mut file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let got = std::io::Read::read(&mut file, &mut buffer).map_err(|e| Error::read(path, e))?;
        if got == 0 {
            break;
        }
        hasher.update(&buffer[..got]);
        n += got as u64;
    }
    Ok((hex(&hasher.finalize()), n))
}

impl Sources {
    /// Hashes every input of the configuration: codebook, report.toml, the
    /// chapters, the style, content and published tables, the waves.
    pub fn read(paths: &Paths, config: &Config) -> Result<Sources> {
        // Wave files are the big ones: hashed side by side.
        let wave_files = data::wave_files(&paths.waves())?;
        let hashed: Vec<(String, u64)> = wave_files.par_iter().map(|f| hash_file(f)).collect::<Result<_>>()?;
        let mut files = Vec::new();
        let mut add = |p: &Path| -> Result<()> {
            let (h, n) = hash_file(p)?;
            files.push((p.display().to_string(), h, n));
            Ok(())
        };
        add(&paths.codebook())?;
        add(&config.dir.join("report.toml"))?;
        for f in &config.chapter_files {
            add(f)?;
        }
        let style = paths.style();
        if style.exists() {
            add(&style)?;
        }
        // The site's templates.
        for (name, _) in crate::site::TEMPLATES {
            let p = paths.site().join(name);
            if p.is_file() {
                add(&p)?;
            }
        }
        for dir in [paths.inputs.join("content"), paths.inputs.join("published")] {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                let mut list: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
                list.sort();
                for p in list {
                    add(&p)?;
                }
            }
        }
        // Every file the configuration names is read, so it is an input
        // the manifest lists, wherever inside the inputs it lies.
        let named = (0..config.chapters.len()).map(|c| content_file(paths, config, c)).chain(config.chapters.iter().flat_map(|ch| {
            ch.figures.iter().filter_map(|f| match &f.spec {
                FigureSpec::Comparison(c) => Some(paths.inputs.join(&c.published)),
                _ => None,
            })
        }));
        let mut named: Vec<PathBuf> = named.filter(|p| p.is_file()).collect();
        named.sort();
        named.dedup();
        for p in named {
            let shown = p.display().to_string();
            if !files.iter().any(|(f, _, _)| *f == shown) {
                let (h, n) = hash_file(&p)?;
                files.push((shown, h, n));
            }
        }
        let mut waves = BTreeMap::new();
        for (f, (h, n)) in wave_files.into_iter().zip(hashed) {
            files.push((f.display().to_string(), h.clone(), n));
            if let Some(period) = data::period_of(&f) {
                // How a wave is read depends on its name (CSV or Parquet) as
                // much as on its bytes: both are its fingerprint.
                let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                waves.insert(period, (f, format!("{name} {h}")));
            }
        }
        files.sort();
        let epoch = std::env::var("SOURCE_DATE_EPOCH").map(|s| s.trim().to_string()).unwrap_or_default();
        Ok(Sources { files, waves, epoch })
    }

    /// The hash of an input file ("" when it is not there).
    pub fn hash(&self, path: &Path) -> &str {
        let shown = path.display().to_string();
        self.files.iter().find(|f| f.0 == shown).map_or("", |f| f.1.as_str())
    }

    fn wave(&self, period: &str) -> &str {
        self.waves.get(period).map_or("", |w| w.1.as_str())
    }
}

/// A node as planned: its fingerprint, what it depends on, and the
/// chapter it belongs to (for `--only`).
#[derive(Debug, Clone)]
pub struct Planned {
    pub fingerprint: Fingerprint,
    pub deps: Vec<Node>,
    /// The chapter id; empty for waves and the books.
    pub chapter: String,
}

/// Every node of the build in a fixed order (dependencies first).
pub struct Graph {
    pub nodes: BTreeMap<Node, Planned>,
}

/// Where a chapter's editorial boxes are read from.
pub fn content_file(paths: &Paths, config: &Config, chapter: usize) -> PathBuf {
    let ch = &config.chapters[chapter];
    paths.inputs.join("content").join(ch.content_name())
}

/// The one place that says what each node is made from.
pub fn plan(paths: &Paths, config: &Config, src: &Sources) -> Graph {
    let tool = tool_build();
    let codebook = src.hash(&paths.codebook()).to_string();
    let report = src.hash(&config.dir.join("report.toml")).to_string();
    let style = src.hash(&paths.style()).to_string();
    let base = || Fingerprint::default().with("tool", tool).with("codebook", &codebook).with("report.toml", &report);
    let render = || Fingerprint::default().with("tool", tool).with("style", &style);
    let mut nodes: BTreeMap<Node, Planned> = BTreeMap::new();
    // A node made from others carries their digests: it changes when they do.
    let on = |fp: Fingerprint, nodes: &BTreeMap<Node, Planned>, deps: &[Node]| {
        deps.iter().fold(fp, |fp, d| fp.with(&d.to_string(), nodes[d].fingerprint.digest()))
    };
    for period in src.waves.keys() {
        let fp = base().with("wave", src.wave(period));
        nodes.insert(Node::Wave(period.clone()), Planned { fingerprint: fp, deps: Vec::new(), chapter: String::new() });
    }
    let mut chapter_pdfs = Vec::new();
    for (c, ch) in config.chapters.iter().enumerate() {
        let chapter = ch.id.clone();
        let planned = |fingerprint, deps| Planned { fingerprint, deps, chapter: chapter.clone() };
        let hero = Node::Hero(ch.id.clone());
        let fp = base().with("wave", src.wave(ch.hero_period())).with("chapter config", config.chapter_text(c));
        nodes.insert(hero.clone(), planned(fp, Vec::new()));
        let tile = Node::HeroChart(ch.id.clone());
        let deps = vec![hero.clone()];
        nodes.insert(tile.clone(), planned(on(render(), &nodes, &deps), deps));
        let mut pdf_deps = vec![hero, tile];
        for (f, fc) in ch.figures.iter().enumerate() {
            let figure = Node::Figure(fc.id.clone());
            // A trend figure is made from every wave it reads.
            let waves: Vec<&str> = ch.figure_periods(f).into_iter().map(|p| src.wave(p)).collect();
            let mut fp = base()
                .with("wave", waves.join(" "))
                .with("figure config", config.figure_text(c, f))
                .with("position", format!("{}.{}", c + 1, f + 1));
            if let FigureSpec::Comparison(c) = &fc.spec {
                fp = fp.with("published table", src.hash(&paths.inputs.join(&c.published)));
            }
            nodes.insert(figure.clone(), planned(fp, Vec::new()));
            let chart = Node::Chart(fc.id.clone());
            let deps = vec![figure.clone()];
            nodes.insert(chart.clone(), planned(on(render(), &nodes, &deps), deps));
            pdf_deps.extend([figure, chart]);
        }
        let fp = render()
            .with("SOURCE_DATE_EPOCH", &src.epoch)
            .with("content", src.hash(&content_file(paths, config, c)))
            .with("chapter config", config.chapter_text(c))
            .with("report.toml", &report);
        let pdf = Node::ChapterPdf(ch.id.clone());
        nodes.insert(pdf.clone(), planned(on(fp, &nodes, &pdf_deps), pdf_deps));
        chapter_pdfs.push(pdf);
    }
    // The books: one per edition with chapters, each made from its wave
    // and its chapters' PDFs, and the book of every edition (see
    // `text::books`, which decides the same from the model).
    let fp = || render().with("SOURCE_DATE_EPOCH", &src.epoch).with("report.toml", &report);
    let mut all: Vec<Node> = src.waves.keys().map(|p| Node::Wave(p.clone())).collect();
    for period in src.waves.keys() {
        let mine: Vec<Node> = config.chapters.iter().zip(&chapter_pdfs).filter(|(c, _)| c.period == *period).map(|(_, n)| n.clone()).collect();
        if mine.is_empty() {
            continue;
        }
        // Every wave: the cover's note says which are synthetic.
        let mut deps: Vec<Node> = src.waves.keys().map(|p| Node::Wave(p.clone())).collect();
        deps.extend(mine);
        nodes.insert(Node::Book(period.clone()), Planned { fingerprint: on(fp(), &nodes, &deps), deps, chapter: String::new() });
    }
    all.extend(chapter_pdfs);
    let combined = Node::Book(crate::text::COMBINED_BOOK.into());
    nodes.insert(combined, Planned { fingerprint: on(fp(), &nodes, &all), deps: all, chapter: String::new() });
    plan_site(paths, config, src, &mut nodes, &report);
    Graph { nodes }
}

/// The site's nodes: a figure's page is made from the figure and its chart;
/// a theme's page from its hero, tile, figures, charts and PDF; the front
/// pages from every wave and hero. So an edited figure rewrites its own
/// page and its theme's, and no other.
fn plan_site(paths: &Paths, config: &Config, src: &Sources, nodes: &mut BTreeMap<Node, Planned>, report: &str) {
    let templates: Vec<&str> = crate::site::TEMPLATES.iter().map(|(n, _)| src.hash(&paths.site().join(n))).collect();
    let site = || {
        Fingerprint::default().with("tool", tool_build()).with("style", src.hash(&paths.style())).with("site templates", templates.join(" ")).with("report.toml", report)
    };
    let on = |fp: Fingerprint, nodes: &BTreeMap<Node, Planned>, deps: &[Node]| {
        deps.iter().fold(fp, |fp, d| fp.with(&d.to_string(), nodes[d].fingerprint.digest()))
    };
    let mut home_deps: Vec<Node> = src.waves.keys().map(|p| Node::Wave(p.clone())).collect();
    for (c, ch) in config.chapters.iter().enumerate() {
        let chapter = || ch.id.clone();
        let mut theme_deps = vec![Node::Hero(ch.id.clone()), Node::HeroChart(ch.id.clone())];
        for fc in &ch.figures {
            let deps = vec![Node::Figure(fc.id.clone()), Node::Chart(fc.id.clone())];
            // The workbook download is dated by SOURCE_DATE_EPOCH.
            let fp = on(site().with("chapter config", config.chapter_text(c)).with("SOURCE_DATE_EPOCH", &src.epoch), nodes, &deps);
            theme_deps.extend(deps.iter().cloned());
            nodes.insert(Node::SiteFigure(fc.id.clone()), Planned { fingerprint: fp, deps, chapter: chapter() });
        }
        theme_deps.push(Node::ChapterPdf(ch.id.clone()));
        let fp = site().with("chapter config", config.chapter_text(c)).with("content", src.hash(&content_file(paths, config, c)));
        let fp = on(fp, nodes, &theme_deps);
        nodes.insert(Node::SiteTheme(ch.id.clone()), Planned { fingerprint: fp, deps: theme_deps, chapter: chapter() });
        home_deps.push(Node::Hero(ch.id.clone()));
    }
    let fp = on(site(), nodes, &home_deps);
    nodes.insert(Node::SiteHome, Planned { fingerprint: fp, deps: home_deps, chapter: String::new() });
}

/// Why a node must be built again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// `--force`.
    Forced,
    /// No earlier build left it.
    NeverBuilt,
    /// These parts of its fingerprint changed.
    Changed(Vec<String>),
    /// Kept as it was by `build --only` although these parts changed.
    LeftOutdated(Vec<String>),
    /// A file it wrote is gone or was edited.
    FileChanged(String),
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Forced => f.write_str("--force"),
            Why::NeverBuilt => f.write_str("never built"),
            Why::Changed(parts) => write!(f, "changed: {}", parts.join(", ")),
            Why::LeftOutdated(parts) => write!(f, "left out of date by build --only (changed: {})", parts.join(", ")),
            Why::FileChanged(p) => write!(f, "{p} is missing or was edited"),
        }
    }
}

/// Whether the last build's result for `node` still holds, and if not, why.
pub fn why_stale(node: &Node, planned: &Planned, old: &State, out: &Path) -> Option<Why> {
    let Some(prev) = old.nodes.get(node) else { return Some(Why::NeverBuilt) };
    if node.is_computed() && prev.model.is_none() {
        return Some(Why::NeverBuilt);
    }
    let changed = planned.fingerprint.changed(&prev.fingerprint);
    if !changed.is_empty() {
        return Some(if prev.outdated { Why::LeftOutdated(changed) } else { Why::Changed(changed) });
    }
    old.missing_file(prev, out).map(|p| Why::FileChanged(p.to_string()))
}

/// What the build does with a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The last result holds.
    Reuse,
    /// Stale, but left as it was: `--only` chose other nodes.
    Keep,
    /// Built again, for this reason.
    Build(Why),
}

/// Every node's decision: stale nodes are built, except those `--only`
/// leaves alone while their last result is still there to keep.
pub fn decide(graph: &Graph, old: &State, out: &Path, force: bool, only: Option<&str>) -> BTreeMap<Node, Decision> {
    graph
        .nodes
        .iter()
        .map(|(node, planned)| {
            let why = if force { Some(Why::Forced) } else { why_stale(node, planned, old, out) };
            let decision = match why {
                None => Decision::Reuse,
                Some(why) => {
                    let keepable = old.nodes.get(node).is_some_and(|prev| {
                        (!node.is_computed() || prev.model.is_some()) && old.missing_file(prev, out).is_none()
                    });
                    if !force && keepable && !selected(node, planned, only) { Decision::Keep } else { Decision::Build(why) }
                }
            };
            (node.clone(), decision)
        })
        .collect()
}

/// Whether `--only` (a chapter or figure id) covers the node.
fn selected(node: &Node, planned: &Planned, only: Option<&str>) -> bool {
    let Some(o) = only else { return true };
    match node {
        Node::Figure(id) | Node::Chart(id) => id == o || planned.chapter == o,
        Node::SiteFigure(id) => id == o || planned.chapter == o,
        Node::Hero(c) | Node::HeroChart(c) | Node::ChapterPdf(c) | Node::SiteTheme(c) => c == o,
        Node::Wave(_) | Node::Book(_) | Node::SiteHome => false,
    }
}

impl Graph {
    /// The nodes `--only` names: an unknown id is a usage error (exit 2)
    /// that names the closest chapter or figure id, as a typo usually is.
    pub fn check_only(&self, only: Option<&str>) -> Result<()> {
        let Some(o) = only else { return Ok(()) };
        let mut ids: Vec<&str> = self
            .nodes
            .iter()
            .filter_map(|(n, p)| match n {
                Node::Figure(id) => Some(id.as_str()),
                _ if !p.chapter.is_empty() => Some(p.chapter.as_str()),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.contains(&o) {
            return Ok(());
        }
        let hint = match ids.iter().min_by_key(|id| edit_distance(o, id)) {
            Some(closest) => format!("; did you mean \"{closest}\"? (`barometer list` shows every id)"),
            None => String::new(),
        };
        Err(Error::Usage(format!("--only {o}: no chapter or figure has that id{hint}")))
    }
}

/// Levenshtein distance: the fewest inserted, deleted or replaced characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("formal", "formaal"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("processen", "processen"), 0);
        assert_eq!(edit_distance("æble", "able"), 1);
    }
}

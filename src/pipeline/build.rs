//! The batch job: fingerprint the inputs, recompute only what is out of
//! date (in the spirit of R's targets), render, and publish every artifact
//! with a manifest — all or nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::export::{self, Artifact};
use super::progress::Progress;
use super::{Invalid, Paths, load_codebook};
use crate::data::{self, Problems};
use crate::figures::compute::{self, Done, Inputs, Job, WaveData};
use crate::figures::config::Config;
use crate::figures::{ContentBox, Report};

/// The tool's name and version, written into the manifest.
pub const TOOL: &str = concat!("barometer ", env!("CARGO_PKG_VERSION"));

/// The running binary's identity, part of every fingerprint: a rebuilt tool
/// (same version, new code) redoes everything rather than trust old results.
/// Size and modification time of the executable: cheap, and the cache is local.
pub fn tool_build() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let meta = std::env::current_exe().and_then(std::fs::metadata).ok();
        let stamp = meta.as_ref().and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        format!("{TOOL} {} {}", meta.map_or(0, |m| m.len()), stamp.map_or(0, |d| d.as_nanos()))
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fingerprint of named parts; the parts are kept to say what changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Fingerprint {
    pub parts: BTreeMap<String, String>,
}

impl Fingerprint {
    pub fn with(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.parts.insert(name.to_string(), sha256_hex(value.as_ref()));
        self
    }
    /// Names of the parts that differ from `old`, in order.
    pub fn changed(&self, old: &Fingerprint) -> Vec<String> {
        let names: BTreeSet<&String> = self.parts.keys().chain(old.parts.keys()).collect();
        names.into_iter().filter(|n| self.parts.get(*n) != old.parts.get(*n)).cloned().collect()
    }
}

/// What a node of the build left behind.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeState {
    pub fingerprint: Fingerprint,
    /// Files it wrote, with their SHA-256.
    #[serde(default)]
    pub files: Vec<(String, String)>,
    /// Its computed model (figures, heroes, wave facts).
    #[serde(default)]
    pub model: Option<serde_json::Value>,
    /// Kept as it was by `--only` although what it shows changed.
    #[serde(default)]
    pub outdated: bool,
}

/// Every node of the last build, kept in `<out>/.cache/state.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct State {
    pub nodes: BTreeMap<String, NodeState>,
}

const STATE: &str = ".cache/state.json";

impl State {
    fn load(out: &Path) -> State {
        std::fs::read(out.join(STATE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }
}

/// Inputs read once: their bytes' hashes, for fingerprints and the manifest.
struct Sources {
    /// (shown path, sha256, size) of every input file, sorted.
    files: Vec<(String, String, u64)>,
    codebook: String,
    report: String,
    waves: BTreeMap<String, (PathBuf, String)>,
}

fn hash_file(path: &Path) -> Result<(String, u64)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((sha256_hex(&bytes), bytes.len() as u64))
}

fn sources(paths: &Paths, config: &Config) -> Result<Sources> {
    // Wave files are the big ones: hashed side by side.
    let wave_files = data::wave_files(&paths.waves()).map_err(|e| Invalid(format!("{e:#}")))?;
    let hashed: Vec<(String, u64)> = wave_files.par_iter().map(|f| hash_file(f)).collect::<Result<_>>()?;
    let mut files = Vec::new();
    let mut add = |p: &Path| -> Result<String> {
        let (h, n) = hash_file(p)?;
        files.push((p.display().to_string(), h.clone(), n));
        Ok(h)
    };
    let codebook = add(&paths.codebook())?;
    let report = add(&config.dir.join("report.toml"))?;
    for f in &config.chapter_files {
        add(f)?;
    }
    for extra in [paths.config.join("style.toml")] {
        if extra.exists() {
            add(&extra)?;
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
    let mut waves = BTreeMap::new();
    for (f, (h, n)) in wave_files.into_iter().zip(hashed) {
        files.push((f.display().to_string(), h.clone(), n));
        if let Some(period) = data::period_of(&f) {
            waves.insert(period, (f, h));
        }
    }
    files.sort();
    Ok(Sources { files, codebook, report, waves })
}

impl Sources {
    fn wave(&self, period: &str) -> &str {
        self.waves.get(period).map(|w| w.1.as_str()).unwrap_or("")
    }
    fn file(&self, path: &Path) -> String {
        let shown = path.display().to_string();
        self.files.iter().find(|f| f.0 == shown).map(|f| f.1.clone()).unwrap_or_default()
    }
}

/// Fingerprints of every compute node: heroes, figures, wave facts.
fn compute_fingerprints(config: &Config, src: &Sources, paths: &Paths) -> BTreeMap<String, (Option<Job>, Fingerprint)> {
    let base = |period: &str| {
        Fingerprint::default().with("tool", tool_build()).with("codebook", &src.codebook).with("report.toml", &src.report).with("wave", src.wave(period))
    };
    let mut out = BTreeMap::new();
    for (c, ch) in config.chapters.iter().enumerate() {
        out.insert(format!("hero:{}", ch.id), (Some(Job::Hero(c)), base(&ch.period).with("chapter config", config.chapter_text(c))));
        for (f, fc) in ch.figures.iter().enumerate() {
            let mut fp = base(&ch.period).with("figure config", config.figure_text(c, f)).with("position", format!("{}.{}", c + 1, f + 1));
            if let Some(p) = &fc.published {
                fp = fp.with("published table", src.file(&paths.inputs.join(p)));
            }
            out.insert(format!("figure:{}", fc.id), (Some(Job::Figure(c, f)), fp));
        }
    }
    for period in src.waves.keys() {
        out.insert(format!("wave:{period}"), (None, base(period)));
    }
    out
}

/// What `build` produced.
pub struct Built {
    pub report: Report,
    pub artifacts: Vec<Artifact>,
    pub warnings: Vec<String>,
    /// Seconds each stage took, in order.
    pub timings: Vec<(String, f64)>,
    /// Nodes recomputed or re-rendered, and nodes reused.
    pub rebuilt: Vec<String>,
    pub reused: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Warnings (a title that misfits its number) fail the build.
    pub strict: bool,
    /// Build only this figure or chapter; everything else stays as it was.
    pub only: Option<String>,
    /// Ignore the cache.
    pub force: bool,
    pub quiet: bool,
}

/// Reads the editorial boxes of a chapter (the handbook stage owns the format).
pub fn content_loader() -> &'static (dyn Fn(&Path) -> Result<Vec<ContentBox>> + Sync) {
    &crate::handbook::load_content
}

/// The process's peak resident memory in MB (Linux), for the benchmarks.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Seconds per stage, in order.
struct Laps {
    clock: Instant,
    list: Vec<(String, f64)>,
}

impl Laps {
    fn new() -> Laps {
        Laps { clock: Instant::now(), list: Vec::new() }
    }
    /// Records the time since the last lap under `name`.
    fn lap(&mut self, name: &str) {
        self.list.push((name.to_string(), self.clock.elapsed().as_secs_f64()));
        self.clock = Instant::now();
    }
    /// Records a stage timed elsewhere and restarts the clock.
    fn add(&mut self, name: &str, seconds: f64) {
        self.list.push((name.to_string(), seconds));
        self.clock = Instant::now();
    }
}

/// `barometer build`.
pub fn build(paths: &Paths, opts: &BuildOptions) -> Result<Built> {
    let mut progress = Progress::new(opts.quiet);
    let mut laps = Laps::new();
    progress.stage("configuration");
    let codebook = load_codebook(paths)?;
    let config = Config::load(&paths.config).map_err(|e| Invalid(format!("{e:#}")))?;
    let src = sources(paths, &config)?;
    let old = if opts.force { State::default() } else { State::load(&paths.out) };
    let fps = compute_fingerprints(&config, &src, paths);
    let periods = src.waves.keys().cloned().collect();
    compute::check(&config, &codebook, &periods).map_err(|e| Invalid(e.join("\n")))?;
    if let Some(only) = &opts.only {
        let known = config.chapters.iter().any(|c| &c.id == only) || config.chapters.iter().flat_map(|c| &c.figures).any(|f| &f.id == only);
        if !known {
            return Err(Invalid(format!("--only {only}: no chapter or figure has that id")).into());
        }
    }
    // A node is reused if its fingerprint is unchanged, or if --only leaves it alone.
    let selected = |node: &str, chapter: &str| match &opts.only {
        None => true,
        Some(o) => node.ends_with(&format!(":{o}")) || chapter == o.as_str(),
    };
    let mut reused_model: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut stale: Vec<(String, Job)> = Vec::new();
    for (node, (job, fp)) in &fps {
        let Some(job) = job else { continue };
        let chapter = match job {
            Job::Hero(c) | Job::Figure(c, _) => &config.chapters[*c].id,
        };
        let prev = old.nodes.get(node).and_then(|n| n.model.clone().map(|m| (n.fingerprint == *fp, m)));
        match prev {
            Some((same, model)) if same || !selected(node, chapter) => {
                reused_model.insert(node.clone(), model);
            }
            _ => stale.push((node.clone(), *job)),
        }
    }
    laps.lap("fingerprint");

    // Only the waves that stale nodes need are read and validated, one at
    // a time, so memory holds one wave whatever the number of waves.
    let stale_wave = |p: &String| {
        let node = format!("wave:{p}");
        !old.nodes.get(&node).is_some_and(|n| Some(&n.fingerprint) == fps.get(&node).map(|x| &x.1))
    };
    let needed: BTreeSet<String> = stale
        .iter()
        .map(|(_, j)| match j {
            Job::Hero(c) | Job::Figure(c, _) => config.chapters[*c].period.clone(),
        })
        .chain(src.waves.keys().filter(|p| stale_wave(p)).cloned())
        .collect();
    if src.waves.is_empty() {
        return Err(Invalid(format!("no wave files (*.csv, *.parquet) in {}", paths.waves().display())).into());
    }
    let mut warnings = Vec::new();
    let mut by_node: BTreeMap<String, Done> = BTreeMap::new();
    let mut fresh_facts: BTreeMap<String, crate::figures::WaveFacts> = BTreeMap::new();
    let (mut t_validate, mut t_compute) = (0.0, 0.0);
    for period in &needed {
        let Some((file, _)) = src.waves.get(period) else {
            return Err(Invalid(format!("{}: no wave file for {period}", paths.waves().display())).into());
        };
        progress.stage(&format!("validate {period}"));
        let t = Instant::now();
        let wave = data::load_wave(file, &codebook).map_err(|p: Problems| Invalid(p.to_string()))?;
        warnings.extend(wave.warnings.clone());
        let design = super::design_of(&wave)?;
        let mut waves = BTreeMap::new();
        waves.insert(period.clone(), WaveData { wave, design });
        t_validate += t.elapsed().as_secs_f64();
        progress.stage(&format!("compute {period}"));
        let t = Instant::now();
        let inputs = Inputs { codebook: &codebook, waves, dir: &paths.inputs, content: content_loader() };
        let mine: Vec<&(String, Job)> = stale
            .iter()
            .filter(|(_, j)| match j {
                Job::Hero(c) | Job::Figure(c, _) => &config.chapters[*c].period == period,
            })
            .collect();
        let jobs: Vec<Job> = mine.iter().map(|(_, j)| *j).collect();
        let computed = compute::compute_jobs(&config, &inputs, &jobs)?;
        for ((node, _), done) in mine.iter().zip(computed) {
            by_node.insert(node.clone(), done);
        }
        fresh_facts.insert(period.clone(), compute::wave_facts(&config, &codebook, &inputs.waves[period])?);
        t_compute += t.elapsed().as_secs_f64();
    }
    laps.add("validate", t_validate);
    laps.add("compute", t_compute);
    for (node, model) in &reused_model {
        let done = if node.starts_with("hero:") {
            Done::Hero(serde_json::from_value(model.clone()).context("cached hero")?)
        } else {
            Done::Figure(serde_json::from_value(model.clone()).context("cached figure")?)
        };
        by_node.insert(node.clone(), done);
    }
    // Back into report order.
    let mut ordered = Vec::new();
    for ch in &config.chapters {
        ordered.push(by_node.remove(&format!("hero:{}", ch.id)).context("a hero is missing")?);
        for f in &ch.figures {
            ordered.push(by_node.remove(&format!("figure:{}", f.id)).context("a figure is missing")?);
        }
    }
    let mut method = Vec::new();
    let mut wave_models = BTreeMap::new();
    for period in src.waves.keys() {
        let node = format!("wave:{period}");
        let facts = match fresh_facts.remove(period) {
            Some(f) => f,
            None => match old.nodes.get(&node).and_then(|n| n.model.clone()) {
                Some(m) => serde_json::from_value(m)?,
                None => continue,
            },
        };
        wave_models.insert(node, serde_json::to_value(&facts)?);
        method.push(facts);
    }
    let report = compute::assemble(&config, &paths.inputs.join("content"), content_loader(), ordered, method)?;
    for ch in &report.chapters {
        for f in &ch.figures {
            warnings.extend(f.warnings.iter().cloned());
        }
    }
    laps.lap("assemble");
    if opts.strict && !warnings.is_empty() {
        return Err(Invalid(format!("--strict: {} warning(s):\n{}", warnings.len(), warnings.join("\n"))).into());
    }

    progress.stage("data");
    let mut artifacts = export::all(&report)?;
    laps.lap("data");

    let mut state = State::default();
    for (node, (_, fp)) in &fps {
        let model = if node.starts_with("wave:") {
            wave_models.get(node).cloned()
        } else {
            let m = report.chapters.iter().find_map(|ch| {
                if node == &format!("hero:{}", ch.id) {
                    serde_json::to_value(&ch.hero).ok()
                } else {
                    ch.figures.iter().find(|f| node == &format!("figure:{}", f.id)).and_then(|f| serde_json::to_value(f).ok())
                }
            });
            m
        };
        // A node reused under --only keeps its old fingerprint, so `status` still sees it.
        let fingerprint = if reused_model.contains_key(node) { old.nodes.get(node).map(|n| n.fingerprint.clone()).unwrap_or_default() } else { fp.clone() };
        state.nodes.insert(node.clone(), NodeState { fingerprint, files: Vec::new(), model, outdated: false });
    }
    let mut rebuilt: Vec<String> = stale.iter().map(|(n, _)| n.clone()).collect();
    let mut reused: Vec<String> = reused_model.keys().cloned().collect();

    progress.stage("charts and handbook");
    let rendered = super::render::render(&report, &paths.config.join("style.toml"), &paths.out, &old, opts.only.as_deref())?;
    artifacts.extend(rendered.artifacts);
    state.nodes.extend(rendered.nodes);
    rebuilt.extend(rendered.rebuilt);
    reused.extend(rendered.reused);
    laps.lap("render");

    progress.stage("publish");
    let manifest = manifest(&src, &artifacts);
    artifacts.push(Artifact { path: "manifest.json".into(), bytes: manifest });
    laps.lap("publish");
    let timing_file = serde_json::json!({
        "tool": TOOL,
        "stages": laps.list.iter().map(|(k, v)| serde_json::json!({"stage": k, "seconds": v})).collect::<Vec<_>>(),
        "rebuilt": rebuilt,
        "reused": reused,
        "peak_rss_mb": peak_rss_mb(),
    });
    let mut to_write = artifacts.clone();
    to_write.push(Artifact { path: "timings.json".into(), bytes: (serde_json::to_string_pretty(&timing_file)? + "\n").into_bytes() });
    to_write.push(Artifact { path: STATE.into(), bytes: (serde_json::to_string(&state)? + "\n").into_bytes() });
    super::publish(&paths.out, &to_write)?;
    progress.done();
    Ok(Built { report, artifacts, warnings, timings: laps.list, rebuilt, reused })
}

/// `outputs/manifest.json`: the tool, every input and artifact with its
/// SHA-256 and size. Nothing time-dependent: two builds of the same inputs
/// give the same manifest (timings go to `timings.json`).
fn manifest(src: &Sources, artifacts: &[Artifact]) -> Vec<u8> {
    let inputs: Vec<serde_json::Value> =
        src.files.iter().map(|(p, h, n)| serde_json::json!({"path": p, "sha256": h, "bytes": n})).collect();
    let outputs: Vec<serde_json::Value> = artifacts
        .iter()
        .map(|a| serde_json::json!({"path": a.path, "sha256": sha256_hex(&a.bytes), "bytes": a.bytes.len()}))
        .collect();
    let m = serde_json::json!({ "tool": TOOL, "inputs": inputs, "artifacts": outputs });
    (serde_json::to_string_pretty(&m).unwrap_or_default() + "\n").into_bytes()
}

/// One line of `barometer status`.
#[derive(Debug, Clone, Serialize)]
pub struct Staleness {
    pub node: String,
    pub up_to_date: bool,
    pub why: String,
}

/// `barometer status`: what a build would redo, and why.
pub fn status(paths: &Paths) -> Result<Vec<Staleness>> {
    let config = Config::load(&paths.config).map_err(|e| Invalid(format!("{e:#}")))?;
    let src = sources(paths, &config)?;
    let old = State::load(&paths.out);
    let fps = compute_fingerprints(&config, &src, paths);
    let mut out = Vec::new();
    for (node, (_, fp)) in &fps {
        let (up, why) = match old.nodes.get(node) {
            None => (false, "never built".to_string()),
            Some(prev) => {
                let changed = fp.changed(&prev.fingerprint);
                if changed.is_empty() { (true, "up to date".to_string()) } else { (false, format!("changed: {}", changed.join(", "))) }
            }
        };
        out.push(Staleness { node: node.clone(), up_to_date: up, why });
    }
    // Charts and PDFs: out of date when what they show is, when the style
    // changed, or when a file was removed or edited.
    let style_hash = hash_file(&paths.config.join("style.toml")).map(|h| sha256_hex(h.0.as_bytes())).unwrap_or_default();
    let stale_compute: Vec<String> = out.iter().filter(|s| !s.up_to_date).map(|s| s.node.clone()).collect();
    for (node, prev) in old.nodes.iter().filter(|(n, _)| n.starts_with("chart:") || n.starts_with("pdf:")) {
        let depends: Vec<&String> = stale_compute
            .iter()
            .filter(|c| {
                let id = c.split_once(':').map_or("", |x| x.1);
                let chapter_of = config.chapters.iter().find(|ch| ch.id == id || ch.figures.iter().any(|f| f.id == id)).map(|ch| ch.id.as_str());
                node == "pdf:handbook"
                    || node == &format!("chart:{id}")
                    || node.strip_prefix("chart:").and_then(|r| r.strip_suffix(":hero")) == Some(id)
                    || node.strip_prefix("pdf:") == chapter_of
            })
            .collect();
        let missing = prev.files.iter().find(|(p, h)| std::fs::read(paths.out.join(p)).map(|b| sha256_hex(&b) != *h).unwrap_or(true));
        let why = if prev.outdated {
            Some("left out of date by build --only".to_string())
        } else if let Some((p, _)) = missing {
            Some(format!("{p} is missing or was edited"))
        } else if prev.fingerprint.parts.get("style").is_some_and(|h| *h != style_hash) {
            Some("changed: style".to_string())
        } else if !depends.is_empty() {
            Some(format!("depends on {}", depends.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")))
        } else {
            None
        };
        out.push(Staleness { node: node.clone(), up_to_date: why.is_none(), why: why.unwrap_or_else(|| "up to date".into()) });
    }
    for node in old.nodes.keys().filter(|n| !fps.contains_key(*n) && !n.starts_with("chart:") && !n.starts_with("pdf:")) {
        out.push(Staleness { node: node.clone(), up_to_date: false, why: "no longer configured; its files go at the next build".into() });
    }
    Ok(out)
}

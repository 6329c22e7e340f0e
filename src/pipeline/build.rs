//! `barometer build`: read the configuration, plan the graph, compute the
//! stale numbers wave by wave, assemble the model, render what is stale, and
//! publish every artifact with a manifest, all or nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde::Serialize;

use super::cache::{Known, NodeState, STATE, State};
use super::folder::OutDir;
use super::publish::{self, Staged, Staging};
use super::graph::{self, Decision, Graph, Node, Sources, TOOL};
use super::plan::Plan;
use super::progress::Progress;
use super::paths::Paths;
use super::render;
use super::waves::design_of;
use crate::data;
use crate::error::{Context, Error, Result};
use crate::compute::{self, Done, Inputs, Job, WaveData};
use crate::handbook::PdfOptions;
use crate::model::{Report, WaveFacts};

/// What `build` produced.
pub struct Built {
    pub report: Report,
    /// Every file of the build but timings.json and the state, in the manifest's order.
    pub artifacts: Vec<Staged>,
    pub warnings: Vec<String>,
    /// Seconds each stage took, in order.
    pub timings: Vec<(String, f64)>,
    /// Nodes built again, and nodes reused or kept, in graph order.
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

/// Called once the numbers are computed, before the charts and PDFs: the
/// binary uses it to let its allocator return freed memory to the system
/// from then on (see main.rs), where computing keeps it for reuse.
pub static BEFORE_RENDER: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

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
    // The PDFs' date is checked before anything is computed.
    PdfOptions::from_env()?;
    let plan = Plan::read(paths)?;
    let periods = plan.sources.waves.keys().cloned().collect();
    compute::check(&plan.config, &plan.codebook, &periods).map_err(|e| Error::Config(e.join("\n")))?;
    plan.graph.check_only(opts.only.as_deref())?;
    if plan.sources.waves.is_empty() {
        return Err(Error::config(format!("no wave files (*.csv, *.parquet) in {}", paths.waves().display())));
    }
    // Checked, marked and locked until the build ends; what interrupted
    // builds left is deleted first. The last build is read from its own
    // generation folder.
    let out = OutDir::open(paths)?;
    let mut notes = publish::clean_leftovers(&out)?;
    let last = out.last();
    // With --force every node is built again, and the last build's file
    // stamps still spare reading its files to link the equal ones.
    let mut old = State::load(&last);
    if opts.force {
        old.nodes.clear();
        old.data.clear();
        old.seeds.clear();
    }
    let decisions = graph::decide(&plan.graph, &old, &last, opts.force, opts.only.as_deref());
    laps.lap("fingerprint");

    let mut warnings = Vec::new();
    let fresh = compute_stale(paths, &plan, &decisions, &mut progress, &mut laps)?;
    let report = assemble(paths, &plan, &old, fresh)?;
    // The waves' warnings travel with their facts, fresh or cached.
    warnings.extend(report.method.iter().flat_map(|w| w.warnings.iter().cloned()));
    for ch in &report.chapters {
        warnings.extend(ch.warnings.iter().cloned());
        warnings.extend(ch.figures.iter().flat_map(|f| f.warnings.iter().cloned()));
    }
    laps.lap("assemble");
    if opts.strict && !warnings.is_empty() {
        return Err(Error::Warnings(warnings));
    }

    // The new generation: every file goes to disk as it is made, and
    // becomes live only when the build is whole (dropped on an error, which
    // deletes it).
    let stage = Staging::begin(&out, &old)?;
    if let Some(hook) = BEFORE_RENDER.get() {
        hook();
    }
    progress.stage("data");
    let (mut artifacts, data_keys) = data_stage(&report, &old, &stage)?;
    publish::stop_point(2);
    laps.lap("data");

    progress.stage("charts and handbook");
    let rendered = render::render(&report, paths, &decisions, &old, &stage)?;
    artifacts.extend(rendered.artifacts);
    laps.lap("render");

    progress.stage("publish");
    let mut state = next_state(&plan.graph, &decisions, &old, &report, rendered.files)?;
    state.data = data_keys;
    state.seeds = rendered.seeds;
    artifacts.push(stage.put("manifest.json", &manifest(&plan.sources, &artifacts)?)?);
    state.files = artifacts.iter().map(|a| (a.path.clone(), Known { sha256: a.sha256.clone(), stamp: a.stamp })).collect();
    stage.put(STATE, &state.to_bytes()?)?;
    drop(state);
    laps.lap("publish");
    let (rebuilt, reused) = outcome(&decisions);
    let timings = Timings {
        tool: TOOL,
        stages: laps.list.iter().map(|(stage, seconds)| Lap { stage, seconds: *seconds }).collect(),
        rebuilt: &rebuilt,
        reused: &reused,
        peak_rss_mb: peak_rss_mb(),
    };
    stage.put("timings.json", (serde_json::to_string_pretty(&timings)? + "\n").as_bytes())?;
    notes.extend(stage.publish()?);
    progress.done();
    // Notes on the folder come after `--strict` has judged the build's own warnings.
    warnings.extend(notes);
    Ok(Built { report, artifacts, warnings, timings: laps.list, rebuilt, reused })
}

/// The data exports, made side by side and each written as it is made;
/// one whose key the last build noted, and whose file is still as that
/// build left it, is linked from it instead. Returns the files in order and
/// the keys to note for the next build.
fn data_stage(report: &Report, old: &State, stage: &Staging) -> Result<(Vec<Staged>, BTreeMap<String, String>)> {
    use rayon::prelude::*;
    let files = publish::data_files(report)?;
    let staged = files
        .par_iter()
        .map(|f| {
            let last = f.key.as_ref().filter(|k| old.data.get(&f.path) == Some(*k)).and_then(|_| old.files.get(&f.path));
            if let Some(known) = last
                && let Some(kept) = stage.reuse(&f.path, &known.sha256)?
            {
                return Ok(kept);
            }
            stage.put(&f.path, &f.make()?)
        })
        .collect::<Result<Vec<Staged>>>()?;
    let keys = files.into_iter().filter_map(|f| Some((f.path, f.key?))).collect();
    Ok((staged, keys))
}

/// `outputs/timings.json`.
#[derive(Serialize)]
struct Timings<'a> {
    tool: &'a str,
    stages: Vec<Lap<'a>>,
    rebuilt: &'a [String],
    reused: &'a [String],
    peak_rss_mb: Option<f64>,
}

#[derive(Serialize)]
struct Lap<'a> {
    stage: &'a str,
    seconds: f64,
}

/// Nodes built again and nodes reused or kept, in graph order.
fn outcome(decisions: &BTreeMap<Node, Decision>) -> (Vec<String>, Vec<String>) {
    let (built, reused): (Vec<_>, Vec<_>) = decisions.iter().partition(|(_, d)| matches!(d, Decision::Build(_)));
    (built.into_iter().map(|(n, _)| n.to_string()).collect(), reused.into_iter().map(|(n, _)| n.to_string()).collect())
}

/// Models computed by this build.
struct Fresh {
    done: BTreeMap<Node, Done>,
    facts: BTreeMap<String, WaveFacts>,
}

/// Reads and validates only the waves that stale nodes need, one at a
/// time (memory holds one wave whatever their number), and computes the
/// stale heroes, figures and wave facts.
fn compute_stale(
    paths: &Paths,
    plan: &Plan,
    decisions: &BTreeMap<Node, Decision>,
    progress: &mut Progress,
    laps: &mut Laps,
) -> Result<Fresh> {
    let stale: Vec<(&Node, Job)> = decisions
        .iter()
        .filter(|(_, d)| matches!(d, Decision::Build(_)))
        .filter_map(|(n, _)| plan.job(n).map(|j| (n, j)))
        .collect();
    let stale_facts: BTreeSet<&String> =
        decisions.iter().filter_map(|(n, d)| match (n, d) { (Node::Wave(p), Decision::Build(_)) => Some(p), _ => None }).collect();
    let periods: Vec<Vec<String>> = stale.iter().map(|(_, j)| compute::job_periods(&plan.config, *j)).collect();
    let needed: BTreeSet<&String> = periods.iter().flatten().chain(stale_facts.iter().copied()).collect();
    // A trend figure reads several waves: its estimates are gathered wave by wave.
    let mut trend_parts: BTreeMap<&Node, Vec<compute::TrendPart>> = BTreeMap::new();
    let mut fresh = Fresh { done: BTreeMap::new(), facts: BTreeMap::new() };
    let (mut t_validate, mut t_compute) = (0.0, 0.0);
    for period in needed {
        let (file, _) = plan.sources.waves.get(period).ok_or_else(|| Error::config(format!("{}: no wave file for {period}", paths.waves().display())))?;
        progress.stage(&format!("validate {period}"));
        let t = Instant::now();
        let mut wave = data::load_wave(file, &plan.codebook)?;
        let design = design_of(&wave)?;
        // Validated whole; computed from the columns the stale jobs that read this wave use.
        let jobs: Vec<Job> = stale.iter().zip(&periods).filter(|(_, ps)| ps.iter().any(|p| p == period)).map(|((_, j), _)| *j).collect();
        if let Some(keep) = compute::columns_used(&plan.config, &plan.codebook, &wave, &jobs)? {
            wave.keep_columns(keep)?;
        }
        let wd = WaveData { wave, design };
        t_validate += t.elapsed().as_secs_f64();
        progress.stage(&format!("compute {period}"));
        let t = Instant::now();
        let mine: Vec<(&Node, Job)> = stale
            .iter()
            .zip(&periods)
            .filter(|((_, j), ps)| !compute::is_trend(&plan.config, *j) && ps.iter().any(|p| p == period))
            .map(|(x, _)| *x)
            .collect();
        let jobs: Vec<Job> = mine.iter().map(|(_, j)| *j).collect();
        if stale_facts.contains(period) {
            fresh.facts.insert(period.clone(), compute::wave_facts(&plan.codebook, &wd)?);
        }
        let inputs = Inputs { codebook: &plan.codebook, waves: BTreeMap::from([(period.clone(), wd)]), dir: &paths.inputs };
        for ((node, _), done) in mine.iter().zip(compute::compute_jobs(&plan.config, &inputs, &jobs)?) {
            fresh.done.insert((*node).clone(), done);
        }
        for ((node, job), ps) in stale.iter().zip(&periods) {
            if compute::is_trend(&plan.config, *job) && ps.iter().any(|p| p == period) {
                trend_parts.entry(*node).or_default().push(compute::trend_part(&plan.config, &inputs, *job)?);
            }
        }
        t_compute += t.elapsed().as_secs_f64();
    }
    for (node, job) in stale.iter().filter(|(_, j)| compute::is_trend(&plan.config, *j)) {
        let parts = trend_parts.remove(*node).unwrap_or_default();
        fresh.done.insert((*node).clone(), compute::trend_finish(&plan.config, &plan.codebook, *job, parts)?);
    }
    laps.add("validate", t_validate);
    laps.add("compute", t_compute);
    Ok(fresh)
}

/// The report from fresh and cached models, in report order, with each
/// chapter's introduction and editorial boxes.
fn assemble(paths: &Paths, plan: &Plan, old: &State, mut fresh: Fresh) -> Result<Report> {
    let cached = |node: &Node| -> Result<serde_json::Value> {
        old.nodes.get(node).and_then(|n| n.model.clone()).ok_or_else(|| Error::internal(format!("{node}: no model, computed or cached")))
    };
    let mut ordered = Vec::new();
    for (c, ch) in plan.config.chapters.iter().enumerate() {
        let mut nodes = vec![(Node::Hero(ch.id.clone()), Job::Hero(c))];
        nodes.extend(ch.figures.iter().enumerate().map(|(f, fc)| (Node::Figure(fc.id.clone()), Job::Figure(c, f))));
        for (node, job) in nodes {
            let done = match fresh.done.remove(&node) {
                Some(d) => d,
                None => match job {
                    Job::Hero(_) => Done::Hero(serde_json::from_value(cached(&node)?).context(format!("{node}: cached model"))?),
                    Job::Figure(..) => Done::Figure(Box::new(serde_json::from_value(cached(&node)?).context(format!("{node}: cached model"))?)),
                },
            };
            ordered.push(done);
        }
    }
    let mut method = Vec::new();
    for period in plan.sources.waves.keys() {
        let facts = match fresh.facts.remove(period) {
            Some(f) => f,
            None => serde_json::from_value(cached(&Node::Wave(period.clone()))?)?,
        };
        method.push(facts);
    }
    compute::assemble(&plan.config, &paths.inputs.join("content"), ordered, method)
}

/// The state this build leaves: built nodes with their new fingerprints,
/// reused ones as they were, kept ones marked out of date.
fn next_state(graph: &Graph, decisions: &BTreeMap<Node, Decision>, old: &State, report: &Report, files: BTreeMap<Node, Vec<(String, String)>>) -> Result<State> {
    let mut state = State::default();
    for (node, planned) in &graph.nodes {
        let decision = &decisions[node];
        let entry = match decision {
            Decision::Reuse | Decision::Keep => {
                let mut prev = old.nodes.get(node).cloned().ok_or_else(|| Error::internal(format!("{node}: reused without a state")))?;
                prev.outdated |= *decision == Decision::Keep;
                prev
            }
            Decision::Build(_) => NodeState {
                fingerprint: planned.fingerprint.clone(),
                files: files.get(node).cloned().unwrap_or_default(),
                model: model_of(node, report)?,
                outdated: false,
            },
        };
        state.nodes.insert(node.clone(), entry);
    }
    Ok(state)
}

/// A computed node's part of the model, as the cache keeps it.
fn model_of(node: &Node, report: &Report) -> Result<Option<serde_json::Value>> {
    Ok(match node {
        Node::Wave(p) => report.method.iter().find(|w| w.period == *p).map(serde_json::to_value).transpose()?,
        Node::Hero(c) => report.chapters.iter().find(|ch| ch.id == *c).map(|ch| serde_json::to_value(&ch.hero)).transpose()?,
        Node::Figure(id) => report.chapters.iter().flat_map(|c| &c.figures).find(|f| f.id == *id).map(serde_json::to_value).transpose()?,
        _ => None,
    })
}

/// `outputs/manifest.json`: the tool, every input and artifact with its
/// SHA-256 and size. Nothing time-dependent: two builds of the same inputs
/// give the same manifest (timings go to `timings.json`).
fn manifest(src: &Sources, artifacts: &[Staged]) -> Result<Vec<u8>> {
    // Keys in alphabetical order, as the manifest has always been written.
    #[derive(Serialize)]
    struct Entry<'a> {
        bytes: u64,
        path: &'a str,
        sha256: String,
    }
    #[derive(Serialize)]
    struct Manifest<'a> {
        artifacts: Vec<Entry<'a>>,
        inputs: Vec<Entry<'a>>,
        tool: &'a str,
    }
    let m = Manifest {
        artifacts: artifacts.iter().map(|a| Entry { bytes: a.bytes, path: &a.path, sha256: a.sha256.clone() }).collect(),
        inputs: src.files.iter().map(|(p, h, n)| Entry { bytes: *n, path: p, sha256: h.clone() }).collect(),
        tool: TOOL,
    };
    Ok((serde_json::to_string_pretty(&m)? + "\n").into_bytes())
}

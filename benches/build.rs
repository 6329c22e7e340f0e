//! The full batch job, timed as users run it (the real binary): the shipped
//! report from scratch, a rebuild with nothing changed, a one-figure edit,
//! a generated report of about 50 chapters (cost per figure beside the
//! shipped report's), and optionally reports over synthetic waves of N
//! rows each. Writes BENCHMARKS.md.
//!
//! `cargo bench --bench build`. BENCH_SIZES=1000000,10000000 adds the
//! scaled runs (minutes: each size is synthesised the first time and kept
//! in target/bench-waves/<n>/); BENCH_PERIODS=2018-2019 scales only the
//! waves named (the others stay as shipped); BENCH_RUNS sets
//! the runs per measurement (default 7).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_barometer");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// CPU seconds (user + system) of the finished children of this process.
fn children_cpu() -> f64 {
    // SAFETY: getrusage fills the struct it is given; it is zeroed first.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// One run of the binary: wall and CPU seconds.
#[derive(Clone, Copy)]
struct Time {
    wall: f64,
    cpu: f64,
}

fn run(args: &[&str]) -> Time {
    let cpu = children_cpu();
    let start = Instant::now();
    let out = Command::new(BIN).args(args).env("CI", "true").output().expect("barometer runs");
    let wall = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "barometer {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    Time { wall, cpu: children_cpu() - cpu }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Medians of wall and CPU time over runs.
fn medians(runs: &[Time]) -> Time {
    Time { wall: median(runs.iter().map(|t| t.wall).collect()), cpu: median(runs.iter().map(|t| t.cpu).collect()) }
}

/// Stage times and peak memory from the build's own timings.json.
fn timings(out: &Path) -> (Vec<(String, f64)>, f64) {
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("timings.json")).unwrap()).unwrap();
    let stages = t["stages"].as_array().unwrap().iter().map(|s| (s["stage"].as_str().unwrap().to_string(), s["seconds"].as_f64().unwrap())).collect();
    (stages, t["peak_rss_mb"].as_f64().unwrap_or(0.0))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok())))
        .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cpu}, {cores} cores, {mem} RAM, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The 1-minute load average: how busy the machine was.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_string)).unwrap_or_else(|| "?".into())
}

/// A project (config and inputs) in a temporary folder.
struct Project {
    _dir: tempfile::TempDir,
    config: PathBuf,
    inputs: PathBuf,
    out: PathBuf,
}

impl Project {
    fn shipped() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let (config, inputs, out) = (dir.path().join("config"), dir.path().join("inputs"), dir.path().join("outputs"));
        copy_dir(&root().join("config"), &config);
        copy_dir(&root().join("inputs"), &inputs);
        Project { _dir: dir, config, inputs, out }
    }

    /// The shipped project with its chapters copied, under new ids, until
    /// the report has `n` chapters.
    fn chapters(n: usize) -> Project {
        let p = Project::shipped();
        let report_path = p.config.join("report.toml");
        let report = std::fs::read_to_string(&report_path).unwrap();
        // The chapter list, which may span lines (with comments per edition).
        let start = report.find("\nchapters = [").unwrap() + 1;
        let line = report[start..start + report[start..].find(']').unwrap() + 1].to_string();
        let parsed: toml::Table = toml::from_str(&line).unwrap();
        let shipped: Vec<String> = parsed["chapters"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        let mut ids = shipped.clone();
        for k in shipped.len()..n {
            let from = &shipped[k % shipped.len()];
            let id = format!("{from}-k{k}");
            // Every id in the chapter file (the chapter's, its figures') gets
            // the suffix, where it is defined and where the text names it.
            let mut text = std::fs::read_to_string(p.config.join(format!("chapters/{from}.toml"))).unwrap();
            let olds: Vec<String> =
                text.lines().filter_map(|l| l.strip_prefix("id = \"").and_then(|r| r.strip_suffix('"')).map(str::to_string)).collect();
            for old in olds {
                let new = format!("{old}-k{k}");
                for (a, b) in [("\"", "\""), ("{", "}"), ("{", "."), ("{", "|")] {
                    text = text.replace(&format!("{a}{old}{b}"), &format!("{a}{new}{b}"));
                }
            }
            std::fs::write(p.config.join(format!("chapters/{id}.toml")), text).unwrap();
            let content = p.inputs.join(format!("content/{from}.toml"));
            if content.exists() {
                std::fs::copy(&content, p.inputs.join(format!("content/{id}.toml"))).unwrap();
            }
            ids.push(id);
        }
        let list = ids.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ");
        std::fs::write(&report_path, report.replace(&line, &format!("chapters = [{list}]"))).unwrap();
        p
    }

    fn args(&self, extra: &[&str]) -> Vec<String> {
        let s = |p: &PathBuf| p.display().to_string();
        extra.iter().map(|x| x.to_string()).chain(["--config".into(), s(&self.config), "--inputs".into(), s(&self.inputs), "--out".into(), s(&self.out), "--quiet".into()]).collect()
    }

    fn call(&self, extra: &[&str]) -> Time {
        let a = self.args(extra);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Charts the last build drew: one per figure and one hero tile per chapter.
    fn charts(&self) -> (usize, usize) {
        let m: serde_json::Value = serde_json::from_slice(&std::fs::read(self.out.join("model.json")).unwrap()).unwrap();
        let chapters = m["chapters"].as_array().unwrap();
        (chapters.len(), chapters.iter().map(|c| 1 + c["figures"].as_array().unwrap().len()).sum())
    }
}

fn ms(s: f64) -> String {
    format!("{:.0} ms", s * 1000.0)
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7).max(1);
    let load_before = load();
    let mut md = String::from(
        "# Benchmarks\n\nWritten by `make bench` (`cargo bench --bench build`): the release binary as users run it, median of the runs. \
         Wall is elapsed time; CPU is user + system time of the process (all threads), which shared machines disturb less.\n\n",
    );
    md.push_str(&format!("Machine: {}\n\n", machine()));

    // The shipped report from scratch.
    let p = Project::shipped();
    p.call(&["build", "--force"]);
    let mut rss = Vec::new();
    let mut stages_of = Vec::new();
    let full: Vec<Time> = (0..runs)
        .map(|_| {
            let t = p.call(&["build", "--force"]);
            let (stages, r) = timings(&p.out);
            rss.push(r);
            stages_of.push(stages);
            t
        })
        .collect();
    let full = medians(&full);
    let rss = median(rss);
    let (chapters, charts) = p.charts();
    println!("shipped report, full build: {:.3} s wall, {:.3} s CPU, {} per chart, peak {rss:.0} MB", full.wall, full.cpu, ms(full.wall / charts as f64));
    // A rebuild with nothing changed.
    let noop = medians(&(0..runs).map(|_| p.call(&["build"])).collect::<Vec<_>>());
    // One figure edited: its title flips between two wordings.
    let chapter = p.config.join("chapters/borgere-2018.toml");
    let text = std::fs::read_to_string(&chapter).unwrap();
    let (a, b) = ("Der samarbejdes med mange forskellige eksterne aktører", "Der samarbejdes med mange eksterne aktører");
    assert!(text.contains(a), "the benchmark's figure title is no longer in {}", chapter.display());
    let flip = |edited: bool| std::fs::write(&chapter, if edited { text.replace(a, b) } else { text.clone() }).unwrap();
    // The render stage of that rebuild: the chart, the chapter's PDF and
    // the two books it is in (its edition's and the combined one).
    let mut one_render = Vec::new();
    let one = medians(
        &(0..runs)
            .map(|i| {
                flip(i % 2 == 0);
                let t = p.call(&["build"]);
                let (stages, _) = timings(&p.out);
                one_render.push(stages.iter().filter(|(s, _)| s == "render").map(|(_, v)| v).sum::<f64>());
                t
            })
            .collect::<Vec<_>>(),
    );
    let one_render = median(one_render);
    // The same edit, rebuilt with --only: the figure, its data and chart (the PDFs wait).
    let only = medians(
        &(0..runs)
            .map(|i| {
                flip(i % 2 == 1);
                p.call(&["build", "--only", "eksterne-partnere"])
            })
            .collect::<Vec<_>>(),
    );
    std::fs::write(&chapter, &text).unwrap();
    println!("shipped report, one figure edited: {:.3} s (render stage {:.3} s); with --only: {:.3} s", one.wall, one_render, only.wall);
    let stages = &stages_of[stages_of.len() / 2];
    md.push_str(&format!(
        "## The shipped report (4 waves, 7.500 rows, {chapters} chapters, {charts} charts: figures and hero tiles)\n\n\
         | run | wall | CPU | wall per chart |\n|---|---|---|---|\n\
         | full build (`--force`) | {} | {} | {} |\n\
         | rebuild, nothing changed | {} | {} | |\n\
         | rebuild after editing one figure (its chart and data, its chapter PDF, its edition's book and the combined book) | {} | {} | |\n\
         | the same with `--only <figure>` (figure, data, chart) | {} | {} | |\n\n\
         Of the one-figure rebuild, the render stage (the chart, the chapter laid out again, the two books put together from the chapters' PDFs) took {}.\n\n",
        ms(full.wall),
        ms(full.cpu),
        ms(full.wall / charts as f64),
        ms(noop.wall),
        ms(noop.cpu),
        ms(one.wall),
        ms(one.cpu),
        ms(only.wall),
        ms(only.cpu),
        ms(one_render),
    ));
    md.push_str(&format!("Peak memory of the full build: {rss:.0} MB. Stages of one full build: {}.\n\n", stage_list(stages)));

    // A report of about 50 chapters: the cost per chart must not grow.
    let big = Project::chapters(50);
    big.call(&["build", "--force"]);
    let mut big_rss = Vec::new();
    let big_runs: Vec<Time> = (0..runs.min(3))
        .map(|_| {
            let t = big.call(&["build", "--force"]);
            big_rss.push(timings(&big.out).1);
            t
        })
        .collect();
    let bt = medians(&big_runs);
    let big_rss = median(big_rss);
    let (big_chapters, big_charts) = big.charts();
    println!("{big_chapters} chapters: {:.3} s wall, {:.3} s CPU, {} per chart, peak {big_rss:.0} MB", bt.wall, bt.cpu, ms(bt.wall / big_charts as f64));
    md.push_str(&format!(
        "## Cost per chart as the report grows\n\nFull build (`--force`); the larger report lists copies of the shipped chapters under new ids. \
         A chart's share includes its share of every PDF (each chapter's and the book).\n\n\
         | report | charts | wall | CPU | wall per chart | CPU per chart | peak memory |\n|---|---|---|---|---|---|---|\n\
         | shipped, {chapters} chapters | {charts} | {} | {} | {:.1} ms | {:.1} ms | {rss:.0} MB |\n\
         | generated, {big_chapters} chapters | {big_charts} | {} | {} | {:.1} ms | {:.1} ms | {big_rss:.0} MB |\n\n",
        ms(full.wall),
        ms(full.cpu),
        full.wall * 1000.0 / charts as f64,
        full.cpu * 1000.0 / charts as f64,
        ms(bt.wall),
        ms(bt.cpu),
        bt.wall * 1000.0 / big_charts as f64,
        bt.cpu * 1000.0 / big_charts as f64,
    ));
    drop(big);

    // Scaled synthetic waves, on request.
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES").ok().map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_default();
    // Only these waves scaled (the others as shipped), or every wave.
    let periods: Vec<String> = std::env::var("BENCH_PERIODS").ok().map(|v| v.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()).unwrap_or_default();
    let which = if periods.is_empty() { "every wave".to_string() } else { format!("wave {} scaled, the others as shipped", periods.join(", ")) };
    md.push_str(&format!("## Scaled synthetic waves ({which}; N rows, Parquet)\n\n"));
    if sizes.is_empty() {
        md.push_str("Not run this time: `BENCH_SIZES=1000000,10000000 make bench` adds them (synthesising 10 million rows takes minutes, once: the waves are kept in target/bench-waves/).\n\n");
    } else {
        md.push_str("Full build with `--force`, median of three runs; validate and compute summed over the waves.\n\n| rows per wave | synth | full build | CPU | validate | compute | peak memory |\n|---|---|---|---|---|---|---|\n");
    }
    for n in sizes {
        let p = Project::shipped();
        let waves = p.inputs.join("waves");
        if periods.is_empty() {
            std::fs::remove_dir_all(&waves).unwrap();
        } else {
            for period in &periods {
                std::fs::remove_file(waves.join(format!("{period}.csv"))).unwrap();
            }
        }
        // Synthesised once per size, waves (and seed) and reused:
        // target/bench-waves/<n>[-<periods>]/, whole once its marker is written.
        let key = if periods.is_empty() { n.to_string() } else { format!("{n}-{}", periods.join("-")) };
        let cached = root().join(format!("target/bench-waves/{key}"));
        let marker = cached.join(".done");
        let synth = if marker.is_file() {
            copy_dir(&cached, &waves);
            std::fs::remove_file(waves.join(".done")).unwrap();
            None
        } else {
            let _ = std::fs::remove_dir_all(&cached);
            let t = Instant::now();
            let mut args: Vec<String> = ["synth", "--rows", &n.to_string(), "--parquet", "--to", &cached.display().to_string(), "--quiet"].map(String::from).to_vec();
            args.extend(periods.iter().flat_map(|p| ["--period".to_string(), p.clone()]));
            run(&args.iter().map(String::as_str).collect::<Vec<_>>());
            let took = t.elapsed().as_secs_f64();
            std::fs::write(&marker, b"").unwrap();
            copy_dir(&cached, &waves);
            std::fs::remove_file(waves.join(".done")).unwrap();
            Some(took)
        };
        let synth = synth.map_or_else(|| "reused".to_string(), |s| format!("{s:.1} s"));
        // The first run after writing the files pays for the system's page
        // cache and memory reclaim; the median of three is what users see.
        type Run = (Time, Vec<(String, f64)>, f64);
        let mut runs: Vec<Run> = (0..3)
            .map(|_| {
                let t = p.call(&["build", "--force"]);
                let (stages, rss) = timings(&p.out);
                (t, stages, rss)
            })
            .collect();
        runs.sort_by(|a, b| a.0.wall.total_cmp(&b.0.wall));
        let (build, stages, rss) = runs.swap_remove(1);
        let get = |k: &str| stages.iter().filter(|(s, _)| s == k).map(|(_, v)| v).sum::<f64>();
        println!("{n} rows per wave: synth {synth}, build {:.2} s (validate {:.2} s, compute {:.2} s), peak {rss:.0} MB", build.wall, get("validate"), get("compute"));
        md.push_str(&format!("| {n} | {synth} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {rss:.0} MB |\n", build.wall, build.cpu, get("validate"), get("compute")));
    }
    md.push_str(&format!("\nLoad average (1 min) when the benchmark started: {load_before}; when it ended: {}.\n", load()));
    md.push_str("\n## The statistics layer alone\n\n`cargo bench --bench stats`: a chapter's estimates (10 shares, 5 by group, 5 Rao-Scott tests, a distribution, a logistic regression) on synthetic designs.\n\n");
    // `make bench` runs the stats benchmark first and keeps its table.
    match std::fs::read_to_string(root().join("target/bench-stats.txt")) {
        Ok(table) => md.push_str(&format!("```\n{}\n```\n", table.trim_end())),
        Err(_) => md.push_str("(run `make bench` to include its table here)\n"),
    }
    std::fs::write(root().join("BENCHMARKS.md"), md).unwrap();
    println!("wrote BENCHMARKS.md");
}

fn stage_list(stages: &[(String, f64)]) -> String {
    stages.iter().map(|(k, v)| format!("{k} {:.0} ms", v * 1000.0)).collect::<Vec<_>>().join(", ")
}

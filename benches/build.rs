//! The full batch job, timed as users run it (the real binary):
//! the shipped report from scratch, a one-figure rebuild, and reports over
//! synthetic waves of 1 and 10 million rows each. Writes BENCHMARKS.md.
//!
//! `cargo bench --bench build`; BENCH_SIZES=1000000 limits the scaled runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_barometer");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> f64 {
    let start = Instant::now();
    let out = Command::new(BIN).args(args).env("CI", "true").output().expect("barometer runs");
    let secs = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "barometer {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    secs
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

fn main() {
    let work = tempfile::tempdir().unwrap();
    let (config, inputs, out) = (work.path().join("config"), work.path().join("inputs"), work.path().join("outputs"));
    copy_dir(&root().join("config"), &config);
    copy_dir(&root().join("inputs"), &inputs);
    let s = |p: &PathBuf| p.display().to_string();
    let base = ["--config".to_string(), s(&config), "--inputs".into(), s(&inputs), "--out".into(), s(&out), "--quiet".into()];
    let args = |extra: &[&str]| -> Vec<String> { extra.iter().map(|x| x.to_string()).chain(base.iter().cloned()).collect() };
    let call = |extra: &[&str]| {
        let a = args(extra);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let mut md = String::from("# Benchmarks\n\nWritten by `make bench` (`cargo bench --bench build`); wall-clock times of the release binary, median of the runs.\n\n");
    md.push_str(&format!("Machine: {}\n\n", machine()));

    // The shipped report from scratch.
    call(&["build", "--force"]);
    let full = median((0..5).map(|_| call(&["build", "--force"])).collect());
    let (stages, rss) = timings(&out);
    println!("shipped report, full build: {full:.3} s (peak {rss:.0} MB)");
    // A rebuild with nothing changed.
    let noop = median((0..5).map(|_| call(&["build"])).collect());
    println!("shipped report, nothing changed: {noop:.3} s");
    // One figure edited: its title flips between two wordings.
    let chapter = config.join("chapters/borgere-2018.toml");
    let text = std::fs::read_to_string(&chapter).unwrap();
    let (a, b) = ("Der samarbejdes med mange forskellige eksterne aktører", "Der samarbejdes med mange eksterne aktører");
    let one = median(
        (0..6)
            .map(|i| {
                std::fs::write(&chapter, if i % 2 == 0 { text.replace(a, b) } else { text.clone() }).unwrap();
                call(&["build"])
            })
            .collect(),
    );
    // The same edit, rebuilt with --only: the figure, its data and chart (the PDFs wait).
    let only = median(
        (0..6)
            .map(|i| {
                std::fs::write(&chapter, if i % 2 == 0 { text.clone() } else { text.replace(a, b) }).unwrap();
                call(&["build", "--only", "eksterne-partnere"])
            })
            .collect(),
    );
    std::fs::write(&chapter, &text).unwrap();
    println!("shipped report, one figure edited: {one:.3} s; with --only: {only:.3} s");
    md.push_str("## The shipped report (3 waves, 5.889 rows, 4 chapters, 12 figures)\n\n| run | wall |\n|---|---|\n");
    md.push_str(&format!(
        "| full build (`--force`) | {full:.3} s |\n| rebuild, nothing changed | {noop:.3} s |\n| rebuild after editing one figure (figure, chart, its chapter PDF, the book) | {one:.3} s |\n| the same with `--only <figure>` (figure, data, chart) | {only:.3} s |\n\n"
    ));
    md.push_str(&format!("Stages of the full build: {}; peak memory {rss:.0} MB.\n\n", stage_list(&stages)));

    // Scaled synthetic waves.
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000_000, 10_000_000]);
    md.push_str("## Scaled synthetic waves (three waves of N rows each, Parquet)\n\nFull build with `--force`, median of three runs; validate and compute summed over the waves.\n\n| rows per wave | synth | full build | validate | compute | peak memory |\n|---|---|---|---|---|---|\n");
    for n in sizes {
        let waves = inputs.join("waves");
        std::fs::remove_dir_all(&waves).unwrap();
        let t = Instant::now();
        run(&["synth", "--rows", &n.to_string(), "--parquet", "--to", &s(&waves), "--quiet"]);
        let synth = t.elapsed().as_secs_f64();
        // The first run after writing the files pays for the system's page
        // cache and memory reclaim; the median of three is what users see.
        type Run = (f64, Vec<(String, f64)>, f64);
        let mut runs: Vec<Run> = (0..3)
            .map(|_| {
                let t = call(&["build", "--force"]);
                let (stages, rss) = timings(&out);
                (t, stages, rss)
            })
            .collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (build, stages, rss) = runs.swap_remove(1);
        let get = |k: &str| stages.iter().filter(|(s, _)| s == k).map(|(_, v)| v).sum::<f64>();
        println!("{n} rows per wave: synth {synth:.1} s, build {build:.2} s (validate {:.2} s, compute {:.2} s), peak {rss:.0} MB", get("validate"), get("compute"));
        md.push_str(&format!("| {n} | {synth:.1} s | {build:.2} s | {:.2} s | {:.2} s | {rss:.0} MB |\n", get("validate"), get("compute")));
    }
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

//! The `barometer` command line: parses arguments and calls the library.
//! Exit status: 0 ok, 1 invalid data or configuration, 2 usage, 3 internal.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use barometer::data::synth::{DEFAULT_SEED, SynthOptions};
use barometer::pipeline::{self, Paths};

/// Large column buffers come and go per estimate; mimalloc reuses their
/// pages instead of returning them to the system and faulting them back in.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's option setter, linked in by the allocator above (the
// `extended` bindings would pull in a crate this build does not have).
unsafe extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
}
/// mimalloc's `mi_option_purge_delay` (the same number in its v2 and v3 headers).
const MI_OPTION_PURGE_DELAY: i32 = 15;

#[derive(Parser)]
#[command(name = "barometer", version, about = "Regenerates the Innovation Barometer: statistics, charts and handbook")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Configuration folder (codebook, chapters, style).
    #[arg(long, global = true, default_value = "config")]
    config: PathBuf,
    /// Input folder (waves/, content/, published aggregates).
    #[arg(long, global = true, default_value = "inputs")]
    inputs: PathBuf,
    /// Output folder.
    #[arg(long, global = true, default_value = "outputs")]
    out: PathBuf,
    /// Print only errors.
    #[arg(long, global = true)]
    quiet: bool,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, global = true)]
    jobs: Option<usize>,
    /// Summary format on standard output.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate, compute every figure, write data, charts and handbook.
    Build {
        /// Fail (exit 1) on warnings, such as a title that no longer fits its number.
        #[arg(long)]
        strict: bool,
        /// Build only this figure or chapter (by id); the rest stays as it was.
        #[arg(long)]
        only: Option<String>,
        /// Recompute everything, ignoring what the last build left.
        #[arg(long)]
        force: bool,
    },
    /// Say what a build would redo, and why.
    Status,
    /// List the chapters and figures with their periods.
    List,
    /// Check every wave in <inputs>/waves against the codebook and summarise it.
    Validate,
    /// Write the synthetic waves (the shipped default input).
    Synth {
        /// Seed of the random draws; the shipped waves use the default.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Rows per wave, for benchmarks (default: the published counts).
        #[arg(long)]
        rows: Option<usize>,
        /// Folder to write to (default: <inputs>/waves).
        #[arg(long)]
        to: Option<PathBuf>,
        /// Only this wave (repeatable), e.g. --period 2018-2019.
        #[arg(long = "period")]
        periods: Vec<String>,
        /// Write Parquet instead of CSV.
        #[arg(long)]
        parquet: bool,
    },
}

fn main() -> ExitCode {
    // A 10-million-row wave is gigabytes of columns: memory freed after one
    // wave or estimate is kept for the next instead of being handed back to
    // the system and faulted in (and zeroed) again. A batch job that exits
    // when done has no use for returning it early.
    // SAFETY: sets a global option of the allocator; called before any thread starts.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = Cli::parse();
    let mut out = String::new();
    let result = run(&cli, &mut out);
    // A reader that stops early (`| head`) is not an error.
    if let Err(e) = std::io::stdout().lock().write_all(out.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to standard output: {e}");
            return ExitCode::from(3);
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(pipeline::exit_code(&err))
        }
    }
}

fn run(cli: &Cli, out: &mut String) -> anyhow::Result<()> {
    if let Some(j) = cli.jobs {
        rayon::ThreadPoolBuilder::new().num_threads(j.max(1)).build_global()?;
    }
    let paths = Paths { config: cli.config.clone(), inputs: cli.inputs.clone(), out: cli.out.clone() };
    match &cli.command {
        Command::Build { strict, only, force } => {
            let opts = pipeline::BuildOptions { strict: *strict, only: only.clone(), force: *force, quiet: cli.quiet || cli.format == Format::Json };
            let built = pipeline::build(&paths, &opts)?;
            for w in &built.warnings {
                eprintln!("warning: {w}");
            }
            if cli.format == Format::Json {
                let summary = serde_json::json!({
                    "artifacts": built.artifacts.iter().map(|a| &a.path).collect::<Vec<_>>(),
                    "warnings": built.warnings,
                    "timings": built.timings.iter().map(|(k, v)| serde_json::json!({"stage": k, "seconds": v})).collect::<Vec<_>>(),
                    "rebuilt": built.rebuilt,
                    "reused": built.reused,
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
            } else if !cli.quiet {
                let figures: usize = built.report.chapters.iter().map(|c| c.figures.len()).sum();
                writeln!(out, 
                    "built {} chapters, {} figures, {} files in {} ({} recomputed, {} reused)",
                    built.report.chapters.len(),
                    figures,
                    built.artifacts.len(),
                    paths.out.display(),
                    built.rebuilt.len(),
                    built.reused.len()
                )?;
            }
        }
        Command::Status => {
            let lines = pipeline::status(&paths)?;
            if cli.format == Format::Json {
                writeln!(out, "{}", serde_json::to_string_pretty(&lines)?)?;
            } else {
                let stale: Vec<_> = lines.iter().filter(|l| !l.up_to_date).collect();
                for l in &stale {
                    writeln!(out, "{}: {}", l.node, l.why)?;
                }
                if stale.is_empty() {
                    writeln!(out, "everything is up to date ({} nodes)", lines.len())?;
                }
            }
        }
        Command::List => {
            let config = barometer::figures::config::Config::load(&paths.config).map_err(|e| pipeline::Invalid(format!("{e:#}")))?;
            let mut rows = Vec::new();
            for (c, ch) in config.chapters.iter().enumerate() {
                rows.push(serde_json::json!({"id": ch.id, "number": format!("{}", c + 1), "kind": "chapter", "period": ch.period, "title": ch.title}));
                for (f, fig) in ch.figures.iter().enumerate() {
                    rows.push(serde_json::json!({"id": fig.id, "number": format!("{}.{}", c + 1, f + 1), "kind": fig.kind.name(), "period": ch.period, "title": fig.title}));
                }
            }
            if cli.format == Format::Json {
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                for r in &rows {
                    let indent = if r["kind"] == "chapter" { "" } else { "  " };
                    writeln!(out, "{indent}{} {} [{}] {} ({})", r["number"].as_str().unwrap_or(""), r["id"].as_str().unwrap_or(""), r["kind"].as_str().unwrap_or(""), r["title"].as_str().unwrap_or(""), r["period"].as_str().unwrap_or(""))?;
                }
            }
        }
        Command::Validate => {
            let summaries = pipeline::validate(&paths)?;
            if cli.format == Format::Json {
                writeln!(out, "{}", serde_json::to_string_pretty(&summaries)?)?;
            } else if !cli.quiet {
                for s in &summaries {
                    for w in &s.warnings {
                        eprintln!("warning: {w}");
                    }
                    writeln!(out, 
                        "{}: {} rows, {} strata, {} innovators ({:.1} % weighted, se {:.1}), {} ({})",
                        s.period,
                        barometer::text::thousands(s.rows),
                        s.strata,
                        barometer::text::thousands(s.innovators),
                        100.0 * s.innovated_share,
                        100.0 * s.innovated_se,
                        s.file,
                        s.read_as
                    )?;
                }
                writeln!(out, "{} waves valid", summaries.len())?;
            }
        }
        Command::Synth { seed, rows, to, periods, parquet } => {
            let opts = SynthOptions {
                seed: *seed,
                rows: *rows,
                out_dir: to.clone().unwrap_or_else(|| paths.waves()),
                periods: (!periods.is_empty()).then(|| periods.clone()),
                parquet: *parquet,
            };
            let written = pipeline::synth(&paths, &opts)?;
            if !cli.quiet {
                for w in &written {
                    writeln!(out, "wrote {}: {} rows, {} innovators", w.path.display(), barometer::text::thousands(w.rows), barometer::text::thousands(w.innovators))?;
                }
            }
        }
    }
    Ok(())
}

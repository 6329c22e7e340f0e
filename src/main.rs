//! The `barometer` command line: parses arguments and calls the library.
//! Exit status: 0 ok, 1 invalid data or configuration, 2 usage, 3 internal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use barometer::data::synth::{DEFAULT_SEED, SynthOptions};
use barometer::pipeline::{self, Paths};

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
    },
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
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(pipeline::exit_code(&err))
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    if let Some(j) = cli.jobs {
        rayon::ThreadPoolBuilder::new().num_threads(j.max(1)).build_global()?;
    }
    let paths = Paths { config: cli.config.clone(), inputs: cli.inputs.clone(), out: cli.out.clone() };
    match &cli.command {
        Command::Build { strict } => {
            let built = pipeline::build(&paths, &pipeline::BuildOptions { strict: *strict })?;
            for w in &built.warnings {
                eprintln!("warning: {w}");
            }
            if cli.format == Format::Json {
                let summary = serde_json::json!({
                    "artifacts": built.artifacts.iter().map(|a| &a.path).collect::<Vec<_>>(),
                    "warnings": built.warnings,
                    "timings": built.timings.iter().map(|(k, v)| serde_json::json!({"stage": k, "seconds": v})).collect::<Vec<_>>(),
                });
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else if !cli.quiet {
                let figures: usize = built.report.chapters.iter().map(|c| c.figures.len()).sum();
                println!(
                    "built {} chapters, {} figures, {} files in {}",
                    built.report.chapters.len(),
                    figures,
                    built.artifacts.len(),
                    paths.out.display()
                );
            }
        }
        Command::Validate => {
            let summaries = pipeline::validate(&paths)?;
            if cli.format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&summaries)?);
            } else if !cli.quiet {
                for s in &summaries {
                    for w in &s.warnings {
                        eprintln!("warning: {w}");
                    }
                    println!(
                        "{}: {} rows, {} strata, {} innovators ({:.1} % weighted, se {:.1}), {} ({})",
                        s.period,
                        pipeline::thousands(s.rows),
                        s.strata,
                        pipeline::thousands(s.innovators),
                        100.0 * s.innovated_share,
                        100.0 * s.innovated_se,
                        s.file,
                        s.read_as
                    );
                }
                println!("{} waves valid", summaries.len());
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
                    println!("wrote {}: {} rows, {} innovators", w.path.display(), pipeline::thousands(w.rows), pipeline::thousands(w.innovators));
                }
            }
        }
    }
    Ok(())
}

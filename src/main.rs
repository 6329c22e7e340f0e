//! The `barometer` command line: parses arguments, dispatches to a
//! subcommand (`cmd/`), and decides the exit status from the error's kind:
//! 0 ok; 1 invalid data or configuration, or an output folder refused;
//! 2 usage (clap, or an id that does not exist); 3 internal; 75
//! (sysexits' EX_TEMPFAIL) another build holds the output folder. With
//! `--format json` a failure is also printed as JSON on standard output.

mod cmd;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use barometer::data::synth::DEFAULT_SEED;
use barometer::error::{Blame, Error};
use barometer::pipeline::Paths;

/// Large column buffers come and go per estimate and chart; mimalloc reuses
/// their pages for a while before returning them to the system (see
/// [`RENDER_PURGE_DELAY_MS`]). Built without transparent huge pages (the `no_thp`
/// feature): the kernel zeroed 2 MiB for every region touched, a third of a
/// shipped build's CPU and 50 MB of its peak memory, and the
/// 10-million-row build was no faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's option setter, linked in by the allocator above (the
// `extended` bindings would pull in a crate this build does not have).
unsafe extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
}
/// mimalloc's `mi_option_purge_delay` (the same number in its v2 and v3 headers).
const MI_OPTION_PURGE_DELAY: i32 = 15;
/// Milliseconds freed memory stays with the process before it goes back to
/// the system, while the charts and PDFs are made. Never returning it (-1),
/// as while computing, left the shipped build's peak at 230 MB, of which
/// 100 MB was in use at once (the PNGs and PDFs of every size fragment it);
/// after 100 ms the peak is 130 MB. Computing keeps it (-1): purging there
/// made a 10-million-row wave's build fault in and zero its pages again,
/// 20 % more CPU. mimalloc's own MIMALLOC_PURGE_DELAY, where set, decides
/// instead.
const RENDER_PURGE_DELAY_MS: std::ffi::c_long = 100;

/// The purge delay while the books are put together: each book parses its
/// chapters' PDFs and writes a file of up to 15 MB, and freed buffers kept
/// for 100 ms there raised the shipped build's peak from 135 MB to 156 MB;
/// returned at once, the build's CPU time did not measurably change.
const BOOKS_PURGE_DELAY_MS: std::ffi::c_long = 0;

/// Sets mimalloc's purge delay, unless MIMALLOC_PURGE_DELAY does.
fn purge_delay(ms: std::ffi::c_long) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a global option of the allocator, which reads it each
        // time it considers returning memory.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
    }
}

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
    /// Build, serve the site on 127.0.0.1 and rebuild when config or inputs change.
    Serve {
        /// Port to listen on (0: any free port; the address is printed).
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    /// Say what a build would redo, and why.
    Status,
    /// List the chapters and figures with their periods.
    List,
    /// Check every wave in <inputs>/waves against the codebook and summarise it.
    Validate,
    /// Work with a real delivery: `delivery propose FILE` proposes its [[delivery]] mapping.
    Delivery {
        #[command(subcommand)]
        action: cmd::delivery::Action,
    },
    /// Compare every published number (<inputs>/published/published.toml) with the waves'.
    Verify,
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
    purge_delay(-1);
    let _ = barometer::pipeline::build::BEFORE_RENDER.set(|| purge_delay(RENDER_PURGE_DELAY_MS));
    let _ = barometer::pipeline::render::AROUND_BOOKS.set(|on| purge_delay(if on { BOOKS_PURGE_DELAY_MS } else { RENDER_PURGE_DELAY_MS }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to standard output as usual; a refused
            // command line is also JSON there when JSON was asked for.
            if e.use_stderr() && wants_json(std::env::args_os()) {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or_default();
                print_out(&cmd::error::usage_json(first.strip_prefix("error: ").unwrap_or(first)));
            }
            e.exit()
        }
    };
    let json = cli.format == Format::Json;
    // `verify` writes its own JSON document, failing or not (`passed`,
    // `failures`): one document on standard output, never two.
    let reports_itself = json && matches!(cli.command, Command::Verify);
    let result = run(cli);
    if let Ok(out) = &result
        && !print_out(out)
    {
        return ExitCode::from(3);
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            if json && !reports_itself {
                print_out(&cmd::error::json(&err));
            }
            ExitCode::from(match err.blame() {
                Blame::Input => 1,
                Blame::Usage => 2,
                Blame::Tool => 3,
                Blame::Busy => 75,
            })
        }
    }
}

/// Writes to standard output; false (said on standard error) when that
/// fails. A reader that stops early (`| head`) is not an error.
fn print_out(text: &str) -> bool {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write to standard output: {e}");
            false
        }
        _ => true,
    }
}

/// Whether a command line clap could not parse asked for `--format json`.
fn wants_json(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.collect();
    args.iter().any(|a| a == "--format=json") || args.windows(2).any(|w| w[0] == "--format" && w[1] == "json")
}

/// Runs the subcommand; returns what it prints on standard output.
fn run(cli: Cli) -> Result<String, Error> {
    if let Some(j) = cli.jobs {
        rayon::ThreadPoolBuilder::new().num_threads(j.max(1)).build_global().map_err(|e| Error::internal(format!("--jobs {j}: {e}")))?;
    }
    let g = cmd::Global {
        paths: Paths { config: cli.config, inputs: cli.inputs, out: cli.out },
        quiet: cli.quiet,
        json: cli.format == Format::Json,
    };
    match cli.command {
        Command::Build { strict, only, force } => cmd::build::run(&g, strict, only, force),
        Command::Serve { port } => cmd::serve::run(&g, port),
        Command::Status => cmd::status::run(&g),
        Command::List => cmd::list::run(&g),
        Command::Validate => cmd::validate::run(&g),
        Command::Delivery { action } => cmd::delivery::run(&g, action),
        Command::Verify => cmd::verify::run(&g),
        Command::Synth { seed, rows, to, periods, parquet } => cmd::synth::run(&g, seed, rows, to, periods, parquet),
    }
}

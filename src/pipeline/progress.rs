//! Progress: a spinner with the stage on a terminal, plain lines under CI
//! (`CI` set) or when standard error is not a terminal, nothing with --quiet.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    started: Instant,
    stage: Option<(String, Instant)>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        let tty = std::io::stderr().is_terminal();
        let bar = (!quiet && tty && !ci).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            b.enable_steady_tick(std::time::Duration::from_millis(100));
            b
        });
        Progress { plain: !quiet && bar.is_none(), bar, started: Instant::now(), stage: None }
    }

    /// Starts a stage, ending the one before.
    pub fn stage(&mut self, name: &str) {
        self.finish_stage();
        if let Some(b) = &self.bar {
            b.set_message(name.to_string());
        }
        self.stage = Some((name.to_string(), Instant::now()));
    }

    fn finish_stage(&mut self) {
        if let Some((name, t)) = self.stage.take()
            && self.plain
        {
            eprintln!("{name}: {:.2} s", t.elapsed().as_secs_f64());
        }
    }

    pub fn done(&mut self) {
        self.finish_stage();
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        if self.plain {
            eprintln!("done in {:.2} s", self.started.elapsed().as_secs_f64());
        }
    }
}

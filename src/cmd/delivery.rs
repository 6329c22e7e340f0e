//! `barometer delivery propose FILE`: a `[[delivery]]` mapping proposed
//! for a real delivery, printed to paste into the codebook.

use std::path::PathBuf;

use barometer::data::propose;
use barometer::error::{Error, Result};
use barometer::pipeline::load_codebook;

use super::{Global, json_line};

/// What to do with a delivery.
#[derive(clap::Subcommand)]
pub enum Action {
    /// Match a file's columns (and codes) to the codebook and print a [[delivery]] table.
    Propose {
        /// The delivered file (.sav, .zsav, .xlsx, .csv or .parquet).
        file: PathBuf,
    },
}

pub fn run(g: &Global, action: Action) -> Result<String> {
    let Action::Propose { file } = action;
    if !file.exists() {
        return Err(Error::Usage(format!("{} does not exist; name the delivered file", file.display())));
    }
    let codebook = load_codebook(&g.paths)?;
    let proposal = propose::propose_file(&file, &codebook)?;
    if g.json {
        return json_line(&serde_json::json!({
            "file": proposal.file,
            "period": proposal.period,
            "columns": proposal.matched.iter().map(|m| serde_json::json!({"column": m.own, "canonical": m.canonical, "how": m.how})).collect::<Vec<_>>(),
            "recode": proposal.recode,
            "unmatched": proposal.unmatched.iter().map(|(n, why)| serde_json::json!({"column": n, "why": why})).collect::<Vec<_>>(),
            "notes": proposal.notes,
            "missing": proposal.missing,
            "toml": proposal.to_toml(),
        }));
    }
    Ok(proposal.to_toml())
}

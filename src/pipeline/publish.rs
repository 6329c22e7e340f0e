//! Artifacts and publishing: every file is written into a staging folder
//! beside the outputs, then each top-level entry is moved into place, so a
//! failed build leaves the previous outputs untouched.

use std::path::{Component, Path};

use crate::error::{Error, Result};
use crate::export;
use crate::model::Report;

/// One output file: a path under outputs/ and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// The data exports of the report, in a fixed order: the headlines, each
/// figure's rows (CSV, JSON) and tests, and the whole model.
pub fn data_artifacts(report: &Report) -> Result<Vec<Artifact>> {
    let mut out = vec![Artifact { path: "data/headlines.csv".into(), bytes: export::headlines_csv(report)? }];
    for fig in report.chapters.iter().flat_map(|c| &c.figures) {
        out.push(Artifact { path: format!("data/{}.csv", fig.id), bytes: export::figure_csv(fig)? });
        out.push(Artifact { path: format!("data/{}.json", fig.id), bytes: export::figure_json(fig)? });
        if let Some(bytes) = export::tests_csv(fig)? {
            out.push(Artifact { path: format!("data/{}.tests.csv", fig.id), bytes });
        }
    }
    out.push(Artifact { path: "model.json".into(), bytes: export::model_json(report)? });
    Ok(out)
}

/// Writes `artifacts` under `out`, all or nothing.
pub fn publish(out: &Path, artifacts: &[Artifact]) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::write(out, e))?;
    let stage = out.join(format!(".staging-{}", std::process::id()));
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| Error::write(&stage, e))?;
    }
    if let Err(e) = stage_all(&stage, artifacts) {
        let _ = std::fs::remove_dir_all(&stage);
        return Err(e);
    }
    let mut tops: Vec<&str> = artifacts.iter().map(|a| a.path.split('/').next().unwrap_or("")).collect();
    tops.sort();
    tops.dedup();
    for top in tops {
        let dest = out.join(top);
        let old = out.join(format!(".old-{top}-{}", std::process::id()));
        if dest.exists() {
            std::fs::rename(&dest, &old).map_err(|e| Error::write(&dest, e))?;
        }
        std::fs::rename(stage.join(top), &dest).map_err(|e| Error::write(&dest, e))?;
        let removed = if old.is_dir() { std::fs::remove_dir_all(&old) } else if old.exists() { std::fs::remove_file(&old) } else { Ok(()) };
        removed.map_err(|e| Error::write(&old, e))?;
    }
    std::fs::remove_dir_all(&stage).map_err(|e| Error::write(&stage, e))
}

/// Every artifact written under the staging folder; none outside it.
fn stage_all(stage: &Path, artifacts: &[Artifact]) -> Result<()> {
    for a in artifacts {
        let rel = Path::new(&a.path);
        if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(Error::internal(format!("refusing to write {}: outside the output folder", a.path)));
        }
        let dest = stage.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        std::fs::write(&dest, &a.bytes).map_err(|e| Error::write(&dest, e))?;
    }
    Ok(())
}

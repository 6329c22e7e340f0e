//! Artifacts and publishing, all or nothing. A build writes every file into
//! a new generation folder, `<out>/.barometer/gen-<n>/`, then makes it live
//! by renaming one link, `<out>/.barometer/current`, over the old one. The
//! paths users read (`<out>/charts`, `<out>/handbook.pdf`, ...) are fixed
//! links through `current` (see [`super::folder`]), so at every moment they
//! all resolve into the old build or all into the new one. A build stopped
//! anywhere leaves the old build live, and the next build deletes what the
//! stopped one left ([`clean_leftovers`]).
//!
//! Test hook: with `BAROMETER_TEST_PUBLISH_EXIT=<k>` set, [`publish`] makes
//! the process exit with status 99 at step k (see [`STEPS`]), without any
//! clean-up, as if it were killed there. It exists for the crash-safety
//! tests (`tests/it/publish.rs`); nothing else reads the variable.

use std::collections::BTreeSet;
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use super::folder::{self, CURRENT, OutDir, TOPS};
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
/// figure's rows (CSV, JSON) and tests, the Excel workbooks, and the whole model.
pub fn data_artifacts(report: &Report) -> Result<Vec<Artifact>> {
    let mut out = vec![Artifact { path: "data/headlines.csv".into(), bytes: export::headlines_csv(report)? }];
    for fig in report.chapters.iter().flat_map(|c| &c.figures) {
        out.push(Artifact { path: format!("data/{}.csv", fig.id), bytes: export::figure_csv(fig)? });
        out.push(Artifact { path: format!("data/{}.json", fig.id), bytes: export::figure_json(fig)? });
        if let Some(bytes) = export::tests_csv(fig)? {
            out.push(Artifact { path: format!("data/{}.tests.csv", fig.id), bytes });
        }
    }
    out.extend(workbook_artifacts(report)?);
    out.push(Artifact { path: "model.json".into(), bytes: export::model_json(report)? });
    Ok(out)
}

/// The Excel workbooks: `data/<figure>.xlsx` beside each figure's CSV and
/// JSON, and `data/chapters/<chapter>.xlsx` with a sheet per figure of the
/// chapter (in a folder of its own, so a chapter id never meets a figure id).
/// Dated by SOURCE_DATE_EPOCH, as the PDFs are, so the bytes repeat.
fn workbook_artifacts(report: &Report) -> Result<Vec<Artifact>> {
    let epoch = crate::handbook::PdfOptions::from_env()?.source_date_epoch.unwrap_or(crate::handbook::DEFAULT_DATE_EPOCH);
    let mut out = Vec::new();
    for ch in &report.chapters {
        for fig in &ch.figures {
            out.push(Artifact { path: format!("data/{}.xlsx", fig.id), bytes: export::figure_xlsx(report, fig, epoch)? });
        }
        if !ch.figures.is_empty() {
            out.push(Artifact { path: format!("data/chapters/{}.xlsx", ch.id), bytes: export::chapter_xlsx(report, ch, epoch)? });
        }
    }
    Ok(out)
}

/// The environment variable of the test hook (see the module's documentation).
pub const TEST_EXIT_VAR: &str = "BAROMETER_TEST_PUBLISH_EXIT";
/// The exit status of a process stopped by the test hook.
pub const TEST_EXIT_STATUS: i32 = 99;
/// The steps of [`publish`] the test hook can stop at, in order:
/// 1 the new generation's list written, no file yet;
/// 2 half its files written;
/// 3 every file written and synced;
/// 4 the top-level links made, still resolving to the old build;
/// 5 the new `current` link made beside the old one;
/// 6 the new build live (renamed over `current`);
/// 7 links to entries the new build lacks removed;
/// 8 half of the old generation's files deleted.
pub const STEPS: u32 = 8;

/// The test hook: exits here if the environment asks to stop at `step`.
fn stop_point(step: u32) {
    static AT: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| std::env::var(TEST_EXIT_VAR).ok().and_then(|v| v.trim().parse().ok()));
    if *at == Some(step) {
        std::process::exit(TEST_EXIT_STATUS);
    }
}

/// Publishes `artifacts` into the locked output folder, all or nothing, and
/// deletes the build it replaces. Returns notes on what it had to keep.
pub fn publish(out: &OutDir, artifacts: &[Artifact]) -> Result<Vec<String>> {
    let tops = check_paths(artifacts)?;
    out.check_tops()?;
    let old = out.live();
    let n = out.generations()?.into_iter().chain(old).max().unwrap_or(0) + 1;

    // The list first: whatever of gen-<n> exists is listed, so a later run
    // deletes exactly what this one wrote.
    let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    write_synced(&out.list_path(n), &serde_json::to_vec(&paths)?)?;
    sync_dir(&out.home)?;
    stop_point(1);
    let generation = out.generation(n);
    let previous = old.map(|o| out.generation(o));
    if let Err(e) = write_generation(&generation, previous.as_deref(), artifacts).and_then(|()| link_tops(out, &tops)) {
        // Best effort: what is left is cleaned by the next build.
        let _ = remove_generation(out, n, &|| {});
        return Err(e);
    }
    stop_point(4);
    switch(out, n)?;
    stop_point(6);

    let mut notes = Vec::new();
    for name in TOPS.into_iter().filter(|t| !tops.contains(t) && out.is_our_link(t)) {
        let link = out.root.join(name);
        if let Err(e) = std::fs::remove_file(&link) {
            notes.push(format!("could not remove the link {}: {e}", link.display()));
        }
    }
    stop_point(7);
    if let Some(old) = old {
        match remove_generation(out, old, &|| stop_point(8)) {
            Ok(note) => notes.extend(note),
            Err(e) => notes.push(format!("{e}; the next build tries again")),
        }
    }
    Ok(notes)
}

/// Deletes what interrupted builds left in the locked folder: generations
/// that never went live or were replaced, and a half-made `current` link.
pub fn clean_leftovers(out: &OutDir) -> Result<Vec<String>> {
    let pending = out.home.join(format!("{CURRENT}.new"));
    if std::fs::symlink_metadata(&pending).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::remove_file(&pending).map_err(|e| Error::write(&pending, e))?;
    }
    let live = out.live();
    let mut notes = Vec::new();
    for n in out.generations()?.into_iter().filter(|n| Some(*n) != live) {
        notes.extend(remove_generation(out, n, &|| {})?);
    }
    Ok(notes)
}

/// Every artifact path plain, relative, unique and under one of [`TOPS`];
/// returns the tops used.
fn check_paths(artifacts: &[Artifact]) -> Result<BTreeSet<&'static str>> {
    let mut seen = BTreeSet::new();
    let mut tops = BTreeSet::new();
    for a in artifacts {
        if !folder::is_relative_path(&a.path) {
            return Err(Error::internal(format!("refusing to write {}: outside the output folder", a.path)));
        }
        let first = a.path.split('/').next().unwrap_or_default();
        let top = TOPS.into_iter().find(|t| *t == first).ok_or_else(|| Error::internal(format!("refusing to write {}: not a place a build publishes", a.path)))?;
        if !seen.insert(a.path.as_str()) {
            return Err(Error::internal(format!("two files of the build would be written to {}", a.path)));
        }
        tops.insert(top);
    }
    Ok(tops)
}

/// Writes a file and waits until it is on disk, so that a generation that
/// goes live is whole even after a power cut.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| Error::write(path, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| Error::write(path, e))
}

/// Makes a folder's entries durable (a no-op where folders cannot be opened).
fn sync_dir(dir: &Path) -> Result<()> {
    if cfg!(unix) {
        std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| Error::write(dir, e))?;
    }
    Ok(())
}

/// Writes every artifact under the new generation folder `dir`. A file whose
/// bytes equal the live generation's (`previous`) is hard-linked instead of
/// written: it is already on disk, so a rebuild that changed little writes
/// and syncs little. Where links are not possible, it is written.
fn write_generation(dir: &Path, previous: Option<&Path>, artifacts: &[Artifact]) -> Result<()> {
    std::fs::create_dir(dir).map_err(|e| Error::write(dir, e))?;
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    for a in artifacts {
        for parent in Path::new(&a.path).ancestors().skip(1).filter(|p| !p.as_os_str().is_empty()) {
            folders.insert(parent.to_path_buf());
        }
    }
    for f in &folders {
        let path = dir.join(f);
        std::fs::create_dir_all(&path).map_err(|e| Error::write(&path, e))?;
    }
    let half = artifacts.len() / 2;
    let mut written: Vec<PathBuf> = Vec::new();
    for (i, a) in artifacts.iter().enumerate() {
        if i == half {
            stop_point(2);
        }
        let path = dir.join(&a.path);
        if let Some(old) = previous.map(|p| p.join(&a.path)).filter(|old| same_bytes(old, &a.bytes))
            && std::fs::hard_link(&old, &path).is_ok()
        {
            continue;
        }
        std::fs::write(&path, &a.bytes).map_err(|e| Error::write(&path, e))?;
        written.push(path);
    }
    sync_all(&written)?;
    for f in folders.iter().rev() {
        sync_dir(&dir.join(f))?;
    }
    sync_dir(dir)?;
    stop_point(3);
    Ok(())
}

/// Whether the file at `path` holds exactly `bytes` (false when unreadable).
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64) && std::fs::read(path).is_ok_and(|b| b == bytes)
}

/// Syncs written files, several at a time: the file system commits
/// concurrent syncs together, where one after another waits for a commit each.
fn sync_all(files: &[PathBuf]) -> Result<()> {
    const AT_ONCE: usize = 8;
    let chunk = files.len().div_ceil(AT_ONCE).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().try_for_each(|p| std::fs::File::open(p).and_then(|f| f.sync_all()).map_err(|e| Error::write(p, e)))))
            .collect();
        workers.into_iter().try_for_each(|w| w.join().unwrap_or_else(|_| Err(Error::internal("a thread syncing the outputs panicked"))))
    })
}

/// Makes the fixed link `<out>/<top>` -> `.barometer/current/<top>` for each
/// top the build publishes, where it is missing. Until the switch a new link
/// resolves into the old build, or to nothing.
fn link_tops(out: &OutDir, tops: &BTreeSet<&str>) -> Result<()> {
    for top in tops {
        if !out.is_our_link(top) {
            let link = out.root.join(top);
            symlink(&OutDir::link_target(top), &link).map_err(|e| Error::write(&link, e))?;
        }
    }
    Ok(())
}

/// Makes generation `n` live: a new link beside `current`, renamed over it
/// in one step.
fn switch(out: &OutDir, n: u64) -> Result<()> {
    let pending = out.home.join(format!("{CURRENT}.new"));
    match std::fs::remove_file(&pending) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(Error::write(&pending, e)),
        _ => {}
    }
    symlink(Path::new(&format!("gen-{n}")), &pending).map_err(|e| Error::write(&pending, e))?;
    stop_point(5);
    let current = out.home.join(CURRENT);
    std::fs::rename(&pending, &current).map_err(|e| Error::write(&current, e))?;
    sync_dir(&out.home)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    // Every link of the layout names a folder but the top-level files'.
    let is_file = target.extension().is_some_and(|x| x == "pdf" || x == "json");
    if is_file { std::os::windows::fs::symlink_file(target, link) } else { std::os::windows::fs::symlink_dir(target, link) }
}

/// Deletes generation `n`: only the files its list names, then the folders
/// they leave empty, then the list. A generation holding anything else is
/// kept, with a note saying so; `halfway` runs when half the files are gone.
fn remove_generation(out: &OutDir, n: u64, halfway: &dyn Fn()) -> Result<Option<String>> {
    let dir = out.generation(n);
    let list = out.list_path(n);
    let remove_list = || match std::fs::remove_file(&list) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(Error::write(&list, e)),
        _ => Ok(None),
    };
    if std::fs::symlink_metadata(&dir).is_err() {
        return remove_list();
    }
    let Some(listed) = out.listed(n) else {
        return Ok(Some(format!(
            "kept {}: there is no list of the files barometer wrote there; delete it if it holds nothing of yours",
            dir.display()
        )));
    };
    let half = listed.len() / 2;
    for (i, rel) in listed.iter().enumerate() {
        if i == half {
            halfway();
        }
        let path = dir.join(rel);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != ErrorKind::NotFound => return Err(Error::write(&path, e)),
            _ => {}
        }
    }
    let mut folders: Vec<&Path> = listed.iter().flat_map(|p| Path::new(p).ancestors().skip(1)).filter(|p| !p.as_os_str().is_empty()).collect();
    folders.sort_by_key(|p| std::cmp::Reverse((p.components().count(), p.to_path_buf())));
    folders.dedup();
    for f in folders.into_iter().chain([Path::new("")]) {
        let path = dir.join(f);
        match std::fs::remove_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) if e.kind() == ErrorKind::DirectoryNotEmpty => {
                return Ok(Some(format!(
                    "kept {}: it holds files barometer did not write, such as {}; move them out and delete it",
                    dir.display(),
                    first_entry(&path).unwrap_or_else(|| path.clone()).display()
                )));
            }
            Err(e) => return Err(Error::write(&path, e)),
        }
    }
    remove_list()
}

/// A file under `dir`, to name in a note.
fn first_entry(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    let first = entries.into_iter().next()?;
    if first.is_dir() { first_entry(&first).or(Some(first)) } else { Some(first) }
}

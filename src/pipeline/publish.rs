//! Artifacts and publishing, all or nothing. A build writes every file into
//! a new generation folder, `<out>/.barometer/gen-<n>/`, as it is made
//! ([`Staging`]), then makes it live
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
use std::sync::Mutex;

use super::cache::{Known, Stamp, State, sha256_hex};

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

/// A data export of the build: where it goes, a digest of everything its
/// bytes are made from (None: made every build), and how it is made.
pub struct DataFile<'a> {
    pub path: String,
    pub key: Option<String>,
    make: Box<dyn Fn() -> Result<Vec<u8>> + Send + Sync + 'a>,
}

impl DataFile<'_> {
    pub fn make(&self) -> Result<Vec<u8>> {
        (self.make)()
    }
}

/// The data exports of the report, in a fixed order: the headlines, each
/// figure's rows (CSV, JSON) and tests, the Excel workbooks, and the whole
/// model. A figure's files are made from the figure, the report's words and
/// the date (the workbooks'), by this binary: that is their key, so a build
/// that changed none of it links them from the last build unmade.
pub fn data_files(report: &Report) -> Result<Vec<DataFile<'_>>> {
    let epoch = crate::handbook::PdfOptions::from_env()?.source_date_epoch.unwrap_or(crate::handbook::DEFAULT_DATE_EPOCH);
    let common = format!("{}\n{epoch}\n{}\n", super::graph::tool_build(), serde_json::to_string(&report.words)?);
    let key_of = |part: &dyn erased::Json| -> Result<String> { Ok(sha256_hex((common.clone() + &part.json()?).as_bytes())) };
    let mut out: Vec<DataFile> = vec![DataFile { path: "data/headlines.csv".into(), key: None, make: Box::new(move || export::headlines_csv(report)) }];
    let mut figure_keys = std::collections::BTreeMap::new();
    for fig in report.chapters.iter().flat_map(|c| &c.figures) {
        let key = key_of(fig)?;
        figure_keys.insert(fig.id.as_str(), key.clone());
        out.push(DataFile { path: format!("data/{}.csv", fig.id), key: Some(key.clone()), make: Box::new(move || export::figure_csv(fig)) });
        out.push(DataFile { path: format!("data/{}.json", fig.id), key: Some(key.clone()), make: Box::new(move || export::figure_json(fig)) });
        if export::tests_csv(fig)?.is_some() {
            let make = move || export::tests_csv(fig)?.ok_or_else(|| Error::internal(format!("figure {}: no tests the second time", fig.id)));
            out.push(DataFile { path: format!("data/{}.tests.csv", fig.id), key: Some(key), make: Box::new(make) });
        }
    }
    // The Excel workbooks: `data/<figure>.xlsx` beside each figure's CSV and
    // JSON, and `data/chapters/<chapter>.xlsx` with a sheet per figure of the
    // chapter (in a folder of its own, so a chapter id never meets a figure
    // id). Dated by SOURCE_DATE_EPOCH, as the PDFs are, so the bytes repeat.
    for ch in &report.chapters {
        for fig in &ch.figures {
            let key = figure_keys.get(fig.id.as_str()).cloned();
            out.push(DataFile { path: format!("data/{}.xlsx", fig.id), key, make: Box::new(move || export::figure_xlsx(report, fig, epoch)) });
        }
        if !ch.figures.is_empty() {
            let key = Some(key_of(ch)?);
            out.push(DataFile { path: format!("data/chapters/{}.xlsx", ch.id), key, make: Box::new(move || export::chapter_xlsx(report, ch, epoch)) });
        }
    }
    out.push(DataFile { path: "model.json".into(), key: None, make: Box::new(move || export::model_json(report)) });
    Ok(out)
}

/// Parts of the model a data file's key is made from, as JSON.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}

/// The environment variable of the test hook (see the module's documentation).
pub const TEST_EXIT_VAR: &str = "BAROMETER_TEST_PUBLISH_EXIT";
/// The exit status of a process stopped by the test hook.
pub const TEST_EXIT_STATUS: i32 = 99;
/// The steps of a build's publishing the test hook can stop at, in order:
/// 1 the new generation's list made, no file yet;
/// 2 some of its files written (the data), the charts not yet;
/// 3 every file written and synced;
/// 4 the top-level links made, still resolving to the old build;
/// 5 the new `current` link made beside the old one;
/// 6 the new build live (renamed over `current`);
/// 7 links to entries the new build lacks removed;
/// 8 half of the old generation's files deleted.
pub const STEPS: u32 = 8;

/// The test hook: exits here if the environment asks to stop at `step`.
pub(super) fn stop_point(step: u32) {
    static AT: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| std::env::var(TEST_EXIT_VAR).ok().and_then(|v| v.trim().parse().ok()));
    if *at == Some(step) {
        std::process::exit(TEST_EXIT_STATUS);
    }
}

/// A file of the new generation, on disk: its path, SHA-256 and size, and
/// its stamp (which the next build checks instead of reading it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub stamp: Stamp,
}

/// The new generation, `gen-<n>`, while the build writes it: each file
/// goes to disk as soon as it is made, so memory holds a few files at a
/// time, never the whole build. Nothing here is live until [`Staging::publish`];
/// a build that fails drops it, which deletes what it wrote (and the next
/// build deletes what a killed one left, by its list).
pub struct Staging<'a> {
    out: &'a OutDir,
    n: u64,
    dir: PathBuf,
    /// The live generation, whose files equal to new ones are linked.
    previous: Option<PathBuf>,
    /// The hashes and stamps of the live generation's files, where trusted.
    known: std::collections::BTreeMap<String, Known>,
    old: Option<u64>,
    book: Mutex<Book>,
    published: bool,
}

/// What a generation has written so far.
#[derive(Default)]
struct Book {
    /// `gen-<n>.files`, one path a line, each added before its file is made.
    list: Option<std::fs::File>,
    paths: BTreeSet<String>,
    folders: BTreeSet<PathBuf>,
    tops: BTreeSet<&'static str>,
    /// Files written (not linked), to sync before the switch.
    written: Vec<PathBuf>,
}

impl<'a> Staging<'a> {
    /// Starts generation `n` in the locked output folder: its list first,
    /// so whatever of it exists is listed and a later run deletes exactly
    /// what this one wrote. `last` is the live generation's state, whose
    /// stamps spare reading its files to link them.
    pub fn begin(out: &'a OutDir, last: &State) -> Result<Staging<'a>> {
        out.check_tops()?;
        let old = out.live();
        let n = out.generations()?.into_iter().chain(old).max().unwrap_or(0) + 1;
        let list_path = out.list_path(n);
        let list = std::fs::File::create(&list_path).map_err(|e| Error::write(&list_path, e))?;
        sync_dir(&out.home)?;
        stop_point(1);
        let dir = out.generation(n);
        let staging = Staging {
            out,
            n,
            dir,
            previous: old.map(|o| out.generation(o)),
            known: if old.is_some() { last.files.keys().filter_map(|p| Some((p.clone(), last.known(p)?.clone()))).collect() } else { Default::default() },
            old,
            book: Mutex::new(Book { list: Some(list), ..Book::default() }),
            published: false,
        };
        std::fs::create_dir(&staging.dir).map_err(|e| Error::write(&staging.dir, e))?;
        Ok(staging)
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes one file of the new generation (from any thread). A file
    /// whose bytes equal the live generation's is hard-linked instead: it
    /// is already on disk, so a rebuild that changed little writes and
    /// syncs little. Where links are not possible, it is written.
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<Staged> {
        let target = self.claim_all(&[path])?.swap_remove(0);
        self.put_claimed(path, bytes, target)
    }

    /// [`Staging::put`] to a path already claimed.
    fn put_claimed(&self, path: &str, bytes: &[u8], target: PathBuf) -> Result<Staged> {
        let sha256 = sha256_hex(bytes);
        if let Some(old) = self.previous.as_ref().map(|p| p.join(path)) {
            // The old file's stamp says whether its known hash still holds; else it is read.
            let (same, known) = match self.known.get(path) {
                Some(k) if Stamp::of(&old) == Some(k.stamp) => (k.sha256 == sha256, Some(k.stamp)),
                _ => (same_bytes(&old, bytes), None),
            };
            if same && std::fs::hard_link(&old, &target).is_ok() {
                // A link has its file's stamp (size, modification time, inode).
                let stamp = known.or_else(|| Stamp::of(&target)).unwrap_or_default();
                return Ok(Staged { path: path.to_string(), sha256, bytes: bytes.len() as u64, stamp });
            }
        }
        std::fs::write(&target, bytes).map_err(|e| Error::write(&target, e))?;
        let stamp = Stamp::of(&target).ok_or_else(|| Error::internal(format!("{} is not there after writing it", target.display())))?;
        self.book().written.push(target);
        Ok(Staged { path: path.to_string(), sha256, bytes: bytes.len() as u64, stamp })
    }

    /// Puts the live generation's file `path`, whose SHA-256 the last build
    /// noted as `sha256`, into the new generation: linked without reading
    /// it where its stamp shows it unchanged; else read, checked and put.
    pub fn keep(&self, path: &str, sha256: &str) -> Result<Staged> {
        Ok(self.keep_all(&[(path.to_string(), sha256.to_string())])?.swap_remove(0))
    }

    /// The live generation's file `path` linked into the new one, where its
    /// stamp shows it still holds `sha256`; None (nothing done) otherwise.
    pub fn reuse(&self, path: &str, sha256: &str) -> Result<Option<Staged>> {
        let holds = self.previous.as_ref().is_some_and(|p| self.known.get(path).is_some_and(|k| k.sha256 == sha256 && Stamp::of(&p.join(path)) == Some(k.stamp)));
        if !holds {
            return Ok(None);
        }
        self.keep(path, sha256).map(Some)
    }

    /// [`Staging::keep`] for several files, listed together (one write to
    /// the generation's list rather than one a file).
    pub fn keep_all(&self, files: &[(String, String)]) -> Result<Vec<Staged>> {
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        let targets = self.claim_all(&paths)?;
        files.iter().zip(targets).map(|((p, h), target)| self.keep_claimed(p, h, target)).collect()
    }

    fn keep_claimed(&self, path: &str, sha256: &str, target: PathBuf) -> Result<Staged> {
        if let Some(old) = self.previous.as_ref().map(|p| p.join(path))
            && let Some(k) = self.known.get(path).filter(|k| k.sha256 == sha256 && Stamp::of(&old) == Some(k.stamp))
        {
            if std::fs::hard_link(&old, &target).is_ok() {
                return Ok(Staged { path: path.to_string(), sha256: sha256.to_string(), bytes: k.stamp.len, stamp: k.stamp });
            }
            let bytes = std::fs::read(&old).map_err(|e| Error::read(&old, e))?;
            std::fs::write(&target, &bytes).map_err(|e| Error::write(&target, e))?;
            let stamp = Stamp::of(&target).ok_or_else(|| Error::internal(format!("{} is not there after writing it", target.display())))?;
            self.book().written.push(target);
            return Ok(Staged { path: path.to_string(), sha256: sha256.to_string(), bytes: bytes.len() as u64, stamp });
        }
        let from = self.previous.clone().unwrap_or_else(|| self.out.root.clone()).join(path);
        let bytes = std::fs::read(&from).map_err(|e| Error::read(&from, e))?;
        if sha256_hex(&bytes) != sha256 {
            return Err(Error::internal(format!("{} changed during the build", from.display())));
        }
        self.put_claimed(path, &bytes, target)
    }

    /// Lists `paths` as the new generation's (before anything is written
    /// there, in one write to the list) and makes their folders; returns
    /// where each goes.
    fn claim_all(&self, paths: &[&str]) -> Result<Vec<PathBuf>> {
        let mut book = self.book();
        let mut lines = String::new();
        for path in paths {
            let top = check_path(path)?;
            if !book.paths.insert(path.to_string()) {
                return Err(Error::internal(format!("two files of the build would be written to {path}")));
            }
            book.tops.insert(top);
            lines.push_str(path);
            lines.push('\n');
        }
        let list_path = self.out.list_path(self.n);
        let list = book.list.as_mut().ok_or_else(|| Error::internal("the generation is closed"))?;
        list.write_all(lines.as_bytes()).map_err(|e| Error::write(&list_path, e))?;
        for path in paths {
            for parent in Path::new(path).ancestors().skip(1).filter(|p| !p.as_os_str().is_empty()) {
                if book.folders.insert(parent.to_path_buf()) {
                    let folder = self.dir.join(parent);
                    std::fs::create_dir_all(&folder).map_err(|e| Error::write(&folder, e))?;
                }
            }
        }
        Ok(paths.iter().map(|p| self.dir.join(p)).collect())
    }

    /// A file this build has already written, read back (the site copies
    /// charts and PDFs beside its pages).
    pub fn read(&self, path: &str) -> Result<Vec<u8>> {
        let file = self.dir.join(path);
        std::fs::read(&file).map_err(|e| Error::read(&file, e))
    }

    /// Makes the generation live, all or nothing, and deletes the build it
    /// replaces. Returns notes on what it had to keep.
    pub fn publish(mut self) -> Result<Vec<String>> {
        let (written, folders, tops) = {
            let mut book = self.book();
            let list_path = self.out.list_path(self.n);
            if let Some(list) = book.list.take() {
                list.sync_all().map_err(|e| Error::write(&list_path, e))?;
            }
            (std::mem::take(&mut book.written), std::mem::take(&mut book.folders), std::mem::take(&mut book.tops))
        };
        sync_all(&written)?;
        for f in folders.iter().rev() {
            sync_dir(&self.dir.join(f))?;
        }
        sync_dir(&self.dir)?;
        stop_point(3);
        self.out.check_tops()?;
        link_tops(self.out, &tops)?;
        stop_point(4);
        // From here a failure leaves the generation to the next build's
        // clean-up: once renamed, it may be live.
        self.published = true;
        switch(self.out, self.n)?;
        stop_point(6);

        let out = self.out;
        let mut notes = Vec::new();
        for name in TOPS.into_iter().filter(|t| !tops.contains(t) && out.is_our_link(t)) {
            let link = out.root.join(name);
            if let Err(e) = std::fs::remove_file(&link) {
                notes.push(format!("could not remove the link {}: {e}", link.display()));
            }
        }
        stop_point(7);
        if let Some(old) = self.old {
            match remove_generation(out, old, &|| stop_point(8)) {
                Ok(note) => notes.extend(note),
                Err(e) => notes.push(format!("{e}; the next build tries again")),
            }
        }
        Ok(notes)
    }
}

impl Drop for Staging<'_> {
    /// A build that stops with an error deletes what it wrote; what cannot
    /// be deleted now the next build deletes, by the list.
    fn drop(&mut self) {
        if !self.published {
            drop(self.book().list.take());
            let _ = remove_generation(self.out, self.n, &|| {});
        }
    }
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

/// An artifact path plain, relative, on one line and under one of [`TOPS`];
/// returns its top.
fn check_path(path: &str) -> Result<&'static str> {
    if !folder::is_relative_path(path) || path.contains('\n') {
        return Err(Error::internal(format!("refusing to write {path}: outside the output folder")));
    }
    let first = path.split('/').next().unwrap_or_default();
    TOPS.into_iter().find(|t| *t == first).ok_or_else(|| Error::internal(format!("refusing to write {path}: not a place a build publishes")))
}

/// Makes a folder's entries durable (a no-op where folders cannot be opened).
fn sync_dir(dir: &Path) -> Result<()> {
    if cfg!(unix) {
        std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| Error::write(dir, e))?;
    }
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
    let (first, second) = listed.split_at(listed.len() / 2);
    remove_files(&dir, first)?;
    halfway();
    remove_files(&dir, second)?;
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

/// Deletes the files `listed` under `dir` (missing ones are gone already),
/// two threads at a time: the system's time, not ours, is most of it.
fn remove_files(dir: &Path, listed: &[String]) -> Result<()> {
    let remove = |part: &[String]| {
        part.iter().try_for_each(|rel| {
            let path = dir.join(rel);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != ErrorKind::NotFound => Err(Error::write(&path, e)),
                _ => Ok(()),
            }
        })
    };
    let (a, b) = listed.split_at(listed.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| remove(b));
        let mine = remove(a);
        mine.and(other.join().unwrap_or_else(|_| Err(Error::internal("a thread deleting the old outputs panicked"))))
    })
}

/// A file under `dir`, to name in a note.
fn first_entry(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    let first = entries.into_iter().next()?;
    if first.is_dir() { first_entry(&first).or(Some(first)) } else { Some(first) }
}

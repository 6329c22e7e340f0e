//! The output folder (`--out`): which folders a build may publish into, the
//! lock that keeps two builds apart, and where each build's files live.
//!
//! ```text
//! <out>/.barometer/output-folder   marker: barometer publishes here
//! <out>/.barometer/lock            held for the whole build
//! <out>/.barometer/gen-<n>/        one build's files, written as made, live only when whole
//! <out>/.barometer/gen-<n>.files   what gen-<n> holds, a path a line, each before its file
//! <out>/.barometer/current         link to the live gen-<n>, switched by one rename
//! <out>/charts, data, ...          fixed links to .barometer/current/<name>
//! ```
//!
//! A reader opening `<out>/charts/...` goes through `current`, so every path
//! resolves into one generation: the last build's whole, or the new one's.
//! barometer deletes only files it listed in a `gen-<n>.files`; anything
//! else found where it publishes stops the build before a file changes.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use super::paths::Paths;
use crate::error::{Error, Result};

/// barometer's own folder inside the output folder.
pub const HOME: &str = ".barometer";
/// The marker file, in [`HOME`].
const MARKER: &str = "output-folder";
/// The lock file, in [`HOME`].
const LOCK: &str = "lock";
/// The link to the live generation, in [`HOME`].
pub const CURRENT: &str = "current";
/// The entries a build publishes at the top of the output folder, each a
/// link into the live generation. A build writes nothing else there.
pub const TOPS: [&str; 10] = [".cache", "books", "charts", "data", "handbook", "handbook.pdf", "manifest.json", "model.json", "site", "timings.json"];
/// A file git needs to keep an empty folder: an output folder holding only
/// it counts as empty (the repository ships `outputs/.gitkeep`).
const PLACEHOLDER: &str = ".gitkeep";

const MARKER_TEXT: &str = "\
This is a barometer output folder: `barometer build` publishes into it.
Each build writes its files into .barometer/gen-<n>/ and switches the link
.barometer/current to it in one step; charts, data, handbook and the other
names beside .barometer are links through it. barometer deletes only the
files it wrote (listed in .barometer/gen-<n>.files), and refuses to build
into a non-empty folder without this file.
";

/// An output folder checked, marked as barometer's, and locked for as long
/// as this value lives.
pub struct OutDir {
    /// The folder as the command line gives it.
    pub root: PathBuf,
    /// `<root>/.barometer`.
    pub home: PathBuf,
    /// Held (an OS file lock) until the build ends; released by the OS if the process dies.
    _lock: File,
}

impl OutDir {
    /// Opens `paths.out` for a build: refuses a folder that is, contains or
    /// lies inside the inputs or the configuration, or that holds files and
    /// is not marked as barometer's; creates and marks a new or empty one;
    /// takes the lock; and refuses links or files at the places the build
    /// replaces that barometer did not make.
    pub fn open(paths: &Paths) -> Result<OutDir> {
        check_apart(paths)?;
        let root = paths.out.clone();
        match std::fs::metadata(&root) {
            Ok(m) if !m.is_dir() => return Err(refuse(&root, "is a file, not a folder; choose a new or empty folder for the outputs")),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => std::fs::create_dir_all(&root).map_err(|e| Error::write(&root, e))?,
            Err(e) => return Err(Error::read(&root, e)),
        }
        let home = root.join(HOME);
        if !home.join(MARKER).is_file() {
            adopt(&root, &home)?;
        }
        let lock = lock(&root, &home)?;
        let dir = OutDir { root, home, _lock: lock };
        dir.check_tops()?;
        dir.check_foreign()?;
        Ok(dir)
    }

    /// The live generation: its number, if a build has published.
    pub fn live(&self) -> Option<u64> {
        live_number(&self.home)
    }

    /// The folder holding the last build's files (the live generation), or
    /// the output folder itself before the first build.
    pub fn last(&self) -> PathBuf {
        last_build(&self.root)
    }

    pub fn generation(&self, n: u64) -> PathBuf {
        self.home.join(format!("gen-{n}"))
    }

    /// Where the paths generation `n` holds are listed.
    pub fn list_path(&self, n: u64) -> PathBuf {
        self.home.join(format!("gen-{n}.files"))
    }

    /// The numbers of every generation folder or list in [`HOME`], sorted.
    pub fn generations(&self) -> Result<Vec<u64>> {
        let mut found = BTreeSet::new();
        for e in std::fs::read_dir(&self.home).map_err(|e| Error::read(&self.home, e))? {
            let e = e.map_err(|e| Error::read(&self.home, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let number = name.strip_prefix("gen-").map(|rest| rest.strip_suffix(".files").unwrap_or(rest));
            if let Some(n) = number.and_then(|d| d.parse::<u64>().ok()) {
                found.insert(n);
            }
        }
        Ok(found.into_iter().collect())
    }

    /// The paths generation `n` was to hold; None when there is no list or
    /// it cannot be read (then barometer deletes nothing of it).
    pub fn listed(&self, n: u64) -> Option<Vec<String>> {
        let bytes = std::fs::read(self.list_path(n)).ok()?;
        // One path a line, each added before its file is written; earlier
        // builds wrote a JSON array, which the next build still reads to delete them.
        let list: Vec<String> = if bytes.first() == Some(&b'[') {
            serde_json::from_slice(&bytes).ok()?
        } else {
            std::str::from_utf8(&bytes).ok()?.lines().map(str::to_string).collect()
        };
        list.iter().all(|p| is_relative_path(p)).then_some(list)
    }

    /// Where a top-level entry's link points.
    pub fn link_target(name: &str) -> PathBuf {
        Path::new(HOME).join(CURRENT).join(name)
    }

    /// Whether `<root>/<name>` is the link a build made.
    pub fn is_our_link(&self, name: &str) -> bool {
        std::fs::read_link(self.root.join(name)).is_ok_and(|t| t == Self::link_target(name))
    }

    /// Refuses a top-level entry the build would replace that is not the
    /// link barometer made (a folder or file someone put there).
    pub fn check_tops(&self) -> Result<()> {
        for name in TOPS {
            let path = self.root.join(name);
            match std::fs::symlink_metadata(&path) {
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(Error::read(&path, e)),
                Ok(_) if self.is_our_link(name) => {}
                Ok(_) => {
                    return Err(refuse(
                        &self.root,
                        &format!(
                            "{} is not the link barometer made there (builds publish {name} through it); move it out of the folder and build again",
                            path.display()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Refuses files someone added inside the live generation (through the
    /// links, e.g. `<out>/charts/x/mine.svg`): the next build would take
    /// them off their path.
    fn check_foreign(&self) -> Result<()> {
        let Some(n) = self.live() else { return Ok(()) };
        let Some(listed) = self.listed(n) else { return Ok(()) };
        let files: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        let folders: BTreeSet<String> = listed
            .iter()
            .flat_map(|p| Path::new(p).ancestors().skip(1).map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>())
            .filter(|a| !a.is_empty())
            .collect();
        let base = self.generation(n);
        let mut stack = vec![base.clone()];
        let mut foreign = Vec::new();
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).map_err(|e| Error::read(&dir, e))? {
                let e = e.map_err(|e| Error::read(&dir, e))?;
                let path = e.path();
                let rel = path.strip_prefix(&base).unwrap_or(&path).to_string_lossy().into_owned();
                // The entry's type as the folder listing gives it (no call per file); a link is not a folder.
                let is_dir = e.file_type().map_err(|e| Error::read(&path, e))?.is_dir();
                if is_dir && folders.contains(&rel) {
                    stack.push(path);
                } else if is_dir || !files.contains(rel.as_str()) {
                    foreign.push(rel);
                }
            }
        }
        foreign.sort();
        match foreign.first() {
            None => Ok(()),
            Some(rel) => {
                let top = rel.split('/').next().unwrap_or(rel);
                Err(refuse(
                    &self.root,
                    &format!(
                        "{} was not written by barometer, and a build replaces {top} whole; move it out of the folder and build again",
                        self.root.join(rel).display()
                    ),
                ))
            }
        }
    }
}

/// The number of the generation `<home>/current` links to, if it is there.
fn live_number(home: &Path) -> Option<u64> {
    let target = std::fs::read_link(home.join(CURRENT)).ok()?;
    let n = target.to_str()?.strip_prefix("gen-")?.parse().ok()?;
    home.join(format!("gen-{n}")).is_dir().then_some(n)
}

/// The folder holding the last build's files under the output folder `out`:
/// its live generation, resolved once so that everything read comes from
/// one build; `out` itself when nothing was published.
pub fn last_build(out: &Path) -> PathBuf {
    let home = out.join(HOME);
    match live_number(&home) {
        Some(n) => home.join(format!("gen-{n}")),
        None => out.to_path_buf(),
    }
}

/// A relative path of plain names only: nothing outside the folder it is joined to.
pub fn is_relative_path(p: &str) -> bool {
    let path = Path::new(p);
    !p.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// The error refusing the output folder `root`, saying why and what to do.
fn refuse(root: &Path, why: &str) -> Error {
    Error::config(format!("--out {}: {why}", root.display()))
}

/// Refuses an output folder that is, contains or lies inside the inputs or
/// the configuration folder: publishing there would replace or mix with them.
fn check_apart(paths: &Paths) -> Result<()> {
    let out = resolved(&paths.out);
    for (what, folder) in [("inputs", &paths.inputs), ("configuration", &paths.config)] {
        let other = resolved(folder);
        let relation = if out == other {
            "is"
        } else if other.starts_with(&out) {
            "contains"
        } else if out.starts_with(&other) {
            "lies inside"
        } else {
            continue;
        };
        return Err(refuse(
            &paths.out,
            &format!(
                "the output folder {relation} the {what} folder {}; choose an output folder apart from the inputs and the configuration",
                folder.display()
            ),
        ));
    }
    Ok(())
}

/// `p` as an absolute path with links and `..` resolved, also when its
/// last parts do not exist yet: part by part, each existing prefix resolved
/// by the system, the rest by name.
fn resolved(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for part in abs.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            part => {
                out.push(part);
                if let Ok(real) = out.canonicalize() {
                    out = real;
                }
            }
        }
    }
    out
}

/// Marks a new or empty folder as a barometer output folder; refuses one
/// that holds anything (but the git placeholder).
fn adopt(root: &Path, home: &Path) -> Result<()> {
    let entries: Vec<String> = std::fs::read_dir(root)
        .map_err(|e| Error::read(root, e))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()).map_err(|e| Error::read(root, e)))
        .collect::<Result<_>>()?;
    if entries.iter().any(|name| name != PLACEHOLDER) {
        let earlier = root.join(".cache/state.json").is_file() && root.join("manifest.json").is_file();
        return Err(refuse(
            root,
            &if earlier {
                "the folder holds the outputs of an earlier barometer, which did not mark its output folders; \
                 if it holds nothing else of yours, delete what is in it and build again, or choose a new folder"
                    .to_string()
            } else {
                format!(
                    "the folder holds other files and is not a barometer output folder (it has no {HOME}/{MARKER}); \
                     choose a new or empty folder, or move those files elsewhere"
                )
            },
        ));
    }
    std::fs::create_dir_all(home).map_err(|e| Error::write(home, e))?;
    let marker = home.join(MARKER);
    std::fs::write(&marker, MARKER_TEXT).map_err(|e| Error::write(&marker, e))
}

/// Takes the folder's lock, or says that another build holds it.
fn lock(root: &Path, home: &Path) -> Result<File> {
    let path = home.join(LOCK);
    let file = File::options().read(true).write(true).create(true).truncate(false).open(&path).map_err(|e| Error::write(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy(format!(
            "--out {}: another barometer build is writing to this folder (it holds {}); wait for it to finish and build again",
            root.display(),
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::write(&path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn paths_resolve_through_missing_parts_and_dots() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        assert_eq!(resolved(&dir.path().join("a/b/../c")), base.join("a/c"));
        assert_eq!(resolved(&dir.path().join("a/./c")), base.join("a/c"));
        assert_eq!(resolved(&dir.path().join("missing/../c")), base.join("c"));
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        assert_eq!(resolved(&dir.path().join("link/x")), base.join("real/x"));
        assert_eq!(resolved(Path::new("/")), PathBuf::from("/"));
    }

    #[test]
    fn only_plain_relative_paths_are_listed() {
        assert!(is_relative_path("charts/a/b.svg"));
        assert!(is_relative_path(".cache/state.json"));
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./a"] {
            assert!(!is_relative_path(bad), "{bad}");
        }
    }
}

//! What the last build made from what, kept in `<out>/.cache/state.json`:
//! each node's fingerprint, the files it wrote and, for computed nodes,
//! their part of the model. The build graph reads it to decide what is stale.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::node::Node;

/// Where the state lives under the output folder.
pub const STATE: &str = ".cache/state.json";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A digest as lower-case hex.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fingerprint of named parts; the parts are kept to say what changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Fingerprint {
    pub parts: BTreeMap<String, String>,
}

impl Fingerprint {
    /// Adds a part, hashed.
    pub fn with(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.parts.insert(name.to_string(), sha256_hex(value.as_ref()));
        self
    }

    /// One digest of every part, for nodes that depend on this one.
    pub fn digest(&self) -> String {
        let text: String = self.parts.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        sha256_hex(text.as_bytes())
    }

    /// Names of the parts that differ from `old`, in order.
    pub fn changed(&self, old: &Fingerprint) -> Vec<String> {
        let names: BTreeSet<&String> = self.parts.keys().chain(old.parts.keys()).collect();
        names.into_iter().filter(|n| self.parts.get(*n) != old.parts.get(*n)).cloned().collect()
    }
}

/// What a node of the build left behind.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeState {
    pub fingerprint: Fingerprint,
    /// Files it wrote, with their SHA-256.
    #[serde(default)]
    pub files: Vec<(String, String)>,
    /// Its computed model (figures, heroes, wave facts).
    #[serde(default)]
    pub model: Option<serde_json::Value>,
    /// Kept as it was by `--only` although its inputs changed.
    #[serde(default)]
    pub outdated: bool,
}

/// What a file of a build looked like on disk when the build made it: a
/// file whose size, modification time and inode are still these was not
/// written since, so its SHA-256 holds without reading it (as git's index
/// tells unchanged files). Files are hard-linked from one generation to
/// the next, so a reused file keeps its stamp.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    /// Modification time, nanoseconds since 1970.
    pub mtime: u64,
    /// The inode (0 where the system has none).
    pub ino: u64,
}

impl Stamp {
    /// The stamp of the file at `path` now (following links); None when it is not a file.
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file)?;
        let mtime = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos() as u64;
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let ino = 0;
        Some(Stamp { len: m.len(), mtime, ino })
    }
}

/// A file's SHA-256 and its stamp when the build made it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Known {
    pub sha256: String,
    pub stamp: Stamp,
}

/// Every node of the last build.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct State {
    pub nodes: BTreeMap<Node, NodeState>,
    /// Every file of the build (but the state) by path: its hash and stamp.
    #[serde(default)]
    pub files: BTreeMap<String, Known>,
    /// The key of each data export (what its bytes are made from; see
    /// `publish::data_files`), by path.
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    /// Where each book's own pages settled, by book id, to start the next
    /// layout of that book from (`handbook::render_book_seeded`).
    #[serde(default)]
    pub seeds: BTreeMap<String, String>,
    /// When the state was written (its file's modification time, in
    /// nanoseconds): a file stamped at or after it may have been changed
    /// within the clock's tick without its stamp showing it, so it is read.
    #[serde(skip)]
    pub written: u64,
}

impl State {
    /// The last build's state; none (everything stale) when there is no
    /// state or it cannot be read (an older tool's format).
    pub fn load(out: &Path) -> State {
        let path = out.join(STATE);
        let Some(mut state) = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<State>(&b).ok()) else { return State::default() };
        state.written = Stamp::of(&path).map_or(0, |s| s.mtime);
        state
    }

    pub fn to_bytes(&self) -> crate::error::Result<Vec<u8>> {
        Ok((serde_json::to_string(self)? + "\n").into_bytes())
    }

    /// The file's hash and stamp, where the stamp can be trusted (made
    /// before the state was written).
    pub fn known(&self, path: &str) -> Option<&Known> {
        self.files.get(path).filter(|k| k.stamp.mtime < self.written)
    }

    /// Whether the file `path` under `out` still holds the bytes whose
    /// SHA-256 is `sha256`: by its stamp where it has one that still
    /// holds, else by reading it.
    pub fn holds(&self, out: &Path, path: &str, sha256: &str) -> bool {
        let file = out.join(path);
        if let Some(k) = self.known(path)
            && k.sha256 == sha256
            && Stamp::of(&file) == Some(k.stamp)
        {
            return true;
        }
        std::fs::read(&file).is_ok_and(|b| sha256_hex(&b) == sha256)
    }

    /// The first file of `node` that is missing under `out` or whose bytes
    /// changed since it was written.
    pub fn missing_file<'a>(&self, node: &'a NodeState, out: &Path) -> Option<&'a str> {
        node.files.iter().find(|(p, h)| !self.holds(out, p, h)).map(|(p, _)| p.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_parts_are_named_and_digests_follow_the_parts() {
        let a = Fingerprint::default().with("wave", "1").with("style", "x");
        let b = Fingerprint::default().with("wave", "2").with("style", "x").with("tool", "t");
        assert_eq!(b.changed(&a), vec!["tool".to_string(), "wave".to_string()]);
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest(), a.clone().digest());
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_file_is_taken_by_its_stamp_only_when_stamped_before_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"one").unwrap();
        let stamp = Stamp::of(&path).unwrap();
        let (one, two) = (sha256_hex(b"one"), sha256_hex(b"two"));
        let mut state = State::default();
        state.files.insert("a.txt".into(), Known { sha256: one.clone(), stamp });
        // Stamped in the tick the state was written: the file is read.
        state.written = stamp.mtime;
        assert!(state.known("a.txt").is_none());
        assert!(state.holds(dir.path(), "a.txt", &one));
        // Rewritten in place at the same size and time: read, it is caught...
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        std::io::Write::write_all(&mut &file, b"two").unwrap();
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_nanos(stamp.mtime)).unwrap();
        assert_eq!(Stamp::of(&path), Some(stamp));
        assert!(!state.holds(dir.path(), "a.txt", &one));
        // ...stamped before the state, its stamp is believed, as git's index is.
        state.written = stamp.mtime + 1;
        assert!(state.holds(dir.path(), "a.txt", &one));
        // Any other edit changes the stamp and is read.
        std::fs::write(&path, b"three").unwrap();
        assert!(!state.holds(dir.path(), "a.txt", &one));
        assert!(!state.holds(dir.path(), "a.txt", &two));
        assert_eq!(state.missing_file(&NodeState { fingerprint: Fingerprint::default(), files: vec![("a.txt".into(), one)], model: None, outdated: false }, dir.path()), Some("a.txt"));
    }
}

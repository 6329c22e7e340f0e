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

/// Every node of the last build.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct State {
    pub nodes: BTreeMap<Node, NodeState>,
}

impl State {
    /// The last build's state; none (everything stale) when there is no
    /// state or it cannot be read (an older tool's format).
    pub fn load(out: &Path) -> State {
        std::fs::read(out.join(STATE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn to_bytes(&self) -> crate::error::Result<Vec<u8>> {
        Ok((serde_json::to_string(self)? + "\n").into_bytes())
    }
}

/// The first file of `state` that is missing under `out` or whose bytes
/// changed since it was written.
pub fn missing_file<'a>(state: &'a NodeState, out: &Path) -> Option<&'a str> {
    state
        .files
        .iter()
        .find(|(p, h)| std::fs::read(out.join(p)).map(|b| sha256_hex(&b) != *h).unwrap_or(true))
        .map(|(p, _)| p.as_str())
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
}

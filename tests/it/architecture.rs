//! The stages depend on each other one way: data -> stats -> config/expr
//! -> compute (-> model, with its sentences from text) -> renderers (export,
//! charts, handbook) -> pipeline -> the command line. A module that names a
//! stage above its own, or a renderer that names another renderer, fails
//! here with the file and line.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::root;

/// What each stage may use. The command line (`main.rs`, `cmd/`) may use all.
const ALLOWED: [(&str, &[&str]); 15] = [
    ("error", &[]),
    ("model", &[]),
    ("data", &["error"]),
    ("stats", &["error"]),
    ("style", &["error"]),
    ("text", &["error", "model"]),
    ("config", &["error", "model"]),
    ("expr", &["error", "data"]),
    ("compute", &["error", "data", "stats", "text", "config", "expr", "model"]),
    ("export", &["error", "model", "text"]),
    ("charts", &["error", "model", "text", "style"]),
    ("handbook", &["error", "model", "text", "style"]),
    ("site", &["error", "model", "text", "style"]),
    ("pipeline", &["error", "data", "stats", "style", "text", "config", "expr", "compute", "model", "export", "charts", "handbook", "site"]),
    ("lib", &["error", "data", "stats", "style", "text", "config", "expr", "compute", "model", "export", "charts", "handbook", "site", "pipeline"]),
];

/// The stages a line of Rust names through `crate::`, e.g. `use crate::{data, stats::Design}`.
fn named_stages(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != "self" {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every use of a stage that the stage of its file may not use, as "file:line: a -> b".
fn upward_imports(src: &Path) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.into_iter().collect();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_str().unwrap().trim_end_matches(".rs").to_string();
        if top == "main" || top == "cmd" {
            continue;
        }
        let Some(may) = allowed.get(top.as_str()) else {
            out.push(format!("src/{}: the module \"{top}\" has no place in the stages; add it to ALLOWED", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for stage in named_stages(line) {
                if stage != top && !may.contains(&stage.as_str()) {
                    out.push(format!("src/{}:{}: {top} -> {stage}", rel.display(), n + 1));
                }
            }
        }
    }
    out
}

/// The sibling modules each file of a folder module names through
/// `super::` (the folder's mod.rs and tests left out), as edges.
fn sibling_edges(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let mut edges = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "rs")).collect();
    files.sort();
    let names: Vec<String> = files.iter().map(|p| p.file_stem().unwrap().to_str().unwrap().to_string()).collect();
    for (file, name) in files.iter().zip(&names) {
        if name == "mod" || name.ends_with("tests") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let mut to: Vec<String> = Vec::new();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(i) = rest.find("super::") {
                rest = &rest[i + "super::".len()..];
                let parts: Vec<String> = match rest.strip_prefix('{') {
                    Some(group) => group[..group.find('}').unwrap_or(group.len())].split(',').map(|p| p.trim().to_string()).collect(),
                    None => vec![rest.to_string()],
                };
                for p in parts {
                    let first: String = p.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if names.contains(&first) && first != *name && first != "mod" && !to.contains(&first) {
                        to.push(first);
                    }
                }
            }
        }
        edges.insert(name.clone(), to);
    }
    edges
}

/// A cycle among the files of a folder module, as "a -> b -> a".
fn cycle(edges: &BTreeMap<String, Vec<String>>) -> Option<String> {
    fn visit(n: &str, edges: &BTreeMap<String, Vec<String>>, path: &mut Vec<String>, done: &mut Vec<String>) -> Option<String> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c.join(" -> "));
        }
        if done.iter().any(|d| d == n) {
            return None;
        }
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.push(n.to_string());
        None
    }
    let mut done = Vec::new();
    edges.keys().find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_folder_has_a_cycle() {
    for stage in ["pipeline", "compute", "config", "charts", "handbook", "site", "data", "stats", "text", "error", "cmd"] {
        let dir = root().join("src").join(stage);
        if dir.is_dir() {
            assert_eq!(cycle(&sibling_edges(&dir)), None, "src/{stage}");
        }
    }
    let mut looped = BTreeMap::new();
    looped.insert("build".to_string(), vec!["render".to_string()]);
    looped.insert("render".to_string(), vec!["build".to_string()]);
    assert_eq!(cycle(&looped).as_deref(), Some("build -> render -> build"));
}

#[test]
fn no_stage_imports_a_stage_above_it() {
    let found = upward_imports(&root().join("src"));
    assert!(found.is_empty(), "upward or sideways imports:\n{}", found.join("\n"));
}

#[test]
fn an_upward_import_is_found() {
    assert_eq!(named_stages("use crate::{data, stats::Design};"), ["data", "stats"]);
    assert_eq!(named_stages("    let x = crate::pipeline::Invalid(s);"), ["pipeline"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/mod.rs"), "use crate::error::Result;\n// crate::pipeline in a comment\nuse crate::pipeline::Invalid;\n").unwrap();
    std::fs::write(dir.path().join("charts.rs"), "use crate::handbook::Book;\n").unwrap();
    assert_eq!(upward_imports(dir.path()), ["src/charts.rs:1: charts -> handbook", "src/data/mod.rs:3: data -> pipeline"]);
}

//! The house rules of ARCHITECTURE.md, checked against the real workspace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The repository root (this crate is `crates/ansinh-tidy`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Workspace {
    /// Each member's name → its direct normal dependencies (by package name).
    direct: BTreeMap<String, BTreeSet<String>>,
    /// Every package id → its normal dependencies' ids, and id → name.
    graph: BTreeMap<String, Vec<String>>,
    names: BTreeMap<String, String>,
    member_ids: BTreeMap<String, String>,
}

/// The machine's target triple (`rustc -vV`), so `cargo metadata` needs no other platform's packages.
fn host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_string()
}

fn workspace() -> Workspace {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
        ])
        .arg(host())
        .current_dir(root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let mut names = BTreeMap::new();
    for p in meta["packages"].as_array().unwrap() {
        names.insert(
            p["id"].as_str().unwrap().to_string(),
            p["name"].as_str().unwrap().to_string(),
        );
    }
    let members: BTreeSet<String> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut graph = BTreeMap::new();
    let mut direct = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap().to_string();
        let normal: Vec<String> = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect();
        if members.contains(&id) {
            direct.insert(
                names[&id].clone(),
                normal.iter().map(|d| names[d].clone()).collect(),
            );
        }
        graph.insert(id, normal);
    }
    let member_ids = members
        .iter()
        .map(|id| (names[id].clone(), id.clone()))
        .collect();
    Workspace {
        direct,
        graph,
        names,
        member_ids,
    }
}

impl Workspace {
    /// Every package `name` depends on for a normal build, directly or not.
    fn closure(&self, name: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![self.member_ids[name].clone()];
        while let Some(id) = todo.pop() {
            for d in &self.graph[&id] {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen.iter().map(|id| self.names[id].clone()).collect()
    }
}

/// One row of ARCHITECTURE.md's crate table.
struct Row {
    line: usize,
    may_depend_on: BTreeSet<String>,
    must_not_know: BTreeSet<String>,
}

/// The backticked words of a table cell.
fn ticked(cell: &str) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn crate_table() -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("| crate |"))
        .expect("ARCHITECTURE.md has a table whose header starts with `| crate |`");
    let cols: Vec<String> = lines[header]
        .split('|')
        .map(|c| c.trim().to_lowercase())
        .collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("the crate table has no column `{name}`"))
    };
    let (dep_col, not_col) = (col("may depend on"), col("must not know"));
    let mut rows = BTreeMap::new();
    for (i, l) in lines.iter().enumerate().skip(header + 2) {
        if !l.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = l.split('|').collect();
        let name = ticked(cells[1])
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("ARCHITECTURE.md:{}: the crate is not in backticks", i + 1));
        rows.insert(
            name,
            Row {
                line: i + 1,
                may_depend_on: ticked(cells[dep_col]),
                must_not_know: ticked(cells[not_col]),
            },
        );
    }
    rows
}

#[test]
fn every_crate_depends_only_on_what_architecture_allows() {
    let ws = workspace();
    let table = crate_table();
    let members: BTreeSet<&String> = ws.direct.keys().collect();
    let rows: BTreeSet<&String> = table.keys().collect();
    assert_eq!(
        members, rows,
        "ARCHITECTURE.md's crate table must have one row per workspace crate"
    );
    let mut problems = Vec::new();
    for (name, deps) in &ws.direct {
        let row = &table[name];
        let inside: BTreeSet<String> = deps
            .iter()
            .filter(|d| ws.member_ids.contains_key(*d))
            .cloned()
            .collect();
        for extra in inside.difference(&row.may_depend_on) {
            problems.push(format!(
                "{name} depends on {extra}, which ARCHITECTURE.md:{} does not allow",
                row.line
            ));
        }
        for stale in row.may_depend_on.difference(&inside) {
            problems.push(format!(
                "ARCHITECTURE.md:{} lets {name} depend on {stale}, but it does not (keep the table true)",
                row.line
            ));
        }
        let all = ws.closure(name);
        for banned in &row.must_not_know {
            if all.contains(banned) {
                problems.push(format!(
                    "{name} reaches {banned} (directly or through another crate), which ARCHITECTURE.md:{} says it must not know",
                    row.line
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Lines of code a source file may have.
const LIMIT: usize = 600;

/// Files that were over the limit when the rule came in: each may shrink, never grow. Split them
/// and lower or remove their entry.
const OVERSIZE: &[(&str, usize)] = &[
    ("crates/ansinh-cli/src/main.rs", 672),
    ("crates/ansinh-cli/src/simulate_cmd.rs", 674),
    ("crates/ansinh-domain/src/eval.rs", 649),
    ("crates/ansinh-domain/src/policy.rs", 981),
    ("crates/ansinh-domain/src/policy/eligibility.rs", 778),
    ("crates/ansinh-domain/src/policy/plan.rs", 1494),
    ("crates/ansinh-domain/src/policy/targets.rs", 1092),
    ("crates/ansinh-domain/src/registry.rs", 1140),
    ("crates/ansinh-domain/src/review/round.rs", 672),
    ("crates/ansinh-domain/src/review/scoring.rs", 698),
    ("crates/ansinh-domain/src/standard.rs", 751),
    ("crates/ansinh-domain/tests/golden.rs", 852),
    ("crates/ansinh-domain/tests/policies.rs", 776),
    ("crates/ansinh-domain/tests/review.rs", 1551),
    ("crates/ansinh-registry-io/src/entitlements.rs", 918),
    ("crates/ansinh-registry-io/src/export.rs", 735),
    ("crates/ansinh-registry-io/src/import.rs", 1231),
    ("crates/ansinh-reports/src/assemble.rs", 682),
    ("crates/ansinh-reports/src/pdf.rs", 641),
    ("crates/ansinh-reports/tests/outputs.rs", 760),
    ("crates/ansinh-store-sqlite/src/review.rs", 1251),
    ("crates/ansinh-store-sqlite/src/shared.rs", 1871),
    ("crates/ansinh-store-tests/tests/conformance/cases.rs", 1451),
    (
        "crates/ansinh-store-tests/tests/conformance/review.rs",
        1000,
    ),
    ("crates/ansinh-store/src/lib.rs", 679),
    ("crates/ansinh-tabular/src/stream.rs", 610),
    ("crates/ansinh-web/src/demo_review.rs", 621),
    ("crates/ansinh-web/src/edit.rs", 1485),
    ("crates/ansinh-web/src/i18n.rs", 675),
    ("crates/ansinh-web/src/pages.rs", 1061),
    ("crates/ansinh-web/src/plans.rs", 1490),
    ("crates/ansinh-web/src/review_api.rs", 1536),
    ("crates/ansinh-web/src/review_pages.rs", 2284),
    ("crates/ansinh-web/src/transfer.rs", 743),
    ("crates/ansinh-web/tests/browser.rs", 613),
    ("crates/ansinh-web/tests/http.rs", 4192),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn no_source_file_grows_past_the_limit() {
    let known: BTreeMap<&str, usize> = OVERSIZE.iter().copied().collect();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (file, text) in sources() {
        let n = text.lines().count();
        match known.get(file.as_str()) {
            Some(&max) => {
                seen.insert(file.clone());
                if n > max {
                    problems.push(format!("{file}: {n} lines, grew past its {max}: split it"));
                } else if n <= LIMIT {
                    problems.push(format!(
                        "{file}: {n} lines, now within {LIMIT}: remove it from OVERSIZE"
                    ));
                }
            }
            None if n > LIMIT => {
                problems.push(format!("{file}: {n} lines, over {LIMIT}: split it"))
            }
            None => {}
        }
    }
    for (file, _) in OVERSIZE {
        if !seen.contains(*file) {
            problems.push(format!("{file} is gone: remove it from OVERSIZE"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `include!`/`#[path]` that reach into another crate's folder (known cases, each to be removed).
const SHARED_SOURCE: &[&str] = &[
    // The PostgreSQL backend still compiles the SQLite crate's statements (one SQL store will replace it).
    "crates/ansinh-store-postgres/src/lib.rs:248",
    "crates/ansinh-store-postgres/src/lib.rs:250",
    "crates/ansinh-store-postgres/src/lib.rs:253",
];

#[test]
fn no_crate_compiles_another_crates_source() {
    let mut found = Vec::new();
    for (file, text) in sources() {
        for (i, line) in text.lines().enumerate() {
            let l = line.trim_start();
            let shared =
                (l.starts_with("include!(") || l.starts_with("#[path")) && l.contains("../ansinh-");
            if shared {
                found.push(format!("{file}:{}", i + 1));
            }
        }
    }
    let expected: Vec<String> = SHARED_SOURCE.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        found, expected,
        "a crate compiles another crate's source; depend on that crate instead"
    );
}

//! The rule files as text, by kind: the built-in ones, or a rules folder's. This is the only place
//! of ansinh that reads rule files from disk.
//!
//! A rules folder is laid out like the repository root. **Each subfolder present replaces the
//! built-in files of that kind; an absent one keeps the built-ins** (a province can ship only its own
//! `scoring/`). Only the `*.toml` files directly inside a subfolder are read, in name order.

use std::path::Path;

use ansinh_domain::FileError;

use crate::builtin;

/// `(file name, text)`.
pub type File = (String, String);

/// A kind of rule file and its subfolder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `standards/`: poverty standards.
    Standards,
    /// `policies/`: `reference-values.toml` and the support policies.
    Policies,
    /// `policies/exports/`: which policies feed which partner's list.
    Partners,
    /// `plans/`: plan tables, and planning inputs (the files named `*-forecast.toml`).
    Plans,
    /// `targets/`: reduction targets per unit and year.
    Targets,
    /// `review/`: the review workflows.
    Workflows,
    /// `scoring/`: the review's scoring tables.
    Scoring,
    /// `simulations/`: what-if scenarios, layered on the standards.
    Scenarios,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Standards,
        Kind::Policies,
        Kind::Partners,
        Kind::Plans,
        Kind::Targets,
        Kind::Workflows,
        Kind::Scoring,
        Kind::Scenarios,
    ];

    /// The subfolder of a rules folder that holds this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Standards => "standards",
            Kind::Policies => "policies",
            Kind::Partners => "policies/exports",
            Kind::Plans => "plans",
            Kind::Targets => "targets",
            Kind::Workflows => "review",
            Kind::Scoring => "scoring",
            Kind::Scenarios => "simulations",
        }
    }
}

/// The name of the reference-value table inside `policies/`.
pub const REFERENCE_VALUES_FILE: &str = "reference-values.toml";

/// The suffix that marks a file of `plans/` as planning inputs rather than a plan table.
pub const INPUTS_SUFFIX: &str = "-forecast.toml";

/// Every rule file as text, by kind; where each kind came from is kept for messages.
#[derive(Clone, Debug, Default)]
pub struct Files {
    pub standards: Vec<File>,
    pub reference_values: File,
    pub policies: Vec<File>,
    pub partners: Vec<File>,
    pub plans: Vec<File>,
    pub plan_inputs: Vec<File>,
    pub targets: Vec<File>,
    pub workflows: Vec<File>,
    pub scoring: Vec<File>,
    pub scenarios: Vec<File>,
    /// The kinds replaced from a folder, with that folder.
    pub replaced: Vec<(Kind, String)>,
}

fn owned(files: &[(&str, &str)]) -> Vec<File> {
    files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

impl Files {
    /// The files compiled into ansinh.
    pub fn builtin() -> Files {
        let (rn, rt) = builtin::REFERENCE_VALUES;
        Files {
            standards: owned(builtin::STANDARDS),
            reference_values: (rn.to_string(), rt.to_string()),
            policies: owned(builtin::POLICIES),
            partners: owned(&[builtin::PARTNERS]),
            plans: owned(builtin::PLANS),
            plan_inputs: owned(builtin::PLAN_INPUTS),
            targets: owned(builtin::TARGETS),
            workflows: owned(builtin::WORKFLOWS),
            scoring: owned(builtin::SCORING),
            scenarios: owned(builtin::SCENARIOS),
            replaced: Vec::new(),
        }
    }

    /// The built-in files with every kind whose subfolder `dir` has replaced by that subfolder's
    /// files. Every unreadable file is reported (`RULES_READ`), and `policies/` without
    /// `reference-values.toml` is `RULES_MISSING`.
    pub fn from_folder(dir: &Path) -> Result<Files, Vec<FileError>> {
        if !dir.is_dir() {
            return Err(vec![FileError {
                vi: format!("{}: không có thư mục quy tắc này", dir.display()),
                ..FileError::new(
                    dir.display().to_string(),
                    "RULES_READ",
                    "the rules folder does not exist or is not a folder",
                )
            }]);
        }
        let mut files = Files::builtin();
        let mut errors = Vec::new();
        for kind in Kind::ALL {
            let sub = dir.join(kind.folder());
            if sub.is_dir()
                && let Err(mut e) = files.replace(kind, &sub)
            {
                errors.append(&mut e);
            }
        }
        if errors.is_empty() {
            Ok(files)
        } else {
            Err(errors)
        }
    }

    /// Replaces the files of one kind by the `*.toml` files of `dir` (`--standards-dir`,
    /// `--policies-dir`, or a subfolder of a rules folder).
    pub fn replace(&mut self, kind: Kind, dir: &Path) -> Result<(), Vec<FileError>> {
        let mut read = read_toml_files(dir)?;
        match kind {
            Kind::Standards => self.standards = read,
            Kind::Policies => {
                let at = read.iter().position(|(n, _)| {
                    Path::new(n)
                        .file_name()
                        .is_some_and(|f| f == REFERENCE_VALUES_FILE)
                });
                let Some(at) = at else {
                    let folder = dir.display().to_string();
                    return Err(vec![FileError {
                        vi: format!(
                            "Thư mục chính sách thiếu tệp {REFERENCE_VALUES_FILE} (các giá trị tham chiếu: lương cơ sở, chuẩn trợ giúp xã hội…)"
                        ),
                        ..FileError::new(
                            folder,
                            "RULES_MISSING",
                            format!(
                                "a policies folder needs {REFERENCE_VALUES_FILE} (the dated reference values)"
                            ),
                        )
                    }]);
                };
                self.reference_values = read.remove(at);
                self.policies = read;
            }
            Kind::Partners => self.partners = read,
            Kind::Plans => {
                let (inputs, plans) = read
                    .into_iter()
                    .partition(|(n, _)| n.ends_with(INPUTS_SUFFIX));
                self.plans = plans;
                self.plan_inputs = inputs;
            }
            Kind::Targets => self.targets = read,
            Kind::Workflows => self.workflows = read,
            Kind::Scoring => self.scoring = read,
            Kind::Scenarios => self.scenarios = read,
        }
        self.replaced.retain(|(k, _)| *k != kind);
        self.replaced.push((kind, dir.display().to_string()));
        Ok(())
    }
}

/// The `*.toml` files directly inside `dir`, in name order, with their text.
fn read_toml_files(dir: &Path) -> Result<Vec<File>, Vec<FileError>> {
    let unreadable = |path: &Path, e: &std::io::Error| FileError {
        vi: format!("Không đọc được {}: {e}", path.display()),
        ..FileError::new(
            path.display().to_string(),
            "RULES_READ",
            format!("cannot read: {e}"),
        )
    };
    let entries = std::fs::read_dir(dir).map_err(|e| vec![unreadable(dir, &e)])?;
    let mut paths = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => {
                let p = e.path();
                if p.is_file() && p.extension().is_some_and(|x| x == "toml") {
                    paths.push(p);
                }
            }
            Err(e) => errors.push(unreadable(dir, &e)),
        }
    }
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        match std::fs::read_to_string(&p) {
            Ok(text) => out.push((p.display().to_string(), text)),
            Err(e) => errors.push(unreadable(&p, &e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
